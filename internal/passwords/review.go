package passwords

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/psti/psti/internal/psti"
)

// Reviews. A rule whose every flagged row was flagged for review (a WARN
// rule, or evidence such as "p@ssw0rd" or two passwords that differ only
// in case) found something for a person to look at, not a breach on its
// face. The audit fails the batch until someone has looked: an editor then
// records, per rule, that the finding is accepted (with the reason it is
// not a failure) or confirmed as a failure. The report itself never
// changes; the reviews are kept beside it, and a later review of a rule
// supersedes the earlier one without removing it.

// Review decisions.
const (
	Accepted  = "accepted"  // the finding is not a failure; Reason says why
	Confirmed = "confirmed" // the finding is a failure
)

// Outcomes of a finished audit once its reviews are counted.
const (
	OutcomePass         = "pass"                // no rule flagged a row
	OutcomeFail         = "fail"                // a breach, or a finding confirmed as a failure
	OutcomeNeedsReview  = "needs_review"        // only findings for review, not all reviewed yet: fails until they are
	OutcomeReviewedPass = "passed_after_review" // only findings for review, every one accepted
)

// MaxReviewReason bounds a review's reason, in characters.
const MaxReviewReason = 2000

// Review is one person's decision on one rule's findings in one audit.
type Review struct {
	ID         int64     `json:"id"`
	RunID      int64     `json:"audit_id" doc:"The password audit reviewed."`
	Rule       string    `json:"rule" doc:"The rule whose findings were reviewed, e.g. DP-12: a rule whose every flagged row was flagged for review."`
	Decision   string    `json:"decision" enum:"accepted,confirmed" doc:"accepted: the finding is not a failure (reason required); confirmed: it is a failure."`
	Reason     string    `json:"reason,omitempty" doc:"Why: required when accepted, optional when confirmed."`
	ReviewedBy string    `json:"reviewed_by"`
	ReviewedAt time.Time `json:"reviewed_at"`
	Superseded bool      `json:"superseded" doc:"A later review of the same rule replaced this one. Both are kept."`
}

// Validate checks a review's own fields: the decision, and a reason when
// the finding is accepted.
func (rv *Review) Validate() error {
	var p psti.Problems
	rv.Rule = strings.TrimSpace(rv.Rule)
	if rv.Rule == "" {
		p.Add("rule", "Choose the rule whose findings you reviewed.")
	}
	switch rv.Decision {
	case Accepted, Confirmed:
	case "":
		p.Add("decision", "Choose whether the finding is accepted or confirmed as a failure.")
	default:
		p.Add("decision", "The decision must be accepted or confirmed, not %q.", rv.Decision)
	}
	rv.Reason = strings.TrimSpace(rv.Reason)
	if rv.Decision == Accepted && rv.Reason == "" {
		p.Add("reason", "Say why the finding is not a failure: an accepted finding needs a reason.")
	} else {
		p.LongText("reason", "The reason", rv.Reason, false, MaxReviewReason)
	}
	return p.Err()
}

// NeedsReview reports whether a rule's result is a finding for review:
// the rule flagged rows, and every one of them for review. A rule that
// flagged even one row as a violation fails the batch whatever a review
// says.
func (r *RuleResult) NeedsReview() bool {
	return r.Status == "flagged" && r.Count > 0 && r.Warnings == r.Count
}

// ReviewRules lists the rules of the report whose findings need review, in
// report order.
func (rep *Report) ReviewRules() []string {
	var out []string
	for i := range rep.Rules {
		if rep.Rules[i].NeedsReview() {
			out = append(out, rep.Rules[i].ID)
		}
	}
	return out
}

// CheckReview validates rv against the report of the audit it reviews:
// the audit must have finished with a report, and the rule must be one of
// its findings for review.
func CheckReview(r *Run, rv *Review) error {
	if err := rv.Validate(); err != nil {
		return err
	}
	if r.State != RunDone || r.Report == nil {
		return psti.Errorf(psti.ECONFLICT, "Password audit %d has no report to review: it is %s.", r.ID, r.State)
	}
	rules := r.Report.ReviewRules()
	if !slices.Contains(rules, rv.Rule) {
		if len(rules) == 0 {
			return psti.FieldErrorf(psti.EINVALID, "rule", "Password audit %d has no finding that needs review.", r.ID)
		}
		return psti.FieldErrorf(psti.EINVALID, "rule", "%s is not a finding of this audit that needs review; these are: %s.", rv.Rule, strings.Join(rules, ", "))
	}
	return nil
}

// Current returns the review in force for each rule: the latest one, by
// time and then by ID. It marks the others superseded.
func Current(reviews []Review) map[string]*Review {
	out := map[string]*Review{}
	for i := range reviews {
		rv := &reviews[i]
		if old, ok := out[rv.Rule]; ok {
			if rv.ReviewedAt.Before(old.ReviewedAt) || (rv.ReviewedAt.Equal(old.ReviewedAt) && rv.ID < old.ID) {
				rv.Superseded = true
				continue
			}
			old.Superseded = true
		}
		rv.Superseded = false
		out[rv.Rule] = rv
	}
	return out
}

// Outcome is a finished audit's verdict once its reviews are counted: a
// report that passed passes; a breach, or a finding confirmed as a failure,
// fails; findings for review that are not all reviewed need review (and
// fail the batch until they are); findings for review that were all
// accepted pass after review. It is "" for a report that is nil.
func Outcome(rep *Report, reviews []Review) string {
	if rep == nil {
		return ""
	}
	if rep.Verdict == "pass" {
		return OutcomePass
	}
	review := rep.ReviewRules()
	for i := range rep.Rules {
		if rep.Rules[i].Status == "flagged" && !slices.Contains(review, rep.Rules[i].ID) {
			return OutcomeFail
		}
	}
	if len(review) == 0 {
		return OutcomeFail // a verdict of fail with nothing flagged: trust the verdict
	}
	cur := Current(slices.Clone(reviews))
	pending := false
	for _, id := range review {
		rv, ok := cur[id]
		switch {
		case !ok:
			pending = true
		case rv.Decision == Confirmed:
			return OutcomeFail
		}
	}
	if pending {
		return OutcomeNeedsReview
	}
	return OutcomeReviewedPass
}

// Awaiting lists the report's findings for review that no review covers yet.
func Awaiting(rep *Report, reviews []Review) []string {
	if rep == nil {
		return nil
	}
	cur := Current(slices.Clone(reviews))
	var out []string
	for _, id := range rep.ReviewRules() {
		if _, ok := cur[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

// OutcomeText says an outcome in a few words, as lists show it.
func OutcomeText(outcome string) string {
	switch outcome {
	case OutcomePass:
		return "Passed"
	case OutcomeFail:
		return "Failed"
	case OutcomeNeedsReview:
		return "Needs review"
	case OutcomeReviewedPass:
		return "Passed after review"
	}
	return fmt.Sprintf("%q", outcome)
}

// ReviewStore keeps reviews.
type ReviewStore interface {
	// AddReview records a review of a finished audit's finding for review
	// and the audit's verdict once it is counted, setting the review's ID,
	// reviewer and time. EINVALID for a review CheckReview refuses,
	// ECONFLICT for an audit not done, ENOTFOUND for no such audit.
	AddReview(ctx context.Context, a psti.Actor, rv *Review) error
	// Reviews lists an audit's reviews, oldest first, superseded ones
	// marked; ENOTFOUND for no such audit.
	Reviews(ctx context.Context, runID int64) ([]Review, error)
}
