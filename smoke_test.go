package main

// The smoke test runs the real binary on a virtual X display (Xvfb), takes a
// screenshot of the screen with ImageMagick and checks that a window was
// drawn. Screenshots are kept in test-artifacts/ at the repository root.
// The tools come from `scripts/install-deps.sh test` (run by `make test`).

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needTool returns the path of a required program or fails the test.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (Debian package %s): run `make test` or `scripts/install-deps.sh test` first", name, pkg)
	}
	return p
}

// startXvfb starts a virtual X server on a free display and returns its
// DISPLAY value. Xvfb chooses the free number itself and reports it through
// -displayfd.
func startXvfb(t *testing.T) string {
	t.Helper()
	xvfb := needTool(t, "Xvfb", "xvfb")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w} // becomes fd 3
	var logBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	if err := cmd.Start(); err != nil {
		w.Close()
		t.Fatalf("starting Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { stopProcess(cmd) })

	type result struct {
		line string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		got <- result{line, err}
	}()
	select {
	case res := <-got:
		n, err := strconv.Atoi(strings.TrimSpace(res.line))
		if err != nil {
			t.Fatalf("Xvfb did not report a display (%v, %q): %s", res.err, res.line, logBuf.String())
		}
		return ":" + strconv.Itoa(n)
	case <-time.After(30 * time.Second):
		t.Fatalf("Xvfb did not start within 30s: %s", logBuf.String())
	}
	return ""
}

// stopProcess asks a process to end, then kills it if it has not.
func stopProcess(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// screenshot grabs the whole X screen as a PNG.
func screenshot(display string, importPath string) ([]byte, image.Image, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, importPath, "-window", "root", "png:-")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("import: %v: %s", err, errb.String())
	}
	img, err := png.Decode(bytes.NewReader(out.Bytes()))
	if err != nil {
		return nil, nil, fmt.Errorf("decoding the screenshot: %v", err)
	}
	return out.Bytes(), img, nil
}

// imageStats counts distinct colours and the share of pixels that are not
// the black of the empty X root window.
func imageStats(img image.Image) (colours int, covered float64) {
	seen := map[uint32]struct{}{}
	b := img.Bounds()
	nonBlack := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = struct{}{}
			if r|g|bl != 0 {
				nonBlack++
			}
		}
	}
	return len(seen), float64(nonBlack) / float64(b.Dx()*b.Dy())
}

func buildBinary(t *testing.T) string {
	t.Helper()
	goTool := needTool(t, "go", "golang (Go 1.26)")
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
	importPath := needTool(t, "import", "imagemagick")
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
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
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
		case err := <-exited:
			t.Fatalf("hongyan exited early (%v):\n%s", err, logBuf.String())
		default:
		}
		raw, img, err := screenshot(display, importPath)
		if err != nil {
			t.Fatal(err)
		}
		colours, covered := imageStats(img)
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
	display := startXvfb(t)

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
