package passwords

import (
	"math/bits"
	"strconv"
)

// Helpers that turn identifiers and passwords into the forms the rules
// compare: normalised text (lower case, separators removed), hex and decimal
// runs, and parsed MAC addresses.

// normalize lower-cases ASCII letters and drops the separators people and
// label printers put in identifiers (":", "-", ".", "_", " ").
func normalize(s string) string {
	var b []byte
	var stack [64]byte // most identifiers and passwords: one allocation, the result's
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':' || c == '-' || c == '.' || c == '_' || c == ' ':
			if b == nil {
				b = append(stack[:0], s[:i]...)
			}
		case c >= 'A' && c <= 'Z':
			if b == nil {
				b = append(stack[:0], s[:i]...)
			}
			b = append(b, c+'a'-'A')
		default:
			if b != nil {
				b = append(b, c)
			}
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}

func isHex(c byte) bool { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// run is a maximal stretch of one kind of character in a normalised string.
type run struct {
	start, end int
}

// runs returns the maximal stretches of s whose bytes satisfy keep and are
// at least min long.
func runs(s string, keep func(byte) bool, min int) []run {
	var out []run
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && keep(s[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= min {
			out = append(out, run{start, i})
		}
		start = -1
	}
	return out
}

// parseMAC reads a MAC address written as 12 hex digits, with or without
// the usual separators, into its 48-bit value.
func parseMAC(s string) (uint64, bool) {
	var v uint64
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		case c == ':' || c == '-' || c == '.' || c == '_' || c == ' ':
			continue
		default:
			return 0, false
		}
		if digits == 12 {
			return 0, false
		}
		v = v<<4 | uint64(d)
		digits++
	}
	return v, digits == 12
}

const mac48 = 1<<48 - 1

func hex12(v uint64) string {
	const digits = "0123456789abcdef"
	var b [12]byte
	for i := 11; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}

// nearestFirst is the j-th offset in the order 0, -1, +1, -2, +2, …: the
// device's own address first, then its neighbours, nearest first.
func nearestFirst(j int) int {
	d := (j + 1) / 2
	if j%2 == 1 {
		return -d
	}
	return d
}

// byteReversed is a MAC with its six bytes in the opposite order.
func byteReversed(v uint64) uint64 { return bits.ReverseBytes64(v) >> 16 }

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// trailingNumber is the last run of digits in s (e.g. 123 in
// "AC200-2411-000123") with its length in digits.
func trailingNumber(s string) (uint64, int) {
	end := len(s)
	for end > 0 && !isDigit(s[end-1]) {
		end--
	}
	start := end
	for start > 0 && isDigit(s[start-1]) {
		start--
	}
	if end-start == 0 || end-start > 18 {
		return 0, 0
	}
	v, err := strconv.ParseUint(s[start:end], 10, 64)
	if err != nil {
		return 0, 0
	}
	return v, end - start
}

// longestCommon returns the longest common substring of a and b: its
// length and where it starts in a and in b. Both are short (passwords and
// identifiers), so the quadratic method is fine; callers skip it when a
// cheaper test rules a long match out.
func longestCommon(a, b string) (n, ia, ib int) {
	if len(a) == 0 || len(b) == 0 || len(a) > 128 || len(b) > 128 {
		return 0, 0, 0
	}
	var prev, cur [129]uint8
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
				if int(cur[j]) > n {
					n, ia, ib = int(cur[j]), i-int(cur[j]), j-int(cur[j])
				}
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return n, ia, ib
}

// gramMask is a 64-bit summary of the 3-character substrings of s: two
// strings can only share a substring of length L if their masks share at
// least one bit (for L ≥ 3), so most pairs are ruled out in one AND.
func gramMask(s string) uint64 {
	var m uint64
	for i := 0; i+3 <= len(s); i++ {
		h := uint32(s[i])*31*31 + uint32(s[i+1])*31 + uint32(s[i+2])
		m |= 1 << (h * 2654435761 >> 26)
	}
	return m
}

// unleet undoes the common character swaps people use to dress up words
// (p@ssw0rd → password).
func unleet(s string) string {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		b[i] = unleetByte(s[i])
	}
	return string(b)
}

// span describes which characters of a rendering a match used, the way the
// evidence shows it: "prefix(8)", "suffix(8)", "chars 3-10" or "whole".
func span(start, n, total int) string {
	switch {
	case start == 0 && n == total:
		return "whole"
	case start == 0:
		return "prefix(" + strconv.Itoa(n) + ")"
	case start+n == total:
		return "suffix(" + strconv.Itoa(n) + ")"
	}
	return "chars " + strconv.Itoa(start+1) + "-" + strconv.Itoa(start+n)
}

func offset(k int) string {
	switch {
	case k == 0:
		return ""
	case k > 0:
		return "→+" + strconv.Itoa(k)
	}
	return "→" + strconv.Itoa(k)
}
