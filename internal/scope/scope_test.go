package scope

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/psti/psti/internal/catalog"
)

// f builds facts from a base consumer product: new, sold to UK consumers in
// Great Britain on 1 June 2026, none of the special categories. Each
// product then says what differs.
func f(over map[string]any) catalog.Values {
	v := catalog.Values{
		"as_of": "2026-06-01", "condition": "new", "uk_consumers": true,
		"category": "other", "northern_ireland_windsor": false,
		"runs_medical_device_software": false,
	}
	for k, x := range over {
		if x == nil {
			delete(v, k)
			continue
		}
		v[k] = x
	}
	return v
}

var internet = map[string]any{"ip_internet": true}

func with(a map[string]any, more ...any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for i := 0; i+1 < len(more); i += 2 {
		out[more[i].(string)] = more[i+1]
	}
	return out
}

// bt is a Bluetooth product that is not on the internet itself.
var bt = map[string]any{"ip_internet": false, "sends_and_receives": true, "direct_ip_to_internet_product": false}

// products is checked against what the digest (psti-requirements.md §1)
// says of each. want lists requirement ids that must be among the reasons.
var products = []struct {
	name    string
	facts   catalog.Values
	outcome string
	want    []string
	unknown []string // for needs_review from missing facts
}{
	{"smart speaker on Wi-Fi", f(internet), catalog.InScope, []string{"PSTI-S-01", "PSTI-S-03"}, nil},
	{"smart TV", f(internet), catalog.InScope, nil, nil},
	{"IP security camera", f(internet), catalog.InScope, nil, nil},
	{"second-hand IP camera", f(with(internet, "condition", "second_hand")), catalog.NotUKConsumer, []string{"PSTI-S-04"}, nil},
	{"camera returned under a right to return", f(with(internet, "condition", "returned")), catalog.InScope, []string{"PSTI-S-04"}, nil},
	{"camera reconditioned by the manufacturer", f(with(internet, "condition", "reconditioned_by_manufacturer")), catalog.InScope, []string{"PSTI-S-04"}, nil},
	{"Zigbee hub with Ethernet", f(internet), catalog.InScope, nil, nil},
	{"Zigbee bulb pairing with a hub and other bulbs", f(with(bt, "non_ip_multi_connect", true, "non_ip_to_internet_product", true)), catalog.InScope, []string{"PSTI-S-01"}, nil},
	{"Bluetooth toothbrush pairing with one phone", f(with(bt, "non_ip_multi_connect", false, "non_ip_to_internet_product", true, "input_device_via_linking_product", false)), catalog.NotConnectable, []string{"PSTI-S-01"}, nil},
	{"Bluetooth tracker that joins many phones at once", f(with(bt, "non_ip_multi_connect", true, "non_ip_to_internet_product", true)), catalog.InScope, nil, nil},
	{"thread sensor talking IP to a border router", f(with(bt, "direct_ip_to_internet_product", true)), catalog.InScope, []string{"PSTI-S-01"}, nil},
	{"wireless keyboard with a USB dongle", f(with(bt, "non_ip_multi_connect", false, "non_ip_to_internet_product", false, "input_device_via_linking_product", true)), catalog.InScope, []string{"PSTI-S-01"}, nil},
	{"wired USB mouse (a cable only)", f(map[string]any{"ip_internet": false, "sends_and_receives": true, "direct_ip_to_internet_product": false, "non_ip_multi_connect": false, "input_device_via_linking_product": false}), catalog.NotConnectable, nil, nil},
	{"kitchen timer that neither sends nor receives", f(map[string]any{"ip_internet": false, "sends_and_receives": false}), catalog.NotConnectable, []string{"PSTI-S-01"}, nil},
	{"infrared remote (sends only)", f(map[string]any{"ip_internet": false, "sends_and_receives": false}), catalog.NotConnectable, nil, nil},
	{"Wi-Fi router sold only to businesses", f(with(internet, "uk_consumers", false, "identical_to_consumer_product", false)), catalog.NotUKConsumer, []string{"PSTI-S-03"}, nil},
	{"office camera identical to a consumer model", f(with(internet, "uk_consumers", false, "identical_to_consumer_product", true)), catalog.InScope, []string{"PSTI-S-03"}, nil},
	{"smart meter by a licensed supplier, CPA assured", f(with(internet, "category", "smart_meter", "installed_by_licensed_supplier", true, "cpa_assured", true)), catalog.Excepted, []string{"PSTI-X-04"}, nil},
	{"smart meter by a licensed supplier, not CPA assured", f(with(internet, "category", "smart_meter", "installed_by_licensed_supplier", true, "cpa_assured", false)), catalog.InScope, []string{"PSTI-X-04"}, nil},
	{"smart meter by a licensed supplier, CPA assured, in Northern Ireland", f(with(internet, "category", "smart_meter", "installed_by_licensed_supplier", true, "cpa_assured", true, "northern_ireland_windsor", true)), catalog.NeedsReview, []string{"PSTI-X-04"}, nil},
	{"smart meter bought by a consumer, CPA assured", f(with(internet, "category", "smart_meter", "installed_by_licensed_supplier", false, "cpa_assured", true)), catalog.InScope, []string{"PSTI-X-04"}, nil},
	{"home EV charger for cars", f(with(internet, "category", "ev_charge_point", "charge_point_for_cars_or_vans", true, "charge_point_public", false, "charge_point_rapid", false)), catalog.Excepted, []string{"PSTI-X-02"}, nil},
	{"public EV charger", f(with(internet, "category", "ev_charge_point", "charge_point_for_cars_or_vans", true, "charge_point_public", true, "charge_point_rapid", false)), catalog.InScope, []string{"PSTI-X-02"}, nil},
	{"rapid 50 kW EV charger", f(with(internet, "category", "ev_charge_point", "charge_point_for_cars_or_vans", true, "charge_point_public", false, "charge_point_rapid", true)), catalog.InScope, []string{"PSTI-X-02"}, nil},
	{"e-bike charger", f(with(internet, "category", "ev_charge_point", "charge_point_for_cars_or_vans", false)), catalog.InScope, []string{"PSTI-X-02"}, nil},
	{"EV charger, public use not known", f(with(internet, "category", "ev_charge_point", "charge_point_for_cars_or_vans", true, "charge_point_rapid", false)), catalog.NeedsReview, nil, []string{"charge_point_public"}},
	{"connected glucose monitor", f(with(bt, "non_ip_multi_connect", true, "non_ip_to_internet_product", true, "category", "medical_device")), catalog.Excepted, []string{"PSTI-X-03"}, nil},
	{"medical device running medical software", f(with(internet, "category", "medical_device", "runs_medical_device_software", true)), catalog.NeedsReview, []string{"PSTI-X-03"}, nil},
	{"medical device sold in Northern Ireland", f(with(internet, "category", "medical_device", "northern_ireland_windsor", true)), catalog.NeedsReview, []string{"PSTI-X-03"}, nil},
	{"smartwatch running a medical app", f(with(internet, "runs_medical_device_software", true)), catalog.InScope, []string{"PSTI-X-03"}, nil},
	{"smartphone with a medical app", f(with(internet, "category", "smartphone", "runs_medical_device_software", true)), catalog.InScope, []string{"PSTI-X-03", "PSTI-X-05"}, nil},
	{"smartphone", f(with(internet, "category", "smartphone")), catalog.InScope, []string{"PSTI-X-05"}, nil},
	{"desktop computer", f(with(internet, "category", "desktop", "children_under_14_exclusively", false)), catalog.Excepted, []string{"PSTI-X-05"}, nil},
	{"laptop", f(with(internet, "category", "laptop", "children_under_14_exclusively", false)), catalog.Excepted, []string{"PSTI-X-05"}, nil},
	{"laptop with LTE", f(with(internet, "category", "laptop", "cellular", true, "children_under_14_exclusively", false)), catalog.Excepted, []string{"PSTI-X-05"}, nil},
	{"laptop for children under 14", f(with(internet, "category", "laptop", "children_under_14_exclusively", true)), catalog.InScope, []string{"PSTI-X-05"}, nil},
	{"Wi-Fi tablet", f(with(internet, "category", "tablet", "cellular", false, "children_under_14_exclusively", false)), catalog.Excepted, []string{"PSTI-X-05"}, nil},
	{"LTE tablet", f(with(internet, "category", "tablet", "cellular", true)), catalog.InScope, []string{"PSTI-X-05"}, nil},
	{"Wi-Fi tablet for children", f(with(internet, "category", "tablet", "cellular", false, "children_under_14_exclusively", true)), catalog.InScope, []string{"PSTI-X-05"}, nil},
	{"tablet, cellular not known", f(with(internet, "category", "tablet", "children_under_14_exclusively", false)), catalog.NeedsReview, nil, []string{"cellular"}},
	{"laptop, audience not known", f(with(internet, "category", "laptop")), catalog.NeedsReview, nil, []string{"children_under_14_exclusively"}},
	{"car infotainment unit in Great Britain, 2026", f(with(internet, "category", "motor_vehicle")), catalog.Excepted, []string{"PSTI-X-06"}, nil},
	{"car infotainment unit in Great Britain, January 2025", f(with(internet, "category", "motor_vehicle", "as_of", "2025-01-31")), catalog.InScope, []string{"PSTI-X-06"}, nil},
	{"car unit on 25 February 2025 (first day)", f(with(internet, "category", "motor_vehicle", "as_of", "2025-02-25")), catalog.Excepted, []string{"PSTI-X-06"}, nil},
	{"car unit on 24 February 2025 (day before)", f(with(internet, "category", "motor_vehicle", "as_of", "2025-02-24")), catalog.InScope, nil, nil},
	{"tractor telematics in Great Britain", f(with(internet, "category", "agricultural_vehicle")), catalog.Excepted, []string{"PSTI-X-06"}, nil},
	{"car unit in Northern Ireland, 2024", f(with(internet, "category", "motor_vehicle", "northern_ireland_windsor", true, "as_of", "2024-06-01")), catalog.Excepted, []string{"PSTI-X-01"}, nil},
	{"car unit, nation not known, 2026", f(with(internet, "category", "motor_vehicle", "northern_ireland_windsor", nil)), catalog.Excepted, []string{"PSTI-X-01", "PSTI-X-06"}, nil},
	{"smart speaker in Northern Ireland", f(with(internet, "northern_ireland_windsor", true)), catalog.NeedsReview, []string{"PSTI-X-01"}, nil},
	{"smart speaker, nation not known", f(with(internet, "northern_ireland_windsor", nil)), catalog.NeedsReview, nil, []string{"northern_ireland_windsor"}},
	{"Wi-Fi laptop in Northern Ireland (excepted UK-wide)", f(with(internet, "category", "laptop", "children_under_14_exclusively", false, "northern_ireland_windsor", true)), catalog.Excepted, []string{"PSTI-X-05"}, nil},
	{"home EV charger in Northern Ireland (excepted UK-wide)", f(with(internet, "category", "ev_charge_point", "charge_point_for_cars_or_vans", true, "charge_point_public", false, "charge_point_rapid", false, "northern_ireland_windsor", true)), catalog.Excepted, []string{"PSTI-X-02"}, nil},
	{"camera offered before 29 April 2024", f(with(internet, "as_of", "2024-04-28")), catalog.NeedsReview, []string{"PSTI-R-01"}, nil},
	{"camera offered on 29 April 2024", f(with(internet, "as_of", "2024-04-29")), catalog.InScope, nil, nil},
	{"connectivity not known", f(nil), catalog.NeedsReview, nil, []string{"ip_internet", "sends_and_receives"}},
	// Not connectable and not a UK consumer product are different
	// outcomes, so a second-hand unit whose connectivity is unknown is
	// reviewed rather than guessed.
	{"second-hand laptop, connectivity not known", f(map[string]any{"condition": "second_hand", "category": "laptop"}), catalog.NeedsReview, nil, []string{"ip_internet"}},
	{"second-hand Wi-Fi laptop", f(map[string]any{"ip_internet": true, "condition": "second_hand", "category": "laptop"}), catalog.NotUKConsumer, []string{"PSTI-S-04"}, nil},
	{"smart plug, consumers not known but identical to a consumer product", f(with(internet, "uk_consumers", nil, "identical_to_consumer_product", true)), catalog.InScope, []string{"PSTI-S-03"}, nil},
	{"Wi-Fi kettle, condition not known", f(with(internet, "condition", nil)), catalog.NeedsReview, nil, []string{"condition"}},
	{"smart toy for children on Wi-Fi", f(with(internet, "children_under_14_exclusively", true)), catalog.InScope, nil, nil},
}

