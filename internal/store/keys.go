package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
)

// InstallationKey returns this installation's secret key of the given name,
// making it (size random bytes) the first time it is asked for. Two servers
// asking at once get the same key: the first insert wins and both read it
// back. A key is never changed or deleted afterwards (the table refuses
// it), so what it fingerprinted or signed can always be checked.
func (db *DB) InstallationKey(ctx context.Context, name string, size int) ([]byte, error) {
	if name == "" || size < 16 || size > 1024 {
		return nil, fmt.Errorf("store: installation key %q of %d bytes is not a key psti makes", name, size)
	}
	key, err := db.InstallationSecret(ctx, name, func() ([]byte, error) {
		fresh := make([]byte, size)
		_, _ = rand.Read(fresh) // never fails
		return fresh, nil
	})
	if err != nil {
		return nil, err
	}
	return checkKey(name, key, size)
}

func checkKey(name string, key []byte, size int) ([]byte, error) {
	if len(key) != size {
		return nil, fmt.Errorf("store: installation key %q has %d bytes, not %d: it was made for something else", name, len(key), size)
	}
	return key, nil
}

// InstallationSecret returns this installation's secret of the given name,
// calling mk the first time it is asked for and keeping what it returns
// (such as a serialised OpenPGP key, whose form is the maker's to choose).
// Like InstallationKey, two servers asking at once get the same secret and
// it is never changed or deleted afterwards.
func (db *DB) InstallationSecret(ctx context.Context, name string, mk func() ([]byte, error)) ([]byte, error) {
	if name == "" {
		return nil, fmt.Errorf("store: an installation secret needs a name")
	}
	read := func() ([]byte, error) {
		var key []byte
		err := db.rw.QueryRowContext(ctx, `SELECT secret FROM installation_keys WHERE name = $1`, name).Scan(&key)
		return key, err
	}
	key, err := read()
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: unable to read installation secret %q: %w", name, err)
	}
	fresh, err := mk()
	if err != nil {
		return nil, err
	}
	if _, err := db.rw.ExecContext(ctx, `INSERT INTO installation_keys (name, secret, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, name, fresh, db.now()); err != nil {
		return nil, fmt.Errorf("store: unable to keep installation secret %q: %w", name, err)
	}
	if key, err = read(); err != nil {
		return nil, fmt.Errorf("store: unable to read installation secret %q: %w", name, err)
	}
	return key, nil
}
