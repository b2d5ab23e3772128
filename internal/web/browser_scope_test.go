package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/store/storetest"
)

// TestBrowserScope is the scope questionnaire in a real browser: an editor
// answers only the questions asked, one at a time (a cellular tablet), says
// "I do not know" once and sees what the answer then turns on, changes it,
// records the decision, and reloads the page after recording without
// recording twice; at a desktop's width and a phone's.
func TestBrowserScope(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	page := fmt.Sprintf("/admin/products/%d/scope", seed.Product.ID)

	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": e.users[auth.Editor].Email, "password": testPassword})
	b.submit("form.form button[type=submit]", "/admin")
	b.open(fmt.Sprintf("/admin/products/%d", seed.Product.ID))
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="%s"]`, page))))
	b.do(chromedp.WaitVisible(chromedp.CSS(`#questions`)))
	if got := b.text("main"); !strings.Contains(got, "No decision has been recorded") {
		t.Fatalf("a product with no decision: %s", got)
	}
	b.submit(`form[method=get] button[type=submit]`, page)

	answers := map[string]string{"ip_internet": "yes", "condition": "new", "uk_consumers": "yes", "category": "tablet",
		"cellular": "unsure", "children_under_14_exclusively": "no", "northern_ireland_windsor": "no"}
	var asked []string
	for range 12 {
		id, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(() => { const f = document.querySelector(".question-new fieldset"); return f ? f.id.slice(2) : "" })()`))
		if id == "" {
			break
		}
		asked = append(asked, id)
		a, ok := answers[id]
		if !ok {
			t.Fatalf("asked %q, which a tablet's decision does not turn on (asked so far %v)", id, asked)
		}
		b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=%q][value=%q]`, id, a))))
		b.submit(`form[method=get] button[type=submit]`, page)
	}
	if got := b.text("#result + *"); !strings.Contains(got, "Needs legal review") {
		t.Fatalf("with cellular not known the answer is %q", got)
	}
	if got := b.text(".result"); !strings.Contains(got, "mobile (cellular) network") {
		t.Fatalf("the answer does not say what it turns on: %s", got)
	}
	// Now the answer is known: it can use a mobile network.
	b.do(chromedp.Click(chromedp.CSS(`input[name="cellular"][value="yes"]`)))
	b.submit(`form[method=get] button[type=submit]`, page)
	result := b.text(".result")
	for _, want := range []string{"In scope", "PSTI-X-05", "cellular network"} {
		if !strings.Contains(result, want) {
			t.Fatalf("the answer does not say %q: %s", want, result)
		}
	}
	b.submit(`main form[method=post] button[type=submit]`, page)
	if f := b.text(".flash"); !strings.Contains(f, "in scope") {
		t.Fatalf("flash after recording: %q", f)
	}
	b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("h1")))
	list, err := e.db.ScopeDecisions(t.Context(), seed.Product.ID, 0)
	if err != nil || len(list) != 1 {
		t.Fatalf("after recording and a reload, %d decisions (%v)", len(list), err)
	}
	if list[0].Facts["cellular"] != true || list[0].Facts["product"] != seed.Product.Name || list[0].Outcome != "in_scope" {
		t.Fatalf("recorded %+v", list[0])
	}
	current := b.text("section.sub")
	// In scope: the page leads on to what must be done.
	for _, want := range []string{"In scope", "rules version " + list[0].RulesVersion, e.users[auth.Editor].Email, "What must be done next"} {
		if !strings.Contains(current, want) {
			t.Fatalf("the current decision does not say %q: %s", want, current)
		}
	}
	for _, width := range []int64{1280, 390} {
		b.do(chromedp.EmulateViewport(width, 900))
		b.open(page + "?start=1&ip_internet=yes&condition=new")
		b.fitsWidth(fmt.Sprintf("scope-%d", width))
	}
	// The product page, the product list and the assessment show it.
	b.open(fmt.Sprintf("/admin/products/%d", seed.Product.ID))
	if got := b.text("main"); !strings.Contains(got, "in scope") {
		t.Fatalf("the product page does not show the decision: %s", got)
	}
	b.open("/admin/products")
	if got := b.text("main table"); !strings.Contains(got, "in scope") {
		t.Fatalf("the product list does not show the decision: %s", got)
	}
	b.open(fmt.Sprintf("/admin/products/%d/assessment", seed.Product.ID))
	if got := b.text("#scope"); !strings.Contains(got, "the law applies to this product") {
		t.Fatalf("the assessment does not say the law applies: %q", got)
	}
	// Decided again: a laptop is excepted, and the list says nothing is needed.
	e.mustJSON("POST", "/api/v1/scope-decisions", map[string]any{"product_id": seed.Product.ID, "facts": map[string]any{
		"ip_internet": true, "uk_consumers": true, "condition": "new", "category": "laptop", "children_under_14_exclusively": false, "northern_ireland_windsor": false}}, nil)
	b.open("/admin/products")
	if got := b.text("main table"); !strings.Contains(got, "Not needed: excepted") {
		t.Fatalf("the product list of an excepted product: %s", got)
	}
	b.open(fmt.Sprintf("/admin/products/%d/assessment", seed.Product.ID))
	if got := b.text("#scope"); !strings.Contains(got, "do not apply") {
		t.Fatalf("the assessment of an excepted product: %q", got)
	}
	b.open(page)
	if got := b.text("section.sub"); strings.Contains(got, "What must be done next") {
		t.Fatalf("an excepted product's scope page leads to work the law does not ask: %q", got)
	}
}
