package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// SettingsFile is the name of the settings file inside the profile directory.
const SettingsFile = "settings.json"

// startupSettings is the part of settings.json the start-up needs: the
// language preference and whether any account is configured. The full file
// belongs to the account settings package; unknown fields are ignored here.
type startupSettings struct {
	Language string            `json:"language"`
	Accounts []json.RawMessage `json:"accounts"`
	Settings struct {
		Language string `json:"language"`
		Theme    string `json:"theme"`
	} `json:"settings"`
}

// language is the language preference: settings.language in the profile
// format, or the older top-level "language".
func (s startupSettings) language() string {
	if s.Settings.Language != "" {
		return s.Settings.Language
	}
	return s.Language
}

// theme is the theme preference ("system" when unset).
func (s startupSettings) theme() string {
	if s.Settings.Theme == "" {
		return ThemeSystem
	}
	return s.Settings.Theme
}

// SettingsError reports a settings.json that exists but cannot be used.
type SettingsError struct {
	Path string
	Err  error
}

func (e *SettingsError) Error() string { return fmt.Sprintf("settings %s: %v", e.Path, e.Err) }
func (e *SettingsError) Unwrap() error { return e.Err }

// readStartupSettings reads <profileDir>/settings.json. A missing file is not
// an error: it means a fresh profile with no accounts and the system language.
func readStartupSettings(profileDir string) (startupSettings, error) {
	var s startupSettings
	path := filepath.Join(profileDir, SettingsFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, &SettingsError{Path: path, Err: err}
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return startupSettings{}, &SettingsError{Path: path, Err: err}
	}
	return s, nil
}

// hasAccounts reports whether the settings name at least one account.
func (s startupSettings) hasAccounts() bool {
	for _, a := range s.Accounts {
		if len(a) > 0 && string(a) != "null" {
			return true
		}
	}
	return false
}
