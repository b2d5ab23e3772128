package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// TestAPIRegister walks the product register through the API on both back
// ends: create each kind of record, read, list, update, refuse a stale
// update, archive and bring back, and find it all in the audit trail.
func TestAPIRegister(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			var org product.Organisation
			if st, body := e.json("POST", "/api/v1/organisations", auth.Editor, map[string]any{
				"legal_name": "Acme Devices Ltd", "address": "1 High Street\nLeeds LS1 1AA", "website": "https://acme.example"}, &org); st != 201 {
				t.Fatalf("create organisation: %d %s", st, body)
			}
			var maker product.Manufacturer
			e.mustJSON("POST", "/api/v1/manufacturers", map[string]any{"name": "Acme Devices Ltd", "address": "1 High Street"}, &maker)
			var brand product.Brand
			res, body := e.call("POST", "/api/v1/brands", e.tokens[auth.Editor], "application/json",
				fmt.Sprintf(`{"organisation_id": %d, "name": "Acme Home"}`, org.ID))
			if res.StatusCode != 201 || res.Header.Get("Location") == "" {
				t.Fatalf("create brand: %d %s", res.StatusCode, body)
			}
			must(t, json.Unmarshal([]byte(body), &brand))
			if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/brands/%d", brand.ID) {
				t.Errorf("Location %q", loc)
			}
			var p product.Product
			e.mustJSON("POST", "/api/v1/products", map[string]any{"brand_id": brand.ID, "name": "Doorbell Pro", "type": "video doorbell",
				"model_number": "DB-200", "manufacturer_ids": []int64{maker.ID},
				"identifiers": []map[string]string{{"scheme": "gtin", "value": "4006381333931"}}}, &p)
			var v product.Version
			e.mustJSON("POST", "/api/v1/versions", map[string]any{"product_id": p.ID, "component": "firmware", "version": "2.4.1", "released_on": "2026-02-27"}, &v)
			var batch product.Batch
			e.mustJSON("POST", "/api/v1/batches", map[string]any{"product_id": p.ID, "code": "B-2026-03", "first_produced": "2026-03-01", "quantity": 12000}, &batch)

			// Read it back as a viewer.
			var got product.Product
			if st, body := e.json("GET", fmt.Sprintf("/api/v1/products/%d", p.ID), auth.Viewer, nil, &got); st != 200 {
				t.Fatalf("get product: %d %s", st, body)
			}
			if !reflect.DeepEqual(got, p) {
				t.Fatalf("product read back differs:\n%+v\n%+v", got, p)
			}
			var batches []product.Batch
			e.json("GET", fmt.Sprintf("/api/v1/batches?product_id=%d", p.ID), auth.Viewer, nil, &batches)
			if len(batches) != 1 || batches[0].Quantity != 12000 {
				t.Fatalf("batches: %+v", batches)
			}
			e.json("GET", "/api/v1/batches?product_id=999", auth.Viewer, nil, &batches)
			if len(batches) != 0 {
				t.Fatalf("batches of another product: %+v", batches)
			}

			// Update with the revision read; then again with the stale one.
			update := map[string]any{"product_id": p.ID, "code": "B-2026-03", "quantity": 12500, "revision": batch.Revision}
			var updated product.Batch
			if st, body := e.json("PUT", fmt.Sprintf("/api/v1/batches/%d", batch.ID), auth.Editor, update, &updated); st != 200 || updated.Revision != 2 || updated.Quantity != 12500 {
				t.Fatalf("update: %d %s", st, body)
			}
			update["quantity"] = 1
			st, body := e.json("PUT", fmt.Sprintf("/api/v1/batches/%d", batch.ID), auth.Editor, update, nil)
			if st != http.StatusConflict || !strings.Contains(body, "changed by someone else") {
				t.Fatalf("stale update: %d %s", st, body)
			}

			// Archive and bring back.
			var archived product.Brand
			e.json("POST", fmt.Sprintf("/api/v1/brands/%d/archive", brand.ID), auth.Editor, nil, &archived)
			if archived.ArchivedAt == nil {
				t.Fatalf("archive: %+v", archived)
			}
			var brands []product.Brand
			e.json("GET", "/api/v1/brands", auth.Viewer, nil, &brands)
			if len(brands) != 0 {
				t.Fatalf("archived brand listed: %+v", brands)
			}
			e.json("GET", "/api/v1/brands?include_archived=true", auth.Viewer, nil, &brands)
			if len(brands) != 1 {
				t.Fatalf("archived brand not listed on request: %+v", brands)
			}
			var back product.Brand
			e.json("POST", fmt.Sprintf("/api/v1/brands/%d/unarchive", brand.ID), auth.Editor, nil, &back)
			if back.ArchivedAt != nil || back.Revision != 3 {
				t.Fatalf("unarchive: %+v", back)
			}
			if st, _ := e.json("DELETE", fmt.Sprintf("/api/v1/brands/%d", brand.ID), auth.Admin, nil, nil); st < 400 {
				t.Fatalf("DELETE answered %d: records are never deleted", st)
			}

			// The audit trail names the token that made each change.
			var entries []psti.AuditEntry
			e.json("GET", fmt.Sprintf("/api/v1/audit?entity=brand&entity_id=%d", brand.ID), auth.Viewer, nil, &entries)
			if len(entries) != 3 || entries[0].Action != "unarchive" || entries[2].Action != "create" {
				t.Fatalf("audit: %+v", entries)
			}
			if entries[2].Actor.Label != "editor@example.com" || entries[2].Actor.TokenID == 0 {
				t.Fatalf("audit actor: %+v", entries[2].Actor)
			}

			var me struct {
				User auth.User `json:"user"`
				Role auth.Role `json:"role"`
			}
			e.json("GET", "/api/v1/me", auth.Editor, nil, &me)
			if me.User.Email != "editor@example.com" || me.Role != auth.Editor {
				t.Fatalf("me: %+v", me)
			}
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) mustJSON(method, path string, body, out any) {
	e.t.Helper()
	if st, text := e.json(method, path, auth.Editor, body, out); st >= 300 {
		e.t.Fatalf("%s %s: %d %s", method, path, st, text)
	}
}

