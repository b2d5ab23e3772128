package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// The staff pages of compliance cases (issue 15): the list, a new case,
// and one case with its facts, particulars, duties, notices, holds,
// notices from the authority, closing and timeline. Every form posts, then
// redirects; a form sent back keeps what was typed, each problem beside
// its field. Reporters' identities never appear here: a case from a report
// links to the report's own staff page.

// sentForm is one of a page's forms sent back: which form (Kind), what was
// typed, and what is wrong.
type sentForm struct {
	Kind     string
	Values   url.Values
	Error    string
	Problems []psti.FieldError
}

// Is reports whether kind is the form sent back.
func (f *sentForm) Is(kind string) bool { return f != nil && f.Kind == kind }

// Err is the problem with field of form kind, if that form was sent back.
func (f *sentForm) Err(kind, field string) string {
	if !f.Is(kind) {
		return ""
	}
	for _, p := range f.Problems {
		if p.Field == field {
			return p.Message
		}
	}
	return ""
}

// Val is what was typed in field of form kind when it was sent back, else
// def.
func (f *sentForm) Val(kind, field, def string) string {
	if !f.Is(kind) {
		return def
	}
	return f.Values.Get(field)
}

func newSent(kind string, v url.Values, err error) *sentForm {
	f := &sentForm{Kind: kind, Values: v, Error: psti.ErrorMessage(err), Problems: psti.ErrorFields(err)}
	if len(f.Problems) == 1 && f.Error == f.Problems[0].Message {
		f.Error = "Please correct the field marked below."
	}
	return f
}

type caseRow struct {
	ID       int64
	Title    string
	Products string
	Opened   string
	Status   string
	Open     int
	Overdue  int
}

type casesData struct {
	Rows    []caseRow
	Filter  string
	Filters []cell
	Editor  bool
}

func (s *Server) registerCasePages() {
	s.page("GET /admin/cases", auth.Viewer, s.caseList)
	s.page("GET /admin/cases/new", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showNewCase(w, r, u, nil, nil, http.StatusOK)
	})
	s.page("POST /admin/cases", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		c := conv{v: r.PostForm}
		o := cases.Opening{Title: c.str("title"), RequirementID: c.str("requirement_id"), Source: c.str("source"), SourceNote: c.text("source_note")}
		pid, bid := c.int("product_id", "Product"), c.int("batch_id", "Batch")
		if pid > 0 {
			o.Items = []cases.Item{{ProductID: pid, BatchID: bid}}
		}
		err := c.p.Err()
		var cs *cases.Case
		if err == nil {
			cs, err = s.cases.Open(r.Context(), userActor(u), o)
		}
		if err != nil {
			s.showNewCase(w, r, u, r.PostForm, err, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, casePath(cs.ID), "Case opened. Its duties follow from the facts below: fill in what you know.")
	})
	s.page("GET /admin/cases/{id}", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showCase(w, r, u, nil, http.StatusOK)
	})
	s.page("POST /admin/cases/{id}/facts", auth.Editor, s.caseFacts)
	s.page("POST /admin/cases/{id}/particulars", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id, rev := pathID(r), formInt(r, "revision")
		c := conv{v: r.PostForm}
		p := cases.Particulars{Details: c.text("details"), Risks: c.text("risks"), Steps: c.text("steps"), StepsWorked: c.text("steps_worked")}
		s.caseAct(w, r, u, "particulars", "Particulars saved.", func(ctx context.Context, a psti.Actor) error {
			_, err := s.cases.SetParticulars(ctx, a, id, rev, p)
			return err
		})
	})
	s.page("POST /admin/cases/{id}/duties", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id, rev := pathID(r), formInt(r, "revision")
		key, state, note := r.PostForm.Get("key"), r.PostForm.Get("state"), strings.TrimSpace(r.PostForm.Get("note"))
		msg := "Duty marked done."
		if state == cases.DutyOpen {
			msg = "Duty open again."
		}
		s.caseAct(w, r, u, "duty:"+key, msg, func(ctx context.Context, a psti.Actor) error {
			_, err := s.cases.SetDuty(ctx, a, id, rev, key, state, note)
			return err
		})
	})
	s.page("POST /admin/cases/{id}/notices", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id := pathID(r)
		key := r.PostForm.Get("duty_key")
		party, _ := strconv.ParseInt(r.PostForm.Get("party_id"), 10, 64)
		n, err := s.cases.DraftNotice(r.Context(), userActor(u), id, key, party)
		if err != nil {
			s.caseFailed(w, r, u, "notice:"+key, err)
			return
		}
		s.redirect(w, r, noticePath(n.ID), "Notice drafted with every item its section asks for. Check each, then send it.")
	})
	s.page("POST /admin/cases/{id}/holds", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id := pathID(r)
		reason := strings.TrimSpace(r.PostForm.Get("reason"))
		s.caseAct(w, r, u, "hold", "Supply held. The register and statements pages show it until the hold is lifted.", func(ctx context.Context, a psti.Actor) error {
			_, err := s.cases.PlaceHold(ctx, a, id, nil, reason)
			return err
		})
	})
	s.page("POST /admin/cases/{id}/lift", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		hold := formInt(r, "hold_id")
		reason := strings.TrimSpace(r.PostForm.Get("reason"))
		s.caseAct(w, r, u, fmt.Sprintf("lift:%d", hold), "Hold lifted.", func(ctx context.Context, a psti.Actor) error {
			// Only a hold this case placed is lifted from its page.
			if h, err := s.store.Hold(ctx, hold); err != nil || h.CaseID != pathID(r) {
				return psti.FieldErrorf(psti.EINVALID, "hold_id", "Choose a hold this case placed.")
			}
			_, err := s.cases.LiftHold(ctx, a, hold, reason)
			return err
		})
	})
	s.page("POST /admin/cases/{id}/close", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id := pathID(r)
		cl := closingOf(r.PostForm)
		var made []*cases.Record
		s.caseAct(w, r, u, "close", "", func(ctx context.Context, a psti.Actor) error {
			_, recs, err := s.cases.Close(ctx, a, id, cl)
			made = recs
			return err
		}, func() string {
			if len(made) == 0 {
				return "Case closed. A distributor keeps no records under Chapter 2; the case file is kept."
			}
			return fmt.Sprintf("Case closed: %d %s made, kept until at least %s.", len(made), plural(len(made), "record", "records"), psti.DateText(made[0].KeepUntil))
		})
	})
}

