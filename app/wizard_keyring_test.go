package app

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hongyan/internal/mailtest"
	"hongyan/mailcore/account"
	"hongyan/mailcore/secret"
)

// absentKeyring answers like a desktop without a Secret Service.
type absentKeyring struct{}

var errNoSecretService = errors.New("The name org.freedesktop.secrets was not provided by any .service files")

func (absentKeyring) Set(string, string, string) error   { return errNoSecretService }
func (absentKeyring) Get(string, string) (string, error) { return "", errNoSecretService }
func (absentKeyring) Delete(string, string) error        { return errNoSecretService }
func (absentKeyring) DeleteAll(string) error             { return errNoSecretService }

// Without a keyring the wizard says so and, with the user's consent, keeps
// the password for this session only; the account then works.
func TestWizardNoKeyringOffersSessionOnly(t *testing.T) {
	useEnglish(t)
	fb := secret.NewFallback(secret.NewKeyringStoreWith(absentKeyring{}, time.Second))
	h := newWizHarness(t, fb, true, nil)
	if err := h.st.Seed(h.user, "INBOX", mailtest.GenerateMessages(3, 5)); err != nil {
		t.Fatal(err)
	}
	w := h.w
	h.fillAccount("Li Na", h.user.Address, h.user.Password)
	test.Tap(w.manual)
	h.fillServers(account.ProtocolPOP3)
	test.Tap(w.next)
	h.waitTests()
	test.Tap(w.next)
	h.ui.waitFor(t, "the keyring question", func() bool {
		return strings.Contains(overlayText(w.win.Canvas().Overlays().Top()), "Keep the password in memory for this session only")
	})
	if !strings.Contains(w.msg.Text, "keyring is not available") {
		t.Fatalf("message: %q", w.msg.Text)
	}
	if len(h.eng.Accounts()) != 0 {
		t.Fatal("the account was saved before the user answered")
	}
	// Agree.
	var yes bool
	for _, b := range buttonsIn(w.win.Canvas().Overlays().Top()) {
		if b.Text == "Keep for this session" {
			test.Tap(b)
			yes = true
		}
	}
	if !yes {
		t.Fatal("no \"Keep for this session\" button in the question")
	}
	h.ui.waitFor(t, "the wizard to finish", func() bool { return len(h.done) == 1 })
	a := h.done[0]
	if pw, err := fb.Session.Get(a.ID, "incoming"); err != nil || pw != h.user.Password {
		t.Fatalf("session password: %v", err)
	}
	if len(h.eng.Accounts()) != 1 {
		t.Fatal("the account was not added")
	}
}

// buttonsIn returns the buttons laid out under o.
func buttonsIn(o fyne.CanvasObject) []*widget.Button {
	var out []*widget.Button
	if o == nil {
		return nil
	}
	for _, obj := range test.LaidOutObjects(o) {
		if b, ok := obj.(*widget.Button); ok {
			out = append(out, b)
		}
	}
	return out
}
