package cases_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var staff = psti.Actor{Label: "sam@acme.example"}

// The reporter's identity and what only they wrote: none of it may be in
// a case file.
const (
	finderEmail   = "finder@example.net"
	finderCredit  = "Ada Finder"
	finderDetails = "I found it with my own scanner; call me on 07700 900123."
	finderFile    = "finder-proof.txt"
)

// fileWorld is a case from a security report walked to its end on a fixed
// clock: facts confirmed, particulars with typographic characters, a
// notice sent to the authority and one left a draft, a hold placed and
// lifted, the case closed with its records and one corrected, and a
// notice from the authority.
type fileWorld struct {
	*storetest.CaseWorld
	c     *cases.Case
	sent  *cases.Notice
	draft *cases.Notice
}

func newFileWorld(t *testing.T) *fileWorld {
	t.Helper()
	w := &fileWorld{CaseWorld: storetest.NewCaseWorld(t, storetest.SQLite)}
	ctx := context.Background()
	svc := w.Svc
	w.Clock.Set(time.Date(2026, 11, 2, 9, 30, 0, 0, psti.London))
	rep, _, err := w.Reports.Submit(ctx, disclosure.Submission{Summary: "The camera’s web page accepts admin/admin",
		Details: finderDetails, ProductID: w.Seed.Product.ID, ContactEmail: finderEmail, Credit: finderCredit,
		Attachments: []disclosure.Attachment{{Name: finderFile, ContentType: "text/plain", Size: 5, Content: strings.NewReader("proof"), SHA256: "x"}}})
	must(t, err)

	w.Clock.Set(time.Date(2026, 11, 2, 11, 0, 0, 0, psti.London))
	c, err := svc.OpenFromReport(ctx, staff, rep.ID)
	must(t, err)
	facts := c.Facts.Clone()
	facts["status"], facts["made_available_in_uk"], facts["units_not_yet_supplied"] = "confirmed", true, true
	facts["other_manufacturers_known"], facts["supplied_distributors"] = false, false
	w.Clock.Set(time.Date(2026, 11, 3, 14, 15, 0, 0, psti.London))
	c, err = svc.SetFacts(ctx, staff, c.ID, c.Revision, facts, "our lab reproduced it")
	must(t, err)
	c, err = svc.SetParticulars(ctx, staff, c.ID, c.Revision, cases.Particulars{
		Details:     "Every DB-200 ships with the password “admin”.",
		Risks:       "Anyone on the network can watch the camera → privacy harm; fines up to £10m.",
		Steps:       "Firmware 2.1 forces a new password at set-up.",
		StepsWorked: "Not yet known: rolling out.",
	})
	must(t, err)

	w.Clock.Set(time.Date(2026, 11, 4, 10, 0, 0, 0, psti.London))
	n, err := svc.DraftNotice(ctx, staff, c.ID, duty(t, c, "notify_enforcement_authority").Key, w.Authority.ID)
	must(t, err)
	w.sent, err = svc.SendNotice(ctx, staff, n.ID, n.Revision)
	must(t, err)
	c, err = svc.Case(ctx, c.ID)
	must(t, err)
	w.draft, err = svc.DraftNotice(ctx, staff, c.ID, duty(t, c, "notify_importers_supplied").Key, w.Importer.ID)
	must(t, err)
	w.draft.Subject = "UNSENT DRAFT SUBJECT"
	for i := range w.draft.Items {
		if w.draft.Items[i].Key == "closing" {
			w.draft.Items[i].Text = "This draft was never sent."
		}
	}
	must(t, svc.SaveNotice(ctx, staff, w.draft))

	hs, err := svc.PlaceHold(ctx, staff, c.ID, nil, "Stock at the warehouse keeps the old firmware.")
	must(t, err)
	w.Clock.Set(time.Date(2026, 11, 9, 16, 0, 0, 0, psti.London))
	_, err = svc.LiftHold(ctx, staff, hs[0].ID, "Warehouse stock reflashed with 2.1.")
	must(t, err)
	c, err = svc.Case(ctx, c.ID)
	must(t, err)
	for _, k := range []string{"investigate", "prevent_supply", "remedy", "notify_importers_supplied"} {
		c, err = svc.SetDuty(ctx, staff, c.ID, c.Revision, duty(t, c, k).Key, cases.DutyDone, "done on "+k)
		must(t, err)
	}
	w.Clock.Set(time.Date(2026, 11, 20, 12, 0, 0, 0, psti.London))
	c, recs, err := svc.Close(ctx, staff, c.ID, cases.Closing{Revision: c.Revision, Outcome: "A failure of PSTI-PW-01 was confirmed.", FailureFound: true,
		FailureDetails: "One default password on every unit.", RemedialSteps: "Firmware 2.1.", RemedySucceeded: "yes"})
	must(t, err)
	w.Clock.Set(time.Date(2026, 11, 23, 9, 0, 0, 0, psti.London))
	_, err = svc.CorrectRecord(ctx, staff, recs[0].ID, cases.Record{Why: "The outcome did not name the model.", Outcome: "A failure of PSTI-PW-01 was confirmed in DB-200.",
		FailureFound: true, FailureDetails: "One default password on every unit.", RemedialSteps: "Firmware 2.1.", RemedySucceeded: "yes"})
	must(t, err)
	must(t, svc.RecordAuthorityNotice(ctx, staff, &cases.AuthorityNotice{CaseID: c.ID, Kind: "intent_compliance", Reference: "OPSS/2026/7", Electronic: true,
		SentAt: time.Date(2026, 11, 20, 17, 30, 0, 0, psti.London)}))
	w.Clock.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, psti.London))
	w.c = c
	return w
}

