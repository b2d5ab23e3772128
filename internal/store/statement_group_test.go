package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// TestIssueStatementsTogether: statements issued at the same moment are
// committed in one transaction, yet each is judged on its own: a refused
// one (a rendering whose hash is wrong, a draft issued twice) is rolled
// back alone, and every other is issued and logged once (PSTI-SOC-05).
func TestIssueStatementsTogether(t *testing.T) {
	for _, be := range storetest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			db, _ := storetest.Open(t, be)
			if err := db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "shop.example/log"}); err != nil {
				t.Fatal(err)
			}
			editor := psti.Actor{UserID: 7, Label: "editor@example.com"}
			seed := storetest.NewSeed(t, db)
			ids := make([]int64, 5)
			for i := range ids {
				r := &statement.Record{ProductID: seed.Product.ID, Content: storetest.StatementContent()}
				if err := db.CreateStatement(ctx, editor, r); err != nil {
					t.Fatal(err)
				}
				ids[i] = r.ID
			}
			_, before, err := db.LogCheckpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			bad := storetest.Renderings("bad")
			bad[0].Data = []byte("not what was hashed")
			requests := []struct {
				id         int64
				renderings []statement.Rendering
			}{
				{ids[0], storetest.Renderings("0")},
				{ids[1], bad},
				{ids[2], storetest.Renderings("2")},
				{ids[3], storetest.Renderings("3")},
				{ids[3], storetest.Renderings("3 again")},
				{ids[4], storetest.Renderings("4")},
			}
			queued, release := db.HoldIssuing()
			results := make([]*statement.Record, len(requests))
			errs := make([]error, len(requests))
			var wg sync.WaitGroup
			for i, req := range requests {
				wg.Go(func() {
					results[i], errs[i] = db.IssueStatement(ctx, editor, req.id, req.renderings)
				})
			}
			for deadline := time.Now().Add(10 * time.Second); queued() < len(requests); time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					release()
					t.Fatalf("only %d of %d statements queued", queued(), len(requests))
				}
			}
			release()
			wg.Wait()

			if psti.ErrorCode(errs[1]) != psti.EINVALID {
				t.Errorf("a rendering with a wrong hash: %v", errs[1])
			}
			if r, err := db.Statement(ctx, ids[1]); err != nil || r.Status != statement.StatusDraft || len(r.Renderings) != 0 {
				t.Errorf("the refused statement was not left a draft: %+v %v", r, err)
			}
			// The same draft twice: one issues it, the other is refused.
			if (errs[3] == nil) == (errs[4] == nil) || psti.ErrorCode(errs[3])+psti.ErrorCode(errs[4]) != psti.ECONFLICT {
				t.Errorf("the same draft issued twice at once: %v, %v", errs[3], errs[4])
			}
			seen := map[int64]bool{}
			for i, r := range results {
				if errs[i] != nil {
					continue
				}
				if r.Status != statement.StatusIssued || r.LogIndex == nil || seen[*r.LogIndex] {
					t.Fatalf("issued %+v", r)
				}
				seen[*r.LogIndex] = true
				data, err := db.LogEntry(ctx, *r.LogIndex)
				if err != nil {
					t.Fatal(err)
				}
				e, err := ledger.ParseEntry(data)
				if err != nil || e.Subject != "statement/"+r.Number {
					t.Fatalf("log entry %d of %s: %s %v", *r.LogIndex, r.Number, data, err)
				}
				kept, err := db.Statement(ctx, r.ID)
				if err != nil || kept.Status != statement.StatusIssued || len(kept.Renderings) != 2 {
					t.Fatalf("kept %+v %v", kept, err)
				}
			}
			if len(seen) != 4 {
				t.Fatalf("%d statements issued, want 4", len(seen))
			}
			_, after, err := db.LogCheckpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after.Size != before.Size+4 {
				t.Fatalf("the log grew from %d to %d entries for 4 statements", before.Size, after.Size)
			}
		})
	}
}
