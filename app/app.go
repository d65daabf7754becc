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
	"hongyan/mailcore/account"
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

	// One Hongyan per profile: a second launch hands its mailto: URL or
	// message file to the running one and ends. (The demo uses a fresh
	// temporary profile, so it always runs on its own.)
	handed := make(chan []string, 8)
	if !opts.Demo {
		var args []string
		if opts.OpenArg != "" {
			args = []string{opts.OpenArg}
		}
		release, handedOff, err := acquireInstanceArgs(opts.ProfileDir, args, func(a []string) { handed <- a })
		if err != nil {
			return err
		}
		if handedOff {
			return nil
		}
		defer release()
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
	mw.sink = queue.Sink()
	defer mw.runCleanups()
	if opts.Demo || (settingsErr == nil && settings.hasAccounts()) {
		mw.showPlaceholder()
	} else {
		mw.showWelcome()
	}
	for _, err := range []error{settingsErr, langErr} {
		if err != nil {
			dialog.ShowError(fmt.Errorf("%s", T("error.settings", map[string]any{"Error": err.Error()})), mw.win)
		}
	}
	// The demo can also be chosen later, from the welcome screen or the
	// wizard: the window then switches to a demo engine.
	startDemoAccount = func(*mailcore.Engine) (account.Account, error) { return mw.switchToDemo(ctx) }

	// Opening the profile reads the disk and migrates the cache: it runs
	// off the UI goroutine and hands the engine over when ready.
	mw.ui.goWork(func(ctx context.Context) {
		tray := trayHostRunning()
		if opts.Demo {
			fyne.Do(func() { mw.trayHost = tray })
			if _, err := mw.switchToDemo(ctx); err != nil {
				fyne.Do(func() { mw.engineReady(nil, err) })
			}
			return
		}
		eng, err := mailcore.Open(mailcore.Options{ProfileDir: opts.ProfileDir, Sink: mw.sink})
		fyne.Do(func() {
			mw.trayHost = tray
			mw.engineReady(eng, err)
		})
	})
	// Arguments handed over by later launches open here, on the UI
	// goroutine; an empty hand-off just brings the window forward.
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case args := <-handed:
				fyne.Do(func() { mw.openArgs(args) })
			}
		}
	}()
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
