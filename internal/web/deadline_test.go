package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/web"
)

// TestDeadlineSameDayForReporterAndStaff sends a report on a Monday
// morning in winter and in summer, and reads when it will be acknowledged
// on the reporter's status page and on the staff's report page and list:
// everyone reads the same day, the end of the Monday a week later in
// London (5 working days), whether London is on GMT or BST.
func TestDeadlineSameDayForReporterAndStaff(t *testing.T) {
	for _, c := range []struct {
		name     string
		received time.Time
		want     string
	}{
		{"winter", time.Date(2026, 12, 7, 9, 0, 0, 0, psti.London), "by the end of 14 December 2026"},
		{"summer", time.Date(2026, 6, 8, 9, 0, 0, 0, psti.London), "by the end of 15 June 2026"},
		{"received just after midnight, BST", time.Date(2026, 6, 9, 0, 30, 0, 0, psti.London), "by the end of 16 June 2026"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, clock := storetest.Open(t, storetest.SQLite)
			clock.Set(c.received)
			svc := auth.NewService(db, clock)
			svc.Params = fastParams
			srv, err := web.New(web.Config{BaseURL: "http://psti.test", Version: "test", Clock: clock,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db, svc)
			must(t, err)
			t.Cleanup(srv.Close)
			ts := httptest.NewServer(srv.Handler())
			t.Cleanup(ts.Close)
			e := &env{t: t, db: db, svc: svc, srv: srv, ts: ts, users: map[auth.Role]*auth.User{}, tokens: map[auth.Role]string{}}
			e.users[auth.Viewer] = e.addUser("viewer@example.com", auth.Viewer)
			storetest.NewSeed(t, db)

			r := e.report(t, map[string]string{"summary": "Telnet open", "details": "Port 23 answers without a password."})
			clock.Add(2 * time.Hour) // read a little later, the same day

			// The reporter, on the status page (following wherever the form leads).
			jar, _ := cookiejar.New(nil)
			reporter := &http.Client{Jar: jar}
			res, err := reporter.PostForm(ts.URL+"/security/status", url.Values{"receipt": {r.Receipt}})
			must(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), c.want) {
				t.Errorf("the reporter does not read %q: %d %s", c.want, res.StatusCode, trim(string(body)))
			}

			// The staff, on the list and on the report's page.
			reports, err := db.Reports(context.Background(), disclosure.Filter{})
			must(t, err)
			if len(reports) != 1 {
				t.Fatalf("%d reports", len(reports))
			}
			staff := e.browser(auth.Viewer)
			for _, path := range []string{"/admin/reports", fmt.Sprintf("/admin/reports/%d", reports[0].ID)} {
				st, text := page(t, staff, ts.URL+path)
				if st != http.StatusOK || !strings.Contains(text, c.want) {
					t.Errorf("staff do not read %q on %s: %d %s", c.want, path, st, trim(text))
				}
			}
		})
	}
}

// page GETs a page with c and returns its status and text.
func page(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	must(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
