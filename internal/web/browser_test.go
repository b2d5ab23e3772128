package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
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
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
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
