package main

// The smoke test runs the real binary on a virtual X display (Xvfb), takes a
// screenshot of the screen with ImageMagick and checks that a window was
// drawn. Screenshots are kept in test-artifacts/ at the repository root.
// The tools come from `scripts/install-deps.sh test` (run by `make test`).

import (
	"bytes"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hongyan/internal/xvfbtest"
)

func buildBinary(t *testing.T) string {
	t.Helper()
	goTool := xvfbtest.NeedTool(t, "go", "golang (Go 1.26)")
	bin := filepath.Join(t.TempDir(), "hongyan")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runAndShoot starts the app with the given LANG on display and returns the
// screenshot once the screen has a drawn window and has stopped changing.
func runAndShoot(t *testing.T, bin, display, langEnv string) ([]byte, image.Image) {
	t.Helper()
	return runAndShootProfile(t, bin, display, langEnv, filepath.Join(t.TempDir(), "profile"), nil, nil, 500)
}

// runAndShootProfile is runAndShoot on a given profile with extra
// environment variables; ready, if set, must report true before the
// screen counts as settled.
func runAndShootProfile(t *testing.T, bin, display, langEnv, profile string, extraEnv []string, ready func() bool, minColours int) ([]byte, image.Image) {
	t.Helper()
	importPath := xvfbtest.NeedTool(t, "import", "imagemagick")
	home := t.TempDir()

	cmd := exec.Command(bin, "--profile", profile)
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DISPLAY", "WAYLAND_DISPLAY", "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
			"XDG_DATA_HOME", "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES":
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "DISPLAY="+display, "HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"), "LANG="+langEnv)
	cmd.Env = append(cmd.Env, extraEnv...)
	var logBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting hongyan: %v", err)
	}
	// exited is closed once the process has ended, with its error in
	// exitErr: the cleanup below and the check in the loop both wait on
	// it (a channel carrying the error could be read only once, and the
	// cleanup then waited for ever after an early exit).
	exited := make(chan struct{})
	var exitErr error
	go func() { exitErr = cmd.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		}
		if strings.Contains(logBuf.String(), "panic:") {
			t.Errorf("hongyan panicked:\n%s", logBuf.String())
		}
	}()

	const minCovered = 0.5
	var prev []byte
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("hongyan exited early (%v):\n%s", exitErr, logBuf.String())
		default:
		}
		raw, img, err := xvfbtest.Screenshot(display, importPath)
		if err != nil {
			t.Fatal(err)
		}
		colours, covered := xvfbtest.Stats(img)
		if colours >= minColours && covered >= minCovered && bytes.Equal(raw, prev) && (ready == nil || ready()) {
			// Settled: two identical frames a second apart.
			t.Logf("LANG=%s: %d colours, %.0f%% of the screen drawn", langEnv, colours, covered*100)
			return raw, img
		}
		if time.Now().After(deadline) {
			saveArtifact(t, "failed-"+langEnv+".png", raw)
			t.Fatalf("LANG=%s: no settled window after 60s (last frame: %d colours, %.0f%% drawn; want >= %d and >= %.0f%%)\n%s",
				langEnv, colours, covered*100, minColours, minCovered*100, logBuf.String())
		}
		prev = raw
		time.Sleep(time.Second)
	}
}

func saveArtifact(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := "test-artifacts" // the test runs in the repository root
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot saved to %s", p)
}

func TestSmokeGUIUnderXvfb(t *testing.T) {
	bin := buildBinary(t)
	display := xvfbtest.Start(t)

	enRaw, enImg := runAndShoot(t, bin, display, "en_US.UTF-8")
	saveArtifact(t, "smoke.png", enRaw)

	zhRaw, zhImg := runAndShoot(t, bin, display, "zh_CN.UTF-8")
	saveArtifact(t, "smoke-zh-CN.png", zhRaw)

	// The two languages must draw different text on the same layout.
	if enImg.Bounds() != zhImg.Bounds() {
		t.Fatalf("screen sizes differ: %v vs %v", enImg.Bounds(), zhImg.Bounds())
	}
	diff := 0
	b := enImg.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if enImg.At(x, y) != zhImg.At(x, y) {
				diff++
			}
		}
	}
	if diff < 1000 {
		t.Fatalf("the English and Chinese screens differ in only %d pixels; the language did not change", diff)
	}
}
