package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/mail"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/support"
)

// result is what one in-process run of the command line gave.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %q\nstderr: %q", r.code, r.stdout, r.stderr)
}

// cli runs psti with args in-process.
func cli(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// wantExit fails the test unless r exited with code; for a failure it also
// demands a "psti: " message on stderr.
func wantExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got:\n%v", code, r)
	}
	if code != 0 && !strings.HasPrefix(r.stderr, "psti: ") {
		t.Fatalf("exit %d without a \"psti: \" message on stderr:\n%v", code, r)
	}
}

func wantContains(t *testing.T, what, got string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(strings.ToLower(got), strings.ToLower(s)) {
			t.Fatalf("%s does not mention %q:\n%s", what, s, got)
		}
	}
}

// sqlitePath is the file behind a sqlite: URL from storetest.
func sqlitePath(t *testing.T, url string) string {
	t.Helper()
	p, ok := strings.CutPrefix(url, "sqlite:")
	if !ok {
		t.Fatalf("%q is not an sqlite: URL", url)
	}
	return p
}

func openDB(t *testing.T, url string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	return db
}

func counts(t *testing.T, url string) store.Counts {
	t.Helper()
	db := openDB(t, url)
	defer db.Close()
	c, err := db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newDB returns the URL of a new, empty SQLite database (migrated, as psti
// serve leaves it on its first start): every other command refuses to
// create one.
func newDB(t *testing.T) string {
	t.Helper()
	return createDB(t, filepath.Join(t.TempDir(), "psti.db"))
}

// createDB makes an empty psti database at path and returns its URL.
func createDB(t *testing.T, path string) string {
	t.Helper()
	url := "sqlite:" + path
	openDB(t, url).Close()
	return url
}

// seeded returns the URL of a fresh SQLite database holding the storetest
// seed, closed again, and the seed.
func seeded(t *testing.T) (string, *storetest.Seed) {
	t.Helper()
	url := storetest.SQLite.URL(t)
	db := openDB(t, url)
	defer db.Close()
	return url, storetest.NewSeed(t, db)
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// fastAuth is an auth service with a cheap password hash, for tests.
func fastAuth(db *store.DB) *auth.Service {
	return &auth.Service{Store: db, Clock: psti.SystemClock{}, Params: auth.Params{Memory: 64, Time: 1, Threads: 1}}
}

var setupLink = regexp.MustCompile(`^https://psti\.example/setup/([A-Za-z0-9_-]{43})\n$`)

// addUser makes a setup link with psti users add and uses it, as the person
// who received it would.
func addUser(t *testing.T, url, email string, roleArgs ...string) {
	t.Helper()
	args := append([]string{"users", "add", "--database-url", url, "--base-url", "https://psti.example"}, roleArgs...)
	r := cli(t, append(args, email)...)
	wantExit(t, r, 0)
	m := setupLink.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("users add printed no setup link:\n%v", r)
	}
	db := openDB(t, url)
	defer db.Close()
	if _, err := fastAuth(db).AcceptInvitation(context.Background(), m[1], "", "Test "+email, "correct horse battery staple"); err != nil {
		t.Fatalf("using the setup link for %s: %v", email, err)
	}
}

func TestVersionAndHelp(t *testing.T) {
	r := cli(t, "version")
	wantExit(t, r, 0)
	if !strings.HasPrefix(r.stdout, "psti ") || strings.Count(r.stdout, "\n") != 1 || len(strings.TrimSpace(r.stdout)) <= len("psti") {
		t.Fatalf("version output:\n%v", r)
	}
	if r.stderr != "" {
		t.Fatalf("version wrote to stderr:\n%v", r)
	}

	// --version prints what version prints.
	if v := cli(t, "--version"); v.code != 0 || v.stdout != r.stdout || v.stderr != "" {
		t.Fatalf("--version printed %v, want %q", v, r.stdout)
	}

	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := cli(t, args...)
		wantExit(t, r, 0)
		wantContains(t, "help", r.stdout, "serve", "users", "tokens", "backup", "restore", "migrate-data", "Exit status")
	}
	r = cli(t, "users", "add", "--help")
	wantExit(t, r, 0)
	wantContains(t, "users add --help", r.stdout, "--admin", "--role", "setup link")
}

// TestUsageErrors checks that every mistake in the command line exits 2 with
// a message, and that none of them touches the database.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // on stderr
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown subcommand of users", []string{"users", "frobnicate"}, "frobnicate"},
		{"unknown subcommand of tokens", []string{"tokens", "frobnicate"}, "frobnicate"},
		{"unknown flag", []string{"version", "--frobnicate"}, "unknown flag: --frobnicate"},
		{"unknown shorthand flag", []string{"users", "list", "-z"}, "unknown shorthand flag"},
		{"unknown global flag", []string{"--frobnicate", "version"}, "unknown flag"},
		{"version with an argument", []string{"version", "now"}, "psti version needs no arguments (got 1 argument)"},
		{"users add without e-mail", []string{"users", "add"}, "an e-mail address (got 0"},
		{"users add with two e-mails", []string{"users", "add", "a@example.com", "b@example.com"}, "(got 2 arguments)"},
		{"users list with an argument", []string{"users", "list", "x"}, "(got 1"},
		{"passwords audit given the file without --input", []string{"passwords", "audit", "batch.csv"}, "name the batch file with --input, as in psti passwords audit --input batch.csv (got 1 argument)"},
		{"users add bad role", []string{"users", "add", "--role", "boss", "a@example.com"}, `not "boss"`},
		{"users add admin and viewer", []string{"users", "add", "--admin", "--role", "viewer", "a@example.com"}, "contradict"},
		{"tokens create with an argument", []string{"tokens", "create", "--user", "a@example.com", "--role", "viewer", "extra"}, "(got 1"},
		{"tokens create without --user", []string{"tokens", "create", "--role", "viewer"}, "--user"},
		{"tokens create without --role", []string{"tokens", "create", "--user", "a@example.com"}, "role"},
		{"tokens create bad --role", []string{"tokens", "create", "--user", "a@example.com", "--role", "root"}, `not "root"`},
		{"tokens create empty --role", []string{"tokens", "create", "--user", "a@example.com", "--role", ""}, "--role"},
		{"tokens create bad --expires", []string{"tokens", "create", "--user", "a@example.com", "--role", "viewer", "--expires", "31/12/2030"}, "--expires"},
		{"tokens create impossible --expires", []string{"tokens", "create", "--user", "a@example.com", "--role", "viewer", "--expires", "2030-02-30"}, "--expires"},
		{"tokens revoke without id", []string{"tokens", "revoke"}, "a token id (see psti tokens list) (got 0"},
		{"tokens revoke two ids", []string{"tokens", "revoke", "1", "2"}, "(got 2"},
		{"tokens revoke non-number", []string{"tokens", "revoke", "abc"}, `not "abc"`},
		{"tokens revoke zero", []string{"tokens", "revoke", "0"}, `not "0"`},
		{"tokens revoke negative", []string{"tokens", "revoke", "-3"}, "-3"},
		{"tokens revoke overflow", []string{"tokens", "revoke", "99999999999999999999"}, "must be a number"},
		{"backup without --out", []string{"backup"}, "--out"},
		{"backup with an argument", []string{"backup", "--out", "x.db", "y.db"}, "(got 1"},
		{"restore without --from", []string{"restore"}, "--from"},
		{"restore with an argument", []string{"restore", "backup.db"}, "(got 1"},
		{"check with an argument", []string{"check", "psti.db"}, "psti check needs no arguments (got 1"},
		{"check a bad database URL", []string{"check", "--database-url", "psti.db"}, "must start with sqlite: or postgres://"},
		{"migrate-data without --to", []string{"migrate-data", "--from", "sqlite:a.db"}, "--to"},
		{"serve with an argument", []string{"serve", "now"}, "(got 1"},
		{"serve bad log level", []string{"serve", "--log-level", "loud", "--addr", "127.0.0.1:0"}, "--log-level"},
		{"serve bad proxy", []string{"serve", "--trusted-proxies", "10.0.0.0/8,proxy.local", "--addr", "127.0.0.1:0"}, "\"proxy.local\" is not an address"},
		{"serve negative intake rate", []string{"serve", "--intake-rate", "-1", "--addr", "127.0.0.1:0"}, "--intake-rate"},
		{"bad database URL", []string{"users", "list", "--database-url", "mysql://db/psti"}, "must start with sqlite: or postgres://"},
		{"database URL naming a directory", []string{"tokens", "list", "--database-url", "sqlite:data/"}, "does not name an SQLite file"},
		// Input that the rules refuse is unusable too, and is refused
		// before the database is opened.
		{"users add not an address", []string{"users", "add", "notanemail"}, "E-mail address must be written like name@example.com"},
		{"users add empty address", []string{"users", "add", ""}, "E-mail address is required"},
		{"users add address with a name", []string{"users", "add", "Ada <ada@example.com>"}, "name@example.com"},
		{"tokens create --user not an address", []string{"tokens", "create", "--user", "ada", "--role", "viewer"}, "--user must be written like name@example.com"},
		{"bad log level", []string{"users", "list", "--log-level", "loud"}, "PSTI_LOG_LEVEL (--log-level)"},
		{"bad log format", []string{"check", "--log-format", "xml"}, "PSTI_LOG_FORMAT (--log-format)"},
		{"help on nothing", []string{"help", "frobnicate"}, `unknown help topic "frobnicate"`},
		{"restore from a file that is not there", []string{"restore", "--from", "no-such-backup.db"}, "cannot read the backup"},
		{"migrate-data bad URLs", []string{"migrate-data", "--from", "a.db", "--to", "b.db"}, "must start with sqlite: or postgres://"},
		{"unknown subcommand of passwords", []string{"passwords", "frobnicate"}, "frobnicate"},
		{"passwords audit without --input", []string{"passwords", "audit"}, "--input"},
		{"passwords audit input not there", []string{"passwords", "audit", "--input", "no-such-batch.csv"}, "cannot open the input"},
		{"passwords fingerprints without --out", []string{"passwords", "fingerprints", "--input", "x.csv"}, "--out"},
		{"passwords fingerprints input not there", []string{"passwords", "fingerprints", "--input", "no-such-batch.csv", "--out", "x.fp"}, "cannot open the input"},
		{"passwords generate without --serials", []string{"passwords", "generate"}, "--serials"},
		{"passwords verify-manifest without a file", []string{"passwords", "verify-manifest"}, "the manifest FILE (got 0"},
		{"passwords verify-manifest file not there", []string{"passwords", "verify-manifest", "no-such.json"}, "cannot read the manifest"},
		{"passwords manifest-key with an argument", []string{"passwords", "manifest-key", "x"}, "(got 1"},
		{"unknown subcommand of securitytxt", []string{"securitytxt", "frobnicate"}, "frobnicate"},
		{"securitytxt check without an address", []string{"securitytxt", "check"}, "(got 0"},
		{"securitytxt check impossible --now", []string{"securitytxt", "check", "--now", "2026-13-01", "x.txt"}, "--now"},
		{"serve bad base URL", []string{"serve", "--base-url", "ftp://x", "--addr", "127.0.0.1:0"}, "--base-url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := tc.args
			if !slices.Contains(args, "--database-url") {
				args = append(slices.Clone(args), "--database-url", "sqlite:"+filepath.Join(dir, "psti.db"))
			}
			r := cli(t, args...)
			wantExit(t, r, 2)
			wantContains(t, "stderr", r.stderr, tc.want)
			if r.stdout != "" {
				t.Fatalf("a usage error wrote to stdout:\n%v", r)
			}
			if names := dirNames(t, dir); len(names) != 0 {
				t.Fatalf("a usage error touched the database directory: %v", names)
			}
		})
	}
}

