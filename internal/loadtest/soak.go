package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/time/rate"
)

// SoakOptions describe a soak: a bounded, mixed load on one running
// server for a long time, to show that it neither fails, grows nor loses a
// report. Rates are the most asked for; a server slower than them is sent
// less (each client waits for its answer).
type SoakOptions struct {
	URL      string // the server, e.g. http://127.0.0.1:8080
	Token    string // an editor's API token: staff lists and audits need one
	Duration time.Duration
	// Reports, Reads and Lists are the security reports sent, the
	// reporters' status reads and the staff list reads a second.
	Reports, Reads, Lists float64
	// AuditRows is the size of the password batch uploaded for audit, one
	// at a time, over and over; 0 uploads none.
	AuditRows int
	// Sample is how often the server's memory is read from /metrics (10 s
	// if 0).
	Sample time.Duration
	// MaxGrowth is the most the server's resident memory may grow, as a
	// fraction, from the second sixth of the soak to the last (0.10 if 0).
	MaxGrowth float64
	// Progress, if set, is called about once a minute with the soak so far.
	Progress func(*SoakResult)
	Client   *http.Client
}

// Traffic is what one kind of request measured.
type Traffic struct {
	Requests int           `json:"requests"`
	Errors   int           `json:"errors"`
	FirstErr string        `json:"first_error,omitempty"`
	P50      time.Duration `json:"-"`
	P99      time.Duration `json:"-"`
	Max      time.Duration `json:"-"`
	lat      []time.Duration
}

// MarshalJSON gives the latencies in milliseconds.
func (t *Traffic) MarshalJSON() ([]byte, error) {
	type plain Traffic
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return json.Marshal(struct {
		*plain
		P50 float64 `json:"p50_ms"`
		P99 float64 `json:"p99_ms"`
		Max float64 `json:"max_ms"`
	}{(*plain)(t), ms(t.P50), ms(t.P99), ms(t.Max)})
}

// MemorySample is the server's memory at one moment of the soak.
type MemorySample struct {
	At       time.Duration `json:"-"`
	Seconds  float64       `json:"seconds"`
	Resident float64       `json:"resident_bytes"` // process_resident_memory_bytes
	Heap     float64       `json:"heap_bytes"`     // go_memstats_heap_inuse_bytes
}

// SoakResult is what a soak measured, and what it found wrong.
type SoakResult struct {
	Elapsed time.Duration `json:"-"`
	Seconds float64       `json:"seconds"`
	Intake  Traffic       `json:"intake"`
	Status  Traffic       `json:"status_reads"`
	Lists   Traffic       `json:"staff_lists"`
	Audits  Traffic       `json:"audits"`
	// AuditedRows counts the rows of the audits that finished.
	AuditedRows int64          `json:"audited_rows"`
	Memory      []MemorySample `json:"memory"`
	// Growth compares the most resident memory in the soak's last sixth
	// with the most in its second sixth (the first is warm-up); Judged is
	// false when the soak was too short (under 3 minutes) to say.
	BaselineResident float64 `json:"baseline_resident_bytes"`
	EndResident      float64 `json:"end_resident_bytes"`
	Growth           float64 `json:"growth"`
	Judged           bool    `json:"memory_judged"`
	// Receipts given, and how many of them read back with the report they
	// were given for at the end.
	Receipts int `json:"receipts"`
	ReadBack int `json:"read_back"`
	Lost     int `json:"lost"`
	// Problems is empty when the soak passed.
	Problems []string `json:"problems"`
}

// OK reports whether the soak found nothing wrong.
func (r *SoakResult) OK() bool { return len(r.Problems) == 0 }

// minJudged is the shortest soak whose memory is judged: its sixths must be
// long enough to hold a few samples and to outlast a garbage collection.
const minJudged = 3 * time.Minute

// soak is one soak under way.
type soak struct {
	o      SoakOptions
	client *http.Client
	start  time.Time

	lists atomic.Int64 // list reads begun, to take the lists in turn

	mu       sync.Mutex
	res      SoakResult
	receipts []receipt
}

type receipt struct{ code, summary string }

