package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/psti"
)

// ---- keyed password fingerprints (passwords.FingerprintStore) ----

// printChunk is the most of a fingerprint file kept in one row: what an
// audit holds in memory for each earlier batch it compares with.
const printChunk = 256 << 10

// SaveFingerprints keeps a running audit's fingerprint file in pieces, in
// one transaction: a later audit sees all of it or none.
func (db *DB) SaveFingerprints(ctx context.Context, runID int64, r io.Reader) error {
	return db.write(ctx, psti.Actor{}, func(tx *sql.Tx, _ time.Time) (*change, error) {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM password_audits WHERE id = $1`, runID).Scan(&state)
		if err := notFound(err, "password audit", runID); err != nil {
			return nil, err
		}
		if state != passwords.RunRunning {
			return nil, psti.Errorf(psti.ECONFLICT, "Password audit %d is %s: only a running audit keeps its fingerprints.", runID, state)
		}
		buf := make([]byte, printChunk)
		for seq := 0; ; seq++ {
			n, err := io.ReadFull(r, buf)
			if n > 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO password_audit_fingerprints (audit_id, seq, data) VALUES ($1, $2, $3)`, runID, seq, buf[:n]); err != nil {
					return nil, fmt.Errorf("store: unable to keep the fingerprints of password audit %d: %w", runID, err)
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, nil
			}
			if err != nil {
				return nil, fmt.Errorf("store: unable to read the fingerprints of password audit %d: %w", runID, err)
			}
		}
	})
}

// EarlierFingerprints lists, for each other batch of batchID's product, its
// newest finished audit with fingerprints, oldest first.
func (db *DB) EarlierFingerprints(ctx context.Context, batchID int64) ([]passwords.StoredFingerprints, error) {
	rows, err := db.ro.QueryContext(ctx, `
		SELECT a.id, a.batch_id, b.code, a.file_name
		FROM batches b JOIN password_audits a ON a.id = (
			SELECT max(a2.id) FROM password_audits a2
			WHERE a2.batch_id = b.id AND a2.state = 'done'
			  AND EXISTS (SELECT 1 FROM password_audit_fingerprints f WHERE f.audit_id = a2.id AND f.seq = 0))
		WHERE b.product_id = (SELECT product_id FROM batches WHERE id = $1) AND b.id <> $1
		ORDER BY a.id`, batchID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list earlier fingerprints: %w", err)
	}
	defer rows.Close()
	var out []passwords.StoredFingerprints
	for rows.Next() {
		var s passwords.StoredFingerprints
		if err := rows.Scan(&s.RunID, &s.BatchID, &s.BatchCode, &s.FileName); err != nil {
			return nil, fmt.Errorf("store: unable to read earlier fingerprints: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list earlier fingerprints: %w", err)
	}
	return out, nil
}

// OpenFingerprints reads an audit's fingerprint file a piece at a time.
func (db *DB) OpenFingerprints(ctx context.Context, runID int64) (io.ReadCloser, error) {
	r := &printReader{ctx: ctx, db: db, id: runID}
	if err := r.fetch(); err != nil {
		return nil, err
	}
	if r.done {
		return nil, psti.Errorf(psti.ENOTFOUND, "Password audit %d kept no fingerprints.", runID)
	}
	return r, nil
}

type printReader struct {
	ctx  context.Context
	db   *DB
	id   int64
	seq  int
	buf  []byte
	done bool
}

func (r *printReader) fetch() error {
	err := r.db.ro.QueryRowContext(r.ctx, `SELECT data FROM password_audit_fingerprints WHERE audit_id = $1 AND seq = $2`, r.id, r.seq).Scan(&r.buf)
	if errors.Is(err, sql.ErrNoRows) {
		r.done, r.buf = true, nil
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: unable to read the fingerprints of password audit %d: %w", r.id, err)
	}
	r.seq++
	return nil
}

func (r *printReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		if err := r.fetch(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *printReader) Close() error { return nil }
