package assessment

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/support"
)

var now = time.Date(2027, 6, 15, 12, 0, 0, 0, time.UTC)

func req(t *testing.T, id string) catalog.Requirement {
	t.Helper()
	r := catalog.DefaultCatalogue().Requirement(id)
	if r == nil {
		t.Fatalf("no requirement %s", id)
	}
	return *r
}

func ptr[T any](v T) *T { return &v }

func passedRun(code string) BatchAudit {
	fin := now.Add(-48 * time.Hour)
	return BatchAudit{BatchID: 1, BatchCode: code, Run: &passwords.Run{ID: 11, State: passwords.RunDone, Outcome: "pass", FinishedAt: &fin,
		Report: &passwords.Report{Verdict: "pass", Audited: 100}}}
}

// failedRun is an audit whose DP-05 (counters, PSTI-PW-02) flagged 3 rows.
func failedRun(code string) BatchAudit {
	rep := &passwords.Report{Verdict: "fail", Audited: 100, Flagged: 3}
	for _, rl := range passwords.Rules {
		rr := passwords.RuleResult{Rule: rl, Status: "passed"}
		if rl.ID == "DP-05" {
			rr.Status, rr.Count = "flagged", 3
		}
		rep.Rules = append(rep.Rules, rr)
	}
	return BatchAudit{BatchID: 7, BatchCode: code, Run: &passwords.Run{ID: 12, State: passwords.RunDone, Outcome: "fail", Report: rep}}
}

func publishedPeriod() *support.Period {
	at := now.AddDate(-1, 0, 0)
	return &support.Period{ID: 3, ProductID: 1, EndDate: "2030-03-31", Status: support.StatusPublished, FirstPublishedAt: &at, LogIndex: ptr(int64(4711))}
}

