package message

import "strings"

// DecodeFlowed reflows text/plain; format=flowed content (RFC 3676). Lines
// ending in a space are soft breaks joined with the next line of the same
// quote depth; with delSp the trailing space is removed when joining.
// Space-stuffing is undone and quoted lines come back as "> " prefixed
// paragraphs.
func DecodeFlowed(text string, delSp bool) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	var out strings.Builder
	var para strings.Builder
	paraDepth := -1
	open := false
	writePara := func() {
		if !open {
			return
		}
		if out.Len() > 0 {
			out.WriteByte('\n')
		}
		if paraDepth > 0 {
			out.WriteString(strings.Repeat(">", paraDepth))
			out.WriteByte(' ')
		}
		out.WriteString(para.String())
		para.Reset()
		open = false
	}
	for i, line := range lines {
		if i == len(lines)-1 && line == "" {
			break // the final line break of the text
		}
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		content := line[depth:]
		// Remove space-stuffing (RFC 3676 4.4).
		content = strings.TrimPrefix(content, " ")
		if open && depth != paraDepth {
			// A change of quote depth ends a flowed paragraph (RFC 3676 4.5).
			writePara()
		}
		isSig := content == "-- "
		flowed := !isSig && strings.HasSuffix(content, " ")
		if flowed && delSp {
			content = content[:len(content)-1]
		}
		para.WriteString(content)
		paraDepth = depth
		open = true
		if !flowed {
			writePara()
		}
	}
	writePara()
	return out.String()
}

// TextBlock is a run of plain-text lines at one quotation level. Level 0 is
// the author's own text; Text has the "> " markers removed.
type TextBlock struct {
	Level int
	Text  string
}

// maxQuoteLevel caps the reported quotation depth.
const maxQuoteLevel = 64

// SplitQuotes splits plain text into runs of normal and quoted lines ("> "
// levels; "> >" and ">>" count alike) so a reader can collapse quotations.
func SplitQuotes(text string) []TextBlock {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []TextBlock
	var cur strings.Builder
	level := -1
	for _, line := range strings.Split(text, "\n") {
		l, content := quoteLevel(line)
		if l != level && level >= 0 {
			out = append(out, TextBlock{Level: level, Text: cur.String()})
			cur.Reset()
		} else if level >= 0 {
			cur.WriteByte('\n')
		}
		level = l
		cur.WriteString(content)
	}
	if level >= 0 {
		out = append(out, TextBlock{Level: level, Text: cur.String()})
	}
	// Drop empty trailing and leading normal blocks made only of blank lines.
	res := out[:0]
	for _, b := range out {
		if b.Level == 0 && strings.TrimSpace(b.Text) == "" && len(out) > 1 {
			continue
		}
		res = append(res, b)
	}
	return res
}

func quoteLevel(line string) (int, string) {
	level := 0
	i := 0
	for i < len(line) {
		if line[i] == '>' {
			level++
			i++
			continue
		}
		if line[i] == ' ' && i+1 < len(line) && line[i+1] == '>' && level > 0 {
			i++
			continue
		}
		break
	}
	if level == 0 {
		return 0, line
	}
	content := strings.TrimPrefix(line[i:], " ")
	if level > maxQuoteLevel {
		level = maxQuoteLevel
	}
	return level, content
}
