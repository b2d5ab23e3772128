package passwords

// The identifier rules (DP-06, DP-07) as they were before they compared the
// password with the MAC renderings and the serial's stretches as numbers:
// kept as the reference the equivalence tests run the audit with.

import (
	"fmt"
	"strconv"
	"strings"
)

func byteReversedRef(v uint64) uint64 {
	var r uint64
	for range 6 {
		r = r<<8 | v&0xff
		v >>= 8
	}
	return r
}

func (c *rowCtx) checkIdentifiersRef() {
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
			c.macMatchesRef(cd, a, k)
		}
		if c.serial != "" {
			c.textMatchesRef(dp06, cd, c.serial, "serial", a)
			c.numberMatchesRef(cd, c.snum, c.snumLen, "serial number", a)
		}
		if c.imei != "" {
			c.textMatchesRef(dp06, cd, c.imei, "IMEI", a)
		}
	}
}

func macFormRef(f int, m uint64) uint64 {
	switch f {
	case 1:
		return byteReversedRef(m)
	case 2:
		return nibbleSwapped(byteReversedRef(m))
	case 3:
		return nibbleSwapped(m)
	}
	return m
}

// mayHoldMAC reports whether s could hold 6 or more consecutive digits of
// a rendering of the MAC or a neighbour. Every stretch of 6 of the 12
// digits covers digits 3 to 6, 5 to 8 or 7 to 10 (counting from 1). None
// of these holds the lowest byte, so each takes, over all the neighbours,
// only the values it has at the two furthest (mac-k and mac+k: k < 256
// carries into the next byte at most once). s must hold one of those four
// digits as one of the renderings writes them. Most passwords are ruled
// out here, in a few dozen comparisons.
func (c *rowCtx) mayHoldMACRef(s string, k int) bool {
	var cores [3 * 3 * numMACForms]uint16
	n := 0
	for _, m := range [3]uint64{c.mac, (c.mac - uint64(k)) & mac48, (c.mac + uint64(k)) & mac48} {
		for f := range numMACForms {
			F := macFormRef(f, m)
			for _, shift := range [3]uint{24, 16, 8} {
				core := uint16(F >> shift)
				dup := false
				for _, x := range cores[:n] {
					dup = dup || x == core
				}
				if !dup {
					cores[n] = core
					n++
				}
			}
		}
	}
	for i := 0; i+4 <= len(s); i++ {
		if !isHex(s[i]) || !isHex(s[i+1]) || !isHex(s[i+2]) || !isHex(s[i+3]) {
			continue
		}
		w := uint16(unhex(s[i]))<<12 | uint16(unhex(s[i+1]))<<8 | uint16(unhex(s[i+2]))<<4 | uint16(unhex(s[i+3]))
		for _, x := range cores[:n] {
			if x == w {
				return true
			}
		}
	}
	return false
}

// macMatches looks for the password among renderings of the device's MAC
// address and its neighbours (devices own several consecutive addresses).
// The renderings are compared as numbers, a few machine instructions each.
// The most plausible derivations are tried first: the device's own address
// before its neighbours (nearest first), plain hex before the others. Every
// match is recorded, not only the first: a password that is the device's
// own hex suffix can also turn up in a neighbour's reversed rendering, and
// only the batch can tell which derivation the rows share.
func (c *rowCtx) macMatchesRef(cd candidate, a float64, k int) {
	s := cd.s
	L := len(s)
	if L < 8 || c.mayHoldMACRef(s, k) {
		if c.macStretchesRef(cd, a, k) {
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

// macStretches looks for the password, or a long stretch of it, among the
// hex renderings of the MAC and its neighbours; it reports whether any
// matched.
func (c *rowCtx) macStretchesRef(cd candidate, a float64, k int) bool {
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
				F := macFormRef(f, m)
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
				F := macFormRef(f, m)
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

// textMatches looks for a stretch of an identifier (serial, IMEI) in the
// password, forwards or backwards.
func (c *rowCtx) textMatchesRef(r rule, cd candidate, id, name string, a float64) {
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

// numberMatches looks for the identifier's trailing number, offset by a
// little, written in decimal in the password.
func (c *rowCtx) numberMatchesRef(cd candidate, num uint64, numLen int, name string, a float64) {
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
