package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

// CaseWorld is a store with a product, its chain (the organisation is its
// manufacturer; it supplied one importer) and parties to notify, and the
// services a case needs.
type CaseWorld struct {
	DB        *store.DB
	Clock     *Clock
	Seed      *Seed
	Svc       *cases.Service
	Reports   *disclosure.Service
	Authority *cases.Party
	Importer  *cases.Party
}

// NewCaseWorld builds a CaseWorld on backend b, with staff alerts to
// alerts@acme.example.
func NewCaseWorld(t testing.TB, b Backend) *CaseWorld {
	db, clock := Open(t, b)
	ctx := context.Background()
	w := &CaseWorld{DB: db, Clock: clock, Seed: NewSeed(t, db)}
	w.Reports = &disclosure.Service{Store: db, Register: db, Clock: clock}
	pol := disclosure.DefaultPolicy(w.Seed.Org.ID)
	pol.AlertTo = "alerts@acme.example"
	must(t, w.Reports.SavePolicy(ctx, editor, pol))
	w.Svc = &cases.Service{Store: db, Register: db, Reports: db, Policies: w.Reports, Clock: clock}
	w.Authority = &cases.Party{OrganisationID: w.Seed.Org.ID, Kind: "enforcement_authority", Name: "Office for Product Safety and Standards", Email: "notices@opss.example"}
	must(t, db.SaveParty(ctx, editor, w.Authority))
	w.Importer = &cases.Party{OrganisationID: w.Seed.Org.ID, Kind: "importer", Name: "Import Co Ltd", Email: "compliance@import.example", Address: "2 Dock Road\nHull"}
	must(t, db.SaveParty(ctx, editor, w.Importer))
	must(t, db.SaveChain(ctx, editor, &cases.Chain{ProductID: w.Seed.Product.ID, Roles: []string{"manufacturer"},
		Links: []cases.Link{{PartyID: w.Importer.ID, Relation: "supplied_importer"}}}))
	return w
}

// Report submits a security report about the seeded product.
func (w *CaseWorld) Report(t testing.TB, summary string) *disclosure.Report {
	r, _, err := w.Reports.Submit(context.Background(), disclosure.Submission{Summary: summary,
		Details: "Every unit I bought answers to admin/admin on its web page.", ProductID: w.Seed.Product.ID, ContactEmail: "finder@example.net"})
	must(t, err)
	return r
}

