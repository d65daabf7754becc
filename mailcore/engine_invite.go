package mailcore

import (
	"context"
	"strings"
	"time"

	"hongyan/mailcore/account"
	"hongyan/mailcore/mailerr"
	"hongyan/mailcore/message"
)

// InvitationWords are the subject and text of an answer to an invitation,
// in the user's language (the app's): accept says which answer.
type InvitationWords func(inv *message.Invitation, from message.Address, accept bool) (subject, text string)

// AnswerInvitation accepts or declines the calendar invitation of a stored
// message: the answer (an iTIP REPLY) goes to the organizer through the
// outbox, from the identity of the message's account that the invitation
// names as an attendee (else the account's first identity).
func (e *Engine) AnswerInvitation(ctx context.Context, messageID int64, accept bool, words InvitationWords) error {
	sum, err := e.store.Message(ctx, messageID)
	if err != nil {
		return err
	}
	f, err := e.store.Folder(ctx, sum.FolderID)
	if err != nil {
		return err
	}
	a, ok := e.Account(f.Account)
	if !ok {
		return &mailerr.Error{Kind: mailerr.NotFound, Op: "answer invitation", Text: "no such account"}
	}
	raw, err := e.Body(ctx, messageID)
	if err != nil {
		return err
	}
	m, _ := message.Parse(raw)
	inv := m.Invitation()
	if !inv.CanReply() {
		return &mailerr.Error{Kind: mailerr.NotFound, Op: "answer invitation", Text: message.ErrNoReply.Error()}
	}
	from := attendeeIdentity(a, inv)
	subject, text := words(inv, from, accept)
	d, err := inv.Reply(from, accept, time.Now(), subject, text)
	if err != nil {
		return err
	}
	if _, err := e.SendAt(ctx, a.ID, d, time.Time{}); err != nil {
		return err
	}
	if key := inv.EventKey(); key != "" {
		return e.store.SetInvitationAnswer(ctx, key, accept, time.Now())
	}
	return nil
}

// InvitationAnswer says whether the user already answered the event of an
// invitation, and how.
func (e *Engine) InvitationAnswer(ctx context.Context, inv *message.Invitation) (accepted, ok bool) {
	key := inv.EventKey()
	if key == "" {
		return false, false
	}
	accepted, _, ok, err := e.store.InvitationAnswer(ctx, key)
	return accepted, ok && err == nil
}

// attendeeIdentity is the identity of a the invitation is addressed to.
func attendeeIdentity(a account.Account, inv *message.Invitation) message.Address {
	for _, id := range a.Identities {
		for _, att := range inv.Attendees {
			if strings.EqualFold(strings.TrimSpace(id.Address), att) {
				return message.Address{Name: id.Name, Email: id.Address}
			}
		}
	}
	if len(a.Identities) > 0 {
		return message.Address{Name: a.Identities[0].Name, Email: a.Identities[0].Address}
	}
	return message.Address{Email: a.Email}
}
