package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
)

// The keys that sign statements of compliance, sealed under the
// installation's secret: the one that opens the transparency log's key,
// which OpenLog was given. A copy of the database alone cannot sign.

// sealSecret is the installation's secret, once OpenLog has run.
func (db *DB) sealSecret() ([]byte, error) {
	s := db.log.Load()
	if s == nil || len(s.secret) == 0 {
		return nil, psti.Errorf(psti.EUNAVAILABLE, "The keys that sign statements are sealed under the secret that opens the transparency log's key, "+
			"and the log is not open here: psti serve opens it as it starts, and the psti statement key commands with PSTI_LOG_SECRET (or its file).")
	}
	return s.secret, nil
}

const statementKeyCols = `id, label, subject, issuer, fingerprint, not_before, not_after, created_at, retired_at`

func scanStatementKey(row interface{ Scan(...any) error }) (*statement.SigningKey, error) {
	k := &statement.SigningKey{}
	err := row.Scan(&k.ID, &k.Label, &k.Subject, &k.Issuer, &k.Fingerprint, utc(&k.NotBefore), utc(&k.NotAfter), utc(&k.CreatedAt), utcPtr(&k.RetiredAt))
	return k, err
}

// AddStatementKey keeps s, sealed, to sign statements, named label (its
// certificate's common name when empty). A certificate that has ended is
// refused, and so is one kept already. Keys are not replaced: the newest
// one valid at a time signs then (StatementSigner).
func (db *DB) AddStatementKey(ctx context.Context, a psti.Actor, s *statement.Signer, label string) (*statement.SigningKey, error) {
	secret, err := db.sealSecret()
	if err != nil {
		return nil, err
	}
	k, err := statement.KeyOf(s, label)
	if err != nil {
		return nil, err
	}
	sealed, err := s.Seal(secret)
	if err != nil {
		return nil, err
	}
	err = db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if !now.Before(k.NotAfter) {
			return nil, psti.FieldErrorf(psti.EINVALID, "chain", "The certificate ended on %s: it can sign nothing more. Ask for a new one.", psti.LongDate(k.NotAfter))
		}
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM statement_keys WHERE fingerprint = $1`, k.Fingerprint).Scan(&id)
		if err == nil {
			return nil, psti.Errorf(psti.ECONFLICT, "This certificate is in place already (signing key %d).", id)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: unable to read the statement signing keys: %w", err)
		}
		k.CreatedAt = now
		if err := tx.QueryRowContext(ctx, `INSERT INTO statement_keys (label, subject, issuer, fingerprint, not_before, not_after, sealed, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			k.Label, k.Subject, k.Issuer, k.Fingerprint, k.NotBefore.Truncate(time.Microsecond), k.NotAfter.Truncate(time.Microsecond), sealed, now).Scan(&k.ID); err != nil {
			if isUnique(err) {
				return nil, psti.Errorf(psti.ECONFLICT, "This certificate is in place already.")
			}
			return nil, fmt.Errorf("store: unable to keep the statement signing key: %w", err)
		}
		return &change{psti.ActionCreate, "statement_key", k.ID, nil, k}, nil
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// StatementKeys lists the keys that sign statements, newest first: what
// their certificates say, never their secrets.
func (db *DB) StatementKeys(ctx context.Context) ([]*statement.SigningKey, error) {
	return statementKeys(ctx, db.ro)
}

func statementKeys(ctx context.Context, q querier) ([]*statement.SigningKey, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+statementKeyCols+` FROM statement_keys ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the statement signing keys: %w", err)
	}
	defer rows.Close()
	var out []*statement.SigningKey
	for rows.Next() {
		k, err := scanStatementKey(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list the statement signing keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RetireStatementKey retires key id: it signs nothing more, and is kept,
// so that the statements it signed still name it.
func (db *DB) RetireStatementKey(ctx context.Context, a psti.Actor, id int64) (*statement.SigningKey, error) {
	var k *statement.SigningKey
	err := db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		var err error
		k, err = scanStatementKey(tx.QueryRowContext(ctx, `SELECT `+statementKeyCols+` FROM statement_keys WHERE id = $1`+db.dialect.forUpdate, id))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, psti.Errorf(psti.ENOTFOUND, "There is no statement signing key %d.", id)
		}
		if err != nil {
			return nil, fmt.Errorf("store: unable to read statement signing key %d: %w", id, err)
		}
		if k.Retired() {
			return nil, psti.Errorf(psti.ECONFLICT, "Signing key %d was retired on %s already.", id, psti.LongDate(*k.RetiredAt))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE statement_keys SET retired_at = $1 WHERE id = $2`, now, id); err != nil {
			return nil, fmt.Errorf("store: unable to retire statement signing key %d: %w", id, err)
		}
		k.RetiredAt = &now
		return &change{psti.ActionRetire, "statement_key", id, nil, map[string]any{"label": k.Label, "fingerprint": k.Fingerprint, "retired_at": now}}, nil
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// signerKey names a statement signing key opened with a secret.
type signerKey struct {
	id     int64
	secret [sha256.Size]byte
}

// StatementSigner returns the key that signs statements at now, opened:
// the newest unretired one whose certificate is valid then.
func (db *DB) StatementSigner(ctx context.Context, now time.Time) (*statement.Signer, error) {
	secret, err := db.sealSecret()
	if err != nil {
		return nil, err
	}
	keys, err := statementKeys(ctx, db.ro)
	if err != nil {
		return nil, err
	}
	k := statement.Active(keys, now)
	if k == nil {
		return nil, psti.Errorf(psti.ECONFLICT, "No key to sign statements is in place: add one on the admin page Signing keys for statements (/admin/statements/keys), "+
			"or with psti statement key import --key KEY.pem --chain CHAIN.pem (psti statement key generate makes a self-signed one, for trying psti out).")
	}
	// A kept key never changes (it is only ever retired): once opened
	// with this secret, it is kept open for the next statement.
	opened := signerKey{k.ID, sha256.Sum256(secret)}
	if s, ok := db.signers.Load(opened); ok && s.(*statement.Signer).Fingerprint() == k.Fingerprint {
		return s.(*statement.Signer), nil
	}
	var sealed []byte
	if err := db.ro.QueryRowContext(ctx, `SELECT sealed FROM statement_keys WHERE id = $1`, k.ID).Scan(&sealed); err != nil {
		return nil, fmt.Errorf("store: unable to read statement signing key %d: %w", k.ID, err)
	}
	s, err := statement.OpenSigner(secret, sealed)
	if err != nil {
		return nil, fmt.Errorf("store: statement signing key %d (%s) cannot be opened with the installation's secret: %w", k.ID, k.Fingerprint, err)
	}
	if s.Fingerprint() != k.Fingerprint {
		return nil, psti.Errorf(psti.EDAMAGED, "Statement signing key %d does not hold the certificate its row names: restore the database from a backup.", k.ID)
	}
	db.signers.Store(opened, s)
	return s, nil
}
