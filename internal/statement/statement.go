// Package statement holds statements of compliance (PSTI-SOC-*): what
// Schedule 4 of the Security Requirements Regulations says one must
// contain, how long it must be kept, and the check that every mandatory
// field is there before a statement may be issued. It is pure: the store
// keeps statements, and renderings are made from what this package holds.
package statement

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/psti"
)

// Limits on text fields.
const (
	MaxName    = 200
	MaxAddress = 1000
	MaxText    = 2000
	MaxParties = 20
	MaxBatches = 200
)

// Party is a manufacturer or authorised representative named on a
// statement, with the address the law asks for (PSTI-SOC-F2): for a
// company, its registered office.
type Party struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// How a statement declares that the manufacturer complied with each
// Schedule 1 requirement (PSTI-SOC-F4): with the requirement itself, or
// with the Schedule 2 deemed-compliance conditions, which for a standard
// name its number, version and date of issue (PSTI-SOC-F5).
const (
	RouteRequirement = "requirement" // Schedule 1 met as such
	RouteDeemed      = "deemed"      // Schedule 2 deemed-compliance conditions
)

// Paragraphs are the three security requirements of Schedule 1, by
// paragraph: default passwords, reporting security issues, and the defined
// support period.
var Paragraphs = []Paragraph{
	{1, "Passwords (Schedule 1, paragraph 1)"},
	{2, "How to report security issues (Schedule 1, paragraph 2)"},
	{3, "Information on minimum security update periods (Schedule 1, paragraph 3)"},
}

// Paragraph is one Schedule 1 requirement.
type Paragraph struct {
	Number int
	Title  string
}

// Standard is a standard relied on for deemed compliance (PSTI-SOC-F5),
// e.g. ETSI EN 303 645, V2.1.1, issued 2020-06, provisions 5.1-1, 5.1-2.
type Standard struct {
	Number     string `json:"number"`
	Version    string `json:"version"`
	Issued     string `json:"issued"` // YYYY-MM or YYYY-MM-DD, as the standard gives it
	Provisions string `json:"provisions,omitempty"`
}

// Claim is the declaration for one Schedule 1 requirement.
type Claim struct {
	Paragraph int        `json:"paragraph"`
	Route     string     `json:"route" enum:"requirement,deemed"`
	Standards []Standard `json:"standards,omitempty"`
}

// Signatory is who signs the statement (PSTI-SOC-F7): the signature
// itself is the rendering's.
type Signatory struct {
	Name     string `json:"name"`
	Function string `json:"function"`
}

// Statement is the content of a statement of compliance, field by field
// as Schedule 4 paragraph 1 lists it.
type Statement struct {
	// ProductType and Model identify the product type, and Batches the
	// batches, ranges or serial numbers it covers (PSTI-SOC-F1).
	ProductType string   `json:"product_type"`
	Model       string   `json:"model"`
	Batches     []string `json:"batches"`
	// Manufacturers are every manufacturer (one statement may be made by
	// several acting jointly, PSTI-SOC-09) and Representatives every
	// authorised representative, where there are any (PSTI-SOC-F2).
	Manufacturers   []Party `json:"manufacturers"`
	Representatives []Party `json:"representatives,omitempty"`
	// OnBehalf says the statement is prepared on behalf of the
	// manufacturer rather than by it (PSTI-SOC-F3, Act s.9(3)(a)).
	OnBehalf bool `json:"prepared_on_behalf"`
	// Claims is the declaration for each Schedule 1 requirement
	// (PSTI-SOC-F4, F5).
	Claims []Claim `json:"claims"`
	// SupportEnd is the end date of the defined support period that was
	// correct when the manufacturer first supplied the product
	// (PSTI-SOC-F6, PSTI-DSP-06), YYYY-MM-DD; SupportDraft says that
	// period is not yet published, which issuing refuses.
	SupportEnd   string    `json:"support_end"`
	SupportDraft bool      `json:"-"`
	Signatory    Signatory `json:"signatory"`
	// Place and Issued are where and when it is issued (PSTI-SOC-F8).
	Place  string `json:"place"`
	Issued string `json:"issued"`
	// Label, when set, makes this a record of the label route instead of
	// a statement (Schedule 2A, label.go): the product's accepted label
	// stands in for the statement while it has not expired.
	Label *Label `json:"label,omitempty"`
}

