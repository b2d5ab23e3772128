// Package cases handles compliance failures: which duties the Act gives
// each business in the chain once a product fails, or may fail, the
// security requirements (Act Part 1 Chapter 2), decided from facts by the
// duty rules (catalog.DutyRules), which are data.
package cases

import (
	"fmt"
	"slices"
	"strings"

	"github.com/psti/psti/internal/catalog"
)

// Duty is one duty that applies, or may apply.
type Duty struct {
	Duty    string `json:"duty"`
	Timing  string `json:"timing"`
	Section string `json:"section"`
	To      string `json:"to"`
	// NeedsReview is set where the duty turns on a fact not known, or is
	// not firm yet (a failure only suspected); Review says why.
	NeedsReview bool     `json:"needs_review"`
	Review      []string `json:"review,omitempty"`
}

// NotRequired is a duty the business does not have here, and why.
type NotRequired struct {
	Duty    string `json:"duty"`
	Section string `json:"section"`
	Why     string `json:"why"`
}

// Decision is the duties the facts give.
type Decision struct {
	Duties       []Duty        `json:"duties"`
	NotRequired  []NotRequired `json:"not_required"`
	RulesVersion string        `json:"rules_version"`
}

// Decide applies r to the facts v. Every rule is read on its own: one whose
// role does not match is left out; one whose section is not engaged, or
// whose carve-out holds, is not required, with the reason; the rest are
// duties, marked for review where they turn on an unknown fact or are not
// firm yet.
func Decide(r *catalog.DutyRules, v catalog.Values) Decision {
	d := Decision{Duties: []Duty{}, NotRequired: []NotRequired{}, RulesVersion: r.Version}
	for i := range r.Rules {
		rule := &r.Rules[i]
		var review []string
		ok, need := r.Eval(rule.When, v)
		switch {
		case need != "":
			review = append(review, unknown(r, need))
		case !ok:
			continue
		}
		// Whether the section concerns this business at all may be
		// unknown; a duty not required even if it does is not required.
		whenReview := len(review)
		if rule.Never != "" {
			if need == "" {
				d.NotRequired = append(d.NotRequired, NotRequired{Duty: rule.Duty, Section: rule.Section, Why: rule.Never})
			}
			continue
		}
		notRequired := ""
		for _, g := range rule.Needs {
			ok, need := r.Eval(g.Holds, v)
			if need != "" {
				review = append(review, unknown(r, need))
			} else if !ok {
				notRequired = g.Why
				break
			}
		}
		if notRequired == "" {
			for _, g := range rule.CarveOuts {
				ok, need := r.Eval(g.Holds, v)
				if need != "" {
					review = append(review, unknown(r, need))
				} else if ok {
					notRequired = g.Why
					break
				}
			}
		}
		if notRequired != "" {
			if len(review) == whenReview {
				d.NotRequired = append(d.NotRequired, NotRequired{Duty: rule.Duty, Section: rule.Section, Why: notRequired})
				continue
			}
			// Not required on what is known, but an unknown fact
			// read first could change that: review it.
			review = append(review, "If not: "+notRequired)
		}
		if rule.Firm != nil {
			ok, need := r.Eval(rule.Firm.Holds, v)
			if need != "" {
				review = append(review, unknown(r, need))
			} else if !ok {
				review = append(review, rule.Firm.Why)
			}
		}
		d.Duties = append(d.Duties, Duty{Duty: rule.Duty, Timing: rule.Timing, Section: rule.Section, To: rule.To,
			NeedsReview: len(review) > 0, Review: dedupe(review)})
	}
	return d
}

func unknown(r *catalog.DutyRules, fact string) string {
	if f := r.Fact(fact); f != nil {
		return fmt.Sprintf("It turns on something not known: %s", f.Question)
	}
	return "It turns on something not known: " + fact
}

func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Summary says a decision in a line: how many duties, how many for review.
func (d Decision) Summary() string {
	review := 0
	for _, x := range d.Duties {
		if x.NeedsReview {
			review++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d duties", len(d.Duties))
	if review > 0 {
		fmt.Fprintf(&b, " (%d to review)", review)
	}
	fmt.Fprintf(&b, ", %d not required", len(d.NotRequired))
	return b.String()
}
