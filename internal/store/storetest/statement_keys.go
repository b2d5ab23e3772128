package storetest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/store"
)

// testStatementKeys: the keys that sign statements are sealed under the
// secret that opens the log's key, never kept in the clear; the newest
// unretired key valid at a time signs then, and an ended or retired one
// never does; a certificate that has ended, or one kept already, is
// refused; keys are only ever retired, never deleted or changed, at the
// store and in the database.
func testStatementKeys(t *testing.T, b Backend) {
	ctx := context.Background()
	db, clock := Open(t, b)
	now := clock.Now()
	day := 24 * time.Hour
	signer := func(name string, from time.Time, validFor time.Duration) *statement.Signer {
		t.Helper()
		s, err := statement.SelfSigned(name, "Acme Devices Ltd", from, validFor, nil)
		must(t, err)
		return s
	}
	first := signer("Acme statements 1", now, 30*day)

	// Until the log is open, there is no secret to seal under.
	_, err := db.AddStatementKey(ctx, editor, first, "")
	wantCode(t, err, psti.EUNAVAILABLE, "")
	_, err = db.StatementSigner(ctx, now)
	wantCode(t, err, psti.EUNAVAILABLE, "")
	openLog(t, db)

	_, err = db.StatementSigner(ctx, now)
	wantCode(t, err, psti.ECONFLICT, "")
	if msg := psti.ErrorMessage(err); !strings.Contains(msg, "No key to sign statements is in place") || !strings.Contains(msg, "psti statement key") {
		t.Fatalf("no key: %q does not say how to add one", msg)
	}

	k1, err := db.AddStatementKey(ctx, editor, first, "")
	must(t, err)
	if k1.ID == 0 || k1.Label != "Acme statements 1" || k1.Fingerprint != first.Fingerprint() || !k1.SelfSigned() ||
		!k1.NotAfter.Equal(first.Certificate().NotAfter) || !k1.CreatedAt.Equal(now) {
		t.Fatalf("added %+v", k1)
	}
	_, err = db.AddStatementKey(ctx, editor, first, "again")
	wantCode(t, err, psti.ECONFLICT, "")
	_, err = db.AddStatementKey(ctx, editor, signer("Old", now.Add(-400*day), 365*day), "")
	wantCode(t, err, psti.EINVALID, "chain")
	_, err = db.AddStatementKey(ctx, editor, signer("Bad label", now, day), "a\x00b")
	wantCode(t, err, psti.EINVALID, "label")

	got, err := db.StatementSigner(ctx, now)
	must(t, err)
	if got.Fingerprint() != first.Fingerprint() || got.JSONKey == nil || got.CanSign(now) != nil {
		t.Fatalf("the signer opened is not the key added: %s", got.Fingerprint())
	}
	// What it signs now still verifies after its certificate has ended,
	// naming a key that is kept.
	doc := []byte(`{"statement":"signed while the key was valid"}`)
	jws, err := statement.SignJSON(doc, got)
	must(t, err)

	// A newer key signs; one added later still, valid for a shorter time,
	// signs until it ends, and the newest valid one after that.
	second := signer("Acme statements 2", now, 365*day)
	k2, err := db.AddStatementKey(ctx, editor, second, "Second")
	must(t, err)
	short := signer("Acme statements 3", now, 10*day)
	k3, err := db.AddStatementKey(ctx, editor, short, "Short")
	must(t, err)
	signs := func(at time.Time, want *statement.Signer) {
		t.Helper()
		got, err := db.StatementSigner(ctx, at)
		if want == nil {
			wantCode(t, err, psti.ECONFLICT, "")
			return
		}
		must(t, err)
		if got.Fingerprint() != want.Fingerprint() {
			t.Fatalf("at %s the key %s signs, want %s", at, got.Certificate().Subject.CommonName, want.Certificate().Subject.CommonName)
		}
	}
	signs(now, short)
	signs(now.Add(15*day), second) // the newest has ended
	signs(now.Add(-time.Hour), nil)
	_, err = db.RetireStatementKey(ctx, editor, k2.ID)
	must(t, err)
	signs(now.Add(15*day), first)
	signs(now.Add(31*day), nil) // the first ended, the second retired
	chain, err := statement.VerifyJSON(doc, jws)
	must(t, err)
	if sum := sha256.Sum256(chain[0].Raw); hex.EncodeToString(sum[:]) != k1.Fingerprint || !now.Add(31*day).After(chain[0].NotAfter) {
		t.Fatal("the signature made with the ended key does not name it")
	}
	_, err = db.RetireStatementKey(ctx, editor, k2.ID)
	wantCode(t, err, psti.ECONFLICT, "")
	_, err = db.RetireStatementKey(ctx, editor, 9999)
	wantCode(t, err, psti.ENOTFOUND, "")

	keys, err := db.StatementKeys(ctx)
	must(t, err)
	if len(keys) != 3 || keys[0].ID != k3.ID || keys[1].ID != k2.ID || keys[1].RetiredAt == nil || keys[2].RetiredAt != nil {
		t.Fatalf("keys %+v", keys)
	}
	if a := statement.Active(keys, now); a == nil || a.ID != k3.ID {
		t.Fatalf("active %+v", a)
	}

	// The audit trail has each addition and the retirement, and no secret.
	es, err := db.Audit(ctx, psti.AuditFilter{Entity: "statement_key"})
	must(t, err)
	if len(es) != 4 || es[0].Action != psti.ActionRetire || es[0].EntityID != k2.ID {
		t.Fatalf("audit %+v", es)
	}
	for _, e := range es {
		if bytes.Contains(e.After, []byte("PRIVATE")) || bytes.Contains(e.After, []byte("sealed")) {
			t.Fatalf("the audit trail holds a secret: %s", e.After)
		}
	}

	// In the database: sealed, never in the clear; never deleted; nothing
	// but the retirement changes.
	conn := raw(t, db)
	rows, err := conn.QueryContext(ctx, `SELECT sealed FROM statement_keys`)
	must(t, err)
	for rows.Next() {
		var sealed []byte
		must(t, rows.Scan(&sealed))
		if len(sealed) == 0 || bytes.Contains(sealed, []byte("PRIVATE KEY")) || bytes.Contains(sealed, []byte("CERTIFICATE")) ||
			bytes.Contains(sealed, first.Certificate().Raw[:64]) {
			t.Fatal("a key is kept in the clear")
		}
	}
	must(t, rows.Err())
	rows.Close()
	for _, q := range []string{
		`DELETE FROM statement_keys`,
		`DELETE FROM statement_keys WHERE retired_at IS NOT NULL`,
		`UPDATE statement_keys SET sealed = sealed || sealed`,
		`UPDATE statement_keys SET fingerprint = 'x' || fingerprint`,
		`UPDATE statement_keys SET label = 'renamed'`,
		`UPDATE statement_keys SET not_after = created_at`,
		`UPDATE statement_keys SET retired_at = NULL WHERE retired_at IS NOT NULL`,
	} {
		if _, err := conn.ExecContext(ctx, q); err == nil {
			t.Errorf("the database let this through: %s", q)
		}
	}
	if b.Name == "postgres" {
		if _, err := conn.ExecContext(ctx, `TRUNCATE statement_keys`); err == nil {
			t.Error("the database let the keys be truncated")
		}
	}
	if keys, err := db.StatementKeys(ctx); err != nil || len(keys) != 3 {
		t.Fatalf("after the refused changes: %d keys, %v", len(keys), err)
	}
	signs(now, short)

	// Another server with the same secret opens the same keys.
	again, err := store.Open(ctx, db.URL(), store.Options{Clock: clock})
	must(t, err)
	defer again.Close()
	must(t, again.OpenLog(ctx, store.LogOptions{Secret: LogSecret, Origin: "ignored"}))
	if s, err := again.StatementSigner(ctx, now); err != nil || s.Fingerprint() != short.Fingerprint() {
		t.Fatalf("another server: %v", err)
	}
}

// CertChain makes a PKCS#8 private key and its certificate chain, PEM
// (its own certificate, issued by a CA of the test's, then the CA's), as
// a certification authority would hand them over, valid from from until
// until; leaf is the key's own certificate.
func CertChain(t testing.TB, name string, from, until time.Time) (keyPEM, chainPEM []byte, leaf *x509.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA", Organization: []string{"Test Trust Services"}},
		NotBefore: from.Add(-time.Hour), NotAfter: until.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(t, err)
	ca, err := x509.ParseCertificate(caDER)
	must(t, err)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name, Organization: []string{"Acme Devices Ltd"}},
		NotBefore: from, NotAfter: until, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	must(t, err)
	leaf, err = x509.ParseCertificate(leafDER)
	must(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	must(t, err)
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	chainPEM = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	return keyPEM, chainPEM, leaf
}
