package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
)

// logSigner is the key that signs checkpoints, once OpenLog has opened it.
type logSigner struct {
	id     int64
	origin string
	vkey   string
	signer note.Signer
	secret []byte // opens the key that replaces this one, after a rotation
}

// LogOptions is how OpenLog finds or makes the log's signing key.
type LogOptions struct {
	// Secret unseals the signing key (see ledger.Seal); the key is made
	// and sealed with it on first start.
	Secret []byte
	// Origin names a new log (its checkpoints' first line), such as
	// "shop.example/log". A log keeps the name it was given first.
	Origin string
}

// lockLog serialises appends to the log: on PostgreSQL, replicas sharing
// the database take this transaction-scoped advisory lock, so the tree
// never forks; on SQLite write transactions are serialised already.
func (db *DB) lockLog(ctx context.Context, tx querier) error {
	if db.dialect.sqlite {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7270003)`); err != nil {
		return fmt.Errorf("store: unable to lock the log: %w", err)
	}
	return nil
}

// publish is write for a change that goes into the log: it takes the
// log's lock before fn reads anything, so that publications (from every
// server sharing the database) follow one another, and two made at once
// can never both build on the same state.
func (db *DB) publish(ctx context.Context, a psti.Actor, fn func(tx *sql.Tx, now time.Time) (*change, error)) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := db.lockLog(ctx, tx); err != nil {
			return nil, err
		}
		return fn(tx, now)
	})
}

// logSize is the number of entries in the log.
func logSize(ctx context.Context, q querier) (int64, error) {
	var n int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to read the size of the log: %w", err)
	}
	return n, nil
}

// hashReader reads stored hashes (tlog's numbering) from the entries that
// keep them; see ledger.StoredAt. With a cache, it reads the hashes of the
// tree's upper levels from memory once it has read them once.
type hashReader struct {
	ctx   context.Context
	q     querier
	cache *hashCache
}

// cacheLevel is the lowest tree level whose hashes are cached: one entry in
// 64 stores such a hash, so the cache holds about 1/32 of all the stored
// hashes (10 MB at 10 million entries), and a proof reads from the
// database only the few entries near its leaf.
const cacheLevel = 6

// hashCache keeps committed hashes of the upper levels of the tree. They
// never change, so nothing is ever evicted or invalidated; a hash appended
// by another server is read through on first use.
type hashCache struct {
	mu sync.RWMutex
	m  map[int64]tlog.Hash
}

func (c *hashCache) get(x int64) (tlog.Hash, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	h, ok := c.m[x]
	return h, ok
}

func (c *hashCache) put(x int64, h tlog.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[int64]tlog.Hash{}
	}
	c.m[x] = h
}

func (r hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	if len(indexes) == 0 {
		return out, nil
	}
	records := make([]any, 0, len(indexes))
	seen := map[int64]bool{}
	cached := make([]bool, len(indexes))
	for i, x := range indexes {
		if r.cache != nil {
			if level, _ := tlog.SplitStoredHashIndex(x); level >= cacheLevel {
				if out[i], cached[i] = r.cache.get(x); cached[i] {
					continue
				}
			}
		}
		rec, _ := ledger.StoredAt(x)
		if !seen[rec] {
			seen[rec] = true
			records = append(records, rec)
		}
	}
	if len(records) == 0 {
		return out, nil
	}
	rows, err := r.q.QueryContext(r.ctx, `SELECT idx, hashes FROM log_entries WHERE idx IN (`+placeholders(1, len(records))+`)`, records...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read log hashes: %w", err)
	}
	defer rows.Close()
	got := make(map[int64][]byte, len(records))
	for rows.Next() {
		var idx int64
		var hs []byte
		if err := rows.Scan(&idx, &hs); err != nil {
			return nil, fmt.Errorf("store: unable to read log hashes: %w", err)
		}
		got[idx] = hs
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read log hashes: %w", err)
	}
	for i, x := range indexes {
		if cached[i] {
			continue
		}
		rec, off := ledger.StoredAt(x)
		hs, ok := got[rec]
		if !ok || len(hs) < (off+1)*tlog.HashSize {
			return nil, fmt.Errorf("store: the log has no hash %d (entry %d is missing or damaged)", x, rec)
		}
		copy(out[i][:], hs[off*tlog.HashSize:])
		if r.cache != nil && off >= cacheLevel {
			r.cache.put(x, out[i])
		}
	}
	return out, nil
}

// appendLog appends one entry to the log inside tx, the transaction that
// writes the record it proves, and returns its index.
func (db *DB) appendLog(ctx context.Context, tx *sql.Tx, e *ledger.Entry) (int64, error) {
	return db.appendLogEntries(ctx, tx, []*ledger.Entry{e})
}

// appendLogEntries appends entries in order inside tx and returns the
// index of the first. The tree's right edge is read once and the batch
// hashed in memory; when the signing key is open, the new tree is signed
// in the same transaction.
func (db *DB) appendLogEntries(ctx context.Context, tx *sql.Tx, es []*ledger.Entry) (int64, error) {
	if err := db.lockLog(ctx, tx); err != nil {
		return 0, err
	}
	size, err := logSize(ctx, tx)
	if err != nil {
		return 0, err
	}
	edge, err := hashReader{ctx, tx, nil}.ReadHashes(ledger.EdgeIndexes(size))
	if err != nil {
		return 0, err
	}
	tree, err := ledger.NewTree(size, edge)
	if err != nil {
		return 0, err
	}
	ins := `INSERT INTO log_entries (idx, ref, kind, subject, at, data, hashes) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	if db.dialect.sqlite {
		// Bound by position: the driver looks $N names up one by one.
		ins = `INSERT INTO log_entries (idx, ref, kind, subject, at, data, hashes) VALUES (?, ?, ?, ?, ?, ?, ?)`
	}
	st, err := tx.PrepareContext(ctx, ins)
	if err != nil {
		return 0, fmt.Errorf("store: unable to append to the log: %w", err)
	}
	defer st.Close()
	buf := make([]byte, 0, 64*tlog.HashSize)
	for _, e := range es {
		data, err := e.Encode()
		if err != nil {
			return 0, err
		}
		idx := tree.Size()
		buf = buf[:0]
		for _, h := range tree.Append(data) {
			buf = append(buf, h[:]...)
		}
		var ref sql.NullString
		if e.Ref != "" {
			ref = sql.NullString{String: e.Ref, Valid: true}
		}
		if _, err := st.ExecContext(ctx, idx, ref, e.Kind, e.Subject, e.At.UTC().Truncate(time.Microsecond), data, buf); err != nil {
			if isUnique(err) {
				return 0, psti.Errorf(psti.ECONFLICT, "%s is in the transparency log already.", e.Ref)
			}
			return 0, fmt.Errorf("store: unable to append entry %d to the log: %w", idx, err)
		}
	}
	if s := db.log.Load(); s != nil {
		if err := db.signCheckpoint(ctx, tx, s, tree); err != nil {
			return 0, err
		}
	}
	return size, nil
}

