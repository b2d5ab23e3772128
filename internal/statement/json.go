package statement

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/psti/psti/internal/psti"
)

// JSONFormat names the JSON rendering's format and its version.
const JSONFormat = "psti-statement-of-compliance/1"

// Document is a statement as machines read it: its content, and where it
// stands among the versions of its statement.
type Document struct {
	Format  string `json:"format"`
	ID      string `json:"id"`
	Version int    `json:"version"`
	URL     string `json:"url"` // its public page
	Statement
	// KeepUntil is the last day it must be kept (PSTI-SOC-05).
	KeepUntil string `json:"keep_until"`
}

// RenderJSON is the JSON rendering of an issued statement: compact, fields
// in a fixed order, so the same statement always gives the same bytes (and
// the same SHA-256 in the transparency log). A statement that does not pass
// Validate is refused.
func RenderJSON(s *Statement, id string, version int, url string) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if id == "" || version < 1 {
		return nil, errors.New("statement: an issued statement has an id and a version from 1")
	}
	issued, _ := psti.ParseDate(s.Issued)
	end, _ := psti.ParseDate(s.SupportEnd)
	d := Document{Format: JSONFormat, ID: id, Version: version, URL: url, Statement: *s, KeepUntil: KeepUntil(issued, end).Format("2006-01-02")}
	b, err := json.Marshal(&d)
	if err != nil {
		return nil, fmt.Errorf("statement: unable to encode statement %s: %w", id, err)
	}
	return b, nil
}

// SignJSON signs a JSON rendering with the signer's Ed25519 JSON key and
// returns the JWS in compact form with the payload detached (RFC 7515,
// appendix F): the document travels as it is, the signature beside it. Its
// protected header carries the JSON key's certificate and the signer's
// chain (x5c), so that the JWS can be checked offline and names the same
// signer as the signed PDF.
func SignJSON(doc []byte, s *Signer) (string, error) {
	if s == nil || s.JSONKey == nil || s.JSONCert == nil {
		return "", errors.New("statement: unable to sign: no JSON signing key")
	}
	x5c := []string{base64.StdEncoding.EncodeToString(s.JSONCert.Raw)}
	for _, c := range s.Chain {
		x5c = append(x5c, base64.StdEncoding.EncodeToString(c.Raw))
	}
	opts := (&jose.SignerOptions{}).WithHeader("x5c", x5c).WithType("psti-statement+jws")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: s.JSONKey}, opts)
	if err != nil {
		return "", fmt.Errorf("statement: unable to sign: %w", err)
	}
	obj, err := signer.Sign(doc)
	if err != nil {
		return "", fmt.Errorf("statement: unable to sign: %w", err)
	}
	return obj.DetachedCompactSerialize()
}

// MaxJWS bounds a JWS read from outside: a few certificates.
const MaxJWS = 64 << 10

// VerifyJSON checks a detached JWS over doc, accepting EdDSA alone, with
// the key of the first certificate its header carries, and checks that
// certificate was issued by the next: the signer's. It returns the
// signer's chain, its own certificate first.
func VerifyJSON(doc []byte, jws string) ([]*x509.Certificate, error) {
	if len(jws) > MaxJWS {
		return nil, errors.New("statement: the signature is too long to be one of psti's")
	}
	jws = strings.TrimSpace(jws)
	head, _, ok := strings.Cut(jws, ".")
	if !ok {
		return nil, errors.New("statement: not a detached signature in compact form")
	}
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return nil, errors.New("statement: the signature's header cannot be read")
	}
	var h struct {
		X5C []string `json:"x5c"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, errors.New("statement: the signature's header cannot be read")
	}
	if len(h.X5C) < 2 || len(h.X5C) > 10 {
		return nil, errors.New("statement: the signature does not carry the certificates that name its signer")
	}
	var certs []*x509.Certificate
	for i, b := range h.X5C {
		der, err := base64.StdEncoding.DecodeString(b)
		if err != nil {
			return nil, fmt.Errorf("statement: certificate %d of the signature cannot be read", i+1)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("statement: certificate %d of the signature cannot be read: %w", i+1, err)
		}
		certs = append(certs, c)
	}
	key, ok := certs[0].PublicKey.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("statement: the signature's key is not an Ed25519 key")
	}
	obj, err := jose.ParseDetached(jws, doc, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return nil, fmt.Errorf("statement: not a detached signature this check takes: %w", err)
	}
	if _, err := obj.Verify(key); err != nil {
		return nil, errors.New("statement: the signature does not match: the statement was changed after it was signed, or another key signed it")
	}
	if err := CertifiedBy(certs[0], certs[1]); err != nil {
		return nil, err
	}
	for i := 1; i+1 < len(certs); i++ {
		if err := certs[i].CheckSignatureFrom(certs[i+1]); err != nil {
			return nil, fmt.Errorf("statement: certificate %d of the signature is not issued by certificate %d", i+1, i+2)
		}
	}
	return certs[1:], nil
}