func TestUsersAdd(t *testing.T) {
	url := newDB(t)
	base := []string{"users", "add", "--database-url", url, "--base-url", "https://psti.example/"}

	r := cli(t, append(base, "--admin", "Ada@Example.com")...)
	wantExit(t, r, 0)
	if !setupLink.MatchString(r.stdout) {
		t.Fatalf("want exactly one line https://psti.example/setup/CODE on stdout:\n%v", r)
	}
	wantContains(t, "stderr", r.stderr, "ada@example.com", "admin", "valid until")
	code := setupLink.FindStringSubmatch(r.stdout)[1]

	// The link is real: it names the normalised address and the admin role.
	db := openDB(t, url)
	inv, err := fastAuth(db).Invitation(context.Background(), code)
	if err != nil {
		db.Close()
		t.Fatalf("the printed setup code is not a valid invitation: %v", err)
	}
	if inv.Email != "ada@example.com" || inv.Role != auth.Admin {
		db.Close()
		t.Fatalf("invitation is for %q as %q, want ada@example.com as admin", inv.Email, inv.Role)
	}
	db.Close()

	// --admin with --role admin agrees with itself; a plain --role works too.
	r = cli(t, append(base, "--admin", "--role", "admin", "bob@example.com")...)
	wantExit(t, r, 0)
	r = cli(t, append(base, "--role", "viewer", "carol@example.com")...)
	wantExit(t, r, 0)
	wantContains(t, "stderr", r.stderr, "carol@example.com (viewer)")

	for _, bad := range []string{"not-an-email", "ada@localhost", "Ada <ada@example.com>"} {
		before := counts(t, url)
		r := cli(t, append(base, bad)...)
		wantExit(t, r, 2)
		wantContains(t, "stderr for "+bad, r.stderr, "e-mail address")
		if r.stdout != "" {
			t.Fatalf("a rejected address printed a link:\n%v", r)
		}
		if after := counts(t, url); !reflect.DeepEqual(before, after) {
			t.Fatalf("a rejected address changed the database:\n%v\n%v", before, after)
		}
	}
}

