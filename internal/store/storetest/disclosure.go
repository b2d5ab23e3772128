package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
)

// testReports: reports are stored durably with their receipt's hash and
// first event, many at once; changes are revision-checked and appended to
// the timeline with their e-mail; nothing is deleted.
func testReports(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)

	// An attachment of a few pieces, with a pattern that shows their order.
	big := make([]byte, 2<<20+12345)
	for i := range big {
		big[i] = byte(i * 7 / 1000)
	}
	// Many reporters at once: each gets its own report back.
	const n = 300
	var wg sync.WaitGroup
	ids := make([]int64, n)
	hashes := make([][]byte, n)
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, h := disclosure.NewReceipt()
			hashes[i] = h
			r := &disclosure.Report{OrganisationID: s.Org.ID, Summary: fmt.Sprintf("report %d", i), Details: "details", Status: disclosure.StatusReceived, ReceivedAt: clock.Now()}
			var ms []disclosure.Mail
			if i%50 == 0 {
				r.ContactEmail = fmt.Sprintf("r%d@example.com", i)
				ms = append(ms, disclosure.Mail{To: r.ContactEmail, Subject: "received", Text: "thanks", Kind: "report-received"})
			}
			if i == 7 {
				r.Attachments = []disclosure.Attachment{{Name: "poc.py", ContentType: "text/x-python", SHA256: "abc", Size: 8, Content: strings.NewReader("print(1)")},
					{Name: "capture.pcap", ContentType: "application/octet-stream", SHA256: "def", Size: int64(len(big)), Content: bytes.NewReader(big)}}
			}
			err := db.SubmitReport(ctx, r, h, disclosure.Event{At: clock.Now(), Kind: disclosure.EventReceived, Public: true, Status: r.Status}, ms...)
			ids[i] = r.ID
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	seen := map[int64]bool{}
	for i, id := range ids {
		if id == 0 || seen[id] {
			t.Fatalf("report %d got id %d", i, id)
		}
		seen[id] = true
		r, err := db.ReportByReceipt(ctx, hashes[i])
		must(t, err)
		if r.ID != id || r.Summary != fmt.Sprintf("report %d", i) || r.Revision != 1 || r.Status != disclosure.StatusReceived {
			t.Fatalf("report %d read back by receipt: %+v", i, r)
		}
	}
	// Each report starts its timeline in the transaction that stores it,
	// and is counted once by the dashboard's counters, however many
	// transactions ran at once.
	for i, id := range ids {
		es, err := db.Events(ctx, id)
		must(t, err)
		if len(es) != 1 || es[0].Kind != disclosure.EventReceived || es[0].ReportID != id {
			t.Fatalf("report %d's timeline: %+v", i, es)
		}
	}
	for _, f := range []disclosure.Filter{{}, {Status: disclosure.StatusReceived}, {Status: "open"}} {
		if got, err := db.CountReports(ctx, f); err != nil || got != n {
			t.Fatalf("%+v counted %d (%v), want %d", f, got, err, n)
		}
	}
	if _, err := db.ReportByReceipt(ctx, bytes.Repeat([]byte{1}, 32)); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("unknown receipt: %v", err)
	}
	queued, _, _, err := db.MailStats(ctx)
	must(t, err)
	if queued != n/50 {
		t.Fatalf("%d mails queued, want %d", queued, n/50)
	}
	withFile, err := db.Report(ctx, ids[7])
	must(t, err)
	if len(withFile.Attachments) != 2 || withFile.Attachments[0].Size != 8 || withFile.Attachments[1].Size != int64(len(big)) {
		t.Fatalf("attachments listed: %+v", withFile.Attachments)
	}
	a, err := db.Attachment(ctx, ids[7], withFile.Attachments[0].ID)
	must(t, err)
	var content bytes.Buffer
	must(t, db.WriteAttachment(ctx, ids[7], a.ID, &content))
	if content.String() != "print(1)" || a.Name != "poc.py" || a.Size != 8 {
		t.Fatalf("attachment: %+v %q", a, content.String())
	}
	content.Reset()
	must(t, db.WriteAttachment(ctx, ids[7], withFile.Attachments[1].ID, &content))
	if !bytes.Equal(content.Bytes(), big) {
		t.Fatalf("the attachment of %d bytes read back as %d bytes, or in another order", len(big), content.Len())
	}
	if n, err := db.AttachmentBytes(ctx); err != nil || n != int64(8+len(big)) {
		t.Fatalf("attachment bytes: %d %v", n, err)
	}
	wantCode(t, db.WriteAttachment(ctx, ids[8], a.ID, &content), psti.ENOTFOUND, "")
	if _, err := db.Attachment(ctx, ids[8], withFile.Attachments[0].ID); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("another report's attachment: %v", err)
	}

	// A change, then a stale one.
	clock.Add(time.Hour)
	r, err := db.Report(ctx, ids[0])
	must(t, err)
	now := clock.Now()
	due := now.Add(30 * 24 * time.Hour)
	r.Status, r.AcknowledgedAt, r.LastUpdateAt, r.Due, r.DueWhat = disclosure.StatusAcknowledged, &now, &now, &due, "status update"
	stale := *r
	must(t, db.SaveReport(ctx, editor, r, disclosure.Event{At: now, Kind: disclosure.EventAcknowledged, Public: true, Status: r.Status, Body: "Thanks", Author: editor.Label, AuthorID: editor.UserID},
		disclosure.Mail{To: "r0@example.com", Subject: "ack", Text: "ack", Kind: "report-acknowledged"}))
	if r.Revision != 2 {
		t.Fatalf("revision after saving: %d", r.Revision)
	}
	// The change moves the report from one counter to another, whichever
	// shard of them the insert counted it in.
	for f, want := range map[disclosure.Filter]int{{Status: disclosure.StatusReceived}: n - 1, {Status: disclosure.StatusAcknowledged}: 1, {Status: "open"}: n} {
		if got, err := db.CountReports(ctx, f); err != nil || got != want {
			t.Fatalf("%+v counted %d (%v) after a change, want %d", f, got, err, want)
		}
	}
	stale.Status = disclosure.StatusResolved
	wantCode(t, db.SaveReport(ctx, editor, &stale, disclosure.Event{At: now, Kind: disclosure.EventClosed, Public: true}), psti.ECONFLICT, "")
	got, err := db.Report(ctx, ids[0])
	must(t, err)
	if got.Status != disclosure.StatusAcknowledged || got.AcknowledgedAt == nil || !got.AcknowledgedAt.Equal(now) || got.Due == nil || !got.Due.Equal(due) {
		t.Fatalf("after acknowledging: %+v", got)
	}
	es, err := db.Events(ctx, ids[0])
	must(t, err)
	if len(es) != 2 || es[0].Kind != disclosure.EventReceived || es[1].Kind != disclosure.EventAcknowledged || !es[1].Public || es[1].Author != editor.Label {
		t.Fatalf("timeline: %+v", es)
	}
	trail, err := db.Audit(ctx, psti.AuditFilter{Entity: "report", EntityID: ids[0]})
	must(t, err)
	if len(trail) != 1 || trail[0].Actor.Label != editor.Label {
		t.Fatalf("audit trail: %+v", trail)
	}
	if queued, _, _, _ := db.MailStats(ctx); queued != n/50+1 {
		t.Fatalf("mail after acknowledging: %d queued", queued)
	}

	// Appending needs no revision: many at once, alongside a staff change,
	// all are kept; each takes the report's status and bumps its revision.
	var aw sync.WaitGroup
	appendErrs := make(chan error, 20)
	for i := range 20 {
		aw.Go(func() {
			appendErrs <- db.AppendEvent(ctx, psti.System("reporter"), ids[0], disclosure.Event{At: now, Kind: disclosure.EventReporter, Public: true, Body: fmt.Sprintf("message %d", i)})
		})
	}
	aw.Wait()
	close(appendErrs)
	for err := range appendErrs {
		must(t, err)
	}
	if es, err := db.Events(ctx, ids[0]); err != nil || len(es) != 22 || es[21].Status != disclosure.StatusAcknowledged {
		t.Fatalf("timeline after 20 messages at once: %d events, %v", len(es), err)
	}
	if got, _ := db.Report(ctx, ids[0]); got.Revision != 22 || got.Status != disclosure.StatusAcknowledged {
		t.Fatalf("report after 20 messages: revision %d, status %s", got.Revision, got.Status)
	}
	wantCode(t, db.AppendEvent(ctx, psti.System("reporter"), 1<<40, disclosure.Event{At: now, Kind: disclosure.EventReporter, Public: true, Body: "x"}), psti.ENOTFOUND, "")

	// Lists: open reports with the earliest due first.
	open, err := db.Reports(ctx, disclosure.Filter{Status: "open", Limit: 1000})
	must(t, err)
	if len(open) != n {
		t.Fatalf("%d open reports, want %d", len(open), n)
	}
	overdue, err := db.Reports(ctx, disclosure.Filter{Overdue: due.Add(time.Second)})
	must(t, err)
	if len(overdue) != 1 || overdue[0].ID != ids[0] {
		t.Fatalf("overdue: %d", len(overdue))
	}

	// Policies.
	p := disclosure.DefaultPolicy(s.Org.ID)
	p.Contact = "security@acme.example"
	must(t, db.SavePolicy(ctx, editor, p))
	p.AckWorkingDays = 3
	must(t, db.SavePolicy(ctx, editor, p))
	gotP, err := db.Policy(ctx, s.Org.ID)
	must(t, err)
	if gotP.Revision != 2 || gotP.AckWorkingDays != 3 || gotP.Contact != "security@acme.example" || len(gotP.Languages) != 1 {
		t.Fatalf("policy: %+v", gotP)
	}
	p.Revision = 1
	wantCode(t, db.SavePolicy(ctx, editor, p), psti.ECONFLICT, "")
	p.Languages = []string{"de"}
	p.Revision = 0
	wantCode(t, db.SavePolicy(ctx, editor, p), psti.EINVALID, "languages")

	// An advisory: numbered per prefix and year, built with its number,
	// one per report, found by report and by tracking id in any case.
	if _, err := db.AdvisoryOf(ctx, ids[0]); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("advisory of a report without one: %v", err)
	}
	publish := func(reportID int64) (*disclosure.Advisory, error) {
		adv := &disclosure.Advisory{ReportID: reportID, OrganisationID: s.Org.ID, Title: "T", Summary: "S", Remedy: "R", Product: "P", PublishedAt: clock.Now()}
		e := &disclosure.Event{At: clock.Now(), Kind: disclosure.EventAdvisory, Public: true}
		err := db.PublishAdvisory(ctx, editor, adv, "ACME", func() error {
			adv.CSAF, e.Body = []byte(`{"id": "`+adv.TrackingID+`"}`), adv.TrackingID
			return nil
		}, e)
		return adv, err
	}
	a1, err := publish(ids[0])
	must(t, err)
	a2, err := publish(ids[1])
	must(t, err)
	year := clock.Now().Year()
	if a1.TrackingID != fmt.Sprintf("ACME-%d-0001", year) || a2.TrackingID != fmt.Sprintf("ACME-%d-0002", year) || string(a1.CSAF) != `{"id": "`+a1.TrackingID+`"}` {
		t.Fatalf("advisories: %s %s %s", a1.TrackingID, a2.TrackingID, a1.CSAF)
	}
	if _, err := publish(ids[0]); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("a second advisory about one report: %v", err)
	}
	if got, err := db.AdvisoryOf(ctx, ids[1]); err != nil || got.TrackingID != a2.TrackingID {
		t.Fatalf("advisory of report %d: %+v %v", ids[1], got, err)
	}
	if got, err := db.AdvisoryByTracking(ctx, strings.ToLower(a1.TrackingID)); err != nil || got.ReportID != ids[0] {
		t.Fatalf("advisory by tracking id: %+v %v", got, err)
	}
	if all, err := db.Advisories(ctx); err != nil || len(all) != 2 {
		t.Fatalf("advisories: %d %v", len(all), err)
	}

	// Reports, their timelines and advisories are kept.
	c := raw(t, db)
	for _, stmt := range []string{
		fmt.Sprintf(`DELETE FROM reports WHERE id = %d`, ids[5]),
		`UPDATE report_events SET body = 'changed'`,
		`DELETE FROM report_events`,
		`DELETE FROM report_attachments`,
		`UPDATE advisories SET title = 'changed'`,
		`DELETE FROM advisories`,
	} {
		if _, err := c.ExecContext(ctx, stmt); err == nil {
			t.Errorf("%s: the database allowed it", stmt)
		}
	}
}

