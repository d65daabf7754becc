// Command gen copies the licence notice of every module linked into the
// hongyan binary into assets/licenses, where assets embeds them for the
// About window. Run it from the repository root after changing
// dependencies:
//
//	go run ./assets/licenses/gen
//
// It lists the modules of the main package's dependencies for Linux,
// Windows and macOS (the union, so that one set of notices serves every
// release), copies each module's LICENSE/LICENCE/COPYING file from the
// module cache to <module path with "/" replaced by "_">.txt, adds the Go
// standard library's licence as go.txt, and writes modules.txt, one
// "path version file" line per notice. It stops with an error naming any
// module whose notice it cannot find.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Out is the directory the notices are written to, relative to the
// repository root.
const Out = "assets/licenses"

// targets are the systems Hongyan is released for.
var targets = []string{"linux", "windows", "darwin"}

// noticeNames are the file names, in order of preference, that hold a
// module's licence.
var noticeNames = []string{"LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "LICENCE.txt", "COPYING", "COPYING.txt", "License", "license"}

type module struct {
	path, version, dir string
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	mods := map[string]module{}
	for _, goos := range targets {
		list, err := linked(goos)
		if err != nil {
			return err
		}
		for _, m := range list {
			mods[m.path] = m
		}
	}
	paths := make([]string, 0, len(mods))
	for p := range mods {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	old, _ := filepath.Glob(filepath.Join(Out, "*.txt"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	var index bytes.Buffer
	var missing []string
	for _, p := range paths {
		m := mods[p]
		text, err := notice(m.dir)
		if err != nil {
			missing = append(missing, p+" ("+err.Error()+")")
			continue
		}
		name := FileName(p)
		if err := os.WriteFile(filepath.Join(Out, name), text, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&index, "%s %s %s\n", p, m.version, name)
	}
	if len(missing) > 0 {
		return fmt.Errorf("no licence notice for: %s", strings.Join(missing, ", "))
	}
	// The Go runtime and standard library are linked into every binary.
	goroot, goVersion, err := goEnv()
	if err != nil {
		return err
	}
	text, err := notice(goroot)
	if err != nil {
		return fmt.Errorf("Go standard library: %w", err)
	}
	if err := os.WriteFile(filepath.Join(Out, "go.txt"), text, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(&index, "std %s go.txt\n", goVersion)
	return os.WriteFile(filepath.Join(Out, "modules.index"), index.Bytes(), 0o644)
}

// FileName is the notice file's name for a module path.
func FileName(path string) string {
	return strings.ReplaceAll(path, "/", "_") + ".txt"
}

// linked lists the non-main modules the main package links for goos.
func linked(goos string) ([]module, error) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}}\t{{.Version}}\t{{.Dir}}{{end}}{{end}}", ".")
	cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list for %s: %v: %s", goos, err, stderr.String())
	}
	var mods []module
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			continue
		}
		mods = append(mods, module{path: f[0], version: f[1], dir: f[2]})
	}
	return mods, sc.Err()
}

// notice reads the licence file at the root of dir.
func notice(dir string) ([]byte, error) {
	if dir == "" {
		return nil, fmt.Errorf("module not in the module cache")
	}
	for _, n := range noticeNames {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err == nil && len(bytes.TrimSpace(b)) > 0 {
			return b, nil
		}
	}
	return nil, fmt.Errorf("no LICENSE or COPYING file in %s", dir)
}

func goEnv() (goroot, version string, err error) {
	out, err := exec.Command("go", "env", "GOROOT", "GOVERSION").Output()
	if err != nil {
		return "", "", fmt.Errorf("go env: %w", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return "", "", fmt.Errorf("go env: unexpected output %q", out)
	}
	return f[0], f[1], nil
}
