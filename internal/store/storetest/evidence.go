package storetest

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/assessment/pack"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/support"
)

// What a reporter sent, which no evidence pack may hold (PSTI-VR: the
// record of report handling is counts and dates only).
var ReporterData = []string{"zq-reporter-7f3a@example.net", "Zq Distinctive Reporter", "zq-secret-details-9b1c", "zq-summary-5d2e"}

// A password an audit's evidence quotes, which no evidence pack may hold.
const QuotedPassword = "zq-hunter2-password"

// SeedEvidence records, for seed's product, on db with its log open, what
// an evidence pack holds: a disclosure policy, two reports (one with the
// reporter data above, acknowledged and updated), a finished password
// audit whose evidence quotes a password, a support period published and
// extended, and a statement of compliance issued with real, signed
// renderings.
func SeedEvidence(t testing.TB, db *store.DB, seed *Seed) {
	t.Helper()
	ctx := context.Background()
	a := psti.System("test")
	must(t, db.SavePolicy(ctx, a, disclosure.DefaultPolicy(seed.Org.ID)))
	decider := &scope.Service{Store: db, Clock: psti.SystemClock{}}
	if _, err := decider.Record(ctx, a, seed.Product.ID, catalog.Values{"ip_internet": true, "uk_consumers": true, "condition": "new", "category": "other", "northern_ireland_windsor": false}); err != nil {
		t.Fatal(err)
	}
	assessments := &assessment.Service{Store: db, Records: db, Clock: psti.SystemClock{}}
	if _, err := assessments.AddEvidence(ctx, a, seed.Product.ID, "PSTI-PW-01", "generator-review.txt", "text/plain",
		strings.NewReader("How the factory makes each unit's password.\n")); err != nil {
		t.Fatal(err)
	}
	reports := &disclosure.Service{Store: db, Register: db, Clock: psti.SystemClock{}, BaseURL: "http://psti.test"}
	rep, _, err := reports.Submit(ctx, disclosure.Submission{Summary: ReporterData[3], Details: ReporterData[2], ProductID: seed.Product.ID,
		ContactEmail: ReporterData[0], Credit: ReporterData[1]})
	must(t, err)
	_, err = reports.Act(ctx, a, rep.ID, disclosure.Action{Kind: "acknowledge", Body: "Thanks " + ReporterData[1]})
	must(t, err)
	_, err = reports.Act(ctx, a, rep.ID, disclosure.Action{Kind: "update", Status: disclosure.StatusInvestigating, Body: "Looking at " + ReporterData[2]})
	must(t, err)
	_, _, err = reports.Submit(ctx, disclosure.Submission{Summary: "Second report", Details: "Another issue.", ProductID: seed.Product.ID})
	must(t, err)

	batch := &product.Batch{ProductID: seed.Product.ID, Code: "B-2026-01", Quantity: 10}
	must(t, db.CreateBatch(ctx, a, batch))
	run := &passwords.Run{BatchID: batch.ID, FileName: "b.csv", FileBytes: 10, CreatedBy: "test"}
	must(t, db.CreateRun(ctx, a, run))
	found := &passwords.Report{Verdict: "fail", Rows: 1, Audited: 1, Flagged: 1}
	for _, rl := range passwords.Rules {
		rr := passwords.RuleResult{Rule: rl, Status: "passed", Examples: []passwords.Example{}}
		if rl.ID == "DP-01" {
			rr.Status, rr.Count = "flagged", 1
			rr.Examples = []passwords.Example{{Line: 2, Serial: "SN-1", Evidence: "the password " + QuotedPassword + " is a default"}}
		}
		found.Rules = append(found.Rules, rr)
	}
	run.State, run.Verdict, run.Report = passwords.RunDone, found.Verdict, found
	must(t, db.FinishRun(ctx, a, run))

	period := &support.Period{ProductID: seed.Product.ID, EndDate: "2030-03-31"}
	must(t, db.CreatePeriod(ctx, a, period))
	_, err = db.PublishPeriod(ctx, a, period.ID, 0)
	must(t, err)

	now := time.Now()
	signer, err := statement.SelfSigned("Acme statements", "Acme Devices Ltd", now.Add(-time.Hour), 365*24*time.Hour, nil)
	must(t, err)
	soc := &statement.Record{ProductID: seed.Product.ID, Content: StatementContent()}
	must(t, db.CreateStatement(ctx, a, soc))
	rs, err := statement.Renderings(&soc.Content, soc.Number, soc.Version, "http://psti.test/statements/"+soc.Number+"/1", signer, now)
	must(t, err)
	_, err = db.IssueStatement(ctx, a, soc.ID, rs)
	must(t, err)
	_, err = db.ExtendPeriod(ctx, a, period.ID, "2031-03-31", "Parts supply secured.")
	must(t, err)
}

