package passwords

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"sync"
)

// ---- DP-08: unkeyed hashes of identifiers; DP-07: reversible encodings ----
//
// A password made by hashing a device's identifiers without a secret key is
// derived from them (PSTI-PW-04): anyone who learns the scheme computes
// every device's password from its label. The rule feeds each row's
// identifiers, in the spellings vendors have used and in the combinations
// they have used, to the hash functions they have used, and compares the
// password with the digest in each common encoding, taken from either end.
// "as is" (no hash) covers reversible encodings of the identifiers: Base64
// or Base32 of the serial is no secret either (DP-07).
//
// Trying everything on every row would cost about a thousand digests a
// row, so the search is split: every combination is tried on a sample of
// the first rows (discovery), and afterwards the common ones (core) and
// those that matched in the sample are tried on every row. A scheme the
// batch uses is in the sample; one used by a single row out of millions
// is found only among the common combinations: MD5, SHA-1 and SHA-256 of
// the MAC in lower-case hex, MD5 of it in upper case, and MD5 and SHA-256
// of the serial and of the IMEI as written. (Each costs about 0.2 µs a
// row: the set is what a 10-million-row batch can afford.)

// hashFn is a hash function, or a chain of two.
type hashFn uint8

const (
	fnNone hashFn = iota // the input itself
	fnMD5
	fnSHA1
	fnSHA256
	fnSHA512
	fnCRC32
	fnMD5hexMD5
	fnSHA1hexSHA1
	fnSHA256hexSHA256
	fnSHA256SHA256
	fnMD5MD5
	numFns
)

var fnNames = [numFns]string{"", "MD5", "SHA-1", "SHA-256", "SHA-512", "CRC32",
	"MD5→hex→MD5", "SHA-1→hex→SHA-1", "SHA-256→hex→SHA-256", "SHA-256→SHA-256", "MD5→MD5"}

const (
	fnsCommon = 1<<fnMD5 | 1<<fnSHA1 | 1<<fnSHA256
	fnsAll    = 1<<numFns - 1
)

// digest computes fn over in, into out.
func digest(fn hashFn, in []byte, out *[64]byte) []byte {
	switch fn {
	case fnNone:
		return in
	case fnMD5:
		d := md5.Sum(in)
		return append(out[:0], d[:]...)
	case fnSHA1:
		d := sha1.Sum(in)
		return append(out[:0], d[:]...)
	case fnSHA256:
		d := sha256.Sum256(in)
		return append(out[:0], d[:]...)
	case fnSHA512:
		d := sha512.Sum512(in)
		return append(out[:0], d[:]...)
	case fnCRC32:
		return binary.BigEndian.AppendUint32(out[:0], crc32.ChecksumIEEE(in))
	case fnMD5hexMD5:
		d := md5.Sum(in)
		var h [32]byte
		hex.Encode(h[:], d[:])
		d = md5.Sum(h[:])
		return append(out[:0], d[:]...)
	case fnSHA1hexSHA1:
		d := sha1.Sum(in)
		var h [40]byte
		hex.Encode(h[:], d[:])
		d = sha1.Sum(h[:])
		return append(out[:0], d[:]...)
	case fnSHA256hexSHA256:
		d := sha256.Sum256(in)
		var h [64]byte
		hex.Encode(h[:], d[:])
		d = sha256.Sum256(h[:])
		return append(out[:0], d[:]...)
	case fnSHA256SHA256:
		d := sha256.Sum256(in)
		d = sha256.Sum256(d[:])
		return append(out[:0], d[:]...)
	case fnMD5MD5:
		d := md5.Sum(in)
		d = md5.Sum(d[:])
		return append(out[:0], d[:]...)
	}
	return nil
}

// inputSpec is one thing the rule feeds to the hash functions: a spelling
// of an identifier, or a combination of identifiers and public words.
type inputSpec struct {
	name  string
	core  uint16 // functions tried on every row
	build func(c *rowCtx, b []byte) ([]byte, bool)
}

// pairKey names one input and one function.
type pairKey struct {
	spec int16
	fn   hashFn
}

// hashInput is an input built for one row.
type hashInput struct {
	spec int16
	data []byte
	fns  uint16
}

