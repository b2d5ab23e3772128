package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// TestBrowserStatement is a statement of compliance's life in a real
// browser: an editor starts one for a product, saves it half done and is
// shown everything it lacks, completes it and issues it; then someone
// given the PDF, signed out, reads the public page at a desktop's width
// and a phone's and uploads the PDF to the check, which says it checks
// out.
func TestBrowserStatement(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed, batches, _ := statementSeed(t, e)

	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": e.users[auth.Editor].Email, "password": testPassword})
	b.submit("form.form button[type=submit]", "/admin")
	b.do(chromedp.Click(chromedp.CSS(`nav a[href="/admin/statements"]`)))
	b.do(chromedp.WaitVisible(chromedp.CSS(`select[name=product]`)))
	b.fill(map[string]string{"product": fmt.Sprint(seed.Product.ID)})
	b.submit(`form[action="/admin/statements/new"] button`, "/admin/statements/new")
	// Half done: the signatory only.
	b.fill(map[string]string{"signatory_name": "Zoë Brontë"})
	b.submit("form.form button[type=submit]", "/admin/statements/")
	if p := b.text("#problems"); !strings.Contains(p, "Name at least one batch") || !strings.Contains(p, "function") || !strings.Contains(p, "place of issue") {
		t.Fatalf("the problems of a half-done draft: %q", p)
	}
	if f := b.text(".flash"); !strings.Contains(f, "need attention") {
		t.Fatalf("flash: %q", f)
	}
	draft := b.location()
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=batch_ids][value="%d"]`, batches[0].ID))))
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=batch_ids][value="%d"]`, batches[1].ID))))
	today := time.Now().In(psti.London)
	b.fill(map[string]string{"claim1_route": "requirement", "claim2_route": "requirement", "claim3_route": "deemed",
		"claim3_standard": "ETSI EN 303 645", "claim3_version": "V2.1.1", "claim3_issued": "2020-06", "claim3_provisions": "5.3-13",
		"signatory_function": "Head of Product Security", "place": "Łódź",
		"issued-day": fmt.Sprint(today.Day()), "issued-month": fmt.Sprint(int(today.Month())), "issued-year": fmt.Sprint(today.Year())})
	b.submit("form.form button[type=submit]", draft)
	if pv := b.text(".preview"); !strings.Contains(pv, "ETSI EN 303 645, version V2.1.1, issued June 2020; provisions 5.3-13") || !strings.Contains(pv, "Łódź") {
		t.Fatalf("the preview: %q", pv)
	}
	b.fitsWidth("statement-draft")
	b.submit(`form[action$="/issue"] button`, draft)
	if f := b.text(".flash"); !strings.Contains(f, "Issued") || !strings.Contains(f, "transparency log") {
		t.Fatalf("flash after issuing: %q", f)
	}
	public := strings.TrimSpace(b.text(`dl.facts a[href^="/statements/"]`))
	b.submit("header button[type=submit]", "/login")

	// Someone given the statement, signed out.
	rec := issuedRecord(t, e, strings.Split(public, "/")[2], 1)
	pdf, err := e.db.StatementRendering(t.Context(), rec.ID, "pdf")
	must(t, err)
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "statement.pdf"), pdf.Data, 0o644))
	for _, width := range []int64{1280, 390} {
		b.do(chromedp.EmulateViewport(width, 900))
		b.open(public)
		page := b.text("main")
		for _, want := range []string{"Statement of compliance", rec.Number + ", version 1", "B-2026-01", "B-2026-02", "Zoë Brontë", "statement.pdf"} {
			if !strings.Contains(page, want) {
				t.Errorf("at %d px the public page does not say %q", width, want)
			}
		}
		b.fitsWidth(fmt.Sprintf("statement-%d", width))
	}
	b.do(chromedp.Click(chromedp.CSS(`a[href="/statements/verify"]`)))
	b.do(chromedp.WaitVisible(chromedp.CSS(`input[name=file]`)))
	b.do(chromedp.SetUploadFiles(`input[name=file]`, []string{filepath.Join(dir, "statement.pdf")}))
	b.submit("form.form button[type=submit]", "/statements/verify")
	result := b.text(".result")
	if !strings.Contains(result, "This statement checks out") || !strings.Contains(result, "issued here as statement "+rec.Number) {
		t.Fatalf("the check's result: %q", result)
	}
	if faults := b.checkPage("statement check result"); len(faults) > 0 {
		t.Error(strings.Join(faults, "\n"))
	}
	b.fitsWidth("statement-check")
}
