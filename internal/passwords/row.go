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
	nCands   float64 // comparisons made by the current rule, for the chance estimate
}

// add records a match. nCand is how many comparisons of this shape the
// rule made on the row; logSpecific is log10 of the chance that a random
// password produces this exact match. A match whose chance across all
// comparisons is below the threshold is reported outright; a weaker one is
// kept as a pattern, reported only if it recurs across the batch far more
// often than chance allows.
func (c *rowCtx) add(r rule, text string, nCand float64, logSpecific float64) {
	for _, f := range c.findings {
		if f.rule == r {
			return // one piece of evidence per rule is enough
		}
	}
	logRow := math.Log10(math.Max(nCand, 1)) + logSpecific
	switch {
	case logRow < c.e.logChance:
		c.findings = append(c.findings, finding{rule: r, text: text})
	case logRow < -2:
		c.findings = append(c.findings, finding{rule: r, text: text, chain: c.e.chains.intern(r, text, logSpecific)})
	}
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
	*c = rowCtx{e: c.e, row: row, findings: c.findings[:0], cands: c.cands[:0]}
	c.typ = row.Type
	switch c.typ {
	case TypeCryptoKey, TypePairingPIN, TypeAPIKey:
		c.flag(dp14, false, fmt.Sprintf("credential type %s is not a password under PSTI Schedule 1 paragraph 1(5)", c.typ))
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
	low := strings.ToLower(c.row.Password)
	if DefaultPasswords().Has(low) {
		c.flag(dp02, false, fmt.Sprintf("%q is a known default password used on many devices", c.row.Password))
		return
	}
	if CommonPasswords().Has(low) {
		c.flag(dp03, false, fmt.Sprintf("%q is a common password", c.row.Password))
		return
	}
	if len(low) >= 4 && DictionaryWords().Has(low) {
		c.flag(dp03, false, fmt.Sprintf("%q is a dictionary word", c.row.Password))
		return
	}
	// Disguised forms: the common password or word under a few changes
	// people make. Each base must keep at least four letters.
	for _, m := range mangles(low) {
		if len(m.base) < 4 {
			continue
		}
		if DefaultPasswords().Has(m.base) || CommonPasswords().Has(m.base) {
			c.flag(dp03, true, fmt.Sprintf("common password %q %s", m.base, m.how))
			return
		}
		if len(m.base) >= 5 && DictionaryWords().Has(m.base) {
			c.flag(dp03, true, fmt.Sprintf("dictionary word %q %s", m.base, m.how))
			return
		}
	}
}

type mangled struct{ base, how string }

// mangles undoes the usual disguises: digits or a year or punctuation
// added at the end, letters swapped for look-alike symbols, the word
// reversed.
func mangles(low string) []mangled {
	var out []mangled
	base := strings.TrimRight(low, "!?.*#$%&@_-+=~")
	punct := len(low) - len(base)
	digits := len(base) - len(strings.TrimRight(base, "0123456789"))
	if digits > 0 && digits <= 4 {
		how := "with " + plural(digits, "digit") + " added"
		if punct > 0 {
			how = "with digits and symbols added"
		}
		out = append(out, mangled{base[:len(base)-digits], how})
	} else if punct > 0 && punct <= 3 {
		out = append(out, mangled{base, "with symbols added"})
	}
	lead := len(low) - len(strings.TrimLeft(low, "0123456789"))
	if lead > 0 && lead <= 4 {
		out = append(out, mangled{low[lead:], "with " + plural(lead, "digit") + " in front"})
	}
	if u := unleet(low); u != low {
		out = append(out, mangled{u, "with letters swapped for look-alike symbols"})
		if d := strings.TrimRight(u, "0123456789!?.*#$%&@_-+=~"); d != u && len(u)-len(d) <= 4 {
			out = append(out, mangled{d, "with look-alike symbols and an ending added"})
		}
	}
	out = append(out, mangled{reverse(low), "written backwards"})
	return out
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
func (c *rowCtx) macMatches(cd candidate, a float64, k int) {
	s := cd.s
	L := len(s)
	forms := float64(3 * (2*k + 1))
	if allHex(s) && L <= 12 {
		// The whole password is a stretch of a hex rendering.
		windows := float64(13 - L)
		for d := -k; d <= k; d++ {
			m := (c.mac + uint64(d)) & mac48
			for _, f := range []struct {
				name string
				text string
			}{{"hex", hex12(m)}, {"byte-reversed→hex", hex12(byteReversed(m))}, {"hex→reversed", reverse(hex12(m))}} {
				if i := strings.Index(f.text, s); i >= 0 {
					c.add(dp06, cd.label+"MAC"+offset(d)+"→"+f.name+"→"+span(i, L, 12), forms*windows, log10Chance(a, L))
					return
				}
			}
		}
	}
	// A long stretch of the MAC inside a longer password.
	for _, r := range runs(s, isHex, 8) {
		h := s[r.start:r.end]
		for d := -k; d <= k; d++ {
			m := (c.mac + uint64(d)) & mac48
			for _, f := range []struct {
				name string
				text string
			}{{"hex", hex12(m)}, {"byte-reversed→hex", hex12(byteReversed(m))}} {
				if n, ia, ib := longestCommon(h, f.text); n >= 8 {
					positions := float64(L - n + 1)
					c.add(dp06, fmt.Sprintf("%scontains MAC%s→%s→%s at characters %d-%d", cd.label, offset(d), f.name, span(ib, n, 12), r.start+ia+1, r.start+ia+n),
						positions*forms*float64(13-n), log10Chance(a, n))
					return
				}
			}
		}
	}
	// The low part of the MAC as a number: in decimal, in base 36, offset
	// by a little, or combined with a fixed value.
	for _, nib := range []int{4, 6, 8, 12} {
		low := c.mac & (1<<(4*nib) - 1)
		if allDigits(s) && L >= 6 {
			if v, err := strconv.ParseUint(s, 10, 64); err == nil {
				if d := int64(v) - int64(low); d >= -int64(k) && d <= int64(k) {
					c.add(dp07, fmt.Sprintf("%sMAC→last %d hex digits as a number%s→decimal(%d)", cd.label, nib, offset(int(d)), L),
						4*float64(2*k+1), log10Chance(a, L))
					return
				}
			}
		}
		if allHex(s) && L == nib {
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
		if L >= 6 && L <= 12 && isBase36(s) && !allDigits(s) && !allHex(s) {
			if v, err := strconv.ParseUint(s, 36, 64); err == nil {
				if d := int64(v) - int64(low); d >= -int64(k) && d <= int64(k) {
					c.add(dp07, fmt.Sprintf("%sMAC→last %d hex digits as a number%s→base 36", cd.label, nib, offset(int(d))),
						4*float64(2*k+1), log10Chance(a, L))
					return
				}
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
	if len(id) < 4 {
		return
	}
	for _, f := range []struct {
		how  string
		text string
	}{{"", id}, {"→reversed", reverse(id)}} {
		if i := strings.Index(f.text, s); i >= 0 {
			c.add(r, cd.label+name+f.how+"→"+span(i, len(s), len(f.text)), 2*float64(len(f.text)-len(s)+1), log10Chance(a, len(s)))
			return
		}
		if len(s) < 6 || gramMask(s)&gramMask(f.text) == 0 {
			continue
		}
		if n, ia, ib := longestCommon(s, f.text); n >= 6 {
			positions := float64((len(s) - n + 1) * (len(f.text) - n + 1) * 2)
			c.add(r, fmt.Sprintf("%scontains %s%s→%s at characters %d-%d", cd.label, name, f.how, span(ib, n, len(f.text)), ia+1, ia+n),
				positions, log10Chance(a, n))
			return
		}
	}
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

// hashInput is one thing the hash rule feeds to each hash function.
type hashInput struct {
	name string
	data []byte
	all  bool // also SHA-512 (the slowest); for the most used inputs only
}

func (c *rowCtx) hashInputs() []hashInput {
	var in []hashInput
	if c.hasMAC {
		lo := hex12(c.mac)
		up := strings.ToUpper(lo)
		colon := func(h string) string {
			return h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10] + ":" + h[10:12]
		}
		var raw [8]byte
		binary.BigEndian.PutUint64(raw[:], c.mac)
		in = append(in,
			hashInput{"MAC (lower-case hex)", []byte(lo), true},
			hashInput{"MAC (upper-case hex)", []byte(up), false},
			hashInput{"MAC (lower-case, with colons)", []byte(colon(lo)), false},
			hashInput{"MAC−1 (lower-case hex)", []byte(hex12((c.mac - 1) & mac48)), false},
			hashInput{"MAC+1 (lower-case hex)", []byte(hex12((c.mac + 1) & mac48)), false},
			hashInput{"MAC (6 bytes)", raw[2:], false},
		)
	}
	if s := strings.TrimSpace(c.row.Serial); s != "" {
		in = append(in, hashInput{"serial", []byte(s), true})
		if l := strings.ToLower(s); l != s {
			in = append(in, hashInput{"serial (lower case)", []byte(l), false})
		}
		if c.snumLen >= 3 {
			in = append(in, hashInput{"serial's trailing number", []byte(strconv.FormatUint(c.snum, 10)), false})
		}
		if c.hasMAC {
			in = append(in, hashInput{"serial + MAC", []byte(s + hex12(c.mac)), false})
		}
		if m := c.e.model; m != "" {
			in = append(in, hashInput{"model + serial", []byte(m + s), false})
		}
	}
	if c.imei != "" {
		in = append(in, hashInput{"IMEI", []byte(c.imei), true})
	}
	if ssid := strings.TrimSpace(c.row.SSID); ssid != "" {
		in = append(in, hashInput{"SSID", []byte(ssid), false})
		if c.hasMAC {
			in = append(in, hashInput{"MAC + SSID", []byte(hex12(c.mac) + ssid), false})
		}
	}
	return in
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
}

func (c *rowCtx) forms(cd candidate) pwForms {
	f := pwForms{s: cd.s, label: cd.label}
	if len(cd.s) >= 8 && allHex(cd.s) {
		n := len(cd.s) / 2 * 2
		f.hexBytes = make([]byte, n/2)
		for i := 0; i < n; i += 2 {
			f.hexBytes[i/2] = unhex(cd.s[i])<<4 | unhex(cd.s[i+1])
		}
		f.hexOdd = len(cd.s)%2 == 1
	}
	raw := c.row.Password
	if cd.label != "" {
		raw = cd.s // the remainder is already normalised
	}
	if len(raw) >= 8 {
		if b, err := base64.RawStdEncoding.DecodeString(raw[:len(raw)/4*4]); err == nil {
			f.b64 = b
		} else if b, err := base64.RawURLEncoding.DecodeString(raw[:len(raw)/4*4]); err == nil {
			f.b64 = b
		}
		up := strings.ToUpper(raw)
		if b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(up[:len(up)/8*8]); err == nil {
			f.b32 = b
		}
		if idx, ok := c.e.cal.index(raw); ok {
			f.idx = idx
		}
	}
	return f
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}

func (c *rowCtx) checkHashes() {
	inputs := c.hashInputs()
	if len(inputs) == 0 {
		return
	}
	a := c.e.cal.alphabet
	forms := make([]pwForms, 0, len(c.cands))
	for _, cd := range c.cands {
		if len(cd.s) >= 8 {
			forms = append(forms, c.forms(cd))
		}
	}
	if len(forms) == 0 {
		return
	}
	nDigests := float64(len(inputs)*4 + 3)
	for _, in := range inputs {
		var buf [64]byte
		m := md5.Sum(in.data)
		if c.digestMatches(forms, "MD5", in.name, m[:], nDigests, a) {
			return
		}
		s1 := sha1.Sum(in.data)
		if c.digestMatches(forms, "SHA-1", in.name, s1[:], nDigests, a) {
			return
		}
		s2 := sha256.Sum256(in.data)
		if c.digestMatches(forms, "SHA-256", in.name, s2[:], nDigests, a) {
			return
		}
		binary.BigEndian.PutUint32(buf[:4], crc32.ChecksumIEEE(in.data))
		if c.digestMatches(forms, "CRC32", in.name, buf[:4], nDigests, a) {
			return
		}
		if in.all {
			s5 := sha512.Sum512(in.data)
			if c.digestMatches(forms, "SHA-512", in.name, s5[:], nDigests, a) {
				return
			}
		}
	}
}

// digestMatches compares the password's forms with one digest, encoded the
// ways vendors have used: hex, Base64, Base32, bytes mapped onto the
// password alphabet, and hex then Base64.
func (c *rowCtx) digestMatches(forms []pwForms, fn, input string, d []byte, nDigests, a float64) bool {
	for _, f := range forms {
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
		words = append(words, word{w.name, w.text})
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
