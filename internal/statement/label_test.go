package statement

import (
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/psti"
)

// labelRecord is a label route record: the product, its batches and
// manufacturers, and the Singapore CLS label that stands in for its
// statement (Schedule 2A, Condition B).
func labelRecord() *Statement {
	s := complete()
	s.Claims, s.Signatory, s.Place = nil, Signatory{}, ""
	s.Label = &Label{Scheme: SchemeSGCLS, Level: "2", Reference: "CLS-2026-000123", Expires: "2029-05-31"}
	return s
}

// TestLabelRoute: a product holding a current accepted label is recorded
// on the label route instead of being refused for lacking a statement's
// declarations and signature (PSTI-DC-04); the label's scheme, level,
// number and expiry are required, and a label already expired on the
// record's date is refused (PSTI-DC-05).
func TestLabelRoute(t *testing.T) {
	if err := labelRecord().Validate(); err != nil {
		t.Fatalf("a complete label route record: %v", psti.ErrorFields(err))
	}
	for _, c := range []struct {
		name  string
		edit  func(*Statement)
		field string
		says  string
	}{
		{"no scheme", func(s *Statement) { s.Label.Scheme = "" }, "label.scheme", "Singapore"},
		{"a scheme Schedule 2A does not accept", func(s *Statement) { s.Label.Scheme = "us-cyber-trust-mark" }, "label.scheme", "JC-STAR STAR-1"},
		{"a CLS label without its level", func(s *Statement) { s.Label.Level = "" }, "label.level", "level, 1 to 4"},
		{"no number", func(s *Statement) { s.Label.Reference = " " }, "label.reference", "number"},
		{"no expiry", func(s *Statement) { s.Label.Expires = "" }, "label.expires", "expires"},
		{"expired before the record", func(s *Statement) { s.Label.Expires = "2026-12-06" }, "label.expires", "expired on 6 December 2026"},
		{"no batch", func(s *Statement) { s.Batches = nil }, "batches", "batch"},
		{"no manufacturer", func(s *Statement) { s.Manufacturers = nil }, "manufacturers", "manufacturer"},
		{"a draft support period", func(s *Statement) { s.SupportDraft = true }, "support_end", "publish it first"},
	} {
		s := labelRecord()
		c.edit(s)
		got := fields(s.Validate())
		if !strings.Contains(got[c.field], c.says) {
			t.Errorf("%s: %v, want %s saying %q", c.name, got, c.field, c.says)
		}
	}
	// Expiring on the record's own date is still current that day.
	s := labelRecord()
	s.Label.Expires = s.Issued
	if err := s.Validate(); err != nil {
		t.Errorf("a label expiring on the record's date: %v", psti.ErrorFields(err))
	}
	// JC-STAR needs no level; the support period may be left out.
	s = labelRecord()
	s.Label.Scheme, s.Label.Level, s.SupportEnd = SchemeJCStar, "", ""
	if err := s.Validate(); err != nil {
		t.Errorf("a JC-STAR label route record without a support period: %v", psti.ErrorFields(err))
	}
	// It lapses at the end of its expiry day, London time.
	end := time.Date(2029, 5, 31, 23, 30, 0, 0, time.UTC) // 00:30 BST on 1 June
	if !labelRecord().LabelLapsed(end) || labelRecord().LabelLapsed(end.Add(-time.Hour)) {
		t.Error("the label's route does not lapse at the end of its expiry day")
	}
	if complete().LabelLapsed(end) {
		t.Error("a statement's route lapsed")
	}

	// Rendered, it says what it is and on what it rests, and no more.
	meta := testMeta()
	page, err := RenderHTML(labelRecord(), meta)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := RenderPDF(labelRecord(), meta)
	if err != nil {
		t.Fatal(err)
	}
	pdfText := strings.Join(strings.Fields(pdftotext(t, doc)), " ")
	for _, text := range []string{htmlText(t, page), pdfText} {
		for _, want := range []string{"Label route record", "Schedule 2A", "Singapore Cybersecurity Labelling Scheme (CLS) label, level 2, number CLS-2026-000123, valid until 31 May 2029",
			"Condition B", "CCC SP-151-2 version 1.4", "only while the label is current and has not expired", "Fabryka Łódź sp. z o.o.", "B-2026-02",
			"on 7 December 2026 the product was currently awarded the accepted label", "section 9(7)"} {
			if !strings.Contains(text, want) {
				t.Errorf("the label route record does not say %q:\n%s", want, text)
			}
		}
		for _, not := range []string{"Security requirements", "Signed by", "complied with the applicable security requirements", "Schedule 4"} {
			if strings.Contains(text, not) {
				t.Errorf("the label route record says %q", not)
			}
		}
	}
}
