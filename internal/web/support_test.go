package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/support"
)

type publicPeriod struct {
	ID      int64 `json:"id"`
	URL     string
	Product struct {
		Name   string   `json:"name"`
		Vendor string   `json:"vendor"`
		Brand  string   `json:"brand"`
		Model  string   `json:"model_number"`
		Slug   string   `json:"slug"`
		GTIN   []string `json:"gtin"`
	} `json:"product"`
	End        string `json:"end_of_security_support"`
	Ended      bool   `json:"security_support_ended"`
	Status     string `json:"status"`
	Updated    string `json:"last_updated"`
	LogIndex   *int64 `json:"log_index"`
	LogEntry   string `json:"log_entry_url"`
	Extensions []struct {
		From     string `json:"previous_end_of_security_support"`
		To       string `json:"end_of_security_support"`
		Reason   string `json:"reason"`
		LogEntry string `json:"log_entry_url"`
	} `json:"extensions"`
}

// TestSupportAPI: a support period is drafted, published and extended over
// the API, on both back ends. Drafts are never public; the public feed
// lists published periods with the product's identifiers, filtered by slug
// or GTIN; an earlier end date is a 409 problem saying why (PSTI-DSP-05),
// and each publication and extension, and nothing else, is a log entry.
func TestSupportAPI(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			s := storetest.NewSeed(t, e.db)
			ctx := context.Background()

			// A product's slug is in its JSON, and no update changes it.
			var pr map[string]any
			e.mustJSON("GET", fmt.Sprintf("/api/v1/products/%d", s.Product.ID), nil, &pr)
			if pr["slug"] != s.Product.Slug || s.Product.Slug == "" {
				t.Fatalf("product JSON slug %v, want %q", pr["slug"], s.Product.Slug)
			}
			if st, body := e.json("PUT", fmt.Sprintf("/api/v1/products/%d", s.Product.ID), auth.Editor, map[string]any{"brand_id": s.Brand.ID, "name": "Doorbell Pro",
				"type": "video doorbell", "model_number": "DB-200", "slug": "changed-by-hand"}, nil); st != 422 || !strings.Contains(body, "body.slug") {
				t.Fatalf("a slug sent with an update: %d %s", st, body)
			}
			e.mustJSON("PUT", fmt.Sprintf("/api/v1/products/%d", s.Product.ID), map[string]any{"brand_id": s.Brand.ID, "name": "Doorbell Pro 2", "type": "video doorbell",
				"model_number": "DB-200", "identifiers": s.Product.Identifiers, "manufacturer_ids": s.Product.ManufacturerIDs}, &pr)
			if pr["slug"] != s.Product.Slug || pr["name"] != "Doorbell Pro 2" {
				t.Fatalf("after renaming, slug %v name %v", pr["slug"], pr["name"])
			}

			// "Until further notice" is explained, not stored.
			st, body := e.json("POST", "/api/v1/support-periods", auth.Editor, map[string]any{"product_id": s.Product.ID, "end_date": "until further notice"}, nil)
			if st != 422 || !strings.Contains(body, "PSTI-DSP-01") || !strings.Contains(body, "body.end_date") {
				t.Fatalf("open-ended period: %d %s", st, body)
			}
			var draft support.Period
			if st, body := e.json("POST", "/api/v1/support-periods", auth.Editor, map[string]any{"product_id": s.Product.ID, "end_date": "2030-03-31",
				"notes": "Updates install themselves overnight."}, &draft); st != 201 || draft.Status != support.StatusDraft {
				t.Fatalf("draft: %d %s", st, body)
			}
			var list []publicPeriod
			if st, body := e.json("GET", "/api/v1/support-periods", auth.Public, nil, &list); st != 200 || len(list) != 0 {
				t.Fatalf("a draft is public: %d %s", st, body)
			}
			if st, _ := e.json("GET", fmt.Sprintf("/api/v1/support-periods/%d", draft.ID), auth.Public, nil, nil); st != 404 {
				t.Fatalf("a draft read by the public: %d", st)
			}
			var staff []support.Period
			if st, body := e.json("GET", fmt.Sprintf("/api/v1/products/%d/support-periods", s.Product.ID), auth.Viewer, nil, &staff); st != 200 || len(staff) != 1 {
				t.Fatalf("staff list: %d %s", st, body)
			}
			if st, _ := e.json("POST", fmt.Sprintf("/api/v1/support-periods/%d/publish", draft.ID), auth.Viewer, nil, nil); st != 403 {
				t.Fatalf("a viewer published: %d", st)
			}
			var pub support.Period
			if st, body := e.json("POST", fmt.Sprintf("/api/v1/support-periods/%d/publish", draft.ID), auth.Editor, nil, &pub); st != 200 || !pub.Published() || pub.LogIndex == nil {
				t.Fatalf("publish: %d %s", st, body)
			}

			// The public feed, whole and filtered.
			if st, body := e.json("GET", "/api/v1/support-periods", auth.Public, nil, &list); st != 200 || len(list) != 1 {
				t.Fatalf("public list: %d %s", st, body)
			}
			p := list[0]
			if p.ID != draft.ID || p.End != "2030-03-31" || p.Ended || p.Status != "published" || p.Product.Slug != s.Product.Slug || p.Product.Brand != "Acme Home" ||
				p.Product.Vendor != "Acme Devices Ltd" || p.Product.Model != "DB-200" || len(p.Product.GTIN) != 1 || p.Product.GTIN[0] != "4006381333931" ||
				p.Updated == "" || p.LogIndex == nil || p.LogEntry != fmt.Sprintf("http://psti.test/log/entries/%d", *p.LogIndex) ||
				p.URL != "http://psti.test/products/"+s.Product.Slug {
				t.Fatalf("public period: %+v", p)
			}
			for q, want := range map[string]int{
				"product=" + s.Product.Slug: 1, "product=no-such-product": 0, "gtin=4006381333931": 1, "gtin=96385074": 0, "gtin=400638133393": 0,
			} {
				if st, body := e.json("GET", "/api/v1/support-periods?"+q, auth.Public, nil, &list); st != 200 || len(list) != want {
					t.Errorf("?%s: %d, %d periods, want %d: %s", q, st, len(list), want, body)
				}
			}
			if st, _ := e.json("GET", "/api/v1/support-periods?product=Not%20A%20Slug", auth.Public, nil, nil); st != 422 {
				t.Errorf("a malformed slug: %d", st)
			}

			// Extended; then shortening refused, by extension or by edit.
			var ext support.Period
			if st, body := e.json("POST", fmt.Sprintf("/api/v1/support-periods/%d/extend", draft.ID), auth.Editor,
				map[string]any{"end_date": "2031-03-31", "reason": "Parts supply secured for another year."}, &ext); st != 200 || ext.EndDate != "2031-03-31" {
				t.Fatalf("extend: %d %s", st, body)
			}
			logged, err := e.db.LogEntriesAbout(ctx, support.Subject(s.Product.Slug))
			must(t, err)
			before := e.counts(t)
			res, body := e.call("POST", fmt.Sprintf("/api/v1/support-periods/%d/extend", draft.ID), e.tokens[auth.Editor], "application/json",
				`{"end_date": "2030-12-31", "reason": "Cost cutting."}`)
			if res.StatusCode != 409 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") ||
				!strings.Contains(body, "never shortened") || !strings.Contains(body, "body.end_date") {
				t.Fatalf("shortening by extension: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
			}
			if st, body := e.json("PUT", fmt.Sprintf("/api/v1/support-periods/%d", draft.ID), auth.Editor, map[string]any{"end_date": "2029-01-01"}, nil); st != 409 || !strings.Contains(body, "never shortened") {
				t.Fatalf("shortening by edit: %d %s", st, body)
			}
			if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("refused shortenings changed rows:\n%v\n%v", before, after)
			}
			again, err := e.db.LogEntriesAbout(ctx, support.Subject(s.Product.Slug))
			must(t, err)
			if len(logged) != 2 || len(again) != 2 {
				t.Fatalf("log entries: %d after publishing and extending (want 2), %d after the refusals (want 2)", len(logged), len(again))
			}
			var one publicPeriod
			if st, body := e.json("GET", fmt.Sprintf("/api/v1/support-periods/%d", draft.ID), auth.Public, nil, &one); st != 200 || one.End != "2031-03-31" ||
				len(one.Extensions) != 1 || one.Extensions[0].From != "2030-03-31" || one.Extensions[0].To != "2031-03-31" || one.Extensions[0].LogEntry == "" {
				t.Fatalf("extended period read by the public: %d %s", st, body)
			}
		})
	}
}

