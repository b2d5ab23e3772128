package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// TestBrowserReviewFinding is an editor in a real browser reviewing an
// audit whose only finding needs review (two passwords that differ only in
// letter case): the batch needs review, a review that accepts without a
// reason is refused next to the field keeping the choice, a reason makes
// the batch pass after review, and the audit trail keeps who decided what.
// A reload after the review records nothing again. Each page fits a
// phone's screen (390 px) as well as a desktop's (1280 px).
func TestBrowserReviewFinding(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	batch := &product.Batch{ProductID: seed.Product.ID, Code: "B-2026-12"}
	must(t, e.db.CreateBatch(context.Background(), psti.System("test"), batch))
	file := filepath.Join(t.TempDir(), "december.csv")
	must(t, os.WriteFile(file, []byte(caseTwins(600)), 0o600))

	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": "editor@example.com", "password": testPassword})
	b.submit("main button[type=submit]", "/admin")
	b.open(fmt.Sprintf("/admin/batches/%d/password-audits/new", batch.ID))
	b.do(chromedp.SetUploadFiles(`input[name=file]`, []string{file}))
	b.submit("main form button[type=submit]", "/admin/password-audits/")
	if s := b.text("main"); strings.Contains(s, "another audit") {
		t.Fatalf("the only audit reads as waiting for another:\n%s", s)
	}
	audit := b.location()
	deadline := time.Now().Add(60 * time.Second)
	for {
		v, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector('.verdict h2') || {}).textContent || ''`))
		if v != "" {
			if v != "This batch needs review" {
				t.Fatalf("the verdict reads %q", v)
			}
			break
		}
		if time.Now().After(deadline) {
			b.screenshot("failure")
			t.Fatal("the report did not appear")
		}
		time.Sleep(100 * time.Millisecond)
	}
	page := b.text("main")
	for _, want := range []string{"2 of 600 devices were flagged for review", "DP-04", "fails until an editor has reviewed", "Not reviewed yet", "Your review of DP-04"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report does not say %q:\n%s", want, page)
		}
	}
	if tag := b.text("#finding-DP-04 h3 .tag"); tag != "needs review" {
		t.Errorf("DP-04 is tagged %q", tag)
	}
	reviewFits(b, "needs-review")

	// Accepted without a reason: refused, the message next to the field,
	// the choice kept.
	b.do(chromedp.Click(chromedp.CSS(`#review-DP-04 input[value=accepted]`)))
	b.submit("#review-DP-04 button[type=submit]", audit)
	if msg := b.text("#e-DP-04-reason"); !strings.Contains(msg, "needs a reason") {
		t.Fatalf("the reason's message: %q", msg)
	}
	if s := b.text(".error-summary"); !strings.Contains(s, "There is a problem") {
		t.Fatalf("the error summary: %q", s)
	}
	if checked, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector('#review-DP-04 input[value=accepted]').checked`)); !checked {
		t.Error("the decision was not kept")
	}
	if n := e.counts(t)["password_audit_reviews"]; n != 0 {
		t.Fatalf("a refused review was kept: %d", n)
	}
	reviewFits(b, "review-error")

	// With a reason: the batch passes after review.
	reason := "Lines 9 and 10 are one device labelled twice: checked against the factory log."
	b.fill(map[string]string{"reason": reason})
	b.submit("#review-DP-04 button[type=submit]", audit)
	if s := b.text(".flash"); !strings.Contains(s, "The batch now passes after review") {
		t.Fatalf("the message after the review: %q", s)
	}
	if v := b.text(".verdict h2"); v != "This batch passes after review" {
		t.Fatalf("the verdict after review reads %q", v)
	}
	review := b.text("#review-DP-04")
	for _, want := range []string{"Accepted by editor@example.com", reason, "Review DP-04 again"} {
		if !strings.Contains(review, want) {
			t.Errorf("the review does not say %q:\n%s", want, review)
		}
	}
	if tag := b.text("#finding-DP-04 h3 .tag"); tag != "accepted after review" {
		t.Errorf("DP-04 is tagged %q", tag)
	}
	reviewFits(b, "passed-after-review")
	before := e.counts(t)
	b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".verdict h2")))
	if after := e.counts(t); after["password_audit_reviews"] != 1 || after["audit_log"] != before["audit_log"] {
		t.Fatalf("reloading after the review changed the store: %v, then %v", before, after)
	}

	// The batch's list and the audit trail say so.
	b.open(fmt.Sprintf("/admin/batches/%d", batch.ID))
	if s := b.text("section.sub table"); !strings.Contains(s, "Passed after review") {
		t.Errorf("the batch's list of audits: %q", s)
	}
	b.open("/admin/audit")
	trail := b.text("ol.audit li")
	for _, want := range []string{"review", "editor@example.com"} {
		if !strings.Contains(strings.ToLower(trail), want) {
			t.Errorf("the newest audit trail entry does not say %q: %q", want, trail)
		}
	}
	b.do(chromedp.Click(chromedp.CSS(`ol.audit li summary`)))
	if s := b.text("ol.audit li"); !strings.Contains(s, "passed_after_review") || !strings.Contains(s, "needs_review") || !strings.Contains(s, reason) {
		t.Errorf("the audit trail's before and after: %q", s)
	}
	reviewFits(b, "audit-trail")
}

// reviewFits checks at a desktop's width (1280 px) and a phone's (390 px)
// that the page does not scroll sideways, saving it at each width when
// PSTI_SCREENSHOTS is set.
func reviewFits(b *browser, name string) {
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
			b.t.Errorf("%s is %d px wider than a %d px screen", name, over, w)
		}
	}
}
