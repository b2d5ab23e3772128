package passwords_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

var editor = psti.Actor{UserID: 1, Label: "editor@example.com"}

// runnerEnv is a runner over a real database with one production batch.
func runnerEnv(t *testing.T, opt passwords.RunnerOptions) (*passwords.Runner, *store.DB, *storetest.Clock, int64) {
	t.Helper()
	db, clock := storetest.Open(t, storetest.SQLite)
	seed := storetest.NewSeed(t, db)
	b := &product.Batch{ProductID: seed.Product.ID, Code: "B-1"}
	if err := db.CreateBatch(context.Background(), editor, b); err != nil {
		t.Fatal(err)
	}
	if opt.Dir == "" {
		opt.Dir = t.TempDir()
	}
	if opt.Clock == nil {
		opt.Clock = clock
	}
	opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	rn := passwords.NewRunner(db, opt)
	t.Cleanup(rn.Close)
	return rn, db, clock, b.ID
}

// randomBatch is n devices with random 12-character passwords.
func randomBatch(n int) string {
	var b strings.Builder
	b.WriteString("serial,password\n")
	pw := randomPasswords(n)
	for i := range n {
		fmt.Fprintf(&b, "SN%07d,%s\n", i, pw[i])
	}
	return b.String()
}

func randomPasswords(n int) []string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	out := make([]string, n)
	var state uint64 = 0x9e3779b97f4a7c15
	for i := range out {
		b := make([]byte, 12)
		for j := range b {
			state ^= state << 13
			state ^= state >> 7
			state ^= state << 17
			b[j] = alphabet[state%uint64(len(alphabet))]
		}
		out[i] = string(b)
	}
	return out
}

