package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// The s.12 and s.20 records: every one, one with its correction form (a
// correction is a new version; the old stays) and a delete button that is
// always refused, and the retention report. Also the notices the
// enforcement authority gave, with the clocks they start (PSTI-E-11).

type recordRow struct {
	*cases.Record
	KindText    string
	Href        string
	Made        string
	Kept        string
	CorrectedBy int64 // the record that corrects this one, 0 for none
	Succeeded   string
}

// recordRows describes rs, finding among all which record corrects which.
func recordRows(rs, all []*cases.Record) []recordRow {
	by := cases.CorrectedBy(all)
	out := make([]recordRow, 0, len(rs))
	for _, r := range rs {
		out = append(out, recordRow{Record: r, KindText: cases.RecordKinds[r.Kind], Href: fmt.Sprintf("/admin/records/%d", r.ID), Made: psti.LongDateTime(r.MadeAt),
			Kept: psti.DateText(r.KeepUntil), CorrectedBy: by[r.ID], Succeeded: cases.SucceededText(r.RemedySucceeded)})
	}
	return out
}

type recordsData struct {
	Rows  []recordRow
	Today string
}

type recordPageData struct {
	Row       recordRow
	Editor    bool
	Sent      *sentForm
	Succeeded []option
	Refused   string
}

func (s *Server) registerRecordPages() {
	s.page("GET /admin/records", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		all, err := s.cases.AllRecords(r.Context(), cases.RecordFilter{})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "records", &view{Title: "Investigation and failure records", User: u, Section: "cases", Data: recordsData{Rows: recordRows(all, all)}})
	})
	s.page("GET /admin/records/retention", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		all, err := s.cases.AllRecords(r.Context(), cases.RecordFilter{})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		rows := recordRows(all, all)
		slices.SortStableFunc(rows, func(a, b recordRow) int { return cmp.Compare(a.KeepUntil, b.KeepUntil) })
		s.render(w, r, http.StatusOK, "records_retention", &view{Title: "Records: what is kept, and until when", User: u, Section: "cases",
			Data: recordsData{Rows: rows, Today: psti.LongDate(s.cfg.Clock.Now())}})
	})
	s.page("GET /admin/records/{id}", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showCaseRecord(w, r, u, nil, "", http.StatusOK)
	})
	s.page("POST /admin/records/{id}/correct", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		c := conv{v: r.PostForm}
		rec := cases.Record{Why: c.text("why"), Outcome: c.text("outcome"), FailureFound: c.str("failure_found") == "yes", FailureDetails: c.text("failure_details"),
			RemedialSteps: c.text("remedial_steps"), RemedySucceeded: c.str("remedy_succeeded"), MissingFacts: c.text("missing_facts"),
			StepsToObtain: c.text("steps_to_obtain"), JointWith: c.str("joint_with")}
		nr, err := s.cases.CorrectRecord(r.Context(), userActor(u), pathID(r), rec)
		if err != nil {
			code := psti.ErrorCode(err)
			if code != psti.EINVALID && code != psti.ECONFLICT {
				s.pageError(w, r, err)
				return
			}
			s.showCaseRecord(w, r, u, newSent("correct", r.PostForm, err), "", statusOf(code))
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/records/%d", nr.ID), fmt.Sprintf("Correction kept as version %d. The record it corrects is kept as it was.", nr.Version))
	})
	// Records are never deleted (s.12(4), s.20(4)): the button is there
	// so that the refusal, and the date, are plain to whoever presses it.
	s.page("POST /admin/records/{id}/delete", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		// DeleteRecord always refuses: ECONFLICT with the date, or
		// ENOTFOUND.
		err := s.cases.DeleteRecord(r.Context(), pathID(r))
		if psti.ErrorCode(err) == psti.ECONFLICT {
			s.showCaseRecord(w, r, u, nil, psti.ErrorMessage(err), http.StatusConflict)
			return
		}
		s.pageError(w, r, err)
	})

	s.page("GET /admin/authority-notices", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showAuthorityNotices(w, r, u, nil, http.StatusOK)
	})
	s.page("POST /admin/authority-notices", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		n, err := decodeAuthorityNotice(r.PostForm)
		if err == nil {
			// With no case, the notice is the organisation's chosen on the
			// form; only where there is one organisation is it taken as
			// meant (a list of one would name the first of several).
			if n.CaseID == 0 && n.OrganisationID == 0 {
				if orgs, lerr := s.store.Organisations(r.Context(), product.Filter{Limit: 2}); lerr == nil && len(orgs) == 1 {
					n.OrganisationID = orgs[0].ID
				}
			}
			err = s.cases.RecordAuthorityNotice(r.Context(), userActor(u), n)
		}
		if err != nil {
			s.showAuthorityNotices(w, r, u, err, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/authority-notices/%d", n.ID), "Notice recorded, with the dates it sets.")
	})
	s.page("GET /admin/authority-notices/{id}", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		n, ok := getRecord(s, w, r, s.store.AuthorityNotice)
		if !ok {
			return
		}
		row := authorityRowOf(n, s.cfg.Clock.Now())
		s.render(w, r, http.StatusOK, "authority_notice", &view{Title: row.KindText + orEmpty(" "+n.Reference, n.Reference), User: u, Section: "cases", Data: row})
	})
	s.page("POST /admin/reports/{id}/case", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		c, err := s.cases.OpenFromReport(r.Context(), userActor(u), pathID(r))
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.redirect(w, r, casePath(c.ID), "Compliance case opened from the report. Confirm the facts as they become known.")
	})
}

