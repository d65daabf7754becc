// Command hongyan is the Hongyan (鸿雁) desktop mail client.
//
// main only parses flags and hands over to package app.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"hongyan/app"
)

// version is the release version; FyneApp.toml carries the same number.
// It can be overridden at link time with -ldflags "-X main.version=...".
var version = "0.1.0"

// config is the result of parsing the command line.
type config struct {
	opts        app.Options
	showVersion bool
}

// errUsage reports a bad command line; the message has already been printed.
var errUsage = errors.New("usage error")

// parseArgs parses the command line (without the program name).
// Diagnostics and help go to stderr.
func parseArgs(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("hongyan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.opts.ProfileDir, "profile", "", "directory for settings and the local mail cache (default: <user config dir>/hongyan)")
	fs.BoolVar(&cfg.opts.Demo, "demo", false, "start with the built-in demo account and sample mail")
	fs.BoolVar(&cfg.showVersion, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: hongyan [--profile DIR] [--demo] [--version] [mailto:URL | FILE.eml]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, errUsage
	}
	switch fs.NArg() {
	case 0:
	case 1:
		cfg.opts.OpenArg = fs.Arg(0)
	default:
		fmt.Fprintf(stderr, "hongyan: expected at most one mailto: URL or .eml file, got %d arguments\n", fs.NArg())
		fs.Usage()
		return cfg, errUsage
	}
	if cfg.opts.ProfileDir == "" && !cfg.showVersion {
		dir, err := defaultProfileDir()
		if err != nil {
			fmt.Fprintf(stderr, "hongyan: %v; pass --profile DIR\n", err)
			return cfg, errUsage
		}
		cfg.opts.ProfileDir = dir
	}
	return cfg, nil
}

// defaultProfileDir is <user config dir>/hongyan.
func defaultProfileDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the user configuration directory: %w", err)
	}
	return filepath.Join(base, "hongyan"), nil
}

func main() {
	cfg, err := parseArgs(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if cfg.showVersion {
		fmt.Printf("Hongyan %s\n", version)
		return
	}
	cfg.opts.Version = version
	if err := app.Run(cfg.opts); err != nil {
		fmt.Fprintf(os.Stderr, "hongyan: %v\n", err)
		os.Exit(1)
	}
}
