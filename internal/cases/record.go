package cases

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/psti/psti/internal/psti"
)

// Record is an investigation record or a failure record (PSTI-M-05,
// s.12; PSTI-I-07, s.20). Once made it never changes: a correction is a
// new version that names the one it corrects, and both are kept. Each is
// kept for 10 years from the day it is made (s.12(4), s.20(4)); the
// database refuses to change or delete one on both back ends.
type Record struct {
	ID             int64  `json:"id"`
	OrganisationID int64  `json:"organisation_id"`
	CaseID         int64  `json:"case_id,omitempty"`
	Kind           string `json:"kind" enum:"investigation,failure,manufacturer_investigation"`
	Section        string `json:"section" doc:"The subsection the record is kept under, such as s.12(1)(a)."`
	// Version counts from 1; Corrects is the record a correction replaces.
	Version  int    `json:"version"`
	Corrects int64  `json:"corrects,omitempty"`
	Why      string `json:"why,omitempty" doc:"For a correction: what was wrong."`
	Products string `json:"products" doc:"The products and batches, in words."`
	// Outcome is the investigation's outcome (investigation records).
	Outcome string `json:"outcome,omitempty"`
	// FailureFound is whether a compliance failure was found.
	FailureFound   bool   `json:"failure_found"`
	FailureDetails string `json:"failure_details,omitempty"`
	RemedialSteps  string `json:"remedial_steps,omitempty"`
	// RemedySucceeded is whether the remedial steps succeeded: yes, no,
	// partly, or not_yet.
	RemedySucceeded string `json:"remedy_succeeded,omitempty" enum:"yes,no,partly,not_yet,"`
	// MissingFacts and StepsToObtain, for a record of a manufacturer's
	// investigation (s.20(1)(b)): the facts only the manufacturer holds
	// that the record lacks, and the reasonable steps taken to get them
	// (s.20(3)).
	MissingFacts  string `json:"missing_facts,omitempty"`
	StepsToObtain string `json:"steps_to_obtain,omitempty"`
	// JointWith names the other manufacturers of the product keeping this
	// record jointly, as s.12 allows; "" for a record of one's own.
	JointWith string    `json:"joint_with,omitempty"`
	MadeAt    time.Time `json:"made_at"`
	MadeBy    string    `json:"made_by"`
	// KeepUntil is the last day it must be kept, YYYY-MM-DD.
	KeepUntil string `json:"keep_until"`
}

// RecordFilter selects records.
type RecordFilter struct {
	OrganisationID int64
	CaseID         int64
	Limit          int // 0 means 100
	After          int64
}

// RecordKinds names each kind for a person.
var RecordKinds = map[string]string{
	"investigation":              "Investigation record",
	"failure":                    "Compliance failure record",
	"manufacturer_investigation": "Record of the manufacturer's investigation",
}

// KeepFor is how long a record is kept: 10 years from the day it is made
// (s.12(4), s.20(4)).
const KeepFor = 10

// KeepUntil is the last day a record made at t must be kept: the tenth
// anniversary of the London day it was made, so the ten years are whole
// whichever way the day itself is counted.
func KeepUntil(t time.Time) string {
	return t.In(psti.London).AddDate(KeepFor, 0, 0).Format("2006-01-02")
}

var succeeded = []string{"yes", "no", "partly", "not_yet"}

// SucceededText says RemedySucceeded for a person.
func SucceededText(s string) string {
	switch s {
	case "yes":
		return "Yes, they succeeded."
	case "no":
		return "No, they did not succeed."
	case "partly":
		return "Partly."
	case "not_yet":
		return "Not known yet: the steps are still under way."
	}
	return ""
}

// Validate checks a record before it is made: what its section asks it to
// hold.
func (r *Record) Validate() error {
	var pr psti.Problems
	pr.LongText("outcome", "Outcome", r.Outcome, r.Kind != "failure", MaxText)
	pr.LongText("failure_details", "Details of the failure", r.FailureDetails, r.FailureFound || r.Kind == "failure", MaxText)
	needSteps := r.FailureFound || r.Kind == "failure"
	pr.LongText("remedial_steps", "Remedial steps", r.RemedialSteps, needSteps, MaxText)
	if (needSteps || r.RemedySucceeded != "") && !slices.Contains(succeeded, r.RemedySucceeded) {
		pr.Add("remedy_succeeded", "Say whether the remedial steps succeeded: yes, no, partly or not yet known.")
	}
	pr.LongText("missing_facts", "Facts only the manufacturer holds", r.MissingFacts, false, MaxText)
	pr.LongText("steps_to_obtain", "Steps taken to get them", r.StepsToObtain, r.MissingFacts != "", MaxText)
	pr.Text("joint_with", "Kept jointly with", r.JointWith, false, MaxShort)
	pr.LongText("why", "What the correction changes", r.Why, r.Corrects != 0, MaxText)
	return pr.Err()
}

// AllRecords reads every record f selects (its Limit and After aside),
// page by page, newest first.
func (s *Service) AllRecords(ctx context.Context, f RecordFilter) ([]*Record, error) {
	var all []*Record
	f.After = 0
	for {
		f.Limit = 1000
		page, err := s.Store.Records(ctx, f)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			return all, nil
		}
		f.After = page[len(page)-1].ID
	}
}

// CorrectedBy maps each record of rs that a later version corrects to the
// id of that correction.
func CorrectedBy(rs []*Record) map[int64]int64 {
	by := map[int64]int64{}
	for _, r := range rs {
		if r.Corrects != 0 {
			by[r.Corrects] = r.ID
		}
	}
	return by
}

// RecordKept is one line of the retention report.
type RecordKept struct {
	ID         int64     `json:"id"`
	CaseID     int64     `json:"case_id,omitempty"`
	Kind       string    `json:"kind" enum:"investigation,failure,manufacturer_investigation"`
	Section    string    `json:"section"`
	Version    int       `json:"version"`
	Products   string    `json:"products"`
	MadeAt     time.Time `json:"made_at"`
	KeepUntil  string    `json:"keep_until" format:"date" doc:"The last day the Act asks it to be kept. psti keeps it for good."`
	Superseded bool      `json:"superseded" doc:"A later version corrects it; it is kept all the same."`
}

// Retention is the retention report: every record, the soonest to be free
// of the Act's keeping first, each saying whether a later version
// corrects it.
func (s *Service) Retention(ctx context.Context) ([]*RecordKept, error) {
	all, err := s.AllRecords(ctx, RecordFilter{})
	if err != nil {
		return nil, err
	}
	by := CorrectedBy(all)
	out := make([]*RecordKept, 0, len(all))
	for _, r := range all {
		out = append(out, &RecordKept{ID: r.ID, CaseID: r.CaseID, Kind: r.Kind, Section: r.Section, Version: r.Version, Products: r.Products,
			MadeAt: r.MadeAt, KeepUntil: r.KeepUntil, Superseded: by[r.ID] != 0})
	}
	slices.SortStableFunc(out, func(a, b *RecordKept) int {
		return cmp.Or(strings.Compare(a.KeepUntil, b.KeepUntil), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}