func TestProducts(t *testing.T) {
	r := catalog.DefaultScopeRules()
	if len(products) < 50 {
		t.Fatalf("%d products; the table must hold at least 50", len(products))
	}
	fired := map[string]bool{}
	for _, p := range products {
		t.Run(p.name, func(t *testing.T) {
			d := Decide(r, p.facts)
			for _, id := range d.Fired {
				fired[id] = true
			}
			if d.Outcome != p.outcome {
				b, _ := json.MarshalIndent(d, "", "  ")
				t.Fatalf("outcome %s, want %s\n%s", d.Outcome, p.outcome, b)
			}
			if d.RulesVersion != r.Version || d.AsOf != p.facts["as_of"] {
				t.Errorf("decision records version %q and date %q", d.RulesVersion, d.AsOf)
			}
			if len(d.Reasons) == 0 {
				t.Fatal("no reasons")
			}
			for _, id := range p.want {
				if !slices.ContainsFunc(d.Reasons, func(rs catalog.Reason) bool { return rs.ID == id }) {
					t.Errorf("no reason cites %s: %+v", id, d.Reasons)
				}
			}
			for i, id := range p.unknown {
				if i == 0 && (len(d.Unknown) == 0 || d.Unknown[0] != id) || !slices.Contains(d.Unknown, id) {
					t.Errorf("unknown %v, want it to start with %v", d.Unknown, p.unknown)
				}
			}
			if p.outcome == catalog.NeedsReview && p.unknown == nil && len(d.Unknown) > 0 {
				t.Errorf("reviewed for unknown facts %v, not for the rule", d.Unknown)
			}
			if d.Outcome != catalog.NeedsReview && len(d.Unknown) > 0 {
				t.Errorf("a decided outcome lists unknown facts %v", d.Unknown)
			}
			for _, rs := range d.Reasons {
				if !strings.HasPrefix(rs.ID, "PSTI-") || rs.Text == "" {
					t.Errorf("reason %+v has no requirement id or text", rs)
				}
			}
		})
	}
	// Every rule of the file decided or explained at least one product.
	for _, rule := range r.Rules {
		if !fired[rule.ID] {
			t.Errorf("rule %q is used by no product in the table", rule.ID)
		}
	}
}

