package main

import (
	"encoding/json"
	"testing"
)

// TestDutiesContract: psti duties --facts FILE --format json prints the
// duties, the duties not required with why, and the rules version; exit 0
// for any decision, 2 for facts that cannot be used.
func TestDutiesContract(t *testing.T) {
	f := writeTemp(t, "failure.json", `{"role": "importer", "failure_by": "manufacturer", "status": "confirmed",
		"informed_by": "distributor", "informer_says_manufacturer_aware": true, "informer_says_ea_notified": false,
		"made_available_in_uk": true, "supplied_uk_customers": true, "manufacturer_likely_to_remedy": null,
		"supplied_distributors": true}`)
	r := cli(t, "duties", "--facts", f, "--format", "json")
	wantExit(t, r, 0)
	var d struct {
		Duties []struct {
			Duty, Timing, Section, To string
			NeedsReview               bool `json:"needs_review"`
		}
		NotRequired []struct{ Duty, Why string } `json:"not_required"`
		Version     string                       `json:"rules_version"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	found := map[string]bool{}
	for _, x := range d.Duties {
		found[x.Duty+" "+x.Section+" "+x.Timing] = true
		if x.Duty == "stop_further_supply" && !x.NeedsReview {
			t.Error("stop_further_supply turns on an unknown fact but is not for review")
		}
	}
	for _, want := range []string{"notify_enforcement_authority s.19(5) as_soon_as_possible", "notify_distributors_supplied s.19(5) as_soon_as_possible", "investigate s.17 none"} {
		if !found[want] {
			t.Errorf("no duty %q in %s", want, r.stdout)
		}
	}
	carved := false
	for _, x := range d.NotRequired {
		carved = carved || (x.Duty == "contact_manufacturer" && x.Why != "")
	}
	if !carved || d.Version == "" {
		t.Fatalf("s.19(10) carve-out or version missing: %s", r.stdout)
	}
	r = cli(t, "duties", "--facts", f)
	wantExit(t, r, 0)
	wantContains(t, "the text", r.stdout, "notify enforcement authority, as soon as possible [s.19(5)]", "Not required:")

	for name, body := range map[string]string{
		"role.json":    `{"role": "retailer"}`,
		"unknown.json": `{"rol": "importer"}`,
		"kind.json":    `{"made_available_in_uk": "perhaps"}`,
		"array.json":   `[]`,
	} {
		r := cli(t, "duties", "--facts", writeTemp(t, name, body), "--format", "json")
		wantExit(t, r, 2)
		if r.stdout != "" {
			t.Errorf("%s: printed duties for unusable facts", name)
		}
	}
	wantExit(t, cli(t, "duties"), 2)
}