// Declaration is the sentence of PSTI-SOC-F3 and F4 as the statement
// prints it.
func (s *Statement) Declaration() string {
	who := "by the manufacturer"
	if len(s.Manufacturers) > 1 {
		who = "by the manufacturers, acting jointly"
	}
	if s.OnBehalf {
		who = strings.Replace(who, "by the", "on behalf of the", 1)
	}
	opinion := "in the manufacturer's opinion, it has"
	if len(s.Manufacturers) > 1 {
		opinion = "in the opinion of each manufacturer, it has"
	}
	return fmt.Sprintf("This statement of compliance is prepared %s. It states that, %s complied with the applicable security requirements of Schedule 1 to the Product Security and Telecommunications Infrastructure (Security Requirements for Relevant Connectable Products) Regulations 2023, or with the deemed compliance conditions of Schedule 2, as set out below.", who, opinion)
}

// Validate checks that every mandatory field is there and consistent, and
// reports every problem at once, each under the field it concerns, in
// plain words. model names the product in messages.
func (s *Statement) Validate() error {
	var p psti.Problems
	name := s.Model
	if name == "" {
		name = "the product"
	}
	// PSTI-SOC-F1
	p.Text("product_type", "The product type", s.ProductType, true, MaxName)
	p.Text("model", "The model", s.Model, true, MaxName)
	switch {
	case len(s.Batches) == 0:
		p.Add("batches", "Name at least one batch, range or set of serial numbers that the statement covers.")
	case len(s.Batches) > MaxBatches:
		p.Add("batches", "A statement may list at most %d batches.", MaxBatches)
	}
	seen := map[string]bool{}
	for i, b := range s.Batches {
		f := "batches[" + strconv.Itoa(i) + "]"
		p.Text(f, "A batch", b, true, MaxName)
		if seen[b] && b != "" {
			p.Add(f, "Batch %s is listed twice.", b)
		}
		seen[b] = true
	}
	// PSTI-SOC-F2
	switch {
	case len(s.Manufacturers) == 0:
		p.Add("manufacturers", "Name the manufacturer of %s, with its address: the law asks for each manufacturer's name and address.", name)
	case len(s.Manufacturers) > MaxParties:
		p.Add("manufacturers", "A statement may name at most %d manufacturers.", MaxParties)
	}
	parties := func(list string, what string, ps []Party) {
		for i, m := range ps {
			f := list + "[" + strconv.Itoa(i) + "]"
			p.Text(f+".name", "The "+what+"'s name", m.Name, true, MaxName)
			if strings.TrimSpace(m.Address) == "" && m.Name != "" {
				p.Add(f+".address", "The address of %s is missing: the law asks for each %s's address.", m.Name, what)
			} else {
				p.LongText(f+".address", "The "+what+"'s address", m.Address, true, MaxAddress)
			}
		}
	}
	parties("manufacturers", "manufacturer", s.Manufacturers)
	if len(s.Representatives) > MaxParties {
		p.Add("representatives", "A statement may name at most %d authorised representatives.", MaxParties)
	}
	parties("representatives", "authorised representative", s.Representatives)
	if s.Label == nil {
		s.validateClaims(&p)
	}
	// PSTI-SOC-F6: a label route record gives the period if the product
	// has one published, as every product must (Schedule 1 paragraph 3).
	end, endErr := psti.ParseDate(s.SupportEnd)
	switch {
	case s.SupportEnd == "" && s.Label != nil:
		endErr = errNoEnd
	case s.SupportEnd == "":
		p.Add("support_end", "The defined support period of %s is missing: the statement must give its end date.", name)
	case endErr != nil:
		p.Add("support_end", "The support period's end date must be a date written YYYY-MM-DD.")
	case s.SupportDraft:
		p.Add("support_end", "The support period of %s is a draft; publish it first.", name)
	}
	// PSTI-SOC-F7, F8: a label route record is not signed as a statement
	// is; who recorded it and where are kept if given.
	statement := s.Label == nil
	p.Text("signatory.name", "The signatory's name", s.Signatory.Name, statement, MaxName)
	p.Text("signatory.function", "The signatory's function (job title)", s.Signatory.Function, statement, MaxName)
	p.Text("place", "The place of issue", s.Place, statement, MaxName)
	issued, issuedErr := psti.ParseDate(s.Issued)
	switch {
	case s.Issued == "":
		p.Add("issued", "The date of issue is missing.")
	case issuedErr != nil:
		p.Add("issued", "The date of issue must be a date written YYYY-MM-DD.")
	case endErr == nil && issued.After(end):
		p.Add("issued", "The issue date (%s) is after the support end date (%s): a statement cannot promise security updates that have already ended.",
			psti.LongDate(issued), psti.LongDate(end))
	}
	if s.Label != nil {
		s.validateLabel(&p, issued, issuedErr == nil && s.Issued != "")
	}
	s.printable(&p)
	return p.Err()
}

