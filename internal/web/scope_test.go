package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/store/storetest"
)

// TestScopeAPI: POST /api/v1/scope-decisions takes the facts psti scope
// --answers takes and keeps the decision with its reasons and rules
// version; unusable facts are refused naming each; decisions are listed
// newest first and read back as made; the rules are public.
func TestScopeAPI(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	type decision struct {
		ID           int64          `json:"id"`
		ProductID    int64          `json:"product_id"`
		Product      string         `json:"product"`
		Outcome      string         `json:"outcome"`
		RulesVersion string         `json:"rules_version"`
		Unknown      []string       `json:"unknown"`
		Facts        map[string]any `json:"facts"`
		Reasons      []struct{ ID, Text string }
	}
	var first decision
	st, text := e.json("POST", "/api/v1/scope-decisions", auth.Editor, map[string]any{"product_id": seed.Product.ID, "facts": map[string]any{
		"as_of": "2026-06-01", "ip_internet": false, "sends_and_receives": true, "direct_ip_to_internet_product": false,
		"non_ip_multi_connect": false, "non_ip_to_internet_product": true, "input_device_via_linking_product": false,
		"uk_consumers": true, "condition": "new", "category": "other", "cpa_assured": nil}}, &first)
	if st != 201 {
		t.Fatalf("%d %s", st, text)
	}
	if first.Outcome != "not_connectable" || first.ProductID != seed.Product.ID || first.Product != seed.Product.Name || first.RulesVersion == "" ||
		len(first.Reasons) == 0 || first.Reasons[len(first.Reasons)-1].ID != "PSTI-S-01" {
		t.Fatalf("decision %+v", first)
	}
	if _, ok := first.Facts["cpa_assured"]; ok {
		t.Fatal("a null fact was kept as known")
	}

	var second decision
	e.mustJSON("POST", "/api/v1/scope-decisions", map[string]any{"product_id": seed.Product.ID, "facts": map[string]any{"ip_internet": true, "uk_consumers": true, "condition": "new"}}, &second)
	if second.Outcome != "needs_review" || len(second.Unknown) == 0 || second.Unknown[0] != "category" {
		t.Fatalf("with the kind of product unknown: %+v", second)
	}

	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"product_id": seed.Product.ID, "facts": map[string]any{"ip_internt": true}}, "facts.ip_internt"},
		{map[string]any{"product_id": seed.Product.ID, "facts": map[string]any{"category": "fridge"}}, "facts.category"},
		{map[string]any{"product_id": seed.Product.ID, "facts": map[string]any{"as_of": "yesterday"}}, "facts.as_of"},
		{map[string]any{"product_id": 99999, "facts": map[string]any{"ip_internet": true}}, "product_id"},
	} {
		st, text := e.json("POST", "/api/v1/scope-decisions", auth.Editor, tc.body, nil)
		if st != 422 || !strings.Contains(text, tc.field) {
			t.Errorf("%v: %d %s, want 422 naming %s", tc.body, st, text, tc.field)
		}
	}
	if st, _ := e.json("POST", "/api/v1/scope-decisions", auth.Viewer, map[string]any{"product_id": seed.Product.ID, "facts": map[string]any{}}, nil); st != 403 {
		t.Errorf("a viewer recorded a decision: %d", st)
	}

	var list []decision
	e.mustJSON("GET", fmt.Sprintf("/api/v1/scope-decisions?product_id=%d", seed.Product.ID), nil, &list)
	if len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
		t.Fatalf("listed %+v", list)
	}
	var again decision
	e.mustJSON("GET", fmt.Sprintf("/api/v1/scope-decisions/%d", first.ID), nil, &again)
	if again.Outcome != first.Outcome || len(again.Reasons) != len(first.Reasons) || again.Facts["non_ip_to_internet_product"] != true {
		t.Fatalf("read back %+v", again)
	}

	res, body := e.call("GET", "/api/v1/scope-rules", "", "", "")
	if res.StatusCode != 200 || !strings.Contains(body, `"ip_internet"`) || !strings.Contains(body, first.RulesVersion) || !strings.Contains(body, "Schedule 3 paragraph 5") {
		t.Fatalf("scope rules: %d %.300s", res.StatusCode, body)
	}
}

// TestDutiesAPI: POST /api/v1/duties takes the facts psti duties --facts
// takes and gives the same duties: with sections, the statute's timings,
// the carve-outs as not required, and review where a fact is unknown.
func TestDutiesAPI(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	var d struct {
		Duties []struct {
			Duty, Timing, Section string
			NeedsReview           bool `json:"needs_review"`
		}
		NotRequired []struct{ Duty, Section, Why string } `json:"not_required"`
		Version     string                                `json:"rules_version"`
	}
	st, text := e.json("POST", "/api/v1/duties", auth.Viewer, map[string]any{"facts": map[string]any{
		"role": "distributor", "failure_by": "manufacturer", "status": "confirmed", "informed_by": "importer",
		"informer_says_manufacturer_aware": true, "informer_says_ea_notified": true, "made_available_in_uk": true,
		"manufacturer_contactable": true, "obtained_from_importer_or_distributor": true, "supplied_importers": false,
		"supplied_distributors": false}}, &d)
	if st != 200 {
		t.Fatalf("%d %s", st, text)
	}
	got := map[string]string{}
	for _, x := range d.Duties {
		got[x.Duty] = x.Section + " " + x.Timing + map[bool]string{true: " review"}[x.NeedsReview]
	}
	for duty, want := range map[string]string{"notify_supplier": "s.25(6) as_soon_as_possible", "stop_further_supply": "s.25(5) none review"} {
		if got[duty] != want {
			t.Errorf("%s: %q, want %q (%s)", duty, got[duty], want, text)
		}
	}
	carved := map[string]string{}
	for _, x := range d.NotRequired {
		carved[x.Duty] = x.Why
	}
	if !strings.Contains(carved["contact_manufacturer"], "s.25(11)") || !strings.Contains(carved["notify_enforcement_authority"], "s.25(11)") || d.Version == "" {
		t.Fatalf("carve-outs or version missing: %s", text)
	}
	for _, tc := range []struct {
		facts map[string]any
		field string
	}{
		{map[string]any{"role": "retailer"}, "facts.role"},
		{map[string]any{"rol": "importer"}, "facts.rol"},
		{map[string]any{"status": true}, "facts.status"},
	} {
		if st, text := e.json("POST", "/api/v1/duties", auth.Viewer, map[string]any{"facts": tc.facts}, nil); st != 422 || !strings.Contains(text, tc.field) {
			t.Errorf("%v: %d %s, want 422 naming %s", tc.facts, st, text, tc.field)
		}
	}
}
