// Package pop3 retrieves mail from POP3 servers into local folders of the
// store, without ever losing or duplicating a message.
//
// # The client
//
// The protocol client in this package is written by hand on net/textproto
// rather than taken from a library: the only POP3 client module available,
// github.com/knadh/go-pop3, has no STLS, no CAPA and no SASL, keeps the
// doubled dot of dot-stuffed lines in RETR, splits lines longer than 4 KB and
// sets no read deadlines. Here:
//
//   - textproto's DotReader undoes dot-stuffing ("..x" → ".x", a line ".."
//     → ".") and stops at the ".\r\n" terminator; it reads byte by byte with
//     no line-length limit, so a 10 KB line arrives whole. It turns each
//     CRLF into LF; the client puts the CR back, so a message is stored
//     exactly as the server served it (every line of a POP3 response ends
//     in CRLF; a bare CR is kept as it is).
//   - Every command runs under a deadline (Config.Timeout of inactivity) and
//     the caller's context; cancelling the context aborts the read at once.
//   - Security is never optional: implicit TLS (port 995) or STLS, which is
//     REQUIRED on a plain connection: when CAPA does not offer STLS the
//     client stops with mailerr.SecurityRefused before any credential is
//     sent. AUTH PLAIN (github.com/emersion/go-sasl) is preferred when the
//     server lists SASL PLAIN; USER/PASS otherwise.
//   - RETR commands are pipelined when the server offers PIPELINING.
//   - The debug log (Config.Debug) never contains PASS or AUTH arguments.
//
// # Retrieval and bookkeeping
//
// Account.Check lists the server (UIDL, LIST), downloads every message whose
// identity is not in the store's pop3_uidls table, and stores each one in the
// account's local Inbox together with its identity in one durable
// transaction (store.AddPOP3Messages; the store runs synchronous=FULL).
// Only after that commit may a DELE be sent for the message. DELE only takes
// effect at QUIT, so deletions are recorded as done only after QUIT answered
// +OK; if the connection breaks earlier, the server keeps the messages and
// the next check deletes them again.
//
// Deletion policies (Config): leave on server (default), delete from server
// after N days (counted from the first retrieval), delete from server when
// deleted locally (the local message no longer exists in the store, or
// Account.Delete removed it from Trash).
//
// # Servers without UIDL
//
// RFC 1939 makes UIDL optional. Without it (or when its listing is not
// unique) the identity of a message is "sha256:" plus the hex SHA-256 of the
// full message as served, with "#k" appended for the k-th identical copy in
// the maildrop. The full message is used rather than the header block
// because two distinct messages may share a header block (a sender
// resending with the same headers), and collapsing them would lose mail;
// identical full messages are true duplicates. The cost is that every check
// reads every message on the server to compute the identities; messages
// already stored are then dropped unread. A DELE is only ever sent for a
// message number whose content was hashed in the same session, so it can
// never hit the wrong message.
//
// # Local operations
//
// For a POP3 account, flags, moves and deletions are local only: see
// Account.SetFlags, Account.Move and Account.Delete, which are thin wrappers
// around store.SetFlagsLocal (pending=false), store.MoveLocal and
// store.DeleteMessage.
package pop3
