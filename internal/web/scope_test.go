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