// TestSupportPages: an editor drafts, publishes and extends a support
// period on the admin pages; an earlier date is refused next to the field
// with the law's reason; the public finds the product by its GTIN and reads
// until when it gets updates, or that they ended; drafts are never public;
// the reminders list what ends within the window asked for.
func TestSupportPages(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	s := storetest.NewSeed(t, e.db)
	ctx := context.Background()
	editor, viewer, public := e.browser(auth.Editor), e.browser(auth.Viewer), e.browser(auth.Public)
	base := e.ts.URL

	st, page, _ := get(t, editor, fmt.Sprintf("%s/admin/products/%d/support", base, s.Product.ID))
	if st != 200 || !strings.Contains(page, "Add a support period") {
		t.Fatalf("product's support page: %d", st)
	}
	if st, page, _ := get(t, viewer, fmt.Sprintf("%s/admin/products/%d/support", base, s.Product.ID)); st != 200 || strings.Contains(page, "Add a support period") {
		t.Fatalf("a viewer is offered the form: %d", st)
	}
	// A date that is not one, then a real one.
	form := url.Values{"end_date-day": {"31"}, "end_date-month": {"2"}, "end_date-year": {"2030"}, "models": {""}, "notes": {"Updates install themselves."}}
	st, _, page = post(t, editor, fmt.Sprintf("%s/admin/products/%d/support", base, s.Product.ID), form)
	if st != 422 || !strings.Contains(page, `id="e-end_date"`) || !strings.Contains(page, "real date") {
		t.Fatalf("an impossible date: %d", st)
	}
	form.Set("end_date-day", "31")
	form.Set("end_date-month", "3")
	st, loc, _ := post(t, editor, fmt.Sprintf("%s/admin/products/%d/support", base, s.Product.ID), form)
	if st != 303 || !strings.HasPrefix(loc, "/admin/support-periods/") {
		t.Fatalf("saving a draft: %d %s", st, loc)
	}
	periodPath := loc
	// A draft is not public.
	if st, _, _ := get(t, public, base+"/products/"+s.Product.Slug); st != 404 {
		t.Fatalf("the public page of a product whose period is a draft: %d", st)
	}
	if st, page, _ := get(t, public, base+"/products?q=4006381333931"); st != 200 || strings.Contains(page, s.Product.Slug) {
		t.Fatalf("a product whose period is a draft is listed: %d", st)
	}
	st, loc, _ = post(t, editor, base+periodPath+"/publish", url.Values{"revision": {"1"}})
	if st != 303 || loc != periodPath {
		t.Fatalf("publishing: %d %s", st, loc)
	}

	// Shortening is refused beside the field, saying why.
	before := e.counts(t)
	st, _, page = post(t, editor, base+periodPath+"/extend", url.Values{"end_date-day": {"1"}, "end_date-month": {"1"}, "end_date-year": {"2029"}, "reason": {"Cheaper."}})
	if st != 409 {
		t.Fatalf("shortening on the page: %d", st)
	}
	field := page[strings.Index(page, `id="e-end_date"`):]
	field = field[:strings.Index(field, "</p>")]
	if !strings.Contains(field, "extended but never shortened") || !strings.Contains(field, "31 March 2030") {
		t.Fatalf("the refusal next to the field does not say why: %s", field)
	}
	if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatal("a refused shortening changed rows")
	}
	st, loc, _ = post(t, editor, base+periodPath+"/extend", url.Values{"end_date-day": {"30"}, "end_date-month": {"6"}, "end_date-year": {"2031"}, "reason": {"Parts supply secured."}})
	if st != 303 || loc != periodPath {
		t.Fatalf("extending: %d %s", st, loc)
	}

	// The public finds it by its GTIN, and reads it.
	st, page, _ = get(t, public, base+"/products?q=4006381333931")
	if st != 200 || !strings.Contains(page, `href="/products/`+s.Product.Slug+`"`) || !strings.Contains(page, "Security updates until at least 30 June 2031.") {
		t.Fatalf("search by GTIN: %d\n%s", st, page)
	}
	if st, page, _ := get(t, public, base+"/products?q=no+such+thing"); st != 200 || !strings.Contains(page, "No product matches") {
		t.Fatalf("a search that finds nothing: %d", st)
	}
	st, page, _ = get(t, public, base+"/products/"+s.Product.Slug)
	for _, want := range []string{"Security updates until at least 30 June 2031.", "Acme Home Doorbell Pro", "DB-200", "4006381333931",
		"Acme Devices Ltd", `href="/security"`, "from 31 March 2030 to 30 June 2031", "Parts supply secured.", "Updates install themselves.", `href="/log?entry=`} {
		if !strings.Contains(page, want) {
			t.Errorf("the product page does not say %q", want)
		}
	}
	if st != 200 || strings.Contains(page, "Statement of compliance") || strings.Contains(strings.ToLower(page), "psti") {
		t.Errorf("product page: %d; it links a statement that does not exist, or names the tool", st)
	}
	for _, bad := range []string{"/products/NOT-A-SLUG", "/products/no-such-product"} {
		if st, _, _ := get(t, public, base+bad); st != 404 {
			t.Errorf("%s: %d", bad, st)
		}
	}

	// Ended support is said plainly.
	plug := &product.Product{BrandID: s.Brand.ID, Name: "Old Plug", Type: "smart plug", ModelNumber: "OP-1"}
	must(t, e.db.CreateProduct(ctx, psti.System("test"), plug))
	old := &support.Period{ProductID: plug.ID, EndDate: "2020-01-31"}
	must(t, e.db.CreatePeriod(ctx, psti.System("test"), old))
	_, err := e.db.PublishPeriod(ctx, psti.System("test"), old.ID, 0)
	must(t, err)
	if st, page, _ := get(t, public, base+"/products/"+plug.Slug); st != 200 || !strings.Contains(page, "Security updates for this product ended on 31 January 2020.") ||
		strings.Contains(page, "until at least") {
		t.Fatalf("ended support: %d", st)
	}

	// Reminders: within 10 years the doorbell's period ends; within 30
	// days nothing does; a product without a published period is listed.
	unsupported := &product.Product{BrandID: s.Brand.ID, Name: "New Camera", Type: "camera", ModelNumber: "NC-1"}
	must(t, e.db.CreateProduct(ctx, psti.System("test"), unsupported))
	if st, page, _ := get(t, viewer, base+"/admin/support-periods?window=3650"); st != 200 || !strings.Contains(page, "30 June 2031") || !strings.Contains(page, "New Camera") ||
		strings.Contains(page, "31 January 2020") {
		t.Fatalf("reminders over 10 years: %d", st)
	}
	if st, page, _ := get(t, viewer, base+"/admin/support-periods?window=30"); st != 200 || strings.Contains(page, "30 June 2031") || !strings.Contains(page, "No published support period ends within 30 days") {
		t.Fatalf("reminders over 30 days: %d", st)
	}
	if st, page, _ := get(t, viewer, base+"/admin/support-periods"); st != 200 || !strings.Contains(page, "within 180 days") {
		t.Fatalf("reminders without a window do not look 180 days ahead: %d", st)
	}
	if st, _, _ := get(t, viewer, base+"/admin/support-periods?window=0"); st != 400 {
		t.Fatalf("a window of 0 days: %d", st)
	}
	if st, page, _ := get(t, viewer, base+"/admin"); st != 200 || !strings.Contains(page, "1 product has no published support period") {
		t.Fatalf("the overview does not remind of the product without a period: %d", st)
	}

	// What the pages did is in the log, under the product.
	logged, err := e.db.LogEntriesAbout(ctx, support.Subject(s.Product.Slug))
	must(t, err)
	var history []support.LogEntry
	for _, l := range logged {
		history = append(history, support.LogEntry(l))
	}
	if len(history) != 2 || support.CheckHistory(history) != nil {
		t.Fatalf("log of the product: %d entries, %v", len(history), support.CheckHistory(history))
	}
	var rec support.Record
	must(t, json.Unmarshal(logged[1].Entry.Record, &rec))
	if rec.PreviousEndDate != "2030-03-31" || rec.EndDate != "2031-06-30" || rec.Reason != "Parts supply secured." {
		t.Fatalf("extension record %+v", rec)
	}
}

