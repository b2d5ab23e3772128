// Package store keeps psti's records in SQLite (the embedded default) or
// PostgreSQL, behind the small Store interfaces that the capability packages
// declare. One SQL text with $1 placeholders serves both back ends; the few
// differences live in dialect.go. Every change to a record is written together
// with its audit entry in one transaction. The contract tests in storetest
// run against both back ends.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psti/psti/internal/psti"
)

// DB is an open psti database. It implements product.Store, auth.Store and
// psti.AuditLog.
type DB struct {
	dialect *dialect
	rw      *sql.DB // writes; on SQLite one connection, so writers queue in Go, not on a lock
	ro      *pool   // reads; on PostgreSQL the same connections as rw
	clock   psti.Clock
	url     string
	path    string                    // the SQLite file; "" on PostgreSQL
	unlock  func()                    // releases the lock every opener holds; see lockFile and lockPostgres
	intake  intake                    // groups new security reports into shared commits
	issuing issuing                   // groups statements being issued into shared commits
	signers sync.Map                  // statement signing keys opened, by id
	log     atomic.Pointer[logSigner] // signs the log's checkpoints, once OpenLog has run
	hashes  hashCache                 // the log's upper tree hashes, for proofs
}

// Options change how a database is opened. The zero value is what psti serve
// uses.
type Options struct {
	Clock psti.Clock // SystemClock when nil
	// NoMigrate opens without applying migrations (for inspecting a database
	// that a newer psti wrote).
	NoMigrate bool
	// NoQuickCheck opens an SQLite database without first checking that its
	// file is sound. Only psti check sets it: it runs the full check itself,
	// and must be able to report on a damaged file rather than refuse it.
	NoQuickCheck bool
	// MustExist refuses (ENOTFOUND, wrapping ErrNoDatabase) an SQLite file
	// that does not exist, rather than create an empty database there, and,
	// unless NoMigrate is set, a database of either kind that holds no psti
	// schema yet, rather than create one in it. Every command but psti
	// serve sets it, so that one pointed at the wrong place says so instead
	// of starting a new, empty installation there.
	MustExist bool
	// Exclusive opens the database for this process alone: Open refuses at
	// once, with an ECONFLICT error that wraps ErrInUse, while any other
	// psti process has it open, and psti processes that open it meanwhile
	// wait until it is closed. psti migrate-data opens its source and
	// target so, so that nothing writes to either during the copy.
	Exclusive bool
}

// ErrNoDatabase is wrapped by the error of a MustExist Open that found no
// psti database where it looked.
var ErrNoDatabase = errors.New("store: no psti database there")

// ErrInUse is wrapped by the error of an Exclusive Open, or a restore, that
// another psti process is in the way of.
var ErrInUse = errors.New("store: the database is open in another psti process")

