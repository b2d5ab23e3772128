package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
)

// The scope questionnaire of a product: is it within the regime, and why?
// It asks one question at a time, only those the decision turns on, by
// plain GET links (the answers so far travel in the address, so the back
// button and a reload work, and nothing is written); the decision reached
// is recorded by a POST, which redirects back.

// unsure is the form value for "I do not know".
const unsure = "unsure"

type scopeQuestion struct {
	ID       string
	Question string
	Help     string
	Bool     bool
	Options  []catalog.Option
	Value    string // as answered: yes, no, unsure, a choice value, or ""
	Error    string
	New      bool // the question just asked
}

type scopeDecisionView struct {
	Outcome      string
	OutcomeCode  string
	Reasons      []scopeReason
	Unknown      []string
	RulesVersion string
	AsOf         string
	When         string
	By           string
}

type scopeReason struct {
	ID         string
	Href       string
	Text       string
	Confidence string
}

type scopePageData struct {
	Product   *product.Product
	BackHref  string
	Action    string
	Current   *scopeDecisionView
	Earlier   []scopeDecisionView
	Questions []scopeQuestion
	AsOf      struct{ Day, Month, Year, Error string }
	Started   bool
	Result    *scopeDecisionView // the decision the answers give, not yet recorded
	Hidden    []hiddenField
	Editor    bool
	Problem   string
	// Next leads from a decision that leaves the law applying (or
	// unsettled) to what must then be done: the product's assessment.
	Next string
}

type hiddenField struct{ Name, Value string }

func (s *Server) registerScopePages() {
	s.page("GET /admin/products/{id}/scope", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, ok := getRecord(s, w, r, s.store.Product)
		if ok {
			s.showScope(w, r, u, p, r.URL.Query(), http.StatusOK)
		}
	})
	s.page("POST /admin/products/{id}/scope", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, ok := getRecord(s, w, r, s.store.Product)
		if !ok {
			return
		}
		v, _, problems := scopeAnswers(s.scope.RulesInUse(), r.PostForm, s.cfg.Clock.Now())
		if len(problems) > 0 {
			s.showScope(w, r, u, p, r.PostForm, http.StatusUnprocessableEntity)
			return
		}
		v["product"] = p.Name
		rec, err := s.scope.Record(r.Context(), userActor(u), p.ID, v)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/products/%d/scope", p.ID),
			fmt.Sprintf("The decision is recorded: %s.", scope.OutcomeText(rec.Outcome)))
	})
}

// scopeAnswers reads the questionnaire's answers: the facts known, the
// facts asked (answered "not sure" included), and a problem per field.
func scopeAnswers(rules *catalog.ScopeRules, form url.Values, now time.Time) (catalog.Values, map[string]bool, map[string]string) {
	v := catalog.Values{}
	asked := map[string]bool{"product": true, "as_of": true}
	problems := map[string]string{}
	day, month, year := form.Get("as_of-day"), form.Get("as_of-month"), form.Get("as_of-year")
	if day+month+year != "" {
		iso, msg := typedDate(day, month, year)
		if msg != "" {
			problems["as_of"] = "The date " + msg
		} else {
			v["as_of"] = iso
		}
	}
	scope.DefaultAsOf(v, now)
	for _, f := range rules.List {
		if f.ID == "product" || f.ID == "as_of" {
			continue
		}
		a, ok := form[f.ID]
		if !ok || len(a) == 0 {
			continue
		}
		asked[f.ID] = true
		if a[0] == unsure || a[0] == "" {
			continue
		}
		if err := rules.SetText(v, f.ID, a[0]); err != nil {
			problems[f.ID] = "Choose one of the answers."
		}
	}
	return v, asked, problems
}

func decisionView(rules *catalog.ScopeRules, d scope.Decision) *scopeDecisionView {
	dv := &scopeDecisionView{Outcome: outcomeHeadline(d.Outcome), OutcomeCode: d.Outcome, RulesVersion: d.RulesVersion, AsOf: psti.DateText(d.AsOf)}
	for _, rs := range d.Reasons {
		sr := scopeReason{ID: rs.ID, Href: "/requirements#" + rs.ID, Text: rs.Text}
		if rs.Confidence != "" && rs.Confidence != "VERIFIED" {
			sr.Confidence = confidenceText(rs.Confidence)
		}
		dv.Reasons = append(dv.Reasons, sr)
	}
	for _, id := range d.Unknown {
		if f := rules.Fact(id); f != nil {
			dv.Unknown = append(dv.Unknown, f.Question)
		} else {
			dv.Unknown = append(dv.Unknown, id)
		}
	}
	return dv
}

