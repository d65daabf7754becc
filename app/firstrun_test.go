package app

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestFirstRunTipsShownOnce(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	mustSetLanguage(t, LangSystem)
	a := test.NewTempApp(t)
	mw := newMainWindow(a, Options{ProfileDir: t.TempDir()})
	defer mw.win.Close()

	if a.Preferences().Bool(firstRunPref) {
		t.Fatal("a fresh app already has the first-run preference")
	}
	mw.firstAccountAdded()
	top := mw.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("the first account did not bring up the welcome tips")
	}
	if !a.Preferences().Bool(firstRunPref) {
		t.Fatal("showing the tips was not remembered")
	}
	top.Hide()
	mw.win.Canvas().Overlays().Remove(top)

	mw.firstAccountAdded()
	if mw.win.Canvas().Overlays().Top() != nil {
		t.Fatal("the welcome tips appeared a second time")
	}
	if showFirstRunTips(a, a.NewWindow("other")) {
		t.Fatal("showFirstRunTips showed the tips again")
	}
}
