package app

import (
	"encoding/json"
	"errors"
	"os"
	"sort"
	"testing"

	"fyne.io/fyne/v2/lang"

	"hongyan/assets"
	"hongyan/widgets"
)

// setLocaleEnv gives the test a known starting environment and forgets any
// environment saved by an earlier forced language.
func setLocaleEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, k := range localeVars {
		t.Setenv(k, vars[k])
	}
	i18nMu.Lock()
	savedEnv = nil
	i18nMu.Unlock()
	t.Cleanup(func() {
		i18nMu.Lock()
		savedEnv = nil
		i18nMu.Unlock()
	})
}

// wantT fails the test unless T(key) is want; when says in which state.
func wantT(t *testing.T, when, key, want string) {
	t.Helper()
	if got := T(key); got != want {
		t.Fatalf("%s: %s = %q, want %q", when, key, got, want)
	}
}

// wantFyne is wantT for Fyne's own strings.
func wantFyne(t *testing.T, when, key, want string) {
	t.Helper()
	if got := lang.L(key); got != want {
		t.Fatalf("%s: Fyne's %s = %q, want %q", when, key, got, want)
	}
}

func mustSetLanguage(t *testing.T, pref string) {
	t.Helper()
	if err := SetLanguage(pref); err != nil {
		t.Fatalf("SetLanguage(%q): %v", pref, err)
	}
}

func TestForceChineseOnEnglishSystem(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})

	mustSetLanguage(t, LangSystem)
	wantT(t, "system (en_US)", "app.title", "Hongyan")

	mustSetLanguage(t, LangChinese)
	wantT(t, "forced zh-CN", "app.title", "鸿雁")
	wantT(t, "forced zh-CN", "welcome.try_demo", "试用演示")
	// Fyne's own strings (dialog buttons) follow too.
	wantFyne(t, "forced zh-CN", "Cancel", "取消")

	mustSetLanguage(t, LangEnglish)
	wantT(t, "forced en", "app.title", "Hongyan")

	mustSetLanguage(t, LangSystem)
	wantT(t, "back to system", "app.title", "Hongyan")
	if got := os.Getenv("LANGUAGE"); got != "" {
		t.Fatalf("back to system: LANGUAGE = %q, want it restored to empty", got)
	}
	if got := os.Getenv("LANG"); got != "en_US.UTF-8" {
		t.Fatalf("back to system: LANG = %q, want en_US.UTF-8", got)
	}
}

func TestSystemChineseAndForcedEnglish(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "zh_CN.UTF-8"})

	mustSetLanguage(t, "") // empty means system
	wantT(t, "system zh_CN", "welcome.heading", "欢迎使用鸿雁")
	mustSetLanguage(t, LangEnglish)
	wantT(t, "forced en on zh_CN", "welcome.heading", "Welcome to Hongyan")
	wantFyne(t, "forced en on zh_CN", "Cancel", "Cancel")
	mustSetLanguage(t, LangSystem)
	wantT(t, "back to system zh_CN", "welcome.heading", "欢迎使用鸿雁")
}

// With LC_ALL=C gettext ignores LANGUAGE, and so does Fyne's lookup; forcing
// must still work.
func TestForceChineseOverCLocale(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LC_ALL": "C", "LANG": "C"})
	mustSetLanguage(t, LangChinese)
	wantT(t, "forced zh-CN with LC_ALL=C", "app.title", "鸿雁")
	mustSetLanguage(t, LangSystem)
	wantT(t, "system C", "app.title", "Hongyan")
	if got := os.Getenv("LC_ALL"); got != "C" {
		t.Fatalf("LC_ALL = %q after restore, want C", got)
	}
}

func TestUntranslatedSystemLanguageFallsBackToEnglish(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "fr_FR.UTF-8"})
	mustSetLanguage(t, LangSystem)
	wantT(t, "fr_FR", "action.get_mail", "Get mail")
	if got := T("error.settings", map[string]any{"Error": "disk full"}); got != "Could not read the settings: disk full" {
		t.Fatalf("template: %q", got)
	}
}

// forceLanguageOverlay is what forcing uses on macOS and Windows, where the
// locale does not come from the environment; it must work on its own.
func TestOverlayForcesLanguageWithoutEnvironment(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "de_DE.UTF-8"})
	mustSetLanguage(t, LangSystem)
	if err := forceLanguageOverlay(LangChinese); err != nil {
		t.Fatal(err)
	}
	wantT(t, "overlay zh-CN on de_DE", "pane.folders", "文件夹")
	mustSetLanguage(t, LangSystem) // reloads the real files
	wantT(t, "after reload on de_DE", "pane.folders", "Folders")
}

func TestUnknownLanguage(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	err := SetLanguage("klingon")
	var unk *ErrUnknownLanguage
	if !errors.As(err, &unk) || unk.Pref != "klingon" {
		t.Fatalf("SetLanguage(klingon) = %v, want *ErrUnknownLanguage", err)
	}
}

func TestTranslationFilesHaveTheSameKeys(t *testing.T) {
	keys := func(name string) []string {
		data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s.json: %v", name, err)
		}
		var out []string
		for k, v := range m {
			if v == "" {
				t.Errorf("%s.json: %q is empty", name, k)
			}
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	en, zh := keys(LangEnglish), keys(LangChinese)
	if len(en) < 10 {
		t.Fatalf("en.json has only %d keys", len(en))
	}
	set := map[string]bool{}
	for _, k := range zh {
		set[k] = true
	}
	for _, k := range en {
		if !set[k] {
			t.Errorf("zh-CN.json lacks %q", k)
		}
		delete(set, k)
	}
	for k := range set {
		t.Errorf("zh-CN.json has %q, which en.json lacks", k)
	}
}

func TestPluralForms(t *testing.T) {
	useEnglish(t)
	for n, want := range map[int]string{0: "0 messages", 1: "1 message", 2: "2 messages"} {
		if got := TN("conv.messages", n, nil); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
	if got := TN("search.count_server", 1, map[string]any{"Server": 1}); got != "1 result (1 from the server)" {
		t.Errorf("one result from the server: %q", got)
	}
	mustSetLanguage(t, LangChinese)
	defer mustSetLanguage(t, LangSystem)
	if one, two := TN("conv.messages", 1, nil), TN("conv.messages", 2, nil); one != "1 封邮件" || two != "2 封邮件" {
		t.Errorf("Chinese: %q, %q", one, two)
	}
}

// Sizes read the same everywhere and in the interface's language.
func TestSizesTranslated(t *testing.T) {
	useEnglish(t)
	if got := widgets.FormatSize(512); got != "512 B" {
		t.Errorf("English: %q", got)
	}
	mustSetLanguage(t, LangChinese)
	defer mustSetLanguage(t, LangSystem)
	for n, want := range map[int64]string{512: "512 字节", 12 << 10: "12 KB", 3 << 29: "1.5 GB"} {
		if got := widgets.FormatSize(n); got != want {
			t.Errorf("Chinese %d: %q, want %q", n, got, want)
		}
	}
}
