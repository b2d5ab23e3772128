package auth_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// between fails unless lo <= d <= hi.
func between(t *testing.T, what string, d, lo, hi time.Duration) {
	t.Helper()
	if d < lo || d > hi {
		t.Fatalf("%s: Wait = %v, want between %v and %v", what, d, lo, hi)
	}
}

func TestThrottleAccountBurst(t *testing.T) {
	th := auth.NewThrottle()
	const acct, client = "ada@example.com", "192.0.2.1"
	for i := range 5 {
		if w := th.Wait(acct, client, t0); w != 0 {
			t.Fatalf("after %d failures Wait = %v, want 0 (a burst of 5 is allowed)", i, w)
		}
		th.Fail(acct, client, t0)
	}
	// Empty bucket; one failure comes back every minute.
	w := th.Wait(acct, client, t0)
	between(t, "after 5 failures", w, 60*time.Second, 62*time.Second)

	// The limit is per account and address: the same client may try
	// another account, and another address that has not been guessing
	// may still try this account (the owner is never locked out).
	if w := th.Wait("bob@example.com", client, t0); w != 0 {
		t.Fatalf("other account from the same client: Wait = %v, want 0", w)
	}
	if w := th.Wait(acct, "198.51.100.7", t0); w != 0 {
		t.Fatalf("same account from another client: Wait = %v, want 0", w)
	}

	// Waits shrink as time passes, and end once a token is back.
	prev := w
	for _, after := range []time.Duration{10 * time.Second, 30 * time.Second, 50 * time.Second, 59 * time.Second} {
		w := th.Wait(acct, client, t0.Add(after))
		if w <= 0 || w >= prev {
			t.Fatalf("%v after the failures: Wait = %v, want less than %v and more than 0", after, w, prev)
		}
		between(t, fmt.Sprintf("%v later", after), w, 60*time.Second-after, 62*time.Second-after)
		prev = w
	}
	if w := th.Wait(acct, client, t0.Add(61*time.Second)); w != 0 {
		t.Fatalf("61s after the failures: Wait = %v, want 0", w)
	}
	// Only one attempt came back: failing it empties the bucket again.
	th.Fail(acct, client, t0.Add(61*time.Second))
	between(t, "failing the refilled attempt", th.Wait(acct, client, t0.Add(61*time.Second)), 58*time.Second, 61*time.Second)
}

func TestThrottleWaitIsFree(t *testing.T) {
	th := auth.NewThrottle()
	// Asking (which is what a successful sign-in does) costs nothing.
	for i := range 100 {
		if w := th.Wait("ada@example.com", "192.0.2.1", t0.Add(time.Duration(i)*time.Millisecond)); w != 0 {
			t.Fatalf("Wait number %d = %v, want 0", i+1, w)
		}
	}
	for range 4 {
		th.Fail("ada@example.com", "192.0.2.1", t0)
	}
	if w := th.Wait("ada@example.com", "192.0.2.1", t0); w != 0 {
		t.Fatalf("after 4 failures and 100 waits: Wait = %v, want 0", w)
	}
}

func TestThrottleClientBurst(t *testing.T) {
	th := auth.NewThrottle()
	const client = "203.0.113.9"
	// 20 failures, spread over accounts so that no account is limited.
	for i := range 20 {
		acct := fmt.Sprintf("user%d@example.com", i%5)
		if w := th.Wait("fresh@example.com", client, t0); w != 0 {
			t.Fatalf("after %d client failures Wait = %v, want 0 (a burst of 20 is allowed)", i, w)
		}
		th.Fail(acct, client, t0)
	}
	for i := range 5 {
		acct := fmt.Sprintf("user%d@example.com", i)
		between(t, acct+" after 4 failures", th.Wait(acct, "another client", t0), 0, 0)
	}
	// An account this client never tried is still refused: the client's
	// own bucket is empty, and refills one attempt every 10 seconds.
	w := th.Wait("fresh@example.com", client, t0)
	between(t, "new account, same client", w, 10*time.Second, 12*time.Second)
	if w := th.Wait("fresh@example.com", "another client", t0); w != 0 {
		t.Fatalf("new account, another client: Wait = %v, want 0", w)
	}
	if w2 := th.Wait("fresh@example.com", client, t0.Add(5*time.Second)); w2 <= 0 || w2 >= w {
		t.Fatalf("5s later: Wait = %v, want less than %v and more than 0", w2, w)
	}
	if w := th.Wait("fresh@example.com", client, t0.Add(11*time.Second)); w != 0 {
		t.Fatalf("11s later: Wait = %v, want 0", w)
	}
}

