package disclosure_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/mail"
	"github.com/psti/psti/internal/mail/mailtest"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

var staff = psti.Actor{UserID: 1, Label: "staff@acme.example"}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// setup is a service over a real database, at a time the test moves.
func setup(t *testing.T, at time.Time, edit func(*disclosure.Policy)) (*disclosure.Service, *store.DB, *storetest.Clock) {
	t.Helper()
	db, clock := storetest.Open(t, storetest.SQLite)
	clock.Add(at.Sub(clock.Now()))
	seed := storetest.NewSeed(t, db)
	s := &disclosure.Service{Store: db, Register: db, Clock: clock, BaseURL: "https://psti.example"}
	p := disclosure.DefaultPolicy(seed.Org.ID)
	p.AlertTo = "security-team@acme.example"
	if edit != nil {
		edit(p)
	}
	must(t, s.SavePolicy(context.Background(), staff, p))
	return s, db, clock
}

func london(s string) time.Time {
	loc, _ := time.LoadLocation("Europe/London")
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// TestPromises: the acknowledgement falls due after so many working days
// (weekends and bank holidays skipped), then a status update every so many
// days after the last, until the report is closed.
func TestPromises(t *testing.T) {
	for _, c := range []struct {
		name     string
		received string
		calendar string
		ackDue   string // London time
	}{
		{"Wednesday before Easter", "2026-04-01 14:00", "", "2026-04-11 00:00"},
		{"Friday evening", "2026-06-05 23:30", "", "2026-06-13 00:00"},
		{"Saturday", "2026-06-06 10:00", "", "2026-06-13 00:00"},
		{"before Christmas", "2026-12-23 14:00", "", "2027-01-05 00:00"},
		{"clocks go forward, then Easter", "2026-03-27 12:00", "", "2026-04-08 00:00"},
		{"own closure", "2026-06-01 09:00", "2026-06-03 Staff day", "2026-06-10 00:00"},
		{"works on a bank holiday", "2026-05-22 09:00", "2026-05-25 open", "2026-05-30 00:00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s, db, clock := setup(t, london(c.received), func(p *disclosure.Policy) { p.Calendar = c.calendar })
			r, code, err := s.Submit(ctx, disclosure.Submission{Summary: "Open telnet", Details: "Port 23 answers with a root shell."})
			must(t, err)
			if r.DueWhat != "acknowledgement" || r.Due == nil || !r.Due.Equal(london(c.ackDue)) {
				t.Fatalf("acknowledgement due %v, want %v", r.Due, london(c.ackDue))
			}
			st, err := s.ReporterStatus(ctx, code)
			must(t, err)
			if st.NextBy == nil || !st.NextBy.Equal(*r.Due) {
				t.Fatalf("the reporter is told %v", st.NextBy)
			}

			clock.Add(26 * time.Hour)
			ack := clock.Now()
			r, err = s.Act(ctx, staff, r.ID, disclosure.Action{Kind: "acknowledge"})
			must(t, err)
			if r.DueWhat != "status update" || !r.Due.Equal(ack.Add(30*24*time.Hour)) {
				t.Fatalf("after acknowledging: %s due %v", r.DueWhat, r.Due)
			}
			clock.Add(10 * 24 * time.Hour)
			upd := clock.Now()
			r, err = s.Act(ctx, staff, r.ID, disclosure.Action{Kind: "update", Body: "We can reproduce it.", Status: disclosure.StatusInvestigating})
			must(t, err)
			if !r.Due.Equal(upd.Add(30 * 24 * time.Hour)) {
				t.Fatalf("after an update: due %v", r.Due)
			}
			// A note is not an update: the clock does not move.
			clock.Add(24 * time.Hour)
			r, err = s.Act(ctx, staff, r.ID, disclosure.Action{Kind: "note", Body: "checking with the firmware team"})
			must(t, err)
			if !r.Due.Equal(upd.Add(30 * 24 * time.Hour)) {
				t.Fatalf("a note moved the clock: %v", r.Due)
			}
			r, err = s.Act(ctx, staff, r.ID, disclosure.Action{Kind: "close", Status: disclosure.StatusResolved})
			must(t, err)
			if r.Due != nil || r.DueWhat != "" {
				t.Fatalf("a closed report still has a promise due: %v", r.Due)
			}
			got, err := db.Report(ctx, r.ID)
			must(t, err)
			if got.Due != nil || got.Status != disclosure.StatusResolved {
				t.Fatalf("stored: %+v", got)
			}
		})
	}
}

