package app

import (
	"hongyan/mailcore/event"

	"strings"

	"fyne.io/fyne/v2"
)

// maxNotifyLines is how many messages a grouped notification names.
const maxNotifyLines = 3

// notifyNewMail sends one desktop notification for the new mail gathered
// in this batch: the sender and subject of a single message, or a count
// with the first few when many arrived.
func (mv *mailView) notifyNewMail() {
	batch := mv.newMail
	mv.newMail = nil
	if !mv.eng.Settings().Notifications {
		return
	}
	if n := newMailNotification(batch); n != nil {
		mv.mw.app.SendNotification(n)
	}
}

// newMailNotification builds the notification for a batch, nil if it
// holds no message.
func newMailNotification(batch []event.NewMail) *fyne.Notification {
	count := 0
	var lines []string
	for _, e := range batch {
		count += e.Count
		for _, s := range e.Latest {
			if len(lines) < maxNotifyLines {
				from := s.From
				if from == "" {
					from = T("list.no_sender")
				}
				subj := s.Subject
				if subj == "" {
					subj = T("list.no_subject")
				}
				lines = append(lines, from+": "+subj)
			}
		}
	}
	if count <= 0 {
		return nil
	}
	if count == 1 && len(batch) > 0 && len(batch[0].Latest) > 0 {
		s := batch[0].Latest[0]
		from, subj := s.From, s.Subject
		if from == "" {
			from = T("list.no_sender")
		}
		if subj == "" {
			subj = T("list.no_subject")
		}
		return fyne.NewNotification(from, subj)
	}
	body := strings.Join(lines, "\n")
	if count > len(lines) && len(lines) > 0 {
		body += "\n" + T("notify.more", map[string]any{"Count": count - len(lines)})
	}
	return fyne.NewNotification(T("notify.many", map[string]any{"Count": count}), body)
}
