package ledger

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SupportChange is one logged change of a product's defined support
// period, as read from the log: a period published or extended.
type SupportChange struct {
	Index  int64     // the entry's index in the log
	At     time.Time // when it was made public
	Kind   string    // KindSupportPublished or KindSupportExtended
	Period string    // the record's period_id, "" when it has none
	// EndDate is the end of security updates it published, YYYY-MM-DD;
	// PreviousEndDate the end an extension started from.
	EndDate, PreviousEndDate string
	Late                     bool // recorded late (see Entry.Late)
}

// supportRecord is what SupportHistory reads of a support entry's record;
// other fields are left alone.
type supportRecord struct {
	PeriodID        json.RawMessage `json:"period_id"`
	EndDate         string          `json:"end_date"`
	PreviousEndDate string          `json:"previous_end_date"`
}

// ProductSubject is the log subject of a product's entries.
func ProductSubject(slug string) string { return "product/" + slug }

// SupportHistory reads the support entries among entries (in log order;
// entries of other kinds and subjects are passed over) and checks, from
// the log alone, that no support period's end date ever went backwards
// (PSTI-DSP-05: a published support period may be extended, never
// shortened): per period (the record's period_id, or one period when the
// records carry none), every end date is a date, none is earlier than the
// last one logged, an extension follows a publication and starts from the
// end date last logged. It returns the history and what is wrong, each
// problem naming its entry.
func SupportHistory(entries []Logged, subject string) ([]SupportChange, []string) {
	var out []SupportChange
	var problems []string
	type last struct {
		end   string
		index int64
	}
	periods := map[string]last{}
	for _, l := range entries {
		e := l.Entry
		if e == nil || e.Subject != subject || (e.Kind != KindSupportPublished && e.Kind != KindSupportExtended) {
			continue
		}
		var r supportRecord
		if err := json.Unmarshal(e.Record, &r); err != nil {
			problems = append(problems, fmt.Sprintf("entry %d: its support record cannot be read: %v", l.Index, err))
			continue
		}
		ch := SupportChange{Index: l.Index, At: e.At, Kind: e.Kind, Period: strings.Trim(string(r.PeriodID), `"`),
			EndDate: r.EndDate, PreviousEndDate: r.PreviousEndDate, Late: e.Late}
		if string(r.PeriodID) == "null" {
			ch.Period = ""
		}
		out = append(out, ch)
		name := "the support period"
		if ch.Period != "" {
			name = "support period " + ch.Period
		}
		if !isDate(r.EndDate) {
			problems = append(problems, fmt.Sprintf("entry %d: %s has no end date written YYYY-MM-DD (it says %q)", l.Index, name, clip(r.EndDate)))
			continue
		}
		prev, seen := periods[ch.Period]
		switch {
		case seen && r.EndDate < prev.end:
			problems = append(problems, fmt.Sprintf("entry %d: the end date went backwards: %s ends on %s, earlier than %s, published in entry %d (a support period may be extended, never shortened)",
				l.Index, name, r.EndDate, prev.end, prev.index))
		case e.Kind == KindSupportExtended && !seen:
			problems = append(problems, fmt.Sprintf("entry %d: it extends %s, which no earlier entry publishes", l.Index, name))
		case e.Kind == KindSupportExtended && r.PreviousEndDate != "" && r.PreviousEndDate != prev.end:
			problems = append(problems, fmt.Sprintf("entry %d: it extends %s from %s, but entry %d had it ending on %s", l.Index, name, clip(r.PreviousEndDate), prev.index, prev.end))
		}
		if !seen || r.EndDate >= prev.end {
			periods[ch.Period] = last{r.EndDate, l.Index}
		}
	}
	return out, problems
}

// isDate reports whether s is a calendar date written YYYY-MM-DD (so that
// two of them compare as strings as they do as dates).
func isDate(s string) bool {
	d, err := time.Parse(time.DateOnly, s)
	return err == nil && d.Format(time.DateOnly) == s
}
