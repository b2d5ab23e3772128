package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// batchCSV writes a batch of n devices; password makes each one's
// password from its serial and MAC address.
func batchCSV(n int, password func(i int, serial, mac string) string) string {
	var b strings.Builder
	b.WriteString("serial,mac,password\n")
	for i := range n {
		m := uint64(0x021a3c000000) + uint64(i)*4
		mac := fmt.Sprintf("%02X:%02X:%02X:%02X:%02X:%02X", byte(m>>40), byte(m>>32), byte(m>>24), byte(m>>16), byte(m>>8), byte(m))
		serial := fmt.Sprintf("AR200-%07d", i)
		fmt.Fprintf(&b, "%s,%s,%s\n", serial, mac, password(i, serial, mac))
	}
	return b.String()
}

// randomPassword draws 12 characters from the unambiguous alphabet, each
// uniformly (rejection sampling).
func randomPassword(int, string, string) string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 12)
	var x [1]byte
	for i := range b {
		for {
			_, _ = rand.Read(x[:])
			if int(x[0]) < 256-256%len(alphabet) {
				break
			}
		}
		b[i] = alphabet[int(x[0])%len(alphabet)]
	}
	return string(b)
}

// macTail is the TP-Link family: the last 8 hex digits of the MAC address.
func macTail(_ int, _, mac string) string { return strings.ReplaceAll(mac, ":", "")[4:] }

