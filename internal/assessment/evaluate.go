package assessment

import (
	"fmt"
	"strings"
	"time"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/support"
)

// Facts are psti's own records about one product, read when its
// assessment is read and never stored with it.
type Facts struct {
	// Batches are the product's batches (not archived), each with its
	// latest finished password audit, if any.
	Batches []BatchAudit
	// Policy is the published disclosure policy of the product's
	// organisation; nil when there is none.
	Policy *PolicyFact
	// Period is the product's published support period for the whole
	// product (or, failing that, any published one); nil when none is
	// published. Draft says a draft exists.
	Period *support.Period
	Draft  bool
}

// BatchAudit is a batch and its latest finished password audit.
type BatchAudit struct {
	BatchID   int64
	BatchCode string
	Run       *passwords.Run // nil when the batch was never audited
}

// PolicyFact is when the disclosure policy was last published, and the
// transparency log entry that records it.
type PolicyFact struct {
	UpdatedAt time.Time
	LogIndex  *int64
}

// Proof is one thing psti's own records show about a requirement.
type Proof struct {
	Text string `json:"text"`
	Href string `json:"href,omitempty" doc:"Where the record is shown."`
	// Shows is true when the record shows the requirement met, false when
	// it shows it is not (a failed audit).
	Shows bool `json:"shows"`
	// Gap is set for a record psti lacks (a batch never audited, an
	// audit that checked no password): it shows nothing either way.
	Gap bool `json:"gap,omitempty"`
}

// Effective statuses: a row's standing once psti's records, the label's
// expiry and the evidence are counted.
const (
	EffMet           = "met"
	EffNotApplicable = "not_applicable"
	EffInProgress    = "in_progress"
	EffNotStarted    = "not_started"
	EffNotMet        = "not_met" // psti's records show it is not met, or the label lapsed
)

// Lights: what the dashboard shows.
const (
	Green = "green"
	Amber = "amber"
	Red   = "red"
)

// Item is one requirement of a product's assessment, as read: the
// requirement, the row staff saved, psti's proof, the evidence files, and
// the standing they add up to.
type Item struct {
	Requirement string `json:"requirement"`
	Title       string `json:"title"`
	Summary     string `json:"summary"`
	Paragraph   int    `json:"paragraph,omitempty"`
	// Statement says a statement of compliance speaks to it: it must be
	// met (or not applicable) before one is issued.
	Statement bool        `json:"statement"`
	Row       Row         `json:"row"`
	Proofs    []Proof     `json:"proofs" doc:"What psti's own records show: password audits, the published disclosure policy, the published support period and its history."`
	Evidence  []*Evidence `json:"evidence" doc:"Files kept for the row, archived ones included."`
	Effective string      `json:"effective" enum:"met,not_applicable,in_progress,not_started,not_met"`
	// Basis says what a met row rests on: proof (psti's records),
	// evidence (files kept), claim (a note only) or unsupported (nothing).
	Basis string `json:"basis,omitempty" enum:"proof,evidence,claim,unsupported"`
	Light string `json:"light" enum:"green,amber,red"`
	// Text says, for a product manager, where the requirement stands and
	// what is missing.
	Text string `json:"text"`
	// Warning is set while a label route's label expires within the
	// warning window, and once it has lapsed.
	Warning string `json:"warning,omitempty"`
}

// Done reports whether the item counts as met for a statement: met (by
// proof or by staff) or not applicable.
func (it *Item) Done() bool { return it.Effective == EffMet || it.Effective == EffNotApplicable }

// Symbol is a sign for the light, so that colour is never the only cue.
func (it *Item) Symbol() string {
	switch it.Light {
	case Green:
		return "✓"
	case Amber:
		return "!"
	}
	return "✗"
}

// Area is the part of the law an item belongs to, in a product manager's
// words.
func Area(paragraph int) string {
	switch paragraph {
	case 1:
		return "Passwords"
	case 2:
		return "Reporting security issues"
	case 3:
		return "Support period"
	}
	return "Other"
}

