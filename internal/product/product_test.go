package product

import (
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/psti/psti/internal/psti"
)

func TestValidGTIN(t *testing.T) {
	for _, c := range []struct {
		code string
		ok   bool
	}{
		{"4006381333931", true},   // GTIN-13 (EAN-13)
		{"4006381333932", false},  // wrong check digit
		{"96385074", true},        // GTIN-8
		{"036000291452", true},    // GTIN-12 (UPC-A)
		{"10036000291459", true},  // GTIN-14
		{"00000000000000", true},  // all zeros has a valid check digit
		{"400638133393", false},   // 12 digits, wrong check
		{"400638133393A", false},  // letter
		{"4006381333931 ", false}, // space
		{"", false},
		{"1234567", false}, // 7 digits
		{"٤٠٠٦٣٨١٣٣٣٩٣١", false},
	} {
		if got := ValidGTIN(c.code); got != c.ok {
			t.Errorf("ValidGTIN(%q) = %v, want %v", c.code, got, c.ok)
		}
	}
}

// FuzzValidGTIN checks ValidGTIN against a second, plainly written
// implementation of the GS1 check digit.
func FuzzValidGTIN(f *testing.F) {
	for _, s := range []string{"4006381333931", "96385074", "036000291452", "10036000291459", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := false
		if n := len(s); (n == 8 || n == 12 || n == 13 || n == 14) && strings.Trim(s, "0123456789") == "" {
			sum := 0
			// Weights alternate 3,1,3,… from the digit left of the check digit.
			for i := 0; i < n-1; i++ {
				w := 1
				if (n-1-i)%2 == 1 {
					w = 3
				}
				sum += int(s[i]-'0') * w
			}
			want = (10-sum%10)%10 == int(s[n-1]-'0')
		}
		if got := ValidGTIN(s); got != want {
			t.Fatalf("ValidGTIN(%q) = %v, want %v", s, got, want)
		}
	})
}

func fields(err error) []string {
	var out []string
	for _, f := range psti.ErrorFields(err) {
		out = append(out, f.Field)
	}
	return out
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name   string
		err    error
		fields []string
	}{
		{"good product", (&Product{BrandID: 1, Name: "Doorbell", Type: "doorbell", ModelNumber: "DB1",
			Identifiers: []Identifier{{SchemeGTIN, "4006381333931"}, {SchemeSKU, "x"}}, ManufacturerIDs: []int64{1, 2}}).Validate(), nil},
		{"everything missing", (&Product{}).Validate(), []string{"brand_id", "name", "type", "model_number"}},
		{"duplicate identifier", (&Product{BrandID: 1, Name: "N", Type: "T", ModelNumber: "M",
			Identifiers: []Identifier{{SchemeSKU, "a"}, {SchemeSKU, "a"}}}).Validate(), []string{"identifiers[1]"}},
		{"unknown scheme", (&Product{BrandID: 1, Name: "N", Type: "T", ModelNumber: "M",
			Identifiers: []Identifier{{"isbn", "a"}}}).Validate(), []string{"identifiers[0]"}},
		{"manufacturer twice", (&Product{BrandID: 1, Name: "N", Type: "T", ModelNumber: "M", ManufacturerIDs: []int64{3, 3}}).Validate(), []string{"manufacturer_ids"}},
		{"good batch", (&Batch{ProductID: 1, Code: "B", FirstProduced: "2026-01-01", LastProduced: "2026-01-01", Quantity: 5}).Validate(), nil},
		{"batch backwards", (&Batch{ProductID: 1, Code: "B", FirstProduced: "2026-01-02", LastProduced: "2026-01-01"}).Validate(), []string{"last_produced"}},
		{"batch bad dates", (&Batch{ProductID: 1, Code: "B", FirstProduced: "2026-02-30", LastProduced: "01/01/2026"}).Validate(), []string{"first_produced", "last_produced"}},
		{"batch huge quantity", (&Batch{ProductID: 1, Code: "B", Quantity: MaxQuantity + 1}).Validate(), []string{"quantity"}},
		{"version", (&Version{ProductID: 1, Component: "firmware", Version: "1", ReleasedOn: "2026-1-1"}).Validate(), []string{"released_on"}},
		{"organisation", (&Organisation{LegalName: "A", Address: "line 1\nline 2", Website: "ftp://x"}).Validate(), []string{"website"}},
		{"manufacturer with a bidi override", (&Manufacturer{Name: "M\u202eoc", Address: "A"}).Validate(), []string{"name"}},
		{"brand", (&Brand{Name: "B"}).Validate(), []string{"organisation_id"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := fields(c.err)
			if strings.Join(got, ",") != strings.Join(c.fields, ",") {
				t.Fatalf("fields %v, want %v (%v)", got, c.fields, c.err)
			}
			if c.fields != nil && psti.ErrorCode(c.err) != psti.EINVALID {
				t.Fatalf("code %q", psti.ErrorCode(c.err))
			}
		})
	}
}

