//go:build linux || freebsd || openbsd || netbsd

package app

import (
	"context"
	"time"

	"github.com/godbus/dbus/v5"
)

// trayHostRunning reports whether a StatusNotifierWatcher (the tray host of
// KDE, GNOME's AppIndicator extension, and others) is on the session bus.
// Without one a tray icon would never show and Fyne's tray code fails when
// the application quits, so Hongyan then runs without a tray. It talks to
// D-Bus and must not run on the UI goroutine.
func trayHostRunning() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return false
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0,
		"org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}
