package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/web"
)

// browser drives a real headless Chromium against a real server.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot int
}

// chromium finds the browser, or skips the test with a message saying how
// to get it (under CI=true it fails instead: CI installs it).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found, and under CI=true the browser tests must run (.ci/run installs the chromium package)")
	}
	t.Skip("browser test skipped: install Chromium (Debian: apt-get install chromium) to run it")
	return ""
}

func newBrowser(t *testing.T, base string) *browser {
	exe := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1100, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 150*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	return &browser{t: t, ctx: ctx, base: base}
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.screenshot("failure")
		b.t.Fatal(err)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.screenshot("failure")
		b.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

func (b *browser) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, b.base)
}

// open loads a page and waits for its heading.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS("h1")))
}

// fill types into form fields by name, as a person would; a select's
// option is chosen by its value.
func (b *browser) fill(fields map[string]string) {
	b.t.Helper()
	for name, v := range fields {
		q := fmt.Sprintf(`document.querySelector('[name=%q]')`, name)
		tag, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](q+`.tagName`))
		if err != nil {
			b.t.Fatalf("field %s: %v", name, err)
		}
		if tag == "SELECT" {
			js := fmt.Sprintf(`(() => { const e = %s; e.value = %q; e.dispatchEvent(new Event('change')); return e.value })()`, q, v)
			if got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js)); err != nil || got != v {
				b.t.Fatalf("choosing %q in %s: got %q, %v", v, name, got, err)
			}
			continue
		}
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](q+`.value = ""`)); err != nil {
			b.t.Fatalf("clearing %s: %v", name, err)
		}
		b.do(chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`[name=%q]`, name)), v))
	}
}

// submit presses a form's button and waits for the page that follows,
// whose path must start with want. The old page is marked first, so a
// form that answers on the same address is still seen to have loaded anew.
func (b *browser) submit(button, want string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.__old = true`)); err != nil {
		b.t.Fatal(err)
	}
	b.do(chromedp.Click(chromedp.CSS(button)))
	deadline := time.Now().Add(15 * time.Second)
	for {
		fresh, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.__old !== true && document.readyState === "complete"`))
		if fresh {
			break
		}
		if time.Now().After(deadline) {
			b.screenshot("failure")
			b.t.Fatalf("pressing %s loaded no new page", button)
		}
		time.Sleep(25 * time.Millisecond)
	}
	if loc := b.location(); !strings.HasPrefix(loc, want) {
		b.screenshot("failure")
		b.t.Fatalf("after pressing %s: at %s, want %s…", button, loc, want)
	}
	b.do(chromedp.WaitVisible(chromedp.CSS("h1")))
	b.screenshot(strings.Trim(strings.ReplaceAll(want, "/", "-"), "-"))
}

// screenshot saves the page as PNG when PSTI_SCREENSHOTS names a directory,
// so the pages can be looked at as a user sees them.
func (b *browser) screenshot(name string) {
	dir := os.Getenv("PSTI_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return
	}
	b.shot++
	_ = os.MkdirAll(dir, 0o755)
	_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%02d-%s.png", b.t.Name(), b.shot, name)), png, 0o644)
}

