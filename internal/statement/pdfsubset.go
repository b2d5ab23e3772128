package statement

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"slices"
	"sync"
)

// A whole Go font is about 140 KB, most of it outlines a statement never
// prints. Each document embeds its fonts cut down to the glyphs it can
// show: .notdef, printable ASCII and its own characters beyond ASCII,
// with the glyphs composite glyphs are made of. Glyph numbers, metrics
// and the character map stay as they are (only the outlines of unused
// glyphs are emptied), so the font works exactly as the whole one for
// every character the document has. Statements of one manufacturer
// share their characters, so the compressed cut is kept and reused.

// subsetCache keeps compressed cuts of a font, by the characters beyond
// ASCII they serve.
type subsetCache struct {
	mu sync.Mutex
	m  map[string]subsetFile
}

type subsetFile struct {
	z    []byte // zlib-compressed font file
	size int    // its size uncompressed
}

// maxSubsets bounds the cuts kept per font; past it the cache starts
// again.
const maxSubsets = 512

// subset returns f cut down to the glyphs of ASCII and extra, compressed.
func (f *simpleFont) subset(extra []rune) (subsetFile, error) {
	key := string(extra)
	f.cache.mu.Lock()
	sf, ok := f.cache.m[key]
	f.cache.mu.Unlock()
	if ok {
		return sf, nil
	}
	keep := map[uint16]bool{0: true}
	for r := rune(32); r < 127; r++ {
		if g, ok := f.gids[r]; ok {
			keep[g] = true
		}
	}
	for _, r := range extra {
		if g, ok := f.gids[r]; ok {
			keep[g] = true
		}
	}
	ttf, err := cutFont(f.ttf, keep)
	if err != nil {
		return subsetFile{}, err
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if _, err := zw.Write(ttf); err != nil {
		return subsetFile{}, err
	}
	if err := zw.Close(); err != nil {
		return subsetFile{}, err
	}
	sf = subsetFile{z: z.Bytes(), size: len(ttf)}
	f.cache.mu.Lock()
	if f.cache.m == nil || len(f.cache.m) >= maxSubsets {
		f.cache.m = map[string]subsetFile{}
	}
	f.cache.m[key] = sf
	f.cache.mu.Unlock()
	return sf, nil
}

var errFont = errors.New("statement: the font cannot be cut down")

// cutFont returns the TrueType font ttf with the outlines of every glyph
// not in keep (nor part of a composite glyph in keep) emptied: the glyf
// and loca tables are rewritten, every other table kept as it is.
func cutFont(ttf []byte, keep map[uint16]bool) ([]byte, error) {
	be := binary.BigEndian
	if len(ttf) < 12 {
		return nil, errFont
	}
	n := int(be.Uint16(ttf[4:]))
	if len(ttf) < 12+16*n {
		return nil, errFont
	}
	type table struct {
		tag  string
		data []byte
	}
	tables := make([]table, n)
	find := map[string]int{}
	for i := range n {
		rec := ttf[12+16*i:]
		off, length := int(be.Uint32(rec[8:])), int(be.Uint32(rec[12:]))
		if off < 0 || length < 0 || off+length > len(ttf) {
			return nil, errFont
		}
		tables[i] = table{string(rec[:4]), ttf[off : off+length]}
		find[tables[i].tag] = i
	}
	hi, li, gi, mi := find["head"], find["loca"], find["glyf"], find["maxp"]
	for _, tag := range []string{"head", "loca", "glyf", "maxp"} {
		if _, ok := find[tag]; !ok {
			return nil, errFont
		}
	}
	head, loca, glyf, maxp := tables[hi].data, tables[li].data, tables[gi].data, tables[mi].data
	if len(head) < 54 || len(maxp) < 6 {
		return nil, errFont
	}
	long := be.Uint16(head[50:]) == 1
	glyphs := int(be.Uint16(maxp[4:]))
	at := func(g int) (int, int, error) {
		var a, b int
		if long {
			if len(loca) < 4*(glyphs+1) {
				return 0, 0, errFont
			}
			a, b = int(be.Uint32(loca[4*g:])), int(be.Uint32(loca[4*g+4:]))
		} else {
			if len(loca) < 2*(glyphs+1) {
				return 0, 0, errFont
			}
			a, b = 2*int(be.Uint16(loca[2*g:])), 2*int(be.Uint16(loca[2*g+2:]))
		}
		if a > b || b > len(glyf) {
			return 0, 0, errFont
		}
		return a, b, nil
	}
	// The components of composite glyphs, to any depth.
	todo := make([]uint16, 0, len(keep))
	for g := range keep {
		todo = append(todo, g)
	}
	for len(todo) > 0 {
		g := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if int(g) >= glyphs {
			delete(keep, g)
			continue
		}
		a, b, err := at(int(g))
		if err != nil {
			return nil, err
		}
		d := glyf[a:b]
		if len(d) < 10 || int16(be.Uint16(d)) >= 0 {
			continue
		}
		for p := 10; ; {
			if p+4 > len(d) {
				return nil, errFont
			}
			flags, c := be.Uint16(d[p:]), be.Uint16(d[p+2:])
			if !keep[c] {
				keep[c] = true
				todo = append(todo, c)
			}
			p += 4
			if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
				p += 4
			} else {
				p += 2
			}
			switch {
			case flags&0x0008 != 0: // WE_HAVE_A_SCALE
				p += 2
			case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
				p += 4
			case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
				p += 8
			}
			if flags&0x0020 == 0 { // MORE_COMPONENTS
				break
			}
		}
	}
	// New glyf and loca: kept outlines in glyph order, each padded to
	// four bytes (fine for either loca format).
	var newGlyf []byte
	newLoca := make([]byte, 0, len(loca))
	put := func(off int) {
		if long {
			newLoca = be.AppendUint32(newLoca, uint32(off))
		} else {
			newLoca = be.AppendUint16(newLoca, uint16(off/2))
		}
	}
	for g := range glyphs {
		put(len(newGlyf))
		if !keep[uint16(g)] {
			continue
		}
		a, b, err := at(g)
		if err != nil {
			return nil, err
		}
		newGlyf = append(newGlyf, glyf[a:b]...)
		for len(newGlyf)%4 != 0 {
			newGlyf = append(newGlyf, 0)
		}
	}
	put(len(newGlyf))
	if !long && len(newGlyf)/2 > 0xFFFF {
		return nil, errFont
	}
	tables[gi].data, tables[li].data = newGlyf, newLoca
	head = slices.Clone(head)
	be.PutUint32(head[8:], 0) // checkSumAdjustment, set below
	tables[hi].data = head

	// Write the font: the table directory, in the original order of
	// tags, then each table padded to four bytes.
	size := 12 + 16*n
	for _, t := range tables {
		size += (len(t.data) + 3) &^ 3
	}
	out := make([]byte, 12+16*n, size)
	copy(out, ttf[:12])
	for i, t := range tables {
		rec := out[12+16*i:]
		copy(rec, t.tag)
		be.PutUint32(rec[4:], checksum(t.data))
		be.PutUint32(rec[8:], uint32(len(out)))
		be.PutUint32(rec[12:], uint32(len(t.data)))
		out = append(out, t.data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	// checkSumAdjustment makes the whole font's checksum 0xB1B0AFBA.
	headOff := int(be.Uint32(out[12+16*hi+8:]))
	be.PutUint32(out[headOff+8:], 0xB1B0AFBA-checksum(out))
	return out, nil
}

// checksum is TrueType's table checksum: the sum of its big-endian
// 32-bit words, the last padded with zeros.
func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
