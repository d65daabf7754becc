package main

import (
	"fmt"
	"path/filepath"
	"time"

	"hongyan/mailcore/message"
	"hongyan/mailcore/netsec"
	"hongyan/mailcore/smtp"
	"hongyan/mailcore/store"
)

func init() {
	Register(Metric{Name: "smtp", Order: 30, Run: smtpMetrics})
}

const smtpMessages = 1000

// smtpMetrics times submitting smtpMessages small messages through the
// outbox (store commit, then delivery over one connection) against a bare
// go-smtp client on the same port (raw_smtp), best of two runs each.
func smtpMetrics(env *Env) ([]Result, error) {
	s := env.Stack
	alice, err := s.NewUser()
	if err != nil {
		return nil, err
	}
	bob, err := s.NewUser()
	if err != nil {
		return nil, err
	}
	msgs := make([][]byte, smtpMessages)
	for i := range msgs {
		d := &message.Draft{From: message.Address{Name: "Alice", Email: alice.Address},
			To:      []message.Address{{Name: "Bob", Email: bob.Address}},
			Subject: fmt.Sprintf("Benchmark message %d", i), Text: "A short note.\n\nAlice\n"}
		if msgs[i], err = d.Build(); err != nil {
			return nil, err
		}
	}
	cfg := smtp.Config{Host: s.Host, Port: s.SubmissionsPort, Security: smtp.ImplicitTLS,
		Username: alice.Name, Password: alice.Password, Net: netsec.Options{RootCAs: s.CAPool}, Timeout: time.Minute}
	st, err := store.Open(filepath.Join(env.Dir, "smtp.db"))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ctx := env.Ctx
	var raw, outbox time.Duration
	for i := 0; i < 2; i++ {
		d, err := smtp.RawSubmit(ctx, s.Host, s.SubmissionsPort, alice.Name, alice.Password, s.TLSConfig(), msgs)
		if err != nil {
			return nil, err
		}
		if raw == 0 || d < raw {
			raw = d
		}
		d, err = smtp.SubmitViaOutbox(ctx, cfg, st, msgs)
		if err != nil {
			return nil, err
		}
		if outbox == 0 || d < outbox {
			outbox = d
		}
	}
	return []Result{
		{Name: "smtp.raw_submit", Value: raw.Seconds(), Unit: "s",
			Note: fmt.Sprintf("baseline: %d small messages, bare go-smtp client, one implicit-TLS connection", smtpMessages)},
		Result{Name: "smtp.submit", Value: outbox.Seconds(), Unit: "s", Goal: "ratio <= 1.5",
			Note: fmt.Sprintf("%d small messages through the durable outbox", smtpMessages)}.
			WithBaseline("raw_smtp", raw.Seconds()),
	}, nil
}
