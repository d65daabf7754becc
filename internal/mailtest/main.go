package mailtest

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

var (
	sharedMu    sync.Mutex
	sharedStack *Stack
)

// Main is for TestMain: it starts a stack shared by the package's tests, runs
// them and stops the stack. If the stack cannot start it prints why (with the
// servers' log tail) and exits with status 2.
//
//	func TestMain(m *testing.M) { mailtest.Main(m) }
func Main(m *testing.M) {
	s, err := Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
		os.Exit(2)
	}
	sharedMu.Lock()
	sharedStack = s
	sharedMu.Unlock()

	code := m.Run()

	sharedMu.Lock()
	sharedStack = nil
	sharedMu.Unlock()
	if err := s.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "mailtest: stopping the stack: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// Shared returns the stack started by Main. It fails t if there is none.
func Shared(t testing.TB) *Stack {
	t.Helper()
	sharedMu.Lock()
	s := sharedStack
	sharedMu.Unlock()
	if s == nil {
		t.Fatal("mailtest: no shared stack; call mailtest.Main(m) from TestMain")
	}
	return s
}
