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

	// The limit is per account: the same client may try another account,
	// and the same account is limited from any client.
	if w := th.Wait("bob@example.com", client, t0); w != 0 {
		t.Fatalf("other account from the same client: Wait = %v, want 0", w)
	}
	between(t, "same account from another client", th.Wait(acct, "198.51.100.7", t0), 60*time.Second, 62*time.Second)

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
	// 400 failures at one instant: every account and the client are
	// limited, and no failure was lost to a race (which -race would show).
	for g := range 8 {
		acct := fmt.Sprintf("user%d@example.com", g)
		between(t, acct, th.Wait(acct, "another client", t0), 60*time.Second, 62*time.Second)
	}
	between(t, "the client", th.Wait("new@example.com", "client", t0), 10*time.Second, 12*time.Second)
}