// TestOverdueAlerts: staff hear of new reports and of a promise missed,
// once each, by e-mail to the policy's alert address; the metric counts
// what is overdue; the reporter never sees the alert.
func TestOverdueAlerts(t *testing.T) {
	ctx := context.Background()
	s, db, clock := setup(t, london("2026-06-01 09:00"), nil)
	r, code, err := s.Submit(ctx, disclosure.Submission{Summary: "Weak TLS", Details: "The app accepts any certificate."})
	must(t, err)
	n, err := s.Sweep(ctx, "https://psti.example")
	must(t, err)
	if n != 1 {
		t.Fatalf("first sweep alerted about %d reports", n)
	}
	if n, _ := s.Sweep(ctx, "https://psti.example"); n != 0 {
		t.Fatalf("second sweep alerted again about %d", n)
	}
	if over, _ := db.CountReports(ctx, disclosure.Filter{Overdue: clock.Now()}); over != 0 {
		t.Fatalf("overdue before the due time: %d", over)
	}

	clock.Add(r.Due.Sub(clock.Now()) + time.Minute)
	if over, _ := db.CountReports(ctx, disclosure.Filter{Overdue: clock.Now()}); over != 1 {
		t.Fatalf("overdue after the due time: %d", over)
	}
	n, err = s.Sweep(ctx, "https://psti.example")
	must(t, err)
	if n != 1 {
		t.Fatalf("overdue sweep alerted about %d", n)
	}
	if n, _ := s.Sweep(ctx, "https://psti.example"); n != 0 {
		t.Fatalf("the overdue alert was sent twice")
	}
	es, err := db.Events(ctx, r.ID)
	must(t, err)
	if last := es[len(es)-1]; last.Kind != disclosure.EventReminder || last.Public {
		t.Fatalf("timeline after the alert: %+v", last)
	}
	st, err := s.ReporterStatus(ctx, code)
	must(t, err)
	for _, e := range st.Timeline {
		if e.Kind == disclosure.EventReminder || strings.Contains(e.Body, "alerted") {
			t.Fatalf("the reporter sees the staff alert: %+v", e)
		}
	}

	// The outbox holds the two alerts for the team, and nothing for the
	// reporter, who left no address.
	sender, relay := startRelay(t, db, clock)
	_, err = sender.SendDue(ctx)
	must(t, err)
	got := relay.Received()
	if len(got) != 2 || len(got[0].To) != 1 || got[0].To[0] != "security-team@acme.example" || !strings.Contains(got[0].Text(), "New: report") ||
		!strings.Contains(got[1].Text(), "OVERDUE: report") || !strings.Contains(got[1].Text(), "acknowledgement was due") {
		for _, m := range got {
			t.Logf("alert to %q:\n%s", m.To, m.Text())
		}
		t.Fatalf("%d alerts sent; want a new-report alert and an overdue alert, to the team", len(got))
	}

	// Acknowledging late clears the overdue promise.
	_, err = s.Act(ctx, staff, r.ID, disclosure.Action{Kind: "acknowledge"})
	must(t, err)
	if over, _ := db.CountReports(ctx, disclosure.Filter{Overdue: clock.Now()}); over != 0 {
		t.Fatalf("still overdue after acknowledging: %d", over)
	}
}

