package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

// testAssessments: a row is created on its first save and changed with
// its revision, a stale revision (0 for a row someone else created
// first) is refused, every change is in the audit trail; evidence is kept
// in pieces with its SHA-256, read back byte for byte, archived but never
// deleted or changed (the database refuses); the latest finished audit of
// each batch and the policy's log entry are found.
func testAssessments(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	other := &product.Product{BrandID: s.Brand.ID, Name: "Lamp", Type: "lamp", ModelNumber: "L-1"}
	must(t, db.CreateProduct(ctx, editor, other))

	rows, err := db.AssessmentRows(ctx, s.Product.ID, other.ID)
	must(t, err)
	if len(rows) != 0 {
		t.Fatalf("rows before any save: %v", rows)
	}
	r := &assessment.Row{ProductID: s.Product.ID, Requirement: "PSTI-PW-01", Route: assessment.RouteLabel, LabelScheme: "sg-cls",
		LabelID: "CSA/010125/0001", LabelExpires: "2028-01-01", Status: assessment.StatusInProgress, Note: "Label applied for."}
	must(t, db.SaveAssessmentRow(ctx, editor, r))
	if r.ID == 0 || r.Revision != 1 || r.UpdatedBy != editor.Label || r.UpdatedAt == nil {
		t.Fatalf("created row %+v", r)
	}
	// Someone who read the row before it was saved is told.
	stale := &assessment.Row{ProductID: s.Product.ID, Requirement: "PSTI-PW-01", Route: assessment.RouteDirect, Status: assessment.StatusMet}
	if err := db.SaveAssessmentRow(ctx, editor, stale); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("save over a row created since: %v", err)
	}
	r.Status, r.Note = assessment.StatusMet, "Label granted."
	must(t, db.SaveAssessmentRow(ctx, editor, r))
	if r.Revision != 2 {
		t.Fatalf("revision after a change: %d", r.Revision)
	}
	r.Revision = 1
	if err := db.SaveAssessmentRow(ctx, editor, r); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("save with a stale revision: %v", err)
	}
	other1 := &assessment.Row{ProductID: other.ID, Requirement: "PSTI-VR-02", Route: assessment.RouteDirect, Status: assessment.StatusNotApplicable, Reason: "Sold only with the hub."}
	must(t, db.SaveAssessmentRow(ctx, editor, other1))
	if err := db.SaveAssessmentRow(ctx, editor, &assessment.Row{ProductID: 99999, Requirement: "PSTI-PW-01", Route: "direct", Status: "met"}); psti.ErrorCode(err) != psti.EINVALID {
		t.Fatalf("row of no product: %v", err)
	}
	rows, err = db.AssessmentRows(ctx, s.Product.ID, other.ID)
	must(t, err)
	if len(rows[s.Product.ID]) != 1 || len(rows[other.ID]) != 1 {
		t.Fatalf("rows by product: %v", rows)
	}
	got := rows[s.Product.ID][0]
	if got.Status != assessment.StatusMet || got.LabelExpires != "2028-01-01" || got.LabelScheme != "sg-cls" || got.Note != "Label granted." || got.Revision != 2 {
		t.Fatalf("read back %+v", got)
	}
	if rows[other.ID][0].Reason != "Sold only with the hub." {
		t.Fatalf("reason %+v", rows[other.ID][0])
	}
	// Every change is kept: the audit trail has the creation and the
	// change, with the row before and after.
	trail, err := db.Audit(ctx, psti.AuditFilter{Entity: "assessment", EntityID: r.ID})
	must(t, err)
	if len(trail) != 2 || trail[0].Action != psti.ActionUpdate || !strings.Contains(string(trail[0].Before), "in_progress") || !strings.Contains(string(trail[0].After), `"met"`) {
		t.Fatalf("audit trail %+v", trail)
	}
	// The database itself refuses a label route without its expiry.
	c := raw(t, db)
	if _, err := c.ExecContext(ctx, fmt.Sprintf(`UPDATE assessments SET label_expires = '' WHERE id = %d`, r.ID)); err == nil {
		t.Fatal("the database kept a label route without its expiry date")
	}

	// Evidence: more than one piece, read back byte for byte.
	data := bytes.Repeat([]byte("evidence "), 300000) // 2.7 MB: three pieces
	sum := sha256.Sum256(data)
	e := &assessment.Evidence{ProductID: s.Product.ID, Requirement: "PSTI-PW-01", Name: "label.pdf", MediaType: "application/pdf",
		Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Content: bytes.NewReader(data)}
	must(t, db.AddEvidence(ctx, editor, e))
	short := &assessment.Evidence{ProductID: s.Product.ID, Requirement: "PSTI-PW-01", Name: "x", MediaType: "text/plain", Size: 10, SHA256: "x", Content: strings.NewReader("abc")}
	if err := db.AddEvidence(ctx, editor, short); err == nil {
		t.Fatal("kept a file shorter than described")
	}
	files, err := db.EvidenceOf(ctx, s.Product.ID, other.ID)
	must(t, err)
	if len(files[s.Product.ID]) != 1 || files[s.Product.ID][0].SHA256 != e.SHA256 || files[s.Product.ID][0].Size != e.Size || len(files[other.ID]) != 0 {
		t.Fatalf("evidence listed %v", files)
	}
	var out bytes.Buffer
	must(t, db.WriteEvidence(ctx, s.Product.ID, e.ID, &out))
	if !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("evidence read back: %d bytes, want %d", out.Len(), len(data))
	}
	if _, err := db.Evidence(ctx, other.ID, e.ID); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("evidence through another product: %v", err)
	}
	must(t, db.ArchiveEvidence(ctx, editor, s.Product.ID, e.ID, true))
	got1, err := db.Evidence(ctx, s.Product.ID, e.ID)
	must(t, err)
	if got1.ArchivedAt == nil {
		t.Fatal("not archived")
	}
	for _, q := range []string{
		fmt.Sprintf(`DELETE FROM assessment_evidence_chunks WHERE evidence_id = %d`, e.ID),
		fmt.Sprintf(`UPDATE assessment_evidence_chunks SET data = data WHERE evidence_id = %d`, e.ID),
		fmt.Sprintf(`UPDATE assessment_evidence SET sha256 = 'forged' WHERE id = %d`, e.ID),
		fmt.Sprintf(`DELETE FROM assessment_evidence WHERE id = %d`, e.ID),
	} {
		if _, err := c.ExecContext(ctx, q); err == nil {
			t.Fatalf("the database allowed %s", q)
		}
	}
	trail, err = db.Audit(ctx, psti.AuditFilter{Entity: "assessment_evidence", EntityID: e.ID})
	must(t, err)
	if len(trail) != 2 || trail[0].Action != psti.ActionArchive || !strings.Contains(string(trail[1].After), e.SHA256) {
		t.Fatalf("evidence audit trail %+v", trail)
	}

	// psti's own records: the latest finished audit of each batch.
	batch := &product.Batch{ProductID: s.Product.ID, Code: "B-7", Quantity: 10}
	must(t, db.CreateBatch(ctx, editor, batch))
	for _, verdict := range []string{"fail", "pass", ""} {
		run := &passwords.Run{BatchID: batch.ID, FileName: "b.csv", FileBytes: 10, CreatedBy: "test"}
		must(t, db.CreateRun(ctx, editor, run))
		if verdict == "" {
			continue // still queued: not finished
		}
		run.State, run.Verdict, run.Report = passwords.RunDone, verdict, &passwords.Report{Verdict: verdict, Rows: 1, Audited: 1}
		must(t, db.FinishRun(ctx, editor, run))
	}
	latest, err := db.LatestAudits(ctx, s.Product.ID)
	must(t, err)
	if len(latest) != 1 || latest[batch.ID] == nil || latest[batch.ID].Verdict != "pass" || latest[batch.ID].Report == nil {
		t.Fatalf("latest audits %+v", latest)
	}
	if none, err := db.LatestAudits(ctx, other.ID); err != nil || len(none) != 0 {
		t.Fatalf("latest audits of a product without batches: %v %v", none, err)
	}
	// The policy's log entry, when the log is open.
	if idx, err := db.PolicyLogIndex(ctx, s.Org.ID, 1); err != nil || idx != nil {
		t.Fatalf("log entry of no policy: %v %v", idx, err)
	}
	must(t, db.OpenLog(ctx, store.LogOptions{Secret: []byte("the log key secret of the test"), Origin: "psti.test/log"}))
	must(t, db.SavePolicy(ctx, editor, disclosure.DefaultPolicy(s.Org.ID)))
	if idx, err := db.PolicyLogIndex(ctx, s.Org.ID, 1); err != nil || idx == nil {
		t.Fatalf("log entry of the policy: %v %v", idx, err)
	}
}
