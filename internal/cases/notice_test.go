package cases

import (
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
)

// TestNoticeContent: each notice asks for what its section asks for, and
// nothing the section does not (PSTI-M-04, PSTI-I-05, PSTI-I-06,
// PSTI-D-04, PSTI-D-05).
func TestNoticeContent(t *testing.T) {
	tests := []struct {
		role, duty, section string
		required            []string // item keys required, each with its source
		source              map[string]string
		absent              []string
	}{
		{"manufacturer", "notify_enforcement_authority", "s.11(3)", []string{"details", "risks", "steps", "steps_worked"},
			map[string]string{"details": "s.11(6)", "steps_worked": "s.11(6)"}, []string{"ea_notified", "manufacturer_aware"}},
		{"manufacturer", "notify_importers_supplied", "s.11(3)", []string{"details", "risks", "steps", "steps_worked", "ea_notified"},
			map[string]string{"ea_notified": "s.11(7)"}, []string{"manufacturer_aware"}},
		{"manufacturer", "notify_other_manufacturers", "s.11(3)", []string{"ea_notified"}, map[string]string{"ea_notified": "s.11(7)"}, []string{"manufacturer_aware"}},
		{"importer", "notify_enforcement_authority", "s.18(3)", []string{"details", "risks", "steps", "steps_worked"},
			map[string]string{"risks": "s.18"}, []string{"ea_notified", "manufacturer_aware"}},
		{"importer", "notify_enforcement_authority", "s.19(5)", []string{"details", "risks", "steps", "steps_worked"},
			map[string]string{"steps": "s.19(8)"}, []string{"ea_notified", "manufacturer_aware"}},
		{"importer", "notify_distributors_supplied", "s.19(5)", []string{"details", "risks", "steps", "steps_worked", "manufacturer_aware", "ea_notified"},
			map[string]string{"manufacturer_aware": "s.19(9)", "ea_notified": "s.19(9)"}, nil},
		{"distributor", "notify_enforcement_authority", "s.24(3)", []string{"details", "risks", "steps", "steps_worked"},
			map[string]string{"details": "s.24"}, []string{"ea_notified", "manufacturer_aware"}},
		{"distributor", "notify_importers_supplied", "s.25(7)", []string{"details", "manufacturer_aware", "ea_notified"},
			map[string]string{"details": "s.25(9)", "ea_notified": "s.25(10)"}, nil},
		{"distributor", "notify_supplier", "s.25(7)", []string{"manufacturer_aware", "ea_notified"}, map[string]string{"manufacturer_aware": "s.25(10)"}, nil},
		// Contacting is not a notification with content set by the Act;
		// nor is s.13's (the digest gives it none): nothing is required.
		{"importer", "contact_manufacturer", "s.19(3)", nil, nil, []string{"ea_notified", "manufacturer_aware"}},
		{"authorised_representative", "notify_enforcement_authority", "s.13(3)", nil, nil, []string{"ea_notified"}},
	}
	for _, tc := range tests {
		t.Run(tc.role+" "+tc.duty+" "+tc.section, func(t *testing.T) {
			c := &Case{ID: 1, Facts: catalog.Values{"role": tc.role, "status": "confirmed"}}
			d := &CaseDuty{Key: Key(tc.duty, tc.section), Duty: tc.duty, Section: tc.section, State: DutyOpen}
			n, err := Draft(c, d, &Party{Record: psti.Record{ID: 2}, Name: "Them", Email: "them@example.com"}, Situation{Organisation: "Us Ltd", Products: "Cam (model C1)"})
			if err != nil {
				t.Fatal(err)
			}
			req := map[string]bool{}
			for _, it := range n.Items {
				if it.Required {
					req[it.Key] = true
					if it.Source == "" {
						t.Errorf("%s is required without a section", it.Key)
					}
				}
			}
			for _, k := range tc.required {
				if !req[k] {
					t.Errorf("%s is not required", k)
				}
			}
			if tc.required == nil && len(req) > 0 {
				t.Errorf("required %v where the Act sets no content", req)
			}
			for k, src := range tc.source {
				for _, it := range n.Items {
					if it.Key == k && it.Source != src {
						t.Errorf("%s cites %s, want %s", k, it.Source, src)
					}
				}
			}
			for _, k := range tc.absent {
				for _, it := range n.Items {
					if it.Key == k {
						t.Errorf("%s is asked for", k)
					}
				}
			}
			if !strings.Contains(n.Subject, "Cam (model C1)") || !strings.Contains(n.Items[0].Text, tc.section) {
				t.Errorf("subject %q, intro %q", n.Subject, n.Items[0].Text)
			}
			// An empty required item holds the notice back, naming it.
			err = n.Validate(true)
			for _, k := range tc.required {
				if !strings.Contains(psti.ErrorMessage(err)+fieldsOf(err), "item_"+k) {
					t.Errorf("sending with %s empty was not refused: %v", k, err)
				}
			}
		})
	}
	// Only notifications and contacts are drafted; a duty not required is not.
	c := &Case{Facts: catalog.Values{}}
	if _, err := Draft(c, &CaseDuty{Duty: "remedy", State: DutyOpen}, &Party{Name: "x"}, Situation{}); psti.ErrorCode(err) != psti.EINVALID {
		t.Errorf("drafted a notice for remedy: %v", err)
	}
	if _, err := Draft(c, &CaseDuty{Duty: "notify_importers_supplied", Section: "s.11(3)", State: DutyNotRequired}, &Party{Name: "x"}, Situation{}); psti.ErrorCode(err) != psti.EINVALID {
		t.Errorf("drafted a notice for a duty not required: %v", err)
	}
	// Suspected, the subject says so.
	n, _ := Draft(&Case{Facts: catalog.Values{"role": "manufacturer", "status": "suspected"}}, &CaseDuty{Duty: "notify_enforcement_authority", Section: "s.11(3)", State: DutyOpen},
		&Party{Name: "x", Address: "1 Road"}, Situation{Products: "P"})
	if !strings.Contains(n.Subject, "possible compliance failure") || n.Method != "post" {
		t.Errorf("subject %q, method %s", n.Subject, n.Method)
	}
	// And so does the text: a representative contacts the manufacturer
	// about what may be a failure (s.13), and says no more than that.
	for _, d := range []*CaseDuty{{Duty: "notify_enforcement_authority", Section: "s.11(3)", State: DutyOpen}, {Duty: "contact_manufacturer", Section: "s.13(2)", State: DutyOpen},
		{Duty: "notify_enforcement_authority", Section: "s.13(3)", State: DutyOpen}} {
		n, _ := Draft(&Case{Facts: catalog.Values{"role": "authorised_representative", "status": "suspected"}}, d, &Party{Name: "x", Address: "1 Road"}, Situation{Products: "P"})
		if intro := n.Items[0].Text; !strings.Contains(intro, "a possible compliance failure") {
			t.Errorf("%s %s, suspected: intro %q", d.Duty, d.Section, intro)
		}
	}
	n, _ = Draft(&Case{Facts: catalog.Values{"role": "manufacturer", "status": "confirmed"}}, &CaseDuty{Duty: "notify_enforcement_authority", Section: "s.11(3)", State: DutyOpen},
		&Party{Name: "x", Address: "1 Road"}, Situation{Products: "P"})
	if intro := n.Items[0].Text; strings.Contains(intro, "possible") || !strings.Contains(intro, "a compliance failure") {
		t.Errorf("confirmed: intro %q", intro)
	}
}

