package cases

import (
	"slices"
	"strings"
	"testing"

	"github.com/psti/psti/internal/catalog"
)

// facts builds a fact set from "key=value" pairs: true/false for yes or no,
// "null" for informed_by's "found it ourselves", anything else a choice.
func facts(t *testing.T, pairs string) catalog.Values {
	t.Helper()
	var b strings.Builder
	b.WriteString("{")
	for i, kv := range strings.Fields(pairs) {
		k, v, _ := strings.Cut(kv, "=")
		if i > 0 {
			b.WriteString(",")
		}
		switch v {
		case "true", "false", "null":
			b.WriteString(`"` + k + `":` + v)
		default:
			b.WriteString(`"` + k + `":"` + v + `"`)
		}
	}
	b.WriteString("}")
	v, err := catalog.DefaultDutyRules().ParseAnswers([]byte(b.String()))
	if err != nil {
		t.Fatalf("%s: %v", b.String(), err)
	}
	return v
}

// got renders duties as "duty section timing" (with " ?" when for review)
// and not-required ones as "-duty section".
func got(d Decision) []string {
	var out []string
	short := map[string]string{"as_soon_as_possible": "asap", "as_soon_as_practicable": "asp", "none": "none"}
	for _, x := range d.Duties {
		s := x.Duty + " " + x.Section + " " + short[x.Timing]
		if x.NeedsReview {
			s += " ?"
		}
		out = append(out, s)
	}
	for _, x := range d.NotRequired {
		out = append(out, "-"+x.Duty+" "+x.Section)
	}
	slices.Sort(out)
	return out
}

const (
	mfrAll   = "role=manufacturer status=confirmed made_available_in_uk=true units_not_yet_supplied=true other_manufacturers_known=true supplied_importers=true supplied_distributors=true"
	impMfr   = "role=importer failure_by=manufacturer status=confirmed made_available_in_uk=true supplied_uk_customers=true manufacturer_likely_to_remedy=false supplied_distributors=true"
	distMfr  = "role=distributor failure_by=manufacturer status=confirmed made_available_in_uk=true supplied_uk_customers=true manufacturer_likely_to_remedy=false manufacturer_contactable=true obtained_from_importer_or_distributor=true supplied_importers=true supplied_distributors=true"
	mfrNotes = "notify_distributors_supplied s.11(3) asap|notify_enforcement_authority s.11(3) asap|notify_importers_supplied s.11(3) asap|notify_other_manufacturers s.11(3) asap|prevent_supply s.11(2)(a) asp|remedy s.11(2)(b) asp|keep_investigation_record s.12(1)(a) none|keep_failure_record s.12(1)(b) none|-notify_customers s.11(4)"
)

