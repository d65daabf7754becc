//go:build !windows && !darwin && !js && !android && !ios

package app

// envDrivesLocale: here Fyne reads the locale from LANGUAGE/LC_*/LANG.
const envDrivesLocale = true