// waitRun polls an audit until it has finished.
func waitRun(t *testing.T, e *env, id int64) *passwords.Run {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var r passwords.Run
		if st, body := e.json("GET", fmt.Sprintf("/api/v1/password-audits/%d", id), auth.Viewer, nil, &r); st != http.StatusOK {
			t.Fatalf("polling audit %d: %d %s", id, st, body)
		}
		if r.State != passwords.RunQueued && r.State != passwords.RunRunning {
			return &r
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit %d still %s", id, r.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// form builds a multipart upload.
func form(files map[string][2]string) (string, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for field, f := range files {
		part, _ := w.CreateFormFile(field, f[0])
		part.Write([]byte(f[1]))
	}
	w.Close()
	return w.FormDataContentType(), b.String()
}

// TestPasswordAuditAPI uploads batches over the API, as a factory tool
// would, on both back ends: the audit runs in the background, the report
// names the rule that caught each problem, the upload is deleted, and
// unusable uploads are refused with the reason.
func TestPasswordAuditAPI(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			ctx := context.Background()
			seed := storetest.NewSeed(t, e.db)
			batch := &product.Batch{ProductID: seed.Product.ID, Code: "B-2026-11"}
			must(t, e.db.CreateBatch(ctx, psti.System("test"), batch))
			upload := func(query, contentType, body string) (int, string, *passwords.Run) {
				res, text := e.call("POST", "/api/v1/password-audits?"+query, e.tokens[auth.Editor], contentType, body)
				var r passwords.Run
				if res.StatusCode == http.StatusAccepted {
					if err := json.Unmarshal([]byte(text), &r); err != nil {
						t.Fatal(err)
					}
					if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/password-audits/%d", r.ID) {
						t.Fatalf("Location %q for run %d", loc, r.ID)
					}
				}
				return res.StatusCode, text, &r
			}
			bq := fmt.Sprintf("batch_id=%d", batch.ID)

			// A derived batch fails, and the report says how. With no other
			// audit under way, it starts at once: it is not queued.
			st, text, r := upload(bq+"&file_name=line3.csv", "text/csv", batchCSV(3000, macTail))
			if st != http.StatusAccepted || r.State != passwords.RunRunning || r.StartedAt == nil || r.FileName != "line3.csv" || r.FileBytes == 0 || r.CreatedBy != "editor@example.com" {
				t.Fatalf("upload: %d %s", st, text)
			}
			r = waitRun(t, e, r.ID)
			if r.State != passwords.RunDone || r.Verdict != "fail" || r.Report == nil || r.RowsRead != 3000 || r.Progress() != 1 {
				t.Fatalf("derived batch: %+v", r)
			}
			dp06 := ruleOf(t, r.Report, "DP-06")
			if dp06.Count != 3000 || len(dp06.Examples) == 0 || dp06.Examples[0].Line < 2 || dp06.Examples[0].Serial == "" || !strings.Contains(dp06.Examples[0].Evidence, "MAC") {
				t.Fatalf("DP-06 in the report: %+v", dp06)
			}

			// A random batch, compressed, passes.
			st, text, r = upload(bq, "application/gzip", gz(batchCSV(3000, randomPassword)))
			if st != http.StatusAccepted {
				t.Fatalf("gzip upload: %d %s", st, text)
			}
			if r = waitRun(t, e, r.ID); r.Verdict != "pass" || r.Report.Rows != 3000 {
				t.Fatalf("random batch: %+v %+v", r, r.Report)
			}
			if r.Report.Covers != passwords.Coverage {
				t.Fatalf("the report does not say what it covers (para 1(1)): %q", r.Report.Covers)
			}
			if ruleOf(t, r.Report, "DP-15").Status != "not_checked" {
				t.Fatal("DP-15 without a declaration must be not checked")
			}

			// A generated batch with its manifest, as a multipart form: the
			// declaration is checked (DP-15).
			dir := t.TempDir()
			var serials strings.Builder
			serials.WriteString("serial\n")
			for i := range 2000 {
				fmt.Fprintf(&serials, "AR200-%07d\n", i)
			}
			out := filepath.Join(dir, "batch.csv")
			m, err := passwords.Generate(strings.NewReader(serials.String()), "serials.csv", out, passwords.GenerateConfig{Length: 12, AlphabetName: "unambiguous"}, nil)
			must(t, err)
			manifest, _ := json.Marshal(m)
			batchFile, err := os.ReadFile(out)
			must(t, err)
			ct, body := form(map[string][2]string{"file": {`C:\factory\batch.csv`, string(batchFile)}, "declaration": {"manifest.json", string(manifest)}})
			st, text, r = upload(bq, ct, body)
			if st != http.StatusAccepted || r.FileName != "batch.csv" {
				t.Fatalf("multipart upload: %d %s", st, text)
			}
			if r = waitRun(t, e, r.ID); r.Verdict != "pass" || ruleOf(t, r.Report, "DP-15").Status != "passed" || r.Report.Declaration == nil {
				t.Fatalf("generated batch with its manifest: %+v", r.Report)
			}

			// A row the audit cannot read fails the run, naming the line.
			st, _, r = upload(bq, "text/csv", "serial,password\nA1,Xk3mPq9rTz2w\nA2,\xff\xfebad\n")
			if st != http.StatusAccepted {
				t.Fatalf("upload with a bad row: %d", st)
			}
			if r = waitRun(t, e, r.ID); r.State != passwords.RunFailed || !strings.Contains(r.Problem, "line 3") || r.Report != nil {
				t.Fatalf("bad row: %+v", r)
			}

			// Refused at once, with nothing kept.
			archived := &product.Batch{ProductID: seed.Product.ID, Code: "OLD"}
			must(t, e.db.CreateBatch(ctx, psti.System("test"), archived))
			_, err = e.db.SetArchived(ctx, psti.System("test"), product.KindBatch, archived.ID, true)
			must(t, err)
			for _, c := range []struct {
				name, query, ct, body string
				status                int
				says                  string
			}{
				{"no batch", "", "text/csv", "serial,password\nA,B\n", http.StatusUnprocessableEntity, "batch_id"},
				{"unknown batch", "batch_id=99999", "text/csv", "serial,password\nA,B\n", http.StatusNotFound, "batch"},
				{"archived batch", fmt.Sprintf("batch_id=%d", archived.ID), "text/csv", "serial,password\nA,B\n", http.StatusUnprocessableEntity, "archived"},
				{"no password column", bq, "text/csv", "serial,pass\nA,B\n", http.StatusUnprocessableEntity, "password"},
				{"empty file", bq, "text/csv", "", http.StatusUnprocessableEntity, "empty"},
				{"a form, not a file", bq, "application/x-www-form-urlencoded", "password=x", http.StatusUnprocessableEntity, "multipart"},
				{"multipart without the file", bq, "", "", http.StatusUnprocessableEntity, "Choose the batch file"},
				{"damaged gzip", bq, "application/gzip", "\x1f\x8b\x08\x00garbage", http.StatusUnprocessableEntity, "gzip"},
			} {
				ct, body := c.ct, c.body
				if c.name == "multipart without the file" {
					ct, body = form(map[string][2]string{"declaration": {"manifest.json", string(manifest)}})
				}
				before := e.counts(t)
				st, text, _ := upload(c.query, ct, body)
				if st != c.status || !strings.Contains(text, c.says) {
					t.Errorf("%s: %d %s, want %d saying %q", c.name, st, text, c.status, c.says)
				}
				if after := e.counts(t); after["password_audits"] != before["password_audits"] {
					t.Errorf("%s: a run was stored", c.name)
				}
			}
			if res, _ := e.call("POST", "/api/v1/password-audits?"+bq, e.tokens[auth.Viewer], "text/csv", "serial,password\nA,B\n"); res.StatusCode != http.StatusForbidden {
				t.Errorf("a viewer uploaded a batch: %d", res.StatusCode)
			}

			// The runs are listed with the batch, newest first; no upload is
			// left behind.
			var list []passwords.Run
			if st, text := e.json("GET", fmt.Sprintf("/api/v1/batches/%d/password-audits", batch.ID), auth.Viewer, nil, &list); st != http.StatusOK || len(list) != 4 || list[0].State != passwords.RunFailed || list[3].Verdict != "fail" || list[0].Report != nil {
				t.Fatalf("list: %d %s", st, text)
			}
			if list[3].Audited == nil || *list[3].Audited != 3000 || list[0].Audited != nil {
				t.Fatalf("audited counts in the list: %v %v", list[3].Audited, list[0].Audited)
			}
			// A batch of excluded types only passes with nothing audited,
			// and the list and the run say so (PSTI-PW-06).
			var keys strings.Builder
			keys.WriteString("serial,credential_type,password\n")
			for i := range 200 {
				fmt.Fprintf(&keys, "K-%04d,crypto_key,%x\n", i, sha256.Sum256([]byte(fmt.Sprint("k", i))))
			}
			st, text, r = upload(bq+"&file_name=keys.csv", "text/csv", keys.String())
			if st != http.StatusAccepted {
				t.Fatalf("keys upload: %d %s", st, text)
			}
			if r = waitRun(t, e, r.ID); r.Verdict != "pass" || r.Audited == nil || *r.Audited != 0 {
				t.Fatalf("keys only: %+v", r)
			}
			if st, text := e.json("GET", fmt.Sprintf("/api/v1/batches/%d/password-audits", batch.ID), auth.Viewer, nil, &list); st != http.StatusOK || list[0].ID != r.ID || list[0].Audited == nil || *list[0].Audited != 0 {
				t.Fatalf("list after keys: %d %s", st, text)
			}
			if left, _ := filepath.Glob(filepath.Join(e.work, "*")); len(left) != 0 {
				t.Fatalf("files left in the work directory: %v", left)
			}
			if st, _ := e.json("GET", "/api/v1/password-audits/99999", auth.Viewer, nil, nil); st != http.StatusNotFound {
				t.Fatalf("unknown audit: %d", st)
			}
		})
	}
}

