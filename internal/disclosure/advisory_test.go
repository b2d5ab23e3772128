package disclosure_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// resolved files a report about productID (0 for none), triages it with
// the CVSS vector and closes it as resolved.
func resolved(t *testing.T, s *disclosure.Service, productID int64, cvss, credit string) int64 {
	t.Helper()
	ctx := context.Background()
	r, _, err := s.Submit(ctx, disclosure.Submission{Summary: "Video without a password", Details: "Anyone on the network can watch.", Credit: credit})
	must(t, err)
	act := disclosure.Action{Kind: "triage", CVSS: &cvss}
	if productID > 0 {
		act.ProductID = &productID
	}
	_, err = s.Act(ctx, staff, r.ID, act)
	must(t, err)
	_, err = s.Act(ctx, staff, r.ID, disclosure.Action{Kind: "close", Status: disclosure.StatusResolved, Body: "Fixed."})
	must(t, err)
	return r.ID
}

func fieldsOf(err error) []string {
	var out []string
	for _, f := range psti.ErrorFields(err) {
		out = append(out, f.Field)
	}
	return out
}

func csafOf(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	var m map[string]any
	must(t, json.Unmarshal(doc, &m))
	return m
}

// TestAdvisoryDraftPublishRevise: a draft is checked as it is saved, can be
// previewed without being published, is published once complete, and a
// published advisory is revised with its history in the CSAF document.
func TestAdvisoryDraftPublishRevise(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) { testDraftPublishRevise(t, b) })
	}
}

func testDraftPublishRevise(t *testing.T, b storetest.Backend) {
	db, clock := storetest.Open(t, b)
	clock.Add(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC).Sub(clock.Now()))
	seed := storetest.NewSeed(t, db)
	s := &disclosure.Service{Store: db, Register: db, Clock: clock, BaseURL: "https://psti.example"}
	must(t, s.SavePolicy(context.Background(), staff, disclosure.DefaultPolicy(seed.Org.ID)))
	ctx := context.Background()
	prods, err := db.Products(ctx, product.Filter{})
	must(t, err)
	pr := prods[0]
	for _, v := range []string{"3.1", "3.2"} {
		must(t, db.CreateVersion(ctx, staff, &product.Version{ProductID: pr.ID, Component: "firmware", Version: v}))
	}
	id := resolved(t, s, pr.ID, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "Jo Finder")

	versions, err := s.AdvisoryVersions(ctx, id)
	must(t, err)
	if strings.Join(versions, "|") != "firmware 3.1|firmware 3.2" && strings.Join(versions, "|") != "firmware 3.2|firmware 3.1" {
		t.Fatalf("versions to choose from: %q", versions)
	}
	d, err := s.StartDraft(ctx, db, id)
	must(t, err)
	if d.CVSS != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N" || !d.CreditThem {
		t.Fatalf("a new draft does not start from the report: %+v", d)
	}

	// Wrong input is refused field by field; an incomplete draft is kept.
	bad := disclosure.AdvisoryDraft{Title: "Video", CWE: "CWE-x", CVE: "CVE-26-1", CVSS: "CVSS:3.1/AV:N"}
	err = s.SaveDraft(ctx, db, staff, id, bad)
	if got := strings.Join(fieldsOf(err), ","); got != "cwe,cve,cvss_vector" {
		t.Fatalf("bad draft: fields %q (%v)", got, err)
	}
	must(t, s.SaveDraft(ctx, db, staff, id, disclosure.AdvisoryDraft{Title: "Doorbell video without a password", CWE: "cwe-306"}))
	if _, err := s.PublishDraft(ctx, db, staff, id); strings.Join(fieldsOf(err), ",") != "summary,remedy" {
		t.Fatalf("publishing an incomplete draft: %v", err)
	}
	if _, err := db.AdvisoryOf(ctx, id); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("a refused draft was published: %v", err)
	}
	draft := disclosure.AdvisoryDraft{Title: "Doorbell video without a password", Summary: "Anyone on the same network could watch the video.",
		Remedy: "Update to firmware 3.2.", Affected: []string{"firmware 3.1", " firmware 3.0 ", "firmware 3.0"}, Fixed: []string{"firmware 3.2"},
		CWE: "CWE-306", CVSS: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", CreditThem: true}
	must(t, s.SaveDraft(ctx, db, staff, id, draft))
	prev, _, err := s.PreviewAdvisory(ctx, db, id)
	must(t, err)
	if !prev.Preview || prev.TrackingID != "" || prev.BaseScore != 7.5 || prev.Severity != "high" || prev.CWEName != "Missing Authentication for Critical Function" ||
		strings.Join(prev.Affected, "|") != "firmware 3.1|firmware 3.0" || prev.Credit != "Jo Finder" {
		t.Fatalf("preview: %+v", prev)
	}
	if advs, _ := db.Advisories(ctx); len(advs) != 0 {
		t.Fatalf("a preview was published: %d advisories", len(advs))
	}

	a, err := s.PublishDraft(ctx, db, staff, id)
	must(t, err)
	if a.Revision != 1 || !strings.HasPrefix(a.TrackingID, "ACME-2026-") {
		t.Fatalf("published: %+v", a)
	}
	if _, err := db.AdvisoryDraft(ctx, id); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("the draft outlived its publication: %v", err)
	}

	// A revision: the draft starts from what is published and needs to say
	// what changed.
	clock.Add(26 * time.Hour)
	d, err = s.StartDraft(ctx, db, id)
	must(t, err)
	if d.Title != draft.Title || strings.Join(d.Fixed, "|") != "firmware 3.2" {
		t.Fatalf("revision draft: %+v", d)
	}
	d.Fixed = append(d.Fixed, "firmware 3.1.1")
	must(t, s.SaveDraft(ctx, db, staff, id, *d))
	if _, err := s.PublishDraft(ctx, db, staff, id); strings.Join(fieldsOf(err), ",") != "change" {
		t.Fatalf("a revision without a change note: %v", err)
	}
	d.Change = "Firmware 3.1.1 also fixes the problem."
	must(t, s.SaveDraft(ctx, db, staff, id, *d))
	r2, err := s.PublishDraft(ctx, db, staff, id)
	must(t, err)
	got, err := db.AdvisoryByTracking(ctx, a.TrackingID)
	must(t, err)
	if got.Revision != 2 || len(got.History) != 2 || got.History[1].Summary != d.Change || !got.PublishedAt.Equal(a.PublishedAt) ||
		!got.UpdatedAt.After(got.PublishedAt) || r2.TrackingID != a.TrackingID {
		t.Fatalf("after the revision: %+v", got)
	}
	tracking := csafOf(t, got.CSAF)["document"].(map[string]any)["tracking"].(map[string]any)
	hist := tracking["revision_history"].([]any)
	if tracking["version"] != "2" || len(hist) != 2 || hist[1].(map[string]any)["number"] != "2" ||
		hist[1].(map[string]any)["summary"] != d.Change || tracking["current_release_date"] != got.UpdatedAt.UTC().Format(time.RFC3339) ||
		tracking["initial_release_date"] != a.PublishedAt.UTC().Format(time.RFC3339) {
		t.Fatalf("CSAF tracking after a revision: %v", tracking)
	}
	must(t, disclosure.CheckCSAF(got.CSAF))

	// The API's one-step publication is refused once published.
	if _, err := s.Publish(ctx, db, staff, id, draft); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("published twice: %v", err)
	}
}

