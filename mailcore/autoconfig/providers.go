package autoconfig

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed providers.json
var providersJSON []byte

// UsernameForm says how a provider expects the login name to be written.
type UsernameForm string

const (
	// UsernameAddress: the full e-mail address.
	UsernameAddress UsernameForm = "address"
	// UsernameLocalPart: only the part before the @.
	UsernameLocalPart UsernameForm = "localpart"
)

// ProviderServer is one server of a provider database entry.
type ProviderServer struct {
	Protocol string       `json:"protocol"`
	Host     string       `json:"host"`
	Port     int          `json:"port"`
	Security string       `json:"security"`
	Username UsernameForm `json:"username"`
}

// Provider is one entry of the embedded provider database.
type Provider struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Domains are the address domains served by this provider.
	Domains []string `json:"domains"`
	// MX lists host names or domain suffixes of the provider's mail
	// exchangers: an MX host equal to one, or ending in "." plus one,
	// belongs to this provider.
	MX []string `json:"mx"`
	// Quirks name protocol peculiarities that clients must honour, for
	// example "imap-id": the server wants the IMAP ID command (RFC 2971)
	// before it lets a client select a mailbox.
	Quirks   []string         `json:"quirks"`
	Incoming []ProviderServer `json:"incoming"`
	Outgoing []ProviderServer `json:"outgoing"`
	NotesEN  string           `json:"notes_en"`
	NotesZH  string           `json:"notes_zh"`
}

type providerDB struct {
	Version   int        `json:"version"`
	Providers []Provider `json:"providers"`
}

var (
	dbOnce   sync.Once
	dbByDom  map[string]*Provider
	dbList   []Provider
	dbErr    error
	mxSorted []mxEntry
)

type mxEntry struct {
	pattern string
	p       *Provider
}

func loadDB() error {
	dbOnce.Do(func() {
		var db providerDB
		if err := json.Unmarshal(providersJSON, &db); err != nil {
			dbErr = fmt.Errorf("autoconfig: embedded provider database: %w", err)
			return
		}
		dbList = db.Providers
		dbByDom = make(map[string]*Provider)
		for i := range dbList {
			p := &dbList[i]
			if err := validateProvider(p); err != nil {
				dbErr = err
				return
			}
			for _, d := range p.Domains {
				dbByDom[strings.ToLower(d)] = p
			}
			for _, m := range p.MX {
				mxSorted = append(mxSorted, mxEntry{strings.ToLower(m), p})
			}
		}
		// Longest pattern first, so that mxbiz1.qq.com wins over a
		// shorter suffix that might also match.
		sort.SliceStable(mxSorted, func(i, j int) bool {
			return len(mxSorted[i].pattern) > len(mxSorted[j].pattern)
		})
	})
	return dbErr
}

func validateProvider(p *Provider) error {
	if p.ID == "" || p.Name == "" || len(p.Incoming) == 0 || len(p.Outgoing) == 0 {
		return fmt.Errorf("autoconfig: provider %q is incomplete", p.ID)
	}
	if p.NotesEN == "" || p.NotesZH == "" {
		return fmt.Errorf("autoconfig: provider %q lacks notes", p.ID)
	}
	for _, s := range append(append([]ProviderServer{}, p.Incoming...), p.Outgoing...) {
		srv := Server{Protocol: s.Protocol, Host: s.Host, Port: s.Port, Security: s.Security}
		if err := srv.validate(); err != nil {
			return fmt.Errorf("autoconfig: provider %q: %w", p.ID, err)
		}
		if s.Username != UsernameAddress && s.Username != UsernameLocalPart {
			return fmt.Errorf("autoconfig: provider %q: unknown username form %q", p.ID, s.Username)
		}
	}
	return nil
}

// Providers returns a copy of the embedded provider database.
func Providers() ([]Provider, error) {
	if err := loadDB(); err != nil {
		return nil, err
	}
	out := make([]Provider, len(dbList))
	copy(out, dbList)
	return out, nil
}

// LookupProvider returns the provider serving an address domain.
func LookupProvider(domain string) (*Provider, bool) {
	if loadDB() != nil {
		return nil, false
	}
	p, ok := dbByDom[strings.ToLower(strings.TrimSuffix(domain, "."))]
	return p, ok
}

// LookupProviderByMX returns the provider whose mail exchangers include host.
func LookupProviderByMX(host string) (*Provider, bool) {
	if loadDB() != nil {
		return nil, false
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	for _, e := range mxSorted {
		if h == e.pattern || strings.HasSuffix(h, "."+e.pattern) {
			return e.p, true
		}
	}
	return nil, false
}

// configs turns a provider entry into candidates for addr: every incoming
// server paired with the provider's preferred outgoing server.
func (p *Provider) configs(addr address, source string) []Config {
	out := make([]Config, 0, len(p.Incoming))
	outgoing := sortServers(serversFor(p.Outgoing, addr))
	for _, in := range serversFor(p.Incoming, addr) {
		out = append(out, Config{
			Incoming:     in,
			Outgoing:     outgoing[0],
			Source:       source,
			ProviderName: p.Name,
			NotesEN:      p.NotesEN,
			NotesZH:      p.NotesZH,
			Quirks:       append([]string(nil), p.Quirks...),
		})
	}
	return out
}

func serversFor(list []ProviderServer, addr address) []Server {
	out := make([]Server, 0, len(list))
	for _, s := range list {
		u := addr.full
		if s.Username == UsernameLocalPart {
			u = addr.local
		}
		out = append(out, Server{Protocol: s.Protocol, Host: s.Host, Port: s.Port, Security: s.Security, Username: u})
	}
	return out
}
