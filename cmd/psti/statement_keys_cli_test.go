package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// certFiles writes, in a folder of the test's, a PKCS#8 key and its chain
// (see storetest.CertChain), and returns the two files and the key's
// certificate.
func certFiles(t *testing.T, name string, from, until time.Time) (keyFile, chainFile string, leaf *x509.Certificate) {
	t.Helper()
	keyPEM, chainPEM, leaf := storetest.CertChain(t, name, from, until)
	dir := t.TempDir()
	keyFile, chainFile = filepath.Join(dir, "key.pem"), filepath.Join(dir, "chain.pem")
	must(t, os.WriteFile(keyFile, keyPEM, 0o600))
	must(t, os.WriteFile(chainFile, chainPEM, 0o644))
	return keyFile, chainFile, leaf
}

// TestStatementKeyCommands: a self-signed test key is made, and a key
// with its chain imported, sealed under the log's secret; the list shows
// each with its fingerprint, end and status, and warns of an end within
// 90 days; a key that is not the certificate's, an encrypted key, an
// ended certificate and a wrong secret are refused with exit 2, saying
// what is wrong; a retired key signs nothing more.
func TestStatementKeyCommands(t *testing.T) {
	ctx := context.Background()
	url := storetest.SQLite.URL(t)
	db := openDB(t, url)
	must(t, db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "psti.test/log"}))
	db.Close()
	t.Setenv("PSTI_LOG_SECRET", string(storetest.LogSecret))
	keyCmd := func(args ...string) result {
		t.Helper()
		return cli(t, append([]string{"statement", "key", args[0], "--database-url", url}, args[1:]...)...)
	}

	r := keyCmd("list")
	wantExit(t, r, 0)
	wantContains(t, "an empty list", r.stdout, "No key to sign statements yet", "psti statement key import")

	r = keyCmd("generate", "--name", "Acme Devices Ltd", "--days", "30")
	wantExit(t, r, 0)
	wantContains(t, "a test key", r.stdout, "O=Acme Devices Ltd", "Fingerprint", "Signs statements", "in 30 days")
	wantContains(t, "its note", r.stderr, "self-signed", "proves nothing to others")

	now := time.Now()
	keyFile, chainFile, leaf := certFiles(t, "Acme statements 2027", now.Add(-time.Hour), now.AddDate(2, 0, 0))
	r = keyCmd("import", "--key", keyFile, "--chain", chainFile, "--label", "Statements 2027")
	wantExit(t, r, 0)
	wantContains(t, "an imported key", r.stdout, "Statements 2027", "CN=Acme statements 2027", "Issuer", "CN=Test CA", "Signs statements")
	if strings.Contains(r.stdout, "Warning") {
		t.Fatalf("a key valid for two years is warned about:\n%s", r.stdout)
	}

	db = openDB(t, url)
	must(t, db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret}))
	s, err := db.StatementSigner(ctx, time.Now())
	must(t, err)
	if !s.Certificate().Equal(leaf) || len(s.Chain) != 2 {
		t.Fatalf("the key that signs is %s", s.Certificate().Subject)
	}
	db.Close()

	r = keyCmd("list")
	wantExit(t, r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) < 3 || !strings.Contains(lines[1], "Acme statements 2027") || !strings.Contains(lines[1], "Signs statements") ||
		!strings.Contains(lines[2], "(self-signed)") || !strings.Contains(lines[2], "not in use") {
		t.Fatalf("list:\n%s", r.stdout)
	}
	wantContains(t, "the list", r.stdout, s.Fingerprint())
	if strings.Contains(r.stdout, "Warning") {
		t.Fatalf("warned though the key that signs has two years:\n%s", r.stdout)
	}

	// Refusals, each saying what is wrong and with which file.
	otherKey, _, _ := certFiles(t, "Another", now, now.AddDate(1, 0, 0))
	encrypted := filepath.Join(t.TempDir(), "encrypted.pem")
	must(t, os.WriteFile(encrypted, pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2, 3}}), 0o600))
	endedKey, endedChain, _ := certFiles(t, "Ended", now.AddDate(-2, 0, 0), now.AddDate(0, 0, -1))
	for _, c := range []struct {
		name string
		args []string
		code int
		says []string
	}{
		{"a key that is not the certificate's", []string{"import", "--key", otherKey, "--chain", chainFile}, 2, []string{chainFile, "not the key of the first certificate"}},
		{"an encrypted key", []string{"import", "--key", encrypted, "--chain", chainFile}, 2, []string{encrypted, "encrypted with a password"}},
		{"a certificate that has ended", []string{"import", "--key", endedKey, "--chain", endedChain}, 2, []string{endedChain, "ended on"}},
		{"the key kept already", []string{"import", "--key", keyFile, "--chain", chainFile}, 1, []string{"in place already"}},
		{"no such file", []string{"import", "--key", keyFile + ".missing", "--chain", chainFile}, 2, []string{"cannot read the key file"}},
		{"no chain", []string{"import", "--key", keyFile}, 2, []string{"--chain"}},
		{"no name", []string{"generate"}, 2, []string{"--name"}},
		{"no days", []string{"generate", "--name", "Acme", "--days", "0"}, 2, []string{"number of days"}},
		{"a key that is not there", []string{"retire", "99"}, 1, []string{"no statement signing key 99"}},
		{"not a key id", []string{"retire", "two"}, 2, []string{"not a key id"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := keyCmd(c.args...)
			wantExit(t, r, c.code)
			wantContains(t, "stderr", r.stderr, c.says...)
		})
	}

	// A secret that does not open the log's key is refused before
	// anything is kept.
	t.Setenv("PSTI_LOG_SECRET", "not the secret the log was started with")
	r = keyCmd("generate", "--name", "Acme Devices Ltd")
	wantExit(t, r, 2)
	wantContains(t, "stderr", r.stderr, "does not open the transparency log's key")
	t.Setenv("PSTI_LOG_SECRET", "short")
	wantExit(t, keyCmd("generate", "--name", "Acme Devices Ltd"), 2)
	t.Setenv("PSTI_LOG_SECRET", string(storetest.LogSecret))

	// Retiring the key that signs: the test key, which ends within 90
	// days, signs again, and the list warns of its end.
	r = keyCmd("retire", "2")
	wantExit(t, r, 0)
	wantContains(t, "retire", r.stdout, "Retired key 2", "in 30 days")
	r = keyCmd("list")
	wantExit(t, r, 0)
	wantContains(t, "the list", r.stdout, "Retired on", "Warning: The certificate that signs statements ends on")
	r = keyCmd("retire", "2")
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "retired on")
	if n := counts(t, url)["statement_keys"]; n != 2 {
		t.Fatalf("%d keys kept, want 2", n)
	}
}

// TestStatementKeyNeedsLog: before psti serve has made the transparency
// log's key, there is no secret to seal a statement key under: the
// command says to start psti serve once.
func TestStatementKeyNeedsLog(t *testing.T) {
	url := storetest.SQLite.URL(t)
	openDB(t, url).Close()
	t.Setenv("PSTI_LOG_SECRET", string(storetest.LogSecret))
	r := cli(t, "statement", "key", "generate", "--database-url", url, "--name", "Acme Devices Ltd")
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "start psti serve once first")
	if n := counts(t, url)["log_keys"]; n != 0 {
		t.Fatalf("the command made a log key (%d)", n)
	}
}
