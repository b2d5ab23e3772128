package passwords

import (
	"fmt"
	"strings"
)

// ---- DP-07: an identifier's characters through one fixed table ----
//
// Some schemes write an identifier out through a substitution table the
// vendor chose (every "0" becomes "q", every "1" becomes "w", …), maybe
// reversed or cut: to a reader the passwords look random, but anyone with
// one device's label and password can build the table and read every
// other device's password from its label (PSTI-PW-04). The table is learnt
// from the first rows: for each way of lining the password up with an
// identifier, each identifier character's most frequent partner is taken;
// a line-up whose partners agree on nearly every row, and map different
// characters to different ones, is a table. Random and keyed passwords
// agree on about one character in thirty.

// substitution is one learnt table and the line-up it applies to.
type substitution struct {
	render int // substRenders
	rev    bool
	off    int // where the password starts in the identifier (in the reversed one when rev)
	length int // of the password
	idLen  int
	table  [256]byte
	sample string // a few pairs, for the evidence
}

var substRenders = [...]string{"MAC", "serial", "IMEI"}

// substRender writes the row's identifier of kind k the way a table reads
// it: the MAC as 12 lower-case hex digits, the serial and IMEI normalised.
func substRender(k int, r *Row) string {
	switch k {
	case 0:
		if m, ok := parseMAC(r.MAC); ok {
			return hex12(m)
		}
	case 1:
		return normalize(r.Serial)
	case 2:
		if n := normalize(r.IMEI); allDigits(n) && len(n) >= 14 {
			return n
		}
	}
	return ""
}

// aligned is the identifier's character that a line-up puts against the
// password's j-th: id[off+j], or counted from the end when rev.
func aligned(id string, rev bool, off, j int) byte {
	if rev {
		return id[len(id)-1-off-j]
	}
	return id[off+j]
}

func (s *substitution) describe() string {
	way := ""
	if s.rev {
		way = "reversed→"
	}
	return fmt.Sprintf("%s→%seach character through one fixed table (%s)→%s", substRenders[s.render], way, s.sample,
		span(s.off, s.length, s.idLen))
}

// learnSubstitutions finds the tables the calibration rows follow.
func learnSubstitutions(rows []Row) []substitution {
	var out []substitution
	for k := range substRenders {
		// The most common pair of password and identifier lengths.
		type lens struct{ L, M int }
		count := map[lens]int{}
		for i := range rows {
			r := &rows[i]
			if !audited(r) {
				continue
			}
			if id := substRender(k, r); id != "" && len(r.Password) >= 8 && len(r.Password) <= len(id) && len(id) <= 64 {
				count[lens{len(r.Password), len(id)}]++
			}
		}
		var best lens
		for l, n := range count {
			if n > count[best] {
				best = l
			}
		}
		if count[best] < 50 || best.M-best.L > 16 {
			continue
		}
		L, M := best.L, best.M
		aligns := 2 * (M - L + 1)
		// counts[align][id char][password char]
		counts := make([][256][256]int32, aligns)
		for i := range rows {
			r := &rows[i]
			if !audited(r) || len(r.Password) != L {
				continue
			}
			id := substRender(k, r)
			if len(id) != M {
				continue
			}
			pw := r.Password
			for a := range aligns {
				off, rev := a/2, a%2 == 1
				for j := 0; j < L; j++ {
					counts[a][aligned(id, rev, off, j)][pw[j]]++
				}
			}
		}
		for a := range aligns {
			s, ok := substFrom(&counts[a])
			if !ok {
				continue
			}
			s.render, s.off, s.rev, s.length, s.idLen = k, a/2, a%2 == 1, L, M
			out = append(out, s)
		}
	}
	return out
}

// substFrom makes a table from one line-up's counts, if they show one.
func substFrom(counts *[256][256]int32) (substitution, bool) {
	var s substitution
	var agree, total int64
	inputs, identity := 0, true
	var outputs [256]bool
	distinctOut := 0
	var pairs []string
	for x := range 256 {
		top, topC, sum := int32(0), byte(0), int64(0)
		for y, n := range counts[x] {
			sum += int64(n)
			if n > top {
				top, topC = n, byte(y)
			}
		}
		if sum == 0 {
			continue
		}
		inputs++
		agree += int64(top)
		total += sum
		s.table[x] = topC
		if topC != byte(x) && !(x >= 'a' && x <= 'z' && topC == byte(x)-'a'+'A') {
			identity = false
		}
		if !outputs[topC] {
			outputs[topC] = true
			distinctOut++
		}
		if len(pairs) < 4 {
			pairs = append(pairs, fmt.Sprintf("%c→%c", x, topC))
		}
	}
	if inputs < 8 || identity || total == 0 || float64(agree) < 0.95*float64(total) || float64(distinctOut) < 0.9*float64(inputs) {
		return s, false
	}
	s.sample = strings.Join(pairs, ", ") + ", …"
	return s, true
}

// checkSubstitutions compares the row with every learnt table.
func (c *rowCtx) checkSubstitutions() {
	subs := c.e.cal.subst
	pw := c.row.Password
	for i := range subs {
		s := &subs[i]
		if len(pw) != s.length {
			continue
		}
		id := substRender(s.render, c.row)
		if len(id) != s.idLen {
			continue
		}
		j := 0
		for j < s.length && s.table[aligned(id, s.rev, s.off, j)] == pw[j] {
			j++
		}
		if j == s.length {
			c.add(dp07, s.describe(), float64(len(subs)), log10Chance(c.e.cal.alphabet, s.length))
			return
		}
	}
}
