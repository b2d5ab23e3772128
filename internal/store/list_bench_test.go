package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// benchNow is the clock of the report-list fixture.
var benchNow = storetest.KeptNow

// benchReports opens the report-list fixture (storetest.KeptReports: one
// in 20 reports open, one in 10 about product 1, one in 20 assigned to
// user 1), making it the first time.
func benchReports(b *testing.B, be storetest.Backend) *store.DB {
	u, n := storetest.KeptReports(b, be, true)
	ctx := context.Background()
	clock := &storetest.Clock{}
	clock.Set(benchNow)
	db, err := store.Open(ctx, u, store.Options{Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	have, err := db.CountReports(ctx, disclosure.Filter{})
	if err != nil {
		b.Fatal(err)
	}
	if have == n {
		return db
	}
	if have != 0 {
		b.Fatalf("the kept fixture %s has %d reports, not %d: remove it", u, have, n)
	}
	start := time.Now()
	s := storetest.NewSeed(b, db)
	inv := &auth.Invitation{Role: auth.Editor, CreatedAt: benchNow, ExpiresAt: benchNow.Add(time.Hour)}
	if err := db.CreateInvitation(ctx, psti.System("bench"), inv, []byte("bench")); err != nil {
		b.Fatal(err)
	}
	user, err := db.AcceptInvitation(ctx, inv.ID, &auth.User{Email: "bench@example.com", Role: auth.Editor}, "x", benchNow)
	if err != nil {
		b.Fatal(err)
	}
	if s.Product.ID != 1 || user.ID != 1 {
		b.Fatalf("fixture product %d, user %d: the benchmarks ask for 1", s.Product.ID, user.ID)
	}
	if err := db.FillReports(ctx, n, 20, s.Product.ID, user.ID, benchNow); err != nil {
		b.Fatal(err)
	}
	b.Logf("made %d reports in %s", n, time.Since(start).Round(time.Second))
	return db
}

// BenchmarkReportLists times each staff list of reports (the first page
// and a page 10,000 reports deep, of 100 reports) and the dashboard's
// counts, at a million reports (issue 16: lists < 20 ms, counts < 5 ms).
// The fixture takes a minute or two to make the first time.
//
//	. /root/env.sh; go test -run '^$' -bench BenchmarkReportLists -benchtime 50x ./internal/store/
func BenchmarkReportLists(b *testing.B) {
	lists := []struct {
		name string
		f    disclosure.Filter
	}{
		{"all", disclosure.Filter{}},
		{"open", disclosure.Filter{Status: "open"}},
		{"closed", disclosure.Filter{Status: "closed"}},
		{"status=investigating", disclosure.Filter{Status: disclosure.StatusInvestigating}},
		{"status=resolved", disclosure.Filter{Status: disclosure.StatusResolved}},
		{"product", disclosure.Filter{ProductID: 1}},
		{"product open", disclosure.Filter{ProductID: 1, Status: "open"}},
		{"assignee", disclosure.Filter{Assignee: 1}},
		{"overdue", disclosure.Filter{Overdue: benchNow}},
	}
	counts := []struct {
		name string
		f    disclosure.Filter
	}{
		{"open", disclosure.Filter{Status: "open"}},
		{"overdue", disclosure.Filter{Overdue: benchNow}},
		{"all", disclosure.Filter{}},
		{"status=resolved", disclosure.Filter{Status: disclosure.StatusResolved}},
	}
	for _, be := range []storetest.Backend{storetest.SQLite, storetest.Postgres} {
		b.Run(be.Name, func(b *testing.B) {
			db := benchReports(b, be)
			ctx := context.Background()
			for _, l := range lists {
				f := l.f
				f.Limit = 100
				b.Run("list/"+l.name+"/first", func(b *testing.B) {
					for b.Loop() {
						if rs, err := db.Reports(ctx, f); err != nil || len(rs) == 0 {
							b.Fatal(len(rs), err)
						}
					}
				})
				// The page after the 10,000th report, reached by key.
				at := l.f
				at.Offset, at.Limit = 9999, 1
				rs, err := db.Reports(ctx, at)
				if err != nil {
					b.Fatal(err)
				}
				if len(rs) == 0 {
					continue // a list shorter than 10,000
				}
				f.After = disclosure.ReportKey(rs[0])
				b.Run("list/"+l.name+"/deep", func(b *testing.B) {
					for b.Loop() {
						if rs, err := db.Reports(ctx, f); err != nil || len(rs) == 0 {
							b.Fatal(len(rs), err)
						}
					}
				})
			}
			for _, c := range counts {
				b.Run("count/"+c.name, func(b *testing.B) {
					for b.Loop() {
						if _, err := db.CountReports(ctx, c.f); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
