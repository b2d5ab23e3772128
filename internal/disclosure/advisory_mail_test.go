package disclosure_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
)

// TestAdvisoryReachesDuplicates: publishing an advisory tells, through a
// real SMTP server, the reporter of the report it is about and the
// reporter of every duplicate that follows it (also a duplicate of a
// duplicate), once to each address, and never a reporter who gave none; a
// revision tells each of them again, with what changed and the link. A
// duplicate's reporter learns nothing of who sent the original.
func TestAdvisoryReachesDuplicates(t *testing.T) {
	ctx := context.Background()
	s, db, clock := setup(t, london("2026-06-01 09:00"), func(p *disclosure.Policy) { p.AlertTo = "" })
	prods, err := db.Products(ctx, product.Filter{})
	must(t, err)
	submit := func(summary, email string) *disclosure.Report {
		r, _, err := s.Submit(ctx, disclosure.Submission{Summary: summary, Details: "Details of " + summary, ContactEmail: email, Credit: "Jo Finder"})
		must(t, err)
		return r
	}
	orig := submit("Camera stream open", "first@example.net")
	dup := submit("Video without password", "second@example.net")
	quiet := submit("RTSP open", "")
	again := submit("Stream again", "First@Example.net") // the first reporter, once more
	chained := submit("Port 554 open", "third@example.net")
	for _, c := range []struct{ r, of *disclosure.Report }{{dup, orig}, {quiet, orig}, {again, orig}, {chained, dup}} {
		_, err := s.Act(ctx, staff, c.r.ID, disclosure.Action{Kind: "close", Status: disclosure.StatusDuplicate, DuplicateOf: c.of.ID})
		must(t, err)
	}
	cvss := "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
	_, err = s.Act(ctx, staff, orig.ID, disclosure.Action{Kind: "triage", CVSS: &cvss, ProductID: &prods[0].ID})
	must(t, err)
	_, err = s.Act(ctx, staff, orig.ID, disclosure.Action{Kind: "close", Status: disclosure.StatusResolved, Body: "Fixed in firmware 2.0."})
	must(t, err)

	sender, relay := startRelay(t, db, clock)
	_, err = sender.SendDue(ctx) // what was queued so far
	must(t, err)
	mailSince := func(before int) map[string][]string {
		t.Helper()
		_, err := sender.SendDue(ctx)
		must(t, err)
		to := map[string][]string{}
		for _, m := range relay.Received()[before:] {
			for _, r := range m.To {
				to[strings.ToLower(r)] = append(to[strings.ToLower(r)], m.Text())
			}
		}
		return to
	}
	checkEach := func(what string, to map[string][]string, wants ...string) {
		t.Helper()
		if len(to) != 3 || len(to["first@example.net"]) != 1 || len(to["second@example.net"]) != 1 || len(to["third@example.net"]) != 1 {
			t.Fatalf("%s: mail to %d addresses, want one each to the three who gave an address: %v", what, len(to), to)
		}
		for addr, ms := range to {
			for _, want := range wants {
				if !strings.Contains(ms[0], want) {
					t.Errorf("%s: the mail to %s does not say %q:\n%s", what, addr, want, ms[0])
				}
			}
			if addr == "first@example.net" {
				continue
			}
			if !strings.Contains(ms[0], "same problem") {
				t.Errorf("%s: the mail to %s does not say the problem was reported before:\n%s", what, addr, ms[0])
			}
			for _, secret := range []string{"first@example.net", "Camera stream open", "Jo Finder", "Details of"} {
				if strings.Contains(ms[0], secret) {
					t.Errorf("%s: the mail to %s reveals %q:\n%s", what, addr, secret, ms[0])
				}
			}
		}
	}

	before := len(relay.Received())
	must(t, s.SaveDraft(ctx, db, staff, orig.ID, disclosure.AdvisoryDraft{Title: "Doorbell video without a password",
		Summary: "Anyone on the same network could watch the video.", Remedy: "Update to firmware 2.0.", Fixed: []string{"firmware 2.0"},
		CVSS: cvss, CreditThem: true}))
	adv, err := s.PublishDraft(ctx, db, staff, orig.ID)
	must(t, err)
	link := "https://psti.example/security/advisories/" + adv.TrackingID
	published := mailSince(before)
	checkEach("publication", published, "published", adv.TrackingID, "Doorbell video without a password", link)
	if first := published["first@example.net"][0]; !strings.Contains(first, "Camera stream open") || !strings.Contains(first, "It credits Jo Finder") {
		t.Errorf("the first reporter's mail does not name their report and their credit:\n%s", first)
	}
	if second := published["second@example.net"][0]; !strings.Contains(second, "Video without password") {
		t.Errorf("the duplicate's reporter's mail does not name their report:\n%s", second)
	}

	clock.Add(48 * time.Hour)
	before = len(relay.Received())
	d, err := s.StartDraft(ctx, db, orig.ID)
	must(t, err)
	d.Fixed = append(d.Fixed, "firmware 1.9.4")
	d.Change = "Firmware 1.9.4 also fixes the problem."
	must(t, s.SaveDraft(ctx, db, staff, orig.ID, *d))
	rev, err := s.PublishDraft(ctx, db, staff, orig.ID)
	must(t, err)
	if rev.Revision != 2 {
		t.Fatalf("revision %d, want 2", rev.Revision)
	}
	checkEach("revision", mailSince(before), "changed", "version 2", "Firmware 1.9.4 also fixes the problem.", link)
}