// Open connects to the database at url, creating it (for SQLite) and
// applying migrations unless told not to. url is "sqlite:PATH" or a
// postgres:// URL; see ParseURL. An SQLite file that fails SQLite's quick
// check is refused with an EDAMAGED error that says how to restore it.
func Open(ctx context.Context, url string, opt Options) (*DB, error) {
	d, target, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	db := &DB{dialect: d, clock: opt.Clock, url: url}
	if db.clock == nil {
		db.clock = psti.SystemClock{}
	}
	if d.sqlite {
		db.path = target
		// An empty file is an SQLite database with nothing in it, and
		// opening it would write to it.
		if fi, err := os.Stat(target); opt.MustExist && (errors.Is(err, fs.ErrNotExist) || err == nil && fi.Size() == 0) {
			return nil, &psti.Error{Code: psti.ENOTFOUND, Message: fmt.Sprintf("There is no database at %s.", target), Err: ErrNoDatabase}
		}
		if err := db.openSQLite(ctx, target, opt.Exclusive, !opt.NoQuickCheck); err != nil {
			db.Close()
			return nil, err
		}
	} else {
		pool, err := sql.Open("pgx", target)
		if err != nil {
			return nil, fmt.Errorf("store: unable to open PostgreSQL: %w", err)
		}
		pool.SetMaxOpenConns(4 * runtime.GOMAXPROCS(0))
		pool.SetMaxIdleConns(4 * runtime.GOMAXPROCS(0))
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.rw, db.ro = pool, newPool(pool)
		db.ro.direct = true
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if !d.sqlite {
		if err := db.lockPostgres(ctx, target, opt.Exclusive); err != nil {
			db.Close()
			return nil, err
		}
	}
	if !opt.NoMigrate {
		if opt.MustExist {
			if err := db.mustHoldSchema(ctx, target); err != nil {
				db.Close()
				return nil, err
			}
		}
		if err := db.migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// mustHoldSchema refuses a database that psti has never migrated: an
// empty SQLite file, or a PostgreSQL schema without psti's tables.
func (db *DB) mustHoldSchema(ctx context.Context, target string) error {
	query := `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'goose_db_version'`
	if db.dialect.sqlite {
		query = `SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'goose_db_version'`
	}
	var n int
	if err := db.ro.QueryRowContext(ctx, query).Scan(&n); err != nil {
		return fmt.Errorf("store: unable to read the schema version: %w", err)
	}
	if n > 0 {
		return nil
	}
	where := target
	if !db.dialect.sqlite {
		var schema sql.NullString // NULL when no schema on the search path exists
		if err := db.ro.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return fmt.Errorf("store: unable to read the current schema: %w", err)
		}
		where = RedactURL(target)
		if schema.Valid {
			where += " (schema " + schema.String + ")"
		}
	}
	return &psti.Error{Code: psti.ENOTFOUND, Message: fmt.Sprintf("%s holds no psti database yet.", where), Err: ErrNoDatabase}
}

// RedactURL hides the password in a database URL, for messages and logs.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Close closes the database. On SQLite the last connection to close folds
// the write-ahead log back into the database file.
func (db *DB) Close() error {
	db.closeIntake()
	var errs []error
	if db.ro != nil {
		errs = append(errs, db.ro.closeStmts())
		if db.ro.DB != db.rw {
			errs = append(errs, db.ro.Close())
		}
	}
	if db.rw != nil {
		errs = append(errs, db.rw.Close())
	}
	if db.unlock != nil {
		db.unlock()
		db.unlock = nil
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.ro.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("store: database does not answer: %w", err)
	}
	return nil
}

// Backend names the back end: "sqlite" or "postgres".
func (db *DB) Backend() string { return db.dialect.name }

// URL returns the URL the database was opened with.
func (db *DB) URL() string { return db.url }

// Path returns the SQLite database file, or "" on PostgreSQL.
func (db *DB) Path() string { return db.path }

// now is the time stored for a change: UTC, to the microsecond (what
// PostgreSQL keeps), so a value reads back exactly as it was written.
func (db *DB) now() time.Time { return db.clock.Now().UTC().Truncate(time.Microsecond) }

// querier is what both *sql.DB and *sql.Tx offer, so readers can run inside a
// write transaction or on their own.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// pool is a connection pool whose queries are prepared once and reused:
// parsing SQL is a good part of the cost of a small read, and reads are
// most requests. Queries are fixed strings, so the cache stays small; it
// stops growing at maxStmts all the same.
type pool struct {
	*sql.DB
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	direct bool // pgx keeps its own per-connection statement cache
}

const maxStmts = 256

func newPool(db *sql.DB) *pool { return &pool{DB: db, stmts: map[string]*sql.Stmt{}} }

func (p *pool) stmt(ctx context.Context, query string) *sql.Stmt {
	if p.direct {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.stmts[query]; ok {
		return st
	}
	if len(p.stmts) >= maxStmts {
		return nil
	}
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil // the plain call below reports the error
	}
	p.stmts[query] = st
	return st
}

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, query, args...)
}

func (p *pool) closeStmts() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for q, st := range p.stmts {
		errs = append(errs, st.Close())
		delete(p.stmts, q)
	}
	return errors.Join(errs...)
}

// change is what a write did, for the audit trail.
type change struct {
	action string
	entity string
	id     int64
	before any
	after  any
}

// write runs fn in a write transaction, appends the audit entry fn
// describes, and commits. Nothing fn did is kept if anything fails.
func (db *DB) write(ctx context.Context, a psti.Actor, fn func(tx *sql.Tx, now time.Time) (*change, error)) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: unable to begin a transaction: %w", err)
	}
	defer tx.Rollback()
	now := db.now()
	c, err := fn(tx, now)
	if err != nil {
		return err
	}
	if c != nil {
		if err := db.appendAudit(ctx, tx, a, now, c); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: unable to commit: %w", err)
	}
	return nil
}

