package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/store/storetest"
)

// fitsAt checks that the page is no wider than the screen at a desktop's
// width (1280 px) and a phone's (390 px), saving it at both when
// PSTI_SCREENSHOTS is set.
func (b *browser) fitsAt(name string) {
	b.t.Helper()
	defer b.do(chromedp.EmulateViewport(1100, 900))
	for _, w := range []int64{1280, 390} {
		b.do(chromedp.EmulateViewport(w, 900))
		over, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
		if err != nil {
			b.t.Fatal(err)
		}
		if over > 0 {
			b.t.Errorf("%s is %d px wider than a %d px screen", name, over, w)
		}
		b.screenshot(fmt.Sprintf("%s-%d", name, w))
	}
}

// TestBrowserAdvisory: staff write an advisory about a resolved report as
// a draft, are refused a wrong CWE with what they typed kept, preview it as
// the public will see it, publish it, then revise it; every page fits a
// phone and a desktop screen.
func TestBrowserAdvisory(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	id, _ := resolvedReport(t, e)
	staff := newBrowser(t, e.ts.URL)
	staff.open("/login")
	staff.fill(map[string]string{"email": "editor@example.com", "password": testPassword})
	staff.submit("main button[type=submit]", "/admin")

	// From the report page: a first draft.
	staff.open(fmt.Sprintf("/admin/reports/%d", id))
	staff.fill(map[string]string{"summary": "Anyone on the same network could watch the doorbell's video.", "remedy": "Update the doorbell to firmware 3.2."})
	staff.submit(`form[action$="/advisory/draft"] button[type=submit]`, fmt.Sprintf("/admin/reports/%d/advisory", id))
	if page := staff.text("main"); !strings.Contains(page, "The draft is saved") || !strings.Contains(page, "firmware 3.1") {
		t.Fatalf("editor after the first save: %q", page)
	}
	staff.fitsAt("editor")

	// A wrong CWE is refused next to its field; what was typed stays.
	staff.do(chromedp.Click(chromedp.CSS(`input[name=affected][value="firmware 3.1"]`)))
	staff.do(chromedp.Click(chromedp.CSS(`input[name=fixed][value="firmware 3.2"]`)))
	staff.fill(map[string]string{"cwe": "CWE-0", "affected_other": "firmware 3.0"})
	staff.submit(`form[action$="/advisory/draft"] button[type=submit]`, fmt.Sprintf("/admin/reports/%d/advisory/draft", id))
	if msg := staff.text("#e-cwe"); !strings.Contains(msg, "CWE-") {
		t.Fatalf("CWE error: %q", msg)
	}
	if v, _ := chromedp.Run(staff.ctx, chromedp.Evaluate[string](`document.querySelector('[name=affected_other]').value`)); v != "firmware 3.0" {
		t.Fatalf("typed versions lost: %q", v)
	}
	if c, _ := chromedp.Run(staff.ctx, chromedp.Evaluate[bool](`document.querySelector('input[name=affected][value="firmware 3.1"]').checked`)); !c {
		t.Fatal("the ticked version was lost")
	}
	staff.fitsAt("editor-error")
	staff.fill(map[string]string{"cwe": "CWE-306"})
	staff.submit(`form[action$="/advisory/draft"] button[type=submit]`, fmt.Sprintf("/admin/reports/%d/advisory", id))

	// The preview is the public page, marked as a preview.
	staff.do(chromedp.Click(chromedp.CSS(`a[href$="/advisory/preview"]`)))
	staff.do(chromedp.WaitVisible(chromedp.CSS("h1")))
	if page := staff.text("main"); !strings.Contains(page, "Preview: not published") || !strings.Contains(page, "Missing Authentication for Critical Function") ||
		!strings.Contains(page, "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N") || !strings.Contains(page, "firmware 3.1, firmware 3.0") ||
		!strings.Contains(page, "(the day it is published)") {
		t.Fatalf("preview: %q", page)
	}
	staff.fitsAt("preview")

	// Publish.
	staff.do(chromedp.Click(chromedp.CSS(`.notice a[href$="/advisory"]`)))
	staff.do(chromedp.WaitVisible(chromedp.CSS("h1")))
	staff.submit(`form[action$="/advisory/publish"] button[type=submit]`, "/security/advisories/ACME-")
	if page := staff.text("main"); !strings.Contains(page, "Anyone on the same network") || strings.Contains(page, "Preview") ||
		!strings.Contains(page, "OpenPGP signature") || !strings.Contains(page, "Jo Finder") {
		t.Fatalf("published: %q", page)
	}
	public := staff.location()
	staff.fitsAt("published")

	// Revise: the change is recorded and shown.
	staff.open(fmt.Sprintf("/admin/reports/%d/advisory", id))
	if h := staff.text("h1"); !strings.HasPrefix(h, "Revise advisory ACME-") {
		t.Fatalf("revision editor: %q", h)
	}
	staff.fill(map[string]string{"fixed_other": "firmware 3.1.1", "change": "Firmware 3.1.1 also fixes the problem."})
	staff.submit(`form[action$="/advisory/draft"] button[type=submit]`, fmt.Sprintf("/admin/reports/%d/advisory", id))
	staff.fitsAt("revision-editor")
	staff.submit(`form[action$="/advisory/publish"] button[type=submit]`, public)
	if page := staff.text("main"); !strings.Contains(page, "Version 2,") || !strings.Contains(page, "Firmware 3.1.1 also fixes the problem.") ||
		!strings.Contains(page, "firmware 3.2, firmware 3.1.1") {
		t.Fatalf("revised: %q", page)
	}
	staff.fitsAt("revised")
	staff.open("/security/advisories")
	if page := staff.text("main"); !strings.Contains(page, "updated") {
		t.Fatalf("the list does not say the advisory was updated: %q", page)
	}
	staff.fitsAt("list")
}
