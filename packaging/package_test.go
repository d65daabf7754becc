// Package packaging tests the release packages: `make package` builds the
// Linux tarball once, and the tests check its desktop entry, the per-user
// installer and that the packaged binary starts and paints a window.
package packaging

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hongyan/internal/xvfbtest"
)

var (
	buildOnce sync.Once
	unpacked  string // the unpacked tarball's hongyan/ directory
	buildErr  error
	workDir   string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hongyan-packaging-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	workDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed for this test: %v", name, err)
	}
	return p
}

// fyneAppVersion reads Version from FyneApp.toml.
func fyneAppVersion(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("FyneApp.toml has no Version")
	}
	return string(m[1])
}

// packaged runs `make package` once per test binary and unpacks the result.
func packaged(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dist := filepath.Join(workDir, "dist")
		cmd := exec.Command("make", "package")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "DIST="+dist, "BUILD="+filepath.Join(workDir, "build"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("make package: %v\n%s", err, out)
			return
		}
		matches, _ := filepath.Glob(filepath.Join(dist, "hongyan-*-linux-*.tar.xz"))
		if len(matches) != 1 {
			buildErr = fmt.Errorf("make package made %v\n%s", matches, out)
			return
		}
		dest := filepath.Join(workDir, "unpacked")
		if err := os.MkdirAll(dest, 0o755); err != nil {
			buildErr = err
			return
		}
		if out, err := exec.Command("tar", "-xJf", matches[0], "-C", dest).CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("unpacking: %v\n%s", err, out)
			return
		}
		unpacked = filepath.Join(dest, "hongyan")
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return unpacked
}

func readDesktop(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	kv := map[string]string{}
	group := ""
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "[") {
			group = l
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok && group == "[Desktop Entry]" {
			kv[k] = v
		}
	}
	return kv
}

func TestVersionsAgree(t *testing.T) {
	raw, err := os.ReadFile("../main.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`var version = "([^"]+)"`).FindSubmatch(raw)
	if m == nil || string(m[1]) != fyneAppVersion(t) {
		t.Fatalf("main.go version %q differs from FyneApp.toml %q", m, fyneAppVersion(t))
	}
}

func TestPackageContents(t *testing.T) {
	root := packaged(t)
	validate := tool(t, "desktop-file-validate")
	desktop := filepath.Join(root, "usr/local/share/applications/org.hongyan.mail.desktop")
	if out, err := exec.Command(validate, desktop).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("desktop-file-validate: %v\n%s", err, out)
	}
	d := readDesktop(t, desktop)
	want := map[string]string{
		"Name":       "Hongyan",
		"Exec":       "hongyan %u",
		"Icon":       "org.hongyan.mail",
		"Categories": "Network;Email;",
		"MimeType":   "x-scheme-handler/mailto;message/rfc822;",
		"Type":       "Application",
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("desktop entry %s=%q, want %q", k, d[k], v)
		}
	}
	for _, f := range []string{"usr/local/bin/hongyan", "usr/local/share/pixmaps/org.hongyan.mail.png",
		"usr/local/share/icons/hicolor/512x512/apps/org.hongyan.mail.png", "install.sh"} {
		fi, err := os.Stat(filepath.Join(root, f))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s missing from the package: %v", f, err)
		}
	}
	version := exec.Command(filepath.Join(root, "usr/local/bin/hongyan"), "--version")
	version.Env = append(os.Environ(), "LANG=en_US.UTF-8")
	out, err := version.Output()
	if err != nil || strings.TrimSpace(string(out)) != "Hongyan "+fyneAppVersion(t) {
		t.Errorf("hongyan --version: %q, %v", out, err)
	}
	icon, err := os.Open(filepath.Join(root, "usr/local/share/icons/hicolor/512x512/apps/org.hongyan.mail.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer icon.Close()
	cfg, err := png.DecodeConfig(icon)
	if err != nil || cfg.Width != 512 || cfg.Height != 512 {
		t.Errorf("hicolor 512x512 icon is %dx%d (%v)", cfg.Width, cfg.Height, err)
	}
}

func TestUserInstall(t *testing.T) {
	root := packaged(t)
	home := t.TempDir()
	cmd := exec.Command("sh", filepath.Join(root, "install.sh"), root)
	cmd.Env = append(os.Environ(), "HOME="+home)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("install.sh: %v\n%s", err, out)
	}
	bin := filepath.Join(home, ".local/bin/hongyan")
	if fi, err := os.Stat(bin); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("installed binary: %v", err)
	}
	desktop := filepath.Join(home, ".local/share/applications/org.hongyan.mail.desktop")
	if out, err := exec.Command(tool(t, "desktop-file-validate"), desktop).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("installed desktop entry: %v\n%s", err, out)
	}
	if got := readDesktop(t, desktop)["Exec"]; got != bin+" %u" {
		t.Errorf("installed Exec=%q, want %q", got, bin+" %u")
	}
	if _, err := os.Stat(filepath.Join(home, ".local/share/icons/hicolor/512x512/apps/org.hongyan.mail.png")); err != nil {
		t.Error(err)
	}
	if _, err := exec.LookPath("update-desktop-database"); err == nil {
		cache, err := os.ReadFile(filepath.Join(home, ".local/share/applications/mimeinfo.cache"))
		if err != nil || !bytes.Contains(cache, []byte("x-scheme-handler/mailto=org.hongyan.mail.desktop")) {
			t.Errorf("mimeinfo.cache does not list Hongyan for mailto: (%v)\n%s", err, cache)
		}
	}
}

func TestPackagedBinaryPaintsUnderXvfb(t *testing.T) {
	root := packaged(t)
	importCmd := tool(t, "import")
	display := xvfbtest.Start(t)
	home := t.TempDir()
	app := exec.Command(filepath.Join(root, "usr/local/bin/hongyan"), "--profile", filepath.Join(home, "profile"))
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "DISPLAY" && k != "WAYLAND_DISPLAY" && k != "HOME" && !strings.HasPrefix(k, "XDG_") {
			env = append(env, kv)
		}
	}
	app.Env = append(env, "DISPLAY="+display, "HOME="+home, "LANG=en_US.UTF-8")
	var log bytes.Buffer
	app.Stdout, app.Stderr = &log, &log
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	defer func() {
		select {
		case <-exited:
		default:
			_ = app.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = app.Process.Kill()
				<-exited
			}
		}
	}()

	deadline := time.Now().Add(60 * time.Second)
	best := 0
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("the packaged binary exited: %v\n%s", err, log.String())
		case <-time.After(time.Second):
		}
		raw, img, err := xvfbtest.Screenshot(display, importCmd)
		if err != nil {
			continue
		}
		if n, _ := xvfbtest.Stats(img); n > best {
			best = n
		}
		// An empty Xvfb screen is one colour; a drawn Fyne window with
		// text and an icon has dozens (anti-aliasing).
		if best >= 20 {
			if dir := os.Getenv("HONGYAN_ARTIFACTS"); dir != "" {
				_ = os.WriteFile(filepath.Join(dir, "packaged-window.png"), raw, 0o644)
			}
			t.Logf("the packaged window painted %d colours", best)
			return
		}
	}
	t.Fatalf("no painted window within 60s (best %d colours)\n%s", best, log.String())
}
