package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/psti/psti/internal/assessment/pack"
	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/store/storetest"
)

// TestEvidencePackDownload: a viewer downloads a product's evidence pack
// from its page; the zip verifies against the log's key, is the same bytes
// when downloaded again, and holds no reporter data.
func TestEvidencePackDownload(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	storetest.SeedEvidence(t, e.db, seed)
	c := e.browser(auth.Viewer)
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		res, err := c.Get(e.ts.URL + path)
		must(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		must(t, err)
		return res, b
	}
	href := fmt.Sprintf("/admin/products/%d/evidence-pack", seed.Product.ID)
	if _, page := get(fmt.Sprintf("/admin/products/%d", seed.Product.ID)); !strings.Contains(string(page), `href="`+href+`"`) {
		t.Fatal("the product's page has no link to its evidence pack")
	}
	res, data := get(href)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="evidence-pack-`+seed.Product.Slug+`-`) {
		t.Fatalf("download: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	key, err := e.db.LogVerifier(ctx)
	must(t, err)
	r, err := pack.Verify(data, []string{key})
	must(t, err)
	if !r.OK() || r.Product != seed.Product.Slug || r.Entries == 0 {
		t.Fatalf("the downloaded pack does not verify: %+v", r)
	}
	if _, again := get(href); !bytes.Equal(data, again) {
		t.Error("two downloads of the same records differ")
	}
	if res, _ := get("/admin/products/999999/evidence-pack"); res.StatusCode != http.StatusNotFound {
		t.Errorf("no such product: status %d", res.StatusCode)
	}
}