func ruleOf(t *testing.T, rep *passwords.Report, id string) passwords.RuleResult {
	t.Helper()
	for _, r := range rep.Rules {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no rule %s in the report", id)
	return passwords.RuleResult{}
}

// TestBrowserPasswordAudit is an editor checking a factory batch in a real
// browser: from the batch's page, upload the file, watch the audit run, and
// read the report.
func TestBrowserPasswordAudit(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	batch := &product.Batch{ProductID: seed.Product.ID, Code: "B-2026-11", Quantity: 20000}
	must(t, e.db.CreateBatch(context.Background(), psti.System("test"), batch))
	file := filepath.Join(t.TempDir(), "line3-november.csv")
	must(t, os.WriteFile(file, []byte(batchCSV(20000, func(i int, serial, mac string) string {
		if i%4 == 0 {
			return macTail(i, serial, mac)
		}
		return randomPassword(i, serial, mac)
	})), 0o600))

	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": "editor@example.com", "password": testPassword})
	b.submit("main button[type=submit]", "/admin")
	b.open(fmt.Sprintf("/admin/batches/%d", batch.ID))
	if s := b.text("section.sub"); !strings.Contains(s, "No audits yet") {
		t.Fatalf("batch page before any audit: %q", s)
	}
	if h := b.text("h1"); h != "Batch: B-2026-11" {
		t.Fatalf("batch page heading %q", h)
	}
	b.do(chromedp.Click(chromedp.CSS(`a[href$="/password-audits/new"]`)))
	b.do(chromedp.WaitVisible(chromedp.CSS(`input[type=file][name=file]`)))
	b.screenshot("upload-form")
	if s := b.text("main"); !strings.Contains(s, "What psti keeps") || !strings.Contains(s, "deleted when the audit ends") {
		t.Fatalf("the upload page does not say what is kept: %q", s)
	}

	b.do(chromedp.SetUploadFiles(`input[name=file]`, []string{file}))
	b.submit("main form button[type=submit]", "/admin/password-audits/")
	// The page refreshes itself until the report is there.
	deadline := time.Now().Add(60 * time.Second)
	for {
		v, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector('.verdict h2') || {}).textContent || ''`))
		if v != "" {
			break
		}
		if time.Now().After(deadline) {
			b.screenshot("failure")
			t.Fatal("the report did not appear")
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.screenshot("report")
	b.fitsWidth("report") // long evidence wraps on a phone
	page := b.text("main")
	for _, want := range []string{
		"This batch fails",
		"5,000 of 20,000 devices were flagged",
		"DP-06: Derived from a product identifier",
		"5,000 devices",
		"line3-november.csv",
		"uploaded by editor@example.com",
		"psti kept this report, not the file",
		passwords.Coverage, // para 1(1): a verdict on the file, not on every password of the product
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report page does not say %q:\n%s", want, page)
		}
	}
	// Examples name rows by line and serial (row i is on line i+2) and
	// give the evidence.
	ex, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('section.finding')].find(s => s.querySelector('h3').textContent.startsWith('DP-06')).querySelector('tbody tr').innerText`))
	must(t, err)
	if f := strings.Fields(ex); len(f) < 3 || f[0] != "2" || f[1] != "AR200-0000000" || !strings.Contains(ex, "MAC") {
		t.Errorf("first DP-06 example: %q", ex)
	}

	// Back on the batch's page, the audit is listed with its result.
	b.do(chromedp.Click(chromedp.CSS(`p.back a`)))
	b.do(chromedp.WaitVisible(chromedp.CSS(`section.sub table`)))
	if s := b.text("section.sub table"); !strings.Contains(s, "line3-november.csv") || !strings.Contains(s, "Failed") || !strings.Contains(s, "20,000") {
		t.Fatalf("batch page lists: %q", s)
	}
}

