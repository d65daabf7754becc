package autoconfig

import (
	"context"
	"errors"
	"net"
	"sort"
	"strings"
)

// srvService maps an RFC 6186 / RFC 8314 service label to a server kind.
type srvService struct {
	service  string
	protocol string
	security string
}

var srvServices = []srvService{
	{"imaps", ProtoIMAP, SecurityTLS},
	{"imap", ProtoIMAP, SecuritySTARTTLS},
	{"pop3s", ProtoPOP3, SecurityTLS},
	{"pop3", ProtoPOP3, SecuritySTARTTLS},
	{"submissions", ProtoSMTP, SecurityTLS},
	{"submission", ProtoSMTP, SecuritySTARTTLS},
}

// ErrNoSRV: the domain publishes no usable SRV records for mail.
var ErrNoSRV = errors.New("no usable SRV records for IMAP/POP3 and submission")

// orderSRV sorts records by priority (lowest first), then weight (highest
// first), keeping the resolver's order among equals, and drops records
// whose target is "." (RFC 2782: service decidedly not available).
func orderSRV(recs []*net.SRV) []*net.SRV {
	out := make([]*net.SRV, 0, len(recs))
	for _, r := range recs {
		if r == nil || r.Target == "." || r.Target == "" || r.Port == 0 {
			continue
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Priority != out[j].Priority {
			return out[i].Priority < out[j].Priority
		}
		return out[i].Weight > out[j].Weight
	})
	return out
}

func (d *Discoverer) fromSRV(ctx context.Context, a address) ([]Config, error) {
	res := d.resolver()
	found := make([][]*net.SRV, len(srvServices))
	errs := make([]error, len(srvServices))
	done := make(chan struct{}, len(srvServices))
	for i, s := range srvServices {
		go func(i int, s srvService) {
			_, recs, err := res.LookupSRV(ctx, s.service, "tcp", a.domain)
			found[i], errs[i] = orderSRV(recs), err
			done <- struct{}{}
		}(i, s)
	}
	for range srvServices {
		<-done
	}
	var ins, outs []Server
	for i, s := range srvServices {
		for _, r := range found[i] {
			host := strings.ToLower(strings.TrimSuffix(r.Target, "."))
			srv := Server{Protocol: s.protocol, Host: host, Port: int(r.Port), Security: s.security, Username: a.full}
			if srv.validate() != nil {
				continue
			}
			if s.protocol == ProtoSMTP {
				outs = append(outs, srv)
			} else {
				ins = append(ins, srv)
			}
		}
	}
	if len(ins) == 0 || len(outs) == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, ErrNoSRV
	}
	cfgs := make([]Config, 0, len(ins))
	for _, in := range ins {
		cfgs = append(cfgs, Config{Incoming: in, Outgoing: outs[0], Source: SourceSRV,
			NotesEN: noteGuessedUserEN, NotesZH: noteGuessedUserZH})
	}
	return cfgs, nil
}

const (
	noteGuessedUserEN = "The user name is assumed to be your full address; if sign-in fails, try the part before the @."
	noteGuessedUserZH = "用户名默认为完整邮箱地址；如登录失败，请尝试 @ 之前的部分。"
)
