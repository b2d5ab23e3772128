package web

import (
	"cmp"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// The staff pages of security-issue reporting: the list with the promises
// falling due first, one report with its timeline and the actions on it,
// and the disclosure policy.

type reportRow struct {
	*disclosure.Report
	Product string
	DueText string
	DueCSS  string
}

type reportsData struct {
	Rows     []reportRow
	Filter   string
	Filters  []cell
	Overdue  int    // open reports overdue, in all the list
	NextHref string // the next page, when this one is full
}

// reportsPage is how many reports a page of the staff list shows.
const reportsPage = 100

type reportPageData struct {
	reportRow
	Events   []disclosure.Event
	Users    []*auth.User
	Products []productChoice
	Editor   bool
	Assignee string
	Advisory *disclosure.Advisory
	// Duplicates are the reports closed as duplicates of this one: their
	// reporters get its public updates.
	Duplicates []*disclosure.Report
	// Cases are the compliance cases opened from the report.
	Cases []*cases.Case
	sentAction
}

// sentAction is an action form sent back with what is wrong with it: the
// form (its kind), what was typed in it, and each problem next to its
// field.
type sentAction struct {
	Kind     string
	Values   map[string]string
	Error    string
	Problems []psti.FieldError
	Links    []problemLink // the problems, linked to their fields
}

type problemLink struct {
	Href, Message string
}

// actionFields names the input of each action form's fields, for the
// links of the error summary.
var actionFields = map[string]map[string]string{
	"acknowledge": {"body": "f-ack"},
	"update":      {"body": "f-update", "status": "f-ustatus"},
	"note":        {"body": "f-note"},
	"triage":      {"severity": "f-severity", "cvss_vector": "f-cvss", "assignee_id": "f-assignee", "product_id": "f-product"},
	"close":       {"status": "f-cstatus", "duplicate_of": "f-dup", "reason": "f-reason", "body": "f-close"},
}

// Session key of the last staff action done from this session: the same
// form sent again (a reload, a double click) is answered as it was the
// first time rather than with a conflict.
const keyLastAction = "last_action"

// dueText says when a report's next promise falls due, the way staff need
// to read it: how long is left, or how late it is.
func dueText(r *disclosure.Report, now time.Time, cal *disclosure.Calendar) (string, string) {
	if r.Due == nil {
		return "", ""
	}
	when := psti.DeadlineDay(*r.Due)
	if now.After(*r.Due) {
		days := int(now.Sub(*r.Due).Hours()/24) + 1
		return fmt.Sprintf("%s OVERDUE: was due by the end of %s (%d %s late)", capital(r.DueWhat), when, days, plural(days, "day", "days")), "due-over"
	}
	left := cal.WorkingDaysBetween(now, *r.Due)
	css := ""
	if left <= 1 {
		css = "due-soon"
	}
	return fmt.Sprintf("%s due by the end of %s (%d working %s left)", capital(r.DueWhat), when, left, plural(left, "day", "days")), css
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// calendars gives each organisation's working-day calendar, reading each
// policy once per page.
type calendars struct {
	s   *Server
	r   *http.Request
	got map[int64]*disclosure.Calendar
}

func (c *calendars) of(orgID int64) *disclosure.Calendar {
	if cal, ok := c.got[orgID]; ok {
		return cal
	}
	cal := disclosure.EnglandAndWales()
	if p, err := c.s.store.Policy(c.r.Context(), orgID); err == nil {
		cal = p.WorkingDays()
	}
	if c.got == nil {
		c.got = map[int64]*disclosure.Calendar{}
	}
	c.got[orgID] = cal
	return cal
}

func (s *Server) reportRow(cals *calendars, rep *disclosure.Report, names map[int64]string) reportRow {
	row := reportRow{Report: rep, Product: rep.ProductText}
	if n, ok := names[rep.ProductID]; ok {
		row.Product = n
	}
	row.DueText, row.DueCSS = dueText(rep, s.cfg.Clock.Now(), cals.of(rep.OrganisationID))
	return row
}

func (s *Server) registerReportPages() {
	s.page("GET /admin/reports", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		filter := r.URL.Query().Get("show")
		// A page at a time, by key: the next page's link carries the last
		// report's key, so a page deep in a long list costs what the
		// first does (DESIGN.md "Lists").
		now := s.cfg.Clock.Now()
		f := disclosure.Filter{Status: "open", Limit: reportsPage, After: r.URL.Query().Get("after")}
		switch filter {
		case "overdue":
			f.Overdue = now
		case "closed":
			f.Status = "closed"
		case "all":
			f.Status = ""
		default:
			filter = "open"
		}
		reps, err := s.store.Reports(r.Context(), f)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		names, err := productNames(r.Context(), s.store)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d := reportsData{Filter: filter}
		if d.Overdue, err = s.store.CountReports(r.Context(), disclosure.Filter{Overdue: now}); err != nil {
			s.pageError(w, r, err)
			return
		}
		cals := &calendars{s: s, r: r}
		for _, rep := range reps {
			d.Rows = append(d.Rows, s.reportRow(cals, rep, names))
		}
		if len(reps) == reportsPage {
			d.NextHref = "/admin/reports?" + url.Values{"show": {filter}, "after": {disclosure.ReportKey(reps[len(reps)-1])}}.Encode()
		}
		for _, f := range [][2]string{{"open", "Open"}, {"overdue", "Overdue"}, {"closed", "Closed"}, {"all", "All"}} {
			d.Filters = append(d.Filters, cell{Text: f[1], Href: "/admin/reports?show=" + f[0], Muted: f[0] == filter})
		}
		s.render(w, r, http.StatusOK, "reports", &view{Title: "Security reports", User: u, Section: "reports", Data: d})
	})
	s.page("GET /admin/reports/{id}", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showReportSent(w, r, u, sentAction{}, http.StatusOK)
	})
	s.page("POST /admin/reports/{id}/actions", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		f := r.PostForm
		rev, _ := strconv.ParseInt(f.Get("revision"), 10, 64)
		act := disclosure.Action{Kind: f.Get("kind"), Revision: rev, Body: f.Get("body"), Status: f.Get("status"), Reason: f.Get("reason")}
		act.DuplicateOf, _ = strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(f.Get("duplicate_of")), "#"), 10, 64)
		if act.Kind == "triage" {
			sev, cvss := f.Get("severity"), f.Get("cvss_vector")
			assignee, _ := strconv.ParseInt(f.Get("assignee_id"), 10, 64)
			pid, _ := strconv.ParseInt(f.Get("product_id"), 10, 64)
			act.Severity, act.CVSS, act.AssigneeID, act.ProductID = &sev, &cvss, &assignee, &pid
		}
		done := map[string]string{"acknowledge": "Acknowledged.", "update": "Update sent.",
			"note": "Note added (only staff see it).", "triage": "Saved.", "close": "Report closed."}
		memo := fmt.Sprintf("report %d %s %d", id, act.Kind, rev)
		rep, err := s.reports.Act(r.Context(), userActor(u), id, act)
		if err != nil {
			code := psti.ErrorCode(err)
			if code == psti.ECONFLICT && s.sessions.GetString(r.Context(), keyLastAction) == memo {
				// This form was sent before, and did its work then.
				s.redirect(w, r, fmt.Sprintf("/admin/reports/%d", id), done[act.Kind])
				return
			}
			if code == psti.EINVALID || code == psti.ECONFLICT {
				sent := sentAction{Kind: act.Kind, Values: map[string]string{}, Error: psti.ErrorMessage(err)}
				for k := range f {
					sent.Values[k] = f.Get(k)
				}
				sent.Problems = psti.ErrorFields(err)
				for _, fe := range sent.Problems {
					sent.Links = append(sent.Links, problemLink{Href: "#" + actionFields[act.Kind][fe.Field], Message: fe.Message})
				}
				s.showReportSent(w, r, u, sent, statusOf(code))
				return
			}
			s.pageError(w, r, err)
			return
		}
		s.sessions.Put(r.Context(), keyLastAction, memo)
		s.redirect(w, r, fmt.Sprintf("/admin/reports/%d", id), done[act.Kind]+toldBy(act.Kind, rep))
	})
	s.page("GET /admin/reports/{id}/attachments/{aid}", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		aid, _ := strconv.ParseInt(r.PathValue("aid"), 10, 64)
		a, err := s.store.Attachment(r.Context(), id, aid)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		asDownload(w.Header(), a.Name, "attachment", a.Size)
		if err := s.store.WriteAttachment(r.Context(), id, aid, w); err != nil {
			s.log.Error("sending an attachment", "report", id, "attachment", aid, "err", err)
		}
	})
	s.page("GET /admin/security-policy", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showPolicyForm(w, r, u, nil, nil, http.StatusOK)
	})
	s.page("POST /admin/security-policy", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, err := decodePolicy(r.PostForm)
		memo := fmt.Sprintf("policy %d %d", p.OrganisationID, p.Revision)
		if err == nil {
			err = s.reports.SavePolicy(r.Context(), userActor(u), p)
		}
		if psti.ErrorCode(err) == psti.ECONFLICT && s.sessions.GetString(r.Context(), keyLastAction) == memo {
			// This form was sent before, and saved then.
			s.redirect(w, r, "/admin/security-policy?organisation_id="+strconv.FormatInt(p.OrganisationID, 10), "Saved and published at /security.")
			return
		}
		if err != nil {
			s.showPolicyForm(w, r, u, p, err, statusOf(psti.ErrorCode(err)))
			return
		}
		s.sessions.Put(r.Context(), keyLastAction, memo)
		s.redirect(w, r, "/admin/security-policy?organisation_id="+strconv.FormatInt(p.OrganisationID, 10), "Saved and published at /security.")
	})
}