// TestCaseFileGolden: the case file of a whole case, as a person reads it
// in HTML and in the PDF, and every part of it in the JSON.
func TestCaseFileGolden(t *testing.T) {
	w := newFileWorld(t)
	f, err := w.Svc.Export(context.Background(), w.c.ID)
	must(t, err)
	html, err := cases.RenderHTML(f)
	must(t, err)
	golden(t, "casefile.html", string(html))
	if text, ok := pdfText(t, f); ok {
		golden(t, "casefile.pdf.txt", text)
	}

	// Independently of the golden files: what the file must hold.
	if f.Organisation.LegalName != "Acme Devices Ltd" || f.Case.ID != w.c.ID || f.Case.Status != cases.Closed || f.Case.ClosedAt == nil ||
		f.Report == nil || f.Report.Summary != "The camera’s web page accepts admin/admin" || f.Case.RulesVersion == "" {
		t.Fatalf("file %+v", f)
	}
	if !f.GeneratedAt.Equal(time.Date(2026, 12, 1, 10, 0, 0, 0, psti.London)) {
		t.Errorf("generated at %v, want the clock's time", f.GeneratedAt)
	}
	events, err := w.DB.CaseEvents(context.Background(), w.c.ID)
	must(t, err)
	if len(f.Timeline) != len(events) || len(events) < 10 {
		t.Errorf("timeline has %d events of %d", len(f.Timeline), len(events))
	}
	if len(f.Records) != 3 || f.Records[0].CorrectedBy != f.Records[2].ID || f.Records[2].Corrects != f.Records[0].ID || f.Records[2].Version != 2 {
		t.Errorf("records %+v: the correction is not linked both ways", f.Records)
	}
	if len(f.Holds) != 1 || f.Holds[0].LiftedAt == nil || f.Holds[0].LiftReason == "" {
		t.Errorf("holds %+v", f.Holds)
	}
	if len(f.AuthorityNotices) != 1 || len(f.AuthorityNotices[0].Deadlines) != 1 || f.AuthorityNotices[0].GivenAt.IsZero() {
		t.Errorf("authority notices %+v", f.AuthorityNotices)
	}
	var factsSeen bool
	for _, x := range f.Case.Facts {
		factsSeen = factsSeen || x.ID == "status" && strings.HasPrefix(x.Value, "confirmed")
	}
	if !factsSeen {
		t.Errorf("facts %+v: the status is not said in words", f.Case.Facts)
	}
	for _, d := range f.Duties {
		if d.Duty == "notify_distributors_supplied" && (d.State != cases.DutyNotRequired || d.Why == "") {
			t.Errorf("a duty not required says no why: %+v", d)
		}
	}
	js, err := cases.RenderJSON(f)
	must(t, err)
	var back cases.File
	must(t, json.Unmarshal(js, &back))
	if back.Case.Details != f.Case.Details || len(back.Timeline) != len(f.Timeline) {
		t.Error("the JSON does not read back as the file")
	}
	for _, want := range []string{"What this file is", "10 years", "“admin”", "→ privacy harm; fines up to £10m", "Timeline", "Notices sent", "Records", "OPSS/2026/7"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the HTML does not say %q", want)
		}
	}
	for _, bad := range []string{"<script", "src=", "href=\"http", "@import", "url("} {
		if strings.Contains(string(html), bad) {
			t.Errorf("the HTML is not standalone: it has %q", bad)
		}
	}
}

