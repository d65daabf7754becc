package account

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"time"
)

// CurrentVersion is the settings.json format this code writes.
const CurrentVersion = 1

// FileName is the settings file inside the profile directory.
const FileName = "settings.json"

// Profile is everything in settings.json. The order of Accounts is the
// order shown in the application.
type Profile struct {
	Version  int         `json:"version"`
	Accounts []Account   `json:"accounts"`
	Settings AppSettings `json:"settings"`
}

// AppSettings are application-wide preferences.
type AppSettings struct {
	Theme    string `json:"theme"`    // "system", "light" or "dark"
	Language string `json:"language"` // "system", "en" or "zh-CN"
	// Notifications for new mail on the desktop.
	Notifications bool `json:"notifications"`
	// MarkReadAfterSeconds marks a shown message read after this delay;
	// 0 at once, -1 never.
	MarkReadAfterSeconds int `json:"markReadAfterSeconds"`
	// UndoSendSeconds a sent message waits in the outbox so it can be
	// taken back; 0 sends at once. Default 5.
	UndoSendSeconds int `json:"undoSendSeconds"`
	// WindowWidth and WindowHeight of the main window; 0 lets the
	// application choose.
	WindowWidth  int `json:"windowWidth"`
	WindowHeight int `json:"windowHeight"`
	// PaneSplits are the main window's split positions, each in [0, 1].
	PaneSplits []float64 `json:"paneSplits,omitempty"`
}

// DefaultSettings returns the settings of a new profile.
func DefaultSettings() AppSettings {
	return AppSettings{
		Theme:           "system",
		Language:        "system",
		Notifications:   true,
		UndoSendSeconds: 5,
	}
}

// UnmarshalJSON fills fields missing from the file with their defaults.
func (s *AppSettings) UnmarshalJSON(b []byte) error {
	type plain AppSettings
	p := plain(DefaultSettings())
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = AppSettings(p)
	return nil
}

// Validate checks the settings' ranges and spellings.
func (s *AppSettings) Validate() error {
	var errs []error
	bad := func(field, msg string) { errs = append(errs, &FieldError{Field: "settings." + field, Msg: msg}) }
	switch s.Theme {
	case "system", "light", "dark":
	default:
		bad("theme", fmt.Sprintf(`must be "system", "light" or "dark", not %q`, s.Theme))
	}
	switch s.Language {
	case "system", "en", "zh-CN":
	default:
		bad("language", fmt.Sprintf(`must be "system", "en" or "zh-CN", not %q`, s.Language))
	}
	if s.MarkReadAfterSeconds < -1 {
		bad("markReadAfterSeconds", "must be -1 (never), 0 (at once) or more")
	}
	if s.UndoSendSeconds < 0 || s.UndoSendSeconds > 600 {
		bad("undoSendSeconds", "must be between 0 and 600")
	}
	if s.WindowWidth < 0 || s.WindowHeight < 0 {
		bad("windowWidth/windowHeight", "must not be negative")
	}
	for _, f := range s.PaneSplits {
		if !(f >= 0 && f <= 1) {
			bad("paneSplits", "each split must be between 0 and 1")
			break
		}
	}
	return errors.Join(errs...)
}

// NewProfile returns an empty profile with default settings.
func NewProfile() *Profile {
	return &Profile{Version: CurrentVersion, Settings: DefaultSettings()}
}

// UnmarshalJSON fills a missing "settings" object with defaults.
func (p *Profile) UnmarshalJSON(b []byte) error {
	type plain Profile
	q := plain{Settings: DefaultSettings()}
	if err := json.Unmarshal(b, &q); err != nil {
		return err
	}
	*p = Profile(q)
	return nil
}

