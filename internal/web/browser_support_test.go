package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/store/storetest"
)

// TestBrowserSupportPeriod is a support period's life in a real browser:
// an editor publishes one and tries to shorten it, and is told next to the
// date why not (PSTI-DSP-05); then a shopper, signed out, searches the
// product list by the number under the barcode, opens the product and
// reads until when it gets security updates, at a desktop's width and a
// phone's.
func TestBrowserSupportPeriod(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	var period struct{ ID int64 }
	e.mustJSON("POST", "/api/v1/support-periods", map[string]any{"product_id": seed.Product.ID, "end_date": "2030-03-31"}, &period)

	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": e.users[auth.Editor].Email, "password": testPassword})
	b.submit("form.form button[type=submit]", "/admin")
	b.open(fmt.Sprintf("/admin/products/%d", seed.Product.ID))
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/admin/products/%d/support"]`, seed.Product.ID))))
	b.do(chromedp.WaitVisible(chromedp.CSS(`table`)))
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/admin/support-periods/%d"]`, period.ID))))
	b.do(chromedp.WaitVisible(chromedp.CSS(`form[action$="/publish"]`)))
	b.submit(`form[action$="/publish"] button`, fmt.Sprintf("/admin/support-periods/%d", period.ID))
	if f := b.text(".flash"); !strings.Contains(f, "31 March 2030") || !strings.Contains(f, "never shortened") {
		t.Fatalf("flash after publishing: %q", f)
	}
	b.fill(map[string]string{"end_date-day": "1", "end_date-month": "1", "end_date-year": "2029", "reason": "Cheaper to stop early."})
	b.submit("form.form button[type=submit]", fmt.Sprintf("/admin/support-periods/%d/extend", period.ID))
	if msg := b.text("#e-end_date"); !strings.Contains(msg, "extended but never shortened") || !strings.Contains(msg, "31 March 2030") {
		t.Fatalf("shortening not explained next to the date: %q", msg)
	}
	if v, _ := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(`[name="reason"]`))); v != "Cheaper to stop early." {
		t.Fatalf("the reason typed was lost: %q", v)
	}
	b.fill(map[string]string{"end_date-day": "30", "end_date-month": "6", "end_date-year": "2031", "reason": "Parts supply secured."})
	b.submit("form.form button[type=submit]", fmt.Sprintf("/admin/support-periods/%d", period.ID))
	b.submit("header button[type=submit]", "/login")

	// A shopper, signed out.
	for _, width := range []int64{1280, 390} {
		b.do(chromedp.EmulateViewport(width, 900))
		b.open("/products")
		b.fill(map[string]string{"q": "4006381333931"})
		b.submit("form.search button[type=submit]", "/products?q=4006381333931")
		if h := b.text("main h2"); !strings.Contains(h, "4006381333931") {
			t.Fatalf("results heading %q", h)
		}
		b.do(chromedp.Click(chromedp.CSS(`a[href="/products/` + seed.Product.Slug + `"]`)))
		b.do(chromedp.WaitVisible(chromedp.CSS(`section.support`)))
		if loc := b.location(); loc != "/products/"+seed.Product.Slug {
			t.Fatalf("at %s", loc)
		}
		page := b.text("main")
		for _, want := range []string{"Security updates until at least 30 June 2031.", "Doorbell Pro", "DB-200", "4006381333931",
			"from 31 March 2030 to 30 June 2031", "Parts supply secured.", "tell us about it"} {
			if !strings.Contains(page, want) {
				t.Errorf("at %d px the product page does not say %q:\n%s", width, want, page)
			}
		}
		b.fitsWidth(fmt.Sprintf("product-%d", width))
	}
}