func orEmpty(s, cond string) string {
	if cond == "" {
		return ""
	}
	return s
}

func (s *Server) showCaseRecord(w http.ResponseWriter, r *http.Request, u *auth.User, sent *sentForm, refused string, status int) {
	rec, ok := getRecord(s, w, r, s.store.Record)
	if !ok {
		return
	}
	all, err := s.cases.AllRecords(r.Context(), cases.RecordFilter{})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if sent == nil {
		sent = &sentForm{}
	}
	d := recordPageData{Row: recordRows([]*cases.Record{rec}, all)[0], Editor: u.Role.Allows(auth.Editor), Sent: sent, Refused: refused,
		Succeeded: []option{{"", "Not said"}, {"yes", "Yes"}, {"no", "No"}, {"partly", "Partly"}, {"not_yet", "Not known yet"}}}
	title := fmt.Sprintf("%s %d, version %d", d.Row.KindText, rec.ID, rec.Version)
	s.render(w, r, status, "case_record", &view{Title: title, User: u, Section: "cases", Data: d})
}

// ---- notices from the authority ----

type authorityData struct {
	Rows   []authorityRow
	Form   *form
	Editor bool
}

func authorityForm(caseOpts, orgOpts []option) *form {
	kind := &field{Name: "kind", Label: "Which notice", Type: "select", Required: true}
	for _, k := range cases.AuthorityKindList {
		kind.Options = append(kind.Options, option{k, cases.AuthorityKinds[k]})
	}
	cs := &field{Name: "case_id", Label: "Case", Hint: "The compliance case it concerns, if there is one.", Type: "select", Value: "0",
		Options: append([]option{{"0", "No case"}}, caseOpts...)}
	f := &form{Action: "/admin/authority-notices", Submit: "Record the notice", Fields: []*field{kind,
		{Name: "reference", Label: "The authority's reference", Type: "text", Max: cases.MaxName},
		{Name: "electronic", Label: "Was it sent electronically (by e-mail)?", Hint: "A notice sent electronically counts as given at 9 am on the next working day after it was sent (s.50).",
			Type: "select", Value: "yes", Required: true, Options: []option{{"yes", "Yes, electronically"}, {"no", "No: by hand or by post"}}},
		dateField("sent", "Date it was sent or given", "For example 27 3 2026.", ""),
		{Name: "sent_time", Label: "Time it was sent or given", Hint: "24-hour clock, UK time, such as 16:30.", Type: "text", Max: 5},
		dateField("act_by", "Date the notice sets", "The date it asks you to comply or pay by, if it sets one.", ""),
		cs,
		{Name: "note", Label: "Note", Type: "textarea", Max: cases.MaxShort, Rows: 2},
	}}
	// Several organisations: say whose notice it is (a case says it).
	if len(orgOpts) > 1 {
		f.Fields = append(f.Fields[:len(f.Fields)-1], &field{Name: "organisation_id", Label: "Organisation it was given to",
			Hint: "Needed when it concerns no case; with a case, the case's organisation.", Type: "select", Value: "0",
			Options: append([]option{{"0", "Choose one"}}, orgOpts...)}, f.Fields[len(f.Fields)-1])
	}
	return f
}

