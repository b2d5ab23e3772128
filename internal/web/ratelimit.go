package web

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter allows each client a number of events per minute, with a burst
// of the same size. It forgets clients idle for longer than a minute, and
// never holds more than maxClients.
type limiter struct {
	mu      sync.Mutex
	perMin  int
	clients map[string]*client
	swept   time.Time
}

type client struct {
	l    *rate.Limiter
	seen time.Time
}

const maxClients = 100_000

// newLimiter allows perMin events a minute per client; 0 allows all.
func newLimiter(perMin int) *limiter {
	return &limiter{perMin: perMin, clients: map[string]*client{}}
}

// allow reports whether key may act now, and if not, how long it should
// wait.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l == nil || l.perMin <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute || len(l.clients) >= maxClients {
		for k, c := range l.clients {
			if now.Sub(c.seen) > time.Minute {
				delete(l.clients, k)
			}
		}
		l.swept = now
		if len(l.clients) >= maxClients {
			// Under a flood of addresses, refuse newcomers rather than grow.
			if _, ok := l.clients[key]; !ok {
				return false, time.Minute
			}
		}
	}
	c := l.clients[key]
	if c == nil {
		c = &client{l: rate.NewLimiter(rate.Limit(float64(l.perMin)/60), l.perMin)}
		l.clients[key] = c
	}
	c.seen = now
	r := c.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, time.Duration(math.Ceil(d.Seconds())) * time.Second
	}
	return true, 0
}

// quota allows each client an amount (of attachment bytes) a day: a day
// from the client's first use, then the amount is whole again. It forgets
// clients whose day is over, and holds at most maxClients: past that, new
// clients are refused until some days end.
type quota struct {
	mu     sync.Mutex
	perDay int64
	used   map[string]*usage
	swept  time.Time
}

type usage struct {
	n     int64
	since time.Time
}

// newQuota allows perDay a day per client; 0 allows all.
func newQuota(perDay int64) *quota {
	return &quota{perDay: perDay, used: map[string]*usage{}}
}

func (q *quota) sweep(now time.Time) {
	if now.Sub(q.swept) < time.Minute && len(q.used) < maxClients {
		return
	}
	q.swept = now
	for k, u := range q.used {
		if now.Sub(u.since) >= 24*time.Hour {
			delete(q.used, k)
		}
	}
}

// left is what key may still use today, and when its day ends.
func (q *quota) left(key string, now time.Time) (int64, time.Duration) {
	if q == nil || q.perDay <= 0 {
		return math.MaxInt64, 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sweep(now)
	u := q.used[key]
	if u == nil {
		if len(q.used) >= maxClients {
			return 0, time.Hour
		}
		return q.perDay, 0
	}
	return max(0, q.perDay-u.n), u.since.Add(24 * time.Hour).Sub(now)
}

// take uses n of key's amount for today, if that much is left.
func (q *quota) take(key string, n int64, now time.Time) bool {
	if q == nil || q.perDay <= 0 || n <= 0 {
		return true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sweep(now)
	u := q.used[key]
	if u == nil {
		if len(q.used) >= maxClients {
			return false
		}
		u = &usage{since: now}
		q.used[key] = u
	}
	if u.n+n > q.perDay {
		return false
	}
	u.n += n
	return true
}

// give returns n to key's amount (what was taken for work that failed).
func (q *quota) give(key string, n int64) {
	if q == nil || q.perDay <= 0 || n <= 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if u := q.used[key]; u != nil {
		u.n = max(0, u.n-n)
	}
}
