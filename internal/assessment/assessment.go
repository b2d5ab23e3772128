// Package assessment is each product's assessment against the requirement
// catalogue: one row per assessed requirement, saying how it is met (its
// route: Schedule 1 as such, deemed through a standard's provisions, or
// deemed through a label) and how far the work stands (its status), with
// the evidence kept for it. psti adds what its own records prove (password
// audits, the published disclosure policy, the published support period
// and its history) when an assessment is read; everything else is the
// manufacturer's claim. A statement of compliance is not issued while a
// requirement it speaks to is unmet.
package assessment

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
)

// Routes: how a requirement is met.
const (
	RouteDirect    = "direct"    // Schedule 1 met as such
	RouteProvision = "provision" // deemed through a standard's provisions (Schedule 2 Condition A)
	RouteLabel     = "label"     // deemed through a current label (Schedule 2 Conditions B, C; PSTI-DC-01..03)
)

// Statuses: how far the work on a requirement stands, as staff set it.
const (
	StatusNotStarted    = "not_started"
	StatusInProgress    = "in_progress"
	StatusMet           = "met"
	StatusNotApplicable = "not_applicable"
)

// Limits on what a row and its evidence hold.
const (
	MaxNote     = 2000
	MaxReason   = 1000
	MaxText     = 200
	MaxEvidence = 20 << 20 // bytes in one evidence file
	MaxFiles    = 50       // evidence files on one row, archived ones included
)

// DefaultWarning is how long before a label expires the assessment warns
// that its route will lapse.
const DefaultWarning = 90 * 24 * time.Hour

// Row is one requirement of one product's assessment, as staff record it.
// Editors change it; viewers read it. A row never saved reads as not
// started, by the direct route, with revision 0.
type Row struct {
	ID          int64  `json:"id,omitempty" doc:"0 until the row is first saved."`
	ProductID   int64  `json:"product_id"`
	Requirement string `json:"requirement" doc:"The requirement's id in the catalogue, e.g. PSTI-PW-01."`
	// Route is how the requirement is met; Standard and Provisions name
	// the standard relied on for the provision route, LabelScheme,
	// LabelID and LabelExpires the label for the label route.
	Route        string     `json:"route" enum:"direct,provision,label"`
	Standard     string     `json:"standard,omitempty" maxLength:"200" doc:"For the provision route: the standard, e.g. ETSI EN 303 645 V2.1.1."`
	Provisions   string     `json:"provisions,omitempty" maxLength:"200" doc:"For the provision route: the provisions relied on, e.g. 5.1-1, 5.1-2."`
	LabelScheme  string     `json:"label_scheme,omitempty" doc:"For the label route: jc-star-star-1 or sg-cls."`
	LabelID      string     `json:"label_id,omitempty" maxLength:"200" doc:"For the label route: the label's number."`
	LabelExpires string     `json:"label_expires,omitempty" doc:"For the label route: the last day the label is valid, YYYY-MM-DD (PSTI-DC-05)."`
	Status       string     `json:"status" enum:"not_started,in_progress,met,not_applicable"`
	Reason       string     `json:"reason,omitempty" maxLength:"1000" doc:"Why the requirement does not apply; needed for not_applicable."`
	Note         string     `json:"note,omitempty" maxLength:"2000" doc:"Anything else: where the proof is, what is left to do."`
	Revision     int64      `json:"revision" doc:"Goes up by one with every change; 0 for a row never saved. Send back the revision you read: a row changed since is refused (409)."`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
	UpdatedBy    string     `json:"updated_by,omitempty"`
}

// Evidence is a file kept for one row: its name, type, size and SHA-256.
// It is never deleted; archiving hides it from the proof without removing
// it.
type Evidence struct {
	ID          int64      `json:"id"`
	ProductID   int64      `json:"product_id"`
	Requirement string     `json:"requirement"`
	Name        string     `json:"name"`
	MediaType   string     `json:"media_type"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256"`
	AddedAt     time.Time  `json:"added_at"`
	AddedBy     string     `json:"added_by"`
	ArchivedAt  *time.Time `json:"archived_at,omitempty"`
	// Content is the file, when it is added: the store reads it from the
	// start, a piece at a time.
	Content io.ReadSeeker `json:"-"`
}

// Store keeps assessment rows and evidence (store.DB).
type Store interface {
	// AssessmentRows returns the rows saved for each of products, by
	// product id.
	AssessmentRows(ctx context.Context, productIDs ...int64) (map[int64][]*Row, error)
	// SaveAssessmentRow creates or changes a row. r.Revision must be the
	// row's current revision (0 for a row never saved), or ECONFLICT.
	SaveAssessmentRow(ctx context.Context, a psti.Actor, r *Row) error
	// AddEvidence keeps a file for a row, setting its id and times.
	AddEvidence(ctx context.Context, a psti.Actor, e *Evidence) error
	// EvidenceOf lists the files kept for each of products, oldest first.
	EvidenceOf(ctx context.Context, productIDs ...int64) (map[int64][]*Evidence, error)
	// Evidence describes one file of a product; WriteEvidence writes it.
	Evidence(ctx context.Context, productID, id int64) (*Evidence, error)
	WriteEvidence(ctx context.Context, productID, id int64, w io.Writer) error
	// ArchiveEvidence archives a file (or brings it back).
	ArchiveEvidence(ctx context.Context, a psti.Actor, productID, id int64, archived bool) error
}

// Blank is the row of a requirement never saved.
func Blank(productID int64, requirement string) *Row {
	return &Row{ProductID: productID, Requirement: requirement, Route: RouteDirect, Status: StatusNotStarted}
}