// Soak runs a soak against a running server and returns what it measured.
// It first makes, through the API, the organisation, product and batch its
// audits belong to. An error means the soak could not run at all; what it
// found wrong while running is in the result's Problems.
func Soak(ctx context.Context, o SoakOptions) (*SoakResult, error) {
	if o.Duration <= 0 {
		return nil, errors.New("loadtest: a soak needs a duration")
	}
	if o.Sample <= 0 {
		o.Sample = 10 * time.Second
	}
	if o.MaxGrowth <= 0 {
		o.MaxGrowth = 0.10
	}
	s := &soak{o: o, client: o.Client}
	if s.client == nil {
		tr := &http.Transport{MaxIdleConnsPerHost: 64}
		defer tr.CloseIdleConnections()
		s.client = &http.Client{Transport: tr, Timeout: time.Minute}
	}
	o.URL = strings.TrimRight(o.URL, "/")
	s.o.URL = o.URL
	var product, batch int64
	if o.Lists > 0 || o.AuditRows > 0 {
		var err error
		if product, batch, err = s.setUp(ctx); err != nil {
			return nil, err
		}
	}

	run, stop := context.WithTimeout(ctx, o.Duration)
	defer stop()
	s.start = time.Now()
	var wg sync.WaitGroup
	// No request is begun once the time is up, but those under way are
	// answered (under ctx, not run): a report cut off mid-way might be
	// stored without its receipt reaching the soak.
	paced := func(perSecond float64, clients int, do func(ctx context.Context, client, i int)) {
		if perSecond <= 0 {
			return
		}
		lim := rate.NewLimiter(rate.Limit(perSecond), 1)
		for c := range clients {
			wg.Go(func() {
				for i := 0; lim.Wait(run) == nil; i++ {
					do(ctx, c, i)
				}
			})
		}
	}
	paced(o.Reports, 16, s.report)
	paced(o.Reads, 8, s.read)
	paced(o.Lists, 4, func(ctx context.Context, _, _ int) { s.list(ctx, product) })
	if o.AuditRows > 0 {
		// The audit in hand when the time is up is waited for (at most
		// ten minutes), so that it does not run on behind the read-back.
		wg.Go(func() {
			for run.Err() == nil {
				if !s.audit(ctx, batch) {
					// Not at once again: a refusal would be resent
					// as fast as the server answers.
					select {
					case <-run.Done():
					case <-time.After(5 * time.Second):
					}
				}
			}
		})
	}
	wg.Go(func() { s.watch(run) })
	wg.Wait()
	s.res.Elapsed = time.Since(s.start)
	s.sampleMemory(ctx)
	s.readBack(ctx)
	s.conclude()
	return &s.res, nil
}

// setUp makes the organisation, manufacturer, brand, product and batch the
// soak's staff lists filter on and its audits belong to.
func (s *soak) setUp(ctx context.Context) (product, batch int64, err error) {
	stamp := time.Now().UTC().Format("2006-01-02 15:04:05")
	var org, maker, brand, p, b struct{ ID int64 }
	steps := []struct {
		path string
		body map[string]any
		out  *struct{ ID int64 }
	}{
		{"/organisations", map[string]any{"legal_name": "Soak test " + stamp, "address": "Loopback"}, &org},
		{"/manufacturers", map[string]any{"name": "Soak test " + stamp, "address": "Loopback"}, &maker},
		{"/brands", nil, &brand},
		{"/products", nil, &p},
		{"/batches", nil, &b},
	}
	for _, st := range steps {
		switch st.path {
		case "/brands":
			st.body = map[string]any{"organisation_id": org.ID, "name": "Soak " + stamp}
		case "/products":
			st.body = map[string]any{"brand_id": brand.ID, "name": "Soak camera", "type": "camera", "model_number": "SOAK-" + stamp,
				"manufacturer_ids": []int64{maker.ID}}
		case "/batches":
			st.body = map[string]any{"product_id": p.ID, "code": "SOAK-" + stamp}
		}
		body, _ := json.Marshal(st.body)
		code, got, err := s.do(ctx, http.MethodPost, "/api/v1"+st.path, "application/json", body, "Bearer "+s.o.Token)
		if errors.Is(err, syscall.ECONNREFUSED) {
			return 0, 0, fmt.Errorf("no server answers at %s: start one to soak (psti serve --intake-rate 0), or give its --url", s.o.URL)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("setting up the soak: %w", err)
		}
		if code == http.StatusUnauthorized || code == http.StatusForbidden {
			return 0, 0, fmt.Errorf("the server refused the token (%d): give an editor's API token, from psti tokens create --role editor", code)
		}
		if code != http.StatusCreated {
			return 0, 0, fmt.Errorf("setting up the soak: POST /api/v1%s answered %d: %s", st.path, code, clip(got))
		}
		if err := json.Unmarshal(got, st.out); err != nil || st.out.ID == 0 {
			return 0, 0, fmt.Errorf("setting up the soak: POST /api/v1%s answered %s", st.path, clip(got))
		}
	}
	return p.ID, b.ID, nil
}

