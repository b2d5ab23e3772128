package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/psti/psti/internal/mail"
	"github.com/psti/psti/internal/psti"
)

// ---- outgoing mail (mail.Outbox) ----

// maxMailError bounds the last error kept with a message: enough for an
// SMTP reply, not a whole transcript.
const maxMailError = 1000

// EnqueueMail queues messages for the sender, all or none.
func (db *DB) EnqueueMail(ctx context.Context, msgs ...mail.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	return db.write(ctx, psti.Actor{}, func(tx *sql.Tx, now time.Time) (*change, error) {
		return nil, db.enqueueMail(ctx, tx, now, msgs...)
	})
}

// enqueueMail queues messages inside a write transaction, due at now.
// Store methods whose change should tell someone call it, so that the
// change and its mail commit together or not at all. The outbox is not in
// the audit trail: the row itself, kept for good, is the record.
func (db *DB) enqueueMail(ctx context.Context, tx *sql.Tx, now time.Time, msgs ...mail.Message) error {
	for i := range msgs {
		if err := msgs[i].Validate(); err != nil {
			return err
		}
	}
	now = now.UTC().Truncate(time.Microsecond)
	for _, m := range msgs {
		_, err := tx.ExecContext(ctx, `INSERT INTO mail_outbox (kind, ref, to_addr, subject, body, state, next_attempt_at, created_at)
			VALUES ($1, $2, $3, $4, $5, 'queued', $6, $6)`,
			m.Kind, m.Ref, m.To, m.Subject, m.Text, now)
		if err != nil {
			return fmt.Errorf("store: unable to queue %s mail: %w", m.Kind, err)
		}
	}
	return nil
}

// skipLocked is the suffix that makes a SELECT … LIMIT inside a write pass
// over rows another transaction has locked, so that several senders take
// different messages rather than queue behind each other. SQLite runs one
// writer at a time and needs none.
func (d *dialect) skipLocked() string {
	if d.sqlite {
		return ""
	}
	return " FOR UPDATE SKIP LOCKED"
}

// ClaimMail takes up to limit due messages that no sender holds and holds
// them until now+lease.
func (db *DB) ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]mail.Queued, error) {
	if limit <= 0 {
		return nil, nil
	}
	if lease <= 0 {
		return nil, psti.Errorf(psti.EINVALID, "A claim on mail must hold it for some time, not %s.", lease)
	}
	now = now.UTC().Truncate(time.Microsecond)
	until := now.Add(lease)
	rows, err := db.rw.QueryContext(ctx, `UPDATE mail_outbox SET lease_until = $2
		WHERE id IN (
			SELECT id FROM mail_outbox
			WHERE state = 'queued' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
			ORDER BY next_attempt_at, id
			LIMIT $3`+db.dialect.skipLocked()+`)
		RETURNING id, kind, ref, to_addr, subject, body, attempts, created_at`,
		now, until, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to claim mail: %w", err)
	}
	defer rows.Close()
	var out []mail.Queued
	for rows.Next() {
		var q mail.Queued
		if err := rows.Scan(&q.ID, &q.Kind, &q.Ref, &q.To, &q.Subject, &q.Text, &q.Attempts, utc(&q.CreatedAt)); err != nil {
			return nil, fmt.Errorf("store: unable to read claimed mail: %w", err)
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to claim mail: %w", err)
	}
	// RETURNING keeps no order; hand them over in the order they were queued.
	slices.SortFunc(out, func(a, b mail.Queued) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// SentMail records that the relay accepted message id.
func (db *DB) SentMail(ctx context.Context, id int64, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	return db.finishMail(ctx, id, "sent", `UPDATE mail_outbox SET state = 'sent', attempts = attempts + 1, sent_at = $2, lease_until = NULL
		WHERE id = $1 AND state = 'queued'`, id, at)
}

// RetryMail records a failed attempt and makes message id due again at next.
func (db *DB) RetryMail(ctx context.Context, id int64, next time.Time, lastError string) error {
	next = next.UTC().Truncate(time.Microsecond)
	return db.finishMail(ctx, id, "retried", `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, lease_until = NULL
		WHERE id = $1 AND state = 'queued'`, id, next, clip(lastError, maxMailError))
}

// FailedMail records a last failed attempt: message id is given up.
func (db *DB) FailedMail(ctx context.Context, id int64, lastError string) error {
	return db.finishMail(ctx, id, "given up", `UPDATE mail_outbox SET state = 'failed', attempts = attempts + 1, last_error = $2, lease_until = NULL
		WHERE id = $1 AND state = 'queued'`, id, clip(lastError, maxMailError))
}

// finishMail runs an update of one queued message and tells apart a message
// that does not exist from one that is no longer queued (another sender,
// whose lease ran out, reported first).
func (db *DB) finishMail(ctx context.Context, id int64, what, query string, args ...any) error {
	res, err := db.rw.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: unable to record mail %d as %s: %w", id, what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: unable to record mail %d as %s: %w", id, what, err)
	}
	if n == 1 {
		return nil
	}
	var state string
	err = db.rw.QueryRowContext(ctx, `SELECT state FROM mail_outbox WHERE id = $1`, id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return psti.NotFound("mail", id)
	}
	if err != nil {
		return fmt.Errorf("store: unable to read mail %d: %w", id, err)
	}
	return psti.Errorf(psti.ECONFLICT, "Mail %d is %s already; it cannot be %s.", id, state, what)
}

// mailStatsQuery counts the mail not sent through mail_outbox_due, which
// skips the sent mail that makes up nearly all of the outbox.
const mailStatsQuery = `SELECT state, COUNT(*), MIN(created_at) FROM mail_outbox
		WHERE state IN ('queued', 'failed') GROUP BY state`

// MailStats counts queued and failed mail and dates the oldest queued.
func (db *DB) MailStats(ctx context.Context) (queued, failed int, oldest time.Time, err error) {
	rows, err := db.ro.QueryContext(ctx, mailStatsQuery)
	if err != nil {
		return 0, 0, time.Time{}, fmt.Errorf("store: unable to count mail: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		var first *time.Time
		if err := rows.Scan(&state, &n, utcPtr(&first)); err != nil {
			return 0, 0, time.Time{}, fmt.Errorf("store: unable to count mail: %w", err)
		}
		switch state {
		case "queued":
			queued = n
			if first != nil {
				oldest = *first
			}
		case "failed":
			failed = n
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, time.Time{}, fmt.Errorf("store: unable to count mail: %w", err)
	}
	return queued, failed, oldest, nil
}

// clip shortens s to at most n bytes without cutting a character in two.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