func TestEvaluate(t *testing.T) {
	label := func(expires string, status string) Row {
		return Row{Route: RouteLabel, LabelScheme: statement.SchemeSGCLS, LabelID: "CSA/010125/0001", LabelExpires: expires, Status: status}
	}
	file := []*Evidence{{ID: 1, Name: "test-report.pdf", SHA256: "ab"}}
	archived := []*Evidence{{ID: 1, Name: "old.pdf", ArchivedAt: ptr(now)}}
	tests := []struct {
		name      string
		req       string
		row       Row
		facts     Facts
		files     []*Evidence
		effective string
		light     string
		basis     string
		text      string // in Text
		warning   string // in Warning
	}{
		{"not started, nothing recorded", "PSTI-PW-01", Row{Route: RouteDirect, Status: StatusNotStarted}, Facts{}, nil,
			EffNotStarted, Red, "", "Passwords: no batch recorded", ""},
		{"not started, a batch never audited", "PSTI-PW-01", Row{Route: RouteDirect, Status: StatusNotStarted}, Facts{Batches: []BatchAudit{{BatchCode: "B-7"}}}, nil,
			EffNotStarted, Red, "", "no password audit of batch B-7", ""},
		{"met by proof: the audit passed", "PSTI-PW-02", Row{Route: RouteDirect, Status: StatusNotStarted}, Facts{Batches: []BatchAudit{passedRun("B-6")}}, nil,
			EffMet, Green, "proof", "shown by psti's records", ""},
		{"audit found problems, status says met: not met", "PSTI-PW-02", Row{Route: RouteDirect, Status: StatusMet}, Facts{Batches: []BatchAudit{failedRun("B-7")}}, nil,
			EffNotMet, Red, "", "Passwords: audit of batch B-7 found 3 problems", ""},
		{"audit failed on another requirement: this one is shown", "PSTI-PW-03", Row{Route: RouteDirect}, Facts{Batches: []BatchAudit{failedRun("B-7")}}, nil,
			EffMet, Green, "proof", "shown by psti's records", ""},
		{"one of two batches unaudited: no proof", "PSTI-PW-01", Row{Route: RouteDirect}, Facts{Batches: []BatchAudit{passedRun("B-6"), {BatchID: 8, BatchCode: "B-8"}}}, nil,
			EffNotStarted, Red, "", "", ""},
		{"an audit that checked nothing proves nothing (PSTI-PW-06)", "PSTI-PW-01", Row{Route: RouteDirect},
			Facts{Batches: []BatchAudit{{BatchCode: "B-9", Run: &passwords.Run{ID: 3, Outcome: "pass", Report: &passwords.Report{Verdict: "pass"}}}}}, nil,
			EffNotStarted, Red, "", "checked no password", ""},
		{"in progress", "PSTI-DSP-04", Row{Route: RouteDirect, Status: StatusInProgress, Note: "Shop pages being changed."}, Facts{}, nil,
			EffInProgress, Amber, "", "Support period: in progress: Shop pages being changed.", ""},
		{"in progress outweighs proof", "PSTI-VR-02", Row{Route: RouteDirect, Status: StatusInProgress}, Facts{Policy: &PolicyFact{UpdatedAt: now}}, nil,
			EffInProgress, Amber, "", "in progress", ""},
		{"met with a file", "PSTI-DSP-04", Row{Route: RouteDirect, Status: StatusMet}, Facts{}, file,
			EffMet, Green, "evidence", "1 evidence file kept", ""},
		{"met with a note only: a claim", "PSTI-DSP-04", Row{Route: RouteDirect, Status: StatusMet, Note: "See the shop."}, Facts{}, nil,
			EffMet, Amber, "claim", "note only", ""},
		{"met with nothing: unsupported", "PSTI-DSP-04", Row{Route: RouteDirect, Status: StatusMet}, Facts{}, nil,
			EffMet, Amber, "unsupported", "no proof, file or note", ""},
		{"met with only an archived file: unsupported", "PSTI-DSP-04", Row{Route: RouteDirect, Status: StatusMet}, Facts{}, archived,
			EffMet, Amber, "unsupported", "", ""},
		{"not applicable", "PSTI-DSP-04", Row{Route: RouteDirect, Status: StatusNotApplicable, Reason: "Not sold on our own website."}, Facts{}, nil,
			EffNotApplicable, Green, "", "not applicable: Not sold on our own website.", ""},
		{"reporting policy published: met by proof", "PSTI-VR-03", Row{Route: RouteDirect}, Facts{Policy: &PolicyFact{UpdatedAt: now, LogIndex: ptr(int64(12))}}, nil,
			EffMet, Green, "proof", "", ""},
		{"no policy", "PSTI-VR-03", Row{Route: RouteDirect}, Facts{}, nil,
			EffNotStarted, Red, "", "Reporting security issues: security policy not published yet", ""},
		{"support period published: met by proof", "PSTI-DSP-01", Row{Route: RouteDirect}, Facts{Period: publishedPeriod()}, nil,
			EffMet, Green, "proof", "", ""},
		{"support period a draft", "PSTI-DSP-01", Row{Route: RouteDirect}, Facts{Draft: true}, nil,
			EffNotStarted, Red, "", "Support period: still a draft", ""},
		{"no support period", "PSTI-DSP-03", Row{Route: RouteDirect}, Facts{}, nil,
			EffNotStarted, Red, "", "Support period: not published yet", ""},
		{"never shortened: support history", "PSTI-DSP-05", Row{Route: RouteDirect}, Facts{Period: publishedPeriod()}, nil,
			EffMet, Green, "proof", "", ""},
		{"label current, far from expiry", "PSTI-PW-01", label("2029-01-01", StatusMet), Facts{}, file,
			EffMet, Green, "evidence", "", ""},
		{"label expiring within the window: met, warned", "PSTI-PW-01", label("2027-08-01", StatusMet), Facts{}, file,
			EffMet, Amber, "evidence", "label expires on 1 August 2027", "expires on 1 August 2027"},
		{"label expires today: still valid", "PSTI-PW-01", label("2027-06-15", StatusMet), Facts{}, file,
			EffMet, Amber, "evidence", "", "expires on 15 June 2027"},
		// PSTI-DC-05: the route lapses when the label expires.
		{"label expired yesterday: lapsed", "PSTI-PW-01", label("2027-06-14", StatusMet), Facts{}, file,
			EffNotMet, Red, "", "label expired on 14 June 2027", "no longer deems"},
		{"label expired, even with passing audits", "PSTI-PW-01", label("2027-06-14", StatusMet), Facts{Batches: []BatchAudit{passedRun("B-6")}}, nil,
			EffNotMet, Red, "", "label expired", ""},
		{"label route: a failed audit does not outweigh the label", "PSTI-PW-02", label("2029-01-01", StatusMet), Facts{Batches: []BatchAudit{failedRun("B-7")}}, file,
			EffMet, Green, "evidence", "", ""},
		// PSTI-DC-01: ETSI 5.1-1 and 5.1-2 ask what the audit checks, so
		// the provision route does not outweigh a failed audit.
		{"provision route: a failed audit outweighs the claim", "PSTI-PW-02", Row{Route: RouteProvision, Standard: "ETSI EN 303 645 V2.1.1", Provisions: "5.1-1, 5.1-2", Status: StatusMet}, Facts{Batches: []BatchAudit{failedRun("B-7")}}, file,
			EffNotMet, Red, "", "found", ""},
		{"not applicable does not outweigh a failed audit", "PSTI-PW-02", Row{Route: RouteDirect, Status: StatusNotApplicable, Reason: "No passwords."}, Facts{Batches: []BatchAudit{failedRun("B-7")}}, nil,
			EffNotMet, Red, "", "marked not applicable, but", ""},
		{"provision route met with a file", "PSTI-VR-02", Row{Route: RouteProvision, Standard: "ISO/IEC 29147:2018", Provisions: "6.2.2, 6.2.5, 6.5", Status: StatusMet}, Facts{}, file,
			EffMet, Green, "evidence", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := Evaluate(req(t, tc.req), tc.row, tc.facts, tc.files, now, DefaultWarning)
			if it.Effective != tc.effective || it.Light != tc.light || it.Basis != tc.basis {
				t.Fatalf("effective %s light %s basis %q (%s), want %s %s %q", it.Effective, it.Light, it.Basis, it.Text, tc.effective, tc.light, tc.basis)
			}
			if !strings.Contains(it.Text, tc.text) {
				t.Errorf("text %q, want it to contain %q", it.Text, tc.text)
			}
			if !strings.Contains(it.Warning, tc.warning) || (tc.warning == "" && it.Warning != "" && it.Effective != EffNotMet) {
				t.Errorf("warning %q, want %q", it.Warning, tc.warning)
			}
			if it.Done() != (tc.effective == EffMet || tc.effective == EffNotApplicable) {
				t.Errorf("done %v", it.Done())
			}
			if it.Symbol() == "" {
				t.Error("no symbol beside the light")
			}
		})
	}
}

