package store

import (
	"context"

	"github.com/pressly/goose/v3"
)

// MigrateUpTo applies the migrations up to version, for tests that need a
// database as an older psti left it.
func (db *DB) MigrateUpTo(ctx context.Context, version int64) error {
	fsys, _, err := migrations(db.dialect)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(db.dialect.goose, db.rw, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// Exec runs a statement, for tests that set up rows by hand.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.rw.ExecContext(ctx, query, args...)
	return err
}

// HoldIssuing keeps statements from being issued until release is called,
// and queued says how many wait meanwhile: a test lines statements up so
// that they are issued together.
func (db *DB) HoldIssuing() (queued func() int, release func()) {
	db.issuing.commit.Lock()
	return func() int {
			db.issuing.mu.Lock()
			defer db.issuing.mu.Unlock()
			return len(db.issuing.queue)
		}, func() {
			db.issuing.commit.Unlock()
		}
}
