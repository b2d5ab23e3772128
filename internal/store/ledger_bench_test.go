package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// benchEntries makes n support-period entries of a realistic size (about
// 230 bytes encoded).
func benchEntries(n int, from int) []*ledger.Entry {
	es := make([]*ledger.Entry, n)
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for i := range es {
		k := from + i
		es[i] = &ledger.Entry{Kind: ledger.KindSupportExtended, At: at, Subject: fmt.Sprintf("product/doorbell-pro-%d", k%100000),
			Record: json.RawMessage(fmt.Sprintf(`{"period_id":%d,"product":"doorbell-pro-%d","end_date":"2031-03-31","previous_end_date":"2030-03-31","reason":"Extended with the 2027 hardware refresh."}`, k, k%100000))}
	}
	return es
}

// BenchmarkLogAppend measures appending to the log in batches of 1,000
// entries, each batch one transaction with its signed checkpoint, on
// SQLite and PostgreSQL (issue target: 50,000 entries/s on SQLite).
//
//	go test -run '^$' -bench BenchmarkLogAppend -benchtime 200x ./internal/store/
func BenchmarkLogAppend(b *testing.B) {
	for _, be := range []storetest.Backend{storetest.SQLite, storetest.Postgres} {
		b.Run(be.Name, func(b *testing.B) {
			db, _ := storetest.Open(b, be)
			ctx := context.Background()
			if err := db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "bench.example/log"}); err != nil {
				b.Fatal(err)
			}
			const batch = 1000
			b.ResetTimer()
			for i := range b.N {
				if _, err := db.AppendLog(ctx, psti.System("bench"), benchEntries(batch, i*batch)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// BenchmarkLogProof measures inclusion and consistency proofs read from an
// SQLite log of PSTI_BENCH_LOG_ENTRIES entries (default 100,000; the issue
// asks for 10,000,000, which takes a few minutes to build). Set
// PSTI_BENCH_LOG_DB to a file path to keep the built log between runs. It
// also logs the database's size per entry, and how long reading the upper
// tree hashes into memory takes (as psti serve does when it starts).
//
//	PSTI_BENCH_LOG_ENTRIES=10000000 PSTI_BENCH_LOG_DB=/tmp/log10m.db go test -run '^$' -bench BenchmarkLogProof -benchtime 20000x ./internal/store/
func BenchmarkLogProof(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("PSTI_BENCH_LOG_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	path := os.Getenv("PSTI_BENCH_LOG_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "log.db")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "bench.example/log"}); err != nil {
		b.Fatal(err)
	}
	_, c, err := db.LogCheckpoint(ctx)
	if err != nil {
		b.Fatal(err)
	}
	started := time.Now()
	for size := int(c.Size); size < n; {
		k := min(10_000, n-size)
		if _, err := db.AppendLog(ctx, psti.System("bench"), benchEntries(k, size)); err != nil {
			b.Fatal(err)
		}
		size += k
	}
	if built := time.Since(started); built > time.Second {
		b.Logf("built a log of %d entries in %s", n, built.Round(time.Second))
	}
	_, c, err = db.LogCheckpoint(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if fi, err := os.Stat(path); err == nil && c.Size > 0 {
		b.Logf("database file: %d bytes, %.0f bytes an entry", fi.Size(), float64(fi.Size())/float64(c.Size))
	}
	warm := time.Now()
	if err := db.WarmLogCache(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("read the upper tree hashes of %d entries into memory in %s", c.Size, time.Since(warm).Round(time.Millisecond))
	size := c.Size
	rnd := rand.New(rand.NewPCG(1, 2))
	b.Run(fmt.Sprintf("inclusion/%d", size), func(b *testing.B) {
		for b.Loop() {
			if _, err := db.ProveLogInclusion(ctx, rnd.Int64N(size), size); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("consistency/%d", size), func(b *testing.B) {
		for b.Loop() {
			if _, err := db.ProveLogConsistency(ctx, 1+rnd.Int64N(size-1), size); err != nil {
				b.Fatal(err)
			}
		}
	})
}