// Validate checks a row as an editor fills it in, against the requirement
// it is for: the routes open to its Schedule 1 paragraph, the label or
// standard each route needs, and the reason not_applicable needs.
func (r *Row) Validate(req *catalog.Requirement) error {
	var p psti.Problems
	if req == nil || !req.Assess {
		p.Add("requirement", "%s is not a requirement products are assessed against.", r.Requirement)
		return p.Err()
	}
	r.Standard, r.Provisions, r.LabelID = strings.TrimSpace(r.Standard), strings.TrimSpace(r.Provisions), strings.TrimSpace(r.LabelID)
	r.LabelExpires = strings.TrimSpace(r.LabelExpires)
	switch r.Route {
	case RouteDirect:
		r.Standard, r.Provisions, r.LabelScheme, r.LabelID, r.LabelExpires = "", "", "", "", ""
	case RouteProvision:
		r.LabelScheme, r.LabelID, r.LabelExpires = "", "", ""
		if req.Paragraph == 0 {
			p.Add("route", "%s is not a Schedule 1 requirement: no standard deems it met.", req.ID)
			break
		}
		p.Text("standard", "The standard", r.Standard, true, MaxText)
		p.Text("provisions", "The provisions", r.Provisions, true, MaxText)
		switch {
		case r.Standard == "":
		case statement.IsLabelName(r.Standard):
			p.Add("standard", "%s is a label: choose the label route and give the label's number and expiry date.", r.Standard)
		case !statement.Recognised(req.Paragraph, r.Standard):
			// PSTI-DC-01 to DC-03: Schedule 2 names the standards.
			p.Add("standard", "Schedule 2 deems this requirement met only by %s; %s is not one of them.", statement.RecognisedText(req.Paragraph), r.Standard)
		case r.Provisions != "":
			// PSTI-DC-01 to DC-03: and the provisions of each.
			if miss := statement.MissingProvisions(req.Paragraph, r.Standard, r.Provisions); len(miss) > 0 {
				p.Add("provisions", "Schedule 2 deems this requirement met through %s only by provision %s; name %s too.",
					r.Standard, strings.Join(statement.RequiredProvisions(req.Paragraph, r.Standard), ", "), strings.Join(miss, ", "))
			}
		}
	case RouteLabel:
		r.Standard, r.Provisions = "", ""
		if req.Paragraph == 0 {
			p.Add("route", "%s is not a Schedule 1 requirement: no label deems it met.", req.ID)
			break
		}
		if statement.SchemeOf(r.LabelScheme) == nil {
			p.Add("label_scheme", "Choose the label: Schedule 2 accepts only a Japan JC-STAR STAR-1 label or a Singapore CLS label.")
		}
		p.Text("label_id", "The label's number", r.LabelID, true, MaxText)
		// PSTI-DC-05: the route lasts only while the label has not expired.
		if r.LabelExpires == "" {
			p.Add("label_expires", "Give the day the label expires: the route lasts only while the label has not expired.")
		} else if _, err := psti.ParseDate(r.LabelExpires); err != nil {
			p.Add("label_expires", "Write the expiry date as YYYY-MM-DD, for example 2028-03-31.")
		}
	default:
		p.Add("route", "Choose how the requirement is met: as such, through a standard's provisions, or through a label.")
	}
	switch r.Status {
	case StatusNotStarted, StatusInProgress, StatusMet:
		r.Reason = ""
	case StatusNotApplicable:
		if strings.TrimSpace(r.Reason) == "" {
			p.Add("reason", "Say why %s does not apply to this product.", req.ID)
		}
		p.LongText("reason", "The reason", r.Reason, false, MaxReason)
	default:
		p.Add("status", "Choose a status: not started, in progress, met or not applicable.")
	}
	p.LongText("note", "The note", r.Note, false, MaxNote)
	return p.Err()
}

// LabelLapsed reports whether a label route's label has expired by now: it
// no longer deems the requirement met (PSTI-DC-05).
func (r *Row) LabelLapsed(now time.Time) bool {
	if r.Route != RouteLabel {
		return false
	}
	exp, err := psti.ParseDate(r.LabelExpires)
	return err == nil && !now.Before(psti.EndOfDay(exp))
}

// labelExpiring reports whether a label route's label expires within
// window of now, and has not yet.
func (r *Row) labelExpiring(now time.Time, window time.Duration) bool {
	if r.Route != RouteLabel || r.LabelLapsed(now) {
		return false
	}
	exp, err := psti.ParseDate(r.LabelExpires)
	return err == nil && psti.EndOfDay(exp).Before(now.Add(window))
}

// RouteText says how a row's requirement is met, in plain words.
func (r *Row) RouteText() string {
	switch r.Route {
	case RouteProvision:
		return "Deemed met through " + r.Standard + ", provisions " + r.Provisions
	case RouteLabel:
		name := r.LabelScheme
		if sc := statement.SchemeOf(r.LabelScheme); sc != nil {
			name = sc.Name
		}
		return "Deemed met through the " + name + " number " + r.LabelID + ", valid until " + psti.DateText(r.LabelExpires)
	}
	return "Meets the requirement as such (Schedule 1)"
}

// StatusText names a status as a person reads it.
func StatusText(s string) string {
	switch s {
	case StatusInProgress:
		return "In progress"
	case StatusMet:
		return "Met"
	case StatusNotApplicable:
		return "Not applicable"
	}
	return "Not started"
}
