package passwords

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"
)

// keyedFormats are how keyed derivations (allowed by para 1(3)(c)) and
// random generators write their output. However much the rules search,
// such batches must pass with no row flagged: a false flag on a compliant
// batch is a defect too.
var keyedFormats = []struct {
	name string
	enc  func(d []byte) string
}{
	{"Base32, 16 characters", func(d []byte) string { return b32.EncodeToString(d)[:16] }},
	{"Base32, 20 characters", func(d []byte) string { return b32.EncodeToString(d)[:20] }},
	{"Base64url, 11 characters", func(d []byte) string { return base64.RawURLEncoding.EncodeToString(d)[:11] }},
	{"Base64url, 12 characters", func(d []byte) string { return base64.RawURLEncoding.EncodeToString(d)[:12] }},
	{"Base64url, 16 characters", func(d []byte) string { return base64.RawURLEncoding.EncodeToString(d)[:16] }},
	{"hex, 16 digits", func(d []byte) string { return hex.EncodeToString(d)[:16] }},
	{"hex, 20 digits", func(d []byte) string { return hex.EncodeToString(d)[:20] }},
	{"base 62, 12 characters", func(d []byte) string {
		return mapBytes(d, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 1, 0, 12)
	}},
	{"digits, 20", func(d []byte) string { return mapBytes(d, "0123456789", 1, 0, 20) }},
	{"lower-case letters and digits, 14", func(d []byte) string { return mapBytes(d, "abcdefghijklmnopqrstuvwxyz0123456789", 1, 0, 14) }},
}

func TestKeyedAndRandomBatchesPassInEveryFormat(t *testing.T) {
	sizes := []int{1000, 20_000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	for _, size := range sizes {
		ds := devices(size, 31)
		for _, f := range keyedFormats {
			for _, how := range []string{"HMAC-SHA-256", "random"} {
				if how == "random" && size > 1000 {
					continue // the same formats; the keyed batch is the harder case
				}
				t.Run(fmt.Sprintf("%s %s, %d rows", how, f.name, size), func(t *testing.T) {
					rep, lines := runAudit(t, batchCSV(ds, func(_ int, d device) string {
						if how == "random" {
							b := make([]byte, 64)
							rand.Read(b)
							return f.enc(b)
						}
						m := hmac.New(sha256.New, key)
						m.Write([]byte(d.serial))
						return f.enc(append(m.Sum(nil), sha256s(m.Sum(nil))...))
					}), Config{Brand: "Acme", Model: "AC-200"})
					if len(lines) > 0 || rep.Verdict != "pass" {
						for _, rr := range rep.Rules {
							if rr.Count > 0 {
								t.Errorf("%s flagged %d rows, e.g. line %d: %s", rr.ID, rr.Count, rr.Examples[0].Line, rr.Examples[0].Evidence)
							}
						}
					}
				})
			}
		}
	}
}