// TestReporterMail: a reporter who leaves an address is written to when the
// report arrives and at every public step, through a real SMTP server; a
// relay that is down delays the mail but loses none of it.
func TestReporterMail(t *testing.T) {
	ctx := context.Background()
	s, db, clock := setup(t, london("2026-06-01 09:00"), func(p *disclosure.Policy) { p.AlertTo = "" })
	r, code, err := s.Submit(ctx, disclosure.Submission{Summary: "Default password", Details: "admin/admin works.", ContactEmail: "finder@example.net"})
	must(t, err)
	sender, relay := startRelay(t, db, clock)
	relay.Stop()
	_, err = s.Act(ctx, staff, r.ID, disclosure.Action{Kind: "acknowledge", Body: "Thanks: we are looking into it."})
	must(t, err)
	_, err = s.Act(ctx, staff, r.ID, disclosure.Action{Kind: "note", Body: "INTERNAL ONLY"})
	must(t, err)
	_, err = s.Act(ctx, staff, r.ID, disclosure.Action{Kind: "close", Status: disclosure.StatusResolved, Body: "Fixed in 1.4."})
	must(t, err)
	st, err := sender.SendDue(ctx)
	must(t, err)
	if st.Sent != 0 || len(relay.Received()) != 0 {
		t.Fatalf("sent with the relay down: %+v", st)
	}
	relay.Start()
	clock.Add(time.Hour) // past the first retry
	_, err = sender.SendDue(ctx)
	must(t, err)
	got := relay.Received()
	if len(got) != 3 {
		t.Fatalf("%d mails delivered, want 3 (received, acknowledged, closed)", len(got))
	}
	all := ""
	for _, m := range got {
		if len(m.To) != 1 || m.To[0] != "finder@example.net" {
			t.Errorf("mail to %q", m.To)
		}
		all += m.Text()
	}
	for _, want := range []string{code, "acknowledged", "Thanks: we are looking into it.", "Fixed in 1.4.", "https://psti.example/security/status"} {
		if !strings.Contains(all, want) {
			t.Errorf("the reporter's mail does not say %q", want)
		}
	}
	if strings.Contains(all, "INTERNAL ONLY") || strings.Contains(all, "staff@acme.example") {
		t.Error("the reporter's mail reveals an internal note or a staff member")
	}
}

// TestReceiptCodes: codes carry 160 bits, are forgiving to type, and are
// never stored.
func TestReceiptCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		code, hash := disclosure.NewReceipt()
		if len(code) != 35 || strings.Count(code, "-") != 3 || seen[code] || len(hash) != 32 {
			t.Fatalf("receipt %q", code)
		}
		seen[code] = true
		typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
		typed = strings.NewReplacer("o", "0", "i", "1").Replace(typed)
		if string(disclosure.ReceiptHash(typed)) != string(hash) {
			t.Fatalf("%q typed as %q does not match", code, typed)
		}
	}
	for _, bad := range []string{"", "ABC", strings.Repeat("A", 31), strings.Repeat("A", 33), strings.Repeat("!", 32)} {
		if disclosure.ReceiptHash(bad) != nil {
			t.Errorf("%q accepted as a receipt", bad)
		}
	}
}

func FuzzReceiptHash(f *testing.F) {
	code, _ := disclosure.NewReceipt()
	for _, s := range []string{code, "", "----", strings.Repeat("a", 100), "ÄÖÜ", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := disclosure.ReceiptHash(s)
		if h != nil && len(h) != 32 {
			t.Fatalf("hash of %d bytes", len(h))
		}
	})
}

