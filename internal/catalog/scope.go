package catalog

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// The outcomes of a scope decision.
const (
	InScope        = "in_scope"        // a relevant connectable product made available to UK consumers
	Excepted       = "excepted"        // Schedule 3 excepts it
	NotConnectable = "not_connectable" // neither internet- nor network-connectable (Act s.5)
	NotUKConsumer  = "not_uk_consumer" // not a UK consumer connectable product (Act s.54)
	NeedsReview    = "needs_review"    // the answer turns on something unknown or unverified
)

// Outcomes lists the outcomes in the order a person reads them.
var Outcomes = []string{InScope, Excepted, NotConnectable, NotUKConsumer, NeedsReview}

// ScopeRules is a versioned set of scope rules: the facts they ask about and
// the rules, read in order. A rule whose condition holds adds its reason;
// the first that holds and has an outcome decides. The last rule holds
// always and decides, so every set of facts gets an outcome.
type ScopeRules struct {
	Version string      `json:"version"` // recorded with every decision made with these rules
	Title   string      `json:"title"`
	Facts               // the facts and named conditions
	Rules   []ScopeRule `json:"rules"`
}

// ScopeRule is one step of the scope decision.
type ScopeRule struct {
	ID      string `json:"id"`                // stable name, unique in the file
	When    *Cond  `json:"when,omitempty"`    // absent: always holds
	Outcome string `json:"outcome,omitempty"` // absent: the rule adds its reason and the decision goes on
	Reason  Reason `json:"reason"`
}

// Reason is one reason given for a decision, pointing at its requirement.
type Reason struct {
	ID         string `json:"id"`                   // requirement id, such as PSTI-X-05
	Text       string `json:"text"`                 // in plain words
	Confidence string `json:"confidence,omitempty"` // the digest's label: VERIFIED, SECONDARY, SINGLE, UNVERIFIED
}

// Confidence labels a rule may carry.
var confidences = map[string]bool{"VERIFIED": true, "SECONDARY": true, "SINGLE": true, "UNVERIFIED": true}

//go:embed scope.yaml
var scopeFile []byte

// ScopeFile returns the embedded scope rules file as it is shipped.
func ScopeFile() []byte { return append([]byte(nil), scopeFile...) }

var defaultScope = sync.OnceValues(func() (*ScopeRules, error) { return ParseScopeRules(scopeFile) })

// DefaultScopeRules returns the embedded scope rules. They are checked by
// the package's tests, so an error here means a broken build.
func DefaultScopeRules() *ScopeRules {
	r, err := defaultScope()
	if err != nil {
		panic("catalog: embedded scope rules: " + err.Error())
	}
	return r
}

// ParseScopeRules reads and checks a scope rules file (YAML or JSON).
func ParseScopeRules(data []byte) (*ScopeRules, error) {
	var r ScopeRules
	if err := decodeStrict(data, &r); err != nil {
		return nil, fmt.Errorf("scope rules: %w", err)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("scope rules: %w", err)
	}
	return &r, nil
}

func (r *ScopeRules) check() error {
	if r.Version == "" {
		return errors.New("no version")
	}
	if err := r.checkDecl(); err != nil {
		return err
	}
	if len(r.Rules) == 0 {
		return errors.New("no rules")
	}
	ids := map[string]bool{}
	for i := range r.Rules {
		rule := &r.Rules[i]
		switch {
		case rule.ID == "":
			return fmt.Errorf("rule %d has no id", i+1)
		case ids[rule.ID]:
			return fmt.Errorf("rule %q appears twice", rule.ID)
		case rule.Reason.ID == "" || rule.Reason.Text == "":
			return fmt.Errorf("rule %q: a reason needs a requirement id and a text", rule.ID)
		case rule.Reason.Confidence != "" && !confidences[rule.Reason.Confidence]:
			return fmt.Errorf("rule %q: confidence %q is not VERIFIED, SECONDARY, SINGLE or UNVERIFIED", rule.ID, rule.Reason.Confidence)
		}
		ids[rule.ID] = true
		if rule.Outcome != "" && !slices.Contains(Outcomes, rule.Outcome) {
			return fmt.Errorf("rule %q: outcome %q is not one of %v", rule.ID, rule.Outcome, Outcomes)
		}
		if rule.When == nil {
			rule.When = &Always
		} else if err := r.Check(rule.When); err != nil {
			return fmt.Errorf("rule %q: %w", rule.ID, err)
		}
	}
	last := r.Rules[len(r.Rules)-1]
	if !last.When.IsAlways() || last.Outcome == "" {
		return fmt.Errorf("the last rule (%q) must have no condition and an outcome, so that every product gets one", last.ID)
	}
	return nil
}
