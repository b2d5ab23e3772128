package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
)

// testScopeDecisions: a decision is kept with its facts, reasons and rules
// version exactly as made; a later decision, even with other rules, never
// changes an earlier one; the database refuses a change made around the
// store.
func testScopeDecisions(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	svc := &scope.Service{Store: db, Clock: clock}
	facts := catalog.Values{"product": "Acme Tab", "as_of": "2026-06-01", "ip_internet": true, "uk_consumers": true,
		"condition": "new", "category": "tablet", "cellular": true, "northern_ireland_windsor": false}
	first, err := svc.Record(ctx, editor, s.Product.ID, facts)
	must(t, err)
	if first.ID == 0 || first.Outcome != catalog.InScope || first.DecidedBy != editor.Label {
		t.Fatalf("recorded %+v", first)
	}
	got, err := db.ScopeDecision(ctx, first.ID)
	must(t, err)
	if got.Outcome != first.Outcome || got.RulesVersion != first.RulesVersion || len(got.Reasons) != len(first.Reasons) ||
		got.Facts["cellular"] != true || got.Facts["category"] != "tablet" || got.AsOf != "2026-06-01" || !got.DecidedAt.Equal(first.DecidedAt) {
		t.Fatalf("read back %+v, want %+v", got, first)
	}
	if _, ok := got.Facts["cpa_assured"]; ok {
		t.Fatal("a fact not given was stored as known")
	}

	// Newer rules decide differently; the first decision keeps its own.
	src := string(catalog.ScopeFile())
	changed, err := catalog.ParseScopeRules([]byte(replaceOnce(t, replaceOnce(t, src, `version: "`, `version: "later-`),
		"text: Schedule 3 paragraph 5 excepts tablets only when", "text: (Corrected.) Schedule 3 paragraph 5 excepts tablets only when")))
	must(t, err)
	clock.Add(time.Hour)
	later := &scope.Service{Store: db, Rules: changed, Clock: clock}
	second, err := later.Record(ctx, editor, s.Product.ID, facts)
	must(t, err)
	list, err := db.ScopeDecisions(ctx, s.Product.ID, 0)
	must(t, err)
	if len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
		t.Fatalf("listed %d decisions, newest first expected", len(list))
	}
	if list[1].RulesVersion != first.RulesVersion || list[0].RulesVersion == first.RulesVersion {
		t.Fatalf("versions %q then %q", list[0].RulesVersion, list[1].RulesVersion)
	}
	cur, err := svc.Current(ctx, s.Product.ID)
	must(t, err)
	if cur.ID != second.ID {
		t.Fatalf("current decision %d, want %d", cur.ID, second.ID)
	}

	// A product that is not there, and a decision that is not there.
	_, err = svc.Record(ctx, editor, 999999, facts)
	wantCode(t, err, psti.EINVALID, "product_id")
	_, err = db.ScopeDecision(ctx, 999999)
	wantCode(t, err, psti.ENOTFOUND, "")

	c := raw(t, db)
	for _, stmt := range []string{
		fmt.Sprintf(`UPDATE scope_decisions SET outcome = 'excepted' WHERE id = %d`, first.ID),
		fmt.Sprintf(`UPDATE scope_decisions SET rules_version = 'x' WHERE id = %d`, first.ID),
		fmt.Sprintf(`DELETE FROM scope_decisions WHERE id = %d`, first.ID),
	} {
		if _, err := c.ExecContext(ctx, stmt); err == nil {
			t.Errorf("the database allowed: %s", stmt)
		}
	}
	again, err := db.ScopeDecision(ctx, first.ID)
	must(t, err)
	if again.Outcome != catalog.InScope {
		t.Fatalf("decision changed to %s", again.Outcome)
	}
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	t.Fatalf("%q is not in the text", old)
	return ""
}
