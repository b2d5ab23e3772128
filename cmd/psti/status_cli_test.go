package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/support"
)

// TestStatus: psti status prints every product's lights as the product
// list does, as text and as JSON: psti's proof (a published support
// period), a claim with no file, a label about to expire, and what is
// missing in words; a bad format is a usage error; an empty database says
// there are no products.
func TestStatus(t *testing.T) {
	url := newDB(t)
	r := cli(t, "status", "--database-url", url)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "No products yet")

	db := openDB(t, url)
	ctx := context.Background()
	a := psti.System("test")
	seed := storetest.NewSeed(t, db)
	p := &support.Period{ProductID: seed.Product.ID, EndDate: "2030-03-31"}
	must(t, db.CreatePeriod(ctx, a, p))
	_, err := db.PublishPeriod(ctx, a, p.ID, 0)
	must(t, err)
	must(t, db.SaveAssessmentRow(ctx, a, &assessment.Row{ProductID: seed.Product.ID, Requirement: "PSTI-DSP-04", Route: assessment.RouteDirect,
		Status: assessment.StatusMet}))
	soon := time.Now().AddDate(0, 0, 30).Format(time.DateOnly)
	must(t, db.SaveAssessmentRow(ctx, a, &assessment.Row{ProductID: seed.Product.ID, Requirement: "PSTI-PW-01", Route: assessment.RouteLabel,
		LabelScheme: "sg-cls", LabelID: "CSA/010125/0001", LabelExpires: soon, Status: assessment.StatusMet, Note: "Certificate on file."}))
	db.Close()

	r = cli(t, "status", "--database-url", url)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Doorbell Pro (DB-200)", "scope not decided yet", "cannot be issued yet",
		"✓ GREEN  PSTI-DSP-01", "Support period: met, shown by psti's records",
		"! AMBER  PSTI-DSP-04", "marked met with no proof, file or note",
		"PSTI-PW-01", "label expires on",
		"✗ RED    PSTI-VR-02", "Reporting security issues: security policy not published yet")

	db = openDB(t, url)
	if _, err := (&scope.Service{Store: db, Clock: psti.SystemClock{}}).Record(ctx, a, seed.Product.ID,
		catalog.Values{"ip_internet": true, "uk_consumers": true, "condition": "new", "category": "other", "northern_ireland_windsor": false}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r = cli(t, "status", "--database-url", url, "--format", "json")
	wantExit(t, r, 0)
	var out []struct {
		Scope     string            `json:"scope"`
		ProductID int64             `json:"product_id"`
		Statement bool              `json:"statement_ready"`
		Items     []assessment.Item `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if len(out) != 1 || out[0].ProductID != seed.Product.ID || out[0].Statement || out[0].Scope != "in_scope" || len(out[0].Items) != len(catalog.DefaultCatalogue().Assessed()) {
		t.Fatalf("JSON status %+v", out)
	}
	for _, it := range out[0].Items {
		if it.Requirement == "PSTI-DSP-04" && (it.Light != "amber" || it.Basis != "unsupported") {
			t.Fatalf("DSP-04 %+v", it)
		}
	}

	r = cli(t, "status", "--database-url", url, "--format", "xml")
	wantExit(t, r, 2)
	if !strings.Contains(r.stderr, "--format") {
		t.Fatalf("bad format: %v", r)
	}
	wantExit(t, cli(t, "status", "--database-url", url, "--label-warning-days", "none"), 2)
}