// testCases: a case from a report through confirmation, notices, a hold,
// closing and records, with targets on the working-day calendar across
// Christmas, alerts sent once, and the database refusing to change or
// delete what the Act asks to be kept.
func testCases(t *testing.T, b Backend) {
	w := NewCaseWorld(t, b)
	ctx := context.Background()
	db, clock, svc := w.DB, w.Clock, w.Svc
	// Thursday 24 December 2026, 10:00 in London: Christmas Day is a
	// Friday, Boxing Day a Saturday, so Monday 28 is its substitute.
	clock.Set(time.Date(2026, 12, 24, 10, 0, 0, 0, psti.London))
	rep := w.Report(t, "Every camera shares the password admin")

	c, err := svc.OpenFromReport(ctx, editor, rep.ID)
	must(t, err)
	if c.Source != cases.FromReport || c.ReportID != rep.ID || c.Status != cases.Open || c.OrganisationID != w.Seed.Org.ID {
		t.Fatalf("opened %+v", c)
	}
	// The chain gives the role and the importer supplied; a reporter is
	// not a business, and the failure starts suspected.
	if c.Facts["role"] != "manufacturer" || c.Facts["supplied_importers"] != true || c.Facts["informed_by"] != "other" || c.Facts["status"] != "suspected" {
		t.Fatalf("facts %v", c.Facts)
	}
	if _, ok := c.Facts["supplied_distributors"]; ok {
		t.Fatal("no link to a distributor was taken as a fact")
	}
	again, err := svc.OpenFromReport(ctx, editor, rep.ID)
	must(t, err)
	if again.ID != c.ID {
		t.Fatalf("a second click opened case %d beside %d", again.ID, c.ID)
	}
	ea := duty(t, c, "notify_enforcement_authority")
	if !ea.NeedsReview || ea.FirmAt != nil || ea.TargetAt != nil {
		t.Fatalf("while suspected, notifying the authority is not firm: %+v", ea)
	}

	// Confirmed: the s.11 duties are firm, and targets count working days.
	facts := c.Facts.Clone()
	facts["status"], facts["made_available_in_uk"], facts["units_not_yet_supplied"] = "confirmed", true, true
	facts["other_manufacturers_known"], facts["supplied_distributors"] = false, false
	_, err = svc.SetFacts(ctx, editor, c.ID, c.Revision+5, facts, "")
	wantCode(t, err, psti.ECONFLICT, "")
	c, err = svc.SetFacts(ctx, editor, c.ID, c.Revision, facts, "our tests agree")
	must(t, err)
	ea = duty(t, c, "notify_enforcement_authority")
	if ea.NeedsReview || ea.State != cases.DutyOpen || ea.Timing != "as_soon_as_possible" || ea.Section != "s.11(3)" {
		t.Fatalf("after confirming: %+v", ea)
	}
	// 2 working days from Thursday 24 December: Tuesday 29 and Wednesday
	// 30; due by the end of 30 December.
	if want := time.Date(2026, 12, 31, 0, 0, 0, 0, psti.London); ea.TargetAt == nil || !ea.TargetAt.Equal(want) {
		t.Fatalf("target %v, want %v", ea.TargetAt, want)
	}
	if rem := duty(t, c, "remedy"); rem.Timing != "as_soon_as_practicable" || rem.TargetAt == nil ||
		!rem.TargetAt.Equal(time.Date(2027, 1, 13, 0, 0, 0, 0, psti.London)) {
		t.Fatalf("remedy: %+v (10 working days from 24 December, past Christmas, Boxing Day and New Year's Day, end on 12 January)", rem)
	}
	if d := duty(t, c, "notify_distributors_supplied"); d.State != cases.DutyNotRequired || d.Why == "" {
		t.Fatalf("no distributor supplied: %+v", d)
	}
	if d := duty(t, c, "notify_customers"); d.State != cases.DutyNotRequired {
		t.Fatalf("customers: %+v", d)
	}
	ev, err := db.CaseEvents(ctx, c.ID)
	must(t, err)
	if !hasEvent(ev, "fact", "how sure: suspected: there is or may be a failure → confirmed") || !hasEvent(ev, "fact", "(our tests agree)") {
		t.Fatalf("the fact change is not on the timeline: %+v", ev)
	}

	// On the last day of the target nothing is overdue; a moment after it
	// ends, it is, and staff are told once, by every server.
	clock.Set(time.Date(2026, 12, 30, 23, 59, 0, 0, psti.London))
	n, err := db.CountOverdueDuties(ctx, clock.Now())
	must(t, err)
	if n != 0 {
		t.Fatalf("%d overdue before the target passed", n)
	}
	clock.Set(time.Date(2026, 12, 31, 0, 0, 1, 0, psti.London))
	n, err = db.CountOverdueDuties(ctx, clock.Now())
	must(t, err)
	if n != 2 { // the authority, and the importer supplied
		t.Fatalf("%d overdue after the target passed, want 2", n)
	}
	c, err = svc.Case(ctx, c.ID)
	must(t, err)
	if !duty(t, c, "notify_enforcement_authority").Overdue || duty(t, c, "remedy").Overdue {
		t.Fatal("overdue marks are wrong")
	}
	sent, err := svc.Sweep(ctx, "https://psti.example")
	must(t, err)
	other := &cases.Service{Store: db, Register: db, Reports: db, Policies: w.Reports, Clock: clock}
	sent2, err := other.Sweep(ctx, "https://psti.example")
	must(t, err)
	if sent != 2 || sent2 != 0 {
		t.Fatalf("alerts sent %d then %d, want 2 then 0", sent, sent2)
	}
	// Duties alerted already are not listed again: however many there
	// are, they cannot keep a duty newly overdue from its alert.
	if over, err := db.OverdueDuties(ctx, clock.Now(), 1); err != nil || len(over) != 0 {
		t.Fatalf("overdue duties alerted already are listed again: %+v, %v", over, err)
	}
	if n, err := db.CountOverdueDuties(ctx, clock.Now()); err != nil || n != 2 {
		t.Fatalf("alerted duties are still overdue: %d, %v", n, err)
	}
	if m := outbox(t, db, "duty-alert"); len(m) != 2 || !strings.Contains(strings.Join(m, "\n"), "notify the enforcement authority (s.11(3))") || !strings.HasPrefix(m[0], "alerts@acme.example\n") {
		t.Fatalf("alert mail %q", m)
	}

	// The notice to the authority holds what s.11(6) asks for, and is not
	// sent while an item is empty.
	c, err = svc.SetParticulars(ctx, editor, c.ID, c.Revision, cases.Particulars{Details: "Every DB-200 ships with the password admin.",
		Risks: "Anyone on the network can watch the camera.", Steps: "Firmware 2.1 forces a new password at set-up.", StepsWorked: "Not yet known: rolling out."})
	must(t, err)
	nt, err := svc.DraftNotice(ctx, editor, c.ID, ea.Key, w.Authority.ID)
	must(t, err)
	if nt.Method != "email" || nt.ToEmail != w.Authority.Email || nt.State != cases.NoticeDraft {
		t.Fatalf("draft %+v", nt)
	}
	for _, k := range []string{"details", "risks", "steps", "steps_worked"} {
		if it := item(nt, k); it == nil || !it.Required || it.Source != "s.11(6)" || it.Text == "" {
			t.Fatalf("item %s: %+v", k, it)
		}
	}
	if item(nt, "ea_notified") != nil {
		t.Fatal("the notice to the authority asks whether the authority was notified")
	}
	blank := *nt
	blank.Items = []cases.NoticeItem{{Key: "risks", Text: " "}}
	must(t, svc.SaveNotice(ctx, editor, &blank))
	_, err = svc.SendNotice(ctx, editor, nt.ID, blank.Revision)
	wantCode(t, err, psti.EINVALID, "item_risks")
	blank.Items = []cases.NoticeItem{{Key: "risks", Text: "Anyone on the network can watch the camera."}}
	must(t, svc.SaveNotice(ctx, editor, &blank))
	nt, err = svc.SendNotice(ctx, editor, nt.ID, blank.Revision)
	must(t, err)
	if nt.State != cases.NoticeSent || nt.SentAt == nil || !strings.Contains(nt.Body, "Every DB-200 ships with the password admin.") ||
		!strings.Contains(nt.Body, "Whether those steps have been successful\nNot yet known") || !strings.Contains(nt.Body, "Acme Devices Ltd") {
		t.Fatalf("sent %+v", nt)
	}
	_, err = svc.SendNotice(ctx, editor, nt.ID, 0)
	wantCode(t, err, psti.ECONFLICT, "")
	if m := outbox(t, db, "case-notice"); len(m) != 1 || !strings.Contains(m[0], "notices@opss.example") || !strings.Contains(m[0], "Every DB-200 ships") {
		t.Fatalf("notice mail %q", m)
	}
	c, err = svc.Case(ctx, c.ID)
	must(t, err)
	if d := duty(t, c, "notify_enforcement_authority"); d.State != cases.DutyDone || d.DoneAt == nil {
		t.Fatalf("the authority told, the duty is %+v", d)
	}

	// The importer's notice says the authority was notified (s.11(7)).
	in, err := svc.DraftNotice(ctx, editor, c.ID, duty(t, c, "notify_importers_supplied").Key, w.Importer.ID)
	must(t, err)
	if it := item(in, "ea_notified"); it == nil || it.Source != "s.11(7)" || it.Text != "Yes: we notified the enforcement authority on 31 December 2026." {
		t.Fatalf("ea_notified %+v", it)
	}
	_, err = svc.SendNotice(ctx, editor, in.ID, in.Revision)
	must(t, err)
	c, err = svc.Case(ctx, c.ID)
	must(t, err)
	if d := duty(t, c, "notify_importers_supplied"); d.State != cases.DutyOpen {
		t.Fatal("one notice marked done a duty to every importer supplied")
	}

	// A hold on supply is listed until lifted.
	hs, err := svc.PlaceHold(ctx, editor, c.ID, nil, "Stock at the warehouse keeps the old firmware.")
	must(t, err)
	held, err := db.Holds(ctx, cases.HoldFilter{ProductID: w.Seed.Product.ID})
	must(t, err)
	if len(hs) != 1 || len(held) != 1 || held[0].Reason != "Stock at the warehouse keeps the old firmware." {
		t.Fatalf("holds %+v", held)
	}
	_, err = svc.PlaceHold(ctx, editor, c.ID, []cases.Item{{ProductID: 999999}}, "x")
	wantCode(t, err, psti.EINVALID, "items")
	_, err = svc.LiftHold(ctx, editor, hs[0].ID, "")
	wantCode(t, err, psti.EINVALID, "reason")

	// Closing waits for every firm duty.
	_, _, err = svc.Close(ctx, editor, c.ID, cases.Closing{Revision: c.Revision, Outcome: "Confirmed", FailureFound: true})
	wantCode(t, err, psti.ECONFLICT, "")
	if !strings.Contains(psti.ErrorMessage(err), "remedy the failure (s.11(2)(b))") {
		t.Fatalf("close refused with %q", psti.ErrorMessage(err))
	}
	for _, k := range []string{"investigate", "prevent_supply", "remedy", "notify_importers_supplied"} {
		c, err = svc.SetDuty(ctx, editor, c.ID, c.Revision, duty(t, c, k).Key, cases.DutyDone, "done")
		must(t, err)
	}
	_, _, err = svc.Close(ctx, editor, c.ID, cases.Closing{Revision: c.Revision, Outcome: "Confirmed", FailureFound: true})
	wantCode(t, err, psti.EINVALID, "failure_details")
	clock.Set(time.Date(2027, 2, 1, 12, 0, 0, 0, psti.London))
	c, recs, err := svc.Close(ctx, editor, c.ID, cases.Closing{Revision: c.Revision, Outcome: "A failure of PSTI-PW-01 was confirmed.", FailureFound: true,
		FailureDetails: "One default password on every unit.", RemedialSteps: "Firmware 2.1.", RemedySucceeded: "yes"})
	must(t, err)
	if c.Status != cases.Closed || len(recs) != 2 || recs[0].Section != "s.12(1)(a)" || recs[1].Section != "s.12(1)(b)" || recs[1].Kind != "failure" {
		t.Fatalf("closed %s with records %+v", c.Status, recs)
	}
	if recs[0].KeepUntil != "2037-02-01" || !strings.Contains(recs[0].Products, "Doorbell Pro (model DB-200)") {
		t.Fatalf("record %+v", recs[0])
	}
	if d := duty(t, c, "keep_failure_record"); d.State != cases.DutyDone {
		t.Fatalf("record duty %+v", d)
	}
	_, err = svc.SetFacts(ctx, editor, c.ID, c.Revision, facts, "")
	wantCode(t, err, psti.ECONFLICT, "")

	// Records are kept: refused by the service, and by the database
	// around it.
	err = svc.DeleteRecord(ctx, recs[0].ID)
	wantCode(t, err, psti.ECONFLICT, "")
	if !strings.Contains(psti.ErrorMessage(err), "kept until at least 1 February 2037") {
		t.Fatalf("refusal %q", psti.ErrorMessage(err))
	}
	corr, err := svc.CorrectRecord(ctx, editor, recs[0].ID, cases.Record{Why: "The outcome named the wrong requirement.", Outcome: "A failure of PSTI-PW-01 was confirmed in DB-200.",
		FailureFound: true, FailureDetails: "One default password on every unit.", RemedialSteps: "Firmware 2.1.", RemedySucceeded: "yes"})
	must(t, err)
	if corr.Version != 2 || corr.Corrects != recs[0].ID || corr.Section != "s.12(1)(a)" {
		t.Fatalf("correction %+v", corr)
	}
	_, err = svc.CorrectRecord(ctx, editor, recs[0].ID, cases.Record{Why: "again", Outcome: "x"})
	wantCode(t, err, psti.ECONFLICT, "")
	old, err := db.Record(ctx, recs[0].ID)
	must(t, err)
	if old.Outcome != "A failure of PSTI-PW-01 was confirmed." {
		t.Fatalf("the corrected record changed: %+v", old)
	}
	conn := raw(t, db)
	for _, stmt := range []string{
		fmt.Sprintf(`UPDATE compliance_records SET outcome = 'nothing' WHERE id = %d`, recs[0].ID),
		fmt.Sprintf(`DELETE FROM compliance_records WHERE id = %d`, recs[1].ID),
		`DELETE FROM compliance_records`,
		fmt.Sprintf(`DELETE FROM case_events WHERE case_id = %d`, c.ID),
		fmt.Sprintf(`UPDATE case_notices SET body = 'other' WHERE id = %d`, nt.ID),
		fmt.Sprintf(`DELETE FROM case_notices WHERE id = %d`, nt.ID),
		fmt.Sprintf(`DELETE FROM cases WHERE id = %d`, c.ID),
	} {
		if _, err := conn.ExecContext(ctx, stmt); err == nil {
			t.Errorf("the database allowed: %s", stmt)
		}
	}
	list, err := db.Records(ctx, cases.RecordFilter{OrganisationID: w.Seed.Org.ID})
	must(t, err)
	if len(list) != 3 {
		t.Fatalf("%d records kept, want 3", len(list))
	}

	// A notice from the authority sent by e-mail on Christmas Eve is given
	// at 9 am on Tuesday 29 December; an appeal runs 28 days beginning
	// with that day.
	an := &cases.AuthorityNotice{OrganisationID: w.Seed.Org.ID, CaseID: c.ID, Kind: "penalty", Reference: "OPSS/2026/1", Electronic: true,
		SentAt: time.Date(2026, 12, 24, 16, 0, 0, 0, psti.London), ActBy: "2027-01-20"}
	must(t, svc.RecordAuthorityNotice(ctx, editor, an))
	if want := time.Date(2026, 12, 29, 9, 0, 0, 0, psti.London); !an.GivenAt.Equal(want) {
		t.Fatalf("given %v, want %v", an.GivenAt, want)
	}
	got, err := db.AuthorityNotice(ctx, an.ID)
	must(t, err)
	dl := got.Deadlines()
	if len(dl) != 2 || dl[0].Name != "Pay" || dl[1].Name != "Appeal" || !dl[1].Due.Equal(time.Date(2027, 1, 26, 0, 0, 0, 0, psti.London)) {
		t.Fatalf("deadlines %+v", dl)
	}
	if !strings.Contains(dl[0].Text, "less than the 28 days s.36(7)") {
		t.Fatalf("a payment date inside 28 days is not questioned: %q", dl[0].Text)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`UPDATE authority_notices SET kind = 'stop' WHERE id = %d`, an.ID)); err == nil {
		t.Error("the database allowed a change to a notice from the authority")
	}
}

