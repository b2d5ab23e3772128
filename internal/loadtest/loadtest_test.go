package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoopback(t *testing.T) {
	for url, want := range map[string]bool{
		"http://127.0.0.1:8080":   true,
		"http://127.8.9.1":        true,
		"http://[::1]:8080/x":     true,
		"http://localhost:8080":   true,
		"http://192.0.2.1:8080":   false,
		"https://example.com":     false,
		"http://localhost.com":    false,
		"http://[::ffff:1.2.3.4]": false,
		"::":                      false,
	} {
		if got := Loopback(url); got != want {
			t.Errorf("Loopback(%q) = %v", url, got)
		}
	}
}

// TestRun counts every answer once: those with the expected status as
// requests with a latency, the others as errors.
func TestRun(t *testing.T) {
	var seen atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if seen.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer ts.Close()
	res, err := Run(context.Background(), Options{URL: ts.URL, ContentType: "application/json", Body: []byte(`{}`), Connections: 4, Requests: 500})
	if err != nil {
		t.Fatal(err)
	}
	if seen.Load() != 500 || res.Requests != 450 || res.Errors != 50 || res.FirstErr == nil || len(res.Latencies) != 450 {
		t.Fatalf("sent %d: %d answered, %d errors (%v)", seen.Load(), res.Requests, res.Errors, res.FirstErr)
	}
	if res.Quantile(0) > res.Quantile(0.5) || res.Quantile(0.5) > res.Quantile(1) || res.Quantile(1) != res.Latencies[449] || res.Rate() <= 0 {
		t.Fatalf("quantiles %v %v %v, rate %v", res.Quantile(0), res.Quantile(0.5), res.Quantile(1), res.Rate())
	}

	// For a duration: it ends on time, and counts only what was answered.
	seen.Store(0)
	start := time.Now()
	res, err = Run(context.Background(), Options{URL: ts.URL, ContentType: "application/json", Connections: 2, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Fatalf("a 200 ms run took %v", d)
	}
	if res.Requests == 0 || int64(res.Requests+res.Errors) > seen.Load() {
		t.Fatalf("%d answered, %d errors, %d seen", res.Requests, res.Errors, seen.Load())
	}

	if _, err := Run(context.Background(), Options{URL: ts.URL, Connections: 0, Requests: 1}); err == nil {
		t.Fatal("no connections accepted")
	}
	if _, err := Run(context.Background(), Options{URL: ts.URL, Connections: 1}); err == nil {
		t.Fatal("neither requests nor duration accepted")
	}
}