// TestCaseFileKeepsReporterOut: a case from a report whose reporter gave an
// e-mail address, a credit, details and a file: none of those is anywhere
// in the file, in any format.
func TestCaseFileKeepsReporterOut(t *testing.T) {
	w := newFileWorld(t)
	f, err := w.Svc.Export(context.Background(), w.c.ID)
	must(t, err)
	outs := map[string]string{}
	for _, format := range []string{"html", "json"} {
		b, _, err := cases.Render(f, format)
		must(t, err)
		outs[format] = string(b)
	}
	// The PDF's bytes are fonts and streams: its text is what counts.
	if text, ok := pdfText(t, f); ok {
		outs["pdf"] = text
	}
	for name, out := range outs {
		for _, secret := range []string{finderEmail, finderCredit, "Ada", "07700 900123", "my own scanner", finderFile, "proof"} {
			if strings.Contains(out, secret) {
				t.Errorf("the %s case file holds the reporter's %q", name, secret)
			}
		}
	}
	// The summary is the reporter's own words, so the file cannot promise
	// it holds no personal data of theirs: it says what it leaves out.
	for name, out := range outs {
		if strings.Contains(out, "no personal data") || !strings.Contains(strings.Join(strings.Fields(html.UnescapeString(out)), " "), "in the reporter's own words") {
			t.Errorf("the %s case file claims more than it can of the reporter's data", name)
		}
	}
	if !strings.Contains(outs["json"], `"summary": "The camera’s web page accepts admin/admin"`) {
		t.Error("the report's summary is missing from the JSON")
	}
}

