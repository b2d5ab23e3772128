package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// TestBrowserCase is a compliance case in a real browser (issue 15): a
// security report claiming every camera shares the password "admin"
// becomes a case with one click on the report's page; the manufacturer
// confirms the failure on the facts form, fills in the particulars, drafts
// and sends the notice to the enforcement authority (refused first while
// an item the Act asks for is empty, beside that item) and to the importer
// it supplied (saying the authority was notified), holds supply (the
// product page says so), marks the other duties done and closes the case;
// the records are listed, and deleting one is refused with the date it is
// kept until. After each post the page is reloaded, and one form is sent
// a second time: nothing is done twice.
func TestBrowserCase(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	seed := storetest.NewSeed(t, e.db)
	sys := psti.System("test")
	authority := &cases.Party{OrganisationID: seed.Org.ID, Kind: "enforcement_authority", Name: "Office for Product Safety and Standards", Email: "notices@opss.example"}
	must(t, e.db.SaveParty(ctx, sys, authority))
	importer := &cases.Party{OrganisationID: seed.Org.ID, Kind: "importer", Name: "Import Co Ltd", Email: "compliance@import.example", Address: "2 Dock Road\nHull"}
	must(t, e.db.SaveParty(ctx, sys, importer))
	must(t, e.db.SaveChain(ctx, sys, &cases.Chain{ProductID: seed.Product.ID, Roles: []string{"manufacturer"},
		Links: []cases.Link{{PartyID: importer.ID, Relation: "supplied_importer"}}}))
	reports := &disclosure.Service{Store: e.db, Register: e.db, Clock: psti.SystemClock{}}
	rep, _, err := reports.Submit(ctx, disclosure.Submission{Summary: "Every camera shares the password admin",
		Details: "Every unit I bought answers to admin/admin on its web page.", ProductID: seed.Product.ID,
		ContactEmail: "finder@example.net", Credit: "Finn the Finder"})
	must(t, err)

	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": e.users[auth.Editor].Email, "password": testPassword})
	b.submit("form.form button[type=submit]", "/admin")

	// One click on the report's page.
	b.open(fmt.Sprintf("/admin/reports/%d", rep.ID))
	b.submit(fmt.Sprintf(`form[action="/admin/reports/%d/case"] button`, rep.ID), "/admin/cases/")
	casePage := b.location()
	page := b.text("main")
	for _, want := range []string{"Security report " + fmt.Sprint(rep.ID), "Every camera shares the password admin", "Notify the enforcement authority", "To review"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the new case does not say %q:\n%s", want, page)
		}
	}
	for _, never := range []string{"finder@example.net", "Finn the Finder"} {
		if strings.Contains(page, never) {
			t.Fatalf("the case page shows the reporter's %q", never)
		}
	}
	events := func() int {
		t.Helper()
		n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("ol.timeline li").length`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// reload loads the page again, as a person pressing reload after a
	// post would, and checks the timeline did not grow.
	reload := func(what string) {
		t.Helper()
		before := events()
		b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("h1")))
		if after := events(); after != before {
			t.Fatalf("reloading after %s added %d events to the timeline", what, after-before)
		}
	}
	// A second click on the report's page leads to the same case.
	b.open(fmt.Sprintf("/admin/reports/%d", rep.ID))
	if link := b.text("section.case-link"); !strings.Contains(link, "Case ") {
		t.Fatalf("the report does not link its case: %q", link)
	}
	b.open(casePage)

	// The manufacturer confirms the failure.
	click := func(sel string) {
		t.Helper()
		b.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	}
	for id, v := range map[string]string{"status": "confirmed", "made_available_in_uk": "yes", "units_not_yet_supplied": "yes",
		"other_manufacturers_known": "no", "supplied_distributors": "no"} {
		click(fmt.Sprintf(`input[name=%q][value=%q]`, id, v))
	}
	b.fill(map[string]string{"note": "Our own tests confirm it"})
	b.submit(`form[action$="/facts"] button[type=submit]`, casePage)
	if tl := b.text("ol.timeline"); !strings.Contains(tl, "confirmed") || !strings.Contains(tl, "Our own tests confirm it") {
		t.Fatalf("the timeline does not show the change:\n%s", tl)
	}
	reload("the facts")

	// The particulars.
	b.fill(map[string]string{"details": "Every DB-200 ships with the password admin.", "risks": "Anyone on the network can watch the camera.",
		"steps": "Firmware 2.1 forces a new password at set-up.", "steps_worked": "Not yet known: rolling out."})
	b.submit(`form[action$="/particulars"] button[type=submit]`, casePage)
	reload("the particulars")

	// The notice to the authority: refused while the risks are empty,
	// the problem beside the item, then sent.
	draft := func(duty string, party int64) string {
		t.Helper()
		row := fmt.Sprintf(`tr[id^="duty-%s-"]`, duty)
		js := fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; return s.value })()`, row+` select[name=party_id]`, fmt.Sprint(party))
		if got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js)); err != nil || got != fmt.Sprint(party) {
			t.Fatalf("choosing the party for %s: %q %v", duty, got, err)
		}
		b.submit(row+` form[action$="/notices"] button`, "/admin/notices/")
		return b.location()
	}
	notice := draft("notify_enforcement_authority", authority.ID)
	b.fill(map[string]string{"item_risks": " "})
	b.submit(`button[value=send]`, notice)
	if msg := b.text(".field.has-error"); !strings.Contains(msg, "s.11(6)") {
		t.Fatalf("sending without the risks: %q", msg)
	}
	b.fill(map[string]string{"item_risks": "Anyone on the network can watch the camera."})
	b.submit(`button[value=send]`, notice)
	sent := b.text("pre.sent-text")
	for _, want := range []string{"Details of the failure\nEvery DB-200 ships with the password admin.", "Risks known to be posed by it\nAnyone on the network",
		"Steps taken to remedy it\nFirmware 2.1", "Whether those steps have been successful\nNot yet known", "s.11(3)", "Acme"} {
		if !strings.Contains(sent, want) {
			t.Fatalf("the text sent to the authority lacks %q:\n%s", want, sent)
		}
	}
	if facts := b.text("dl.facts"); !strings.Contains(facts, "by e-mail to notices@opss.example") || !strings.Contains(facts, e.users[auth.Editor].Email) {
		t.Fatalf("the sent notice does not say how, to whom and by whom:\n%s", facts)
	}
	if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("main textarea, main button[value=send]").length`)); err != nil || n != 0 {
		t.Fatalf("a sent notice still has %d fields or buttons (%v)", n, err)
	}

	// The notice to the importer says whether the authority was notified
	// (s.11(7)). Its draft form is sent twice: one draft.
	b.open(casePage)
	row := `tr[id^="duty-notify_importers_supplied-"]`
	notices := func() int {
		t.Helper()
		n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#notices + ul > li").length`))
		must(t, err)
		return n
	}
	before := notices()
	formValues, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`JSON.stringify(Object.fromEntries(new FormData(document.querySelector(%q))))`, row+` form[action$="/notices"]`)))
	must(t, err)
	importerNotice := draft("notify_importers_supplied", importer.ID)
	resend(t, b, casePage+"/notices", formValues)
	b.open(casePage)
	if after := notices(); after != before+1 {
		t.Fatalf("the draft form sent twice made %d drafts", after-before)
	}
	b.open(importerNotice)
	b.submit(`button[value=send]`, importerNotice)
	sent = b.text("pre.sent-text")
	for _, want := range []string{"Whether the enforcement authority has been notified\nYes: we notified the enforcement authority on", "Details of the failure\nEvery DB-200",
		"Risks known to be posed by it", "Steps taken to remedy it", "Whether those steps have been successful"} {
		if !strings.Contains(sent, want) {
			t.Fatalf("the text sent to the importer lacks %q:\n%s", want, sent)
		}
	}

	// Supply is held; the product page says so.
	b.open(casePage)
	b.fill(map[string]string{"reason": "Stock at the warehouse keeps the old firmware."})
	b.submit(`form[action$="/holds"] button`, casePage)
	reload("the hold")
	b.open(fmt.Sprintf("/admin/products/%d", seed.Product.ID))
	if held := b.text("main"); !strings.Contains(held, "Supply held: Stock at the warehouse keeps the old firmware. (case ") {
		t.Fatalf("the product page does not show the hold:\n%s", held)
	}
	b.open("/admin/products")
	if held := b.text("main table"); !strings.Contains(held, "Supply held") {
		t.Fatalf("the product list does not show the hold:\n%s", held)
	}

	// Closing is refused while firm duties are open: said above the
	// close form, with what was typed kept.
	b.open(casePage)
	b.fill(map[string]string{"outcome": "Confirmed."})
	b.submit(`form[action$="/close"] button`, casePage)
	if msg := b.text("#close ~ .error-summary"); !strings.Contains(msg, "These duties are still open") || !strings.Contains(msg, "remedy the failure") {
		t.Fatalf("closing early was answered %q", msg)
	}
	if kept, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector("[name=outcome]").value`)); err != nil || kept != "Confirmed." {
		t.Fatalf("the outcome typed was not kept: %q %v", kept, err)
	}

	// The other duties are done; then the case closes.
	b.open(casePage)
	for range 10 {
		key, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(() => { const f = [...document.querySelectorAll('table.duties form[action$="/duties"]')].find(f => f.querySelector('input[name=state]').value === "done" && !/^(keep_|record_)/.test(f.querySelector('input[name=key]').value)); return f ? f.querySelector('input[name=key]').value : "" })()`))
		must(t, err)
		if key == "" {
			break
		}
		sel := fmt.Sprintf(`table.duties form[action$="/duties"]:has(input[name=key][value=%q])`, key)
		b.do(chromedp.SendKeys(chromedp.CSS(sel+" input[name=note]"), "Done: see the firmware release notes."))
		b.submit(sel+" button", casePage)
		reload("marking " + key + " done")
	}
	b.fill(map[string]string{"outcome": "A failure of PSTI-PW-01 was confirmed: one default password on every unit.",
		"failure_details": "Every DB-200 ships with the password admin.", "remedial_steps": "Firmware 2.1 forces a new password at set-up."})
	click(`input[name=failure_found][value=yes]`)
	b.fill(map[string]string{"remedy_succeeded": "yes"})
	b.do(chromedp.EmulateViewport(1280, 900))
	b.shoot("case-1280")
	b.do(chromedp.EmulateViewport(390, 900))
	b.shoot("case-390")
	b.do(chromedp.EmulateViewport(1100, 900))
	b.submit(`form[action$="/close"] button`, casePage)
	if flash := b.text(".flash"); !strings.Contains(flash, "2 records made, kept until at least") {
		t.Fatalf("closing said %q", flash)
	}
	reload("closing")
	if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("main form button").length`)); err != nil || n != 0 {
		t.Fatalf("a closed case still has %d buttons (%v)", n, err)
	}

	// A notice from the authority, sent by e-mail a week ago, with its
	// appeal date; the case lists it.
	b.open("/admin/authority-notices")
	week := time.Now().In(psti.London).AddDate(0, 0, -7)
	b.fill(map[string]string{"kind": "compliance", "reference": "OPSS/2026/7", "electronic": "yes", "sent-day": fmt.Sprint(week.Day()),
		"sent-month": fmt.Sprint(int(week.Month())), "sent-year": fmt.Sprint(week.Year()), "sent_time": "16:00", "case_id": strings.TrimPrefix(casePage, "/admin/cases/")})
	b.submit(`main form button[type=submit]`, "/admin/authority-notices/")
	if got := b.text("main"); !strings.Contains(got, "Appeal: by the end of") || !strings.Contains(got, "9:00") {
		t.Fatalf("the authority's notice:\n%s", got)
	}
	b.open(casePage)
	if got := b.text("#authority + *"); !strings.Contains(got, "Compliance notice OPSS/2026/7") {
		t.Fatalf("the case does not list the authority's notice: %q", got)
	}

	// The records are listed; deleting one is refused, with its date.
	b.open("/admin/records")
	list := b.text("main table")
	for _, want := range []string{"Investigation record", "Compliance failure record", "s.12(1)(a)", "s.12(1)(b)", "Doorbell Pro"} {
		if !strings.Contains(list, want) {
			t.Fatalf("the records list lacks %q:\n%s", want, list)
		}
	}
	b.do(chromedp.Click(chromedp.CSS(`main table a[href^="/admin/records/"]`)), chromedp.WaitVisible(chromedp.CSS("h1")))
	record := b.location()
	b.submit(`form[action$="/delete"] button`, record)
	if msg := b.text(".error-summary"); !strings.Contains(msg, "kept until at least") || !strings.Contains(msg, "s.12(4)") {
		t.Fatalf("deleting was answered %q", msg)
	}
	// The refusal is a 409, and the record is still there.
	c := e.browser(auth.Editor)
	res, err := c.PostForm(e.ts.URL+record+"/delete", url.Values{})
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusConflict || !strings.Contains(string(body), "kept until at least") {
		t.Fatalf("delete: %d\n%s", res.StatusCode, body)
	}
	b.open(record)
	b.open("/admin/records/retention")
	if r := b.text("main table"); !strings.Contains(r, "Investigation record") {
		t.Fatalf("the retention report lacks the record:\n%s", r)
	}
}

// resend sends a form again with the values it had, token and all, as a
// browser's "send again" does.
func resend(t *testing.T, b *browser, action, valuesJSON string) {
	t.Helper()
	var v map[string]string
	must(t, json.Unmarshal([]byte(valuesJSON), &v))
	js := `(() => { const f = document.createElement("form"); f.method = "post"; f.action = ` + fmt.Sprintf("%q", action) + `;`
	for k, x := range v {
		js += fmt.Sprintf(` { const i = document.createElement("input"); i.type = "hidden"; i.name = %q; i.value = %q; f.appendChild(i) }`, k, x)
	}
	js += ` document.body.appendChild(f); window.__old = true; f.submit(); return true })()`
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(25 * time.Millisecond) {
		if fresh, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.__old !== true && document.readyState === "complete"`)); fresh {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("sending the form again loaded no page")
		}
	}
	b.do(chromedp.WaitVisible(chromedp.CSS("h1")))
	if flash := b.text(".flash"); !strings.Contains(flash, "sent already") {
		t.Fatalf("sending the form again was answered %q", flash)
	}
}

// shoot saves screenshots of the page, one a screen from each of its
// sections' headings, for a person to look at, when PSTI_SCREENSHOTS names
// a directory.
func (b *browser) shoot(name string) {
	dir := os.Getenv("PSTI_SCREENSHOTS")
	if dir == "" {
		return
	}
	ids, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("main h1, main h2[id]")].map(h => h.id || "top")`))
	if err != nil {
		b.t.Fatal(err)
	}
	for _, id := range ids {
		js := fmt.Sprintf(`(() => { const h = %q === "top" ? document.querySelector("main h1") : document.getElementById(%q); h.scrollIntoView(); return true })()`, id, id)
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js)); err != nil {
			b.t.Fatal(err)
		}
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			b.t.Fatal(err)
		}
		must(b.t, os.WriteFile(filepath.Join(dir, name+"-"+id+".png"), png, 0o644))
	}
}
