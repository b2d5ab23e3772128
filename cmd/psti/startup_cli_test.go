package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stop asks a server to stop and waits until it has.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("psti serve did not stop:\n%s", s.log())
	}
}

var printedSetupLink = regexp.MustCompile(`/setup/[A-Za-z0-9_-]{43}`)

// TestRestartPrintsNoSecondSetupLink: the first start prints a setup link
// for the first administrator; a restart while it still works prints no
// second one, but says until when the first works and how to make a new
// one on this database.
func TestRestartPrintsNoSecondSetupLink(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "psti.db")
	srv := startServer(t, url)
	srv.stop(t)
	first := srv.log()
	if n := len(printedSetupLink.FindAllString(first, -1)); n != 1 {
		t.Fatalf("the first start printed %d setup links:\n%s", n, first)
	}

	srv = startServer(t, url)
	srv.stop(t)
	again := srv.log()
	if printedSetupLink.MatchString(again) {
		t.Fatalf("a restart printed a second setup link while the first works:\n%s", again)
	}
	wantContains(t, "the restart's output", again, "No users yet", "printed when psti first started still works, until",
		"psti users add --admin you@example.com --database-url "+url)
	if got := counts(t, url)["invitations"]; got != 1 {
		t.Fatalf("%d setup links stored, want 1", got)
	}
}

// TestServeWarnsOfAnHTTPBaseURL: a base URL of http:// on another machine
// is warned of at start-up (security.txt needs https, and psti's own
// checker fails it); https://, or http:// on this machine, is not.
func TestServeWarnsOfAnHTTPBaseURL(t *testing.T) {
	for _, tc := range []struct {
		base string
		warn bool
	}{
		{"http://psti.example.com", true},
		{"https://psti.example.com", false},
		{"http://localhost:8080", false},
		{"http://127.0.0.1:8080", false},
	} {
		t.Run(tc.base, func(t *testing.T) {
			srv := startServer(t, "sqlite:"+filepath.Join(t.TempDir(), "psti.db"), "--base-url", tc.base)
			srv.stop(t)
			logs := srv.log()
			warned := strings.Contains(logs, "level=WARN") && strings.Contains(logs, "security.txt must be served over https")
			if warned != tc.warn {
				t.Fatalf("base URL %s: warned %v, want %v:\n%s", tc.base, warned, tc.warn, logs)
			}
			if tc.warn {
				wantContains(t, "the warning", logs, tc.base, "psti securitytxt check", "PSTI_BASE_URL")
			}
		})
	}
}
