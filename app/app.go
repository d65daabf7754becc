// Package app is Hongyan's Fyne application: the main window, and later the
// compose window, the account set-up wizard and the settings. It is the only
// package that uses both Fyne and mailcore.
package app

import (
	"context"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/dialog"

	"hongyan/assets"
	"hongyan/mailcore"
	"hongyan/mailcore/event"
)

// AppID is the reverse-DNS application ID (also in FyneApp.toml).
const AppID = "org.hongyan.mail"

// Run starts the GUI and returns when the last window is closed.
func Run(opts Options) error {
	if opts.ProfileDir == "" {
		return fmt.Errorf("no profile directory given")
	}
	if err := os.MkdirAll(opts.ProfileDir, 0o700); err != nil {
		return fmt.Errorf("creating the profile directory: %w", err)
	}

	settings, settingsErr := readStartupSettings(opts.ProfileDir)
	// A bad language value should not stop the program: fall back to the
	// system language and say so below.
	langErr := SetLanguage(settings.language())
	if langErr != nil {
		_ = SetLanguage(LangSystem)
	}

	a := fyneapp.NewWithID(AppID)
	a.SetIcon(assets.Icon)
	if settingsErr == nil {
		applyTheme(a, settings.theme())
	}

	mw := newMainWindow(a, opts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mw.ui = newUIContext(ctx, fyne.Do)
	queue := event.NewQueue(fyne.Do, mw.handleEvents, eventDelay)
	if settingsErr == nil && (settings.hasAccounts() || opts.Demo) {
		mw.showPlaceholder()
	} else {
		mw.showWelcome()
	}
	for _, err := range []error{settingsErr, langErr} {
		if err != nil {
			dialog.ShowError(fmt.Errorf("%s", T("error.settings", map[string]any{"Error": err.Error()})), mw.win)
		}
	}
	// Opening the profile reads the disk and migrates the cache: it runs
	// off the UI goroutine and hands the engine over when ready.
	mw.ui.goWork(func(context.Context) {
		eng, err := mailcore.Open(mailcore.Options{ProfileDir: opts.ProfileDir, Sink: queue.Sink()})
		tray := trayHostRunning()
		fyne.Do(func() {
			mw.trayHost = tray
			mw.engineReady(eng, err)
		})
	})
	mw.win.ShowAndRun()

	cancel()
	if mw.eng != nil {
		if err := mw.saveWindowState(); err != nil {
			fmt.Fprintf(os.Stderr, "hongyan: saving the window size: %v\n", err)
		}
		return mw.eng.Close()
	}
	return nil
}

// mainSize is the main window's default size.
var mainSize = fyne.NewSize(1100, 700)
