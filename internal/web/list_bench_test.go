package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/web"
)

// benchNow is the clock of the report-list fixture.
var benchNow = storetest.KeptNow

// keptReports opens the report-list fixture that internal/store's
// BenchmarkReportLists makes and keeps (storetest.KeptReports); it skips
// when there is none yet.
func keptReports(b *testing.B, be storetest.Backend) *store.DB {
	u, n := storetest.KeptReports(b, be, false)
	ctx := context.Background()
	clock := &storetest.Clock{}
	clock.Set(benchNow)
	db, err := store.Open(ctx, u, store.Options{Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if have, err := db.CountReports(ctx, disclosure.Filter{}); err != nil || have != n {
		b.Skipf("the fixture %s has %d reports, not %d (%v)", u, have, n, err)
	}
	return db
}

// BenchmarkReportListsHTTP times the staff lists of reports through the
// real handler at a million reports: the page /admin/reports with a
// staff session and GET /api/v1/reports with an API token, each first
// page, a page 10,000 reports deep reached by its next link's key, and
// each filter (issue 16: < 20 ms a list). It reads the fixture of
// internal/store's BenchmarkReportLists, which must be made first.
//
//	. /root/env.sh; go test -run '^$' -bench BenchmarkReportListsHTTP -benchtime 50x ./internal/web/
func BenchmarkReportListsHTTP(b *testing.B) {
	for _, be := range []storetest.Backend{storetest.SQLite, storetest.Postgres} {
		b.Run(be.Name, func(b *testing.B) {
			db := keptReports(b, be)
			ctx := context.Background()
			if err := db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "psti.test/log"}); err != nil {
				b.Fatal(err)
			}
			// The server's clock is the machine's, for the session's
			// cookie; overdue is then overdue at the time of the run.
			svc := auth.NewService(db, psti.SystemClock{})
			svc.Params = fastParams
			srv, err := web.New(web.Config{BaseURL: "http://psti.test", Version: "bench",
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Audits: passwords.RunnerOptions{Dir: b.TempDir(), Heartbeat: 50 * time.Millisecond}}, db, svc)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(srv.Close)
			ts := httptest.NewServer(srv.Handler())
			b.Cleanup(ts.Close)
			e := &env{t: b, db: db, svc: svc, srv: srv, ts: ts, users: map[auth.Role]*auth.User{}, tokens: map[auth.Role]string{}}
			// A user of its own each run: the fixture is kept.
			e.users[auth.Viewer] = e.addUser(fmt.Sprintf("bench-%d@example.com", time.Now().UnixNano()), auth.Viewer)
			token := "Bearer " + e.token(e.users[auth.Viewer], auth.Viewer)
			browser := e.browser(auth.Viewer)
			get := func(b *testing.B, c *http.Client, path, token string) (string, http.Header) {
				req, _ := http.NewRequest("GET", ts.URL+path, nil)
				if token != "" {
					req.Header.Set("Authorization", token)
				}
				res, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d %.300s", path, res.StatusCode, body)
				}
				return string(body), res.Header
			}
			// deep follows next links (read by the link pattern) to the
			// page after the 10,000th report.
			deep := func(b *testing.B, c *http.Client, first, token string, perPage int, next func(string, http.Header) string) string {
				path := first
				for range 10000 / perPage {
					body, h := get(b, c, path, token)
					if path = next(body, h); path == "" {
						return ""
					}
				}
				return path
			}
			apiNext := func(_ string, h http.Header) string {
				m := regexp.MustCompile(`^<http://psti\.test(/api/v1/reports\?[^>]+)>`).FindStringSubmatch(h.Get("Link"))
				if m == nil {
					return ""
				}
				return m[1]
			}
			pageNext := func(body string, _ http.Header) string {
				m := regexp.MustCompile(`<a href="(/admin/reports\?[^"]+)">Next page</a>`).FindStringSubmatch(body)
				if m == nil {
					return ""
				}
				return strings.ReplaceAll(m[1], "&amp;", "&")
			}
			run := func(name string, c *http.Client, path, token string) {
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						get(b, c, path, token)
					}
				})
			}
			for _, show := range []string{"open", "overdue", "closed", "all"} {
				first := "/admin/reports?show=" + show
				run("page/"+show+"/first", browser, first, "")
				if d := deep(b, browser, first, "", 100, pageNext); d != "" {
					run("page/"+show+"/deep", browser, d, "")
				}
			}
			for _, q := range []string{"", "status=open", "status=resolved", "product_id=1", "product_id=1&status=open", "overdue=true"} {
				first := "/api/v1/reports?limit=100&" + q
				name := q
				if name == "" {
					name = "all"
				}
				run("api/"+name+"/first", http.DefaultClient, first, token)
				if d := deep(b, http.DefaultClient, first, token, 100, apiNext); d != "" {
					run("api/"+name+"/deep", http.DefaultClient, d, token)
				}
			}
		})
	}
}
