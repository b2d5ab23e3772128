package support

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
)

var now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func fieldMessage(err error, field string) string {
	for _, f := range psti.ErrorFields(err) {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		p     Period
		field string // "" for valid
		want  string // in the field's message
	}{
		{"valid", Period{ProductID: 1, EndDate: "2030-03-31", Status: StatusDraft}, "", ""},
		{"narrowed", Period{ProductID: 1, EndDate: "2030-03-31", Status: StatusDraft, Models: []string{"DB-200 (2026)", "firmware 2.x"}}, "", ""},
		{"no product", Period{EndDate: "2030-03-31", Status: StatusDraft}, "product_id", "product"},
		{"no end date", Period{ProductID: 1, Status: StatusDraft}, "end_date", "PSTI-R-02"},
		// PSTI-DSP-01: no period without an end date.
		{"until further notice", Period{ProductID: 1, EndDate: "until further notice", Status: StatusDraft}, "end_date", "PSTI-DSP-01"},
		{"relative", Period{ProductID: 1, EndDate: "5 years from purchase", Status: StatusDraft}, "end_date", "PSTI-R-02"},
		{"lifetime", Period{ProductID: 1, EndDate: "lifetime", Status: StatusDraft}, "end_date", "end on a stated date"},
		{"not a date", Period{ProductID: 1, EndDate: "31/03/2030", Status: StatusDraft}, "end_date", "YYYY-MM-DD"},
		{"impossible date", Period{ProductID: 1, EndDate: "2030-02-30", Status: StatusDraft}, "end_date", "YYYY-MM-DD"},
		{"model twice", Period{ProductID: 1, EndDate: "2030-03-31", Status: StatusDraft, Models: []string{"A", "a"}}, "models", "twice"},
		{"empty model", Period{ProductID: 1, EndDate: "2030-03-31", Status: StatusDraft, Models: []string{" "}}, "models", "required"},
		{"long notes", Period{ProductID: 1, EndDate: "2030-03-31", Status: StatusDraft, Notes: strings.Repeat("x", MaxNotes+1)}, "notes", "at most"},
		{"bad status", Period{ProductID: 1, EndDate: "2030-03-31", Status: "gone"}, "status", "draft or published"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.p.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("valid period refused: %v", err)
				}
				return
			}
			if psti.ErrorCode(err) != psti.EINVALID || !strings.Contains(fieldMessage(err, c.field), c.want) {
				t.Fatalf("error %v; want %s refused, saying %q", err, c.field, c.want)
			}
		})
	}
}

func published(end string) *Period {
	p := &Period{ID: 3, ProductID: 1, EndDate: end, Status: StatusDraft, Revision: 1}
	if err := Publish(p, now); err != nil {
		panic(err)
	}
	return p
}

func TestPublish(t *testing.T) {
	p := &Period{ProductID: 1, EndDate: "2030-03-31", Status: StatusDraft, Revision: 1}
	if err := Publish(p, now); err != nil {
		t.Fatal(err)
	}
	if !p.Published() || p.FirstPublishedAt == nil || !p.FirstPublishedAt.Equal(now) || p.Revision != 2 {
		t.Fatalf("published: %+v", p)
	}
	if err := Publish(p, now.Add(time.Hour)); psti.ErrorCode(err) != psti.ECONFLICT || !p.FirstPublishedAt.Equal(now) {
		t.Fatalf("publishing twice: %v, first published %v", err, p.FirstPublishedAt)
	}
	bad := &Period{ProductID: 1, EndDate: "until further notice", Status: StatusDraft}
	if err := Publish(bad, now); psti.ErrorCode(err) != psti.EINVALID || bad.Published() {
		t.Fatalf("publishing an open-ended draft: %v, status %s", err, bad.Status)
	}
}

