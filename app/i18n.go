package app

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"hongyan/assets"
)

// Language preferences accepted in settings.json ("language") and by SetLanguage.
const (
	LangSystem  = "system" // follow the operating system
	LangEnglish = "en"
	LangChinese = "zh-CN"
)

// ErrUnknownLanguage is returned by SetLanguage for a preference it does not know.
type ErrUnknownLanguage struct{ Pref string }

func (e *ErrUnknownLanguage) Error() string {
	return fmt.Sprintf("unknown language %q (want %q, %q or %q)", e.Pref, LangSystem, LangEnglish, LangChinese)
}

// T returns the user-visible text for key in the current language. Optional
// data fills {{.Field}} placeholders. Every string shown to the user goes
// through T so that it can be translated. A key missing from the current
// language falls back to the English text.
func T(key string, data ...any) string {
	fallback, ok := englishText()[key]
	if !ok {
		fallback = key
	}
	return lang.X(key, fallback, data...)
}

// TN is T for a text about n things: for n == 1 it takes key+".one" (both
// languages have it; in Chinese it reads as the other form), so that
// English says "1 message", not "1 messages". data gets Count = n.
func TN(key string, n int, data map[string]any) string {
	if data == nil {
		data = map[string]any{}
	}
	data["Count"] = n
	if n == 1 {
		key += ".one"
	}
	return T(key, data)
}

var (
	englishOnce sync.Once
	english     map[string]string
)

// englishText is en.json as a map, the fallback for every key.
func englishText() map[string]string {
	englishOnce.Do(func() {
		english = map[string]string{}
		data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + LangEnglish + ".json")
		if err == nil {
			_ = json.Unmarshal(data, &english)
		}
	})
	return english
}

// localeVars are the environment variables the Fyne locale lookup reads on
// Linux and the BSDs (through github.com/jeandeaual/go-locale): the first
// non-empty of LC_ALL, LC_MESSAGES and LANG decides, unless it is "C" or
// "POSIX"; then LANGUAGE, a colon-separated list, takes priority over it.
var localeVars = [...]string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}

var (
	i18nMu   sync.Mutex
	savedEnv map[string]*string // the variables as the process started, nil until first forced
)

// SetLanguage loads Hongyan's translations and picks the language used by T
// and by Fyne's own dialogs: "system" follows the desktop's locale, "en" and
// "zh-CN" force that language. An empty preference means "system".
//
// Fyne v2.7 has no public call to choose the language; it asks the system
// each time translations are added. On Linux and the BSDs the system answer
// comes from the locale environment variables, so forcing sets LANGUAGE (and
// LC_MESSAGES/LC_ALL where LANGUAGE alone would be ignored), then re-adds the
// translations so Fyne looks again. "system" puts the variables back as they
// were. The variables are process-wide and are inherited by programs Hongyan
// starts, which then speak the same language. On macOS and Windows the locale
// comes from the OS instead; see forceLanguageOverlay.
func SetLanguage(pref string) error {
	i18nMu.Lock()
	defer i18nMu.Unlock()

	var posix string // the POSIX locale name to force, "" for system
	switch pref {
	case "", LangSystem:
	case LangEnglish:
		posix = "en_US"
	case LangChinese:
		posix = "zh_CN"
	default:
		return &ErrUnknownLanguage{Pref: pref}
	}

	// A "C" or "POSIX" locale means untranslated text, which is English, but
	// Fyne logs a parse error for it on every lookup of the system locale:
	// while loading (one lookup per registration) English is set in the
	// environment instead, with the same outcome, and put back afterwards.
	quietC := false
	if posix == "" {
		restoreLocaleEnv()
		quietC = isCLocale(effectiveLocale())
		if quietC {
			forceLocaleEnv("en_US")
		}
	} else {
		forceLocaleEnv(posix)
	}
	err := loadTranslations()
	if quietC {
		restoreLocaleEnv()
	}
	if err != nil {
		return err
	}
	if posix != "" && !envDrivesLocale {
		return forceLanguageOverlay(pref)
	}
	return nil
}