// TestBrowserFirstRun is the first hour of a new installation, in a real
// browser: open the setup link printed at first start, set a password, sign
// out and in again, record the organisation, a manufacturer, a brand, a
// product and a batch (getting one field wrong on the way), and sign out.
func TestBrowserFirstRun(t *testing.T) {
	db, _ := storetest.Open(t, storetest.SQLite)
	svc := auth.NewService(db, psti.SystemClock{})
	svc.Params = fastParams
	code, ok, err := svc.FirstRun(context.Background())
	if err != nil || !ok {
		t.Fatalf("first run: %v %v", ok, err)
	}
	srv, err := web.New(web.Config{BaseURL: "http://127.0.0.1", Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db, svc)
	must(t, err)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	b := newBrowser(t, ts.URL)

	b.open("/setup/" + code)
	if h := b.text("h1"); h != "Set up your account" {
		t.Fatalf("setup page heading %q", h)
	}
	b.screenshot("setup")
	b.fill(map[string]string{"email": "Ada@Example.com", "name": "Ada Lovelace", "password": "short", "confirm": "short"})
	b.submit("button[type=submit]", "/setup/")
	if msg := b.text(".error-summary"); !strings.Contains(msg, "at least 12 characters") {
		t.Fatalf("weak password not explained: %q", msg)
	}
	b.fill(map[string]string{"password": testPassword, "confirm": testPassword})
	b.submit("button[type=submit]", "/admin")
	if f := b.text(".flash"); !strings.Contains(f, "signed in") {
		t.Fatalf("flash after setup: %q", f)
	}
	if next := b.text(".next-step"); !strings.Contains(next, "organisation") {
		t.Fatalf("overview does not say what to do first: %q", next)
	}

	b.submit("header button[type=submit]", "/login")
	b.open("/setup/" + code) // the link works once
	if msg := b.text("main"); !strings.Contains(msg, "not valid") {
		t.Fatalf("used setup link still works: %q", msg)
	}
	b.open("/admin/products")
	if loc := b.location(); !strings.HasPrefix(loc, "/login") {
		t.Fatalf("signed out, yet %s shows at %s", "/admin/products", loc)
	}
	b.fill(map[string]string{"email": "ada@example.com", "password": testPassword})
	b.submit("button[type=submit]", "/admin/products")

	b.open("/admin/organisations/new")
	b.fill(map[string]string{"legal_name": "Acme Devices Ltd", "address": "1 High Street\nLeeds\nLS1 1AA", "website": "https://acme.example"})
	b.submit("form.form button[type=submit]", "/admin/organisations/")

	b.open("/admin/manufacturers/new")
	b.fill(map[string]string{"name": "Acme Devices Ltd", "address": "1 High Street, Leeds LS1 1AA"})
	b.submit("form.form button[type=submit]", "/admin/manufacturers/")

	b.open("/admin/brands/new")
	orgs, err := db.Organisations(context.Background(), product.Filter{})
	must(t, err)
	b.fill(map[string]string{"organisation_id": fmt.Sprint(orgs[0].ID), "name": "Acme Home"})
	b.submit("form.form button[type=submit]", "/admin/brands/")
	if f := b.text(".flash"); !strings.Contains(f, "Acme Home") {
		t.Fatalf("flash after adding brand: %q", f)
	}

	// From the brand's page, add a product to it.
	b.do(chromedp.Click(chromedp.CSS(`a[href^="/admin/products/new?brand_id="]`)))
	b.do(chromedp.WaitVisible(chromedp.CSS(`[name="model_number"]`)))
	b.fill(map[string]string{"name": "Doorbell Pro", "type": "video doorbell", "model_number": "DB-200",
		"identifiers": "4006381333932"})
	b.do(chromedp.Click(chromedp.CSS(`input[name="manufacturer_ids"]`)))
	b.submit("form.form button[type=submit]", "/admin/products")
	if msg := b.text("#e-identifiers"); !strings.Contains(msg, "check digit") {
		t.Fatalf("bad GTIN not explained next to its field: %q", msg)
	}
	if v, _ := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(`[name="model_number"]`))); v != "DB-200" {
		t.Fatalf("what was typed was lost after the error: model number %q", v)
	}
	b.fill(map[string]string{"identifiers": "4006381333931"})
	b.submit("form.form button[type=submit]", "/admin/products/")
	if h := b.text("h1"); !strings.Contains(h, "Doorbell Pro") {
		t.Fatalf("product page heading %q", h)
	}

	b.do(chromedp.Click(chromedp.CSS(`a[href^="/admin/batches/new?product_id="]`)))
	b.do(chromedp.WaitVisible(chromedp.CSS(`[name="code"]`)))
	b.fill(map[string]string{"code": "B-2026-03", "quantity": "12000",
		"first_produced-day": "1", "first_produced-month": "3", "first_produced-year": "2026",
		"last_produced-day": "20", "last_produced-month": "3", "last_produced-year": "2026"})
	b.submit("form.form button[type=submit]", "/admin/batches/")
	b.do(chromedp.Click(chromedp.CSS(`p.back a`)))
	b.do(chromedp.WaitVisible(chromedp.CSS(`section.sub table`)))
	if page := b.text("main"); !strings.Contains(page, "B-2026-03") || !strings.Contains(page, "12,000") || !strings.Contains(page, "1 March 2026 to 20 March 2026") {
		t.Fatalf("product page does not list the batch: %q", page)
	}
	b.screenshot("product")

	b.submit("header button[type=submit]", "/login")

	// What the browser did is in the database, under Ada's name.
	ps, err := db.Products(context.Background(), product.Filter{})
	must(t, err)
	if len(ps) != 1 || ps[0].ModelNumber != "DB-200" || len(ps[0].ManufacturerIDs) != 1 || len(ps[0].Identifiers) != 1 {
		t.Fatalf("products: %+v", ps)
	}
	bs, err := db.Batches(context.Background(), product.Filter{ParentID: ps[0].ID})
	must(t, err)
	if len(bs) != 1 || bs[0].Quantity != 12000 || bs[0].FirstProduced != "2026-03-01" || bs[0].LastProduced != "2026-03-20" {
		t.Fatalf("batches: %+v", bs)
	}
	es, err := db.Audit(context.Background(), psti.AuditFilter{Entity: "batch"})
	must(t, err)
	if len(es) != 1 || es[0].Actor.Label != "ada@example.com" {
		t.Fatalf("audit: %+v", es)
	}
}