func fieldsOf(err error) string {
	var b strings.Builder
	for _, f := range psti.ErrorFields(err) {
		b.WriteString(" " + f.Field)
	}
	return b.String()
}

// TestGivenAt: a notice sent electronically is given at 9 am London on the
// next working day after the day sent (s.50(7)), across weekends, bank
// holidays and both clock changes; one given another way, when given.
func TestGivenAt(t *testing.T) {
	cal := disclosure.EnglandAndWales()
	l := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, psti.London)
	}
	tests := []struct {
		name string
		sent time.Time
		want time.Time
	}{
		{"a Monday morning", l(2026, 3, 2, 8, 0), l(2026, 3, 3, 9, 0)},
		{"a Friday evening", l(2026, 3, 6, 23, 59), l(2026, 3, 9, 9, 0)},
		{"a Saturday", l(2026, 3, 7, 12, 0), l(2026, 3, 9, 9, 0)},
		{"Christmas Eve 2026, past Christmas and Boxing Day's substitute", l(2026, 12, 24, 16, 0), l(2026, 12, 29, 9, 0)},
		{"Maundy Thursday 2027, past Good Friday and Easter Monday", l(2027, 3, 25, 10, 0), l(2027, 3, 30, 9, 0)},
		{"the Friday before clocks go forward (BST from 29 March 2026)", l(2026, 3, 27, 15, 0), l(2026, 3, 30, 9, 0)},
		{"the Friday before clocks go back (GMT from 25 October 2026)", l(2026, 10, 23, 15, 0), l(2026, 10, 26, 9, 0)},
		{"just after midnight, London, in summer", time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), l(2026, 7, 2, 9, 0)},
	}
	for _, tc := range tests {
		if got := GivenAt(cal, tc.sent, true); !got.Equal(tc.want) {
			t.Errorf("%s: given %s, want %s", tc.name, psti.LongDateTime(got), psti.LongDateTime(tc.want))
		}
	}
	at := l(2026, 12, 24, 16, 0)
	if got := GivenAt(cal, at, false); !got.Equal(at) {
		t.Errorf("a notice handed over is given when it is handed over, not %v", got)
	}
}

