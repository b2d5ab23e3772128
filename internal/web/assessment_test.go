package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// markAssessed marks every requirement of a product's assessment met,
// with a note, so that issuing a statement is not refused for it: the
// statement tests test statements, and TestStatementAssessmentGate the
// gate.
func markAssessed(t testing.TB, e *env, productID int64) {
	t.Helper()
	ctx := context.Background()
	rows, err := e.db.AssessmentRows(ctx, productID)
	must(t, err)
	rev := map[string]int64{}
	for _, r := range rows[productID] {
		rev[r.Requirement] = r.Revision
	}
	for _, r := range catalog.DefaultCatalogue().Assessed() {
		row := &assessment.Row{ProductID: productID, Requirement: r.ID, Route: assessment.RouteDirect, Status: assessment.StatusMet,
			Note: "Checked by the test.", Revision: rev[r.ID]}
		must(t, e.db.SaveAssessmentRow(ctx, psti.System("test"), row))
	}
}

// setRow saves one row of a product's assessment through the API.
func setRow(t *testing.T, e *env, productID int64, requirement string, body map[string]any) (int, string) {
	t.Helper()
	return e.json("PUT", fmt.Sprintf("/api/v1/products/%d/assessment/%s", productID, requirement), auth.Editor, body, nil)
}

// TestStatementAssessmentGate: a statement is not issued while one
// requirement it speaks to is unmet (the single case), names it by id and
// title, and is issued once it is met or not applicable; a requirement
// that applies only after supply (PSTI-DSP-02, Act s.9(4)) does not hold
// it back. A new draft declares what the assessment says.
func TestStatementAssessmentGate(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	s, batches, _ := statementSeed(t, e)
	var rowsRead struct {
		Items []assessment.Item `json:"items"`
	}
	e.mustJSON("GET", fmt.Sprintf("/api/v1/products/%d/assessment", s.Product.ID), nil, &rowsRead)
	rev := func(id string) int64 {
		for _, it := range rowsRead.Items {
			if it.Requirement == id {
				return it.Row.Revision
			}
		}
		t.Fatalf("no item %s", id)
		return 0
	}
	// One requirement back in progress.
	if st, text := setRow(t, e, s.Product.ID, "PSTI-VR-03", map[string]any{"route": "direct", "status": "in_progress", "revision": rev("PSTI-VR-03")}); st != 200 {
		t.Fatalf("saving a row: %d %s", st, text)
	}
	// DSP-02 applies after supply: unmet, it does not hold a statement back.
	if st, text := setRow(t, e, s.Product.ID, "PSTI-DSP-02", map[string]any{"route": "direct", "status": "not_started", "revision": rev("PSTI-DSP-02")}); st != 200 {
		t.Fatalf("saving a row: %d %s", st, text)
	}
	today := time.Now().In(psti.London).Format(time.DateOnly)
	var draft struct{ ID int64 }
	e.mustJSON("POST", "/api/v1/statements", map[string]any{"product_id": s.Product.ID, "batch_ids": []int64{batches[0].ID},
		"signatory": map[string]any{"name": "Zoë Brontë", "function": "Head of Product Security"}, "place": "London", "issued": today}, &draft)
	st, text := e.json("POST", fmt.Sprintf("/api/v1/statements/%d/issue", draft.ID), auth.Editor, nil, nil)
	if st != 422 || !strings.Contains(text, "PSTI-VR-03 (When reporters hear back)") || strings.Contains(text, "PSTI-DSP-02") || !strings.Contains(text, "assessment") {
		t.Fatalf("issuing with one requirement unmet: %d %s", st, text)
	}
	// The draft's page says so, and leads to the assessment.
	res, err := e.browser(auth.Viewer).Get(e.ts.URL + fmt.Sprintf("/admin/statements/%d", draft.ID))
	must(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), fmt.Sprintf(`<a href="/admin/products/%d/assessment">The product&#39;s assessment says this requirement is not met yet: PSTI-VR-03`, s.Product.ID)) {
		t.Errorf("the draft's page does not lead to the assessment:\n%s", page)
	}
	// The draft declared every paragraph as the assessment does (each
	// met as such), though the request named none.
	var got struct {
		Content struct {
			Claims []struct {
				Paragraph int    `json:"paragraph"`
				Route     string `json:"route"`
			} `json:"claims"`
		} `json:"content"`
	}
	e.mustJSON("GET", fmt.Sprintf("/api/v1/statements/%d", draft.ID), nil, &got)
	if len(got.Content.Claims) != 3 || got.Content.Claims[0].Route != "requirement" {
		t.Fatalf("claims of the new draft: %+v", got.Content.Claims)
	}
	// Not applicable, with the reason: issued.
	if st, text := setRow(t, e, s.Product.ID, "PSTI-VR-03", map[string]any{"route": "direct", "status": "not_applicable",
		"reason": "Reports go to the importer, who publishes the timescales.", "revision": rev("PSTI-VR-03") + 1}); st != 200 {
		t.Fatalf("saving a row: %d %s", st, text)
	}
	if st, text := e.json("POST", fmt.Sprintf("/api/v1/statements/%d/issue", draft.ID), auth.Editor, nil, nil); st != 200 {
		t.Fatalf("issuing with every requirement met or not applicable: %d %s", st, text)
	}
}

