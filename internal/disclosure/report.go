package disclosure

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/psti"
)

// Limits on what a report may carry.
const (
	MaxSummary = 200
	MaxDetails = 20000
	MaxMessage = 10000
	MaxProduct = 200
	MaxCredit  = 200
	// MaxAttachments bounds all of one report's attachments together.
	MaxAttachments = 25 << 20
	MaxAttachment  = 10
)

// Statuses of a report. A report is open until it is resolved, found to be
// a duplicate, or found not to be a vulnerability.
const (
	StatusReceived         = "received"            // not yet acknowledged by a person
	StatusAcknowledged     = "acknowledged"        // a person has read it and said so (PSTI-VR-03)
	StatusInvestigating    = "investigating"       // being looked into or fixed
	StatusResolved         = "resolved"            // fixed, or otherwise dealt with
	StatusDuplicate        = "duplicate"           // the same issue as another report
	StatusNotVulnerability = "not_a_vulnerability" // looked into; not a security issue
)

// Open reports whether a report in status s is still owed status updates
// (PSTI-VR-03: updates until the issue is resolved).
func Open(s string) bool {
	return s == StatusReceived || s == StatusAcknowledged || s == StatusInvestigating
}

// StatusText says what a status means, for the reporter.
func StatusText(s string) string {
	switch s {
	case StatusReceived:
		return "Received: waiting for a person to read it"
	case StatusAcknowledged:
		return "Acknowledged: a person has read it"
	case StatusInvestigating:
		return "Being investigated"
	case StatusResolved:
		return "Resolved"
	case StatusDuplicate:
		return "Closed: the same issue as an earlier report"
	case StatusNotVulnerability:
		// A resolution like any other: the reporter is told why.
		return "Resolved: not a security vulnerability"
	}
	return s
}

// Severities staff may give a report.
var Severities = []string{"", "none", "low", "medium", "high", "critical"}

// Report is one security-issue report. Only its summary and details are
// required: no account and no personal information is asked for
// (PSTI-VR-04); the receipt is the reporter's way back.
type Report struct {
	ID             int64      `json:"id"`
	OrganisationID int64      `json:"organisation_id,omitempty"`
	ProductID      int64      `json:"product_id,omitempty" doc:"The product it is about, once linked."`
	ProductText    string     `json:"product,omitempty" doc:"The product as the reporter named it."`
	Summary        string     `json:"summary"`
	Details        string     `json:"details"`
	ContactEmail   string     `json:"contact_email,omitempty"`
	Credit         string     `json:"credit,omitempty" doc:"How the reporter would like to be credited in an advisory; empty for no credit."`
	Status         string     `json:"status" enum:"received,acknowledged,investigating,resolved,duplicate,not_a_vulnerability"`
	Severity       string     `json:"severity,omitempty" enum:",none,low,medium,high,critical"`
	CVSS           string     `json:"cvss_vector,omitempty" doc:"A CVSS 3.1 or 4.0 vector."`
	AssigneeID     int64      `json:"assignee_id,omitempty"`
	DuplicateOf    int64      `json:"duplicate_of,omitempty" doc:"The earlier report this one duplicates: its reporter follows that one."`
	Reason         string     `json:"reason,omitempty" doc:"Why it is not a vulnerability, as the reporter is told (not_a_vulnerability only)."`
	ReceivedAt     time.Time  `json:"received_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	LastUpdateAt   *time.Time `json:"last_update_at,omitempty" doc:"When the reporter was last given a status update."`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
	// Due is when the next promise falls due (acknowledgement, then each
	// status update), while the report is open.
	Due       *time.Time `json:"due_at,omitempty"`
	DueWhat   string     `json:"due,omitempty" enum:",acknowledgement,status update"`
	Revision  int64      `json:"revision"`
	UpdatedAt time.Time  `json:"updated_at"`
	// Attachments lists the files sent with the report (not their content).
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Validate checks what a reporter sends.
func (r *Report) Validate() error {
	var p psti.Problems
	p.Text("summary", "Summary", r.Summary, true, MaxSummary)
	p.LongText("details", "What happened", r.Details, true, MaxDetails)
	p.Text("product", "Product", r.ProductText, false, MaxProduct)
	p.Email("contact_email", "E-mail address", r.ContactEmail, false)
	p.Text("credit", "Credit", r.Credit, false, MaxCredit)
	return p.Err()
}

// Attachment is a file sent with a report. Its content is kept in the
// database, never served inline.
type Attachment struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	// EventID is the reporter's message the file came with; 0 for the
	// report itself.
	EventID int64 `json:"event_id,omitempty"`
	// Content is the file itself, when a report is submitted: the store
	// reads it from the start, a piece at a time (and may read it again
	// to retry), so a large file need not be held in memory.
	Content io.ReadSeeker `json:"-"`
}

// Event kinds on a report's timeline.
const (
	EventReceived     = "received"
	EventAcknowledged = "acknowledged"
	EventUpdate       = "update"        // a status update to the reporter
	EventReporter     = "reporter"      // a message from the reporter
	EventNote         = "note"          // an internal note: never shown to the reporter
	EventTriage       = "triage"        // severity, assignee or product changed: internal
	EventClosed       = "closed"        // resolved, duplicate or not a vulnerability
	EventAdvisory     = "advisory"      // an advisory was published
	EventReminder     = "overdue_alert" // staff were told a promise is overdue: internal
)

// Event is one entry on a report's timeline. Public events are what the
// reporter sees; the rest are for staff only.
type Event struct {
	ID       int64     `json:"id"`
	ReportID int64     `json:"-"`
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	Public   bool      `json:"public"`
	Status   string    `json:"status,omitempty" doc:"The report's status after this event."`
	Body     string    `json:"body,omitempty"`
	AuthorID int64     `json:"author_id,omitempty"`
	Author   string    `json:"author,omitempty" doc:"Who wrote it (staff only; the reporter sees the organisation's name)."`
}

// PublicEvent is a timeline entry as the reporter sees it: no staff names,
// no internal notes.
type PublicEvent struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind" enum:"received,acknowledged,update,reporter,closed,advisory"`
	Status string    `json:"status,omitempty"`
	Body   string    `json:"body,omitempty"`
	From   string    `json:"from" enum:"you,us" doc:"you: the reporter; us: the manufacturer."`
	Files  []File    `json:"files,omitempty" doc:"The files sent with this message."`
}

