package passwords

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
)

// PSTI-PW-04, PSTI-PW-08: every mechanism a cryptographer accepts is
// accepted under its canonical name, whatever the spelling; every one psti
// knows to be unkeyed, an encoding or broken is refused with the reason.
func TestLookupMechanism(t *testing.T) {
	accepted := []struct{ declared, canonical, family string }{
		{"csprng", "csprng", familyRandom},
		{"CTR_DRBG", "csprng", familyRandom},
		{"hmac-sha256", "hmac-sha256", familyKeyedHash},
		{"HMAC-SHA256", "hmac-sha256", familyKeyedHash},
		{"hmac_sha_256", "hmac-sha256", familyKeyedHash},
		{"HMAC-SHA-256", "hmac-sha256", familyKeyedHash},
		{"HMAC SHA-384", "hmac-sha384", familyKeyedHash},
		{"HMAC-SHA-512", "hmac-sha512", familyKeyedHash},
		{"hmac-sha512/256", "hmac-sha512-256", familyKeyedHash},
		{"HMAC-SHA3-256", "hmac-sha3-256", familyKeyedHash},
		{"hmac-sha3-512", "hmac-sha3-512", familyKeyedHash},
		{"KMAC128", "kmac128", familyKeyedHash},
		{"kmac256", "kmac256", familyKeyedHash},
		{"hkdf-sha256", "hkdf-sha256", familyKeyedHash},
		{"HKDF-SHA-512", "hkdf-sha512", familyKeyedHash},
		{"AES-CMAC", "aes-cmac", familyKeyedHash},
		{"CMAC-AES", "aes-cmac", familyKeyedHash},
		{"aes_cmac_256", "aes-cmac", familyKeyedHash},
		{"keyed BLAKE2b", "blake2b-keyed", familyKeyedHash},
		{"AES-SIV", "aes-siv", familyEncryption},
		{"AES-SIV-CMAC-256", "aes-siv", familyEncryption},
		{"AES-256-GCM-SIV", "aes-gcm-siv", familyEncryption},
	}
	for _, c := range accepted {
		m, err := LookupMechanism(c.declared)
		if err != nil || m.Name != c.canonical || m.Family != c.family {
			t.Errorf("%q: %+v, %v; want %s (%s)", c.declared, m, err, c.canonical, c.family)
		}
		if c.canonical != "csprng" && !m.Keyed {
			t.Errorf("%q is not marked keyed", c.declared)
		}
	}
	refused := []struct{ declared, why string }{
		{"md5", "without a secret key"},
		{"SHA-1", "without a secret key"},
		{"sha256", "without a secret key"},
		{"SHA-512", "without a secret key"},
		{"sha3-256", "without a secret key"},
		{"crc32", "without a secret key"},
		{"SHA-256(serial + salt)", "without a secret key"},
		{"base64", "encoding, not encryption"},
		{"xor", "encoding, not encryption"},
		{"obfuscation", "encoding, not encryption"},
		{"HMAC-MD5", "broken for collisions"},
		{"hmac-sha1", "broken for collisions"},
		{"DES", "retired"},
		{"3DES", "retired"},
		{"RC4", "retired"},
		{"AES-CTR", "same keystream"},
		{"AES-GCM", "same keystream"},
		{"ChaCha20-Poly1305", "same keystream"},
		{"AES-ECB", "share a prefix"},
		{"AES-CBC", "share a prefix"},
		{"AES", "mode"},
		{"CBC-MAC", "AES-CMAC"},
		{"AES with the key in firmware", "key_custody"},
		{"HMAC-Whirlpool", "name the algorithm exactly"},
		{"our own secret algorithm", "name the algorithm exactly"},
	}
	for _, c := range refused {
		m, err := LookupMechanism(c.declared)
		if err == nil {
			t.Errorf("%q accepted as %+v", c.declared, m)
			continue
		}
		if !strings.Contains(err.Error(), c.why) || !strings.Contains(err.Error(), c.declared) {
			t.Errorf("%q: %v, want it named with %q", c.declared, err, c.why)
		}
	}
	// Every canonical name finds itself.
	for _, m := range Mechanisms {
		if got, err := LookupMechanism(m.Name); err != nil || got != m {
			t.Errorf("%s: %+v, %v", m.Name, got, err)
		}
	}
}

