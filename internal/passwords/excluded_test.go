package passwords

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// typedBatch is n rows of one credential type, the password of row i
// given by pw.
func typedBatch(n int, typ string, pw func(i int) string) []byte {
	var b strings.Builder
	b.WriteString("serial,password,credential_type\n")
	for i := range n {
		fmt.Fprintf(&b, "SN%07d,%s,%s\n", i, pw(i), typ)
	}
	return []byte(b.String())
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// PSTI-PW-06: a PIN that pairs over IP is a password; one that pairs over
// a protocol outside the internet protocol suite is not (para 1(4)(b)).
func TestPairingPINOverIP(t *testing.T) {
	pins := func(i int) string { return fmt.Sprintf("%06d", (i*7919)%1000000) }
	rep, _ := runAudit(t, typedBatch(200, TypePairingPIN, pins), Config{})
	if rep.Audited != 200 || rep.Excluded != 0 || rep.Verdict != "fail" {
		t.Fatalf("pairing_pin: %d audited, %d excluded, verdict %s; want all audited and a fail (6 digits)", rep.Audited, rep.Excluded, rep.Verdict)
	}
	rep, lines := runAudit(t, typedBatch(200, TypePairingPINNonIP, pins), Config{})
	if rep.Audited != 0 || rep.Excluded != 200 || rep.Verdict != "pass" || len(lines) != 0 {
		t.Fatalf("pairing_pin_non_ip: %d audited, %d excluded, verdict %s, %d flagged; want all excluded, a pass", rep.Audited, rep.Excluded, rep.Verdict, len(lines))
	}
	if ev := rep.Rules[ruleByID("DP-14")].Examples[0].Evidence; !strings.Contains(ev, "paragraph 1(4)") {
		t.Fatalf("DP-14 evidence %q does not cite para 1(4)", ev)
	}
	// A fixed Bluetooth PIN in every row is still excluded.
	rep, _ = runAudit(t, typedBatch(200, TypePairingPINNonIP, func(int) string { return "0000" }), Config{})
	if rep.Verdict != "pass" {
		t.Fatalf("a fixed non-IP pairing PIN: %s", rep.Summary)
	}
}

// PSTI-PW-06: the label is a claim to check. An excluded row whose value
// is a known or common password, a short dictionary word or a short value
// many rows share is flagged; real keys are not.
func TestExcludedLabelChecked(t *testing.T) {
	cases := []struct {
		name, typ string
		pw        func(i int) string
		rule      string // the rule that must flag the suspect rows; either of two, space-separated
	}{
		{"admin as an API key", TypeAPIKey, func(i int) string { return []string{"admin", randomHex(16)}[i%2] }, "DP-02"},
		{"password as a crypto key", TypeCryptoKey, func(i int) string { return []string{"password", randomHex(16)}[i%2] }, "DP-02 DP-03"},
		{"a dictionary word as an API key", TypeAPIKey, func(i int) string { return []string{"sunflower", randomHex(16)}[i%2] }, "DP-02 DP-03"},
		{"a common password as a non-IP pairing PIN", TypePairingPINNonIP, func(i int) string { return []string{"letmein", "1234"}[i%2] }, "DP-02 DP-03"},
		{"one short value shared as an API key", TypeAPIKey, func(i int) string { return []string{"Tz4uW8qNc3Hm", randomHex(16)}[i%2] }, "DP-04"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, lines := runAudit(t, typedBatch(100, c.typ, c.pw), Config{})
			if rep.Verdict != "fail" || rep.Audited != 0 {
				t.Fatalf("verdict %s, %d audited: %s", rep.Verdict, rep.Audited, rep.Summary)
			}
			if !strings.Contains(rep.Summary, "No password was audited") {
				t.Fatalf("summary %q does not say that no password was audited", rep.Summary)
			}
			// Odd rows hold the suspect value (lines 2, 4, …); the shared one
			// is flagged from its third row on.
			from := 2
			if c.rule == "DP-04" {
				from = 6
			}
			for l := from; l <= 101; l += 2 {
				fl, ok := lines[l]
				if !ok || !slices.ContainsFunc(strings.Fields(c.rule), func(r string) bool { return slices.Contains(fl.Rules, r) }) || !strings.Contains(fl.Evidence, "label is not accepted") {
					t.Fatalf("line %d: %+v, want %s saying the label is not accepted", l, fl, c.rule)
				}
			}
			for l := 3; l <= 101; l += 2 {
				if fl, ok := lines[l]; ok {
					t.Fatalf("line %d (a real key or PIN) flagged: %+v", l, fl)
				}
			}
		})
	}
}

// A batch of only keys is not a plain pass: it says nothing was checked.
func TestNothingAudited(t *testing.T) {
	rep, _ := runAudit(t, typedBatch(500, TypeCryptoKey, func(int) string { return randomHex(32) }), Config{})
	if rep.Verdict != "pass" || rep.Audited != 0 {
		t.Fatalf("verdict %s, %d audited", rep.Verdict, rep.Audited)
	}
	if !strings.HasPrefix(rep.Summary, "Nothing was checked") || strings.Contains(rep.Summary, "Passed:") || !strings.Contains(rep.Summary, "500") {
		t.Fatalf("summary %q", rep.Summary)
	}
	for _, n := range rep.Notes {
		if strings.Contains(n, "Only 0 rows") {
			t.Fatalf("a note speaks of statistics on nothing: %q", n)
		}
	}
	// A long key shared by every row is a shared key, not a password.
	key := randomHex(32)
	rep, _ = runAudit(t, typedBatch(500, TypeCryptoKey, func(int) string { return key }), Config{})
	if rep.Verdict != "pass" {
		t.Fatalf("a shared 64-digit key: %s", rep.Summary)
	}
}
