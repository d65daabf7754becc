package account

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"hongyan/mailcore/secret"
)

func TestLoadMissingGivesEmptyProfile(t *testing.T) {
	p, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != CurrentVersion || len(p.Accounts) != 0 || p.Settings.UndoSendSeconds != 5 || p.Settings.Theme != "system" || !p.Settings.Notifications {
		t.Fatalf("empty profile = %+v", p)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profile")
	p := NewProfile()
	a := validAccount()
	a.Identities = []Identity{{Name: "李雷", Address: "li.lei@example.cn", Signature: "-- \n李雷"}}
	a.Options.POP3LeaveOnServer = false
	a.Options.AllowedRemoteSenders = []string{"@example.org"}
	if _, err := p.Add(a); err != nil {
		t.Fatal(err)
	}
	p.Settings.Language = "zh-CN"
	p.Settings.MarkReadAfterSeconds = -1
	p.Settings.PaneSplits = []float64{0.2, 0.45}
	if err := p.Save(dir); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("\n  \"version\": 1,")) {
		t.Errorf("settings.json is not indented JSON with a version:\n%s", raw)
	}
	if fi, _ := os.Stat(filepath.Join(dir, FileName)); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	q, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, p, q) {
		t.Fatalf("round trip changed the profile:\n%+v\n%+v", p, q)
	}
	if q.Accounts[0].Options.POP3LeaveOnServer {
		t.Error("an explicit false came back as the default true")
	}
	// No temporary files are left behind.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("profile dir holds %d entries, want only settings.json", len(ents))
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return bytes.Equal(x, y)
}

func TestMissingFieldsTakeDefaults(t *testing.T) {
	dir := t.TempDir()
	doc := `{"version": 1, "accounts": [{"id": "abc", "email": "a@localhost",
	  "incoming": {"host": "localhost", "username": "a"},
	  "outgoing": {"host": "localhost"}}]}`
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := p.Find("abc")
	if a == nil || a.Options.CheckIntervalMinutes != 10 || !a.Options.POP3LeaveOnServer || a.Options.RemoteContent != RemoteAsk {
		t.Fatalf("account = %+v", a)
	}
	if a.Incoming.Port != 993 || a.Outgoing.Username != "a" || p.Settings.UndoSendSeconds != 5 {
		t.Fatalf("defaults not filled: %+v %+v", a, p.Settings)
	}
}

