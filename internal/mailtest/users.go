package mailtest

import (
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
)

// User is a mailbox account on the stack. Name is the login for IMAP, POP3
// and SMTP AUTH (the full Address is accepted too).
type User struct {
	Name     string // login name, the local part of Address
	Address  string // name@domain
	Password string // random; never logged or written to disk by this package
}

var userSeq atomic.Int64

// AddUser creates a unique user with a random password. The user can log in
// over IMAP, POP3 and SMTP and receive mail at once. It fails t on error.
func (s *Stack) AddUser(t testing.TB) User {
	t.Helper()
	u, err := s.NewUser()
	if err != nil {
		t.Fatalf("%v", err)
	}
	return u
}

// NewUser is AddUser for callers without a testing.TB.
func (s *Stack) NewUser() (User, error) {
	tag := make([]byte, 4)
	pw := make([]byte, 18)
	salt := make([]byte, 8)
	for _, b := range [][]byte{tag, pw, salt} {
		if _, err := rand.Read(b); err != nil {
			return User{}, fmt.Errorf("mailtest: random: %w", err)
		}
	}
	name := fmt.Sprintf("u%d%s", userSeq.Add(1), hex.EncodeToString(tag))
	u := User{
		Name:     name,
		Address:  name + "@" + s.Domain,
		Password: base64.RawURLEncoding.EncodeToString(pw),
	}
	// Only a salted hash of the password reaches the disk. SSHA512 is
	// Dovecot's base64(sha512(password+salt) + salt).
	sum := sha512.Sum512(append([]byte(u.Password), salt...))
	hash := "{SSHA512}" + base64.StdEncoding.EncodeToString(append(sum[:], salt...))

	if err := s.writeUserFile(name, name+":"+hash+"\n"); err != nil {
		return User{}, fmt.Errorf("mailtest: add user: %w", err)
	}
	return u, nil
}

// writeUserFile writes one user's passwd-file. Dovecot's passdb path is
// per user (users/%n): a single shared passwd-file is re-read at most once a
// second, so a user added just after a lookup would stay unknown for up to a
// second, while a file never looked up before is always read fresh.
func (s *Stack) writeUserFile(name, line string) error {
	path := filepath.Join(s.passdbDir, name)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(line), 0o640); err != nil {
		return err
	}
	// The auth process runs as the dovecot user and must read the file.
	if g, err := user.LookupGroup("dovecot"); err == nil {
		if gid, err := strconv.Atoi(g.Gid); err == nil {
			if err := os.Chown(tmp, 0, gid); err != nil {
				return err
			}
		}
	}
	if err := os.Chmod(tmp, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
