package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// reporterFits checks that the page does not scroll sideways at a desktop's width
// (1280 px) and a phone's (390 px), saving it at each when PSTI_SCREENSHOTS
// is set.
func (b *browser) reporterFits(name string) {
	b.t.Helper()
	defer b.do(chromedp.EmulateViewport(1100, 900))
	for _, w := range []int64{1280, 390} {
		b.do(chromedp.EmulateViewport(w, 900))
		b.screenshot(fmt.Sprintf("%s-%d", name, w))
		over, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
		if err != nil {
			b.t.Fatal(err)
		}
		if over > 0 {
			wide, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth).slice(-3).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 60)).join(' | ')`))
			b.t.Errorf("%s is %d px wider than a %d px screen (%s)", name, over, w, wide)
		}
	}
}

// TestBrowserReporter is the reporter's journey and staff's handling of it
// in a real browser: a report sent with a file, its receipt page reloaded
// (one report stored), the status looked up with the receipt and a reply
// sent with a file; a second report closed as a duplicate, first of a
// report that does not exist (refused next to the field, with what was
// typed kept), then of the first; the duplicate's reporter then follows
// the first report's timeline; a third report closed as not a
// vulnerability, with the reason shown to its reporter.
func TestBrowserReporter(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	must(t, e.db.SavePolicy(ctx, psti.System("test"), disclosure.DefaultPolicy(seed.Org.ID)))
	dir := t.TempDir()
	poc := filepath.Join(dir, "proof-of-concept.txt")
	must(t, os.WriteFile(poc, []byte("curl http://doorbell.local/live"), 0o600))
	capture := filepath.Join(dir, "capture.pcap")
	must(t, os.WriteFile(capture, make([]byte, 2048), 0o600))

	// The first reporter sends a report with a file, and reloads the
	// receipt page.
	a := newBrowser(t, e.ts.URL)
	a.open("/security/report")
	a.fill(map[string]string{"summary": "Doorbell video visible without a password",
		"details": "I opened http://doorbell.local/live and saw the camera.", "product": "Acme Doorbell DB-200"})
	a.do(chromedp.SetUploadFiles(`input[name=attachments]`, []string{poc}))
	a.reporterFits("report-form")
	a.submit("main form button[type=submit]", "/security/receipt")
	code := strings.TrimSpace(a.text("code.receipt"))
	if len(code) != 35 || strings.Contains(a.location(), code) {
		t.Fatalf("receipt %q at %s", code, a.location())
	}
	a.reporterFits("receipt")
	a.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("code.receipt")))
	if again := strings.TrimSpace(a.text("code.receipt")); again != code {
		t.Fatalf("the reloaded receipt page shows %q, not %q", again, code)
	}
	if n, _ := e.db.CountReports(ctx, disclosure.Filter{}); n != 1 {
		t.Fatalf("%d reports after reloading the receipt page, want 1", n)
	}

	// They come back later, look the report up with the receipt, and
	// reply with a file.
	a.open("/security/status")
	a.submit(`form[action="/security/status/forget"] button`, "/security/status")
	a.fill(map[string]string{"receipt": "not a code"})
	a.submit("main form button[type=submit]", "/security/status")
	if msg := a.text("#e-receipt"); !strings.Contains(msg, "no report with that receipt code") {
		t.Fatalf("a wrong code is not explained next to the field: %q", msg)
	}
	a.fill(map[string]string{"receipt": strings.ToLower(code)})
	a.submit("main form button[type=submit]", "/security/status")
	if loc := a.location(); loc != "/security/status" {
		t.Fatalf("the status page is at %s", loc)
	}
	page := a.text("main")
	for _, want := range []string{"Doorbell video visible without a password", "I opened http://doorbell.local/live", "Acme Doorbell DB-200", "proof-of-concept.txt (31 bytes)"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the status page does not show %q: %q", want, page)
		}
	}
	a.fill(map[string]string{"message": "Here is a capture of the stream."})
	a.do(chromedp.SetUploadFiles(`form[action="/security/status/reply"] input[name=attachments]`, []string{capture}))
	a.submit(`form[action="/security/status/reply"] button[type=submit]`, "/security/status")
	if page := a.text("main"); !strings.Contains(page, "Your message has been added") || !strings.Contains(page, "capture.pcap (2 kB)") {
		t.Fatalf("after replying with a file: %q", page)
	}
	a.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("h1")))
	a.reporterFits("status")

	// A second reporter sends the same problem; a third, something else.
	d := newBrowser(t, e.ts.URL)
	d.open("/security/report")
	d.fill(map[string]string{"summary": "Live video needs no login", "details": "The stream at /live opens for anyone."})
	d.submit("main form button[type=submit]", "/security/receipt")
	n := newBrowser(t, e.ts.URL)
	n.open("/security/report")
	n.fill(map[string]string{"summary": "Port 80 is open", "details": "The doorbell answers on port 80."})
	n.submit("main form button[type=submit]", "/security/receipt")
	reps, err := e.db.Reports(ctx, disclosure.Filter{})
	must(t, err)
	ids := map[string]int64{}
	for _, r := range reps {
		ids[r.Summary] = r.ID
		if full, _ := e.db.Report(ctx, r.ID); r.Summary == "Doorbell video visible without a password" && len(full.Attachments) != 2 {
			t.Fatalf("files stored with the first report: %+v", full.Attachments)
		}
	}
	first, dup, other := ids["Doorbell video visible without a password"], ids["Live video needs no login"], ids["Port 80 is open"]
	if len(reps) != 3 || first == 0 || dup == 0 || other == 0 {
		t.Fatalf("reports: %v", ids)
	}

	// Staff close the second as a duplicate: of a report that does not
	// exist, then of the first.
	staff := newBrowser(t, e.ts.URL)
	staff.open("/login")
	staff.fill(map[string]string{"email": "editor@example.com", "password": testPassword})
	staff.submit("main button[type=submit]", "/admin")
	staff.open(fmt.Sprintf("/admin/reports/%d", dup))
	staff.do(chromedp.SetValue(chromedp.CSS("#f-cstatus"), "duplicate"), chromedp.SendKeys(chromedp.CSS("#f-dup"), "999"),
		chromedp.SendKeys(chromedp.CSS("#f-close"), "Thank you: we already know of this one."))
	staff.submit(`form:has(#f-dup) button[type=submit]`, fmt.Sprintf("/admin/reports/%d", dup))
	if msg := staff.text("#e-duplicate_of"); !strings.Contains(msg, "There is no report 999.") {
		t.Fatalf("a duplicate of no report is not refused next to the field: %q", msg)
	}
	for field, want := range map[string]string{"#f-dup": "999", "#f-close": "Thank you: we already know of this one.", "#f-cstatus": "duplicate"} {
		if v, _ := chromedp.Run(staff.ctx, chromedp.Value(chromedp.CSS(field))); v != want {
			t.Fatalf("what was typed in %s was lost: %q", field, v)
		}
	}
	staff.reporterFits("report-error")
	staff.do(chromedp.SetValue(chromedp.CSS("#f-dup"), fmt.Sprint(first)))
	staff.submit(`form:has(#f-dup) button[type=submit]`, fmt.Sprintf("/admin/reports/%d", dup))
	if f := staff.text(".flash"); !strings.Contains(f, "Report closed") {
		t.Fatalf("after closing as a duplicate: %q", f)
	}
	if page := staff.text("main"); !strings.Contains(page, fmt.Sprintf("duplicate of report %d", first)) {
		t.Fatalf("the duplicate does not link its original: %q", page)
	}
	// An update on the first report.
	staff.open(fmt.Sprintf("/admin/reports/%d", first))
	if page := staff.text("main"); !strings.Contains(page, fmt.Sprintf("report %d", dup)) || !strings.Contains(page, "capture.pcap") {
		t.Fatalf("the original does not list its duplicate or the reply's file: %q", page)
	}
	staff.do(chromedp.SendKeys(chromedp.CSS("#f-update"), "Thank you. We have reproduced it and are working on a fix."))
	staff.submit(`form:has(#f-update) button[type=submit]`, fmt.Sprintf("/admin/reports/%d", first))
	staff.reporterFits("report")

	// The duplicate's reporter follows the first report.
	d.open("/security/status")
	page = d.text("main")
	for _, want := range []string{"earlier report of the same problem", "We have reproduced it and are working on a fix.", "You will hear from us"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the duplicate's reporter does not see %q: %q", want, page)
		}
	}
	for _, secret := range []string{"doorbell.local", "capture", "Doorbell video visible"} {
		if strings.Contains(page, secret) {
			t.Fatalf("the duplicate's reporter sees what the first reporter wrote (%q)", secret)
		}
	}
	d.reporterFits("status-duplicate")

	// Not a vulnerability, with the reason.
	staff.open(fmt.Sprintf("/admin/reports/%d", other))
	staff.do(chromedp.SetValue(chromedp.CSS("#f-cstatus"), "not_a_vulnerability"),
		chromedp.SendKeys(chromedp.CSS("#f-reason"), "Port 80 only shows the set-up page, which asks for the owner's password."))
	staff.submit(`form:has(#f-dup) button[type=submit]`, fmt.Sprintf("/admin/reports/%d", other))
	n.open("/security/status")
	if page := n.text("main"); !strings.Contains(page, "Resolved: not a security vulnerability") || !strings.Contains(page, "which asks for the owner's password") {
		t.Fatalf("the reporter is not told it is not a vulnerability, and why: %q", page)
	}
	n.reporterFits("status-not-a-vulnerability")
}
