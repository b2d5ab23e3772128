package main

import (
	"context"
	"log/slog"
	"time"

	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/psti/psti/internal/web"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

// logSecretFile is where psti serve keeps the transparency log's key
// secret beside an SQLite database when none is configured.
const logSecretFile = "log-key.secret"

// logSecret returns the secret that seals the transparency log's signing
// key: PSTI_LOG_SECRET, else the file named by PSTI_LOG_SECRET_FILE, else,
// on SQLite, a file beside the database, made on first start when create
// is set. On PostgreSQL one must be configured: replicas share the key,
// so each needs the same secret, and the database alone must not be
// enough to sign.
func (a *app) logSecret(create bool) ([]byte, string, error) {
	var p problems
	checkLogSecret(&p, a.databaseURL)
	if err := p.err(); err != nil {
		return nil, "", err
	}
	if s := os.Getenv("PSTI_LOG_SECRET"); s != "" {
		return []byte(s), "PSTI_LOG_SECRET", nil
	}
	path := os.Getenv("PSTI_LOG_SECRET_FILE")
	from := "PSTI_LOG_SECRET_FILE"
	if path == "" {
		// SQLite (checkLogSecret refuses PostgreSQL without a secret).
		_, target, err := store.ParseURL(a.databaseURL)
		if err != nil {
			return nil, "", usagef("%v", err)
		}
		path, from = filepath.Join(filepath.Dir(target), logSecretFile), "the file beside the database"
		if create {
			if err := makeSecretFile(path); err != nil {
				return nil, "", err
			}
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("the transparency log's key secret %s (%s) does not exist; psti serve makes it on first start beside an SQLite database", path, from)
		}
		return nil, "", fmt.Errorf("cannot read the transparency log's key secret: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if len(s) < psti.MinSecret {
		return nil, "", usagef("the transparency log's key secret in %s is %d characters; it needs at least %d", path, len(s), psti.MinSecret)
	}
	return []byte(s), path, nil
}

// checkLogSecret checks the log's key secret settings before anything is
// opened: a secret long enough, and on PostgreSQL one configured at all.
func checkLogSecret(p *problems, databaseURL string) {
	secret, file := os.Getenv("PSTI_LOG_SECRET"), os.Getenv("PSTI_LOG_SECRET_FILE")
	switch {
	case secret != "" && len(secret) < psti.MinSecret:
		p.add(setting{env: "PSTI_LOG_SECRET"}, "is %d characters; it needs at least %d (32 random bytes in hex is a good choice: openssl rand -hex 32)", len(secret), psti.MinSecret)
	case secret == "" && file == "" && !strings.HasPrefix(databaseURL, "sqlite:"):
		p.add(setting{env: "PSTI_LOG_SECRET"}, "must be set on PostgreSQL (or PSTI_LOG_SECRET_FILE): a secret of at least 16 characters, the same for every server sharing the database. "+
			"It seals the key that signs the transparency log, so that a copy of the database alone cannot sign. Make one with: openssl rand -hex 32")
	}
}

// makeSecretFile writes 32 random bytes, in hex, to path unless it exists.
func makeSecretFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot make the transparency log's key secret: %w", err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		f.Close()
		return err
	}
	if _, err := f.WriteString(hex.EncodeToString(b) + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// logOrigin names a new log after the installation's public address:
// "shop.example/log" for https://shop.example.
func logOrigin(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "psti.invalid/log"
	}
	return strings.ToLower(u.Host) + strings.TrimSuffix(u.EscapedPath(), "/") + "/log"
}

// selfCheckLog checks the whole transparency log against its hashes and
// signed checkpoints once the server is up, and reports what is wrong in
// the log and to staff on every page.
func selfCheckLog(ctx context.Context, db *store.DB, srv *web.Server, log *slog.Logger) {
	if err := db.WarmLogCache(ctx); err != nil && ctx.Err() == nil {
		log.Warn("could not read the transparency log's tree hashes ahead; proofs read them as needed", "err", err)
	}
	started := time.Now()
	problems, err := db.CheckLog(ctx, nil)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("transparency log self-check could not run", "err", err)
		}
		return
	}
	if len(problems) == 0 {
		log.Info("transparency log self-check passed", "took", time.Since(started).Round(time.Millisecond))
		return
	}
	for _, p := range problems {
		log.Error("transparency log self-check FAILED", "problem", p)
	}
	srv.SetLogProblems(problems)
}