func TestUsersAddWithoutBaseURLUsesTheAddress(t *testing.T) {
	t.Setenv("PSTI_BASE_URL", "")
	t.Setenv("PSTI_ADDR", "0.0.0.0:9090")
	r := cli(t, "users", "add", "--database-url", newDB(t), "dora@example.com")
	wantExit(t, r, 0)
	if !regexp.MustCompile(`^http://localhost:9090/setup/[A-Za-z0-9_-]{43}\n$`).MatchString(r.stdout) {
		t.Fatalf("want a link on http://localhost:9090:\n%v", r)
	}
}

func TestUsersList(t *testing.T) {
	url := newDB(t)
	r := cli(t, "users", "list", "--database-url", url)
	wantExit(t, r, 0)
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "ID ") {
		t.Fatalf("an empty installation should list only the header:\n%v", r)
	}

	addUser(t, url, "ada@example.com", "--admin")
	addUser(t, url, "bob@example.com", "--role", "viewer")
	// A pending invitation is not a user yet.
	wantExit(t, cli(t, "users", "add", "--database-url", url, "pending@example.com"), 0)

	r = cli(t, "users", "list", "--database-url", url)
	wantExit(t, r, 0)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and two users:\n%v", r)
	}
	for _, h := range []string{"ID", "E-MAIL", "ROLE", "STATUS", "NAME"} {
		wantContains(t, "header", lines[0], h)
	}
	want := [][]string{
		{"1", "ada@example.com", "admin", "active", "Test", "ada@example.com"},
		{"2", "bob@example.com", "viewer", "active", "Test", "bob@example.com"},
	}
	for i, w := range want {
		if got := strings.Fields(lines[i+1]); !slices.Equal(got, w) {
			t.Fatalf("line %d = %q, want fields %q", i+1, lines[i+1], w)
		}
	}
	if strings.Contains(r.stdout, "pending@") {
		t.Fatalf("an unused invitation is listed as a user:\n%v", r)
	}

	// A link for an existing address is a password reset, and says so.
	r = cli(t, "users", "add", "--database-url", url, "--base-url", "https://psti.example", "--role", "editor", "BOB@example.com")
	wantExit(t, r, 0)
	wantContains(t, "stderr", r.stderr, "bob@example.com already has an account (viewer)", "new password")
}

