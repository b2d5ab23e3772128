package auth_test

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
)

// tokenLen is "psti_" and 32 bytes in unpadded base32 (52 characters).
const tokenLen = 5 + 52

// setupCodeLen is 32 bytes in unpadded URL-safe base64.
const setupCodeLen = 43

// sampleToken makes a token the way the service does: 32 random bytes in
// lower-case unpadded base32 after the prefix.
func sampleToken(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return auth.TokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func sampleCode(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestTokenPrefix(t *testing.T) {
	if auth.TokenPrefix != "psti_" {
		t.Fatalf("TokenPrefix = %q: changing it breaks every token already handed out", auth.TokenPrefix)
	}
	if n := len(sampleToken(t)); n != tokenLen {
		t.Fatalf("sample token has %d characters, want %d", n, tokenLen)
	}
}

func TestParseBearer(t *testing.T) {
	tok := sampleToken(t)
	body := tok[len(auth.TokenPrefix):]
	tests := []struct {
		name   string
		header string
		ok     bool
	}{
		{"canonical", "Bearer " + tok, true},
		{"scheme lower case", "bearer " + tok, true},
		{"scheme upper case", "BEARER " + tok, true},
		{"scheme mixed case", "bEaReR " + tok, true},
		{"all letters", "Bearer psti_" + strings.Repeat("a", 52), true},
		{"all digits of the alphabet", "Bearer psti_" + strings.Repeat("234567", 8) + "2345", true},
		// RFC 7235 allows one or more spaces after the scheme; net/http
		// trims the header value, so trailing space is forgiven too.
		{"two spaces after scheme", "Bearer  " + tok, true},
		{"trailing space", "Bearer " + tok + " ", true},

		{"empty", "", false},
		{"scheme only", "Bearer", false},
		{"scheme and space", "Bearer ", false},
		{"token without scheme", tok, false},
		{"basic scheme", "Basic " + tok, false},
		{"token scheme", "Token " + tok, false},
		{"scheme prefix only", "Bear " + tok, false},
		{"scheme with colon", "Bearer: " + tok, false},
		{"no space after scheme", "Bearer" + tok, false},
		{"tab after scheme", "Bearer\t" + tok, false},
		{"leading space", " Bearer " + tok, false},
		{"two tokens", "Bearer " + tok + " " + tok, false},
		{"space inside token", "Bearer " + tok[:20] + " " + tok[21:], false},
		{"one character short", "Bearer " + tok[:len(tok)-1], false},
		{"one character long", "Bearer " + tok + "a", false},
		{"prefix only", "Bearer psti_", false},
		{"upper-case prefix", "Bearer PSTI_" + body, false},
		{"other prefix", "Bearer pstx_" + body, false},
		{"prefix without underscore", "Bearer psti" + body + "a", false},
		{"no prefix, right length", "Bearer " + strings.Repeat("a", tokenLen), false},
		{"upper-case body", "Bearer psti_" + strings.ToUpper(body), false},
		{"digit 0", "Bearer psti_" + body[:51] + "0", false},
		{"digit 1", "Bearer psti_" + body[:51] + "1", false},
		{"digit 8", "Bearer psti_" + body[:51] + "8", false},
		{"digit 9", "Bearer psti_" + body[:51] + "9", false},
		{"padding", "Bearer psti_" + body[:51] + "=", false},
		{"underscore in body", "Bearer psti_" + body[:51] + "_", false},
		{"non-ASCII in body, right byte length", "Bearer psti_" + body[:50] + "é", false},
		{"NUL in body", "Bearer psti_" + body[:51] + "\x00", false},
		{"invalid UTF-8", "Bearer psti_" + body[:51] + "\xff", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := auth.ParseBearer(tt.header)
			if ok != tt.ok {
				t.Fatalf("ParseBearer(%q) ok = %v, want %v", tt.header, ok, tt.ok)
			}
			switch {
			case ok && got != strings.TrimSpace(tt.header[len("Bearer "):]):
				t.Fatalf("ParseBearer(%q) = %q: not the token in the header", tt.header, got)
			case !ok && got != "":
				t.Fatalf("ParseBearer(%q) refused but returned %q", tt.header, got)
			}
		})
	}
}

// checkToken fails unless s has the exact shape of an API token.
func checkToken(t *testing.T, s string) {
	t.Helper()
	if !strings.HasPrefix(s, auth.TokenPrefix) {
		t.Fatalf("token %q lacks the prefix %q", s, auth.TokenPrefix)
	}
	if len(s) != tokenLen {
		t.Fatalf("token %q has %d bytes, want %d", s, len(s), tokenLen)
	}
	for i := len(auth.TokenPrefix); i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			t.Fatalf("token %q has %q at %d, outside [a-z2-7]", s, c, i)
		}
	}
}

