package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

// testReportLists pages through every report list by key and by offset,
// and checks each against the same list made here from every report, and
// the dashboard's counts against the reports after every kind of change.
func testReportLists(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	inv := &auth.Invitation{Role: auth.Editor, CreatedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)}
	must(t, db.CreateInvitation(ctx, psti.System("test"), inv, []byte("hash-lists")))
	u, err := db.AcceptInvitation(ctx, inv.ID, &auth.User{Email: "lists@example.com", Role: auth.Editor}, "x", clock.Now())
	must(t, err)

	start := clock.Now().UTC()
	var ids []int64
	for i := range 60 {
		_, h := disclosure.NewReceipt()
		r := &disclosure.Report{OrganisationID: s.Org.ID, Summary: fmt.Sprintf("report %d", i), Details: "d", Status: disclosure.StatusReceived,
			ReceivedAt: clock.Now()}
		if i%3 == 0 {
			r.ProductID = s.Product.ID
		}
		if i%7 != 6 {
			// Due dates with ties, half an hour apart, over two days.
			due := start.Add(time.Duration(i%5) * 30 * time.Minute).Add(time.Duration(i%2) * 24 * time.Hour)
			r.Due, r.DueWhat = &due, "acknowledgement"
		}
		must(t, db.SubmitReport(ctx, r, h, disclosure.Event{At: clock.Now(), Kind: disclosure.EventReceived, Public: true, Status: r.Status}))
		ids = append(ids, r.ID)
	}
	checkCounts := func(when string) {
		t.Helper()
		all := allReports(t, db, len(ids))
		for _, at := range []time.Time{start.Add(-time.Hour), start.Add(45 * time.Minute), start.Add(25 * time.Hour), start.Add(72 * time.Hour)} {
			for _, f := range []disclosure.Filter{{}, {Status: "open"}, {Status: "closed"}, {Status: disclosure.StatusReceived}, {Status: disclosure.StatusResolved},
				{Overdue: at}, {Status: disclosure.StatusAcknowledged, Overdue: at}, {ProductID: s.Product.ID}, {Assignee: u.ID, Status: "open"}} {
				n, err := db.CountReports(ctx, f)
				must(t, err)
				if want := len(selectReports(all, f)); n != want {
					t.Fatalf("%s: %+v counts %d, want %d", when, f, n, want)
				}
			}
		}
	}
	checkCounts("after intake")

	// Every kind of change to a report: acknowledged (a new due date),
	// triaged (product, assignee), closed (no due date), a status and due
	// date changed together, and an event appended (nothing counted moves).
	change := func(id int64, fn func(r *disclosure.Report)) {
		t.Helper()
		r, err := db.Report(ctx, id)
		must(t, err)
		fn(r)
		must(t, db.SaveReport(ctx, editor, r, disclosure.Event{At: clock.Now(), Kind: disclosure.EventNote, Status: r.Status}))
	}
	for i, id := range ids {
		switch i % 6 {
		case 1:
			change(id, func(r *disclosure.Report) {
				r.Status = disclosure.StatusAcknowledged
				due := start.Add(time.Duration(i) * time.Hour)
				r.Due, r.DueWhat = &due, "status update"
			})
		case 2:
			change(id, func(r *disclosure.Report) { r.AssigneeID, r.ProductID = u.ID, s.Product.ID })
		case 3:
			change(id, func(r *disclosure.Report) { r.Status, r.Due, r.DueWhat = disclosure.StatusResolved, nil, "" })
		case 4:
			change(id, func(r *disclosure.Report) {
				r.Status, r.AssigneeID = disclosure.StatusInvestigating, u.ID
				if r.Due != nil {
					due := r.Due.Add(-time.Minute)
					r.Due = &due
				}
			})
		case 5:
			must(t, db.AppendEvent(ctx, editor, id, disclosure.Event{At: clock.Now(), Kind: disclosure.EventReporter, Public: true, Body: "more"}))
		}
		if i%10 == 0 {
			checkCounts(fmt.Sprintf("after changing report %d", i))
		}
	}
	checkCounts("after every change")

	all := allReports(t, db, len(ids))
	filters := []disclosure.Filter{{}, {Status: "open"}, {Status: "closed"}, {Status: disclosure.StatusAcknowledged}, {Status: disclosure.StatusResolved},
		{ProductID: s.Product.ID}, {ProductID: s.Product.ID, Status: "open"}, {Assignee: u.ID}, {Overdue: start.Add(26 * time.Hour)},
		{Overdue: start.Add(30 * time.Hour), ProductID: s.Product.ID}}
	for _, f := range filters {
		want := selectReports(all, f)
		for _, size := range []int{1, 4, 7, 1000} {
			// By key.
			var got []int64
			f := f
			f.Limit = size
			for pages := 0; ; pages++ {
				page, err := db.Reports(ctx, f)
				must(t, err)
				for _, r := range page {
					got = append(got, r.ID)
				}
				if len(page) < size || pages > len(ids) {
					break
				}
				f.After = disclosure.ReportKey(page[len(page)-1])
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%+v by key, %d a page:\n got %v\nwant %v", f, size, got, want)
			}
			// By offset.
			got = got[:0]
			f.After = ""
			for f.Offset = 0; f.Offset <= len(ids); f.Offset += size {
				page, err := db.Reports(ctx, f)
				must(t, err)
				for _, r := range page {
					got = append(got, r.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%+v by offset, %d a page:\n got %v\nwant %v", f, size, got, want)
			}
		}
	}
	for _, bad := range []string{"x", "dGVzdA", disclosure.ReportKey(&disclosure.Report{})} {
		_, err := db.Reports(ctx, disclosure.Filter{After: bad})
		wantCode(t, err, psti.EINVALID, "")
	}
}

// allReports reads every report one at a time, so that lists are checked
// against what does not go through them.
func allReports(t *testing.T, db *store.DB, n int) []*disclosure.Report {
	t.Helper()
	var out []*disclosure.Report
	for id := int64(1); len(out) < n && id < int64(10*n); id++ {
		r, err := db.Report(context.Background(), id)
		if psti.ErrorCode(err) == psti.ENOTFOUND {
			continue
		}
		must(t, err)
		out = append(out, r)
	}
	return out
}

// selectReports is what a list with filter f holds, in its order: the
// reports with a due date, earliest first and the newest first among
// equal dates, then the others, newest first.
func selectReports(all []*disclosure.Report, f disclosure.Filter) []int64 {
	var sel []*disclosure.Report
	for _, r := range all {
		open := disclosure.Open(r.Status)
		switch {
		case f.Status == "open" || (f.Status == "" && !f.Overdue.IsZero()):
			if !open {
				continue
			}
		case f.Status == "closed":
			if open {
				continue
			}
		case f.Status != "" && r.Status != f.Status:
			continue
		}
		if (f.ProductID != 0 && r.ProductID != f.ProductID) || (f.Assignee != 0 && r.AssigneeID != f.Assignee) {
			continue
		}
		if !f.Overdue.IsZero() && (r.Due == nil || !r.Due.Before(f.Overdue)) {
			continue
		}
		sel = append(sel, r)
	}
	slices.SortFunc(sel, func(a, b *disclosure.Report) int {
		switch {
		case a.Due != nil && b.Due != nil:
			if c := a.Due.Compare(*b.Due); c != 0 {
				return c
			}
		case a.Due != nil:
			return -1
		case b.Due != nil:
			return 1
		}
		return cmp.Compare(b.ID, a.ID)
	})
	ids := []int64{}
	for _, r := range sel {
		ids = append(ids, r.ID)
	}
	return ids
}
