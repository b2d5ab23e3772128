package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// rGet fetches a page with client c and returns its status and body.
func rGet(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	must(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// rPost sends a form with client c and returns the answer with its body.
func rPost(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	res, err := c.PostForm(u, v)
	must(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// rPostFiles sends a multipart form with one file (name, content).
func rPostFiles(t *testing.T, c *http.Client, u string, v url.Values, name, content string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k := range v {
		w.WriteField(k, v.Get(k))
	}
	if name != "" {
		part, _ := w.CreateFormFile("attachments", name)
		part.Write([]byte(content))
	}
	w.Close()
	res, err := c.Post(u, w.FormDataContentType(), &body)
	must(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// rHidden reads the value of the first hidden field called name.
func rHidden(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no field %s on the page", name)
	}
	return m[1]
}

var reporterReceiptRE = regexp.MustCompile(`<code class="copy receipt">([A-Z2-7-]{35})</code>`)

// TestReportFormOnce: the report form posts, then redirects to the receipt
// (never in the address); the same form sent again, one after the other
// or at the same moment, stores one report and leads to the same receipt;
// reloading the receipt shows it again; an expired form is sent back with
// what was typed.
func TestReportFormOnce(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			c := e.browser(auth.Public)
			_, form := rGet(t, c, e.ts.URL+"/security/report")
			tok := rHidden(t, form, "form_token")
			v := url.Values{"form_token": {tok}, "summary": {"Telnet answers with a root shell"}, "details": {"Port 23."}}
			var wg sync.WaitGroup
			where := make([]string, 5)
			for i := range where {
				wg.Go(func() {
					res, _ := rPostFiles(t, c, e.ts.URL+"/security/report", v, "poc.txt", "telnet 192.0.2.1")
					where[i] = fmt.Sprint(res.StatusCode, " ", res.Header.Get("Location"))
				})
			}
			wg.Wait()
			for _, w := range where {
				if w != "303 /security/receipt" {
					t.Fatalf("the report form answered %q, want a redirect to the receipt", w)
				}
			}
			_, page := rGet(t, c, e.ts.URL+"/security/receipt")
			m := reporterReceiptRE.FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no receipt on the receipt page: %s", page)
			}
			code := m[1]
			// A reload of the page, and the form sent once more.
			if _, again := rGet(t, c, e.ts.URL+"/security/receipt"); !strings.Contains(again, code) {
				t.Fatal("reloading the receipt page does not show the receipt")
			}
			if res, _ := rPostFiles(t, c, e.ts.URL+"/security/report", v, "poc.txt", "telnet 192.0.2.1"); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("the form sent again: %d", res.StatusCode)
			}
			if _, again := rGet(t, c, e.ts.URL+"/security/receipt"); !strings.Contains(again, code) {
				t.Fatal("the form sent again shows another receipt")
			}
			reps, err := e.db.Reports(context.Background(), disclosure.Filter{})
			must(t, err)
			if len(reps) != 1 {
				t.Fatalf("%d reports stored, want 1", len(reps))
			}
			if full, _ := e.db.Report(context.Background(), reps[0].ID); len(full.Attachments) != 1 {
				t.Fatalf("%d files stored, want 1", len(full.Attachments))
			}
			// The status page follows the report without typing the code.
			if _, st := rGet(t, c, e.ts.URL+"/security/status"); !strings.Contains(st, "Telnet answers with a root shell") || !strings.Contains(st, "poc.txt") {
				t.Fatalf("the status page after sending: %s", st)
			}
			// Another browser has no receipt to see.
			if _, other := rGet(t, e.browser(auth.Public), e.ts.URL+"/security/receipt"); strings.Contains(other, code) || !strings.Contains(other, "No receipt to show") {
				t.Fatal("another browser is shown the receipt")
			}

			// A form opened too long ago comes back with what was typed,
			// and a fresh token.
			old := disclosure.NewFormToken(time.Now().Add(-disclosure.FormTokenLife - 1))
			res, page := rPost(t, c, e.ts.URL+"/security/report", url.Values{"form_token": {old}, "summary": {"Slowly written"}, "details": {"It took all day."}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Slowly written") || !strings.Contains(page, "It took all day.") ||
				rHidden(t, page, "form_token") == old || !strings.Contains(page, "send it again") {
				t.Fatalf("an expired form: %d", res.StatusCode)
			}
			if n, _ := e.db.CountReports(context.Background(), disclosure.Filter{}); n != 1 {
				t.Fatalf("%d reports after the expired form, want 1", n)
			}
		})
	}
}

// TestStatusLookupAndReplyOnce: looking up a report redirects to a status
// page whose address has no receipt; a wrong code is said next to the
// field, kept as typed; a reply with a file posts and redirects, and the
// same reply form sent twice adds one message.
func TestStatusLookupAndReplyOnce(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	rc := e.report(t, map[string]string{"summary": "Default password admin", "details": "admin/admin opens the settings.", "product": "Acme cam"})
	c := e.browser(auth.Public)
	res, page := rPost(t, c, e.ts.URL+"/security/status", url.Values{"receipt": {"AAAAAAAA-BBBBBBBB-CCCCCCCC-DDDDDDDX"}})
	if res.StatusCode != http.StatusNotFound || !strings.Contains(page, `id="e-receipt"`) || !strings.Contains(page, "DDDDDDDX") {
		t.Fatalf("a wrong receipt: %d", res.StatusCode)
	}
	res, _ = rPost(t, c, e.ts.URL+"/security/status", url.Values{"receipt": {strings.ToLower(rc.Receipt)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/security/status" {
		t.Fatalf("looking up: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, page = rGet(t, c, e.ts.URL+"/security/status")
	for _, want := range []string{"Default password admin", "admin/admin opens the settings.", "Acme cam"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the status page does not show %q", want)
		}
	}
	tok := rHidden(t, page, "form_token")
	for range 2 {
		res, _ := rPostFiles(t, c, e.ts.URL+"/security/status/reply", url.Values{"form_token": {tok}, "message": {"Here is a capture."}}, "capture.pcap", "0123456789")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/security/status" {
			t.Fatalf("replying: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	}
	_, page = rGet(t, c, e.ts.URL+"/security/status")
	if !strings.Contains(page, "Your message has been added") || !strings.Contains(page, "capture.pcap (10 bytes)") || strings.Count(page, "Here is a capture.") != 1 {
		t.Fatalf("after replying twice with one form: %s", page)
	}
	// A reload of the page adds nothing; an empty reply is sent back.
	rGet(t, c, e.ts.URL+"/security/status")
	res, page = rPost(t, c, e.ts.URL+"/security/status/reply", url.Values{"form_token": {rHidden(t, page, "form_token")}, "message": {"  "}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-message">Write your message, or choose a file to send.`) ||
		!strings.Contains(page, `aria-describedby="e-message"`) {
		t.Fatalf("an empty reply: %d", res.StatusCode)
	}
	reps, err := e.db.Reports(context.Background(), disclosure.Filter{})
	must(t, err)
	es, err := e.db.Events(context.Background(), reps[0].ID)
	must(t, err)
	if len(es) != 2 {
		t.Fatalf("%d events, want 2 (received, one reply)", len(es))
	}
	// A page of the first report still open while a second is looked up
	// in another tab: its reply goes to the first.
	firstPage := page
	other := e.report(t, map[string]string{"summary": "Another report", "details": "d"})
	rPost(t, c, e.ts.URL+"/security/status", url.Values{"receipt": {other.Receipt}})
	if res, _ := rPost(t, c, e.ts.URL+"/security/status/reply", url.Values{"form_token": {rHidden(t, firstPage, "form_token")},
		"receipt": {rHidden(t, firstPage, "receipt")}, "message": {"For the first report."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("replying from an older page: %d", res.StatusCode)
	}
	if es, _ := e.db.Events(context.Background(), reps[0].ID); len(es) != 3 || es[2].Body != "For the first report." {
		t.Fatalf("the reply from the older page went elsewhere: %+v", es)
	}
	// Forgetting the report in this browser.
	if res, _ := rPost(t, c, e.ts.URL+"/security/status/forget", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("forgetting: %d", res.StatusCode)
	}
	if _, page := rGet(t, c, e.ts.URL+"/security/status"); strings.Contains(page, "Default password admin") || !strings.Contains(page, `name="receipt"`) {
		t.Fatal("the report is still shown after forgetting it")
	}
}

// TestStaffActionsOnce: each staff action on a report, and saving the
// policy, posts and redirects with a message; the same form sent again
// changes nothing more and answers the same way. A duplicate of a report
// that does not exist is refused next to its field, with what was typed.
func TestStaffActionsOnce(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	must(t, e.db.SavePolicy(ctx, psti.System("test"), disclosure.DefaultPolicy(seed.Org.ID)))
	e.report(t, map[string]string{"summary": "First", "details": "d"})
	e.report(t, map[string]string{"summary": "Second", "details": "d", "contact_email": "second@example.net"})
	reps, err := e.db.Reports(ctx, disclosure.Filter{})
	must(t, err)
	first, second := reps[0].ID, reps[1].ID
	if reps[0].Summary != "First" {
		first, second = second, first
	}
	c := e.browser(auth.Editor)
	path := fmt.Sprintf("%s/admin/reports/%d", e.ts.URL, second)
	for _, a := range []struct {
		kind  string
		v     url.Values
		flash string
	}{
		{"acknowledge", url.Values{"body": {"Thanks."}}, "Acknowledged"},
		{"update", url.Values{"body": {"Reproduced."}, "status": {"investigating"}}, "Update sent"},
		{"note", url.Values{"body": {"Looks real."}}, "Note added"},
		{"triage", url.Values{"severity": {"high"}, "cvss_vector": {""}, "assignee_id": {"0"}, "product_id": {"0"}}, "Saved"},
	} {
		_, page := rGet(t, c, path)
		a.v.Set("kind", a.kind)
		a.v.Set("revision", rHidden(t, page, "revision"))
		before, _ := e.db.Events(ctx, second)
		for i := range 2 {
			res, _ := rPost(t, c, path+"/actions", a.v)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != fmt.Sprintf("/admin/reports/%d", second) {
				t.Fatalf("%s, send %d: %d", a.kind, i+1, res.StatusCode)
			}
			_, page := rGet(t, c, path)
			if !strings.Contains(page, a.flash) {
				t.Fatalf("%s, send %d: no %q message", a.kind, i+1, a.flash)
			}
			if told := strings.Contains(page, "The reporter is told by e-mail"); i == 0 && told != (a.kind == "acknowledge" || a.kind == "update") {
				t.Fatalf("%s: the message says the reporter is told by e-mail: %v", a.kind, told)
			}
		}
		after, _ := e.db.Events(ctx, second)
		if len(after) != len(before)+1 {
			t.Fatalf("%s sent twice added %d events, want 1", a.kind, len(after)-len(before))
		}
	}

	// A report without an e-mail address: the message says where its
	// reporter learns of an acknowledgement.
	_, page := rGet(t, c, fmt.Sprintf("%s/admin/reports/%d", e.ts.URL, first))
	rPost(t, c, fmt.Sprintf("%s/admin/reports/%d/actions", e.ts.URL, first), url.Values{"kind": {"acknowledge"}, "revision": {rHidden(t, page, "revision")}, "body": {"Thanks."}})
	if _, page = rGet(t, c, fmt.Sprintf("%s/admin/reports/%d", e.ts.URL, first)); !strings.Contains(page, "The reporter gave no e-mail address: they see it on the status page") {
		t.Fatal("acknowledging a report without an e-mail address: the message does not say where the reporter sees it")
	}

	// Close as a duplicate: a report that does not exist, then a later
	// one, are refused next to the field, keeping what was typed.
	for _, bad := range []struct{ of, want string }{{"999", "There is no report 999."}, {fmt.Sprint(second), "came after this one"}} {
		res, page := rPost(t, c, fmt.Sprintf("%s/admin/reports/%d/actions", e.ts.URL, first), url.Values{"kind": {"close"}, "revision": {rHidden(t, page, "revision")},
			"status": {"duplicate"}, "duplicate_of": {bad.of}, "body": {"Same as the other one."}})
		if res.StatusCode != http.StatusUnprocessableEntity || !regexp.MustCompile(`id="e-duplicate_of">[^<]*`+regexp.QuoteMeta(bad.want)).MatchString(page) ||
			!strings.Contains(page, `value="`+bad.of+`"`) || !strings.Contains(page, "Same as the other one.</textarea>") ||
			!strings.Contains(page, `<option value="duplicate" selected>`) {
			t.Fatalf("duplicate of %s: %d", bad.of, res.StatusCode)
		}
	}
	// Closing the second report as a duplicate of the first, twice.
	_, page = rGet(t, c, path)
	v := url.Values{"kind": {"close"}, "revision": {rHidden(t, page, "revision")}, "status": {"duplicate"}, "duplicate_of": {fmt.Sprint(first)}}
	for range 2 {
		if res, _ := rPost(t, c, path+"/actions", v); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("closing: %d", res.StatusCode)
		}
	}
	if r, _ := e.db.Report(ctx, second); r.Status != disclosure.StatusDuplicate || r.DuplicateOf != first {
		t.Fatalf("closed: %+v", r)
	}
	if _, page := rGet(t, c, fmt.Sprintf("%s/admin/reports/%d", e.ts.URL, first)); !strings.Contains(page, fmt.Sprintf(`href="/admin/reports/%d">report %d</a>`, second, second)) ||
		!strings.Contains(page, "The reporter of a duplicate report sees it too.") {
		t.Fatal("the original's page does not link its duplicate, or say that its reporter sees the updates")
	}
	if _, page := rGet(t, c, path); !strings.Contains(page, fmt.Sprintf(`duplicate of <a href="/admin/reports/%d">`, first)) {
		t.Fatal("the duplicate's page does not link its original")
	}
	queued, _, _, err := e.db.MailStats(ctx)
	must(t, err)
	// The second reporter: received, acknowledged, update, closed.
	if queued != 4 {
		t.Fatalf("%d mails queued, want 4", queued)
	}

	// Not a vulnerability without a reason, then with one.
	path = fmt.Sprintf("%s/admin/reports/%d", e.ts.URL, first)
	_, page = rGet(t, c, path)
	v = url.Values{"kind": {"close"}, "revision": {rHidden(t, page, "revision")}, "status": {"not_a_vulnerability"}, "body": {"We looked."}}
	res, page := rPost(t, c, path+"/actions", v)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="e-reason"`) || !strings.Contains(page, "We looked.</textarea>") {
		t.Fatalf("not a vulnerability without a reason: %d", res.StatusCode)
	}
	v.Set("reason", "Port 23 is closed in every shipped firmware.")
	for range 2 {
		if res, _ := rPost(t, c, path+"/actions", v); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("closing with a reason: %d", res.StatusCode)
		}
	}
	if r, _ := e.db.Report(ctx, first); r.Reason != "Port 23 is closed in every shipped firmware." {
		t.Fatalf("reason: %q", r.Reason)
	}

	// The policy, saved twice from one form.
	_, page = rGet(t, c, e.ts.URL+"/admin/security-policy")
	pv := url.Values{"organisation_id": {fmt.Sprint(seed.Org.ID)}, "revision": {rHidden(t, page, "revision")}, "ack_working_days": {"4"},
		"update_every_days": {"20"}, "languages": {"en"}, "scope": {"Everything we make."}, "safe_harbour": {"We will not sue."}}
	for range 2 {
		res, _ := rPost(t, c, e.ts.URL+"/admin/security-policy", pv)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("saving the policy: %d", res.StatusCode)
		}
		if _, page := rGet(t, c, e.ts.URL+res.Header.Get("Location")); !strings.Contains(page, "Saved and published") {
			t.Fatal("no message after saving the policy")
		}
	}
	if p, _ := e.db.Policy(ctx, seed.Org.ID); p.Revision != 2 || p.AckWorkingDays != 4 {
		t.Fatalf("policy after one form sent twice: revision %d", p.Revision)
	}
}

// TestReportsAPIReasons: over the API too, not a vulnerability needs a
// reason, which the reporter's status carries; a duplicate names an
// earlier report that exists, and its reporter's status carries the
// original's.
func TestReportsAPIReasons(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	first := e.report(t, map[string]string{"summary": "First", "details": "d"})
	second := e.report(t, map[string]string{"summary": "Second", "details": "d"})
	var list []disclosure.Report
	if st, body := e.json("GET", "/api/v1/reports", auth.Viewer, nil, &list); st != http.StatusOK || len(list) != 2 {
		t.Fatalf("list: %d %s", st, body)
	}
	ids := map[string]int64{list[0].Summary: list[0].ID, list[1].Summary: list[1].ID}
	act := func(id int64, body map[string]any) (int, string) {
		return e.json("POST", fmt.Sprintf("/api/v1/reports/%d/actions", id), auth.Editor, body, nil)
	}
	if st, body := act(ids["First"], map[string]any{"kind": "close", "status": "not_a_vulnerability"}); st != http.StatusUnprocessableEntity || !strings.Contains(body, `"body.reason"`) {
		t.Fatalf("not a vulnerability without a reason: %d %s", st, body)
	}
	if st, body := act(ids["Second"], map[string]any{"kind": "close", "status": "duplicate", "duplicate_of": 999}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "There is no report 999.") {
		t.Fatalf("a duplicate of no report: %d %s", st, body)
	}
	if st, body := act(ids["Second"], map[string]any{"kind": "close", "status": "duplicate", "duplicate_of": ids["First"]}); st != http.StatusOK {
		t.Fatalf("a duplicate: %d %s", st, body)
	}
	if st, body := act(ids["First"], map[string]any{"kind": "close", "status": "not_a_vulnerability", "reason": "It is the documented set-up mode."}); st != http.StatusOK ||
		!strings.Contains(body, `"reason":"It is the documented set-up mode."`) {
		t.Fatalf("not a vulnerability with a reason: %d %s", st, body)
	}
	_, text := e.status(t, first.Receipt)
	if !strings.Contains(text, `"reason":"It is the documented set-up mode."`) || !strings.Contains(text, `"status":"not_a_vulnerability"`) {
		t.Fatalf("the reporter's status: %s", text)
	}
	_, text = e.status(t, second.Receipt)
	if !strings.Contains(text, `"original":{"status":"not_a_vulnerability"`) || strings.Contains(text, "First") {
		t.Fatalf("the duplicate's reporter's status: %s", text)
	}
}

// TestReportFormNamesQuestions: a report sent with its two required
// questions unanswered is refused next to each, in the words of the
// question the form asks, not the record's field names.
func TestReportFormNamesQuestions(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	c := e.browser(auth.Public)
	res, page := rPost(t, c, e.ts.URL+"/security/report", url.Values{"summary": {"  "}, "details": {""}, "contact_email": {"finder@example.net"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{"Say in one line what is wrong.", "Say what happened: what you did and what you saw.", "finder@example.net"} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused form does not show %q", want)
		}
	}
	if strings.Contains(page, "Summary is required") {
		t.Error("the form names a field it does not show: Summary")
	}
	if strings.Contains(page, "not kept") {
		t.Error("the form speaks of files nobody chose")
	}
	// A file sent with a refused report is not kept, and the form says so
	// next to the field, as a browser cannot fill a file field again.
	res, page = rPostFiles(t, c, e.ts.URL+"/security/report", url.Values{"summary": {"Telnet open"}, "details": {"Port 23."}, "contact_email": {"finder@"}}, "poc.txt", "telnet camera")
	if res.StatusCode != http.StatusUnprocessableEntity || !regexp.MustCompile(`id="e-attachments">The file you chose was not kept, as the report was not sent: choose it again.`).MatchString(page) ||
		!strings.Contains(page, `aria-describedby="h-attachments e-attachments"`) {
		t.Fatalf("a refused report with a file: %d %s", res.StatusCode, page)
	}
}
