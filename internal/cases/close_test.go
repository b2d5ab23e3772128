package cases_test

import (
	"context"
	"testing"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/store/storetest"
)

// TestCloseMarksOnlyRecordsMade: closing marks a record duty done only
// where it made that record (s.12, s.20). A manufacturer whose
// investigation found no failure makes no failure record; an importer that
// knows of no investigation by the manufacturer makes no record of one.
// Neither duty may then read "done: record made" in the case or its file.
func TestCloseMarksOnlyRecordsMade(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		role, duty string
		facts      catalog.Values
	}{
		{"manufacturer", "keep_failure_record", catalog.Values{"role": "manufacturer", "informed_by": "customer", "made_available_in_uk": true}},
		{"importer", "record_manufacturer_investigation", catalog.Values{"role": "importer", "failure_by": "manufacturer", "informed_by": "customer", "made_available_in_uk": true}},
	} {
		t.Run(tc.role, func(t *testing.T) {
			w := storetest.NewCaseWorld(t, storetest.SQLite)
			c, err := w.Svc.Open(ctx, staff, cases.Opening{Title: "Maybe a default password", Items: []cases.Item{{ProductID: w.Seed.Product.ID}}, Facts: tc.facts})
			must(t, err)
			c, err = w.Svc.SetDuty(ctx, staff, c.ID, c.Revision, duty(t, c, "investigate").Key, cases.DutyDone, "tested every unit")
			must(t, err)
			c, recs, err := w.Svc.Close(ctx, staff, c.ID, cases.Closing{Revision: c.Revision, Outcome: "No failure: each unit asks for a new password."})
			must(t, err)
			for _, r := range recs {
				if r.Kind != "investigation" {
					t.Errorf("made a %s record without one to make", r.Kind)
				}
			}
			c, err = w.Svc.Case(ctx, c.ID)
			must(t, err)
			if d := duty(t, c, tc.duty); d.State == cases.DutyDone {
				t.Errorf("%s marked done (%q) though no such record was made", tc.duty, d.Note)
			}
			if d := duty(t, c, "keep_investigation_record"); d.State != cases.DutyDone {
				t.Errorf("the investigation record was made, but its duty is %s", d.State)
			}
		})
	}
}