func start(t *testing.T, rn *passwords.Runner, batchID int64, name, body string) *passwords.Run {
	t.Helper()
	up, err := rn.Receive(name, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r, err := rn.Start(context.Background(), editor, passwords.RunRequest{BatchID: batchID}, up)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func wait(t *testing.T, rn *passwords.Runner, id int64) *passwords.Run {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		r, err := rn.Run(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Finished() {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %d still %s", id, r.State)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func leftFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestRunnerOneAtATime: audits queue for the one slot, so two never run
// side by side (each already uses every core), and both finish. A run
// reads as queued (waiting for another audit) only while another audit
// holds the slot: the first starts at once, in the store too.
func TestRunnerOneAtATime(t *testing.T) {
	dir := t.TempDir()
	rn, db, _, batch := runnerEnv(t, passwords.RunnerOptions{Dir: dir, Heartbeat: 10 * time.Millisecond})
	// Both files are made before either audit starts: made in between, the
	// second could take long enough, on a busy machine, for the first
	// audit to finish and leave the slot free.
	bodyA, bodyB := randomBatch(100_000), randomBatch(50_000)
	a := start(t, rn, batch, "a.csv", bodyA)
	stored, err := db.Run(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := start(t, rn, batch, "b.csv", bodyB)
	if a.State != passwords.RunRunning || a.StartedAt == nil || stored.State == passwords.RunQueued || b.State != passwords.RunQueued {
		t.Fatalf("new runs: %s (stored %s), %s; only the second waits for another audit", a.State, stored.State, b.State)
	}
	a, b = wait(t, rn, a.ID), wait(t, rn, b.ID)
	if a.State != passwords.RunDone || b.State != passwords.RunDone || a.Verdict != "pass" || b.Verdict != "pass" {
		t.Fatalf("runs: %+v %+v", a, b)
	}
	first, second := a, b
	if b.StartedAt.Before(*a.StartedAt) {
		first, second = b, a
	}
	if second.StartedAt.Before(*first.FinishedAt) {
		t.Fatalf("audits overlapped: %v–%v and %v–%v", first.StartedAt, first.FinishedAt, second.StartedAt, second.FinishedAt)
	}
	if a.RowsRead != 100_000 || a.BytesRead != a.FileBytes || a.Report.Rows != 100_000 {
		t.Fatalf("progress at the end: %+v", a)
	}
	if left := leftFiles(t, dir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}

// TestRunnerStops: closing the runner (the server stopping) ends a running
// audit, records why, and removes its file.
func TestRunnerStops(t *testing.T) {
	dir := t.TempDir()
	rn, db, _, batch := runnerEnv(t, passwords.RunnerOptions{Dir: dir, Heartbeat: 10 * time.Millisecond})
	r := start(t, rn, batch, "big.csv", randomBatch(400_000))
	for {
		got, err := rn.Run(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State == passwords.RunRunning && got.RowsRead > 0 {
			break
		}
		if got.Finished() {
			t.Fatalf("the audit finished before it could be stopped: %+v", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	rn.Close()
	got, err := db.Run(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != passwords.RunFailed || !strings.Contains(got.Problem, "server stopped") || got.Report != nil || got.FinishedAt == nil {
		t.Fatalf("stopped run: %+v", got)
	}
	if left := leftFiles(t, dir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	if _, err := rn.Receive("late.csv", strings.NewReader(randomBatch(10))); psti.ErrorCode(err) != psti.EUNAVAILABLE {
		t.Fatalf("upload after stopping: %v", err)
	}
}

// TestRunnerInterrupted: a run whose server died mid-audit stops reporting
// progress; after a while it reads as interrupted. A finished run never
// does.
func TestRunnerInterrupted(t *testing.T) {
	rn, db, clock, batch := runnerEnv(t, passwords.RunnerOptions{StaleAfter: time.Minute})
	ctx := context.Background()
	orphan := &passwords.Run{BatchID: batch, FileName: "x.csv", FileBytes: 10, CreatedBy: editor.Label}
	if err := db.CreateRun(ctx, editor, orphan); err != nil {
		t.Fatal(err)
	}
	done := start(t, rn, batch, "ok.csv", randomBatch(500))
	if got := wait(t, rn, done.ID); got.State != passwords.RunDone {
		t.Fatalf("run: %+v", got)
	}
	clock.Add(59 * time.Second)
	if got, _ := rn.Run(ctx, orphan.ID); got.State != passwords.RunQueued {
		t.Fatalf("after 59 s: %s", got.State)
	}
	clock.Add(2 * time.Second)
	got, err := rn.Run(ctx, orphan.ID)
	if err != nil || got.State != passwords.RunInterrupted || !strings.Contains(got.Problem, "upload the file again") || !got.Finished() {
		t.Fatalf("after 61 s: %+v %v", got, err)
	}
	list, err := rn.Runs(ctx, batch, 0)
	if err != nil || len(list) != 2 || list[0].State != passwords.RunDone || list[1].State != passwords.RunInterrupted {
		t.Fatalf("list: %+v %v", list, err)
	}
}

// TestRunnerRefuses: uploads that cannot be a batch are refused while the
// sender waits, and nothing is kept.
func TestRunnerRefuses(t *testing.T) {
	dir := t.TempDir()
	rn, db, _, batch := runnerEnv(t, passwords.RunnerOptions{Dir: dir, MaxBytes: 1000})
	for _, c := range []struct{ name, body, says string }{
		{"empty", "", "empty"},
		{"too large", randomBatch(100), "larger than"},
		{"no password column", "serial,pw\nA,B\n", `"password"`},
		{"header only", "serial,password\n", ""},
		{"not gzip after all", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xffbroken", "gzip"},
		{"binary", "\x00\x01\x02PK\x03\x04", ""},
	} {
		up, err := rn.Receive(c.name+".csv", strings.NewReader(c.body))
		if c.name == "header only" {
			// The header is usable; the audit itself says the file has no
			// rows (exit 2 on the command line).
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			r, err := rn.Start(context.Background(), editor, passwords.RunRequest{BatchID: batch}, up)
			if err != nil {
				t.Fatal(err)
			}
			if got := wait(t, rn, r.ID); got.State != passwords.RunFailed || got.Problem == "" {
				t.Fatalf("header only: %+v", got)
			}
			continue
		}
		if psti.ErrorCode(err) != psti.EINVALID || !strings.Contains(psti.ErrorMessage(err), c.says) || up != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// An upload for a batch that does not exist is refused, and discarded.
	up, err := rn.Receive("ok.csv", strings.NewReader("serial,password\nA,Xk3mPq9rTz2w\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rn.Start(context.Background(), editor, passwords.RunRequest{BatchID: batch + 1}, up); psti.ErrorCode(err) != psti.EINVALID {
		t.Fatalf("unknown batch: %v", err)
	}
	up.Discard()
	if left := leftFiles(t, dir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	if n, err := db.Runs(context.Background(), batch, 0); err != nil || len(n) != 1 {
		t.Fatalf("runs stored: %d %v", len(n), err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}

// TestRunnerRefusesBombs: a small compressed upload that expands past the
// runner's limits, in rows or in bytes, is refused while its sender waits,
// before it takes the audit slot, and nothing is kept; a batch just within
// them is taken.
func TestRunnerRefusesBombs(t *testing.T) {
	dir := t.TempDir()
	rn, _, _, _ := runnerEnv(t, passwords.RunnerOptions{Dir: dir, MaxRows: 1000, MaxExpanded: 64 << 10})
	gz := func(s string) string {
		var b strings.Builder
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.String()
	}
	long := "serial,password\n" + strings.Repeat("A,"+strings.Repeat("x", 200)+"\n", 400)
	for _, c := range []struct{ name, body, says string }{
		{"1001 rows, compressed", gz(randomBatch(1001)), "more than 1,000 devices"},
		{"1001 rows", randomBatch(1001), "more than 1,000 devices"},
		{"80 KB once expanded", gz(long), "decompressed"},
	} {
		up, err := rn.Receive(c.name, strings.NewReader(c.body))
		if psti.ErrorCode(err) != psti.EINVALID || !strings.Contains(psti.ErrorMessage(err), c.says) || up != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	up, err := rn.Receive("1000 rows", strings.NewReader(gz(randomBatch(1000))))
	if err != nil {
		t.Fatalf("a batch of 1,000 rows, the limit: %v", err)
	}
	up.Discard()
	if left := leftFiles(t, dir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
}
