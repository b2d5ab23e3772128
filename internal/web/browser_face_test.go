package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/web"
)

// TestBrowserOverview: the overview leads a new installation past its
// first product. Its next step is a link to the page that does it, it
// shows the nearest promise to a reporter and any failed password audit,
// its counts agree with their numbers, and the navigation reaches the
// security policy and the advisories.
func TestBrowserOverview(t *testing.T) {
	in := newInstallation(t)
	e := in.e
	// A second batch whose passwords are all the same fails its audit.
	var bad product.Batch
	e.mustJSON("POST", "/api/v1/batches", map[string]any{"product_id": in.seed.Product.ID, "code": "B-2026-04", "quantity": 40}, &bad)
	res, text := e.call("POST", fmt.Sprintf("/api/v1/password-audits?batch_id=%d", bad.ID), e.tokens[auth.Editor], "text/csv",
		batchCSV(40, func(int, string, string) string { return "admin" }))
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("password audit: %d %s", res.StatusCode, text)
	}
	var run struct{ ID int64 }
	must(t, json.Unmarshal([]byte(text), &run))
	if r := waitRun(t, e, run.ID); r.Verdict != "fail" {
		t.Fatalf("the audit of a batch with one password for all: %+v", r)
	}
	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": e.users[auth.Admin].Email, "password": testPassword})
	b.submit("button[type=submit]", "/admin")

	page := b.text("main")
	for _, want := range []string{
		"1 organisation", "2 manufacturers", "1 brand", "2 products", "2 batches", "3 open security reports",
		"The password audit of batch B-2026-04 of Doorbell Pro (DB-200) failed.",
		"Nearest promise: report",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the overview does not say %q:\n%s", want, page)
		}
	}
	for _, wrong := range []string{"1 products", "1 organisations", "1 brands", "a organisation"} {
		if strings.Contains(page, wrong) {
			t.Errorf("the overview says %q", wrong)
		}
	}
	for _, nav := range []string{"/admin/security-policy", "/security/advisories"} {
		if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('header nav a[href=%q]').length`, nav))); err != nil || n != 1 {
			t.Errorf("the navigation has %d links to %s (%v)", n, nav, err)
		}
	}
	b.fitsWidth("overview")

	// The next step is the product that has no batch yet, as a link.
	next := b.text(".next-step")
	if !strings.Contains(next, "Record a production batch of Indoor Camera") {
		t.Fatalf("next step %q", next)
	}
	b.submit(".next-step a", "/admin/batches/new")
	if v, _ := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(`[name="product_id"]`))); v == "" || v == "0" {
		t.Fatalf("the next step's form does not have the product chosen: %q", v)
	}
	if h := b.text("h1"); h != "Add a batch" {
		t.Fatalf("heading %q", h)
	}
	b.open("/admin/organisations")
	if a := b.text("main a[href='/admin/organisations/new']"); a != "Add an organisation" {
		t.Fatalf("add link %q", a)
	}

	// On a phone the reports list keeps each report's next promise in
	// sight, without scrolling sideways.
	b.open("/admin/reports")
	b.do(chromedp.EmulateViewport(390, 800))
	seen, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(() => {
		const td = document.querySelector('tbody tr td[data-label="Next promise"]');
		const r = td.getBoundingClientRect();
		return r.left >= 0 && r.right <= window.innerWidth && getComputedStyle(td, "::before").content.includes("Next promise") ? "yes" : td.textContent + " at " + r.left + "-" + r.right;
	})()`))
	if err != nil || seen != "yes" {
		t.Fatalf("the next promise is not in sight on a phone: %s %v", seen, err)
	}
	b.fitsWidth("reports")
}

