package secret

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// The tests in this file change go-keyring's global provider with MockInit,
// so none of them runs in parallel.

func TestKeyringStoreRoundTripOnMock(t *testing.T) {
	keyring.MockInit()
	s := NewKeyringStore(0)
	if err := s.Set("a1b2", RoleIncoming, "in-pw"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("a1b2", RoleOutgoing, "out-pw"); err != nil {
		t.Fatal(err)
	}
	// The key scheme: service "hongyan", user "<id>/<role>".
	raw, err := keyring.Get("hongyan", "a1b2/incoming")
	if err != nil || raw != "in-pw" {
		t.Fatalf("raw keyring lookup = %q, %v", raw, err)
	}
	got, err := s.Get("a1b2", RoleOutgoing)
	if err != nil || got != "out-pw" {
		t.Fatalf("Get outgoing = %q, %v", got, err)
	}
	if err := s.Delete("a1b2", RoleIncoming); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("a1b2", RoleIncoming); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete("a1b2", RoleIncoming); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
	if err := s.Available(context.Background()); err != nil {
		t.Fatalf("Available on working keyring: %v", err)
	}
}

func TestKeyringErrorMapping(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		want       error
		notWant    error
		locked     bool
		unavailble bool
	}{
		{"locked collection", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrLocked, ErrNotFound, true, true},
		{"dbus IsLocked", dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked"}, ErrLocked, ErrTimeout, true, true},
		{"no secret service", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}}, ErrUnavailable, ErrLocked, false, true},
		{"no session bus", errors.New("dbus: DBUS_SESSION_BUS_ADDRESS not set"), ErrUnavailable, ErrNotFound, false, true},
		{"not found", keyring.ErrNotFound, ErrNotFound, ErrUnavailable, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keyring.MockInitWithError(c.err)
			s := NewKeyringStore(0)
			const pw = "Sup3r-Secret-value"
			errs := map[string]error{}
			_, errs["get"] = s.Get("acc", RoleIncoming)
			errs["set"] = s.Set("acc", RoleIncoming, pw)
			errs["delete"] = s.Delete("acc", RoleOutgoing)
			for op, err := range errs {
				if !errors.Is(err, c.want) {
					t.Errorf("%s: %v, want %v", op, err, c.want)
				}
				if errors.Is(err, c.notWant) {
					t.Errorf("%s: %v also matches %v", op, err, c.notWant)
				}
				if errors.Is(err, ErrLocked) != c.locked || errors.Is(err, ErrUnavailable) != c.unavailble {
					t.Errorf("%s: %v locked=%v unavailable=%v", op, err, errors.Is(err, ErrLocked), errors.Is(err, ErrUnavailable))
				}
				var se *Error
				if !errors.As(err, &se) || se.Op != op || se.AccountID != "acc" {
					t.Errorf("%s: %#v is not a *Error for this op", op, err)
				}
				if strings.Contains(err.Error(), pw) {
					t.Errorf("%s: error text contains the password", op)
				}
			}
			perr := s.Available(context.Background())
			if c.want == ErrNotFound {
				if perr != nil {
					t.Errorf("Available: %v, want nil (store answered)", perr)
				}
			} else if !errors.Is(perr, c.want) {
				t.Errorf("Available: %v, want %v", perr, c.want)
			}
		})
	}
}

