package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// TestMustExist: with MustExist, Open refuses a database that psti has not
// set up (no file; an empty file; an empty PostgreSQL schema) with an
// ENOTFOUND error wrapping ErrNoDatabase, and makes nothing there; a
// database psti has set up opens.
func TestMustExist(t *testing.T) {
	ctx := context.Background()
	refused := func(t *testing.T, url string) {
		t.Helper()
		db, err := store.Open(ctx, url, store.Options{MustExist: true})
		if err == nil {
			db.Close()
			t.Fatalf("MustExist opened %s, which psti has not set up", url)
		}
		if !errors.Is(err, store.ErrNoDatabase) || psti.ErrorCode(err) != psti.ENOTFOUND {
			t.Fatalf("MustExist on %s: %v (code %s), want ENOTFOUND wrapping ErrNoDatabase", url, err, psti.ErrorCode(err))
		}
	}
	t.Run("no file", func(t *testing.T) {
		dir := t.TempDir()
		refused(t, "sqlite:"+filepath.Join(dir, "data", "psti.db"))
		if es, _ := os.ReadDir(dir); len(es) != 0 {
			t.Fatalf("a refused open made %v", es)
		}
	})
	t.Run("empty file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "psti.db")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		refused(t, "sqlite:"+path)
		if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
			t.Fatalf("a refused open wrote to the empty file: %v %v", fi, err)
		}
	})
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			url := b.URL(t)
			if b.Name == "postgres" {
				refused(t, url)
			}
			db, err := store.Open(ctx, url, store.Options{}) // as psti serve does
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			db, err = store.Open(ctx, url, store.Options{MustExist: true})
			if err != nil {
				t.Fatalf("MustExist refused a database psti set up: %v", err)
			}
			db.Close()
		})
	}
}
