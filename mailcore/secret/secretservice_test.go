package secret

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// childEnv marks the process that really talks to the Secret Service. The
// test always runs that part in a fresh child process running only this
// test, because other tests in this package replace go-keyring's provider
// with its mock.
const childEnv = "HONGYAN_SECRET_SERVICE_CHILD"

// TestSecretServiceRoundTrip stores a password through Store on a real
// Secret Service (gnome-keyring), proves with secret-tool where it went, and
// deletes it. Without a session bus it starts its own: dbus-run-session plus
// a gnome-keyring-daemon unlocked with a throw-away password and keyring
// directory.
func TestSecretServiceRoundTrip(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		secretServiceRoundTrip(t)
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-test.run=^TestSecretServiceRoundTrip$", "-test.v", "-test.count=1"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var cmd *exec.Cmd
	env := append(os.Environ(), childEnv+"=1")
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		// Already inside a session with a Secret Service.
		cmd = exec.CommandContext(ctx, exe, args...)
	} else {
		for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon", "secret-tool"} {
			if _, err := exec.LookPath(tool); err != nil {
				t.Fatalf("%s is needed for this test (Debian: dbus, gnome-keyring, libsecret-tools): %v", tool, err)
			}
		}
		home := t.TempDir()
		run := filepath.Join(home, "run")
		if err := os.Mkdir(run, 0o700); err != nil {
			t.Fatal(err)
		}
		// A private keyring directory: the daemon creates and unlocks a
		// "login" keyring with the password given on stdin.
		env = append(env, "XDG_DATA_HOME="+filepath.Join(home, "data"), "XDG_RUNTIME_DIR="+run)
		script := `printf '%s' test-keyring-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"`
		cmd = exec.CommandContext(ctx, "dbus-run-session", append([]string{"--", "sh", "-c", script, "sh", exe}, args...)...)
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	t.Logf("child output:\n%s", out)
	if err != nil {
		t.Fatalf("Secret Service child failed: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestSecretServiceRoundTrip") {
		t.Fatal("child did not report a pass")
	}
}

func secretServiceRoundTrip(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatal("child runs without a session bus")
	}
	var idb [8]byte
	if _, err := rand.Read(idb[:]); err != nil {
		t.Fatal(err)
	}
	id := hex.EncodeToString(idb[:])
	const pw = "real-keyring-pa55 word ✓"

	// Generous timeout: the first call starts the daemon through D-Bus
	// activation on a busy machine.
	s := NewKeyringStore(20 * time.Second)
	if err := s.Available(context.Background()); err != nil {
		t.Fatalf("Available: %v", err)
	}
	if _, err := s.Get(id, RoleIncoming); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before Set: %v, want ErrNotFound", err)
	}
	if err := s.Set(id, RoleIncoming, pw); err != nil {
		t.Fatalf("Set: %v", err)
	}
	t.Cleanup(func() { _ = s.Delete(id, RoleIncoming) })
	got, err := s.Get(id, RoleIncoming)
	if err != nil || got != pw {
		t.Fatalf("Get = %q, %v", got, err)
	}

	// Where it went: service "hongyan", username "<id>/<role>".
	lookup := func() (string, error) {
		out, err := exec.Command("secret-tool", "lookup", "service", Service, "username", id+"/"+RoleIncoming).Output()
		return string(out), err
	}
	raw, err := lookup()
	if err != nil || strings.TrimSuffix(raw, "\n") != pw {
		t.Fatalf("secret-tool lookup = %q, %v", raw, err)
	}
	if _, err := s.Get(id, RoleOutgoing); !errors.Is(err, ErrNotFound) {
		t.Fatalf("outgoing role shares the incoming password: %v", err)
	}

	if err := s.Delete(id, RoleIncoming); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(id, RoleIncoming); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	// secret-tool exits non-zero when nothing matches.
	if raw, err := lookup(); err == nil || raw != "" {
		t.Fatalf("secret-tool still finds the item after Delete: %q, %v", raw, err)
	}
}
