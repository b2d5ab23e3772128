package passwords

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// ---- DP-07: each character a fixed XOR of the MAC's parts (GF(2)-affine fit) ----
//
// Many published router schemes mix the MAC's hex digits with XOR: each
// password digit the XOR of a few MAC digits and a constant (EasyBox
// style), the XOR of lookup tables indexed by MAC digits (Huawei style),
// or each character a MAC digit through a fixed table, in a shuffled order
// (D-Link and Belkin style). Lengthened to 64 bits or more they look random
// and pass the short-keyspace rule, yet anyone with a few devices' labels
// and passwords can work out every other device's password from its label
// (PSTI-PW-04). All of them are affine over GF(2) in simple features of the
// MAC, so one method learns them all from the batch: each bit of the
// password is written as an unknown XOR of features, a sample of the
// calibration rows gives the equations, and Gaussian elimination solves
// them.
//
// The features, in two models tried in turn:
//   - bits: the MAC's 48 bits and a constant 1. XOR of digits, XOR with a
//     constant, and any reordering of bits or digits are linear in these.
//     A fit of this model predicts devices whose digits took values the
//     fitted rows never showed.
//   - tables: the one-hot encoding of each of the 12 MAC digits (12×16
//     features, the bits above among their XORs) and a constant 1. The XOR
//     of any per-digit tables is linear in these, which covers the Huawei
//     style and a per-position substitution of any kind. It predicts only
//     devices whose digit values the fitted rows covered.
//
// The outputs: a batch of hex passwords is read as hex, 4 bits a character,
// because XOR schemes act on the digit's value and reading it that way is
// what makes them linear. Any other batch is read as each character's place
// in the batch alphabet (calibration's chars, in byte order): that
// numbering is arbitrary, so only schemes where each character is a
// function of one digit (or an XOR of tables whose values are places in
// that numbering) come out linear, but those are exactly the substitution
// schemes, and the tables model learns any function of a digit whatever
// the numbering.
//
// Honest accounting. The tables model has up to 193 unknowns per output
// bit, so a match on the rows it was solved from proves nothing: those
// rows fit by construction. What decides is the held-out rows. The fit is
// solved on a sample of the calibration rows and checked on others it never
// saw; it is kept only if it predicts at least 99% of at least
// affineMinCheck of them exactly. For a random or keyed batch each
// held-out row matches with chance (1/alphabet)^length, so the chance of
// that is far below the Chance threshold (it is computed and checked); in
// practice a random batch fails sooner, as its equations have no solution.
// Once kept, the fit is one hypothesis per row, so a row's match counts as
// one comparison.

const (
	affineFitRows    = 512  // the most rows a fit is solved on
	affineCheckRows  = 4096 // the most held-out rows it is checked on
	affineMinCheck   = 128  // held-out rows it must predict to be kept
	affineAgree      = 0.99 // share of those it must predict exactly
	affineMaxLength  = 64
	affineDigits     = 12   // hex digits of a MAC
	affineSkip       = -2   // a separator, in vals
	affineSampleRows = 8192 // calibration rows looked at
)

// affineModel is a set of features of the MAC.
type affineModel int

const (
	affineBits   affineModel = iota // the 48 bits and a constant
	affineTables                    // each digit's value one-hot, and a constant
)

func (m affineModel) features() int {
	if m == affineBits {
		return 1 + 4*affineDigits
	}
	return 1 + 16*affineDigits
}

// setFeatures sets the features of MAC digits nib in dst (zeroed).
func (m affineModel) setFeatures(dst []uint64, nib *[affineDigits]byte) {
	dst[0] |= 1
	for q, v := range nib {
		if m == affineBits {
			for b := range 4 {
				if v>>b&1 == 1 {
					f := 1 + 4*q + b
					dst[f>>6] |= 1 << (f & 63)
				}
			}
			continue
		}
		f := 1 + 16*q + int(v)
		dst[f>>6] |= 1 << (f & 63)
	}
}

// affineFit is a learnt fit, compiled to tables: the password's bits are
// the XOR of konst and one entry per MAC digit. Each entry holds the
// digit's share of the password's bits, then its share of the checks that
// say whether the fit determines the password of a device with these
// digits (it does when all those bits come out zero).
type affineFit struct {
	typ       string // the credential type of the rows it applies to
	rawLength int    // characters of the password as written
	length    int    // characters read (hex: separators dropped)
	hex       bool   // characters read as hex digits; else as places in the batch alphabet
	bits      int    // per character
	outBits   int    // length × bits
	words     int    // uint64 words of a compiled vector
	table     []uint64
	konst     []uint64
	model     affineModel
	fitted    int        // rows solved on
	checked   int        // held-out rows the fit determines
	agreed    int        // of which it predicts exactly
	varying   int        // characters that differ between devices
	vals      [256]int16 // each byte's value as a character; -1 unreadable, affineSkip dropped
	evidence  string
	alphabetN float64
}

