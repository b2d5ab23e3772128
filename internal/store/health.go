package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/psti/psti/internal/psti"
)

// CheckWrite proves that the database takes a write now: it writes the one
// row of health_probe and commits, durably, as every change is committed.
// A database that answers reads but cannot write (a full disk, a file
// system remounted read-only, a PostgreSQL standby, a write lock that
// another process keeps) fails it with an EUNAVAILABLE error saying which.
//
// The write is the same row each time, so nothing accumulates. On SQLite it
// carries 64 KiB of fresh random bytes (the dialect's probeRoom): a full
// disk refuses a write when the write-ahead log must grow and cannot, and a
// write smaller than the changes psti makes could still fit in the room the
// log has while they do not. 64 KiB is 17 pages of log; a security report
// takes 11 to 15, a change to a record 4. (The bytes must differ from the
// last check's: SQLite does not rewrite a page whose content is unchanged.)
// It costs one flush to disk: about a millisecond.
func (db *DB) CheckWrite(ctx context.Context) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return cannotWrite(ctx, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO health_probe (id, probed_at, probes, room) VALUES (1, $1, 1, $2)
		ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at, probes = health_probe.probes + 1, room = excluded.room`, db.now(), db.probeRoom()); err != nil {
		return cannotWrite(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return cannotWrite(ctx, err)
	}
	return nil
}

// probeRoom is what the write check writes beside its count: random bytes,
// so that every page of them is written anew, or nothing.
func (db *DB) probeRoom() []byte {
	if db.dialect.probeRoom == 0 {
		return nil
	}
	b := make([]byte, db.dialect.probeRoom)
	_, _ = rand.Read(b) // never fails
	return b
}

// cannotWrite says, in a sentence an operator can act on, why a write
// failed.
func cannotWrite(ctx context.Context, err error) error {
	why := "see the server's log"
	var se *sqlite.Error
	var pe *pgconn.PgError
	switch {
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		why = "it did not take one in the time allowed (another process may hold its write lock, or the disk is too slow)"
	case errors.As(err, &se):
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL:
			why = "the disk is full"
		case sqlite3.SQLITE_READONLY:
			why = "it is read-only (is the file system mounted read-only, or the file not writable?)"
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			why = "another process holds its write lock"
		case sqlite3.SQLITE_IOERR:
			why = "the disk reports an input/output error"
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			why = "the file is damaged (run psti check)"
		}
	case errors.As(err, &pe):
		switch {
		case pe.Code == "53100":
			why = "the database server's disk is full"
		case pe.Code == "25006":
			why = "the database is read-only (a standby, or default_transaction_read_only is on)"
		case pe.Code == "55P03", pe.Code == "40P01":
			why = "another session holds a lock it needs"
		case pe.Code == "57014":
			why = "it did not take one in the time allowed"
		case strings.HasPrefix(pe.Code, "53"):
			why = "the database server has run out of a resource (" + pe.Message + ")"
		}
	}
	return &psti.Error{Code: psti.EUNAVAILABLE, Message: "The database cannot take a write: " + why + ".", Err: fmt.Errorf("store: write check: %w", err)}
}