// The proof names where it comes from: the audit's report page, the
// policy's and the period's log entries.
func TestProofs(t *testing.T) {
	it := Evaluate(req(t, "PSTI-PW-02"), *Blank(1, "PSTI-PW-02"), Facts{Batches: []BatchAudit{failedRun("B-7")}}, nil, now, DefaultWarning)
	if len(it.Proofs) != 1 || it.Proofs[0].Href != "/admin/password-audits/12" || it.Proofs[0].Shows {
		t.Fatalf("audit proof %+v", it.Proofs)
	}
	it = Evaluate(req(t, "PSTI-DSP-01"), *Blank(1, "PSTI-DSP-01"), Facts{Period: publishedPeriod()}, nil, now, DefaultWarning)
	if len(it.Proofs) != 1 || !strings.Contains(it.Proofs[0].Text, "logged at entry 4711") || !strings.Contains(it.Proofs[0].Text, "31 March 2030") {
		t.Fatalf("period proof %+v", it.Proofs)
	}
	p := publishedPeriod()
	p.Extensions = []support.Extension{{PreviousEndDate: "2030-03-31", EndDate: "2031-03-31", At: now, LogIndex: ptr(int64(4800))}}
	it = Evaluate(req(t, "PSTI-DSP-02"), *Blank(1, "PSTI-DSP-02"), Facts{Period: p}, nil, now, DefaultWarning)
	if len(it.Proofs) != 1 || !strings.Contains(it.Proofs[0].Text, "entry 4800") || !strings.Contains(it.Proofs[0].Text, "never shortened") {
		t.Fatalf("history proof %+v", it.Proofs)
	}
	// DSP-04 (the manufacturer's own shop) is never proved by psti.
	it = Evaluate(req(t, "PSTI-DSP-04"), *Blank(1, "PSTI-DSP-04"), Facts{Period: p, Policy: &PolicyFact{}}, nil, now, DefaultWarning)
	if len(it.Proofs) != 0 || it.Done() {
		t.Fatalf("DSP-04 %+v", it)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		req   string
		row   Row
		field string // "" for valid
	}{
		{"direct, not started", "PSTI-PW-01", Row{Route: RouteDirect, Status: StatusNotStarted}, ""},
		{"no route", "PSTI-PW-01", Row{Status: StatusMet}, "route"},
		{"unknown status", "PSTI-PW-01", Row{Route: RouteDirect, Status: "done"}, "status"},
		{"not applicable without a reason", "PSTI-DSP-04", Row{Route: RouteDirect, Status: StatusNotApplicable, Reason: "  "}, "reason"},
		{"not applicable with a reason", "PSTI-DSP-04", Row{Route: RouteDirect, Status: StatusNotApplicable, Reason: "No shop."}, ""},
		{"provision: ETSI for passwords", "PSTI-PW-01", Row{Route: RouteProvision, Standard: "ETSI EN 303 645 V2.1.1", Provisions: "5.1-1", Status: StatusMet}, ""},
		{"provision: ISO 29147 for passwords", "PSTI-PW-01", Row{Route: RouteProvision, Standard: "ISO/IEC 29147:2018", Provisions: "6.2.2", Status: StatusMet}, "standard"},
		{"provision: ISO 29147 for reporting", "PSTI-VR-02", Row{Route: RouteProvision, Standard: "ISO/IEC 29147:2018", Provisions: "6.2.2, 6.2.5 and 6.5", Status: StatusMet}, ""},
		// PSTI-DC-02: the ISO route is clauses 6.2.2, 6.2.5 and 6.5 together.
		{"provision: ISO 29147 with one clause of three", "PSTI-VR-02", Row{Route: RouteProvision, Standard: "ISO/IEC 29147:2018", Provisions: "6.2.2", Status: StatusMet}, "provisions"},
		// PSTI-DC-01, DC-03: the provision Schedule 2 names, not another.
		{"provision: ETSI reporting provision for passwords", "PSTI-PW-01", Row{Route: RouteProvision, Standard: "ETSI EN 303 645 V2.1.1", Provisions: "5.2-1", Status: StatusMet}, "provisions"},
		{"provision: ETSI 5.3-1 is not 5.3-13", "PSTI-DSP-01", Row{Route: RouteProvision, Standard: "ETSI EN 303 645", Provisions: "5.3-1", Status: StatusMet}, "provisions"},
		{"provision: ETSI 5.3-13 for the support period", "PSTI-DSP-01", Row{Route: RouteProvision, Standard: "ETSI EN 303 645", Provisions: "provision 5.3-13.", Status: StatusMet}, ""},
		{"provision without provisions", "PSTI-VR-02", Row{Route: RouteProvision, Standard: "ETSI EN 303 645", Status: StatusMet}, "provisions"},
		{"provision naming a label", "PSTI-VR-02", Row{Route: RouteProvision, Standard: "JC-STAR STAR-1", Provisions: "label", Status: StatusMet}, "standard"},
		{"label", "PSTI-DSP-01", Row{Route: RouteLabel, LabelScheme: statement.SchemeJCStar, LabelID: "J-1", LabelExpires: "2028-01-31", Status: StatusMet}, ""},
		{"label without expiry (PSTI-DC-05)", "PSTI-DSP-01", Row{Route: RouteLabel, LabelScheme: statement.SchemeJCStar, LabelID: "J-1", Status: StatusMet}, "label_expires"},
		{"label with a bad expiry", "PSTI-DSP-01", Row{Route: RouteLabel, LabelScheme: statement.SchemeJCStar, LabelID: "J-1", LabelExpires: "31/01/2028", Status: StatusMet}, "label_expires"},
		{"label of another scheme", "PSTI-DSP-01", Row{Route: RouteLabel, LabelScheme: "ce", LabelID: "J-1", LabelExpires: "2028-01-31", Status: StatusMet}, "label_scheme"},
		{"label without its number", "PSTI-DSP-01", Row{Route: RouteLabel, LabelScheme: statement.SchemeSGCLS, LabelExpires: "2028-01-31", Status: StatusMet}, "label_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := req(t, tc.req)
			err := tc.row.Validate(&r)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v %v", err, psti.ErrorFields(err))
				}
				return
			}
			fields := psti.ErrorFields(err)
			found := false
			for _, f := range fields {
				found = found || f.Field == tc.field
			}
			if !found {
				t.Fatalf("problems %v, want one on %s", fields, tc.field)
			}
		})
	}
	// A requirement that is not assessed has no row.
	if err := (&Row{Route: RouteDirect, Status: StatusMet}).Validate(&catalog.Requirement{ID: "PSTI-X-01"}); err == nil {
		t.Fatal("a row for a requirement not assessed")
	}
}