func TestBrokenFileIsKeptAside(t *testing.T) {
	for name, doc := range map[string]string{
		"bad json":     `{"version": 1, "accounts": [`,
		"wrong type":   `{"version": 1, "accounts": {"id": 3}}`,
		"invalid port": `{"version": 1, "accounts": [{"id": "x", "email": "a@localhost", "incoming": {"host": "localhost", "port": 99999, "username": "a"}, "outgoing": {"host": "localhost"}}]}`,
		"too new":      `{"version": 99}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			p, err := Load(dir)
			var be *BrokenProfileError
			if !errors.As(err, &be) {
				t.Fatalf("Load: %v, want *BrokenProfileError", err)
			}
			if p == nil || len(p.Accounts) != 0 {
				t.Fatalf("profile = %+v, want empty", p)
			}
			if !strings.HasPrefix(filepath.Base(be.KeptAt), "settings.json.broken-") || !strings.Contains(err.Error(), be.KeptAt) {
				t.Fatalf("kept at %q; message %q", be.KeptAt, err)
			}
			kept, rerr := os.ReadFile(be.KeptAt)
			if rerr != nil || string(kept) != doc {
				t.Fatalf("kept file = %q, %v", kept, rerr)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("broken file still in place: %v", err)
			}
			if name == "too new" && !errors.Is(err, ErrTooNew) {
				t.Errorf("cause %v, want ErrTooNew", err)
			}
			// The next Load starts cleanly.
			if _, err := Load(dir); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestMigrateFromFormat0(t *testing.T) {
	dir := t.TempDir()
	v0 := `{
  "theme": "dark",
  "language": "zh-CN",
  "accounts": [
    {"id": "old1", "name": "Li Lei", "email": "li.lei@example.cn",
     "protocol": "pop3", "server": "pop.example.cn", "port": 995, "ssl": true, "user": "lilei",
     "smtpServer": "smtp.example.cn", "smtpPort": 587, "smtpSsl": false,
     "signature": "李雷", "checkMinutes": 30, "leaveOnServer": false},
    {"name": "Han Meimei", "email": "han@example.org", "server": "imap.example.org", "user": "han",
     "smtpServer": "smtp.example.org", "smtpSsl": true}
  ]
}`
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte(v0), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 1 || p.Settings.Theme != "dark" || p.Settings.Language != "zh-CN" || p.Settings.UndoSendSeconds != 5 {
		t.Fatalf("profile = %+v", p)
	}
	a := p.Find("old1")
	if a == nil {
		t.Fatal("account old1 lost")
	}
	wantIn := IncomingServer{Protocol: "pop3", Host: "pop.example.cn", Port: 995, Security: "tls", Username: "lilei", Auth: "plain"}
	wantOut := OutgoingServer{Host: "smtp.example.cn", Port: 587, Security: "starttls", Username: "lilei", Auth: "plain"}
	if a.Incoming != wantIn || a.Outgoing != wantOut {
		t.Fatalf("servers = %+v %+v", a.Incoming, a.Outgoing)
	}
	if a.Options.CheckIntervalMinutes != 30 || a.Options.POP3LeaveOnServer || a.DefaultIdentity().Signature != "李雷" {
		t.Fatalf("options/identity = %+v %+v", a.Options, a.Identities)
	}
	b := p.Accounts[1]
	if b.ID == "" || b.Incoming.Protocol != "imap" || b.Incoming.Port != 143 || b.Incoming.Security != "starttls" ||
		b.Outgoing.Port != 465 || !b.Options.POP3LeaveOnServer || b.Options.CheckIntervalMinutes != 10 {
		t.Fatalf("second account = %+v", b)
	}
	// The original is kept and the file now has the new format.
	if old, err := os.ReadFile(path + ".v0.bak"); err != nil || string(old) != v0 {
		t.Fatalf("backup = %q, %v", old, err)
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte(`"version": 1`)) || bytes.Contains(raw, []byte(`"smtpServer"`)) {
		t.Fatalf("settings.json not rewritten:\n%s", raw)
	}
	q, err := Load(dir)
	if err != nil || !jsonEqual(t, p, q) {
		t.Fatalf("reload after migration: %v", err)
	}
}

func TestAccountListOperations(t *testing.T) {
	p := NewProfile()
	var ids []string
	for _, e := range []string{"a@localhost", "b@localhost", "c@localhost"} {
		a := validAccount()
		a.ID = ""
		a.Email = e
		id, err := p.Add(a)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	dup := *p.Find(ids[0])
	if _, err := p.Add(dup); !errors.Is(err, ErrDuplicateID) {
		t.Fatalf("duplicate Add: %v", err)
	}
	bad := validAccount()
	bad.Incoming.Port = -3
	if _, err := p.Add(bad); err == nil {
		t.Fatal("invalid account added")
	}
	order := func() string {
		var s []string
		for _, a := range p.Accounts {
			s = append(s, a.Email[:1])
		}
		return strings.Join(s, "")
	}
	if err := p.Move(ids[2], 0); err != nil || order() != "cab" {
		t.Fatalf("Move to front: %v %s", err, order())
	}
	if err := p.Move(ids[2], 99); err != nil || order() != "abc" {
		t.Fatalf("Move to end: %v %s", err, order())
	}
	if err := p.Move(ids[0], 1); err != nil || order() != "bac" {
		t.Fatalf("Move to middle: %v %s", err, order())
	}
	upd := *p.Find(ids[1])
	upd.DisplayName = "Bee"
	if err := p.Update(upd); err != nil || p.Find(ids[1]).DisplayName != "Bee" {
		t.Fatalf("Update: %v", err)
	}
	if err := p.Remove(ids[1]); err != nil || order() != "ac" || p.Find(ids[1]) != nil {
		t.Fatalf("Remove: %v %s", err, order())
	}
	if err := p.Remove("nope"); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("Remove unknown: %v", err)
	}
	if err := p.Move("nope", 0); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("Move unknown: %v", err)
	}
	// Order survives a save.
	dir := t.TempDir()
	if err := p.Save(dir); err != nil {
		t.Fatal(err)
	}
	q, err := Load(dir)
	if err != nil || q.Accounts[0].ID != ids[0] || q.Accounts[1].ID != ids[2] {
		t.Fatalf("order after reload: %v", err)
	}
}

func TestSaveRefusesInvalidProfile(t *testing.T) {
	p := NewProfile()
	p.Settings.Theme = "neon"
	dir := t.TempDir()
	if err := p.Save(dir); err == nil || !strings.Contains(err.Error(), "settings.theme") {
		t.Fatalf("Save: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("an invalid profile was written")
	}
}

// A password handed to the keyring while an account is set up never ends up
// in settings.json.
func TestSettingsFileHoldsNoPassword(t *testing.T) {
	keyring.MockInit()
	const pw = "Tr0ub4dor&3-unique-test-password"
	store := secret.NewKeyringStore(0)
	dir := t.TempDir()
	p := NewProfile()
	id, err := p.Add(validAccount())
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{secret.RoleIncoming, secret.RoleOutgoing} {
		if err := store.Set(id, role, pw); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Save(dir); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(pw)) || bytes.Contains(bytes.ToLower(raw), []byte("password")) {
			t.Fatalf("%s contains a password", e.Name())
		}
	}
	if got, err := store.Get(id, secret.RoleIncoming); err != nil || got != pw {
		t.Fatalf("keyring lost the password: %q %v", got, err)
	}
}

func TestRemoveAccountRunsHooks(t *testing.T) {
	keyring.MockInit()
	store := secret.NewKeyringStore(0)
	dir := t.TempDir()
	p := NewProfile()
	id, _ := p.Add(validAccount())
	other, _ := p.Add(validAccount())
	if err := store.Set(id, secret.RoleIncoming, "pw"); err != nil { // no outgoing password stored
		t.Fatal(err)
	}
	cache := AccountCacheDir(dir, id)
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cache, "cache.db"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	// A failing hook leaves the account in place.
	failing := StandardRemoveHooks(store, dir)
	failing.DeleteCache = func(string) error { return errors.New("disk on fire") }
	err := p.RemoveAccount(id, failing)
	var re *RemoveError
	if !errors.As(err, &re) || re.Step != "cache" || p.Find(id) == nil {
		t.Fatalf("RemoveAccount with failing hook: %v", err)
	}

	if err := p.RemoveAccount(id, StandardRemoveHooks(store, dir)); err != nil {
		t.Fatal(err)
	}
	if p.Find(id) != nil || p.Find(other) == nil {
		t.Fatal("wrong account removed")
	}
	if _, err := store.Get(id, secret.RoleIncoming); !errors.Is(err, secret.ErrNotFound) {
		t.Fatalf("password still stored: %v", err)
	}
	if _, err := os.Stat(cache); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("cache still there: %v", err)
	}
	if _, err := os.Stat(CacheDir(dir)); err != nil {
		t.Fatalf("the whole cache dir went: %v", err)
	}

	// An unavailable keyring stops the removal with a clear error.
	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	err = p.RemoveAccount(other, StandardRemoveHooks(secret.NewKeyringStore(0), dir))
	if !errors.As(err, &re) || !errors.Is(err, secret.ErrUnavailable) || p.Find(other) == nil {
		t.Fatalf("RemoveAccount with keyring down: %v", err)
	}
}

func TestDefaultProfileDir(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/tmp/xdg-test")
	base, err := os.UserConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	d, err := DefaultProfileDir()
	if err != nil || d != filepath.Join(base, "hongyan") {
		t.Fatalf("DefaultProfileDir = %q, %v", d, err)
	}
	if CacheDir(d) != filepath.Join(base, "hongyan", "cache") {
		t.Fatalf("CacheDir = %q", CacheDir(d))
	}
}

func TestHandWrittenPasswordIsScrubbed(t *testing.T) {
	dir := t.TempDir()
	doc := `{"version": 1, "accounts": [{"id": "abc", "email": "a@localhost",
	  "incoming": {"host": "localhost", "username": "a", "password": "hand-typed-secret"},
	  "outgoing": {"host": "localhost"}}]}`
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(dir)
	if err != nil || p.Find("abc") == nil {
		t.Fatalf("Load: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		raw, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if bytes.Contains(raw, []byte("hand-typed-secret")) {
			t.Fatalf("%s still holds the password", e.Name())
		}
	}
	if len(ents) != 1 {
		t.Fatalf("%d files in the profile dir, want 1", len(ents))
	}
}