// testEvidencePack: the store gathers a product's evidence pack from its
// records, the pack verifies, and no reporter data or password is in it.
func testEvidencePack(t *testing.T, b Backend) {
	ctx := context.Background()
	db, _ := Open(t, b)
	openLog(t, db)
	seed := NewSeed(t, db)
	SeedEvidence(t, db, seed)
	in, err := db.EvidencePack(ctx, seed.Product.ID, time.Now())
	must(t, err)
	if len(in.EvidenceFiles) != 1 || string(in.EvidenceFiles[0].Data) != "How the factory makes each unit's password.\n" {
		t.Errorf("the pack's evidence files: %d", len(in.EvidenceFiles))
	}
	if in.Assessment == nil || !strings.Contains(string(in.Assessment.Data), `"PSTI-PW-01"`) || !strings.Contains(in.Assessment.Summary, "requirements") {
		t.Errorf("the pack's assessment: %+v", in.Assessment)
	}
	if in.Scope == nil || !strings.Contains(string(in.Scope.Data), `"outcome": "in_scope"`) || !strings.Contains(in.Scope.Summary, "in scope") {
		t.Errorf("the pack's scope decision: %+v", in.Scope)
	}
	h := in.Handling
	if h == nil || h.Reports != 2 || h.ByStatus[disclosure.StatusInvestigating] != 1 || h.ByStatus[disclosure.StatusReceived] != 1 ||
		h.AckOnTime != 1 || h.AckPending != 1 || h.UpdatesOnTime != 1 {
		t.Errorf("report handling %+v: want 2 reports, one acknowledged and updated on time, one awaiting acknowledgement", h)
	}
	if len(in.PasswordAudits) != 1 || len(in.Periods) != 1 || len(in.Statements) != 1 || len(in.Statements[0].Renderings) != 4 || in.Policy == nil {
		t.Fatalf("gathered %d audits, %d periods, %d statements, policy %v", len(in.PasswordAudits), len(in.Periods), len(in.Statements), in.Policy != nil)
	}
	// Policy, publication, extension, statement.
	if in.Log == nil || len(in.Log.Entries) != 4 {
		t.Fatalf("log: %+v, want 4 entries", in.Log)
	}
	data, err := pack.Build(in)
	must(t, err)
	again, err := db.EvidencePack(ctx, seed.Product.ID, time.Now())
	must(t, err)
	if data2, err := pack.Build(again); err != nil || !bytes.Equal(data, data2) {
		t.Errorf("two packs of the same records differ (%v)", err)
	}
	key, err := db.LogVerifier(ctx)
	must(t, err)
	r, err := pack.Verify(data, []string{key})
	must(t, err)
	if !r.OK() || r.Entries != 4 || len(r.Statements) != 2 || r.History != 2 {
		t.Errorf("the pack does not verify: %+v", r)
	}
	for _, s := range append(ReporterData, QuotedPassword) {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("the pack holds %q", s)
		}
	}
	// The zip is compressed: look in every file too.
	for _, f := range unzipped(t, data) {
		for _, s := range append(ReporterData, QuotedPassword) {
			if strings.Contains(f, s) {
				t.Errorf("a file of the pack holds %q", s)
			}
		}
	}
}

// unzipped returns the content of every file of a zip.
func unzipped(t testing.TB, data []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var out []string
	for _, f := range zr.File {
		rc, err := f.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		rc.Close()
		must(t, err)
		out = append(out, string(b))
	}
	return out
}
