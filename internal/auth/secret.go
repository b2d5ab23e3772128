package auth

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"io"
	"strings"
)

// TokenPrefix starts every API token, so secret scanners and people can tell
// what a leaked string is.
const TokenPrefix = "psti_"

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// tokenLen is the length of an API token: the prefix and 32 random bytes
// (256 bits) in unpadded lower-case base32.
var tokenLen = len(TokenPrefix) + tokenEncoding.EncodedLen(32)

// newToken returns a fresh API token read from r.
func newToken(r io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return TokenPrefix + strings.ToLower(tokenEncoding.EncodeToString(b)), nil
}

// tokenHint is the part of a token that may be shown again after it is made.
func tokenHint(token string) string { return token[:len(TokenPrefix)+6] }

// ParseBearer extracts an API token from an Authorization header value
// ("Bearer psti_…"). It reports false for anything that is not exactly that
// shape, before any database lookup.
func ParseBearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if len(token) != tokenLen || !strings.HasPrefix(token, TokenPrefix) {
		return "", false
	}
	for _, c := range token[len(TokenPrefix):] {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return "", false
		}
	}
	return token, true
}

// setupCodeLen is the length of a setup code: 32 random bytes in unpadded
// URL-safe base64.
var setupCodeLen = base64.RawURLEncoding.EncodedLen(32)

func newSetupCode(r io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ValidSetupCode reports whether s has the shape of a setup code, so that
// junk is turned away without a database lookup.
func ValidSetupCode(s string) bool {
	if len(s) != setupCodeLen {
		return false
	}
	// Check the alphabet by hand: the decoder skips line breaks.
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// Hash returns the SHA-256 of a secret: what the store keeps in place of
// tokens, setup codes and session cookies. The secrets carry 256 random bits,
// so a fast hash is enough; a stolen database yields nothing usable.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
