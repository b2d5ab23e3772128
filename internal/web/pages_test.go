package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/web"
)

// TestSaveKeepsArchivedParents opens a product whose brand and one of whose
// manufacturers are archived, changes only its description, and saves: the
// brand and manufacturers must stay as they were.
func TestSaveKeepsArchivedParents(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	other := &product.Brand{OrganisationID: seed.Org.ID, Name: "Another"}
	must(t, e.db.CreateBrand(ctx, psti.System("test"), other))
	for _, k := range []struct {
		kind product.Kind
		id   int64
	}{{product.KindBrand, seed.Brand.ID}, {product.KindManufacturer, seed.Makers[0].ID}} {
		_, err := e.db.SetArchived(ctx, psti.System("test"), k.kind, k.id, true)
		must(t, err)
	}
	c := e.browser(auth.Editor)
	res, err := c.Get(fmt.Sprintf("%s/admin/products/%d", e.ts.URL, seed.Product.ID))
	must(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), "Acme Home (archived)") || !strings.Contains(string(page), "Acme Devices Ltd (archived)") {
		t.Fatalf("the form does not show the archived brand and manufacturer it points at")
	}
	// Post what a browser sends for that form: every field as shown.
	form := url.Values{
		"revision": {fmt.Sprint(seed.Product.Revision)}, "brand_id": {fmt.Sprint(seed.Brand.ID)},
		"name": {seed.Product.Name}, "type": {seed.Product.Type}, "model_number": {seed.Product.ModelNumber},
		"manufacturer_ids": {fmt.Sprint(seed.Makers[1].ID), fmt.Sprint(seed.Makers[0].ID)},
		"identifiers":      {"gtin 4006381333931\nsku ACME-DB200"}, "description": {"Now with a longer description."},
	}
	res, err = c.PostForm(fmt.Sprintf("%s/admin/products/%d", e.ts.URL, seed.Product.ID), form)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: status %d", res.StatusCode)
	}
	got, err := e.db.Product(ctx, seed.Product.ID)
	must(t, err)
	if got.BrandID != seed.Brand.ID || !slices.Equal(got.ManufacturerIDs, seed.Product.ManufacturerIDs) || got.Description != "Now with a longer description." {
		t.Fatalf("after saving: brand %d manufacturers %v description %q", got.BrandID, got.ManufacturerIDs, got.Description)
	}
}

