package web_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// TestAuditNamesReferences: where a change points at other records (a
// product's brand and manufacturers), the audit trail names them rather
// than showing their ids, and a list of them that was only put in another
// order is not shown as a change. A product's identifiers read as its form
// writes them, not as JSON.
func TestAuditNamesReferences(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	a := psti.System("test")
	p, err := e.db.Product(ctx, seed.Product.ID)
	must(t, err)
	if len(p.ManufacturerIDs) != 2 || p.ManufacturerIDs[0] != seed.Makers[1].ID {
		t.Fatalf("the seed's manufacturers are not out of order: %v", p.ManufacturerIDs)
	}

	// The same manufacturers in another order.
	p.ManufacturerIDs = []int64{seed.Makers[0].ID, seed.Makers[1].ID}
	p.Description = "Reordered."
	must(t, e.db.UpdateProduct(ctx, a, p))

	// Another brand, and one manufacturer swapped for a new one.
	zeta := &product.Brand{OrganisationID: seed.Org.ID, Name: "Zeta"}
	must(t, e.db.CreateBrand(ctx, a, zeta))
	osaka := &product.Manufacturer{Name: "Osaka Parts KK", Address: "Osaka"}
	must(t, e.db.CreateManufacturer(ctx, a, osaka))
	p.BrandID = zeta.ID
	p.ManufacturerIDs = []int64{osaka.ID, seed.Makers[0].ID}
	must(t, e.db.UpdateProduct(ctx, a, p))

	res, err := e.browser(auth.Viewer).Get(fmt.Sprintf("%s/admin/audit?entity=product&entity_id=%d", e.ts.URL, p.ID))
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("audit page: %d", res.StatusCode)
	}
	page := string(body)
	list := page[strings.Index(page, `<ol class="audit">`):]
	entries := strings.Split(list, "<li>")[1:]
	if len(entries) != 3 {
		t.Fatalf("%d entries for the product, want 3 (added, reordered, moved):\n%s", len(entries), list)
	}
	moved, reordered, added := entries[0], entries[1], entries[2]
	for _, c := range []struct {
		name, entry string
		want        []string
	}{
		{"the move", moved, []string{
			"<dt>Brand</dt>", "<del>Acme Home</del> → <ins>Zeta</ins>",
			"<dt>Manufacturers</dt>", "<del>Acme Devices Ltd, Shenzhen Widget Co</del> → <ins>Acme Devices Ltd, Osaka Parts KK</ins>"}},
		{"the creation", added, []string{"<dt>Brand</dt>", "<ins>Acme Home</ins>", "<dt>Manufacturers</dt>", "<ins>Acme Devices Ltd, Shenzhen Widget Co</ins>",
			"<dt>Identifiers</dt>", "<ins>gtin 4006381333931, sku ACME-DB200</ins>"}},
		{"the reordering", reordered, []string{"<dt>Description</dt>", "<ins>Reordered.</ins>"}},
	} {
		for _, want := range c.want {
			if !strings.Contains(c.entry, want) {
				t.Errorf("%s does not show %q:\n%s", c.name, want, c.entry)
			}
		}
		for _, wrong := range []string{" id", "[", "]", "{", "&#34;"} {
			if strings.Contains(c.entry, wrong) {
				t.Errorf("%s shows %q, raw ids:\n%s", c.name, wrong, c.entry)
			}
		}
	}
	if strings.Contains(reordered, "Manufacturers") || strings.Contains(reordered, "Brand") {
		t.Errorf("manufacturers put in another order are shown as a change:\n%s", reordered)
	}
}