// TestUnverifiedIsMarked: where the digest marks the law UNVERIFIED, the
// reason carries the label and the outcome is review, never a guess.
func TestUnverifiedIsMarked(t *testing.T) {
	r := catalog.DefaultScopeRules()
	for _, rule := range r.Rules {
		if rule.Reason.Confidence == "UNVERIFIED" && rule.Outcome != catalog.NeedsReview {
			t.Errorf("rule %s rests on unverified law yet decides %s", rule.ID, rule.Outcome)
		}
	}
	d := Decide(r, f(with(internet, "northern_ireland_windsor", true)))
	if !slices.ContainsFunc(d.Reasons, func(rs catalog.Reason) bool { return rs.Confidence == "UNVERIFIED" }) {
		t.Fatalf("no reason is labelled UNVERIFIED: %+v", d.Reasons)
	}
}

// TestRulesAreData: a changed rules file changes decisions with no change
// to code, and names its own version.
func TestRulesAreData(t *testing.T) {
	src := string(catalog.ScopeFile())
	laptop := f(with(internet, "category", "laptop", "children_under_14_exclusively", false))
	if d := Decide(catalog.DefaultScopeRules(), laptop); d.Outcome != catalog.Excepted {
		t.Fatalf("laptop: %s", d.Outcome)
	}
	// A corrected Schedule 3 that no longer excepts laptops.
	changed := strings.Replace(src, `{fact: category, in: [desktop, laptop]}`, `{fact: category, in: [desktop]}`, 1)
	changed = strings.Replace(changed, `version: "2025-12-04.3"`, `version: "2099-01-01.1"`, 1)
	if changed == src {
		t.Fatal("the test's edit did not apply")
	}
	r2, err := catalog.ParseScopeRules([]byte(changed))
	if err != nil {
		t.Fatal(err)
	}
	d := Decide(r2, laptop)
	if d.Outcome != catalog.InScope || d.RulesVersion != "2099-01-01.1" {
		t.Fatalf("with the changed rules: %s under %s", d.Outcome, d.RulesVersion)
	}
}

