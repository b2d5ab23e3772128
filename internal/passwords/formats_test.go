package passwords

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"testing"
)

// The formats keyed or random batches come in pass untouched (PSTI-PW-04,
// PSTI-PW-05), and templates still fail (DP-11).

// keyedFormats are the ways keyed or random passwords are written: each
// takes at least 32 random bytes and renders them.
var keyedFormats = []struct {
	name   string
	render func(b []byte) string
}{
	{"base32, 13 characters", func(b []byte) string { return base32.StdEncoding.EncodeToString(b)[:13] }},
	{"base32, 16 characters", func(b []byte) string { return base32.StdEncoding.EncodeToString(b)[:16] }},
	{"base32, 20 characters", func(b []byte) string { return base32.StdEncoding.EncodeToString(b)[:20] }},
	{"base64url, 11 characters", func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b)[:11] }},
	{"base64url, 12 characters", func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b)[:12] }},
	{"base64url, 16 characters", func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b)[:16] }},
	{"hex, 16 characters", func(b []byte) string { return hex.EncodeToString(b)[:16] }},
	{"hex, 20 characters", func(b []byte) string { return hex.EncodeToString(b)[:20] }},
	{"base62, 12 characters", func(b []byte) string {
		const a = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		var out []byte
		for _, c := range b {
			if c < 248 && len(out) < 12 { // 248 = 4·62: no bias
				out = append(out, a[int(c)%62])
			}
		}
		return string(out)
	}},
	{"digits, 20", func(b []byte) string { return mapBytes(b, "0123456789", 1, 0, 20) }},
	{"lower-case letters and digits, 14", func(b []byte) string {
		return mapBytes(b, "abcdefghijklmnopqrstuvwxyz0123456789", 1, 0, 14)
	}},
}

// TestKeyedAndRandomFormatsPass: HMAC-SHA-256 under a secret key (which
// PSTI-PW-04 allows) and a secure random source, in every usual rendering,
// flag no row. In particular DP-11 (PSTI-PW-05) does not judge alone the
// rows that happened to draw no digit, or no letter: they are a chance
// part of their format.
func TestKeyedAndRandomFormatsPass(t *testing.T) {
	secret := []byte("EXAMPLE-ONLY-NOT-A-REAL-KEY-counters")
	sources := []struct {
		name  string
		bytes func(d device) []byte
	}{
		{"HMAC-SHA-256", func(d device) []byte {
			m := hmac.New(sha256.New, secret)
			m.Write([]byte("psti-v1/AC-200/" + d.serial))
			return m.Sum(nil)
		}},
		{"crypto/rand", func(device) []byte {
			b := make([]byte, 40)
			rand.Read(b)
			return b
		}},
	}
	for _, n := range []int{1000, 100_000} {
		ds := devices(n, 83)
		for _, src := range sources {
			if n > 10_000 && src.name != "HMAC-SHA-256" {
				continue // the same formats at scale: the keyed batch stands for both
			}
			for _, f := range keyedFormats {
				t.Run(fmt.Sprintf("%s, %s, %d rows", src.name, f.name, n), func(t *testing.T) {
					if n > 10_000 && testing.Short() {
						t.Skip("large batch")
					}
					b := newHeldBatch()
					for _, d := range ds {
						b.add(d, f.render(src.bytes(d)), "clean", "")
					}
					rep, lines := runAudit(t, b.csv(), Config{Brand: "Acme", Model: "AC-200"})
					if rep.Verdict != "pass" || len(lines) > 0 {
						for _, rr := range rep.Rules {
							if rr.Count > 0 {
								t.Errorf("%s flagged %d rows, e.g. %+v", rr.ID, rr.Count, rr.Examples[0])
							}
						}
						t.Fatalf("verdict %s, %d of %d rows flagged", rep.Verdict, len(lines), n)
					}
				})
			}
		}
	}
}

// TestTemplatesStillFail: formats that are a template, not a chance part of
// a wider one, are judged alone and fail DP-11 (PSTI-PW-05), also when the
// rows of the same length around them are keyed.
func TestTemplatesStillFail(t *testing.T) {
	secret := []byte("EXAMPLE-ONLY-NOT-A-REAL-KEY-templates")
	keyed := func(d device, width int) string {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(d.serial))
		return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:width]
	}
	for _, c := range []struct {
		name string
		// pw is row i's password and whether it is the template's
		pw func(i int, d device, r *mrand.Rand) (string, bool)
	}{
		{"\"ACME-\" + 6 digits, whole batch", func(_ int, _ device, r *mrand.Rand) (string, bool) {
			return fmt.Sprintf("ACME-%06d", r.IntN(1_000_000)), true
		}},
		{"8 upper-case letters, whole batch", func(_ int, _ device, r *mrand.Rand) (string, bool) {
			return randomPassword(r, 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), true
		}},
		{"fixed prefix + 5 random letters, whole batch", func(_ int, _ device, r *mrand.Rand) (string, bool) {
			return "ACMEWIFI" + randomPassword(r, 5, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), true
		}},
		{"\"ACME-\" + 6 digits in every 5th row, keyed base64url of the same length around", func(i int, d device, r *mrand.Rand) (string, bool) {
			if i%5 == 0 {
				return fmt.Sprintf("ACME-%06d", r.IntN(1_000_000)), true
			}
			return keyed(d, 11), false
		}},
		{"13 upper-case letters in every 4th row, keyed base32 around", func(i int, d device, r *mrand.Rand) (string, bool) {
			if i%4 == 0 {
				return randomPassword(r, 13, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), true
			}
			m := hmac.New(sha256.New, secret)
			m.Write([]byte(d.serial))
			return base32.StdEncoding.EncodeToString(m.Sum(nil))[:13], false
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := chacha(85)
			b := newHeldBatch()
			var template []bool
			for i, d := range devices(1000, 85) {
				pw, tmpl := c.pw(i, d, r)
				b.add(d, pw, "", "")
				template = append(template, tmpl)
			}
			rep, lines := runAudit(t, b.csv(), Config{Brand: "Acme", Model: "AC-200"})
			if rep.Verdict != "fail" {
				t.Fatalf("verdict %s", rep.Verdict)
			}
			want, caught := 0, 0
			for i := range b.pw {
				if template[i] {
					want++
					if contains(lines[b.line(i)].Rules, "DP-11") {
						caught++
					}
				}
			}
			if caught != want {
				t.Errorf("DP-11 flagged %d of %d template rows", caught, want)
			}
			if ex := rep.Rules[ruleByID("DP-11")].Examples; len(ex) > 0 {
				t.Logf("DP-11: %s", ex[0].Evidence)
			}
		})
	}
}
