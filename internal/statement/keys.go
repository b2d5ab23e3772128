package statement

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/psti/psti/internal/psti"
)

// Signer is a manufacturer's signing identity for statements: a private
// key and its certificate chain, the key's own certificate first, which
// sign the PDF rendering; and an Ed25519 key, certified by that key, which
// signs the JSON rendering, so that both name the same signer.
type Signer struct {
	Key   crypto.Signer
	Chain []*x509.Certificate
	// JSONKey signs the JSON rendering (JWS, EdDSA); JSONCert is its
	// certificate, issued by Key, valid as long as Chain[0].
	JSONKey  ed25519.PrivateKey
	JSONCert *x509.Certificate
}

// Certificate is the signer's own certificate.
func (s *Signer) Certificate() *x509.Certificate { return s.Chain[0] }

// Fingerprint is the SHA-256 of the signer's certificate, in hex: how a
// person names the certificate that signed a statement.
func (s *Signer) Fingerprint() string {
	sum := sha256.Sum256(s.Chain[0].Raw)
	return hex.EncodeToString(sum[:])
}

// SelfSigned makes a signing identity for trying psti out and for tests:
// an ECDSA P-256 key with a certificate it signs itself, valid from now
// for validFor. A statement signed with it proves who signed only to those
// who were given its fingerprint by a channel they trust.
func SelfSigned(commonName, organisation string, now time.Time, validFor time.Duration, random io.Reader) (*Signer, error) {
	if random == nil {
		random = rand.Reader
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), random)
	if err != nil {
		return nil, fmt.Errorf("statement: unable to make a key: %w", err)
	}
	serial, err := rand.Int(random, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName, Organization: []string{organisation}},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(validFor),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	der, err := x509.CreateCertificate(random, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("statement: unable to make a certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	s := &Signer{Key: key, Chain: []*x509.Certificate{cert}}
	return s, s.certifyJSONKey(random)
}

// certifyJSONKey makes the Ed25519 key that signs JSON renderings and has
// the signer's key certify it, for the signer certificate's lifetime.
func (s *Signer) certifyJSONKey(random io.Reader) error {
	if random == nil {
		random = rand.Reader
	}
	pub, priv, err := ed25519.GenerateKey(random)
	if err != nil {
		return fmt.Errorf("statement: unable to make a key: %w", err)
	}
	serial, err := rand.Int(random, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return err
	}
	parent := s.Certificate()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: parent.Subject.CommonName + " (JSON statements)", Organization: parent.Subject.Organization},
		NotBefore:    parent.NotBefore,
		NotAfter:     parent.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(random, tmpl, parent, pub, s.Key)
	if err != nil {
		return fmt.Errorf("statement: unable to certify the JSON key: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	s.JSONKey, s.JSONCert = priv, cert
	return nil
}

// CertifiedBy checks that the signer certificate c issued the JSON key's
// certificate jsonCert: the signature only, since the signer certificate
// of a manufacturer is an end entity's, not a CA's.
func CertifiedBy(jsonCert, c *x509.Certificate) error {
	if err := c.CheckSignature(jsonCert.SignatureAlgorithm, jsonCert.RawTBSCertificate, jsonCert.Signature); err != nil {
		return errors.New("statement: the JSON signing key is not certified by the signer's certificate")
	}
	if _, ok := jsonCert.PublicKey.(ed25519.PublicKey); !ok {
		return errors.New("statement: the JSON signing key is not an Ed25519 key")
	}
	return nil
}

// ParseSigner reads a PEM private key (PKCS#8, or the older EC and RSA
// forms) and a PEM certificate chain, the key's own certificate first. The
// key must be ECDSA or RSA (what PDF signatures use) and must be the key of
// the first certificate; each certificate must be issued by the next. The
// key then certifies a new Ed25519 key for JSON renderings. What is wrong
// with either is an EINVALID error about the field "key" or "chain".
func ParseSigner(keyPEM, chainPEM []byte) (*Signer, error) {
	s, err := parseSigner(keyPEM, chainPEM)
	if err != nil {
		return nil, err
	}
	return s, s.certifyJSONKey(nil)
}

func parseSigner(keyPEM, chainPEM []byte) (*Signer, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, psti.FieldErrorf(psti.EINVALID, "key", "The key file holds no PEM block: give the private key as text that starts with -----BEGIN PRIVATE KEY-----.")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		return nil, psti.FieldErrorf(psti.EINVALID, "key", "The key is encrypted with a password: export it without one (psti encrypts it itself).")
	default:
		return nil, psti.FieldErrorf(psti.EINVALID, "key", "The key file holds a %q, not a private key.", block.Type)
	}
	if err != nil {
		return nil, psti.FieldErrorf(psti.EINVALID, "key", "The private key cannot be read (%v).", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, psti.FieldErrorf(psti.EINVALID, "key", "The private key cannot sign.")
	}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, psti.FieldErrorf(psti.EINVALID, "key", "The RSA key has %d bits; at least 2048 are needed.", k.N.BitLen())
		}
	default:
		return nil, psti.FieldErrorf(psti.EINVALID, "key", "A %T cannot sign PDF documents: use an ECDSA or RSA key.", key)
	}
	var chain []*x509.Certificate
	for rest := chainPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, psti.FieldErrorf(psti.EINVALID, "chain", "Certificate %d of the chain cannot be read (%v).", len(chain)+1, err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, psti.FieldErrorf(psti.EINVALID, "chain", "The certificate file holds no certificate: give it as text that starts with -----BEGIN CERTIFICATE-----.")
	}
	if !publicKeysEqual(signer.Public(), chain[0].PublicKey) {
		return nil, psti.FieldErrorf(psti.EINVALID, "chain", "The private key is not the key of the first certificate: give the key's own certificate first, or the key that goes with this certificate.")
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			return nil, psti.FieldErrorf(psti.EINVALID, "chain", "Certificate %d of the chain is not issued by certificate %d: give the chain in order, the key's own certificate first.", i+1, i+2)
		}
	}
	return &Signer{Key: signer, Chain: chain}, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// ExpiryWarning is how long before a certificate ends staff are told.
