package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/store/storetest"
)

// TestReadyzNeedsAWrite: /readyz answers 503, saying why, while the
// database answers reads but cannot take a write (here another process
// holds its write lock), and 200 again once it can; and however often it is
// asked, it commits at most one check a second.
func TestReadyzNeedsAWrite(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	raw, err := sql.Open("sqlite", e.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	checks := func() int64 {
		var n int64
		if err := raw.QueryRow(`SELECT COALESCE(SUM(probes), 0) FROM health_probe`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	res, body := e.call("GET", "/readyz", "", "", "")
	if res.StatusCode != http.StatusOK || body != "ready\n" {
		t.Fatalf("readyz: %d %q", res.StatusCode, body)
	}
	first := checks()
	if first != 1 {
		t.Fatalf("readyz made %d write checks, want 1", first)
	}
	for range 20 {
		if res, _ := e.call("GET", "/readyz", "", "", ""); res.StatusCode != http.StatusOK {
			t.Fatalf("readyz: %d", res.StatusCode)
		}
	}
	if n := checks(); n > first+1 {
		t.Fatalf("21 readiness requests within a second made %d write checks", n)
	}

	conn, err := raw.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // past the last check's second
	res, body = e.call("GET", "/readyz", "", "", "")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(body, "not ready: The database cannot take a write: ") ||
		res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("readyz while the write lock is held: %d %q", res.StatusCode, body)
	}
	// The database still answers reads meanwhile: it is writes it cannot take.
	if res, _ := e.call("GET", "/security", "", "", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("a page that reads the database: %d", res.StatusCode)
	}

	if _, err := conn.ExecContext(context.Background(), `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	res, body = e.call("GET", "/readyz", "", "", "")
	if res.StatusCode != http.StatusOK || body != "ready\n" {
		t.Fatalf("readyz once the lock is let go: %d %q", res.StatusCode, body)
	}
}