func TestCheckCustody(t *testing.T) {
	for c, ok := range map[string]bool{"hsm": true, "HSM": true, "kms": true, "file": true,
		"device": false, "firmware": false, "secure_element": false, "tpm": false, "": false, "cloud": false} {
		if got := checkCustody(c) == ""; got != ok {
			t.Errorf("custody %q: accepted %v, want %v (%s)", c, got, ok, checkCustody(c))
		}
	}
}

// declAudit audits n random passwords with serials and MACs under d.
func declAudit(t *testing.T, d *Declaration) *Report {
	t.Helper()
	var b strings.Builder
	b.WriteString("serial,mac,password\n")
	for i := range 300 {
		fmt.Fprintf(&b, "SN%07d,02:00:00:00:%02X:%02X,%s\n", i, i>>8, i&255, strings.ReplaceAll(rand.Text()[:14], "=", "A"))
	}
	rep, err := Audit(context.Background(), strings.NewReader(b.String()), Config{Declaration: d})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func dp15Of(rep *Report) RuleResult {
	for _, r := range rep.Rules {
		if r.ID == "DP-15" {
			return r
		}
	}
	return RuleResult{}
}

// PSTI-PW-03: a keyed derivation from a broadcast MAC is allowed under
// para 1(3)(c) but reported with a note naming 1(3)(b); key custody "file"
// is allowed and explained.
func TestDeclarationNotes(t *testing.T) {
	keyed := func(mech, custody, input string) *Declaration {
		return &Declaration{Format: ManifestFormat, Mechanism: mech, EntropyBits: 70, KeyID: "sha256:0011", KeyCustody: custody, Label: "psti-v1/X", Input: input}
	}
	notes := func(rep *Report) string { return strings.Join(rep.Notes, "\n") }

	rep := declAudit(t, keyed("HMAC_SHA_512", "hsm", "mac"))
	dp15 := dp15Of(rep)
	if dp15.Status != "passed" || !strings.Contains(dp15.Note, "HMAC-SHA-512 (hmac-sha512)") || !strings.Contains(dp15.Note, "hardware security module") {
		t.Fatalf("HMAC-SHA-512 from the MAC in an HSM: DP-15 %s %q %+v", dp15.Status, dp15.Note, dp15.Examples)
	}
	if n := notes(rep); !strings.Contains(n, "para 1(3)(b)") || !strings.Contains(n, "broadcast") {
		t.Fatalf("a keyed derivation from a MAC without a note naming para 1(3)(b):\n%s", n)
	}
	if rep.Verdict != "pass" {
		t.Fatalf("verdict %s: %s", rep.Verdict, rep.Summary)
	}

	rep = declAudit(t, keyed("aes-siv", "file", "chip_id"))
	if dp15 := dp15Of(rep); dp15.Status != "passed" || !strings.Contains(dp15.Note, "encryption method") {
		t.Fatalf("AES-SIV: DP-15 %s %q %+v", dp15.Status, dp15.Note, dp15.Examples)
	}
	if n := notes(rep); !strings.Contains(n, "copies the file") || strings.Contains(n, "1(3)(b)") {
		t.Fatalf("custody file from a private chip id: notes\n%s", n)
	}

	for _, c := range []struct {
		d    *Declaration
		want string
	}{
		{keyed("sha256", "hsm", "serial"), "without a secret key"},
		{keyed("hmac-sha256", "firmware", "serial"), "one teardown"},
		{keyed("hmac-sha256", "", "serial"), "key_custody"},
		{keyed("kmac256", "hsm", "model"), "para 1(3)(b)"},
	} {
		dp15 := dp15Of(declAudit(t, c.d))
		if dp15.Status != "flagged" || len(dp15.Examples) == 0 || !strings.Contains(dp15.Examples[0].Evidence, c.want) {
			t.Errorf("%+v: DP-15 %s %+v, want %q", c.d, dp15.Status, dp15.Examples, c.want)
		}
	}
}