// FuzzProductSearch: whatever is searched for, or asked for as a product's
// address, the public product pages answer without a server error, on
// both back ends (PostgreSQL refuses a NUL in text that SQLite takes).
func FuzzProductSearch(f *testing.F) {
	var handlers []http.Handler
	for _, b := range storetest.Backends {
		if b.Name == "postgres" && os.Getenv("PSTI_TEST_DATABASE_URL") == "" {
			continue
		}
		e := newEnv(f, b)
		s := storetest.NewSeed(f, e.db)
		p := &support.Period{ProductID: s.Product.ID, EndDate: "2030-03-31"}
		must(f, e.db.CreatePeriod(context.Background(), psti.System("test"), p))
		_, err := e.db.PublishPeriod(context.Background(), psti.System("test"), p.ID, 0)
		must(f, err)
		handlers = append(handlers, e.srv.Handler())
	}
	for _, s := range []string{"", "4006381333931", "doorbell", "%", "_", `\`, "\x00", "a\x00b", "\xff\xfe", "\u202e", strings.Repeat("é", 300), "' OR 1=1 --"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, h := range handlers {
			for _, target := range []string{"/products?q=" + url.QueryEscape(q), "/products/" + url.PathEscape(q),
				"/api/v1/support-periods?gtin=" + url.QueryEscape(q), "/api/v1/support-periods?product=" + url.QueryEscape(q)} {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", "http://psti.test"+strings.ReplaceAll(target, "#", "%23"), nil))
				if w.Code >= 500 {
					t.Fatalf("GET %s: %d %s", target, w.Code, w.Body.String())
				}
			}
		}
	})
}

// TestProductListIsBounded: the public list shows at most 100 products and
// then says how to find the others; a search finds one past the first 100.
func TestProductListIsBounded(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	s := storetest.NewSeed(t, e.db)
	ctx, a := context.Background(), psti.System("test")
	for i := range 101 {
		p := &product.Product{BrandID: s.Brand.ID, Name: fmt.Sprintf("Lamp %03d", i), Type: "lamp", ModelNumber: fmt.Sprintf("L-%03d", i)}
		must(t, e.db.CreateProduct(ctx, a, p))
		period := &support.Period{ProductID: p.ID, EndDate: "2030-03-31"}
		must(t, e.db.CreatePeriod(ctx, a, period))
		_, err := e.db.PublishPeriod(ctx, a, period.ID, 0)
		must(t, err)
	}
	public := e.browser(auth.Public)
	st, page, _ := get(t, public, e.ts.URL+"/products")
	if n := strings.Count(page, `<a href="/products/`); st != 200 || n != 100 || !strings.Contains(page, "These are the first 100") || strings.Contains(page, "Lamp 100") {
		t.Fatalf("the list: %d, %d products linked", st, n)
	}
	if st, page, _ := get(t, public, e.ts.URL+"/products?q=L-100"); st != 200 || !strings.Contains(page, "Lamp 100") || strings.Contains(page, "These are the first 100") {
		t.Fatalf("searching past the first 100: %d", st)
	}
}