func appendMAC(b []byte, m uint64, upper bool, sep byte) []byte {
	digits := "0123456789abcdef"
	if upper {
		digits = "0123456789ABCDEF"
	}
	for i := 44; i >= 0; i -= 8 {
		if sep != 0 && i < 44 {
			b = append(b, sep)
		}
		b = append(b, digits[(m>>uint(i))&0xf], digits[(m>>uint(i-4))&0xf])
	}
	return b
}

func appendMACBytes(b []byte, m uint64) []byte {
	for i := 40; i >= 0; i -= 8 {
		b = append(b, byte(m>>uint(i)))
	}
	return b
}

// macSpelling is a way of writing a MAC address.
type macSpelling struct {
	name  string
	upper bool
	sep   byte
	raw   bool // the six bytes
}

var macSpellings = []macSpelling{
	{"lower-case hex", false, 0, false},
	{"upper-case hex", true, 0, false},
	{"upper-case, with colons", true, ':', false},
	{"lower-case, with colons", false, ':', false},
	{"upper-case, with dashes", true, '-', false},
	{"lower-case, with dashes", false, '-', false},
	{"6 bytes", false, 0, true},
}

func (sp macSpelling) append(b []byte, m uint64) []byte {
	if sp.raw {
		return appendMACBytes(b, m)
	}
	return appendMAC(b, m, sp.upper, sp.sep)
}