// Validate checks every account, that account IDs are unique, and the
// settings.
func (p *Profile) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for i := range p.Accounts {
		a := &p.Accounts[i]
		if err := a.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("accounts[%d]: %w", i, err))
		}
		if seen[a.ID] {
			errs = append(errs, fmt.Errorf("accounts[%d]: %w", i, &FieldError{Field: "id", Msg: fmt.Sprintf("%q is used by another account", a.ID)}))
		}
		seen[a.ID] = true
	}
	if err := p.Settings.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// DefaultProfileDir is the per-user configuration directory:
// os.UserConfigDir()/hongyan.
func DefaultProfileDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("account: no configuration directory: %w", err)
	}
	return filepath.Join(d, "hongyan"), nil
}

// CacheDir is where the local mail cache of a profile lives.
func CacheDir(profileDir string) string { return filepath.Join(profileDir, "cache") }

// AccountCacheDir is the cache directory of one account.
func AccountCacheDir(profileDir, accountID string) string {
	return filepath.Join(CacheDir(profileDir), accountID)
}

// BrokenProfileError reports a settings file that could not be used. The
// file was not deleted: it was renamed to KeptAt.
type BrokenProfileError struct {
	Path   string // where the file was
	KeptAt string // where it is now
	Err    error  // why it could not be used
}

func (e *BrokenProfileError) Error() string {
	return fmt.Sprintf("settings file %s could not be used (%v); it was kept as %s and an empty profile was started", e.Path, e.Err, e.KeptAt)
}

func (e *BrokenProfileError) Unwrap() error { return e.Err }

// ErrTooNew is the cause in a BrokenProfileError for a file written by a
// newer Hongyan.
var ErrTooNew = errors.New("settings file is from a newer version of Hongyan")

// Load reads dir/settings.json. A missing file gives an empty profile and no
// error. An older format is migrated (the original is kept as
// settings.json.v<N>.bak) and saved in the current format. A file that is
// unreadable as settings (bad JSON, wrong types, invalid values, newer
// format) is renamed to settings.json.broken-<timestamp>, and Load returns
// an empty profile together with a *BrokenProfileError naming that file:
// settings are never reset silently. A password-like key written into the
// file by hand is dropped and the file rewritten without it. Other I/O
// errors return a nil profile.
func Load(dir string) (*Profile, error) {
	path := filepath.Join(dir, FileName)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return NewProfile(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("account: reading settings: %w", err)
	}
	p, from, perr := parse(raw)
	if perr != nil {
		kept := fmt.Sprintf("%s.broken-%s", path, time.Now().Format("20060102-150405.000"))
		if err := os.Rename(path, kept); err != nil {
			return nil, fmt.Errorf("account: settings file %s is unusable (%v) and could not be moved aside: %w", path, perr, err)
		}
		return NewProfile(), &BrokenProfileError{Path: path, KeptAt: kept, Err: perr}
	}
	if checkNoSecretKeys(raw) != nil {
		// Someone wrote a password into the file by hand. It is ignored
		// (no field takes it); rewrite the file at once so the plaintext
		// does not stay on disk, and keep no backup of it.
		if err := p.Save(dir); err != nil {
			return nil, fmt.Errorf("account: removing a password from the settings file: %w", err)
		}
		return p, nil
	}
	if from != CurrentVersion {
		backup := fmt.Sprintf("%s.v%d.bak", path, from)
		if err := writeAtomic(backup, raw); err != nil {
			return nil, fmt.Errorf("account: keeping the old settings before migration: %w", err)
		}
		if err := p.Save(dir); err != nil {
			return nil, fmt.Errorf("account: saving migrated settings: %w", err)
		}
	}
	return p, nil
}