// Evaluate works out where one requirement stands for a product at now:
// row is what staff saved (Blank when nothing), facts psti's records,
// files the row's evidence, window how early a label's expiry warns.
func Evaluate(req catalog.Requirement, row Row, facts Facts, files []*Evidence, now time.Time, window time.Duration) Item {
	it := Item{Requirement: req.ID, Title: req.Title, Summary: req.Summary, Paragraph: req.Paragraph, Statement: req.Statement,
		Row: row, Evidence: files}
	if it.Evidence == nil {
		it.Evidence = []*Evidence{}
	}
	it.Proofs = proofs(req, facts)
	shows, gap, contrary := false, false, ""
	for _, p := range it.Proofs {
		switch {
		case p.Gap:
			gap = true
		case p.Shows:
			shows = true
		case contrary == "":
			contrary = p.Text
		}
	}
	shows = shows && !gap && contrary == ""
	kept := 0
	for _, e := range files {
		if e.ArchivedAt == nil {
			kept++
		}
	}
	area := Area(req.Paragraph) + ": "
	switch {
	case row.LabelLapsed(now):
		// PSTI-DC-05: an expired label deems nothing.
		it.Effective, it.Light = EffNotMet, Red
		it.Warning = fmt.Sprintf("The %s label %s expired on %s: it no longer deems this requirement met. Renew it, or meet the requirement another way.",
			schemeName(row.LabelScheme), row.LabelID, psti.DateText(row.LabelExpires))
		it.Text = area + "label expired on " + psti.DateText(row.LabelExpires)
	case contrary != "" && row.Route != RouteLabel:
		// psti's own records show the requirement is not met; a status
		// saying otherwise does not outweigh them, whether it claims the
		// requirement as such or through a standard's provisions: ETSI
		// EN 303 645 5.1-1 and 5.1-2 ask for the same unique passwords
		// the audit found wanting (PSTI-DC-01). Only a current label
		// deems it met regardless (PSTI-DC-02, DC-03). Nor does "not
		// applicable": passwords an audit found wanting are there.
		it.Effective, it.Light = EffNotMet, Red
		it.Text = area + contrary
		if row.Status == StatusNotApplicable {
			it.Text = area + "marked not applicable, but " + contrary
		}
	case row.Status == StatusNotApplicable:
		it.Effective, it.Light = EffNotApplicable, Green
		it.Text = area + "not applicable: " + firstLine(row.Reason)
	case row.Status == StatusMet:
		it.Effective, it.Light = EffMet, Green
		switch {
		case shows:
			it.Basis = "proof"
			it.Text = area + "met, shown by psti's records"
		case kept > 0:
			it.Basis = "evidence"
			it.Text = area + fmt.Sprintf("met, with %s kept", plural(kept, "evidence file"))
		case strings.TrimSpace(row.Note) != "":
			it.Basis = "claim"
			it.Text = area + "met, on the strength of a note only (no file kept)"
			it.Light = Amber
		default:
			it.Basis = "unsupported"
			it.Light = Amber
			it.Text = area + "marked met with no proof, file or note: add the evidence"
		}
	case row.Status == StatusInProgress:
		it.Effective, it.Light = EffInProgress, Amber
		it.Text = area + "in progress"
		if row.Note != "" {
			it.Text += ": " + firstLine(row.Note)
		}
	case shows:
		it.Effective, it.Light, it.Basis = EffMet, Green, "proof"
		it.Text = area + "met, shown by psti's records"
	default:
		it.Effective, it.Light = EffNotStarted, Red
		it.Text = area + missing(req, facts)
	}
	if row.labelExpiring(now, window) {
		it.Warning = fmt.Sprintf("The %s label %s expires on %s. Renew it before then: once it expires it no longer deems this requirement met (PSTI-DC-05).",
			schemeName(row.LabelScheme), row.LabelID, psti.DateText(row.LabelExpires))
		if it.Light == Green {
			it.Light = Amber
		}
		it.Text += "; label expires on " + psti.DateText(row.LabelExpires)
	}
	return it
}