// hashSpecs lists every input, the most common first (the first to match
// names the derivation). public holds the run's public words (brand, model,
// product name) as given.
func hashSpecs(public []string) []inputSpec {
	var specs []inputSpec
	add := func(name string, core uint16, build func(c *rowCtx, b []byte) ([]byte, bool)) {
		specs = append(specs, inputSpec{name, core, build})
	}
	mac := func(sp macSpelling, d int) func(c *rowCtx, b []byte) ([]byte, bool) {
		return func(c *rowCtx, b []byte) ([]byte, bool) {
			if !c.hasMAC {
				return b, false
			}
			return sp.append(b, (c.mac+uint64(d))&mac48), true
		}
	}
	serial := func(c *rowCtx) string { return strings.TrimSpace(c.row.Serial) }
	add("MAC as written", 0, func(c *rowCtx, b []byte) ([]byte, bool) {
		if !c.hasMAC {
			return b, false
		}
		return append(b, strings.TrimSpace(c.row.MAC)...), true
	})
	for i, sp := range macSpellings {
		core := uint16(0)
		switch i {
		case 0:
			core = fnsCommon
		case 1:
			core = 1 << fnMD5
		}
		add("MAC ("+sp.name+")", core, mac(sp, 0))
	}
	for _, d := range []int{-1, 1, 2, -2, 3} {
		for _, sp := range macSpellings[:3] {
			add("MAC"+offset(d)[len("→"):]+" ("+sp.name+")", 0, mac(sp, d))
		}
		if d == -1 || d == 1 {
			add("MAC"+offset(d)[len("→"):]+" (6 bytes)", 0, mac(macSpellings[6], d))
		}
	}
	add("serial", 1<<fnMD5|1<<fnSHA256, func(c *rowCtx, b []byte) ([]byte, bool) {
		s := serial(c)
		return append(b, s...), s != ""
	})
	add("serial (lower case)", 0, func(c *rowCtx, b []byte) ([]byte, bool) {
		s := serial(c)
		return lowerInto(b, s), hasUpper(s)
	})
	add("serial (upper case)", 0, func(c *rowCtx, b []byte) ([]byte, bool) {
		s := serial(c)
		return append(b, strings.ToUpper(s)...), strings.ToUpper(s) != s
	})
	add("serial without separators", 0, func(c *rowCtx, b []byte) ([]byte, bool) {
		s := serial(c)
		n := len(b)
		for i := 0; i < len(s); i++ {
			if ch := s[i]; ch != '-' && ch != ':' && ch != '.' && ch != '_' && ch != ' ' && ch != '/' {
				b = append(b, ch)
			}
		}
		return b, len(b)-n != len(s) && len(b) > n
	})
	// Thomson-style serials (CP + year + week + three characters) are
	// hashed with those three characters as the hex of their codes.
	add("serial (last 3 characters as hex codes)", 0, func(c *rowCtx, b []byte) ([]byte, bool) {
		s := serial(c)
		if len(s) < 7 || len(s) > 16 {
			return b, false
		}
		b = append(b, s[:len(s)-3]...)
		for i := len(s) - 3; i < len(s); i++ {
			b = append(b, "0123456789ABCDEF"[s[i]>>4], "0123456789ABCDEF"[s[i]&15])
		}
		return b, true
	})
	add("serial's trailing number", 0, func(c *rowCtx, b []byte) ([]byte, bool) {
		return strconv.AppendUint(b, c.snum, 10), c.snumLen >= 3
	})
	add("IMEI", 1<<fnMD5|1<<fnSHA256, func(c *rowCtx, b []byte) ([]byte, bool) { return append(b, c.imei...), c.imei != "" })
	add("SSID", 1<<fnMD5|1<<fnSHA1, func(c *rowCtx, b []byte) ([]byte, bool) {
		s := strings.TrimSpace(c.row.SSID)
		return append(b, s...), s != ""
	})
	add("MAC + SSID", 0, func(c *rowCtx, b []byte) ([]byte, bool) {
		s := strings.TrimSpace(c.row.SSID)
		if !c.hasMAC || s == "" {
			return b, false
		}
		return append(appendMAC(b, c.mac, false, 0), s...), true
	})
	// Serial and MAC together, either way round, with or without a
	// separator.
	for _, sp := range []int{0, 1, 2} {
		for _, sep := range []string{"", "-", ":", "_"} {
			spl := macSpellings[sp]
			sep := sep
			name := func(a, b string) string {
				if sep == "" {
					return a + " + " + b
				}
				return a + " + \"" + sep + "\" + " + b
			}
			core := uint16(0)
			add(name("serial", "MAC ("+spl.name+")"), core, func(c *rowCtx, b []byte) ([]byte, bool) {
				s := serial(c)
				if !c.hasMAC || s == "" {
					return b, false
				}
				return spl.append(append(append(b, s...), sep...), c.mac), true
			})
			add(name("MAC ("+spl.name+")", "serial"), 0, func(c *rowCtx, b []byte) ([]byte, bool) {
				s := serial(c)
				if !c.hasMAC || s == "" {
					return b, false
				}
				return append(append(spl.append(b, c.mac), sep...), s...), true
			})
		}
	}
	// A public word (brand, model, product) with an identifier.
	words := map[string]bool{}
	for _, w := range public {
		if w = strings.TrimSpace(w); w != "" && !words[w] {
			words[w] = true
			w := w
			q := strconv.Quote(w)
			for _, sep := range []string{"", "-"} {
				add(q+" + "+strconv.Quote(sep)+" + serial", 0, func(c *rowCtx, b []byte) ([]byte, bool) {
					s := serial(c)
					return append(append(append(b, w...), sep...), s...), s != ""
				})
			}
			add("serial + "+q, 0, func(c *rowCtx, b []byte) ([]byte, bool) {
				s := serial(c)
				return append(append(b, s...), w...), s != ""
			})
			for _, sp := range macSpellings[:3] {
				sp := sp
				add(q+" + MAC ("+sp.name+")", 0, func(c *rowCtx, b []byte) ([]byte, bool) {
					if !c.hasMAC {
						return b, false
					}
					return sp.append(append(b, w...), c.mac), true
				})
			}
		}
	}
	// The row's own model column, when the run was not told the model.
	add("model column + serial", 0, func(c *rowCtx, b []byte) ([]byte, bool) {
		m, s := strings.TrimSpace(c.row.Model), serial(c)
		return append(append(b, m...), s...), m != "" && s != "" && !words[m]
	})
	return specs
}

// hashPlan is what the rule tries on every row after discovery.
type hashPlan struct {
	specs  []inputSpec
	fns    []uint16 // by spec: functions tried on every row
	tables map[pairKey][]*charTable
	deep   map[pairKey]bool // compared every way, not only the cheap ones
	all    []int            // every spec
	active []int            // the specs with functions to try on every row, once discovery is over
	nPairs float64          // input and function pairs tried on a discovery row
}

