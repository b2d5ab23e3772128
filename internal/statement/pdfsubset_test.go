package statement

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// TestFontCut: a document's font keeps the outline of every character
// it can print (printable ASCII and its own characters beyond it, with
// the pieces of composite glyphs such as "Ł" and "ó") exactly as the
// whole font has it, empties the others, and is a valid TrueType font;
// the same characters give the same cut, kept once.
func TestFontCut(t *testing.T) {
	loadSimpleFonts()
	if simpleErr != nil {
		t.Fatal(simpleErr)
	}
	extra := []rune("ßóźŁë•")
	for _, f := range simpleFonts {
		file, err := f.subset(extra)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zlib.NewReader(bytes.NewReader(file.z))
		if err != nil {
			t.Fatal(err)
		}
		ttf, err := io.ReadAll(zr)
		if err != nil || len(ttf) != file.size {
			t.Fatalf("%s: %d bytes, %v; want %d", f.name, len(ttf), err, file.size)
		}
		if len(ttf) > len(f.ttf)/2 {
			t.Errorf("%s: cut to %d of %d bytes", f.name, len(ttf), len(f.ttf))
		}
		if checksum(ttf) != 0xB1B0AFBA {
			t.Errorf("%s: the font's checksum is %x", f.name, checksum(ttf))
		}
		whole, err := sfnt.Parse(f.ttf)
		if err != nil {
			t.Fatal(err)
		}
		cut, err := sfnt.Parse(ttf)
		if err != nil {
			t.Fatalf("%s: the cut font cannot be read: %v", f.name, err)
		}
		var buf sfnt.Buffer
		outline := func(fnt *sfnt.Font, r rune) int {
			gi, err := fnt.GlyphIndex(&buf, r)
			if err != nil || gi == 0 {
				t.Fatalf("%s: no glyph for %q: %v", f.name, r, err)
			}
			segs, err := fnt.LoadGlyph(&buf, gi, fixed.I(1000), nil)
			if err != nil {
				t.Fatalf("%s: glyph for %q: %v", f.name, r, err)
			}
			return len(segs)
		}
		for _, r := range append([]rune("!AZaz09~"), extra...) {
			if w, c := outline(whole, r), outline(cut, r); w != c || c == 0 {
				t.Errorf("%s: %q has %d segments, %d in the whole font", f.name, r, c, w)
			}
		}
		if n := outline(cut, 'Ж'); n != 0 {
			t.Errorf("%s: Ж, which the document does not use, kept its outline (%d segments)", f.name, n)
		}
		again, err := f.subset(extra)
		if err != nil || &again.z[0] != &file.z[0] {
			t.Errorf("%s: the same characters were cut again", f.name)
		}
	}
}
