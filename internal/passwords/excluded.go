package passwords

import (
	"fmt"

	"github.com/cespare/xxhash/v2"
)

// Exclusions (para 1(4), PSTI-PW-06): cryptographic keys, PINs for pairing
// over a protocol outside the internet protocol suite (Bluetooth, Zigbee)
// and API keys are not passwords for paragraph 1. A PIN that pairs over
// Wi-Fi or any other IP protocol is not excluded: credential type
// pairing_pin is audited as a password, pairing_pin_non_ip is not.
//
// The label is a claim to check, not a pass: a row labelled as an excluded
// type whose value looks like a password (a known default, a common
// password, a short dictionary word, or one short value that many rows
// share) is flagged under the rule that value breaks, saying the label was
// not accepted.

// ExcludedType reports whether a credential type is outside paragraph 1.
func ExcludedType(t string) bool {
	switch t {
	case TypeCryptoKey, TypePairingPINNonIP, TypeAPIKey:
		return true
	}
	return false
}

// excludedNote is the DP-14 evidence for an excluded row.
func excludedNote(typ string) string {
	return fmt.Sprintf("credential type %s is not a password under PSTI Schedule 1 paragraph 1(4)", typ)
}

// labelRefused ends the evidence against an excluded row used like a password.
const labelRefused = "so the label is not accepted: a credential used like a password is a password (para 1(4), PSTI-PW-06)"

// checkExcluded flags an excluded row whose value is a known or common
// password or a short dictionary word (DP-02, DP-03).
func (c *rowCtx) checkExcluded() {
	pw := c.row.Password
	// A pairing PIN is digits, and a fixed one (0000) is what many
	// Bluetooth devices use: para 1(4)(b) excludes it, so digits alone are
	// not a sign of a password here.
	if pw == "" || len(pw) > 64 || (c.typ == TypePairingPINNonIP && allDigits(pw)) {
		return
	}
	low := lowerInto(c.buf[:0], pw)
	c.buf = low
	switch f := knownWords().lookup(low); {
	case f&knownDefault != 0:
		c.flag(dp02, false, fmt.Sprintf("labelled %s, but %q is a known default password, %s", c.typ, pw, labelRefused))
	case f&knownCommon != 0:
		c.flag(dp03, false, fmt.Sprintf("labelled %s, but %q is a common password, %s", c.typ, pw, labelRefused))
	case f&knownWord != 0 && len(low) >= 4 && len(low) <= 12:
		c.flag(dp03, false, fmt.Sprintf("labelled %s, but %q is a dictionary word, %s", c.typ, pw, labelRefused))
	}
}

// Excluded values shared across rows (DP-04). A key is at least 128 bits,
// 22 or more characters even in Base64, and one device's key or API key is
// not another's by chance. A shorter value that several rows labelled as
// excluded share is a default password by another name.
const (
	sharedMaxLen    = 21      // longer values are taken for keys, shared or not
	sharedMinRows   = 3       // rows sharing a value before it counts as shared
	sharedMaxValues = 1 << 18 // distinct values remembered: a few MB at most
)

// excludedValues counts the short values of excluded rows, in file order,
// in a map of bounded size.
type excludedValues struct {
	seen map[uint64]sharedValue
	full bool // some values were not remembered
}

type sharedValue struct {
	first int32 // line of the first row with the value
	rows  int32
}

// shared counts an excluded row's value and flags it once sharedMinRows
// rows have it (the row that reaches the count and every later one; the
// evidence names the first).
func (st *state) shared(r *Row, o *rowOut) {
	if !ExcludedType(r.Type) || len(r.Password) == 0 || len(r.Password) > sharedMaxLen || (r.Type == TypePairingPINNonIP && allDigits(r.Password)) {
		return
	}
	ev := &st.exclValues
	if ev.seen == nil {
		ev.seen = map[uint64]sharedValue{}
	}
	h := xxhash.Sum64String(r.Password)
	v, ok := ev.seen[h]
	if !ok {
		if len(ev.seen) >= sharedMaxValues {
			ev.full = true
			return
		}
		v.first = int32(r.Line)
	}
	v.rows++
	ev.seen[h] = v
	if v.rows < sharedMinRows {
		return
	}
	for _, f := range o.findings {
		if f.rule == dp04 {
			return
		}
	}
	o.findings = append(o.findings, finding{rule: dp04, text: fmt.Sprintf("labelled %s, but %s before it, from line %d on, have the same value, %s",
		r.Type, plural(int(v.rows-1), "row"), v.first, labelRefused)})
}

// sharedNote is the report's note when some values were not compared.
func (st *state) sharedNote() string {
	if !st.exclValues.full {
		return ""
	}
	return fmt.Sprintf("Rows labelled as keys or non-IP pairing PINs were compared with each other for shared values only among the first %d distinct values; values first seen after that were not compared.", sharedMaxValues)
}