// TestSetupCodeNotLogged checks that the secret in a setup link never
// reaches the log, which more people can read than the link's owner.
func TestSetupCodeNotLogged(t *testing.T) {
	db, _ := storetest.Open(t, storetest.SQLite)
	svc := auth.NewService(db, psti.SystemClock{})
	svc.Params = fastParams
	code, _, err := svc.FirstRun(context.Background())
	must(t, err)
	var logs bytes.Buffer
	srv, err := web.New(web.Config{BaseURL: "http://psti.test", Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, db, svc)
	must(t, err)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	for _, do := range []func() (*http.Response, error){
		func() (*http.Response, error) { return http.Get(ts.URL + "/setup/" + code) },
		func() (*http.Response, error) {
			return http.PostForm(ts.URL+"/setup/"+code, url.Values{"email": {"ada@example.com"}, "password": {"short"}, "confirm": {"short"}})
		},
	} {
		res, err := do()
		must(t, err)
		res.Body.Close()
	}
	if strings.Contains(logs.String(), code) {
		t.Fatalf("the setup code is in the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "/setup/…") {
		t.Fatalf("setup requests are not logged at all:\n%s", logs.String())
	}
}

// TestAuditHidesPeopleFromNonAdmins checks that the audit trail does not
// show viewers and editors the user, setup-link and token records that only
// admins may see elsewhere.
func TestAuditHidesPeopleFromNonAdmins(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	storetest.NewSeed(t, e.db)
	for _, role := range auth.Roles {
		var entries []psti.AuditEntry
		if st, body := e.json("GET", "/api/v1/audit?limit=500", role, nil, &entries); st != 200 {
			t.Fatalf("%s: %d %s", role, st, body)
		}
		people := 0
		for _, en := range entries {
			if en.Entity == "user" || en.Entity == "invitation" || en.Entity == "token" {
				people++
			}
		}
		if (role == auth.Admin) != (people > 0) {
			t.Errorf("%s sees %d people entries", role, people)
		}
		res, err := e.browser(role).Get(e.ts.URL + "/admin/audit?entity=user")
		must(t, err)
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if role != auth.Admin && strings.Contains(string(page), "</strong> user ") {
			t.Errorf("%s sees user records on the audit page", role)
		}
	}
}

// TestListPaging checks that a list longer than a page says how much there
// is and links the next page, and that the overview counts everything.
func TestListPaging(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	for i := range 149 {
		must(t, e.db.CreateBatch(ctx, psti.System("test"), &product.Batch{ProductID: seed.Product.ID, Code: fmt.Sprintf("B%03d", i)}))
	}
	c := e.browser(auth.Viewer)
	get := func(path string) string {
		res, err := c.Get(e.ts.URL + path)
		must(t, err)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return string(b)
	}
	first := get("/admin/batches")
	if !strings.Contains(first, "Showing 1 to 100 of 149.") || !strings.Contains(first, "page=2") {
		t.Fatalf("first page does not page: %s", trim(first))
	}
	second := get("/admin/batches?page=2")
	if !strings.Contains(second, "Showing 101 to 149 of 149.") || strings.Contains(second, "page=3") {
		t.Fatalf("second page: %s", trim(second))
	}
	if n := strings.Count(first, `href="/admin/batches/`) + strings.Count(second, `href="/admin/batches/`); n != 149 {
		t.Fatalf("%d batches linked across the two pages, want 149", n)
	}
	if !strings.Contains(get("/admin"), "149 batches") {
		t.Fatal("overview does not count all batches")
	}
}

// TestOnlyChoiceIsChosen: a new brand's organisation, or a new product's
// brand, is already chosen when there is only one to choose from; with two,
// the person chooses.
func TestOnlyChoiceIsChosen(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	c := e.browser(auth.Editor)
	page := func(path string) string {
		t.Helper()
		res, err := c.Get(e.ts.URL + path)
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if p := page("/admin/brands/new"); !strings.Contains(p, fmt.Sprintf(`<option value="%d" selected>`, seed.Org.ID)) {
		t.Errorf("the only organisation is not chosen for a new brand")
	}
	if p := page("/admin/products/new"); !strings.Contains(p, fmt.Sprintf(`<option value="%d" selected>`, seed.Brand.ID)) {
		t.Errorf("the only brand is not chosen for a new product")
	}
	must(t, e.db.CreateBrand(context.Background(), psti.System("test"), &product.Brand{OrganisationID: seed.Org.ID, Name: "Another"}))
	if p := page("/admin/products/new"); strings.Contains(p, " selected>") {
		t.Errorf("with two brands, one is chosen for the person")
	}
}

// TestNewRecordLeadsBack: the form that adds a version to a product leads
// back to that product, named as its page's heading names it; opened
// without a product, it leads back to the list. A saved version leads back
// to its product the same way.
func TestNewRecordLeadsBack(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	c := e.browser(auth.Editor)
	back := func(path string) string {
		t.Helper()
		res, err := c.Get(e.ts.URL + path)
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		m := regexp.MustCompile(`<p class="back"><a href="([^"]*)">← ([^<]*)</a>`).FindStringSubmatch(string(b))
		if m == nil {
			t.Fatalf("%s has no way back", path)
		}
		return m[1] + " " + m[2]
	}
	wantBack := fmt.Sprintf("/admin/products/%d Product: %s (%s)", seed.Product.ID, seed.Product.Name, seed.Product.ModelNumber)
	if got := back(fmt.Sprintf("/admin/versions/new?product_id=%d", seed.Product.ID)); got != wantBack {
		t.Errorf("new version of a product leads back to %q, want %q", got, wantBack)
	}
	if got := back("/admin/versions/new"); got != "/admin/versions All versions" {
		t.Errorf("new version without a product leads back to %q", got)
	}
	v := &product.Version{ProductID: seed.Product.ID, Component: "firmware", Version: "1.0"}
	must(t, e.db.CreateVersion(context.Background(), psti.System("test"), v))
	if got := back(fmt.Sprintf("/admin/versions/%d", v.ID)); got != wantBack {
		t.Errorf("a version leads back to %q, want %q", got, wantBack)
	}
}

// TestSetupAsksForEmptyFields: the setup form sent empty asks for the
// e-mail address and a password as the sign-in page does, next to each.
func TestSetupAsksForEmptyFields(t *testing.T) {
	db, _ := storetest.Open(t, storetest.SQLite)
	svc := auth.NewService(db, psti.SystemClock{})
	svc.Params = fastParams
	code, _, err := svc.FirstRun(context.Background())
	must(t, err)
	srv, err := web.New(web.Config{BaseURL: "http://127.0.0.1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db, svc)
	must(t, err)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	res, err := http.PostForm(ts.URL+"/setup/"+code, url.Values{"email": {""}, "name": {"Ada"}, "password": {""}, "confirm": {""}})
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(body)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{"Enter your e-mail address.", "Enter a password of at least 12 characters.", `value="Ada"`} {
		if strings.Count(page, want) < 1 {
			t.Errorf("the refused setup form lacks %q", want)
		}
	}
	if strings.Contains(page, "E-mail address is required") {
		t.Error("the setup form names a field it labels differently")
	}
}

// TestOneProblemSaidOnce: a form refused for one reason says it once in
// the summary, as a link to the field, and once next to the field.
func TestOneProblemSaidOnce(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	c := e.browser(auth.Editor)
	res, err := c.PostForm(e.ts.URL+"/admin/account/password", url.Values{"current_password": {"not my password at all"}, "password": {"a new password of some length"}, "confirm": {"a new password of some length"}})
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(body)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Please correct the field marked below.") {
		t.Fatalf("status %d, or no summary: %s", res.StatusCode, page)
	}
	if n := strings.Count(page, "Your current password is not right."); n != 2 {
		t.Errorf("the problem is said %d times, want 2 (summary link and field)", n)
	}
}
