package app

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// labelsIn collects the text of every label, button and canvas text under o.
func labelsIn(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			out = append(out, v.Text)
		case *widget.Button:
			out = append(out, v.Text)
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case *widget.PopUp:
			walk(v.Content)
		case *container.Split:
			walk(v.Leading)
			walk(v.Trailing)
		}
	}
	walk(o)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestWelcomeButtonsShowComingSoon(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	mustSetLanguage(t, LangSystem)
	a := test.NewTempApp(t)
	mw := newMainWindow(a, Options{ProfileDir: t.TempDir()})
	defer mw.win.Close()

	if got := mw.win.Title(); got != "Hongyan" {
		t.Fatalf("title = %q", got)
	}
	b := mw.showWelcome()
	if b.addAccount.Text != "Add account…" || b.tryDemo.Text != "Try the demo" {
		t.Fatalf("buttons: %q, %q", b.addAccount.Text, b.tryDemo.Text)
	}
	// "Add account…" opens the wizard through its hook.
	opened := 0
	old := openWizard
	openWizard = func(*mainWindow) { opened++ }
	defer func() { openWizard = old }()
	test.Tap(b.addAccount)
	if opened != 1 {
		t.Fatalf("Add account called the wizard hook %d times", opened)
	}
	// The demo is not built yet and says so.
	test.Tap(b.tryDemo)
	top := mw.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("tapping the demo button opened no dialog")
	}
	if texts := labelsIn(top); !contains(texts, "This part of Hongyan is not ready yet.") {
		t.Fatalf("dialog after the demo button shows %q", texts)
	}
}

func TestChineseWindowTitleAndPanes(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	mustSetLanguage(t, LangChinese)
	a := test.NewTempApp(t)
	mw := newMainWindow(a, Options{ProfileDir: t.TempDir()})
	defer mw.win.Close()
	if got := mw.win.Title(); got != "鸿雁" {
		t.Fatalf("title = %q, want 鸿雁", got)
	}
	mw.showMailView()
	split, ok := mw.win.Content().(*container.Split)
	if !ok {
		t.Fatalf("mail view content is %T, want a split", mw.win.Content())
	}
	if !split.Horizontal {
		t.Fatal("mail view split is not horizontal")
	}
	texts := labelsIn(split)
	for _, want := range []string{"文件夹", "邮件", "邮件内容", "未选择邮件"} {
		if !contains(texts, want) {
			t.Errorf("mail view lacks %q; has %q", want, texts)
		}
	}
}

func TestReadStartupSettings(t *testing.T) {
	dir := t.TempDir()
	s, err := readStartupSettings(dir)
	if err != nil || s.hasAccounts() || s.Language != "" {
		t.Fatalf("missing file: %+v, %v", s, err)
	}
	write := func(body string) {
		if err := os.WriteFile(filepath.Join(dir, SettingsFile), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"language":"zh-CN","accounts":[]}`)
	if s, err = readStartupSettings(dir); err != nil || s.hasAccounts() || s.Language != "zh-CN" {
		t.Fatalf("no accounts: %+v, %v", s, err)
	}
	write(`{"accounts":[{"name":"Work","email":"me@example.org"}],"other":1}`)
	if s, err = readStartupSettings(dir); err != nil || !s.hasAccounts() {
		t.Fatalf("one account: %+v, %v", s, err)
	}
	write(`{"accounts":[`)
	_, err = readStartupSettings(dir)
	var se *SettingsError
	if err == nil || !errors.As(err, &se) || se.Path != filepath.Join(dir, SettingsFile) {
		t.Fatalf("broken file: err = %v, want *SettingsError", err)
	}
}