func newHashPlan(public []string) *hashPlan {
	p := &hashPlan{specs: hashSpecs(public), tables: map[pairKey][]*charTable{}, deep: map[pairKey]bool{}}
	p.fns = make([]uint16, len(p.specs))
	for i, s := range p.specs {
		p.fns[i] = s.core
	}
	p.nPairs = float64(len(p.specs) * int(numFns))
	for i := range p.specs {
		p.all = append(p.all, i)
	}
	return p
}

// inputs builds the row's inputs: all of them with every function when
// discovering, else those with functions to try.
func (c *rowCtx) hashInputs() []hashInput {
	plan := c.e.plan
	b := c.hbuf[:0]
	in := c.inputs[:0]
	active := plan.active
	if c.discover || active == nil {
		active = plan.all
	}
	for _, i := range active {
		fns := plan.fns[i]
		if c.discover {
			fns = fnsAll
		}
		if fns == 0 {
			continue
		}
		start := len(b)
		var ok bool
		b, ok = plan.specs[i].build(c, b)
		if !ok || len(b) == start {
			b = b[:start]
			continue
		}
		in = append(in, hashInput{spec: int16(i), data: b[start:len(b):len(b)], fns: fns})
	}
	c.hbuf, c.inputs = b, in
	return in
}

// pwForms are the password decoded every way the rule compares, made once
// per row, so that each digest costs a few comparisons.
type pwForms struct {
	s        string // the candidate (normalised)
	raw      string // the same with its letter case
	label    string
	hexBytes []byte // s read as hex, when it is hex (the odd last digit apart)
	hexOdd   bool
	b64      []byte // a prefix of raw read as Base64 (standard or URL alphabet)
	b32      []byte
	idx      []byte // characters as positions in the batch alphabet
	num      number // s as a number in base 10 (all digits) or 36 (digits and letters)
	store    [4][48]byte
}

func (c *rowCtx) fillForms(f *pwForms, cd candidate) {
	f.s, f.label, f.raw, f.hexBytes, f.hexOdd, f.b64, f.b32, f.idx, f.num = cd.s, cd.label, c.row.Password, nil, false, nil, nil, nil, number{}
	if cd.label != "" {
		f.raw = cd.s // the remainder is already normalised
	}
	s := cd.s
	if len(s) >= 8 && len(s) <= 96 && allHex(s) {
		n := len(s) / 2
		f.hexBytes = f.store[0][:n]
		for i := 0; i < n; i++ {
			f.hexBytes[i] = unhex(s[2*i])<<4 | unhex(s[2*i+1])
		}
		f.hexOdd = len(s)%2 == 1
	}
	if len(s) >= 6 && len(s) <= 160 && (c.discover || len(c.e.plan.deep) > 0) {
		switch {
		case allDigits(s):
			f.num = readNumber(s, 10)
		case isBase36(s):
			f.num = readNumber(s, 36)
		}
	}
	f.raw = strings.TrimRight(f.raw, "=") // Base64 and Base32 padding
	raw := f.raw
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
	if n, err := b32Std.Decode(f.store[2][:], src[:n8]); err == nil {
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
		if len(cd.s) >= 6 && len(forms) < len(c.forms) {
			forms = forms[:len(forms)+1]
			c.fillForms(&forms[len(forms)-1], cd)
		}
	}
	if len(forms) == 0 {
		return
	}
	inputs := c.hashInputs()
	nDigests := 0.0
	for _, in := range inputs {
		nDigests += float64(bits.OnesCount16(in.fns))
	}
	// The chance of a match is taken over every pair a discovery row
	// tries, whichever this row tried: a pair tried on every row was
	// chosen for matching on the first rows, and must not look stronger
	// for it.
	nDigests = math.Max(nDigests, c.e.plan.nPairs)
	var out [64]byte
	for _, in := range inputs {
		for fn := range numFns {
			if in.fns&(1<<fn) == 0 {
				continue
			}
			d := digest(fn, in.data, &out)
			k := pairKey{in.spec, fn}
			if c.digestMatch(forms, k, d, nDigests) {
				if c.discover && c.hits != nil {
					c.hits(k)
				}
				return
			}
		}
	}
}

