package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hongyan/mailcore/message"
)

func parseCorpus(t *testing.T, name string) *message.Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "mailcore", "message", "testdata", "corpus", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := message.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPrepareAttachmentForOpening(t *testing.T) {
	// A file attachment lands in a private directory under a safe name.
	m := parseCorpus(t, "device-name.eml")
	if len(m.Attachments) == 0 {
		t.Fatal("corpus message has no attachment")
	}
	inner, path, err := prepareAttachment(m, 0)
	if err != nil || inner != nil {
		t.Fatalf("prepare: %v %v", inner, err)
	}
	if filepath.Dir(path) != openTempDir {
		t.Fatalf("saved outside the private directory: %s", path)
	}
	st, err := os.Stat(openTempDir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("temp directory mode %v %v", st.Mode(), err)
	}
	base := strings.ToUpper(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	for _, dev := range []string{"CON", "PRN", "AUX", "NUL"} {
		if base == dev {
			t.Fatalf("device name used as a file name: %s", path)
		}
	}
	want, _ := m.AttachmentData(0)
	got, _ := os.ReadFile(path)
	if string(got) != string(want) {
		t.Fatal("saved bytes differ from the attachment")
	}

	// An attached message opens as a message.
	m = parseCorpus(t, "rfc822-attachment.eml")
	idx := -1
	for i, a := range m.Attachments {
		if strings.EqualFold(a.ContentType, "message/rfc822") {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatal("no message/rfc822 attachment in the corpus message")
	}
	inner, path, err = prepareAttachment(m, idx)
	if err != nil || inner == nil || path != "" || inner.Subject == "" {
		t.Fatalf("attached message not parsed: %+v %q %v", inner, path, err)
	}
	if _, _, err := prepareAttachment(m, 99); err == nil {
		t.Fatal("a missing attachment must be an error")
	}
}
