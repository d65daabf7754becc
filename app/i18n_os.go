//go:build windows || darwin || js || android || ios

package app

// envDrivesLocale: here Fyne asks the operating system for the locale.
const envDrivesLocale = false
