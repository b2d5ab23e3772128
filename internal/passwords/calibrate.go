package passwords

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// calibration is what the first rows of a batch say about the whole of it:
// the alphabet its passwords use, vendor constants they share, and
// per-character mappings from identifiers. The row rules use it to compare
// like with like and to judge how likely a match is by chance.
type calibration struct {
	rows     int
	alphabet float64 // distinct characters after case folding (at least 10): the chance base
	chars    string  // distinct characters, case kept, in byte order: the byte-mod alphabet
	size     int     // len(chars)
	lookup   [256]int16
	prefixes []string // normalised prefixes many passwords share
	suffixes []string
	xor      map[int][]uint64 // by number of hex digits: constants XORed with the MAC's low digits
	diff     map[int][]int64  // by number of hex digits: constants added to them
	masks    map[string]uint16
	maskList []string
	mapping  *mapping
	subst    []substitution
	affine   *affineFit // each character a fixed XOR of the MAC's parts (DP-07)
}

// calibrationRows is how many rows calibration reads before the audit
// proper starts. Enough for the frequencies it counts to be clear, small
// enough to hold in memory.
const calibrationRows = 65536

// indexInto appends to dst each byte of s as its position in the batch
// alphabet, reporting false if s has a byte outside it.
func (cal *calibration) indexInto(dst []byte, s string) bool {
	if cal.size < 2 || cal.size > 256 || len(s) > cap(dst) {
		return false
	}
	dst = dst[:len(s)]
	for i := 0; i < len(s); i++ {
		p := cal.lookup[s[i]]
		if p < 0 {
			return false
		}
		dst[i] = byte(p)
	}
	return true
}

// frequent is how often a value must occur in the calibration rows to be
// treated as a batch constant rather than chance.
func frequent(rows int) int { return max(20, rows/200) }

func calibrate(rows []Row, th Thresholds) *calibration {
	cal := &calibration{xor: map[int][]uint64{}, diff: map[int][]int64{}, masks: map[string]uint16{}}
	for i := range cal.lookup {
		cal.lookup[i] = -1
	}
	var seen, folded [256]bool
	var pws []string
	var norms []string
	var macs []uint64
	var hasMAC []bool
	for i := range rows {
		r := &rows[i]
		if !audited(r) {
			continue
		}
		pws = append(pws, r.Password)
		n := normalize(r.Password)
		norms = append(norms, n)
		m, ok := parseMAC(r.MAC)
		macs, hasMAC = append(macs, m), append(hasMAC, ok)
		for j := 0; j < len(r.Password); j++ {
			seen[r.Password[j]] = true
		}
		for j := 0; j < len(n); j++ {
			folded[n[j]] = true
		}
	}
	cal.rows = len(pws)
	var chars []byte
	for c := range 256 {
		if seen[c] {
			chars = append(chars, byte(c))
		}
	}
	cal.chars, cal.size = string(chars), len(chars)
	for i, c := range chars {
		cal.lookup[c] = int16(i)
	}
	nf, total := 0, 0
	var set [4]uint64
	for c, f := range folded {
		if f {
			nf++
			set[c>>6] |= 1 << (c & 63)
		}
	}
	for _, n := range norms {
		total += len(n)
	}
	cal.alphabet = math.Max(float64(nf), 10)
	// A few rows show only some of the characters their generator uses
	// (one password of 10 characters shows at most 10), which would make
	// any match look ten times likelier by chance than it is. Until about
	// ten characters per character of the smallest familiar class holding
	// those seen have been read, that class is the base: one bad row in a
	// batch of one is still found (PSTI-PW-04).
	if bits, _ := classBits(set); nf > 1 && float64(total) < 10*math.Exp2(bits) {
		cal.alphabet = math.Max(cal.alphabet, math.Round(math.Exp2(bits)))
	}
	if cal.rows == 0 {
		return cal
	}
	need := frequent(cal.rows)
	cal.prefixes = sharedEnds(norms, need, false)
	cal.suffixes = sharedEnds(norms, need, true)

	// Constants XORed with or added to the MAC's low hex digits: the same
	// value for many devices is a vendor key, not randomness.
	for _, nib := range []int{4, 6, 8, 12} {
		xs, ds := map[uint64]int{}, map[int64]int{}
		mask := uint64(1)<<(4*nib) - 1
		for i, n := range norms {
			if !hasMAC[i] {
				continue
			}
			for _, s := range remainders(n, cal.prefixes, cal.suffixes) {
				if len(s) != nib || !allHex(s) {
					continue
				}
				v, _ := strconv.ParseUint(s, 16, 64)
				low := macs[i] & mask
				xs[v^low]++
				ds[int64((v-low)&mask)]++
			}
		}
		// A constant is learnt from as few as three devices when random
		// values would repeat that often less than once in a million
		// batches, over every value they could take: so that a scheme
		// used on a few devices only is seen too (PSTI-PW-04).
		values := math.Pow(16, float64(nib))
		tried := 0
		for _, k := range xs {
			tried += k
		}
		lambda := float64(tried) / values
		enough := func(k int) bool {
			return k >= need || poissonTailBelow(int64(k), lambda, 1e-6/values)
		}
		for x, k := range xs {
			if enough(k) && x != 0 && x != mask {
				cal.xor[nib] = append(cal.xor[nib], x)
			}
		}
		for d, k := range ds {
			if enough(k) && d != 0 {
				cal.diff[nib] = append(cal.diff[nib], d)
			}
		}
		slices.Sort(cal.xor[nib])
		slices.Sort(cal.diff[nib])
	}

	// Formats (character-class masks) that many passwords share: the
	// keyspace rule measures each separately.
	counts := map[string]int{}
	for _, p := range pws {
		counts[mask(p)]++
	}
	for m, k := range counts {
		if k >= max(50, cal.rows/100) {
			cal.maskList = append(cal.maskList, m)
		}
	}
	sort.Strings(cal.maskList)
	if len(cal.maskList) > 1000 {
		cal.maskList = cal.maskList[:1000]
	}
	for i, m := range cal.maskList {
		cal.masks[m] = uint16(i + 1)
	}

	cal.mapping = learnMapping(norms, macs, hasMAC)
	cal.subst = learnSubstitutions(rows)
	cal.affine = learnAffine(rows, cal, th)
	return cal
}

