package mailcore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/message"
	"hongyan/mailcore/smtp"
	"hongyan/mailcore/store"
)

// DefaultSizeLimit is assumed for a server that announces no SIZE.
const DefaultSizeLimit = 25 << 20

// ComposeIdentity is one From address the user can send as: an identity
// of an account, or the account's own address when it has none.
type ComposeIdentity struct {
	AccountID   string
	AccountName string
	Name        string
	Address     string
	ReplyTo     string
	Signature   string
}

// From is the identity as a message address.
func (c ComposeIdentity) From() message.Address {
	return message.Address{Name: c.Name, Email: c.Address}
}

// ComposeIdentities lists every identity of every account, in account
// order.
func (e *Engine) ComposeIdentities() []ComposeIdentity {
	var out []ComposeIdentity
	for _, a := range e.Accounts() {
		name := a.DisplayName
		if name == "" {
			name = a.Email
		}
		if len(a.Identities) == 0 {
			out = append(out, ComposeIdentity{AccountID: a.ID, AccountName: name, Name: a.DisplayName, Address: a.Email})
			continue
		}
		for _, id := range a.Identities {
			out = append(out, ComposeIdentity{AccountID: a.ID, AccountName: name, Name: id.Name,
				Address: id.Address, ReplyTo: id.ReplyTo, Signature: id.Signature})
		}
	}
	return out
}

// SelfAddresses are the user's own addresses across every account, so a
// reply-all never goes back to any of them.
func (e *Engine) SelfAddresses() []message.Address {
	var out []message.Address
	seen := map[string]bool{}
	for _, id := range e.ComposeIdentities() {
		k := strings.ToLower(strings.TrimSpace(id.Address))
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, id.From())
	}
	return out
}

// original loads and parses a cached (or fetched) message for a reply or
// a forward.
func (e *Engine) original(ctx context.Context, msgID int64) (message.Original, string, error) {
	acct, err := e.accountOfMessage(ctx, msgID)
	if err != nil {
		return message.Original{}, "", err
	}
	raw, err := e.Body(ctx, msgID)
	if err != nil {
		return message.Original{}, acct, err
	}
	m, err := message.Parse(raw)
	if err != nil {
		return message.Original{}, acct, &mailerr.Error{Kind: mailerr.Protocol, Op: "parse", Text: "the message cannot be read", Err: err}
	}
	o := message.Original{From: m.From, ReplyTo: m.ReplyTo, To: m.To, Cc: m.Cc, Subject: m.Subject,
		Date: m.Date, MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References,
		Text: m.Text, Raw: raw}
	if strings.TrimSpace(o.Text) == "" && m.HTML != "" {
		o.Text = message.BlocksToText(message.HTMLToBlocks(m.HTML))
	}
	for i, a := range m.Attachments {
		if a.Inline && a.ContentID != "" {
			continue // pictures of the HTML body do not travel with a plain text forward
		}
		data, err := m.AttachmentData(i)
		if err != nil {
			continue
		}
		o.Attachments = append(o.Attachments, message.DraftAttachment{Data: data, Name: a.Name, ContentType: a.ContentType})
	}
	return o, acct, nil
}

// selfFirst returns the user's addresses with the given account's
// identities first, so a reply defaults to that account.
func (e *Engine) selfFirst(acct string) []message.Address {
	var mine, others []message.Address
	for _, id := range e.ComposeIdentities() {
		if id.AccountID == acct {
			mine = append(mine, id.From())
		} else {
			others = append(others, id.From())
		}
	}
	return append(mine, others...)
}

// ReplyDraft prepares a reply (to all with all) to a cached message, its
// attribution line in w (the zero Wording is English). It returns the
// account the reply should be sent from: the one whose identity the
// original was addressed to, else the message's own account.
func (e *Engine) ReplyDraft(ctx context.Context, msgID int64, all bool, w message.Wording) (string, *message.Draft, error) {
	o, acct, err := e.original(ctx, msgID)
	if err != nil {
		return acct, nil, err
	}
	d := w.ReplyDraft(o, e.selfFirst(acct), all)
	return e.accountOfAddress(d.From.Email, acct), d, nil
}