func (s *Server) showScope(w http.ResponseWriter, r *http.Request, u *auth.User, p *product.Product, form url.Values, status int) {
	rules := s.scope.RulesInUse()
	list, err := s.store.ScopeDecisions(r.Context(), p.ID, 20)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := scopePageData{Product: p, BackHref: fmt.Sprintf("/admin/products/%d", p.ID), Action: fmt.Sprintf("/admin/products/%d/scope", p.ID),
		Editor: u.Role.Allows(auth.Editor) && !p.Archived()}
	for i, rec := range list {
		dv := decisionView(rules, rec.Decision)
		dv.When, dv.By = psti.LongDateTime(rec.DecidedAt), rec.DecidedBy
		if i == 0 {
			d.Current = dv
			if !outsideRegime(rec.Outcome) {
				d.Next = assessmentPath(p.ID)
			}
		} else {
			d.Earlier = append(d.Earlier, *dv)
		}
	}
	now := s.cfg.Clock.Now()
	d.Started = form.Get("start") != "" || len(form) > 0 && form.Get("form_token") != ""
	v, asked, problems := scopeAnswers(rules, form, now)
	if t, err := time.Parse(time.DateOnly, v["as_of"].(string)); err == nil {
		d.AsOf.Day, d.AsOf.Month, d.AsOf.Year = fmt.Sprint(t.Day()), fmt.Sprint(int(t.Month())), fmt.Sprint(t.Year())
	}
	if x := form.Get("as_of-day") + form.Get("as_of-month") + form.Get("as_of-year"); x != "" {
		d.AsOf.Day, d.AsOf.Month, d.AsOf.Year = form.Get("as_of-day"), form.Get("as_of-month"), form.Get("as_of-year")
	}
	d.AsOf.Error = problems["as_of"]
	if d.Started {
		next := ""
		if len(problems) == 0 {
			next = scope.Next(rules, v, func(id string) bool { return asked[id] })
		}
		for _, f := range rules.List {
			if f.ID == "product" || f.ID == "as_of" || (!asked[f.ID] && f.ID != next) {
				continue
			}
			q := scopeQuestion{ID: f.ID, Question: f.Question, Help: f.Help, Bool: f.Type == catalog.Bool, Options: f.Choices,
				Value: form.Get(f.ID), Error: problems[f.ID], New: f.ID == next}
			d.Questions = append(d.Questions, q)
		}
		if next == "" && len(problems) == 0 {
			v["product"] = p.Name
			d.Result = decisionView(rules, scope.Decide(rules, v))
			d.Hidden = append(d.Hidden, hiddenField{"as_of-day", d.AsOf.Day}, hiddenField{"as_of-month", d.AsOf.Month}, hiddenField{"as_of-year", d.AsOf.Year})
			for _, f := range rules.List {
				if asked[f.ID] && f.ID != "product" && f.ID != "as_of" {
					val := form.Get(f.ID)
					if val == "" {
						val = unsure
					}
					d.Hidden = append(d.Hidden, hiddenField{f.ID, val})
				}
			}
		}
		if len(problems) > 0 {
			d.Problem = "Please answer the questions marked below."
		}
	}
	s.render(w, r, status, "scope", &view{Title: "Scope: " + describe(p), User: u, Section: "products", Data: d})
}

// outcomeHeadline says an outcome as the first line of a decision.
func outcomeHeadline(o string) string {
	switch o {
	case catalog.InScope:
		return "In scope: the law applies to this product."
	case catalog.Excepted:
		return "Excepted: the law does not apply to this product."
	case catalog.NotConnectable:
		return "Not a connectable product: the law does not apply to it."
	case catalog.NotUKConsumer:
		return "Not a UK consumer product: the duties that attach to UK consumer connectable products do not apply to it."
	case catalog.NeedsReview:
		return "Needs legal review: psti cannot decide on what is known."
	}
	return o
}
