package passwords

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The row rules. A rowCtx holds one device's password and identifiers in
// the forms the rules compare; each rule adds findings to it.

// finding is one rule's evidence against one row.
type finding struct {
	rule rule
	warn bool // evidence for review under a FAIL rule (e.g. a disguised common password)
	// chain names the pattern of a match (the rule and its evidence text);
	// logRow is log10 of the chance that a random password of the row's
	// length and the batch's alphabet would match like this, all the row's
	// comparisons counted. A match is kept when its pattern is confirmed
	// across the batch, or when it is strong enough on its own for a batch
	// of this size (Thresholds.BatchChance). Findings of the rules that
	// judge a row outright (DP-01 to DP-03) have neither.
	chain  int32
	logRow float32
	text   string // the evidence, e.g. "MAC→+1→hex→suffix(8)"
}

// candidate is a form of the password the identifier rules compare: the
// whole normalised password, or what remains after a prefix or suffix that
// the batch shares (a vendor constant such as "wlan").
type candidate struct {
	s     string
	label string // "" for the whole password; otherwise `"wlan" + ` or ` + "x"`
}

type rowCtx struct {
	e        *engine
	row      *Row
	typ      string
	norm     string
	cands    []candidate
	mac      uint64
	hasMAC   bool
	serial   string // normalised
	snum     uint64 // trailing number of the serial
	snumLen  int
	imei     string
	findings []finding
	buf      []byte // scratch space reused across rows
	mbuf     [64]byte
	hbuf     []byte
	inputs   []hashInput
	forms    [4]pwForms
	discover bool // calibration: try every hash input and function
	hits     func(k pairKey)
}

// maxAlternatives is how many weak derivations of one rule a row keeps.
// A password can match more than one rendering of its identifiers (the
// last 8 hex digits of a MAC may also appear in a neighbouring address
// written backwards); each is counted towards its own pattern, and the
// batch decides which one many rows share.
const maxAlternatives = 4

// add records a match. nCand is how many comparisons of this shape the
// rule made on the row (the inverse of the weight the rule gives this
// hypothesis); logSpecific is log10 of the chance that a random password
// produces this exact match. Every match is kept with its chance across the
// row's comparisons (logRow) and counted towards its pattern; the end of
// the audit decides, knowing the batch's size, which to report: a match
// strong enough on its own for a batch of that size, or one whose pattern
// recurs across the batch far more often than chance allows. A match that
// would be strong enough for any batch (logRow below log10 of the Chance
// threshold) replaces the rule's other evidence on the row and ends the
// rule's search (add reports true); weaker ones are kept in the order they
// are added, the most plausible first.
func (c *rowCtx) add(r rule, text string, nCand float64, logSpecific float64) bool {
	weak := 0
	for _, f := range c.findings {
		if f.rule != r {
			continue
		}
		if f.logRow < float32(c.e.logChance) {
			return true // outright evidence is enough
		}
		if f.text == text {
			return false
		}
		weak++
	}
	logRow := math.Log10(math.Max(nCand, 1)) + logSpecific
	switch {
	case logRow < c.e.logChance:
		keep := c.findings[:0]
		for _, f := range c.findings {
			if f.rule != r {
				keep = append(keep, f)
			}
		}
		c.findings = append(keep, finding{rule: r, text: text, logRow: float32(logRow), chain: c.e.chains.intern(r, text, logSpecific)})
		return true
	case logRow < -2 && weak < maxAlternatives:
		c.findings = append(c.findings, finding{rule: r, text: text, logRow: float32(logRow), chain: c.e.chains.intern(r, text, logSpecific)})
	}
	return false
}

func (c *rowCtx) flag(r rule, warn bool, text string) {
	for _, f := range c.findings {
		if f.rule == r {
			return
		}
	}
	c.findings = append(c.findings, finding{rule: r, warn: warn, text: text})
}

