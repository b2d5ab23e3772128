// Package loadtest sends one request over and over from a number of
// clients at once, each waiting for its answer before sending the next,
// and measures the rate and the latencies. It is the client of the intake
// benchmarks and of "psti bench intake", so that both measure the same
// way.
package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Options describe a load test.
type Options struct {
	URL         string // where each request is POSTed
	ContentType string
	Body        []byte
	// Status is the answer every request must get (201 Created if 0).
	Status int
	// Connections is the number of clients sending at once, each on its
	// own keep-alive connection.
	Connections int
	// The test ends after Requests requests or after Duration, whichever
	// is given (Requests wins if both are).
	Requests int
	Duration time.Duration
	// Client sends the requests; if nil, one with Connections keep-alive
	// connections to the host.
	Client *http.Client
}

// Result is what a load test measured.
type Result struct {
	Requests int           // answered with the expected status
	Errors   int           // failed or answered with another status
	FirstErr error         // the first of those
	Elapsed  time.Duration // from the first request sent to the last answer
	// Latencies are those of the requests answered as expected, sorted.
	Latencies []time.Duration
}

// Rate is the requests answered as expected per second.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Quantile returns the latency q (0 to 1) of the requests are at or under.
func (r *Result) Quantile(q float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(q * float64(len(r.Latencies)))
	return r.Latencies[min(i, len(r.Latencies)-1)]
}

// Loopback reports whether raw names this machine (127.0.0.0/8, ::1 or
// localhost), so that a load test is not pointed at someone else's server
// by mistake.
func Loopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Run sends the requests and waits for their answers. It stops early, with
// what it measured, when ctx ends.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Connections < 1 {
		return nil, errors.New("loadtest: at least one connection is needed")
	}
	if o.Requests <= 0 && o.Duration <= 0 {
		return nil, errors.New("loadtest: give a number of requests or a duration")
	}
	if o.Status == 0 {
		o.Status = http.StatusCreated
	}
	client := o.Client
	if client == nil {
		tr := &http.Transport{MaxIdleConnsPerHost: o.Connections, MaxConnsPerHost: o.Connections}
		defer tr.CloseIdleConnections()
		client = &http.Client{Transport: tr, Timeout: time.Minute}
	}
	if o.Requests <= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	var (
		next     atomic.Int64
		errs     atomic.Int64
		firstErr error
		errOnce  sync.Once
		lat      = make([][]time.Duration, o.Connections)
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		errs.Add(1)
		errOnce.Do(func() { firstErr = err })
	}
	start := time.Now()
	for c := range o.Connections {
		wg.Go(func() {
			for ctx.Err() == nil && (o.Requests <= 0 || next.Add(1) <= int64(o.Requests)) {
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL, bytes.NewReader(o.Body))
				if err != nil {
					fail(err)
					return
				}
				req.Header.Set("Content-Type", o.ContentType)
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						fail(err)
					}
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != o.Status {
					fail(fmt.Errorf("loadtest: answered %s, not %d", res.Status, o.Status))
					continue
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	r := &Result{Elapsed: time.Since(start), Errors: int(errs.Load()), FirstErr: firstErr}
	for _, l := range lat {
		r.Latencies = append(r.Latencies, l...)
	}
	slices.Sort(r.Latencies)
	r.Requests = len(r.Latencies)
	return r, nil
}