// cases is one fact set per branch of ss.10-25 and s.13; want lists every
// duty and not-required duty the facts give, separated by |.
var dutyCases = []struct {
	name, facts, want string
}{
	// Manufacturers: s.10 investigate only when told; s.11 duties firm
	// only when aware; s.12 records.
	{"manufacturer told by a customer, confirmed", mfrAll + " informed_by=customer", "investigate s.10 none|" + mfrNotes},
	{"manufacturer found it itself", mfrAll + " informed_by=null", "-investigate s.10|" + mfrNotes},
	{"manufacturer told by the authority", mfrAll + " informed_by=enforcement_authority", "investigate s.10 none|" + mfrNotes},
	{"manufacturer told by an importer: still notifies importers (not that one) and the authority (s.11(8) covers only the teller)", mfrAll + " informed_by=importer informer_says_ea_notified=true", "investigate s.10 none|" + mfrNotes},
	{"manufacturer told, before making it available", strings.Replace(mfrAll, "made_available_in_uk=true", "made_available_in_uk=false", 1) + " informed_by=other", "-investigate s.10|" + mfrNotes},
	{"manufacturer, suspected only", strings.Replace(mfrAll, "status=confirmed", "status=suspected", 1) + " informed_by=other",
		"investigate s.10 none|keep_investigation_record s.12(1)(a) none|keep_failure_record s.12(1)(b) none ?|notify_distributors_supplied s.11(3) asap ?|notify_enforcement_authority s.11(3) asap ?|notify_importers_supplied s.11(3) asap ?|notify_other_manufacturers s.11(3) asap ?|prevent_supply s.11(2)(a) asp ?|remedy s.11(2)(b) asp ?|-notify_customers s.11(4)"},
	{"manufacturer, every unit already supplied, nobody else to tell", "role=manufacturer status=confirmed informed_by=null made_available_in_uk=true units_not_yet_supplied=false other_manufacturers_known=false supplied_importers=false supplied_distributors=false",
		"-investigate s.10|-prevent_supply s.11(2)(a)|-notify_other_manufacturers s.11(3)|-notify_importers_supplied s.11(3)|-notify_distributors_supplied s.11(3)|notify_enforcement_authority s.11(3) asap|remedy s.11(2)(b) asp|keep_investigation_record s.12(1)(a) none|keep_failure_record s.12(1)(b) none|-notify_customers s.11(4)"},
	{"manufacturer, unsold stock not known", "role=manufacturer status=confirmed informed_by=null made_available_in_uk=true other_manufacturers_known=false supplied_importers=false supplied_distributors=false",
		"-investigate s.10|prevent_supply s.11(2)(a) asp ?|-notify_other_manufacturers s.11(3)|-notify_importers_supplied s.11(3)|-notify_distributors_supplied s.11(3)|notify_enforcement_authority s.11(3) asap|remedy s.11(2)(b) asp|keep_investigation_record s.12(1)(a) none|keep_failure_record s.12(1)(b) none|-notify_customers s.11(4)"},

	// Authorised representatives: s.13, firm even when only possible.
	{"representative told of a possible failure", "role=authorised_representative status=suspected informed_by=customer established_in_uk=false",
		"contact_manufacturer s.13(2) asap|notify_enforcement_authority s.13(3) asap"},
	{"representative told by an importer who says the authority knows: s.13 has no carve-out", "role=authorised_representative status=confirmed informed_by=importer informer_says_ea_notified=true informer_says_manufacturer_aware=true established_in_uk=false",
		"contact_manufacturer s.13(2) asap|notify_enforcement_authority s.13(3) asap"},
	{"representative found it itself", "role=authorised_representative status=confirmed informed_by=null established_in_uk=false",
		"-contact_manufacturer s.13(2)|-notify_enforcement_authority s.13(3)"},
	{"representative of a manufacturer established in the UK: s.51(1) gives it none, so no s.13 duty", "role=authorised_representative status=confirmed informed_by=customer established_in_uk=true",
		"-contact_manufacturer s.13(2)|-notify_enforcement_authority s.13(3)"},
	{"representative, where the manufacturer is established not known", "role=authorised_representative status=confirmed informed_by=customer",
		"contact_manufacturer s.13(2) asap ?|notify_enforcement_authority s.13(3) asap ?"},

	// Importers, the manufacturer's failure (s.19), with s.17, s.20.
	{"importer told by a customer", impMfr + " informed_by=customer informer_says_manufacturer_aware=true informer_says_ea_notified=true",
		"investigate s.17 none|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|contact_manufacturer s.19(3) asap|stop_further_supply s.19(4) asp|notify_enforcement_authority s.19(5) asap|notify_distributors_supplied s.19(5) asap|-notify_customers s.19(5)"},
	{"importer told by the manufacturer", impMfr + " informed_by=manufacturer informer_says_ea_notified=false",
		"investigate s.17 none|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|-contact_manufacturer s.19(3)|stop_further_supply s.19(4) asp|notify_enforcement_authority s.19(5) asap|notify_distributors_supplied s.19(5) asap|-notify_customers s.19(5)"},
	{"importer told by a distributor who says the manufacturer knows and the authority was told", impMfr + " informed_by=distributor informer_says_manufacturer_aware=true informer_says_ea_notified=true",
		"investigate s.17 none|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|-contact_manufacturer s.19(3)|stop_further_supply s.19(4) asp|-notify_enforcement_authority s.19(5)|notify_distributors_supplied s.19(5) asap|-notify_customers s.19(5)"},
	{"importer told by the authority itself: not a business's notice, no carve-out", impMfr + " informed_by=enforcement_authority informer_says_ea_notified=true informer_says_manufacturer_aware=true",
		"investigate s.17 none|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|contact_manufacturer s.19(3) asap|stop_further_supply s.19(4) asp|notify_enforcement_authority s.19(5) asap|notify_distributors_supplied s.19(5) asap|-notify_customers s.19(5)"},
	{"importer, manufacturer likely to remedy", strings.Replace(impMfr, "manufacturer_likely_to_remedy=false", "manufacturer_likely_to_remedy=true", 1) + " informed_by=null",
		"-investigate s.17|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|contact_manufacturer s.19(3) asap|-stop_further_supply s.19(4)|notify_enforcement_authority s.19(5) asap|notify_distributors_supplied s.19(5) asap|-notify_customers s.19(5)"},
	{"importer, remedy likelihood not known", strings.Replace(impMfr, " manufacturer_likely_to_remedy=false", "", 1) + " informed_by=null",
		"-investigate s.17|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|contact_manufacturer s.19(3) asap|stop_further_supply s.19(4) asp ?|notify_enforcement_authority s.19(5) asap|notify_distributors_supplied s.19(5) asap|-notify_customers s.19(5)"},
	{"importer, suspected", strings.Replace(impMfr, "status=confirmed", "status=suspected", 1) + " informed_by=other",
		"investigate s.17 none|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|contact_manufacturer s.19(3) asap ?|stop_further_supply s.19(4) asp ?|notify_enforcement_authority s.19(5) asap ?|notify_distributors_supplied s.19(5) asap ?|-notify_customers s.19(5)"},
	{"importer supplied no distributor", strings.Replace(impMfr, "supplied_distributors=true", "supplied_distributors=false", 1) + " informed_by=other",
		"investigate s.17 none|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|contact_manufacturer s.19(3) asap|stop_further_supply s.19(4) asp|notify_enforcement_authority s.19(5) asap|-notify_distributors_supplied s.19(5)|-notify_customers s.19(5)"},
	{"importer has not made it available yet", "role=importer failure_by=manufacturer status=confirmed informed_by=other made_available_in_uk=false",
		"-investigate s.17|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|-contact_manufacturer s.19(3)|-stop_further_supply s.19(4)|-notify_enforcement_authority s.19(5)|-notify_distributors_supplied s.19(5)|-notify_customers s.19(5)"},
	{"importer told by a customer who says the authority knows: not a business's notice", impMfr + " informed_by=customer informer_says_ea_notified=true",
		"investigate s.17 none|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|contact_manufacturer s.19(3) asap|stop_further_supply s.19(4) asp|notify_enforcement_authority s.19(5) asap|notify_distributors_supplied s.19(5) asap|-notify_customers s.19(5)"},
	{"importer told by an authorised representative who says the manufacturer knows: not a relevant person (s.7), no carve-out", impMfr + " informed_by=authorised_representative informer_says_manufacturer_aware=true informer_says_ea_notified=true",
		"investigate s.17 none|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|contact_manufacturer s.19(3) asap|stop_further_supply s.19(4) asp|notify_enforcement_authority s.19(5) asap|notify_distributors_supplied s.19(5) asap|-notify_customers s.19(5)"},

	// Importers, their own failure (s.18): no carve-outs.
	{"importer's own failure after supply", "role=importer failure_by=self status=confirmed informed_by=distributor informer_says_ea_notified=true made_available_in_uk=true supplied_uk_customers=true",
		"investigate s.17 none|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|remedy s.18(2) asp|notify_enforcement_authority s.18(3) asap|-notify_customers s.18(3)"},
	{"importer's own failure before any customer", "role=importer failure_by=self status=confirmed informed_by=null made_available_in_uk=true supplied_uk_customers=false",
		"-investigate s.17|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|-remedy s.18(2)|-notify_enforcement_authority s.18(3)|-notify_customers s.18(3)"},
	{"importer's own failure, suspected", "role=importer failure_by=self status=suspected informed_by=null made_available_in_uk=true supplied_uk_customers=true",
		"-investigate s.17|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|remedy s.18(2) asp ?|notify_enforcement_authority s.18(3) asap ?|-notify_customers s.18(3)"},

	// Distributors, the manufacturer's failure (s.25).
	{"distributor, manufacturer reachable, obtained from an importer", distMfr + " informed_by=customer",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|contact_manufacturer s.25(3) asap|-contact_supplier s.25(4)|stop_further_supply s.25(5) none|notify_enforcement_authority s.25(6) asap|notify_importers_supplied s.25(6) asap|notify_distributors_supplied s.25(6) asap|notify_supplier s.25(6) asap|-notify_customers s.25(6)"},
	{"distributor, manufacturer unreachable", strings.Replace(distMfr, "manufacturer_contactable=true", "manufacturer_contactable=false", 1) + " informed_by=customer",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|-contact_manufacturer s.25(3)|contact_supplier s.25(4) asap|stop_further_supply s.25(5) none|notify_enforcement_authority s.25(6) asap|notify_importers_supplied s.25(6) asap|notify_distributors_supplied s.25(6) asap|-notify_supplier s.25(6)|-notify_customers s.25(6)"},
	{"distributor, manufacturer unreachable, bought direct", strings.Replace(strings.Replace(distMfr, "manufacturer_contactable=true", "manufacturer_contactable=false", 1), "obtained_from_importer_or_distributor=true", "obtained_from_importer_or_distributor=false", 1) + " informed_by=customer",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|-contact_manufacturer s.25(3)|-contact_supplier s.25(4)|stop_further_supply s.25(5) none|notify_enforcement_authority s.25(6) asap|notify_importers_supplied s.25(6) asap|notify_distributors_supplied s.25(6) asap|-notify_supplier s.25(6)|-notify_customers s.25(6)"},
	{"distributor told by the importer who says both are aware", distMfr + " informed_by=importer informer_says_manufacturer_aware=true informer_says_ea_notified=true",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|-contact_manufacturer s.25(3)|-contact_supplier s.25(4)|stop_further_supply s.25(5) none|-notify_enforcement_authority s.25(6)|notify_importers_supplied s.25(6) asap|notify_distributors_supplied s.25(6) asap|notify_supplier s.25(6) asap|-notify_customers s.25(6)"},
	{"distributor told by the manufacturer", distMfr + " informed_by=manufacturer informer_says_ea_notified=false",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|-contact_manufacturer s.25(3)|-contact_supplier s.25(4)|stop_further_supply s.25(5) none|notify_enforcement_authority s.25(6) asap|notify_importers_supplied s.25(6) asap|notify_distributors_supplied s.25(6) asap|notify_supplier s.25(6) asap|-notify_customers s.25(6)"},
	{"distributor, manufacturer likely to remedy", strings.Replace(distMfr, "manufacturer_likely_to_remedy=false", "manufacturer_likely_to_remedy=true", 1) + " informed_by=other",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|contact_manufacturer s.25(3) asap|-contact_supplier s.25(4)|-stop_further_supply s.25(5)|notify_enforcement_authority s.25(6) asap|notify_importers_supplied s.25(6) asap|notify_distributors_supplied s.25(6) asap|notify_supplier s.25(6) asap|-notify_customers s.25(6)"},
	{"distributor, suspected", strings.Replace(distMfr, "status=confirmed", "status=suspected", 1) + " informed_by=other",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|contact_manufacturer s.25(3) asap ?|-contact_supplier s.25(4)|stop_further_supply s.25(5) none ?|notify_enforcement_authority s.25(6) asap ?|notify_importers_supplied s.25(6) asap ?|notify_distributors_supplied s.25(6) asap ?|notify_supplier s.25(6) asap ?|-notify_customers s.25(6)"},
	{"distributor, not yet made available", "role=distributor failure_by=manufacturer status=confirmed informed_by=other made_available_in_uk=false",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|-contact_manufacturer s.25(3)|-contact_supplier s.25(4)|-stop_further_supply s.25(5)|-notify_enforcement_authority s.25(6)|-notify_importers_supplied s.25(6)|-notify_distributors_supplied s.25(6)|-notify_supplier s.25(6)|-notify_customers s.25(6)"},
	{"distributor, supplied nobody else", strings.Replace(strings.Replace(distMfr, "supplied_importers=true", "supplied_importers=false", 1), "supplied_distributors=true", "supplied_distributors=false", 1) + " informed_by=other",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|contact_manufacturer s.25(3) asap|-contact_supplier s.25(4)|stop_further_supply s.25(5) none|notify_enforcement_authority s.25(6) asap|-notify_importers_supplied s.25(6)|-notify_distributors_supplied s.25(6)|notify_supplier s.25(6) asap|-notify_customers s.25(6)"},

	// Distributors, their own failure (s.24): no carve-outs.
	{"distributor's own failure after supply", "role=distributor failure_by=self status=confirmed informed_by=importer informer_says_ea_notified=true supplied_uk_customers=true",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|remedy s.24(2) asp|notify_enforcement_authority s.24(3) asap|-notify_customers s.24(3)"},
	{"distributor's own failure, no customer yet", "role=distributor failure_by=self status=confirmed informed_by=null supplied_uk_customers=false",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|-remedy s.24(2)|-notify_enforcement_authority s.24(3)|-notify_customers s.24(3)"},
	{"distributor's own failure, customers not known", "role=distributor failure_by=self status=confirmed informed_by=null",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|remedy s.24(2) asp ?|notify_enforcement_authority s.24(3) asap ?|-notify_customers s.24(3)"},

	// Unknowns.
	{"distributor, whose failure not known", "role=distributor status=confirmed informed_by=null supplied_uk_customers=true made_available_in_uk=true manufacturer_contactable=true obtained_from_importer_or_distributor=false manufacturer_likely_to_remedy=false supplied_importers=false supplied_distributors=false",
		"-investigate ss.10, 17|-keep_investigation_record ss.12, 20|-keep_failure_record ss.12, 20|remedy s.24(2) asp ?|notify_enforcement_authority s.24(3) asap ?|contact_manufacturer s.25(3) asap ?|-contact_supplier s.25(4)|stop_further_supply s.25(5) none ?|notify_enforcement_authority s.25(6) asap ?|-notify_importers_supplied s.25(6)|-notify_distributors_supplied s.25(6)|-notify_supplier s.25(6)"},
	{"manufacturer, who told it not known", "role=manufacturer status=confirmed made_available_in_uk=true units_not_yet_supplied=false other_manufacturers_known=false supplied_importers=false supplied_distributors=false",
		"investigate s.10 none ?|-prevent_supply s.11(2)(a)|-notify_other_manufacturers s.11(3)|-notify_importers_supplied s.11(3)|-notify_distributors_supplied s.11(3)|notify_enforcement_authority s.11(3) asap|remedy s.11(2)(b) asp|keep_investigation_record s.12(1)(a) none|keep_failure_record s.12(1)(b) none|-notify_customers s.11(4)"},
	{"importer told by a business that may say the manufacturer knows", impMfr + " informed_by=distributor informer_says_ea_notified=false",
		"investigate s.17 none|keep_investigation_record s.20(1)(a) none|record_manufacturer_investigation s.20(1)(b) none|-keep_failure_record s.20|contact_manufacturer s.19(3) asap ?|stop_further_supply s.19(4) asp|notify_enforcement_authority s.19(5) asap|notify_distributors_supplied s.19(5) asap|-notify_customers s.19(5)"},
}

func TestDuties(t *testing.T) {
	r := catalog.DefaultDutyRules()
	if len(dutyCases) < 40 {
		t.Fatalf("%d cases; at least 40 are wanted", len(dutyCases))
	}
	used := map[string]bool{}
	for _, tc := range dutyCases {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(r, facts(t, tc.facts))
			if d.RulesVersion != r.Version {
				t.Fatalf("rules version %q", d.RulesVersion)
			}
			want := strings.Split(tc.want, "|")
			slices.Sort(want)
			if g := got(d); !slices.Equal(g, want) {
				var missing, extra []string
				for _, w := range want {
					if !slices.Contains(g, w) {
						missing = append(missing, w)
					}
				}
				for _, x := range g {
					if !slices.Contains(want, x) {
						extra = append(extra, x)
					}
				}
				t.Fatalf("missing %q\nextra %q", missing, extra)
			}
			for _, x := range d.Duties {
				if x.NeedsReview && len(x.Review) == 0 {
					t.Errorf("%s is for review without saying why", x.Duty)
				}
			}
			for _, x := range d.NotRequired {
				if x.Why == "" {
					t.Errorf("%s is not required without saying why", x.Duty)
				}
			}
		})
	}
	// Every duty is given by some case of the table (read whole, whatever
	// -run picks).
	for _, tc := range dutyCases {
		for _, x := range Decide(r, facts(t, tc.facts)).Duties {
			used[x.Duty] = true
		}
	}
	for _, duty := range catalog.Duties {
		if !used[duty] && duty != "notify_customers" {
			t.Errorf("no case gives the duty %s", duty)
		}
	}
}

// TestCarveOutsOnlyWhereTheSectionGivesThem: the informer's word moves a
// duty to not required only in ss.11(8), 19(10) and 25(11), and only when a
// business gave it; never in ss.13, 18 or 24.
func TestCarveOutsOnlyWhereTheSectionGivesThem(t *testing.T) {
	r := catalog.DefaultDutyRules()
	for _, rule := range r.Rules {
		for _, g := range rule.CarveOuts {
			if !strings.Contains(g.Why, "s.19(10)") && !strings.Contains(g.Why, "s.25(11)") && !strings.Contains(g.Why, "s.11(8)") {
				t.Errorf("%s: a carve-out outside ss.11(8), 19(10), 25(11): %s", rule.ID, g.Why)
			}
		}
		if strings.HasPrefix(rule.Section, "s.13") || strings.HasPrefix(rule.Section, "s.18") || strings.HasPrefix(rule.Section, "s.24") || strings.HasPrefix(rule.Section, "s.10") || strings.HasPrefix(rule.Section, "s.17") {
			if len(rule.CarveOuts) > 0 {
				t.Errorf("%s (%s) has a carve-out; the section gives none", rule.ID, rule.Section)
			}
		}
	}
}

// TestTimingsAreTheStatutes: each section's duty carries the statute's own
// timing words (PSTI requirements digest §5.4), never merged.
func TestTimingsAreTheStatutes(t *testing.T) {
	want := map[string]string{
		"s.10": "none", "s.17": "none", "s.25(5)": "none",
		"s.11(2)(a)": "as_soon_as_practicable", "s.11(2)(b)": "as_soon_as_practicable", "s.18(2)": "as_soon_as_practicable", "s.24(2)": "as_soon_as_practicable", "s.19(4)": "as_soon_as_practicable",
		"s.11(3)": "as_soon_as_possible", "s.13(2)": "as_soon_as_possible", "s.13(3)": "as_soon_as_possible", "s.18(3)": "as_soon_as_possible",
		"s.19(3)": "as_soon_as_possible", "s.19(5)": "as_soon_as_possible", "s.24(3)": "as_soon_as_possible", "s.25(3)": "as_soon_as_possible",
		"s.25(4)": "as_soon_as_possible", "s.25(6)": "as_soon_as_possible",
	}
	for _, rule := range catalog.DefaultDutyRules().Rules {
		if w, ok := want[rule.Section]; ok && rule.Never == "" && rule.Timing != w {
			t.Errorf("%s (%s): timing %s, the statute says %s", rule.ID, rule.Section, rule.Timing, w)
		}
	}
}

// TestDutyRulesAreData: a corrected rules file changes the duties with no
// change to code, and the decision names its version.
func TestDutyRulesAreData(t *testing.T) {
	src := string(catalog.DutiesFile())
	changed := strings.Replace(strings.Replace(src, `version: "`, `version: "corrected-`, 1),
		"    section: \"s.25(5)\"\n    timing: none", "    section: \"s.25(5)\"\n    timing: as_soon_as_practicable", 1)
	if changed == src {
		t.Fatal("the test's edit did not apply")
	}
	r, err := catalog.ParseDutyRules([]byte(changed))
	if err != nil {
		t.Fatal(err)
	}
	d := Decide(r, facts(t, distMfr+" informed_by=customer"))
	if !strings.HasPrefix(d.RulesVersion, "corrected-") || !slices.Contains(got(d), "stop_further_supply s.25(5) asp") {
		t.Fatalf("with the corrected rules: %v (%s)", got(d), d.RulesVersion)
	}
	if _, err := catalog.ParseDutyRules([]byte(strings.Replace(src, "duty: remedy", "duty: apologise", 1))); err == nil {
		t.Fatal("a duty not in the list was accepted")
	}
	if _, err := catalog.ParseDutyRules([]byte(strings.Replace(src, "timing: as_soon_as_possible", "timing: within_a_week", 1))); err == nil {
		t.Fatal("a timing not in the statute was accepted")
	}
}