// TestAdvisoryNeedsProductAndScore: a CSAF document gives every affected
// version a score and the product's identifiers, so an advisory needs a
// CVSS 3 vector and a product from the register.
func TestAdvisoryNeedsProductAndScore(t *testing.T) {
	s, db, _ := setup(t, time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), nil)
	ctx := context.Background()
	prods, err := db.Products(ctx, product.Filter{})
	must(t, err)
	d := disclosure.AdvisoryDraft{Title: "T", Summary: "S", Remedy: "R"}
	id := resolved(t, s, prods[0].ID, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", "")
	if _, err := s.Publish(ctx, db, staff, id, d); strings.Join(fieldsOf(err), ",") != "cvss_vector" {
		t.Fatalf("published without a CVSS 3 vector: %v", err)
	}
	id = resolved(t, s, 0, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "")
	if _, err := s.Publish(ctx, db, staff, id, d); psti.ErrorCode(err) != psti.ECONFLICT || !strings.Contains(psti.ErrorMessage(err), "Link the report to its product") {
		t.Fatalf("published without a product: %v", err)
	}
}

// TestCSAFValidator runs BSI's csaf-validator-lib (testdata/csafcheck) on
// published advisories of several kinds: its strict schema, every mandatory
// and every optional test must find nothing. The informative tests that
// need no network run too; of them only 6.3.3 (no CVE), 6.3.4 (no CWE) and
// 6.3.2 (CVSS 3.0 rather than 3.1) may speak, for the advisories concerned.
func TestCSAFValidator(t *testing.T) {
	check := filepath.Join("testdata", "csafcheck")
	if _, err := os.Stat(filepath.Join(check, "node_modules", "@secvisogram", "csaf-validator-lib")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the CSAF validator is not installed (run npm ci in %s): %v", check, err)
		}
		t.Skip("the CSAF validator is not installed; run npm ci in internal/disclosure/testdata/csafcheck")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not installed")
		}
		t.Skip("node is not installed")
	}
	s, db, clock := setup(t, time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), nil)
	ctx := context.Background()
	prods, err := db.Products(ctx, product.Filter{})
	must(t, err)
	seeded := prods[0]
	for _, v := range []string{"2.0", "2.1", "3.0"} {
		must(t, db.CreateVersion(ctx, staff, &product.Version{ProductID: seeded.ID, Component: "firmware", Version: v}))
	}
	// A second product with only a model number and a part number, and a
	// third with a hardware version and two GTINs.
	brands, err := db.Brands(ctx, product.Filter{})
	must(t, err)
	plain := &product.Product{BrandID: brands[0].ID, Name: "Smart Plug", Type: "smart plug", ModelNumber: "SP-1",
		Identifiers: []product.Identifier{{Scheme: product.SchemeMPN, Value: "SP1-UK"}}, ManufacturerIDs: seeded.ManufacturerIDs}
	must(t, db.CreateProduct(ctx, staff, plain))
	hub := &product.Product{BrandID: brands[0].ID, Name: "Hub", Type: "home hub", ModelNumber: "H-9", HardwareVersion: "rev B",
		Identifiers: []product.Identifier{{Scheme: product.SchemeGTIN, Value: "96385074"}, {Scheme: product.SchemeGTIN, Value: "036000291452"},
			{Scheme: product.SchemeSKU, Value: "HUB-9B"}, {Scheme: product.SchemeOther, Value: "internal 77"}}, ManufacturerIDs: seeded.ManufacturerIDs}
	must(t, db.CreateProduct(ctx, staff, hub))

	var ids []int64
	// 1: versions ticked and typed, fixed versions, CWE, credit.
	id := resolved(t, s, seeded.ID, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "Jo Finder")
	must(t, s.SaveDraft(ctx, db, staff, id, disclosure.AdvisoryDraft{Title: "Doorbell video without a password", Summary: "Anyone could watch.",
		Remedy: "Update to firmware 3.0.", Affected: []string{"firmware 2.0", "firmware 2.1", "firmware 1.9 (never sold)"}, Fixed: []string{"firmware 3.0"},
		CWE: "CWE-306", CreditThem: true}))
	_, err = s.PublishDraft(ctx, db, staff, id)
	must(t, err)
	ids = append(ids, id)
	// 2: no versions named, CVSS 3.0, no CWE nor credit; revised twice.
	id = resolved(t, s, plain.ID, "CVSS:3.0/AV:A/AC:H/PR:L/UI:R/S:C/C:L/I:L/A:N", "")
	_, err = s.Publish(ctx, db, staff, id, disclosure.AdvisoryDraft{Title: "Plug schedule readable nearby", Summary: "Someone nearby could read the schedule.",
		Remedy: "Turn on the app's local lock."})
	must(t, err)
	for _, change := range []string{"Firmware 1.2 fixes the problem.", "Clarified the remedy."} {
		clock.Add(time.Hour) // across the clock change in London
		d, err := s.StartDraft(ctx, db, id)
		must(t, err)
		d.Fixed, d.Change, d.Remedy = []string{"firmware 1.2"}, change, "Update to firmware 1.2."
		must(t, s.SaveDraft(ctx, db, staff, id, *d))
		_, err = s.PublishDraft(ctx, db, staff, id)
		must(t, err)
	}
	ids = append(ids, id)
	// 3: a hardware version, two GTINs, a CVE, a low score, one fixed
	// version given the API's way.
	id = resolved(t, s, hub.ID, "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", "")
	_, err = s.Publish(ctx, db, staff, id, disclosure.AdvisoryDraft{Title: "Hub debug port", Summary: "With the case open, the debug port gives a shell.",
		Remedy: "Update to 4.1.", FixedIn: "firmware 4.1", CVE: "CVE-2026-12345", CWE: "CWE-1191"})
	must(t, err)
	ids = append(ids, id)

	dir := t.TempDir()
	var files []string
	for i, id := range ids {
		a, err := db.AdvisoryOf(ctx, id)
		must(t, err)
		f := filepath.Join(dir, strings.Repeat("x", i+1)+".json")
		must(t, os.WriteFile(f, a.CSAF, 0o600))
		files = append(files, f)
	}
	script, err := filepath.Abs(filepath.Join(check, "validate.mjs"))
	must(t, err)
	cmd := exec.Command(node, append([]string{script}, files...)...)
	cmd.Dir = check
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("validator: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var res struct {
		Ran   map[string][]string `json:"ran"`
		Files map[string][]struct {
			Kind, Test, Level, Path, Message string
		} `json:"files"`
	}
	must(t, json.Unmarshal(out, &res))
	if len(res.Ran["mandatory"]) < 40 || len(res.Ran["optional"]) < 20 || len(res.Ran["schema"]) != 1 {
		t.Fatalf("the validator ran too few tests: %v", res.Ran)
	}
	t.Logf("tests run: schema %v; %d mandatory, %d optional; informative %v", res.Ran["schema"], len(res.Ran["mandatory"]), len(res.Ran["optional"]), res.Ran["informative"])
	for i, f := range files {
		for _, finding := range res.Files[f] {
			allowed := finding.Kind == "informative" && ((finding.Test == "informativeTest_6_3_3" && i != 2) || (finding.Test == "informativeTest_6_3_4" && i == 1) ||
				(finding.Test == "informativeTest_6_3_2" && i == 1))
			if !allowed {
				t.Errorf("advisory %d: %s %s %s at %s: %s", i+1, finding.Kind, finding.Test, finding.Level, finding.Path, finding.Message)
			}
		}
	}
	if t.Failed() {
		a, _ := db.AdvisoryOf(ctx, ids[0])
		t.Logf("first document:\n%s", a.CSAF)
	}
}
