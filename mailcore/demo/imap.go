package demo

import (
	"sort"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// delim is imapmemserver's hierarchy delimiter.
const delim = '/'

// registry mirrors the demo user's mailbox names with their special-use
// attributes and subscription. imapmemserver keeps special-use attributes
// in an unexported field that CREATE never sets, so the demo session
// answers LIST itself from this registry (kept in step by wrapping CREATE,
// DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE).
type registry struct {
	mu sync.Mutex
	m  map[string]*folderInfo
}

type folderInfo struct {
	specialUse []imap.MailboxAttr
	subscribed bool
}

func newRegistry() *registry { return &registry{m: map[string]*folderInfo{}} }

func (s *Server) create(name string, opts *imap.CreateOptions) error {
	if err := s.user.Create(name, opts); err != nil {
		return err
	}
	fi := &folderInfo{}
	if opts != nil {
		fi.specialUse = append(fi.specialUse, opts.SpecialUse...)
	}
	s.folders.mu.Lock()
	s.folders.m[trimDelim(name)] = fi
	s.folders.mu.Unlock()
	return nil
}

func (s *Server) subscribe(name string) error {
	if err := s.user.Subscribe(name); err != nil {
		return err
	}
	s.folders.mu.Lock()
	if fi := s.folders.m[name]; fi != nil {
		fi.subscribed = true
	}
	s.folders.mu.Unlock()
	return nil
}

func trimDelim(name string) string {
	for len(name) > 0 && name[len(name)-1] == delim {
		name = name[:len(name)-1]
	}
	return name
}

// imapSession is imapmemserver's session with LIST answered from the
// registry. UserSession is nil until LOGIN succeeds.
type imapSession struct {
	*imapmemserver.UserSession
	srv *Server
}

var _ imapserver.SessionIMAP4rev2 = (*imapSession)(nil)

func (c *imapSession) Login(username, password string) error {
	if err := c.srv.user.Login(username, password); err != nil {
		return imapserver.ErrAuthFailed
	}
	c.UserSession = imapmemserver.NewUserSession(c.srv.user)
	return nil
}

func (c *imapSession) Close() error {
	if c.UserSession == nil {
		return nil
	}
	return c.UserSession.Close()
}

// idleRound is how long the demo's IDLE listens before it looks for updates
// it may have missed; see Idle.
const idleRound = 200 * time.Millisecond

// Idle listens in rounds. imapserver writes "+ idling" before the session's
// tracker starts listening, so an update queued in between (mail delivered
// the moment IDLE began) stays queued until the client's next command, and
// a client that idles for minutes would not hear of it. Written by hand
// because the library offers no hook to listen first: each round ends by
// writing whatever is queued, which bounds that delay to one round.
func (c *imapSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	for {
		round := make(chan struct{})
		done := make(chan error, 1)
		go func() { done <- c.UserSession.Idle(w, round) }()
		timer := time.NewTimer(idleRound)
		stopped := false
		select {
		case <-stop:
			stopped = true
		case <-timer.C:
		}
		timer.Stop()
		close(round)
		if err := <-done; err != nil || stopped {
			return err
		}
		if err := c.UserSession.Poll(w, true); err != nil {
			return err
		}
	}
}

func (c *imapSession) Create(name string, opts *imap.CreateOptions) error {
	return c.srv.create(name, opts)
}

func (c *imapSession) Delete(name string) error {
	if err := c.UserSession.Delete(name); err != nil {
		return err
	}
	c.srv.folders.mu.Lock()
	delete(c.srv.folders.m, name)
	c.srv.folders.mu.Unlock()
	return nil
}

func (c *imapSession) Rename(name, newName string, opts *imap.RenameOptions) error {
	if err := c.UserSession.Rename(name, newName, opts); err != nil {
		return err
	}
	r := c.srv.folders
	r.mu.Lock()
	fi := r.m[name]
	if fi == nil {
		fi = &folderInfo{}
	}
	delete(r.m, name)
	r.m[trimDelim(newName)] = fi
	r.mu.Unlock()
	return nil
}

func (c *imapSession) Subscribe(name string) error { return c.srv.subscribe(name) }

func (c *imapSession) Unsubscribe(name string) error {
	if err := c.UserSession.Unsubscribe(name); err != nil {
		return err
	}
	c.srv.folders.mu.Lock()
	if fi := c.srv.folders.m[name]; fi != nil {
		fi.subscribed = false
	}
	c.srv.folders.mu.Unlock()
	return nil
}

// List answers LIST and LSUB, with SPECIAL-USE attributes always included
// (RFC 6154 lets a server return them unasked).
func (c *imapSession) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if options == nil {
		options = &imap.ListOptions{}
	}
	onlyRoot := true
	for _, p := range patterns {
		if p != "" {
			onlyRoot = false
		}
	}
	if onlyRoot {
		// LIST "" "" asks for the hierarchy delimiter.
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: delim})
	}
	type entry struct {
		name string
		fi   folderInfo
	}
	r := c.srv.folders
	r.mu.Lock()
	var list []entry
	for name, fi := range r.m {
		for _, p := range patterns {
			if imapserver.MatchList(name, delim, ref, p) {
				list = append(list, entry{name, folderInfo{specialUse: append([]imap.MailboxAttr(nil), fi.specialUse...), subscribed: fi.subscribed}})
				break
			}
		}
	}
	r.mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
	for _, e := range list {
		if options.SelectSubscribed && !e.fi.subscribed {
			continue
		}
		if options.SelectSpecialUse && len(e.fi.specialUse) == 0 {
			continue
		}
		data := &imap.ListData{Mailbox: e.name, Delim: delim}
		if e.fi.subscribed {
			data.Attrs = append(data.Attrs, imap.MailboxAttrSubscribed)
		}
		data.Attrs = append(data.Attrs, e.fi.specialUse...)
		if options.ReturnStatus != nil {
			st, err := c.srv.user.Status(e.name, options.ReturnStatus)
			if err == nil {
				data.Status = st
			}
		}
		if err := w.WriteList(data); err != nil {
			return err
		}
	}
	return nil
}