// affineSample is one calibration row: its MAC and its password's bits.
type affineSample struct {
	row *Row
	mac uint64
	out []uint64 // read when needed
}

// affineNibbles are a MAC's 12 hex digits, the most significant first.
func affineNibbles(m uint64) (n [affineDigits]byte) {
	for q := range n {
		n[q] = byte(m>>(4*(affineDigits-1-q))) & 15
	}
	return n
}

// hexShape is how many hex digits s has when it is hex digits and
// separators (normalize's) only, else -1.
func hexShape(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isHex(c) || c >= 'A' && c <= 'F':
			n++
		case c == ':' || c == '-' || c == '.' || c == '_' || c == ' ':
		default:
			return -1
		}
	}
	return n
}

// decode writes the password's bits into dst (zeroed first); it reports
// false if a character cannot be read or the length is not the fit's.
func (f *affineFit) decode(dst []uint64, s string) bool {
	clear(dst)
	p := 0
	for i := 0; i < len(s); i++ {
		v := f.vals[s[i]]
		if v == affineSkip {
			continue
		}
		if v < 0 || int(v) >= 1<<f.bits || p == f.length {
			return false
		}
		pos := p * f.bits
		dst[pos>>6] |= uint64(v) << (pos & 63)
		if sh := pos & 63; sh+f.bits > 64 {
			dst[pos>>6+1] |= uint64(v) >> (64 - sh)
		}
		p++
	}
	return p == f.length
}

// predict writes into acc (f.words long) the predicted bits for MAC m.
func (f *affineFit) predict(acc []uint64, m uint64) {
	copy(acc, f.konst)
	nib := affineNibbles(m)
	w := f.words
	for q, v := range nib {
		t := f.table[(16*q+int(v))*w:][:w]
		for i := range acc {
			acc[i] ^= t[i]
		}
	}
}

// determined reports whether the check bits of a prediction are all zero.
func (f *affineFit) determined(acc []uint64) bool {
	first := f.outBits >> 6
	for i := first; i < f.words; i++ {
		x := acc[i]
		if i == first {
			x &^= 1<<(f.outBits&63) - 1
		}
		if x != 0 {
			return false
		}
	}
	return true
}

// learnAffine looks for a GF(2)-affine fit of the passwords of the most
// common type and length on the MAC; nil when there is none (as for any
// random or keyed batch).
func learnAffine(rows []Row, cal *calibration, th Thresholds) *affineFit {
	// A random sample of the rows, in random order: MACs usually run in
	// order with the rows, and the first rows cover few values of the
	// higher digits. A fixed seed keeps the audit repeatable.
	rng := rand.New(rand.NewPCG(0x5053, 0x5449))
	order := make([]int32, len(rows))
	for i := range order {
		order[i] = int32(i)
	}
	k := min(len(order), affineSampleRows)
	for i := range k {
		j := i + rng.IntN(len(order)-i)
		order[i], order[j] = order[j], order[i]
	}
	type key struct {
		typ string
		n   int
	}
	type cand struct {
		i   int32
		mac uint64
		n   int
		hex bool
	}
	count := map[key]int{}
	cands := make([]cand, 0, k)
	for _, i := range order[:k] {
		r := &rows[i]
		if !audited(r) {
			continue
		}
		m, ok := parseMAC(r.MAC)
		if !ok {
			continue
		}
		n, hx := len(r.Password), hexShape(r.Password)
		count[key{r.Type, n}]++
		cands = append(cands, cand{i, m, n, hx >= 0})
	}
	var best key
	for k, n := range count {
		if n > count[best] || (n == count[best] && (k.n < best.n || k.n == best.n && k.typ < best.typ)) {
			best = k
		}
	}
	if count[best] < 2*affineMinCheck || best.n < 6 || best.n > affineMaxLength {
		return nil
	}
	// Hex when nearly all the group's passwords are.
	var group []affineSample
	hexes := 0
	for _, c := range cands {
		if c.n == best.n && rows[c.i].Type == best.typ {
			group = append(group, affineSample{row: &rows[c.i], mac: c.mac})
			if c.hex {
				hexes++
			}
		}
	}
	f := &affineFit{typ: best.typ, rawLength: best.n, length: best.n, hex: float64(hexes) >= 0.99*float64(len(group)), alphabetN: cal.alphabet}
	for i := range f.vals {
		f.vals[i] = -1
	}
	if f.hex {
		f.bits = 4
		f.length = -1 // the hex digits of the first hex password, separators dropped
		for _, x := range group {
			if n := hexShape(x.row.Password); n >= 0 {
				f.length = n
				break
			}
		}
		if f.length < 6 {
			return nil
		}
		for c := range 256 {
			switch {
			case isHex(byte(c)):
				f.vals[c] = int16(unhex(byte(c)))
			case c >= 'A' && c <= 'F':
				f.vals[c] = int16(c - 'A' + 10)
			case c == ':' || c == '-' || c == '.' || c == '_' || c == ' ':
				f.vals[c] = affineSkip // as normalize drops them
			}
		}
	} else {
		if cal.size < 2 || cal.size > 128 {
			return nil
		}
		f.bits = bits.Len(uint(cal.size - 1))
		copy(f.vals[:], cal.lookup[:])
	}
	f.outBits = f.length * f.bits
	ow := (f.outBits + 63) / 64

	// Fit on all but affineMinCheck rows (at most affineFitRows): the
	// tables model has up to 181 independent features, and only rows in
	// the span of the fitted ones can be checked, so small batches need
	// every row they can spare. The held-out rows are read only if a fit
	// is found.
	nFit := min(affineFitRows, len(group)-affineMinCheck)
	var fit []affineSample
	next := 0 // the first row not read for the fit: the held-out rows start here
	for ; next < len(group) && len(fit) < nFit; next++ {
		x := group[next]
		x.out = make([]uint64, ow)
		if f.decode(x.out, x.row.Password) {
			fit = append(fit, x)
		}
	}
	held := group[next:]
	if len(fit) < nFit || len(held) < affineMinCheck {
		return nil
	}
	held = held[:min(len(held), affineCheckRows)]

	for _, model := range []affineModel{affineBits, affineTables} {
		nf := model.features()
		fw := (nf + 63) / 64
		s := gf2Basis{fw: fw, w: fw + ow}
		ok := true
		var nib [affineDigits]byte
		for _, x := range fit {
			row := make([]uint64, s.w)
			nib = affineNibbles(x.mac)
			model.setFeatures(row[:fw], &nib)
			copy(row[fw:], x.out)
			if !s.insert(row) {
				ok = false // no XOR of these features gives the passwords
				break
			}
		}
		if !ok {
			continue
		}
		f.model, f.fitted = model, nFit
		f.compile(&s, nf, ow)
		if f.verify(held, cal, th) {
			return f
		}
	}
	return nil
}