func TestTokens(t *testing.T) {
	url := newDB(t)
	addUser(t, url, "ada@example.com", "--admin")
	addUser(t, url, "vic@example.com", "--role", "viewer")
	db := func(args ...string) []string { return append(args, "--database-url", url) }

	r := cli(t, db("tokens", "create", "--user", "Ada@Example.com", "--role", "editor", "--name", "factory line 3")...)
	wantExit(t, r, 0)
	if strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("want exactly one line on stdout:\n%v", r)
	}
	secret := strings.TrimSuffix(r.stdout, "\n")
	if got, ok := auth.ParseBearer("Bearer " + secret); !ok || got != secret {
		t.Fatalf("the printed token %q is not a bearer token", secret)
	}
	if strings.Contains(r.stderr, secret) {
		t.Fatalf("the token was printed on stderr too:\n%v", r)
	}
	wantContains(t, "stderr", r.stderr, `"factory line 3"`, "ada@example.com as editor", "cannot be shown again")
	id := regexp.MustCompile(`^Token (\d+) `).FindStringSubmatch(r.stderr)
	if id == nil {
		t.Fatalf("stderr does not give the token id:\n%v", r)
	}

	// The token works, as editor, for ada.
	authenticate := func() (*auth.Principal, error) {
		d := openDB(t, url)
		defer d.Close()
		return fastAuth(d).Authenticate(context.Background(), "Bearer "+secret)
	}
	p, err := authenticate()
	if err != nil {
		t.Fatalf("the new token does not authenticate: %v", err)
	}
	if p.Role != auth.Editor || p.User.Email != "ada@example.com" || strconv.FormatInt(p.Token.ID, 10) != id[1] {
		t.Fatalf("token acts as %s for %s (id %d), want editor for ada@example.com (id %s)", p.Role, p.User.Email, p.Token.ID, id[1])
	}

	// A second token with an expiry date and the default name.
	r = cli(t, db("tokens", "create", "--user", "vic@example.com", "--role", "viewer", "--expires", "2099-12-31")...)
	wantExit(t, r, 0)
	second := strings.TrimSpace(r.stdout)
	if _, ok := auth.ParseBearer("Bearer " + second); !ok || second == secret {
		t.Fatalf("second token %q", second)
	}

	// Refusals: a value the rules reject is unusable input (exit 2); a
	// user that is not there is a failure (exit 1). Nothing is created.
	for _, tc := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"unknown user", []string{"--user", "nobody@example.com", "--role", "viewer"}, "nobody@example.com", 1},
		{"role above the owner's", []string{"--user", "vic@example.com", "--role", "editor"}, "higher role", 2},
		{"expiry in the past", []string{"--user", "ada@example.com", "--role", "viewer", "--expires", "2020-01-01"}, "future", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := counts(t, url)
			r := cli(t, db(append([]string{"tokens", "create"}, tc.args...)...)...)
			wantExit(t, r, tc.code)
			wantContains(t, "stderr", r.stderr, tc.want)
			if r.stdout != "" {
				t.Fatalf("a failed create printed something on stdout:\n%v", r)
			}
			if after := counts(t, url); after["api_tokens"] != before["api_tokens"] {
				t.Fatalf("a failed create made a token: %d -> %d", before["api_tokens"], after["api_tokens"])
			}
		})
	}

	list := func() string {
		t.Helper()
		r := cli(t, db("tokens", "list")...)
		wantExit(t, r, 0)
		if strings.Contains(r.stdout+r.stderr, secret) || strings.Contains(r.stdout+r.stderr, second) {
			t.Fatalf("tokens list shows a secret:\n%v", r)
		}
		return r.stdout
	}
	rowOf := func(out, hint string) string {
		t.Helper()
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, hint+"…") {
				return l
			}
		}
		t.Fatalf("no row shows the hint %q…:\n%s", hint, out)
		return ""
	}
	hint, hint2 := secret[:len(auth.TokenPrefix)+6], second[:len(auth.TokenPrefix)+6]
	out := list()
	if n := len(strings.Split(strings.TrimSpace(out), "\n")); n != 3 {
		t.Fatalf("want a header and two tokens:\n%s", out)
	}
	row := rowOf(out, hint)
	if f := strings.Fields(row); f[0] != id[1] || f[2] != "ada@example.com" || f[3] != "editor" || f[4] != "active" || !strings.HasSuffix(row, "factory line 3") {
		t.Fatalf("token row %q", row)
	}
	row2 := rowOf(out, hint2)
	wantContains(t, "second token row", row2, "vic@example.com", "viewer", "active", "command line, ")

	r = cli(t, db("tokens", "revoke", id[1])...)
	wantExit(t, r, 0)
	wantContains(t, "stderr", r.stderr, "Token "+id[1]+" is revoked")
	out = list()
	if f := strings.Fields(rowOf(out, hint)); f[4] != "revoked" {
		t.Fatalf("after revoke the token is %q:\n%s", f[4], out)
	}
	if f := strings.Fields(rowOf(out, hint2)); f[4] != "active" {
		t.Fatalf("revoking one token changed another:\n%s", out)
	}
	if _, err := authenticate(); psti.ErrorCode(err) != psti.EUNAUTHORIZED {
		t.Fatalf("a revoked token still authenticates: %v", err)
	}

	// Revoking again is fine; revoking a token that does not exist is not.
	wantExit(t, cli(t, db("tokens", "revoke", id[1])...), 0)
	r = cli(t, db("tokens", "revoke", "999")...)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "999")
}

func TestBackup(t *testing.T) {
	src, _ := seeded(t)
	// The server may run while a backup is made: keep the database open.
	live := openDB(t, src)
	defer live.Close()
	want, err := live.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want["products"] != 1 || want["audit_log"] == 0 {
		t.Fatalf("seed counts %v", want)
	}

	out := filepath.Join(t.TempDir(), "backups", "psti-backup.db")
	r := cli(t, "backup", "--out", out, "--database-url", src)
	wantExit(t, r, 0)
	wantContains(t, "stderr", r.stderr, "Backup written to "+out, fmt.Sprintf("(%d rows)", want.Total()), "products")
	got, err := store.CheckBackup(context.Background(), out)
	if err != nil {
		t.Fatalf("the backup does not check out: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("backup counts differ from the source:\n got %v\nwant %v", got, want)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(out + suffix); err == nil {
			t.Fatalf("the backup left %s beside it", out+suffix)
		}
	}

	// A second backup to the same name is refused and leaves it alone; so is
	// any other file in the way.
	sum := fileSum(t, out)
	r = cli(t, "backup", "--out", out, "--database-url", src)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "already exists")
	if fileSum(t, out) != sum {
		t.Fatal("a refused backup changed the existing file")
	}
	other := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(other, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = cli(t, "backup", "--out", other, "--database-url", src)
	wantExit(t, r, 1)
	if b, _ := os.ReadFile(other); string(b) != "precious\n" {
		t.Fatalf("a refused backup overwrote %s: %q", other, b)
	}
}

func TestBackupRefusesPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	openDB(t, url).Close() // set up, as psti serve does
	out := filepath.Join(t.TempDir(), "psti.db")
	r := cli(t, "backup", "--out", out, "--database-url", url)
	if r.code == 0 {
		t.Fatalf("backup of PostgreSQL succeeded:\n%v", r)
	}
	wantContains(t, "stderr", r.stderr, "pg_dump")
	if _, err := os.Stat(out); err == nil {
		t.Fatal("backup of PostgreSQL wrote a file")
	}
}

// backupOf makes a backup of url with the command line and returns its path.
func backupOf(t *testing.T, url string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "backup.db")
	wantExit(t, cli(t, "backup", "--out", out, "--database-url", url), 0)
	return out
}

