package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"unicode"
)

// Protocols, security modes and authentication methods.
const (
	ProtocolIMAP = "imap"
	ProtocolPOP3 = "pop3"

	SecurityTLS      = "tls"      // TLS from the first byte (993, 995, 465)
	SecuritySTARTTLS = "starttls" // plain connection upgraded with STARTTLS

	AuthPlain = "plain"
	AuthLogin = "login"

	RemoteAsk    = "ask"
	RemoteAlways = "always"
	RemoteNever  = "never"
)

// Account is one mailbox: where mail comes from, where it goes, who sends it.
// It holds no password; those live in the keyring (package secret) under
// the account's ID.
type Account struct {
	ID           string         `json:"id"`
	DisplayName  string         `json:"displayName"`
	Email        string         `json:"email"`
	Incoming     IncomingServer `json:"incoming"`
	Outgoing     OutgoingServer `json:"outgoing"`
	Identities   []Identity     `json:"identities,omitempty"`
	Options      Options        `json:"options"`
	TrustedCerts []TrustedCert  `json:"trustedCerts,omitempty"`
}

// IncomingServer is the IMAP or POP3 server.
type IncomingServer struct {
	Protocol string `json:"protocol"` // "imap" or "pop3"
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Security string `json:"security"` // "tls" or "starttls"
	Username string `json:"username"`
	Auth     string `json:"auth"` // "plain" or "login"
}

// OutgoingServer is the SMTP submission server.
type OutgoingServer struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Security string `json:"security"`
	Username string `json:"username"`
	Auth     string `json:"auth"`
}

// Identity is a From address the account can send as.
type Identity struct {
	Name      string `json:"name"`
	Address   string `json:"address"`
	ReplyTo   string `json:"replyTo,omitempty"`
	Signature string `json:"signature,omitempty"`
}

// Options are per-account behaviours.
type Options struct {
	// CheckIntervalMinutes between automatic checks; 0 checks only on
	// demand. Default 10.
	CheckIntervalMinutes int `json:"checkIntervalMinutes"`
	// POP3LeaveOnServer keeps retrieved messages on a POP3 server.
	// Default true.
	POP3LeaveOnServer bool `json:"pop3LeaveOnServer"`
	// POP3DeleteAfterDays removes left messages from the server after this
	// many days; 0 never.
	POP3DeleteAfterDays int `json:"pop3DeleteAfterDays"`
	// POP3DeleteWhenDeletedLocally removes a message from the server when
	// the user deletes it here.
	POP3DeleteWhenDeletedLocally bool `json:"pop3DeleteWhenDeletedLocally"`
	// SyncWindowDays limits IMAP caching to recent mail; 0 keeps all.
	SyncWindowDays int `json:"syncWindowDays"`
	// RemoteContent: "ask" (default), "always" or "never" load remote
	// images and styles in HTML mail.
	RemoteContent string `json:"remoteContent"`
	// AllowedRemoteSenders whose remote content loads without asking:
	// addresses ("news@shop.example") or domains ("@shop.example").
	AllowedRemoteSenders []string `json:"allowedRemoteSenders,omitempty"`
}

// TrustedCert is a server certificate the user accepted although it did not
// verify, pinned by the SHA-256 of its DER encoding.
type TrustedCert struct {
	Host   string `json:"host"`
	SHA256 string `json:"sha256"` // lower-case hex, 64 digits
}

// DefaultOptions returns the options of a new account.
func DefaultOptions() Options {
	return Options{
		CheckIntervalMinutes: 10,
		POP3LeaveOnServer:    true,
		RemoteContent:        RemoteAsk,
	}
}

// UnmarshalJSON fills fields missing from the file with their defaults.
func (o *Options) UnmarshalJSON(b []byte) error {
	type plain Options
	p := plain(DefaultOptions())
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*o = Options(p)
	return nil
}

// UnmarshalJSON fills fields missing from the file with their defaults.
func (a *Account) UnmarshalJSON(b []byte) error {
	type plain Account
	p := plain{Options: DefaultOptions()}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*a = Account(p)
	return nil
}

// New returns an account with a fresh ID and default options.
func New() Account {
	return Account{ID: NewID(), Options: DefaultOptions()}
}