func TestThrottleSweepForgetsFullBuckets(t *testing.T) {
	th := auth.NewThrottle()
	const acct, client = "ada@example.com", "192.0.2.1"
	th.Wait(acct, client, t0)
	for range 5 {
		th.Fail(acct, client, t0)
	}
	if th.Wait(acct, client, t0) == 0 {
		t.Fatal("not limited after 5 failures")
	}
	// After five minutes the bucket is full again and swept away: the
	// account gets a whole new burst of 5.
	later := t0.Add(5*time.Minute + time.Second)
	if w := th.Wait(acct, client, later); w != 0 {
		t.Fatalf("5 minutes later: Wait = %v, want 0", w)
	}
	for i := range 5 {
		if w := th.Wait(acct, client, later); w != 0 {
			t.Fatalf("after %d new failures Wait = %v, want 0", i, w)
		}
		th.Fail(acct, client, later)
	}
	between(t, "after 5 new failures", th.Wait(acct, client, later), 60*time.Second, 62*time.Second)
}

func TestThrottleSweepKeepsPartBuckets(t *testing.T) {
	th := auth.NewThrottle()
	const acct, client = "ada@example.com", "192.0.2.1"
	th.Wait(acct, client, t0) // first sweep
	for range 5 {
		th.Fail(acct, client, t0)
	}
	// 90 seconds on, a sweep runs; the bucket holds 1.5 attempts, so it
	// must be kept and not replaced by a full one.
	later := t0.Add(90 * time.Second)
	if w := th.Wait(acct, client, later); w != 0 {
		t.Fatalf("90s later: Wait = %v, want 0", w)
	}
	th.Fail(acct, client, later)
	between(t, "one failure after a partial refill", th.Wait(acct, client, later), 30*time.Second, 32*time.Second)
}

func TestThrottleConcurrent(t *testing.T) {
	th := auth.NewThrottle()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			acct := fmt.Sprintf("user%d@example.com", g)
			for range 50 {
				th.Wait(acct, "client", t0)
				th.Fail(acct, "client", t0)
			}
		})
	}
	wg.Wait()
	// 400 failures at one instant: every account is limited from the
	// client, and no failure was lost to a race (which -race would show);
	// another address is not.
	for g := range 8 {
		acct := fmt.Sprintf("user%d@example.com", g)
		between(t, acct, th.Wait(acct, "client", t0), 60*time.Second, 62*time.Second)
		between(t, acct+" from another client", th.Wait(acct, "another client", t0), 0, 0)
	}
	between(t, "the client", th.Wait("new@example.com", "client", t0), 10*time.Second, 12*time.Second)
}

// TestThrottleDistributedGuessing: an account guessed at from many
// addresses stops each guessing address after its first failure, while an
// address that has not been guessing still gets through.
func TestThrottleDistributedGuessing(t *testing.T) {
	th := auth.NewThrottle()
	const acct = "ada@example.com"
	// Ten addresses fail once each: the account's own burst of 10 is used.
	for i := range 10 {
		th.Fail(acct, fmt.Sprintf("203.0.113.%d", i), t0)
	}
	for i := range 10 {
		between(t, "a guessing address", th.Wait(acct, fmt.Sprintf("203.0.113.%d", i), t0), 59*time.Second, 62*time.Second)
	}
	if w := th.Wait(acct, "192.0.2.1", t0); w != 0 {
		t.Fatalf("the owner's address during the attack: Wait = %v, want 0", w)
	}
	// A new guessing address gets exactly one attempt, not five.
	refund, _, ok := th.Attempt(acct, "198.51.100.50", t0)
	if !ok || refund == nil {
		t.Fatal("a new address was refused its first attempt")
	}
	if _, w, ok := th.Attempt(acct, "198.51.100.50", t0); ok || w <= 0 {
		t.Fatalf("a second attempt from an address that just failed, during an attack: ok=%v wait=%v", ok, w)
	}
	// Attempts that succeed are given back: the owner may sign in again
	// and again.
	for range 20 {
		refund, _, ok := th.Attempt(acct, "192.0.2.1", t0)
		if !ok {
			t.Fatal("the owner's address was refused")
		}
		refund()
	}
}

// TestThrottleFloodDoesNotLockOut: a flood of distinct addresses and
// account names keeps memory bounded and never refuses a clean attempt.
func TestThrottleFloodDoesNotLockOut(t *testing.T) {
	th := auth.NewThrottle()
	for i := range 250_000 {
		th.Fail(fmt.Sprintf("u%d@example.com", i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), t0)
	}
	if _, w, ok := th.Attempt("ada@example.com", "192.0.2.1", t0); !ok {
		t.Fatalf("a clean attempt after a flood was refused for %v", w)
	}
}
