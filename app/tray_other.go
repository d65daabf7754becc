//go:build !linux && !freebsd && !openbsd && !netbsd

package app

// trayHostRunning: macOS and Windows always have a tray (menu bar extras,
// notification area).
func trayHostRunning() bool { return true }
