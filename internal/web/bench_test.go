package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psti/psti/bench/intake"
	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/loadtest"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// BenchmarkProductList measures authenticated requests for the product list
// (50 products, each with a manufacturer and an identifier) over loopback
// HTTP with keep-alive, on each back end. Each request checks the API token
// against the database and reads the list with its links. The client runs in
// the same process, so client and server share the machine's cores.
//
//	go test -run '^$' -bench BenchmarkProductList -benchtime 5s ./internal/web/
func BenchmarkProductList(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend.Name, func(b *testing.B) {
			e := newEnv(b, backend)
			ctx := context.Background()
			seed := storetest.NewSeed(b, e.db)
			for i := range 49 {
				p := &product.Product{BrandID: seed.Brand.ID, Name: fmt.Sprintf("Camera %d", i), Type: "camera",
					ModelNumber: fmt.Sprintf("CAM-%03d", i), ManufacturerIDs: []int64{seed.Makers[0].ID},
					Identifiers: []product.Identifier{{Scheme: product.SchemeSKU, Value: fmt.Sprintf("SKU-%d", i)}}}
				if err := e.db.CreateProduct(ctx, psti.System("bench"), p); err != nil {
					b.Fatal(err)
				}
			}
			tr := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}
			client := &http.Client{Transport: tr}
			url := e.ts.URL + "/api/v1/products"
			token := "Bearer " + e.tokens[auth.Viewer]
			b.SetParallelism(8) // 16 client goroutines on 2 cores
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", url, nil)
					req.Header.Set("Authorization", token)
					res, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Errorf("status %d", res.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

// BenchmarkIntake measures security reports sent over the public API by 32
// clients at once, each waiting for its receipt, on each back end: a report
// is answered only once it is durably committed (SQLite with
// synchronous=FULL, PostgreSQL with synchronous_commit on). Before each
// back end, its baseline (bench/intake: the same JSON decoded and one
// durable row written, group-committed on SQLite, one transaction per
// request over a pool of 32 on PostgreSQL) is measured the same way, and
// psti's rate is reported as a ratio of it ("x-baseline"; with -count, of
// the median of the baseline's runs, which go test makes before psti's).
// "bare" decodes
// the same JSON and answers with a receipt but stores nothing: the ceiling
// set by HTTP and JSON alone on this machine.
//
//	PSTI_TEST_DATABASE_URL=… go test -run '^$' -bench BenchmarkIntake -benchtime 20000x ./internal/web/
func BenchmarkIntake(b *testing.B) {
	body := []byte(`{"summary": "Camera video visible without a password", "details": "Open http://camera.local/live on the home network and the video plays; no password is asked. Firmware 2.0.1.", "product": "Acme Cam 2"}`)
	run := func(b *testing.B, url string) float64 {
		b.ResetTimer()
		res, err := loadtest.Run(context.Background(), loadtest.Options{URL: url, ContentType: "application/json", Body: body,
			Connections: 32, Requests: b.N})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if res.Errors > 0 {
			b.Fatalf("%d requests failed: %v", res.Errors, res.FirstErr)
		}
		b.ReportMetric(res.Rate(), "reports/s")
		b.ReportMetric(float64(res.Quantile(0.5).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(res.Quantile(0.99).Microseconds())/1000, "p99-ms")
		b.ReportMetric(0, "ns/op")
		return res.Rate()
	}
	b.Run("bare", func(b *testing.B) {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var in struct {
				Summary, Details, Product string
			}
			if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil || in.Summary == "" {
				http.Error(w, "bad", http.StatusBadRequest)
				return
			}
			code, _ := disclosure.NewReceipt()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(map[string]string{"receipt": code, "status_url": "http://psti.test/security/status"})
		}))
		defer ts.Close()
		run(b, ts.URL)
	})
	for _, backend := range storetest.Backends {
		var baseline []float64
		b.Run("baseline-"+backend.Name, func(b *testing.B) {
			ctx := context.Background()
			var base *intake.Baseline
			var err error
			if backend.Name == storetest.SQLite.Name {
				base, err = intake.SQLite(ctx, filepath.Join(b.TempDir(), "baseline.db"))
			} else {
				base, err = intake.PostgreSQL(ctx, storetest.PostgresURL(b), 32)
			}
			if err != nil {
				b.Fatal(err)
			}
			ts := httptest.NewServer(base)
			defer base.Close()
			defer ts.Close()
			if rate := run(b, ts.URL); b.N > 1 { // not go test's first run of one
				baseline = append(baseline, rate)
			}
			if n, err := base.Count(ctx); err != nil || n < int64(b.N) {
				b.Fatalf("%d reports stored for %d receipts (%v)", n, b.N, err)
			}
		})
		b.Run(backend.Name, func(b *testing.B) {
			e := newEnv(b, backend)
			storetest.NewSeed(b, e.db)
			rate := run(b, e.ts.URL+"/api/v1/reports")
			if len(baseline) > 0 {
				slices.Sort(baseline)
				b.ReportMetric(rate/baseline[len(baseline)/2], "x-baseline")
			}
			if b.N > 0 {
				n, err := e.db.Counts(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if n["reports"] < int64(b.N) {
					b.Fatalf("%d reports stored for %d receipts", n["reports"], b.N)
				}
			}
		})
	}
}

// BenchmarkAttachmentIntake sends 32 security reports at once, each with a
// 25 MiB file, through the report form, and reports the most memory the
// process held meanwhile (sampled every 5 ms): files are kept in the work
// folder as they arrive and stored a piece at a time, so it stays far below
// the 800 MiB the files come to.
//
//	go test -run '^$' -bench BenchmarkAttachmentIntake -benchtime 3x ./internal/web/
func BenchmarkAttachmentIntake(b *testing.B) {
	e := newEnv(b, storetest.SQLite)
	file := bytes.Repeat([]byte("0123456789abcdef"), 25<<20/16)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("summary", "Firmware image with keys")
	w.WriteField("details", "The attached image holds private keys.")
	part, _ := w.CreateFormFile("attachments", "firmware.bin")
	part.Write(file)
	w.Close()
	form, ct := body.Bytes(), w.FormDataContentType()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(func() {
				res, err := client.Post(e.ts.URL+"/security/report", ct, bytes.NewReader(form))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Errorf("status %d", res.StatusCode)
				}
			})
		}
		wg.Wait()
	}
	close(done)
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/(1<<20), "peak-heap-MiB-above-start")
	b.ReportMetric(float64(len(form))*32/(1<<20), "MiB-sent-per-op")
}