// prepare fills the context for a row; it reports false for rows the
// rules do not audit (user-defined passwords and excluded types).
func (c *rowCtx) prepare(row *Row) bool {
	// Reset field by field: the scratch arrays are reused, not cleared.
	c.row, c.typ, c.norm = row, "", ""
	c.findings, c.cands, c.buf, c.hbuf = c.findings[:0], c.cands[:0], c.buf[:0], c.hbuf[:0]
	c.mac, c.hasMAC, c.serial, c.snum, c.snumLen, c.imei = 0, false, "", 0, 0, ""
	c.typ = row.Type
	if ExcludedType(c.typ) {
		c.flag(dp14, false, excludedNote(c.typ))
		c.checkExcluded() // the label is a claim to check (PSTI-PW-06)
		return false
	}
	if strings.EqualFold(strings.TrimSpace(row.Password), UserDefined) {
		return false
	}
	c.norm = normalize(row.Password)
	c.cands = append(c.cands, candidate{s: c.norm})
	for _, p := range c.e.cal.prefixes {
		if len(c.norm) > len(p) && strings.HasPrefix(c.norm, p) {
			c.cands = append(c.cands, candidate{s: c.norm[len(p):], label: strconv.Quote(p) + " + "})
		}
	}
	for _, s := range c.e.cal.suffixes {
		if len(c.norm) > len(s) && strings.HasSuffix(c.norm, s) {
			c.cands = append(c.cands, candidate{s: c.norm[:len(c.norm)-len(s)], label: " + " + strconv.Quote(s)})
		}
	}
	c.mac, c.hasMAC = parseMAC(row.MAC)
	c.serial = normalize(row.Serial)
	c.snum, c.snumLen = trailingNumber(row.Serial) // before normalising: "…-2411-000123" must not run together
	if n := normalize(row.IMEI); allDigits(n) && len(n) >= 14 {
		c.imei = n
	}
	return true
}

// ---- DP-01 ----

func (c *rowCtx) checkBasic() {
	pw := c.row.Password
	t := c.e.th
	if pw == "" {
		c.flag(dp01, false, "empty password (write user-defined if the device makes the user set one)")
		return
	}
	n := utf8.RuneCountInString(pw)
	for _, r := range pw {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			c.flag(dp01, false, "contains a control character")
			return
		}
	}
	if c.typ == TypeWiFi {
		for i := 0; i < len(pw); i++ {
			if pw[i] < 0x20 || pw[i] > 0x7e {
				c.flag(dp01, false, "a Wi-Fi key must be printable ASCII characters only")
				return
			}
		}
		switch {
		case n < t.WiFiMinLength:
			c.flag(dp01, false, fmt.Sprintf("only %d characters; a Wi-Fi key needs at least %d", n, t.WiFiMinLength))
		case n > 63:
			c.flag(dp01, false, fmt.Sprintf("%d characters; a Wi-Fi passphrase can have at most 63", n))
		}
		return
	}
	if n < t.MinLength {
		c.flag(dp01, false, fmt.Sprintf("only %d characters; at least %d needed", n, t.MinLength))
	}
}

// ---- DP-02 and DP-03 ----

func (c *rowCtx) checkKnown() {
	pw := c.row.Password
	if len(pw) > 64 {
		return // no list holds anything this long
	}
	k := knownWords()
	low := lowerInto(c.buf[:0], pw)
	c.buf = low
	switch f := k.lookup(low); {
	case f&knownDefault != 0:
		c.flag(dp02, false, fmt.Sprintf("%q is a known default password used on many devices", pw))
		return
	case f&knownCommon != 0:
		c.flag(dp03, false, fmt.Sprintf("%q is a common password", pw))
		return
	case f&knownWord != 0 && len(low) >= 4:
		c.flag(dp03, false, fmt.Sprintf("%q is a dictionary word", pw))
		return
	}
	// Disguised forms: the common password or word under a few changes
	// people make. Each base must keep at least four characters.
	for i := range numMangles {
		base, how := mangle(low, i, c.mbuf[:0])
		if len(base) < 4 {
			continue
		}
		f := k.lookup(base)
		switch {
		case f&(knownDefault|knownCommon) != 0:
			c.flag(dp03, true, fmt.Sprintf("common password %q %s", base, how))
			return
		case f&knownWord != 0 && len(base) >= 5:
			c.flag(dp03, true, fmt.Sprintf("dictionary word %q %s", base, how))
			return
		}
	}
}

// mangled says how mangle undid a disguise; its text is made only for
// evidence, not for every row tried.
type mangled struct {
	what   string // the text, or the word counted
	digits int    // 0 when what is the whole text
	front  bool
}