// TestBrowserAuditTrail: the audit trail names each record and links to
// it, and shows what a change changed, field by field, old and new, rather
// than the records' raw JSON.
func TestBrowserAuditTrail(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": e.users[auth.Editor].Email, "password": testPassword})
	b.submit("button[type=submit]", "/admin")
	b.open(fmt.Sprintf("/admin/products/%d", seed.Product.ID))
	b.fill(map[string]string{"name": "Doorbell Pro 2", "description": "Second edition."})
	b.submit("form.form button[type=submit]", "/admin/products/")

	b.open("/admin/audit")
	first := b.text("ol.audit > li")
	if !strings.HasPrefix(first, "Changed product Doorbell Pro 2") || !strings.Contains(first, "By editor@example.com") {
		t.Fatalf("newest entry: %q", first)
	}
	if href, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector("ol.audit > li a").getAttribute("href")`)); href != fmt.Sprintf("/admin/products/%d", seed.Product.ID) {
		t.Fatalf("the entry links to %q", href)
	}
	b.do(chromedp.Click(chromedp.CSS("ol.audit > li summary")))
	diff := b.text("ol.audit > li dl.diff")
	for _, want := range []string{"Name", "Doorbell Pro → Doorbell Pro 2", "Description", "Second edition."} {
		if !strings.Contains(diff, want) {
			t.Errorf("the change does not show %q:\n%s", want, diff)
		}
	}
	// The form sends the manufacturers in another order than the seed
	// stored them: not a change, and never shown as ids.
	for _, wrong := range []string{"{", "[", "Model number", "Revision", "Updated at", "Manufacturer"} {
		if strings.Contains(diff, wrong) {
			t.Errorf("the change shows %q, which did not change or is not for people:\n%s", wrong, diff)
		}
	}
	if page := b.text("main"); !strings.Contains(page, "Added brand Acme Home") || !strings.Contains(page, "Added organisation Acme Devices Ltd") {
		t.Errorf("created records are not named:\n%s", page)
	}
	b.fitsWidth("audit")
}

// publicPaths are the pages anyone may open.
var publicPaths = []string{"/", "/security", "/security/report", "/security/status", "/security/advisories", "/products", "/login", "/no-such-page"}

// TestPublicPagesCarryNoToolName: before an organisation exists, the home
// page says the site is not set up; after, the public pages carry its name,
// and never the tool's name or its version, in the text or the head.
func TestPublicPagesCarryNoToolName(t *testing.T) {
	db, _ := storetest.Open(t, storetest.SQLite)
	svc := auth.NewService(db, psti.SystemClock{})
	const version = "v9.8.7-face"
	srv, err := web.New(web.Config{BaseURL: "http://127.0.0.1", Version: version, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db, svc)
	must(t, err)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	get := func(p string) string {
		t.Helper()
		res, err := http.Get(ts.URL + p)
		must(t, err)
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return string(body)
	}
	tool := regexp.MustCompile(`(?i)\bpsti\b`)
	check := func() {
		t.Helper()
		for _, p := range publicPaths {
			page := get(p)
			if m := tool.FindString(page); m != "" {
				t.Errorf("%s names the tool (%q)", p, m)
			}
			if strings.Contains(page, version) || strings.Contains(page, "9.8.7") {
				t.Errorf("%s shows the build version", p)
			}
		}
	}
	if home := get("/"); !strings.Contains(home, "This site is not set up yet.") {
		t.Errorf("the home page of a new installation does not say it is not set up:\n%s", home)
	}
	check()
	must(t, db.CreateOrganisation(context.Background(), psti.System("test"), &product.Organisation{LegalName: "Acme Devices Ltd", Address: "1 High Street", BrandColour: "#5a2d82"}))
	check()
	for _, p := range publicPaths {
		if page := get(p); !strings.Contains(page, "Acme Devices Ltd") {
			t.Errorf("%s does not carry the organisation's name", p)
		}
	}
	// The home page says no more than psti knows: not what kinds of
	// product the organisation makes, which nobody has told it.
	if home := get("/"); strings.Contains(home, "smart speakers") {
		t.Errorf("the home page says what the organisation makes, which nobody recorded:\n%s", home)
	}
	if css := get("/brand.css"); !strings.Contains(css, "--brand: #5a2d82") {
		t.Errorf("brand.css: %q", css)
	}
}

// TestBrowserPublicFace: an editor gives the organisation a colour; one too
// light for white text is refused next to the field, keeping what was
// typed; the public pages then show the organisation's name in its colour,
// at a desktop's width and a phone's.
func TestBrowserPublicFace(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": e.users[auth.Editor].Email, "password": testPassword})
	b.submit("button[type=submit]", "/admin")
	b.open(fmt.Sprintf("/admin/organisations/%d", seed.Org.ID))
	b.fill(map[string]string{"brand_colour": "#FFDD00", "website": "https://acme.example/about"})
	b.submit("form.form button[type=submit]", "/admin/organisations/")
	if msg := b.text("#e-brand_colour"); !strings.Contains(msg, "contrast of 1.") || !strings.Contains(msg, "darker") {
		t.Fatalf("a light colour is not explained next to its field: %q", msg)
	}
	if v, _ := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(`[name="website"]`))); v != "https://acme.example/about" {
		t.Fatalf("what was typed was lost: %q", v)
	}
	b.fill(map[string]string{"brand_colour": "#5A2D82"})
	b.submit("form.form button[type=submit]", "/admin/organisations/")
	b.submit("header button[type=submit]", "/login")

	b.open("/security")
	if brand := b.text("header .brand"); brand != "Acme Devices Ltd" {
		t.Fatalf("the header names %q", brand)
	}
	bg, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header.top")).backgroundColor`))
	if err != nil || bg != "rgb(90, 45, 130)" {
		t.Fatalf("the header's colour is %q (%v), want the organisation's", bg, err)
	}
	if title, _ := chromedp.Run(b.ctx, chromedp.Title()); !strings.HasSuffix(title, " · Acme Devices Ltd") {
		t.Fatalf("title %q", title)
	}
	b.fitsWidth("public-security")

	// Focus is yellow with a black bar, on the organisation's colour as on
	// white (WCAG 1.4.11: 3:1 against what is next to it).
	for _, sel := range []string{"header .brand", "main a.button", "main p a:not(.button)", "footer a"} {
		style, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const a = document.querySelector(%q); a.focus(); const s = getComputedStyle(a); return s.backgroundColor + " " + s.color + " " + s.boxShadow })()`, sel)))
		if err != nil || !strings.HasPrefix(style, "rgb(255, 221, 0) rgb(11, 12, 12)") || !strings.Contains(style, "rgb(11, 12, 12) 0px") {
			t.Errorf("focus on %s: %q %v", sel, style, err)
		}
	}
	b.open("/")
	b.fitsWidth("public-home")
}

// TestBrowserLogo: an editor uploads the organisation's logo; a file that
// is not a PNG or JPEG image (an SVG, text named .png) is refused next to
// the field; the public pages then show the logo beside the name, served
// as the image it is and nothing else; it can be removed.
func TestBrowserLogo(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	dir := t.TempDir()
	files := map[string][]byte{
		"logo.png": testLogo(t),
		"fake.png": []byte("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
	}
	for name, data := range files {
		must(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": e.users[auth.Editor].Email, "password": testPassword})
	b.submit("button[type=submit]", "/admin")
	b.open(fmt.Sprintf("/admin/organisations/%d", seed.Org.ID))
	b.submit(`a[href$="/logo"]`, fmt.Sprintf("/admin/organisations/%d/logo", seed.Org.ID))
	b.do(chromedp.SetUploadFiles(`input[name=logo]`, []string{filepath.Join(dir, "fake.png")}))
	b.submit("main form.form button[type=submit]", "/admin/organisations/")
	if msg := b.text("#e-logo"); !strings.Contains(msg, "not a PNG or JPEG") {
		t.Fatalf("a fake image is not refused next to its field: %q", msg)
	}
	b.fitsWidth("logo-error")
	b.do(chromedp.SetUploadFiles(`input[name=logo]`, []string{filepath.Join(dir, "logo.png")}))
	b.submit("main form.form button[type=submit]", fmt.Sprintf("/admin/organisations/%d", seed.Org.ID))
	if f := b.text(".flash"); !strings.Contains(f, "logo is saved") {
		t.Fatalf("flash %q", f)
	}
	if page := b.text("main"); !strings.Contains(page, "A logo is set.") || strings.Contains(page, "SHA-256") {
		t.Fatalf("the organisation's page does not say in words that a logo is set: %q", page)
	}
	b.submit("header button[type=submit]", "/login")
	b.open("/security")
	w, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelector("header .brand img").naturalWidth`))
	if err != nil || w != 120 {
		t.Fatalf("the header does not show the logo: width %d, %v", w, err)
	}
	b.fitsWidth("logo-public")

	res, err := http.Get(e.ts.URL + "/brand/logo")
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || res.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(body, files["logo.png"]) {
		t.Fatalf("/brand/logo: %d %q %q, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("X-Content-Type-Options"), len(body))
	}
	if err := e.db.SetLogo(context.Background(), psti.System("test"), seed.Org.ID, bytes.Repeat([]byte{0x89}, product.MaxLogoBytes+1)); psti.ErrorCode(err) != psti.EINVALID {
		t.Fatalf("a logo over the size limit: %v", err)
	}
	es, err := e.db.Audit(context.Background(), psti.AuditFilter{Entity: "organisation", EntityID: seed.Org.ID})
	must(t, err)
	if len(es) < 2 || !strings.Contains(string(es[0].After), "logo_sha256") || es[0].Actor.Label != "editor@example.com" {
		t.Fatalf("the audit trail does not keep the logo change: %+v", es[0])
	}

	// Removing it leaves the name alone.
	c := e.browser(auth.Editor)
	ct, form := multipartRemove()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/admin/organisations/%d/logo", e.ts.URL, seed.Org.ID), strings.NewReader(form))
	req.Header.Set("Content-Type", ct)
	res, err = c.Do(req)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("removing the logo: %d", res.StatusCode)
	}
	if res, _ := http.Get(e.ts.URL + "/brand/logo"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("/brand/logo after removal: %d", res.StatusCode)
	}
}

// multipartRemove is the form of the logo page's "Remove" button.
func multipartRemove() (string, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("remove", "1")
	w.Close()
	return w.FormDataContentType(), b.String()
}
