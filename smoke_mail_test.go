package main

// The mail-view smoke test runs the real binary under Xvfb on a profile
// whose POP3 account points at the test Dovecot, with the password in the
// desktop keyring (the Secret Service that scripts/test.sh provides). It
// waits until the window title shows the unread count (the engine synced
// and the UI updated), then keeps light, dark and Chinese screenshots in
// test-artifacts/. (The README's screenshots come from the demo mode.)

import (
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hongyan/internal/mailtest"
	"hongyan/internal/xvfbtest"
	"hongyan/mailcore/account"
	"hongyan/mailcore/secret"
)

func TestMain(m *testing.M) { mailtest.Main(m) }

// mailProfile writes a profile with one POP3 account of a fresh test user
// whose inbox holds n messages, and puts the password in the keyring.
func mailProfile(t *testing.T, st *mailtest.Stack, n int, theme, lang string) string {
	t.Helper()
	u := st.AddUser(t)
	if err := st.Seed(u, "INBOX", mailtest.GenerateMessages(n, 5)); err != nil {
		t.Fatal(err)
	}
	a := account.New()
	a.DisplayName = "Hongyan Test"
	a.Email = u.Address
	a.Incoming = account.IncomingServer{Protocol: account.ProtocolPOP3, Host: st.Host, Port: st.POP3SPort,
		Security: account.SecurityTLS, Username: u.Name}
	a.Outgoing = account.OutgoingServer{Host: st.Host, Port: st.SubmissionsPort, Security: account.SecurityTLS, Username: u.Name}
	a.Identities = []account.Identity{{Name: "Hongyan Test", Address: u.Address}}
	p := account.NewProfile()
	p.Settings.Theme = theme
	p.Settings.Language = lang
	p.Settings.MarkReadAfterSeconds = -1
	if _, err := p.Add(a); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "profile")
	if err := p.Save(dir); err != nil {
		t.Fatal(err)
	}
	ks := secret.NewKeyringStore(secret.DefaultTimeout)
	for _, role := range []string{secret.RoleIncoming, secret.RoleOutgoing} {
		if err := ks.Set(a.ID, role, u.Password); err != nil {
			t.Fatalf("storing the password in the keyring (run under scripts/test.sh for a Secret Service): %v", err)
		}
		t.Cleanup(func() { _ = ks.Delete(a.ID, role) })
	}
	return dir
}

// titleShown reports whether a window whose title matches pattern exists.
// The first time it does, it clicks the first message of the list (as a
// user would) so that the message view shows it.
func titleShown(display, pattern string) func() bool {
	clicked := false
	return func() bool {
		xdo := func(args ...string) (string, error) {
			cmd := exec.Command("xdotool", args...)
			cmd.Env = append(os.Environ(), "DISPLAY="+display)
			out, err := cmd.Output()
			return strings.TrimSpace(string(out)), err
		}
		win, err := xdo("search", "--name", pattern)
		if err != nil || win == "" {
			return false
		}
		if !clicked {
			clicked = true
			win = strings.Fields(win)[0]
			// Row 0 of the message list, in window coordinates.
			_, _ = xdo("mousemove", "--window", win, "400", "150", "click", "1")
			return false
		}
		return true
	}
}

// meanLuma is the average brightness of img, 0..255.
func meanLuma(img image.Image) float64 {
	b := img.Bounds()
	var sum float64
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			sum += (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
		}
	}
	return sum / float64((b.Dx()/2)*(b.Dy()/2))
}

func TestSmokeMailViewUnderXvfb(t *testing.T) {
	xvfbtest.NeedTool(t, "xdotool", "xdotool")
	st := mailtest.Shared(t)
	bin := buildBinary(t)
	display := xvfbtest.Start(t)
	env := []string{"SSL_CERT_FILE=" + st.CAFile}
	const n = 60

	shoot := func(theme, lang, langEnv, titlePattern, file string) image.Image {
		profile := mailProfile(t, st, n, theme, lang)
		// The mail view is flatter than the welcome screen: fewer colours.
		raw, img := runAndShootProfile(t, bin, display, langEnv, profile, env, titleShown(display, titlePattern), 200)
		saveArtifact(t, file, raw)
		return img
	}
	light := shoot("light", "en", "en_US.UTF-8", `Hongyan \(60 unread\)`, "mailview-light.png")
	dark := shoot("dark", "en", "en_US.UTF-8", `Hongyan \(60 unread\)`, "mailview-dark.png")
	zh := shoot("light", "zh-CN", "en_US.UTF-8", `鸿雁（60 封未读）`, "mailview-zh-CN.png")

	if l, d := meanLuma(light), meanLuma(dark); l-d < 60 {
		t.Fatalf("light (%.0f) and dark (%.0f) screens are not light and dark", l, d)
	}
	diff := 0
	b := light.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if light.At(x, y) != zh.At(x, y) {
				diff++
			}
		}
	}
	if diff < 1000 {
		t.Fatalf("English and Chinese mail views differ in %d pixels only", diff)
	}
}