func audited(r *Row) bool {
	if ExcludedType(r.Type) {
		return false
	}
	return !strings.EqualFold(strings.TrimSpace(r.Password), UserDefined)
}

func remainders(n string, prefixes, suffixes []string) []string {
	out := []string{n}
	for _, p := range prefixes {
		if len(n) > len(p) && strings.HasPrefix(n, p) {
			out = append(out, n[len(p):])
		}
	}
	for _, s := range suffixes {
		if len(n) > len(s) && strings.HasSuffix(n, s) {
			out = append(out, n[:len(n)-len(s)])
		}
	}
	return out
}

// sharedEnds finds the prefixes (or suffixes) of three or more characters
// that at least need passwords share, leaving at least four characters to
// compare. Shorter ones come first: the identifier rules try the longest
// remainder first, so "PLDTWIFI" + 5 MAC digits is seen as that, even when
// the first of those digits happens to be the same on every device.
func sharedEnds(norms []string, need int, suffix bool) []string {
	counts := map[string]int{}
	for _, n := range norms {
		for l := 3; l <= 16 && l+4 <= len(n); l++ {
			if suffix {
				counts[n[len(n)-l:]]++
			} else {
				counts[n[:l]]++
			}
		}
	}
	var out []string
	for s, k := range counts {
		if k >= need {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return len(out[i]) < len(out[j]) || (len(out[i]) == len(out[j]) && out[i] < out[j])
	})
	if len(out) > 16 {
		out = out[:16]
	}
	return out
}

// mask is a password's format: each character replaced by its class
// (9 digit, a lower, A upper), other characters kept.
func mask(p string) string { return string(appendMask(nil, p)) }

func appendMask(b []byte, p string) []byte {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= '0' && c <= '9':
			c = '9'
		case c >= 'a' && c <= 'z':
			c = 'a'
		case c >= 'A' && c <= 'Z':
			c = 'A'
		}
		b = append(b, c)
	}
	return b
}

// mapping is a fixed table from MAC hex digits to password characters,
// learnt from the calibration rows: D-Link and Belkin style schemes.
type mapping struct {
	length    int
	positions []mapped1
}

// mapped1 is one password position and the MAC digit it follows.
type mapped1 struct {
	p, q  int
	table [16]byte
}

func (m *mapping) describe() string {
	parts := make([]string, len(m.positions))
	for i, x := range m.positions {
		parts[i] = fmt.Sprintf("%d←%d", x.p+1, x.q+1)
	}
	return "password character←MAC digit: " + strings.Join(parts, ", ")
}

// learnMapping looks, in passwords of the most common length, for
// character positions that are a function of one MAC hex digit. A position
// qualifies when, for nearly every value of that digit, one character
// follows; six or more such positions make a mapping. Plain copies of the
// MAC are left to the identifier rule.
func learnMapping(norms []string, macs []uint64, hasMAC []bool) *mapping {
	lengths := map[int]int{}
	for i, n := range norms {
		if hasMAC[i] {
			lengths[len(n)]++
		}
	}
	L, most := 0, 0
	for l, k := range lengths {
		if k > most || (k == most && l < L) {
			L, most = l, k
		}
	}
	if most < 16*20 || L > 32 {
		return nil
	}
	// counts[p][q][v][c]: password character c at p with MAC digit v at q.
	counts := make([][12][16][256]int32, L)
	var totals [12][16]int
	for i, n := range norms {
		if !hasMAC[i] || len(n) != L {
			continue
		}
		h := hex12(macs[i])
		for q := range 12 {
			v := unhex(h[q])
			totals[q][v]++
			for p := range L {
				counts[p][q][v][n[p]]++
			}
		}
	}
	m := &mapping{length: L}
	for p := range L {
		best := mapped1{q: -1}
		bestPurity := 0.0
		for q := range 12 {
			distinct, agree, total, identity := 0, 0, 0, true
			var table [16]byte
			var chars [256]bool
			nchars := 0
			for v := range 16 {
				if totals[q][v] == 0 {
					continue
				}
				distinct++
				top, topC := int32(0), byte(0)
				for ch, k := range counts[p][q][v] {
					if k > top {
						top, topC = k, byte(ch)
					}
				}
				table[v] = topC
				if !chars[topC] {
					chars[topC] = true
					nchars++
				}
				agree += int(top)
				total += totals[q][v]
				if topC != "0123456789abcdef"[v] {
					identity = false
				}
			}
			if distinct < 8 || nchars < 4 || identity || total == 0 {
				continue
			}
			if purity := float64(agree) / float64(total); purity > bestPurity {
				best, bestPurity = mapped1{p: p, q: q, table: table}, purity
			}
		}
		if best.q >= 0 && bestPurity >= 0.9 {
			m.positions = append(m.positions, best)
		}
	}
	if len(m.positions) < 6 {
		return nil
	}
	return m
}
