package statement

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"

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

// SignJSON signs a JSON rendering with an Ed25519 key and returns the JWS
// in compact form with the payload detached (RFC 7515, appendix F): the
// document travels as it is, the signature beside it.
func SignJSON(doc []byte, key ed25519.PrivateKey, keyID string) (string, error) {
	opts := (&jose.SignerOptions{}).WithHeader("kid", keyID).WithType("psti-statement+jws")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("statement: unable to sign: %w", err)
	}
	obj, err := signer.Sign(doc)
	if err != nil {
		return "", fmt.Errorf("statement: unable to sign: %w", err)
	}
	return obj.DetachedCompactSerialize()
}

// VerifyJSON checks a detached JWS over doc with the Ed25519 public key,
// accepting no other algorithm.
func VerifyJSON(doc []byte, jws string, key ed25519.PublicKey) error {
	obj, err := jose.ParseDetached(jws, doc, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return fmt.Errorf("statement: not a detached signature this check takes: %w", err)
	}
	if _, err := obj.Verify(key); err != nil {
		return errors.New("statement: the signature does not match: the statement was changed after it was signed, or another key signed it")
	}
	return nil
}