func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, a psti.Actor, now time.Time, c *change) error {
	before, err := jsonOrNull(c.before)
	if err != nil {
		return err
	}
	after, err := jsonOrNull(c.after)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO audit_log (at, actor_user_id, actor_token_id, actor_label, action, entity, entity_id, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		now, nullInt(a.UserID), nullInt(a.TokenID), a.Label, c.action, c.entity, c.id, before, after)
	if err != nil {
		return fmt.Errorf("store: unable to append to the audit trail: %w", err)
	}
	return nil
}

func jsonOrNull(v any) (sql.NullString, error) {
	if v == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sql.NullString{}, fmt.Errorf("store: unable to encode audit record: %w", err)
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

func nullInt(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }

// Audit returns audit entries, newest first.
func (db *DB) Audit(ctx context.Context, f psti.AuditFilter) ([]psti.AuditEntry, error) {
	q, args := db.dialect.auditPage(f)
	rows, err := db.ro.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the audit trail: %w", err)
	}
	defer rows.Close()
	var out []psti.AuditEntry
	for rows.Next() {
		var e psti.AuditEntry
		var user, token sql.NullInt64
		var before, after sql.NullString
		if err := rows.Scan(&e.ID, utc(&e.At), &user, &token, &e.Actor.Label, &e.Action, &e.Entity, &e.EntityID, &before, &after); err != nil {
			return nil, fmt.Errorf("store: unable to read an audit entry: %w", err)
		}
		e.Actor.UserID, e.Actor.TokenID = user.Int64, token.Int64
		if before.Valid {
			e.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			e.After = json.RawMessage(after.String)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// auditPage is the query of a page of the audit trail, by key (entries
// before f.BeforeID). Each filter reads an index in id order: a kind of
// record (entity, id), one record (entity, entity_id, id), or the whole
// trail by id; hidden kinds are left out as they are read.
func (d *dialect) auditPage(f psti.AuditFilter) (string, []any) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	index := ""
	switch {
	case f.Entity != "" && f.EntityID != 0:
		conds = append(conds, `entity = `+arg(f.Entity), `entity_id = `+arg(f.EntityID))
		index = d.indexedBy("audit_log_entity")
	case f.Entity != "":
		conds = append(conds, `entity = `+arg(f.Entity))
		index = d.indexedBy("audit_log_kind")
	case f.EntityID != 0:
		conds = append(conds, `entity_id = `+arg(f.EntityID))
	}
	if f.BeforeID <= 0 {
		f.BeforeID = math.MaxInt64 // a range of ids even from the newest, which the plan test can tell from a scan
	}
	conds = append(conds, `id < `+arg(f.BeforeID))
	if len(f.Hide) > 0 {
		var hide []string
		for _, h := range f.Hide {
			hide = append(hide, arg(h))
		}
		conds = append(conds, `entity NOT IN (`+strings.Join(hide, ", ")+`)`)
	}
	return `SELECT id, at, actor_user_id, actor_token_id, actor_label, action, entity, entity_id, before, after
		FROM audit_log` + index + ` WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY id DESC LIMIT ` + arg(f.Limit), args
}

// utcTime scans a timestamp into a time.Time in UTC, whichever way the
// driver hands it over.
type utcTime struct {
	t   *time.Time
	ptr **time.Time // for nullable columns
}

// utc scans a NOT NULL timestamp.
func utc(t *time.Time) *utcTime { return &utcTime{t: t} }

// utcPtr scans a nullable timestamp; NULL leaves *p nil.
func utcPtr(p **time.Time) *utcTime { return &utcTime{ptr: p} }

func (u *utcTime) Scan(src any) error {
	var t time.Time
	switch v := src.(type) {
	case nil:
		if u.ptr != nil {
			*u.ptr = nil
			return nil
		}
		return errors.New("store: NULL in a timestamp column that requires a value")
	case time.Time:
		t = v
	case string:
		p, err := parseTime(v)
		if err != nil {
			return err
		}
		t = p
	case []byte:
		p, err := parseTime(string(v))
		if err != nil {
			return err
		}
		t = p
	default:
		return fmt.Errorf("store: cannot read %T as a timestamp", src)
	}
	t = t.UTC()
	if u.ptr != nil {
		*u.ptr = &t
	} else {
		*u.t = t
	}
	return nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("store: %q is not a timestamp", s)
}

// placeholders returns "$from, $from+1, …" for n values.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}
