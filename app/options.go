package app

// Options are the start-up settings taken from the command line.
type Options struct {
	// ProfileDir is where settings.json and the local mail cache live.
	ProfileDir string
	// Demo starts Hongyan with the built-in demo account and sample mail.
	Demo bool
	// OpenArg is an optional mailto: URL or path to an .eml file to open
	// once the window is up. It is passed through untouched for now.
	OpenArg string
	// Version is shown in the about box; empty means unknown.
	Version string
}
