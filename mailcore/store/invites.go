package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Answers the user gave to calendar invitations, by event (its UID and
// recurrence), so that the reading view can say what was answered.
func init() {
	registerSchema(80, "invitation answers", `
CREATE TABLE IF NOT EXISTS invitation_answers (
	event    TEXT    PRIMARY KEY,
	accepted INTEGER NOT NULL,
	answered INTEGER NOT NULL -- unix seconds
) WITHOUT ROWID;`)
}

// SetInvitationAnswer records the answer given to an event.
func (s *Store) SetInvitationAnswer(ctx context.Context, event string, accepted bool, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO invitation_answers(event, accepted, answered) VALUES(?,?,?)`,
		event, boolInt(accepted), at.Unix())
	return storageErr("invitation answer", err)
}

// InvitationAnswer returns the answer given to an event; ok is false when
// none was.
func (s *Store) InvitationAnswer(ctx context.Context, event string) (accepted bool, at time.Time, ok bool, err error) {
	var a, when int64
	err = s.db.QueryRowContext(ctx, `SELECT accepted, answered FROM invitation_answers WHERE event=?`, event).Scan(&a, &when)
	if errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, false, nil
	}
	if err != nil {
		return false, time.Time{}, false, storageErr("invitation answer", err)
	}
	return a != 0, time.Unix(when, 0), true, nil
}
