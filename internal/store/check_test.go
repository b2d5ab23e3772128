package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pressly/goose/v3"
)

// TestTablesAt: the tables psti check expects at the newest version are
// the tables migrating makes, on both back ends, and an older version
// expects fewer.
func TestTablesAt(t *testing.T) {
	db, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "psti.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	have, err := db.SchemaTables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, latest, err := migrations(sqliteDialect)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*dialect{sqliteDialect, postgresDialect} {
		got, err := tablesAt(d, latest)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, have) {
			t.Errorf("%s: tablesAt(%d) = %v\nmigrating makes %v", d.name, latest, got, have)
		}
	}
	first, err := tablesAt(sqliteDialect, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) == 0 || len(first) >= len(have) || slices.Contains(first, "reports") || !slices.Contains(first, "audit_log") {
		t.Errorf("tablesAt(1) = %v", first)
	}
}

// TestCheckOlderSchema: a database that this psti has not migrated yet
// lacks the newest tables, rightly: it is sound, and psti check says that
// psti serve will migrate it.
func TestCheckOlderSchema(t *testing.T) {
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(t.TempDir(), "psti.db")
	db, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fsys, latest, err := migrations(sqliteDialect)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(sqliteDialect.goose, db.rw, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	var prev int64 // the version before the newest
	for _, src := range p.ListSources() {
		if src.Version < latest {
			prev = max(prev, src.Version)
		}
	}
	before, err := tablesAt(sqliteDialect, prev)
	if err != nil {
		t.Fatal(err)
	}
	now, err := tablesAt(sqliteDialect, latest)
	if err != nil {
		t.Fatal(err)
	}
	var added []string
	for _, tbl := range now {
		if !slices.Contains(before, tbl) {
			added = append(added, tbl)
			if _, err := db.rw.ExecContext(ctx, `DROP TABLE `+tbl); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(added) == 0 {
		// The newest migration changes tables without adding one: its
		// own Down section takes the database one version back.
		if _, err := p.Down(ctx); err != nil {
			t.Fatalf("undoing the newest migration: %v", err)
		}
	} else if _, err := db.rw.ExecContext(ctx, `DELETE FROM goose_db_version WHERE version_id = $1`, latest); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(ctx, url, Options{NoMigrate: true, NoQuickCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Check(ctx)
	if err != nil {
		t.Fatalf("a database one migration behind is not sound: %v", err)
	}
	if c.Version != prev || c.Known != latest || len(c.Missing) != 0 {
		t.Fatalf("version %d of %d, missing %v", c.Version, c.Known, c.Missing)
	}
	for _, tbl := range added {
		if _, ok := c.Counts[tbl]; ok {
			t.Errorf("%s, added by the newest migration, is counted", tbl)
		}
	}
}
