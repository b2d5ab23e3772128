package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// TestReportCounts checks that the dashboard's counters in report_counts
// add up to a count of the reports themselves, by status and due day,
// after reports arrive together with promises due on different days, after
// changes to them, and after a fill, on both back ends; and that the check
// sees a report no counter counted.
func TestReportCounts(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			if b.Name == "postgres" {
				storetest.PostgresURL(t) // skips without a PostgreSQL
			}
			db, clock := storetest.Open(t, b)
			ctx := context.Background()
			s := storetest.NewSeed(t, db)
			noDrift := func(when string) {
				t.Helper()
				drift, err := db.ReportCountsDrift(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(drift) > 0 {
					t.Fatalf("%s, the counters differ from the reports: %v", when, drift)
				}
			}

			const n = 120
			reports := make([]*disclosure.Report, n)
			errs := make(chan error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					r := &disclosure.Report{OrganisationID: s.Org.ID, Summary: fmt.Sprintf("report %d", i), Details: "details",
						Status: disclosure.StatusReceived, ReceivedAt: clock.Now()}
					if i%4 != 0 {
						// Due on one of five days, some at the very start of one.
						due := clock.Now().Truncate(24*time.Hour).AddDate(0, 0, i%5).Add(time.Duration(i%3) * 11 * time.Hour)
						r.Due, r.DueWhat = &due, "acknowledgement"
					}
					_, h := disclosure.NewReceipt()
					reports[i] = r
					errs <- db.SubmitReport(ctx, r, h, disclosure.Event{At: clock.Now(), Kind: disclosure.EventReceived, Public: true, Status: r.Status})
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			noDrift("after intake")
			if got, err := db.CountReports(ctx, disclosure.Filter{Status: "open"}); err != nil || got != n {
				t.Fatalf("open reports counted %d (%v), want %d", got, err, n)
			}

			editor := psti.Actor{UserID: 7, Label: "editor@example.com"}
			for i, r := range reports[:30] {
				r, err := db.Report(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				now := clock.Now()
				if i%2 == 0 {
					due := now.Add(30 * 24 * time.Hour)
					r.Status, r.AcknowledgedAt, r.Due, r.DueWhat = disclosure.StatusAcknowledged, &now, &due, "status update"
				} else {
					r.Status, r.ClosedAt, r.Due, r.DueWhat = disclosure.StatusResolved, &now, nil, ""
				}
				if err := db.SaveReport(ctx, editor, r, disclosure.Event{At: now, Kind: disclosure.EventAcknowledged, Status: r.Status}); err != nil {
					t.Fatal(err)
				}
			}
			noDrift("after changes")

			if err := db.FillReports(ctx, 500, 3, s.Product.ID, 0, clock.Now()); err != nil {
				t.Fatal(err)
			}
			noDrift("after a fill")

			// A report stored without being counted is seen.
			if err := db.Exec(ctx, `INSERT INTO reports (receipt_hash, summary, details, status, received_at, updated_at) VALUES ($1, 's', 'd', 'received', $2, $2)`,
				[]byte("uncounted"), clock.Now()); err != nil {
				t.Fatal(err)
			}
			drift, err := db.ReportCountsDrift(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(drift) != 1 {
				t.Fatalf("a report no counter counted: drift %v, want one counter", drift)
			}
		})
	}
}
