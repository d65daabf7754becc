package mailcore

import (
	"io"
	"os"
	"path/filepath"
	"sync"

	"hongyan/mailcore/secret"
)

var debugLogs struct {
	sync.Mutex
	m map[string]*secret.Redactor
}

// debugLog returns a protocol log writer for an account and protocol when
// debugging is on (Options.DebugDir), with the password and every
// credential line redacted; nil otherwise. One writer per file is kept for
// the life of the process.
func (e *Engine) debugLog(accountID, proto, password string) io.Writer {
	if e.opts.DebugDir == "" {
		return nil
	}
	path := filepath.Join(e.opts.DebugDir, accountID+"-"+proto+".log")
	debugLogs.Lock()
	defer debugLogs.Unlock()
	if r, ok := debugLogs.m[path]; ok {
		if password != "" {
			r.AddSecret(password)
		}
		return r
	}
	if err := os.MkdirAll(e.opts.DebugDir, 0o700); err != nil {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil
	}
	r := secret.NewRedactor(f)
	if password != "" {
		r.AddSecret(password)
	}
	if debugLogs.m == nil {
		debugLogs.m = map[string]*secret.Redactor{}
	}
	debugLogs.m[path] = r
	return r
}