func casePath(id int64) string   { return fmt.Sprintf("/admin/cases/%d", id) }
func noticePath(id int64) string { return fmt.Sprintf("/admin/notices/%d", id) }

func pathID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

func formInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get(name)), 10, 64)
	return n
}

// caseAct runs a change to the case of the path and redirects back to it;
// a change refused is shown on the case page, beside the form sent. msg
// may be given late, as a function, when it says what the change made.
func (s *Server) caseAct(w http.ResponseWriter, r *http.Request, u *auth.User, kind, msg string, act func(context.Context, psti.Actor) error, late ...func() string) {
	if err := act(r.Context(), userActor(u)); err != nil {
		s.caseFailed(w, r, u, kind, err)
		return
	}
	if len(late) > 0 {
		msg = late[0]()
	}
	s.redirect(w, r, casePath(pathID(r)), msg)
}

func (s *Server) caseFailed(w http.ResponseWriter, r *http.Request, u *auth.User, kind string, err error) {
	code := psti.ErrorCode(err)
	if code != psti.EINVALID && code != psti.ECONFLICT {
		s.pageError(w, r, err)
		return
	}
	s.showCase(w, r, u, newSent(kind, r.PostForm, err), statusOf(code))
}

// closingOf reads the close form.
func closingOf(v url.Values) cases.Closing {
	c := conv{v: v}
	cl := cases.Closing{Outcome: c.text("outcome"), FailureFound: c.str("failure_found") == "yes", FailureDetails: c.text("failure_details"),
		RemedialSteps: c.text("remedial_steps"), RemedySucceeded: c.str("remedy_succeeded"), JointWith: c.str("joint_with")}
	cl.Revision, _ = strconv.ParseInt(c.str("revision"), 10, 64)
	if c.str("m_known") == "yes" {
		cl.Manufacturer = &cases.ManufacturerInvestigation{Outcome: c.text("m_outcome"), FailureFound: c.str("m_failure_found") == "yes",
			FailureDetails: c.text("m_failure_details"), RemedialSteps: c.text("m_remedial_steps"), RemedySucceeded: c.str("m_remedy_succeeded"),
			MissingFacts: c.text("m_missing_facts"), StepsToObtain: c.text("m_steps_to_obtain")}
	}
	return cl
}

