package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle slows down password guessing without letting anyone lock a
// person out of their account. Failed sign-ins are counted in three kinds
// of bucket:
//
//   - pair: one account from one client address. A burst of 5 failures,
//     then one a minute.
//   - client: one address, whatever the account. A burst of 20, then one
//     every 10 seconds.
//   - account: one account, from anywhere. A burst of 10, then one a
//     minute.
//
// An attempt is refused, without the password being looked at, when its
// pair or its client bucket is empty: that address has been guessing. An
// empty account bucket means the account is being guessed at from many
// addresses; it refuses only the addresses that have themselves failed for
// that account. An address that has not been guessing is never refused, so
// the right password from the owner's own address always works: five wrong
// passwords sent by someone else lock nobody out (the OWASP advice on
// lock-out, and how large sign-in services behave). Under such an attack
// each new address gets one guess, not five.
//
// Successful sign-ins cost nothing. Buckets live in memory: limits are per
// server process, and a restart forgets them. That is enough to turn an
// online guessing attack from thousands of tries a second into a handful a
// minute per address.
type Throttle struct {
	mu       sync.Mutex
	pairs    map[string]*rate.Limiter
	clients  map[string]*rate.Limiter
	accounts map[string]*rate.Limiter
	pair     limit
	client   limit
	account  limit
	swept    time.Time
}

type limit struct {
	every time.Duration
	burst int
}

// NewThrottle returns a throttle with the limits described on Throttle.
func NewThrottle() *Throttle {
	return &Throttle{
		pairs:    map[string]*rate.Limiter{},
		clients:  map[string]*rate.Limiter{},
		accounts: map[string]*rate.Limiter{},
		pair:     limit{every: time.Minute, burst: 5},
		client:   limit{every: 10 * time.Second, burst: 20},
		account:  limit{every: time.Minute, burst: 10},
	}
}

// maxKeys bounds each map of buckets, so a flood of distinct addresses or
// account names cannot make the throttle hold unbounded memory.
const maxKeys = 100_000

func pairKey(account, client string) string { return account + "\x00" + client }

// bucket returns the bucket for key, creating it when there is none. When
// the map is full even after a sweep, some buckets are forgotten to make
// room: a flood of addresses can at worst weaken the throttle for a
// moment; it can never make it refuse everyone.
func (t *Throttle) bucket(m map[string]*rate.Limiter, key string, l limit, now time.Time) *rate.Limiter {
	if b, ok := m[key]; ok {
		return b
	}
	if len(m) >= maxKeys {
		t.swept = time.Time{}
		t.sweep(now)
		for k := range m { // map order is arbitrary: forget a tenth
			if len(m) < maxKeys*9/10 {
				break
			}
			delete(m, k)
		}
	}
	b := rate.NewLimiter(rate.Every(l.every), l.burst)
	m[key] = b
	return b
}

// waitFor is how long until b holds a token again; 0 when it has one.
func waitFor(b *rate.Limiter, now time.Time) time.Duration {
	tokens := b.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	d := time.Duration((1 - tokens) * float64(time.Second) / float64(b.Limit()))
	return d.Round(time.Second) + time.Second
}

// guessed reports whether client has failed for account recently: its
// pair bucket is not full.
func (t *Throttle) guessed(account, client string, now time.Time) bool {
	b := t.pairs[pairKey(account, client)]
	return b != nil && b.TokensAt(now) < float64(b.Burst())
}

// refusal returns how long an attempt for account from client must wait;
// 0 when it may go ahead. It only looks.
func (t *Throttle) refusal(account, client string, now time.Time) time.Duration {
	var wait time.Duration
	if b := t.pairs[pairKey(account, client)]; b != nil {
		wait = max(wait, waitFor(b, now))
	}
	if b := t.clients[client]; b != nil {
		wait = max(wait, waitFor(b, now))
	}
	if b := t.accounts[account]; b != nil && wait == 0 && t.guessed(account, client, now) {
		wait = waitFor(b, now)
	}
	return wait
}

// Attempt takes one attempt from the buckets before the password is
// checked, so attempts sent all at once are counted all at once. It
// returns ok=false and how long to wait when the attempt must be refused
// (taking nothing). When the attempt turns out to succeed, call refund to
// give the attempt back: only failures should count.
func (t *Throttle) Attempt(account, client string, now time.Time) (refund func(), wait time.Duration, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	if w := t.refusal(account, client, now); w > 0 {
		return nil, w, false
	}
	var taken []*rate.Reservation
	for _, b := range []*rate.Limiter{
		t.bucket(t.pairs, pairKey(account, client), t.pair, now),
		t.bucket(t.clients, client, t.client, now),
		t.bucket(t.accounts, account, t.account, now),
	} {
		// The account's bucket may be empty here (a clean address during
		// an attack on the account): the attempt goes ahead without it.
		if b.TokensAt(now) >= 1 {
			taken = append(taken, b.ReserveN(now, 1))
		}
	}
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		for _, r := range taken {
			r.CancelAt(now)
		}
	}, 0, true
}

// Wait returns how long the caller must wait before another attempt for
// this account from this client is considered; zero means go ahead. It
// only looks: it never creates a bucket.
func (t *Throttle) Wait(account, client string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	return t.refusal(account, client, now)
}

// Fail records a failed attempt that was not reserved with Attempt.
func (t *Throttle) Fail(account, client string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bucket(t.pairs, pairKey(account, client), t.pair, now).AllowN(now, 1)
	t.bucket(t.clients, client, t.client, now).AllowN(now, 1)
	t.bucket(t.accounts, account, t.account, now).AllowN(now, 1)
}

// sweep forgets full buckets once a minute, so memory stays bounded by the
// number of addresses and accounts that failed recently.
func (t *Throttle) sweep(now time.Time) {
	if now.Sub(t.swept) < time.Minute {
		return
	}
	t.swept = now
	for _, m := range []map[string]*rate.Limiter{t.pairs, t.clients, t.accounts} {
		for k, b := range m {
			if b.TokensAt(now) >= float64(b.Burst()) {
				delete(m, k)
			}
		}
	}
}