// fitsWidth checks, at a phone's width (390 px), that the page is no wider
// than the screen, and saves it at that width and at a desktop's (1280 px)
// when PSTI_SCREENSHOTS is set.
func (b *browser) fitsWidth(name string) {
	b.t.Helper()
	defer b.do(chromedp.EmulateViewport(1100, 900))
	for _, w := range []int64{1280, 390} {
		b.do(chromedp.EmulateViewport(w, 900))
		b.screenshot(fmt.Sprintf("%s-%d", name, w))
	}
	over, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if err != nil {
		b.t.Fatal(err)
	}
	if over > 0 {
		b.t.Errorf("%s is %d px wider than a 390 px screen", name, over)
	}
}

// installation is a realistic installation to look at: an organisation
// with a brand, products with versions and batches, a published policy,
// reports in several states, a published advisory, a finished password
// audit, users and tokens. ids maps a kind of record, as it appears in a
// page's path ("products", "reports"), to one record of that kind.
type installation struct {
	e        *env
	seed     *storetest.Seed
	ids      map[string]int64
	reports  []int64 // every report, one per state
	receipt  string  // a reporter's receipt code
	tracking string  // the advisory's tracking id
	setup    string  // an unused setup link's code
	slug     string  // the slug of a product with a published, extended support period
	draft    int64   // a draft support period
	// statements are an issued statement, its issued correction, a
	// complete draft correcting that, and an incomplete draft; all but
	// the last are versions of statementNumber.
	statements      []int64
	statementNumber string
	// cases are a closed case (with records and a notice from the
	// authority) and an open one from a report; notices, a sent notice
	// and a draft.
	cases, notices []int64
}