// startRelay is a real SMTP server on loopback and a sender that writes to
// it from the outbox.
func startRelay(t *testing.T, outbox mail.Outbox, clock psti.Clock) (*mail.Sender, *mailtest.Relay) {
	t.Helper()
	r := mailtest.New(t)
	r.Start()
	sender, err := mail.New(outbox, mail.Config{URL: "smtp+insecure://" + r.Addr(), From: "psti@acme.example", Timeout: 2 * time.Second},
		clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(t, err)
	return sender, r
}

// TestSweepOnTwoServers: two servers sweeping one database at the same
// moment tell staff of each report exactly once, new and overdue alike, on
// both back ends.
func TestSweepOnTwoServers(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			url := b.URL(t)
			clock := &storetest.Clock{}
			clock.Add(london("2026-06-01 09:00").Sub(clock.Now()))
			var svcs [2]*disclosure.Service
			var dbs [2]*store.DB
			for i := range dbs {
				db, err := store.Open(ctx, url, store.Options{Clock: clock})
				must(t, err)
				t.Cleanup(func() { db.Close() })
				dbs[i] = db
				svcs[i] = &disclosure.Service{Store: db, Register: db, Clock: clock, BaseURL: "https://psti.example"}
			}
			seed := storetest.NewSeed(t, dbs[0])
			p := disclosure.DefaultPolicy(seed.Org.ID)
			p.AlertTo = "security-team@acme.example"
			must(t, svcs[0].SavePolicy(ctx, staff, p))
			const n = 40
			for i := range n {
				_, _, err := svcs[i%2].Submit(ctx, disclosure.Submission{Summary: fmt.Sprintf("Problem %02d", i), Details: "details"})
				must(t, err)
			}
			sweepBoth := func() int {
				var wg sync.WaitGroup
				var counts [2]int
				for i := range svcs {
					wg.Go(func() {
						c, err := svcs[i].Sweep(ctx, "https://psti.example")
						if err != nil {
							t.Errorf("server %d: %v", i, err)
						}
						counts[i] = c
					})
				}
				wg.Wait()
				return counts[0] + counts[1]
			}
			if got := sweepBoth(); got != n {
				t.Fatalf("two sweeps at once claimed %d new reports, want %d", got, n)
			}
			clock.Add(30 * 24 * time.Hour) // every acknowledgement is overdue
			if got := sweepBoth(); got != n {
				t.Fatalf("two sweeps at once claimed %d overdue reports, want %d", got, n)
			}
			if got := sweepBoth(); got != 0 {
				t.Fatalf("later sweeps claimed %d again", got)
			}
			sender, relay := startRelay(t, dbs[0], clock)
			_, err := sender.SendDue(ctx)
			must(t, err)
			var all strings.Builder
			for _, m := range relay.Received() {
				all.WriteString(m.Text())
			}
			for i := range n {
				if c := strings.Count(all.String(), fmt.Sprintf("“Problem %02d”", i)); c != 2 {
					t.Fatalf("report “Problem %02d” is in %d alert lines, want 2 (one new, one overdue)", i, c)
				}
			}
			if c := strings.Count(all.String(), "New: report"); c != n {
				t.Errorf("%d new-report lines, want %d", c, n)
			}
			if c := strings.Count(all.String(), "OVERDUE: report"); c != n {
				t.Errorf("%d overdue lines, want %d", c, n)
			}
		})
	}
}

// TestFormSentOnce: a report form sent twice with the same token stores one
// report and gives the same receipt both times, also when the sends come
// at once; a reply form sent twice adds one message; an expired token is
// refused and stores nothing.
func TestFormSentOnce(t *testing.T) {
	ctx := context.Background()
	s, db, clock := setup(t, london("2026-06-01 09:00"), nil)
	tok := disclosure.NewFormToken(clock.Now())
	sub := disclosure.Submission{Summary: "Telnet open", Details: "Port 23 answers.", FormToken: tok}
	var wg sync.WaitGroup
	codes := make([]string, 6)
	ids := make([]int64, 6)
	for i := range codes {
		wg.Go(func() {
			r, code, err := s.Submit(ctx, sub)
			must(t, err)
			codes[i], ids[i] = code, r.ID
		})
	}
	wg.Wait()
	for i := range codes {
		if codes[i] != codes[0] || ids[i] != ids[0] || codes[0] == "" {
			t.Fatalf("sends of one form got receipts %q and reports %v", codes, ids)
		}
	}
	r, code, err := s.Receipt(ctx, tok)
	if err != nil || code != codes[0] || r.ID != ids[0] {
		t.Fatalf("the receipt read again: %q %v", code, err)
	}
	if n, _ := db.CountReports(ctx, disclosure.Filter{}); n != 1 {
		t.Fatalf("%d reports stored, want 1", n)
	}
	// Another form is another report.
	if r2, code2, err := s.Submit(ctx, disclosure.Submission{Summary: "Telnet open", Details: "Port 23 answers.", FormToken: disclosure.NewFormToken(clock.Now())}); err != nil || code2 == code || r2.ID == r.ID {
		t.Fatalf("a second form: %q %v", code2, err)
	}

	reply := disclosure.NewFormToken(clock.Now())
	for range 2 {
		must(t, s.SendMessage(ctx, disclosure.Message{Receipt: code, Body: "Any news?", FormToken: reply}))
	}
	es, err := db.Events(ctx, r.ID)
	must(t, err)
	if len(es) != 2 {
		t.Fatalf("a reply form sent twice: %d events, want 2", len(es))
	}

	old := disclosure.NewFormToken(clock.Now())
	clock.Add(disclosure.FormTokenLife + time.Minute)
	_, _, err = s.Submit(ctx, disclosure.Submission{Summary: "Late", Details: "Written slowly.", FormToken: old})
	if psti.ErrorCode(err) != psti.EINVALID || !errors.Is(err, disclosure.ErrFormExpired) {
		t.Fatalf("an expired form: %v", err)
	}
	if _, _, err := s.Receipt(ctx, tok); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("the receipt is still shown after the token expired: %v", err)
	}
	if n, _ := db.CountReports(ctx, disclosure.Filter{}); n != 2 {
		t.Fatalf("%d reports stored, want 2", n)
	}
}