// printable refuses text the printed copy could not show: a statement must
// accompany the product complete on paper, so a name or address the PDF's
// fonts print as empty boxes is asked for in characters they have
// (PSTI-SOC-F2).
func (s *Statement) printable(p *psti.Problems) {
	check := func(field, what, text string) {
		if bad := cannotPrint(text); bad != "" {
			p.Add(field, "%s holds characters the printed statement cannot show (%s): write it in Latin, Greek or Cyrillic letters, for example as registered in English.", what, bad)
		}
	}
	check("product_type", "The product type", s.ProductType)
	check("model", "The model", s.Model)
	for i, b := range s.Batches {
		check("batches["+strconv.Itoa(i)+"]", "A batch", b)
	}
	for _, l := range []struct {
		list, what string
		ps         []Party
	}{{"manufacturers", "The manufacturer's", s.Manufacturers}, {"representatives", "The authorised representative's", s.Representatives}} {
		for i, m := range l.ps {
			f := l.list + "[" + strconv.Itoa(i) + "]"
			check(f+".name", l.what+" name", m.Name)
			check(f+".address", l.what+" address", m.Address)
		}
	}
	for i, c := range s.Claims {
		for j, st := range c.Standards {
			g := "claims[" + strconv.Itoa(i) + "].standards[" + strconv.Itoa(j) + "]"
			check(g+".number", "The standard's number", st.Number)
			check(g+".version", "The standard's version", st.Version)
			check(g+".provisions", "The provisions", st.Provisions)
		}
	}
	check("signatory.name", "The signatory's name", s.Signatory.Name)
	check("signatory.function", "The signatory's function", s.Signatory.Function)
	check("place", "The place of issue", s.Place)
	if s.Label != nil {
		check("label.reference", "The label's number", s.Label.Reference)
	}
}

// errNoEnd stands for a support end date a label route record leaves out.
var errNoEnd = errors.New("no support end date")

// validateClaims checks the declaration for each Schedule 1 requirement.
func (s *Statement) validateClaims(p *psti.Problems) {
	// PSTI-SOC-F4, F5
	claimed := map[int]bool{}
	for i, c := range s.Claims {
		f := "claims[" + strconv.Itoa(i) + "]"
		if c.Paragraph < 1 || c.Paragraph > len(Paragraphs) {
			p.Add(f, "Schedule 1 has paragraphs 1 to %d; there is no paragraph %d.", len(Paragraphs), c.Paragraph)
			continue
		}
		if claimed[c.Paragraph] {
			p.Add(f, "%s is declared twice.", Paragraphs[c.Paragraph-1].Title)
		}
		claimed[c.Paragraph] = true
		switch c.Route {
		case RouteRequirement:
			if len(c.Standards) > 0 {
				p.Add(f, "%s is declared as met as such, yet names a standard: choose deemed compliance to rely on a standard.", Paragraphs[c.Paragraph-1].Title)
			}
		case RouteDeemed:
			if len(c.Standards) == 0 {
				p.Add(f, "%s relies on deemed compliance: name the standard, with its identification number, version and date of issue.", Paragraphs[c.Paragraph-1].Title)
			}
			for j, st := range c.Standards {
				g := f + ".standards[" + strconv.Itoa(j) + "]"
				p.Text(g+".number", "The standard's identification number", st.Number, true, MaxName)
				p.Text(g+".version", "The standard's version", st.Version, true, MaxName)
				if !issueDate(st.Issued) {
					p.Add(g+".issued", "The standard's date of issue is needed, written YYYY-MM or YYYY-MM-DD (for example 2020-06).")
				}
				p.Text(g+".provisions", "The provisions relied on", st.Provisions, false, MaxText)
				if !recognised(c.Paragraph, st.Number) && st.Number != "" {
					p.Add(g+".number", "Schedule 2 deems %s met only by %s; %s is not one of them.", Paragraphs[c.Paragraph-1].Title, recognisedText(c.Paragraph), st.Number)
				} else if miss := MissingProvisions(c.Paragraph, st.Number, st.Provisions); st.Provisions != "" && len(miss) > 0 {
					// PSTI-DC-01 to DC-03: the provisions Schedule 2 names
					// for the paragraph, all of them.
					p.Add(g+".provisions", "Schedule 2 deems %s met through %s only with provision %s; the provisions given do not name %s.",
						Paragraphs[c.Paragraph-1].Title, st.Number, strings.Join(RequiredProvisions(c.Paragraph, st.Number), ", "), strings.Join(miss, ", "))
				}
				pin := pinnedStandard(st.Number)
				if pin != nil && st.Version != "" && normVersion(st.Version) != normVersion(pin.Version) {
					p.Add(g+".version", "Schedule 2 deems compliance only with %s %s (%s), the version the Regulations name; version %s is not it. Rely on %s, or declare the requirement as met as such.",
						pin.Name, pin.Version, pin.Issued, st.Version, pin.Version)
				} else if pin != nil && issueDate(st.Issued) && !strings.HasPrefix(st.Issued, pin.year) {
					p.Add(g+".issued", "%s %s was issued in %s, not on %s.", pin.Name, pin.Version, pin.Issued, st.Issued)
				}
			}
		default:
			p.Add(f, "Say how %s is met: as such, or by the deemed compliance conditions.", Paragraphs[c.Paragraph-1].Title)
		}
	}
	for _, par := range Paragraphs {
		if !claimed[par.Number] {
			p.Add("claims", "The declaration for %s is missing: every Schedule 1 requirement must be declared.", par.Title)
		}
	}
}

