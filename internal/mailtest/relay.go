package mailtest

import (
	"errors"
	"io"
	"net"
	"sync"
)

// relaySource is the address the relay connects to Dovecot from.
//
// Dovecot treats a connection whose remote IP equals its local IP as
// "secured" and then allows plaintext LOGIN/USER before STARTTLS, whatever
// disable_plaintext_auth and ssl say. Tests connect from 127.0.0.1 to
// 127.0.0.1, so the plaintext-before-TLS ports go through this small relay,
// which connects to Dovecot from a different loopback address. Dovecot then
// behaves as it does for remote clients: LOGINDISABLED until STARTTLS.
// A relay is hand-written because no library in the module graph offers one
// and it is a few lines of io.Copy.
var relaySource = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}

type relay struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// startRelay listens on addr and forwards every connection to target.
func startRelay(addr, target string) (*relay, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	r := &relay{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	r.wg.Add(1)
	go r.serve()
	return r, nil
}

func (r *relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.conns[c] = struct{}{}
	return true
}

func (r *relay) untrack(c net.Conn) {
	r.mu.Lock()
	delete(r.conns, c)
	r.mu.Unlock()
}

func (r *relay) serve() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		r.wg.Add(1)
		go r.handle(c)
	}
}

func (r *relay) handle(client net.Conn) {
	defer r.wg.Done()
	d := net.Dialer{LocalAddr: relaySource}
	server, err := d.Dial("tcp", r.target)
	if err != nil {
		client.Close()
		return
	}
	if !r.track(client) || !r.track(server) {
		client.Close()
		server.Close()
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	// One side finished: end the other too.
	client.Close()
	server.Close()
	<-done
	r.untrack(client)
	r.untrack(server)
}

// Close stops listening and cuts every relayed connection.
func (r *relay) Close() error {
	err := r.ln.Close()
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return err
}