func TestNextAsksOnlyWhatMatters(t *testing.T) {
	r := catalog.DefaultScopeRules()
	asked := map[string]bool{"as_of": true}
	v := catalog.Values{"as_of": "2026-06-01"}
	var order []string
	answers := map[string]any{"ip_internet": true, "condition": "new", "uk_consumers": true, "category": "tablet", "cellular": true, "northern_ireland_windsor": false}
	for range 20 {
		next := Next(r, v, func(id string) bool { return asked[id] })
		if next == "" {
			break
		}
		order = append(order, next)
		asked[next] = true
		if a, ok := answers[next]; ok {
			v[next] = a
		}
	}
	want := []string{"ip_internet", "condition", "uk_consumers", "category", "cellular", "northern_ireland_windsor"}
	if !slices.Equal(order, want) {
		t.Fatalf("asked %v, want %v", order, want)
	}
	if d := Decide(r, v); d.Outcome != catalog.InScope {
		t.Fatalf("outcome %s", d.Outcome)
	}
	// Not sure about connectivity: the questionnaire goes on to ask what
	// the other case turns on (can it send and receive?) rather than
	// stopping at the first thing it cannot tell.
	v = catalog.Values{"as_of": "2026-06-01"}
	asked = map[string]bool{"as_of": true, "ip_internet": true}
	order = nil
	for range 20 {
		next := Next(r, v, func(id string) bool { return asked[id] })
		if next == "" {
			break
		}
		order = append(order, next)
		asked[next] = true
		if a, ok := answers[next]; ok {
			v[next] = a
		} else if next == "sends_and_receives" {
			v[next] = false
		}
	}
	if !slices.Contains(order, "sends_and_receives") {
		t.Fatalf("after not sure about the internet, asked only %v", order)
	}
	// In scope if it can reach the internet, not connectable if not.
	if d := Decide(r, v); d.Outcome != catalog.NeedsReview || !slices.Equal(d.Unknown, []string{"ip_internet"}) {
		t.Fatalf("outcome %s, unknown %v", d.Outcome, d.Unknown)
	}
}