// File is what a reporter is shown of a file they sent: its name and size,
// never its content.
type File struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// Receipts. A receipt is 20 random bytes (160 bits), written in base32
// groups; only its SHA-256 is stored.

var receiptEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewReceipt returns a new receipt code and its hash.
func NewReceipt() (code string, hash []byte) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	s := receiptEncoding.EncodeToString(b) // 32 characters
	code = s[0:8] + "-" + s[8:16] + "-" + s[16:24] + "-" + s[24:32]
	return code, ReceiptHash(code)
}

// ReceiptHash is what is stored for a receipt code, after the code is
// normalised as a person may type it (case, spaces, dashes, 0/O and 1/I
// confusions are forgiven). ok is false when code cannot be a receipt.
func ReceiptHash(code string) []byte {
	n, ok := normaliseReceipt(code)
	if !ok {
		return nil
	}
	h := sha256.Sum256([]byte("psti-receipt:" + n))
	return h[:]
}

func normaliseReceipt(code string) (string, bool) {
	var b strings.Builder
	for _, c := range strings.ToUpper(code) {
		switch {
		case c == '-' || c == ' ' || c == '\t':
			continue
		case c == '0':
			c = 'O'
		case c == '1':
			c = 'I'
		case c == '8':
			c = 'B'
		}
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return "", false
		}
		b.WriteRune(c)
	}
	if b.Len() != 32 {
		return "", false
	}
	return b.String(), true
}

// Promises are what an organisation publishes about how fast it answers
// (PSTI-VR-03).
type Promises struct {
	AckWorkingDays  int `json:"ack_working_days" minimum:"1" maximum:"30" doc:"Acknowledge a report within this many working days."`
	UpdateEveryDays int `json:"update_every_days" minimum:"1" maximum:"180" doc:"Give the reporter a status update at least this often, in days, until the issue is resolved."`
}

// DefaultPromises are 5 working days to acknowledge and a status update at
// least every 30 days.
func DefaultPromises() Promises { return Promises{AckWorkingDays: 5, UpdateEveryDays: 30} }

// NextDue says which promise falls due next for r, and when: the
// acknowledgement until a person has acknowledged the report, then a
// status update every so many days after the last one, until it is closed.
func (p Promises) NextDue(cal *Calendar, r *Report) (what string, due time.Time, ok bool) {
	if !Open(r.Status) {
		return "", time.Time{}, false
	}
	if r.AcknowledgedAt == nil {
		return "acknowledgement", cal.AddWorkingDays(r.ReceivedAt, p.AckWorkingDays), true
	}
	last := *r.AcknowledgedAt
	if r.LastUpdateAt != nil && r.LastUpdateAt.After(last) {
		last = *r.LastUpdateAt
	}
	return "status update", last.Add(time.Duration(p.UpdateEveryDays) * 24 * time.Hour), true
}

