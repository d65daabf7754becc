package app

import (
	"context"
	"errors"
	"hongyan/mailcore/event"
	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
	"os"
	"path/filepath"
	"testing"
	"time"

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

func TestWelcomeButtonsAndDemo(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	mustSetLanguage(t, LangSystem)
	a := test.NewTempApp(t)
	ui := &testUI{}
	mw := newMainWindow(a, Options{ProfileDir: t.TempDir()})
	ctx, cancel := context.WithCancel(context.Background())
	mw.ui = newUIContext(ctx, ui.do)
	queue := event.NewQueue(ui.do, mw.handleEvents, 10*time.Millisecond)
	mw.sink = queue.Sink()
	defer func() {
		cancel()
		if mw.eng != nil {
			mw.eng.Close()
		}
		mw.ui.wg.Wait()
		mw.runCleanups()
		mw.win.Close()
	}()

	if got := mw.win.Title(); got != "Hongyan" {
		t.Fatalf("title = %q", got)
	}
	b := mw.showWelcome()
	if b.addAccount.Text != "Add account…" || b.tryDemo.Text != "Try the demo" {
		t.Fatalf("buttons: %q, %q", b.addAccount.Text, b.tryDemo.Text)
	}
	if b.addAccount.Importance != widget.HighImportance || b.tryDemo.Importance == widget.HighImportance {
		t.Fatal("adding an account should be the welcome screen's main action, not the demo")
	}
	// Before any account, the menu offers Add account, Settings (the
	// language), Quit and About.
	var items []string
	for _, m := range mw.win.MainMenu().Items {
		for _, it := range m.Items {
			items = append(items, it.Label)
		}
	}
	for _, want := range []string{"Add account…", "Settings…", "Quit", "About Hongyan"} {
		if !contains(items, want) {
			t.Errorf("welcome menu %q lacks %q", items, want)
		}
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

	// "Try the demo" switches to the demo account: its sample mail is
	// listed, and a message it sends to itself arrives.
	test.Tap(b.tryDemo)
	ui.waitFor(t, "the demo's inbox in the list", func() bool {
		if mw.mv == nil || mw.eng == nil || len(mw.eng.Accounts()) != 1 {
			return false
		}
		_, ok := mw.mv.list.peek(0)
		return ok && mw.mv.list.total > 100
	})
	acct := mw.eng.Accounts()[0]
	d := &message.Draft{From: message.Address{Name: "Demo", Email: acct.Email},
		To: []message.Address{{Email: acct.Email}}, Subject: "Note to myself from the demo", Text: "It works."}
	if _, err := mw.eng.Send(context.Background(), acct.ID, d, 0); err != nil {
		t.Fatal(err)
	}
	inbox, err := mw.eng.Store().FolderByRole(context.Background(), acct.ID, store.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	ui.waitFor(t, "the message to arrive in the demo inbox", func() bool {
		mw.eng.CheckNow(acct.ID)
		page, _ := mw.eng.Store().Page(context.Background(), inbox.ID, store.ByDateDesc, 0, 400)
		for _, m := range page {
			if m.Subject == "Note to myself from the demo" {
				return true
			}
		}
		time.Sleep(100 * time.Millisecond)
		return false
	})
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
