package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/securitytxt"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/web"
)

type receipt struct {
	Receipt   string `json:"receipt"`
	StatusURL string `json:"status_url"`
}

// report sends a report over the public API and returns its receipt.
func (e *env) report(t *testing.T, body map[string]string) receipt {
	t.Helper()
	b, _ := json.Marshal(body)
	res, text := e.call("POST", "/api/v1/reports", "", "application/json", string(b))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("reporting: %d %s", res.StatusCode, text)
	}
	var r receipt
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *env) status(t *testing.T, code string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/reports/status", nil)
	req.Header.Set("Authorization", "Receipt "+code)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestReportsAPI walks a report through its life over the API, on both
// back ends: anonymous intake, the reporter's view by receipt, staff
// actions with their clocks, and what each side may see.
func TestReportsAPI(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			ctx := context.Background()
			seed := storetest.NewSeed(t, e.db)
			pol := disclosure.DefaultPolicy(seed.Org.ID)
			pol.AckWorkingDays = 3
			if st, body := e.json("PUT", fmt.Sprintf("/api/v1/organisations/%d/disclosure-policy", seed.Org.ID), auth.Editor, pol, nil); st != http.StatusOK {
				t.Fatalf("policy: %d %s", st, body)
			}

			r := e.report(t, map[string]string{"summary": "Live video without a password", "details": "Open rtsp://camera/live: <script>alert(1)</script>",
				"product": "Acme cam", "contact_email": "finder@example.net"})
			if len(strings.ReplaceAll(r.Receipt, "-", "")) != 32 || r.StatusURL != "http://psti.test/security/status" || strings.Contains(r.StatusURL, r.Receipt) {
				t.Fatalf("receipt: %+v", r)
			}
			other := e.report(t, map[string]string{"summary": "Other reporter's problem", "details": "secret details of another reporter"})

			// The reporter's view, with the receipt typed carelessly.
			sloppy := strings.ToLower(strings.ReplaceAll(r.Receipt, "-", " "))
			st, text := e.status(t, sloppy)
			if st != http.StatusOK {
				t.Fatalf("status: %d %s", st, text)
			}
			var view disclosure.Status
			must(t, json.Unmarshal([]byte(text), &view))
			if view.Status != "received" || view.NextBy == nil || view.NextWhat != "acknowledgement" || len(view.Timeline) != 1 || view.Timeline[0].From != "you" {
				t.Fatalf("reporter's view: %+v", view)
			}
			for _, bad := range []string{"", "Bearer " + r.Receipt, "Receipt AAAAAAAA-BBBBBBBB-CCCCCCCC-DDDDDDDD", "Receipt x"} {
				req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/reports/status", nil)
				if bad != "" {
					req.Header.Set("Authorization", bad)
				}
				res, err := http.DefaultClient.Do(req)
				must(t, err)
				res.Body.Close()
				if res.StatusCode < 400 || res.StatusCode >= 500 {
					t.Errorf("status with %q: %d", bad, res.StatusCode)
				}
			}

			// Staff see the report, act, and the reporter sees the outcome
			// but never the note or the staff member.
			var list []disclosure.Report
			if st, body := e.json("GET", "/api/v1/reports?status=open", auth.Viewer, nil, &list); st != http.StatusOK || len(list) != 2 {
				t.Fatalf("staff list: %d %s", st, body)
			}
			id := list[0].ID
			if list[0].Summary != "Live video without a password" {
				id = list[1].ID
			}
			act := func(role auth.Role, body map[string]any) (int, string) {
				return e.json("POST", fmt.Sprintf("/api/v1/reports/%d/actions", id), role, body, nil)
			}
			if st, _ := act(auth.Viewer, map[string]any{"kind": "note", "body": "x"}); st != http.StatusForbidden {
				t.Fatalf("a viewer acted on a report: %d", st)
			}
			for _, a := range []map[string]any{
				{"kind": "note", "body": "INTERNAL: looks like CVE-2099-0001, ask Bob"},
				{"kind": "acknowledge", "body": "Thank you, we are on it."},
				{"kind": "triage", "severity": "high", "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "assignee_id": e.users[auth.Editor].ID, "product_id": seed.Product.ID},
				{"kind": "update", "status": "investigating", "body": "We have reproduced it."},
			} {
				if st, body := act(auth.Editor, a); st != http.StatusOK {
					t.Fatalf("%v: %d %s", a["kind"], st, body)
				}
			}
			if st, body := act(auth.Editor, map[string]any{"kind": "acknowledge"}); st != http.StatusConflict {
				t.Fatalf("acknowledging twice: %d %s", st, body)
			}
			if st, body := act(auth.Editor, map[string]any{"kind": "triage", "cvss_vector": "CVSS:3.1/AV:N"}); st != http.StatusUnprocessableEntity {
				t.Fatalf("bad CVSS vector: %d %s", st, body)
			}
			if st, body := act(auth.Editor, map[string]any{"kind": "note", "body": "stale", "revision": 1}); st != http.StatusConflict {
				t.Fatalf("stale revision: %d %s", st, body)
			}

			// The reporter replies; staff resolve.
			req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/reports/status", strings.NewReader(`{"message": "Here is a video of it."}`))
			req.Header.Set("Authorization", "Receipt "+r.Receipt)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			must(t, err)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("reply: %d", res.StatusCode)
			}
			if st, body := act(auth.Editor, map[string]any{"kind": "close", "status": "resolved", "body": "Fixed in firmware 2.1."}); st != http.StatusOK {
				t.Fatalf("close: %d %s", st, body)
			}
			_, text = e.status(t, r.Receipt)
			view = disclosure.Status{}
			must(t, json.Unmarshal([]byte(text), &view))
			var kinds []string
			for _, ev := range view.Timeline {
				kinds = append(kinds, ev.Kind+"/"+ev.From)
			}
			if got := strings.Join(kinds, " "); got != "received/you acknowledged/us update/us reporter/you closed/us" || view.Status != "resolved" || view.NextBy != nil {
				t.Fatalf("reporter's timeline: %s (%+v)", got, view)
			}
			for _, secret := range []string{"INTERNAL", "Bob", "editor@example.com", "high", "CVSS", "another reporter", "assignee"} {
				if strings.Contains(text, secret) {
					t.Errorf("the reporter's view reveals %q: %s", secret, text)
				}
			}

			// Staff's whole view, and the e-mail the reporter was sent.
			var full struct {
				disclosure.Report
				Events []disclosure.Event `json:"events"`
			}
			if st, body := e.json("GET", fmt.Sprintf("/api/v1/reports/%d", id), auth.Viewer, nil, &full); st != http.StatusOK || len(full.Events) != 7 || full.Severity != "high" {
				t.Fatalf("staff view: %d %s", st, body)
			}
			// The triage names the product and the person, not their ids.
			for _, ev := range full.Events {
				if ev.Kind == "triage" && (!strings.Contains(ev.Body, "linked to "+seed.Product.Name+" ("+seed.Product.ModelNumber+")") ||
					!strings.Contains(ev.Body, "assigned to "+e.users[auth.Editor].Email)) {
					t.Errorf("triage event: %q", ev.Body)
				}
			}
			queued, _, _, err := e.db.MailStats(ctx)
			must(t, err)
			if queued != 4 { // received, acknowledged, update, closed
				t.Fatalf("%d e-mails queued for the reporter, want 4", queued)
			}

			// An advisory from the resolved report, in HTML and CSAF.
			var adv struct {
				TrackingID string `json:"tracking_id"`
				CSAFURL    string `json:"csaf_url"`
			}
			if st, body := e.json("POST", fmt.Sprintf("/api/v1/reports/%d/advisory", id), auth.Editor,
				map[string]any{"title": "Camera video without a password", "summary": "Anyone on the network could watch the video.", "remedy": "Update to firmware 2.1.", "fixed_in": "2.1"}, &adv); st != http.StatusCreated {
				t.Fatalf("advisory: %d %s", st, body)
			}
			if adv.TrackingID != "ACME-"+fmt.Sprint(time.Now().Year())+"-0001" {
				t.Fatalf("tracking id %q", adv.TrackingID)
			}
			res, err = http.Get(e.ts.URL + strings.TrimPrefix(adv.CSAFURL, "http://psti.test"))
			must(t, err)
			doc, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("CSAF document: %d", res.StatusCode)
			}
			must(t, disclosure.CheckCSAF(doc))
			for _, p := range []string{"/.well-known/csaf/provider-metadata.json", "/.well-known/csaf/index.txt", "/security/advisories", "/security/advisories/" + adv.TrackingID} {
				res, err := http.Get(e.ts.URL + p)
				must(t, err)
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || (p != "/.well-known/csaf/provider-metadata.json" && !strings.Contains(strings.ToLower(string(body)), strings.ToLower(adv.TrackingID))) {
					t.Errorf("%s: %d %s", p, res.StatusCode, body)
				}
				if strings.Contains(string(body), "finder@example.net") || strings.Contains(string(body), "INTERNAL") {
					t.Errorf("%s reveals the reporter or an internal note", p)
				}
			}

			// The other report is untouched, and readable only with its own
			// receipt.
			_, text = e.status(t, other.Receipt)
			if strings.Contains(text, "Live video") || !strings.Contains(text, "Other reporter") {
				t.Fatalf("other reporter's view: %s", text)
			}
		})
	}
}