func (m mangled) String() string {
	switch {
	case m.digits == 0:
		return m.what
	case m.front:
		return "with " + plural(m.digits, "digit") + " in front"
	}
	return "with " + plural(m.digits, "digit") + " added"
}

// lowerInto appends s in lower case (ASCII letters) to b.
func lowerInto(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

const numMangles = 5

const trailing = "!?.*#$%&@_-+=~"

// mangle undoes one of the usual disguises (digits, a year or symbols added
// at the end, digits in front, letters swapped for look-alike symbols, the
// word reversed), writing the base into scratch. It returns an empty base
// when the disguise does not apply.
func mangle(low []byte, which int, scratch []byte) ([]byte, mangled) {
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
			return low[:d], mangled{what: "with digits and symbols added"}
		case digits > 0 && digits <= 4:
			return low[:d], mangled{digits: digits}
		case digits == 0 && n-trimSym > 0 && n-trimSym <= 3:
			return low[:trimSym], mangled{what: "with symbols added"}
		}
	case 1: // digits in front
		d := 0
		for d < n && isDigit(low[d]) {
			d++
		}
		if d > 0 && d <= 4 {
			return low[d:], mangled{digits: d, front: true}
		}
	case 2, 3: // look-alike symbols, then also an ending removed
		changed := false
		for _, c := range low {
			u := unleetByte(c)
			changed = changed || u != c
			scratch = append(scratch, u)
		}
		if !changed {
			return nil, mangled{}
		}
		if which == 2 {
			return scratch, mangled{what: "with letters swapped for look-alike symbols"}
		}
		e := len(scratch)
		for e > 0 && (isDigit(scratch[e-1]) || strings.IndexByte(trailing, scratch[e-1]) >= 0) {
			e--
		}
		if e < len(scratch) && len(scratch)-e <= 4 {
			return scratch[:e], mangled{what: "with look-alike symbols and an ending added"}
		}
	case 4: // backwards
		for i := n - 1; i >= 0; i-- {
			scratch = append(scratch, low[i])
		}
		return scratch, mangled{what: "written backwards"}
	}
	return nil, mangled{}
}

