package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestShortcutsListedInEnglishAndChinese(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	t.Cleanup(func() { _ = SetLanguage(LangSystem) })
	cases := []struct {
		lang string
		want []string
	}{
		{LangEnglish, []string{"Write", "Reply", "Reply all", "Forward", "Delete", "Next / previous message", "Search", "Get mail", "Quit"}},
		{LangChinese, []string{"写邮件", "回复", "全部回复", "转发", "删除", "下一封 / 上一封邮件", "搜索", "收取邮件", "退出"}},
	}
	keys := []string{"Ctrl+N", "Ctrl+R", "Ctrl+Shift+R", "Ctrl+L", "Delete", "J / K", "Ctrl+F", "F5", "Ctrl+Q"}
	for _, c := range cases {
		mustSetLanguage(t, c.lang)
		labels := labelsIn(shortcutsContent("linux"))
		for _, s := range append(append([]string{}, keys...), c.want...) {
			if !contains(labels, s) {
				t.Errorf("%s: shortcut list %q lacks %q", c.lang, labels, s)
			}
		}
	}
	// macOS users press Command, not Control.
	mac := labelsIn(shortcutsContent("darwin"))
	if !contains(mac, "Cmd+N") || contains(mac, "Ctrl+N") {
		t.Errorf("macOS shortcut list %q should name Cmd", mac)
	}

	a := test.NewTempApp(t)
	// The list and the first-run dialog around it fit in the main
	// window's first size (1100×700) with room to spare.
	if sz := shortcutsContent("linux").MinSize(); sz.Height > 450 || sz.Width > 1000 {
		t.Errorf("the shortcut list needs %v", sz)
	}
	w := a.NewWindow("main")
	defer w.Close()
	showShortcuts(w)
	if w.Canvas().Overlays().Top() == nil {
		t.Fatal("the shortcut dialog did not open")
	}
}

func TestToolbarTipsNameActionAndKeys(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	t.Cleanup(func() { _ = SetLanguage(LangSystem) })
	cases := []struct {
		lang, goos string
		want       map[string]string
	}{
		{LangEnglish, "linux", map[string]string{"action.reply": "Reply (Ctrl+R)", "action.get_mail": "Get mail (F5)",
			"action.delete": "Delete", "action.archive": "Archive", "menu.settings": "Settings… (Ctrl+,)"}},
		{LangEnglish, "darwin", map[string]string{"action.write": "Write (Cmd+N)"}},
		{LangChinese, "linux", map[string]string{"action.reply": "回复（Ctrl+R）", "action.delete": "删除（Delete）",
			"action.archive": "归档"}},
	}
	for _, c := range cases {
		mustSetLanguage(t, c.lang)
		for key, want := range c.want {
			if got := tipText(T(key), c.goos); got != want {
				t.Errorf("%s on %s: tip for %s is %q, want %q", c.lang, c.goos, key, got, want)
			}
		}
	}
}

func TestDefaultAppInstructionsPerSystem(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	mustSetLanguage(t, LangSystem)
	want := map[string][]string{
		"linux": {"make install", "xdg-mime default org.hongyan.mail.desktop x-scheme-handler/mailto",
			"xdg-settings set default-url-scheme-handler mailto org.hongyan.mail.desktop"},
		"windows": {"Settings → Apps → Default apps", "MAILTO", "Hongyan"},
		"darwin":  {"Mail → Settings → General", "Default email reader", "Hongyan"},
	}
	for _, goos := range []string{"linux", "windows", "darwin"} {
		secs := defaultAppSections(goos)
		if len(secs) != 3 {
			t.Fatalf("%s: %d sections, want 3", goos, len(secs))
		}
		if secs[0].GOOS != goos {
			t.Errorf("%s: first section is %s, want the current system first", goos, secs[0].GOOS)
		}
		for _, s := range secs {
			for _, w := range want[s.GOOS] {
				if !strings.Contains(s.Text, w) {
					t.Errorf("%s instructions %q lack %q", s.GOOS, s.Text, w)
				}
			}
		}
		v := newDefaultAppView(goos, func(f func()) { f() })
		if (v.setBtn != nil) != (goos == "linux") {
			t.Errorf("%s: set-now button present = %v, want it on Linux only", goos, v.setBtn != nil)
		}
		labels := labelsIn(v.content)
		if !contains(labels, secs[0].Text) {
			t.Errorf("%s: the dialog does not show its instructions", goos)
		}
	}
}

// fakeXDGMime puts an xdg-mime on PATH that records its arguments in the
// returned file and exits with code.
func fakeXDGMime(t *testing.T, code int) string {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "args")
	script := "#!/bin/sh\necho \"$@\" > '" + log + "'\n"
	if code != 0 {
		script += "echo 'xdg-mime: cannot write mimeapps.list' >&2\n"
	}
	script += "exit " + map[bool]string{true: "0", false: "1"}[code == 0] + "\n"
	if err := os.WriteFile(filepath.Join(dir, "xdg-mime"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return log
}

func TestDefaultAppLinuxButtonRunsXDGMime(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	mustSetLanguage(t, LangSystem)
	test.NewTempApp(t)

	for _, code := range []int{0, 1} {
		log := fakeXDGMime(t, code)
		ui := make(chan func(), 1)
		v := newDefaultAppView("linux", func(f func()) { ui <- f })
		test.Tap(v.setBtn)
		if !v.setBtn.Disabled() || v.result.Text != T("help.default.running") {
			t.Fatalf("while running: button disabled %v, result %q", v.setBtn.Disabled(), v.result.Text)
		}
		(<-ui)() // the command's result, handed to the UI goroutine
		args, err := os.ReadFile(log)
		if err != nil {
			t.Fatalf("xdg-mime was not run: %v", err)
		}
		if got := strings.TrimSpace(string(args)); got != "default org.hongyan.mail.desktop x-scheme-handler/mailto" {
			t.Fatalf("xdg-mime ran with %q", got)
		}
		if v.setBtn.Disabled() {
			t.Fatal("the button stays disabled after the command")
		}
		if code == 0 && v.result.Text != T("help.default.done") {
			t.Fatalf("success reported as %q", v.result.Text)
		}
		if code != 0 && (!strings.HasPrefix(v.result.Text, "Could not set the default mail app:") ||
			!strings.Contains(v.result.Text, "cannot write mimeapps.list")) {
			t.Fatalf("failure reported as %q", v.result.Text)
		}
	}

	// Without xdg-mime the user is told which package to install.
	t.Setenv("PATH", t.TempDir())
	ui := make(chan func(), 1)
	v := newDefaultAppView("linux", func(f func()) { ui <- f })
	test.Tap(v.setBtn)
	(<-ui)()
	if !strings.Contains(v.result.Text, "xdg-utils") {
		t.Fatalf("missing xdg-mime reported as %q", v.result.Text)
	}
}

// Every shortcut the main window registers is in the list Help shows.
func TestShortcutListHasEveryShortcut(t *testing.T) {
	useEnglish(t)
	listed := map[string]bool{}
	for _, s := range shortcutList("linux") {
		listed[s.Keys] = true
	}
	for _, s := range (*mailView)(nil).shortcuts() {
		k := actionKeys[s.action]
		name := "Ctrl+"
		if k.Modifier&fyne.KeyModifierShift != 0 {
			name += "Shift+"
		}
		name += string(k.KeyName)
		if !listed[name] {
			t.Errorf("%s is registered but not in the shortcut list", name)
		}
	}
}