// testCaseChains: parties and chains stay within one organisation, and a
// case names one organisation's products.
func testCaseChains(t *testing.T, b Backend) {
	w := NewCaseWorld(t, b)
	ctx := context.Background()
	db := w.DB
	otherOrg := &product.Organisation{LegalName: "Other Ltd", Address: "3 Road\nYork"}
	must(t, db.CreateOrganisation(ctx, editor, otherOrg))
	stranger := &cases.Party{OrganisationID: otherOrg.ID, Kind: "distributor", Name: "Shop", Address: "4 Lane"}
	must(t, db.SaveParty(ctx, editor, stranger))
	err := db.SaveChain(ctx, editor, &cases.Chain{ProductID: w.Seed.Product.ID, Roles: []string{"importer"}, Links: []cases.Link{{PartyID: stranger.ID, Relation: "obtained_from"}}})
	wantCode(t, err, psti.EINVALID, "links")
	err = db.SaveParty(ctx, editor, &cases.Party{OrganisationID: w.Seed.Org.ID, Kind: "importer", Name: "Nowhere"})
	wantCode(t, err, psti.EINVALID, "email")
	stale := *w.Importer
	w.Importer.Name = "Import Company Ltd"
	must(t, db.SaveParty(ctx, editor, w.Importer))
	err = db.SaveParty(ctx, editor, &stale)
	wantCode(t, err, psti.ECONFLICT, "")

	// An importer, told by the manufacturer: no need to contact it
	// (s.19(10)); the closing records are s.20's.
	must(t, db.SaveChain(ctx, editor, &cases.Chain{ProductID: w.Seed.Product.ID, Roles: []string{"importer"}}))
	c, err := w.Svc.Open(ctx, editor, cases.Opening{Title: "Notice from the manufacturer", Source: cases.FromNotice, SourceNote: "Shenzhen Widget Co, letter of 2 March",
		RequirementID: "PSTI-PW-01", Items: []cases.Item{{ProductID: w.Seed.Product.ID}},
		Facts: catalog.Values{"failure_by": "manufacturer", "status": "confirmed", "informed_by": "manufacturer", "made_available_in_uk": true,
			"manufacturer_likely_to_remedy": true, "supplied_distributors": false}})
	must(t, err)
	if c.Facts["role"] != "importer" {
		t.Fatalf("role %v", c.Facts["role"])
	}
	if d := duty(t, c, "contact_manufacturer"); d.State != cases.DutyNotRequired || !strings.Contains(d.Why, "s.19(10)") {
		t.Fatalf("contact: %+v", d)
	}
	_, err = w.Svc.Open(ctx, editor, cases.Opening{Title: "x", RequirementID: "PSTI-NOPE", Items: []cases.Item{{ProductID: w.Seed.Product.ID}}})
	wantCode(t, err, psti.EINVALID, "requirement_id")
	_, err = w.Svc.Open(ctx, editor, cases.Opening{Title: "x", Items: []cases.Item{{ProductID: w.Seed.Product.ID}}, Facts: catalog.Values{"rol": "importer"}})
	wantCode(t, err, psti.EINVALID, "facts.rol")
	for _, k := range []string{"investigate", "notify_enforcement_authority"} {
		c, err = w.Svc.SetDuty(ctx, editor, c.ID, c.Revision, duty(t, c, k).Key, cases.DutyDone, "")
		must(t, err)
	}
	_, _, err = w.Svc.Close(ctx, editor, c.ID, cases.Closing{Revision: c.Revision, Outcome: "No failure after all."})
	wantCode(t, err, psti.EINVALID, "failure_found")
	_, recs, err := w.Svc.Close(ctx, editor, c.ID, cases.Closing{Revision: c.Revision, Outcome: "The manufacturer's failure is confirmed.",
		FailureFound: true, FailureDetails: "Default password admin.", RemedialSteps: "The manufacturer ships new firmware.", RemedySucceeded: "not_yet",
		Manufacturer: &cases.ManufacturerInvestigation{Outcome: "Firmware fault found.", MissingFacts: "How many units were affected.", StepsToObtain: "Asked twice by e-mail."}})
	must(t, err)
	if len(recs) != 2 || recs[0].Section != "s.20(1)(a)" || recs[1].Section != "s.20(1)(b)" || recs[1].MissingFacts == "" {
		t.Fatalf("records %+v", recs)
	}
}