func unleetByte(c byte) byte {
	switch c {
	case '4', '@':
		return 'a'
	case '3':
		return 'e'
	case '0':
		return 'o'
	case '1':
		return 'l'
	case '!':
		return 'i'
	case '5', '$':
		return 's'
	case '7', '+':
		return 't'
	case '8':
		return 'b'
	case '9', '6':
		return 'g'
	case '2':
		return 'z'
	}
	return c
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// ---- DP-06 and DP-07: identifiers ----

func (c *rowCtx) checkIdentifiers() {
	a := c.e.cal.alphabet
	k := c.e.th.MACOffset
	if len(c.e.cal.subst) > 0 {
		c.checkSubstitutions()
	}
	for _, cd := range c.cands {
		s := cd.s
		if len(s) < 4 {
			continue
		}
		if c.hasMAC {
			c.macMatches(cd, a, k)
		}
		if c.serial != "" {
			c.textMatches(dp06, cd, c.serial, "serial", a)
			c.numberMatches(cd, c.snum, c.snumLen, "serial number", a)
		}
		if c.imei != "" {
			c.textMatches(dp06, cd, c.imei, "IMEI", a)
		}
	}
}

// macForms are the ways a MAC address has been written out as 12 hex
// digits: as is, bytes in the opposite order, every digit in the opposite
// order, and each byte's two digits swapped.
var macFormNames = [...]string{"hex", "byte-reversed→hex", "hex→reversed", "nibble-swapped→hex"}

const numMACForms = len(macFormNames)

func macForm(f int, m uint64) uint64 {
	switch f {
	case 1:
		return byteReversed(m)
	case 2:
		return nibbleSwapped(byteReversed(m))
	case 3:
		return nibbleSwapped(m)
	}
	return m
}

// nibbleSwapped swaps the two hex digits of each byte of a MAC.
func nibbleSwapped(m uint64) uint64 { return (m>>4)&0x0f0f0f0f0f0f | (m&0x0f0f0f0f0f0f)<<4 }

// macWeight is how many comparisons a match of the MAC at offset d in form
// f counts as (the inverse of the weight of that hypothesis): the device's
// own address in plain hex is the derivation vendors use most, so it has a
// quarter of the rule's weight; its other forms share a quarter; the
// neighbours (offsets 1 to k either way) in all forms share the rest.
func macWeight(d, f, k int) float64 {
	switch {
	case d == 0 && f == 0:
		return 4
	case d == 0:
		return 4 * float64(numMACForms-1)
	}
	return 2 * float64(numMACForms) * float64(2*k)
}

// mayHoldMAC reports whether s could hold 6 or more consecutive digits of
// a rendering of the MAC or a neighbour. Every stretch of 6 of the 12
// digits covers digits 3 to 6, 5 to 8 or 7 to 10 (counting from 1). None
// of these holds the lowest byte, so each takes, over all the neighbours,
// only the values it has at the two furthest (mac-k and mac+k: k < 256
// carries into the next byte at most once). s must hold one of those four
// digits as one of the renderings writes them. Most passwords are ruled
// out here: s is read once as a sliding 16-bit number, the 36 groups are
// worked out only when s has four hex digits in a row, and each of its
// groups is looked up in a 1,024-bit filter before it is compared.
func (c *rowCtx) mayHoldMAC(s string, k int) bool {
	var cores [3 * 3 * numMACForms]uint16
	var filter [16]uint64
	built := false
	var w uint16
	run := 0
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !isHex(ch) {
			run = 0
			continue
		}
		w = w<<4 | uint16(unhex(ch))
		if run++; run < 4 {
			continue
		}
		if !built {
			n := 0
			for _, m := range [3]uint64{c.mac, (c.mac - uint64(k)) & mac48, (c.mac + uint64(k)) & mac48} {
				for f := range numMACForms {
					F := macForm(f, m)
					for _, shift := range [3]uint{24, 16, 8} {
						core := uint16(F >> shift)
						cores[n] = core
						n++
						h := coreSlot(core)
						filter[h>>6] |= 1 << (h & 63)
					}
				}
			}
			built = true
		}
		if h := coreSlot(w); filter[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		for _, x := range cores {
			if x == w {
				return true
			}
		}
	}
	return false
}

// coreSlot spreads a group of four hex digits over mayHoldMAC's filter.
func coreSlot(x uint16) uint32 { return uint32(x) * 2654435761 >> 22 }

// macMatches looks for the password among renderings of the device's MAC
// address and its neighbours (devices own several consecutive addresses).
// The renderings are compared as numbers, a few machine instructions each.
// The most plausible derivations are tried first: the device's own address
// before its neighbours (nearest first), plain hex before the others. Every
// match is recorded, not only the first: a password that is the device's
// own hex suffix can also turn up in a neighbour's reversed rendering, and
// only the batch can tell which derivation the rows share.
func (c *rowCtx) macMatches(cd candidate, a float64, k int) {
	s := cd.s
	L := len(s)
	if L < 8 || c.mayHoldMAC(s, k) {
		if c.macStretches(cd, a, k) {
			return
		}
	}
	// The low part of the MAC as a number: in decimal, in base 36, offset
	// by a little, or combined with a fixed value.
	digits, hexs := allDigits(s), allHex(s)
	var v36 uint64
	base36 := false
	if L >= 6 && L <= 12 && !digits && !hexs && isBase36(s) {
		var err error
		v36, err = strconv.ParseUint(s, 36, 64)
		base36 = err == nil
	}
	if !digits && !hexs && !base36 {
		return
	}
	for _, nib := range []int{4, 6, 8, 12} {
		low := c.mac & (1<<(4*nib) - 1)
		if digits && L >= 6 {
			if v, err := strconv.ParseUint(s, 10, 64); err == nil {
				if d := int64(v) - int64(low); d >= -int64(k) && d <= int64(k) {
					c.add(dp07, fmt.Sprintf("%sMAC→last %d hex digits as a number%s→decimal(%d)", cd.label, nib, offset(int(d)), L),
						4*float64(2*k+1), log10Chance(a, L))
					return
				}
			}
		}
		if hexs && L == nib {
			v, _ := strconv.ParseUint(s, 16, 64)
			x := v ^ low
			mask := uint64(1)<<(4*nib) - 1
			if nib == 12 {
				mask = mac48
			}
			if x == mask {
				c.add(dp07, fmt.Sprintf("%sMAC→last %d hex digits XOR all ones→hex", cd.label, nib), 4, log10Chance(a, L))
				return
			}
			for _, xc := range c.e.cal.xor[nib] {
				if x == xc {
					c.add(dp07, fmt.Sprintf("%sMAC→last %d hex digits XOR %#x (the same for many devices)→hex", cd.label, nib, xc), 4, log10Chance(a, L))
					return
				}
			}
			for _, dc := range c.e.cal.diff[nib] {
				if int64(v-low)&int64(mask) == dc {
					c.add(dp07, fmt.Sprintf("%sMAC→last %d hex digits + %#x (the same for many devices)→hex", cd.label, nib, dc), 4, log10Chance(a, L))
					return
				}
			}
		}
		if base36 {
			if d := int64(v36) - int64(low); d >= -int64(k) && d <= int64(k) {
				c.add(dp07, fmt.Sprintf("%sMAC→last %d hex digits as a number%s→base 36", cd.label, nib, offset(int(d))),
					4*float64(2*k+1), log10Chance(a, L))
				return
			}
		}
	}
}

// macStretch is the fewest consecutive digits of a MAC rendering found
// inside a longer password that count as a match (24 bits: a vendor prefix
// and the last three bytes is a common derivation).
const macStretch = 6

// macStretches looks for the password, or a long stretch of it, among the
// hex renderings of the MAC and its neighbours; it reports whether any
// matched.
func (c *rowCtx) macStretches(cd candidate, a float64, k int) bool {
	s := cd.s
	L := len(s)
	var wins [56]uint32
	if allHex(s) && L <= 12 {
		// The whole password is a stretch of a hex rendering.
		v, _ := strconv.ParseUint(s, 16, 64)
		mask := uint64(1)<<(4*L) - 1
		windows := float64(13 - L)
		found := false
		for j := 0; j <= 2*k; j++ {
			d := nearestFirst(j)
			m := (c.mac + uint64(d)) & mac48
			for f := range numMACForms {
				F := macForm(f, m)
				for i := 0; i <= 12-L; i++ {
					if (F>>(4*(12-L-i)))&mask != v {
						continue
					}
					found = true
					if c.add(dp06, cd.label+"MAC"+offset(d)+"→"+macFormNames[f]+"→"+span(i, L, 12), macWeight(d, f, k)*windows, log10Chance(a, L)) {
						return true
					}
					break
				}
			}
		}
		if found {
			return true
		}
	}
	// A stretch of the MAC inside a longer password ("acme" and the last
	// six digits): any common stretch of 6 or more holds one of the
	// rendering's seven stretches of 6, so those are looked up among the
	// password's (through a 64-bit filter, then exactly), and only a hit
	// is measured. A stretch that short is common by chance in a large
	// batch of hex passwords; the chance it is given below says so, and
	// the batch decides.
	found := false
	for _, r := range runs(s, isHex, macStretch) {
		h := s[r.start:r.end]
		nw := 0
		var filter uint64
		for i := 0; i+macStretch <= len(h) && nw < len(wins); i++ {
			w, _ := strconv.ParseUint(h[i:i+macStretch], 16, 32)
			wins[nw] = uint32(w)
			nw++
			filter |= 1 << (uint32(w) * 2654435761 >> 26)
		}
		for j := 0; j <= 2*k; j++ {
			d := nearestFirst(j)
			m := (c.mac + uint64(d)) & mac48
			for f := range numMACForms {
				F := macForm(f, m)
				hit := false
				for i := 0; i <= 12-macStretch && !hit; i++ {
					w := uint32(F>>(4*(12-macStretch-i))) & (1<<(4*macStretch) - 1)
					if filter&(1<<(w*2654435761>>26)) == 0 {
						continue
					}
					for _, x := range wins[:nw] {
						if x == w {
							hit = true
							break
						}
					}
				}
				if !hit {
					continue
				}
				if n, ia, ib := longestCommon(h, hex12(F)); n >= macStretch {
					found = true
					positions := float64(L - n + 1)
					if c.add(dp06, fmt.Sprintf("%scontains MAC%s→%s→%s at characters %d-%d", cd.label, offset(d), macFormNames[f], span(ib, n, 12), r.start+ia+1, r.start+ia+n),
						positions*macWeight(d, f, k)*float64(13-n), log10Chance(a, n)) {
						return true
					}
				}
			}
		}
	}
	return found
}

func isBase36(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && (s[i] < 'a' || s[i] > 'z') {
			return false
		}
	}
	return true
}