// caseFacts saves the whole set of facts the form shows: a fact answered
// "not known" becomes unknown again.
func (s *Server) caseFacts(w http.ResponseWriter, r *http.Request, u *auth.User) {
	id, rev := pathID(r), formInt(r, "revision")
	rules := catalog.DefaultDutyRules()
	v := catalog.Values{}
	var pr psti.Problems
	for _, f := range rules.List {
		a := strings.TrimSpace(r.PostForm.Get(f.ID))
		if a == "" || a == unsure {
			continue
		}
		if err := rules.SetText(v, f.ID, a); err != nil {
			pr.Add(f.ID, "Choose one of the answers.")
		}
	}
	note := strings.TrimSpace(r.PostForm.Get("note"))
	s.caseAct(w, r, u, "facts", "Facts saved; the duties are decided again from them.", func(ctx context.Context, a psti.Actor) error {
		if err := pr.Err(); err != nil {
			return err
		}
		_, err := s.cases.SetFacts(ctx, a, id, rev, v, note)
		if fs := psti.ErrorFields(err); len(fs) > 0 {
			// The service names facts "facts.role"; the form, "role".
			for i := range fs {
				fs[i].Field = strings.TrimPrefix(fs[i].Field, "facts.")
			}
			return psti.FieldsErr(fs...)
		}
		return err
	})
}

