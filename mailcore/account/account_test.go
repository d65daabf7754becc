package account

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func validAccount() Account {
	a := New()
	a.DisplayName = "Li Lei"
	a.Email = "li.lei@example.cn"
	a.Incoming = IncomingServer{Protocol: "IMAP", Host: "Imap.Example.CN", Security: "tls", Username: "li.lei"}
	a.Outgoing = OutgoingServer{Host: "smtp.example.cn", Security: "starttls"}
	a.Normalize()
	return a
}

func TestNormalizeFillsDefaults(t *testing.T) {
	a := validAccount()
	if a.Incoming.Protocol != "imap" || a.Incoming.Host != "imap.example.cn" || a.Incoming.Port != 993 || a.Incoming.Auth != AuthPlain {
		t.Errorf("incoming = %+v", a.Incoming)
	}
	if a.Outgoing.Port != 587 || a.Outgoing.Username != "li.lei" {
		t.Errorf("outgoing = %+v", a.Outgoing)
	}
	if !reflect.DeepEqual(a.Options, DefaultOptions()) {
		t.Errorf("options = %+v", a.Options)
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("valid account rejected: %v", err)
	}
	if len(a.ID) != 16 || NewID() == NewID() {
		t.Errorf("IDs are not random 16-digit hex: %q", a.ID)
	}
}

func TestValidateErrors(t *testing.T) {
	cases := []struct {
		field string
		edit  func(*Account)
	}{
		{"id", func(a *Account) { a.ID = "../etc" }},
		{"email", func(a *Account) { a.Email = "Li Lei <li@example.cn>" }},
		{"email", func(a *Account) { a.Email = "no-at-sign" }},
		{"incoming.protocol", func(a *Account) { a.Incoming.Protocol = "jmap" }},
		{"incoming.host", func(a *Account) { a.Incoming.Host = "" }},
		{"incoming.host", func(a *Account) { a.Incoming.Host = "imaps://imap.example.cn" }},
		{"incoming.host", func(a *Account) { a.Incoming.Host = "imap.example.cn:993" }},
		{"incoming.host", func(a *Account) { a.Incoming.Host = "bad host" }},
		{"incoming.port", func(a *Account) { a.Incoming.Port = 0 }},
		{"outgoing.port", func(a *Account) { a.Outgoing.Port = 70000 }},
		{"outgoing.security", func(a *Account) { a.Outgoing.Security = "none" }},
		{"outgoing.auth", func(a *Account) { a.Outgoing.Auth = "cram-md5" }},
		{"incoming.username", func(a *Account) { a.Incoming.Username = " " }},
		{"identities[0].address", func(a *Account) { a.Identities = []Identity{{Name: "x", Address: "x@"}} }},
		{"identities[0].replyTo", func(a *Account) {
			a.Identities = []Identity{{Address: "x@example.cn", ReplyTo: "nope"}}
		}},
		{"options.remoteContent", func(a *Account) { a.Options.RemoteContent = "sometimes" }},
		{"options.checkIntervalMinutes", func(a *Account) { a.Options.CheckIntervalMinutes = -1 }},
		{"options.allowedRemoteSenders[0]", func(a *Account) { a.Options.AllowedRemoteSenders = []string{"@bad domain"} }},
		{"trustedCerts[0].sha256", func(a *Account) { a.TrustedCerts = []TrustedCert{{Host: "h.example", SHA256: "abc"}} }},
	}
	for _, c := range cases {
		a := validAccount()
		c.edit(&a)
		err := a.Validate()
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: got %v, want *ValidationError", c.field, err)
			continue
		}
		var fe *FieldError
		if !errors.As(err, &fe) || ve.Fields[0].Field != c.field {
			t.Errorf("%s: fields %v", c.field, err)
		}
		if !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: message %q does not name the field", c.field, err)
		}
	}
}