// textMatches looks for a stretch of an identifier (serial, IMEI) in the
// password, forwards or backwards.
func (c *rowCtx) textMatches(r rule, cd candidate, id, name string, a float64) {
	s := cd.s
	if len(id) < 4 || len(s) > 128 {
		return
	}
	if i := strings.Index(id, s); i >= 0 {
		c.add(r, cd.label+name+"→"+span(i, len(s), len(id)), 2*float64(len(id)-len(s)+1), log10Chance(a, len(s)))
		return
	}
	var rbuf [128]byte
	rs := rbuf[:len(s)]
	for i := range len(s) {
		rs[i] = s[len(s)-1-i]
	}
	if i := indexBytes(id, rs); i >= 0 {
		c.add(r, cd.label+name+"→reversed→"+span(len(id)-i-len(s), len(s), len(id)), 2*float64(len(id)-len(s)+1), log10Chance(a, len(s)))
		return
	}
	// A stretch of six or more: only worth the full comparison if some six
	// characters of the password occur in the identifier, either way round.
	if len(s) < 6 {
		return
	}
	forward, backward := sharesStretch(s, id)
	if forward {
		if n, ia, ib := longestCommon(s, id); n >= 6 {
			c.add(r, fmt.Sprintf("%scontains %s→%s at characters %d-%d", cd.label, name, span(ib, n, len(id)), ia+1, ia+n),
				float64((len(s)-n+1)*(len(id)-n+1)*2), log10Chance(a, n))
			return
		}
	}
	if backward {
		rid := reverse(id)
		if n, ia, ib := longestCommon(s, rid); n >= 6 {
			c.add(r, fmt.Sprintf("%scontains %s→reversed→%s at characters %d-%d", cd.label, name, span(ib, n, len(id)), ia+1, ia+n),
				float64((len(s)-n+1)*(len(id)-n+1)*2), log10Chance(a, n))
		}
	}
}