func TestRestoreIntoNewDatabase(t *testing.T) {
	src, seed := seeded(t)
	bak := backupOf(t, src)
	want := counts(t, src)

	target := "sqlite:" + filepath.Join(t.TempDir(), "new", "psti.db")
	r := cli(t, "restore", "--from", bak, "--database-url", target)
	wantExit(t, r, 0)
	wantContains(t, "stderr", r.stderr, "Restored "+bak, fmt.Sprintf("(%d rows)", want.Total()))
	if strings.Contains(r.stderr, "kept as") {
		t.Fatalf("nothing was in place, yet restore says it kept something:\n%v", r)
	}

	db := openDB(t, target)
	defer db.Close()
	p, err := db.Product(context.Background(), seed.Product.ID)
	if err != nil {
		t.Fatalf("the restored database lacks the seeded product: %v", err)
	}
	if p.Name != seed.Product.Name || p.ModelNumber != seed.Product.ModelNumber || len(p.Identifiers) != 2 {
		t.Fatalf("restored product %+v, want %+v", p, seed.Product)
	}
	got, err := db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("restored counts differ:\n got %v\nwant %v", got, want)
	}
}

func TestRestoreRefusedWhileOpen(t *testing.T) {
	src, _ := seeded(t)
	bak := backupOf(t, src)

	// The target holds different data and is open, as under a running server.
	target := storetest.SQLite.URL(t)
	path := sqlitePath(t, target)
	live := openDB(t, target)
	defer live.Close()
	m := &product.Manufacturer{Name: "Only In Target Ltd", Address: "2 Low Road"}
	if err := live.CreateManufacturer(context.Background(), psti.System("test"), m); err != nil {
		t.Fatal(err)
	}
	sum := fileSum(t, path)
	names := dirNames(t, filepath.Dir(path))

	r := cli(t, "restore", "--from", bak, "--database-url", target)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "stop the server")
	if fileSum(t, path) != sum {
		t.Fatal("a refused restore changed the database file")
	}
	if got := dirNames(t, filepath.Dir(path)); !slices.Equal(got, names) {
		t.Fatalf("a refused restore changed the directory: %v -> %v", names, got)
	}
	if got, err := live.Manufacturer(context.Background(), m.ID); err != nil || got.Name != m.Name {
		t.Fatalf("the open database lost its data: %v %v", got, err)
	}

	// Once it is closed, the same restore goes through.
	live.Close()
	wantExit(t, cli(t, "restore", "--from", bak, "--database-url", target), 0)
}

func TestRestoreMovesTheOldDatabaseAside(t *testing.T) {
	src, _ := seeded(t)
	bak := backupOf(t, src)
	want := counts(t, src)

	target := storetest.SQLite.URL(t)
	path := sqlitePath(t, target)
	old := openDB(t, target)
	if err := old.CreateManufacturer(context.Background(), psti.System("test"), &product.Manufacturer{Name: "Old Maker", Address: "3 Old Lane"}); err != nil {
		old.Close()
		t.Fatal(err)
	}
	oldCounts, err := old.Counts(context.Background())
	old.Close()
	if err != nil {
		t.Fatal(err)
	}

	r := cli(t, "restore", "--from", bak, "--database-url", target)
	wantExit(t, r, 0)
	asides, err := filepath.Glob(path + ".before-restore-*")
	if err != nil {
		t.Fatal(err)
	}
	var main []string
	for _, a := range asides {
		if !strings.HasSuffix(a, "-wal") && !strings.HasSuffix(a, "-shm") {
			main = append(main, a)
		}
	}
	if len(main) != 1 {
		t.Fatalf("want one %s.before-restore-* file, found %v", filepath.Base(path), asides)
	}
	wantContains(t, "stderr", r.stderr, "kept as "+main[0])

	// The old database is whole beside the restored one.
	kept, err := store.CheckBackup(context.Background(), main[0])
	if err != nil {
		t.Fatalf("the database moved aside does not check out: %v", err)
	}
	if !reflect.DeepEqual(kept, oldCounts) {
		t.Fatalf("the database moved aside holds %v, it held %v", kept, oldCounts)
	}
	if got := counts(t, target); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored counts %v, want %v", got, want)
	}
	if _, err := os.Stat(path + ".restoring"); err == nil {
		t.Fatal("restore left its temporary file behind")
	}
}

func TestRestoreRejectsWhatIsNotABackup(t *testing.T) {
	target, _ := seeded(t)
	path := sqlitePath(t, target)
	dir := filepath.Dir(path)

	garbage := filepath.Join(t.TempDir(), "garbage.db")
	if err := os.WriteFile(garbage, bytes.Repeat([]byte("this is not a database\n"), 300), 0o600); err != nil {
		t.Fatal(err)
	}
	// A real SQLite file, but not psti's.
	foreign := filepath.Join(t.TempDir(), "foreign.db")
	if err := os.WriteFile(foreign, nil, 0o600); err != nil { // an empty file is a valid, empty SQLite database
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, from, want string
		code             int
	}{
		{"garbage", garbage, "not an SQLite database", 1},
		{"empty SQLite file", foreign, "not a psti database", 1},
		{"missing file", filepath.Join(t.TempDir(), "nope.db"), "nope.db", 2}, // a file that is not there is unusable input
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum := fileSum(t, path)
			names := dirNames(t, dir)
			var fromSum [32]byte
			if _, err := os.Stat(tc.from); err == nil {
				fromSum = fileSum(t, tc.from)
			}
			r := cli(t, "restore", "--from", tc.from, "--database-url", target)
			wantExit(t, r, tc.code)
			wantContains(t, "stderr", r.stderr, tc.want)
			if fileSum(t, path) != sum {
				t.Fatal("a rejected restore changed the database")
			}
			if got := dirNames(t, dir); !slices.Equal(got, names) {
				t.Fatalf("a rejected restore changed the directory: %v -> %v", names, got)
			}
			if _, err := os.Stat(tc.from); err == nil && fileSum(t, tc.from) != fromSum {
				t.Fatal("a rejected restore changed the file it was given")
			}
		})
	}
}

func TestRestoreRefusesPostgres(t *testing.T) {
	src, _ := seeded(t)
	bak := backupOf(t, src)
	// Refused before any connection is attempted, so no server is needed.
	r := cli(t, "restore", "--from", bak, "--database-url", "postgres://nobody@127.0.0.1:1/none")
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "pg_restore")
}