// ForwardDraft prepares a forward of a cached message, inline (its lines
// in w) or as an attachment, from the message's account's first identity.
func (e *Engine) ForwardDraft(ctx context.Context, msgID int64, asAttachment bool, w message.Wording) (string, *message.Draft, error) {
	o, acct, err := e.original(ctx, msgID)
	if err != nil {
		return acct, nil, err
	}
	var from message.Address
	if self := e.selfFirst(acct); len(self) > 0 {
		from = self[0]
	}
	return acct, w.ForwardDraft(o, from, asAttachment), nil
}

// accountOfAddress finds the account owning an identity address.
func (e *Engine) accountOfAddress(addr, fallback string) string {
	for _, id := range e.ComposeIdentities() {
		if id.AccountID == fallback && strings.EqualFold(id.Address, addr) {
			return fallback
		}
	}
	for _, id := range e.ComposeIdentities() {
		if strings.EqualFold(id.Address, addr) {
			return id.AccountID
		}
	}
	return fallback
}

// draftMeta is what the drafts table keeps of a draft: the draft without
// attachment bytes, and the hash of each attachment's bytes.
type draftMeta struct {
	Version int
	Draft   message.Draft
	Blobs   []string
}

// SaveDraft stores a draft durably in the local cache (one transaction:
// after a crash either the previous or this version is there, whole) and
// returns its id (pass 0 the first time). Attachments given by path are
// read now, so the draft survives the file being moved.
func (e *Engine) SaveDraft(ctx context.Context, draftID int64, accountID string, d *message.Draft) (int64, error) {
	// A draft keeps one Message-ID for its whole life, so that its server
	// copy can be found and replaced at each save.
	if d.MessageID == "" {
		d.MessageID = message.NewMessageID(d.From.Email)
	}
	meta := draftMeta{Version: 1, Draft: *d}
	meta.Draft.Attachments = make([]message.DraftAttachment, len(d.Attachments))
	blobs := map[string][]byte{}
	for i, a := range d.Attachments {
		data := a.Data
		if data == nil && a.Path != "" {
			var err error
			data, err = os.ReadFile(a.Path)
			if err != nil {
				return draftID, &mailerr.Error{Kind: mailerr.Storage, Op: "save draft", Text: "cannot read attachment " + a.Path, Err: err}
			}
		}
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		blobs[h] = data
		a.Data = nil
		if a.Name == "" && a.Path != "" {
			a.Name = baseName(a.Path)
		}
		meta.Draft.Attachments[i] = a
		meta.Blobs = append(meta.Blobs, h)
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return draftID, &mailerr.Error{Kind: mailerr.Storage, Op: "save draft", Err: err}
	}
	id, err := e.store.SaveDraft(ctx, store.DraftRecord{ID: draftID, Account: accountID, Subject: d.Subject, Meta: b}, blobs)
	if err == nil {
		full := *d
		full.Attachments = append([]message.DraftAttachment(nil), d.Attachments...)
		for i, h := range meta.Blobs {
			if full.Attachments[i].Data == nil && full.Attachments[i].Path == "" {
				full.Attachments[i].Data = blobs[h]
			}
		}
		e.syncServerDraft(accountID, full, false)
	}
	return id, err
}