// do sends one request and reads the whole answer.
func (s *soak) do(ctx context.Context, method, path, contentType string, body []byte, authz string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.o.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	return res.StatusCode, got, err
}

// record counts one request of a kind: err nil, or what went wrong. A
// request cut short by the end of the soak is not counted at all.
func (s *soak) record(ctx context.Context, t *Traffic, d time.Duration, err error) {
	if err != nil && ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		t.Errors++
		if t.FirstErr == "" {
			t.FirstErr = err.Error()
		}
		return
	}
	t.Requests++
	t.lat = append(t.lat, d)
}

// call is do, timed and recorded, requiring the status want.
func (s *soak) call(ctx context.Context, t *Traffic, method, path, contentType string, body []byte, authz string, want int) ([]byte, bool) {
	t0 := time.Now()
	code, got, err := s.do(ctx, method, path, contentType, body, authz)
	if err == nil && code != want {
		err = fmt.Errorf("%s %s answered %d, not %d: %s", method, path, code, want, clip(got))
	}
	s.record(ctx, t, time.Since(t0), err)
	return got, err == nil
}

func (s *soak) report(ctx context.Context, c, i int) {
	summary := fmt.Sprintf("Soak report %d-%d: camera video visible without a password", c, i)
	body, _ := json.Marshal(map[string]string{"summary": summary,
		"details": "Open http://camera.local/live on the home network and the video plays; no password is asked. Firmware 2.0.1.",
		"product": "Soak camera"})
	got, ok := s.call(ctx, &s.res.Intake, http.MethodPost, "/api/v1/reports", "application/json", body, "", http.StatusCreated)
	if !ok {
		return
	}
	var r struct{ Receipt string }
	if err := json.Unmarshal(got, &r); err != nil || r.Receipt == "" {
		s.record(ctx, &s.res.Intake, 0, fmt.Errorf("a report's answer carries no receipt: %s", clip(got)))
		return
	}
	s.mu.Lock()
	s.receipts = append(s.receipts, receipt{r.Receipt, summary})
	s.mu.Unlock()
}

// pick returns a receipt given so far, chosen at random, or false.
func (s *soak) pick() (receipt, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.receipts) == 0 {
		return receipt{}, false
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(s.receipts))))
	return s.receipts[n.Int64()], true
}

func (s *soak) read(ctx context.Context, _, _ int) {
	r, ok := s.pick()
	if !ok {
		return
	}
	t0 := time.Now()
	code, got, err := s.do(ctx, http.MethodGet, "/api/v1/reports/status", "", nil, "Receipt "+r.code)
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("GET /api/v1/reports/status answered %d, not 200: %s", code, clip(got))
	}
	if err == nil {
		err = sameReport(got, r)
	}
	s.record(ctx, &s.res.Status, time.Since(t0), err)
}

// sameReport checks that a status read is of the report the receipt was
// given for.
func sameReport(got []byte, r receipt) error {
	var st struct{ Summary, Status string }
	if err := json.Unmarshal(got, &st); err != nil || st.Summary != r.summary || st.Status == "" {
		return fmt.Errorf("receipt %s reads %s, not the report %q", r.code, clip(got), r.summary)
	}
	return nil
}

// list reads one of the staff lists in turn, following the reports list's
// next link every so often so that deep pages are read too.
func (s *soak) list(ctx context.Context, product int64) {
	paths := []string{
		"/api/v1/reports?limit=50",
		"/api/v1/reports?status=open&limit=50",
		"/api/v1/reports?overdue=true&limit=50",
		"/api/v1/reports?status=received&limit=50",
		"/api/v1/reports?product_id=" + strconv.FormatInt(product, 10) + "&limit=50",
		"/api/v1/products",
		"/api/v1/batches",
		"/api/v1/audit?limit=50",
	}
	n := s.lists.Add(1)
	path := paths[n%int64(len(paths))]
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.o.URL+path, nil)
	if err != nil {
		s.record(ctx, &s.res.Lists, 0, err)
		return
	}
	req.Header.Set("Authorization", "Bearer "+s.o.Token)
	res, err := s.client.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err == nil && res.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s answered %d", path, res.StatusCode)
		}
	}
	s.record(ctx, &s.res.Lists, time.Since(t0), err)
	if err != nil || n%5 != 0 {
		return
	}
	// The next page, if the server offered one.
	if next := nextLink(res.Header.Get("Link")); next != "" {
		if rel, ok := strings.CutPrefix(next, s.o.URL); ok {
			next = rel
		}
		if strings.HasPrefix(next, "/") {
			s.call(ctx, &s.res.Lists, http.MethodGet, next, "", nil, "Bearer "+s.o.Token, http.StatusOK)
		}
	}
}

