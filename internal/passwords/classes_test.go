package passwords

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math/big"
	"strings"
	"testing"
)

// The classes of derivation PSTI-PW-04 forbids, each lengthened to 64 bits
// or more so that the short-keyspace rule (DP-11) cannot be what catches
// it: each must be caught at 99% of rows or more, in a batch of 1,000, by
// the rule that names the derivation (DP-06, DP-07 or DP-08), with the
// derivation in the evidence.

func macUpperColons(m uint64) string { return string(appendMAC(nil, m, true, ':')) }
func macDashes(m uint64) string      { return string(appendMAC(nil, m, false, '-')) }
func macRaw(m uint64) []byte         { return appendMACBytes(nil, m) }

func md5s(s []byte) []byte    { d := md5.Sum(s); return d[:] }
func sha1s(s []byte) []byte   { d := sha1.Sum(s); return d[:] }
func sha256s(s []byte) []byte { d := sha256.Sum256(s); return d[:] }
func sha512s(s []byte) []byte { d := sha512.Sum512(s); return d[:] }

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func mapBytes(d []byte, alphabet string, step, start, n int) string {
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[int(d[start+i*step])%len(alphabet)]
	}
	return string(out)
}

type derivationClass struct {
	name, rule string
	pw         func(d device) string
}

var derivationClasses = []derivationClass{
	// Unkeyed hashes of identifiers, in every common spelling.
	{"MD5(MAC as the CSV writes it)→hex→prefix(16)", "DP-08", func(d device) string { return hex.EncodeToString(md5s([]byte(d.mac)))[:16] }},
	{"SHA-1(MAC with dashes)→Base64→prefix(16)", "DP-08", func(d device) string {
		return base64.StdEncoding.EncodeToString(sha1s([]byte(macDashes(d.m))))[:16]
	}},
	{"SHA-256(MAC upper, no separators)→Base64url→prefix(14)", "DP-08", func(d device) string {
		return base64.RawURLEncoding.EncodeToString(sha256s([]byte(strings.ToUpper(hex12(d.m)))))[:14]
	}},
	{"SHA-512(MAC as 6 bytes)→hex→suffix(20)", "DP-08", func(d device) string {
		h := hex.EncodeToString(sha512s(macRaw(d.m)))
		return h[len(h)-20:]
	}},
	{"SHA-256(WAN MAC = MAC+1, upper with colons)→Base32→prefix(16)", "DP-08", func(d device) string {
		return b32.EncodeToString(sha256s([]byte(macUpperColons(d.m + 1))))[:16]
	}},
	{"MD5(MAC−1)→Base64→suffix(16)", "DP-08", func(d device) string {
		e := base64.RawStdEncoding.EncodeToString(md5s([]byte(hex12(d.m - 1))))
		return e[len(e)-16:]
	}},
	{"CRC32(serial)→decimal", "DP-08", func(d device) string {
		return fmt.Sprintf("%d", crc32.ChecksumIEEE([]byte(d.serial)))
	}},
	{"hash of a hash: MD5(hex(MD5(MAC)))→hex→prefix(16)", "DP-08", func(d device) string {
		return hex.EncodeToString(md5s([]byte(hex.EncodeToString(md5s([]byte(hex12(d.m)))))))[:16]
	}},
	{"hash of a hash: SHA-256(SHA-256(serial))→Base64→prefix(16)", "DP-08", func(d device) string {
		return base64.StdEncoding.EncodeToString(sha256s(sha256s([]byte(d.serial))))[:16]
	}},
	// Combinations.
	{"serial+MAC→SHA-256→Base64url→prefix(14)", "DP-08", func(d device) string {
		return base64.RawURLEncoding.EncodeToString(sha256s([]byte(d.serial + d.mac)))[:14]
	}},
	{"MAC+\"-\"+serial→SHA-1→hex→prefix(20)", "DP-08", func(d device) string {
		return hex.EncodeToString(sha1s([]byte(hex12(d.m) + "-" + d.serial)))[:20]
	}},
	{"model+serial→MD5→hex upper→prefix(16)", "DP-08", func(d device) string {
		return strings.ToUpper(hex.EncodeToString(md5s([]byte("AC-200" + d.serial))))[:16]
	}},
	{"brand+MAC→SHA-256→hex→suffix(16)", "DP-08", func(d device) string {
		h := hex.EncodeToString(sha256s([]byte("Acme" + strings.ToUpper(hex12(d.m)))))
		return h[len(h)-16:]
	}},
	// Encodings, from either end.
	{"SHA-256(serial) as a number→base 36→prefix(16)", "DP-08", func(d device) string {
		return new(big.Int).SetBytes(sha256s([]byte(d.serial))).Text(36)[:16]
	}},
	{"MD5(MAC) as a number→decimal→suffix(20)", "DP-08", func(d device) string {
		t := new(big.Int).SetBytes(md5s([]byte(hex12(d.m)))).Text(10)
		return t[len(t)-20:]
	}},
	{"SHA-1(serial) first 8 bytes as a number→decimal", "DP-08", func(d device) string {
		return fmt.Sprintf("%d", binary.BigEndian.Uint64(sha1s([]byte(d.serial))))
	}},
	{"SHA-256(serial) each byte mod 62→alphabet→prefix(16)", "DP-08", func(d device) string {
		return mapBytes(sha256s([]byte(d.serial)), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 1, 0, 16)
	}},
	{"Sky-style lengthened: SHA-256(MAC upper) odd bytes mod 26→A-Z (16)", "DP-08", func(d device) string {
		return mapBytes(sha256s([]byte(strings.ToUpper(hex12(d.m)))), "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 2, 1, 16)
	}},
	{"UPC-style lengthened: MD5(hex(MD5(serial))) each byte mod 26→letters (14)", "DP-08", func(d device) string {
		return mapBytes(md5s([]byte(hex.EncodeToString(md5s([]byte(d.serial))))), "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1, 0, 14)
	}},
	{"Thomson-style lengthened: SHA-1(serial)→hex upper→prefix(20)", "DP-08", func(d device) string {
		return strings.ToUpper(hex.EncodeToString(sha1s([]byte(d.serial))))[:20]
	}},
	// Reversible encodings of identifiers.
	{"serial→Base64", "DP-07", func(d device) string { return base64.StdEncoding.EncodeToString([]byte(d.serial)) }},
	{"MAC as 6 bytes→Base32", "DP-07", func(d device) string { return b32.EncodeToString(macRaw(d.m)) }},
	{"serial+MAC→Base64url", "DP-07", func(d device) string {
		return base64.RawURLEncoding.EncodeToString([]byte(d.serial + hex12(d.m)))
	}},
	// Fragments.
	{"MAC last 8 hex with a fixed suffix", "DP-06", func(d device) string { return hex12(d.m)[4:] + "Zq" }},
	{"MAC XOR a constant (12 hex)", "DP-07", func(d device) string { return hex12(d.m ^ 0x5a3c96e1f00d) }},
	{"MAC nibble-swapped", "DP-06", func(d device) string { return strings.ToUpper(hex12(nibbleSwapped(d.m))) }},
}

func TestDerivationClasses(t *testing.T) {
	ds := devices(1000, 21)
	for _, c := range derivationClasses {
		t.Run(c.name, func(t *testing.T) {
			rep, lines := runAudit(t, batchCSV(ds, func(_ int, d device) string { return c.pw(d) }), Config{Brand: "Acme", Model: "AC-200"})
			caught, by := 0, 0
			var other string
			for i := range ds {
				fl, ok := lines[i+2]
				if ok {
					caught++
				}
				if ok && contains(fl.Rules, c.rule) {
					by++
				} else if other == "" {
					other = fmt.Sprintf("line %d: %v %s", i+2, fl.Rules, fl.Evidence)
				}
			}
			if rep.Verdict != "fail" || by < 990 {
				t.Fatalf("%d of 1,000 rows flagged, %d by %s (e.g. %s)", caught, by, c.rule, other)
			}
			t.Logf("%s: %s", c.rule, rep.Rules[ruleByID(c.rule)].Examples[0].Evidence)
		})
	}
}

func substitute(s, from, to string) string {
	b := []byte(s)
	for i, c := range b {
		if j := strings.IndexByte(from, c); j >= 0 {
			b[i] = to[j]
		}
	}
	return string(b)
}

func init() {
	derivationClasses = append(derivationClasses,
		derivationClass{"MAC hex through one fixed table", "DP-07", func(d device) string {
			return substitute(hex12(d.m), "0123456789abcdef", "qWeRtYuIoPaSdFgH")
		}},
		derivationClass{"serial reversed through one fixed table, last 12", "DP-07", func(d device) string {
			s := reverse(normalize(d.serial))
			return substitute(s, "0123456789acs", "K7mQ2xZp9RbVw")[:12]
		}},
	)
}

// TestThomsonStyle: serials of the form CP + year + week + three
// characters, hashed with those characters as the hex of their codes, as
// SpeedTouch-era routers did; lengthened to 16 hex digits (64 bits), so
// only the hash rule can catch it (PSTI-PW-04).
func TestThomsonStyle(t *testing.T) {
	ds := devices(1000, 5)
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for i := range ds {
		ds[i].serial = fmt.Sprintf("CP%02d%02d%c%c%c", 6+i%10, 1+i%52, chars[i%36], chars[(i/36)%36], chars[(i*7)%36])
	}
	rep, lines := runAudit(t, batchCSV(ds, func(_ int, d device) string {
		s := d.serial
		in := s[:len(s)-3] + strings.ToUpper(hex.EncodeToString([]byte(s[len(s)-3:])))
		return strings.ToUpper(hex.EncodeToString(sha1s([]byte(in))))[:16]
	}), Config{})
	by := 0
	for _, fl := range lines {
		if contains(fl.Rules, "DP-08") {
			by++
		}
	}
	if by < 990 {
		t.Fatalf("%d of 1,000 rows flagged by DP-08; verdict %s", by, rep.Verdict)
	}
	t.Log(rep.Rules[ruleByID("DP-08")].Examples[0].Evidence)
}
