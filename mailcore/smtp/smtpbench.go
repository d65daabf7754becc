package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/message"
	"hongyan/mailcore/store"
)

// envelopeOf takes MAIL FROM and RCPT TO from a message's own header.
func envelopeOf(raw []byte) (string, []string, string, error) {
	s := message.ParseHeaderSummary(raw)
	if len(s.From) == 0 {
		return "", nil, "", fmt.Errorf("smtp: message without From")
	}
	var rcpts []string
	for _, l := range [][]message.Address{s.To, s.Cc} {
		for _, a := range l {
			rcpts = append(rcpts, a.Email)
		}
	}
	if len(rcpts) == 0 {
		return "", nil, "", fmt.Errorf("smtp: message without recipients")
	}
	return s.From[0].Email, rcpts, s.MessageID, nil
}

// SubmitViaOutbox is the benchmark path of the outbox (metric
// smtp.submit): it commits msgs to st's outbox under a throw-away account
// name, delivers them with cfg over one connection and returns the time
// taken from enqueue to the last recorded acceptance. Envelopes come from
// each message's From, To and Cc. No Sent copy is made.
func SubmitViaOutbox(ctx context.Context, cfg Config, st *store.Store, msgs [][]byte) (time.Duration, error) {
	account := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	items := make([]store.OutboxItem, len(msgs))
	for i, m := range msgs {
		from, rcpts, mid, err := envelopeOf(m)
		if err != nil {
			return 0, err
		}
		items[i] = store.OutboxItem{Account: account, Raw: m, From: from, Recipients: rcpts, MessageID: mid}
	}
	ob := NewOutbox(OutboxOptions{Store: st, Config: func(context.Context, string) (Config, error) { return cfg, nil }})
	start := time.Now()
	if _, err := ob.EnqueueRaw(ctx, items...); err != nil {
		return 0, err
	}
	if err := ob.RunOnce(ctx); err != nil {
		return time.Since(start), err
	}
	d := time.Since(start)
	done, err := st.OutboxList(ctx, account, store.OutboxCopied)
	if err != nil {
		return d, err
	}
	if len(done) != len(msgs) {
		return d, fmt.Errorf("smtp: %d of %d messages delivered", len(done), len(msgs))
	}
	return d, nil
}

// RawSubmit is the baseline (raw_smtp): a minimal go-smtp client on one
// implicit-TLS connection, AUTH PLAIN, then MAIL/RCPT/DATA per message,
// with no store involved.
func RawSubmit(ctx context.Context, host string, port int, user, pass string, tlsCfg *tls.Config, msgs [][]byte) (time.Duration, error) {
	type env struct {
		from  string
		rcpts []string
	}
	envs := make([]env, len(msgs))
	for i, m := range msgs {
		from, rcpts, _, err := envelopeOf(m)
		if err != nil {
			return 0, err
		}
		envs[i] = env{from, rcpts}
	}
	start := time.Now()
	d := tls.Dialer{Config: tlsCfg}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return 0, mailerr.Wrap("connect", host, err)
	}
	c := gosmtp.NewClient(conn)
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", user, pass)); err != nil {
		return 0, mailerr.Wrap("login", host, err)
	}
	for i, m := range msgs {
		if err := c.SendMail(envs[i].from, envs[i].rcpts, bytes.NewReader(m)); err != nil {
			return time.Since(start), mailerr.Wrap("send", host, err)
		}
	}
	c.Quit()
	return time.Since(start), nil
}
