package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/web"
)

// limitedServer is a server with an intake limit of rate a minute (and the
// look-up limit that follows from it: 60 a minute).
func limitedServer(t *testing.T, rate int) *httptest.Server {
	t.Helper()
	db, _ := storetest.Open(t, storetest.SQLite)
	svc := auth.NewService(db, psti.SystemClock{})
	srv, err := web.New(web.Config{BaseURL: "http://psti.test", Version: "test", IntakeRate: rate,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db, svc)
	must(t, err)
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func send(t *testing.T, method, url, auth, ct, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	must(t, err)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestProblemsStaySmall: a body of thousands of unknown fields gets a short
// answer that lists a bounded number of problems and never repeats what
// was sent. Each problem used to carry the whole body, so the answer grew
// with the square of the field count (4,000 fields: 200 MB).
func TestProblemsStaySmall(t *testing.T) {
	ts := limitedServer(t, 0)
	const marker = "ECHOED-VALUE"
	for _, path := range []string{"/api/v1/reports", "/api/v1/reports/status"} {
		var b strings.Builder
		b.WriteString(`{"summary": "s", "details": "d", "message": "m"`)
		for i := range 4000 {
			fmt.Fprintf(&b, `, "f%05d": %q`, i, marker)
		}
		b.WriteString("}")
		auth := ""
		if strings.HasSuffix(path, "/status") {
			auth = "Receipt " + strings.Repeat("a", 32)
		}
		res, body := send(t, "POST", ts.URL+path, auth, "application/json", b.String())
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422", path, res.StatusCode)
		}
		if len(body) > 8<<10 {
			t.Errorf("%s: the answer to a %d-byte body is %d bytes", path, b.Len(), len(body))
		}
		if strings.Contains(body, marker) {
			t.Errorf("%s: the answer repeats a value that was sent", path)
		}
		var p struct {
			Errors []struct{ Message, Location string }
		}
		must(t, json.Unmarshal([]byte(body), &p))
		if n := len(p.Errors); n < 2 || n > 21 || !strings.Contains(p.Errors[n-1].Message, "more problems") {
			t.Errorf("%s: %d problems listed, the last %+v; want at most 20 and a count of the rest", path, n, p.Errors[n-1])
		}
	}
}

// TestPublicLimitsCountEveryRequest: requests refused for a malformed
// Authorization header or a body that does not validate count toward a
// public route's limit as much as accepted ones do.
func TestPublicLimitsCountEveryRequest(t *testing.T) {
	ts := limitedServer(t, 2)
	// Look-ups: 60 a minute. Every kind of refusal counts.
	kinds := []struct{ auth, body string }{
		{"Bearer not-a-token", ""}, // 401
		{"Receipt " + "x", ""},     // no such receipt
		{"", ""},                   // no header at all: 422
		{"Receipt !!junk!!", ""},   // not a code
	}
	for i := range 60 {
		k := kinds[i%len(kinds)]
		res, body := send(t, "GET", ts.URL+"/api/v1/reports/status", k.auth, "", "")
		if res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500 {
			t.Fatalf("look-up %d (%q): %d %s", i+1, k.auth, res.StatusCode, body)
		}
	}
	res, _ := send(t, "GET", ts.URL+"/api/v1/reports/status", "Receipt "+strings.Repeat("a", 32), "", "")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("the 61st look-up of the minute: %d, want 429 with Retry-After", res.StatusCode)
	}
	// Intake: 2 a minute; a refused reply and a refused report use both.
	if res, body := send(t, "POST", ts.URL+"/api/v1/reports/status", "Receipt "+strings.Repeat("a", 32), "application/json", `{"message": ""}`); res.StatusCode != 422 {
		t.Fatalf("empty reply: %d %s", res.StatusCode, body)
	}
	if res, body := send(t, "POST", ts.URL+"/api/v1/reports", "Bearer nonsense", "application/json", `{"summary": "s", "details": "d"}`); res.StatusCode != 401 {
		t.Fatalf("report with a bad token: %d %s", res.StatusCode, body)
	}
	if res, body := send(t, "POST", ts.URL+"/api/v1/reports", "", "application/json", `{"summary": "s", "details": "d"}`); res.StatusCode != 429 {
		t.Fatalf("a report after two refused requests, with a limit of 2: %d %s", res.StatusCode, body)
	}
	// The pages share the limit, and refuse before reading the form.
	res, err := http.Post(ts.URL+"/security/status/reply", "application/x-www-form-urlencoded", strings.NewReader("%zz"))
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("reply page over the limit with an unreadable form: %d", res.StatusCode)
	}
}