// TestDuplicateFollowsOriginal: a duplicate must name an earlier report
// that exists; once closed as one, its reporter sees the original's public
// timeline (never what the original's reporter wrote), is promised the
// original's next update, and gets the original's updates and closing by
// e-mail (through a real SMTP server), until it is resolved. A reporter
// without an address gets no mail; a duplicate of a duplicate follows the
// first original.
func TestDuplicateFollowsOriginal(t *testing.T) {
	ctx := context.Background()
	s, db, clock := setup(t, london("2026-06-01 09:00"), func(p *disclosure.Policy) { p.AlertTo = "" })
	orig, origCode, err := s.Submit(ctx, disclosure.Submission{Summary: "Camera stream open", Details: "ORIGINAL SECRET DETAILS", ContactEmail: "first@example.net"})
	must(t, err)
	_, err = s.Act(ctx, staff, orig.ID, disclosure.Action{Kind: "acknowledge", Body: "Thanks, we are on it."})
	must(t, err)
	must(t, s.Reply(ctx, origCode, "ORIGINAL REPORTER'S MESSAGE"))
	dup, dupCode, err := s.Submit(ctx, disclosure.Submission{Summary: "Video without password", Details: "Same thing.", ContactEmail: "second@example.net"})
	must(t, err)
	quiet, quietCode, err := s.Submit(ctx, disclosure.Submission{Summary: "RTSP open", Details: "No address given."})
	must(t, err)

	for _, c := range []struct {
		of   int64
		want string
	}{{0, "Give the number"}, {dup.ID, "itself"}, {quiet.ID, "came after"}, {999, "no report"}} {
		_, err := s.Act(ctx, staff, dup.ID, disclosure.Action{Kind: "close", Status: disclosure.StatusDuplicate, DuplicateOf: c.of})
		fs := psti.ErrorFields(err)
		if psti.ErrorCode(err) != psti.EINVALID || len(fs) != 1 || fs[0].Field != "duplicate_of" || !strings.Contains(fs[0].Message, c.want) {
			t.Errorf("duplicate of %d: %v %+v, want %q next to duplicate_of", c.of, err, fs, c.want)
		}
	}
	sender, relay := startRelay(t, db, clock)
	_, err = sender.SendDue(ctx) // what was queued so far
	must(t, err)
	before := len(relay.Received())

	_, err = s.Act(ctx, staff, dup.ID, disclosure.Action{Kind: "close", Status: disclosure.StatusDuplicate, DuplicateOf: orig.ID})
	must(t, err)
	_, err = s.Act(ctx, staff, quiet.ID, disclosure.Action{Kind: "close", Status: disclosure.StatusDuplicate, DuplicateOf: dup.ID})
	must(t, err)
	clock.Add(24 * time.Hour)
	o, err := s.Act(ctx, staff, orig.ID, disclosure.Action{Kind: "update", Status: disclosure.StatusInvestigating, Body: "We can reproduce it."})
	must(t, err)

	st, err := s.ReporterStatus(ctx, dupCode)
	must(t, err)
	if st.Original == nil || st.Original.Status != disclosure.StatusInvestigating || st.NextBy == nil || !st.NextBy.Equal(*o.Due) ||
		!strings.Contains(st.StatusText, "earlier report") {
		t.Fatalf("the duplicate's reporter's view: %+v", st)
	}
	var said []string
	for _, e := range st.Original.Timeline {
		said = append(said, e.Kind+"/"+e.From+": "+e.Body)
	}
	if got := strings.Join(said, " | "); got != "acknowledged/us: Thanks, we are on it. | update/us: We can reproduce it." {
		t.Fatalf("the original's timeline as the duplicate's reporter sees it: %s", got)
	}
	qst, err := s.ReporterStatus(ctx, quietCode)
	must(t, err)
	if qst.Original == nil || len(qst.Original.Timeline) != 2 {
		t.Fatalf("a duplicate of a duplicate does not follow the first report: %+v", qst.Original)
	}

	clock.Add(24 * time.Hour)
	_, err = s.Act(ctx, staff, orig.ID, disclosure.Action{Kind: "close", Status: disclosure.StatusResolved, Body: "Fixed in firmware 2.0."})
	must(t, err)
	st, err = s.ReporterStatus(ctx, dupCode)
	must(t, err)
	if st.NextBy != nil || st.Original.Status != disclosure.StatusResolved || !strings.HasPrefix(st.StatusText, "Resolved") {
		t.Fatalf("after the original is resolved: %+v", st)
	}

	_, err = sender.SendDue(ctx)
	must(t, err)
	to := map[string][]string{}
	for _, m := range relay.Received()[before:] {
		for _, r := range m.To {
			to[r] = append(to[r], m.Text())
		}
	}
	if len(to["first@example.net"]) != 2 || len(to["second@example.net"]) != 3 || len(to) != 2 {
		t.Fatalf("mail: %d to the first reporter (want 2: update, closing), %d to the second (want 3: closed as duplicate, update, closing), %d addresses",
			len(to["first@example.net"]), len(to["second@example.net"]), len(to))
	}
	second := strings.Join(to["second@example.net"], "\n----\n")
	for _, want := range []string{"Video without password", "We can reproduce it.", "Fixed in firmware 2.0.", "same problem", "https://psti.example/security/status"} {
		if !strings.Contains(second, want) {
			t.Errorf("the duplicate's reporter's mail does not say %q:\n%s", want, second)
		}
	}
	for _, secret := range []string{"ORIGINAL", "first@example.net", "Camera stream open", "staff@acme.example"} {
		if strings.Contains(second, secret) {
			t.Errorf("the duplicate's reporter's mail reveals %q", secret)
		}
	}
}

