package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/support"
)

// TestSupportHistoryVerifies is the scripted history of a support period,
// on both back ends: published, extended twice, then shortened by the
// store (refused, ECONFLICT) and by hand-written SQL (refused by the
// database's trigger). The log exported afterwards proves, with psti
// verify product and nothing else, that the end date never went
// backwards, listing each logged change (PSTI-DSP-05).
func TestSupportHistoryVerifies(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			url := b.URL(t)
			db, err := store.Open(ctx, url, store.Options{})
			must(t, err)
			must(t, db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "shop.example/log"}))
			a := psti.System("test")
			seed := storetest.NewSeed(t, db)
			p := &support.Period{ProductID: seed.Product.ID, EndDate: "2030-03-31"}
			must(t, db.CreatePeriod(ctx, a, p))
			_, err = db.PublishPeriod(ctx, a, p.ID, 0)
			must(t, err)
			_, err = db.ExtendPeriod(ctx, a, p.ID, "2031-03-31", "Parts supply secured.")
			must(t, err)
			_, err = db.ExtendPeriod(ctx, a, p.ID, "2032-12-31", "A longer contract with our chip maker.")
			must(t, err)
			if _, err := db.ExtendPeriod(ctx, a, p.ID, "2029-01-01", "Cost cutting."); psti.ErrorCode(err) != psti.ECONFLICT {
				t.Fatalf("shortening through the store: %v", err)
			}
			if _, err := rawDB(t, url).Exec(fmt.Sprintf(`UPDATE support_periods SET end_date = '2029-01-01' WHERE id = %d`, p.ID)); err == nil {
				t.Fatal("the database let a published end date be shortened by hand")
			}
			key, err := db.LogVerifier(ctx)
			must(t, err)
			db.Close()

			dir := t.TempDir()
			keyFile := writeFile(t, filepath.Join(dir, "key"), []byte(key+"\n"))
			copyDir := filepath.Join(dir, "copy")
			wantExit(t, cli(t, "log", "export", "--to", copyDir, "--database-url", url), 0)
			r := cli(t, "verify", "product", seed.Product.Slug, "--log", copyDir, "--key", keyFile)
			wantExit(t, r, 0)
			wantContains(t, "stdout", r.stdout, "until 31 March 2030", "until 31 March 2031", "until 31 December 2032", "never went backwards")
			if n := strings.Count(r.stdout, "support period "); n != 3 {
				t.Fatalf("verify listed %d changes, want 3 (published, extended twice):\n%s", n, r.stdout)
			}
		})
	}
}
