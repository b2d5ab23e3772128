package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/store/storetest"
)

// TestBrowserAssessment is an assessment in a real browser: an editor
// reads the product list's lights (a symbol and words beside each
// colour), opens the product's assessment, marks a requirement not
// applicable (refused without the reason, beside the field, what was
// chosen kept), keeps a file for it (its SHA-256 shown), reloads the page
// after the post (nothing is sent twice), and finds the light green.
func TestBrowserAssessment(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	row := "#psti-dsp-04"

	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": e.users[auth.Editor].Email, "password": testPassword})
	b.submit("form.form button[type=submit]", "/admin")
	b.open("/admin/products")
	list := b.text("main table")
	for _, want := range []string{"✗ PSTI-DSP-04", "Support period: not published yet", "Reporting security issues: security policy not published yet"} {
		if !strings.Contains(list, want) {
			t.Fatalf("the product list does not say %q:\n%s", want, list)
		}
	}
	b.fitsWidth("products-lights")
	// On a phone the lights do not squeeze the product's name to a
	// letter a line: its column stays as wide as its longest word.
	b.do(chromedp.EmulateViewport(390, 900))
	narrow, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(() => { const a = document.querySelector("main table tbody td a"); const r = document.createRange(); r.selectNodeContents(a); return [...r.getClientRects()].length > 2 })()`))
	b.do(chromedp.EmulateViewport(1100, 900))
	if err != nil || narrow {
		t.Errorf("at 390 px the product's name in the list breaks over more than two lines (%v)", err)
	}
	path := fmt.Sprintf("/admin/products/%d/assessment", seed.Product.ID)
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href=%q]`, path))))
	b.do(chromedp.WaitVisible(chromedp.CSS(row)))
	if loc := b.location(); loc != path {
		t.Fatalf("at %s", loc)
	}

	// Not applicable, without the reason.
	b.do(chromedp.Click(chromedp.CSS(row + " details.edit summary")))
	choose := func(sel, v string) {
		t.Helper()
		js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; return e.value })()`, sel, v)
		if got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js)); err != nil || got != v {
			t.Fatalf("choosing %q in %s: %q %v", v, sel, got, err)
		}
	}
	choose(row+` select[name=status]`, "not_applicable")
	b.submit(row+` form[action$="/PSTI-DSP-04"] button[type=submit]`, path+"/PSTI-DSP-04")
	if msg := b.text("#e-psti-dsp-04-reason"); !strings.Contains(msg, "Say why PSTI-DSP-04 does not apply") {
		t.Fatalf("the missing reason is not explained beside the field: %q", msg)
	}
	if v, _ := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(row+` select[name=status]`))); v != "not_applicable" {
		t.Fatalf("the status chosen was lost: %q", v)
	}
	if s := b.text(".error-summary"); !strings.Contains(s, "Say why") {
		t.Fatalf("error summary %q", s)
	}
	b.do(chromedp.SendKeys(chromedp.CSS(row+` textarea[name=reason]`), "We sell only through retailers: there is no shop of our own."))
	b.submit(row+` form[action$="/PSTI-DSP-04"] button[type=submit]`, path)
	if f := b.text(".flash"); !strings.Contains(f, "Saved PSTI-DSP-04") {
		t.Fatalf("flash %q", f)
	}
	if s := b.text(row); !strings.Contains(s, "Not applicable: We sell only through retailers") || !strings.Contains(s, "Last changed") {
		t.Fatalf("the row after saving:\n%s", s)
	}

	// A file kept as evidence.
	dir := t.TempDir()
	file := filepath.Join(dir, "retail-only.txt")
	must(t, os.WriteFile(file, []byte("Our sales channels, 2026: retailers only.\n"), 0o600))
	b.do(chromedp.Click(chromedp.CSS(row + " details.edit summary")))
	b.do(chromedp.SetUploadFiles(row+` input[name=file]`, []string{file}))
	b.submit(row+` form[action$="/evidence"] button[type=submit]`, path)
	if f := b.text(".flash"); !strings.Contains(f, "Kept retail-only.txt for PSTI-DSP-04") || !strings.Contains(f, "SHA-256") {
		t.Fatalf("flash after keeping a file: %q", f)
	}
	if s := b.text(row + " ul.evidence"); !strings.Contains(s, "retail-only.txt") {
		t.Fatalf("the file is not listed: %q", s)
	}

	// Reloading after the post sends nothing again: one change, one file.
	b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("h1")))
	res, body := e.call("GET", fmt.Sprintf("/api/v1/products/%d/assessment", seed.Product.ID), e.tokens[auth.Viewer], "", "")
	if res.StatusCode != 200 || strings.Count(body, `"name":"retail-only.txt"`) != 1 || strings.Count(body, `"revision":1,`) < 1 {
		t.Fatalf("after a reload: %d %s", res.StatusCode, body)
	}
	b.fitsWidth("assessment")

	// The product list now shows the requirement green, with its symbol.
	b.open("/admin/products")
	if list := b.text("main table"); !strings.Contains(list, "✓ PSTI-DSP-04") {
		t.Fatalf("the product list after the change:\n%s", list)
	}
	b.do(chromedp.EmulateViewport(360, 800))
	b.open(path)
	b.fitsWidth("assessment-phone")
}