// digestMatch compares the password's forms with one digest, encoded the
// ways vendors have used, from either end.
func (c *rowCtx) digestMatch(forms []pwForms, k pairKey, d []byte, nDigests float64) bool {
	a := c.e.cal.alphabet
	// The costlier comparisons (from the end, as numbers, through learnt
	// alphabets) run on the discovery rows and for the pairs found there.
	deep := c.discover || c.e.plan.deep[k]
	r := dp08
	if k.fn == fnNone {
		r = dp07
	}
	name := c.e.plan.specs[k.spec].name
	for i := range forms {
		f := &forms[i]
		L := len(f.s)
		chain := func(enc string) string {
			if k.fn == fnNone {
				return f.label + name + "→" + enc
			}
			return f.label + name + "→" + fnNames[k.fn] + "→" + enc
		}
		found := func(enc string, n float64, specific float64) bool {
			c.add(r, chain(enc), nDigests*n, specific)
			return true
		}
		if f.hexBytes != nil && k.fn != fnNone {
			hb := f.hexBytes
			if len(hb) <= len(d) {
				if string(d[:len(hb)]) == string(hb) && (!f.hexOdd || hexNibble(d, len(hb)*2) == unhex(f.s[L-1])) {
					return found(fmt.Sprintf("hex→prefix(%d)", L), 2, log10Chance(a, L))
				}
				if hexSuffix(d, f.s) {
					return found(fmt.Sprintf("hex→suffix(%d)", L), 2, log10Chance(a, L))
				}
				if L >= 10 && deep {
					if i := hexIndex(d, f.s); i > 0 {
						return found(fmt.Sprintf("hex→chars %d-%d", i+1, i+L), float64(2*len(d)-L+1), log10Chance(a, L))
					}
				}
			}
		}
		if n := len(f.b64); n >= 6 && n <= len(d) && string(d[:n]) == string(f.b64) {
			return found(fmt.Sprintf("Base64→prefix(%d)", len(f.raw)), 2, log10Chance(a, L))
		}
		if n := len(f.b64); n >= 6 && isHexASCII(f.b64) && n <= 2*len(d) && hexHasPrefix(d, f.b64) {
			return found(fmt.Sprintf("hex→Base64→prefix(%d)", len(f.raw)), 1, log10Chance(a, L))
		}
		if n := len(f.b32); n >= 5 && n <= len(d) && string(d[:n]) == string(f.b32) {
			return found(fmt.Sprintf("Base32→prefix(%d)", len(f.raw)), 1, log10Chance(a, L))
		}
		if f.idx != nil && len(f.idx) <= len(d) && k.fn != fnNone {
			n := c.e.cal.size
			if mappedBytes(d, f.idx, n, 1, 0) {
				return found(fmt.Sprintf("each byte mod %d→alphabet→prefix(%d)", n, L), 1, log10Chance(a, L))
			}
			if 2*len(f.idx) <= len(d) && mappedBytes(d, f.idx, n, 2, 1) {
				return found(fmt.Sprintf("odd bytes mod %d→alphabet→prefix(%d)", n, L), 1, log10Chance(a, L))
			}
		}
		if !deep {
			continue
		}
		if len(f.raw) >= 8 && len(f.raw) <= 96 && len(d) <= 64 {
			if enc, ok := encodedSuffix(d, f.raw); ok {
				return found(enc+fmt.Sprintf("→suffix(%d)", len(f.raw)), 4, log10Chance(a, len(f.raw)))
			}
		}
		if f.num.ok && k.fn != fnNone {
			if enc, ok := numberMatch(d, f.s, &f.num); ok {
				return found(enc, 6, log10Chance(a, L))
			}
		}
		if f.label == "" && k.fn != fnNone {
			for _, t := range c.e.plan.tables[k] {
				if t.matches(d, f.raw) {
					return found(t.describe(len(f.raw)), 1, log10Chance(a, len(f.raw)))
				}
			}
		}
	}
	return false
}

func mappedBytes(d, idx []byte, n, step, start int) bool {
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

// hexSuffix reports whether hex s (lower case) ends the hex of d.
func hexSuffix(d []byte, s string) bool {
	n := 2 * len(d)
	if len(s) > n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if hexNibble(d, n-len(s)+i) != unhex(s[i]) {
			return false
		}
	}
	return true
}

