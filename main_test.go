package main

import (
	"bytes"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	var stderr bytes.Buffer
	cfg, err := parseArgs([]string{"--profile", "/tmp/p", "--demo", "mailto:a@example.org?subject=Hi"}, &stderr)
	if err != nil {
		t.Fatalf("parseArgs: %v (%s)", err, stderr.String())
	}
	if cfg.opts.ProfileDir != "/tmp/p" || !cfg.opts.Demo || cfg.opts.OpenArg != "mailto:a@example.org?subject=Hi" || cfg.showVersion {
		t.Fatalf("got %+v", cfg)
	}

	cfg, err = parseArgs([]string{"--version"}, &stderr)
	if err != nil || !cfg.showVersion {
		t.Fatalf("--version: %+v, %v", cfg, err)
	}

	cfg, err = parseArgs([]string{"letter.eml"}, &stderr)
	if err != nil || cfg.opts.OpenArg != "letter.eml" || cfg.opts.Demo {
		t.Fatalf("eml: %+v, %v", cfg, err)
	}
	if filepath.Base(cfg.opts.ProfileDir) != "hongyan" {
		t.Fatalf("default profile %q does not end in hongyan", cfg.opts.ProfileDir)
	}
}

func TestParseArgsErrors(t *testing.T) {
	var stderr bytes.Buffer
	if _, err := parseArgs([]string{"a.eml", "b.eml"}, &stderr); !errors.Is(err, errUsage) {
		t.Fatalf("two arguments: err = %v, want errUsage", err)
	}
	if !strings.Contains(stderr.String(), "at most one") {
		t.Fatalf("two arguments: message %q", stderr.String())
	}
	stderr.Reset()
	if _, err := parseArgs([]string{"--no-such-flag"}, &stderr); !errors.Is(err, errUsage) {
		t.Fatalf("unknown flag: err = %v, want errUsage", err)
	}
	if _, err := parseArgs([]string{"-h"}, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: err = %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(stderr.String(), "--profile") && !strings.Contains(stderr.String(), "-profile") {
		t.Fatalf("usage lacks the profile flag: %q", stderr.String())
	}
}