// TestNoStaffLockout: wrong passwords for an administrator sent from other
// addresses, as many as anyone likes, never stop the administrator signing
// in from their own address; the guessing address itself is refused.
func TestNoStaffLockout(t *testing.T) {
	db, _ := storetest.Open(t, storetest.SQLite)
	svc := auth.NewService(db, psti.SystemClock{})
	svc.Params = fastParams
	srv, err := web.New(web.Config{BaseURL: "http://psti.test", Version: "test", TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db, svc)
	must(t, err)
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	code, _, err := svc.Invite(context.Background(), psti.System("test"), "admin@example.com", auth.Admin)
	must(t, err)
	_, err = svc.AcceptInvitation(context.Background(), code, "", "", testPassword)
	must(t, err)
	signIn := func(from, password string) int {
		req, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader(url.Values{"email": {"admin@example.com"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", from)
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		must(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	// One address guesses until refused; forty others guess once each.
	refused := false
	for range 8 {
		if signIn("203.0.113.1", "wrong password") == http.StatusTooManyRequests {
			refused = true
		}
	}
	if !refused {
		t.Fatal("eight wrong passwords from one address were all checked")
	}
	for i := range 40 {
		if st := signIn(fmt.Sprintf("198.51.100.%d", i), "wrong password"); st >= 500 {
			t.Fatalf("guess %d: %d", i, st)
		}
	}
	if st := signIn("203.0.113.1", testPassword); st != http.StatusTooManyRequests {
		t.Fatalf("the right password from the guessing address: %d, want 429", st)
	}
	if st := signIn("192.0.2.10", testPassword); st != http.StatusSeeOther {
		t.Fatalf("the administrator from their own address during the attack: %d, want 303 (signed in)", st)
	}
}

// TestConcurrentReplies: a reporter's messages are appends: many sent at
// once are all stored, on both back ends, and no answer shows an internal
// id or revision.
func TestConcurrentReplies(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			rc := e.report(t, map[string]string{"summary": "Open telnet port", "details": "Port 23 answers with a root shell."})
			const n = 30
			var wg sync.WaitGroup
			answers := make(chan string, n)
			for i := range n {
				wg.Go(func() {
					req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/reports/status", strings.NewReader(fmt.Sprintf(`{"message": "message %d"}`, i)))
					req.Header.Set("Authorization", "Receipt "+rc.Receipt)
					req.Header.Set("Content-Type", "application/json")
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						answers <- err.Error()
						return
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					answers <- fmt.Sprintf("%d %s", res.StatusCode, b)
				})
			}
			wg.Wait()
			close(answers)
			for a := range answers {
				if !strings.HasPrefix(a, "200 ") {
					t.Errorf("a reply sent alongside others: %s", a)
				}
				if strings.Contains(a, "revision") || strings.Contains(a, `"id"`) {
					t.Errorf("a public answer shows internal ids: %s", a)
				}
			}
			_, text := e.status(t, rc.Receipt)
			for i := range n {
				if !strings.Contains(text, fmt.Sprintf("message %d\"", i)) {
					t.Errorf("message %d is missing from the timeline", i)
				}
			}
		})
	}
}

// TestHeaders: every answer that may carry a secret or personal data is
// marked no-store; the static folder is not listed; HSTS is sent when the
// installation is reached over https, and not otherwise.
func TestHeaders(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	rc := e.report(t, map[string]string{"summary": "Open telnet port", "details": "Port 23 answers with a root shell."})
	check := func(what string, res *http.Response) {
		t.Helper()
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" && cc != "private, no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", what, cc)
		}
		if h := res.Header.Get("Strict-Transport-Security"); h != "" {
			t.Errorf("%s: HSTS over plain http: %q", what, h)
		}
	}
	for _, c := range []struct {
		method, path string
		role         auth.Role
		body         string
	}{
		{"POST", "/api/v1/reports", auth.Public, `{"summary": "s", "details": "d"}`},
		{"GET", "/api/v1/users", auth.Admin, ""},
		{"GET", "/api/v1/tokens", auth.Admin, ""},
		{"POST", "/api/v1/tokens", auth.Admin, fmt.Sprintf(`{"name": "ci", "role": "viewer", "user_id": %d}`, e.users[auth.Viewer].ID)},
		{"GET", "/api/v1/reports", auth.Viewer, ""},
		{"GET", "/api/v1/reports/1", auth.Viewer, ""},
		{"GET", "/api/v1/audit", auth.Admin, ""},
		{"GET", "/api/v1/reports/1", auth.Public, ""}, // a refusal, too
	} {
		res, body := e.call(c.method, c.path, e.tokens[c.role], "application/json", c.body)
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, res.StatusCode, body)
		}
		check(c.method+" "+c.path, res)
	}
	req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/reports/status", nil)
	req.Header.Set("Authorization", "Receipt "+rc.Receipt)
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	res.Body.Close()
	check("the reporter's status", res)

	for _, p := range []string{"/static/", "/static", "/static/.", "/static/nothing.css"} {
		res, body := e.call("GET", p, "", "", "")
		if res.StatusCode != http.StatusNotFound || strings.Contains(body, `href="style.css"`) {
			t.Errorf("GET %s: %d, want 404 without a listing:\n%.300s", p, res.StatusCode, body)
		}
	}
	if res, _ := e.call("GET", "/static/style.css", "", "", ""); res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Cache-Control"), "public") {
		t.Errorf("the style sheet: %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}

	// Over https, HSTS with the configured age; without one, none.
	for _, c := range []struct {
		age  int
		want string
	}{{31536000, "max-age=31536000"}, {600, "max-age=600"}, {0, ""}} {
		db, _ := storetest.Open(t, storetest.SQLite)
		srv, err := web.New(web.Config{BaseURL: "https://psti.example", Version: "test", HSTSMaxAge: c.age,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db, auth.NewService(db, psti.SystemClock{}))
		must(t, err)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/security", nil))
		srv.Close()
		if got := rec.Header().Get("Strict-Transport-Security"); got != c.want {
			t.Errorf("HSTS with max-age %d: %q, want %q", c.age, got, c.want)
		}
	}
}

// TestAttachmentBudgets: one address may send so much in files a day, and
// the store keeps so much in all; past either the report is refused
// politely (429 with Retry-After, or 413), saying what to do, and nothing
// is stored or left behind in the work folder. Files arrive a piece at a
// time and are read back whole.
func TestAttachmentBudgets(t *testing.T) {
	db, _ := storetest.Open(t, storetest.SQLite)
	work := t.TempDir()
	srv, err := web.New(web.Config{BaseURL: "http://psti.test", Version: "test", WorkDir: work,
		AttachmentsPerAddress: 3 << 20, AttachmentsTotal: 5 << 20,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil))}, db, auth.NewService(db, psti.SystemClock{}))
	must(t, err)
	t.Cleanup(srv.Close)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	reports := func() int64 {
		c, err := db.Counts(context.Background())
		must(t, err)
		return c["reports"]
	}
	// The address is the one a proxy we trust names.
	send := func(addr string, sizes ...int) (*http.Response, string) {
		t.Helper()
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		w.WriteField("summary", "Firmware leaks keys")
		w.WriteField("details", "See the files.")
		for i, n := range sizes {
			part, err := w.CreateFormFile("attachments", fmt.Sprintf("file%d.bin", i))
			must(t, err)
			part.Write(bytes.Repeat([]byte{byte('a' + i)}, n))
		}
		w.Close()
		req, _ := http.NewRequest("POST", ts.URL+"/security/report", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("X-Forwarded-For", addr)
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	// 2 MiB in two files, then 1 MiB more: the address's 3 MiB are used.
	if res, body := send("192.0.2.1", 1<<20+5, 1<<20-5); res.StatusCode != 200 {
		t.Fatalf("2 MiB of files: %d %.300s", res.StatusCode, body)
	}
	if res, _ := send("192.0.2.1", 1<<20); res.StatusCode != 200 {
		t.Fatalf("the third MiB: %d", res.StatusCode)
	}
	res, body := send("192.0.2.1", 10)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "without them") {
		t.Fatalf("past the address's day: %d %q %.500s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if n := reports(); n != 2 {
		t.Fatalf("%d reports stored, want 2", n)
	}
	// The same report without files is taken.
	if res, _ := send("192.0.2.1"); res.StatusCode != 200 {
		t.Fatalf("a report without files, past the address's day: %d", res.StatusCode)
	}
	// A report refused for another reason gives the address's share back:
	// after 2 MiB refused, 2 MiB more are taken (past 3 MiB otherwise).
	var bad bytes.Buffer
	w := multipart.NewWriter(&bad)
	w.WriteField("summary", "")
	part, _ := w.CreateFormFile("attachments", "x.bin")
	part.Write(make([]byte, 2<<20))
	w.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/security/report", &bad)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("X-Forwarded-For", "203.0.113.5")
	res, err = http.DefaultClient.Do(req)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a report without a summary: %d", res.StatusCode)
	}
	if res, body := send("203.0.113.5", 2<<20); res.StatusCode != 200 {
		t.Fatalf("2 MiB after 2 MiB refused, with a day's share of 3 MiB: %d %.300s", res.StatusCode, body)
	}
	if n := reports(); n != 4 {
		t.Fatalf("%d reports stored, want 4", n)
	}
	// The store now keeps 5 MiB: its ceiling. Any more is refused.
	res, body = send("198.51.100.1", 1)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "cannot take more files") {
		t.Fatalf("past the store's ceiling: %d %.500s", res.StatusCode, body)
	}
	if names, _ := os.ReadDir(work); len(names) != 0 {
		t.Fatalf("files left in the work folder: %v", names)
	}
	// Read back whole.
	reps, err := db.Reports(context.Background(), disclosure.Filter{Limit: 10})
	must(t, err)
	var total int64
	for _, r := range reps {
		full, err := db.Report(context.Background(), r.ID)
		must(t, err)
		for _, a := range full.Attachments {
			var got bytes.Buffer
			must(t, db.WriteAttachment(context.Background(), r.ID, a.ID, &got))
			sum := sha256.Sum256(got.Bytes())
			if int64(got.Len()) != a.Size || hex.EncodeToString(sum[:]) != a.SHA256 {
				t.Fatalf("attachment %s read back as %d bytes (%x), kept as %d (%s)", a.Name, got.Len(), sum, a.Size, a.SHA256)
			}
			total += a.Size
		}
	}
	if total != 5<<20 {
		t.Fatalf("%d bytes of attachments kept, want %d", total, 5<<20)
	}
}