// verify checks the fit on held-out rows and fills in its figures; it
// reports whether the fit is kept.
func (f *affineFit) verify(held []affineSample, cal *calibration, th Thresholds) bool {
	acc := make([]uint64, f.words)
	f.checked, f.agreed = 0, 0
	distinct := map[string]bool{}
	var first []uint64
	vary := make([]bool, f.length)
	out := make([]uint64, (f.outBits+63)/64)
	for _, x := range held {
		f.predict(acc, x.mac)
		if !f.determined(acc) || !f.decode(out, x.row.Password) {
			continue
		}
		x.out = out
		f.checked++
		same := true
		for i, w := range x.out {
			if acc[i] != w {
				same = false
				break
			}
		}
		if !same {
			continue
		}
		f.agreed++
		if len(distinct) < 64 {
			distinct[fmt.Sprint(x.out)] = true
		}
		if first == nil {
			first = append([]uint64(nil), x.out...)
			continue
		}
		for p := range f.length {
			vary[p] = vary[p] || f.char(x.out, p) != f.char(first, p)
		}
	}
	if f.checked < affineMinCheck || float64(f.agreed) < affineAgree*float64(f.checked) {
		return false
	}
	// A fit that predicts a handful of passwords is not a derivation from
	// the MAC (a shared password is DP-04's).
	if len(distinct) < 8 {
		return false
	}
	// The chance that a random batch's held-out rows agree this well with
	// a fit made without them, for either model: at most
	// 2 × C(checked, misses) × (1/alphabet)^(length × agreed).
	misses := f.checked - f.agreed
	logFalse := math.Log10(2) + log10Binomial(f.checked, misses) + float64(f.agreed)*log10Chance(cal.alphabet, f.length)
	if logFalse >= math.Log10(th.Chance) {
		return false
	}
	for _, v := range vary {
		if v {
			f.varying++
		}
	}
	f.evidence = f.describe()
	return true
}

// char is character p of decoded password bits out.
func (f *affineFit) char(out []uint64, p int) uint64 {
	pos := p * f.bits
	v := out[pos>>6] >> (pos & 63)
	if sh := pos & 63; sh+f.bits > 64 {
		v |= out[pos>>6+1] << (64 - sh)
	}
	return v & (1<<f.bits - 1)
}

func log10Binomial(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return (a - b - c) / math.Ln10
}

