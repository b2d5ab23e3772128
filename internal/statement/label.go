package statement

import (
	"fmt"
	"strings"
	"time"

	"github.com/psti/psti/internal/psti"
)

// The label route (PSTI-DC-04, PSTI-SOC-10): since 4 December 2025 a
// manufacturer is treated as having complied with the duty to supply a
// statement of compliance (Act s.9(2); Regulations reg 4A and Schedule
// 2A) while the product is currently assigned a Japan JC-STAR STAR-1
// label (Condition A) or awarded a Singapore CLS label at any level
// (Condition B), and the label has not expired. psti records that route,
// its label and its expiry instead of refusing a product without a
// statement, and renders the record as it renders a statement; the route
// lapses when the label expires (PSTI-DC-05).

// Label schemes Schedule 2A accepts, each pinned to the specification
// regulation 2(1) names (PSTI-R-03).
const (
	SchemeJCStar = "jc-star-star-1"
	SchemeSGCLS  = "sg-cls"
)

// LabelScheme describes an accepted label scheme.
type LabelScheme struct {
	ID        string
	Name      string // as a person reads it
	Condition string // its condition in Schedule 2A
	Spec      string // the specification version the Regulations name
	Levels    []string
}

// LabelSchemes are the schemes Schedule 2A accepts.
var LabelSchemes = []LabelScheme{
	{ID: SchemeJCStar, Name: "Japan JC-STAR STAR-1 label", Condition: "Condition A",
		Spec: "JC-STAR STAR-1, Conformance Requirements and Assessment Methods JST-CR-01-01-2024R1 (December 2024), IPA Japan", Levels: []string{"STAR-1"}},
	{ID: SchemeSGCLS, Name: "Singapore Cybersecurity Labelling Scheme (CLS) label", Condition: "Condition B",
		Spec: "CLS(IoT) Scheme Specifications CCC SP-151-2 version 1.4 (April 2025), CSA Singapore", Levels: []string{"1", "2", "3", "4"}},
}

// SchemeOf returns the scheme with id, or nil.
func SchemeOf(id string) *LabelScheme {
	for i := range LabelSchemes {
		if LabelSchemes[i].ID == id {
			return &LabelSchemes[i]
		}
	}
	return nil
}

// Label is the accepted label a product relies on instead of a statement
// of compliance: its scheme, level, the label's own number and the day it
// expires (PSTI-DC-05).
type Label struct {
	Scheme    string `json:"scheme" enum:"jc-star-star-1,sg-cls"`
	Level     string `json:"level,omitempty" maxLength:"20" doc:"For a CLS label, its level (1 to 4); STAR-1 for JC-STAR."`
	Reference string `json:"reference" maxLength:"200" doc:"The label's number or certificate number, as its scheme gives it."`
	Expires   string `json:"expires" format:"date" doc:"The last day the label is valid, YYYY-MM-DD."`
}

// Route names how the product meets the statement of compliance duty.
func (s *Statement) Route() string {
	if s.Label != nil {
		return "label"
	}
	return "statement"
}

// LabelText says what the label route rests on, in plain words.
func (l *Label) Text() string {
	sc := SchemeOf(l.Scheme)
	if sc == nil {
		return ""
	}
	level := ""
	if l.Level != "" && l.Scheme == SchemeSGCLS {
		level = ", level " + l.Level
	}
	return fmt.Sprintf("%s%s, number %s, valid until %s (Schedule 2A, %s; specification: %s).", sc.Name, level, l.Reference, psti.DateText(l.Expires), sc.Condition, sc.Spec)
}

// LabelDeclaration is what a label route record declares, instead of a
// statement's declaration: as of the record's date, never as of always.
func (s *Statement) LabelDeclaration() string {
	held := "was currently assigned"
	if s.Label != nil && s.Label.Scheme == SchemeSGCLS {
		held = "was currently awarded"
	}
	return fmt.Sprintf("No separate statement of compliance is supplied with this product. The manufacturer relies on regulation 4A of, and Schedule 2A to, the Product Security and Telecommunications Infrastructure (Security Requirements for Relevant Connectable Products) Regulations 2023: on %s the product %s the accepted label below, which had not expired. The manufacturer is treated as having complied with the duty to supply a statement of compliance only while the label is current and has not expired.",
		psti.DateText(s.Issued), held)
}

// MadeUnder says under which provisions the document is made.
func (s *Statement) MadeUnder() string {
	if s.Label != nil {
		return "Made under the Product Security and Telecommunications Infrastructure Act 2022, section 9(7) (regulation 4A of, and Schedule 2A to, the Security Requirements Regulations 2023)."
	}
	return "Made under the Product Security and Telecommunications Infrastructure Act 2022 (Schedule 4 to the Security Requirements Regulations 2023)."
}

// validateLabel checks a label route record's label, against its date of
// issue (the day the route is recorded).
func (s *Statement) validateLabel(p *psti.Problems, issued time.Time, issuedOK bool) {
	l := s.Label
	sc := SchemeOf(l.Scheme)
	if sc == nil {
		names := make([]string, len(LabelSchemes))
		for i, x := range LabelSchemes {
			names[i] = x.Name
		}
		p.Add("label.scheme", "Choose the label the product holds: Schedule 2A accepts only a %s.", strings.Join(names, " or a "))
	} else if l.Scheme == SchemeSGCLS {
		ok := false
		for _, v := range sc.Levels {
			ok = ok || l.Level == v
		}
		if !ok {
			p.Add("label.level", "Give the CLS label's level, 1 to 4.")
		}
	}
	p.Text("label.reference", "The label's number", l.Reference, true, MaxName)
	exp, err := psti.ParseDate(l.Expires)
	switch {
	case l.Expires == "":
		p.Add("label.expires", "The day the label expires is needed: the route lasts only while the label has not expired.")
	case err != nil:
		p.Add("label.expires", "The label's expiry must be a date written YYYY-MM-DD.")
	case issuedOK && exp.Before(issued):
		p.Add("label.expires", "The label expired on %s, before this record's date (%s): an expired label cannot stand in for a statement of compliance. Issue a full statement instead.",
			psti.LongDate(exp), psti.LongDate(issued))
	}
}

// LabelLapsed reports whether the label of a label route record has
// expired by the instant now: the route no longer applies (PSTI-DC-05).
func (s *Statement) LabelLapsed(now time.Time) bool {
	if s.Label == nil {
		return false
	}
	exp, err := psti.ParseDate(s.Label.Expires)
	return err == nil && !now.Before(psti.EndOfDay(exp))
}

// Title is the document's title: a statement of compliance, or the
// record of the label route that stands in for one.
func (s *Statement) Title() string {
	if s.Label != nil {
		return "Label route record"
	}
	return "Statement of compliance"
}
