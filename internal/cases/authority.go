package cases

import (
	"fmt"
	"slices"
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
)

// AuthorityNotice is a notice the enforcement authority gave the business
// (Act Part 1 Chapter 3): kept as recorded, never changed, with the
// statutory clocks it starts (PSTI-E-11).
type AuthorityNotice struct {
	ID             int64  `json:"id"`
	OrganisationID int64  `json:"organisation_id"`
	CaseID         int64  `json:"case_id,omitempty"`
	Kind           string `json:"kind" enum:"intent_compliance,intent_stop,intent_recall,intent_penalty,compliance,stop,recall,penalty"`
	Reference      string `json:"reference,omitempty" doc:"The authority's reference for it."`
	// Electronic is set when it was sent electronically: it is then
	// deemed given at 9 am on the next working day after it was sent,
	// unless the contrary is proved (s.50(7)-(8)).
	Electronic bool `json:"electronic"`
	// SentAt is when it was sent (electronic service), or the day it was
	// given (any other service), as recorded.
	SentAt time.Time `json:"sent_at" doc:"When the notice was sent (electronic service) or given (other service)."`
	// GivenAt is when it counts as given: the clocks run from its day.
	GivenAt time.Time `json:"given_at" readOnly:"true"`
	// ActBy is the date the notice itself sets (comply by, or pay by),
	// YYYY-MM-DD, or "".
	ActBy      string    `json:"act_by,omitempty" format:"date" doc:"The date the notice sets: comply by (compliance, stop, recall) or pay by (penalty), YYYY-MM-DD."`
	Note       string    `json:"note,omitempty"`
	RecordedAt time.Time `json:"recorded_at" readOnly:"true"`
	RecordedBy string    `json:"recorded_by" readOnly:"true"`
}

// AuthorityFilter selects authority notices.
type AuthorityFilter struct {
	OrganisationID int64
	CaseID         int64
	Limit          int
}

// AuthorityKinds names each kind of notice for a person.
var AuthorityKinds = map[string]string{
	"intent_compliance": "Notice of intent to give a compliance notice",
	"intent_stop":       "Notice of intent to give a stop notice",
	"intent_recall":     "Notice of intent to give a recall notice",
	"intent_penalty":    "Notice of intent to give a penalty notice",
	"compliance":        "Compliance notice",
	"stop":              "Stop notice",
	"recall":            "Recall notice",
	"penalty":           "Penalty notice",
}

// AuthorityKindList is the kinds in the order a form offers them.
var AuthorityKindList = []string{"intent_compliance", "intent_stop", "intent_recall", "intent_penalty", "compliance", "stop", "recall", "penalty"}

// Validate checks what a person records.
func (n *AuthorityNotice) Validate() error {
	var pr psti.Problems
	if _, ok := AuthorityKinds[n.Kind]; !ok {
		pr.Add("kind", "Choose which notice it is.")
	}
	pr.Text("reference", "Reference", n.Reference, false, MaxName)
	if n.SentAt.IsZero() {
		pr.Add("sent_at", "Say when the notice was sent or given.")
	}
	pr.Date("act_by", "Date the notice sets", n.ActBy, false)
	pr.LongText("note", "Note", n.Note, false, MaxShort)
	return pr.Err()
}

// GivenAt is when a notice counts as given. One sent electronically is
// deemed given at 9 am (London) on the next working day after the day it
// was sent (s.50(7)); one given any other way, at the time recorded.
func GivenAt(cal *disclosure.Calendar, sent time.Time, electronic bool) time.Time {
	if !electronic {
		return sent
	}
	// The end of the next working day after the day sent, then 9 am on
	// that day.
	end := cal.AddWorkingDays(sent, 1).In(psti.London)
	day := end.Add(-time.Nanosecond)
	y, m, d := day.Date()
	return time.Date(y, m, d, 9, 0, 0, 0, psti.London).UTC()
}

// Deadline is one dated clock a notice starts.
type Deadline struct {
	Name string `json:"name"`
	// Due is the end of the last day (London midnight), in UTC.
	Due     time.Time `json:"due"`
	Text    string    `json:"text"`
	Section string    `json:"section"`
}

// periodEnd is the end of a period of n days beginning with the day of t
// (that day counts as the first): midnight in London after its last day.
func periodEnd(t time.Time, n int) time.Time {
	y, m, d := t.In(psti.London).Date()
	return time.Date(y, m, d+n, 0, 0, 0, 0, psti.London).UTC()
}

// Deadlines are the clocks a notice starts (PSTI-E-11), each counted from
// the day it was given. Periods "beginning with" the day given count that
// day, so 28 days from a notice given on 1 March end at the end of 28
// March.
func (n *AuthorityNotice) Deadlines() []Deadline {
	g := n.GivenAt
	var out []Deadline
	intent := func(what string, days int, section, urgent string) {
		out = append(out, Deadline{Name: "Representations", Due: periodEnd(g, days), Section: section,
			Text: fmt.Sprintf("The %s cannot be given before the end of the %d days beginning with the day this notice was given (%s)%s. Make any representations by then, or by the date the notice sets if it is earlier.", what, days, section, urgent)})
	}
	switch n.Kind {
	case "intent_compliance":
		intent("compliance notice", 10, "s.28(5)-(6)", "")
	case "intent_stop":
		intent("stop notice", 10, "s.29(5)-(7)", ", unless the Secretary of State considers there is an urgent need")
	case "intent_recall":
		intent("recall notice", 10, "s.30(6)-(8)", ", unless the Secretary of State considers there is an urgent need")
	case "intent_penalty":
		intent("penalty notice", 28, "s.39(1)-(2)", "")
	case "compliance", "stop", "recall":
		out = append(out, Deadline{Name: "Appeal", Due: periodEnd(g, 28), Section: "s.33(2)",
			Text: "An appeal to the First-tier Tribunal must be brought within 28 days beginning with the day the notice was given (s.33(2)). If an appeal is brought, the notice has no effect until the appeal is decided or withdrawn (s.33)."})
		if t, err := psti.ParseDate(n.ActBy); err == nil {
			out = append(out, Deadline{Name: "Comply", Due: psti.EndOfDay(t).UTC(), Section: "ss.28-30", Text: "The date the notice sets for complying with it."})
		}
	case "penalty":
		out = append(out, Deadline{Name: "Appeal", Due: periodEnd(g, 28), Section: "s.41(2)",
			Text: "An appeal to the First-tier Tribunal must be brought within 28 days beginning with the day the notice was given (s.41(2)). If an appeal is brought, the notice has no effect until the appeal is decided or withdrawn (s.41)."})
		if t, err := psti.ParseDate(n.ActBy); err == nil {
			due := psti.EndOfDay(t).UTC()
			text := "The date the notice sets for paying."
			if due.Before(periodEnd(g, 28)) {
				text += " It is less than the 28 days s.36(7) requires the payment period to be: check the notice, and take advice."
			}
			out = append(out, Deadline{Name: "Pay", Due: due, Section: "s.36(7)", Text: text})
		}
	}
	slices.SortStableFunc(out, func(a, b Deadline) int { return a.Due.Compare(b.Due) })
	return out
}
