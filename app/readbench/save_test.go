package readbench

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hongyan/app"
)

// insideDir reports whether p names an entry directly inside dir.
func insideDir(t *testing.T, dir, p string) {
	t.Helper()
	if filepath.Dir(p) != filepath.Clean(dir) {
		t.Fatalf("%q is not directly inside %q", p, dir)
	}
	base := filepath.Base(p)
	if base == "." || base == ".." || strings.HasPrefix(base, ".") {
		t.Errorf("unsafe file name %q", base)
	}
	if strings.ContainsAny(base, "\x00\n\r/\\:") {
		t.Errorf("file name %q keeps a forbidden character", base)
	}
}

func TestSaveAttachmentHostileNames(t *testing.T) {
	names := []string{
		"../../.bashrc",
		`C:\evil.exe`,
		"CON",
		"nul.txt",
		"a\x00b.txt",
		"line\nbreak.txt",
		"..",
		"",
		"/etc/passwd",
		"report.pdf",
	}
	parent := t.TempDir()
	dir := filepath.Join(parent, "save")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		data := []byte{byte(i), 'x'}
		p, err := app.SaveAttachment(dir, name, data)
		if err != nil {
			t.Errorf("SaveAttachment(%q): %v", name, err)
			continue
		}
		insideDir(t, dir, p)
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%q: read back %q, %v", name, got, err)
		}
		base := strings.ToUpper(filepath.Base(p))
		if base == "CON" || strings.HasPrefix(base, "NUL.") || base == "NUL" {
			t.Errorf("%q saved under a device name %q", name, filepath.Base(p))
		}
	}
	// Nothing escaped into the parent directory.
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("parent directory holds %d entries, want only the save folder", len(entries))
	}
	saved, _ := os.ReadDir(dir)
	if len(saved) != len(names) {
		t.Errorf("%d files saved, want %d (each save a new file)", len(saved), len(names))
	}
	if _, err := os.Stat(filepath.Join(dir, ".bashrc")); err == nil {
		t.Errorf("a hidden .bashrc was created")
	}
}

func TestSaveAttachmentNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(existing, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	p1, err := app.SaveAttachment(dir, "report.pdf", []byte("first"))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := app.SaveAttachment(dir, "../report.pdf", []byte("second"))
	if err != nil {
		t.Fatal(err)
	}
	if p1 == existing || p2 == existing || p1 == p2 {
		t.Fatalf("paths %q %q reuse a name (existing %q)", p1, p2, existing)
	}
	if filepath.Base(p1) != "report (1).pdf" || filepath.Base(p2) != "report (2).pdf" {
		t.Errorf("names %q %q", filepath.Base(p1), filepath.Base(p2))
	}
	for p, want := range map[string]string{existing: "mine", p1: "first", p2: "second"} {
		got, err := os.ReadFile(p)
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", p, got, err, want)
		}
	}
}

func TestSaveAttachmentErrors(t *testing.T) {
	if _, err := app.SaveAttachment(filepath.Join(t.TempDir(), "missing"), "a.txt", []byte("x")); err == nil {
		t.Errorf("saving into a missing folder succeeded")
	}
}

func TestSaveAttachmentsFromCorpus(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"path-traversal-name", "device-name", "bidi-filename", "digest"} {
		m := readCorpus(t, name)
		paths, err := app.SaveAttachments(dir, m, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(paths) != len(m.Attachments) {
			t.Fatalf("%s: %d paths for %d attachments", name, len(paths), len(m.Attachments))
		}
		for i, p := range paths {
			insideDir(t, dir, p)
			want, _ := m.AttachmentData(i)
			got, err := os.ReadFile(p)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %s differs from the attachment", name, p)
			}
			if strings.ContainsRune(filepath.Base(p), '\u202e') {
				t.Errorf("%s: direction override kept in %q", name, p)
			}
		}
	}
	if _, err := app.SaveAttachments(dir, readCorpus(t, "plain-ascii"), []int{3}); err == nil {
		t.Errorf("saving a missing attachment succeeded")
	}
}