// TestCaseFileNotices: a sent notice is in the file byte for byte; a
// draft is not there at all.
func TestCaseFileNotices(t *testing.T) {
	w := newFileWorld(t)
	f, err := w.Svc.Export(context.Background(), w.c.ID)
	must(t, err)
	if len(f.Notices) != 1 {
		t.Fatalf("%d notices in the file, want the one sent", len(f.Notices))
	}
	n := f.Notices[0]
	if n.ID != w.sent.ID || n.Body != w.sent.Body || n.Subject != w.sent.Subject || n.ToEmail != w.Authority.Email || !n.SentAt.Equal(*w.sent.SentAt) || n.SentBy != staff.Label {
		t.Fatalf("notice in the file %+v, sent %+v", n, w.sent)
	}
	kept, err := w.DB.Notice(context.Background(), w.sent.ID)
	must(t, err)
	if n.Body != kept.Body {
		t.Fatal("the body in the file is not the body kept")
	}
	js, err := cases.RenderJSON(f)
	must(t, err)
	var raw struct {
		Notices []struct {
			Body string `json:"body"`
		} `json:"notices_sent"`
	}
	must(t, json.Unmarshal(js, &raw))
	if len(raw.Notices) != 1 || raw.Notices[0].Body != kept.Body {
		t.Fatal("the JSON does not carry the body byte for byte")
	}
	html, err := cases.RenderHTML(f)
	must(t, err)
	for _, out := range []string{string(js), string(html)} {
		if strings.Contains(out, "UNSENT DRAFT SUBJECT") || strings.Contains(out, "This draft was never sent.") {
			t.Error("a draft notice is in the case file")
		}
	}
	if text, ok := pdfText(t, f); ok && strings.Contains(text, "UNSENT DRAFT") {
		t.Error("a draft notice is in the PDF")
	}
	_, err = w.Svc.Export(context.Background(), 999999)
	if psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("no such case: %v", err)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		must(t, os.MkdirAll("testdata", 0o755))
		must(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal([]byte(got), want) {
		t.Errorf("%s differs (run with -update after checking):\n%s", path, got)
	}
}

// pdfText renders f as PDF and returns its text as `pdftotext -layout`
// gives it; false when pdftotext (poppler-utils) is not installed, except
// under CI, where it must be.
func pdfText(t *testing.T, f *cases.File) (string, bool) {
	t.Helper()
	pdf, err := cases.RenderPDF(f)
	must(t, err)
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pdftotext (poppler-utils) is needed under CI: %v", err)
		}
		t.Log("pdftotext (poppler-utils) is not installed: the PDF's text is not checked")
		return "", false
	}
	in := filepath.Join(t.TempDir(), "case.pdf")
	must(t, os.WriteFile(in, pdf, 0o600))
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out), true
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

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCaseFileStatements: the file lists every issued version of the
// product's statements of compliance with the SHA-256 of the PDF kept; a
// draft is not listed.
func TestCaseFileStatements(t *testing.T) {
	w := storetest.NewCaseWorld(t, storetest.SQLite)
	ctx := context.Background()
	db := w.DB
	must(t, db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "acme.example/log"}))
	c, err := w.Svc.Open(ctx, staff, cases.Opening{Title: "Default password", Items: []cases.Item{{ProductID: w.Seed.Product.ID}}})
	must(t, err)
	f, err := w.Svc.Export(ctx, c.ID)
	must(t, err)
	if len(f.Statements) != 0 || f.StatementsNote != "" {
		t.Fatalf("statements %+v %q before any was issued", f.Statements, f.StatementsNote)
	}
	v1 := &statement.Record{ProductID: w.Seed.Product.ID, Content: storetest.StatementContent()}
	must(t, db.CreateStatement(ctx, staff, v1))
	_, err = db.IssueStatement(ctx, staff, v1.ID, storetest.Renderings("v1"))
	must(t, err)
	v2 := &statement.Record{Supersedes: &v1.ID, Content: storetest.StatementContent()}
	must(t, db.CreateStatement(ctx, staff, v2))
	_, err = db.IssueStatement(ctx, staff, v2.ID, storetest.Renderings("v2"))
	must(t, err)
	must(t, db.CreateStatement(ctx, staff, &statement.Record{ProductID: w.Seed.Product.ID, Content: storetest.StatementContent()}))

	f, err = w.Svc.Export(ctx, c.ID)
	must(t, err)
	if len(f.Statements) != 2 {
		t.Fatalf("statements %+v, want the two issued versions", f.Statements)
	}
	first, second := f.Statements[0], f.Statements[1]
	if first.Number != v1.Number || first.Version != 1 || first.SupersededBy == nil || *first.SupersededBy != v2.ID || second.Version != 2 || second.Issued != "2026-12-07" {
		t.Fatalf("statements %+v %+v", first, second)
	}
	if want := storetest.Renderings("v1")[1].SHA256; first.PDFSHA256 != want {
		t.Fatalf("PDF SHA-256 %q, want %q", first.PDFSHA256, want)
	}
	html, err := cases.RenderHTML(f)
	must(t, err)
	if !strings.Contains(string(html), v1.Number+", version 1 (since corrected)") || !strings.Contains(string(html), "7 December 2026") || !strings.Contains(string(html), first.PDFSHA256) {
		t.Error("the HTML does not list the statements")
	}
}
