package store

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"testing/fstest"
	"text/template"

	"github.com/pressly/goose/v3"
)

// The migrations are one set of goose SQL files for both back ends. Each
// file is a text/template rendered with the dialect before goose reads it, so
// the few differences (id and timestamp column types, triggers) are spelled
// once, in dialect.go, and as {{if .SQLite}} blocks.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations renders the migration files for a dialect.
func migrations(d *dialect) (fs.FS, int64, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, 0, err
	}
	out := fstest.MapFS{}
	var latest int64
	for _, e := range entries {
		src, err := fs.ReadFile(migrationFiles, path.Join("migrations", e.Name()))
		if err != nil {
			return nil, 0, err
		}
		t, err := template.New(e.Name()).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, 0, fmt.Errorf("store: migration %s: %w", e.Name(), err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, d); err != nil {
			return nil, 0, fmt.Errorf("store: migration %s: %w", e.Name(), err)
		}
		out[e.Name()] = &fstest.MapFile{Data: b.Bytes(), Mode: 0o444}
		v, err := strconv.ParseInt(strings.SplitN(e.Name(), "_", 2)[0], 10, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("store: migration %s has no version number", e.Name())
		}
		latest = max(latest, v)
	}
	return out, latest, nil
}

// migrate brings the schema up to date. It refuses a database that a newer
// psti has already migrated further than this binary knows.
func (db *DB) migrate(ctx context.Context) error {
	fsys, latest, err := migrations(db.dialect)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(db.dialect.goose, db.rw, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("store: unable to prepare migrations: %w", err)
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to read the schema version: %w", err)
	}
	if current > latest {
		return fmt.Errorf("store: the database has schema version %d, newer than this psti knows (%d): run a newer psti, or restore a backup taken before the upgrade", current, latest)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: unable to migrate the database: %w", err)
	}
	// Products made before they had slugs get theirs (migration 00015).
	return db.fillSlugs(ctx)
}

// SchemaVersion returns the version of the newest migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	fsys, _, err := migrations(db.dialect)
	if err != nil {
		return 0, err
	}
	p, err := goose.NewProvider(db.dialect.goose, db.rw, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}
