package autoconfig

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Errors of the autoconfig XML parser.
var (
	// ErrPlainOnly: the document offers only servers without TLS.
	ErrPlainOnly = errors.New("autoconfig: only unencrypted servers are offered; refusing to send a password in clear text")
	// ErrNoServers: the document has no usable incoming or outgoing server.
	ErrNoServers = errors.New("autoconfig: no usable incoming and outgoing server in the document")
	// ErrBodyTooLarge: the document is larger than MaxBodySize.
	ErrBodyTooLarge = fmt.Errorf("autoconfig: document larger than %d bytes", MaxBodySize)
)

// XMLError says an autoconfig document is not well-formed or not a
// clientConfig document.
type XMLError struct {
	Reason string
	Err    error
}

func (e *XMLError) Error() string {
	if e.Err != nil {
		return "autoconfig: broken XML: " + e.Reason + ": " + e.Err.Error()
	}
	return "autoconfig: broken XML: " + e.Reason
}

func (e *XMLError) Unwrap() error { return e.Err }

// HTTPError says an autoconfig URL did not answer with a document.
type HTTPError struct {
	URL    string
	Status int
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("autoconfig: %s answered HTTP %d", e.URL, e.Status)
}

// The subset of the clientConfig 1.1 format Hongyan uses.
type xmlClientConfig struct {
	XMLName   xml.Name `xml:"clientConfig"`
	Providers []struct {
		ID          string      `xml:"id,attr"`
		Domains     []string    `xml:"domain"`
		DisplayName string      `xml:"displayName"`
		Incoming    []xmlServer `xml:"incomingServer"`
		Outgoing    []xmlServer `xml:"outgoingServer"`
	} `xml:"emailProvider"`
}

type xmlServer struct {
	Type       string   `xml:"type,attr"`
	Hostname   string   `xml:"hostname"`
	Port       string   `xml:"port"`
	SocketType string   `xml:"socketType"`
	Username   string   `xml:"username"`
	Auth       []string `xml:"authentication"`
}

var leftoverPlaceholder = regexp.MustCompile(`%[A-Za-z_]+%`)

// ParseAutoconfigXML parses a Mozilla autoconfig (clientConfig 1.1)
// document for the address email. Servers offered only without TLS
// (socketType "plain") are dropped; if that leaves nothing, the error is
// ErrPlainOnly. Placeholders %EMAILADDRESS%, %EMAILLOCALPART% and
// %EMAILDOMAIN% are substituted. The result pairs every usable incoming
// server with the best outgoing server, best first.
func ParseAutoconfigXML(data []byte, email string) ([]Config, error) {
	a, err := parseAddress(email)
	if err != nil {
		return nil, err
	}
	return parseXML(data, a, SourceAutoconfig)
}

func parseXML(data []byte, a address, source string) ([]Config, error) {
	if len(data) > MaxBodySize {
		return nil, ErrBodyTooLarge
	}
	var doc xmlClientConfig
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charsetReader
	if err := dec.Decode(&doc); err != nil {
		return nil, &XMLError{Reason: "cannot parse document", Err: err}
	}
	if len(doc.Providers) == 0 {
		return nil, &XMLError{Reason: "no emailProvider element"}
	}
	var ins, outs []Server
	var name string
	plainSeen := false
	for _, p := range doc.Providers {
		if name == "" {
			name = cleanText(p.DisplayName)
		}
		for _, x := range p.Incoming {
			s, plain, ok := x.server(a)
			plainSeen = plainSeen || plain
			if ok && (s.Protocol == ProtoIMAP || s.Protocol == ProtoPOP3) {
				ins = append(ins, s)
			}
		}
		for _, x := range p.Outgoing {
			s, plain, ok := x.server(a)
			plainSeen = plainSeen || plain
			if ok && s.Protocol == ProtoSMTP {
				outs = append(outs, s)
			}
		}
	}
	if len(ins) == 0 || len(outs) == 0 {
		if plainSeen {
			return nil, ErrPlainOnly
		}
		return nil, ErrNoServers
	}
	ins, outs = sortServers(ins), sortServers(outs)
	cfgs := make([]Config, 0, len(ins))
	for _, in := range ins {
		cfgs = appendUnique(cfgs, []Config{{Incoming: in, Outgoing: outs[0], Source: source, ProviderName: name}})
	}
	return cfgs, nil
}