// fake is a store and the records in memory.
type fake struct {
	rows   map[int64][]*Row
	files  map[int64][]*Evidence
	data   map[int64][]byte
	policy *disclosure.Policy
	period *support.Period
}

func newFake() *fake {
	return &fake{rows: map[int64][]*Row{}, files: map[int64][]*Evidence{}, data: map[int64][]byte{}}
}

func (f *fake) AssessmentRows(_ context.Context, ids ...int64) (map[int64][]*Row, error) {
	out := map[int64][]*Row{}
	for _, id := range ids {
		out[id] = f.rows[id]
	}
	return out, nil
}

func (f *fake) SaveAssessmentRow(_ context.Context, a psti.Actor, r *Row) error {
	for _, x := range f.rows[r.ProductID] {
		if x.Requirement == r.Requirement {
			if x.Revision != r.Revision {
				return psti.Errorf(psti.ECONFLICT, "changed")
			}
			r.Revision++
			*x = *r
			return nil
		}
	}
	if r.Revision != 0 {
		return psti.Errorf(psti.ECONFLICT, "changed")
	}
	r.Revision = 1
	c := *r
	f.rows[r.ProductID] = append(f.rows[r.ProductID], &c)
	return nil
}

func (f *fake) AddEvidence(_ context.Context, a psti.Actor, e *Evidence) error {
	e.ID = int64(len(f.data) + 1)
	b, _ := io.ReadAll(e.Content)
	f.data[e.ID] = b
	f.files[e.ProductID] = append(f.files[e.ProductID], e)
	return nil
}