// signCheckpoint signs the tree and keeps the checkpoint, inside tx. When
// the key was rotated meanwhile (by psti log rotate-key, or another
// server), it signs with the new key, and keeps it for what follows: a
// retired key signs nothing more.
func (db *DB) signCheckpoint(ctx context.Context, tx querier, s *logSigner, tree *ledger.Tree) error {
	current, err := currentKey(ctx, tx)
	if err != nil {
		return err
	}
	if current.id != s.id {
		if s, err = current.open(s.secret); err != nil {
			return err
		}
		db.log.Store(s)
	}
	c := ledger.Checkpoint{Origin: s.origin, Size: tree.Size(), Hash: tree.Root()}
	msg, err := ledger.Sign(c, s.signer)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO log_checkpoints (size, root, signed, key_id, signed_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (size) DO NOTHING`,
		c.Size, c.Hash[:], string(msg), s.id, db.now()); err != nil {
		return fmt.Errorf("store: unable to keep the checkpoint of %d entries: %w", c.Size, err)
	}
	return nil
}

// currentTree reads the whole tree's right edge.
func currentTree(ctx context.Context, q querier) (*ledger.Tree, error) {
	size, err := logSize(ctx, q)
	if err != nil {
		return nil, err
	}
	edge, err := hashReader{ctx, q, nil}.ReadHashes(ledger.EdgeIndexes(size))
	if err != nil {
		return nil, err
	}
	return ledger.NewTree(size, edge)
}

// ErrLogKey is wrapped by OpenLog's error when the configured secret does
// not open the log's signing key.
var ErrLogKey = errors.New("store: the log's signing key cannot be opened")

// OpenLog opens the log's signing key, making it on first start (sealed
// under opt.Secret), records in the log, marked as recorded late, what
// was published before the log existed, and signs a checkpoint of the log
// as it stands (of the empty log on a new installation). Until it has
// run, appends are kept but not signed.
func (db *DB) OpenLog(ctx context.Context, opt LogOptions) error {
	var s *logSigner
	err := db.publish(ctx, psti.System("transparency log"), func(tx *sql.Tx, now time.Time) (*change, error) {
		var c *change
		k, err := currentKey(ctx, tx)
		if errors.Is(err, sql.ErrNoRows) {
			origin := strings.TrimSpace(opt.Origin)
			if origin == "" || strings.ContainsAny(origin, "\n+ ") {
				return nil, fmt.Errorf("store: %q cannot name a log: give a name such as shop.example/log", origin)
			}
			skey, vkey, err := ledger.NewKey(origin, nil)
			if err != nil {
				return nil, err
			}
			sealed, err := ledger.Seal(opt.Secret, skey)
			if err != nil {
				return nil, err
			}
			size, err := logSize(ctx, tx)
			if err != nil {
				return nil, err
			}
			k = &storedKey{origin: origin, vkey: vkey, sealed: sealed}
			if err := tx.QueryRowContext(ctx, `INSERT INTO log_keys (origin, vkey, sealed, from_size, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
				origin, vkey, sealed, size, now).Scan(&k.id); err != nil {
				return nil, fmt.Errorf("store: unable to keep the log's signing key: %w", err)
			}
			c = &change{psti.ActionCreate, "log_key", k.id, nil, map[string]any{"key": vkey, "from_size": size}}
		} else if err != nil {
			return nil, err
		}
		if s, err = k.open(opt.Secret); err != nil {
			return nil, err
		}
		if err := db.recordLate(ctx, tx); err != nil {
			return nil, err
		}
		tree, err := currentTree(ctx, tx)
		if err != nil {
			return nil, err
		}
		return c, db.signCheckpoint(ctx, tx, s, tree)
	})
	if err != nil {
		return err
	}
	db.log.Store(s)
	return nil
}