// nextLink returns the URL of a Link header's rel="next", or "".
func nextLink(h string) string {
	for part := range strings.SplitSeq(h, ",") {
		u, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if ok && strings.Contains(params, `rel="next"`) {
			return strings.Trim(strings.TrimSpace(u), "<>")
		}
	}
	return ""
}

// audit uploads one batch of new random passwords and waits for its
// verdict, which must be a pass: the passwords are made as psti passwords
// generate would make them.
func (s *soak) audit(ctx context.Context, batch int64) bool {
	t0 := time.Now()
	err := s.auditOnce(ctx, batch)
	s.record(ctx, &s.res.Audits, time.Since(t0), err)
	return err == nil
}

func (s *soak) auditOnce(ctx context.Context, batch int64) error {
	file := randomBatch(s.o.AuditRows)
	path := fmt.Sprintf("/api/v1/password-audits?batch_id=%d&file_name=soak.csv", batch)
	code, got, err := s.do(ctx, http.MethodPost, path, "text/csv", file, "Bearer "+s.o.Token)
	if err != nil {
		return err
	}
	if code != http.StatusAccepted {
		return fmt.Errorf("POST %s answered %d: %s", path, code, clip(got))
	}
	var run struct {
		ID       int64
		State    string
		Verdict  string
		Problem  string
		RowsRead int64 `json:"rows_read"`
	}
	if err := json.Unmarshal(got, &run); err != nil || run.ID == 0 {
		return fmt.Errorf("POST %s answered %s", path, clip(got))
	}
	wait, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
	defer cancel()
	for run.State == "queued" || run.State == "running" {
		select {
		case <-wait.Done():
			return fmt.Errorf("password audit %d still %s after 10 minutes", run.ID, run.State)
		case <-time.After(250 * time.Millisecond):
		}
		code, got, err = s.do(wait, http.MethodGet, fmt.Sprintf("/api/v1/password-audits/%d", run.ID), "", nil, "Bearer "+s.o.Token)
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			return fmt.Errorf("reading password audit %d answered %d: %s", run.ID, code, clip(got))
		}
		if err := json.Unmarshal(got, &run); err != nil {
			return err
		}
	}
	if run.State != "done" || run.Verdict != "pass" || run.RowsRead != int64(s.o.AuditRows) {
		return fmt.Errorf("password audit %d of %d random passwords ended %s, verdict %q, %d rows read %s", run.ID, s.o.AuditRows,
			run.State, run.Verdict, run.RowsRead, run.Problem)
	}
	s.mu.Lock()
	s.res.AuditedRows += run.RowsRead
	s.mu.Unlock()
	return nil
}

// batchAlphabet is the alphabet of the soak's passwords: no characters
// that are easily confused, as psti passwords generate uses by default.
const batchAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// randomBatch is a CSV batch of n devices, each with its own serial number
// and a password of 12 random characters.
func randomBatch(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 32)
	b.WriteString("serial,password\n")
	pw := make([]byte, 12)
	for i := range n {
		_, _ = rand.Read(pw)
		for j := range pw {
			pw[j] = batchAlphabet[int(pw[j])%len(batchAlphabet)]
		}
		fmt.Fprintf(&b, "SK-%08d,%s\n", i+1, pw)
	}
	return b.Bytes()
}

// watch samples the server's memory, and reports progress, until ctx ends.
func (s *soak) watch(ctx context.Context) {
	s.sampleMemory(ctx)
	tick := time.NewTicker(s.o.Sample)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.sampleMemory(ctx)
		if s.o.Progress != nil && time.Since(last) >= time.Minute {
			last = time.Now()
			s.mu.Lock()
			snap := s.res
			snap.Elapsed = time.Since(s.start)
			snap.Receipts = len(s.receipts)
			snap.Memory = slices.Clone(s.res.Memory)
			s.mu.Unlock()
			s.o.Progress(&snap)
		}
	}
}

// sampleMemory reads the server's memory from /metrics.
func (s *soak) sampleMemory(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	code, got, err := s.do(ctx, http.MethodGet, "/metrics", "", nil, "")
	if err == nil && code != http.StatusOK {
		err = fmt.Errorf("GET /metrics answered %d", code)
	}
	var m MemorySample
	if err == nil {
		m.Resident, err = metric(got, "process_resident_memory_bytes")
	}
	if err == nil {
		m.Heap, err = metric(got, "go_memstats_heap_inuse_bytes")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			s.res.Problems = append(s.res.Problems, "reading the server's memory: "+err.Error())
		}
		return
	}
	m.At = time.Since(s.start)
	m.Seconds = m.At.Seconds()
	s.res.Memory = append(s.res.Memory, m)
}