// hexIndex is where hex s first occurs in the hex of d, or -1.
func hexIndex(d []byte, s string) int {
	first := unhex(s[0])
	for p := 0; p+len(s) <= 2*len(d); p++ {
		if hexNibble(d, p) != first {
			continue
		}
		i := 1
		for ; i < len(s) && hexNibble(d, p+i) == unhex(s[i]); i++ {
		}
		if i == len(s) {
			return p
		}
	}
	return -1
}

func hexHasPrefix(d []byte, s []byte) bool {
	for i, ch := range s {
		if hexNibble(d, i) != unhex(ch) {
			return false
		}
	}
	return true
}

func isHexASCII(b []byte) bool {
	for _, c := range b {
		if !isHex(c) {
			return false
		}
	}
	return true
}

var (
	b64Std = base64.RawStdEncoding
	b64URL = base64.RawURLEncoding
	b32Std = base32.StdEncoding.WithPadding(base32.NoPadding)
)

// encodedSuffix reports whether raw ends d's Base64 (either alphabet) or
// Base32 text, and which. The last character is compared first, from the
// digest's last bytes, so most digests are ruled out without encoding.
func encodedSuffix(d []byte, raw string) (string, bool) {
	last := raw[len(raw)-1]
	var buf [128]byte
	n := len(d)
	// Base64: the last character holds the low bits of the last byte.
	var v byte
	switch n % 3 {
	case 0:
		v = d[n-1] & 63
	case 1:
		v = (d[n-1] & 3) << 4
	case 2:
		v = (d[n-1] & 15) << 2
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	const url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if std[v] == last || url[v] == last {
		for _, e := range []struct {
			name string
			enc  *base64.Encoding
		}{{"Base64", b64Std}, {"Base64url", b64URL}} {
			t := buf[:e.enc.EncodedLen(n)]
			e.enc.Encode(t, d)
			if len(raw) <= len(t) && string(t[len(t)-len(raw):]) == raw {
				return e.name, true
			}
		}
	}
	// Base32, in either letter case; its last character holds the low
	// bits of the last byte.
	switch n % 5 {
	case 0:
		v = d[n-1] & 31
	case 1:
		v = (d[n-1] & 3) << 3
	case 2:
		v = (d[n-1] & 15) << 1
	case 3:
		v = (d[n-1] & 1) << 4
	case 4:
		v = (d[n-1] & 7) << 2
	}
	if u := last &^ 0x20; "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[v] != u && !(last >= '2' && last <= '7' && "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[v] == last) {
		return "", false
	}
	t := buf[:b32Std.EncodedLen(n)]
	if len(raw) > len(t) {
		return "", false
	}
	b32Std.Encode(t, d)
	if strings.EqualFold(string(t[len(t)-len(raw):]), raw) {
		return "Base32", true
	}
	return "", false
}

// number is a password read as a number, for comparing with digests read
// as numbers: its value when it fits 64 bits, its last four digits and its
// first three.
type number struct {
	ok      bool
	base    int
	whole   uint64
	fits    bool
	tail4   uint64
	lo, hi  float64     // the first three digits give log_base's fractional part in [lo, hi)
	weights *[64]uint64 // 256^i mod base^4, for the last four digits of a digest
}

var weights10, weights36 = powWeights(10 * 10 * 10 * 10), powWeights(36 * 36 * 36 * 36)

func powWeights(mod uint64) *[64]uint64 {
	var w [64]uint64
	p := uint64(1)
	for i := range w {
		w[i] = p
		p = p * 256 % mod
	}
	return &w
}

func readNumber(s string, base int) number {
	n := number{ok: true, base: base, weights: weights10}
	if base == 36 {
		n.weights = weights36
	}
	v, err := strconv.ParseUint(s, base, 64)
	n.whole, n.fits = v, err == nil
	n.tail4, _ = strconv.ParseUint(s[len(s)-4:], base, 64)
	h, _ := strconv.ParseUint(s[:3], base, 64)
	b := float64(base)
	// A little either side, for the rounding of the logarithm.
	n.lo = math.Log(float64(h)/(b*b))/math.Log(b) - 1e-9
	n.hi = math.Log(float64(h+1)/(b*b))/math.Log(b) + 1e-9
	return n
}