// TestBrowserAuditReportSays is a compliance manager reading audit reports
// in a real browser. A batch of nothing but cryptographic keys is "Nothing
// was checked", on its report and in the batch's list, never a pass
// (PSTI-PW-06, para 1(4)). Two batches of one product that share a
// password: the second's report names the earlier batch and the line
// (PSTI-PW-01, unique across the product's batches), and every report says
// what it covers (para 1(1)) and how many rows chance alone would flag
// (PSTI-PW-04). Reloading a report after the upload runs nothing again
// (post, redirect, get). Each page fits a phone's screen.
func TestBrowserAuditReportSays(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	keys := &product.Batch{ProductID: seed.Product.ID, Code: "KEYS-1"}
	first := &product.Batch{ProductID: seed.Product.ID, Code: "B-2026-10"}
	second := &product.Batch{ProductID: seed.Product.ID, Code: "B-2026-11"}
	for _, b := range []*product.Batch{keys, first, second} {
		must(t, e.db.CreateBatch(ctx, psti.System("test"), b))
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, []byte(text), 0o600))
		return p
	}
	var k strings.Builder
	k.WriteString("serial,credential_type,password\n")
	for i := range 300 {
		fmt.Fprintf(&k, "KS-%05d,crypto_key,%s%s%s\n", i, randomPassword(0, "", ""), randomPassword(0, "", ""), randomPassword(0, "", ""))
	}
	keysFile := write("device-keys.csv", k.String())
	// The first batch is derived from its serials under a key kept in a
	// file, and declared so (DP-15, PSTI-PW-03).
	var serials strings.Builder
	serials.WriteString("serial\n")
	for i := range 2000 {
		fmt.Fprintf(&serials, "AR200-%07d\n", i)
	}
	firstFile := filepath.Join(dir, "october.csv")
	m, err := passwords.Generate(strings.NewReader(serials.String()), "serials.csv", firstFile, passwords.GenerateConfig{Length: 12, AlphabetName: "unambiguous",
		Key: bytes.Repeat([]byte{7}, 32), Label: "doorbell-2026", KeyCustody: "file"}, nil)
	must(t, err)
	manifest, _ := json.Marshal(m)
	manifestFile := write("october-manifest.json", string(manifest))
	generated, err := os.ReadFile(firstFile)
	must(t, err)
	shared := strings.Split(strings.Split(string(generated), "\n")[5], ",") // line 6
	secondFile := write("november.csv", strings.ReplaceAll(batchCSV(2000, func(i int, s, m string) string {
		if i == 10 {
			return shared[len(shared)-1] // line 12
		}
		return randomPassword(i, s, m)
	}), "AR200-", "AR201-"))

	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": "editor@example.com", "password": testPassword})
	b.submit("main button[type=submit]", "/admin")
	// audit uploads a file from the batch's page and waits for the report.
	audit := func(batch *product.Batch, file, declaration string) string {
		t.Helper()
		b.open(fmt.Sprintf("/admin/batches/%d/password-audits/new", batch.ID))
		b.do(chromedp.SetUploadFiles(`input[name=file]`, []string{file}))
		if declaration != "" {
			b.do(chromedp.SetUploadFiles(`input[name=declaration]`, []string{declaration}))
		}
		b.submit("main form button[type=submit]", "/admin/password-audits/")
		deadline := time.Now().Add(60 * time.Second)
		for {
			v, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector('.verdict h2') || {}).textContent || ''`))
			if v != "" {
				return v
			}
			if time.Now().After(deadline) {
				b.screenshot("failure")
				t.Fatal("the report did not appear")
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	wants := func(what string, page string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s does not say %q:\n%s", what, w, page)
			}
		}
	}

	// The product's first audited batch is compared with none.
	if v := audit(first, firstFile, manifestFile); v != "This batch passes" {
		t.Fatalf("the first batch reads %q", v)
	}
	page := b.text("main")
	wants("the first batch's report", page, "this is the product's first audited batch", "Flags expected by chance", "DP-06 to DP-10", passwords.Coverage,
		"How the passwords were made", "accepted (DP-15)", "Declared: HMAC-SHA-256", "kept in a file on a factory system", "para 1(3)(b)", "para 1(3)(c)")
	b.fitsWidth("declared")

	// A batch of cryptographic keys only: nothing was checked, and the
	// report says why.
	if v := audit(keys, keysFile, ""); v != "Nothing was checked" {
		t.Fatalf("a batch of keys reads %q", v)
	}
	page = b.text("main")
	wants("the keys' report", page, "None of the 300 devices in the file has a default password", "300 are labelled as credentials the law does not count as passwords",
		"This is not a pass", passwords.Coverage)
	if strings.Contains(page, "passes") || strings.Contains(page, "Earlier batches of the product") {
		t.Errorf("the keys' report reads as a pass, or claims a comparison:\n%s", page)
	}
	if cls, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector('.verdict').className`)); cls != "verdict none" {
		t.Errorf("the keys' verdict is shown as %q, not as neither pass nor fail", cls)
	}
	b.fitsWidth("nothing-checked")
	// A reload shows the report again; it does not upload or audit again.
	before := e.counts(t)
	b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".verdict h2")))
	if after := e.counts(t); after["password_audits"] != before["password_audits"] || after["password_audit_fingerprints"] != before["password_audit_fingerprints"] {
		t.Errorf("reloading the report changed the store: %v, then %v", before, after)
	}
	b.open(fmt.Sprintf("/admin/batches/%d", keys.ID))
	if s := b.text("section.sub table"); !strings.Contains(s, "Nothing checked") || strings.Contains(s, "Passed") {
		t.Errorf("the batch's list of audits: %q", s)
	}
	// Keys that look like passwords fail the batch, though no row was
	// audited as a password: the report says both (PSTI-PW-06).
	if v := audit(keys, write("device-keys-2.csv", "serial,credential_type,password\nKS-1,crypto_key,password\nKS-2,api_key,"+randomPassword(0, "", "")+randomPassword(0, "", "")+"\n"), ""); v != "This batch fails" {
		t.Fatalf("keys that look like passwords read %q", v)
	}
	wants("the report on keys that look like passwords", b.text("main"), "Nothing was checked as a password", "a credential used like a password is a password", `labelled crypto_key, but "password" is a`)
	b.open(fmt.Sprintf("/admin/batches/%d", keys.ID))
	if s := b.text("section.sub table"); !strings.Contains(s, "Nothing checked") || !strings.Contains(s, "Failed") || strings.Contains(s, "Passed") {
		t.Errorf("the batch's list of audits: %q", s)
	}

	// The second shares one password with the first: its report names the
	// earlier batches, how many passwords each had, and the line.
	if v := audit(second, secondFile, ""); v != "This batch fails" {
		t.Fatalf("the second batch reads %q", v)
	}
	page = b.text("main")
	wants("the second batch's report", page, "Earlier batches compared with this one", "B-2026-10", "2,000", "1 device (see DP-04 below)", "KEYS-1", "none (nothing was checked in that batch)", passwords.Coverage)
	ex, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('section.finding')].find(s => s.querySelector('h3').textContent.startsWith('DP-04')).querySelector('tbody tr').innerText`))
	must(t, err)
	if f := strings.Fields(ex); len(f) < 3 || f[0] != "12" || f[1] != "AR201-0000010" || !strings.Contains(ex, `earlier batch "B-2026-10"`) {
		t.Errorf("the DP-04 example: %q", ex)
	}
	b.fitsWidth("earlier-batch")
	before = e.counts(t)
	b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".verdict h2")))
	if after := e.counts(t); after["password_audits"] != before["password_audits"] || after["password_audit_fingerprints"] != before["password_audit_fingerprints"] {
		t.Errorf("reloading the report changed the store: %v, then %v", before, after)
	}
	b.open(fmt.Sprintf("/admin/batches/%d", second.ID))
	if s := b.text("section.sub table"); !strings.Contains(s, "Failed") || strings.Count(s, "november.csv") != 1 {
		t.Errorf("the second batch's list of audits: %q", s)
	}
	b.fitsWidth("batch-page")
}