// TestOrganisationColour: an organisation's colour is #rrggbb, and dark
// enough that white text on it reads at 4.5:1 (WCAG 1.4.3).
func TestOrganisationColour(t *testing.T) {
	for _, c := range []struct {
		colour string
		want   string // part of the message, "" for accepted
	}{
		{"", ""},
		{"#14243b", ""},
		{"#0b5cad", ""},
		{"#767676", ""}, // 4.54:1, the lightest grey that passes
		{"#777777", "4.4:1"},
		{"#ffdd00", "darker"},
		{"#ffffff", "1.0:1"},
		{"14243b", "6 hexadecimal digits"},
		{"#14243", "6 hexadecimal digits"},
		{"#14243g", "6 hexadecimal digits"},
		{"#+14243", "6 hexadecimal digits"},
		{"red", "6 hexadecimal digits"},
	} {
		o := &Organisation{LegalName: "Acme", Address: "1 High Street", BrandColour: c.colour}
		err := o.Validate()
		if c.want == "" {
			if err != nil {
				t.Errorf("%q refused: %v", c.colour, err)
			}
			continue
		}
		fe := psti.ErrorFields(err)
		if len(fe) != 1 || fe[0].Field != "brand_colour" || !strings.Contains(fe[0].Message, c.want) {
			t.Errorf("%q: %v, want a message on brand_colour saying %q", c.colour, err, c.want)
		}
	}
}

// TestCheckLogo: a logo is a PNG or JPEG image, small and of sensible
// size, whatever its upload claims; SVG (which can carry scripts), GIF and
// damaged images are refused.
func TestCheckLogo(t *testing.T) {
	encode := func(w, h int, enc func(io.Writer, image.Image) error) []byte {
		var b bytes.Buffer
		if err := enc(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	pngOf := func(w, h int) []byte { return encode(w, h, png.Encode) }
	jpegOf := func(w, h int) []byte {
		return encode(w, h, func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) })
	}
	gifOf := func(w, h int) []byte {
		return encode(w, h, func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) })
	}
	damaged := pngOf(40, 40)
	damaged = damaged[:len(damaged)-20]
	for _, c := range []struct {
		name string
		data []byte
		typ  string // "" for refused
		msg  string
	}{
		{"png", pngOf(120, 40), "image/png", ""},
		{"jpeg", jpegOf(120, 40), "image/jpeg", ""},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "", "not a PNG or JPEG"},
		{"gif", gifOf(10, 10), "", "not a PNG or JPEG"},
		{"too wide", pngOf(MaxLogoSide+1, 1), "", "2001 by 1 pixels"},
		{"too large", append(pngOf(10, 10), make([]byte, MaxLogoBytes)...), "", "at most 100 kB"},
		{"damaged", damaged, "", "damaged"},
		{"empty", nil, "", "Choose an image"},
	} {
		typ, err := CheckLogo(c.data)
		if typ != c.typ || (c.msg == "" && err != nil) || (c.msg != "" && (err == nil || !strings.Contains(psti.ErrorFields(err)[0].Message, c.msg))) {
			t.Errorf("%s: %q, %v", c.name, typ, err)
		}
	}
}
