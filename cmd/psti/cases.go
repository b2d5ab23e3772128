package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

// psti cases: compliance cases from the command line (issue 15), read
// only: what each case holds, which duties are open and past their
// target, and the records kept under ss.12 and 20 with the day until which each
// must be kept. Cases are opened and worked on the staff pages or the API.

func casesCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "cases",
		Short: "Read compliance cases, their duties and the records kept (ss.10-25)",
		Long: `Read the compliance cases psti keeps: a product that fails, or may fail, the
security requirements, and what the business does about it. Each case holds
the facts as they became known, the duties they give under sections 10 to 25
of the Act (each with its section and the statute's timing: "as soon as
possible", "as soon as is practicable", or none), the notices sent, the holds
on supply, and, once closed, the investigation and failure records of
sections 12 and 20, kept for 10 years from the day they are made.

"As soon as possible" has no fixed length in the Act: psti measures each duty
against your organisation's own target, in working days on the calendar the
security-report clocks use (2 and 10 working days until you set your own on
the staff pages or with PUT /api/v1/duty-targets). A duty past its target is
overdue: "psti cases list" counts them and "psti cases show" marks them.

Cases are opened and worked on the staff pages (/admin/cases) or the API
(/api/v1/cases); these commands only read (export writes the case file). Reporter identities from security
reports are never shown.

Exit status: 0 success, 1 no such case (or the database could not be read),
2 the command line is unusable.`,
		Example: `  psti cases list                    open and closed cases, newest first
  psti cases list --status open      only open ones, with their overdue duties
  psti cases show 12                 case 12: facts, duties, timeline, notices, records
  psti cases show 12 --format json   the same, for scripts
  psti cases records                 every record kept, and until when
  psti cases export 12 --out case-12.pdf
                                     case 12's file for the authority or a court
                                     (also --format html or json)`,
		Args: exactArgs(0, "a subcommand: list, show, records or export"),
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.AddCommand(casesListCmd(a), casesShowCmd(a), casesRecordsCmd(a), casesExportCmd(a))
	return c
}

// caseService opens the database with the services a case is read
// through: overdue marks come from the case service, on the same clock
// and calendar as the server's.
func (a *app) caseService(ctx context.Context) (*store.DB, *cases.Service, error) {
	db, err := a.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	clock := psti.SystemClock{}
	reports := &disclosure.Service{Store: db, Register: db, Clock: clock}
	return db, &cases.Service{Store: db, Register: db, Reports: db, Policies: reports, Clock: clock}, nil
}

func formatFlag(c *cobra.Command, format *string) {
	c.Flags().StringVar(format, "format", "text", "text or json")
}

func checkFormat(format string) error {
	if format != "text" && format != "json" {
		return usagef("--format must be text or json, not %q", format)
	}
	return nil
}

func casesListCmd(a *app) *cobra.Command {
	var status, format string
	c := &cobra.Command{
		Use:   "list",
		Short: "List compliance cases, newest first, with their open and overdue duties",
		Long: `List compliance cases, newest first: each with its status, when it was opened,
how many of its duties are open and how many of those are past your target.

--status open (or closed) lists only those; --format json prints the cases,
with their facts and duties, as GET /api/v1/cases does.`,
		Example: `  psti cases list
  psti cases list --status open
  psti cases list --format json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			if status != "" && status != cases.Open && status != cases.Closed {
				return usagef("--status must be open or closed, not %q", status)
			}
			ctx := c.Context()
			db, svc, err := a.caseService(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			list := []*cases.Case{}
			for after := int64(0); ; {
				page, err := svc.Cases(ctx, cases.Filter{Status: status, After: after, Limit: 100})
				if err != nil {
					return err
				}
				list = append(list, page...)
				if len(page) < 100 {
					break
				}
				after = page[len(page)-1].ID
			}
			if format == "json" {
				return printJSON(a.stdout, list)
			}
			if len(list) == 0 {
				fmt.Fprintln(a.stdout, "No cases"+map[string]string{"": "", "open": " open", "closed": " closed"}[status]+
					". Open one from a security report's page, or on the staff pages under Cases.")
				return nil
			}
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSTATUS\tOPENED\tDUTIES OPEN\tOVERDUE\tTITLE")
			for _, k := range list {
				open, over := 0, 0
				for _, d := range k.Duties {
					if d.State == cases.DutyOpen {
						open++
					}
					if d.Overdue {
						over++
					}
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%d\t%s\n", k.ID, k.Status, psti.ShortDate(k.OpenedAt), open, over, k.Title)
			}
			return w.Flush()
		},
	}
	c.Flags().StringVar(&status, "status", "", "open or closed (default: both)")
	formatFlag(c, &format)
	return c
}

// caseShown is psti cases show --format json: the case and everything
// kept about it.
type caseShown struct {
	Case             *cases.Case            `json:"case"`
	Products         string                 `json:"products"`
	Events           []cases.Event          `json:"events"`
	Notices          []*cases.Notice        `json:"notices"`
	Holds            []*cases.Hold          `json:"holds"`
	Records          []*cases.Record        `json:"records"`
	AuthorityNotices []authorityNoticeShown `json:"authority_notices"`
}

type authorityNoticeShown struct {
	*cases.AuthorityNotice
	Deadlines []cases.Deadline `json:"deadlines"`
}

func casesShowCmd(a *app) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "show ID",
		Short: "Show a case: facts, duties with their targets, timeline, notices and records",
		Long: `Show everything kept about one compliance case: the facts as they now stand;
each duty with its section, state, the statute's timing, how long it has been
open against your target, and OVERDUE once the target has passed; the timeline
of every change; the notices sent (to whom, when); holds on supply; notices
from the enforcement authority with their deadlines; and the records made.

--format json prints the same for scripts.`,
		Example: `  psti cases show 12
  psti cases show 12 --format json`,
		Args: exactArgs(1, "the case's id"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usagef("the case's id is a number, such as 12, not %q (psti cases list shows them)", args[0])
			}
			ctx := c.Context()
			db, svc, err := a.caseService(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			k, err := svc.Case(ctx, id)
			if err != nil {
				if psti.ErrorCode(err) == psti.ENOTFOUND {
					return psti.Errorf(psti.ENOTFOUND, "There is no case %d: psti cases list shows the cases kept.", id)
				}
				return err
			}
			out := caseShown{Case: k, AuthorityNotices: []authorityNoticeShown{}}
			if out.Products, err = svc.ItemsText(ctx, k.Items); err != nil {
				return err
			}
			if out.Events, err = db.CaseEvents(ctx, id); err != nil {
				return err
			}
			if out.Notices, err = db.Notices(ctx, id); err != nil {
				return err
			}
			if out.Holds, err = db.Holds(ctx, cases.HoldFilter{CaseID: id, All: true}); err != nil {
				return err
			}
			if out.Records, err = db.Records(ctx, cases.RecordFilter{CaseID: id, Limit: 1000}); err != nil {
				return err
			}
			ns, err := db.AuthorityNotices(ctx, cases.AuthorityFilter{CaseID: id, Limit: 1000})
			if err != nil {
				return err
			}
			for _, n := range ns {
				out.AuthorityNotices = append(out.AuthorityNotices, authorityNoticeShown{n, n.Deadlines()})
			}
			if format == "json" {
				return printJSON(a.stdout, out)
			}
			return printCase(a.stdout, &out, time.Now())
		},
	}
	formatFlag(c, &format)
	return c
}

// printCase writes a case for a person.
func printCase(out io.Writer, s *caseShown, now time.Time) error {
	k := s.Case
	w := &errWriter{w: out}
	w.printf("Case %d: %s\n", k.ID, k.Title)
	status := "open"
	if k.ClosedAt != nil {
		status = "closed " + psti.LongDateTime(*k.ClosedAt)
	}
	w.printf("  %s; opened %s by %s (%s)\n", status, psti.LongDateTime(k.OpenedAt), k.OpenedBy, sourceText(k))
	w.printf("  Products: %s\n", s.Products)
	if k.RequirementID != "" {
		w.printf("  Requirement that may be failed: %s\n", k.RequirementID)
	}

	rules := catalog.DefaultDutyRules()
	w.printf("\nFacts (rules %s):\n", k.RulesVersion)
	for _, f := range rules.List {
		v, ok := k.Facts[f.ID]
		text := "not known"
		if ok {
			text = rules.ValueText(f.ID, v)
		}
		w.printf("  %-44s %s\n", f.Label+":", text)
	}

	w.printf("\nDuties:\n")
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, d := range k.Duties {
		state := strings.ToUpper(strings.ReplaceAll(d.State, "_", " "))
		if d.Overdue {
			state = "OVERDUE"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", state, d.Section, cases.DutyText(d.Duty), dutyTiming(d, now))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	w.printf("\nTimeline:\n")
	for _, e := range s.Events {
		w.printf("  %s  %s: %s\n", psti.LongDateTime(e.At), e.Actor, e.Text)
	}

	w.printf("\nNotices sent:\n")
	sent := 0
	for _, n := range s.Notices {
		if n.State != cases.NoticeSent || n.SentAt == nil {
			continue
		}
		sent++
		to := n.ToName
		if n.Method == "email" {
			to += " <" + n.ToEmail + ">"
		} else {
			to += " (by " + n.Method + ")"
		}
		w.printf("  %d. %s to %s: %s\n", n.ID, psti.LongDateTime(*n.SentAt), to, n.Subject)
	}
	if sent == 0 {
		w.printf("  none yet\n")
	}
	if drafts := len(s.Notices) - sent; drafts > 0 {
		w.printf("  (%d draft%s not sent)\n", drafts, plural(drafts))
	}

	if len(s.Holds) > 0 {
		w.printf("\nHolds on supply:\n")
		for _, h := range s.Holds {
			state := "in force"
			if h.LiftedAt != nil {
				state = "lifted " + psti.LongDate(*h.LiftedAt) + ": " + h.LiftReason
			}
			w.printf("  product %d%s since %s (%s): %s\n", h.ProductID, batchText(h.BatchID), psti.LongDate(h.PlacedAt), state, h.Reason)
		}
	}
	if len(s.AuthorityNotices) > 0 {
		w.printf("\nNotices from the enforcement authority:\n")
		for _, n := range s.AuthorityNotices {
			w.printf("  %d. %s %s, given %s\n", n.ID, cases.AuthorityKinds[n.Kind], n.Reference, psti.LongDateTime(n.GivenAt))
			for _, d := range n.Deadlines {
				w.printf("     %s %s (%s)\n", d.Name, psti.Deadline(d.Due), d.Section)
			}
		}
	}

	w.printf("\nRecords:\n")
	if len(s.Records) == 0 {
		w.printf("  none: records are made when the case closes\n")
	}
	for _, r := range s.Records {
		w.printf("  %d. %s, %s, version %d, made %s, kept until at least %s\n", r.ID, cases.RecordKinds[r.Kind], r.Section, r.Version,
			psti.LongDate(r.MadeAt), psti.DateText(r.KeepUntil))
	}
	return w.err
}

// dutyTiming says a duty's timing and, while it is open and firm, how long
// it has been open against the target.
func dutyTiming(d *cases.CaseDuty, now time.Time) string {
	t := cases.TimingText(d.Timing)
	switch {
	case d.State == cases.DutyNotRequired:
		return "not required: " + d.Why
	case d.State == cases.DutyDone && d.DoneAt != nil:
		t += "; done " + psti.LongDate(*d.DoneAt)
		if d.Note != "" {
			t += ": " + d.Note
		}
		return t
	case d.NeedsReview:
		return t + "; to review: " + strings.Join(d.Review, "; ")
	}
	if d.FirmAt != nil {
		t += fmt.Sprintf("; open %s", ageText(now.Sub(*d.FirmAt)))
	}
	if d.TargetAt != nil {
		if d.Overdue {
			t += "; target was " + psti.Deadline(*d.TargetAt)
		} else {
			t += "; target " + psti.Deadline(*d.TargetAt)
		}
	}
	return t
}

func ageText(d time.Duration) string {
	switch days := int(d.Hours() / 24); {
	case days >= 1:
		return fmt.Sprintf("%d day%s", days, plural(days))
	case d >= time.Hour:
		h := int(d.Hours())
		return fmt.Sprintf("%d hour%s", h, plural(h))
	}
	return "less than an hour"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func batchText(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprintf(" batch %d", id)
}

func sourceText(k *cases.Case) string {
	switch k.Source {
	case cases.FromReport:
		return fmt.Sprintf("from security report %d", k.ReportID)
	case cases.FromNotice:
		return "from a notice: " + k.SourceNote
	}
	return "by staff"
}

// errWriter keeps the first write error, so a long report is written
// without checking each line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

func casesRecordsCmd(a *app) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "records",
		Short: "List every record kept under ss.12 and 20, and until when",
		Long: `The retention report: every investigation record, compliance failure record and
record of a manufacturer's investigation psti keeps, with the section it is
kept under, when it was made, and the last day the Act asks it to be kept (10
years from the day it was made, s.12(4) and s.20(4)), the soonest first. A
record corrected by a later version is marked superseded; both are kept.

No record can be deleted: not on the pages, the API, nor in the database.

--format json prints the same as GET /api/v1/records/retention.`,
		Example: `  psti cases records
  psti cases records --format json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			ctx := c.Context()
			db, svc, err := a.caseService(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			out, err := svc.Retention(ctx)
			if err != nil {
				return err
			}
			if format == "json" {
				return printJSON(a.stdout, out)
			}
			if len(out) == 0 {
				fmt.Fprintln(a.stdout, "No records yet: they are made when a case closes.")
				return nil
			}
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "KEEP UNTIL\tID\tCASE\tRECORD\tSECTION\tVERSION\tMADE\tPRODUCTS")
			for _, r := range out {
				version := strconv.Itoa(r.Version)
				if r.Superseded {
					version += " (superseded)"
				}
				fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", psti.DateText(r.KeepUntil), r.ID, r.CaseID, cases.RecordKinds[r.Kind], r.Section, version,
					psti.ShortDate(r.MadeAt), r.Products)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "\n%d record%s kept. None can be deleted.\n", len(out), plural(len(out)))
			return err
		},
	}
	formatFlag(c, &format)
	return c
}
