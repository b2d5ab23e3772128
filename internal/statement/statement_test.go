package statement

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/psti"
)

// complete is a statement with every field: two manufacturers with
// non-ASCII addresses, three batches, one requirement met by a standard.
func complete() *Statement {
	return &Statement{
		ProductType: "Video doorbell", Model: "AC-200",
		Batches: []string{"B-2026-01", "B-2026-02", "serial numbers AC200-0001000 to AC200-0009999"},
		Manufacturers: []Party{
			{Name: "Acme Devices Ltd", Address: "1 High Street\nLondon\nEC1A 1AA"},
			{Name: "Fabryka Łódź sp. z o.o.", Address: "ul. Piotrkowska 1\n90-001 Łódź\nPoland"},
		},
		Representatives: []Party{{Name: "Vertreter GmbH", Address: "Hauptstraße 5\n10115 Berlin"}},
		Claims: []Claim{
			{Paragraph: 1, Route: RouteRequirement},
			{Paragraph: 2, Route: RouteDeemed, Standards: []Standard{{Number: "ETSI EN 303 645", Version: "V2.1.1", Issued: "2020-06", Provisions: "5.2-1"}}},
			{Paragraph: 3, Route: RouteRequirement},
		},
		SupportEnd: "2030-03-31",
		Signatory:  Signatory{Name: "Zoë Brontë", Function: "Head of Product Security"},
		Place:      "London", Issued: "2026-12-07",
	}
}

func fields(err error) map[string]string {
	out := map[string]string{}
	for _, f := range psti.ErrorFields(err) {
		out[f.Field] = f.Message
	}
	return out
}

// TestEveryMandatoryField: a complete statement passes; dropping any one
// mandatory field (Schedule 4 paragraph 1) is refused with that field
// named, in plain words.
func TestEveryMandatoryField(t *testing.T) {
	if err := complete().Validate(); err != nil {
		t.Fatalf("a complete statement was refused: %v %v", err, fields(err))
	}
	for _, tc := range []struct {
		name  string
		drop  func(s *Statement)
		field string
		says  string
	}{
		{"product type (F1)", func(s *Statement) { s.ProductType = "" }, "product_type", "product type is required"},
		{"model (F1)", func(s *Statement) { s.Model = "" }, "model", "model is required"},
		{"batch (F1)", func(s *Statement) { s.Batches = nil }, "batches", "at least one batch"},
		{"a blank batch (F1)", func(s *Statement) { s.Batches[1] = "" }, "batches[1]", "is required"},
		{"manufacturer (F2)", func(s *Statement) { s.Manufacturers = nil }, "manufacturers", "Name the manufacturer of AC-200"},
		{"second manufacturer's address (F2)", func(s *Statement) { s.Manufacturers[1].Address = " " }, "manufacturers[1].address", "The address of Fabryka Łódź sp. z o.o. is missing"},
		{"manufacturer's name (F2)", func(s *Statement) { s.Manufacturers[0].Name = "" }, "manufacturers[0].name", "name is required"},
		{"representative's address (F2)", func(s *Statement) { s.Representatives[0].Address = "" }, "representatives[0].address", "authorised representative's address"},
		{"a requirement's declaration (F4)", func(s *Statement) { s.Claims = s.Claims[:2] }, "claims", "Information on minimum security update periods"},
		{"the route of a declaration (F4)", func(s *Statement) { s.Claims[0].Route = "" }, "claims[0]", "Say how Passwords"},
		{"the standard relied on (F5)", func(s *Statement) { s.Claims[1].Standards = nil }, "claims[1]", "name the standard"},
		{"the standard's number (F5)", func(s *Statement) { s.Claims[1].Standards[0].Number = "" }, "claims[1].standards[0].number", "identification number is required"},
		{"the standard's version (F5)", func(s *Statement) { s.Claims[1].Standards[0].Version = "" }, "claims[1].standards[0].version", "version is required"},
		{"the standard's date of issue (F5)", func(s *Statement) { s.Claims[1].Standards[0].Issued = "" }, "claims[1].standards[0].issued", "date of issue"},
		{"support period (F6)", func(s *Statement) { s.SupportEnd = "" }, "support_end", "defined support period of AC-200 is missing"},
		{"support period not a date (F6)", func(s *Statement) { s.SupportEnd = "5 years" }, "support_end", "YYYY-MM-DD"},
		{"support period a draft (F6)", func(s *Statement) { s.SupportDraft = true }, "support_end", "the support period of AC-200 is a draft; publish it first"},
		{"signatory's name (F7)", func(s *Statement) { s.Signatory.Name = "" }, "signatory.name", "signatory's name is required"},
		{"signatory's function (F7)", func(s *Statement) { s.Signatory.Function = "" }, "signatory.function", "function (job title) is required"},
		{"place of issue (F8)", func(s *Statement) { s.Place = "" }, "place", "place of issue is required"},
		{"date of issue (F8)", func(s *Statement) { s.Issued = "" }, "issued", "date of issue is missing"},
		{"issued after the support end", func(s *Statement) { s.Issued = "2030-04-01" }, "issued", "issue date (1 April 2030) is after the support end date (31 March 2030)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := complete()
			tc.drop(s)
			err := s.Validate()
			if psti.ErrorCode(err) != psti.EINVALID {
				t.Fatalf("issuing without it was not refused: %v", err)
			}
			got := fields(err)
			msg, ok := got[tc.field]
			if !ok {
				t.Fatalf("refused, but %s is not named: %v", tc.field, got)
			}
			if !strings.Contains(strings.ToLower(msg), strings.ToLower(tc.says)) {
				t.Fatalf("%s: %q does not say %q", tc.field, msg, tc.says)
			}
			if len(got) != 1 {
				t.Fatalf("one field dropped, %d named: %v", len(got), got)
			}
		})
	}
}