// TestAPIBadInput sends what a careless or hostile client might, and checks
// each gets a clear problem document with the right status and changes
// nothing.
func TestAPIBadInput(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	ctx := context.Background()
	revoked := e.token(e.users[auth.Editor], auth.Editor)
	toks, _ := e.db.Tokens(ctx, e.users[auth.Editor].ID)
	must(t, e.db.RevokeToken(ctx, psti.System("test"), toks[0].ID, time.Now()))
	editor := e.tokens[auth.Editor]
	org := seed.Org.ID
	brandBody := func(extra string) string {
		return fmt.Sprintf(`{"organisation_id": %d, "name": "Acme Outdoor"%s}`, org, extra)
	}
	cases := []struct {
		name, method, path, token, ctype, body string
		status                                 int
		mention                                string // the problem document must say this
	}{
		{"malformed JSON", "POST", "/api/v1/brands", editor, "application/json", `{"organisation_id": 1, "name":`, 400, "unexpected end"},
		{"unknown field", "POST", "/api/v1/brands", editor, "application/json", brandBody(`, "colour": "red"`), 422, "colour"},
		{"over-long string", "POST", "/api/v1/brands", editor, "application/json", fmt.Sprintf(`{"organisation_id": %d, "name": %q}`, org, strings.Repeat("n", 201)), 422, "length"},
		{"missing required field", "POST", "/api/v1/brands", editor, "application/json", fmt.Sprintf(`{"organisation_id": %d}`, org), 422, "name"},
		{"empty required field", "POST", "/api/v1/brands", editor, "application/json", fmt.Sprintf(`{"organisation_id": %d, "name": "  "}`, org), 422, "Brand name is required"},
		{"wrong type", "POST", "/api/v1/brands", editor, "application/json", fmt.Sprintf(`{"organisation_id": "%d", "name": "X"}`, org), 422, "integer"},
		{"no such parent", "POST", "/api/v1/brands", editor, "application/json", `{"organisation_id": 999, "name": "X"}`, 422, "no organisation with id 999"},
		{"bad GTIN", "POST", "/api/v1/products", editor, "application/json", fmt.Sprintf(`{"brand_id": %d, "name": "N", "type": "T", "model_number": "M", "identifiers": [{"scheme": "gtin", "value": "4006381333932"}]}`, seed.Brand.ID), 422, "check digit"},
		{"wrong content type", "POST", "/api/v1/brands", editor, "text/plain", brandBody(""), 415, "content type"},
		{"form content type", "POST", "/api/v1/brands", editor, "application/x-www-form-urlencoded", "name=x", 415, "content type"},
		{"body over the limit", "POST", "/api/v1/brands", editor, "application/json", brandBody(`, "website": "` + strings.Repeat("a", 1<<20) + `"`), 413, "too large"},
		{"revoked token", "POST", "/api/v1/brands", revoked, "application/json", brandBody(""), 401, "revoked"},
		{"malformed token", "POST", "/api/v1/brands", "psti_not-a-token", "application/json", brandBody(""), 401, "not valid"},
		{"no token", "POST", "/api/v1/brands", "", "application/json", brandBody(""), 401, "API token"},
		{"viewer writes", "POST", "/api/v1/brands", e.tokens[auth.Viewer], "application/json", brandBody(""), 403, "editor"},
		{"bad id", "GET", "/api/v1/brands/abc", editor, "", "", 422, "id"},
		{"missing record", "PUT", "/api/v1/brands/999", editor, "application/json", brandBody(""), 404, "no brand with id 999"},
		{"unknown route", "GET", "/api/v1/nothing-here", editor, "", "", 404, "openapi.json"},
		{"bad query", "GET", "/api/v1/brands?limit=100000", editor, "", "", 422, "limit"},
	}
	before := e.counts(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, body := e.call(c.method, c.path, c.token, c.ctype, c.body)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, trim(body))
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("Content-Type %q, want application/problem+json", ct)
			}
			var p problem
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatalf("not a problem document: %v: %s", err, trim(body))
			}
			if p.Status != c.status || p.Title == "" {
				t.Fatalf("problem %+v", p)
			}
			if !strings.Contains(strings.ToLower(body), strings.ToLower(c.mention)) {
				t.Fatalf("problem does not mention %q: %s", c.mention, trim(body))
			}
			if c.status == 401 && res.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
	if after := e.counts(t); !reflect.DeepEqual(before, after) {
		t.Fatalf("refused requests changed the database:\n%v\n%v", before, after)
	}
}

