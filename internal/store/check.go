package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/psti"
)

// maxFindings bounds how many problems a full check lists: enough to judge
// the extent of the damage, not the thousands a badly damaged file gives.
const maxFindings = 100

// Checked is what a full check of a database found.
type Checked struct {
	Backend string
	// Bytes is the size of the SQLite file with its write-ahead log; 0 on
	// PostgreSQL.
	Bytes int64
	// Schema is the PostgreSQL schema psti's tables are in; "" on SQLite.
	Schema string
	// Integrity and ForeignKeys are the problems SQLite's integrity_check
	// and foreign_key_check found (at most maxFindings); empty when sound,
	// and always empty on PostgreSQL, where psti does not check the files.
	Integrity   []string
	ForeignKeys []string
	// Version is the schema version of the database; Known is the newest
	// this psti knows.
	Version, Known int64
	// Missing lists the tables that the database's schema version has, and
	// the database lacks.
	Missing []string
	// Counts is the number of rows in each table, when every table is there
	// to count.
	Counts Counts
	// Log is what the transparency log's self-check found wrong (see
	// CheckLog); LogChecked says whether it ran (the database has a log).
	Log        []string
	LogChecked bool
	Took       time.Duration
}

// Check checks the whole database and changes nothing. On SQLite it reads
// every page (integrity_check: the structure of every table and index, and
// that each index matches its table) and every reference between records
// (foreign_key_check); it runs on a read snapshot, so it may run beside the
// server. On both back ends it checks the schema version and that every
// table of that version exists, and counts the rows.
//
// It returns what it found, and an error when that is not sound: EDAMAGED
// (saying how to restore a backup) for damage or missing tables, EINVALID
// for a schema newer than this psti, and ENOTFOUND, with nothing found, for
// a database that holds no psti schema at all.
func (db *DB) Check(ctx context.Context) (*Checked, error) {
	start := time.Now()
	_, known, err := migrations(db.dialect)
	if err != nil {
		return nil, err
	}
	c := &Checked{Backend: db.dialect.name, Known: known}
	if db.dialect.sqlite {
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(db.path + suffix); err == nil {
				c.Bytes += fi.Size()
			}
		}
		// integrity_check first and by itself: when the file is damaged,
		// any other query may fail on the damage instead of describing it.
		if c.Integrity, err = integrity(ctx, db.ro.DB, "integrity_check", maxFindings); err != nil {
			return c, fmt.Errorf("store: unable to check %s: %w", db.path, err)
		}
		if len(c.Integrity) > 0 {
			c.Took = time.Since(start)
			return c, db.damaged(c.Integrity)
		}
		if c.ForeignKeys, err = db.foreignKeyCheck(ctx); err != nil {
			return c, err
		}
	} else if err := db.ro.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&c.Schema); err != nil {
		return c, fmt.Errorf("store: unable to read the current schema: %w", err)
	}

	have, err := db.SchemaTables(ctx)
	if err != nil {
		return c, err
	}
	var version sql.NullInt64
	if err := db.ro.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version WHERE is_applied`).Scan(&version); err != nil {
		if len(have) == 0 {
			return nil, psti.Errorf(psti.ENOTFOUND, "%s holds no psti database: no tables, no schema version.", db.where(c))
		}
		return c, fmt.Errorf("store: unable to read the schema version: %w", err)
	}
	c.Version = version.Int64
	if c.Version > c.Known {
		c.Took = time.Since(start)
		return c, psti.Errorf(psti.EINVALID, "%s has schema version %d, newer than this psti knows (%d): a newer psti wrote it. Check it with that version.", db.where(c), c.Version, c.Known)
	}
	// The tables the database's own version has: one that a newer psti
	// has not yet migrated lacks the newer tables, rightly.
	want, err := tablesAt(db.dialect, c.Version)
	if err != nil {
		return c, err
	}
	for _, t := range want {
		if !slices.Contains(have, t) {
			c.Missing = append(c.Missing, t)
		}
	}
	if len(c.Missing) == 0 {
		records := slices.DeleteFunc(slices.Clone(Tables), func(t string) bool { return !slices.Contains(want, t) })
		if c.Counts, err = countTables(ctx, db.ro, records); err != nil {
			return c, err
		}
		if slices.Contains(want, "log_entries") {
			if c.Log, err = db.CheckLog(ctx, nil); err != nil {
				return c, err
			}
			c.LogChecked = true
		}
	}
	c.Took = time.Since(start)
	switch {
	case len(c.ForeignKeys) > 0:
		return c, db.damaged(c.ForeignKeys)
	case len(c.Missing) > 0:
		return c, db.incomplete(c)
	case len(c.Log) > 0:
		return c, &psti.Error{Code: psti.EDAMAGED, Message: "The transparency log does not match its own hashes or signed checkpoints: records it proves were altered outside psti. " +
			"Keep the database as it is for investigation, and compare it with your backups."}
	}
	return c, nil
}

// createTable finds the tables a migration creates or drops.
var createTable = regexp.MustCompile(`(?im)^\s*(CREATE|DROP) TABLE (?:IF (?:NOT )?EXISTS )?(\w+)`)

// tablesAt lists the tables that the migrations up to version create, in
// the order they are created, apart from the migration tool's own.
func tablesAt(d *dialect, version int64) ([]string, error) {
	fsys, _, err := migrations(d)
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names) // zero-padded version numbers sort in order
	var tables []string
	for _, name := range names {
		v, err := strconv.ParseInt(strings.SplitN(name, "_", 2)[0], 10, 64)
		if err != nil || v > version {
			continue
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		up, _, _ := strings.Cut(string(src), "-- +goose Down")
		for _, m := range createTable.FindAllStringSubmatch(up, -1) {
			if strings.EqualFold(m[1], "CREATE") {
				tables = append(tables, m[2])
			} else {
				tables = slices.DeleteFunc(tables, func(t string) bool { return t == m[2] })
			}
		}
	}
	return tables, nil
}

func (db *DB) where(c *Checked) string {
	if db.dialect.sqlite {
		return db.path
	}
	return "The PostgreSQL schema " + c.Schema
}

// foreignKeyCheck lists records that point at a record that does not exist.
// foreign_keys=ON prevents them, so each is damage (or an edit made with
// the checks off).
func (db *DB) foreignKeyCheck(ctx context.Context) ([]string, error) {
	rows, err := db.ro.DB.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		if isDamage(err) {
			return []string{err.Error()}, nil
		}
		return nil, fmt.Errorf("store: unable to check foreign keys: %w", err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() && len(found) < maxFindings {
		var table, parent string
		var rowid sql.NullInt64
		var fk int64
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return nil, fmt.Errorf("store: unable to check foreign keys: %w", err)
		}
		found = append(found, fmt.Sprintf("%s row %d refers to a %s record that does not exist", table, rowid.Int64, parent))
	}
	if err := rows.Err(); err != nil {
		if isDamage(err) {
			return append(found, err.Error()), nil
		}
		return nil, fmt.Errorf("store: unable to check foreign keys: %w", err)
	}
	return found, nil
}

// incomplete is the refusal of a database that lacks tables psti needs.
func (db *DB) incomplete(c *Checked) error {
	if db.dialect.sqlite {
		return db.damaged([]string{"missing tables: " + strings.Join(c.Missing, ", ")})
	}
	return &psti.Error{Code: psti.EDAMAGED, Message: fmt.Sprintf(`%s lacks tables psti needs: %s.
Something other than psti has dropped them. Restore the latest dump (made by
pg_dump) with pg_restore, for example:

    pg_restore --clean --if-exists --dbname="$PSTI_DATABASE_URL" psti.dump`, db.where(c), strings.Join(c.Missing, ", "))}
}
