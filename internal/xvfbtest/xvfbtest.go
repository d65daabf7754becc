// Package xvfbtest runs programs on a virtual X display for tests: it
// starts Xvfb, takes screenshots with ImageMagick's import and measures
// whether something was drawn. The tools come from
// `scripts/install-deps.sh test` (run by `make test`).
package xvfbtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// NeedTool returns the path of a required program or fails the test.
func NeedTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (Debian package %s): run `make test` or `scripts/install-deps.sh test` first", name, pkg)
	}
	return p
}

// Start starts a virtual X server on a free display and returns its
// DISPLAY value; it is stopped when the test ends. Xvfb chooses the free
// number itself and reports it through -displayfd.
func Start(t testing.TB) string {
	t.Helper()
	xvfb := NeedTool(t, "Xvfb", "xvfb")
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
	t.Cleanup(func() { Stop(cmd) })

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

// Stop asks a process to end, then kills it if it has not.
func Stop(cmd *exec.Cmd) {
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

// Screenshot grabs the whole X screen of display as a PNG with the given
// import program.
func Screenshot(display, importPath string) ([]byte, image.Image, error) {
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

// Stats counts distinct colours and the share of pixels that are not the
// black of the empty X root window.
func Stats(img image.Image) (colours int, covered float64) {
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
