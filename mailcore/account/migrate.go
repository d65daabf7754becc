package account

import (
	"encoding/json"
	"fmt"
)

// migrations[v] turns a settings file of format v into format v+1. Each
// step works on the encoded JSON so old shapes need no types in the rest of
// the package.
var migrations = map[int]func([]byte) ([]byte, error){
	0: migrate0to1,
}

// v0Profile is the unversioned first format: no "version" field, flat
// server fields per account, and theme/language at the top level.
type v0Profile struct {
	Accounts []v0Account `json:"accounts"`
	Theme    string      `json:"theme"`
	Language string      `json:"language"`
}

type v0Account struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Protocol     string `json:"protocol"` // "imap" or "pop3"; empty meant imap
	Server       string `json:"server"`
	Port         int    `json:"port"`
	SSL          bool   `json:"ssl"` // true: TLS, false: STARTTLS
	User         string `json:"user"`
	SMTPServer   string `json:"smtpServer"`
	SMTPPort     int    `json:"smtpPort"`
	SMTPSSL      bool   `json:"smtpSsl"`
	Signature    string `json:"signature"`
	CheckMinutes *int   `json:"checkMinutes"`
	LeaveOnPOP3  *bool  `json:"leaveOnServer"`
}

func migrate0to1(raw []byte) ([]byte, error) {
	var old v0Profile
	if err := json.Unmarshal(raw, &old); err != nil {
		return nil, fmt.Errorf("format 0: %w", err)
	}
	p := NewProfile()
	if old.Theme != "" {
		p.Settings.Theme = old.Theme
	}
	if old.Language != "" {
		p.Settings.Language = old.Language
	}
	for _, o := range old.Accounts {
		a := New()
		if o.ID != "" {
			a.ID = o.ID
		}
		a.DisplayName = o.Name
		a.Email = o.Email
		a.Incoming = IncomingServer{
			Protocol: o.Protocol,
			Host:     o.Server,
			Port:     o.Port,
			Security: security(o.SSL),
			Username: o.User,
			Auth:     AuthPlain,
		}
		a.Outgoing = OutgoingServer{
			Host:     o.SMTPServer,
			Port:     o.SMTPPort,
			Security: security(o.SMTPSSL),
			Username: o.User, // format 0 had one user name per account
			Auth:     AuthPlain,
		}
		if o.Signature != "" {
			a.Identities = []Identity{{Name: o.Name, Address: o.Email, Signature: o.Signature}}
		}
		if o.CheckMinutes != nil {
			a.Options.CheckIntervalMinutes = *o.CheckMinutes
		}
		if o.LeaveOnPOP3 != nil {
			a.Options.POP3LeaveOnServer = *o.LeaveOnPOP3
		}
		a.Normalize()
		p.Accounts = append(p.Accounts, a)
	}
	p.Version = 1
	return json.Marshal(p)
}

func security(ssl bool) string {
	if ssl {
		return SecurityTLS
	}
	return SecuritySTARTTLS
}
