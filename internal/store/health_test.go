package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/psti"
)

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "psti.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func probes(t *testing.T, q querier) (rows, probes int64) {
	t.Helper()
	if err := q.QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(SUM(probes), 0) FROM health_probe`).Scan(&rows, &probes); err != nil {
		t.Fatal(err)
	}
	return rows, probes
}

func wantCannotWrite(t *testing.T, err error, why string) {
	t.Helper()
	if psti.ErrorCode(err) != psti.EUNAVAILABLE || !strings.Contains(psti.ErrorMessage(err), why) {
		t.Fatalf("want an EUNAVAILABLE error saying %q, got %q: %v", why, psti.ErrorCode(err), err)
	}
}

// TestCheckWriteSQLite: the write check commits a write, the same row each
// time (the file does not grow), and fails when the database is read-only
// or another process holds its write lock. (A full disk, for real:
// TestReadyzOnAFullDisk in cmd/psti.)
func TestCheckWriteSQLite(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	// The first checks make the row and its room; after them, the file
	// stays the size it is.
	for range 3 {
		if err := db.CheckWrite(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var pages int64
	if err := db.rw.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	const n = 1000
	for range n {
		if err := db.CheckWrite(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%v a check", time.Since(start)/n)
	// Committed: another connection reads it.
	if rows, count := probes(t, db.ro); rows != 1 || count != n+3 {
		t.Fatalf("health_probe holds %d rows counting %d checks, want 1 row counting %d", rows, count, n+3)
	}
	var after int64
	if err := db.rw.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != pages {
		t.Fatalf("%d write checks grew the database from %d to %d pages", n, pages, after)
	}

	// Read-only, as when the file system is remounted so.
	if _, err := db.rw.ExecContext(ctx, `PRAGMA query_only = 1`); err != nil {
		t.Fatal(err)
	}
	wantCannotWrite(t, db.CheckWrite(ctx), "read-only")
	if _, err := db.rw.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckWrite(ctx); err != nil {
		t.Fatalf("writable again: %v", err)
	}

	// Another process holds the write lock and does not let go.
	other, err := sql.Open("sqlite", db.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	wantCannotWrite(t, db.CheckWrite(short), "did not take one in the time allowed")
	cancel()
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckWrite(ctx); err != nil {
		t.Fatalf("after the lock was let go: %v", err)
	}
}