func (s *Server) caseList(w http.ResponseWriter, r *http.Request, u *auth.User) {
	ctx := r.Context()
	filter := r.URL.Query().Get("status")
	f := cases.Filter{Limit: 500}
	switch filter {
	case cases.Closed:
		f.Status = cases.Closed
	case "all":
	default:
		filter = cases.Open
		f.Status = cases.Open
	}
	list, err := s.cases.Cases(ctx, f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := casesData{Filter: filter, Editor: u.Role.Allows(auth.Editor)}
	var open, closed []caseRow
	for _, c := range list {
		row := caseRow{ID: c.ID, Title: c.Title, Opened: psti.LongDate(c.OpenedAt), Status: caseStatusText(c.Status)}
		if row.Products, err = s.cases.ItemsText(ctx, c.Items); err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, d := range c.Duties {
			if d.State == cases.DutyOpen {
				row.Open++
			}
			if d.Overdue {
				row.Overdue++
			}
		}
		if c.Status == cases.Open {
			open = append(open, row)
		} else {
			closed = append(closed, row)
		}
	}
	// Open cases first: they are where work is due.
	d.Rows = append(open, closed...)
	for _, x := range [][2]string{{"open", "Open"}, {"closed", "Closed"}, {"all", "All"}} {
		d.Filters = append(d.Filters, cell{Text: x[1], Href: "/admin/cases?status=" + x[0], Muted: x[0] == filter})
	}
	s.render(w, r, http.StatusOK, "cases", &view{Title: "Compliance cases", User: u, Section: "cases", Data: d})
}

func caseStatusText(s string) string {
	if s == cases.Closed {
		return "closed"
	}
	return "open"
}

// newCaseForm is the form that opens a case by hand.
func (s *Server) newCaseForm(ctx context.Context) (*form, error) {
	ps, err := s.store.Products(ctx, product.Filter{Limit: product.MaxList})
	if err != nil {
		return nil, err
	}
	bs, err := s.store.Batches(ctx, product.Filter{Limit: product.MaxList})
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	prod := &field{Name: "product_id", Label: "Product", Type: "select", Required: true}
	for _, p := range ps {
		names[p.ID] = describe(p)
		prod.Options = append(prod.Options, option{idString(p.ID), describe(p)})
	}
	batch := &field{Name: "batch_id", Label: "Batch", Hint: "Only if the failure concerns one batch of the product.", Type: "select", Value: "0",
		Options: []option{{"0", "The whole product"}}}
	for _, b := range bs {
		batch.Options = append(batch.Options, option{idString(b.ID), names[b.ProductID] + ": batch " + b.Code})
	}
	req := &field{Name: "requirement_id", Label: "Requirement that may be failed", Type: "select", Value: "",
		Hint: "From the requirement catalogue. Leave as not known if it is not yet clear."}
	req.Options = append(req.Options, option{"", "Not known yet"})
	for _, g := range catalog.DefaultCatalogue().Groups {
		for _, rq := range g.Requirements {
			req.Options = append(req.Options, option{rq.ID, rq.ID + ": " + rq.Title})
		}
	}
	return &form{Action: "/admin/cases", Submit: "Open the case", Fields: []*field{
		{Name: "title", Label: "Title", Hint: "A few words staff will recognise, such as: Default password on DB-200.", Type: "text", Required: true, Max: cases.MaxName},
		prod, batch, req,
		{Name: "source", Label: "Where it came from", Type: "select", Value: cases.FromStaff, Required: true,
			Options: []option{{cases.FromStaff, "Staff found it"}, {cases.FromNotice, "A notice from another business or the enforcement authority"}}},
		{Name: "source_note", Label: "About the notice", Hint: "For a notice: who sent it, and when.", Type: "textarea", Max: cases.MaxShort, Rows: 2},
	}}, nil
}

func (s *Server) showNewCase(w http.ResponseWriter, r *http.Request, u *auth.User, v url.Values, err error, status int) {
	f, ferr := s.newCaseForm(r.Context())
	if ferr != nil {
		s.pageError(w, r, ferr)
		return
	}
	if v != nil {
		f = withValues(f, v)
	}
	if err != nil {
		// The service names the product as items[0].product_id.
		var fs []psti.FieldError
		for _, p := range psti.ErrorFields(err) {
			switch {
			case strings.HasSuffix(p.Field, ".batch_id"):
				p.Field = "batch_id"
			case strings.HasPrefix(p.Field, "items"):
				p.Field = "product_id"
			}
			fs = append(fs, p)
		}
		if len(fs) > 0 {
			err = psti.FieldsErr(fs...)
		}
		f.setError(err)
	}
	s.render(w, r, status, "record", &view{Title: "Open a compliance case", User: u, Section: "cases",
		Data: recordData{Noun: "case", Form: f, BackHref: "/admin/cases", BackLabel: "Compliance cases"}})
}

// ---- one case ----

type factQuestion struct {
	ID       string
	Question string
	Help     string
	Options  []option
	Value    string // the answer shown: a value, or unsure
	Error    string
}

type dutyRow struct {
	*cases.CaseDuty
	Text       string
	TimingText string
	StateText  string
	Listed     string
	Firm       string
	Target     string
	Age        string
	Done       string
	Notifiable bool
	// ByClosing marks a duty to keep a record: closing the case makes
	// the record and marks it done.
	ByClosing bool
}

type noticeRow struct {
	ID    int64
	Href  string
	To    string
	Duty  string
	State string
	When  string
}

type holdRow struct {
	*cases.Hold
	What   string
	Placed string
	Lifted string
}

type deadlineRow struct {
	Name, Due, Text, Section string
	Past                     bool
}

type authorityRow struct {
	*cases.AuthorityNotice
	KindText  string
	Given     string
	Deadlines []deadlineRow
}

type casePageData struct {
	Case      *cases.Case
	Products  string
	Status    string
	Opened    string
	Closed    string
	Role      string
	Facts     []factQuestion
	Duties    []dutyRow
	Notices   []noticeRow
	Holds     []holdRow
	Held      bool
	Authority []authorityRow
	Records   []recordRow
	Events    []cases.Event
	Parties   []option
	Editor    bool
	Sent      *sentForm
	Succeeded []option
	Importer  bool
	// ParticularFields are the particulars' boxes, as they stand.
	ParticularFields []field
}

func (s *Server) showCase(w http.ResponseWriter, r *http.Request, u *auth.User, sent *sentForm, status int) {
	ctx := r.Context()
	id := pathID(r)
	if id <= 0 {
		s.errorPage(w, r, http.StatusNotFound, "There is no such case.")
		return
	}
	c, err := s.cases.Case(ctx, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := casePageData{Case: c, Status: caseStatusText(c.Status), Opened: psti.LongDateTime(c.OpenedAt), Role: cases.RoleText(c.Role()),
		Editor: u.Role.Allows(auth.Editor) && c.Status == cases.Open, Sent: sent, Importer: c.Role() == "importer"}
	if sent == nil {
		d.Sent = &sentForm{}
	}
	if c.ClosedAt != nil {
		d.Closed = psti.LongDateTime(*c.ClosedAt)
	}
	if d.Products, err = s.cases.ItemsText(ctx, c.Items); err != nil {
		s.pageError(w, r, err)
		return
	}
	rules := catalog.DefaultDutyRules()
	for _, f := range rules.List {
		q := factQuestion{ID: f.ID, Question: f.Question, Help: f.Help, Value: unsure}
		switch f.Type {
		case catalog.Bool:
			q.Options = []option{{"yes", "Yes"}, {"no", "No"}}
		default:
			for _, o := range f.Choices {
				q.Options = append(q.Options, option{o.Value, o.Label})
			}
		}
		if v, ok := c.Facts[f.ID]; ok {
			switch x := v.(type) {
			case bool:
				q.Value = map[bool]string{true: "yes", false: "no"}[x]
			case string:
				q.Value = x
			}
		}
		if d.Sent.Is("facts") {
			q.Value = d.Sent.Values.Get(f.ID)
			q.Error = d.Sent.Err("facts", f.ID)
		}
		d.Facts = append(d.Facts, q)
	}
	cal := disclosure.EnglandAndWales()
	if p, err := s.store.Policy(ctx, c.OrganisationID); err == nil {
		cal = p.WorkingDays()
	}
	now := s.cfg.Clock.Now()
	for _, x := range c.Duties {
		d.Duties = append(d.Duties, s.dutyRow(x, cal, now, c.Status == cases.Open))
	}
	notices, err := s.store.Notices(ctx, c.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, n := range notices {
		row := noticeRow{ID: n.ID, Href: noticePath(n.ID), To: n.ToName, State: "draft", When: "not sent yet (drafted " + psti.LongDateTime(n.CreatedAt) + ")"}
		if x := caseDuty(c, n.DutyKey); x != nil {
			row.Duty = fmt.Sprintf("%s (%s)", cases.DutyText(x.Duty), x.Section)
		}
		if n.State == cases.NoticeSent && n.SentAt != nil {
			row.State, row.When = "sent", "sent "+psti.LongDateTime(*n.SentAt)
		}
		d.Notices = append(d.Notices, row)
	}
	holds, err := s.store.Holds(ctx, cases.HoldFilter{CaseID: c.ID, All: true})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, h := range holds {
		row := holdRow{Hold: h, Placed: fmt.Sprintf("%s by %s", psti.LongDateTime(h.PlacedAt), h.PlacedBy)}
		if row.What, err = s.cases.ItemsText(ctx, []cases.Item{{ProductID: h.ProductID, BatchID: h.BatchID}}); err != nil {
			s.pageError(w, r, err)
			return
		}
		if h.LiftedAt != nil {
			row.Lifted = fmt.Sprintf("%s by %s: %s", psti.LongDateTime(*h.LiftedAt), h.LiftedBy, h.LiftReason)
		} else {
			d.Held = true
		}
		d.Holds = append(d.Holds, row)
	}
	ans, err := s.store.AuthorityNotices(ctx, cases.AuthorityFilter{CaseID: c.ID, Limit: 100})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, n := range ans {
		d.Authority = append(d.Authority, authorityRowOf(n, now))
	}
	recs, err := s.store.Records(ctx, cases.RecordFilter{CaseID: c.ID, Limit: 100})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Records = recordRows(recs, recs)
	if d.Events, err = s.store.CaseEvents(ctx, c.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.Editor {
		parties, err := s.store.Parties(ctx, c.OrganisationID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, p := range parties {
			d.Parties = append(d.Parties, option{idString(p.ID), fmt.Sprintf("%s (%s)", p.Name, partyKindText(p.Kind))})
		}
	}
	d.ParticularFields = []field{{Name: "details", Label: "Details of the failure", Value: c.Details}, {Name: "risks", Label: "Risks known to be posed by it", Value: c.Risks},
		{Name: "steps", Label: "Steps taken to remedy it (for a manufacturer's failure, the steps of the manufacturer you know of)", Value: c.Steps},
		{Name: "steps_worked", Label: "Whether those steps have been successful", Value: c.StepsWorked}}
	d.Succeeded = []option{{"yes", "Yes"}, {"no", "No"}, {"partly", "Partly"}, {"not_yet", "Not known yet"}}
	s.render(w, r, status, "case", &view{Title: fmt.Sprintf("Case %d: %s", c.ID, c.Title), User: u, Section: "cases", Data: d})
}

func (s *Server) dutyRow(x *cases.CaseDuty, cal *disclosure.Calendar, now time.Time, open bool) dutyRow {
	row := dutyRow{CaseDuty: x, Text: capital(cases.DutyText(x.Duty)), TimingText: cases.TimingText(x.Timing), Listed: psti.LongDate(x.ListedAt),
		Notifiable: open && cases.Notifiable(x.Duty) && x.State != cases.DutyNotRequired}
	switch x.Duty {
	case "keep_investigation_record", "keep_failure_record", "record_manufacturer_investigation":
		row.ByClosing = true
	}
	switch x.State {
	case cases.DutyOpen:
		row.StateText = "open"
	case cases.DutyDone:
		row.StateText = "done"
	case cases.DutyNotRequired:
		row.StateText = "not required"
	}
	if x.FirmAt != nil {
		row.Firm = psti.LongDate(*x.FirmAt)
	}
	if x.TargetAt != nil {
		row.Target = psti.Deadline(*x.TargetAt)
	}
	if x.DoneAt != nil {
		row.Done = fmt.Sprintf("%s by %s", psti.LongDateTime(*x.DoneAt), x.DoneBy)
	}
	// How long an open duty has been waiting: in working days once it is
	// firm and has a timing (the targets count those), else in days.
	if x.State == cases.DutyOpen && open {
		from := x.ListedAt
		if x.FirmAt != nil {
			from = *x.FirmAt
		}
		if x.Timing != "none" && x.FirmAt != nil {
			n := cal.WorkingDaysBetween(from, now)
			row.Age = fmt.Sprintf("open %d working %s", n, plural(n, "day", "days"))
		} else {
			n := int(now.Sub(from).Hours() / 24)
			row.Age = fmt.Sprintf("open %d %s", n, plural(n, "day", "days"))
		}
	}
	return row
}

func authorityRowOf(n *cases.AuthorityNotice, now time.Time) authorityRow {
	row := authorityRow{AuthorityNotice: n, KindText: cases.AuthorityKinds[n.Kind], Given: psti.LongDateTime(n.GivenAt)}
	for _, dl := range n.Deadlines() {
		row.Deadlines = append(row.Deadlines, deadlineRow{Name: dl.Name, Due: psti.Deadline(dl.Due), Text: dl.Text, Section: dl.Section, Past: now.After(dl.Due)})
	}
	return row
}

// holdNotices says, for each hold on a product not yet lifted, "Supply
// held: reason (case N)": the register and statements pages show them
// (s.11(2)(a), s.19(4), s.25(5)).
func (s *Server) holdNotices(ctx context.Context, productID int64) ([]string, error) {
	hs, err := s.store.Holds(ctx, cases.HoldFilter{ProductID: productID})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, h := range hs {
		if h.LiftedAt != nil {
			continue
		}
		t := "Supply held"
		if h.BatchID != 0 {
			if b, err := s.store.Batch(ctx, h.BatchID); err == nil {
				t += " (batch " + b.Code + ")"
			}
		}
		t += ": " + h.Reason
		if h.CaseID != 0 {
			t += fmt.Sprintf(" (case %d)", h.CaseID)
		}
		out = append(out, t)
	}
	return out, nil
}

func caseDuty(c *cases.Case, key string) *cases.CaseDuty {
	for _, d := range c.Duties {
		if d.Key == key {
			return d
		}
	}
	return nil
}