// metric reads the value of an unlabelled metric from a Prometheus text
// exposition.
func metric(page []byte, name string) (float64, error) {
	for line := range strings.SplitSeq(string(page), "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || !strings.HasPrefix(rest, " ") {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return 0, fmt.Errorf("/metrics gives %s no value", name)
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		return v, nil
	}
	return 0, fmt.Errorf("/metrics has no %s", name)
}

// readBack reads every report a receipt was given for, 16 at a time.
func (s *soak) readBack(ctx context.Context) {
	s.res.Receipts = len(s.receipts)
	next := make(chan receipt)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var lost []string
	for range 16 {
		wg.Go(func() {
			for r := range next {
				code, got, err := s.do(ctx, http.MethodGet, "/api/v1/reports/status", "", nil, "Receipt "+r.code)
				if err == nil && code != http.StatusOK {
					err = fmt.Errorf("answered %d: %s", code, clip(got))
				}
				if err == nil {
					err = sameReport(got, r)
				}
				mu.Lock()
				if err != nil {
					lost = append(lost, fmt.Sprintf("receipt %s (%q): %v", r.code, r.summary, err))
				} else {
					s.res.ReadBack++
				}
				mu.Unlock()
			}
		})
	}
	for _, r := range s.receipts {
		if ctx.Err() != nil {
			break
		}
		next <- r
	}
	close(next)
	wg.Wait()
	s.res.Lost = len(lost)
	if s.res.Lost > 0 {
		s.res.Problems = append(s.res.Problems, fmt.Sprintf("%d of %d reports did not read back with their receipts; the first: %s",
			s.res.Lost, s.res.Receipts, lost[0]))
	}
	if unread := s.res.Receipts - s.res.ReadBack - s.res.Lost; unread > 0 {
		s.res.Problems = append(s.res.Problems, fmt.Sprintf("%d of %d receipts were not read back: the soak was stopped", unread, s.res.Receipts))
	}
}

// conclude works out the latencies and the memory's growth, and lists
// what went wrong.
func (s *soak) conclude() {
	r := &s.res
	r.Seconds = r.Elapsed.Seconds()
	for _, k := range []struct {
		name string
		t    *Traffic
	}{{"security reports", &r.Intake}, {"status reads", &r.Status}, {"staff list reads", &r.Lists}, {"password audits", &r.Audits}} {
		t := k.t
		slices.Sort(t.lat)
		if n := len(t.lat); n > 0 {
			t.P50, t.P99, t.Max = t.lat[n/2], t.lat[min(n*99/100, n-1)], t.lat[n-1]
		}
		if t.Errors > 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%d of %d %s failed; the first: %s", t.Errors, t.Errors+t.Requests, k.name, t.FirstErr))
		}
	}
	// Judged over the time the load was on: the wait for the last audit
	// after it is sampled once, at the end.
	r.BaselineResident, r.EndResident, r.Growth, r.Judged = Growth(r.Memory, s.o.Duration)
	if r.Judged && r.Growth > s.o.MaxGrowth {
		r.Problems = append(r.Problems, fmt.Sprintf("the server's resident memory grew by %.1f%% (from %.0f MiB to %.0f MiB), more than the %.0f%% allowed",
			100*r.Growth, r.BaselineResident/(1<<20), r.EndResident/(1<<20), 100*s.o.MaxGrowth))
	}
}

// Growth compares the most resident memory sampled in the last sixth of a
// soak of length d with the most in its second sixth: the first sixth is
// warm-up, while caches fill and the heap finds its size. judged is false
// when d is under three minutes or a window holds no sample.
func Growth(samples []MemorySample, d time.Duration) (baseline, end, growth float64, judged bool) {
	if d < minJudged {
		return 0, 0, 0, false
	}
	sixth := d / 6
	for _, m := range samples {
		switch {
		case m.At >= sixth && m.At < 2*sixth:
			baseline = max(baseline, m.Resident)
		case m.At >= d-sixth:
			end = max(end, m.Resident)
		}
	}
	if baseline == 0 || end == 0 {
		return baseline, end, 0, false
	}
	return baseline, end, end/baseline - 1, true
}

// clip shortens an answer quoted in a message.
func clip(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
