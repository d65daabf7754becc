package app

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"hongyan/assets"
)

// linkedModules runs the go list the notice generator uses, for this
// system, from the repository root: module path → version.
func linkedModules(t *testing.T) map[string]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}", ".")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, stderr.String())
	}
	mods := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 {
			mods[f[0]] = f[1]
		}
	}
	if len(mods) == 0 {
		t.Fatal("go list found no linked modules")
	}
	return mods
}

func TestEveryLinkedModuleHasALicenseNotice(t *testing.T) {
	entries, err := licenseEntries()
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]licenseEntry{}
	for _, e := range entries {
		byPath[e.Path] = e
	}
	for path, version := range linkedModules(t) {
		e, ok := byPath[path]
		if !ok {
			t.Errorf("%s %s is linked but has no notice: run go run ./assets/licenses/gen", path, version)
			continue
		}
		if e.Version != version {
			t.Errorf("%s: notice is for %s, the binary links %s: run go run ./assets/licenses/gen", path, e.Version, version)
		}
		data, err := assets.Licenses.ReadFile(assets.LicensesDir + "/" + e.File)
		if err != nil || len(bytes.TrimSpace(data)) == 0 {
			t.Errorf("%s: notice file %s is missing or empty (%v)", path, e.File, err)
		}
	}
	if _, ok := byPath["std"]; !ok {
		t.Error("the Go standard library's licence is missing")
	}
}

func TestAboutShowsVersionAndFyneLicense(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	mustSetLanguage(t, LangSystem)
	a := test.NewTempApp(t)
	v := newAboutView(a, "1.2.3-test")
	defer v.win.Close()

	if !strings.Contains(v.version.Text, "1.2.3-test") {
		t.Fatalf("version label %q does not show the version", v.version.Text)
	}
	if !v.selectModule("fyne.io/fyne/v2") {
		t.Fatal("fyne.io/fyne/v2 is not in the About window's module list")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "fyne.io/fyne/v2").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	want, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	if v.text.Text != string(want) {
		t.Fatalf("About shows %.80q for fyne.io/fyne/v2, want its LICENSE %.80q", v.text.Text, want)
	}

	// Its lines fit the pane whole: wrapped, every other line came out short.
	longest := ""
	for _, line := range strings.Split(string(want), "\n") {
		if len(line) > len(longest) {
			longest = line
		}
	}
	th := fyne.CurrentApp().Settings().Theme()
	size := v.text.SizeName
	if size == "" {
		size = theme.SizeNameText
	}
	need := fyne.MeasureText(longest, th.Size(size), v.text.TextStyle).Width + 2*th.Size(theme.SizeNameInnerPadding)
	if have := v.text.Size().Width; have < need || have == 0 {
		t.Errorf("the license pane is %v wide, its longest line needs %v", have, need)
	}

	// An empty version is shown as unknown, not as a blank.
	u := newAboutView(a, "")
	defer u.win.Close()
	if !strings.Contains(u.version.Text, T("about.version_unknown")) {
		t.Fatalf("version label %q for an unknown version", u.version.Text)
	}
}

func TestShowAboutOpensOneWindow(t *testing.T) {
	setLocaleEnv(t, map[string]string{"LANG": "en_US.UTF-8"})
	mustSetLanguage(t, LangSystem)
	t.Cleanup(func() { _ = SetLanguage(LangSystem) })
	a := test.NewTempApp(t)
	mw := newMainWindow(a, Options{ProfileDir: t.TempDir(), Version: "9.9"})
	mw.showAbout()
	first := openAbout
	if first == nil {
		t.Fatal("showAbout opened no window")
	}
	mw.showAbout()
	if openAbout != first {
		t.Fatal("a second showAbout opened another window")
	}

	// A change of language relabels the open window, the module shown kept.
	first.list.Select(2)
	shown := first.text.Text
	mustSetLanguage(t, LangChinese)
	mw.relabel()
	if openAbout != first || first.win.Title() != T("about.title") || first.win.Title() == "About Hongyan" ||
		first.selected != 2 || first.text.Text != shown || !strings.Contains(first.version.Text, "版本") {
		t.Fatalf("after the change of language: title %q, module %d, version %q", first.win.Title(), first.selected, first.version.Text)
	}

	first.win.Close()
	if openAbout != nil {
		t.Fatal("closing the About window did not forget it")
	}
}