// indexBytes is strings.Index for a byte pattern, without converting.
func indexBytes(s string, p []byte) int {
	for i := 0; i+len(p) <= len(s); i++ {
		if s[i] == p[0] && s[i:i+len(p)] == string(p) {
			return i
		}
	}
	return -1
}

// sharesStretch reports whether some 6 consecutive characters of s occur
// in id (forward), and whether some 6 occur in id written backwards
// (backward). Each stretch of 6 bytes is read as a 48-bit number: id's
// stretches, both ways, are worked out once, and each of s's is looked up
// among them through a 64-bit filter, instead of searching id for it byte
// by byte.
func sharesStretch(s, id string) (forward, backward bool) {
	if len(s) < 6 || len(id) < 6 {
		return false, false
	}
	const mask = 1<<48 - 1
	var fwd, bwd [64]uint64
	n := len(id) - 5
	if n > len(fwd) {
		return sharesStretchLong(s, id)
	}
	var ff, bf uint64
	var g, rg uint64
	for i := 0; i < len(id); i++ {
		g = (g<<8 | uint64(id[i])) & mask
		rg = rg>>8 | uint64(id[i])<<40
		if i >= 5 {
			fwd[i-5], bwd[i-5] = g, rg
			ff |= 1 << (g * 0x9E3779B97F4A7C15 >> 58)
			bf |= 1 << (rg * 0x9E3779B97F4A7C15 >> 58)
		}
	}
	g = 0
	for i := 0; i < len(s) && !(forward && backward); i++ {
		g = (g<<8 | uint64(s[i])) & mask
		if i < 5 {
			continue
		}
		bit := uint64(1) << (g * 0x9E3779B97F4A7C15 >> 58)
		if !forward && ff&bit != 0 {
			for _, x := range fwd[:n] {
				if x == g {
					forward = true
					break
				}
			}
		}
		if !backward && bf&bit != 0 {
			for _, x := range bwd[:n] {
				if x == g {
					backward = true
					break
				}
			}
		}
	}
	return forward, backward
}