// RequiredProvisions are the provisions of standard that Schedule 2 asks
// for Schedule 1 paragraph par: ETSI EN 303 645 5.1-1 for passwords
// (5.1-2 only where relevant, so not required here), 5.2-1 for reporting
// and 5.3-13 for the support period; ISO/IEC 29147:2018 6.2.2, 6.2.5 and
// 6.5 together for reporting (PSTI-DC-01 to DC-03).
func RequiredProvisions(par int, standard string) []string {
	n := strings.NewReplacer(" ", "", "/", "", "-", "").Replace(strings.ToUpper(standard))
	switch {
	case strings.Contains(n, "303645"):
		switch par {
		case 1:
			return []string{"5.1-1"}
		case 2:
			return []string{"5.2-1"}
		case 3:
			return []string{"5.3-13"}
		}
	case strings.Contains(n, "29147") && par == 2:
		return []string{"6.2.2", "6.2.5", "6.5"}
	}
	return nil
}

// MissingProvisions lists the required provisions that provisions, as
// typed ("5.1-1, 5.1-2"), does not name; "5.1-10" does not name 5.1-1.
func MissingProvisions(par int, standard, provisions string) []string {
	named := map[string]bool{}
	for _, f := range strings.FieldsFunc(provisions, func(c rune) bool {
		return !(c >= '0' && c <= '9' || c == '.' || c == '-')
	}) {
		named[strings.Trim(f, ".-")] = true
	}
	var miss []string
	for _, want := range RequiredProvisions(par, standard) {
		if !named[want] {
			miss = append(miss, want)
		}
	}
	return miss
}

// issueDate reports whether s is a standard's date of issue: YYYY-MM or
// YYYY-MM-DD.
func issueDate(s string) bool {
	if _, err := time.Parse("2006-01", s); err == nil && len(s) == 7 {
		return true
	}
	_, err := psti.ParseDate(s)
	return err == nil
}

// KeepUntil is the last day a statement issued on issued, stating a
// support period ending on supportEnd, must be kept: the later of the end
// of the 10 years beginning with its date of issue (the day before the
// tenth anniversary) and the end of the support period (PSTI-SOC-05; Regs
// regs 8 and 9, for the manufacturer and the importer).
func KeepUntil(issued, supportEnd time.Time) time.Time {
	tenYears := issued.AddDate(10, 0, -1)
	if supportEnd.After(tenYears) {
		return supportEnd
	}
	return tenYears
}

// KeptText says, for a person, that an issued statement is kept and until
// when at least: why deleting it is refused (PSTI-SOC-05).
func KeptText(r *Record) string {
	if r.Content.Label != nil {
		return fmt.Sprintf("Record %s version %d is issued, so it is kept: psti never deletes it, and keeps it at least until %s. (On the label route no statement is required, so the law's retention period does not apply; the record is evidence that the label was current.) Correct it with a new version instead.",
			r.Number, r.Version, psti.DateText(r.KeepUntil))
	}
	return fmt.Sprintf("Statement %s version %d is issued, so it is kept: the law asks for it to be kept until at least %s (10 years from its issue, or the end of the support period it states if that is later), and psti never deletes it. Correct it with a new version instead.",
		r.Number, r.Version, psti.DateText(r.KeepUntil))
}