func TestInvalidKeys(t *testing.T) {
	keyring.MockInit()
	s := NewKeyringStore(0)
	for _, k := range [][2]string{{"", RoleIncoming}, {"a/b", RoleIncoming}, {"abc", "smtp"}, {"a b", RoleOutgoing}, {"ab", ""}} {
		if err := s.Set(k[0], k[1], "x"); !errors.Is(err, ErrInvalid) {
			t.Errorf("Set(%q,%q): %v, want ErrInvalid", k[0], k[1], err)
		}
		if _, err := NewSessionStore().Get(k[0], k[1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("session Get(%q,%q): %v, want ErrInvalid", k[0], k[1], err)
		}
	}
}

// blockingKeyring never answers until released, like a keyring waiting on
// an unlock prompt nobody sees.
type blockingKeyring struct {
	release chan struct{}
	mu      sync.Mutex
	calls   int
}

func (b *blockingKeyring) wait() {
	b.mu.Lock()
	b.calls++
	b.mu.Unlock()
	<-b.release
}
func (b *blockingKeyring) Get(string, string) (string, error) { b.wait(); return "late", nil }
func (b *blockingKeyring) Set(string, string, string) error   { b.wait(); return nil }
func (b *blockingKeyring) Delete(string, string) error        { b.wait(); return nil }
func (b *blockingKeyring) DeleteAll(string) error             { b.wait(); return nil }

func TestTimeout(t *testing.T) {
	b := &blockingKeyring{release: make(chan struct{})}
	defer close(b.release)
	s := NewKeyringStoreWith(b, 30*time.Millisecond)
	if _, err := s.Get("acc", RoleIncoming); !errors.Is(err, ErrTimeout) {
		t.Errorf("Get: %v, want ErrTimeout", err)
	}
	if err := s.Set("acc", RoleIncoming, "pw"); !errors.Is(err, ErrTimeout) {
		t.Errorf("Set: %v, want ErrTimeout", err)
	}
	if err := s.Delete("acc", RoleIncoming); !errors.Is(err, ErrTimeout) {
		t.Errorf("Delete: %v, want ErrTimeout", err)
	}
	if err := s.Available(context.Background()); !errors.Is(err, ErrTimeout) {
		t.Errorf("Available: %v, want ErrTimeout", err)
	}
	// A caller's context can end the wait earlier than the store timeout.
	slow := NewKeyringStoreWith(b, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := slow.Available(ctx); !errors.Is(err, ErrTimeout) {
		t.Errorf("Available with ended context: %v, want ErrTimeout", err)
	}
	b.mu.Lock()
	calls := b.calls
	b.mu.Unlock()
	if calls == 0 {
		t.Error("the backend was never called")
	}
	if NewKeyringStore(0).timeout != DefaultTimeout {
		t.Error("zero timeout does not mean DefaultTimeout")
	}
}

// failingStore is a primary store that is always unavailable.
type failingStore struct{ err error }

func (f failingStore) Get(a, r string) (string, error) {
	return "", &Error{Op: "get", AccountID: a, Role: r, Kind: ErrUnavailable, Err: f.err}
}
func (f failingStore) Set(a, r, _ string) error {
	return &Error{Op: "set", AccountID: a, Role: r, Kind: ErrUnavailable, Err: f.err}
}
func (f failingStore) Delete(a, r string) error {
	return &Error{Op: "delete", AccountID: a, Role: r, Kind: ErrUnavailable, Err: f.err}
}
func (f failingStore) Available(context.Context) error {
	return &Error{Op: "probe", Kind: ErrUnavailable, Err: f.err}
}

func TestFallbackNeverFallsBackSilently(t *testing.T) {
	f := NewFallback(failingStore{errors.New("no secret service")})
	if err := f.Available(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Available: %v", err)
	}
	if err := f.Set("acc", RoleIncoming, "pw1"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Set: %v, want ErrUnavailable", err)
	}
	// Nothing was kept behind the caller's back.
	if _, err := f.Get("acc", RoleIncoming); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get after failed Set: %v, want ErrUnavailable", err)
	}
	if _, err := f.Session.Get("acc", RoleIncoming); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session store holds a password nobody asked it to keep: %v", err)
	}
	// The application decided: keep it for this session.
	if err := f.KeepForSession("acc", RoleIncoming, "pw1"); err != nil {
		t.Fatal(err)
	}
	if got, err := f.Get("acc", RoleIncoming); err != nil || got != "pw1" {
		t.Fatalf("Get after KeepForSession = %q, %v", got, err)
	}
	f.Session.Clear()
	if _, err := f.Get("acc", RoleIncoming); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get after Clear: %v", err)
	}
}

func TestFallbackWithWorkingPrimary(t *testing.T) {
	keyring.MockInit()
	f := NewFallback(NewKeyringStore(0))
	if err := f.Available(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.KeepForSession("acc", RoleOutgoing, "old"); err != nil {
		t.Fatal(err)
	}
	if err := f.Set("acc", RoleOutgoing, "new"); err != nil {
		t.Fatal(err)
	}
	if got, err := f.Get("acc", RoleOutgoing); err != nil || got != "new" {
		t.Fatalf("Get = %q, %v; want the persisted password", got, err)
	}
	if err := f.Delete("acc", RoleOutgoing); err != nil {
		t.Fatal(err)
	}
	if err := f.Delete("acc", RoleOutgoing); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
	// A session-only password can be deleted even though the keyring never
	// held it.
	if err := f.KeepForSession("acc", RoleIncoming, "tmp"); err != nil {
		t.Fatal(err)
	}
	if err := f.Delete("acc", RoleIncoming); err != nil {
		t.Fatalf("Delete of a session-only password: %v", err)
	}
}

func TestSessionStoreConcurrent(t *testing.T) {
	s := NewSessionStore()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				_ = s.Set("acc", RoleIncoming, "pw")
				_, _ = s.Get("acc", RoleIncoming)
			}
		}()
	}
	wg.Wait()
	if got, err := s.Get("acc", RoleIncoming); err != nil || got != "pw" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := s.Delete("acc", RoleIncoming); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("acc", RoleIncoming); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete twice: %v", err)
	}
}
