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
func Subject(slug string) string { return ledger.ProductSubject(slug) }

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

// CheckHistory checks, from the log entries of one product (in log order;
// entries of other kinds are passed over), that no support period's end
// date ever went backwards: each period is published once, before it is
// extended; each extension starts from the end date last logged and ends
// later (PSTI-DSP-05); and each record is about the product its entry's
// subject names. The error names the entry at fault and both dates.
func CheckHistory(entries []LogEntry) error {
	last := map[int64]string{} // period id → end date last logged
	lastAt := map[int64]int64{}
	for _, l := range entries {
		e := struct {
			Index int64
			*ledger.Entry
		}{l.Index, l.Entry}
		if e.Kind != KindPublished && e.Kind != KindExtended {
			continue
		}
		var r Record
		if err := json.Unmarshal(e.Record, &r); err != nil {
			return fmt.Errorf("log entry %d: the record cannot be read: %v", e.Index, err)
		}
		if e.Subject != Subject(r.Product) {
			return fmt.Errorf("log entry %d is filed under %s but its record is about product %q", e.Index, e.Subject, r.Product)
		}
		if _, err := psti.ParseDate(r.EndDate); err != nil {
			return fmt.Errorf("log entry %d: support period %d has no valid end date (%q)", e.Index, r.PeriodID, r.EndDate)
		}
		prev, seen := last[r.PeriodID]
		switch e.Kind {
		case KindPublished:
			if seen {
				return fmt.Errorf("log entry %d publishes support period %d again, ending on %s; entry %d had it ending on %s",
					e.Index, r.PeriodID, r.EndDate, lastAt[r.PeriodID], prev)
			}
		case KindExtended:
			switch {
			case !seen:
				return fmt.Errorf("log entry %d extends support period %d, which no earlier entry publishes", e.Index, r.PeriodID)
			case r.EndDate < prev:
				return fmt.Errorf("log entry %d shortens support period %d: from %s (entry %d) to %s", e.Index, r.PeriodID, prev, lastAt[r.PeriodID], r.EndDate)
			case r.EndDate == prev:
				return fmt.Errorf("log entry %d extends support period %d to %s, the date it already ended on (entry %d)", e.Index, r.PeriodID, r.EndDate, lastAt[r.PeriodID])
			case r.PreviousEndDate != prev:
				return fmt.Errorf("log entry %d extends support period %d from %s, but entry %d had it ending on %s", e.Index, r.PeriodID, r.PreviousEndDate, lastAt[r.PeriodID], prev)
			}
		}
		last[r.PeriodID], lastAt[r.PeriodID] = r.EndDate, e.Index
	}
	return nil
}