// parse decodes, migrates and validates a settings file. It returns the
// version the file had.
func parse(raw []byte) (*Profile, int, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, 0, fmt.Errorf("not valid JSON: %w", err)
	}
	from := 0 // files before versioning had no "version" field
	if head.Version != nil {
		from = *head.Version
	}
	if from > CurrentVersion {
		return nil, from, fmt.Errorf("%w (format %d, this version reads up to %d)", ErrTooNew, from, CurrentVersion)
	}
	if from < 0 {
		return nil, from, fmt.Errorf("invalid format version %d", from)
	}
	data := raw
	for v := from; v < CurrentVersion; v++ {
		next, err := migrations[v](data)
		if err != nil {
			return nil, from, fmt.Errorf("migrating from format %d: %w", v, err)
		}
		data = next
	}
	p := NewProfile()
	if err := json.Unmarshal(data, p); err != nil {
		return nil, from, err
	}
	for i := range p.Accounts {
		p.Accounts[i].Normalize()
	}
	if err := p.Validate(); err != nil {
		return nil, from, err
	}
	return p, from, nil
}

// Save writes dir/settings.json atomically: a temporary file in the same
// directory is written and synced, renamed over the old file, and the
// directory is synced. The directory is created (mode 0700) if needed.
// Save refuses to write a profile that fails Validate.
func (p *Profile) Save(dir string) error {
	p.Version = CurrentVersion
	if err := p.Validate(); err != nil {
		return fmt.Errorf("account: not saving invalid settings: %w", err)
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("account: encoding settings: %w", err)
	}
	if err := checkNoSecretKeys(data); err != nil {
		return err
	}
	data = append(data, '\n')
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("account: creating profile directory: %w", err)
	}
	return writeAtomic(filepath.Join(dir, FileName), data)
}

func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("account: writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		_ = f.Close()
		return fmt.Errorf("account: writing %s: %w", path, err)
	}
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("account: writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("account: syncing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("account: writing %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("account: replacing %s: %w", path, err)
	}
	// Make the rename itself durable. Directories cannot be synced on
	// Windows, where the rename is already durable enough.
	if runtime.GOOS != "windows" {
		d, derr := os.Open(dir)
		if derr != nil {
			return fmt.Errorf("account: syncing directory %s: %w", dir, derr)
		}
		serr := d.Sync()
		_ = d.Close()
		if serr != nil {
			return fmt.Errorf("account: syncing directory %s: %w", dir, serr)
		}
	}
	return nil
}

// ErrSecretField means a key that looks like it holds a password was about
// to be written to the settings file.
var ErrSecretField = errors.New("account: refusing to write a password-like field to the settings file")

// secretWords are key fragments that must never appear in settings.json.
var secretWords = []string{"password", "passwd", "secret", "token", "credential", "pass"}

// IsSecretKey reports whether a JSON key or Go field name looks like it
// would hold a credential.
func IsSecretKey(k string) bool {
	k = strings.ToLower(k)
	// "pop3..." and "passive"-style names are not secrets; only whole
	// "pass" words are meant, e.g. "pass", "smtpPass".
	for _, w := range secretWords {
		if w == "pass" {
			if k == "pass" || strings.HasSuffix(k, "pass") {
				return true
			}
			continue
		}
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// checkNoSecretKeys walks the encoded settings and fails if any object key
// looks like a credential. The types have no such field; this guards
// against one being added.
func checkNoSecretKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("account: re-reading encoded settings: %w", err)
	}
	var walk func(any, string) error
	walk = func(v any, at string) error {
		switch t := v.(type) {
		case map[string]any:
			for k, c := range t {
				if IsSecretKey(k) {
					return fmt.Errorf("%w: %s%s", ErrSecretField, at, k)
				}
				if err := walk(c, at+k+"."); err != nil {
					return err
				}
			}
		case []any:
			for _, c := range t {
				if err := walk(c, at); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(v, "")
}

// secretFieldNames lists Go fields of t (recursively) whose names look like
// credentials. Used by tests to prove the model has none.
func secretFieldNames(t reflect.Type, at string, out *[]string) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		secretFieldNames(t.Elem(), at, out)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if IsSecretKey(f.Name) || IsSecretKey(strings.Split(f.Tag.Get("json"), ",")[0]) {
				*out = append(*out, at+f.Name)
			}
			secretFieldNames(f.Type, at+f.Name+".", out)
		}
	}
}