// TestAssessmentAPI: a row is read, changed with its revision (a stale one
// is a conflict), refused with field problems, and a file is kept and read
// back byte for byte with its SHA-256; a viewer reads but cannot change.
func TestAssessmentAPI(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	s := storetest.NewSeed(t, e.db)
	path := fmt.Sprintf("/api/v1/products/%d/assessment", s.Product.ID)
	var a assessment.Assessment
	e.mustJSON("GET", path, nil, &a)
	if len(a.Items) != len(catalog.DefaultCatalogue().Assessed()) {
		t.Fatalf("%d items", len(a.Items))
	}
	if it := a.Item("PSTI-DSP-01"); it == nil || it.Light != "red" || !strings.Contains(it.Text, "Support period: not published yet") {
		t.Fatalf("DSP-01 before anything: %+v", it)
	}
	var item assessment.Item
	st, text := e.json("PUT", path+"/PSTI-PW-01", auth.Editor, map[string]any{"route": "label", "label_scheme": "sg-cls", "label_id": "CSA/010125/0001",
		"label_expires": time.Now().AddDate(0, 1, 0).Format(time.DateOnly), "status": "met", "revision": 0}, &item)
	if st != 200 || item.Row.Revision != 1 || item.Light != "amber" || !strings.Contains(item.Warning, "expires on") {
		t.Fatalf("label expiring within the window: %d %s", st, text)
	}
	if st, text := e.json("PUT", path+"/PSTI-PW-01", auth.Editor, map[string]any{"route": "direct", "status": "met", "revision": 0}, nil); st != 409 {
		t.Fatalf("a stale revision: %d %s", st, text)
	}
	if st, text := e.json("PUT", path+"/PSTI-PW-01", auth.Editor, map[string]any{"route": "label", "status": "met", "revision": 1}, nil); st != 422 || !strings.Contains(text, "label_expires") {
		t.Fatalf("a label without expiry: %d %s", st, text)
	}
	if st, _ := e.json("PUT", path+"/PSTI-NO-01", auth.Editor, map[string]any{"route": "direct", "status": "met", "revision": 0}, nil); st != 404 {
		t.Fatalf("an unknown requirement: %d", st)
	}
	if st, _ := e.json("PUT", path+"/PSTI-PW-02", auth.Viewer, map[string]any{"route": "direct", "status": "met", "revision": 0}, nil); st != 403 {
		t.Fatalf("a viewer changing a row: %d", st)
	}
	// A file, as the body itself.
	data := []byte("%PDF-1.7 test report\n")
	sum := sha256.Sum256(data)
	res, body := e.call("POST", path+"/PSTI-PW-01/evidence?name=cls-certificate.pdf", e.tokens[auth.Editor], "application/pdf", string(data))
	if res.StatusCode != 201 || !strings.Contains(body, hex.EncodeToString(sum[:])) {
		t.Fatalf("keeping a file: %d %s", res.StatusCode, body)
	}
	loc := strings.TrimPrefix(res.Header.Get("Location"), "")
	res, got := e.call("GET", loc, e.tokens[auth.Viewer], "", "")
	if res.StatusCode != 200 || got != string(data) || res.Header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(res.Header.Get("Repr-Digest"), "sha-256=:") {
		t.Fatalf("reading the file back: %d %q %v", res.StatusCode, got, res.Header)
	}
	if res, _ := e.call("POST", path+"/PSTI-PW-01/evidence", e.tokens[auth.Editor], "application/pdf", ""); res.StatusCode != 422 {
		t.Fatalf("an empty file: %d", res.StatusCode)
	}
	e.mustJSON("GET", path, nil, &a)
	if it := a.Item("PSTI-PW-01"); len(it.Evidence) != 1 || it.Evidence[0].Name != "cls-certificate.pdf" || it.Basis != "evidence" {
		t.Fatalf("the row after a file: %+v", it)
	}
	// Every change is kept.
	var trail []psti.AuditEntry
	e.mustJSON("GET", "/api/v1/audit?entity=assessment", nil, &trail)
	if len(trail) == 0 {
		t.Fatal("no audit entry for the change")
	}
}