// TestAuthorityDeadlines: each notice's clocks (PSTI-E-11), periods
// counted beginning with the day given, ending at London midnight.
func TestAuthorityDeadlines(t *testing.T) {
	given := time.Date(2026, 3, 2, 9, 0, 0, 0, psti.London) // a Monday
	end := func(m time.Month, d int) time.Time { return time.Date(2026, m, d+1, 0, 0, 0, 0, psti.London) }
	tests := []struct {
		kind, actBy string
		want        []string // name@last day
	}{
		{"intent_compliance", "", []string{"Representations@11 March 2026"}},
		{"intent_stop", "", []string{"Representations@11 March 2026"}},
		{"intent_recall", "", []string{"Representations@11 March 2026"}},
		{"intent_penalty", "", []string{"Representations@29 March 2026"}},
		{"compliance", "2026-03-20", []string{"Comply@20 March 2026", "Appeal@29 March 2026"}},
		{"stop", "", []string{"Appeal@29 March 2026"}},
		{"recall", "2026-04-30", []string{"Appeal@29 March 2026", "Comply@30 April 2026"}},
		{"penalty", "2026-04-30", []string{"Appeal@29 March 2026", "Pay@30 April 2026"}},
	}
	for _, tc := range tests {
		n := &AuthorityNotice{Kind: tc.kind, GivenAt: given.UTC(), ActBy: tc.actBy}
		var got []string
		for _, d := range n.Deadlines() {
			got = append(got, d.Name+"@"+psti.DeadlineDay(d.Due))
			if d.Text == "" || d.Section == "" {
				t.Errorf("%s %s: no text or section", tc.kind, d.Name)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: %v, want %v", tc.kind, got, tc.want)
		}
	}
	// The notice is suspended only by an appeal brought (s.33, s.41): the
	// text must not say it has no effect until an appeal is decided.
	for _, kind := range []string{"compliance", "stop", "recall", "penalty"} {
		for _, d := range (&AuthorityNotice{Kind: kind, GivenAt: given}).Deadlines() {
			if strings.Contains(d.Text, "no effect") && !strings.Contains(d.Text, "If an appeal is brought, the notice has no effect") {
				t.Errorf("%s %s: %q says the notice has no effect without an appeal", kind, d.Name, d.Text)
			}
		}
	}
	// 28 days beginning with 2 March end with 29 March, at midnight.
	if d := (&AuthorityNotice{Kind: "stop", GivenAt: given}).Deadlines()[0].Due; !d.Equal(end(3, 29)) {
		t.Errorf("appeal due %v", d)
	}
	// Pay-by inside 28 days is questioned; at 28 days it is not.
	for actBy, warn := range map[string]bool{"2026-03-28": true, "2026-03-29": false} {
		ds := (&AuthorityNotice{Kind: "penalty", GivenAt: given, ActBy: actBy}).Deadlines()
		for _, d := range ds {
			if d.Name == "Pay" && strings.Contains(d.Text, "s.36(7) requires") != warn {
				t.Errorf("pay by %s: %q", actBy, d.Text)
			}
		}
	}
}

// TestKeepUntil: records are kept 10 years from the day made, in London.
func TestKeepUntil(t *testing.T) {
	for at, want := range map[time.Time]string{
		time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC):   "2036-12-07",
		time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC):  "2036-07-01", // already 1 July in London
		time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC):   "2038-03-01", // no 29 February in 2038: the day after, never before
		time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC): "2036-12-31",
	} {
		if got := KeepUntil(at); got != want {
			t.Errorf("made %v: kept until %s, want %s", at, got, want)
		}
	}
}