// newInstallation seeds an installation through the API, as its staff and
// reporters would, so every page has something to show.
func newInstallation(t *testing.T) *installation {
	t.Helper()
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	in := &installation{e: e, seed: storetest.NewSeed(t, e.db), ids: map[string]int64{}}
	s := in.seed
	in.ids["organisations"], in.ids["brands"], in.ids["products"], in.ids["manufacturers"] = s.Org.ID, s.Brand.ID, s.Product.ID, s.Makers[0].ID
	var v product.Version
	e.mustJSON("POST", "/api/v1/versions", map[string]any{"product_id": s.Product.ID, "component": "firmware", "version": "2.4.1-rc.7+build.20260227.a1b2c3d4e5f6a7b8c9d0", "released_on": "2026-02-27"}, &v)
	in.ids["versions"] = v.ID
	var other product.Product
	e.mustJSON("POST", "/api/v1/products", map[string]any{"brand_id": s.Brand.ID, "name": "Indoor Camera with a rather long product name for a small screen", "type": "security camera",
		"model_number": "CAM-INDOOR-2026-UK-WHITE-0001", "manufacturer_ids": []int64{s.Makers[0].ID}}, &other)
	var batch product.Batch
	e.mustJSON("POST", "/api/v1/batches", map[string]any{"product_id": s.Product.ID, "code": "B-2026-03", "first_produced": "2026-03-01", "last_produced": "2026-03-20", "quantity": 12000}, &batch)
	in.ids["batches"] = batch.ID

	// A finished password audit of the batch.
	res, text := e.call("POST", fmt.Sprintf("/api/v1/password-audits?batch_id=%d", batch.ID), e.tokens[auth.Editor], "text/csv", batchCSV(40, randomPassword))
	if res.StatusCode != 202 {
		t.Fatalf("password audit: %d %s", res.StatusCode, text)
	}
	var run struct{ ID int64 }
	must(t, json.Unmarshal([]byte(text), &run))
	waitRun(t, e, run.ID)
	in.ids["password-audits"] = run.ID

	// The published policy.
	pol := disclosure.DefaultPolicy(s.Org.ID)
	if st, body := e.json("PUT", fmt.Sprintf("/api/v1/organisations/%d/disclosure-policy", s.Org.ID), auth.Editor, pol, nil); st != 200 {
		t.Fatalf("policy: %d %s", st, body)
	}

	// Reports: one just received (with a file), one acknowledged, one
	// being investigated with a CVSS vector, one resolved with an advisory.
	first := e.report(t, map[string]string{"summary": "Live video without a password", "details": "Open rtsp://camera/live without signing in.\nSHA-256 of the firmware: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		"product": "Doorbell Pro DB-200", "contact_email": "finder@example.net"})
	in.receipt = first.Receipt
	for _, summary := range []string{"Telnet open on port 23", "Default password on the set-up page", "Firmware update over plain HTTP"} {
		e.report(t, map[string]string{"summary": summary, "details": "Steps to reproduce: connect and look."})
	}
	var list []disclosure.Report
	if st, body := e.json("GET", "/api/v1/reports", auth.Viewer, nil, &list); st != 200 || len(list) != 4 {
		t.Fatalf("reports: %d %s", st, body)
	}
	for _, r := range list {
		in.reports = append(in.reports, r.ID)
	}
	act := func(id int64, body map[string]any) {
		t.Helper()
		if st, text := e.json("POST", fmt.Sprintf("/api/v1/reports/%d/actions", id), auth.Editor, body, nil); st != 200 {
			t.Fatalf("report %d, %v: %d %s", id, body["kind"], st, text)
		}
	}
	act(in.reports[1], map[string]any{"kind": "acknowledge", "body": "Thank you, we are looking at it."})
	act(in.reports[2], map[string]any{"kind": "acknowledge", "body": "Thank you."})
	act(in.reports[2], map[string]any{"kind": "triage", "severity": "high", "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "assignee_id": e.users[auth.Editor].ID})
	act(in.reports[2], map[string]any{"kind": "update", "status": "investigating", "body": "We have reproduced it."})
	act(in.reports[3], map[string]any{"kind": "acknowledge", "body": "Thank you."})
	act(in.reports[3], map[string]any{"kind": "triage", "severity": "medium", "cvss_vector": "CVSS:3.1/AV:A/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N", "product_id": s.Product.ID})
	act(in.reports[3], map[string]any{"kind": "note", "body": "Internal: fixed in 2.4.2."})
	act(in.reports[3], map[string]any{"kind": "close", "status": "resolved", "body": "Fixed in firmware 2.4.2."})
	var adv struct {
		TrackingID string `json:"tracking_id"`
	}
	if st, body := e.json("POST", fmt.Sprintf("/api/v1/reports/%d/advisory", in.reports[3]), auth.Editor,
		map[string]any{"title": "Firmware updates fetched over plain HTTP", "summary": "Someone on the same network could offer the doorbell a false update.",
			"remedy": "Update to firmware 2.4.2.", "fixed_in": "2.4.2"}, &adv); st != 201 {
		t.Fatalf("advisory: %d %s", st, body)
	}
	in.tracking = adv.TrackingID

	// A support period, published and extended, and a draft for the
	// other product.
	var period struct{ ID int64 }
	e.mustJSON("POST", "/api/v1/support-periods", map[string]any{"product_id": s.Product.ID, "end_date": "2030-03-31",
		"models": []string{"DB-200 (all colours)", "firmware 2.x"}, "notes": "Updates install themselves overnight when the doorbell is connected to the internet."}, &period)
	e.mustJSON("POST", fmt.Sprintf("/api/v1/support-periods/%d/publish", period.ID), nil, nil)
	e.mustJSON("POST", fmt.Sprintf("/api/v1/support-periods/%d/extend", period.ID), map[string]any{"end_date": "2031-06-30",
		"reason": "We secured the supply of parts for another year, so we can keep fixing problems for longer."}, nil)
	in.ids["support-periods"], in.slug = period.ID, s.Product.Slug
	var draft struct{ ID int64 }
	e.mustJSON("POST", "/api/v1/support-periods", map[string]any{"product_id": other.ID, "end_date": "2029-12-31"}, &draft)
	in.draft = draft.ID

	// A statement of compliance, issued and corrected; a correction of
	// the correction that is a complete draft; and a draft that lacks
	// most of what it needs.
	signer, err := statement.SelfSigned("Acme Devices Ltd statements", "Acme Devices Ltd", time.Now(), 365*24*time.Hour, nil)
	must(t, err)
	_, err = e.db.AddStatementKey(ctx, psti.System("test"), signer, "test key")
	must(t, err)
	svc := &statement.Service{Store: e.db, Records: e.db, Signer: e.db.StatementSigner, Clock: psti.SystemClock{}, BaseURL: "http://psti.test"}
	req := statement.Request{ProductID: s.Product.ID, BatchIDs: []int64{batch.ID},
		Representatives: []statement.Party{{Name: "Vertreter GmbH", Address: "Hauptstraße 5\n10115 Berlin"}},
		Claims: []statement.Claim{{Paragraph: 1, Route: statement.RouteRequirement},
			{Paragraph: 2, Route: statement.RouteDeemed, Standards: []statement.Standard{{Number: "ETSI EN 303 645", Version: "V2.1.1", Issued: "2020-06", Provisions: "5.2-1"}}},
			{Paragraph: 3, Route: statement.RouteRequirement}},
		Signatory: statement.Signatory{Name: "Zoë Brontë", Function: "Head of Product Security"}, Place: "London",
		Issued: time.Now().In(psti.London).Format(time.DateOnly)}
	soc, _, err := svc.Create(ctx, psti.System("test"), req)
	must(t, err)
	_, err = svc.Issue(ctx, psti.System("test"), soc.ID, 0)
	must(t, err)
	second, err := svc.Correct(ctx, psti.System("test"), soc.ID)
	must(t, err)
	_, _, err = svc.Update(ctx, psti.System("test"), second.ID, 0, req)
	must(t, err)
	_, err = svc.Issue(ctx, psti.System("test"), second.ID, 0)
	must(t, err)
	third, err := svc.Correct(ctx, psti.System("test"), second.ID)
	must(t, err)
	_, _, err = svc.Update(ctx, psti.System("test"), third.ID, 0, req)
	must(t, err)
	empty, _, err := svc.Create(ctx, psti.System("test"), statement.Request{ProductID: other.ID})
	must(t, err)
	in.statements, in.statementNumber = []int64{soc.ID, second.ID, third.ID, empty.ID}, soc.Number

	// An assessment: a label route expiring soon, with its certificate
	// kept; a requirement not applicable; one in progress.
	must(t, e.db.SaveAssessmentRow(ctx, psti.System("test"), &assessment.Row{ProductID: s.Product.ID, Requirement: "PSTI-PW-01", Route: assessment.RouteLabel,
		LabelScheme: statement.SchemeSGCLS, LabelID: "CSA/010125/0001", LabelExpires: time.Now().AddDate(0, 1, 0).Format(time.DateOnly), Status: assessment.StatusMet}))
	must(t, e.db.AddEvidence(ctx, psti.System("test"), &assessment.Evidence{ProductID: s.Product.ID, Requirement: "PSTI-PW-01", Name: "cls-certificate.pdf",
		MediaType: "application/pdf", Size: 8, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Content: strings.NewReader("%PDF-1.7")}))
	must(t, e.db.SaveAssessmentRow(ctx, psti.System("test"), &assessment.Row{ProductID: s.Product.ID, Requirement: "PSTI-DSP-04", Route: assessment.RouteDirect,
		Status: assessment.StatusNotApplicable, Reason: "Sold only through retailers: there is no shop of our own."}))
	must(t, e.db.SaveAssessmentRow(ctx, psti.System("test"), &assessment.Row{ProductID: s.Product.ID, Requirement: "PSTI-VR-04", Route: assessment.RouteProvision,
		Standard: "ETSI EN 303 645 V2.1.1", Provisions: "5.2-1", Status: assessment.StatusInProgress, Note: "Checking the policy page with a screen reader."}))

	// The organisation's colour and logo, as the public sees them.
	s.Org.BrandColour = "#5a2d82"
	must(t, e.db.UpdateOrganisation(ctx, psti.System("test"), s.Org))
	must(t, e.db.SetLogo(ctx, psti.System("test"), s.Org.ID, testLogo(t)))

	// Compliance cases: one closed, with its records, a hold and a notice
	// from the authority; one open from the resolved report, with a draft
	// notice to the authority.
	storetest.FillCases(t, e.db, s)
	ci := fillCaseIDs(t, e)
	in.ids["cases"], in.ids["parties"], in.ids["records"], in.ids["authority-notices"] = ci.caseID, ci.party, ci.record, ci.authority
	csvc := &cases.Service{Store: e.db, Register: e.db, Reports: e.db, Policies: &disclosure.Service{Store: e.db, Register: e.db, Clock: psti.SystemClock{}}, Clock: psti.SystemClock{}}
	open, err := csvc.OpenFromReport(ctx, psti.System("test"), in.reports[3])
	must(t, err)
	cdraft, err := csvc.DraftNotice(ctx, psti.System("test"), open.ID, "notify_enforcement_authority s.11(3)", ci.party)
	must(t, err)
	in.cases, in.notices = []int64{ci.caseID, open.ID}, []int64{ci.notice, cdraft.ID}

	// People: a spare user and token, and a setup link not yet used.
	spare := e.addUser("a.very.long.email.address.for.testing@subdomain.example.co.uk", auth.Viewer)
	in.ids["users"] = spare.ID
	code, _, err := e.svc.Invite(ctx, psti.System("test"), "later@example.com", auth.Editor)
	must(t, err)
	in.setup = code
	return in
}

// testLogo is a small PNG logo.
func testLogo(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 120, 40))
	for x := range 120 {
		for y := range 40 {
			img.Set(x, y, color.RGBA{90, 45, byte(x), 255})
		}
	}
	var buf bytes.Buffer
	must(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// notPages are the GET routes that answer with something other than an
// HTML page, with the reason; every other GET route is a page, and the
// every-page check visits it.
var notPages = map[string]string{
	"/healthz":    "plain text for load balancers",
	"/readyz":     "plain text for load balancers",
	"/metrics":    "Prometheus metrics",
	"/static/":    "style sheet",
	"/brand.css":  "style sheet",
	"/brand/logo": "image",
	"/admin/password-audits/{id}/report.json":         "JSON report",
	"/admin/products/{id}/evidence-pack":              "a product's evidence pack, a zip file, downloaded",
	"/admin/reports/{id}/attachments/{aid}":           "a reporter's file, downloaded",
	"/.well-known/security.txt":                       "RFC 9116 text",
	"/security.txt":                                   "RFC 9116 text",
	"/.well-known/csaf/provider-metadata.json":        "CSAF JSON",
	"/.well-known/csaf/{file}":                        "CSAF index and documents",
	"/.well-known/csaf/{year}/{file}":                 "CSAF documents",
	"/.well-known/csaf/openpgp/{file}":                "OpenPGP public key",
	"/log/checkpoint":                                 "signed checkpoint, text",
	"/log/key":                                        "verifier key, text",
	"/log/keys":                                       "key list, JSON",
	"/log/entries/{index}":                            "log entry, JSON",
	"/log/tile/{path...}":                             "log tile, bytes",
	"/statements/{number}/{version}/{file}":           "a statement's kept copies, byte for byte",
	"/admin/products/{id}/assessment/evidence/{file}": "an evidence file, downloaded",
	"/admin/cases/{id}/file.html":                     "a case file, downloaded",
	"/admin/cases/{id}/file.json":                     "a case file, downloaded",
	"/admin/cases/{id}/file.pdf":                      "a case file, downloaded",
}

// pageVisits says where to look for every page route: the paths that show
// it with the installation's records.
func (in *installation) pageVisits(t *testing.T, routes []web.Route) (public, admin []string) {
	t.Helper()
	fill := func(pattern string) []string {
		switch pattern {
		case "/":
			return []string{"/no-such-page"}
		case "/{$}":
			return []string{"/"}
		case "/log":
			return []string{"/log", "/log?entry=0"}
		case "/setup/{code}":
			return []string{"/setup/" + in.setup, "/setup/not-a-real-code"}
		case "/security/advisories/{tracking}":
			return []string{"/security/advisories/" + in.tracking}
		case "/products":
			return []string{"/products", "/products?q=4006381333931", "/products?q=nothing+like+it"}
		case "/products/{slug}":
			return []string{"/products/" + in.slug}
		case "/admin/support-periods/{id}":
			return []string{fmt.Sprintf("/admin/support-periods/%d", in.ids["support-periods"]), fmt.Sprintf("/admin/support-periods/%d", in.draft)}
		case "/admin/support-periods":
			return []string{"/admin/support-periods", "/admin/support-periods?window=3650"}
		case "/admin/statements/{id}":
			var out []string
			for _, id := range in.statements {
				out = append(out, fmt.Sprintf("/admin/statements/%d", id))
			}
			return out
		case "/admin/statements/new":
			return []string{fmt.Sprintf("/admin/statements/new?product=%d", in.seed.Product.ID)}
		case "/statements/{number}":
			return []string{"/statements/" + in.statementNumber}
		case "/statements/{number}/{version}":
			return []string{"/statements/" + in.statementNumber + "/1", "/statements/" + in.statementNumber + "/2"}
		case "/admin/reports/{id}/advisory":
			// A draft for a report being investigated; a revision of the
			// published one.
			return []string{fmt.Sprintf("/admin/reports/%d/advisory", in.reports[2]), fmt.Sprintf("/admin/reports/%d/advisory", in.reports[3])}
		case "/admin/reports/{id}/advisory/preview":
			return []string{fmt.Sprintf("/admin/reports/%d/advisory/preview", in.reports[3])}
		case "/admin/cases/{id}":
			return []string{fmt.Sprintf("/admin/cases/%d", in.cases[0]), fmt.Sprintf("/admin/cases/%d", in.cases[1])}
		case "/admin/notices/{id}":
			return []string{fmt.Sprintf("/admin/notices/%d", in.notices[0]), fmt.Sprintf("/admin/notices/%d", in.notices[1])}
		case "/admin/reports/{id}":
			var out []string
			for _, id := range in.reports {
				out = append(out, fmt.Sprintf("/admin/reports/%d", id))
			}
			return out
		}
		if !strings.Contains(pattern, "{") {
			return []string{pattern}
		}
		for kind, id := range in.ids {
			if p := strings.Replace(pattern, "/"+kind+"/{id}", fmt.Sprintf("/%s/%d", kind, id), 1); p != pattern && !strings.Contains(p, "{") {
				return []string{p}
			}
		}
		return nil
	}
	for _, r := range routes {
		if r.API || strings.HasPrefix(r.Pattern, "/api/") || (r.Method != "GET" && r.Method != "*") {
			continue
		}
		if _, ok := notPages[r.Pattern]; ok {
			continue
		}
		paths := fill(r.Pattern)
		if len(paths) == 0 {
			t.Errorf("page route %s %s has no visit: give newInstallation a record for it and pageVisits a path (or list it in notPages if it is not an HTML page)", r.Method, r.Pattern)
			continue
		}
		admin = append(admin, paths...)
		if r.Role == auth.Public {
			public = append(public, paths...)
		}
	}
	return public, admin
}

// axeSource is the accessibility checker, read once (see THIRD_PARTY.md).
var axeSource = sync.OnceValues(func() ([]byte, error) { return os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js")) })

// axeViolation is what the checker reports of one rule a page breaks.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// checkPage looks at the page open in the tab at a small phone's width
// (320 px), a phone's (390 px) and a desktop's (1280 px): it must not scroll
// sideways at any, and the accessibility checker must find nothing (WCAG 2.2
// A and AA, and best practice) at the narrowest and the widest. It returns
// what is wrong.
func (b *browser) checkPage(name string) []string {
	b.t.Helper()
	src, err := axeSource()
	if err != nil {
		b.t.Fatal(err)
	}
	if ok, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`typeof axe === "object"`)); !ok {
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](string(src)+"\n;true")); err != nil {
			b.t.Fatalf("loading the accessibility checker into %s: %v", name, err)
		}
	}
	var faults []string
	for _, w := range []int64{320, 390, 1280} {
		b.do(chromedp.EmulateViewport(w, 800))
		over, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
		if err != nil {
			b.t.Fatal(err)
		}
		if over > 0 {
			wide, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1)).slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + " " + JSON.stringify((e.textContent || "").slice(0, 40))).join(", ")`))
			faults = append(faults, fmt.Sprintf("%s at %d px: %d px wider than the screen (widest: %s)", name, w, over, wide))
			b.screenshot(fmt.Sprintf("overflow-%d", w))
		}
		if w == 390 {
			continue // the same page as at 320 px, for the checker
		}
		js := `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}, resultTypes: ["violations"]})
			.then(r => JSON.stringify(r.violations))`
		out, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			b.t.Fatalf("running the accessibility checker on %s: %v", name, err)
		}
		var vs []axeViolation
		if err := json.Unmarshal([]byte(out), &vs); err != nil {
			b.t.Fatal(err)
		}
		for _, v := range vs {
			msg := fmt.Sprintf("%s at %d px: %s (%s, %s)", name, w, v.Help, v.ID, v.Impact)
			for i, n := range v.Nodes {
				if i == 3 {
					msg += fmt.Sprintf("\n    … and %d more", len(v.Nodes)-3)
					break
				}
				msg += fmt.Sprintf("\n    %v %s\n      %s", n.Target, clipText(n.HTML, 160), strings.ReplaceAll(n.Summary, "\n", "\n      "))
			}
			faults = append(faults, msg)
		}
	}
	return faults
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// TestBrowserEveryPage visits every page the server answers, as the public
// and as a signed-in admin, at a small phone's width (320 px), a phone's
// (390 px) and a desktop's (1280 px): no page may scroll sideways, and the
// accessibility checker must find nothing on any of them. A page route
// added without a visit here fails the test.
func TestBrowserEveryPage(t *testing.T) {
	start := time.Now()
	in := newInstallation(t)
	t.Logf("installation seeded in %v", time.Since(start).Round(time.Millisecond))
	public, admin := in.pageVisits(t, in.e.srv.Routes())
	if t.Failed() {
		t.FailNow()
	}
	b := newBrowser(t, in.e.ts.URL)
	var faults []string
	look := func(who, path string) {
		t0 := time.Now()
		b.do(chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS("h1")))
		faults = append(faults, b.checkPage(who+" "+path)...)
		t.Logf("%s %s: %v", who, path, time.Since(t0).Round(time.Millisecond))
	}
	for _, p := range public {
		look("public", p)
	}
	// What a reporter sees after sending the form and after looking up
	// the receipt.
	b.open("/security/status")
	b.fill(map[string]string{"receipt": in.receipt})
	b.submit("main form button[type=submit]", "/security/status")
	faults = append(faults, b.checkPage("public: a report's status")...)

	b.open("/login")
	b.fill(map[string]string{"email": in.e.users[auth.Admin].Email, "password": testPassword})
	b.submit("button[type=submit]", "/admin")
	for _, p := range admin {
		if slices.Contains(public, p) && p != "/" {
			continue // seen already; the signed-in header is on every admin page
		}
		look("admin", p)
	}
	t.Logf("%d public and %d admin pages checked in %v", len(public)+1, len(admin), time.Since(start).Round(time.Millisecond))
	for _, f := range faults {
		t.Error(f)
	}
}