func TestExtend(t *testing.T) {
	for _, c := range []struct {
		name          string
		end, reason   string
		code          psti.Code // "" for allowed
		field, phrase string
	}{
		{"later", "2031-03-31", "Parts supply secured for another year.", "", "", ""},
		{"a day later", "2030-04-01", "One more day.", "", "", ""},
		// PSTI-DSP-05: the single step back is refused, and said why.
		{"a day earlier", "2030-03-30", "Oops.", psti.ECONFLICT, "end_date", "extended but never shortened"},
		{"years earlier", "2027-01-01", "Cost cutting.", psti.ECONFLICT, "end_date", "cannot end on 1 January 2027"},
		{"same date", "2030-03-31", "Nothing.", psti.EINVALID, "end_date", "later date"},
		{"no reason", "2031-03-31", " ", psti.EINVALID, "reason", "required"},
		{"open-ended", "until further notice", "Forever.", psti.EINVALID, "end_date", "PSTI-DSP-01"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := published("2030-03-31")
			rev := p.Revision
			e, err := Extend(p, c.end, c.reason, now.Add(time.Hour))
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if p.EndDate != c.end || e.PreviousEndDate != "2030-03-31" || e.EndDate != c.end || e.Reason != c.reason ||
					len(p.Extensions) != 1 || p.Revision != rev+1 {
					t.Fatalf("extended: %+v, %+v", p, e)
				}
				return
			}
			if psti.ErrorCode(err) != c.code || !strings.Contains(fieldMessage(err, c.field), c.phrase) {
				t.Fatalf("error %v; want %s on %s saying %q", err, c.code, c.field, c.phrase)
			}
			if p.EndDate != "2030-03-31" || p.Revision != rev || len(p.Extensions) != 0 {
				t.Fatalf("a refused extension changed the period: %+v", p)
			}
		})
	}
	draft := &Period{ProductID: 1, EndDate: "2030-03-31", Status: StatusDraft}
	if _, err := Extend(draft, "2031-01-01", "x", now); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("extending a draft: %v", err)
	}
}

func TestCheckEdit(t *testing.T) {
	draft := &Period{ID: 3, ProductID: 1, EndDate: "2030-03-31", Status: StatusDraft, Revision: 2}
	// A draft may be shortened, lengthened, narrowed and annotated.
	next, err := CheckEdit(draft, &Period{ProductID: 1, EndDate: "2029-01-01", Models: []string{"DB-200"}, Notes: "n", Revision: 2, Status: StatusDraft}, now)
	if err != nil || next.EndDate != "2029-01-01" || next.Models[0] != "DB-200" || next.Notes != "n" || next.Revision != 3 || next.ID != 3 {
		t.Fatalf("editing a draft: %+v, %v", next, err)
	}
	for _, c := range []struct {
		name        string
		before      *Period
		after       Period
		code        psti.Code
		field, want string
	}{
		{"stale", draft, Period{EndDate: "2030-03-31", Revision: 1}, psti.ECONFLICT, "", ""},
		{"other product", draft, Period{ProductID: 2, EndDate: "2030-03-31"}, psti.EINVALID, "product_id", "another product"},
		{"draft made published", draft, Period{EndDate: "2030-03-31", Status: StatusPublished}, psti.EINVALID, "status", "publish action"},
		{"draft made open-ended", draft, Period{EndDate: "for ever"}, psti.EINVALID, "end_date", "PSTI-DSP-01"},
		// PSTI-DSP-05: a published end date changes only by Extend.
		{"published shortened", published("2030-03-31"), Period{EndDate: "2030-03-30"}, psti.ECONFLICT, "end_date", "never shortened"},
		{"published moved later", published("2030-03-31"), Period{EndDate: "2031-03-31"}, psti.ECONFLICT, "end_date", "extend it"},
		{"published narrowed", published("2030-03-31"), Period{EndDate: "2030-03-31", Models: []string{"only one"}}, psti.ECONFLICT, "models", "cannot change"},
		{"published unpublished", published("2030-03-31"), Period{EndDate: "2030-03-31", Status: StatusDraft}, psti.ECONFLICT, "status", "stays published"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := CheckEdit(c.before, &c.after, now)
			if psti.ErrorCode(err) != c.code || (c.field != "" && !strings.Contains(fieldMessage(err, c.field), c.want)) {
				t.Fatalf("error %v; want %s on %q saying %q", err, c.code, c.field, c.want)
			}
		})
	}
	// A published period's notes may change; nothing else does.
	p := published("2030-03-31")
	next, err = CheckEdit(p, &Period{EndDate: "2030-03-31", Notes: "Now also on the box.", Status: StatusPublished}, now)
	if err != nil || next.Notes != "Now also on the box." || next.EndDate != "2030-03-31" || !next.Published() {
		t.Fatalf("notes of a published period: %+v, %v", next, err)
	}
}

func TestCheckDelete(t *testing.T) {
	if err := CheckDelete(&Period{Status: StatusDraft}); err != nil {
		t.Fatalf("deleting a draft: %v", err)
	}
	if err := CheckDelete(published("2030-03-31")); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("deleting a published period: %v", err)
	}
}

