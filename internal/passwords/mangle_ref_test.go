package passwords

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// mangleRef is mangle as it was before its text was made only on demand: it undoes one of the usual disguises (digits, a year or symbols added
// at the end, digits in front, letters swapped for look-alike symbols, the
// word reversed), writing the base into scratch. It returns an empty base
// when the disguise does not apply.
func mangleRef(low []byte, which int, scratch []byte) ([]byte, string) {
	n := len(low)
	trimSym := n
	for trimSym > 0 && strings.IndexByte(trailing, low[trimSym-1]) >= 0 {
		trimSym--
	}
	switch which {
	case 0: // digits (and symbols) at the end
		d := trimSym
		for d > 0 && isDigit(low[d-1]) {
			d--
		}
		switch digits := trimSym - d; {
		case digits > 0 && digits <= 4 && trimSym < n:
			return low[:d], "with digits and symbols added"
		case digits > 0 && digits <= 4:
			return low[:d], "with " + plural(digits, "digit") + " added"
		case digits == 0 && n-trimSym > 0 && n-trimSym <= 3:
			return low[:trimSym], "with symbols added"
		}
	case 1: // digits in front
		d := 0
		for d < n && isDigit(low[d]) {
			d++
		}
		if d > 0 && d <= 4 {
			return low[d:], "with " + plural(d, "digit") + " in front"
		}
	case 2, 3: // look-alike symbols, then also an ending removed
		changed := false
		for _, c := range low {
			u := unleetByte(c)
			changed = changed || u != c
			scratch = append(scratch, u)
		}
		if !changed {
			return nil, ""
		}
		if which == 2 {
			return scratch, "with letters swapped for look-alike symbols"
		}
		e := len(scratch)
		for e > 0 && (isDigit(scratch[e-1]) || strings.IndexByte(trailing, scratch[e-1]) >= 0) {
			e--
		}
		if e < len(scratch) && len(scratch)-e <= 4 {
			return scratch[:e], "with look-alike symbols and an ending added"
		}
	case 4: // backwards
		for i := n - 1; i >= 0; i-- {
			scratch = append(scratch, low[i])
		}
		return scratch, "written backwards"
	}
	return nil, ""
}

// TestMangleUnchanged compares mangle with mangleRef on random passwords
// made of the characters each disguise looks at.
func TestMangleUnchanged(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var s1, s2 [64]byte
	for range 200000 {
		low := []byte(randomPassword(r, 1+r.IntN(20), "abcdeilost0123456789!?.*#$@_-+=~"))
		for i := range numMangles {
			b1, h1 := mangle(low, i, s1[:0])
			b2, h2 := mangleRef(low, i, s2[:0])
			if string(b1) != string(b2) || h1.String() != h2 || (h2 == "") != (b2 == nil) {
				t.Fatalf("mangle(%q, %d) = %q, %q; want %q, %q", low, i, b1, h1, b2, h2)
			}
		}
	}
}
