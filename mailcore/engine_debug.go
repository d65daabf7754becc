package mailcore

import (
	"io"
	"os"
	"path/filepath"

	"hongyan/mailcore/secret"
)

// debugLog returns a protocol log writer for an account and protocol when
// debugging is on (Options.DebugDir), with the password and every
// credential line redacted; nil otherwise.
func (e *Engine) debugLog(accountID, proto, password string) io.Writer {
	if e.opts.DebugDir == "" {
		return nil
	}
	if err := os.MkdirAll(e.opts.DebugDir, 0o700); err != nil {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(e.opts.DebugDir, accountID+"-"+proto+".log"),
		os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil
	}
	r := secret.NewRedactor(f)
	if password != "" {
		r.AddSecret(password)
	}
	return r
}
