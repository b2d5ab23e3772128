package scope

import (
	"context"
	"encoding/json"
	"time"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
)

// Record is a decision kept for a product of the register: the facts given,
// the decision they gave, when and by whom. It is never changed; deciding
// again adds a record, and the newest is the product's current decision.
type Record struct {
	ID        int64          `json:"id"`
	ProductID int64          `json:"product_id"`
	DecidedAt time.Time      `json:"decided_at"`
	DecidedBy string         `json:"decided_by"`
	Facts     catalog.Values `json:"facts" doc:"The facts as given; a fact not listed was not known."`
	Decision
}

// Store keeps decisions. store.DB implements it.
type Store interface {
	// AddScopeDecision keeps r, setting its id and time. The product must
	// exist (EINVALID on product_id otherwise).
	AddScopeDecision(ctx context.Context, a psti.Actor, r *Record) error
	// ScopeDecisions lists a product's decisions, newest first, at most
	// limit (0 for the store's most).
	ScopeDecisions(ctx context.Context, productID int64, limit int) ([]*Record, error)
	// ScopeDecision returns one decision (ENOTFOUND if there is none).
	ScopeDecision(ctx context.Context, id int64) (*Record, error)
}

// Service decides and keeps decisions with the current rules.
type Service struct {
	Store Store
	Rules *catalog.ScopeRules // nil: the embedded rules
	Clock psti.Clock
}

func (s *Service) rules() *catalog.ScopeRules {
	if s.Rules != nil {
		return s.Rules
	}
	return catalog.DefaultScopeRules()
}

// RulesInUse returns the rules the service decides with.
func (s *Service) RulesInUse() *catalog.ScopeRules { return s.rules() }

// Decide decides v (as_of defaulting to today) without keeping anything.
func (s *Service) Decide(v catalog.Values) Decision {
	v = v.Clone()
	DefaultAsOf(v, s.Clock.Now())
	return Decide(s.rules(), v)
}

// Record decides v for the product and keeps the decision with the facts
// and the rules version it was made with.
func (s *Service) Record(ctx context.Context, a psti.Actor, productID int64, v catalog.Values) (*Record, error) {
	v = v.Clone()
	DefaultAsOf(v, s.Clock.Now())
	r := &Record{ProductID: productID, Facts: v, Decision: Decide(s.rules(), v)}
	if err := s.Store.AddScopeDecision(ctx, a, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Current returns the product's newest decision, or nil when none was made.
func (s *Service) Current(ctx context.Context, productID int64) (*Record, error) {
	list, err := s.Store.ScopeDecisions(ctx, productID, 1)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// MarshalFacts writes facts as a JSON object in the order the rules declare
// them; UnmarshalFacts reads them back with their kinds.
func MarshalFacts(v catalog.Values) ([]byte, error) { return json.Marshal(map[string]any(v)) }

// UnmarshalFacts reads facts written by MarshalFacts.
func UnmarshalFacts(b []byte) (catalog.Values, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return catalog.Values(m), nil
}
