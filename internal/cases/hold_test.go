package cases_test

import (
	"context"
	"testing"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// TestLiftOldHold: a hold placed long ago, with more than a page of holds
// placed since, can still be lifted; until it is, the product shows as
// held on the register and statements pages.
func TestLiftOldHold(t *testing.T) {
	ctx := context.Background()
	w := storetest.NewCaseWorld(t, storetest.SQLite)
	c, err := w.Svc.Open(ctx, staff, cases.Opening{Title: "Old stock", Items: []cases.Item{{ProductID: w.Seed.Product.ID}}})
	must(t, err)
	hs, err := w.Svc.PlaceHold(ctx, staff, c.ID, nil, "Warehouse stock has the old firmware.")
	must(t, err)
	for i := 0; i < 1000; i++ {
		must(t, w.DB.PlaceHold(ctx, staff, &cases.Hold{OrganisationID: c.OrganisationID, ProductID: w.Seed.Product.ID, Reason: "later", PlacedBy: staff.Label}, nil))
	}
	h, err := w.Svc.LiftHold(ctx, staff, hs[0].ID, "Stock reflashed.")
	if err != nil {
		t.Fatalf("the oldest hold cannot be lifted: %v", err)
	}
	if h.LiftedAt == nil || h.LiftReason != "Stock reflashed." || h.CaseID != c.ID {
		t.Fatalf("lifted %+v", h)
	}
	if _, err := w.Svc.LiftHold(ctx, staff, hs[0].ID, "again"); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("lifted twice: %v", err)
	}
	if _, err := w.Svc.LiftHold(ctx, staff, 1<<40, "none"); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("a hold that is not there: %v", err)
	}
}