func TestAddressAndHostSyntax(t *testing.T) {
	for _, ok := range []string{"a@localhost", "li.lei@example.cn", "user+tag@mail.example.org", "a@127.0.0.1"} {
		if err := CheckAddress(ok); err != nil {
			t.Errorf("CheckAddress(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a", "a@", "@b.c", "a b@c.d", "<a@b.c>", "a@b..c", "a@-b.c"} {
		if CheckAddress(bad) == nil {
			t.Errorf("CheckAddress(%q) accepted", bad)
		}
	}
	for _, ok := range []string{"localhost", "127.0.0.1", "::1", "邮件.中国", "mail-1.example.org"} {
		if err := CheckHost(ok); err != nil {
			t.Errorf("CheckHost(%q): %v", ok, err)
		}
	}
}

func TestTrust(t *testing.T) {
	a := validAccount()
	fp := Fingerprint([]byte("certificate DER bytes"))
	if a.IsTrusted("imap.example.cn", fp) {
		t.Fatal("trusted before Trust")
	}
	// Upper case with colons, as certificate viewers show it.
	var colon []string
	for i := 0; i < len(fp); i += 2 {
		colon = append(colon, strings.ToUpper(fp[i:i+2]))
	}
	if err := a.Trust("IMAP.example.cn", strings.Join(colon, ":")); err != nil {
		t.Fatal(err)
	}
	if err := a.Trust("imap.example.cn", fp); err != nil || len(a.TrustedCerts) != 1 {
		t.Fatalf("duplicate trust: %v, %d entries", err, len(a.TrustedCerts))
	}
	if !a.IsTrusted("imap.example.cn", fp) || !a.IsTrusted("Imap.Example.CN.", strings.ToUpper(fp)) {
		t.Error("IsTrusted false for the trusted pair")
	}
	if a.IsTrusted("smtp.example.cn", fp) {
		t.Error("trust leaked to another host")
	}
	if a.IsTrusted("imap.example.cn", Fingerprint([]byte("other"))) {
		t.Error("another certificate is trusted")
	}
	if a.IsTrusted("imap.example.cn", "") || a.Trust("h", "zz") == nil {
		t.Error("malformed fingerprints accepted")
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestRemoteContentAllowed(t *testing.T) {
	a := validAccount()
	a.Options.AllowedRemoteSenders = []string{"News@Shop.example", "@example.org"}
	if !a.RemoteContentAllowed("news@shop.example") || !a.RemoteContentAllowed("x@EXAMPLE.org") {
		t.Error("allowed senders not allowed")
	}
	if a.RemoteContentAllowed("x@other.example") || a.RemoteContentAllowed("x@sub.example.org") {
		t.Error("other senders allowed under ask")
	}
	a.Options.RemoteContent = RemoteNever
	if a.RemoteContentAllowed("news@shop.example") {
		t.Error("never allows")
	}
	a.Options.RemoteContent = RemoteAlways
	if !a.RemoteContentAllowed("anyone@anywhere.example") {
		t.Error("always refuses")
	}
}

func TestDefaultIdentity(t *testing.T) {
	a := validAccount()
	if id := a.DefaultIdentity(); id.Name != "Li Lei" || id.Address != "li.lei@example.cn" {
		t.Errorf("derived identity = %+v", id)
	}
	a.Identities = []Identity{{Name: "Support", Address: "support@example.cn"}}
	if a.DefaultIdentity().Address != "support@example.cn" {
		t.Error("first identity is not the default")
	}
}

// The model has no field that could hold a password.
func TestNoPasswordFields(t *testing.T) {
	var found []string
	secretFieldNames(reflect.TypeOf(Profile{}), "", &found)
	if len(found) != 0 {
		t.Fatalf("password-like fields in the settings model: %v", found)
	}
	// The guard itself recognises such names.
	for _, k := range []string{"password", "smtpPass", "pass", "apiToken", "clientSecret"} {
		if !IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = false", k)
		}
	}
	for _, k := range []string{"pop3LeaveOnServer", "passive", "username", "host"} {
		if IsSecretKey(k) {
			t.Errorf("IsSecretKey(%q) = true", k)
		}
	}
	if err := checkNoSecretKeys([]byte(`{"accounts":[{"incoming":{"password":"x"}}]}`)); !errors.Is(err, ErrSecretField) {
		t.Errorf("checkNoSecretKeys: %v", err)
	}
}