// numberMatch reads d as a big-endian number, and also its first and last
// 4 and 8 bytes, and reports whether s (digits in base 10, or digits and
// letters in base 36) is that number written out, whole or from either
// end. The last four digits and the first three are compared first, from
// sums and a logarithm; only a digest that passes is written out.
func numberMatch(d []byte, s string, n *number) (string, bool) {
	base := n.base
	bname := "decimal"
	if base == 36 {
		bname = "base 36"
	}
	mod := uint64(base * base * base * base)
	var r uint64
	for i, b := range d {
		r += uint64(b) * n.weights[len(d)-1-i]
	}
	full := func() string { return new(big.Int).SetBytes(d).Text(base) }
	if len(d) <= 64 && r%mod == n.tail4 {
		t := full()
		switch {
		case t == s || strings.TrimLeft(s, "0") == t:
			return "as a number→" + bname + "→whole", true
		case strings.HasSuffix(t, s):
			return fmt.Sprintf("as a number→%s→suffix(%d)", bname, len(s)), true
		}
	}
	if frac, ok := leadingFrac(d, base); ok && frac >= n.lo && frac < n.hi {
		if t := full(); strings.HasPrefix(t, s) {
			return fmt.Sprintf("as a number→%s→prefix(%d)", bname, len(s)), true
		}
	}
	// The first or last 4 or 8 bytes as a number, as code that reads a
	// digest into an integer does.
	if !n.fits || len(d) < 4 {
		return "", false
	}
	switch n.whole {
	case uint64(binary.BigEndian.Uint32(d)):
		return "first 4 bytes as a number→" + bname, true
	case uint64(binary.BigEndian.Uint32(d[len(d)-4:])):
		return "last 4 bytes as a number→" + bname, true
	}
	if len(d) >= 8 {
		switch n.whole {
		case binary.BigEndian.Uint64(d):
			return "first 8 bytes as a number→" + bname, true
		case binary.BigEndian.Uint64(d[len(d)-8:]):
			return "last 8 bytes as a number→" + bname, true
		}
	}
	return "", false
}

// leadingFrac is the fractional part of log_base of d read as a
// big-endian number: the first digits of the number written in base are
// those of base^frac. ok is false for numbers too short to have three
// digits.
func leadingFrac(d []byte, base int) (float64, bool) {
	i := 0
	for i < len(d) && d[i] == 0 {
		i++
	}
	if len(d)-i < 8 {
		return 0, false
	}
	top := binary.BigEndian.Uint64(d[i:])
	lg := (math.Log2(float64(top)) + 8*float64(len(d)-i-8)) * invLog2[base]
	return lg - math.Floor(lg), lg >= 3
}

var invLog2 = map[int]float64{10: 1 / math.Log2(10), 36: 1 / math.Log2(36)}

// ---- alphabets learnt from the batch ----

// A charTable maps digest bytes onto characters: byte mod n picks the
// character, through a table of n characters in an order the batch itself
// shows (as Sky-style keys map MD5 bytes onto A–Z). The table is learnt
// from the first rows: every input, function, byte selection and modulus
// is tried, and those whose characters never contradict one another are
// kept. For random or keyed passwords none survives more than a row or
// two.
type charTable struct {
	k     pairKey
	mode  uint8 // which bytes: 0 every byte, 1 odd bytes, 2 even bytes, 3 every byte from the end
	n     uint8
	chars [64]byte
	dead  bool
	rows  int
}

var tableModes = [...]string{"each byte", "odd bytes", "even bytes", "each byte from the end"}

var tableMods = []uint8{10, 16, 24, 26, 32, 36, 52, 58, 62, 64}

func (t *charTable) at(d []byte, i int) (byte, bool) {
	var p int
	switch t.mode {
	case 0:
		p = i
	case 1:
		p = 2*i + 1
	case 2:
		p = 2 * i
	case 3:
		p = len(d) - 1 - i
	}
	if p < 0 || p >= len(d) {
		return 0, false
	}
	return d[p] % t.n, true
}

// learn adds one row's evidence, or kills the table.
func (t *charTable) learn(d []byte, pw string) {
	for i := 0; i < len(pw); i++ {
		x, ok := t.at(d, i)
		if !ok {
			t.dead = true
			return
		}
		switch t.chars[x] {
		case 0:
			t.chars[x] = pw[i]
		case pw[i]:
		default:
			t.dead = true
			return
		}
	}
	t.rows++
}