// TestCrossOrigin checks that a form another website makes a signed-in
// person's browser send is refused, on the pages and the API alike.
func TestCrossOrigin(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	c := e.browser(auth.Admin)
	before := e.counts(t)
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		req, _ := http.NewRequest("POST", e.ts.URL+"/admin/brands", strings.NewReader(url.Values{
			"organisation_id": {fmt.Sprint(seed.Org.ID)}, "name": {"Forged"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res, err := c.Do(req)
		must(t, err)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("forged form with %v: status %d, want 403", h, res.StatusCode)
		}
		req, _ = http.NewRequest("POST", e.ts.URL+"/api/v1/brands", strings.NewReader(fmt.Sprintf(`{"organisation_id": %d, "name": "Forged"}`, seed.Org.ID)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.tokens[auth.Admin])
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res, err = http.DefaultClient.Do(req)
		must(t, err)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin API post with %v: status %d, want 403", h, res.StatusCode)
		}
	}
	if after := e.counts(t); !reflect.DeepEqual(before, after) {
		t.Fatalf("forged requests changed the database:\n%v\n%v", before, after)
	}
	// The same form from this site works.
	req, _ := http.NewRequest("POST", e.ts.URL+"/admin/brands", strings.NewReader(url.Values{
		"organisation_id": {fmt.Sprint(seed.Org.ID)}, "name": {"Genuine"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin form: status %d", res.StatusCode)
	}
}

// TestOpenAPI checks that the API description is a valid OpenAPI 3.1
// document that lists every API route the server answers.
func TestOpenAPI(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	res, body := e.call("GET", "/api/v1/openapi.json", "", "", "")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	must(t, json.Unmarshal([]byte(body), &doc))
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	for _, r := range e.srv.Routes() {
		if !r.API || strings.Contains(r.Pattern, "openapi") || r.Method == "*" {
			continue
		}
		p := strings.TrimPrefix(r.Pattern, "/api/v1")
		if _, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not described", r.Method, r.Pattern)
		}
	}
	// And it validates against the OpenAPI 3.1 schema, checked by an
	// independent implementation.
	doc31, err := libopenapi.NewDocument([]byte(body))
	must(t, err)
	v, errs := validator.NewValidator(doc31)
	if len(errs) > 0 {
		t.Fatalf("loading the document: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, ve := range verrs {
			t.Errorf("invalid OpenAPI 3.1: %s: %s", ve.Message, ve.Reason)
			for _, se := range ve.SchemaValidationErrors {
				t.Errorf("  %s: %s", se.KeywordLocation, se.Reason)
			}
		}
	}
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// TestPageBadInput checks what the pages do with input they cannot use:
// an over-long form is refused whole, a rejected form keeps what was typed
// and says which field is wrong, and an unknown address gets a plain page.
func TestPageBadInput(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	c := e.browser(auth.Editor)
	before := e.counts(t)
	post := func(path string, form url.Values) (int, string) {
		res, err := c.PostForm(e.ts.URL+path, form)
		must(t, err)
		defer res.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, res.Body)
		return res.StatusCode, b.String()
	}
	st, body := post("/admin/brands", url.Values{"organisation_id": {fmt.Sprint(seed.Org.ID)}, "name": {strings.Repeat("x", 70<<10)}})
	if st != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than this page accepts") {
		t.Fatalf("over-long form: %d %s", st, trim(body))
	}
	st, body = post("/admin/brands", url.Values{"organisation_id": {fmt.Sprint(seed.Org.ID)}, "name": {""}, "website": {"www acme example"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "Brand name is required.") ||
		!strings.Contains(body, "must be a full web address") || !strings.Contains(body, `value="www acme example"`) {
		t.Fatalf("rejected form: %d %s", st, trim(body))
	}
	st, body = post("/admin/batches", url.Values{"product_id": {fmt.Sprint(seed.Product.ID)}, "code": {""}, "quantity": {"lots"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "Quantity must be a whole number.") || !strings.Contains(body, "Batch identifier is required.") {
		t.Fatalf("bad number: %d %s", st, trim(body))
	}
	if after := e.counts(t); !reflect.DeepEqual(before, after) {
		t.Fatalf("rejected forms changed the database:\n%v\n%v", before, after)
	}
	res, err := c.Get(e.ts.URL + "/no/such/page")
	must(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 404 || !strings.Contains(string(b), "There is no page at this address") || res.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("unknown page: %d %s", res.StatusCode, trim(string(b)))
	}
}
