package psti

import (
	"context"
	"encoding/json"
	"time"
)

// Actor is who makes a change. Every write names one, and the audit trail
// keeps it with the change.
type Actor struct {
	UserID  int64  `json:"user_id,omitempty"`  // the signed-in user, or the token's owner
	TokenID int64  `json:"token_id,omitempty"` // set when the change came through an API token
	Label   string `json:"label"`              // e-mail address, or what acted ("command line", "system")
}

// System returns an actor for changes made by psti itself or by an operator
// at the command line, where no user is signed in.
func System(label string) Actor { return Actor{Label: label} }

// Record holds the bookkeeping fields every stored record shares.
type Record struct {
	ID         int64      `json:"id" doc:"Identifier, assigned when the record is created."`
	Revision   int64      `json:"revision" doc:"Starts at 1 and goes up by one with every change. Send it back with an update to be told if someone else changed the record first."`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ArchivedAt *time.Time `json:"archived_at,omitempty" doc:"Set when the record was archived. Records are never deleted, because legal records may point to them."`
}

// RecordID returns the record's id.
func (r Record) RecordID() int64 { return r.ID }

// Archived reports whether the record has been archived.
func (r Record) Archived() bool { return r.ArchivedAt != nil }

// Audit actions. An entry's action is one of these.
const (
	ActionCreate    = "create"
	ActionUpdate    = "update"
	ActionArchive   = "archive"
	ActionUnarchive = "unarchive"
	ActionRevoke    = "revoke"
	ActionPassword  = "set_password"
	ActionInvite    = "invite"
	ActionPublish   = "publish"
	ActionExtend    = "extend"
	ActionDelete    = "delete" // only of drafts, which were never public
	ActionRetire    = "retire" // a key that signs nothing more, kept
)

// AuditEntry is one line of the append-only audit trail: who changed which
// record, when, and what it looked like before and after. Entries are never
// updated or deleted; the database refuses it.
type AuditEntry struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	Actor    Actor           `json:"actor"`
	Action   string          `json:"action"`
	Entity   string          `json:"entity" doc:"Kind of record, e.g. brand, product, batch, user, token."`
	EntityID int64           `json:"entity_id"`
	Before   json.RawMessage `json:"before,omitempty" doc:"The record before the change (absent on create)."`
	After    json.RawMessage `json:"after,omitempty" doc:"The record after the change."`
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Entity   string // "" for any kind
	EntityID int64  // 0 for any record
	BeforeID int64  // only entries older than this one; 0 to start at the newest
	Limit    int    // at most this many; 0 means 50
	// Hide leaves out entries about these kinds of record (for readers who
	// may not see them, e.g. users and tokens for non-admins).
	Hide []string
}

// AuditLog reads the audit trail. Writes happen inside the store's own
// transactions, never through this interface.
type AuditLog interface {
	// Audit returns entries matching f, newest first. Anyone signed in may read it.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// Clock tells the time. Production code uses SystemClock; tests pass a fixed
// or stepping clock so deadlines are exact.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }
