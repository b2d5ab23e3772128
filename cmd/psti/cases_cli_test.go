package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// TestCasesCLI: psti cases lists cases with their open and overdue duties,
// shows one with its facts, duties (an overdue one marked, with its
// target), timeline, notices sent and records, and lists every record kept
// with the day it may be let go, a corrected one marked superseded; as
// text and JSON. A case that does not exist exits 1; a bad id, status or
// format exits 2. A reporter's e-mail address never shows.
func TestCasesCLI(t *testing.T) {
	url, seed := seeded(t)
	r := cli(t, "cases", "list", "--database-url", url)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "No cases")
	r = cli(t, "cases", "records", "--database-url", url)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "No records yet")

	// A closed case with its records (FillCases), and an open one opened
	// from a security report ten days ago: the failure confirmed at once,
	// so notifying the authority (2 working days) is overdue now.
	db := openDB(t, url)
	ctx := context.Background()
	storetest.FillCases(t, db, seed)
	clock := &storetest.Clock{}
	clock.Set(time.Now().AddDate(0, 0, -10))
	reports := &disclosure.Service{Store: db, Register: db, Clock: clock}
	svc := &cases.Service{Store: db, Register: db, Reports: db, Policies: reports, Clock: clock}
	rep, _, err := reports.Submit(ctx, disclosure.Submission{Summary: "Telnet answers without a password", Details: "Port 23.",
		ProductID: seed.Product.ID, ContactEmail: "finder@example.net", Credit: "Ann Finder"})
	must(t, err)
	open, err := svc.OpenFromReport(ctx, psti.System("test"), rep.ID)
	must(t, err)
	facts := catalog.Values{"role": "manufacturer", "status": "confirmed", "informed_by": "other", "made_available_in_uk": true}
	open, err = svc.SetFacts(ctx, psti.System("test"), open.ID, open.Revision, facts, "our own tests agree")
	must(t, err)
	list, err := db.Cases(ctx, cases.Filter{Status: cases.Closed})
	must(t, err)
	closed := list[0]
	recs, err := db.Records(ctx, cases.RecordFilter{CaseID: closed.ID})
	must(t, err)
	corr, err := svc.CorrectRecord(ctx, psti.System("test"), recs[len(recs)-1].ID, cases.Record{Why: "The outcome was too short.", Outcome: "Found and fixed.",
		FailureFound: true, FailureDetails: "d", RemedialSteps: "s", RemedySucceeded: "yes"})
	must(t, err)
	db.Close()

	r = cli(t, "cases", "list", "--database-url", url)
	wantExit(t, r, 0)
	lines := strings.Split(r.stdout, "\n")
	if !strings.HasPrefix(lines[0], "ID") || !strings.HasPrefix(lines[1], fmt.Sprint(open.ID)) || !strings.HasPrefix(lines[2], fmt.Sprint(closed.ID)) {
		t.Fatalf("not newest first:\n%s", r.stdout)
	}
	if f := strings.Fields(lines[1]); f[1] != "open" || f[5] == "0" {
		t.Fatalf("the open case's line shows no overdue duty: %q", lines[1])
	}
	wantContains(t, "stdout", r.stdout, "Security report", "Default password", "closed")

	r = cli(t, "cases", "list", "--status", "closed", "--format", "json", "--database-url", url)
	wantExit(t, r, 0)
	var js []struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &js); err != nil || len(js) != 1 || js[0].ID != closed.ID || js[0].Status != "closed" {
		t.Fatalf("closed cases as JSON (%v): %s", err, r.stdout)
	}

	r = cli(t, "cases", "show", fmt.Sprint(open.ID), "--database-url", url)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, fmt.Sprintf("Case %d: Security report", open.ID), "from security report",
		"Facts (rules", "how sure", "confirmed",
		"notify the enforcement authority", "as soon as possible; open 10 days; target was by the end of",
		"Timeline:", "(our own tests agree)", "Notices sent:\n  none yet", "Records:\n  none")
	marked := false
	for _, l := range strings.Split(r.stdout, "\n") {
		marked = marked || strings.HasPrefix(strings.Join(strings.Fields(l), " "), "OVERDUE s.11(3) notify the enforcement authority as soon as possible")
	}
	if !marked {
		t.Fatalf("the duty to notify the authority is not marked overdue:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "finder@example.net") || strings.Contains(r.stdout, "Ann Finder") {
		t.Fatalf("the case shows who reported it:\n%s", r.stdout)
	}

	r = cli(t, "cases", "show", fmt.Sprint(closed.ID), "--database-url", url)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "closed ", "DONE", "to Enforcement authority <notices@authority.example>",
		"Notice of intent to give a compliance notice", "Representations by the end of",
		"Investigation record, s.12(1)(a), version 1", "version 2", "kept until at least "+psti.DateText(cases.KeepUntil(time.Now())))

	r = cli(t, "cases", "show", fmt.Sprint(closed.ID), "--format", "json", "--database-url", url)
	wantExit(t, r, 0)
	var shown struct {
		Case struct {
			ID     int64 `json:"id"`
			Duties []struct {
				Key, State string
			} `json:"duties"`
		} `json:"case"`
		Events           []cases.Event    `json:"events"`
		Notices          []cases.Notice   `json:"notices"`
		Records          []cases.Record   `json:"records"`
		AuthorityNotices []map[string]any `json:"authority_notices"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if shown.Case.ID != closed.ID || len(shown.Case.Duties) == 0 || len(shown.Events) == 0 || len(shown.Notices) != 1 || shown.Notices[0].Body == "" ||
		len(shown.Records) != 3 || len(shown.AuthorityNotices) != 1 || shown.AuthorityNotices[0]["deadlines"] == nil {
		t.Fatalf("case as JSON: %s", r.stdout)
	}

	r = cli(t, "cases", "records", "--database-url", url)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "KEEP UNTIL", "Compliance failure record", "s.12(1)(b)", "(superseded)", "3 records kept. None can be deleted.",
		psti.DateText(cases.KeepUntil(time.Now())))
	r = cli(t, "cases", "records", "--format", "json", "--database-url", url)
	wantExit(t, r, 0)
	var kept []struct {
		ID         int64  `json:"id"`
		KeepUntil  string `json:"keep_until"`
		Superseded bool   `json:"superseded"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &kept); err != nil || len(kept) != 3 {
		t.Fatalf("records as JSON (%v): %s", err, r.stdout)
	}
	for i, k := range kept {
		if k.Superseded != (k.ID == corr.Corrects) || k.KeepUntil == "" || i > 0 && kept[i-1].KeepUntil > k.KeepUntil {
			t.Errorf("record %+v (the corrected one is %d)", k, corr.Corrects)
		}
	}

	for _, tc := range []struct {
		args    []string
		code    int
		mention string
	}{
		{[]string{"cases", "show", "999999"}, 1, "There is no case 999999"},
		{[]string{"cases", "show", "twelve"}, 2, "is a number"},
		{[]string{"cases", "show"}, 2, "the case's id"},
		{[]string{"cases", "list", "--status", "pending"}, 2, "--status must be open or closed"},
		{[]string{"cases", "records", "--format", "xml"}, 2, "--format must be text or json"},
		{[]string{"cases", "list", "extra"}, 2, "no arguments"},
	} {
		r := cli(t, append(tc.args, "--database-url", url)...)
		wantExit(t, r, tc.code)
		wantContains(t, "stderr", r.stderr, tc.mention)
	}

	r = cli(t, "cases", "--help")
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "psti cases show 12", "psti cases records", "as soon as possible", "working days")
	r = cli(t, "cases", "show", "--help")
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "OVERDUE", "--format json")
}
