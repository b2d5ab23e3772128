package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const securityTxtValid = `# Example Ltd
Contact: mailto:security@example.com
Contact: https://example.com/security/report
Expires: 2027-06-30T00:00:00Z
Policy: https://example.com/security
Preferred-Languages: en, cy
`

// wantSecurityTxtExit fails the test unless r exited with code. Exit 2
// explains itself on stderr; exit 0 and 1 report on stdout only.
func wantSecurityTxtExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got:\n%v", code, r)
	}
	if code == 2 && !strings.HasPrefix(r.stderr, "psti: ") {
		t.Fatalf("exit 2 without a \"psti: \" message on stderr:\n%v", r)
	}
	if code != 2 && r.stderr != "" {
		t.Fatalf("exit %d with a message on stderr:\n%v", code, r)
	}
}

func TestSecurityTxtCheckFiles(t *testing.T) {
	dir := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	valid := file("valid.txt", securityTxtValid)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{name: "valid", args: []string{valid}, code: 0, stdout: []string{
			"Checked " + valid + " as of 29 November 2026.", "Valid: no problems found", "It expires on 30 June 2027, 01:00 BST (in 213 days)",
		}},
		{name: "valid, with warnings", args: []string{file("far.txt", strings.Replace(securityTxtValid, "2027-06-30", "2029-01-01", 1))}, code: 0, stdout: []string{
			"4: warning: Expires is more than a year ahead (2029-01-01)", "Valid, with 1 warning",
		}},
		{name: "expired", args: []string{"--now", "2027-07-01", valid}, code: 1, stdout: []string{
			"as of 1 July 2027", "\n4: error: Expires is in the past (2027-06-30): renew the file", "Not valid: 1 error and 0 warnings",
		}},
		{name: "no Contact, http policy", args: []string{file("bad.txt", "Expires: 2027-06-30T00:00:00Z\nPolicy: http://example.com/security\n")}, code: 1, stdout: []string{
			"\nfile: error: There is no Contact field", "\n2: error: Policy \"http://example.com/security\" must start with https://", "Not valid: 2 errors",
		}},
		{name: "signed", args: []string{file("signed.txt", "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"+securityTxtValid+
			"Canonical: https://example.com/.well-known/security.txt\n-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n")}, code: 0, stdout: []string{
			"signed with OpenPGP; the signature is not verified", "Valid: no problems found",
		}},
		{name: "larger than 64 KiB", args: []string{file("big.txt", securityTxtValid+strings.Repeat("# padding\n", 7000))}, code: 1, stdout: []string{
			"file: error: The file is larger than 64 KiB",
		}},
		{name: "no such file", args: []string{filepath.Join(dir, "missing.txt")}, code: 2, stderr: "cannot read the file"},
		{name: "a site without https://", args: []string{"example.com"}, code: 2, stderr: "write https://example.com"},
		{name: "a directory", args: []string{dir}, code: 2, stderr: "is a directory"},
		{name: "not a web address", args: []string{"https://"}, code: 2, stderr: "not a web address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"securitytxt", "check", "--now", "2026-11-29"}, tt.args...)
			r := cli(t, args...)
			wantSecurityTxtExit(t, r, tt.code)
			wantContains(t, "stdout", r.stdout, tt.stdout...)
			wantContains(t, "stderr", r.stderr, tt.stderr)
		})
	}
}

func TestSecurityTxtCheckStdin(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		w.WriteString(securityTxtValid)
		w.Close()
	}()
	saved := os.Stdin
	os.Stdin = r
	t.Cleanup(func() { os.Stdin = saved; r.Close() })
	res := cli(t, "securitytxt", "check", "--now", "2026-11-29", "-")
	wantSecurityTxtExit(t, res, 0)
	wantContains(t, "stdout", res.stdout, "Checked standard input", "Valid: no problems found")
}

func TestSecurityTxtCheckUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no argument", []string{"securitytxt", "check"}, "needs a web address or a file (- for standard input) (got 0"},
		{"two arguments", []string{"securitytxt", "check", "a.txt", "b.txt"}, "(got 2"},
		{"bad --now", []string{"securitytxt", "check", "--now", "29/11/2026", "a.txt"}, `--now must be a date written YYYY-MM-DD, not "29/11/2026"`},
		{"impossible --now", []string{"securitytxt", "check", "--now", "2026-02-30", "a.txt"}, "--now"},
		{"unknown subcommand", []string{"securitytxt", "frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"securitytxt", "check", "--frobnicate", "a.txt"}, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := cli(t, tt.args...)
			wantExit(t, r, 2)
			wantContains(t, "stderr", r.stderr, tt.want)
		})
	}
}

func TestSecurityTxtCheckHelp(t *testing.T) {
	r := cli(t, "securitytxt", "check", "--help")
	wantExit(t, r, 0)
	wantContains(t, "help", r.stdout, "RFC 9116", "/.well-known/security.txt", "Contact", "Expires", "https://",
		"Contact: mailto:security@example.com\n  Expires: 2027-11-29T00:00:00Z", "--now", "Exit status: 0 no errors", "psti securitytxt check https://example.com")
	r = cli(t, "--help")
	wantExit(t, r, 0)
	wantContains(t, "help", r.stdout, "securitytxt")
}

// useSecurityTxtClient makes the command fetch with client for the rest of
// the test. Tests that call it must not run in parallel.
func useSecurityTxtClient(t *testing.T, client *http.Client, timeout time.Duration) {
	savedClient, savedTimeout := securityTxtClient, securityTxtTimeout
	securityTxtClient, securityTxtTimeout = client, timeout
	t.Cleanup(func() { securityTxtClient, securityTxtTimeout = savedClient, savedTimeout })
}

func TestSecurityTxtCheckURL(t *testing.T) {
	var srv *httptest.Server
	mux := http.NewServeMux()
	serve := func(w http.ResponseWriter, contentType, body string) {
		w.Header().Set("Content-Type", contentType)
		fmt.Fprint(w, body)
	}
	const plain = "text/plain; charset=utf-8"
	mux.HandleFunc("GET /.well-known/security.txt", func(w http.ResponseWriter, r *http.Request) {
		serve(w, plain, securityTxtValid+"Canonical: "+srv.URL+"/.well-known/security.txt\n")
	})
	mux.HandleFunc("GET /r/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		next := "/.well-known/security.txt"
		if n > 0 {
			next = "/r/" + strconv.Itoa(n-1)
		}
		http.Redirect(w, r, next, http.StatusFound)
	})
	mux.HandleFunc("GET /elsewhere.txt", func(w http.ResponseWriter, r *http.Request) {
		serve(w, "text/plain", securityTxtValid+"Canonical: "+srv.URL+"/.well-known/security.txt\n")
	})
	mux.HandleFunc("GET /expired.txt", func(w http.ResponseWriter, r *http.Request) {
		serve(w, plain, strings.Replace(securityTxtValid, "2027-06-30", "2026-01-31", 1))
	})
	mux.HandleFunc("GET /big.txt", func(w http.ResponseWriter, r *http.Request) {
		serve(w, plain, securityTxtValid+strings.Repeat("# padding padding padding\n", 3000))
	})
	mux.HandleFunc("GET /page.html", func(w http.ResponseWriter, r *http.Request) {
		serve(w, "text/html; charset=utf-8", "<!doctype html>\n<html><body>Not found</body></html>\n")
	})
	mux.HandleFunc("GET /slow.txt", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	srv = httptest.NewTLSServer(mux)
	defer srv.Close()
	useSecurityTxtClient(t, srv.Client(), 300*time.Millisecond)
	wellKnown := srv.URL + "/.well-known/security.txt"

	tests := []struct {
		name   string
		url    string
		code   int
		stdout []string
		stderr string
	}{
		{name: "site root", url: srv.URL, code: 0, stdout: []string{"Checked " + wellKnown + " as of 29 November 2026.", "Valid: no problems found"}},
		{name: "site root with a slash", url: srv.URL + "/", code: 0, stdout: []string{"Checked " + wellKnown, "Valid: no problems found"}},
		{name: "the file itself", url: wellKnown, code: 0, stdout: []string{"Valid: no problems found"}},
		{name: "three redirects", url: srv.URL + "/r/2", code: 0, stdout: []string{
			"Redirected to " + srv.URL + "/r/1, then " + srv.URL + "/r/0, then " + wellKnown, "Valid: no problems found",
		}},
		{name: "four redirects", url: srv.URL + "/r/3", code: 2, stderr: "cannot fetch " + srv.URL + "/r/3: stopped after 3 redirects (the next was to " + wellKnown + ")"},
		{name: "not where readers look, nor canonical", url: srv.URL + "/elsewhere.txt", code: 0, stdout: []string{
			"file: warning: The server sent the file as text/plain without a charset",
			"file: warning: The file was fetched from " + srv.URL + "/elsewhere.txt; RFC 9116 places it at /.well-known/security.txt",
			"file: warning: The file was fetched from " + srv.URL + "/elsewhere.txt, which is not one of its Canonical addresses",
			"Valid, with 3 warnings",
		}},
		{name: "expired", url: srv.URL + "/expired.txt", code: 1, stdout: []string{"4: error: Expires is in the past (2026-01-31)"}},
		{name: "body over 64 KiB", url: srv.URL + "/big.txt", code: 1, stdout: []string{"file: error: The file is larger than 64 KiB"}},
		{name: "HTML page", url: srv.URL + "/page.html", code: 1, stdout: []string{
			"file: error: The server sent the file as text/html", "1: error: This is an HTML or XML page",
		}},
		{name: "not found", url: srv.URL + "/missing.txt", code: 2, stderr: "the server answered 404 Not Found"},
		{name: "too slow", url: srv.URL + "/slow.txt", code: 2, stderr: "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cli(t, "securitytxt", "check", "--now", "2026-11-29", tt.url)
			wantSecurityTxtExit(t, r, tt.code)
			wantContains(t, "stdout", r.stdout, tt.stdout...)
			wantContains(t, "stderr", r.stderr, tt.stderr)
		})
	}

	// A certificate the client does not trust leaves nothing to check.
	useSecurityTxtClient(t, &http.Client{}, time.Second)
	r := cli(t, "securitytxt", "check", srv.URL)
	wantSecurityTxtExit(t, r, 2)
	wantContains(t, "stderr", r.stderr, "certificate")
}

// TestSecurityTxtCheckPlainHTTP checks that a file served over http is read
// and checked, and that being served over http is an error of its own.
func TestSecurityTxtCheckPlainHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/security.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, securityTxtValid)
	}))
	defer srv.Close()
	useSecurityTxtClient(t, srv.Client(), 10*time.Second)
	r := cli(t, "securitytxt", "check", "--now", "2026-11-29", srv.URL)
	wantSecurityTxtExit(t, r, 1)
	wantContains(t, "stdout", r.stdout,
		"Checked "+srv.URL+"/.well-known/security.txt",
		"file: error: The file was fetched over plain http ("+srv.URL+"/.well-known/security.txt): RFC 9116 requires https",
		"Not valid: 1 error and 0 warnings")
	if n := bytes.Count([]byte(r.stdout), []byte(": error: ")); n != 1 {
		t.Fatalf("want only the http error (the file itself is valid), got %d errors:\n%s", n, r.stdout)
	}
}
