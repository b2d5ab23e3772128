package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/mail"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

func ids(qs []mail.Queued) []int64 {
	var out []int64
	for _, q := range qs {
		out = append(out, q.ID)
	}
	return out
}

// testMail: queued mail is claimed when due and not held by another
// sender, two senders never hold the same message, and a message ends sent
// or given up, after which it is kept and does not change.
func testMail(t *testing.T, b Backend) {
	t.Run("Claimers", func(t *testing.T) {
		t.Parallel()
		testMailClaimers(t, b)
	})
	db, clock := Open(t, b)
	ctx := context.Background()
	var outbox mail.Outbox = db

	// Invalid mail is refused, and nothing of the batch is kept.
	good := mail.Message{To: "reporter@example.com", Subject: "We received your report", Text: "Hello\n", Kind: "report-ack", Ref: "report:1"}
	bad := good
	bad.To = "not an address"
	wantCode(t, outbox.EnqueueMail(ctx, good, bad), psti.EINVALID, "to")
	bad = good
	bad.Subject = "Hi\r\nBcc: everyone@example.com"
	wantCode(t, outbox.EnqueueMail(ctx, bad), psti.EINVALID, "subject")
	if q, f, oldest, err := outbox.MailStats(ctx); err != nil || q != 0 || f != 0 || !oldest.IsZero() {
		t.Fatalf("stats of an empty outbox: %d queued, %d failed, oldest %v, %v", q, f, oldest, err)
	}
	must(t, outbox.EnqueueMail(ctx))

	// Three messages, a second apart.
	t0 := clock.Now()
	var want []mail.Message
	for i := range 3 {
		m := mail.Message{To: fmt.Sprintf("r%d@example.com", i), Subject: fmt.Sprintf("Report %d: café — £5", i),
			Text: "Line one\nLine two — ünïcödé\n", Kind: "report-ack", Ref: fmt.Sprintf("report:%d", i)}
		must(t, outbox.EnqueueMail(ctx, m))
		want = append(want, m)
		clock.Add(time.Second)
	}
	q, f, oldest, err := outbox.MailStats(ctx)
	must(t, err)
	if q != 3 || f != 0 || !oldest.Equal(t0) {
		t.Fatalf("stats: %d queued, %d failed, oldest %v; want 3, 0, %v", q, f, oldest, t0)
	}

	// Not due before it was queued.
	got, err := outbox.ClaimMail(ctx, t0.Add(-time.Second), time.Minute, 10)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("claimed before anything was due: %v", ids(got))
	}
	// Oldest first, up to the limit, read back exactly.
	now := clock.Now()
	first, err := outbox.ClaimMail(ctx, now, time.Minute, 2)
	must(t, err)
	if len(first) != 2 {
		t.Fatalf("claimed %d messages, want 2", len(first))
	}
	for i, q := range first {
		if q.Message != want[i] || q.Attempts != 0 || !q.CreatedAt.Equal(t0.Add(time.Duration(i)*time.Second)) || q.CreatedAt.Location() != time.UTC {
			t.Fatalf("claimed message %d: %+v, want %+v created %v", i, q, want[i], t0.Add(time.Duration(i)*time.Second))
		}
	}
	// Held messages are not claimed again while the lease lasts.
	second, err := outbox.ClaimMail(ctx, now, time.Minute, 10)
	must(t, err)
	if len(second) != 1 || second[0].Message != want[2] {
		t.Fatalf("second claim: %+v, want only the third message", second)
	}
	if again, err := outbox.ClaimMail(ctx, now.Add(59*time.Second), time.Minute, 10); err != nil || len(again) != 0 {
		t.Fatalf("claimed while held: %v %v", ids(again), err)
	}
	// A lease that ran out (its sender stopped) frees the message.
	clock.Add(time.Minute)
	again, err := outbox.ClaimMail(ctx, clock.Now(), time.Minute, 10)
	must(t, err)
	if !slices.Equal(ids(again), append(ids(first), second[0].ID)) {
		t.Fatalf("after the leases ran out: %v, want %v and %d", ids(again), ids(first), second[0].ID)
	}

	// Sent: never claimed again, and kept.
	sentAt := clock.Now()
	must(t, outbox.SentMail(ctx, first[0].ID, sentAt))
	// Retried: due again at the time given, with the attempt counted.
	next := clock.Now().Add(10 * time.Minute)
	must(t, outbox.RetryMail(ctx, first[1].ID, next, "421 4.3.0 try again later"))
	// Given up.
	must(t, outbox.FailedMail(ctx, second[0].ID, "550 5.1.1 no such user"))

	clock.Add(5 * time.Minute)
	if got, err := outbox.ClaimMail(ctx, clock.Now(), time.Minute, 10); err != nil || len(got) != 0 {
		t.Fatalf("claimed before the retry was due: %v %v", ids(got), err)
	}
	q, f, oldest, err = outbox.MailStats(ctx)
	must(t, err)
	if q != 1 || f != 1 || !oldest.Equal(first[1].CreatedAt) {
		t.Fatalf("stats: %d queued, %d failed, oldest %v", q, f, oldest)
	}
	clock.Set(next)
	got, err = outbox.ClaimMail(ctx, clock.Now(), time.Minute, 10)
	must(t, err)
	if len(got) != 1 || got[0].ID != first[1].ID || got[0].Attempts != 1 || got[0].Message != want[1] {
		t.Fatalf("claim when the retry was due: %+v", got)
	}

	// Only queued mail changes.
	wantCode(t, outbox.SentMail(ctx, first[0].ID, clock.Now()), psti.ECONFLICT, "")
	wantCode(t, outbox.RetryMail(ctx, first[0].ID, clock.Now(), "x"), psti.ECONFLICT, "")
	wantCode(t, outbox.FailedMail(ctx, second[0].ID, "x"), psti.ECONFLICT, "")
	wantCode(t, outbox.SentMail(ctx, second[0].ID, clock.Now()), psti.ECONFLICT, "")
	wantCode(t, outbox.SentMail(ctx, 424242, clock.Now()), psti.ENOTFOUND, "")
	wantCode(t, outbox.RetryMail(ctx, 424242, clock.Now(), "x"), psti.ENOTFOUND, "")
	wantCode(t, outbox.FailedMail(ctx, 424242, "x"), psti.ENOTFOUND, "")

	// What is stored is the evidence: who was told what, and when.
	r := raw(t, db)
	var state, to, subject, body, lastErr string
	var attempts int
	row := r.QueryRowContext(ctx, `SELECT state, to_addr, subject, body, attempts, last_error FROM mail_outbox WHERE id = $1`, first[0].ID)
	must(t, row.Scan(&state, &to, &subject, &body, &attempts, &lastErr))
	if state != "sent" || to != want[0].To || subject != want[0].Subject || body != want[0].Text || attempts != 1 || lastErr != "" {
		t.Fatalf("sent mail row: %s %s %q %q %d %q", state, to, subject, body, attempts, lastErr)
	}
	var at time.Time
	must(t, r.QueryRowContext(ctx, `SELECT sent_at FROM mail_outbox WHERE id = $1`, first[0].ID).Scan(&at))
	if !at.Equal(sentAt) {
		t.Fatalf("sent_at of the sent mail is %v, want %v", at, sentAt)
	}
	row = r.QueryRowContext(ctx, `SELECT state, attempts, last_error FROM mail_outbox WHERE id = $1`, second[0].ID)
	must(t, row.Scan(&state, &attempts, &lastErr))
	if state != "failed" || attempts != 1 || lastErr != "550 5.1.1 no such user" {
		t.Fatalf("failed mail row: %s %d %q", state, attempts, lastErr)
	}
	// Mail is kept, and sent mail does not change.
	if _, err := r.ExecContext(ctx, `DELETE FROM mail_outbox WHERE id = $1`, first[0].ID); err == nil {
		t.Fatal("deleting sent mail was allowed")
	}
	if _, err := r.ExecContext(ctx, `UPDATE mail_outbox SET to_addr = 'other@example.com' WHERE id = $1`, first[0].ID); err == nil {
		t.Fatal("changing sent mail was allowed")
	}
	if _, err := r.ExecContext(ctx, `UPDATE mail_outbox SET state = 'queued' WHERE id = $1`, second[0].ID); err == nil {
		t.Fatal("queueing given-up mail again was allowed")
	}

	// A long error is cut short, on a character boundary.
	long := ""
	for len(long) < 3000 {
		long += "é"
	}
	must(t, outbox.RetryMail(ctx, first[1].ID, clock.Now(), long))
	must(t, r.QueryRowContext(ctx, `SELECT last_error FROM mail_outbox WHERE id = $1`, first[1].ID).Scan(&lastErr))
	if len(lastErr) == 0 || len(lastErr) > 1000 || lastErr != long[:len(lastErr)] {
		t.Fatalf("kept %d bytes of a 3000-byte error", len(lastErr))
	}
}

// testMailClaimers has several senders, on two connections to the
// database as two servers would, claim from one outbox at once: each
// message is handed to exactly one of them.
func testMailClaimers(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	other, err := store.Open(ctx, db.URL(), store.Options{Clock: clock})
	must(t, err)
	t.Cleanup(func() { other.Close() })

	const total = 300
	var msgs []mail.Message
	for i := range total {
		msgs = append(msgs, mail.Message{To: fmt.Sprintf("r%d@example.com", i), Subject: "s", Text: "t", Kind: "test"})
	}
	must(t, db.EnqueueMail(ctx, msgs...))

	now := clock.Now()
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 8 {
		var outbox mail.Outbox = db
		if w%2 == 1 {
			outbox = other
		}
		wg.Go(func() {
			for {
				got, err := outbox.ClaimMail(ctx, now, time.Hour, 7)
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, q := range got {
					seen[q.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("claiming: %v", err)
	}
	if len(seen) != total {
		t.Fatalf("%d of %d messages claimed", len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("message %d claimed %d times", id, n)
		}
	}
}