type storedKey struct {
	id           int64
	origin, vkey string
	sealed       []byte
}

// open unseals the key with secret, ready to sign.
func (k *storedKey) open(secret []byte) (*logSigner, error) {
	skey, err := ledger.Unseal(secret, k.sealed)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLogKey, err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("store: the log's signing key is damaged: %w", err)
	}
	return &logSigner{id: k.id, origin: k.origin, vkey: k.vkey, signer: signer, secret: secret}, nil
}

func currentKey(ctx context.Context, q querier) (*storedKey, error) {
	k := &storedKey{}
	err := q.QueryRowContext(ctx, `SELECT id, origin, vkey, sealed FROM log_keys WHERE retired_at IS NULL ORDER BY id DESC LIMIT 1`).Scan(&k.id, &k.origin, &k.vkey, &k.sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the log's key: %w", err)
	}
	return k, nil
}

// recordLate appends, marked as recorded late, every public commitment
// made before this installation kept a log (or while it could not): the
// current revision of each disclosure policy and every revision of every
// advisory, oldest first.
func (db *DB) recordLate(ctx context.Context, tx *sql.Tx) error {
	var late []*ledger.Entry
	rows, err := tx.QueryContext(ctx, `SELECT p.organisation_id FROM disclosure_policies p
		WHERE NOT EXISTS (SELECT 1 FROM log_entries l WHERE l.ref = 'policy/' || CAST(p.organisation_id AS TEXT) || '#' || CAST(p.revision AS TEXT))
		ORDER BY p.organisation_id`)
	if err != nil {
		return fmt.Errorf("store: unable to find policies to log: %w", err)
	}
	var orgs []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		orgs = append(orgs, id)
	}
	rows.Close()
	for _, id := range orgs {
		p, err := db.policy(ctx, tx, id)
		if err != nil {
			return err
		}
		e, err := disclosure.PolicyEntry(p)
		if err != nil {
			return err
		}
		e.Late = true
		late = append(late, e)
	}
	rows, err = tx.QueryContext(ctx, `SELECT a.id, r.number, r.released_at, r.csaf FROM advisory_revisions r JOIN advisories a ON a.id = r.advisory_id
		WHERE NOT EXISTS (SELECT 1 FROM log_entries l WHERE l.ref = 'advisory/' || a.tracking_id || '#' || CAST(r.number AS TEXT))
		ORDER BY r.released_at, a.id, r.number`)
	if err != nil {
		return fmt.Errorf("store: unable to find advisories to log: %w", err)
	}
	type rev struct {
		id     int64
		number int
		at     time.Time
		csaf   string
	}
	var revs []rev
	for rows.Next() {
		var r rev
		if err := rows.Scan(&r.id, &r.number, utc(&r.at), &r.csaf); err != nil {
			rows.Close()
			return err
		}
		revs = append(revs, r)
	}
	rows.Close()
	for _, r := range revs {
		a, err := scanAdvisory(tx.QueryRowContext(ctx, `SELECT `+advisoryCols+` FROM advisories WHERE id = $1`, r.id))
		if err != nil {
			return fmt.Errorf("store: unable to read advisory %d: %w", r.id, err)
		}
		a.Revision, a.UpdatedAt, a.CSAF = r.number, r.at, []byte(r.csaf)
		e, err := disclosure.AdvisoryEntry(a)
		if err != nil {
			return err
		}
		e.Late = true
		late = append(late, e)
	}
	if len(late) == 0 {
		return nil
	}
	_, err = db.appendLogEntries(ctx, tx, late)
	return err
}