func duty(t testing.TB, c *cases.Case, name string) *cases.CaseDuty {
	t.Helper()
	for _, d := range c.Duties {
		if d.Duty == name {
			return d
		}
	}
	t.Fatalf("case %d has no duty %s", c.ID, name)
	return nil
}

func item(n *cases.Notice, key string) *cases.NoticeItem {
	for i := range n.Items {
		if n.Items[i].Key == key {
			return &n.Items[i]
		}
	}
	return nil
}

func hasEvent(ev []cases.Event, kind, text string) bool {
	for _, e := range ev {
		if e.Kind == kind && strings.Contains(e.Text, text) {
			return true
		}
	}
	return false
}

// outbox returns the recipient and body of each queued mail of a kind.
func outbox(t testing.TB, db *store.DB, kind string) []string {
	t.Helper()
	rows, err := raw(t, db).QueryContext(context.Background(), `SELECT to_addr, body FROM mail_outbox WHERE kind = $1 ORDER BY id`, kind)
	must(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var to, body string
		must(t, rows.Scan(&to, &body))
		out = append(out, to+"\n"+body)
	}
	return out
}

// FillCases puts a row in every table of compliance cases: parties, the
// product's chain, a closed case with its duties, timeline, a sent notice,
// a hold, records, a notice from the authority, a target and an alert.
func FillCases(t testing.TB, db *store.DB, s *Seed) {
	t.Helper()
	ctx := context.Background()
	clock := psti.SystemClock{}
	reports := &disclosure.Service{Store: db, Register: db, Clock: clock}
	svc := &cases.Service{Store: db, Register: db, Reports: db, Policies: reports, Clock: clock}
	ea := &cases.Party{OrganisationID: s.Org.ID, Kind: "enforcement_authority", Name: "Enforcement authority", Email: "notices@authority.example"}
	must(t, db.SaveParty(ctx, editor, ea))
	must(t, db.SaveChain(ctx, editor, &cases.Chain{ProductID: s.Product.ID, Roles: []string{"manufacturer"}, Links: []cases.Link{{PartyID: ea.ID, Relation: "other_manufacturer"}}}))
	must(t, svc.SaveTargets(ctx, editor, s.Org.ID, map[string]int{"remedy": 5}))
	c, err := svc.Open(ctx, editor, cases.Opening{Title: "Default password", Items: []cases.Item{{ProductID: s.Product.ID}},
		Facts:       catalog.Values{"status": "confirmed", "informed_by": nil, "made_available_in_uk": true, "units_not_yet_supplied": false, "supplied_importers": false, "supplied_distributors": false},
		Particulars: cases.Particulars{Details: "d", Risks: "r", Steps: "s", StepsWorked: "w"}})
	must(t, err)
	n, err := svc.DraftNotice(ctx, editor, c.ID, duty(t, c, "notify_enforcement_authority").Key, ea.ID)
	must(t, err)
	_, err = svc.SendNotice(ctx, editor, n.ID, n.Revision)
	must(t, err)
	_, err = svc.PlaceHold(ctx, editor, c.ID, nil, "held")
	must(t, err)
	c, err = svc.Case(ctx, c.ID)
	must(t, err)
	for _, k := range []string{"remedy", "notify_other_manufacturers"} {
		c, err = svc.SetDuty(ctx, editor, c.ID, c.Revision, duty(t, c, k).Key, cases.DutyDone, "")
		must(t, err)
	}
	_, _, err = svc.Close(ctx, editor, c.ID, cases.Closing{Revision: c.Revision, Outcome: "found", FailureFound: true, FailureDetails: "d", RemedialSteps: "s", RemedySucceeded: "yes"})
	must(t, err)
	must(t, svc.RecordAuthorityNotice(ctx, editor, &cases.AuthorityNotice{OrganisationID: s.Org.ID, CaseID: c.ID, Kind: "intent_compliance", SentAt: time.Now().Add(-time.Hour)}))
	_, err = db.ClaimAlert(ctx, "test", time.Now())
	must(t, err)
}
