package statement

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/psti"
)

// assessments is a product's assessment as the statement service sees it.
type assessments struct {
	unmet  []Unmet
	claims []Claim
}

func (a *assessments) Unmet(context.Context, int64) ([]Unmet, error)  { return a.unmet, nil }
func (a *assessments) Claims(context.Context, int64) ([]Claim, error) { return a.claims, nil }

type clockAt time.Time

func (c clockAt) Now() time.Time { return time.Time(c) }

// drafts keeps what Create saves.
type drafts struct {
	Store
	saved *Record
}

func (d *drafts) CreateStatement(_ context.Context, _ psti.Actor, r *Record) error {
	d.saved = r
	return nil
}

// TestProblemsAssessment: one requirement the statement speaks to and
// that the assessment says is unmet (the single case) is a problem of the
// assessment field, naming it by id and title, so the draft is not
// issued; with none unmet there is no such problem.
func TestProblemsAssessment(t *testing.T) {
	ctx := context.Background()
	r := register()
	s, err := Build(ctx, r, request(1, "2027-06-02", 20))
	if err != nil {
		t.Fatal(err, psti.ErrorFields(err))
	}
	rec := &Record{ProductID: 1, Status: StatusDraft, Content: *s}
	a := &assessments{unmet: []Unmet{{ID: "PSTI-VR-03", Title: "When reporters hear back"}}}
	sv := &Service{Records: r, Clock: clockAt(time.Date(2027, 6, 10, 12, 0, 0, 0, time.UTC)), Assessments: a}
	ps, err := sv.Problems(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Field != "assessment" || !strings.Contains(ps[0].Message, "PSTI-VR-03 (When reporters hear back)") {
		t.Fatalf("one unmet requirement: %+v", ps)
	}
	a.unmet = append(a.unmet, Unmet{ID: "PSTI-DSP-04", Title: "Beside the product on the manufacturer's own shop"})
	if ps, _ := sv.Problems(ctx, rec); len(ps) != 1 || !strings.Contains(ps[0].Message, "2 requirements are not met yet") {
		t.Fatalf("two unmet requirements: %+v", ps)
	}
	a.unmet = nil
	if ps, err := sv.Problems(ctx, rec); err != nil || len(ps) != 0 {
		t.Fatalf("every requirement met: %+v %v", ps, err)
	}
	// An issued statement has no problems to list.
	a.unmet = []Unmet{{ID: "PSTI-VR-03", Title: "When reporters hear back"}}
	if ps, _ := sv.Problems(ctx, &Record{ProductID: 1, Status: StatusIssued, Content: *s}); len(ps) != 0 {
		t.Fatalf("issued: %+v", ps)
	}
}

// TestCreatePrefill: a new draft declares each paragraph the request
// leaves out as the assessment does; what the request says stands, and a
// label route record takes nothing.
func TestCreatePrefill(t *testing.T) {
	ctx := context.Background()
	etsi := Standard{Number: "ETSI EN 303 645", Version: "V2.1.1", Issued: "2020-06", Provisions: "5.2-1"}
	a := &assessments{claims: []Claim{{Paragraph: 1, Route: RouteRequirement}, {Paragraph: 2, Route: RouteDeemed, Standards: []Standard{etsi}},
		{Paragraph: 3, Route: RouteRequirement}}}
	d := &drafts{}
	sv := &Service{Store: d, Records: register(), Clock: clockAt(time.Date(2027, 6, 10, 12, 0, 0, 0, time.UTC)), Assessments: a}
	req := request(1, "2027-06-02", 20)
	req.Claims = []Claim{{Paragraph: 3, Route: RouteDeemed, Standards: []Standard{{Number: "ETSI EN 303 645", Version: "V2.1.1", Issued: "2020-06", Provisions: "5.3-13"}}}}
	if _, _, err := sv.Create(ctx, psti.System("t"), req); err != nil {
		t.Fatal(err)
	}
	c := d.saved.Content.Claims
	if len(c) != 3 || c[0].Paragraph != 1 || c[1].Route != RouteDeemed || c[1].Standards[0].Provisions != "5.2-1" || c[2].Standards[0].Provisions != "5.3-13" {
		t.Fatalf("claims %+v", c)
	}
	req = request(1, "2027-06-02", 20)
	req.Claims, req.Label = nil, &Label{Scheme: SchemeJCStar, Level: "STAR-1", Reference: "J-1", Expires: "2029-01-01"}
	if _, _, err := sv.Create(ctx, psti.System("t"), req); err != nil {
		t.Fatal(err)
	}
	if len(d.saved.Content.Claims) != 0 {
		t.Fatalf("a label route record took claims: %+v", d.saved.Content.Claims)
	}
}
