package support

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
)

// The kinds of transparency log entry a support period makes.
const (
	KindPublished = ledger.KindSupportPublished
	KindExtended  = ledger.KindSupportExtended
)

// Record is what a log entry about a support period commits to: enough to
// read, from the log alone, what was promised for which product, and that
// the promise only grew.
type Record struct {
	PeriodID    int64    `json:"period_id"`
	Product     string   `json:"product"` // the product's slug
	ProductName string   `json:"product_name"`
	Brand       string   `json:"brand"`
	Model       string   `json:"model_number"`
	Models      []string `json:"models,omitempty"`
	EndDate     string   `json:"end_date"`
	// PreviousEndDate and Reason are set for an extension.
	PreviousEndDate string `json:"previous_end_date,omitempty"`
	Reason          string `json:"reason,omitempty"`
}

// Subject is the log subject of a product's entries.
func Subject(slug string) string { return "product/" + slug }

// Entry is the transparency log entry of r: of its publication, or, when
// r.PreviousEndDate is set, of the extension that ended at r.EndDate; at
// is when it was made public. Ref keeps each from being logged twice.
func Entry(r Record, at time.Time) (*ledger.Entry, error) {
	rec, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("support: unable to encode support period %d for the log: %w", r.PeriodID, err)
	}
	kind, ref := KindPublished, fmt.Sprintf("support_period/%d#published", r.PeriodID)
	if r.PreviousEndDate != "" {
		kind, ref = KindExtended, fmt.Sprintf("support_period/%d#until-%s", r.PeriodID, r.EndDate)
	}
	return &ledger.Entry{Ref: ref, Kind: kind, At: at, Subject: Subject(r.Product), Record: rec}, nil
}

// LogEntry is a transparency log entry with its index in the log.
type LogEntry = ledger.Logged

// Change is one logged change of a product's defined support period: a
// period published or extended, as read from the log.
type Change struct {
	Index    int64     // the entry's index in the log
	At       time.Time // when it was made public
	Kind     string    // KindPublished or KindExtended
	PeriodID int64     // 0 when the record names none
	// EndDate is the end of security updates it published, YYYY-MM-DD;
	// PreviousEndDate the end an extension started from.
	EndDate, PreviousEndDate string
	Late                     bool // recorded late (see ledger.Entry.Late)
}

// History reads, from the log alone, the support entries about subject
// among entries (in log order; other kinds and subjects are passed over;
// "" for every product) and checks that no support period's end date ever
// went backwards (PSTI-DSP-05: a published period may be extended, never
// shortened): each record is about the product its entry is filed under
// and has a calendar end date; each period is published once, before it is
// extended; each extension starts from the end date last logged and ends
// later. It returns the history and what is wrong, each problem naming its
// entry and the dates.
func History(entries []LogEntry, subject string) ([]Change, []string) {
	var out []Change
	var problems []string
	type last struct {
		end   string
		index int64
	}
	periods := map[int64]last{}
	for _, l := range entries {
		e := l.Entry
		if e == nil || (e.Kind != KindPublished && e.Kind != KindExtended) || (subject != "" && e.Subject != subject) {
			continue
		}
		var r Record
		if err := json.Unmarshal(e.Record, &r); err != nil {
			problems = append(problems, fmt.Sprintf("entry %d: its support record cannot be read: %v", l.Index, err))
			continue
		}
		ch := Change{Index: l.Index, At: e.At, Kind: e.Kind, PeriodID: r.PeriodID, EndDate: r.EndDate, PreviousEndDate: r.PreviousEndDate, Late: e.Late}
		out = append(out, ch)
		name := "the support period"
		if r.PeriodID != 0 {
			name = fmt.Sprintf("support period %d", r.PeriodID)
		}
		if r.Product != "" && e.Subject != Subject(r.Product) {
			problems = append(problems, fmt.Sprintf("entry %d: it is filed under %s, but its record is about product %q", l.Index, e.Subject, r.Product))
			continue
		}
		if d, err := psti.ParseDate(r.EndDate); err != nil || d.Format(time.DateOnly) != r.EndDate {
			problems = append(problems, fmt.Sprintf("entry %d: %s has no end date written YYYY-MM-DD (it says %q)", l.Index, name, clip(r.EndDate)))
			continue
		}
		prev, seen := periods[r.PeriodID]
		switch {
		case seen && r.EndDate < prev.end:
			problems = append(problems, fmt.Sprintf("entry %d: the end date went backwards: %s ends on %s, earlier than %s, published in entry %d (a support period may be extended, never shortened)",
				l.Index, name, r.EndDate, prev.end, prev.index))
		case e.Kind == KindPublished && seen:
			problems = append(problems, fmt.Sprintf("entry %d: it publishes %s again, ending on %s; entry %d had published it ending on %s", l.Index, name, r.EndDate, prev.index, prev.end))
		case e.Kind == KindExtended && !seen:
			problems = append(problems, fmt.Sprintf("entry %d: it extends %s, which no earlier entry publishes", l.Index, name))
		case e.Kind == KindExtended && r.EndDate == prev.end:
			problems = append(problems, fmt.Sprintf("entry %d: it extends %s to %s, the date it already ended on (entry %d)", l.Index, name, r.EndDate, prev.index))
		case e.Kind == KindExtended && r.PreviousEndDate != "" && r.PreviousEndDate != prev.end:
			problems = append(problems, fmt.Sprintf("entry %d: it extends %s from %s, but entry %d had it ending on %s", l.Index, name, clip(r.PreviousEndDate), prev.index, prev.end))
		}
		if !seen || r.EndDate >= prev.end {
			periods[r.PeriodID] = last{r.EndDate, l.Index}
		}
	}
	return out, problems
}

// CheckHistory is History over one product's entries, as an error: the
// first problem found, or nil when no end date ever went backwards.
func CheckHistory(entries []LogEntry) error {
	if _, problems := History(entries, ""); len(problems) > 0 {
		return fmt.Errorf("log %s", problems[0])
	}
	return nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