// sharesStretchLong is sharesStretch for identifiers too long for its
// tables, searching id for each stretch of s.
func sharesStretchLong(s, id string) (forward, backward bool) {
	var rbuf [6]byte
	for i := 0; i+6 <= len(s) && !(forward && backward); i++ {
		forward = forward || strings.Contains(id, s[i:i+6])
		for j := range 6 {
			rbuf[j] = s[i+5-j]
		}
		backward = backward || indexBytes(id, rbuf[:]) >= 0
	}
	return forward, backward
}

// numberMatches looks for the identifier's trailing number, offset by a
// little, written in decimal in the password: each run of 4 or more digits,
// in order, is read as a number.
func (c *rowCtx) numberMatches(cd candidate, num uint64, numLen int, name string, a float64) {
	if numLen < 3 {
		return
	}
	k := int64(c.e.th.MACOffset)
	s := cd.s
	for end := 0; end < len(s); {
		start := end
		for start < len(s) && !isDigit(s[start]) {
			start++
		}
		end = start
		for end < len(s) && isDigit(s[end]) {
			end++
		}
		if end-start < 4 {
			continue
		}
		digits := s[start:end]
		v, err := strconv.ParseUint(digits, 10, 64)
		if err != nil {
			continue
		}
		if d := int64(v) - int64(num); d >= -k && d <= k && d != 0 {
			c.add(dp07, fmt.Sprintf("%s%s%s→decimal(%d) at characters %d-%d", cd.label, name, offset(int(d)), len(digits), start+1, end),
				float64(len(s)-len(digits)+1)*float64(2*k+1), log10Chance(a, len(digits)))
			return
		}
	}
}

// ---- DP-09: public information ----

func (c *rowCtx) checkPublic() {
	a := c.e.cal.alphabet
	type word struct{ name, text string }
	var words []word
	if s := normalize(c.row.SSID); len(s) >= 4 {
		words = append(words, word{"the Wi-Fi network name (SSID)", s})
	}
	if s := normalize(c.row.Username); len(s) >= 4 {
		words = append(words, word{"the default user name", s})
	}
	if s := normalize(c.row.Model); len(s) >= 4 {
		words = append(words, word{"the model", s})
	}
	for _, w := range c.e.public {
		words = append(words, word(w))
	}
	if len(words) == 0 {
		return
	}
	forms := []struct{ how, s string }{{"", c.norm}, {" (written backwards)", reverse(c.norm)}, {" (with look-alike symbols)", unleet(c.norm)}}
	for _, w := range words {
		for _, f := range forms {
			if len(f.s) < 4 {
				continue
			}
			if f.s == w.text {
				c.add(dp09, "is "+w.name+f.how, 3, log10Chance(a, len(w.text)))
				return
			}
			if i := strings.Index(f.s, w.text); i >= 0 {
				c.add(dp09, fmt.Sprintf("contains %s%s at characters %d-%d", w.name, f.how, i+1, i+len(w.text)),
					3*float64(len(f.s)-len(w.text)+1), log10Chance(a, len(w.text)))
				return
			}
			if len(f.s) < 5 || gramMask(f.s)&gramMask(w.text) == 0 {
				continue
			}
			if n, ia, ib := longestCommon(f.s, w.text); n >= 5 {
				c.add(dp09, fmt.Sprintf("contains %s→%s%s at characters %d-%d", w.name, span(ib, n, len(w.text)), f.how, ia+1, ia+n),
					3*float64((len(f.s)-n+1)*(len(w.text)-n+1)), log10Chance(a, n))
				return
			}
		}
	}
}

// ---- DP-10: a per-character mapping learnt from the first rows ----

func (c *rowCtx) checkMapping() {
	mp := c.e.cal.mapping
	if mp == nil || !c.hasMAC || len(c.norm) != mp.length {
		return
	}
	h := hex12(c.mac)
	matched := 0
	for _, p := range mp.positions {
		if p.table[unhex(h[p.q])] != c.norm[p.p] {
			return
		}
		matched++
	}
	c.add(dp10, fmt.Sprintf("%d characters follow MAC hex digits through a fixed table (%s)", matched, mp.describe()),
		1, log10Chance(c.e.cal.alphabet, matched))
}
