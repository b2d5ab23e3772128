package passwords_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
)

// TestRunnerComparesEarlierBatches (PSTI-PW-01, para 1(2)(a) and 1(5)):
// an audit from the web is compared with the latest audit of every other
// batch of the product, never with its own batch's; a batch sharing one
// password with an earlier batch fails under DP-04, naming that batch and
// the line.
func TestRunnerComparesEarlierBatches(t *testing.T) {
	rn, db, _, b1 := runnerEnv(t, passwords.RunnerOptions{Heartbeat: 10 * time.Millisecond})
	ctx := context.Background()
	first, err := db.Batch(ctx, b1)
	if err != nil {
		t.Fatal(err)
	}
	second := &product.Batch{ProductID: first.ProductID, Code: "B-2"}
	if err := db.CreateBatch(ctx, editor, second); err != nil {
		t.Fatal(err)
	}
	pws := randomPasswords(6000)
	csv := func(pws []string) string {
		var b strings.Builder
		b.WriteString("serial,password\n")
		for i, pw := range pws {
			fmt.Fprintf(&b, "SN%07d,%s\n", i, pw)
		}
		return b.String()
	}
	audit := func(batchID int64, code, name string, pws []string) *passwords.Report {
		t.Helper()
		up, err := rn.Receive(name, strings.NewReader(csv(pws)))
		if err != nil {
			t.Fatal(err)
		}
		r, err := rn.Start(ctx, editor, passwords.RunRequest{BatchID: batchID, BatchCode: code}, up)
		if err != nil {
			t.Fatal(err)
		}
		done := wait(t, rn, r.ID)
		if done.State != passwords.RunDone {
			t.Fatalf("%s: %s %s", name, done.State, done.Problem)
		}
		return done.Report
	}
	a := pws[:2000]
	if rep := audit(b1, "B-1", "b1.csv", a); rep.Verdict != "pass" || len(rep.Batch.Duplicates.Earlier) != 0 {
		t.Fatalf("the first batch: %s %+v", rep.Summary, rep.Batch.Duplicates.Earlier)
	}
	// The same batch audited again is not compared with itself.
	if rep := audit(b1, "B-1", "b1-again.csv", a); rep.Verdict != "pass" || len(rep.Batch.Duplicates.Earlier) != 0 {
		t.Fatalf("the first batch again: %s %+v", rep.Summary, rep.Batch.Duplicates.Earlier)
	}
	// A clean second batch passes, compared with the first.
	rep := audit(second.ID, "B-2", "b2.csv", pws[2000:4000])
	if e := rep.Batch.Duplicates.Earlier; rep.Verdict != "pass" || len(e) != 1 || e[0].Batch != "B-1" || e[0].Rows != 2000 || e[0].Repeats != 0 ||
		!strings.Contains(e[0].Source, "b1-again.csv") {
		t.Fatalf("a clean second batch: %s %+v", rep.Summary, e)
	}
	// One password of the first batch, on line 101 of a new file.
	d := append([]string(nil), pws[4000:6000]...)
	d[99] = a[1500]
	rep = audit(second.ID, "B-2", "b2-fixed.csv", d)
	var dp04 *passwords.RuleResult
	for i := range rep.Rules {
		if rep.Rules[i].ID == "DP-04" {
			dp04 = &rep.Rules[i]
		}
	}
	if rep.Verdict != "fail" || dp04.Count != 1 || dp04.Examples[0].Line != 101 ||
		!strings.HasPrefix(dp04.Examples[0].Evidence, `same password as a device in earlier batch "B-1" (fingerprints of b1-again.csv, audit `) {
		t.Fatalf("a repeat from the first batch: %s %+v", rep.Summary, dp04)
	}
	if e := rep.Batch.Duplicates.Earlier; len(e) != 1 || e[0].Repeats != 1 {
		t.Fatalf("earlier batches: %+v", e)
	}
}
