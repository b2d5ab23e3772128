package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
)

// The duties after a compliance failure, over JSON: the same facts and the
// same answer as psti duties --facts.

type dutiesIn struct {
	Facts map[string]any `json:"facts" doc:"The facts of the failure, by name, as psti duties --facts reads them: role, failure_by, status, informed_by (null when you found it yourself), and the rest. A fact left out is not known."`
}

// DutyDecision is the duties the facts give.
type DutyDecision struct {
	cases.Decision
}

func (s *Server) registerDutiesAPI() {
	register(s, huma.Operation{OperationID: "decide-duties", Method: http.MethodPost, Path: "/duties", Tags: []string{"Compliance failures"},
		Summary: "Say which duties a compliance failure gives your business",
		Description: "From the facts of a failure (your role, whose failure, how sure, who told you, and what you supplied), the duties of the PSTI Act 2022 ss.10-25 " +
			"that apply, each with its section and the statute's timing (as_soon_as_possible, as_soon_as_practicable or none), and those not required, with why. " +
			"A duty that turns on an unknown fact, or waits on a failure being confirmed, has needs_review. Nothing is kept.",
		Errors: []int{http.StatusUnprocessableEntity}}, auth.Viewer,
		func(ctx context.Context, in *bodyIn[dutiesIn]) (*itemOut[DutyDecision], error) {
			rules := catalog.DefaultDutyRules()
			v, err := factsIn(&rules.Facts, in.Body.Facts, `{"role": "importer"}`)
			if err != nil {
				return nil, err
			}
			return &itemOut[DutyDecision]{Body: &DutyDecision{cases.Decide(rules, v)}}, nil
		})
}

// factsIn reads the facts of a JSON body as psti scope and psti duties read
// a file: every problem named, as a field under facts.
func factsIn(fs *catalog.Facts, facts map[string]any, example string) (catalog.Values, error) {
	if facts == nil {
		return nil, psti.FieldErrorf(psti.EINVALID, "facts", "facts must be an object of facts, such as %s.", example)
	}
	v, err := fs.ParseValues(facts)
	return v, psti.PrefixFields(err, "facts.")
}