// TestEveryProblemAtOnce: a statement with several gaps names them all.
func TestEveryProblemAtOnce(t *testing.T) {
	s := complete()
	s.Model, s.Place, s.Signatory = "", "", Signatory{}
	got := fields(s.Validate())
	for _, f := range []string{"model", "place", "signatory.name", "signatory.function"} {
		if _, ok := got[f]; !ok {
			t.Errorf("%s not named among %v", f, got)
		}
	}
}

// TestDeclaration: the words of PSTI-SOC-F3/F4 follow who makes it.
func TestDeclaration(t *testing.T) {
	s := complete()
	if d := s.Declaration(); !strings.Contains(d, "prepared by the manufacturers, acting jointly") || !strings.Contains(d, "in the opinion of each manufacturer") {
		t.Fatalf("joint: %s", d)
	}
	s.Manufacturers, s.OnBehalf = s.Manufacturers[:1], true
	if d := s.Declaration(); !strings.Contains(d, "prepared on behalf of the manufacturer.") || !strings.Contains(d, "in the manufacturer's opinion") {
		t.Fatalf("on behalf: %s", d)
	}
}

// TestKeepUntil: the longer of 10 years beginning with the issue date and
// the support period (PSTI-SOC-05), never a day short.
func TestKeepUntil(t *testing.T) {
	d := func(s string) time.Time {
		t, err := psti.ParseDate(s)
		if err != nil {
			panic(err)
		}
		return t
	}
	for _, c := range []struct{ issued, end, want string }{
		{"2026-12-07", "2030-03-31", "2036-12-06"}, // ten years win
		{"2026-12-07", "2040-01-31", "2040-01-31"}, // the support period wins
		{"2026-12-07", "2036-12-06", "2036-12-06"},
		{"2026-12-07", "2036-12-07", "2036-12-07"},
		{"2028-02-29", "2030-01-01", "2038-02-28"}, // from a leap day
		{"2026-03-01", "2030-01-01", "2036-02-29"}, // into a leap year
	} {
		if got := KeepUntil(d(c.issued), d(c.end)).Format(time.DateOnly); got != c.want {
			t.Errorf("issued %s, support until %s: keep until %s, want %s", c.issued, c.end, got, c.want)
		}
	}
}

// TestPinnedStandards: deemed compliance relies on the versions the
// Regulations name (PSTI-R-03): ETSI EN 303 645 V2.1.1 and ISO/IEC
// 29147:2018. A later edition is not deemed compliance, and is refused at
// the version's field, saying which version is.
func TestPinnedStandards(t *testing.T) {
	for _, c := range []struct {
		number, version string
		ok              bool
	}{
		{"ETSI EN 303 645", "V2.1.1", true},
		{"ETSI EN 303 645", "v2.1.1", true},
		{"ETSI EN 303645", "V3.1.3", false},
		{"EN 303 645", "V2.1.0", false},
		{"ISO/IEC 29147", "2018", true},
		{"ISO/IEC 29147", "ISO/IEC 29147:2018", true},
		{"ISO/IEC 29147", "2014", false},
		{"JC-STAR STAR-1", "JST-CR-01-01-2024R1", true},
		{"ETSI EN 303-645", "V3.1.3", false},
	} {
		s := complete()
		s.Claims[1].Standards = []Standard{{Number: c.number, Version: c.version, Issued: "2020-06"}}
		got := fields(s.Validate())
		msg, refused := got["claims[1].standards[0].version"]
		if refused == c.ok || (refused && !strings.Contains(msg, "the version the Regulations name")) {
			t.Errorf("%s %s: %v", c.number, c.version, got)
		}
	}
}

