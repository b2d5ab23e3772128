package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// TestAdvisoriesGainRevisions: an advisory published before revisions
// existed becomes revision 1 of its history, its fixed version is kept, and
// afterwards the database itself refuses any change to a published
// advisory but its next revision, on both back ends.
func TestAdvisoriesGainRevisions(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			url := b.URL(t)
			db, err := store.Open(ctx, url, store.Options{NoMigrate: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.MigrateUpTo(ctx, 9); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO reports (id, receipt_hash, summary, details, status, received_at, updated_at) VALUES (1, $1, 's', 'd', 'resolved', $2, $2)`, []any{[]byte("hash"), now}},
				{`INSERT INTO advisories (id, tracking_id, report_id, title, summary, remedy, fixed_in, product, published_at, csaf)
					VALUES (1, 'ACME-2026-0001', 1, 'T', 'S', 'R', '2.1', 'Doorbell', $1, '{}')`, []any{now}},
			} {
				if err := db.Exec(ctx, q.sql, q.args...); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()

			db, err = store.Open(ctx, url, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			a, err := db.AdvisoryByTracking(ctx, "acme-2026-0001")
			if err != nil {
				t.Fatal(err)
			}
			if a.Revision != 1 || len(a.History) != 1 || a.History[0].Summary != "First publication." || !a.History[0].Date.Equal(now) ||
				!a.UpdatedAt.Equal(now) || len(a.Fixed) != 1 || a.Fixed[0] != "2.1 and later" {
				t.Fatalf("after the migration: %+v", a)
			}
			for _, refused := range []string{
				`UPDATE advisories SET revision = 3`,
				`UPDATE advisories SET tracking_id = 'ACME-2026-0009', revision = 2`,
				`UPDATE advisories SET published_at = updated_at, revision = 2`,
				`DELETE FROM advisories`,
				`UPDATE advisory_revisions SET summary = 'changed'`,
				`DELETE FROM advisory_revisions`,
			} {
				if err := db.Exec(ctx, refused); err == nil {
					t.Errorf("the database took %q", refused)
				}
			}
			if err := db.Exec(ctx, `UPDATE advisories SET title = 'T2', revision = 2`); err != nil {
				t.Errorf("the next revision was refused: %v", err)
			}
		})
	}
}
