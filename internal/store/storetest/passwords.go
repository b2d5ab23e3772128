package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// testPasswordAudits: runs are created queued against a batch, record
// progress, finish once with their report, and are kept.
func testPasswordAudits(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	batch := &product.Batch{ProductID: s.Product.ID, Code: "B-1"}
	must(t, db.CreateBatch(ctx, editor, batch))

	wantCode(t, db.CreateRun(ctx, editor, &passwords.Run{BatchID: batch.ID + 100, FileName: "x.csv", FileBytes: 1, CreatedBy: editor.Label}), psti.EINVALID, "batch_id")
	if _, err := db.Run(ctx, 424242); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("unknown run: %v", err)
	}

	first := &passwords.Run{BatchID: batch.ID, FileName: "first.csv", FileBytes: 1000, CreatedBy: editor.Label}
	must(t, db.CreateRun(ctx, editor, first))
	if first.ID == 0 || first.State != passwords.RunQueued || !first.CreatedAt.Equal(clock.Now()) {
		t.Fatalf("created run: %+v", first)
	}
	clock.Add(time.Second)
	r := &passwords.Run{BatchID: batch.ID, FileName: "second.csv.gz", FileBytes: 2000, CreatedBy: editor.Label}
	must(t, db.CreateRun(ctx, editor, r))

	// Progress.
	clock.Add(time.Second)
	started := clock.Now()
	r.State, r.StartedAt, r.BytesRead, r.RowsRead = passwords.RunRunning, &started, 500, 40
	must(t, db.UpdateRun(ctx, r))
	got, err := db.Run(ctx, r.ID)
	must(t, err)
	if got.State != passwords.RunRunning || got.BytesRead != 500 || got.RowsRead != 40 || got.StartedAt == nil || !got.StartedAt.Equal(started) ||
		!got.UpdatedAt.Equal(clock.Now()) || got.Report != nil || got.FileName != "second.csv.gz" || got.CreatedBy != editor.Label {
		t.Fatalf("after progress: %+v", got)
	}

	// Finishing keeps the report exactly.
	clock.Add(time.Minute)
	rep := &passwords.Report{Verdict: "fail", Summary: "2 of 40 rows flagged", Rows: 40, Audited: 40, Flagged: 2,
		Rules: []passwords.RuleResult{{Status: "flagged", Count: 2, Examples: []passwords.Example{{Line: 7, Serial: "SN7", Evidence: "MAC→hex"}}}}}
	rep.Rules[0].ID = "DP-06"
	r.State, r.Verdict, r.Report, r.BytesRead, r.RowsRead = passwords.RunDone, "fail", rep, 2000, 40
	must(t, db.FinishRun(ctx, psti.System("password audit"), r))
	got, err = db.Run(ctx, r.ID)
	must(t, err)
	if got.State != passwords.RunDone || got.Verdict != "fail" || got.FinishedAt == nil || !got.FinishedAt.Equal(clock.Now()) ||
		got.Report == nil || got.Report.Summary != rep.Summary || len(got.Report.Rules) != 1 || got.Report.Rules[0].ID != "DP-06" ||
		got.Report.Rules[0].Examples[0].Line != 7 || got.Report.Rules[0].Examples[0].Evidence != "MAC→hex" {
		t.Fatalf("after finishing: %+v report %+v", got, got.Report)
	}
	// A finished run does not change: not by progress, not by finishing again.
	clock.Add(time.Minute)
	r.State, r.BytesRead = passwords.RunRunning, 1
	must(t, db.UpdateRun(ctx, r))
	r.State, r.Verdict = passwords.RunDone, "pass"
	wantCode(t, db.FinishRun(ctx, psti.System("password audit"), r), psti.ECONFLICT, "")
	got, err = db.Run(ctx, r.ID)
	must(t, err)
	if got.State != passwords.RunDone || got.Verdict != "fail" || got.BytesRead != 2000 {
		t.Fatalf("finished run changed: %+v", got)
	}

	// A failed run keeps its reason.
	first.State, first.Problem = passwords.RunFailed, "first.csv: line 3, column 9: not valid UTF-8"
	must(t, db.FinishRun(ctx, psti.System("password audit"), first))

	list, err := db.Runs(ctx, batch.ID, 0)
	must(t, err)
	if len(list) != 2 || list[0].ID != r.ID || list[1].ID != first.ID || list[0].Report != nil || list[1].Problem != first.Problem {
		t.Fatalf("runs of the batch, newest first: %+v", list)
	}
	if other, err := db.Runs(ctx, batch.ID+1, 0); err != nil || len(other) != 0 {
		t.Fatalf("another batch's runs: %v %v", other, err)
	}

	// PSTI-PW-06: the list can tell a pass in which nothing was audited
	// from a pass, without reading whole reports.
	none := &passwords.Run{BatchID: batch.ID, FileName: "keys.csv", FileBytes: 300, CreatedBy: editor.Label}
	must(t, db.CreateRun(ctx, editor, none))
	none.State, none.Verdict, none.RowsRead = passwords.RunDone, "pass", 12
	none.Report = &passwords.Report{Verdict: "pass", Summary: "Nothing was checked.", Rows: 12, Audited: 0, Excluded: 12}
	must(t, db.FinishRun(ctx, psti.System("password audit"), none))
	audited, err := db.RunsAudited(ctx, batch.ID, 0)
	must(t, err)
	if len(audited) != 2 || audited[r.ID] != 40 || audited[none.ID] != 0 {
		t.Fatalf("rows audited by the batch's runs (a failed run has no report): %v", audited)
	}
	if audited, err := db.RunsAudited(ctx, batch.ID, 1); err != nil || len(audited) != 1 || audited[none.ID] != 0 {
		t.Fatalf("rows audited by the newest run: %v %v", audited, err)
	}

	// Who started and how it ended are in the audit trail.
	es, err := db.Audit(ctx, psti.AuditFilter{Entity: "password_audit", EntityID: r.ID})
	must(t, err)
	if len(es) != 2 || es[1].Action != psti.ActionCreate || es[1].Actor.Label != editor.Label || es[0].Action != psti.ActionUpdate || es[0].Actor.Label != "password audit" {
		t.Fatalf("audit trail of the run: %+v", es)
	}

	// Reports are kept.
	if _, err := raw(t, db).ExecContext(ctx, fmt.Sprintf(`DELETE FROM password_audits WHERE id = %d`, r.ID)); err == nil {
		t.Fatal("deleting a password audit was allowed")
	}
}