func (t *charTable) matches(d []byte, pw string) bool {
	for i := 0; i < len(pw); i++ {
		x, ok := t.at(d, i)
		if !ok || t.chars[x] != pw[i] {
			return false
		}
	}
	return true
}

func (t *charTable) describe(L int) string {
	var alpha []byte
	for _, ch := range t.chars[:t.n] {
		if ch == 0 {
			ch = '?'
		}
		alpha = append(alpha, ch)
	}
	return fmt.Sprintf("%s mod %d→alphabet %q→prefix(%d)", tableModes[t.mode], t.n, alpha, L)
}

// tableRows is how many rows a learnt alphabet must hold on.
const tableRows = 24

// learnTables tries every alphabet mapping on the first audited rows.
func learnTables(e *engine, rows []Row) {
	plan := e.plan
	c := &rowCtx{e: e, discover: true}
	var live []*charTable
	var out [64]byte
	first := true
	seen := 0
	for i := range rows {
		if seen == 64 || (!first && len(live) == 0) {
			break
		}
		if !c.prepare(&rows[i]) {
			continue
		}
		pw := rows[i].Password
		if len(pw) < 6 || len(pw) > 64 {
			continue
		}
		seen++
		var next []*charTable
		inputs := c.hashInputs()
		if first {
			for _, in := range inputs {
				for fn := fnMD5; fn < numFns; fn++ {
					d := digest(fn, in.data, &out)
					for mode := range uint8(len(tableModes)) {
						for _, n := range tableMods {
							t := &charTable{k: pairKey{in.spec, fn}, mode: mode, n: n}
							if t.learn(d, pw); !t.dead {
								next = append(next, t)
							}
						}
					}
				}
			}
			first = false
		} else {
			have := map[int16][]byte{}
			for _, in := range inputs {
				have[in.spec] = in.data
			}
			digests := map[pairKey][]byte{}
			for _, t := range live {
				data, ok := have[t.k.spec]
				if !ok {
					next = append(next, t) // the row lacks the input: no evidence either way
					continue
				}
				d, ok := digests[t.k]
				if !ok {
					d = append([]byte(nil), digest(t.k.fn, data, &out)...)
					digests[t.k] = d
				}
				if t.learn(d, pw); !t.dead {
					next = append(next, t)
				}
			}
		}
		live = next
	}
	for _, t := range live {
		filled := 0
		for _, ch := range t.chars[:t.n] {
			if ch != 0 {
				filled++
			}
		}
		if t.rows >= tableRows && filled >= min(int(t.n), 8) {
			plan.tables[t.k] = append(plan.tables[t.k], t)
			plan.fns[t.k.spec] |= 1 << t.k.fn
			plan.deep[t.k] = true
		}
	}
}

// discoverHashes tries every input and function on a sample of the first
// rows (in parallel) and adds to the plan those that matched there, so
// that any scheme the batch uses is looked for on every row, while the
// rest cost the batch nothing.
func discoverHashes(e *engine, rows []Row, workers int) {
	step := max(1, len(rows)/discoveryRows)
	var sample []int
	for i := 0; i < len(rows) && len(sample) < discoveryRows; i += step {
		sample = append(sample, i)
	}
	found := map[pairKey]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	per := (len(sample) + workers - 1) / max(workers, 1)
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, len(sample))
		if lo >= hi {
			break
		}
		wg.Go(func() {
			c := &rowCtx{e: e, discover: true}
			c.hits = func(k pairKey) {
				mu.Lock()
				found[k] = true
				mu.Unlock()
			}
			for _, i := range sample[lo:hi] {
				if c.prepare(&rows[i]) {
					c.checkHashes()
				}
			}
		})
	}
	wg.Wait()
	for k := range found {
		e.plan.fns[k.spec] |= 1 << k.fn
		e.plan.deep[k] = true
	}
	e.plan.active = []int{}
	for i, fns := range e.plan.fns {
		if fns != 0 {
			e.plan.active = append(e.plan.active, i)
		}
	}
}

// discoveryRows is how many of the first rows every combination is tried
// on.
const discoveryRows = 1024

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}
