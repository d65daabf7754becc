package message

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFileNameBytes caps names produced by SafeFileName (most file systems
// allow 255 bytes).
const MaxFileNameBytes = 200

var windowsDeviceNames = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true,
	"COM7": true, "COM8": true, "COM9": true, "COM¹": true, "COM²": true, "COM³": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true,
	"LPT7": true, "LPT8": true, "LPT9": true, "LPT¹": true, "LPT²": true, "LPT³": true,
}

// SafeFileName turns an attachment name from a message into a file name that
// is safe to create on Linux, macOS and Windows: no directory parts, no
// "..", no control characters or characters Windows forbids, no device
// names, no trailing dots or spaces, at most MaxFileNameBytes bytes, and
// never empty ("attachment").
func SafeFileName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	// Keep only the last path element, whichever separator was used.
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			continue
		case r == '\u202e' || r == '\u202d' || r == '\u202a' || r == '\u202b' || r == '\u202c' ||
			r == '\u2066' || r == '\u2067' || r == '\u2068' || r == '\u2069' || r == '\u200e' || r == '\u200f':
			// Direction overrides disguise extensions ("gpj.exe").
			continue
		case strings.ContainsRune(`<>:"|?*`, r):
			b.WriteByte('_')
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.TrimSpace(b.String())
	// No leading dots: hidden files and "..".
	name = strings.TrimLeft(name, ". ")
	name = strings.TrimRight(name, ". ")
	for strings.Contains(name, "..") {
		name = strings.ReplaceAll(name, "..", ".")
	}
	if len(name) > MaxFileNameBytes {
		name = capName(name, MaxFileNameBytes)
		name = strings.TrimRight(name, ". ")
	}
	base := name
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	if windowsDeviceNames[strings.ToUpper(strings.TrimSpace(base))] {
		name = "_" + name
	}
	if name == "" {
		return "attachment"
	}
	return name
}

// capName shortens name to at most n bytes on a rune boundary, keeping a
// short extension.
func capName(name string, n int) string {
	ext := filepath.Ext(name)
	if len(ext) > 16 || len(ext) >= n {
		ext = ""
	}
	stem := name[:len(name)-len(ext)]
	limit := n - len(ext)
	for len(stem) > limit {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	return stem + ext
}

// UniquePath returns dir/name made safe with SafeFileName, or, if that file
// exists, the first free "name (1).ext", "name (2).ext", ... It never returns
// the path of an existing file. The caller should still create the file with
// O_EXCL to close the race with other writers.
func UniquePath(dir, name string) string {
	name = SafeFileName(name)
	p := filepath.Join(dir, name)
	if !exists(p) {
		return p
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if stem == "" {
		stem, ext = name, ""
	}
	for i := 1; ; i++ {
		suffix := " (" + strconv.Itoa(i) + ")"
		s := stem
		if len(s)+len(suffix)+len(ext) > MaxFileNameBytes {
			s = capName(s, MaxFileNameBytes-len(suffix)-len(ext))
		}
		p = filepath.Join(dir, s+suffix+ext)
		if !exists(p) {
			return p
		}
	}
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil || !os.IsNotExist(err)
}