// TestReportIntakeLimits: bad bodies are refused with the reason and store
// nothing; a flood from one address gets 429 with Retry-After.
func TestReportIntakeLimits(t *testing.T) {
	db, _ := storetest.Open(t, storetest.SQLite)
	svc := auth.NewService(db, psti.SystemClock{})
	srv, err := web.New(web.Config{BaseURL: "http://psti.test", Version: "test", IntakeRate: 10,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db, svc)
	must(t, err)
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	post := func(ct, body string) (*http.Response, string) {
		res, err := http.Post(ts.URL+"/api/v1/reports", ct, strings.NewReader(body))
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	for _, c := range []struct {
		name, ct, body string
		status         int
	}{
		{"no summary", "application/json", `{"details": "d"}`, 422},
		{"empty details", "application/json", `{"summary": "s", "details": ""}`, 422},
		{"bad e-mail", "application/json", `{"summary": "s", "details": "d", "contact_email": "not an address"}`, 422},
		{"unknown field", "application/json", `{"summary": "s", "details": "d", "name": "x"}`, 422},
		{"not JSON", "application/json", `summary=s`, 400},
		{"over 1 MiB", "application/json", `{"summary": "s", "details": "` + strings.Repeat("a", 1<<20) + `"}`, 413},
		{"bidi control", "application/json", `{"summary": "s\u202e", "details": "d"}`, 422},
	} {
		res, body := post(c.ct, c.body)
		if res.StatusCode != c.status || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want %d", c.name, res.StatusCode, body, c.status)
		}
	}
	if n, _ := db.Counts(context.Background()); n["reports"] != 0 {
		t.Fatalf("refused reports were stored: %d", n["reports"])
	}
	// The 7 refused bodies counted toward the limit of 10 a minute: 3 more
	// reports are accepted, and the next is refused.
	var limited *http.Response
	for i := range 4 {
		res, body := post("application/json", `{"summary": "s", "details": "d"}`)
		if i < 3 && res.StatusCode != http.StatusCreated {
			t.Fatalf("report %d within the limit: %d %s", i+1, res.StatusCode, body)
		}
		limited = res
	}
	if limited.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the 11th request of the minute, after 7 refused ones: %d, want 429", limited.StatusCode)
	}
	if ra := limited.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("429 without a useful Retry-After: %q", ra)
	}
	// The report form shares the limit, and says how long to wait.
	res, err := http.PostForm(ts.URL+"/security/report", map[string][]string{"summary": {"s"}, "details": {"d"}})
	must(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(string(page), "Wait ") {
		t.Fatalf("report form over the limit: %d %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
}

// TestSecurityTxt: the served file is valid RFC 9116, made from the live
// policy, and never stale.
func TestSecurityTxt(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	p := disclosure.DefaultPolicy(seed.Org.ID)
	p.Contact, p.Languages = "security@acme.example", []string{"en", "cy"}
	must(t, e.db.SavePolicy(context.Background(), psti.System("test"), p))
	res, err := http.Get(e.ts.URL + "/.well-known/security.txt")
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	// The test server is plain http on loopback: judge the file as if it
	// were served from the installation's own address.
	f, problems := securitytxt.Validate(body, time.Now(), "")
	for _, pr := range problems {
		if pr.Severity == securitytxt.SeverityError && !strings.Contains(pr.Message, "https") {
			t.Errorf("security.txt: %s", pr)
		}
	}
	if f.Expires.Before(time.Now()) || f.Expires.After(time.Now().AddDate(1, 0, 0)) {
		t.Errorf("Expires %v is stale or more than a year ahead", f.Expires)
	}
	if strings.Join(f.Contact, " ") != "http://psti.test/security/report mailto:security@acme.example" || strings.Join(f.PreferredLanguages, ",") != "en,cy" ||
		len(f.Policy) != 1 || len(f.Canonical) != 1 || len(f.CSAF) != 1 {
		t.Fatalf("security.txt: %+v\n%s", f, body)
	}
}

// TestBrowserSecurityReport is the whole journey in a real browser: a
// person reports a problem without giving an e-mail address and keeps the
// receipt; staff acknowledge; the person reads the acknowledgement with the
// receipt and replies; staff resolve the report and publish an advisory.
func TestBrowserSecurityReport(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	must(t, e.db.SavePolicy(context.Background(), psti.System("test"), disclosure.DefaultPolicy(seed.Org.ID)))
	poc := filepath.Join(t.TempDir(), "poc.html")
	must(t, os.WriteFile(poc, []byte("<script>alert('x')</script>"), 0o600))

	// Staff set their promises: 3 working days to acknowledge.
	staff := newBrowser(t, e.ts.URL)
	staff.open("/login")
	staff.fill(map[string]string{"email": "editor@example.com", "password": testPassword})
	staff.submit("main button[type=submit]", "/admin")
	staff.open("/admin/security-policy")
	staff.fill(map[string]string{"ack_working_days": "3", "languages": "en, cy", "contact": "security@acme.example"})
	staff.submit("main form button[type=submit]", "/admin/security-policy")
	if f := staff.text(".flash"); !strings.Contains(f, "published") {
		t.Fatalf("after saving the policy: %q", f)
	}
	staff.screenshot("policy-form")

	b := newBrowser(t, e.ts.URL)
	b.open("/")
	b.do(chromedp.Click(chromedp.CSS(`main a[href="/security"]`)))
	b.do(chromedp.WaitVisible(chromedp.CSS(`a[href="/security/report"]`)))
	if page := b.text("main"); !strings.Contains(page, "within 3 working days") || !strings.Contains(page, "at least every 30 days") ||
		!strings.Contains(page, "English, Welsh") || !strings.Contains(page, "security@acme.example") {
		t.Fatalf("the policy does not say when reporters hear back, in what language and where: %q", page)
	}
	b.screenshot("policy")
	b.open("/security/report")
	b.fill(map[string]string{"summary": "Doorbell video visible without a password",
		"details": "I opened http://doorbell.local/live on my network and saw the camera.\n<b>not bold</b>"})
	b.do(chromedp.SetUploadFiles(`input[name=attachments]`, []string{poc}))
	b.submit("main form button[type=submit]", "/security/receipt")
	code := strings.TrimSpace(b.text("code.receipt"))
	if len(code) != 35 {
		t.Fatalf("receipt code %q", code)
	}
	if page := b.text("main"); !strings.Contains(page, "only way back to the report") {
		t.Fatalf("the receipt page does not say the code is the only way back: %q", page)
	}
	b.screenshot("receipt")

	// Staff acknowledge.
	staff.open("/admin/reports")
	if row := staff.text("main table tbody tr"); !strings.Contains(row, "Doorbell video") || !strings.Contains(row, "Acknowledgement due") {
		t.Fatalf("staff list: %q", row)
	}
	staff.do(chromedp.Click(chromedp.CSS(`main table a`)))
	staff.do(chromedp.WaitVisible(chromedp.CSS(`textarea[name=body]`)))
	if page := staff.text("main"); !strings.Contains(page, "<b>not bold</b>") || !strings.Contains(page, "poc.html") {
		t.Fatalf("report page does not show the report as text with its file: %q", page)
	}
	staff.screenshot("report")
	staff.submit(`form[action$="/actions"] button[type=submit]`, "/admin/reports/")
	if f := staff.text(".flash"); !strings.Contains(f, "Acknowledged") {
		t.Fatalf("after acknowledging: %q", f)
	}

	// The reporter comes back with the code and replies.
	b.open("/security/status")
	b.submit(`form[action="/security/status/forget"] button`, "/security/status")
	b.fill(map[string]string{"receipt": strings.ToLower(code)})
	b.submit("main form button[type=submit]", "/security/status")
	if page := b.text("main"); !strings.Contains(page, "Acknowledged") || !strings.Contains(page, "We have read it") || strings.Contains(page, "editor@example.com") {
		t.Fatalf("status page: %q", page)
	}
	b.fill(map[string]string{"message": "It also works over the internet."})
	b.submit("main form button[type=submit]", "/security/status")
	if page := b.text("main"); !strings.Contains(page, "Your message has been added") || !strings.Contains(page, "It also works over the internet.") {
		t.Fatalf("after replying: %q", page)
	}
	b.screenshot("status")

	// Staff resolve and publish an advisory.
	staff.open(staff.location())
	if page := staff.text("main"); !strings.Contains(page, "It also works over the internet.") {
		t.Fatalf("staff do not see the reply: %q", page)
	}
	staff.do(chromedp.SetValue(chromedp.CSS(`#f-product`), fmt.Sprint(seed.Product.ID)))
	staff.do(chromedp.SetValue(chromedp.CSS(`#f-cvss`), "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"))
	staff.submit(`form:has(#f-cvss) button[type=submit]`, "/admin/reports/")
	staff.do(chromedp.SetValue(chromedp.CSS(`select[name=status][id=f-cstatus]`), "resolved"))
	staff.do(chromedp.SendKeys(chromedp.CSS(`#f-close`), "Fixed in firmware 3.2."))
	staff.submit(`#f-close`+" ~ button, form:has(#f-close) button[type=submit]", "/admin/reports/")
	staff.fill(map[string]string{"summary": "The doorbell's video could be watched without a password.", "remedy": "Update the doorbell to firmware 3.2."})
	staff.submit(`form[action$="/advisory/draft"] button[type=submit]`, "/admin/reports/")
	staff.submit(`form[action$="/advisory/publish"] button[type=submit]`, "/security/advisories/")
	if page := staff.text("main"); !strings.Contains(page, "Update the doorbell to firmware 3.2.") {
		t.Fatalf("advisory page: %q", page)
	}
	staff.screenshot("advisory")

	b.open("/security/status")
	if page := b.text("main"); !strings.Contains(page, "Resolved") || !strings.Contains(page, "Advisory") {
		t.Fatalf("reporter's final view: %q", page)
	}
	reps, err := e.db.Reports(context.Background(), disclosure.Filter{})
	must(t, err)
	if len(reps) != 1 || reps[0].Status != disclosure.StatusResolved || reps[0].ContactEmail != "" {
		t.Fatalf("stored: %+v", reps)
	}
}

// TestTrustedProxies: behind a trusted proxy, each client has its own
// intake limit, named by X-Forwarded-For; from anyone else the header is
// ignored, so it cannot be used to escape the limit.
func TestTrustedProxies(t *testing.T) {
	for _, c := range []struct {
		name    string
		trusted string
		ownEach bool // each forwarded client has its own limit
	}{
		{"loopback proxy trusted", "127.0.0.1/32", true},
		{"another proxy trusted", "10.0.0.0/8", false},
		{"none trusted", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, _ := storetest.Open(t, storetest.SQLite)
			cfg := web.Config{BaseURL: "http://psti.test", Version: "test", IntakeRate: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			if c.trusted != "" {
				cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix(c.trusted)}
			}
			srv, err := web.New(cfg, db, auth.NewService(db, psti.SystemClock{}))
			must(t, err)
			t.Cleanup(srv.Close)
			ts := httptest.NewServer(srv.Handler())
			t.Cleanup(ts.Close)
			post := func(xff string) int {
				req, _ := http.NewRequest("POST", ts.URL+"/api/v1/reports", strings.NewReader(`{"summary": "s", "details": "d"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Forwarded-For", xff)
				res, err := http.DefaultClient.Do(req)
				must(t, err)
				res.Body.Close()
				return res.StatusCode
			}
			// Client A uses up its limit.
			for range 2 {
				if st := post("198.51.100.7"); st != http.StatusCreated {
					t.Fatalf("within the limit: %d", st)
				}
			}
			if st := post("198.51.100.7"); st != http.StatusTooManyRequests {
				t.Fatalf("client A over its limit: %d", st)
			}
			// Client B, through the same proxy; and A pretending to be B by
			// adding an address in front.
			if st := post("198.51.100.8"); (st == http.StatusCreated) != c.ownEach {
				t.Fatalf("client B: %d (own limit %v)", st, c.ownEach)
			}
			if st := post("198.51.100.9, 198.51.100.7"); st != http.StatusTooManyRequests {
				t.Fatalf("client A with a forged hop: %d", st)
			}
		})
	}
}

// TestOverdueMetric: /metrics counts the open reports whose promise is
// overdue, for alerting.
func TestOverdueMetric(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	metric := func() string {
		res, err := http.Get(e.ts.URL + "/metrics")
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "psti_reports_overdue ") {
				return strings.TrimPrefix(l, "psti_reports_overdue ")
			}
		}
		return "missing"
	}
	if m := metric(); m != "0" {
		t.Fatalf("psti_reports_overdue with no reports: %s", m)
	}
	for i, due := range []time.Duration{-time.Hour, -48 * time.Hour, time.Hour} {
		d := time.Now().Add(due)
		r := &disclosure.Report{Summary: fmt.Sprint("r", i), Details: "d", Status: disclosure.StatusReceived, ReceivedAt: time.Now().Add(-100 * time.Hour), Due: &d, DueWhat: "acknowledgement"}
		_, h := disclosure.NewReceipt()
		must(t, e.db.SubmitReport(ctx, r, h, disclosure.Event{At: r.ReceivedAt, Kind: disclosure.EventReceived, Public: true}))
	}
	if m := metric(); m != "2" {
		t.Fatalf("psti_reports_overdue with two overdue reports: %s", m)
	}
}

// TestReportAttachments: a file sent with a report keeps a clean name
// (whatever path, bytes or quotes the sender's name carried) and is only
// ever downloaded, on both back ends.
func TestReportAttachments(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b)
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			w.WriteField("summary", "Stored XSS")
			w.WriteField("details", "See the file.")
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", "form-data; name=\"attachments\"; filename=\"C:\\\\work\\\\po\\\"c \xffcafé.html\"")
			h.Set("Content-Type", "text/html")
			part, _ := w.CreatePart(h)
			part.Write([]byte("<script>alert(1)</script>"))
			w.Close()
			res, err := http.Post(e.ts.URL+"/security/report", w.FormDataContentType(), &body)
			must(t, err)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("sending the report: %d", res.StatusCode)
			}
			reps, err := e.db.Reports(context.Background(), disclosure.Filter{})
			must(t, err)
			rep, err := e.db.Report(context.Background(), reps[0].ID)
			must(t, err)
			if len(rep.Attachments) != 1 {
				t.Fatalf("attachments: %+v", rep.Attachments)
			}
			a := rep.Attachments[0]
			if a.Name != `po"c café.html` || a.Size != 25 {
				t.Fatalf("attachment kept as %q (%d bytes)", a.Name, a.Size)
			}
			res, err = e.browser(auth.Viewer).Get(fmt.Sprintf("%s/admin/reports/%d/attachments/%d", e.ts.URL, rep.ID, a.ID))
			must(t, err)
			got, _ := io.ReadAll(res.Body)
			res.Body.Close()
			disp, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
			if err != nil || disp != "attachment" || params["filename"] != a.Name || res.Header.Get("Content-Type") != "application/octet-stream" ||
				string(got) != "<script>alert(1)</script>" {
				t.Fatalf("download: %q %q %v %q", res.Header.Get("Content-Disposition"), res.Header.Get("Content-Type"), err, got)
			}
		})
	}
}
