package pop3

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"time"

	"hongyan/mailcore/netsec"
)

// RawDownload is the baseline of the pop3.download benchmark (raw_pop3): a
// minimal session over implicit TLS that logs in, lists UIDL and retrieves
// every message with the same pipelining as the engine, keeping nothing.
// It returns the number of messages and the time from connect to QUIT.
// tlsCfg supplies the trusted roots (RootCAs); nil uses the system roots.
func RawDownload(ctx context.Context, host string, port int, user, pass string, tlsCfg *tls.Config) (n int, dur time.Duration, err error) {
	var roots *x509.CertPool
	if tlsCfg != nil {
		roots = tlsCfg.RootCAs
	}
	start := time.Now()
	c, err := Dial(ctx, DialOptions{Host: host, Port: port, Security: SecurityTLS, Net: netsec.Options{RootCAs: roots}})
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	if err := c.Login(ctx, user, pass); err != nil {
		return 0, 0, err
	}
	ids, err := c.UIDL(ctx)
	if err != nil {
		return 0, 0, err
	}
	nums := make([]int, len(ids))
	for i, id := range ids {
		nums[i] = id.Num
	}
	err = c.RetrMany(ctx, nums, func(int, []byte) error { n++; return nil })
	if err != nil {
		return n, time.Since(start), err
	}
	if err := c.Quit(ctx); err != nil {
		return n, time.Since(start), err
	}
	return n, time.Since(start), nil
}

// BenchCheck is the engine side of pop3.download: one Account.Check into
// st, timed. cfg should use implicit TLS like RawDownload.
func BenchCheck(ctx context.Context, a *Account) (Result, time.Duration, error) {
	start := time.Now()
	res, err := a.Check(ctx)
	return res, time.Since(start), err
}
