// Package support is defined support periods (PSTI Schedule 1 paragraph
// 3): for each product, the date until which, at least, the manufacturer
// will provide security updates. A period is drafted, then published by an
// editor; once published it may be extended, never shortened (PSTI-DSP-05),
// and each publication and extension is an entry in the transparency log,
// from which CheckHistory proves that no end date ever went backwards.
//
// The rules live here, as pure functions on Period; the store applies them
// inside the transaction that writes the change, and the database's own
// triggers refuse a shortened end date even from a hand-written UPDATE.
package support

import (
	"context"
	"strings"
	"time"

	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// Status says whether a period is public.
type Status string

// The statuses of a period. A draft is seen by staff only; a published
// period is public, and stays published.
const (
	StatusDraft     Status = "draft"
	StatusPublished Status = "published"
)

// Limits on what a period holds.
const (
	MaxModels = 20
	MaxModel  = 100
	MaxNotes  = 2000
	MaxReason = 1000
)

// Period is a defined support period: the minimum time security updates
// will be provided for a product, ending on a stated date (PSTI-R-02).
// Editors create, change, publish and extend it; viewers read it, and
// everyone reads it once it is published.
type Period struct {
	ID int64 `json:"id"`
	// ProductID is the product it belongs to; it never changes.
	ProductID int64 `json:"product_id"`
	// Models narrows the period to some models or firmware lines of the
	// product, in plain text; empty when it covers the whole product.
	Models []string `json:"models" maxItems:"20" doc:"Models or firmware lines the period is limited to, in plain words; empty for the whole product."`
	// EndDate is the last day security updates are promised for, as a
	// calendar date YYYY-MM-DD. Once published it only ever moves later.
	EndDate string `json:"end_date" format:"date" doc:"The last day of the period, YYYY-MM-DD. Once published it can only be extended."`
	// Notes says anything else a buyer should know, in plain words.
	Notes  string `json:"notes" maxLength:"2000" doc:"Anything else a buyer should know, in plain words."`
	Status Status `json:"status" enum:"draft,published"`
	// FirstPublishedAt is when it was first published; nil for a draft.
	FirstPublishedAt *time.Time `json:"first_published_at,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	Revision         int64      `json:"revision" doc:"Goes up by one with every change. Send it back with an update to be told if someone else changed the period first."`
	// LogIndex is the transparency log entry of its publication, once the
	// log records it.
	LogIndex *int64 `json:"log_index,omitempty"`
	// Extensions lists every extension, oldest first.
	Extensions []Extension `json:"extensions"`
}

// Extension is one extension of a published period: from when to when,
// why, and when it was published (PSTI-DSP-02).
type Extension struct {
	PreviousEndDate string    `json:"previous_end_date" format:"date"`
	EndDate         string    `json:"end_date" format:"date"`
	Reason          string    `json:"reason"`
	At              time.Time `json:"at"`
	LogIndex        *int64    `json:"log_index,omitempty"`
}

// Published reports whether the period is public.
func (p *Period) Published() bool { return p.Status == StatusPublished }

// End returns the end date as a time: midnight UTC starting that day.
func (p *Period) End() time.Time {
	t, _ := psti.ParseDate(p.EndDate)
	return t
}

// Ended reports whether the period's last day is over at now, in London.
func (p *Period) Ended(now time.Time) bool {
	t, err := psti.ParseDate(p.EndDate)
	return err == nil && !now.Before(psti.EndOfDay(t))
}

// Validate checks what an editor fills in.
func (p *Period) Validate() error {
	var pr psti.Problems
	if p.ProductID <= 0 {
		pr.Add("product_id", "Choose the product this support period is for.")
	}
	checkEndDate(&pr, "end_date", p.EndDate)
	if len(p.Models) > MaxModels {
		pr.Add("models", "A support period may name at most %d models or firmware lines.", MaxModels)
	}
	seen := map[string]bool{}
	for _, m := range p.Models {
		pr.Text("models", "Each model or firmware line", m, true, MaxModel)
		if seen[strings.ToLower(m)] {
			pr.Add("models", "%q is listed twice.", m)
		}
		seen[strings.ToLower(m)] = true
	}
	pr.LongText("notes", "Notes", p.Notes, false, MaxNotes)
	switch p.Status {
	case StatusDraft, StatusPublished:
	default:
		pr.Add("status", "Status must be draft or published.")
	}
	return pr.Err()
}

// checkEndDate checks an end date, and explains why anything but a
// calendar date is refused.
func checkEndDate(pr *psti.Problems, field, s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		pr.Add(field, "Give the date security updates end: the law asks for a period with an end date (PSTI-R-02).")
		return
	}
	if _, err := psti.ParseDate(s); err == nil {
		return
	}
	if looksOpenEnded(s) {
		// PSTI-DSP-01, PSTI-R-02: the period must have an end date.
		pr.Add(field, "Give a date, such as 2030-03-31: a support period must end on a stated date (PSTI-R-02, PSTI-DSP-01). “Until further notice” or “5 years” does not tell a buyer when updates stop.")
		return
	}
	pr.Add(field, "Give the end date as a calendar date written YYYY-MM-DD, for example 2030-03-31.")
}

// looksOpenEnded reports whether an end date was written as a period
// without an end ("until further notice") or one relative to something
// ("5 years", "24 months from purchase").
func looksOpenEnded(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"notice", "life", "ever", "indefinite", "unlimited", "ongoing", "year", "month", "week", "day", "purchase", "from", "after", "until", "tbc", "tbd"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// Store keeps support periods. Every writer validates, applies the rules
// of this package inside its transaction, and writes the change with its
// audit entry (and, for Publish and Extend, its transparency log entry)
// atomically. Viewers may call the readers, editors the writers. Errors:
// EINVALID, ENOTFOUND, ECONFLICT.
type Store interface {
	// CreatePeriod adds p as a draft, setting its id and bookkeeping.
	CreatePeriod(ctx context.Context, a psti.Actor, p *Period) error
	// UpdatePeriod changes p (see CheckEdit): ECONFLICT when p.Revision is
	// set and stale, or when it would change what a published period
	// promises.
	UpdatePeriod(ctx context.Context, a psti.Actor, p *Period) error
	// DeletePeriod removes a draft; ECONFLICT for a published period.
	DeletePeriod(ctx context.Context, a psti.Actor, id int64) error
	// PublishPeriod publishes a draft (see Publish) at revision (0 for
	// any) and returns it as published.
	PublishPeriod(ctx context.Context, a psti.Actor, id, revision int64) (*Period, error)
	// ExtendPeriod moves a published period's end date later (see
	// Extend) and returns it extended.
	ExtendPeriod(ctx context.Context, a psti.Actor, id int64, endDate, reason string) (*Period, error)
	// Period returns one period with its extensions.
	Period(ctx context.Context, id int64) (*Period, error)
	// Periods lists periods with their extensions, earliest end first.
	Periods(ctx context.Context, f Filter) ([]*Period, error)
	// Unsupported lists the products (not archived) that have no
	// published period, by id, up to limit.
	Unsupported(ctx context.Context, limit int) ([]int64, error)
	// PublicProducts lists the products (not archived) that have a
	// published period: all, or those whose name or model number contains
	// query, or that carry it as an identifier such as a GTIN. Anyone may
	// call it: it reveals only what is published.
	PublicProducts(ctx context.Context, query string, limit int) ([]*product.Product, error)
}

// Filter selects periods. Zero values select everything.
type Filter struct {
	ProductID int64
	Status    Status // "" for both
	// EndsBy keeps periods whose end date is on or before it (YYYY-MM-DD).
	EndsBy string
	Limit  int // 0 means 500; at most 10,000
}

// ReminderWindow is how far ahead, by default, staff are reminded of
// support periods coming to an end, so they can decide in time whether to
// extend them.
const ReminderWindow = 180 * 24 * time.Hour
