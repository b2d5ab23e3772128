package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/psti/psti/internal/psti"
)

// Backup writes a consistent copy of an SQLite database to out while the
// server keeps running: VACUUM INTO reads one snapshot and writes a compact,
// self-contained file (no write-ahead log beside it). The copy is then opened
// and checked. On PostgreSQL it refuses: use pg_dump, which does this job
// properly there.
func (db *DB) Backup(ctx context.Context, out string) (Counts, error) {
	if !db.dialect.sqlite {
		return nil, psti.Errorf(psti.EUNAVAILABLE, "psti backup copies the embedded SQLite database. On PostgreSQL use pg_dump (for example: pg_dump --format=custom --file=psti.dump \"$PSTI_DATABASE_URL\") and pg_restore to bring it back.")
	}
	if _, err := os.Stat(out); err == nil {
		return nil, psti.Errorf(psti.ECONFLICT, "%s already exists; choose a new file name so no earlier backup is overwritten.", out)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
		return nil, fmt.Errorf("store: unable to create the backup directory: %w", err)
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	if _, err := db.ro.ExecContext(ctx, `VACUUM INTO $1`, abs); err != nil {
		os.Remove(abs)
		return nil, fmt.Errorf("store: unable to write the backup: %w", err)
	}
	counts, err := CheckBackup(ctx, abs)
	if err != nil {
		return nil, fmt.Errorf("store: the backup was written but does not check out: %w", err)
	}
	return counts, nil
}

// CheckBackup opens an SQLite file read-only and checks that it is a whole,
// uncorrupted psti database no newer than this binary, returning its record
// counts.
func CheckBackup(ctx context.Context, path string) (Counts, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, psti.Errorf(psti.ENOTFOUND, "Cannot read the backup %s: %v", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	// The file: form hands mode=ro to SQLite itself: nothing is created or
	// changed, not even a write-ahead log.
	c, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro"}).String())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var result string
	if err := c.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return nil, psti.Errorf(psti.EINVALID, "%s is not an SQLite database: %v", path, err)
	}
	if result != "ok" {
		return nil, psti.Errorf(psti.EINVALID, "%s is damaged: %s", path, result)
	}
	var version int64
	if err := c.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version WHERE is_applied`).Scan(&version); err != nil {
		return nil, psti.Errorf(psti.EINVALID, "%s is not a psti database (no schema version): %v", path, err)
	}
	_, latest, err := migrations(sqliteDialect)
	if err != nil {
		return nil, err
	}
	if version > latest {
		return nil, psti.Errorf(psti.EINVALID, "%s has schema version %d, newer than this psti knows (%d).", path, version, latest)
	}
	return countTables(ctx, c, Tables)
}

// Restore replaces the SQLite database at path with a backup. The server
// must be stopped: Restore takes the database's lock for itself and refuses
// while any psti process has the database open. Nothing is lost: the current
// file (and its write-ahead log) is moved aside with the time in its name,
// and that name is returned.
func Restore(ctx context.Context, url, backup string, now time.Time) (Counts, string, error) {
	d, path, err := ParseURL(url)
	if err != nil {
		return nil, "", err
	}
	if !d.sqlite {
		return nil, "", psti.Errorf(psti.EUNAVAILABLE, "psti restore brings back an SQLite backup. On PostgreSQL use pg_restore with the dump pg_dump made.")
	}
	counts, err := CheckBackup(ctx, backup)
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", err
	}
	unlock, err := lockFile(path+".lock", true)
	if err != nil {
		if errors.Is(err, ErrInUse) {
			return nil, "", psti.Errorf(psti.ECONFLICT, "The database %s is open in another psti process. Stop the server, then run the restore again.", path)
		}
		return nil, "", err
	}
	defer unlock()

	// Copy the backup next to the target first, so the swap is a rename.
	tmp := path + ".restoring"
	if err := copyFile(backup, tmp); err != nil {
		return nil, "", fmt.Errorf("store: unable to copy the backup: %w", err)
	}
	aside := ""
	if _, err := os.Stat(path); err == nil {
		aside = fmt.Sprintf("%s.before-restore-%s", path, now.UTC().Format("20060102T150405Z"))
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if _, err := os.Stat(path + suffix); err == nil {
				if err := os.Rename(path+suffix, aside+suffix); err != nil {
					return nil, "", fmt.Errorf("store: unable to move the current database aside: %w", err)
				}
			}
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, "", fmt.Errorf("store: unable to put the backup in place: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, "", err
	}
	return counts, aside, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	_ = d.Sync() // not every platform can sync a directory; the rename is done either way
	return nil
}