// NewID returns a random 16-digit hex account ID.
func NewID() string {
	var b [8]byte
	// crypto/rand.Read never fails on supported platforms.
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// DefaultPort returns the standard port for a protocol ("imap", "pop3",
// "smtp") and security mode, or 0 if unknown.
func DefaultPort(protocol, security string) int {
	tls := security == SecurityTLS
	switch protocol {
	case ProtocolIMAP:
		if tls {
			return 993
		}
		return 143
	case ProtocolPOP3:
		if tls {
			return 995
		}
		return 110
	case "smtp":
		if tls {
			return 465
		}
		return 587
	}
	return 0
}

// Normalize trims and lower-cases the fields that have fixed spellings and
// fills empty protocol, security, auth, ports and outgoing username with
// their usual values. It does not validate.
func (a *Account) Normalize() {
	a.DisplayName = strings.TrimSpace(a.DisplayName)
	a.Email = strings.TrimSpace(a.Email)
	in := &a.Incoming
	in.Protocol = lowerOr(in.Protocol, ProtocolIMAP)
	in.Security = lowerOr(in.Security, SecurityTLS)
	in.Auth = lowerOr(in.Auth, AuthPlain)
	in.Host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(in.Host)), ".")
	in.Username = strings.TrimSpace(in.Username)
	if in.Port == 0 {
		in.Port = DefaultPort(in.Protocol, in.Security)
	}
	out := &a.Outgoing
	out.Security = lowerOr(out.Security, SecurityTLS)
	out.Auth = lowerOr(out.Auth, AuthPlain)
	out.Host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(out.Host)), ".")
	out.Username = strings.TrimSpace(out.Username)
	if out.Username == "" {
		out.Username = in.Username
	}
	if out.Port == 0 {
		out.Port = DefaultPort("smtp", out.Security)
	}
	a.Options.RemoteContent = lowerOr(a.Options.RemoteContent, RemoteAsk)
	for i := range a.TrustedCerts {
		a.TrustedCerts[i].Host = strings.ToLower(strings.TrimSpace(a.TrustedCerts[i].Host))
		a.TrustedCerts[i].SHA256 = NormalizeFingerprint(a.TrustedCerts[i].SHA256)
	}
}

func lowerOr(s, def string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return def
	}
	return s
}

// FieldError is one invalid field. Field is a JSON-style path such as
// "incoming.port" or "identities[1].address".
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// ValidationError lists every invalid field of an account.
type ValidationError struct {
	AccountID string
	Fields    []*FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	id := ""
	if e.AccountID != "" {
		id = " " + e.AccountID
	}
	return "invalid account" + id + ": " + strings.Join(parts, "; ")
}

// Unwrap lets errors.As find each *FieldError.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Fields))
	for i, f := range e.Fields {
		errs[i] = f
	}
	return errs
}

// Validate checks every field and returns nil or a *ValidationError.
func (a *Account) Validate() error {
	v := &ValidationError{AccountID: a.ID}
	add := func(field, format string, args ...any) {
		v.Fields = append(v.Fields, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if err := checkID(a.ID); err != nil {
		add("id", "%v", err)
	}
	if err := CheckAddress(a.Email); err != nil {
		add("email", "%v", err)
	}
	in := a.Incoming
	if in.Protocol != ProtocolIMAP && in.Protocol != ProtocolPOP3 {
		add("incoming.protocol", "must be %q or %q, not %q", ProtocolIMAP, ProtocolPOP3, in.Protocol)
	}
	checkServer(add, "incoming", in.Host, in.Port, in.Security, in.Username, in.Auth)
	out := a.Outgoing
	checkServer(add, "outgoing", out.Host, out.Port, out.Security, out.Username, out.Auth)
	for i, id := range a.Identities {
		f := fmt.Sprintf("identities[%d]", i)
		if err := CheckAddress(id.Address); err != nil {
			add(f+".address", "%v", err)
		}
		if id.ReplyTo != "" {
			if err := CheckAddress(id.ReplyTo); err != nil {
				add(f+".replyTo", "%v", err)
			}
		}
		if strings.ContainsAny(id.Name, "\r\n") {
			add(f+".name", "must be one line")
		}
	}
	o := a.Options
	if o.CheckIntervalMinutes < 0 {
		add("options.checkIntervalMinutes", "must be 0 (only on demand) or more")
	}
	if o.POP3DeleteAfterDays < 0 {
		add("options.pop3DeleteAfterDays", "must be 0 (never) or more")
	}
	if o.SyncWindowDays < 0 {
		add("options.syncWindowDays", "must be 0 (all mail) or more")
	}
	switch o.RemoteContent {
	case RemoteAsk, RemoteAlways, RemoteNever:
	default:
		add("options.remoteContent", "must be %q, %q or %q, not %q", RemoteAsk, RemoteAlways, RemoteNever, o.RemoteContent)
	}
	for i, s := range o.AllowedRemoteSenders {
		if err := checkSender(s); err != nil {
			add(fmt.Sprintf("options.allowedRemoteSenders[%d]", i), "%v", err)
		}
	}
	for i, c := range a.TrustedCerts {
		f := fmt.Sprintf("trustedCerts[%d]", i)
		if err := CheckHost(c.Host); err != nil {
			add(f+".host", "%v", err)
		}
		if fp := NormalizeFingerprint(c.SHA256); len(fp) != 64 || !isHex(fp) {
			add(f+".sha256", "must be 64 hexadecimal digits")
		}
	}
	if len(v.Fields) == 0 {
		return nil
	}
	return v
}

func checkServer(add func(string, string, ...any), prefix, host string, port int, security, username, auth string) {
	if err := CheckHost(host); err != nil {
		add(prefix+".host", "%v", err)
	}
	if port < 1 || port > 65535 {
		add(prefix+".port", "must be between 1 and 65535, not %d", port)
	}
	if security != SecurityTLS && security != SecuritySTARTTLS {
		add(prefix+".security", "must be %q or %q, not %q", SecurityTLS, SecuritySTARTTLS, security)
	}
	if strings.TrimSpace(username) == "" {
		add(prefix+".username", "is required")
	} else if strings.ContainsAny(username, "\r\n\x00") {
		add(prefix+".username", "must not contain line breaks or NUL")
	}
	if auth != AuthPlain && auth != AuthLogin {
		add(prefix+".auth", "must be %q or %q, not %q", AuthPlain, AuthLogin, auth)
	}
}

func checkID(id string) error {
	if id == "" {
		return errors.New("is required")
	}
	if len(id) > 64 {
		return errors.New("is longer than 64 characters")
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return errors.New("may only contain letters, digits, '-' and '_'")
		}
	}
	return nil
}

// CheckHost accepts a host name (ASCII or internationalised labels), an
// IPv4 address or an IPv6 address without brackets. It rejects URLs, ports
// and spaces.
func CheckHost(host string) error {
	switch {
	case host == "":
		return errors.New("is required")
	case net.ParseIP(host) != nil:
		return nil
	case strings.Contains(host, "://"):
		return errors.New("must be a host name, not a URL")
	case strings.Contains(host, ":"):
		return errors.New("must not include a port; use the port field")
	case len(host) > 253:
		return errors.New("is longer than 253 characters")
	}
	for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if label == "" {
			return errors.New("has an empty label (\"..\")")
		}
		if len(label) > 63 {
			return fmt.Errorf("label %q is longer than 63 characters", label)
		}
		if strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return fmt.Errorf("label %q starts or ends with '-'", label)
		}
		for _, r := range label {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
				return fmt.Errorf("contains %q, not allowed in a host name", r)
			}
		}
	}
	return nil
}