// TestAssessmentPages: an editor changes a row on the page (post, then
// redirect), a mistake is shown next to its field with what was typed
// kept, a stale form is told it is out of date, and a file is kept; the
// product list shows the lights with words, and the product page leads to
// the assessment.
func TestAssessmentPages(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	s := storetest.NewSeed(t, e.db)
	editor, viewer := e.browser(auth.Editor), e.browser(auth.Viewer)
	base := e.ts.URL + fmt.Sprintf("/admin/products/%d/assessment", s.Product.ID)
	get := func(c *http.Client, u string) (int, string) {
		t.Helper()
		res, err := c.Get(u)
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	st, page := get(viewer, base)
	if st != 200 || !strings.Contains(page, "PSTI-PW-01") || strings.Contains(page, `action="/admin/products/`) {
		t.Fatalf("viewer's page: %d (a viewer sees no form)", st)
	}
	// The counts add up: the rows a statement does not speak to (PSTI-SOC-08)
	// are said apart, so "0 of 13 met" and "11 more" do not puzzle.
	if !strings.Contains(page, "not met yet are about what must be done after the product is sold") {
		t.Errorf("the summary does not say why some unmet rows do not hold a statement back")
	}
	// A label route without its expiry: refused, next to the field, what
	// was typed kept.
	v := url.Values{"route": {"label"}, "label_scheme": {"jc-star-star-1"}, "label_id": {"JC-2026-0042"}, "status": {"met"}, "revision": {"0"}, "note": {"Label granted in May."}}
	st, _, page = post(t, editor, base+"/PSTI-PW-01", v)
	if st != 422 || !strings.Contains(page, `id="e-psti-pw-01-label_expires"`) || !strings.Contains(page, "JC-2026-0042") || !strings.Contains(page, "Label granted in May.") {
		t.Fatalf("refused row: %d", st)
	}
	v.Set("label_expires-day", "31")
	v.Set("label_expires-month", "3")
	v.Set("label_expires-year", "2030")
	st, loc, _ := post(t, editor, base+"/PSTI-PW-01", v)
	if st != 303 || !strings.HasSuffix(loc, "#psti-pw-01") {
		t.Fatalf("saved row: %d %s", st, loc)
	}
	_, page = get(editor, e.ts.URL+loc)
	if !strings.Contains(page, "Japan JC-STAR STAR-1 label number JC-2026-0042, valid until 31 March 2030") {
		t.Fatal("the saved route is not shown")
	}
	// The same form again (revision 0) is out of date.
	st, _, page = post(t, editor, base+"/PSTI-PW-01", v)
	if st != 409 || !strings.Contains(page, "Someone else changed PSTI-PW-01") || !strings.Contains(page, "What you typed is kept") {
		t.Fatalf("stale form: %d", st)
	}
	// A file, through the page's form.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "certificate.pdf")
	fw.Write([]byte("certificate"))
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/PSTI-PW-01/evidence", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := editor.Do(req)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != 303 {
		t.Fatalf("keeping a file: %d", res.StatusCode)
	}
	sum := sha256.Sum256([]byte("certificate"))
	_, page = get(viewer, base)
	if !strings.Contains(page, "certificate.pdf") || !strings.Contains(page, hex.EncodeToString(sum[:])) {
		t.Fatal("the kept file and its SHA-256 are not shown")
	}
	// The audit trail keeps each change, named by its requirement.
	_, trail := get(viewer, e.ts.URL+"/admin/audit?entity=assessment")
	if !strings.Contains(trail, "assessment row") || !strings.Contains(trail, "PSTI-PW-01") || !strings.Contains(trail, "JC-2026-0042") {
		t.Error("the audit trail does not show the row's change")
	}
	// Viewers cannot change rows.
	if st, _, _ := post(t, viewer, base+"/PSTI-PW-02", url.Values{"route": {"direct"}, "status": {"met"}, "revision": {"0"}}); st != 403 {
		t.Fatalf("viewer posting: %d", st)
	}
	// The product list: a light per requirement, with a symbol and words.
	_, list := get(viewer, e.ts.URL+"/admin/products")
	for _, want := range []string{`class="light green"`, `class="light red"`, "✗", "Support period: not published yet", "Reporting security issues: security policy not published yet"} {
		if !strings.Contains(list, want) {
			t.Errorf("the product list lacks %q", want)
		}
	}
	// Archived, the file is kept and listed, but no longer counts.
	files, err := e.db.EvidenceOf(context.Background(), s.Product.ID)
	must(t, err)
	archive := fmt.Sprintf("%s/admin/products/%d/assessment/evidence/%d/archive", e.ts.URL, s.Product.ID, files[s.Product.ID][0].ID)
	if st, _, _ := post(t, viewer, archive, url.Values{"archived": {"1"}}); st != 403 {
		t.Fatalf("a viewer archiving: %d", st)
	}
	if st, _, _ := post(t, editor, archive, url.Values{"archived": {"1"}}); st != 303 {
		t.Fatalf("archiving: %d", st)
	}
	_, page = get(viewer, base)
	if !strings.Contains(page, "certificate.pdf") || !strings.Contains(page, `<span class="tag">archived</span>`) {
		t.Fatal("the archived file is not listed as archived")
	}
	if !strings.Contains(page, "met, on the strength of a note only (no file kept)") {
		t.Error("with its one file archived, the row is not flagged as resting on its note alone")
	}
	res, err = viewer.Get(e.ts.URL + fmt.Sprintf("/admin/products/%d/assessment/evidence/%d", s.Product.ID, files[s.Product.ID][0].ID))
	must(t, err)
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(got) != "certificate" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("downloading the archived file: %d %q", res.StatusCode, got)
	}
	_, prod := get(viewer, e.ts.URL+fmt.Sprintf("/admin/products/%d", s.Product.ID))
	if !strings.Contains(prod, fmt.Sprintf(`href="/admin/products/%d/assessment#psti-pw-01"`, s.Product.ID)) {
		t.Error("the product page does not lead to the assessment")
	}
}
