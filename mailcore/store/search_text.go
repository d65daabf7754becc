package store

import (
	"encoding/json"
	"hash/maphash"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"hongyan/mailcore/message"
)

// MaxIndexedBodyBytes bounds the body text indexed per message. Longer
// bodies are indexed up to this size; it keeps one huge message from
// dominating index size and write time.
const MaxIndexedBodyBytes = 256 << 10

// IsCJK reports whether r is written without spaces between words (Han,
// Hiragana, Katakana, Hangul) and is therefore indexed as bigrams.
func IsCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// SearchSegment rewrites text for the unicode61 word index: every run of CJK
// characters becomes its overlapping bigrams followed by the run's last
// character ("会议纪要" → "会议 议纪 纪要 要"), separated from neighbouring
// non-CJK text by spaces; other text is left for the tokenizer. A word of
// two characters is then exactly one token, a longer one a phrase of
// consecutive bigrams, and a single character the prefix of a token.
//
// The word tokenizer would otherwise treat a whole CJK sentence as one word;
// SQLite has no CJK tokenizer and a dictionary segmenter would be a large
// dependency for little gain in mail search.
func SearchSegment(s string) string {
	hasCJK := false
	for _, r := range s {
		if r >= 0x2E80 && IsCJK(r) {
			hasCJK = true
			break
		}
	}
	if !hasCJK {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) * 3)
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		b.WriteByte(' ')
		for i := 0; i+1 < len(run); i++ {
			b.WriteRune(run[i])
			b.WriteRune(run[i+1])
			b.WriteByte(' ')
		}
		b.WriteRune(run[len(run)-1])
		b.WriteByte(' ')
		run = run[:0]
	}
	for _, r := range s {
		if r >= 0x2E80 && IsCJK(r) {
			run = append(run, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}

// SearchQuerySegment rewrites one query word the way SearchSegment rewrote
// the indexed text, returning the tokens to match in order: CJK runs of two
// or more characters give their bigrams only (a run of one character gives
// itself, to be matched as a prefix). prefixLast reports whether the last
// token is a lone CJK character.
func SearchQuerySegment(s string) (tokens []string, lastIsSingleCJK bool) {
	var run []rune
	var other strings.Builder
	flushOther := func() {
		if other.Len() > 0 {
			tokens = append(tokens, other.String())
			other.Reset()
		}
	}
	flushRun := func() {
		switch len(run) {
		case 0:
			return
		case 1:
			tokens = append(tokens, string(run))
			lastIsSingleCJK = true
		default:
			for i := 0; i+1 < len(run); i++ {
				tokens = append(tokens, string(run[i:i+2]))
			}
			lastIsSingleCJK = false
		}
		run = run[:0]
	}
	for _, r := range s {
		if r >= 0x2E80 && IsCJK(r) {
			flushOther()
			run = append(run, r)
			continue
		}
		flushRun()
		lastIsSingleCJK = false
		other.WriteRune(r)
	}
	flushRun()
	flushOther()
	if len(tokens) > 0 && !isCJKToken(tokens[len(tokens)-1]) {
		lastIsSingleCJK = false
	}
	return tokens, lastIsSingleCJK
}

func isCJKToken(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	return IsCJK(r)
}

// addrsText flattens the To and Cc JSON of a message row into "name addr"
// text for the index.
func addrsText(toJSON, ccJSON string) string {
	var b strings.Builder
	for _, j := range []string{toJSON, ccJSON} {
		var as []Address
		if j == "" || json.Unmarshal([]byte(j), &as) != nil {
			continue
		}
		for _, a := range as {
			if a.Name != "" {
				b.WriteString(a.Name)
				b.WriteByte(' ')
			}
			b.WriteString(a.Addr)
			b.WriteByte(' ')
		}
	}
	return strings.TrimSpace(b.String())
}

// indexedBody is what the index keeps of a cached body.
type indexedBody struct {
	body, attach string
}

// The triggers ask for the body text and the attachment names of the same
// raw message in consecutive calls (and SetBody's preview update asks
// again); a small cache keyed by a hash of the source parses each body once.
var (
	bodyCacheMu   sync.Mutex
	bodyCacheSeed = maphash.MakeSeed()
	bodyCache     [4]struct {
		key  uint64
		size int
		val  indexedBody
	}
	bodyCacheNext int
)

func bodyIndexText(raw []byte) indexedBody {
	key := maphash.Bytes(bodyCacheSeed, raw)
	bodyCacheMu.Lock()
	for _, e := range bodyCache {
		if e.key == key && e.size == len(raw) {
			bodyCacheMu.Unlock()
			return e.val
		}
	}
	bodyCacheMu.Unlock()

	v := parseForIndex(raw)

	bodyCacheMu.Lock()
	bodyCache[bodyCacheNext] = struct {
		key  uint64
		size int
		val  indexedBody
	}{key, len(raw), v}
	bodyCacheNext = (bodyCacheNext + 1) % len(bodyCache)
	bodyCacheMu.Unlock()
	return v
}

func parseForIndex(raw []byte) (v indexedBody) {
	defer func() {
		if recover() != nil {
			v = indexedBody{}
		}
	}()
	m, err := message.Parse(raw)
	if err != nil || m == nil {
		return indexedBody{}
	}
	text := m.Text
	if text == "" && m.HTML != "" {
		text = message.BlocksToText(message.HTMLToBlocks(m.HTML))
	}
	if len(text) > MaxIndexedBodyBytes {
		cut := MaxIndexedBodyBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	names := make([]string, 0, len(m.Attachments))
	for _, a := range m.Attachments {
		if a.Name != "" {
			names = append(names, a.Name)
		}
	}
	return indexedBody{body: text, attach: strings.Join(names, " ")}
}