const ExpiryWarning = 90 * 24 * time.Hour

// Expiry says, for a person, when the signer's certificate ends: "" while
// that is more than ExpiryWarning away. A statement signed before the end
// still verifies afterwards, through the transparency log; a statement
// cannot be issued with an ended certificate (CanSign).
func (s *Signer) Expiry(now time.Time) string { return ExpiryText(s.Certificate().NotAfter, now) }

// ExpiryText is Expiry for a certificate that ends at end.
func ExpiryText(end, now time.Time) string {
	switch {
	case !now.Before(end):
		return fmt.Sprintf("The certificate that signs statements ended on %s: statements cannot be issued until a new one is in place.", psti.LongDate(end))
	case end.Sub(now) <= ExpiryWarning:
		days := int((end.Sub(now) + 24*time.Hour - 1) / (24 * time.Hour)) // a part of a day counts as a day
		return fmt.Sprintf("The certificate that signs statements ends on %s, in %d days: put a new one in place before then.", psti.LongDate(end), days)
	}
	return ""
}

// CanSign refuses a certificate that is not valid at now.
func (s *Signer) CanSign(now time.Time) error {
	c := s.Certificate()
	switch {
	case now.Before(c.NotBefore):
		return psti.Errorf(psti.ECONFLICT, "The certificate that signs statements is valid only from %s.", psti.LongDateTime(c.NotBefore))
	case !now.Before(c.NotAfter):
		return psti.Errorf(psti.ECONFLICT, "The certificate that signs statements ended on %s: put a new one in place to issue statements.", psti.LongDate(c.NotAfter))
	}
	return nil
}

// sealPurpose names statement signing keys among the keys an
// installation seals under its secret.
const sealPurpose = "psti statement signing key"

// Seal encrypts the signer (its key, PKCS#8, and its chain) under the
// configured secret, to keep at rest.
func (s *Signer) Seal(secret []byte) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(s.Key)
	if err != nil {
		return nil, fmt.Errorf("statement: unable to keep the key: %w", err)
	}
	plain := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	for _, c := range s.Chain {
		plain = append(plain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if s.JSONKey == nil || s.JSONCert == nil {
		return nil, errors.New("statement: unable to keep the key: it has no JSON signing key")
	}
	jsonDER, err := x509.MarshalPKCS8PrivateKey(s.JSONKey)
	if err != nil {
		return nil, fmt.Errorf("statement: unable to keep the key: %w", err)
	}
	plain = append(plain, pem.EncodeToMemory(&pem.Block{Type: jsonKeyBlock, Bytes: jsonDER})...)
	plain = append(plain, pem.EncodeToMemory(&pem.Block{Type: jsonCertBlock, Bytes: s.JSONCert.Raw})...)
	return psti.Seal(secret, sealPurpose, plain)
}

// PEM block types of the JSON key and its certificate in a sealed signer.
const (
	jsonKeyBlock  = "PSTI JSON PRIVATE KEY"
	jsonCertBlock = "PSTI JSON CERTIFICATE"
)

// OpenSigner decrypts a signer sealed by Seal.
func OpenSigner(secret, sealed []byte) (*Signer, error) {
	plain, err := psti.Unseal(secret, sealPurpose, sealed)
	if err != nil {
		return nil, err
	}
	s, err := parseSigner(plain, plain)
	if err != nil {
		return nil, err
	}
	for rest := plain; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		switch b.Type {
		case jsonKeyBlock:
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("statement: the JSON signing key cannot be read: %w", err)
			}
			if ek, ok := k.(ed25519.PrivateKey); ok {
				s.JSONKey = ek
			}
		case jsonCertBlock:
			if s.JSONCert, err = x509.ParseCertificate(b.Bytes); err != nil {
				return nil, fmt.Errorf("statement: the JSON signing key's certificate cannot be read: %w", err)
			}
		}
	}
	if s.JSONKey == nil || s.JSONCert == nil || !s.JSONKey.Public().(ed25519.PublicKey).Equal(s.JSONCert.PublicKey) {
		return nil, errors.New("statement: the kept key has no usable JSON signing key")
	}
	if err := CertifiedBy(s.JSONCert, s.Certificate()); err != nil {
		return nil, err
	}
	return s, nil
}