// describe is the fit in plain English, for the evidence.
func (f *affineFit) describe() string {
	unit := "character"
	if f.hex {
		unit = "hex digit"
	}
	how := "a fixed XOR of bits of the MAC"
	if f.model == affineTables {
		how = "an XOR of MAC digits through fixed tables"
	}
	what := "each " + unit + " " + how
	if f.varying < f.length {
		what = fmt.Sprintf("%d of the %d %ss each %s, the other %d the same for every device", f.varying, f.length, unit, how, f.length-f.varying)
	}
	return fmt.Sprintf("MAC→%s (learnt from %d devices, holds on %d of %d others)", what, f.fitted, f.agreed, f.checked)
}

// compile turns the solved system into per-digit tables. A feature that
// is a pivot of the reduced basis contributes its row's outputs; free
// features contribute nothing to the outputs (any solution will do for
// the devices the fit determines). The checks are one per free feature,
// the null space of the fitted rows: a device's features lie in the span
// of the fitted rows, so every solution predicts the same for it, exactly
// when each check's XOR over the device's features is zero.
func (f *affineFit) compile(s *gf2Basis, nf, ow int) {
	isPivot := make([]int, nf)
	for g := range isPivot {
		isPivot[g] = -1
	}
	for k, p := range s.pivot {
		isPivot[p] = k
	}
	freeIdx := make([]int, nf)
	nFree := 0
	for g := range nf {
		if isPivot[g] < 0 {
			freeIdx[g] = nFree
			nFree++
		}
	}
	f.words = (f.outBits + nFree + 63) / 64
	w := f.words
	R := make([]uint64, nf*w)
	set := func(v []uint64, b int) { v[b>>6] |= 1 << (b & 63) }
	for g := range nf {
		v := R[g*w:][:w]
		k := isPivot[g]
		if k < 0 {
			set(v, f.outBits+freeIdx[g])
			continue
		}
		row := s.rows[k]
		copy(v[:ow], row[s.fw:])
		for h := range nf {
			if isPivot[h] < 0 && row[h>>6]>>(h&63)&1 == 1 {
				set(v, f.outBits+freeIdx[h])
			}
		}
	}
	f.konst = append([]uint64(nil), R[:w]...)
	f.table = make([]uint64, affineDigits*16*w)
	for q := range affineDigits {
		for v := range 16 {
			t := f.table[(16*q+v)*w:][:w]
			if f.model == affineTables {
				copy(t, R[(1+16*q+v)*w:][:w])
				continue
			}
			for b := range 4 {
				if v>>b&1 == 1 {
					r := R[(1+4*q+b)*w:][:w]
					for i := range t {
						t[i] ^= r[i]
					}
				}
			}
		}
	}
}

// gf2Basis is a reduced row-echelon basis of equations over GF(2): each
// row is fw words of features (the unknowns' coefficients) followed by the
// output bits the XOR must give. Each pivot column is set in its own row
// only.
type gf2Basis struct {
	fw, w int
	rows  [][]uint64
	pivot []int
}

// insert adds one equation; it reports false when the equations have no
// solution any more (the new one reduces to 0 = a non-zero output).
func (s *gf2Basis) insert(row []uint64) bool {
	for k, b := range s.rows {
		p := s.pivot[k]
		if row[p>>6]>>(p&63)&1 == 1 {
			for i := range row {
				row[i] ^= b[i]
			}
		}
	}
	p := -1
	for i, x := range row[:s.fw] {
		if x != 0 {
			p = 64*i + bits.TrailingZeros64(x)
			break
		}
	}
	if p < 0 {
		for _, x := range row[s.fw:] {
			if x != 0 {
				return false
			}
		}
		return true // already implied
	}
	for _, b := range s.rows {
		if b[p>>6]>>(p&63)&1 == 1 {
			for i := range b {
				b[i] ^= row[i]
			}
		}
	}
	s.rows = append(s.rows, row)
	s.pivot = append(s.pivot, p)
	return true
}

// checkAffine compares the row's password with the one the batch's fit
// predicts from its MAC. Rows another identifier rule already explains
// are left to it: its evidence names the derivation more plainly.
func (c *rowCtx) checkAffine() {
	f := c.e.cal.affine
	if f == nil || !c.hasMAC || c.row.Type != f.typ || len(c.row.Password) != f.rawLength {
		return
	}
	for _, x := range c.findings {
		if x.rule >= dp06 && x.rule <= dp09 {
			return
		}
	}
	var want, got [16]uint64 // up to 1,024 bits: 64 characters of 7 bits and 128 checks
	if f.words > len(got) {
		return
	}
	if !f.decode(want[:f.words], c.row.Password) {
		return
	}
	f.predict(got[:f.words], c.mac)
	if want != got {
		return
	}
	c.add(dp07, f.evidence, 1, log10Chance(f.alphabetN, f.length))
}
