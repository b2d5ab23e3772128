package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/scope"
)

// Scope decisions over JSON: record the facts of a product and get the
// decision with its reasons; read what was decided before. The facts are
// the same as psti scope --answers reads.

type scopeDecisionIn struct {
	ProductID int64          `json:"product_id" minimum:"1" doc:"The product the decision is for."`
	Facts     map[string]any `json:"facts" doc:"The facts, by name, as psti scope --answers reads them (see GET /scope-rules for the list and the questions). A fact left out, or null, is not known."`
}

// ScopeDecision is a kept scope decision as the API shows it.
type ScopeDecision struct {
	scope.Record
}

func scopeDecisions(list []*scope.Record) []*ScopeDecision {
	out := make([]*ScopeDecision, len(list))
	for i, r := range list {
		out[i] = &ScopeDecision{*r}
	}
	return out
}

type scopeListIn struct {
	ProductID int64 `query:"product_id" minimum:"1" required:"true" doc:"The product whose decisions to list."`
}

func (s *Server) registerScopeAPI() {
	tags := []string{"Scope"}
	register(s, huma.Operation{OperationID: "create-scope-decision", Method: http.MethodPost, Path: "/scope-decisions", Tags: tags,
		Summary: "Decide a product's scope and record the decision",
		Description: "Decides, from the facts given, whether the product is in scope, excepted, not a connectable product, not a UK consumer product, " +
			"or needs legal review, with every reason and the rules version, and keeps the decision. A decision is never changed: deciding again adds one.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *bodyIn[scopeDecisionIn]) (*createdOut[ScopeDecision], error) {
			rules := s.scope.RulesInUse()
			v, err := factsIn(&rules.Facts, in.Body.Facts, `{"ip_internet": true}`)
			if err != nil {
				return nil, err
			}
			if _, ok := v["product"]; !ok {
				if p, err := s.store.Product(ctx, in.Body.ProductID); err == nil {
					v["product"] = p.Name
				}
			}
			r, err := s.scope.Record(ctx, actor(ctx), in.Body.ProductID, v)
			if err != nil {
				return nil, err
			}
			return &createdOut[ScopeDecision]{Location: fmt.Sprintf("%s/scope-decisions/%d", APIPrefix, r.ID), Body: &ScopeDecision{*r}}, nil
		})
	register(s, huma.Operation{OperationID: "list-scope-decisions", Method: http.MethodGet, Path: "/scope-decisions", Tags: tags,
		Summary: "List a product's scope decisions, newest first", Description: "The newest is the product's current decision. At most 100 are listed."}, auth.Viewer,
		func(ctx context.Context, in *scopeListIn) (*listOut[ScopeDecision], error) {
			list, err := s.store.ScopeDecisions(ctx, in.ProductID, 100)
			return &listOut[ScopeDecision]{Body: scopeDecisions(list)}, err
		})
	register(s, huma.Operation{OperationID: "get-scope-decision", Method: http.MethodGet, Path: "/scope-decisions/{id}", Tags: tags,
		Summary: "Read a scope decision", Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*itemOut[ScopeDecision], error) {
			r, err := s.store.ScopeDecision(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &itemOut[ScopeDecision]{Body: &ScopeDecision{*r}}, nil
		})
	register(s, huma.Operation{OperationID: "get-scope-rules", Method: http.MethodGet, Path: "/scope-rules", Tags: tags,
		Summary: "Read the scope rules in use",
		Description: "The version, the facts with the question that asks for each, and the rules in the order they are read, each with the outcome it decides (if any) and its reason. " +
			"No token is needed: they are derived from the law."}, auth.Public,
		func(ctx context.Context, _ *struct{}) (*itemOut[scopeRulesOut], error) {
			r := s.scope.RulesInUse()
			out := &scopeRulesOut{Version: r.Version, Title: r.Title, Facts: r.List, Rules: make([]scopeRuleOut, len(r.Rules))}
			for i, x := range r.Rules {
				out.Rules[i] = scopeRuleOut{ID: x.ID, Outcome: x.Outcome, Reason: x.Reason}
			}
			return &itemOut[scopeRulesOut]{Body: out}, nil
		})
}

type scopeRulesOut struct {
	Version string         `json:"version" doc:"Recorded with every decision made with these rules."`
	Title   string         `json:"title"`
	Facts   []catalog.Fact `json:"facts"`
	Rules   []scopeRuleOut `json:"rules"`
}

type scopeRuleOut struct {
	ID      string         `json:"id"`
	Outcome string         `json:"outcome,omitempty" doc:"The outcome the rule decides when it holds; absent when it only explains."`
	Reason  catalog.Reason `json:"reason"`
}