// proofs is what psti's records show about req.
func proofs(req catalog.Requirement, f Facts) []Proof {
	var out []Proof
	switch {
	case strings.HasPrefix(req.ID, "PSTI-PW-"):
		for _, b := range f.Batches {
			if p, ok := auditProof(req.ID, b); ok {
				out = append(out, p)
			}
		}
		// One batch never audited is a gap in the proof, not proof.
		if len(out) > 0 && len(out) < len(f.Batches) {
			for _, b := range f.Batches {
				if b.Run == nil {
					out = append(out, Proof{Text: "batch " + b.BatchCode + " has no finished password audit", Href: fmt.Sprintf("/admin/batches/%d", b.BatchID), Gap: true})
				}
			}
		}
	case strings.HasPrefix(req.ID, "PSTI-VR-"):
		if p := f.Policy; p != nil {
			text := "Reporting policy published on " + psti.LongDate(p.UpdatedAt.In(psti.London)) + " at /security"
			if p.LogIndex != nil {
				text += fmt.Sprintf(", logged at entry %d", *p.LogIndex)
			}
			out = append(out, Proof{Text: text, Href: "/security", Shows: true})
		}
	case req.ID == "PSTI-DSP-01" || req.ID == "PSTI-DSP-03":
		if p := f.Period; p != nil {
			text := "Support period published on " + psti.LongDate(p.FirstPublishedAt.In(psti.London)) + ", until at least " + psti.DateText(p.EndDate)
			if p.LogIndex != nil {
				text += fmt.Sprintf(", logged at entry %d", *p.LogIndex)
			}
			out = append(out, Proof{Text: text, Href: fmt.Sprintf("/admin/support-periods/%d", p.ID), Shows: true})
		}
	case req.ID == "PSTI-DSP-02" || req.ID == "PSTI-DSP-05":
		if p := f.Period; p != nil {
			var text string
			if len(p.Extensions) == 0 {
				text = "Support period not extended or shortened since it was published; psti publishes any extension at once and refuses a shorter end date"
			} else {
				var at []string
				for _, e := range p.Extensions {
					s := "to " + psti.DateText(e.EndDate) + " on " + psti.LongDate(e.At.In(psti.London))
					if e.LogIndex != nil {
						s += fmt.Sprintf(" (entry %d)", *e.LogIndex)
					}
					at = append(at, s)
				}
				text = "Support period extended " + strings.Join(at, ", ") + ", each published at once; never shortened"
			}
			out = append(out, Proof{Text: text, Href: fmt.Sprintf("/admin/support-periods/%d", p.ID), Shows: true})
		}
	}
	return out
}

// auditProof is what a batch's latest audit shows about requirement id.
func auditProof(id string, b BatchAudit) (Proof, bool) {
	r := b.Run
	if r == nil || r.Report == nil {
		return Proof{}, false
	}
	href := fmt.Sprintf("/admin/password-audits/%d", r.ID)
	when := ""
	if r.FinishedAt != nil {
		when = " on " + psti.LongDate(r.FinishedAt.In(psti.London))
	}
	if r.Report.Audited == 0 {
		// PSTI-PW-06: a pass that audited no row says nothing.
		return Proof{Text: "audit of batch " + b.BatchCode + when + " checked no password", Href: href, Gap: true}, true
	}
	if r.Outcome == "pass" || r.Outcome == "passed_after_review" {
		return Proof{Text: "audit of batch " + b.BatchCode + when + " passed", Href: href, Shows: true}, true
	}
	accepted := map[string]bool{}
	for _, rv := range r.Reviews {
		accepted[rv.Rule] = rv.Decision == "accepted"
	}
	var n int64
	for _, rr := range r.Report.Rules {
		if rr.Status == "flagged" && strings.Contains(rr.Requirement, id) && !accepted[rr.ID] {
			n += rr.Count
		}
	}
	if n == 0 {
		return Proof{Text: "audit of batch " + b.BatchCode + when + " found no problem with this requirement", Href: href, Shows: true}, true
	}
	return Proof{Text: fmt.Sprintf("audit of batch %s%s found %s", b.BatchCode, when, plural(int(n), "problem")), Href: href}, true
}

// missing says what a requirement not started lacks.
func missing(req catalog.Requirement, f Facts) string {
	switch {
	case strings.HasPrefix(req.ID, "PSTI-PW-"):
		if len(f.Batches) == 0 {
			return "no batch recorded, so no password audit yet"
		}
		for _, b := range f.Batches {
			switch {
			case b.Run == nil || b.Run.Report == nil:
				return "no password audit of batch " + b.BatchCode + " yet"
			case b.Run.Report.Audited == 0:
				return "the audit of batch " + b.BatchCode + " checked no password (PSTI-PW-06)"
			}
		}
		return "not started"
	case strings.HasPrefix(req.ID, "PSTI-VR-"):
		return "security policy not published yet"
	case strings.HasPrefix(req.ID, "PSTI-DSP-") && req.ID != "PSTI-DSP-04" && f.Period == nil:
		if f.Draft {
			return "still a draft, not published yet"
		}
		return "not published yet"
	case req.ID == "PSTI-DSP-04":
		return "not started: is the support period shown beside the product on your own shop?"
	}
	return "not started"
}

func schemeName(id string) string {
	switch id {
	case "jc-star-star-1":
		return "JC-STAR STAR-1"
	case "sg-cls":
		return "Singapore CLS"
	}
	return id
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > 120 {
		s = string(r[:119]) + "…"
	}
	return s
}
