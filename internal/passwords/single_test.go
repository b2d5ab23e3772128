package passwords

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestOneBadRowIsEnough: a single row whose password is its own identifier
// rendered fails the batch, by the identifier rule, on its line, among 299
// random rows or among 99,999 (PSTI-PW-04: every device's password is
// judged, not only families of them). The same batches without the bad row
// pass, and the report bounds the coincidental flags below batch_chance.
func TestOneBadRowIsEnough(t *testing.T) {
	bad := []struct {
		name, rule string
		pw         func(d device) string
	}{
		{"last 8 hex digits of its MAC", "DP-06", func(d device) string { return strings.ToUpper(hex12(d.m)[4:]) }},
		{"last 9 hex digits of its MAC", "DP-06", func(d device) string { return hex12(d.m)[3:] }},
		{"its serial number", "DP-06", func(d device) string { return d.serial }},
		{"its IMEI's last 8 digits", "DP-06", func(d device) string { return d.imei[7:] }},
		{"its MAC, nibbles swapped", "DP-06", func(d device) string { return hex12(nibbleSwapped(d.m)) }},
		{"a fixed prefix and its MAC's last 8", "DP-06", func(d device) string { return "wifi-" + hex12(d.m)[4:] }},
		{"its MAC's low 3 bytes in decimal", "DP-07", func(d device) string { return fmt.Sprintf("%08d", d.m&0xffffff) }},
	}
	for _, size := range []int{300, 100_000} {
		ds := devices(size, 11)
		r := rand.New(rand.NewPCG(5, uint64(size)))
		clean := make([]string, size)
		for i := range clean {
			clean[i] = randomPassword(r, 12, unambiguous)
		}
		at := size * 2 / 3
		rep, lines := runAudit(t, batchCSV(ds, func(i int, _ device) string { return clean[i] }), Config{})
		if rep.Verdict != "pass" || len(lines) != 0 {
			t.Fatalf("%d random rows: verdict %s, %d flagged", size, rep.Verdict, len(lines))
		}
		if b := rep.Batch.ChanceFlags; b <= 0 || b >= 0.0011 {
			t.Errorf("%d random rows: expected coincidental flags %g, want in (0, 0.001]", size, b)
		}
		for _, c := range bad {
			t.Run(fmt.Sprintf("%s among %d", c.name, size-1), func(t *testing.T) {
				rep, lines := runAudit(t, batchCSV(ds, func(i int, d device) string {
					if i == at {
						return c.pw(d)
					}
					return clean[i]
				}), Config{})
				fl, ok := lines[at+2]
				if rep.Verdict != "fail" || !ok || len(lines) != 1 || !contains(fl.Rules, c.rule) {
					t.Fatalf("verdict %s, %d rows flagged, line %d: %+v", rep.Verdict, len(lines), at+2, fl)
				}
				t.Logf("%s", fl.Evidence)
			})
		}
	}
}

// TestFewRowsShareAConstant: a vendor constant XORed with (or added to)
// the MAC on a handful of devices is learnt from those devices and flags
// each of them, and nothing else, among random rows (PSTI-PW-04).
func TestFewRowsShareAConstant(t *testing.T) {
	ds := devices(1000, 12)
	r := rand.New(rand.NewPCG(8, 8))
	bad := map[int]bool{17: true, 230: true, 480: true, 731: true, 905: true}
	for name, pw := range map[string]func(device) string{
		"XOR":  func(d device) string { return hex12(d.m ^ 0x5a3c96e1f00d) },
		"plus": func(d device) string { return hex12((d.m + 0x1234abcd) & mac48)[4:] },
	} {
		t.Run(name, func(t *testing.T) {
			rep, lines := runAudit(t, batchCSV(ds, func(i int, d device) string {
				if bad[i] {
					return pw(d)
				}
				return randomPassword(r, 12, unambiguous)
			}), Config{})
			if rep.Verdict != "fail" || len(lines) != len(bad) {
				t.Fatalf("verdict %s, %d rows flagged, want the %d bad ones", rep.Verdict, len(lines), len(bad))
			}
			for i := range bad {
				if fl := lines[i+2]; !contains(fl.Rules, "DP-07") {
					t.Errorf("line %d: %+v", i+2, fl)
				}
			}
		})
	}
}

// TestWeakGeneratorsRefused: a declared generator that is not
// cryptographically secure is refused by name (PSTI-PW-04, PSTI-PW-08): its
// passwords would pass every row and batch rule, so only the declaration
// can show it. Without a declaration the report says what it cannot see.
func TestWeakGeneratorsRefused(t *testing.T) {
	for _, name := range []string{"mt19937", "Mersenne Twister", "rand()", "LCG", "xorshift", "PRNG", "math/rand"} {
		if _, err := LookupMechanism(name); err == nil || !strings.Contains(err.Error(), "not a cryptographically secure generator") {
			t.Errorf("%q: %v", name, err)
		}
	}
	r := rand.New(rand.NewPCG(3, 3))
	rep, _ := runAudit(t, batchCSV(devices(300, 3), func(int, device) string { return randomPassword(r, 14, unambiguous) }), Config{})
	if n := rep.Rules[ruleByID("DP-15")].Note; !strings.Contains(n, "cannot be seen in the passwords") {
		t.Errorf("DP-15 note without a declaration: %q", n)
	}
}

// TestVendorWordAndMACSuffix: a vendor's word followed by the last six hex
// digits of the device's MAC (24 bits of the identifier, as Wi-Fi keys
// were once made) fails alone in a batch of one, among 14 random rows and
// among 299 (PSTI-PW-04); the same batches without it pass. A batch of one
// random password shows few of its generator's characters, and must not be
// flagged for that.
func TestVendorWordAndMACSuffix(t *testing.T) {
	for _, size := range []int{1, 15, 300} {
		ds := devices(size, 23)
		r := rand.New(rand.NewPCG(7, uint64(size)))
		clean := make([]string, size)
		for i := range clean {
			clean[i] = randomPassword(r, 12, unambiguous)
		}
		rep, lines := runAudit(t, batchCSV(ds, func(i int, _ device) string { return clean[i] }), Config{})
		if rep.Verdict != "pass" || len(lines) != 0 {
			t.Fatalf("%d random rows: verdict %s, %d flagged", size, rep.Verdict, len(lines))
		}
		at := size / 2
		rep, lines = runAudit(t, batchCSV(ds, func(i int, d device) string {
			if i == at {
				return "acme" + hex12(d.m)[6:]
			}
			return clean[i]
		}), Config{})
		fl, ok := lines[at+2]
		if rep.Verdict != "fail" || !ok || len(lines) != 1 || !contains(fl.Rules, "DP-06") || !strings.Contains(fl.Evidence, "suffix(6)") {
			t.Fatalf("%d rows: verdict %s, %d rows flagged, line %d: %+v", size, rep.Verdict, len(lines), at+2, fl)
		}
	}
}