// TestNotAVulnerability: closing as not a vulnerability needs a reason,
// which the reporter reads on the status page and in the e-mail, and the
// closing is a resolution.
func TestNotAVulnerability(t *testing.T) {
	ctx := context.Background()
	s, db, clock := setup(t, london("2026-06-01 09:00"), func(p *disclosure.Policy) { p.AlertTo = "" })
	r, code, err := s.Submit(ctx, disclosure.Submission{Summary: "Port 80 open", Details: "The web page answers.", ContactEmail: "finder@example.net"})
	must(t, err)
	_, err = s.Act(ctx, staff, r.ID, disclosure.Action{Kind: "close", Status: disclosure.StatusNotVulnerability, Body: "Thanks."})
	if fs := psti.ErrorFields(err); len(fs) != 1 || fs[0].Field != "reason" {
		t.Fatalf("not a vulnerability without a reason: %v", err)
	}
	sender, relay := startRelay(t, db, clock)
	_, err = sender.SendDue(ctx)
	must(t, err)
	before := len(relay.Received())
	const why = "The web page is the set-up page, which asks for the owner's password first."
	_, err = s.Act(ctx, staff, r.ID, disclosure.Action{Kind: "close", Status: disclosure.StatusNotVulnerability, Reason: why})
	must(t, err)
	st, err := s.ReporterStatus(ctx, code)
	must(t, err)
	if st.Reason != why || !strings.HasPrefix(st.StatusText, "Resolved: not a security vulnerability") || st.NextBy != nil {
		t.Fatalf("the reporter's view: %+v", st)
	}
	_, err = sender.SendDue(ctx)
	must(t, err)
	got := relay.Received()[before:]
	if len(got) != 1 || !strings.Contains(got[0].Text(), why) || !strings.Contains(got[0].Text(), "not a security vulnerability") {
		t.Fatalf("the reporter's mail: %d %v", len(got), got)
	}
}
