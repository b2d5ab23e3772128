package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/support"
	"github.com/psti/psti/internal/web"
)

// TestSupportHistoryVerifies is the scripted history of a support period,
// on both back ends: published, extended twice, then shortened by the
// store (refused, ECONFLICT), through the API (409), through the web form
// (refused beside the field) and by hand-written SQL (refused by the
// database's trigger). The log exported afterwards proves, with psti
// verify product and nothing else, that the end date never went
// backwards, listing each logged change (PSTI-DSP-05).
func TestSupportHistoryVerifies(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			url := b.URL(t)
			db, err := store.Open(ctx, url, store.Options{})
			must(t, err)
			must(t, db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "shop.example/log"}))
			a := psti.System("test")
			seed := storetest.NewSeed(t, db)
			p := &support.Period{ProductID: seed.Product.ID, EndDate: "2030-03-31"}
			must(t, db.CreatePeriod(ctx, a, p))
			_, err = db.PublishPeriod(ctx, a, p.ID, 0)
			must(t, err)
			_, err = db.ExtendPeriod(ctx, a, p.ID, "2031-03-31", "Parts supply secured.")
			must(t, err)
			_, err = db.ExtendPeriod(ctx, a, p.ID, "2032-12-31", "A longer contract with our chip maker.")
			must(t, err)
			if _, err := db.ExtendPeriod(ctx, a, p.ID, "2029-01-01", "Cost cutting."); psti.ErrorCode(err) != psti.ECONFLICT {
				t.Fatalf("shortening through the store: %v", err)
			}
			shortenOverHTTP(t, db, p.ID)
			if _, err := rawDB(t, url).Exec(fmt.Sprintf(`UPDATE support_periods SET end_date = '2029-01-01' WHERE id = %d`, p.ID)); err == nil {
				t.Fatal("the database let a published end date be shortened by hand")
			}
			key, err := db.LogVerifier(ctx)
			must(t, err)
			db.Close()

			dir := t.TempDir()
			keyFile := writeFile(t, filepath.Join(dir, "key"), []byte(key+"\n"))
			copyDir := filepath.Join(dir, "copy")
			wantExit(t, cli(t, "log", "export", "--to", copyDir, "--database-url", url), 0)
			r := cli(t, "verify", "product", seed.Product.Slug, "--log", copyDir, "--key", keyFile)
			wantExit(t, r, 0)
			wantContains(t, "stdout", r.stdout, "until 31 March 2030", "until 31 March 2031", "until 31 December 2032", "never went backwards")
			if n := strings.Count(r.stdout, "support period "); n != 3 {
				t.Fatalf("verify listed %d changes, want 3 (published, extended twice):\n%s", n, r.stdout)
			}
		})
	}
}

// shortenOverHTTP tries to shorten support period id as an editor would,
// through the API and through the web form of a server on db, and checks
// that both refuse, saying why.
func shortenOverHTTP(t *testing.T, db *store.DB, id int64) {
	t.Helper()
	ctx := context.Background()
	svc := auth.NewService(db, psti.SystemClock{})
	svc.Params = auth.Params{Memory: 1024, Time: 1, Threads: 1}
	code, _, err := svc.Invite(ctx, psti.System("test"), "editor@example.com", auth.Editor)
	must(t, err)
	u, err := svc.AcceptInvitation(ctx, code, "", "", "correct horse battery staple")
	must(t, err)
	token, _, err := svc.CreateToken(ctx, psti.System("test"), u.ID, "test", auth.Editor, nil)
	must(t, err)
	srv, err := web.New(web.Config{BaseURL: "http://psti.test", Version: "test", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db, svc)
	must(t, err)
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	// The API.
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/support-periods/%d/extend", ts.URL, id), strings.NewReader(`{"end_date":"2029-01-01","reason":"Cost cutting."}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusConflict || !strings.Contains(string(body), "extended but never shortened") {
		t.Fatalf("shortening through the API: %d %s", res.StatusCode, body)
	}

	// The web form, signed in.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = c.PostForm(ts.URL+"/login", url.Values{"email": {"editor@example.com"}, "password": {"correct horse battery staple"}})
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signing in: %d", res.StatusCode)
	}
	page := fmt.Sprintf("%s/admin/support-periods/%d", ts.URL, id)
	res, err = c.Get(page)
	must(t, err)
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="form_token" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("the period's page has no form:\n%s", body)
	}
	res, err = c.PostForm(page+"/extend", url.Values{"form_token": {string(m[1])}, "end_date-day": {"1"}, "end_date-month": {"1"}, "end_date-year": {"2029"}, "reason": {"Cost cutting."}})
	must(t, err)
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusConflict || !strings.Contains(string(body), "extended but never shortened") {
		t.Fatalf("shortening through the web form: %d\n%s", res.StatusCode, body)
	}
}
