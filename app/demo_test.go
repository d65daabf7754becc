package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hongyan/mailcore"
	"hongyan/mailcore/demo"
	"hongyan/mailcore/event"
	"hongyan/mailcore/store"
)

// The demo profile opens in the real engine, which syncs the sample mail
// over TLS with the password from the session store, and everything is
// gone after cleanup.
func TestStartDemoSyncsInTheEngine(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, opts, cleanup, err := startDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cleaned := false
	defer func() {
		if !cleaned {
			cleanup()
		}
	}()
	if opts.ProfileDir != dir || opts.Secrets == nil || opts.TLS.RootCAs == nil {
		t.Fatalf("options: %+v", opts)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "settings.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "password") {
		t.Fatal("settings.json mentions a password")
	}
	var errs []error
	opts.Sink = func(ev event.Event) {
		if st, ok := ev.(event.AccountStatus); ok && st.Err != nil {
			errs = append(errs, st.Err)
		}
	}
	// Without the fixed TLS options the pinned fingerprint in the account
	// must be enough on its own.
	opts.TLS.RootCAs = nil
	e, err := mailcore.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, m := range demo.Messages(time.Now()) {
		if m.Folder == "INBOX" {
			want++
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	var total int
	for time.Now().Before(deadline) {
		f, err := e.Store().FolderByRole(ctx, demo.AccountID, store.RoleInbox)
		if err == nil {
			total, _, _ = e.Store().Counts(ctx, f.ID)
			if total == want {
				break
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if total != want {
		t.Fatalf("engine cached %d INBOX messages, want %d (errors: %v)", total, want, errs)
	}
	for _, role := range []string{store.RoleSent, store.RoleDrafts, store.RoleTrash, store.RoleJunk, store.RoleArchive} {
		if _, err := e.Store().FolderByRole(ctx, demo.AccountID, role); err != nil {
			t.Errorf("no %s folder: %v", role, err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	cleanup()
	cleaned = true
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("demo profile still there: %v", err)
	}
}
