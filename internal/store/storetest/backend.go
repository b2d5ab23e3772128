// Package storetest is the contract every storage back end must meet, and
// the helpers that give each test its own database: a fresh SQLite file, or
// a fresh schema in the PostgreSQL named by PSTI_TEST_DATABASE_URL.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Backend is a kind of database a test can run against.
type Backend struct {
	Name string
	// URL returns the URL of a new, empty database for one test, removed
	// when the test ends.
	URL func(t testing.TB) string
}

// SQLite gives each test a fresh database file in its temporary directory.
var SQLite = Backend{Name: "sqlite", URL: func(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "psti.db")
}}

// Postgres gives each test a fresh schema in the database named by
// PSTI_TEST_DATABASE_URL, so tests run in parallel without seeing each
// other. Without that variable the test is skipped with a message saying how
// to run it, except under CI=true, where it fails: CI must test both back
// ends.
var Postgres = Backend{Name: "postgres", URL: PostgresURL}

// Backends lists both back ends, for tests that must pass on each.
var Backends = []Backend{SQLite, Postgres}

// PostgresURL creates a schema for one test and returns a URL whose
// search_path selects it. The schema is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("PSTI_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PSTI_TEST_DATABASE_URL is not set, and under CI=true the PostgreSQL tests must run")
		}
		t.Skip("PostgreSQL half skipped: set PSTI_TEST_DATABASE_URL (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run it")
	}
	admin := adminPool(t, base)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "psti_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("PostgreSQL at PSTI_TEST_DATABASE_URL is not usable: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("dropping test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("PSTI_TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

var (
	poolMu sync.Mutex
	pools  = map[string]*sql.DB{}
)

// adminPool is one shared connection pool per base URL, for creating and
// dropping test schemas.
func adminPool(t testing.TB, base string) *sql.DB {
	poolMu.Lock()
	defer poolMu.Unlock()
	if p, ok := pools[base]; ok {
		return p
	}
	p, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("PSTI_TEST_DATABASE_URL: %v", err)
	}
	p.SetMaxOpenConns(4)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.PingContext(ctx); err != nil {
		t.Fatalf("PostgreSQL at PSTI_TEST_DATABASE_URL does not answer: %v", err)
	}
	pools[base] = p
	return p
}

// Clock is a clock a test sets by hand. The zero value reads as
// 1 March 2026 09:00 UTC.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	}
	return c.t
}

// Add moves the clock on.
func (c *Clock) Add(d time.Duration) {
	c.Now()
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