// A pinned standard is one the Regulations name in a fixed version for
// deemed compliance (Schedule 2; PSTI-R-03): a declaration relying on
// another version of it is not deemed compliance.
type pinned struct {
	match, Name, Version, Issued, year string
	issued                             string // as a declaration writes it, YYYY-MM
}

var pinnedStandards = []pinned{
	{match: "303645", Name: "ETSI EN 303 645", Version: "V2.1.1", Issued: "June 2020", year: "2020", issued: "2020-06"},
	{match: "29147", Name: "ISO/IEC 29147", Version: "2018", Issued: "October 2018, second edition", year: "2018", issued: "2018-10"},
}

// normNumber is a standard's number as compared: capitals, without
// spaces, hyphens, slashes or dots.
func normNumber(number string) string {
	return strings.NewReplacer(" ", "", "-", "", "/", "", ".", "", "_", "").Replace(strings.ToUpper(number))
}

// recognised reports whether Schedule 2 deems Schedule 1 paragraph par
// met by what number names: ETSI EN 303 645 for every paragraph, ISO/IEC
// 29147 for paragraph 2 alone, and a current JC-STAR STAR-1 or Singapore
// CLS label for each (PSTI-DC-01 to DC-03).
func recognised(par int, number string) bool {
	n := normNumber(number)
	switch {
	case strings.Contains(n, "303645"), strings.Contains(n, "JCSTAR"), strings.Contains(n, "CLS"):
		return true
	case strings.Contains(n, "29147"):
		return par == 2
	}
	return false
}

// recognisedText names what Schedule 2 accepts for paragraph par.
func recognisedText(par int) string {
	if par == 2 {
		return "ETSI EN 303 645 V2.1.1, ISO/IEC 29147:2018, or a current JC-STAR STAR-1 or Singapore CLS label"
	}
	return "ETSI EN 303 645 V2.1.1, or a current JC-STAR STAR-1 or Singapore CLS label"
}

// pinnedStandard returns the pinned standard a standard's number names,
// or nil.
func pinnedStandard(number string) *pinned {
	n := normNumber(number)
	for i := range pinnedStandards {
		if strings.Contains(n, pinnedStandards[i].match) {
			return &pinnedStandards[i]
		}
	}
	return nil
}

// normVersion compares versions as people write them: "v2.1.1" is
// "V2.1.1", and "ISO/IEC 29147:2018" is "2018".
func normVersion(v string) string {
	v = strings.ToUpper(strings.TrimSpace(v))
	if i := strings.LastIndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	return v
}

// Recognised reports whether Schedule 2 deems Schedule 1 paragraph par met
// by the standard or label number names (PSTI-DC-01 to DC-03), for other
// packages that record a route before a statement is made.
func Recognised(par int, number string) bool { return recognised(par, number) }

// RecognisedText names, in plain words, what Schedule 2 accepts for
// paragraph par.
func RecognisedText(par int) string { return recognisedText(par) }

// IsLabelName reports whether number names a label scheme (JC-STAR or
// CLS) rather than a standard.
func IsLabelName(number string) bool {
	n := normNumber(number)
	return strings.Contains(n, "JCSTAR") || strings.Contains(n, "CLS")
}

// StandardClaim is the standard a declaration names for a standard written
// as a person writes it ("ETSI EN 303 645 V2.1.1"), with the provisions
// relied on: the number, version and date of issue of the version the
// Regulations pin (PSTI-SOC-F5), or the text as given when it pins none.
func StandardClaim(standard, provisions string) Standard {
	if pin := pinnedStandard(standard); pin != nil {
		return Standard{Number: pin.Name, Version: pin.Version, Issued: pin.issued, Provisions: provisions}
	}
	return Standard{Number: standard, Provisions: provisions}
}

// LabelClaim is the declaration's standard for a label route of Schedule
// 2 (Conditions B and C): the scheme's specification, and the label's
// number and expiry as the provisions relied on (PSTI-DC-05).
func LabelClaim(scheme, reference, expires string) (Standard, bool) {
	switch scheme {
	case SchemeJCStar:
		return Standard{Number: "JC-STAR STAR-1 JST-CR-01-01-2024R1", Version: "2024R1", Issued: "2024-12",
			Provisions: "label " + reference + ", valid until " + psti.DateText(expires)}, true
	case SchemeSGCLS:
		return Standard{Number: "Singapore CLS(IoT) CCC SP-151-2", Version: "1.4", Issued: "2025-04",
			Provisions: "label " + reference + ", valid until " + psti.DateText(expires)}, true
	}
	return Standard{}, false
}
