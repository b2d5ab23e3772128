// Package scope decides whether a product is within the UK product security
// regime: a relevant connectable product made available to UK consumers
// (in scope), excepted by Schedule 3, not a connectable product, not a UK
// consumer connectable product, or a case for legal review. The rules are
// data (catalog.ScopeRules); this package only reads them.
//
// A fact that was not given is unknown. Where a rule needs an unknown fact,
// the decision is worked out for each value the fact can take: if every
// value leads to the same outcome, that is the decision (with the reasons of
// each case); if not, the decision is needs_review and names the fact.
package scope

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
)

// Decision is the outcome for one product, with every reason that led there.
type Decision struct {
	Product      string           `json:"product,omitempty"`
	AsOf         string           `json:"as_of"`
	Outcome      string           `json:"outcome"`
	Reasons      []catalog.Reason `json:"reasons"`
	Unknown      []string         `json:"unknown,omitempty"` // facts not given that the outcome turns on
	RulesVersion string           `json:"rules_version"`

	// Fired lists the rules that held on the way, in order, for each case
	// tried: what a test of the rules file reads to see every rule used.
	Fired []string `json:"-"`
}

// maxCases bounds how many combinations of unknown facts are tried.
const maxCases = 4096

type assumption struct {
	fact  string
	value any
}

type leaf struct {
	outcome string
	reasons []catalog.Reason
	fired   []string
	path    []assumption
}

// run reads the rules in order over v. need names the first fact a rule
// needed that v does not hold.
func run(r *catalog.ScopeRules, v catalog.Values) (l leaf, need string) {
	for i := range r.Rules {
		rule := &r.Rules[i]
		ok, need := r.Eval(rule.When, v)
		if need != "" && rule.Outcome == "" {
			// A rule without an outcome only explains; it never
			// changes the outcome, so an unknown fact it reads is
			// not one the decision turns on.
			continue
		}
		if need != "" {
			return l, need // the reasons found before it
		}
		if !ok {
			continue
		}
		l.reasons = append(l.reasons, rule.Reason)
		l.fired = append(l.fired, rule.ID)
		if rule.Outcome != "" {
			l.outcome = rule.Outcome
			return l, ""
		}
	}
	// The last rule always holds and decides (catalog checks it).
	panic("scope: rules ended without an outcome")
}

type explorer struct {
	r        *catalog.ScopeRules
	leaves   []leaf
	unknown  []string
	cases    int
	diverged bool // two cases ended differently, or there were too many
	eager    bool // stop at the first difference
	stop     func(fact string) bool
	next     string
}

func (e *explorer) walk(v catalog.Values, path []assumption) {
	if e.next != "" || (e.eager && e.diverged) {
		return
	}
	if e.cases++; e.cases > maxCases {
		e.diverged = true
		return
	}
	l, need := run(e.r, v)
	if need == "" {
		l.path = path
		if len(e.leaves) > 0 && e.leaves[0].outcome != l.outcome {
			e.diverged = true
		}
		e.leaves = append(e.leaves, l)
		return
	}
	if e.stop != nil && e.stop(need) {
		e.next = need
		return
	}
	if !slices.Contains(e.unknown, need) {
		e.unknown = append(e.unknown, need)
	}
	dom := e.r.Domain(need)
	if dom == nil {
		e.diverged = true
		return
	}
	for _, x := range dom {
		w := v.Clone()
		w[need] = x
		e.walk(w, append(path[:len(path):len(path)], assumption{need, x}))
	}
}

