// Package mail sends psti's e-mail: acknowledgements and status updates to
// people who reported a security issue, and alerts to staff (PSTI-VR-03: the
// reporter is told that the report was received, then kept informed until
// the issue is resolved).
//
// Mail is never sent while a request waits. A change that should tell
// someone queues a Message in the database, in the same transaction as the
// change, through an Outbox; a Sender takes due messages from the outbox and
// hands them to an SMTP relay, retrying with growing delays for as long as
// MaxAge allows. A relay that is down therefore delays mail but loses none,
// and several servers can share one outbox.
package mail

import (
	"context"
	"time"

	"github.com/psti/psti/internal/psti"
)

// Message is one plain-text e-mail (UTF-8) to one recipient.
type Message struct {
	To      string // the recipient, written like name@example.com
	Subject string // one line
	Text    string // the body, plain text; lines end with \n
	// Kind says what sort of mail this is ("report-ack", "report-update",
	// "staff-alert"), for logs and metrics.
	Kind string
	// Ref names what the mail is about ("report:42"), so the mail sent about
	// a record can be found again. Optional.
	Ref string
}

// Limits on a message, checked by Validate.
const (
	MaxSubject = 250     // characters
	MaxText    = 100_000 // characters
	MaxKind    = 64      // characters
	MaxRef     = 200     // characters
)

// Validate checks a message before it is queued. It returns an EINVALID
// error naming every field that is wrong (to, subject, text, kind, ref).
// A subject is one line, so no header can be smuggled in through it.
func (m *Message) Validate() error {
	var p psti.Problems
	p.Email("to", "Recipient", m.To, true)
	p.Text("subject", "Subject", m.Subject, true, MaxSubject)
	p.LongText("text", "Text", m.Text, true, MaxText)
	p.Text("kind", "Kind", m.Kind, true, MaxKind)
	p.Text("ref", "Reference", m.Ref, false, MaxRef)
	return p.Err()
}

// Queued is a message in the outbox that a sender has claimed.
type Queued struct {
	ID int64
	Message
	Attempts  int       // attempts made before this one (all failed)
	CreatedAt time.Time // when it was queued
}

// Outbox keeps messages until they are sent. The store implements it. A
// message is queued, then sent or failed (given up); sent and failed
// messages are kept and never change.
type Outbox interface {
	// EnqueueMail queues messages, due at once. It stores all of them or,
	// if any is invalid (EINVALID), none.
	EnqueueMail(ctx context.Context, msgs ...Message) error
	// ClaimMail takes up to limit queued messages that are due at now and
	// that no sender holds, oldest due first, and holds them until
	// now+lease: until then no other ClaimMail, in this process or another
	// server sharing the database, returns them. A message whose holder
	// stops before reporting an outcome is returned again once its lease
	// runs out.
	ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Queued, error)
	// SentMail records that the relay accepted message id at the given time.
	// ENOTFOUND if there is no such message; ECONFLICT if it is no longer
	// queued.
	SentMail(ctx context.Context, id int64, at time.Time) error
	// RetryMail records a failed attempt and makes message id due again at
	// next. Errors as for SentMail.
	RetryMail(ctx context.Context, id int64, next time.Time, lastError string) error
	// FailedMail records a last failed attempt: the message is given up.
	// Errors as for SentMail.
	FailedMail(ctx context.Context, id int64, lastError string) error
	// MailStats counts the queued and failed messages, and tells when the
	// oldest queued message was queued (the zero time if none is).
	MailStats(ctx context.Context) (queued, failed int, oldest time.Time, err error)
}