func (f *fake) EvidenceOf(_ context.Context, ids ...int64) (map[int64][]*Evidence, error) {
	out := map[int64][]*Evidence{}
	for _, id := range ids {
		out[id] = f.files[id]
	}
	return out, nil
}

func (f *fake) Evidence(context.Context, int64, int64) (*Evidence, error)             { return nil, nil }
func (f *fake) WriteEvidence(context.Context, int64, int64, io.Writer) error          { return nil }
func (f *fake) ArchiveEvidence(context.Context, psti.Actor, int64, int64, bool) error { return nil }

func (f *fake) Product(_ context.Context, id int64) (*product.Product, error) {
	if id != 1 {
		return nil, psti.NotFound("product", id)
	}
	return &product.Product{Record: psti.Record{ID: 1}, BrandID: 2, ModelNumber: "DB-200"}, nil
}
func (f *fake) Brand(context.Context, int64) (*product.Brand, error) {
	return &product.Brand{Record: psti.Record{ID: 2}, OrganisationID: 3}, nil
}
func (f *fake) Batches(context.Context, product.Filter) ([]*product.Batch, error) { return nil, nil }
func (f *fake) LatestAudits(context.Context, int64) (map[int64]*passwords.Run, error) {
	return nil, nil
}
func (f *fake) Policy(context.Context, int64) (*disclosure.Policy, error) {
	if f.policy == nil {
		return nil, psti.Errorf(psti.ENOTFOUND, "no policy")
	}
	return f.policy, nil
}
func (f *fake) PolicyLogIndex(context.Context, int64, int64) (*int64, error) {
	return ptr(int64(5)), nil
}
func (f *fake) Periods(context.Context, support.Filter) ([]*support.Period, error) {
	if f.period == nil {
		return nil, nil
	}
	return []*support.Period{f.period}, nil
}