// CheckAddress accepts a bare e-mail address such as "li.lei@example.cn"
// (no display name, no angle brackets). "user@localhost" is accepted.
func CheckAddress(addr string) error {
	if addr == "" {
		return errors.New("is required")
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || a.Address != addr {
		return fmt.Errorf("%q is not a plain e-mail address like name@example.org", addr)
	}
	at := strings.LastIndexByte(addr, '@')
	if err := CheckHost(addr[at+1:]); err != nil && !strings.HasPrefix(addr[at+1:], "[") {
		return fmt.Errorf("%q has an invalid domain: %v", addr, err)
	}
	return nil
}

func checkSender(s string) error {
	if d, ok := strings.CutPrefix(s, "@"); ok {
		return CheckHost(d)
	}
	return CheckAddress(s)
}

// NormalizeFingerprint lower-cases a hex fingerprint and drops ':' and
// space separators, so "AB:CD" and "abcd" compare equal.
func NormalizeFingerprint(fp string) string {
	return strings.ToLower(strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(fp)))
}

// Fingerprint returns the SHA-256 fingerprint of a DER certificate in the
// form TrustedCert uses.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// IsTrusted reports whether the user accepted this certificate fingerprint
// for this host. Host names compare case-insensitively; fingerprints in any
// common spelling (upper case, colons).
func (a *Account) IsTrusted(host, fingerprint string) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	fp := NormalizeFingerprint(fingerprint)
	if host == "" || len(fp) != 64 {
		return false
	}
	for _, c := range a.TrustedCerts {
		if strings.TrimSuffix(strings.ToLower(c.Host), ".") == host && NormalizeFingerprint(c.SHA256) == fp {
			return true
		}
	}
	return false
}

// Trust records that the user accepted a certificate for host. It returns
// an error for a malformed host or fingerprint and does nothing if the pair
// is already trusted.
func (a *Account) Trust(host, fingerprint string) error {
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	fp := NormalizeFingerprint(fingerprint)
	if err := CheckHost(host); err != nil {
		return &FieldError{Field: "trustedCerts.host", Msg: err.Error()}
	}
	if len(fp) != 64 || !isHex(fp) {
		return &FieldError{Field: "trustedCerts.sha256", Msg: "must be 64 hexadecimal digits"}
	}
	if a.IsTrusted(host, fp) {
		return nil
	}
	a.TrustedCerts = append(a.TrustedCerts, TrustedCert{Host: host, SHA256: fp})
	return nil
}

// DefaultIdentity is the first identity, or one made from the account's
// display name and address when none is configured.
func (a *Account) DefaultIdentity() Identity {
	if len(a.Identities) > 0 {
		return a.Identities[0]
	}
	return Identity{Name: a.DisplayName, Address: a.Email}
}

// RemoteContentAllowed tells whether remote content in mail from sender
// loads without asking, following Options.RemoteContent and
// AllowedRemoteSenders.
func (a *Account) RemoteContentAllowed(sender string) bool {
	switch a.Options.RemoteContent {
	case RemoteAlways:
		return true
	case RemoteNever:
		return false
	}
	sender = strings.ToLower(strings.TrimSpace(sender))
	at := strings.LastIndexByte(sender, '@')
	for _, s := range a.Options.AllowedRemoteSenders {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == sender || (strings.HasPrefix(s, "@") && at >= 0 && s == sender[at:]) {
			return true
		}
	}
	return false
}
