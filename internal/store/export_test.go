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