// TestServingDuringAudit: while a password audit runs, the server goes on
// answering: the audit leaves it a core, and its memory is bounded.
func TestServingDuringAudit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	batch := &product.Batch{ProductID: seed.Product.ID, Code: "B-BIG"}
	must(t, e.db.CreateBatch(ctx, psti.System("test"), batch))
	res, text := e.call("POST", fmt.Sprintf("/api/v1/password-audits?batch_id=%d", batch.ID), e.tokens[auth.Editor], "application/gzip",
		gz(batchCSV(300_000, randomPassword)))
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d %s", res.StatusCode, text)
	}
	var run passwords.Run
	must(t, json.Unmarshal([]byte(text), &run))
	client := &http.Client{Timeout: 5 * time.Second}
	answered := 0
	for {
		var r passwords.Run
		e.json("GET", fmt.Sprintf("/api/v1/password-audits/%d", run.ID), auth.Viewer, nil, &r)
		if r.Finished() {
			if r.State != passwords.RunDone {
				t.Fatalf("the audit ended %s: %s", r.State, r.Problem)
			}
			break
		}
		if r.State != passwords.RunRunning {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/products", nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens[auth.Viewer])
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("a request while the audit ran: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("a request while the audit ran: %d", res.StatusCode)
		}
		answered++
	}
	if answered == 0 {
		t.Fatal("the audit ended before any request could be made while it ran; the test proves nothing")
	}
	t.Logf("%d requests answered while the audit ran", answered)
}

// TestAPIInputWords: a value of the wrong type is refused naming the field
// and what it takes, not the server's own types; a media type is read
// whatever its letter case.
func TestAPIInputWords(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	for _, v := range []string{"1e3", "9223372036854775808"} {
		res, body := e.call("POST", "/api/v1/brands", e.tokens[auth.Editor], "application/json", fmt.Sprintf(`{"organisation_id": %s, "name": "Acme Garden"}`, v))
		if res.StatusCode != http.StatusUnprocessableEntity || strings.Contains(body, "Go ") || strings.Contains(body, "brandIn") ||
			!strings.Contains(body, `"location":"body.organisation_id"`) || !strings.Contains(body, "whole number") {
			t.Errorf("organisation_id %s: %d %s", v, res.StatusCode, body)
		}
	}
	res, body := e.call("POST", "/api/v1/brands", e.tokens[auth.Editor], "APPLICATION/JSON; Charset=UTF-8", fmt.Sprintf(`{"organisation_id": %d, "name": "Acme Garden"}`, seed.Org.ID))
	if res.StatusCode != http.StatusCreated {
		t.Errorf("APPLICATION/JSON: %d %s", res.StatusCode, body)
	}
}