// forceLocaleEnv makes the locale lookup return posix first.
func forceLocaleEnv(posix string) {
	if savedEnv == nil {
		savedEnv = make(map[string]*string, len(localeVars))
		for _, k := range localeVars {
			if v, ok := os.LookupEnv(k); ok {
				savedEnv[k] = &v
			} else {
				savedEnv[k] = nil
			}
		}
	}
	restoreLocaleEnv()
	_ = os.Setenv("LANGUAGE", posix)
	// LANGUAGE is ignored when the locale is unset, "C" or "POSIX".
	if base := effectiveLocale(); base == "" || isCLocale(base) {
		full := posix + ".UTF-8"
		if os.Getenv("LC_ALL") != "" {
			_ = os.Setenv("LC_ALL", full)
		} else {
			_ = os.Setenv("LC_MESSAGES", full)
		}
	}
}

// restoreLocaleEnv puts the locale variables back as the process found them.
func restoreLocaleEnv() {
	for k, v := range savedEnv {
		if v == nil {
			_ = os.Unsetenv(k)
		} else {
			_ = os.Setenv(k, *v)
		}
	}
}

// isCLocale reports whether loc is the untranslated C/POSIX locale.
func isCLocale(loc string) bool {
	return loc == "C" || loc == "POSIX" || strings.HasPrefix(loc, "C.") || strings.HasPrefix(loc, "POSIX.")
}

// effectiveLocale is the first non-empty of LC_ALL, LC_MESSAGES and LANG.
func effectiveLocale() string {
	for _, k := range [...]string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// fyneTags are the locales Fyne v2.7.1 ships its own translations for.
// Fyne picks the one closest to the system locale (falling back to "en"),
// so Hongyan's messages are registered under each of them.
var fyneTags = []string{
	"en", "cs", "de", "el", "es", "fr", "pl", "pt", "pt-BR", "ru", "sv", "ta", "uk", "zh-Hans",
}

// ourTags says which of fyneTags gets which of our translation files.
// zh-CN.json is registered as zh-Hans, the tag Fyne's own Chinese uses, so
// that a zh_CN (or zh_SG, zh-Hans) system gets both Hongyan's and Fyne's
// strings (dialog buttons and the like) in Chinese. Registering it as zh-CN
// would make that tag win the match and leave Fyne's strings in English.
// Every other Fyne locale gets the English file, so a key is never missing
// (a missing key makes Fyne log an error on each lookup).
func ourFile(tag string) string {
	if tag == "zh-Hans" {
		return LangChinese
	}
	return LangEnglish
}

// loadTranslations registers Hongyan's translations with Fyne. Each
// registration makes Fyne look up the system locale again.
//
// Fyne's lang.AddTranslationsFS is not used: it would register zh-CN.json
// under its file name, with the effect described at ourFile.
func loadTranslations() error {
	for _, tag := range fyneTags {
		name := ourFile(tag)
		data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + name + ".json")
		if err != nil {
			return fmt.Errorf("loading %s translations: %w", name, err)
		}
		if err := lang.AddTranslationsForLocale(data, fyne.Locale(tag)); err != nil {
			return fmt.Errorf("adding %s translations for %s: %w", name, tag, err)
		}
	}
	return nil
}

// forceLanguageOverlay forces pref where the environment does not drive the
// locale: it adds pref's messages under every locale that Fyne could select,
// so Hongyan's own strings appear in pref whatever the system says. Fyne's
// built-in strings stay in the system language. It lasts until the next
// SetLanguage call.
func forceLanguageOverlay(pref string) error {
	data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + pref + ".json")
	if err != nil {
		return fmt.Errorf("loading %s translations: %w", pref, err)
	}
	for _, tag := range fyneTags {
		if err := lang.AddTranslationsForLocale(data, fyne.Locale(tag)); err != nil {
			return fmt.Errorf("adding %s translations for %s: %w", pref, tag, err)
		}
	}
	return nil
}