func FuzzParseBearer(f *testing.F) {
	tok := sampleToken(f)
	for _, s := range []string{
		"", "Bearer", "Bearer ", "Bearer " + tok, "bearer " + tok, "Bearer  " + tok + " ",
		"Basic " + tok, "Bearer " + strings.ToUpper(tok), "Bearer " + tok[:56] + "é",
		"Bearer psti_" + strings.Repeat("a", 52), "Bearer psti_" + strings.Repeat("1", 52),
		"Bearer\t" + tok, "Bearer " + tok + "\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got, ok := auth.ParseBearer(header)
		if !ok {
			if got != "" {
				t.Fatalf("ParseBearer(%q) refused but returned %q", header, got)
			}
			return
		}
		checkToken(t, got)
		if len(header) < 7 || !strings.EqualFold(header[:7], "Bearer ") {
			t.Fatalf("ParseBearer(%q) accepted a header that does not start with the Bearer scheme", header)
		}
		if strings.TrimSpace(header[7:]) != got {
			t.Fatalf("ParseBearer(%q) = %q, not what follows the scheme", header, got)
		}
	})
}

func TestValidSetupCode(t *testing.T) {
	code := sampleCode(t)
	tests := []struct {
		name string
		code string
		ok   bool
	}{
		{"fresh code", code, true},
		{"all A", strings.Repeat("A", setupCodeLen-1) + "A", true},
		{"url alphabet", strings.Repeat("-_", 21) + "A", true},

		{"empty", "", false},
		{"one short", code[:setupCodeLen-1], false},
		{"one long", code + "A", false},
		{"padded", code + "=", false},
		{"standard alphabet plus", strings.Repeat("+", setupCodeLen), false},
		{"standard alphabet slash", "/" + code[1:], false},
		{"space", " " + code[1:], false},
		{"dot", code[:42] + ".", false},
		{"non-ASCII", code[:41] + "é", false},
		{"NUL", code[:42] + "\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auth.ValidSetupCode(tt.code); got != tt.ok {
				t.Fatalf("ValidSetupCode(%q) = %v, want %v", tt.code, got, tt.ok)
			}
		})
	}
}

// TestValidSetupCodeLineBreaks expects codes with line breaks in them to be
// refused like any other character outside the URL-safe base64 alphabet.
func TestValidSetupCodeLineBreaks(t *testing.T) {
	code := sampleCode(t)
	for _, s := range []string{
		"\n" + code[:42],
		code[:42] + "\r",
		code[:20] + "\r\n" + code[20:41],
	} {
		if auth.ValidSetupCode(s) {
			t.Errorf("ValidSetupCode(%q) = true for a code with a line break in it", s)
		}
	}
}

// checkCode fails unless s has the exact shape of a setup code.
func checkCode(t *testing.T, s string) {
	t.Helper()
	if len(s) != setupCodeLen {
		t.Fatalf("setup code %q has %d bytes, want %d", s, len(s), setupCodeLen)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			t.Fatalf("setup code %q has %q at %d, outside the URL-safe base64 alphabet", s, c, i)
		}
	}
	if b, err := base64.RawURLEncoding.DecodeString(s); err != nil || len(b) != 32 {
		t.Fatalf("setup code %q does not decode to 32 bytes (%d, %v)", s, len(b), err)
	}
}

func FuzzValidSetupCode(f *testing.F) {
	code := sampleCode(f)
	for _, s := range []string{"", code, code[:42], code + "A", strings.Repeat("+", 43), strings.Repeat("_", 43), code[:42] + "="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if auth.ValidSetupCode(s) {
			checkCode(t, s)
		}
	})
}
