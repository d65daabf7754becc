package mailtest

import (
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/user"
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

	s.usersMu.Lock()
	defer s.usersMu.Unlock()
	s.users = append(s.users, name+":"+hash)
	if err := s.writeUsersLocked(); err != nil {
		s.users = s.users[:len(s.users)-1]
		return User{}, fmt.Errorf("mailtest: add user: %w", err)
	}
	return u, nil
}

func (s *Stack) writeUsers() error {
	s.usersMu.Lock()
	defer s.usersMu.Unlock()
	return s.writeUsersLocked()
}

// writeUsersLocked replaces the passwd file atomically; Dovecot notices the
// new file on its next lookup, so users are usable at once.
func (s *Stack) writeUsersLocked() error {
	var data []byte
	for _, l := range s.users {
		data = append(data, l...)
		data = append(data, '\n')
	}
	tmp := s.passdbFile + ".tmp"
	if err := os.WriteFile(tmp, data, 0o640); err != nil {
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
	return os.Rename(tmp, s.passdbFile)
}
