package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throttle slows down password guessing. Every failed sign-in costs one
// token from a bucket for the e-mail address tried and one from a bucket for
// the client's address; when either bucket is empty, sign-in is refused
// without looking at the password until it refills. Successful sign-ins cost
// nothing, so a person who mistypes once is never locked out.
//
// Buckets live in memory: limits are per server process, and a restart
// forgets them. That is enough to turn an online guessing attack from
// thousands of tries a second into a handful a minute.
type Throttle struct {
	mu       sync.Mutex
	accounts map[string]*rate.Limiter
	clients  map[string]*rate.Limiter
	account  limit
	client   limit
	swept    time.Time
}

type limit struct {
	every time.Duration
	burst int
}

// NewThrottle allows, per account, a burst of 5 failures and then one every
// minute; per client address, a burst of 20 and then one every 10 seconds.
func NewThrottle() *Throttle {
	return &Throttle{
		accounts: map[string]*rate.Limiter{},
		clients:  map[string]*rate.Limiter{},
		account:  limit{every: time.Minute, burst: 5},
		client:   limit{every: 10 * time.Second, burst: 20},
	}
}

// maxKeys bounds each map of buckets, so a flood of distinct addresses or
// account names cannot make the throttle hold unbounded memory.
const maxKeys = 100_000

// bucket returns the bucket for key, creating it if create is set and
// there is room; nil otherwise.
func (t *Throttle) bucket(m map[string]*rate.Limiter, key string, l limit, create bool, now time.Time) *rate.Limiter {
	b, ok := m[key]
	if ok || !create {
		return b
	}
	if len(m) >= maxKeys {
		t.swept = time.Time{}
		t.sweep(now)
		if len(m) >= maxKeys {
			return nil
		}
	}
	b = rate.NewLimiter(rate.Every(l.every), l.burst)
	m[key] = b
	return b
}

// Attempt takes one attempt from the account's and the client's buckets
// before the password is checked, so attempts sent all at once are counted
// all at once. It returns ok=false and how long to wait when either bucket
// is empty (taking nothing). When the attempt turns out to succeed, call
// refund to give the attempt back: only failures should count.
func (t *Throttle) Attempt(account, client string, now time.Time) (refund func(), wait time.Duration, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	a := t.bucket(t.accounts, account, t.account, true, now)
	c := t.bucket(t.clients, client, t.client, true, now)
	if a == nil || c == nil {
		return nil, time.Minute, false // flooded: refuse until the sweep frees room
	}
	ra := a.ReserveN(now, 1)
	if d := ra.DelayFrom(now); d > 0 {
		ra.CancelAt(now)
		return nil, d.Round(time.Second) + time.Second, false
	}
	rc := c.ReserveN(now, 1)
	if d := rc.DelayFrom(now); d > 0 {
		rc.CancelAt(now)
		ra.CancelAt(now)
		return nil, d.Round(time.Second) + time.Second, false
	}
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		ra.CancelAt(now)
		rc.CancelAt(now)
	}, 0, true
}

// Wait returns how long the caller must wait before another attempt for
// this account from this client is considered; zero means go ahead. It
// only looks: it never creates a bucket.
func (t *Throttle) Wait(account, client string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	var wait time.Duration
	for _, b := range []*rate.Limiter{t.accounts[account], t.clients[client]} {
		if b == nil {
			continue
		}
		if tokens := b.TokensAt(now); tokens < 1 {
			d := time.Duration((1 - tokens) * float64(time.Second) / float64(b.Limit()))
			wait = max(wait, d.Round(time.Second)+time.Second)
		}
	}
	return wait
}

// Fail records a failed attempt that was not reserved with Attempt.
func (t *Throttle) Fail(account, client string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b := t.bucket(t.accounts, account, t.account, true, now); b != nil {
		b.AllowN(now, 1)
	}
	if b := t.bucket(t.clients, client, t.client, true, now); b != nil {
		b.AllowN(now, 1)
	}
}

// sweep forgets full buckets once a minute, so memory stays bounded by the
// number of addresses that failed recently.
func (t *Throttle) sweep(now time.Time) {
	if now.Sub(t.swept) < time.Minute {
		return
	}
	t.swept = now
	for _, m := range []map[string]*rate.Limiter{t.accounts, t.clients} {
		for k, b := range m {
			if b.TokensAt(now) >= float64(b.Burst()) {
				delete(m, k)
			}
		}
	}
}