// Store keeps reports and policies. Rules live in Service; the store
// writes what it is given, each change in one transaction.
type Store interface {
	// SubmitReport stores a new report with its receipt hash, attachments,
	// first event and the e-mail it causes, setting r.ID, and returns only
	// once all of it is durably committed.
	SubmitReport(ctx context.Context, r *Report, receiptHash []byte, e Event, mails ...Mail) error
	// SubmitReportOnce is SubmitReport for a report sent from a form:
	// once.Key is written in the same transaction as the report, and a
	// key written before is ECONFLICT wrapping ErrFormSent, with nothing
	// stored.
	SubmitReportOnce(ctx context.Context, r *Report, receiptHash []byte, once *Once, e Event, mails ...Mail) error
	// FormSent returns the report a form's key was written with, and
	// what was sealed with it; ENOTFOUND if none, or if it expired
	// before now.
	FormSent(ctx context.Context, key []byte, now time.Time) (reportID int64, sealed []byte, err error)
	// AddMessage appends a reporter's message e to report id's timeline
	// with the files sent with it, like AppendEvent, setting e.ID; once,
	// when not nil, is written in the same transaction (ECONFLICT
	// wrapping ErrFormSent, and nothing added, if it was before).
	AddMessage(ctx context.Context, a psti.Actor, id int64, e *Event, once *Once, files []Attachment) error
	// Duplicates lists the reports closed as duplicates of report id.
	Duplicates(ctx context.Context, id int64) ([]*Report, error)
	// ReportByReceipt finds a report by its receipt hash; ENOTFOUND if none.
	ReportByReceipt(ctx context.Context, receiptHash []byte) (*Report, error)
	// Report returns a report with its attachments' descriptions.
	Report(ctx context.Context, id int64) (*Report, error)
	// Reports lists reports for staff: those with the earliest due
	// promise first, then the newest.
	Reports(ctx context.Context, f Filter) ([]*Report, error)
	// Events returns a report's timeline, oldest first.
	Events(ctx context.Context, reportID int64) ([]Event, error)
	// Attachment describes one attachment; ENOTFOUND unless it belongs to
	// the report.
	Attachment(ctx context.Context, reportID, id int64) (*Attachment, error)
	// WriteAttachment writes an attachment's content to w.
	WriteAttachment(ctx context.Context, reportID, id int64, w io.Writer) error
	// AttachmentBytes is the size of every attachment kept.
	AttachmentBytes(ctx context.Context) (int64, error)
	// SaveReport writes r, which was read at r.Revision, with a new event
	// and the e-mail it causes: ECONFLICT if the report changed meanwhile.
	// It bumps r.Revision.
	SaveReport(ctx context.Context, a psti.Actor, r *Report, e Event, mails ...Mail) error
	// AppendEvent adds e to report id's timeline, with the e-mail it
	// causes, whatever the report's revision: it changes nothing else
	// about the report, so it never conflicts. The event takes the
	// report's current status; the revision is bumped, so a person
	// acting on what they read before sees that something was added.
	AppendEvent(ctx context.Context, a psti.Actor, id int64, e Event, mails ...Mail) error
	// PendingAlerts returns reports staff have not been told about (up to
	// limit), and open reports whose promise fell due before now without
	// staff being told.
	PendingAlerts(ctx context.Context, now time.Time, limit int) (fresh, overdue []*Report, err error)
	// ClaimAlerts records that staff are told of fresh and overdue
	// reports, each only if no one (another server sweeping the same
	// database) has recorded it since it was read, notes each overdue
	// alert on the report's timeline, and queues the e-mail compose makes
	// from the reports claimed, all in one transaction. It returns how
	// many reports were claimed; compose is not called when none were.
	ClaimAlerts(ctx context.Context, fresh, overdue []*Report, at time.Time, compose func(fresh, overdue []*Report) ([]Mail, error)) (int, error)
	// CountReports counts the reports f selects, its limit and offset
	// aside: Filter{Overdue: now} counts the overdue ones.
	CountReports(ctx context.Context, f Filter) (int, error)
	// Policy returns an organisation's disclosure policy; ENOTFOUND if it
	// has none yet.
	Policy(ctx context.Context, organisationID int64) (*Policy, error)
	// Policies lists every organisation's policy.
	Policies(ctx context.Context) ([]*Policy, error)
	// SavePolicy creates or replaces a policy (revision checked when not 0).
	SavePolicy(ctx context.Context, a psti.Actor, p *Policy) error
}

// Mail is an e-mail a change causes; the store queues it in the same
// transaction as the change.
type Mail struct {
	To, Subject, Text, Kind, Ref string
}

