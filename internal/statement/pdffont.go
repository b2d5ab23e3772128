package statement

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Embedding a TrueType font for Unicode text makes fpdf parse and subset
// the whole font for every document, which costs more than everything
// else in a statement. Most statements use few characters beyond ASCII,
// so the fast path parses each Go font once per process and, for each
// document, gives the characters it uses beyond ASCII the codes 127 to
// 255 of a simple TrueType font (an encoding with /Differences naming
// each glyph uniXXXX, which readers and text extraction map back to
// Unicode). A document needing more than that falls back to fpdf's
// Unicode fonts, so no name is ever lost.

// simpleFont is a Go font parsed once: its file, glyph numbers, metrics and
// the advance width of each character it has, in 1/1000 em.
type simpleFont struct {
	name    string
	file    string
	ttf     []byte
	gids    map[rune]uint16 // the glyph of each character in widths
	cache   subsetCache
	desc    map[string]any
	widths  map[rune]int
	missing int
}

var (
	simpleOnce  sync.Once
	simpleFonts [2]*simpleFont // regular, bold
	simpleErr   error
)

// firstExtra is the first code given to a character beyond ASCII; codes
// up to 255 are used (fpdf writes FirstChar 32, LastChar 255).
const firstExtra = 127

func loadSimpleFonts() {
	simpleOnce.Do(func() {
		for i, src := range []struct {
			name string
			ttf  []byte
			stem int
		}{{"GoRegular", goregular.TTF, 80}, {"GoBold", gobold.TTF, 140}} {
			f, err := parseSimple(src.name, src.ttf, src.stem)
			if err != nil {
				simpleErr = err
				return
			}
			simpleFonts[i] = f
		}
	})
}

func parseSimple(name string, ttf []byte, stem int) (*simpleFont, error) {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("statement: unable to read font %s: %w", name, err)
	}
	var buf sfnt.Buffer
	ppem := fixed.I(1000)
	m, err := f.Metrics(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("statement: unable to read font %s: %w", name, err)
	}
	b, err := f.Bounds(&buf, ppem, font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("statement: unable to read font %s: %w", name, err)
	}
	sf := &simpleFont{name: name, file: strings.ToLower(name) + ".z", ttf: ttf, gids: map[rune]uint16{}, widths: map[rune]int{}}
	// Every character of the Basic Multilingual Plane the font maps.
	for r := rune(32); r < 0x10000; r++ {
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			continue
		}
		adv, err := f.GlyphAdvance(&buf, gi, ppem, font.HintingNone)
		if err != nil {
			continue
		}
		sf.widths[r] = adv.Round()
		sf.gids[r] = uint16(gi)
	}
	sf.missing = sf.widths[' ']
	// The font descriptor, as fpdf's font definition files write it.
	sf.desc = map[string]any{
		"Ascent":       m.Ascent.Round(),
		"Descent":      -m.Descent.Round(),
		"CapHeight":    m.CapHeight.Round(),
		"Flags":        32, // nonsymbolic: glyphs are found by name through the Unicode cmap
		"FontBBox":     map[string]int{"Xmin": b.Min.X.Floor(), "Ymin": -b.Max.Y.Ceil(), "Xmax": b.Max.X.Ceil(), "Ymax": -b.Min.Y.Floor()},
		"ItalicAngle":  0,
		"StemV":        stem,
		"MissingWidth": sf.missing,
	}
	return sf, nil
}

// encoding maps the characters of one document to single-byte codes.
type encoding struct {
	code  map[rune]byte
	runes []rune // the characters beyond ASCII, in code order
}

// newEncoding gives each character of texts beyond ASCII a code, or
// reports false when there are too many, or one the fonts lack.
func newEncoding(texts []string) (*encoding, bool) {
	set := map[rune]bool{}
	for _, t := range texts {
		for _, r := range t {
			if r == '\n' || (r >= 32 && r < 127) {
				continue
			}
			set[r] = true
		}
	}
	if len(set) > 256-firstExtra {
		return nil, false
	}
	e := &encoding{code: map[rune]byte{}}
	for r := range set {
		for _, f := range simpleFonts {
			if _, ok := f.widths[r]; !ok {
				return nil, false
			}
		}
		e.runes = append(e.runes, r)
	}
	slices.Sort(e.runes)
	for i, r := range e.runes {
		e.code[r] = byte(firstExtra + i)
	}
	return e, true
}

// text encodes s in the document's codes.
func (e *encoding) text(s string) string {
	var b strings.Builder
	for _, r := range s {
		if c, ok := e.code[r]; ok {
			b.WriteByte(c)
		} else if r < 128 {
			b.WriteByte(byte(r))
		} else {
			b.WriteByte('?') // not gathered by fontsFor: a mistake, never a wrong letter
		}
	}
	return b.String()
}

// add registers both Go fonts under family with this document's encoding.
func (e *encoding) add(pdf *fpdf.Fpdf, family string) error {
	var diff strings.Builder
	if len(e.runes) > 0 {
		fmt.Fprintf(&diff, "%d", firstExtra)
		for _, r := range e.runes {
			fmt.Fprintf(&diff, " /uni%04X", r)
		}
	}
	for i, style := range []string{"", "B"} {
		f := simpleFonts[i]
		cw := make([]int, 256)
		for c := range 256 {
			cw[c] = f.missing
			if c >= 32 && c < firstExtra {
				if w, ok := f.widths[rune(c)]; ok {
					cw[c] = w
				}
			}
		}
		for j, r := range e.runes {
			cw[firstExtra+j] = f.widths[r]
		}
		def := map[string]any{
			"Tp": "TrueType", "Name": f.name, "Desc": f.desc, "Up": -100, "Ut": 50,
			"Cw": cw, "Enc": "psti", "Diff": diff.String(), "File": f.file,
		}
		file, err := f.subset(e.runes)
		if err != nil {
			return err
		}
		def["OriginalSize"] = file.size
		js, err := json.Marshal(def)
		if err != nil {
			return err
		}
		pdf.AddFontFromBytes(family, style, js, file.z)
	}
	return pdf.Error()
}

// cannotPrint returns the characters of text that the statement's fonts
// have no glyph for (CJK scripts, for example), each once, or "" when
// every one prints. Line breaks and tabs are not printed as glyphs.
func cannotPrint(text string) string {
	loadSimpleFonts()
	if simpleErr != nil {
		return ""
	}
	var out []rune
	for _, r := range text {
		if r < 32 {
			continue
		}
		_, regular := simpleFonts[0].widths[r]
		_, bold := simpleFonts[1].widths[r]
		if (!regular || !bold) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return string(out)
}
