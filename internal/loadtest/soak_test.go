package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGrowth judges the memory of a soak from its second sixth to its
// last, and only when the soak is long enough.
func TestGrowth(t *testing.T) {
	at := func(d time.Duration, mib float64) MemorySample { return MemorySample{At: d, Resident: mib * (1 << 20)} }
	m := time.Minute
	for _, tc := range []struct {
		name    string
		samples []MemorySample
		d       time.Duration
		growth  float64
		judged  bool
	}{
		{"steady", []MemorySample{at(0, 10), at(6*m, 100), at(9*m, 100), at(27*m, 100), at(30*m, 100)}, 30 * m, 0, true},
		// The warm-up (before 5 minutes of 30) is not counted.
		{"warm-up ignored", []MemorySample{at(0, 10), at(4*m, 200), at(6*m, 100), at(29*m, 105)}, 30 * m, 0.05, true},
		{"grew", []MemorySample{at(6*m, 100), at(12*m, 150), at(26*m, 111)}, 30 * m, 0.11, true},
		{"the most in each window", []MemorySample{at(5*m, 90), at(7*m, 100), at(26*m, 80), at(28*m, 120)}, 30 * m, 0.20, true},
		{"shrank", []MemorySample{at(6*m, 100), at(29*m, 80)}, 30 * m, -0.20, true},
		{"too short", []MemorySample{at(0, 100), at(30*time.Second, 100), at(60*time.Second, 500)}, 2 * m, 0, false},
		{"no sample in the second sixth", []MemorySample{at(0, 100), at(29*m, 100)}, 30 * m, 0, false},
		{"no sample at the end", []MemorySample{at(6*m, 100), at(20*m, 100)}, 30 * m, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, g, judged := Growth(tc.samples, tc.d)
			if judged != tc.judged || fmt.Sprintf("%.4f", g) != fmt.Sprintf("%.4f", tc.growth) {
				t.Fatalf("Growth = %.4f, judged %v; want %.4f, %v", g, judged, tc.growth, tc.judged)
			}
		})
	}
}

func TestMetric(t *testing.T) {
	page := []byte("# HELP process_resident_memory_bytes Resident memory size in bytes.\n" +
		"# TYPE process_resident_memory_bytes gauge\n" +
		"process_resident_memory_bytes_total 1\n" +
		"process_resident_memory_bytes 1.2345e+08\n" +
		"go_memstats_heap_inuse_bytes{x=\"y\"} 7\n" +
		"go_memstats_heap_inuse_bytes 4096 1700000000\n")
	if v, err := metric(page, "process_resident_memory_bytes"); err != nil || v != 1.2345e8 {
		t.Fatalf("resident: %v, %v", v, err)
	}
	if v, err := metric(page, "go_memstats_heap_inuse_bytes"); err != nil || v != 4096 {
		t.Fatalf("heap: %v, %v", v, err)
	}
	if _, err := metric(page, "go_goroutines"); err == nil {
		t.Fatal("a missing metric read as a value")
	}
	if _, err := metric([]byte("go_goroutines \ngo_goroutines 3\n"), "go_goroutines"); err == nil {
		t.Fatal("a metric with no value was read")
	}
	if _, err := metric([]byte("go_goroutines x\n"), "go_goroutines"); err == nil {
		t.Fatal("a value that is not a number was read")
	}
}

func FuzzMetric(f *testing.F) {
	f.Add("process_resident_memory_bytes 1.5e+06\n", "process_resident_memory_bytes")
	f.Add("a 1\na \n", "a")
	f.Add("a \n", "a")
	f.Fuzz(func(t *testing.T, page, name string) {
		if name == "" {
			return
		}
		_, _ = metric([]byte(page), name)
	})
}

func TestNextLink(t *testing.T) {
	for h, want := range map[string]string{
		`</api/v1/reports?cursor=abc&limit=50>; rel="next"`:  "/api/v1/reports?cursor=abc&limit=50",
		`<http://x/a>; rel="prev", <http://x/b>; rel="next"`: "http://x/b",
		`<http://x/a>; rel="prev"`:                           "",
		``:                                                   "",
		`garbage`:                                            "",
	} {
		if got := nextLink(h); got != want {
			t.Errorf("nextLink(%q) = %q, want %q", h, got, want)
		}
	}
}

