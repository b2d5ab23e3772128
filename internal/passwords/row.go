package passwords

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The row rules. A rowCtx holds one device's password and identifiers in
// the forms the rules compare; each rule adds findings to it.

// finding is one rule's evidence against one row.
type finding struct {
	rule  rule
	warn  bool   // evidence for review under a FAIL rule (e.g. a disguised common password)
	chain int32  // > 0: weak evidence, kept only if the same pattern is confirmed across the batch
	text  string // the evidence, e.g. "MAC→+1→hex→suffix(8)"
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
	hbuf     []byte
	inputs   [16]hashInput
	forms    [4]pwForms
	discover bool                   // calibration: try every hash function
	hits     func(input, fn string) // calibration: told of each match
}

// maxAlternatives is how many weak derivations of one rule a row keeps.
// A password can match more than one rendering of its identifiers (the
// last 8 hex digits of a MAC may also appear in a neighbouring address
// written backwards); each is counted towards its own pattern, and the
// batch decides which one many rows share.
const maxAlternatives = 4

// add records a match. nCand is how many comparisons of this shape the
// rule made on the row; logSpecific is log10 of the chance that a random
// password produces this exact match. A match whose chance across all
// comparisons is below the threshold is reported outright (and replaces
// any weak evidence for the rule); a weaker one is kept as a pattern,
// reported only if it recurs across the batch far more often than chance
// allows. Weak matches are kept in the order they are added, the most
// plausible first. add reports whether the rule now has outright evidence,
// so that callers can stop looking.
func (c *rowCtx) add(r rule, text string, nCand float64, logSpecific float64) bool {
	weak := 0
	for _, f := range c.findings {
		if f.rule != r {
			continue
		}
		if f.chain == 0 {
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
		c.findings = append(keep, finding{rule: r, text: text})
		return true
	case logRow < -2 && weak < maxAlternatives:
		c.findings = append(c.findings, finding{rule: r, text: text, chain: c.e.chains.intern(r, text, logSpecific)})
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
	var scratch [64]byte
	for i := range numMangles {
		base, how := mangle(low, i, scratch[:0])
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
func mangle(low []byte, which int, scratch []byte) ([]byte, string) {
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

// macMatches looks for the password among renderings of the device's MAC
// address and its neighbours (devices own several consecutive addresses).
// The most plausible derivations are tried first: the device's own address
// before its neighbours (nearest first), plain hex before the reversed
// renderings. Every match is recorded, not only the first: a password that
// is the device's own hex suffix can also turn up in a neighbour's reversed
// rendering, and only the batch can tell which derivation the rows share.
func (c *rowCtx) macMatches(cd candidate, a float64, k int) {
	s := cd.s
	L := len(s)
	forms := float64(3 * (2*k + 1))
	var texts [3][12]byte
	render := func(m uint64) {
		putHex12(&texts[0], m)
		putHex12(&texts[1], byteReversed(m))
		for i := range 12 {
			texts[2][i] = texts[0][11-i]
		}
	}
	formNames := [3]string{"hex", "byte-reversed→hex", "hex→reversed"}
	if allHex(s) && L <= 12 {
		// The whole password is a stretch of a hex rendering.
		windows := float64(13 - L)
		found := false
		for j := 0; j <= 2*k; j++ {
			d := nearestFirst(j)
			render((c.mac + uint64(d)) & mac48)
			for f := range texts {
				if i := indexIn(texts[f][:], s); i >= 0 {
					found = true
					if c.add(dp06, cd.label+"MAC"+offset(d)+"→"+formNames[f]+"→"+span(i, L, 12), forms*windows, log10Chance(a, L)) {
						return
					}
				}
			}
		}
		if found {
			return
		}
	}
	// A long stretch of the MAC inside a longer password.
	found := false
	for _, r := range runs(s, isHex, 8) {
		h := s[r.start:r.end]
		for j := 0; j <= 2*k; j++ {
			d := nearestFirst(j)
			render((c.mac + uint64(d)) & mac48)
			for f := range 2 {
				// A common stretch of 8 or more holds one of the
				// rendering's five stretches of 8: look for those first.
				if !holdsWindow(h, texts[f][:], 8) {
					continue
				}
				if n, ia, ib := longestCommon(h, string(texts[f][:])); n >= 8 {
					found = true
					positions := float64(L - n + 1)
					if c.add(dp06, fmt.Sprintf("%scontains MAC%s→%s→%s at characters %d-%d", cd.label, offset(d), formNames[f], span(ib, n, 12), r.start+ia+1, r.start+ia+n),
						positions*forms*float64(13-n), log10Chance(a, n)) {
						return
					}
				}
			}
		}
	}
	if found {
		return
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
	forward, backward := false, false
	for i := 0; i+6 <= len(s) && !(forward && backward); i++ {
		forward = forward || strings.Contains(id, s[i:i+6])
		backward = backward || indexBytes(id, rs[i:i+6]) >= 0
	}
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

// numberMatches looks for the identifier's trailing number, offset by a
// little, written in decimal in the password.
func (c *rowCtx) numberMatches(cd candidate, num uint64, numLen int, name string, a float64) {
	if numLen < 3 {
		return
	}
	k := int64(c.e.th.MACOffset)
	for _, r := range runs(cd.s, isDigit, 4) {
		digits := cd.s[r.start:r.end]
		v, err := strconv.ParseUint(digits, 10, 64)
		if err != nil {
			continue
		}
		if d := int64(v) - int64(num); d >= -k && d <= k && d != 0 {
			c.add(dp07, fmt.Sprintf("%s%s%s→decimal(%d) at characters %d-%d", cd.label, name, offset(int(d)), len(digits), r.start+1, r.end),
				float64(len(cd.s)-len(digits)+1)*float64(2*k+1), log10Chance(a, len(digits)))
			return
		}
	}
}

// ---- DP-08: unkeyed hashes ----

// Hash functions, as bits of a hashInput's set.
const (
	hMD5 = 1 << iota
	hSHA1
	hSHA256
	hSHA512
	hCRC32
	hAll    = hMD5 | hSHA1 | hSHA256 | hSHA512 | hCRC32
	hCommon = hMD5 | hSHA1 | hSHA256
)

// hashInput is one thing the hash rule feeds to the hash functions in fns.
// The inputs and functions are those vendors have used; the most used
// inputs get every function, the rest the common ones, so the rule costs
// a couple of microseconds a row.
type hashInput struct {
	name string
	data []byte
	core int // functions tried on every row
	all  int // functions tried on the calibration rows; kept for every row if one matched there
}

// hashInputs renders the row's identifiers into c.hbuf and returns them,
// in c.inputs.
func (c *rowCtx) hashInputs() []hashInput {
	b := c.hbuf[:0]
	in := c.inputs[:0]
	mark := 0
	done := func(name string, core, all int) {
		in = append(in, hashInput{name, b[mark:len(b):len(b)], core, all | core})
		mark = len(b)
	}
	if c.hasMAC {
		m := c.mac
		b = appendHex12(b, m, false)
		done("MAC (lower-case hex)", hCommon, hAll)
		b = appendHex12(b, m, true)
		done("MAC (upper-case hex)", hMD5, hAll)
		b = appendHex12(b, (m-1)&mac48, false)
		done("MAC−1 (lower-case hex)", 0, hCommon)
		b = appendHex12(b, (m+1)&mac48, false)
		done("MAC+1 (lower-case hex)", 0, hCommon)
		for i := 44; i >= 0; i -= 8 {
			if i < 44 {
				b = append(b, ':')
			}
			b = append(b, "0123456789abcdef"[(m>>uint(i))&0xf], "0123456789abcdef"[(m>>uint(i-4))&0xf])
		}
		done("MAC (lower-case, with colons)", 0, hCommon)
	}
	if s := strings.TrimSpace(c.row.Serial); s != "" {
		b = append(b, s...)
		done("serial", hCommon, hAll)
		if hasUpper(s) {
			b = lowerInto(b, s)
			done("serial (lower case)", hMD5, hCommon)
		}
		if c.snumLen >= 3 {
			b = strconv.AppendUint(b, c.snum, 10)
			done("serial's trailing number", 0, hCommon)
		}
		if c.hasMAC {
			b = appendHex12(append(b, s...), c.mac, false)
			done("serial + MAC", hMD5, hCommon)
		}
		if m := c.e.model; m != "" {
			b = append(append(b, m...), s...)
			done("model + serial", 0, hCommon)
		}
	}
	if c.imei != "" {
		b = append(b, c.imei...)
		done("IMEI", hCommon, hAll)
	}
	if ssid := strings.TrimSpace(c.row.SSID); ssid != "" {
		b = append(b, ssid...)
		done("SSID", hMD5|hSHA1, hCommon)
		if c.hasMAC {
			b = append(appendHex12(b, c.mac, false), ssid...)
			done("MAC + SSID", 0, hMD5|hSHA1)
		}
	}
	c.hbuf = b
	return in
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

func appendHex12(b []byte, v uint64, upper bool) []byte {
	digits := "0123456789abcdef"
	if upper {
		digits = "0123456789ABCDEF"
	}
	for i := 44; i >= 0; i -= 4 {
		b = append(b, digits[(v>>uint(i))&0xf])
	}
	return b
}

// pwForms are the password decoded every way the hash rule compares, made
// once per row, so each digest costs a few byte comparisons.
type pwForms struct {
	s        string // the candidate
	label    string
	hexBytes []byte // when s is hex of even length
	hexOdd   bool
	b64      []byte // base64 prefix decoded (standard and URL alphabets agree on alphanumerics)
	b32      []byte
	idx      []byte // characters as positions in the batch alphabet, for byte-mod mappings
	store    [4][48]byte
}

func (c *rowCtx) fillForms(f *pwForms, cd candidate) {
	f.s, f.label, f.hexBytes, f.hexOdd, f.b64, f.b32, f.idx = cd.s, cd.label, nil, false, nil, nil, nil
	if len(cd.s) >= 8 && len(cd.s) <= 96 && allHex(cd.s) {
		n := len(cd.s) / 2
		f.hexBytes = f.store[0][:n]
		for i := 0; i < n; i++ {
			f.hexBytes[i] = unhex(cd.s[2*i])<<4 | unhex(cd.s[2*i+1])
		}
		f.hexOdd = len(cd.s)%2 == 1
	}
	raw := c.row.Password
	if cd.label != "" {
		raw = cd.s // the remainder is already normalised
	}
	if len(raw) < 8 || len(raw) > 64 {
		return
	}
	var src [64]byte
	n4 := len(raw) / 4 * 4
	copy(src[:], raw[:n4])
	if n, err := base64.RawStdEncoding.Decode(f.store[1][:], src[:n4]); err == nil {
		f.b64 = f.store[1][:n]
	} else if n, err := base64.RawURLEncoding.Decode(f.store[1][:], src[:n4]); err == nil {
		f.b64 = f.store[1][:n]
	}
	n8 := len(raw) / 8 * 8
	for i := 0; i < n8; i++ {
		ch := raw[i]
		if ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		src[i] = ch
	}
	if n, err := base32.StdEncoding.WithPadding(base32.NoPadding).Decode(f.store[2][:], src[:n8]); err == nil {
		f.b32 = f.store[2][:n]
	}
	if c.e.cal.indexInto(f.store[3][:0], raw) {
		f.idx = f.store[3][:len(raw)]
	}
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}

func (c *rowCtx) checkHashes() {
	forms := c.forms[:0]
	for _, cd := range c.cands {
		if len(cd.s) >= 8 && len(forms) < len(c.forms) {
			forms = forms[:len(forms)+1]
			c.fillForms(&forms[len(forms)-1], cd)
		}
	}
	if len(forms) == 0 {
		return
	}
	inputs := c.hashInputs()
	if len(inputs) == 0 {
		return
	}
	a := c.e.cal.alphabet
	// On the calibration rows every function is tried; afterwards the core
	// ones, and those that matched there.
	for i := range inputs {
		if c.discover {
			inputs[i].core = inputs[i].all
		} else {
			inputs[i].core |= c.e.cal.hashExtra[inputs[i].name] & inputs[i].all
		}
	}
	nDigests := 0.0
	for _, in := range inputs {
		nDigests += float64(bits.OnesCount(uint(in.core)))
	}
	var crc [4]byte
	for _, in := range inputs {
		fns := in.core
		if fns&hMD5 != 0 {
			d := md5.Sum(in.data)
			if c.digestMatches(forms, "MD5", in.name, d[:], nDigests, a) {
				return
			}
		}
		if fns&hSHA1 != 0 {
			d := sha1.Sum(in.data)
			if c.digestMatches(forms, "SHA-1", in.name, d[:], nDigests, a) {
				return
			}
		}
		if fns&hSHA256 != 0 {
			d := sha256.Sum256(in.data)
			if c.digestMatches(forms, "SHA-256", in.name, d[:], nDigests, a) {
				return
			}
		}
		if fns&hCRC32 != 0 {
			binary.BigEndian.PutUint32(crc[:], crc32.ChecksumIEEE(in.data))
			if c.digestMatches(forms, "CRC32", in.name, crc[:], nDigests, a) {
				return
			}
		}
		if fns&hSHA512 != 0 {
			d := sha512.Sum512(in.data)
			if c.digestMatches(forms, "SHA-512", in.name, d[:], nDigests, a) {
				return
			}
		}
	}
}

// digestMatches compares the password's forms with one digest, encoded the
// ways vendors have used: hex, Base64, Base32, bytes mapped onto the
// password alphabet, and hex then Base64.
func (c *rowCtx) digestMatches(forms []pwForms, fn, input string, d []byte, nDigests, a float64) bool {
	if c.digestMatch(forms, fn, input, d, nDigests, a) {
		if c.discover && c.hits != nil {
			c.hits(input, fn)
		}
		return true
	}
	return false
}

func (c *rowCtx) digestMatch(forms []pwForms, fn, input string, d []byte, nDigests, a float64) bool {
	for i := range forms {
		f := &forms[i]
		L := len(f.s)
		chain := func(enc string) string { return f.label + fn + "(" + input + ")→" + enc }
		if f.hexBytes != nil && len(f.hexBytes) <= len(d) {
			hb := f.hexBytes
			if string(d[:len(hb)]) == string(hb) && (!f.hexOdd || hexNibble(d, len(hb)*2) == unhex(f.s[L-1])) {
				c.add(dp08, chain(fmt.Sprintf("hex→prefix(%d)", L)), nDigests*2, log10Chance(a, L))
				return true
			}
			if !f.hexOdd && string(d[len(d)-len(hb):]) == string(hb) {
				c.add(dp08, chain(fmt.Sprintf("hex→suffix(%d)", L)), nDigests*2, log10Chance(a, L))
				return true
			}
			if i := strings.Index(hexString(d), f.s); i > 0 {
				c.add(dp08, chain(fmt.Sprintf("hex→chars %d-%d", i+1, i+L)), nDigests*float64(2*len(d)-L+1), log10Chance(a, L))
				return true
			}
		}
		if n := len(f.b64); n >= 6 && n <= len(d) && string(d[:n]) == string(f.b64) {
			c.add(dp08, chain(fmt.Sprintf("Base64→prefix(%d)", L)), nDigests, log10Chance(a, L))
			return true
		}
		if n := len(f.b64); n >= 6 && isHexASCII(f.b64) && n <= 2*len(d) && strings.HasPrefix(hexString(d), string(f.b64)) {
			c.add(dp08, chain(fmt.Sprintf("hex→Base64→prefix(%d)", L)), nDigests, log10Chance(a, L))
			return true
		}
		if n := len(f.b32); n >= 5 && n <= len(d) && string(d[:n]) == string(f.b32) {
			c.add(dp08, chain(fmt.Sprintf("Base32→prefix(%d)", L)), nDigests, log10Chance(a, L))
			return true
		}
		if f.idx != nil && len(f.idx) <= len(d) {
			n := c.e.cal.size
			if mapped(d, f.idx, n, 1, 0) {
				c.add(dp08, chain(fmt.Sprintf("each byte mod %d→alphabet→prefix(%d)", n, L)), nDigests*2, log10Chance(a, L))
				return true
			}
			if 2*len(f.idx) <= len(d) && mapped(d, f.idx, n, 2, 1) {
				c.add(dp08, chain(fmt.Sprintf("odd bytes mod %d→alphabet→prefix(%d)", n, L)), nDigests*2, log10Chance(a, L))
				return true
			}
		}
	}
	return false
}

func mapped(d, idx []byte, n, step, start int) bool {
	for i, x := range idx {
		if int(d[start+i*step])%n != int(x) {
			return false
		}
	}
	return true
}

func hexNibble(d []byte, i int) byte {
	if i%2 == 0 {
		return d[i/2] >> 4
	}
	return d[i/2] & 0xf
}

func hexString(d []byte) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 2*len(d))
	for i, x := range d {
		b[2*i], b[2*i+1] = digits[x>>4], digits[x&0xf]
	}
	return string(b)
}

func isHexASCII(b []byte) bool {
	for _, c := range b {
		if !isHex(c) {
			return false
		}
	}
	return true
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