// Decide decides v under rules r. v should hold as_of (callers default it
// to today, DefaultAsOf); without it, every date rule is unknown.
func Decide(r *catalog.ScopeRules, v catalog.Values) Decision {
	e := &explorer{r: r, eager: true}
	e.walk(v, nil)
	d := Decision{RulesVersion: r.Version}
	d.Product, _ = v["product"].(string)
	d.AsOf, _ = v["as_of"].(string)
	for _, l := range e.leaves {
		for _, id := range l.fired {
			if !slices.Contains(d.Fired, id) {
				d.Fired = append(d.Fired, id)
			}
		}
	}
	if e.diverged || len(e.leaves) == 0 {
		// Give only what holds on the facts given: the reasons found
		// before the first rule that needed something unknown.
		known, _ := run(r, v)
		d.Reasons = append(d.Reasons, known.reasons...)
		d.Outcome = catalog.NeedsReview
		d.Unknown = e.unknown
		for _, id := range e.unknown {
			d.Reasons = append(d.Reasons, catalog.Reason{
				ID:   factRef(r, id),
				Text: fmt.Sprintf("Not answered: %s The outcome turns on it: answer it, or have a lawyer review the product.", question(r, id)),
			})
		}
		return d
	}
	common := commonReasons(e.leaves)
	d.Reasons = append(d.Reasons, common...)
	d.Outcome = e.leaves[0].outcome
	if len(e.leaves) == 1 {
		return d
	}
	// Every case ended the same way: give each case's own reasons, saying
	// which case it is, and say the unknown facts did not matter.
	for _, l := range e.leaves {
		cond := caseText(r, l.path)
		for _, rs := range l.reasons {
			if slices.Contains(common, rs) {
				continue
			}
			rs.Text = "Where " + cond + ": " + rs.Text
			d.Reasons = append(d.Reasons, rs)
		}
	}
	for _, id := range e.unknown {
		d.Reasons = append(d.Reasons, catalog.Reason{
			ID:   factRef(r, id),
			Text: fmt.Sprintf("Not answered: %s The outcome is the same either way.", question(r, id)),
		})
	}
	return d
}

// Next returns the next fact to ask about, given the facts asked so far
// (asked; an asked fact missing from v was answered "not sure"), or "" when
// nothing more would change the outcome. It is what a questionnaire uses to
// ask only what the decision turns on.
func Next(r *catalog.ScopeRules, v catalog.Values, asked func(fact string) bool) string {
	e := &explorer{r: r, stop: func(f string) bool { return !asked(f) }}
	e.walk(v, nil)
	return e.next
}

// DefaultAsOf sets as_of to today in London when v does not give it.
func DefaultAsOf(v catalog.Values, now time.Time) {
	if _, ok := v["as_of"]; !ok {
		v["as_of"] = now.In(psti.London).Format(time.DateOnly)
	}
}

func commonReasons(leaves []leaf) []catalog.Reason {
	if len(leaves) == 0 {
		return nil
	}
	var out []catalog.Reason
	for _, rs := range leaves[0].reasons {
		all := true
		for _, l := range leaves[1:] {
			if !slices.Contains(l.reasons, rs) {
				all = false
				break
			}
		}
		if all && !slices.Contains(out, rs) {
			out = append(out, rs)
		}
	}
	return out
}

func factRef(r *catalog.ScopeRules, id string) string {
	if f := r.Fact(id); f != nil && f.Ref != "" {
		return f.Ref
	}
	return "PSTI-S-01"
}

func question(r *catalog.ScopeRules, id string) string {
	if f := r.Fact(id); f != nil {
		return "“" + f.Question + "”"
	}
	return id
}

func caseText(r *catalog.ScopeRules, path []assumption) string {
	parts := make([]string, len(path))
	for i, a := range path {
		label := a.fact
		if f := r.Fact(a.fact); f != nil {
			label = f.Label
		}
		parts[i] = "“" + label + "” is " + r.ValueText(a.fact, a.value)
	}
	return strings.Join(parts, " and ")
}

// OutcomeText names an outcome in words.
func OutcomeText(o string) string {
	switch o {
	case catalog.InScope:
		return "in scope"
	case catalog.Excepted:
		return "excepted"
	case catalog.NotConnectable:
		return "not a connectable product"
	case catalog.NotUKConsumer:
		return "not a UK consumer product"
	case catalog.NeedsReview:
		return "needs legal review"
	}
	return o
}
