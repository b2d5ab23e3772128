package statement

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/psti"
)

var keyNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func pemKey(t testing.TB, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func pemCerts(cs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range cs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// issue makes a certificate for pub signed by parent's key (itself when
// parent is nil).
func issue(t *testing.T, cn string, pub, signKey any, parent *x509.Certificate, ca bool) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn}, NotBefore: keyNow.Add(-time.Hour), NotAfter: keyNow.AddDate(2, 0, 0),
		IsCA: ca, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSignerSealed: a signing identity is kept only encrypted under the
// configured secret, opens with it, and with no other.
func TestSignerSealed(t *testing.T) {
	s, err := SelfSigned("Acme Devices Ltd statements", "Acme Devices Ltd", keyNow, 365*24*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("the installation's configured secret")
	sealed, err := s.Seal(secret)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "PRIVATE KEY") {
		t.Fatal("the sealed signer holds its key in clear")
	}
	back, err := OpenSigner(secret, sealed)
	if err != nil {
		t.Fatal(err)
	}
	if back.Fingerprint() != s.Fingerprint() || !back.Key.Public().(*ecdsa.PublicKey).Equal(s.Key.Public()) {
		t.Fatal("the signer changed on the way through")
	}
	if !back.JSONKey.Equal(s.JSONKey) || !back.JSONCert.Equal(s.JSONCert) || CertifiedBy(back.JSONCert, back.Certificate()) != nil {
		t.Fatal("the JSON signing key changed on the way through")
	}
	if _, err := OpenSigner([]byte("another secret, long enough too"), sealed); !errors.Is(err, psti.ErrWrongSecret) {
		t.Fatalf("a wrong secret: %v", err)
	}
	// A log key sealed under the same secret does not open as a signer.
	other, _ := psti.Seal(secret, "psti transparency log signing key", []byte("x"))
	if _, err := OpenSigner(secret, other); !errors.Is(err, psti.ErrWrongSecret) {
		t.Fatalf("a key sealed for another purpose opened: %v", err)
	}
}

// TestParseSigner: an imported key and chain are taken only when the key
// is the first certificate's, the chain is in order, and the key can sign
// a PDF.
func TestParseSigner(t *testing.T) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := issue(t, "Acme CA", &caKey.PublicKey, caKey, nil, true)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := issue(t, "Acme statements", &key.PublicKey, caKey, ca, false)
	s, err := ParseSigner(pemKey(t, key), pemCerts(leaf, ca))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Chain) != 2 || s.Certificate().Subject.CommonName != "Acme statements" || len(s.Fingerprint()) != 64 {
		t.Fatalf("signer %+v", s.Chain)
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaCert := issue(t, "RSA", &rsaKey.PublicKey, rsaKey, nil, false)
	if _, err := ParseSigner(pemKey(t, rsaKey), pemCerts(rsaCert)); err != nil {
		t.Fatalf("an RSA key: %v", err)
	}
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	weakCert := issue(t, "weak", &weak.PublicKey, weak, nil, false)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edCert := issue(t, "ed", edKey.Public(), edKey, nil, false)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, c := range []struct {
		name       string
		key, chain []byte
		says       string
	}{
		{"another key's certificate", pemKey(t, other), pemCerts(leaf, ca), "not the key of the first certificate"},
		{"the chain out of order", pemKey(t, key), pemCerts(ca, leaf), "not the key of the first certificate"},
		{"a chain that does not join", pemKey(t, key), pemCerts(leaf, rsaCert), "not issued by certificate 2"},
		{"no certificate", pemKey(t, key), nil, "no certificate"},
		{"a short RSA key", pemKey(t, weak), pemCerts(weakCert), "2048"},
		{"an Ed25519 key", pemKey(t, edKey), pemCerts(edCert), "ECDSA or RSA"},
		{"an encrypted key", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), pemCerts(leaf), "password"},
		{"not PEM", []byte("hello"), pemCerts(leaf), "no PEM block"},
		{"a certificate as the key", pemCerts(leaf), pemCerts(leaf), "not a private key"},
	} {
		if _, err := ParseSigner(c.key, c.chain); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want it to say %q", c.name, err, c.says)
		}
	}
}

// TestExpiry: staff hear of a certificate's end 90 days ahead; an ended
// one cannot sign.
func TestExpiry(t *testing.T) {
	s, err := SelfSigned("x", "Acme", keyNow, 200*24*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	end := s.Certificate().NotAfter
	if w := s.Expiry(end.Add(-91 * 24 * time.Hour)); w != "" {
		t.Fatalf("warned 91 days ahead: %s", w)
	}
	if w := s.Expiry(end.Add(-89 * 24 * time.Hour)); !strings.Contains(w, "in 89 days") || !strings.Contains(w, psti.LongDate(end)) {
		t.Fatalf("89 days ahead: %q", w)
	}
	if err := s.CanSign(end.Add(-time.Second)); err != nil {
		t.Fatalf("a second before the end: %v", err)
	}
	if w := s.Expiry(end); !strings.Contains(w, "ended on") {
		t.Fatalf("at the end: %q", w)
	}
	if err := s.CanSign(end); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("an ended certificate may sign: %v", err)
	}
	if err := s.CanSign(keyNow.Add(-time.Hour)); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("a certificate not yet valid may sign: %v", err)
	}
}