// toldBy says how the reporter learns of what staff just did: on the status
// page always, by e-mail only when they gave an address.
func toldBy(kind string, rep *disclosure.Report) string {
	if kind == "note" || kind == "triage" {
		return ""
	}
	if rep.ContactEmail == "" {
		return " The reporter gave no e-mail address: they see it on the status page, with their receipt."
	}
	return " The reporter is told by e-mail and on the status page."
}

// showReportSent shows a report, with the action form sent back if there
// is one.
func (s *Server) showReportSent(w http.ResponseWriter, r *http.Request, u *auth.User, sent sentAction, status int) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.errorPage(w, r, http.StatusNotFound, "There is no such report.")
		return
	}
	rep, err := s.store.Report(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	events, err := s.store.Events(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	names, err := productNames(r.Context(), s.store)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if sent.Values == nil {
		sent.Values = map[string]string{}
	}
	d := reportPageData{reportRow: s.reportRow(&calendars{s: s, r: r}, rep, names), Events: events, Editor: u.Role.Allows(auth.Editor), sentAction: sent}
	if d.Duplicates, err = s.store.Duplicates(r.Context(), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	for id, n := range names {
		d.Products = append(d.Products, productChoice{ID: id, Name: n})
	}
	sortChoices(d.Products)
	if d.Editor {
		if d.Users, err = s.store.Users(r.Context()); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	if a, err := s.store.AdvisoryOf(r.Context(), rep.ID); err == nil {
		d.Advisory = a
	} else if psti.ErrorCode(err) != psti.ENOTFOUND {
		s.pageError(w, r, err)
		return
	}
	if d.Cases, err = s.store.CasesOfReport(r.Context(), rep.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if rep.AssigneeID != 0 {
		if a, err := s.store.User(r.Context(), rep.AssigneeID); err == nil {
			d.Assignee = a.Email
		}
	}
	s.render(w, r, status, "report", &view{Title: fmt.Sprintf("Report %d: %s", rep.ID, rep.Summary), User: u, Section: "reports", Data: d})
}

func sortChoices(cs []productChoice) {
	slices.SortFunc(cs, func(a, b productChoice) int { return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
}

// policyForm is the disclosure policy as a form: one per organisation, with
// a box for each of its brands' additions.
func policyForm(p *disclosure.Policy, orgs []*product.Organisation, brands []*product.Brand) *form {
	additions := map[int64]string{}
	for _, a := range p.Additions {
		additions[a.BrandID] = a.Text
	}
	f := &form{Action: "/admin/security-policy", Submit: "Save and publish", Fields: []*field{
		{Name: "ack_working_days", Label: "Acknowledge a report within (working days)", Hint: "Published on the policy page. The law asks you to say when reporters hear from you; 5 working days is common.",
			Type: "number", Value: strconv.Itoa(p.AckWorkingDays), Required: true},
		{Name: "update_every_days", Label: "Give the reporter a status update at least every (days)", Hint: "Until the issue is resolved.",
			Type: "number", Value: strconv.Itoa(p.UpdateEveryDays), Required: true},
		{Name: "contact", Label: "E-mail address that also takes reports", Hint: "Published beside the form and in security.txt. Leave empty to take reports through the form only.",
			Type: "email", Value: p.Contact, Max: 254},
		{Name: "alert_to", Label: "E-mail address for staff alerts", Hint: "New reports and overdue promises are sent here (needs e-mail to be set up). Not published.",
			Type: "email", Value: p.AlertTo, Max: 254},
		{Name: "languages", Label: "Languages reports may be written in", Hint: "Language tags separated by commas, such as en, cy. English must be one.",
			Type: "text", Value: strings.Join(p.Languages, ", "), Required: true, Max: 200},
		{Name: "scope", Label: "What to report", Hint: "The products, software and services covered, in plain words.", Type: "textarea", Value: p.Scope, Required: true, Max: 5000, Rows: 4},
		{Name: "safe_harbour", Label: "Safe harbour", Hint: "Your promise to people who look for problems in good faith.", Type: "textarea", Value: p.SafeHarbour, Required: true, Max: 5000, Rows: 5},
		{Name: "calendar", Label: "Working-day calendar", Hint: "Empty: Monday to Friday except bank holidays in England and Wales. To add closures, one a line: 2027-12-24 Christmas Eve closure. To work on a bank holiday: 2027-05-03 open.",
			Type: "textarea", Value: p.Calendar, Max: 10000, Rows: 4},
	}}
	if len(orgs) > 1 {
		sel := &field{Name: "organisation_id", Label: "Organisation", Type: "select", Value: idString(p.OrganisationID), Required: true}
		for _, o := range orgs {
			sel.Options = append(sel.Options, option{idString(o.ID), o.LegalName})
		}
		f.Fields = append([]*field{sel}, f.Fields...)
	} else {
		f.Hidden = append(f.Hidden, hidden{"organisation_id", idString(p.OrganisationID)})
	}
	for _, b := range brands {
		if b.OrganisationID != p.OrganisationID || b.Archived() {
			continue
		}
		f.Fields = append(f.Fields, &field{Name: fmt.Sprintf("addition_%d", b.ID), Label: "Extra words for " + b.Name + " products",
			Hint: "Optional: anything particular to this product line.", Type: "textarea", Value: additions[b.ID], Max: 5000, Rows: 2})
	}
	f.Hidden = append(f.Hidden, hidden{"revision", strconv.FormatInt(p.Revision, 10)})
	return f
}

func decodePolicy(v map[string][]string) (*disclosure.Policy, error) {
	c := conv{v: v}
	p := &disclosure.Policy{OrganisationID: c.int("organisation_id", "Organisation"), Revision: c.int("revision", "Revision"),
		Contact: c.str("contact"), AlertTo: c.str("alert_to"), Scope: c.text("scope"), SafeHarbour: c.text("safe_harbour"), Calendar: c.text("calendar")}
	p.AckWorkingDays = int(c.int("ack_working_days", "Working days to acknowledge"))
	p.UpdateEveryDays = int(c.int("update_every_days", "Days between updates"))
	for _, l := range strings.Split(c.str("languages"), ",") {
		if l = strings.TrimSpace(l); l != "" {
			p.Languages = append(p.Languages, l)
		}
	}
	for k := range v {
		if id, ok := strings.CutPrefix(k, "addition_"); ok {
			bid, err := strconv.ParseInt(id, 10, 64)
			if text := c.text(k); err == nil && text != "" {
				p.Additions = append(p.Additions, disclosure.Addition{BrandID: bid, Text: text})
			}
		}
	}
	slices.SortFunc(p.Additions, func(a, b disclosure.Addition) int { return cmp.Compare(a.BrandID, b.BrandID) })
	return p, c.done(p)
}

func (s *Server) showPolicyForm(w http.ResponseWriter, r *http.Request, u *auth.User, p *disclosure.Policy, err error, status int) {
	ctx := r.Context()
	orgs, lerr := s.store.Organisations(ctx, product.Filter{Limit: product.MaxList})
	if lerr != nil {
		s.pageError(w, r, lerr)
		return
	}
	if len(orgs) == 0 {
		s.render(w, r, http.StatusOK, "policy", &view{Title: "Vulnerability disclosure policy", User: u, Section: "policy"})
		return
	}
	if p == nil {
		id := idFromQuery(r, "organisation_id")
		if id == 0 {
			id = orgs[0].ID
		}
		if p, lerr = s.store.Policy(ctx, id); psti.ErrorCode(lerr) == psti.ENOTFOUND {
			p = disclosure.DefaultPolicy(id)
		} else if lerr != nil {
			s.pageError(w, r, lerr)
			return
		}
	}
	brands, lerr := s.store.Brands(ctx, product.Filter{Limit: product.MaxList})
	if lerr != nil {
		s.pageError(w, r, lerr)
		return
	}
	f := policyForm(p, orgs, brands)
	if err != nil {
		f = withValues(f, r.PostForm)
		f.setError(err)
	}
	f.ReadOnly = !u.Role.Allows(auth.Editor)
	s.render(w, r, status, "policy", &view{Title: "Vulnerability disclosure policy", User: u, Section: "policy", Data: f})
}

// asDownload marks a response as a file a person sent or kept: never shown
// inline. Whatever the file claims to be, it is downloaded under its own
// name (or fallback), and the browser may not guess otherwise or run it.
func asDownload(h http.Header, name, fallback string, size int64) {
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", attachmentDisposition(name, fallback))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
}

// attachmentDisposition is the Content-Disposition of a download named
// name (made safe; fallback when nothing is left of it).
func attachmentDisposition(name, fallback string) string {
	if d := mime.FormatMediaType("attachment", map[string]string{"filename": psti.FileName(name, fallback)}); d != "" {
		return d
	}
	return "attachment"
}