type fixed time.Time

func (c fixed) Now() time.Time { return time.Time(c) }

func service(f *fake) *Service { return &Service{Store: f, Records: f, Clock: fixed(now)} }

// markAll saves every assessed requirement of product 1 as status.
func markAll(t *testing.T, sv *Service, status string) {
	t.Helper()
	for _, r := range catalog.DefaultCatalogue().Assessed() {
		row := Blank(1, r.ID)
		row.Status, row.Note = status, "Checked."
		if status == StatusNotApplicable {
			row.Reason = "Not sold on our own website."
		}
		if err := sv.Save(context.Background(), psti.System("test"), row); err != nil {
			t.Fatal(err)
		}
	}
}

// Single case: one unmet requirement a statement speaks to is listed, by
// id and title; one that applies only after supply (DSP-02, Act s.9(4))
// is not.
func TestUnmet(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	sv := service(f)
	markAll(t, sv, StatusMet)
	if u, err := sv.Unmet(ctx, 1); err != nil || len(u) != 0 {
		t.Fatalf("all met: %v %v", u, err)
	}
	for _, r := range f.rows[1] {
		if r.Requirement == "PSTI-DSP-02" {
			r.Status = StatusInProgress // not one a statement speaks to
		}
		if r.Requirement == "PSTI-VR-03" {
			r.Status = StatusInProgress
		}
	}
	u, err := sv.Unmet(ctx, 1)
	if err != nil || len(u) != 1 || u[0].ID != "PSTI-VR-03" || u[0].Title != "When reporters hear back" {
		t.Fatalf("one unmet: %v %v", u, err)
	}
	// Not applicable counts as done.
	for _, r := range f.rows[1] {
		if r.Requirement == "PSTI-VR-03" {
			r.Status, r.Reason = StatusNotApplicable, "Reports go to the importer."
		}
	}
	if u, err := sv.Unmet(ctx, 1); err != nil || len(u) != 0 {
		t.Fatalf("not applicable: %v %v", u, err)
	}
	if _, err := sv.Unmet(ctx, 2); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("no product: %v", err)
	}
}

