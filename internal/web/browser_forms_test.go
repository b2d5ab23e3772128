package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/store/storetest"
)

// TestBrowserTypedDates adds a product and a firmware version with its
// release date typed as day, month and year, in a real browser at a
// desktop's width and a phone's: an impossible date is refused next to its
// fields, keeping what was typed; a real one is stored as that day; and
// reloading the page after saving adds nothing.
func TestBrowserTypedDates(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": "editor@example.com", "password": testPassword})
	b.submit("form.form button[type=submit]", "/admin")

	for _, width := range []int64{1280, 390} {
		b.do(chromedp.EmulateViewport(width, 900))
		model := fmt.Sprintf("DB-%d", width)

		b.open(fmt.Sprintf("/admin/products/new?brand_id=%d", seed.Brand.ID))
		b.fill(map[string]string{"name": "Doorbell Max", "type": "video doorbell", "model_number": model})
		b.do(chromedp.Click(chromedp.CSS(`input[name="manufacturer_ids"]`)))
		b.submit("form.form button[type=submit]", "/admin/products/")
		if f := b.text(".flash"); !strings.Contains(f, "Added product") {
			t.Fatalf("%d px: flash after adding the product: %q", width, f)
		}

		// From the product's page, add a version with an impossible date.
		b.do(chromedp.Click(chromedp.CSS(`a[href^="/admin/versions/new?product_id="]`)))
		b.do(chromedp.WaitVisible(chromedp.CSS(`[name="version"]`)))
		if legend := b.text("fieldset legend"); !strings.Contains(legend, "Release date") {
			t.Fatalf("%d px: the date's fieldset is headed %q", width, legend)
		}
		b.fill(map[string]string{"version": "3.0.1", "released_on-day": "31", "released_on-month": "2", "released_on-year": "2026"})
		b.submit("form.form button[type=submit]", "/admin/versions")
		if msg := b.text("#e-released_on"); msg != "Release date must be a real date, for example 27 3 2026." {
			t.Fatalf("%d px: 31 February not explained next to the date: %q", width, msg)
		}
		if s := b.text(".error-summary"); !strings.Contains(s, "must be a real date") {
			t.Fatalf("%d px: the summary does not name the date: %q", width, s)
		}
		for name, want := range map[string]string{"released_on-day": "31", "released_on-month": "2", "released_on-year": "2026", "version": "3.0.1"} {
			if v, _ := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(fmt.Sprintf(`[name=%q]`, name)))); v != want {
				t.Fatalf("%d px: %s is %q after the error, want %q as typed", width, name, v, want)
			}
		}
		b.noSidewaysScroll(fmt.Sprintf("%d px, date refused", width), width)

		// A year of two digits is refused too, not guessed.
		b.fill(map[string]string{"released_on-day": "7", "released_on-month": "12", "released_on-year": "26"})
		b.submit("form.form button[type=submit]", "/admin/versions")
		if msg := b.text("#e-released_on"); !strings.Contains(msg, "4 digits") {
			t.Fatalf("%d px: a two-digit year: %q", width, msg)
		}

		b.fill(map[string]string{"released_on-year": "2026"})
		b.submit("form.form button[type=submit]", "/admin/versions/")
		if f := b.text(".flash"); !strings.Contains(f, "Added version") {
			t.Fatalf("%d px: flash after adding the version: %q", width, f)
		}
		saved := b.location()
		b.noSidewaysScroll(fmt.Sprintf("%d px, version", width), width)

		// Reloading the page the form led to sends nothing again.
		b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("h1")))
		if loc := b.location(); loc != saved {
			t.Fatalf("%d px: reloading moved from %s to %s", width, saved, loc)
		}
		if f, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('.flash').length`)); f != 0 {
			t.Errorf("%d px: the message is shown again after a reload", width)
		}
		for name, want := range map[string]string{"released_on-day": "7", "released_on-month": "12", "released_on-year": "2026"} {
			if v, _ := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(fmt.Sprintf(`[name=%q]`, name)))); v != want {
				t.Fatalf("%d px: the saved version shows %s as %q, want %q", width, name, v, want)
			}
		}

		// The product lists the version once, released on the day typed.
		b.do(chromedp.Click(chromedp.CSS(`p.back a`)))
		b.do(chromedp.WaitVisible(chromedp.CSS(`section.sub table`)))
		if page := b.text("main"); strings.Count(page, "3.0.1") != 1 || !strings.Contains(page, "7 December 2026") {
			t.Fatalf("%d px: product page: %q", width, page)
		}
	}

	vs, err := e.db.Versions(ctx, product.Filter{})
	must(t, err)
	n := 0
	for _, v := range vs {
		if v.Version == "3.0.1" {
			n++
			if v.ReleasedOn != "2026-12-07" {
				t.Errorf("7 12 2026 was stored as %q", v.ReleasedOn)
			}
		}
	}
	if n != 2 { // one per width
		t.Fatalf("%d versions 3.0.1 stored, want 2", n)
	}
}

// noSidewaysScroll checks that the page, at the width the browser has now,
// is no wider than the window, and saves it when PSTI_SCREENSHOTS is set.
func (b *browser) noSidewaysScroll(name string, width int64) {
	b.t.Helper()
	b.screenshot(strings.ReplaceAll(name, " ", "-"))
	over, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if err != nil {
		b.t.Fatal(err)
	}
	if over > 0 {
		b.t.Errorf("%s: the page is %d px wider than the %d px window", name, over, width)
	}
}

// TestBrowserTokenShownOnce makes an API token with a last day typed as
// day, month and year, at a desktop's width and a phone's: the secret is
// on the page the form leads to, and gone after a reload.
func TestBrowserTokenShownOnce(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": "admin@example.com", "password": testPassword})
	b.submit("form.form button[type=submit]", "/admin")

	for _, width := range []int64{1280, 390} {
		b.do(chromedp.EmulateViewport(width, 900))
		name := fmt.Sprintf("factory line %d", width)
		b.open("/admin/tokens")
		b.fill(map[string]string{"name": name, "user_email": "editor@example.com", "role": "editor",
			"expires_on-day": "31", "expires_on-month": "1", "expires_on-year": "2027"})
		b.submit("form.form button[type=submit]", "/admin/tokens")
		secret := b.text(".secret code")
		if !strings.HasPrefix(secret, "psti_") || !strings.Contains(b.text(".secret h2"), name) {
			t.Fatalf("%d px: the new token is not shown: %q", width, secret)
		}
		if loc := b.location(); loc != "/admin/tokens" {
			t.Fatalf("%d px: the token's page is at %s", width, loc)
		}
		if row := b.text("main table"); !strings.Contains(row, "until the end of 31 January 2027") {
			t.Errorf("%d px: the token's last day is not shown as typed: %q", width, row)
		}
		b.noSidewaysScroll(fmt.Sprintf("%d px, token", width), width)

		b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("h1")))
		if page := b.text("main"); strings.Contains(page, secret) {
			t.Fatalf("%d px: the secret is shown again after a reload", width)
		}
	}
}
