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