// Filter selects reports for staff lists, which put the reports with a
// promise due first, the earliest due first (the newest first among equal
// dates), then the others, newest first.
type Filter struct {
	Status    string // "" for any; "open" for every open status, "closed" for every other
	ProductID int64
	Assignee  int64
	Overdue   time.Time // when set, only open reports due before it
	Limit     int       // 0 means 100
	// After continues a list after the report with this key (ReportKey);
	// a list is read a page at a time this way at any depth, through
	// indexes (DESIGN.md "Lists"). Offset skips rows instead, which costs
	// as many rows as it skips: only for small pages near the start.
	After  string
	Offset int
}

// ReportKey is the opaque key of a report's place in staff lists, for
// Filter.After: its due date, if any, and its id (psti.ListKey).
func ReportKey(r *Report) string {
	due := ""
	if r.Due != nil {
		due = strconv.FormatInt(r.Due.UnixMicro(), 36)
	}
	return psti.ListKeyID(r.ID, due)
}

// ParseReportKey reads a ReportKey: the due date (nil for a report with
// none) and id of the report a list continues after; EINVALID if it is not
// one.
func ParseReportKey(key string) (due *time.Time, id int64, err error) {
	parts, id, err := psti.ParseListKeyID(key, 2)
	if err != nil || parts[0] == "" {
		return nil, id, err
	}
	us, err := strconv.ParseInt(parts[0], 36, 64)
	if err != nil {
		return nil, 0, psti.Errorf(psti.EINVALID, "The list cursor is not one this server gave: follow the Link header's next URL as it is.")
	}
	t := time.UnixMicro(us).UTC()
	return &t, id, nil
}

// One-time form tokens. Each report form and reply form carries a fresh
// token; what the form adds is stored together with a key made from it,
// once (a unique key in the database), so a reload, a double click or two
// posts at once add one report or message, and the same browser is shown
// the same receipt. A token is its issue time and 20 random bytes; only
// keys made from it are stored, and the receipt is kept sealed under it.

// FormTokenLife is how long a form may be open before it is sent, and
// how long what it added is remembered against a second send.
const FormTokenLife = 12 * time.Hour

// ErrFormSent is wrapped in the ECONFLICT a store answers when a form's
// key was written before.
var ErrFormSent = errors.New("disclosure: the form was sent already")

// ErrFormExpired is wrapped in the EINVALID of a form sent after its
// token expired: it is not stored, and a fresh form is due.
var ErrFormExpired = errors.New("disclosure: the form's token expired")

// Once is the key a form's effect is stored under, and what to show a
// second send of the same form.
type Once struct {
	Key     []byte    // FormKey of the form's token
	Sealed  []byte    // the receipt, sealed under the token (report forms)
	Expires time.Time // when the key may be forgotten
}

// NewFormToken returns a fresh one-time token for a form shown at now.
func NewFormToken(now time.Time) string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return strconv.FormatInt(now.Unix(), 10) + "." + receiptEncoding.EncodeToString(b)
}

// formIssued reads when a token was issued; ok is false when tok is not a
// token.
func formIssued(tok string) (time.Time, bool) {
	sec, rnd, ok := strings.Cut(tok, ".")
	if !ok || len(rnd) != 32 || len(sec) > 12 {
		return time.Time{}, false
	}
	if _, err := receiptEncoding.DecodeString(rnd); err != nil {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// checkForm returns the key of a form token sent at now, and when it
// expires. A token that is not one, that comes from the future or that
// expired is EINVALID (wrapping ErrFormExpired).
func checkForm(tok string, now time.Time) (*Once, error) {
	issued, ok := formIssued(tok)
	if !ok || issued.After(now.Add(5*time.Minute)) || now.Sub(issued) > FormTokenLife {
		return nil, &psti.Error{Code: psti.EINVALID, Err: ErrFormExpired,
			Message: fmt.Sprintf("This form was opened more than %d hours ago. To be sure nothing is sent twice, check what is in it and send it again.", int(FormTokenLife.Hours()))}
	}
	return &Once{Key: FormKey(tok), Expires: issued.Add(FormTokenLife)}, nil
}

// FormKey is what is stored of a form token.
func FormKey(tok string) []byte {
	h := sha256.Sum256([]byte("psti-form-key:" + tok))
	return h[:]
}

// seal encrypts text under a key made from the form token (AES-256-GCM):
// the database alone cannot open it.
func seal(tok, text string) []byte {
	aead := formCipher(tok)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return aead.Seal(nonce, nonce, []byte(text), nil)
}

// unseal opens what seal made with the same token.
func unseal(tok string, box []byte) (string, bool) {
	aead := formCipher(tok)
	if len(box) < aead.NonceSize() {
		return "", false
	}
	out, err := aead.Open(nil, box[:aead.NonceSize()], box[aead.NonceSize():], nil)
	return string(out), err == nil
}

func formCipher(tok string) cipher.AEAD {
	k := sha256.Sum256([]byte("psti-form-seal:" + tok))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // a 32-byte key is always right
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}