func TestEnded(t *testing.T) {
	p := &Period{EndDate: "2026-06-30"}
	// The last day is covered to its end in London (BST: 23:00 UTC).
	if p.Ended(time.Date(2026, 6, 30, 22, 59, 0, 0, time.UTC)) {
		t.Error("ended during its last day")
	}
	if !p.Ended(time.Date(2026, 6, 30, 23, 0, 0, 0, time.UTC)) {
		t.Error("not ended once its last day was over in London")
	}
}

func entry(index int64, kind string, r Record) LogEntry {
	b, _ := json.Marshal(r)
	return LogEntry{Index: index, Entry: &ledger.Entry{Kind: kind, Subject: Subject(r.Product), At: now, Record: b}}
}

func TestCheckHistory(t *testing.T) {
	pub := func(i, id int64, end string) LogEntry {
		return entry(i, KindPublished, Record{PeriodID: id, Product: "acme-doorbell", EndDate: end})
	}
	ext := func(i, id int64, from, to string) LogEntry {
		return entry(i, KindExtended, Record{PeriodID: id, Product: "acme-doorbell", PreviousEndDate: from, EndDate: to, Reason: "r"})
	}
	other := LogEntry{Index: 5, Entry: &ledger.Entry{Kind: ledger.KindAdvisoryPublished, Subject: "advisory/ACME-2026-0001", Record: json.RawMessage(`{"end_date":"1999-01-01"}`)}}
	elsewhere := entry(6, KindExtended, Record{PeriodID: 7, Product: "acme-plug", PreviousEndDate: "2030-03-31", EndDate: "2031-01-01"})
	elsewhere.Entry.Subject = Subject("acme-doorbell")
	for _, c := range []struct {
		name    string
		entries []LogEntry
		want    []string // in the error; nil for a good history
	}{
		{"empty", nil, nil},
		{"published and extended twice", []LogEntry{pub(1, 7, "2030-03-31"), other, ext(9, 7, "2030-03-31", "2031-03-31"), ext(12, 7, "2031-03-31", "2033-12-31")}, nil},
		{"two periods, each in order", []LogEntry{pub(1, 7, "2030-03-31"), pub(2, 8, "2028-01-01"), ext(3, 8, "2028-01-01", "2029-01-01"), ext(4, 7, "2030-03-31", "2030-04-01")}, nil},
		// The one bad step in an otherwise good history is found, and named.
		{"one step back", []LogEntry{pub(1, 7, "2030-03-31"), ext(9, 7, "2030-03-31", "2031-03-31"), ext(12, 7, "2031-03-31", "2031-03-30")},
			[]string{"entry 12", "2031-03-31", "2031-03-30", "went backwards"}},
		{"same date", []LogEntry{pub(1, 7, "2030-03-31"), ext(4, 7, "2030-03-31", "2030-03-31")}, []string{"entry 4", "2030-03-31"}},
		{"published again, earlier", []LogEntry{pub(1, 7, "2030-03-31"), pub(6, 7, "2029-01-01")}, []string{"entry 6", "2029-01-01", "2030-03-31"}},
		{"extension from the wrong date", []LogEntry{pub(1, 7, "2030-03-31"), ext(3, 7, "2029-03-31", "2031-01-01")}, []string{"entry 3", "2029-03-31", "2030-03-31"}},
		{"extension of nothing", []LogEntry{ext(2, 7, "2030-03-31", "2031-01-01")}, []string{"entry 2", "no earlier entry"}},
		{"unreadable", []LogEntry{{Index: 4, Entry: &ledger.Entry{Kind: KindPublished, Subject: "product/x", Record: json.RawMessage(`{`)}}}, []string{"entry 4"}},
		{"another product's record", []LogEntry{pub(1, 7, "2030-03-31"), elsewhere}, []string{"entry 6", "acme-plug"}},
		{"no date", []LogEntry{pub(8, 7, "soon")}, []string{"entry 8", "soon"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckHistory(c.entries)
			if c.want == nil {
				if err != nil {
					t.Fatalf("good history refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("bad history passed")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestEntry(t *testing.T) {
	r := Record{PeriodID: 7, Product: "acme-doorbell", ProductName: "Doorbell", Brand: "Acme", EndDate: "2030-03-31"}
	e, err := Entry(r, now)
	if err != nil || e.Kind != ledger.KindSupportPublished || e.Subject != "product/acme-doorbell" || !e.At.Equal(now) {
		t.Fatalf("publication entry %+v, %v", e, err)
	}
	r.PreviousEndDate, r.EndDate, r.Reason = "2030-03-31", "2031-03-31", "More time."
	x, err := Entry(r, now)
	if err != nil || x.Kind != ledger.KindSupportExtended || x.Ref == e.Ref {
		t.Fatalf("extension entry %+v, %v", x, err)
	}
	var back Record
	if err := json.Unmarshal(x.Record, &back); err != nil || back.PreviousEndDate != "2030-03-31" || back.EndDate != "2031-03-31" || back.Reason != "More time." {
		t.Fatalf("record read back %+v, %v", back, err)
	}
	if _, err := x.Encode(); err != nil {
		t.Fatalf("the log cannot encode it: %v", err)
	}
}

// TestHistory: PSTI-DSP-05, from the log alone: what psti verify product
// prints and checks. Every change is listed; each backward step, and every
// record that cannot be trusted to say, is named by its entry.
func TestHistory(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	e := func(kind, rec string) *ledger.Entry {
		return &ledger.Entry{Kind: kind, At: at, Subject: "product/doorbell", Record: json.RawMessage(rec)}
	}
	pub, ext := KindPublished, KindExtended
	tests := []struct {
		name    string
		entries []*ledger.Entry
		changes int
		want    []string
	}{
		{"published and extended twice", []*ledger.Entry{
			e(pub, `{"period_id":1,"product":"doorbell","end_date":"2030-03-31"}`),
			e(ext, `{"period_id":1,"product":"doorbell","end_date":"2031-03-31","previous_end_date":"2030-03-31"}`),
			e(ext, `{"period_id":1,"product":"doorbell","end_date":"2032-03-31","previous_end_date":"2031-03-31"}`),
		}, 3, nil},
		{"records without a period or product", []*ledger.Entry{
			e(pub, `{"end_date":"2030-03-31"}`),
			e(ext, `{"end_date":"2030-04-01"}`),
		}, 2, nil},
		{"other subjects and kinds are passed over", []*ledger.Entry{
			e(pub, `{"period_id":1,"end_date":"2030-03-31"}`),
			{Kind: pub, At: at, Subject: "product/other", Record: json.RawMessage(`{"period_id":1,"end_date":"2020-01-01"}`)},
			{Kind: ledger.KindPolicyChanged, At: at, Subject: "product/doorbell", Record: json.RawMessage(`{}`)},
		}, 1, nil},
		{"shortened", []*ledger.Entry{
			e(pub, `{"period_id":1,"end_date":"2030-03-31"}`),
			e(ext, `{"period_id":1,"end_date":"2031-03-31","previous_end_date":"2030-03-31"}`),
			e(ext, `{"period_id":1,"end_date":"2029-12-31","previous_end_date":"2031-03-31"}`),
		}, 3, []string{"entry 2: the end date went backwards: support period 1 ends on 2029-12-31, earlier than 2031-03-31, published in entry 1"}},
		{"published again, earlier", []*ledger.Entry{
			e(pub, `{"end_date":"2030-03-31"}`),
			e(pub, `{"end_date":"2030-03-30"}`),
		}, 2, []string{"entry 1: the end date went backwards: the support period ends on 2030-03-30"}},
		{"published again, later", []*ledger.Entry{
			e(pub, `{"period_id":4,"end_date":"2030-03-31"}`),
			e(pub, `{"period_id":4,"end_date":"2031-03-31"}`),
		}, 2, []string{"entry 1: it publishes support period 4 again"}},
		{"no date", []*ledger.Entry{
			e(pub, `{"period_id":1,"end_date":"until further notice"}`),
			e(pub, `{"period_id":2,"end_date":"2030-02-30"}`),
			e(pub, `{"period_id":3}`),
		}, 3, []string{"entry 0: support period 1 has no end date", "entry 1: support period 2 has no end date", "entry 2: support period 3 has no end date"}},
		{"unreadable record", []*ledger.Entry{e(pub, `[1]`), e(pub, `{"period_id":"A","end_date":"2030-01-01"}`)}, 0,
			[]string{"entry 0: its support record cannot be read", "entry 1: its support record cannot be read"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logged []LogEntry
			for i, en := range tc.entries {
				logged = append(logged, LogEntry{Index: int64(i), Entry: en})
			}
			changes, problems := History(logged, Subject("doorbell"))
			if len(changes) != tc.changes {
				t.Fatalf("%d changes, want %d: %+v", len(changes), tc.changes, changes)
			}
			if len(problems) != len(tc.want) {
				t.Fatalf("problems %q, want %q", problems, tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(problems[i], w) {
					t.Fatalf("problem %d: %q, want %q", i, problems[i], w)
				}
			}
		})
	}
}
