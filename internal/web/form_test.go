package web

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

func TestParseIdentifiers(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []product.Identifier
		err  bool
	}{
		{"", nil, false},
		{"gtin 4006381333931", []product.Identifier{{Scheme: "gtin", Value: "4006381333931"}}, false},
		{"  EAN   4006381333931  \r\n\nSKU AB-12", []product.Identifier{{Scheme: "gtin", Value: "4006381333931"}, {Scheme: "sku", Value: "AB-12"}}, false},
		{"4006381333931", []product.Identifier{{Scheme: "gtin", Value: "4006381333931"}}, false},
		{"mpn part number with spaces", []product.Identifier{{Scheme: "mpn", Value: "part number with spaces"}}, false},
		{"AB-12", nil, true},
	} {
		got, err := parseIdentifiers(c.in)
		if (err != nil) != c.err || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseIdentifiers(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	// What the form shows parses back to the same list.
	ids := []product.Identifier{{Scheme: "gtin", Value: "4006381333931"}, {Scheme: "other", Value: "x y"}}
	if back, err := parseIdentifiers(formatIdentifiers(ids)); err != nil || !reflect.DeepEqual(back, ids) {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/admin/products?x=1":   "/admin/products?x=1",
		"":                      "/admin",
		"https://evil.example":  "/admin",
		"//evil.example/path":   "/admin",
		"/\\evil.example":       "/admin",
		"/ok\r\nSet-Cookie: x=": "/admin",
		"admin":                 "/admin",
		"/\t/evil.example":      "/admin",
		"/%09/evil.example":     "/%09/evil.example",
		"/x\x7f":                "/admin",
		"/admin?next=//x":       "/admin?next=//x",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzForms feeds every form decoder whatever a browser (or anyone) might
// post. Decoding must never panic; what it accepts must be what was sent,
// trimmed; and a decoded record's Validate must not panic either.
func FuzzForms(f *testing.F) {
	f.Add("legal_name=Acme&address=1+High+St&website=https%3A%2F%2Fa.example")
	f.Add("brand_id=1&name=N&type=T&model_number=M&manufacturer_ids=1&manufacturer_ids=2&identifiers=gtin+4006381333931%0D%0Asku+x")
	f.Add("product_id=abc&quantity=1%2C000&first_produced=2026-01-01&revision=-1")
	f.Add("identifiers=%00%0A%0A+&manufacturer_ids=x")
	f.Add("route=label&label_scheme=sg-cls&label_id=C-1&label_expires-day=31&label_expires-month=3&label_expires-year=2030&status=met&revision=0")
	f.Add("route=provision&standard=ETSI+EN+303+645&provisions=5.1-1&status=not_applicable&reason=%00&revision=x")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		check := func(rec interface{ Validate() error }, err error) {
			if err != nil && psti.ErrorCode(err) != psti.EINVALID {
				t.Fatalf("decoder error with code %q: %v", psti.ErrorCode(err), err)
			}
			_ = rec.Validate()
		}
		o, err := decodeOrganisation(v, 1)
		check(o, err)
		if err == nil && o.LegalName != strings.TrimSpace(v.Get("legal_name")) {
			t.Fatalf("legal name %q from %q", o.LegalName, v.Get("legal_name"))
		}
		m, err := decodeManufacturer(v, 1)
		check(m, err)
		b, err := decodeBrand(v, 1)
		check(b, err)
		p, err := decodeProduct(v, 1)
		check(p, err)
		if err == nil && len(p.ManufacturerIDs) != len(v["manufacturer_ids"]) {
			t.Fatalf("manufacturers %v from %v", p.ManufacturerIDs, v["manufacturer_ids"])
		}
		ver, err := decodeVersion(v, 1)
		check(ver, err)
		bt, err := decodeBatch(v, 1)
		check(bt, err)
		// An assessment row, against each requirement it may be for.
		row, err := decodeRow(v, 1, "PSTI-PW-01")
		if err != nil && psti.ErrorCode(err) != psti.EINVALID {
			t.Fatalf("row decoder error with code %q: %v", psti.ErrorCode(err), err)
		}
		for _, req := range catalog.DefaultCatalogue().Assessed() {
			r := *row
			if err := r.Validate(&req); err == nil && (r.Route == assessment.RouteLabel) != (r.LabelExpires != "") {
				t.Fatalf("a row accepted with route %q and expiry %q", r.Route, r.LabelExpires)
			}
		}
	})
}

// TestTokenFormChoosesOnlyUser: with one user, a new token acts for that
// user unless changed; with two, the person chooses.
func TestTokenFormChoosesOnlyUser(t *testing.T) {
	ada := &auth.User{Email: "ada@example.com", Role: auth.Admin}
	if v := tokenForm([]*auth.User{ada}).field("user_email").Value; v != "ada@example.com" {
		t.Errorf("with one user, the token form chooses %q", v)
	}
	bob := &auth.User{Email: "bob@example.com", Role: auth.Editor}
	if v := tokenForm([]*auth.User{ada, bob}).field("user_email").Value; v != "" {
		t.Errorf("with two users, the token form chooses %q", v)
	}
}
