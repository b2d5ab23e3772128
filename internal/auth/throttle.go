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

func (t *Throttle) bucket(m map[string]*rate.Limiter, key string, l limit) *rate.Limiter {
	b, ok := m[key]
	if !ok {
		b = rate.NewLimiter(rate.Every(l.every), l.burst)
		m[key] = b
	}
	return b
}

// Wait returns how long the caller must wait before another sign-in attempt
// for this account from this client is considered; zero means go ahead.
func (t *Throttle) Wait(account, client string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	var wait time.Duration
	for _, b := range []*rate.Limiter{
		t.bucket(t.accounts, account, t.account),
		t.bucket(t.clients, client, t.client),
	} {
		if tokens := b.TokensAt(now); tokens < 1 {
			d := time.Duration((1 - tokens) * float64(time.Second) / float64(b.Limit()))
			wait = max(wait, d.Round(time.Second)+time.Second)
		}
	}
	return wait
}

// Fail records a failed attempt.
func (t *Throttle) Fail(account, client string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bucket(t.accounts, account, t.account).AllowN(now, 1)
	t.bucket(t.clients, client, t.client).AllowN(now, 1)
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