func decodeAuthorityNotice(v url.Values) (*cases.AuthorityNotice, error) {
	c := conv{v: v}
	n := &cases.AuthorityNotice{Kind: c.str("kind"), Reference: c.str("reference"), Electronic: c.str("electronic") == "yes", Note: c.text("note")}
	n.CaseID, _ = strconv.ParseInt(c.str("case_id"), 10, 64)
	n.OrganisationID, _ = strconv.ParseInt(c.str("organisation_id"), 10, 64)
	n.ActBy = c.date("act_by", "The date the notice sets")
	day := c.date("sent", "The date it was sent")
	hm := c.str("sent_time")
	if hm == "" {
		hm = "09:00"
	}
	if day != "" {
		t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+strings.Replace(hm, ".", ":", 1), psti.London)
		if err != nil {
			c.p.Add("sent_time", "The time must be written as hours and minutes, such as 16:30.")
		} else {
			n.SentAt = t
		}
	}
	if err := c.p.Err(); err != nil {
		return n, err
	}
	if err := n.Validate(); err != nil {
		// The form asks the date as "sent".
		fs := psti.ErrorFields(err)
		for i := range fs {
			if fs[i].Field == "sent_at" {
				fs[i].Field = "sent"
			}
		}
		return n, psti.FieldsErr(fs...)
	}
	return n, nil
}

func (s *Server) showAuthorityNotices(w http.ResponseWriter, r *http.Request, u *auth.User, err error, status int) {
	ctx := r.Context()
	ns, lerr := s.store.AuthorityNotices(ctx, cases.AuthorityFilter{Limit: 500})
	if lerr != nil {
		s.pageError(w, r, lerr)
		return
	}
	now := s.cfg.Clock.Now()
	d := authorityData{Editor: u.Role.Allows(auth.Editor)}
	for _, n := range ns {
		d.Rows = append(d.Rows, authorityRowOf(n, now))
	}
	if d.Editor {
		cs, lerr := s.cases.Cases(ctx, cases.Filter{Limit: 500})
		if lerr != nil {
			s.pageError(w, r, lerr)
			return
		}
		var opts []option
		for _, c := range cs {
			opts = append(opts, option{idString(c.ID), fmt.Sprintf("Case %d: %s", c.ID, c.Title)})
		}
		orgs, lerr := s.store.Organisations(ctx, product.Filter{Limit: 500})
		if lerr != nil {
			s.pageError(w, r, lerr)
			return
		}
		var orgOpts []option
		for _, o := range orgs {
			orgOpts = append(orgOpts, option{idString(o.ID), o.LegalName})
		}
		d.Form = authorityForm(opts, orgOpts)
		if err != nil {
			d.Form = withValues(d.Form, r.PostForm)
			d.Form.setError(err)
		}
	}
	s.render(w, r, status, "authority_notices", &view{Title: "Notices from the enforcement authority", User: u, Section: "cases", Data: d})
}
