package storetest

import (
	"context"
	"encoding/json"
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

// testPasswordAuditReviews: an editor reviews a finished audit's findings
// for review, one rule at a time; the verdict follows, each review is kept
// (a later one supersedes, both stay) and written to the audit trail in the
// same transaction.
func testPasswordAuditReviews(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	batch := &product.Batch{ProductID: s.Product.ID, Code: "B-1"}
	must(t, db.CreateBatch(ctx, editor, batch))
	finish := func(rep *passwords.Report) *passwords.Run {
		r := &passwords.Run{BatchID: batch.ID, FileName: "b.csv", FileBytes: 100, CreatedBy: editor.Label}
		must(t, db.CreateRun(ctx, editor, r))
		r.State, r.Verdict, r.Report, r.RowsRead = passwords.RunDone, rep.Verdict, rep, rep.Rows
		must(t, db.FinishRun(ctx, psti.System("password audit"), r))
		return r
	}
	// DP-12 and DP-13 flagged rows for review only; DP-04 one as a violation.
	report := func(breach bool) *passwords.Report {
		rep := &passwords.Report{Verdict: "fail", Rows: 40, Audited: 40, Flagged: 3}
		for _, rl := range passwords.Rules {
			rr := passwords.RuleResult{Rule: rl, Status: "passed", Examples: []passwords.Example{}}
			switch {
			case rl.ID == "DP-12":
				rr.Status, rr.Count, rr.Warnings = "flagged", 2, 2
			case rl.ID == "DP-13":
				rr.Status, rr.Count, rr.Warnings = "flagged", 1, 1
			case rl.ID == "DP-04" && breach:
				rr.Status, rr.Count = "flagged", 2
			}
			rep.Rules = append(rep.Rules, rr)
		}
		return rep
	}
	r := finish(report(false))
	breach := finish(report(true))
	queued := &passwords.Run{BatchID: batch.ID, FileName: "q.csv", FileBytes: 1, CreatedBy: editor.Label}
	must(t, db.CreateRun(ctx, editor, queued))

	outcome := func(id int64, want string) *passwords.Run {
		t.Helper()
		got, err := db.Run(ctx, id)
		must(t, err)
		if got.Outcome != want {
			t.Fatalf("run %d: outcome %q, want %q", id, got.Outcome, want)
		}
		list, err := db.Runs(ctx, batch.ID, 0)
		must(t, err)
		for _, l := range list {
			if l.ID == id && l.Outcome != want {
				t.Fatalf("run %d in the list: outcome %q, want %q", id, l.Outcome, want)
			}
		}
		return got
	}
	outcome(r.ID, passwords.OutcomeNeedsReview)
	outcome(breach.ID, passwords.OutcomeFail)
	outcome(queued.ID, "")

	// Refused, with nothing kept.
	before, err := db.Counts(ctx)
	must(t, err)
	wantCode(t, db.AddReview(ctx, editor, &passwords.Review{RunID: r.ID, Rule: "DP-12", Decision: passwords.Accepted, Reason: "  "}), psti.EINVALID, "reason")
	wantCode(t, db.AddReview(ctx, editor, &passwords.Review{RunID: r.ID, Rule: "DP-06", Decision: passwords.Confirmed}), psti.EINVALID, "rule")
	wantCode(t, db.AddReview(ctx, editor, &passwords.Review{RunID: breach.ID, Rule: "DP-04", Decision: passwords.Accepted, Reason: "x"}), psti.EINVALID, "rule")
	wantCode(t, db.AddReview(ctx, editor, &passwords.Review{RunID: r.ID, Rule: "DP-12", Decision: "maybe"}), psti.EINVALID, "decision")
	wantCode(t, db.AddReview(ctx, editor, &passwords.Review{RunID: queued.ID, Rule: "DP-12", Decision: passwords.Confirmed}), psti.ECONFLICT, "")
	wantCode(t, db.AddReview(ctx, editor, &passwords.Review{RunID: 424242, Rule: "DP-12", Decision: passwords.Confirmed}), psti.ENOTFOUND, "")
	if _, err := db.Reviews(ctx, 424242); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("reviews of no audit: %v", err)
	}
	after, err := db.Counts(ctx)
	must(t, err)
	if after["password_audit_reviews"] != before["password_audit_reviews"] || after["audit_log"] != before["audit_log"] {
		t.Fatalf("a refused review was kept: %v, then %v", before, after)
	}

	// Accept one: still needs review. Accept the other: passes after review.
	clock.Add(time.Minute)
	first := &passwords.Review{RunID: r.ID, Rule: "DP-12", Decision: passwords.Accepted, Reason: " The near-duplicates are Bluetooth pairing PINs. "}
	must(t, db.AddReview(ctx, editor, first))
	if first.ID == 0 || first.ReviewedBy != editor.Label || !first.ReviewedAt.Equal(clock.Now()) || first.Reason != "The near-duplicates are Bluetooth pairing PINs." {
		t.Fatalf("recorded review: %+v", first)
	}
	outcome(r.ID, passwords.OutcomeNeedsReview)
	clock.Add(time.Minute)
	must(t, db.AddReview(ctx, editor, &passwords.Review{RunID: r.ID, Rule: "DP-13", Decision: passwords.Accepted, Reason: "Checked by hand."}))
	outcome(r.ID, passwords.OutcomeReviewedPass)

	// Confirming one fails it; the earlier review stays, superseded.
	clock.Add(time.Minute)
	other := psti.Actor{UserID: 8, Label: "lead@example.com"}
	must(t, db.AddReview(ctx, other, &passwords.Review{RunID: r.ID, Rule: "DP-12", Decision: passwords.Confirmed}))
	got := outcome(r.ID, passwords.OutcomeFail)
	if len(got.Reviews) != 3 || got.Reviews[0].ID != first.ID || !got.Reviews[0].Superseded || got.Reviews[1].Superseded || got.Reviews[2].Superseded ||
		got.Reviews[2].Decision != passwords.Confirmed || got.Reviews[2].ReviewedBy != other.Label || got.Reviews[0].Reason != first.Reason {
		t.Fatalf("reviews of the run: %+v", got.Reviews)
	}
	if rs, err := db.Reviews(ctx, r.ID); err != nil || len(rs) != 3 || !rs[0].Superseded {
		t.Fatalf("Reviews: %+v %v", rs, err)
	}
	if got.Report == nil || got.Report.Verdict != "fail" || got.Verdict != "fail" {
		t.Fatalf("the report changed: %+v", got)
	}

	// Each review is in the audit trail: who, when, before and after.
	es, err := db.Audit(ctx, psti.AuditFilter{Entity: "password_audit", EntityID: r.ID})
	must(t, err)
	if len(es) != 5 || es[0].Action != "review" || es[0].Actor.Label != other.Label || !es[0].At.Equal(clock.Now()) {
		t.Fatalf("audit trail of the run: %+v", es)
	}
	var was, is struct{ Rule, Decision, Reason, Outcome string }
	must(t, json.Unmarshal(es[0].Before, &was))
	must(t, json.Unmarshal(es[0].After, &is))
	if was.Rule != "DP-12" || was.Decision != passwords.Accepted || was.Reason != first.Reason || was.Outcome != passwords.OutcomeReviewedPass ||
		is.Decision != passwords.Confirmed || is.Outcome != passwords.OutcomeFail {
		t.Fatalf("before and after: %s, %s", es[0].Before, es[0].After)
	}
	was.Decision, was.Reason = "", ""
	must(t, json.Unmarshal(es[2].Before, &was))
	if es[2].Actor.Label != editor.Label || was.Decision != "" || was.Outcome != passwords.OutcomeNeedsReview {
		t.Fatalf("the first review's entry: %+v %s", es[2], es[2].Before)
	}

	// Reviews are kept as they were decided.
	for _, q := range []string{
		fmt.Sprintf(`UPDATE password_audit_reviews SET decision = 'accepted', reason = 'x' WHERE id = %d`, first.ID),
		fmt.Sprintf(`DELETE FROM password_audit_reviews WHERE id = %d`, first.ID),
	} {
		if _, err := raw(t, db).ExecContext(ctx, q); err == nil {
			t.Fatalf("allowed: %s", q)
		}
	}
}