// fakeServer answers as psti serve does, but loses every tenth report it
// gave a receipt for and fails one kind of list read, so that the soak's
// checks can be seen to catch both.
type fakeServer struct {
	mu      sync.Mutex
	reports map[string]string
	n       atomic.Int64
	lists   atomic.Int64
	ids     atomic.Int64
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	staff := r.Header.Get("Authorization") == "Bearer tok"
	switch {
	case r.URL.Path == "/metrics":
		fmt.Fprintf(w, "process_resident_memory_bytes %d\ngo_memstats_heap_inuse_bytes 100\n", 50<<20)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/reports":
		var in struct{ Summary string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		n := f.n.Add(1)
		code := fmt.Sprintf("R%d", n)
		if n%10 != 0 {
			f.mu.Lock()
			f.reports[code] = in.Summary
			f.mu.Unlock()
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"receipt": %q}`, code)
	case r.URL.Path == "/api/v1/reports/status":
		f.mu.Lock()
		s, ok := f.reports[strings.TrimPrefix(r.Header.Get("Authorization"), "Receipt ")]
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"summary": s, "status": "received"})
	case !staff:
		w.WriteHeader(http.StatusUnauthorized)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/password-audits":
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, `{"id": 1, "state": "queued"}`)
	case r.URL.Path == "/api/v1/password-audits/1":
		fmt.Fprint(w, `{"id": 1, "state": "done", "verdict": "fail", "rows_read": 50}`)
	case r.Method == http.MethodPost:
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id": %d}`, f.ids.Add(1))
	case r.URL.Path == "/api/v1/batches":
		f.lists.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	default:
		f.lists.Add(1)
		w.Header().Set("Link", `</api/v1/reports?cursor=x>; rel="next"`)
		fmt.Fprint(w, `[]`)
	}
}

func TestSoakFindsLossesAndFailures(t *testing.T) {
	f := &fakeServer{reports: map[string]string{}}
	ts := httptest.NewServer(f)
	defer ts.Close()
	res, err := Soak(context.Background(), SoakOptions{URL: ts.URL, Token: "tok", Duration: 2 * time.Second,
		Reports: 200, Reads: 100, Lists: 50, AuditRows: 50, Sample: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() {
		t.Fatalf("the soak passed a server that loses reports: %+v", res)
	}
	if res.Receipts < 100 || res.Lost != res.Receipts/10 || res.ReadBack != res.Receipts-res.Lost {
		t.Errorf("%d receipts, %d read back, %d lost; every tenth was lost", res.Receipts, res.ReadBack, res.Lost)
	}
	if res.Intake.Errors != 0 {
		t.Errorf("%d reports failed; the server answered every one", res.Intake.Errors)
	}
	if res.Lists.Errors == 0 || res.Audits.Errors == 0 || res.Audits.Requests != 0 {
		t.Errorf("lists %+v, audits %+v: the batch list fails and every audit fails", res.Lists, res.Audits)
	}
	if len(res.Memory) < 5 || res.Judged {
		t.Errorf("%d memory samples, judged %v, in 2 s", len(res.Memory), res.Judged)
	}
	all := strings.Join(res.Problems, "\n")
	for _, want := range []string{"did not read back", "staff list reads failed", "GET /api/v1/batches answered 500",
		"password audits failed", `verdict "fail"`} {
		if !strings.Contains(all, want) {
			t.Errorf("problems do not say %q:\n%s", want, all)
		}
	}
	if res.Intake.Requests != res.Receipts || res.Intake.P99 <= 0 {
		t.Errorf("intake %+v for %d receipts", res.Intake, res.Receipts)
	}
}

// TestSoakStaysWithinItsRates: a server that answers at once is sent no
// more than the rates asked for.
func TestSoakStaysWithinItsRates(t *testing.T) {
	f := &fakeServer{reports: map[string]string{}}
	ts := httptest.NewServer(f)
	defer ts.Close()
	res, err := Soak(context.Background(), SoakOptions{URL: ts.URL, Token: "tok", Duration: 2 * time.Second, Reports: 50, Lists: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Intake.Requests > 2*50+1 || res.Intake.Requests < 50 {
		t.Errorf("%d reports in 2 s at 50 a second", res.Intake.Requests)
	}
	if n := f.lists.Load(); n > 2*10+1+5 {
		t.Errorf("%d list reads in 2 s at 10 a second", n)
	}
	if res.Status.Requests+res.Status.Errors != 0 || res.Audits.Requests+res.Audits.Errors != 0 {
		t.Errorf("status reads %+v and audits %+v were not asked for", res.Status, res.Audits)
	}
}

// TestSoakStopped: a soak whose context ends before it has read every
// receipt back says so, rather than counting them as lost or failing.
func TestSoakStopped(t *testing.T) {
	s := &soak{o: SoakOptions{URL: "http://127.0.0.1:1"}, client: http.DefaultClient,
		receipts: []receipt{{"R1", "one"}, {"R2", "two"}}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.readBack(ctx)
	if s.res.Lost != 0 || s.res.ReadBack != 0 || len(s.res.Problems) != 1 || !strings.Contains(s.res.Problems[0], "2 of 2 receipts were not read back") {
		t.Fatalf("%+v", s.res)
	}
}