// LogCheckpoint returns the latest signed checkpoint and what it says.
// When entries were appended since it was signed and the signing key is
// open, it signs the log as it stands first.
func (db *DB) LogCheckpoint(ctx context.Context) ([]byte, ledger.Checkpoint, error) {
	msg, c, err := latestCheckpoint(ctx, db.ro)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, c, err
	}
	s := db.log.Load()
	if s == nil {
		if err != nil {
			return nil, c, psti.Errorf(psti.EUNAVAILABLE, "The transparency log has no signed checkpoint yet.")
		}
		return msg, c, nil
	}
	size, serr := logSize(ctx, db.ro)
	if serr != nil {
		return nil, c, serr
	}
	if err == nil && c.Size >= size {
		return msg, c, nil
	}
	werr := db.publish(ctx, psti.System("transparency log"), func(tx *sql.Tx, now time.Time) (*change, error) {
		tree, err := currentTree(ctx, tx)
		if err != nil {
			return nil, err
		}
		return nil, db.signCheckpoint(ctx, tx, s, tree)
	})
	if werr != nil {
		return nil, c, werr
	}
	msg, c, err = latestCheckpoint(ctx, db.rw)
	return msg, c, err
}

func latestCheckpoint(ctx context.Context, q querier) ([]byte, ledger.Checkpoint, error) {
	var signed string
	err := q.QueryRowContext(ctx, `SELECT signed FROM log_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&signed)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ledger.Checkpoint{}, err
		}
		return nil, ledger.Checkpoint{}, fmt.Errorf("store: unable to read the latest checkpoint: %w", err)
	}
	c, err := checkpointOf(signed)
	return []byte(signed), c, err
}

// checkpointOf reads the body of a stored signed checkpoint, without
// checking its signature.
func checkpointOf(signed string) (ledger.Checkpoint, error) {
	body, _, ok := strings.Cut(signed, "\n\n")
	if !ok {
		return ledger.Checkpoint{}, fmt.Errorf("store: a stored checkpoint is not a signed note")
	}
	return ledger.ParseCheckpoint([]byte(body + "\n"))
}

// LogEntry returns entry idx's encoding, as it was appended.
func (db *DB) LogEntry(ctx context.Context, idx int64) ([]byte, error) {
	var data []byte
	err := db.ro.QueryRowContext(ctx, `SELECT data FROM log_entries WHERE idx = $1`, idx).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.Errorf(psti.ENOTFOUND, "The transparency log has no entry %d.", idx)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read log entry %d: %w", idx, err)
	}
	return data, nil
}

// LogEntriesAbout returns the entries about subject, oldest first.
func (db *DB) LogEntriesAbout(ctx context.Context, subject string) ([]ledger.Logged, error) {
	return db.logEntries(ctx, `SELECT idx, data FROM log_entries WHERE subject = $1 ORDER BY idx`, subject)
}

// LatestLogEntries returns up to limit entries before index before (all
// the latest when before <= 0), newest first.
func (db *DB) LatestLogEntries(ctx context.Context, before int64, limit int) ([]ledger.Logged, error) {
	if before <= 0 {
		before = 1 << 62
	}
	return db.logEntries(ctx, logEntriesQuery, before, limit)
}

// logEntriesQuery is a page of the log, newest first, by its index.
const logEntriesQuery = `SELECT idx, data FROM log_entries WHERE idx < $1 ORDER BY idx DESC LIMIT $2`

func (db *DB) logEntries(ctx context.Context, query string, args ...any) ([]ledger.Logged, error) {
	rows, err := db.ro.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read log entries: %w", err)
	}
	defer rows.Close()
	var out []ledger.Logged
	for rows.Next() {
		var l ledger.Logged
		var data []byte
		if err := rows.Scan(&l.Index, &data); err != nil {
			return nil, fmt.Errorf("store: unable to read log entries: %w", err)
		}
		if l.Entry, err = ledger.ParseEntry(data); err != nil {
			return nil, fmt.Errorf("store: log entry %d: %w", l.Index, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// LogTile returns the tile at a tlog tile path (tile/8/L/NNN[.p/W], or
// tile/8/data/NNN[.p/W] for an entry bundle: each entry's encoding after
// its length as two big-endian bytes), for a tile within the latest
// signed checkpoint.
func (db *DB) LogTile(ctx context.Context, path string) ([]byte, error) {
	t, err := tlog.ParseTilePath(path)
	if err != nil || t.H != ledger.TileHeight {
		return nil, psti.Errorf(psti.ENOTFOUND, "There is no such tile.")
	}
	_, c, err := db.LogCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	// Node k at tree level l is complete once the tree holds (k+1)<<l
	// entries; a tile holds W such nodes at level L×8, and is served full,
	// or partial only as wide as the tree is at that level.
	shift := max(t.L, 0) * ledger.TileHeight
	end := t.N<<ledger.TileHeight + int64(t.W)
	if end<<shift > c.Size || (t.W != 1<<ledger.TileHeight && end != c.Size>>shift) {
		return nil, psti.Errorf(psti.ENOTFOUND, "There is no such tile in the log of %d entries.", c.Size)
	}
	if t.L >= 0 {
		return tlog.ReadTileData(t, hashReader{ctx, db.ro, &db.hashes})
	}
	from := t.N << ledger.TileHeight
	rows, err := db.ro.QueryContext(ctx, `SELECT data FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx`, from, from+int64(t.W))
	if err != nil {
		return nil, fmt.Errorf("store: unable to read log entries: %w", err)
	}
	defer rows.Close()
	var out []byte
	n := 0
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("store: unable to read log entries: %w", err)
		}
		out = ledger.AppendBundle(out, data)
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n != t.W {
		return nil, fmt.Errorf("store: the log is missing entries between %d and %d", from, from+int64(t.W))
	}
	return out, nil
}

// ProveLogInclusion proves entry idx is in the tree of size size.
func (db *DB) ProveLogInclusion(ctx context.Context, idx, size int64) (*ledger.InclusionProof, error) {
	if n, err := logSize(ctx, db.ro); err != nil {
		return nil, err
	} else if size > n || idx < 0 || idx >= size {
		return nil, psti.Errorf(psti.ENOTFOUND, "Entry %d is not in a log of %d entries (the log has %d).", idx, size, n)
	}
	return ledger.ProveInclusion(size, idx, hashReader{ctx, db.ro, &db.hashes})
}

// ProveLogConsistency proves the tree of size old a prefix of that of new.
func (db *DB) ProveLogConsistency(ctx context.Context, old, new int64) (*ledger.ConsistencyProof, error) {
	if n, err := logSize(ctx, db.ro); err != nil {
		return nil, err
	} else if new > n || old < 0 || old > new {
		return nil, psti.Errorf(psti.ENOTFOUND, "The log has %d entries: it cannot prove a log of %d entries grew from %d.", n, new, old)
	}
	return ledger.ProveConsistency(old, new, hashReader{ctx, db.ro, &db.hashes})
}

// LogKeys returns every key that has signed the log's checkpoints, oldest
// first, with the endorsements that chain them.
func (db *DB) LogKeys(ctx context.Context) (*ledger.KeyList, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT origin, vkey, from_size, endorsement FROM log_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the log's keys: %w", err)
	}
	defer rows.Close()
	l := &ledger.KeyList{}
	for rows.Next() {
		var k ledger.ListedKey
		if err := rows.Scan(&l.Origin, &k.Key, &k.FromSize, &k.Endorsement); err != nil {
			return nil, fmt.Errorf("store: unable to read the log's keys: %w", err)
		}
		l.Keys = append(l.Keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(l.Keys) == 0 {
		return nil, psti.Errorf(psti.EUNAVAILABLE, "The transparency log has no key yet.")
	}
	return l, nil
}

// RotateLogKey makes a new signing key, sealed under secret, endorsed by
// the current key (which must open with the same secret) from the log's
// present size, and retires the current key. Checkpoints signed before
// keep verifying through the key list.
func (db *DB) RotateLogKey(ctx context.Context, a psti.Actor, secret []byte) (vkey string, err error) {
	var s *logSigner
	err = db.publish(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		old, err := currentKey(ctx, tx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, psti.Errorf(psti.ENOTFOUND, "The log has no key yet: start psti serve once first.")
		}
		if err != nil {
			return nil, err
		}
		oldSigner, err := old.open(secret)
		if err != nil {
			return nil, err
		}
		skey, v, err := ledger.NewKey(old.origin, nil)
		if err != nil {
			return nil, err
		}
		tree, err := currentTree(ctx, tx)
		if err != nil {
			return nil, err
		}
		// The old key signs the log as it stands, so that every entry so
		// far is covered by a checkpoint of the key that held it.
		if err := db.signCheckpoint(ctx, tx, oldSigner, tree); err != nil {
			return nil, err
		}
		endorsement, err := ledger.Endorse(oldSigner.signer, old.origin, v, tree.Size())
		if err != nil {
			return nil, err
		}
		sealed, err := ledger.Seal(secret, skey)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE log_keys SET retired_at = $1 WHERE id = $2`, now, old.id); err != nil {
			return nil, fmt.Errorf("store: unable to retire the log's key: %w", err)
		}
		s = &logSigner{origin: old.origin, vkey: v, secret: secret}
		if err := tx.QueryRowContext(ctx, `INSERT INTO log_keys (origin, vkey, sealed, from_size, endorsement, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			old.origin, v, sealed, tree.Size(), endorsement, now).Scan(&s.id); err != nil {
			return nil, fmt.Errorf("store: unable to keep the new log key: %w", err)
		}
		if s.signer, err = note.NewSigner(skey); err != nil {
			return nil, err
		}
		vkey = v
		return &change{psti.ActionUpdate, "log_key", s.id, map[string]any{"key": old.vkey}, map[string]any{"key": v, "from_size": tree.Size()}}, nil
	})
	if err != nil {
		return "", err
	}
	if db.log.Load() != nil {
		db.log.Store(s)
	}
	return vkey, nil
}

// CheckLog checks the whole log against itself and its signed checkpoints:
// every entry against its leaf hash, every stored tree hash against the
// two below it, every checkpoint's root against the tree it names, and
// every checkpoint's signature against the log's keys. It returns what is
// wrong (at most maxProblems findings, each naming an entry or a
// checkpoint); nothing when the log is sound. psti serve runs it on start.
func (db *DB) CheckLog(ctx context.Context, progress func(done, total int64)) ([]string, error) {
	const maxProblems = 20
	var problems []string
	add := func(format string, args ...any) {
		if len(problems) < maxProblems {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	var known note.Verifiers
	if keys, err := db.LogKeys(ctx); err == nil {
		v, _, err := keys.Verifiers()
		if err != nil {
			add("the log's key list does not hold together: %v", err)
		}
		known = v
	} else if psti.ErrorCode(err) != psti.EUNAVAILABLE {
		return nil, err
	}
	type cp struct {
		size   int64
		root   []byte
		signed string
	}
	var cps []cp
	rows, err := db.ro.QueryContext(ctx, `SELECT size, root, signed FROM log_checkpoints ORDER BY size`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the log's checkpoints: %w", err)
	}
	for rows.Next() {
		var c cp
		if err := rows.Scan(&c.size, &c.root, &c.signed); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: unable to read the log's checkpoints: %w", err)
		}
		cps = append(cps, c)
	}
	rows.Close()
	total, err := logSize(ctx, db.ro)
	if err != nil {
		return nil, err
	}
	var check ledger.Checker
	next := 0
	checkpoint := func() {
		for next < len(cps) && cps[next].size == check.Size() {
			c := cps[next]
			next++
			body, err := checkpointOf(c.signed)
			root := check.Root()
			switch {
			case err != nil:
				add("checkpoint of %d entries: %v", c.size, err)
			case body.Size != c.size || string(body.Hash[:]) != string(c.root):
				add("checkpoint of %d entries: the signed text does not match the size and root stored beside it", c.size)
			case body.Hash != root:
				add("checkpoint of %d entries: the log's first %d entries no longer give the root hash it signed (an entry up to %d was altered, and its hashes rewritten)", c.size, c.size, c.size-1)
			}
			if known != nil {
				if _, err := ledger.OpenCheckpoint([]byte(c.signed), known); err != nil {
					add("checkpoint of %d entries: %v", c.size, strings.TrimPrefix(err.Error(), "ledger: "))
				}
			}
		}
	}
	checkpoint()
	rows, err = db.ro.QueryContext(ctx, `SELECT idx, data, hashes FROM log_entries ORDER BY idx`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the log: %w", err)
	}
	defer rows.Close()
	var stored []tlog.Hash
	for rows.Next() {
		var idx int64
		var data, hs []byte
		if err := rows.Scan(&idx, &data, &hs); err != nil {
			return nil, fmt.Errorf("store: unable to read the log: %w", err)
		}
		if idx != check.Size() {
			add("entry %d is missing", check.Size())
			return problems, nil
		}
		stored = stored[:0]
		for len(hs) >= tlog.HashSize {
			var h tlog.Hash
			copy(h[:], hs)
			stored = append(stored, h)
			hs = hs[tlog.HashSize:]
		}
		if p := check.Next(data, stored); p != "" {
			add("%s", p)
		}
		checkpoint()
		if progress != nil && idx%65536 == 65535 {
			progress(idx+1, total)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read the log: %w", err)
	}
	for ; next < len(cps); next++ {
		add("checkpoint of %d entries: the log holds only %d (entries were removed)", cps[next].size, check.Size())
	}
	if progress != nil {
		progress(total, total)
	}
	return problems, nil
}

// AppendLog appends entries to the log in one transaction of their own and
// returns the index of the first. Records that psti publishes append their
// entry in their own transaction instead; this is for entries that prove
// nothing else in the database.
func (db *DB) AppendLog(ctx context.Context, a psti.Actor, es []*ledger.Entry) (int64, error) {
	var first int64
	err := db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		var err error
		first, err = db.appendLogEntries(ctx, tx, es)
		return nil, err
	})
	return first, err
}

// LogVerifier returns the verifier key of the key that signs checkpoints
// now, as /log/key serves it.
func (db *DB) LogVerifier(ctx context.Context) (string, error) {
	k, err := currentKey(ctx, db.ro)
	if errors.Is(err, sql.ErrNoRows) {
		return "", psti.Errorf(psti.EUNAVAILABLE, "The transparency log has no key yet.")
	}
	if err != nil {
		return "", err
	}
	return k.vkey, nil
}

// WarmLogCache reads the hashes of the upper levels of the tree into
// memory, so that the first proofs after a start are as quick as later
// ones. psti serve runs it in the background as it starts.
func (db *DB) WarmLogCache(ctx context.Context) error {
	size, err := logSize(ctx, db.ro)
	if err != nil {
		return err
	}
	const step = 1 << cacheLevel
	var batch []int64
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var idx []int64
		for _, rec := range batch {
			// The hashes entry rec stores above its leaf: one a level.
			for level, n := 1, rec; n&1 == 1; level, n = level+1, n>>1 {
				if level >= cacheLevel {
					idx = append(idx, tlog.StoredHashIndex(level, rec>>level))
				}
			}
		}
		batch = batch[:0]
		_, err := hashReader{ctx, db.ro, &db.hashes}.ReadHashes(idx)
		return err
	}
	for rec := int64(step - 1); rec < size; rec += step {
		batch = append(batch, rec)
		if len(batch) == 256 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