func TestSave(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	sv := service(f)
	if err := sv.Save(ctx, psti.System("t"), &Row{ProductID: 1, Requirement: "PSTI-NOPE", Route: RouteDirect, Status: StatusMet}); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("unknown requirement: %v", err)
	}
	if err := sv.Save(ctx, psti.System("t"), &Row{ProductID: 2, Requirement: "PSTI-PW-01", Route: RouteDirect, Status: StatusMet}); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("unknown product: %v", err)
	}
	if err := sv.Save(ctx, psti.System("t"), &Row{ProductID: 1, Requirement: "PSTI-PW-01", Route: RouteLabel, Status: StatusMet}); psti.ErrorCode(err) != psti.EINVALID {
		t.Fatalf("label without its details: %v", err)
	}
	// Evidence: its SHA-256 is computed, the size bounded.
	e, err := sv.AddEvidence(ctx, psti.System("t"), 1, "PSTI-PW-01", "../report.pdf", "application/pdf", strings.NewReader("hello"))
	if err != nil || e.SHA256 != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" || e.Size != 5 || strings.Contains(e.Name, "/") {
		t.Fatalf("evidence %+v %v", e, err)
	}
	if _, err := sv.AddEvidence(ctx, psti.System("t"), 1, "PSTI-PW-01", "big", "", bytes.NewReader(make([]byte, MaxEvidence+1))); psti.ErrorCode(err) != psti.EINVALID {
		t.Fatalf("too big: %v", err)
	}
	if _, err := sv.AddEvidence(ctx, psti.System("t"), 1, "PSTI-PW-01", "empty", "", strings.NewReader("")); psti.ErrorCode(err) != psti.EINVALID {
		t.Fatalf("empty: %v", err)
	}
}

// The declaration a new draft gets: a paragraph whose rows agree on a
// route, that route; rows that disagree leave it to the person.
func TestClaims(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	sv := service(f)
	save := func(r *Row) {
		t.Helper()
		r.ProductID = 1
		if err := sv.Save(ctx, psti.System("t"), r); err != nil {
			t.Fatal(err, psti.ErrorFields(err))
		}
	}
	for _, id := range []string{"PSTI-PW-01", "PSTI-PW-02"} {
		save(&Row{Requirement: id, Route: RouteLabel, LabelScheme: statement.SchemeJCStar, LabelID: "J-1", LabelExpires: "2029-01-31", Status: StatusMet})
	}
	save(&Row{Requirement: "PSTI-VR-02", Route: RouteProvision, Standard: "ETSI EN 303 645", Provisions: "5.2-1", Status: StatusMet})
	save(&Row{Requirement: "PSTI-VR-03", Route: RouteProvision, Standard: "ETSI EN 303 645 V2.1.1", Provisions: "5.2-1", Status: StatusMet})
	save(&Row{Requirement: "PSTI-DSP-01", Route: RouteDirect, Status: StatusMet})
	save(&Row{Requirement: "PSTI-DSP-03", Route: RouteLabel, LabelScheme: statement.SchemeSGCLS, LabelID: "C-1", LabelExpires: "2029-01-31", Status: StatusMet})
	claims, err := sv.Claims(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(claims) != 2 {
		t.Fatalf("claims %+v: want paragraphs 1 and 2, and 3 left open (its rows disagree)", claims)
	}
	if c := claims[0]; c.Paragraph != 1 || c.Route != statement.RouteDeemed || !strings.Contains(c.Standards[0].Number, "JC-STAR") || !strings.Contains(c.Standards[0].Provisions, "J-1") {
		t.Fatalf("paragraph 1 %+v", c)
	}
	if c := claims[1]; c.Paragraph != 2 || c.Route != statement.RouteDeemed || c.Standards[0].Number != "ETSI EN 303 645" || c.Standards[0].Version != "V2.1.1" ||
		c.Standards[0].Issued != "2020-06" || c.Standards[0].Provisions != "5.2-1" {
		t.Fatalf("paragraph 2 %+v", c)
	}
	// The claims made are ones a statement accepts.
	s := &statement.Statement{Claims: claims}
	s.Claims = append(s.Claims, statement.Claim{Paragraph: 3, Route: statement.RouteRequirement})
	for _, fe := range psti.ErrorFields(s.Validate()) {
		if strings.HasPrefix(fe.Field, "claims") {
			t.Errorf("claim refused: %s: %s", fe.Field, fe.Message)
		}
	}
}