func baseName(p string) string {
	p = strings.TrimRight(p, `/\`)
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// LoadDraft returns a saved draft with its attachments' bytes and its
// account.
func (e *Engine) LoadDraft(ctx context.Context, draftID int64) (string, *message.Draft, error) {
	rec, blobs, err := e.store.Draft(ctx, draftID)
	if err != nil {
		return "", nil, err
	}
	var meta draftMeta
	if err := json.Unmarshal(rec.Meta, &meta); err != nil {
		return rec.Account, nil, &mailerr.Error{Kind: mailerr.Storage, Op: "load draft", Text: "the saved draft is damaged", Err: err}
	}
	d := meta.Draft
	for i := range d.Attachments {
		if i < len(meta.Blobs) {
			if data, ok := blobs[meta.Blobs[i]]; ok {
				d.Attachments[i].Data = data
				d.Attachments[i].Path = ""
				continue
			}
		}
		// bytes missing: fall back to the file the user picked
	}
	return rec.Account, &d, nil
}

// DeleteDraft removes a saved draft (after sending or discarding).
func (e *Engine) DeleteDraft(ctx context.Context, draftID int64) error {
	acct, d, lerr := e.LoadDraft(ctx, draftID)
	if err := e.store.DeleteDraft(ctx, draftID); err != nil {
		return err
	}
	if lerr == nil {
		e.syncServerDraft(acct, *d, true)
	}
	return nil
}

// Drafts lists saved drafts of an account ("" for all), newest first.
func (e *Engine) Drafts(ctx context.Context, accountID string) ([]store.DraftRecord, error) {
	return e.store.Drafts(ctx, accountID)
}

// addrBook caches the ranked address book of one engine; it is rebuilt
// from the cache when older than addrBookTTL.
type addrBook struct {
	mu    sync.Mutex
	built time.Time
	list  []store.AddressUse
}

const addrBookTTL = 2 * time.Minute

var addrBooks sync.Map // *Engine → *addrBook

// RefreshAddressBook drops the cached address book so the next lookup
// reads the store again (after sending, say).
func (e *Engine) RefreshAddressBook() {
	if v, ok := addrBooks.Load(e); ok {
		b := v.(*addrBook)
		b.mu.Lock()
		b.built = time.Time{}
		b.mu.Unlock()
	}
}

// SuggestAddresses returns up to limit known correspondents matching what
// the user typed: the start of the address, of its domain, or of a word of
// the name, case-insensitively; the best ranked first. The user's own
// addresses are left out.
func (e *Engine) SuggestAddresses(ctx context.Context, typed string, limit int) ([]message.Address, error) {
	typed = strings.ToLower(strings.TrimSpace(typed))
	if typed == "" || limit <= 0 {
		return nil, nil
	}
	v, _ := addrBooks.LoadOrStore(e, &addrBook{})
	b := v.(*addrBook)
	b.mu.Lock()
	if time.Since(b.built) > addrBookTTL {
		list, err := e.store.AddressBook(ctx, 0)
		if err != nil {
			b.mu.Unlock()
			return nil, err
		}
		b.list, b.built = list, time.Now()
	}
	list := b.list
	b.mu.Unlock()
	self := map[string]bool{}
	for _, s := range e.SelfAddresses() {
		self[strings.ToLower(s.Email)] = true
	}
	type hit struct {
		u    store.AddressUse
		rank int
	}
	var hits []hit
	for _, u := range list {
		if self[u.Addr] {
			continue
		}
		r := matchRank(u, typed)
		if r < 0 {
			continue
		}
		hits = append(hits, hit{u, r})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].rank != hits[j].rank {
			return hits[i].rank < hits[j].rank
		}
		return hits[i].u.Score > hits[j].u.Score
	})
	var out []message.Address
	for _, h := range hits {
		if len(out) == limit {
			break
		}
		out = append(out, message.Address{Name: h.u.Name, Email: h.u.Addr})
	}
	return out, nil
}

// matchRank is 0 for an address prefix, 1 for a name word prefix, 2 for a
// domain prefix, -1 for no match.
func matchRank(u store.AddressUse, typed string) int {
	if strings.HasPrefix(u.Addr, typed) {
		return 0
	}
	name := strings.ToLower(u.Name)
	if strings.HasPrefix(name, typed) {
		return 1
	}
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == '.' || r == ',' || r == '-' }) {
		if strings.HasPrefix(w, typed) {
			return 1
		}
	}
	if at := strings.LastIndexByte(u.Addr, '@'); at >= 0 && strings.HasPrefix(u.Addr[at+1:], typed) {
		return 2
	}
	return -1
}

var sizeLimits sync.Map // accountID → int64 learned from the server

// SizeLimit is the largest message the account's submission server takes:
// its SIZE announcement, learnt by connecting once (then remembered), or
// DefaultSizeLimit when it announces none or cannot be reached.
func (e *Engine) SizeLimit(ctx context.Context, accountID string) int64 {
	if v, ok := sizeLimits.Load(accountID); ok {
		return v.(int64)
	}
	cfg, err := e.smtpConfig(ctx, accountID)
	if err != nil {
		return DefaultSizeLimit
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cfg.Timeout = 20 * time.Second
	s, err := smtp.Dial(cctx, cfg)
	if err != nil {
		return DefaultSizeLimit
	}
	n := s.MaxSize()
	s.Close()
	if n <= 0 {
		n = DefaultSizeLimit
	}
	sizeLimits.Store(accountID, n)
	return n
}