// testReportForms: a form's key is written in the same transaction as the
// report or message it adds, once: of many sends of one form at once,
// exactly one is stored and the others are told it was sent (ErrFormSent);
// the key finds the report and what was sealed with it until it expires,
// and is then forgotten. Files sent with a message name it; a report
// keeps the reason it is not a vulnerability; its duplicates are listed.
func testReportForms(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	now := clock.Now()
	newReport := func(summary string) *disclosure.Report {
		return &disclosure.Report{OrganisationID: s.Org.ID, Summary: summary, Details: "d", Status: disclosure.StatusReceived, ReceivedAt: now}
	}
	received := disclosure.Event{At: now, Kind: disclosure.EventReceived, Public: true, Status: disclosure.StatusReceived}

	// One form sent 12 times at once, among other reports arriving in
	// the same groups.
	key := bytes.Repeat([]byte{7}, 32)
	const sends = 12
	var wg sync.WaitGroup
	results := make([]error, sends)
	stored := make([]int64, sends)
	for i := range sends {
		wg.Go(func() {
			r := newReport("sent twice")
			_, h := disclosure.NewReceipt()
			results[i] = db.SubmitReportOnce(ctx, r, h, &disclosure.Once{Key: key, Sealed: []byte("sealed receipt"), Expires: now.Add(time.Hour)}, received)
			stored[i] = r.ID
		})
		wg.Go(func() {
			_, h := disclosure.NewReceipt()
			must(t, db.SubmitReport(ctx, newReport("another"), h, received))
		})
	}
	wg.Wait()
	var won int64
	for i, err := range results {
		switch {
		case err == nil:
			if won != 0 {
				t.Fatalf("the form was stored twice: reports %d and %d", won, stored[i])
			}
			won = stored[i]
		case errors.Is(err, disclosure.ErrFormSent) && psti.ErrorCode(err) == psti.ECONFLICT:
		default:
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if won == 0 {
		t.Fatal("no send of the form was stored")
	}
	all, err := db.Reports(ctx, disclosure.Filter{Limit: 1000})
	must(t, err)
	n := 0
	for _, r := range all {
		if r.Summary == "sent twice" {
			n++
		}
	}
	if n != 1 || len(all) != sends+1 {
		t.Fatalf("%d reports of the form, %d in all; want 1 and %d", n, len(all), sends+1)
	}
	id, sealed, err := db.FormSent(ctx, key, now)
	if err != nil || id != won || string(sealed) != "sealed receipt" {
		t.Fatalf("the form's key finds report %d %q (%v), want %d", id, sealed, err, won)
	}
	if _, _, err := db.FormSent(ctx, bytes.Repeat([]byte{8}, 32), now); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("an unknown key: %v", err)
	}
	if _, _, err := db.FormSent(ctx, key, now.Add(2*time.Hour)); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("an expired key still finds its report: %v", err)
	}

	// A reply form sent three times at once, with a file: one message,
	// its file naming it.
	replyKey := bytes.Repeat([]byte{9}, 32)
	var rw sync.WaitGroup
	replyErrs := make(chan error, 3)
	for range 3 {
		rw.Go(func() {
			e := &disclosure.Event{At: now, Kind: disclosure.EventReporter, Public: true, Body: "here is the capture"}
			files := []disclosure.Attachment{{Name: "capture.pcap", ContentType: "application/octet-stream", Size: 4, SHA256: "x", Content: strings.NewReader("pcap")}}
			replyErrs <- db.AddMessage(ctx, psti.System("reporter"), won, e, &disclosure.Once{Key: replyKey, Expires: now.Add(time.Hour)}, files)
		})
	}
	rw.Wait()
	close(replyErrs)
	ok := 0
	for err := range replyErrs {
		if err == nil {
			ok++
		} else if !errors.Is(err, disclosure.ErrFormSent) {
			t.Fatalf("reply: %v", err)
		}
	}
	es, err := db.Events(ctx, won)
	must(t, err)
	if ok != 1 || len(es) != 2 || es[1].Body != "here is the capture" {
		t.Fatalf("a reply form sent 3 times: %d stored, timeline %+v", ok, es)
	}
	r, err := db.Report(ctx, won)
	must(t, err)
	if len(r.Attachments) != 1 || r.Attachments[0].EventID != es[1].ID || r.Attachments[0].Name != "capture.pcap" {
		t.Fatalf("the reply's file: %+v (message %d)", r.Attachments, es[1].ID)
	}

	// Expired keys are forgotten when a new one is written: the form may
	// then add again (the service refuses expired tokens before that).
	clock.Add(2 * time.Hour)
	_, h := disclosure.NewReceipt()
	later := newReport("sent again after expiry")
	must(t, db.SubmitReportOnce(ctx, later, h, &disclosure.Once{Key: key, Expires: clock.Now().Add(time.Hour)}, received))
	if id, _, err := db.FormSent(ctx, key, clock.Now()); err != nil || id != later.ID {
		t.Fatalf("the key written again: report %d, %v", id, err)
	}

	// Closing as a duplicate, and as not a vulnerability with a reason.
	dup, err := db.Report(ctx, later.ID)
	must(t, err)
	dup.Status, dup.DuplicateOf = disclosure.StatusDuplicate, won
	must(t, db.SaveReport(ctx, psti.System("test"), dup, disclosure.Event{At: clock.Now(), Kind: disclosure.EventClosed, Public: true}))
	ds, err := db.Duplicates(ctx, won)
	must(t, err)
	if len(ds) != 1 || ds[0].ID != later.ID || ds[0].DuplicateOf != won {
		t.Fatalf("duplicates of %d: %+v", won, ds)
	}
	orig, err := db.Report(ctx, won)
	must(t, err)
	orig.Status, orig.Reason = disclosure.StatusNotVulnerability, "The port is closed in the shipped firmware."
	must(t, db.SaveReport(ctx, psti.System("test"), orig, disclosure.Event{At: clock.Now(), Kind: disclosure.EventClosed, Public: true}))
	if got, err := db.Report(ctx, won); err != nil || got.Reason != orig.Reason || got.Status != disclosure.StatusNotVulnerability {
		t.Fatalf("reason kept: %+v %v", got, err)
	}
}
