package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// ErrNoMX: the domain has no MX record that leads to known settings.
var ErrNoMX = errors.New("MX hosts lead to no known provider or autoconfig document")

// fromMX looks up the domain's mail exchangers. An MX host that belongs to a
// provider in the database gives that provider's settings; otherwise the
// MX host's registrable domain (example: mx1.hoster.example → hoster.example)
// is looked up in the database and by autoconfig.
func (d *Discoverer) fromMX(ctx context.Context, a address) ([]Config, error) {
	mxs, err := d.resolver().LookupMX(ctx, a.domain)
	if err != nil && len(mxs) == 0 {
		return nil, fmt.Errorf("MX lookup: %w", err)
	}
	var hosts []string
	for _, mx := range mxs {
		if mx == nil {
			continue
		}
		h := strings.ToLower(strings.TrimSuffix(mx.Host, "."))
		if h == "" { // RFC 7505 null MX: the domain accepts no mail
			continue
		}
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		return nil, errors.New("the domain has no MX records")
	}
	for _, h := range hosts {
		if p, ok := LookupProviderByMX(h); ok {
			return p.configs(a, SourceMX), nil
		}
	}
	tried := map[string]bool{a.domain: true}
	var errs []error
	for _, h := range hosts {
		base, err := publicsuffix.EffectiveTLDPlusOne(h)
		if err != nil || tried[base] {
			continue
		}
		tried[base] = true
		if p, ok := LookupProvider(base); ok {
			return p.configs(a, SourceMX), nil
		}
		cfgs, err := d.fromAutoconfig(ctx, a, base, SourceMX)
		if len(cfgs) > 0 {
			return cfgs, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", base, err))
		if len(tried) > 2 { // the own domain plus two hosting domains at most
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrNoMX, errors.Join(errs...))
	}
	return nil, ErrNoMX
}