// server converts one server element. plain reports a server dropped for
// lack of TLS.
func (x xmlServer) server(a address) (s Server, plain, ok bool) {
	proto := strings.ToLower(strings.TrimSpace(x.Type))
	switch proto {
	case "imap", "pop3", "smtp":
	default:
		return Server{}, false, false // exchange, jmap, ...: not spoken here
	}
	var sec string
	switch strings.ToUpper(strings.TrimSpace(x.SocketType)) {
	case "SSL", "TLS":
		sec = SecurityTLS
	case "STARTTLS":
		sec = SecuritySTARTTLS
	case "PLAIN", "":
		return Server{}, true, false
	default:
		return Server{}, false, false
	}
	if !authUsable(x.Auth) {
		return Server{}, false, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(x.Port))
	if err != nil {
		return Server{}, false, false
	}
	host := strings.ToLower(substitute(strings.TrimSpace(x.Hostname), a))
	user := substitute(strings.TrimSpace(x.Username), a)
	if user == "" {
		user = a.full
	}
	if leftoverPlaceholder.MatchString(host) || leftoverPlaceholder.MatchString(user) || !utf8.ValidString(user) {
		return Server{}, false, false
	}
	s = Server{Protocol: proto, Host: host, Port: port, Security: sec, Username: user}
	if s.validate() != nil {
		return Server{}, false, false
	}
	return s, false, true
}

// authUsable reports whether a server accepts a way of signing in that
// Hongyan can offer (a password, or OAuth2 once supported). No listed method
// means the default, a password.
func authUsable(methods []string) bool {
	if len(methods) == 0 {
		return true
	}
	for _, m := range methods {
		switch strings.TrimSpace(m) {
		case "password-cleartext", "plain", "password-encrypted", "secure", "OAuth2", "none":
			return true
		}
	}
	return false
}

func substitute(s string, a address) string {
	r := strings.NewReplacer("%EMAILADDRESS%", a.full, "%EMAILLOCALPART%", a.local, "%EMAILDOMAIN%", a.domain)
	return r.Replace(s)
}

func cleanText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.ToValidUTF8(s, "")
}

// charsetReader accepts the encodings autoconfig documents are found in.
// encoding/xml only knows UTF-8; Latin-1 is converted by hand because it
// maps byte for byte onto the first 256 code points, which needs no table.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "latin1", "latin-1":
		b, err := io.ReadAll(io.LimitReader(in, MaxBodySize))
		if err != nil {
			return nil, err
		}
		var sb strings.Builder
		for _, c := range b {
			sb.WriteRune(rune(c))
		}
		return strings.NewReader(sb.String()), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}

// autoconfigURLs returns the URLs tried for a domain, best first.
func autoconfigURLs(domain, email string) []string {
	return []string{
		"https://autoconfig." + domain + "/mail/config-v1.1.xml?emailaddress=" + url.QueryEscape(email),
		"https://" + domain + "/.well-known/autoconfig/mail/config-v1.1.xml",
	}
}

func (d *Discoverer) httpClient() *http.Client {
	var c http.Client
	if d.HTTP != nil {
		c = *d.HTTP
	}
	orig := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return fmt.Errorf("autoconfig: refusing redirect to non-HTTPS URL %s", req.URL.Redacted())
		}
		if len(via) >= 5 {
			return errors.New("autoconfig: too many redirects")
		}
		if orig != nil {
			return orig(req, via)
		}
		return nil
	}
	return &c
}

// fromAutoconfig fetches both autoconfig URLs of domain at once and
// prefers the first URL's answer. Only HTTPS is used: a document fetched
// over plain HTTP could be forged by anyone on the path to point the user
// at a server that collects passwords.
func (d *Discoverer) fromAutoconfig(ctx context.Context, a address, domain, source string) ([]Config, error) {
	urls := autoconfigURLs(domain, a.full)
	type res struct {
		cfgs []Config
		err  error
	}
	out := make([]res, len(urls))
	done := make(chan int, len(urls))
	client := d.httpClient()
	for i, u := range urls {
		go func(i int, u string) {
			body, err := fetch(ctx, client, u)
			if err == nil {
				out[i].cfgs, err = parseXML(body, a, source)
			}
			out[i].err = err
			done <- i
		}(i, u)
	}
	for range urls {
		<-done
	}
	var errs []error
	for _, r := range out {
		if len(r.cfgs) > 0 {
			return r.cfgs, nil
		}
		errs = append(errs, r.err)
	}
	// A broken or plain-only document says more than a missing one.
	for _, e := range errs {
		var xe *XMLError
		if errors.As(e, &xe) || errors.Is(e, ErrPlainOnly) || errors.Is(e, ErrNoServers) || errors.Is(e, ErrBodyTooLarge) {
			return nil, e
		}
	}
	return nil, errors.Join(errs...)
}

func fetch(ctx context.Context, c *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/xml, text/xml")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPError{URL: req.URL.Redacted(), Status: resp.StatusCode}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodySize+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxBodySize {
		return nil, ErrBodyTooLarge
	}
	return body, nil
}