// A reason labelled VERIFIED says no more than the law's text: where it
// adds our own reading, it says so (PSTI-S-04 on third-party refurbishers,
// PSTI-S-08 on stock already in the shops).
func TestReasonsMarkOurReading(t *testing.T) {
	for name, v := range map[string]catalog.Values{
		"refurbished": f(with(internet, "condition", "second_hand")),
		"before 2024": f(with(internet, "as_of", "2024-01-01")),
	} {
		d := Decide(catalog.DefaultScopeRules(), v)
		found := false
		for _, r := range d.Reasons {
			if strings.Contains(r.Text, "refurbished") || strings.Contains(r.Text, "stock already") {
				found = true
				if !strings.Contains(r.Text, "our reading") {
					t.Errorf("%s: %q goes beyond the Act's words without saying so", name, r.Text)
				}
			}
		}
		if !found {
			t.Errorf("%s: no reason speaks of it: %+v", name, d.Reasons)
		}
	}
}

// Schedule 3 paragraphs 6 to 8 except a product only where the vehicle
// Regulation itself applies to it (PSTI-X-06): the question warns before an
// accessory merely used in a vehicle is answered as a vehicle part.
func TestVehicleAnswerWarnsOfAccessories(t *testing.T) {
	f := catalog.DefaultScopeRules().Fact("category")
	if f == nil || !strings.Contains(f.Help, "itself applies") || !strings.Contains(f.Help, "ask a lawyer") {
		t.Fatalf("the category question does not warn that the Regulation must itself apply: %+v", f)
	}
}
