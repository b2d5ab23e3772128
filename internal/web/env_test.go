package web_test

import (
	"context"
	"encoding/json"
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
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/web"
)

// env is a real server on a loopback port, over a real database, with one
// user (and one API token) per role.
type env struct {
	t      testing.TB
	db     *store.DB
	svc    *auth.Service
	srv    *web.Server
	ts     *httptest.Server
	users  map[auth.Role]*auth.User
	tokens map[auth.Role]string
	work   string // where uploads wait for their audit
}

const testPassword = "correct horse battery staple"

// fastParams keep argon2id cheap in tests; production uses DefaultParams.
var fastParams = auth.Params{Memory: 1024, Time: 1, Threads: 1}

func newEnv(t testing.TB, b storetest.Backend) *env {
	t.Helper()
	return newEnvLogging(t, b, io.Discard)
}

// newEnvLogging is newEnv with the server's warnings and errors written to
// log.
func newEnvLogging(t testing.TB, b storetest.Backend, log io.Writer) *env {
	t.Helper()
	db, clock := storetest.Open(t, b)
	// As psti serve does on start.
	if err := db.OpenLog(context.Background(), store.LogOptions{Secret: storetest.LogSecret, Origin: "psti.test/log"}); err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(db, psti.SystemClock{})
	svc.Params = fastParams
	work := t.TempDir()
	srv, err := web.New(web.Config{BaseURL: "http://psti.test", Version: "test",
		Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Audits: passwords.RunnerOptions{Dir: work, Heartbeat: 50 * time.Millisecond, Clock: clock}}, db, svc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close) // before the database closes
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e := &env{t: t, db: db, svc: svc, srv: srv, ts: ts, users: map[auth.Role]*auth.User{}, tokens: map[auth.Role]string{}, work: work}
	for _, r := range auth.Roles {
		e.users[r] = e.addUser(string(r)+"@example.com", r)
	}
	for _, r := range auth.Roles {
		e.tokens[r] = e.token(e.users[r], r)
	}
	return e
}

func (e *env) addUser(email string, role auth.Role) *auth.User {
	e.t.Helper()
	ctx := context.Background()
	code, _, err := e.svc.Invite(ctx, psti.System("test"), email, role)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.svc.AcceptInvitation(ctx, code, "", "", testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) token(u *auth.User, role auth.Role) string {
	e.t.Helper()
	secret, _, err := e.svc.CreateToken(context.Background(), psti.System("test"), u.ID, "test "+string(role), role, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// call makes an API request with a token ("" for none) and returns the
// response with its body read.
func (e *env) call(method, path, token, contentType, body string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// json makes an API request with a JSON body and decodes the reply into out
// (when out is not nil), returning the status.
func (e *env) json(method, path string, role auth.Role, body any, out any) (int, string) {
	e.t.Helper()
	var s string
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		s = string(b)
	}
	res, text := e.call(method, path, e.tokens[role], "application/json", s)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal([]byte(text), out); err != nil {
			e.t.Fatalf("%s %s: decoding %q: %v", method, path, text, err)
		}
	}
	return res.StatusCode, text
}

// browser returns an HTTP client with its own cookies that does not follow
// redirects, signed in as the user with role (or anonymous for auth.Public).
func (e *env) browser(role auth.Role) *http.Client {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if role == auth.Public {
		return c
	}
	res, err := c.PostForm(e.ts.URL+"/login", url.Values{"email": {e.users[role].Email}, "password": {testPassword}})
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("signing in as %s: status %d", role, res.StatusCode)
	}
	return c
}

// counts returns the rows in every table, to check that a refused request
// changed nothing.
func (e *env) counts(t testing.TB) store.Counts {
	t.Helper()
	c, err := e.db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	delete(c, "sessions") // signing in and out is not a change to records
	return c
}
