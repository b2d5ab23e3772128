package cases_test

import (
	"context"
	"strings"
	"testing"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// TestSendRefusesStaleSituation: a notice to an importer must say whether
// the authority has been notified (s.11(7)). Drafted before the authority
// was told, it reads "No, not yet."; sent after, that would be untrue, so
// sending is refused beside the item, saying what is now so.
func TestSendRefusesStaleSituation(t *testing.T) {
	ctx := context.Background()
	w := storetest.NewCaseWorld(t, storetest.SQLite)
	svc := w.Svc
	c, err := svc.Open(ctx, staff, cases.Opening{Title: "Default password", Items: []cases.Item{{ProductID: w.Seed.Product.ID}},
		Facts: catalog.Values{"role": "manufacturer", "status": "confirmed", "informed_by": "customer", "made_available_in_uk": true, "units_not_yet_supplied": true,
			"other_manufacturers_known": false, "supplied_importers": true, "supplied_distributors": false},
		Particulars: cases.Particulars{Details: "One password on every unit.", Risks: "Anyone nearby can log in.", Steps: "Firmware 2.1.", StepsWorked: "Not yet known."}})
	must(t, err)
	imp, err := svc.DraftNotice(ctx, staff, c.ID, duty(t, c, "notify_importers_supplied").Key, w.Importer.ID)
	must(t, err)
	if got := itemText(imp, "ea_notified"); got != "No, not yet." {
		t.Fatalf("drafted before the authority was told: %q", got)
	}
	ea, err := svc.DraftNotice(ctx, staff, c.ID, duty(t, c, "notify_enforcement_authority").Key, w.Authority.ID)
	must(t, err)
	_, err = svc.SendNotice(ctx, staff, ea.ID, ea.Revision)
	must(t, err)

	_, err = svc.SendNotice(ctx, staff, imp.ID, imp.Revision)
	if psti.ErrorCode(err) != psti.EINVALID || !strings.Contains(fieldsText(err), "item_ea_notified") {
		t.Fatalf("sent a notice saying the authority was not notified after it was: %v", err)
	}
	// Once the item says what is now so, it goes.
	for i := range imp.Items {
		if imp.Items[i].Key == "ea_notified" {
			imp.Items[i].Text = "Yes: we notified the enforcement authority today."
		}
	}
	must(t, svc.SaveNotice(ctx, staff, imp))
	sent, err := svc.SendNotice(ctx, staff, imp.ID, imp.Revision)
	must(t, err)
	if !strings.Contains(sent.Body, "Yes: we notified the enforcement authority today.") {
		t.Fatalf("body %q", sent.Body)
	}
}

func itemText(n *cases.Notice, key string) string {
	for _, it := range n.Items {
		if it.Key == key {
			return it.Text
		}
	}
	return ""
}

func fieldsText(err error) string {
	var b strings.Builder
	for _, f := range psti.ErrorFields(err) {
		b.WriteString(f.Field + ": " + f.Message + "\n")
	}
	return b.String()
}
