package app

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as a second Hongyan launch: with
// HONGYAN_INSTANCE_HELPER set it acts before TestMain (which would start
// the mail stack) and exits.
func init() {
	mode := os.Getenv("HONGYAN_INSTANCE_HELPER")
	if mode == "" {
		return
	}
	profile := os.Getenv("HONGYAN_INSTANCE_PROFILE")
	var args []string
	if a := os.Getenv("HONGYAN_INSTANCE_ARGS"); a != "" {
		args = strings.Split(a, "\n")
	}
	release, handedOff, err := acquireInstanceArgs(profile, args, func(a []string) {
		fmt.Printf("got %q\n", a)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
	switch mode {
	case "second":
		if !handedOff {
			release()
			fmt.Fprintln(os.Stderr, "helper: became the first instance")
			os.Exit(4)
		}
		os.Exit(0)
	case "first":
		if handedOff {
			os.Exit(5)
		}
		fmt.Println("ready")
		// Wait to be killed, like a running application.
		time.Sleep(time.Minute)
		os.Exit(6)
	}
	os.Exit(7)
}

func helperCmd(mode, profile string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HONGYAN_INSTANCE_HELPER="+mode, "HONGYAN_INSTANCE_PROFILE="+profile,
		"HONGYAN_INSTANCE_ARGS="+strings.Join(args, "\n"))
	return cmd
}

func acquireFirst(t *testing.T, profile string) (chan []string, func()) {
	t.Helper()
	got := make(chan []string, 4)
	release, handedOff, err := acquireInstanceArgs(profile, nil, func(a []string) { got <- a })
	if err != nil || handedOff {
		t.Fatalf("first instance: handedOff=%v err=%v", handedOff, err)
	}
	t.Cleanup(release)
	return got, release
}

func expectArgs(t *testing.T, got chan []string, want []string) {
	t.Helper()
	select {
	case a := <-got:
		if !reflect.DeepEqual(a, want) {
			t.Fatalf("first instance received %q, want %q", a, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the first instance received nothing")
	}
}

func TestInstanceSecondLaunchHandsOverMailto(t *testing.T) {
	profile := t.TempDir()
	got, _ := acquireFirst(t, profile)
	const url = "mailto:li.na@example.net?subject=%E4%BD%A0%E5%A5%BD&body=hi"
	out, err := helperCmd("second", profile, url).CombinedOutput()
	if err != nil {
		t.Fatalf("second launch: %v\n%s", err, out)
	}
	expectArgs(t, got, []string{url})

	// A relative .eml path arrives absolute; no arguments at all (the
	// icon clicked again) arrive as an empty list.
	cmd := helperCmd("second", profile, "note.eml")
	cmd.Dir = t.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("second launch with a file: %v\n%s", err, out)
	}
	expectArgs(t, got, []string{filepath.Join(cmd.Dir, "note.eml")})
	if out, err := helperCmd("second", profile).CombinedOutput(); err != nil {
		t.Fatalf("second launch without arguments: %v\n%s", err, out)
	}
	expectArgs(t, got, []string{})
}

func TestInstanceStaleSocketIsTakenOver(t *testing.T) {
	profile := t.TempDir()
	first := helperCmd("first", profile)
	stdout, err := first.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "ready\n" {
		first.Process.Kill()
		first.Wait()
		t.Fatalf("helper said %q", line)
	}
	// The first instance crashes: no clean-up runs.
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	if runtime.GOOS != "windows" {
		if _, err := os.Stat(instanceSocketPath(profile)); err != nil {
			t.Fatalf("the crashed instance left no socket to clean up: %v", err)
		}
	}
	got, release := acquireFirst(t, profile)
	out, err := helperCmd("second", profile, "mailto:a@example.com").CombinedOutput()
	if err != nil {
		t.Fatalf("second launch after take-over: %v\n%s", err, out)
	}
	expectArgs(t, got, []string{"mailto:a@example.com"})
	release()
	if runtime.GOOS != "windows" {
		if _, err := os.Stat(instanceSocketPath(profile)); !os.IsNotExist(err) {
			t.Fatalf("socket left after release: %v", err)
		}
	}
	// After release the next launch becomes the first instance itself.
	_, _ = acquireFirst(t, profile)
}

func TestInstanceLongProfilePath(t *testing.T) {
	profile := filepath.Join(t.TempDir(), strings.Repeat("very-long-profile-directory-name-", 5))
	if len(filepath.Join(profile, "instance.sock")) <= maxSocketPath {
		t.Fatal("test profile path is not long enough")
	}
	got, _ := acquireFirst(t, profile)
	if p := instanceSocketPath(profile); len(p) > maxSocketPath || strings.HasPrefix(p, profile) {
		t.Fatalf("socket path %q", p)
	}
	if out, err := helperCmd("second", profile, "mailto:b@example.com").CombinedOutput(); err != nil {
		t.Fatalf("second launch: %v\n%s", err, out)
	}
	expectArgs(t, got, []string{"mailto:b@example.com"})
}

func TestInstanceRejectsWrongToken(t *testing.T) {
	profile := t.TempDir()
	got, _ := acquireFirst(t, profile)
	c, err := dialInstance(profile)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg, _ := json.Marshal(handOff{Token: "not-the-token", Args: []string{"mailto:x@example.com"}})
	c.Write(append(msg, '\n'))
	reply, _ := io.ReadAll(c)
	if string(reply) != "denied\n" {
		t.Fatalf("reply %q, want denied", reply)
	}
	// Garbage is refused too, and the listener keeps serving.
	c2, err := dialInstance(profile)
	if err != nil {
		t.Fatal(err)
	}
	c2.Write([]byte("\x00\xff not json\n"))
	reply, _ = io.ReadAll(c2)
	c2.Close()
	if string(reply) != "denied\n" {
		t.Fatalf("reply to garbage %q", reply)
	}
	select {
	case a := <-got:
		t.Fatalf("a refused hand-off delivered %q", a)
	default:
	}
	if err := sendToInstance(profile, []string{"mailto:ok@example.com"}); err != nil {
		t.Fatal(err)
	}
	expectArgs(t, got, []string{"mailto:ok@example.com"})
}

func TestInstanceArgs(t *testing.T) {
	for _, c := range []struct {
		in, want []string
	}{
		{[]string{"--profile", "/p", "mailto:a@b.c"}, []string{"mailto:a@b.c"}},
		{[]string{"-profile=/p", "--demo", "x.eml"}, []string{"x.eml"}},
		{[]string{"--demo"}, nil},
		{[]string{"--", "-odd.eml"}, []string{"-odd.eml"}},
	} {
		if got := instanceArgs(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("instanceArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