// TestRecognisedStandards: Schedule 2 deems each paragraph met only by
// what it names (PSTI-DC-01 to DC-03): ISO/IEC 29147 only for reporting
// security issues, never an unrelated standard; and a pinned standard
// carries its own date of issue.
func TestRecognisedStandards(t *testing.T) {
	for _, c := range []struct {
		par             int
		number, issued  string
		field, mentions string
	}{
		{2, "ISO/IEC 29147", "2018-10", "", ""},
		{1, "ISO/IEC 29147", "2018-10", "number", "is not one of them"},
		{3, "ISO 27001", "2022-10", "number", "ETSI EN 303 645 V2.1.1, or a current JC-STAR"},
		{2, "My own standard", "2099-01", "number", "ISO/IEC 29147:2018"},
		{3, "ETSI EN 303 645", "2024-01", "issued", "was issued in June 2020"},
		{1, "Singapore CLS", "2025-04", "", ""},
	} {
		s := complete()
		s.Claims[c.par-1] = Claim{Paragraph: c.par, Route: RouteDeemed, Standards: []Standard{{Number: c.number, Version: map[bool]string{true: "2018", false: "V2.1.1"}[strings.Contains(c.number, "29147")], Issued: c.issued}}}
		got := fields(s.Validate())
		key := fmt.Sprintf("claims[%d].standards[0].%s", c.par-1, c.field)
		if c.field == "" {
			if len(got) != 0 {
				t.Errorf("%s for paragraph %d: %v", c.number, c.par, got)
			}
			continue
		}
		if !strings.Contains(got[key], c.mentions) {
			t.Errorf("%s for paragraph %d: %v, want %s to say %q", c.number, c.par, got, key, c.mentions)
		}
	}
}

// TestPrintable: a name the printed statement would show as empty boxes
// (the fonts have no CJK glyphs) is refused at its field, saying which
// characters; Latin, Greek and Cyrillic names print.
func TestPrintable(t *testing.T) {
	s := complete()
	s.Manufacturers[0].Name = "株式会社サンプル"
	s.Manufacturers[1].Address = "ul. Piotrkowska 1\n90-001 Łódź\nΑθήνα, Москва"
	got := fields(s.Validate())
	if msg := got["manufacturers[0].name"]; !strings.Contains(msg, "株式会社サンプル") || !strings.Contains(msg, "cannot show") {
		t.Fatalf("a Japanese name: %v", got)
	}
	if len(got) != 1 {
		t.Fatalf("more than the Japanese name refused: %v", got)
	}
}

// TestDeemedProvisions: where a declaration names the provisions relied
// on, they must be those Schedule 2 names for the paragraph, all of them
// (PSTI-DC-01 to DC-03): ISO/IEC 29147 6.2.2 alone does not deem reporting
// met, nor does ETSI 5.2-1 deem passwords met.
func TestDeemedProvisions(t *testing.T) {
	for _, c := range []struct {
		par                     int
		number, version, issued string
		provisions              string
		missing                 string // "" when accepted
	}{
		{2, "ISO/IEC 29147", "2018", "2018-10", "6.2.2, 6.2.5, 6.5", ""},
		{2, "ISO/IEC 29147", "2018", "2018-10", "6.2.2", "6.2.5, 6.5"},
		{2, "ISO/IEC 29147", "2018", "2018-10", "", ""},
		{1, "ETSI EN 303 645", "V2.1.1", "2020-06", "5.1-1, 5.1-2", ""},
		{1, "ETSI EN 303 645", "V2.1.1", "2020-06", "5.2-1", "5.1-1"},
		{1, "ETSI EN 303 645", "V2.1.1", "2020-06", "5.1-10", "5.1-1"},
		{3, "ETSI EN 303 645", "V2.1.1", "2020-06", "5.3-13", ""},
		{3, "ETSI EN 303 645", "V2.1.1", "2020-06", "5.3-1", "5.3-13"},
	} {
		s := complete()
		s.Claims[c.par-1] = Claim{Paragraph: c.par, Route: RouteDeemed, Standards: []Standard{{Number: c.number, Version: c.version, Issued: c.issued, Provisions: c.provisions}}}
		got := fields(s.Validate())
		msg := got[fmt.Sprintf("claims[%d].standards[0].provisions", c.par-1)]
		if c.missing == "" && len(got) != 0 {
			t.Errorf("%s %q for paragraph %d refused: %v", c.number, c.provisions, c.par, got)
		}
		if c.missing != "" && !strings.Contains(msg, "do not name "+c.missing) {
			t.Errorf("%s %q for paragraph %d: %q, want it to say %s is missing", c.number, c.provisions, c.par, msg, c.missing)
		}
	}
}