// richSource is a seeded SQLite database that also has users, an
// invitation, tokens (one revoked), a session, and so rows in every table.
// It returns the secret of the token that is still active.
func richSource(t *testing.T) (string, *storetest.Seed, string) {
	t.Helper()
	url, seed := seeded(t)
	addUser(t, url, "ada@example.com", "--admin")
	wantExit(t, cli(t, "users", "add", "--database-url", url, "pending@example.com"), 0)
	wantExit(t, cli(t, "tokens", "create", "--database-url", url, "--user", "ada@example.com", "--role", "viewer"), 0)
	r := cli(t, "tokens", "create", "--database-url", url, "--user", "ada@example.com", "--role", "admin", "--expires", "2099-01-01")
	wantExit(t, r, 0)
	secret := strings.TrimSpace(r.stdout)
	wantExit(t, cli(t, "tokens", "revoke", "--database-url", url, "1"), 0)
	db := openDB(t, url)
	defer db.Close()
	ctx := context.Background()
	if err := db.CreateVersion(ctx, psti.System("test"), &product.Version{ProductID: seed.Product.ID, Component: "firmware", Version: "2.4.1", ReleasedOn: "2026-02-27"}); err != nil {
		t.Fatal(err)
	}
	batch := &product.Batch{ProductID: seed.Product.ID, Code: "B-1", Quantity: 10}
	if err := db.CreateBatch(ctx, psti.System("test"), batch); err != nil {
		t.Fatal(err)
	}
	run := &passwords.Run{BatchID: batch.ID, FileName: "b.csv", FileBytes: 10, CreatedBy: "test"}
	if err := db.CreateRun(ctx, psti.System("test"), run); err != nil {
		t.Fatal(err)
	}
	run.State = passwords.RunRunning
	if err := db.UpdateRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveFingerprints(ctx, run.ID, bytes.NewReader([]byte("fingerprints"))); err != nil {
		t.Fatal(err)
	}
	// DP-12 flagged its one row for review only, and an editor accepted it.
	found := &passwords.Report{Verdict: "fail", Rows: 1, Audited: 1, Flagged: 1}
	for _, rl := range passwords.Rules {
		rr := passwords.RuleResult{Rule: rl, Status: "passed", Examples: []passwords.Example{}}
		if rl.ID == "DP-12" {
			rr.Status, rr.Count, rr.Warnings = "flagged", 1, 1
		}
		found.Rules = append(found.Rules, rr)
	}
	run.State, run.Verdict, run.Report = passwords.RunDone, found.Verdict, found
	if err := db.FinishRun(ctx, psti.System("test"), run); err != nil {
		t.Fatal(err)
	}
	if err := db.AddReview(ctx, psti.System("test"), &passwords.Review{RunID: run.ID, Rule: "DP-12", Decision: passwords.Accepted,
		Reason: "The one row is a Bluetooth pairing PIN, excluded by para 1(4)."}); err != nil {
		t.Fatal(err)
	}
	if err := db.CommitSession(ctx, auth.Hash("session"), auth.Session{Data: []byte(`{"u":1}`), Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.EnqueueMail(ctx, mail.Message{To: "reporter@example.com", Subject: "Report received", Text: "Thank you.\n", Kind: "report-ack", Ref: "report:1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.InstallationKey(ctx, "fingerprints", 32); err != nil {
		t.Fatal(err)
	}
	// The transparency log's key, then a report with a file, resolved,
	// with its advisory, under a policy: each logged and signed.
	if err := db.OpenLog(ctx, store.LogOptions{Secret: []byte("the log key secret of the test"), Origin: "psti.test/log"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SavePolicy(ctx, psti.System("test"), disclosure.DefaultPolicy(seed.Org.ID)); err != nil {
		t.Fatal(err)
	}
	reports := &disclosure.Service{Store: db, Register: db, Clock: psti.SystemClock{}, BaseURL: "http://psti.test"}
	rep, _, err := reports.Submit(ctx, disclosure.Submission{Summary: "Open port", Details: "Telnet is open.", ProductID: seed.Product.ID,
		FormToken:   disclosure.NewFormToken(time.Now()),
		Attachments: []disclosure.Attachment{{Name: "scan.txt", ContentType: "text/plain", Size: 11, Content: strings.NewReader("23/tcp open"), SHA256: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reports.Act(ctx, psti.System("test"), rep.ID, disclosure.Action{Kind: "close", Status: disclosure.StatusResolved}); err != nil {
		t.Fatal(err)
	}
	if _, err := reports.Publish(ctx, db, psti.System("test"), rep.ID, disclosure.AdvisoryDraft{Title: "Telnet open", Summary: "Telnet was open.", Remedy: "Update.",
		CVSS: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}); err != nil {
		t.Fatal(err)
	}
	// A key to sign statements, and an issued statement of compliance,
	// with its renderings.
	if signer, err := statement.SelfSigned("Acme statements", "Acme Devices Ltd", time.Now(), 365*24*time.Hour, nil); err != nil {
		t.Fatal(err)
	} else if _, err := db.AddStatementKey(ctx, psti.System("test"), signer, ""); err != nil {
		t.Fatal(err)
	}
	soc := &statement.Record{ProductID: seed.Product.ID, Content: storetest.StatementContent()}
	if err := db.CreateStatement(ctx, psti.System("test"), soc); err != nil {
		t.Fatal(err)
	}
	if _, err := db.IssueStatement(ctx, psti.System("test"), soc.ID, storetest.Renderings("v1")); err != nil {
		t.Fatal(err)
	}
	// And a draft of the next one.
	if err := reports.SaveDraft(ctx, db, psti.System("test"), rep.ID, disclosure.AdvisoryDraft{Title: "Telnet open", Change: "Clearer remedy."}); err != nil {
		t.Fatal(err)
	}
	// A scope decision.
	decider := &scope.Service{Store: db, Clock: psti.SystemClock{}}
	if _, err := decider.Record(ctx, psti.System("test"), seed.Product.ID, catalog.Values{"ip_internet": true, "uk_consumers": true, "condition": "new", "category": "other", "northern_ireland_windsor": false}); err != nil {
		t.Fatal(err)
	}
	// A support period, published and extended.
	period := &support.Period{ProductID: seed.Product.ID, EndDate: "2030-03-31", Notes: "Updates install themselves."}
	if err := db.CreatePeriod(ctx, psti.System("test"), period); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PublishPeriod(ctx, psti.System("test"), period.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExtendPeriod(ctx, psti.System("test"), period.ID, "2031-03-31", "Parts supply secured."); err != nil {
		t.Fatal(err)
	}
	// An assessment row, deemed met through a label, with a file kept.
	if err := db.SaveAssessmentRow(ctx, psti.System("test"), &assessment.Row{ProductID: seed.Product.ID, Requirement: "PSTI-PW-01", Route: assessment.RouteLabel,
		LabelScheme: "sg-cls", LabelID: "CSA/010125/0001", LabelExpires: "2028-01-01", Status: assessment.StatusMet}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddEvidence(ctx, psti.System("test"), &assessment.Evidence{ProductID: seed.Product.ID, Requirement: "PSTI-PW-01", Name: "label.pdf",
		MediaType: "application/pdf", Size: 5, SHA256: "x", Content: strings.NewReader("label")}); err != nil {
		t.Fatal(err)
	}
	storetest.FillCases(t, db, seed)
	return url, seed, secret
}

// checkMigrated runs migrate-data from src to dst and checks the copy.
func checkMigrated(t *testing.T, src, dst string, seed *storetest.Seed, secret string) {
	t.Helper()
	want := counts(t, src)
	for _, tbl := range store.Tables {
		if want[tbl] == 0 {
			t.Fatalf("the source has no %s rows: the copy of that table would go untested", tbl)
		}
	}

	r := cli(t, "migrate-data", "--from", src, "--to", dst)
	wantExit(t, r, 0)
	for _, tbl := range store.Tables {
		if !regexp.MustCompile(`(?m)^copied ` + tbl + ` +` + strconv.FormatInt(want[tbl], 10) + `$`).MatchString(r.stderr) {
			t.Fatalf("stderr does not report %d rows copied for %s:\n%s", want[tbl], tbl, r.stderr)
		}
	}
	wantContains(t, "stderr", r.stderr, fmt.Sprintf("Done: %d rows copied", want.Total()))

	ctx := context.Background()
	db := openDB(t, dst)
	got, err := db.Counts(ctx)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		db.Close()
		t.Fatalf("target counts differ from the source:\n got %v\nwant %v", got, want)
	}
	p, err := db.Product(ctx, seed.Product.ID)
	if err != nil || p.Name != seed.Product.Name || !p.CreatedAt.Equal(seed.Product.CreatedAt) {
		db.Close()
		t.Fatalf("copied product %+v (%v), want %+v", p, err, seed.Product)
	}
	// Ids go on from the copied ones.
	m := &product.Manufacturer{Name: "New After Copy Ltd", Address: "4 New Street"}
	if err := db.CreateManufacturer(ctx, psti.System("test"), m); err != nil {
		db.Close()
		t.Fatalf("adding a record after the copy: %v", err)
	}
	if m.ID <= seed.Makers[len(seed.Makers)-1].ID {
		db.Close()
		t.Fatalf("new id %d after the copy reuses a copied one", m.ID)
	}
	// The copied token still works (its hash survived the copy), as admin
	// with its expiry date.
	if p, err := fastAuth(db).Authenticate(ctx, "Bearer "+secret); err != nil || p.Role != auth.Admin || p.Token.ExpiresAt == nil ||
		!p.Token.ExpiresAt.Equal(time.Date(2099, 1, 2, 0, 0, 0, 0, time.UTC)) {
		db.Close()
		t.Fatalf("the copied token: %+v %v", p, err)
	}
	// The statement signing key opens in the copy with the secret it was
	// sealed under.
	if err := db.OpenLog(ctx, store.LogOptions{Secret: []byte("the log key secret of the test")}); err != nil {
		db.Close()
		t.Fatal(err)
	}
	if s, err := db.StatementSigner(ctx, time.Now()); err != nil || s.JSONKey == nil {
		db.Close()
		t.Fatalf("the copied statement signing key: %v", err)
	}
	after, err := db.Counts(ctx)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	// The target is no longer empty: a second copy is refused and changes nothing.
	r = cli(t, "migrate-data", "--from", src, "--to", dst)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "not empty")
	if again := counts(t, dst); !reflect.DeepEqual(again, after) {
		t.Fatalf("a refused copy changed the target:\n%v\n%v", after, again)
	}
}

func TestMigrateDataToPostgres(t *testing.T) {
	dst := storetest.PostgresURL(t)
	src, seed, secret := richSource(t)
	checkMigrated(t, src, dst, seed, secret)
}

func TestMigrateDataBackToSQLite(t *testing.T) {
	pg := storetest.PostgresURL(t)
	src, seed, _ := richSource(t)
	wantExit(t, cli(t, "migrate-data", "--from", src, "--to", pg), 0)
	back := storetest.SQLite.URL(t)
	r := cli(t, "migrate-data", "--from", pg, "--to", back)
	wantExit(t, r, 0)
	if got, want := counts(t, back), counts(t, src); !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip counts differ:\n got %v\nwant %v", got, want)
	}
	db := openDB(t, back)
	defer db.Close()
	if p, err := db.Product(context.Background(), seed.Product.ID); err != nil || p.Name != seed.Product.Name {
		t.Fatalf("product after the round trip: %+v %v", p, err)
	}
}

func TestMigrateDataSQLiteToSQLite(t *testing.T) {
	src, seed, secret := richSource(t)
	checkMigrated(t, src, storetest.SQLite.URL(t), seed, secret)
}

func TestMigrateDataUsage(t *testing.T) {
	src, _ := seeded(t)
	for _, tc := range []struct {
		name     string
		from, to string
		want     string
	}{
		{"same database", src, src, "same database"},
		{"malformed target", src, "postgres://%zz", "not valid"},
		{"unknown scheme", "mysql://db/psti", src, "must start with sqlite: or postgres://"},
		{"empty sqlite path", src, "sqlite:", "does not name an SQLite file"},
		{"sqlite URL with a query", "sqlite:x.db?mode=ro", src, "does not name an SQLite file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := counts(t, src)
			r := cli(t, "migrate-data", "--from", tc.from, "--to", tc.to)
			wantExit(t, r, 2)
			wantContains(t, "stderr", r.stderr, tc.want)
			if after := counts(t, src); !reflect.DeepEqual(before, after) {
				t.Fatalf("a usage error changed the source:\n%v\n%v", before, after)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://psti:s3cret@db.internal/psti": "postgres://psti:xxxxx@db.internal/psti",
		"postgres://psti@db.internal/psti":        "postgres://psti@db.internal/psti",
		"sqlite:psti-data/psti.db":                "sqlite:psti-data/psti.db",
	} {
		if got := store.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestServeRefusesBadSettings: a setting psti serve cannot use stops it
// before anything is written (no database, no setup link), with exit 2 and
// the setting's name; several bad ones are named together.
func TestServeRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"base URL", map[string]string{"PSTI_BASE_URL": "psti.example.com"}, []string{"PSTI_BASE_URL", "https://"}},
		{"base URL with a query", map[string]string{"PSTI_BASE_URL": "https://psti.example.com/?x=1"}, []string{"PSTI_BASE_URL"}},
		{"SMTP URL", map[string]string{"PSTI_SMTP_URL": "mail.example.com:25"}, []string{"PSTI_SMTP_URL"}},
		{"SMTP URL without a sender", map[string]string{"PSTI_SMTP_URL": "smtp://mail.example.com"}, []string{"PSTI_SMTP_URL", "from="}},
		{"SMTP sender without a relay", map[string]string{"PSTI_SMTP_FROM": "psti@example.com"}, []string{"PSTI_SMTP_FROM"}},
		{"intake rate", map[string]string{"PSTI_INTAKE_RATE": "abc"}, []string{"PSTI_INTAKE_RATE", `"abc"`}},
		{"negative intake rate", map[string]string{"PSTI_INTAKE_RATE": "-5"}, []string{"PSTI_INTAKE_RATE"}},
		{"listening address", map[string]string{"PSTI_ADDR": "localhost"}, []string{"PSTI_ADDR", "host:port"}},
		{"port", map[string]string{"PSTI_ADDR": "127.0.0.1:http-alt"}, []string{"PSTI_ADDR", "port"}},
		{"missing work folder", map[string]string{"PSTI_WORK_DIR": "/nonexistent/psti-work"}, []string{"PSTI_WORK_DIR", "does not exist"}},
		{"work folder is a file", map[string]string{"PSTI_WORK_DIR": "/etc/hostname"}, []string{"PSTI_WORK_DIR", "not a folder"}},
		{"proxies", map[string]string{"PSTI_TRUSTED_PROXIES": "proxy.local"}, []string{"PSTI_TRUSTED_PROXIES"}},
		{"log format", map[string]string{"PSTI_LOG_FORMAT": "xml"}, []string{"log-format"}},
		{"attachment ceiling", map[string]string{"PSTI_ATTACHMENTS_TOTAL": "lots"}, []string{"PSTI_ATTACHMENTS_TOTAL", "4GiB"}},
		{"attachments per address", map[string]string{"PSTI_ATTACHMENTS_PER_ADDRESS": "-1MiB"}, []string{"PSTI_ATTACHMENTS_PER_ADDRESS"}},
		{"HSTS", map[string]string{"PSTI_HSTS_MAX_AGE": "a year"}, []string{"PSTI_HSTS_MAX_AGE"}},
		{"support reminders", map[string]string{"PSTI_SUPPORT_REMINDER_DAYS": "0"}, []string{"PSTI_SUPPORT_REMINDER_DAYS", "1 or more"}},
		{"memory limit", map[string]string{"PSTI_MEMORY_LIMIT": "plenty"}, []string{"PSTI_MEMORY_LIMIT"}},
		{"audit rows", map[string]string{"PSTI_AUDIT_MAX_ROWS": "0"}, []string{"PSTI_AUDIT_MAX_ROWS", "1 or more"}},
		{"audit expanded size", map[string]string{"PSTI_AUDIT_MAX_EXPANDED": "huge"}, []string{"PSTI_AUDIT_MAX_EXPANDED"}},
		{"three at once", map[string]string{"PSTI_BASE_URL": "ftp://x", "PSTI_INTAKE_RATE": "ten", "PSTI_SMTP_URL": "smtp://"},
			[]string{"3 settings", "PSTI_BASE_URL", "PSTI_INTAKE_RATE", "PSTI_SMTP_URL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"PSTI_BASE_URL", "PSTI_SMTP_URL", "PSTI_SMTP_FROM", "PSTI_INTAKE_RATE", "PSTI_ADDR", "PSTI_WORK_DIR", "PSTI_TRUSTED_PROXIES", "PSTI_LOG_FORMAT",
				"PSTI_ATTACHMENTS_TOTAL", "PSTI_ATTACHMENTS_PER_ADDRESS", "PSTI_HSTS_MAX_AGE", "PSTI_MEMORY_LIMIT", "PSTI_AUDIT_MAX_ROWS", "PSTI_AUDIT_MAX_EXPANDED", "PSTI_SUPPORT_REMINDER_DAYS"} {
				t.Setenv(k, "")
			}
			t.Setenv("PSTI_ADDR", "127.0.0.1:0")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			r := cli(t, "serve", "--database-url", "sqlite:"+filepath.Join(dir, "data", "psti.db"))
			wantExit(t, r, 2)
			wantContains(t, "stderr", r.stderr, tc.want...)
			if strings.Contains(r.stderr, "/setup/") || r.stdout != "" {
				t.Fatalf("a refused start printed a setup link or output:\n%v", r)
			}
			if names := dirNames(t, dir); len(names) != 0 {
				t.Fatalf("a refused start wrote to the data folder: %v", names)
			}
		})
	}
}
