package disclosure

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// Users is what the service reads of the people who use psti.
type Users interface {
	User(ctx context.Context, id int64) (*auth.User, error)
}

// Register is what the service reads from the product register.
type Register interface {
	Organisation(ctx context.Context, id int64) (*product.Organisation, error)
	Organisations(ctx context.Context, f product.Filter) ([]*product.Organisation, error)
	Product(ctx context.Context, id int64) (*product.Product, error)
	Brand(ctx context.Context, id int64) (*product.Brand, error)
	Versions(ctx context.Context, f product.Filter) ([]*product.Version, error)
}

// Service applies the rules of security-issue reporting: what a report
// needs, who sees what, which changes are allowed, when each promise falls
// due, and which e-mails a change sends.
type Service struct {
	Store    Store
	Register Register
	// Users finds the people reports are assigned to; nil skips the check.
	Users Users
	Clock psti.Clock
	// BaseURL is the public address, for links in e-mail.
	BaseURL string

	// Policies are read on every report, so they are kept for a moment:
	// a change made through SavePolicy is seen at once, one made by
	// another server within policyTTL.
	mu       sync.Mutex
	policies map[int64]policyEntry
	first    *policyEntry // the policy of reports with no organisation
}

type policyEntry struct {
	p    *Policy
	cal  *Calendar
	read time.Time
}

const policyTTL = 2 * time.Second

// SavePolicy saves an organisation's policy and forgets the copies kept.
func (s *Service) SavePolicy(ctx context.Context, a psti.Actor, p *Policy) error {
	err := s.Store.SavePolicy(ctx, a, p)
	s.mu.Lock()
	s.policies, s.first = nil, nil
	s.mu.Unlock()
	return err
}

// reporter is the actor for what a reporter does: anonymous.
var reporter = psti.System("reporter")

// StatusPath is where a reporter reads a report's status.
const StatusPath = "/security/status"

// Submission is what a reporter sends.
type Submission struct {
	Summary      string
	Details      string
	ProductID    int64  // chosen from the list, or 0
	ProductText  string // typed, when the product is not in the list
	ContactEmail string
	Credit       string
	Attachments  []Attachment
	// FormToken is the one-time token of the form it came from (see
	// NewFormToken), or empty: a second send of the same form stores
	// nothing and answers the first one's report and receipt.
	FormToken string
}

// Submit stores a report and returns its receipt code. The report is
// durably stored when it returns (PSTI-VR-02).
func (s *Service) Submit(ctx context.Context, sub Submission) (*Report, string, error) {
	now := s.Clock.Now()
	var once *Once
	if sub.FormToken != "" {
		var err error
		if once, err = checkForm(sub.FormToken, now); err != nil {
			return nil, "", err
		}
		// The common second send (a reload) is answered without work.
		if r, code, err := s.sentBefore(ctx, sub.FormToken, now); err == nil || psti.ErrorCode(err) != psti.ENOTFOUND {
			return r, code, err
		}
	}
	r := &Report{Summary: strings.TrimSpace(sub.Summary), Details: strings.TrimSpace(sub.Details), ProductText: strings.TrimSpace(sub.ProductText),
		ContactEmail: strings.TrimSpace(sub.ContactEmail), Credit: strings.TrimSpace(sub.Credit), Status: StatusReceived, ReceivedAt: now}
	if err := r.Validate(); err != nil {
		return nil, "", err
	}
	var total int64
	for _, a := range sub.Attachments {
		total += a.Size
	}
	if len(sub.Attachments) > MaxAttachment || total > MaxAttachments {
		return nil, "", psti.FieldErrorf(psti.EINVALID, "attachments", "Attach at most %d files, %d MiB in all.", MaxAttachment, MaxAttachments>>20)
	}
	r.Attachments = sub.Attachments
	if sub.ProductID > 0 {
		p, err := s.Register.Product(ctx, sub.ProductID)
		if err != nil || p.Archived() {
			return nil, "", psti.FieldErrorf(psti.EINVALID, "product_id", "Choose a product from the list, or type its name.")
		}
		r.ProductID = p.ID
		if b, err := s.Register.Brand(ctx, p.BrandID); err == nil {
			r.OrganisationID = b.OrganisationID
		}
	}
	pol, cal, err := s.policyFor(ctx, r.OrganisationID)
	if err != nil {
		return nil, "", err
	}
	r.OrganisationID = pol.OrganisationID
	r.DueWhat, r.Due = due(pol, cal, r)
	code, hash := NewReceipt()
	var mails []Mail
	if r.ContactEmail != "" {
		mails = append(mails, Mail{To: r.ContactEmail, Kind: "report-received",
			Subject: "We have received your security report",
			Text: fmt.Sprintf("Thank you for your report “%s”.\n\nIt has been stored, and a person will acknowledge it within %d working days. "+
				"We will tell you how it is going at least every %d days until it is resolved.\n\n"+
				"Your receipt code is %s\nWith it you can read the status of your report and reply at %s%s\n\n"+
				"Keep the code to yourself: anyone who has it can read your report.\n",
				r.Summary, pol.AckWorkingDays, pol.UpdateEveryDays, code, s.BaseURL, StatusPath)})
	}
	e := Event{At: now, Kind: EventReceived, Public: true, Status: StatusReceived}
	if once == nil {
		if err := s.Store.SubmitReport(ctx, r, hash, e, mails...); err != nil {
			return nil, "", err
		}
		return r, code, nil
	}
	once.Sealed = seal(sub.FormToken, code)
	if err := s.Store.SubmitReportOnce(ctx, r, hash, once, e, mails...); errors.Is(err, ErrFormSent) {
		// The same form, sent at the same moment, won: its report is
		// this one's.
		return s.sentBefore(ctx, sub.FormToken, now)
	} else if err != nil {
		return nil, "", err
	}
	return r, code, nil
}

// sentBefore returns the report a report form's token stored, with its
// receipt; ENOTFOUND if it stored none (or has expired).
func (s *Service) sentBefore(ctx context.Context, tok string, now time.Time) (*Report, string, error) {
	id, sealed, err := s.Store.FormSent(ctx, FormKey(tok), now)
	if err != nil {
		return nil, "", err
	}
	code, ok := unseal(tok, sealed)
	if !ok {
		return nil, "", psti.Errorf(psti.ENOTFOUND, "The receipt of this form cannot be read.")
	}
	r, err := s.Store.Report(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return r, code, nil
}

// Receipt returns the report a report form's token stored and its receipt,
// while the token lasts: what the page after the form shows, as often as
// it is reloaded. ENOTFOUND once the token has expired.
func (s *Service) Receipt(ctx context.Context, tok string) (*Report, string, error) {
	if _, ok := formIssued(tok); !ok {
		return nil, "", psti.Errorf(psti.ENOTFOUND, "There is no receipt to show.")
	}
	return s.sentBefore(ctx, tok, s.Clock.Now())
}

// policyFor is the policy a report comes under, with its calendar: its
// organisation's, or the first one published.
func (s *Service) policyFor(ctx context.Context, orgID int64) (*Policy, *Calendar, error) {
	now := time.Now()
	s.mu.Lock()
	e, ok := s.policies[orgID]
	if orgID == 0 && s.first != nil {
		e, ok = *s.first, true
	}
	s.mu.Unlock()
	if ok && now.Sub(e.read) < policyTTL {
		return e.p, e.cal, nil
	}
	p, err := s.readPolicy(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	e = policyEntry{p: p, cal: p.WorkingDays(), read: now}
	s.mu.Lock()
	if s.policies == nil {
		s.policies = map[int64]policyEntry{}
	}
	if orgID == 0 {
		s.first = &e
	} else {
		s.policies[orgID] = e
	}
	s.mu.Unlock()
	return e.p, e.cal, nil
}

func (s *Service) readPolicy(ctx context.Context, orgID int64) (*Policy, error) {
	if orgID > 0 {
		if p, err := s.Store.Policy(ctx, orgID); err == nil {
			return p, nil
		} else if psti.ErrorCode(err) != psti.ENOTFOUND {
			return nil, err
		}
	}
	ps, err := s.Published(ctx)
	if err != nil {
		return nil, err
	}
	if ps[0].Revision == 0 && orgID > 0 {
		return DefaultPolicy(orgID), nil // none written yet: the defaults, under the report's organisation
	}
	return ps[0], nil
}

// Published returns the policies in force: every one written, or, before
// any is, the defaults under the first organisation. It never returns none.
func (s *Service) Published(ctx context.Context) ([]*Policy, error) {
	ps, err := s.Store.Policies(ctx)
	if err != nil || len(ps) > 0 {
		return ps, err
	}
	orgs, err := s.Register.Organisations(ctx, product.Filter{Limit: 1})
	if err != nil {
		return nil, err
	}
	p := DefaultPolicy(0)
	if len(orgs) > 0 {
		p.OrganisationID = orgs[0].ID
	}
	return []*Policy{p}, nil
}

func due(pol *Policy, cal *Calendar, r *Report) (string, *time.Time) {
	what, t, ok := pol.Promises.NextDue(cal, r)
	if !ok {
		return "", nil
	}
	return what, &t
}

// Status is the reporter's view of a report: the report as sent, its
// status and the public timeline, with nothing about staff.
type Status struct {
	Summary      string        `json:"summary"`
	Details      string        `json:"details"`
	Product      string        `json:"product,omitempty"`
	Files        []File        `json:"files,omitempty" doc:"The files sent with the report."`
	Status       string        `json:"status" enum:"received,acknowledged,investigating,resolved,duplicate,not_a_vulnerability"`
	StatusText   string        `json:"status_text"`
	Reason       string        `json:"reason,omitempty" doc:"Why it is not a security vulnerability, when that is the outcome."`
	ReceivedAt   time.Time     `json:"received_at"`
	Acknowledged *time.Time    `json:"acknowledged_at,omitempty"`
	NextBy       *time.Time    `json:"next_update_by,omitempty" doc:"When you will hear from us next at the latest, while the report (or the earlier one it duplicates) is open."`
	NextWhat     string        `json:"next_update,omitempty"`
	Organisation string        `json:"organisation,omitempty"`
	Timeline     []PublicEvent `json:"timeline"`
	// Original is, for a report closed as a duplicate, the earlier report
	// of the same problem that it is dealt with under.
	Original *Original `json:"original,omitempty" doc:"For a duplicate: the earlier report of the same problem, whose updates you get."`
	// Advisory is the advisory published about the report, or about the
	// earlier report it duplicates.
	Advisory *AdvisoryLink `json:"advisory,omitempty"`
}

// Original is what the reporter of a duplicate is shown of the earlier
// report: its status and what the manufacturer said on it, never what its
// own reporter wrote.
type Original struct {
	Status     string        `json:"status" enum:"received,acknowledged,investigating,resolved,duplicate,not_a_vulnerability"`
	StatusText string        `json:"status_text"`
	Reason     string        `json:"reason,omitempty"`
	Timeline   []PublicEvent `json:"timeline"`
}

// AdvisoryLink names a published advisory.
type AdvisoryLink struct {
	TrackingID string `json:"tracking_id"`
	Title      string `json:"title"`
	URL        string `json:"url"`
}

// advisories is what the service reads of advisories, when its store
// keeps them.
type advisories interface {
	AdvisoryOf(ctx context.Context, reportID int64) (*Advisory, error)
}

// ReporterStatus reads a report by its receipt code. A wrong code is
// ENOTFOUND, whatever is wrong with it.
func (s *Service) ReporterStatus(ctx context.Context, code string) (*Status, error) {
	r, err := s.byReceipt(ctx, code)
	if err != nil {
		return nil, err
	}
	if r, err = s.Store.Report(ctx, r.ID); err != nil { // with its files
		return nil, err
	}
	events, err := s.Store.Events(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	st := &Status{Summary: r.Summary, Details: r.Details, Status: r.Status, StatusText: StatusText(r.Status), Reason: r.Reason, ReceivedAt: r.ReceivedAt,
		Acknowledged: r.AcknowledgedAt, NextBy: r.Due, NextWhat: r.DueWhat, Product: r.ProductText}
	if r.ProductID > 0 {
		if p, err := s.Register.Product(ctx, r.ProductID); err == nil {
			st.Product = p.Name + " (" + p.ModelNumber + ")"
		}
	}
	if o, err := s.Register.Organisation(ctx, r.OrganisationID); err == nil {
		st.Organisation = o.LegalName
	}
	files := map[int64][]File{}
	for _, a := range r.Attachments {
		files[a.EventID] = append(files[a.EventID], File{Name: a.Name, Size: a.Size})
	}
	st.Files = files[0]
	st.Timeline = publicTimeline(events, files, true)
	advisoryOf := r.ID
	orig, err := s.original(ctx, r)
	if err != nil {
		return nil, err
	}
	if orig != nil {
		oevents, err := s.Store.Events(ctx, orig.ID)
		if err != nil {
			return nil, err
		}
		st.StatusText = duplicateText(orig)
		st.Original = &Original{Status: orig.Status, StatusText: StatusText(orig.Status), Reason: orig.Reason, Timeline: publicTimeline(oevents, nil, false)}
		// PSTI-VR-03: a duplicate has no clock of its own once it is
		// closed; its reporter is owed the status updates of the report
		// it follows, until that one is resolved, so the next update
		// promised is the original's.
		st.NextBy, st.NextWhat = orig.Due, orig.DueWhat
		advisoryOf = orig.ID
	}
	if as, ok := s.Store.(advisories); ok {
		if a, err := as.AdvisoryOf(ctx, advisoryOf); err == nil && !a.PublishedAt.IsZero() {
			st.Advisory = &AdvisoryLink{TrackingID: a.TrackingID, Title: a.Title, URL: s.BaseURL + "/security/advisories/" + a.TrackingID}
		} else if err != nil && psti.ErrorCode(err) != psti.ENOTFOUND {
			return nil, err
		}
	}
	return st, nil
}

// publicTimeline is what a reporter sees of a timeline: the public events,
// each with the files sent with it. Of another reporter's report (own is
// false) only what the manufacturer said is shown.
func publicTimeline(events []Event, files map[int64][]File, own bool) []PublicEvent {
	out := []PublicEvent{}
	for _, e := range events {
		if !e.Public {
			continue
		}
		from := "us"
		if e.Kind == EventReporter || e.Kind == EventReceived {
			from = "you"
		}
		if !own && from == "you" {
			continue
		}
		out = append(out, PublicEvent{At: e.At, Kind: e.Kind, Status: e.Status, Body: e.Body, From: from, Files: files[e.ID]})
	}
	return out
}

// maxChain bounds how many duplicates deep a report is followed to its
// original: each is of an earlier report, so there is no loop.
const maxChain = 16

// original returns the report a duplicate is dealt with under: the one it
// duplicates, or, if that is a duplicate too, the one that one follows,
// and so on. It is nil for a report that is not a duplicate.
func (s *Service) original(ctx context.Context, r *Report) (*Report, error) {
	var orig *Report
	for range maxChain {
		if r.Status != StatusDuplicate || r.DuplicateOf <= 0 {
			break
		}
		next, err := s.Store.Report(ctx, r.DuplicateOf)
		if psti.ErrorCode(err) == psti.ENOTFOUND {
			break
		}
		if err != nil {
			return nil, err
		}
		orig, r = next, next
	}
	return orig, nil
}

// followers returns the reports that follow report id: its duplicates,
// their duplicates, and so on.
func (s *Service) followers(ctx context.Context, id int64) ([]*Report, error) {
	var out []*Report
	level := []int64{id}
	for depth := 0; depth < maxChain && len(level) > 0; depth++ {
		var next []int64
		for _, pid := range level {
			ds, err := s.Store.Duplicates(ctx, pid)
			if err != nil {
				return nil, err
			}
			for _, d := range ds {
				if d.Status == StatusDuplicate {
					out = append(out, d)
					next = append(next, d.ID)
				}
			}
		}
		level = next
	}
	return out, nil
}

// duplicateText says, to the reporter of a duplicate, where the report
// stands: with the earlier report it follows.
func duplicateText(orig *Report) string {
	switch orig.Status {
	case StatusResolved:
		return "Resolved, under an earlier report of the same problem"
	case StatusNotVulnerability:
		return "Resolved under an earlier report of the same problem: not a security vulnerability"
	case StatusDuplicate:
		return "Closed: the same issue as an earlier report"
	}
	return "Being dealt with under an earlier report of the same problem: you get its updates"
}

var errNoReceipt = psti.Errorf(psti.ENOTFOUND, "There is no report with that receipt code. Check the code: it has 32 letters and digits, in four groups.")

func (s *Service) byReceipt(ctx context.Context, code string) (*Report, error) {
	h := ReceiptHash(code)
	if h == nil {
		return nil, errNoReceipt
	}
	r, err := s.Store.ReportByReceipt(ctx, h)
	if psti.ErrorCode(err) == psti.ENOTFOUND {
		return nil, errNoReceipt
	}
	return r, err
}

// Reply adds the reporter's message to the report.
func (s *Service) Reply(ctx context.Context, code, body string) error {
	return s.SendMessage(ctx, Message{Receipt: code, Body: body})
}

// Message is what a reporter sends about their report, with its receipt.
type Message struct {
	Receipt string
	Body    string
	// Files are sent with the message, within the same limits as the
	// report's.
	Files []Attachment
	// FormToken is the one-time token of the form it came from, or
	// empty: a second send of the same form adds nothing.
	FormToken string
}

// SendMessage adds a reporter's message, and the files sent with it, to
// their report's timeline.
func (s *Service) SendMessage(ctx context.Context, m Message) error {
	body := strings.TrimSpace(m.Body)
	var p psti.Problems
	p.LongText("message", "Message", body, len(m.Files) == 0, MaxMessage)
	var total int64
	for _, a := range m.Files {
		total += a.Size
	}
	if len(m.Files) > MaxAttachment || total > MaxAttachments {
		p.Add("attachments", "Attach at most %d files, %d MiB in all.", MaxAttachment, MaxAttachments>>20)
	}
	if err := p.Err(); err != nil {
		return err
	}
	r, err := s.byReceipt(ctx, m.Receipt)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	var once *Once
	if m.FormToken != "" {
		if once, err = checkForm(m.FormToken, now); err != nil {
			return err
		}
		if id, _, err := s.Store.FormSent(ctx, once.Key, now); err == nil && id == r.ID {
			return nil // sent already: a reload or a second click
		}
	}
	// A message is an append: however many arrive at once, from the
	// reporter or alongside staff changes, each is stored.
	err = s.Store.AddMessage(ctx, reporter, r.ID, &Event{At: now, Kind: EventReporter, Public: true, Body: body}, once, m.Files)
	if errors.Is(err, ErrFormSent) {
		return nil
	}
	return err
}

// Action is a staff change to a report.
type Action struct {
	Kind     string // acknowledge, update, note, triage, close
	Revision int64  // the revision the person saw; 0 to skip the check
	Body     string
	// Status: for update, investigating (or empty to keep the status); for
	// close, resolved, duplicate or not_a_vulnerability.
	Status      string
	DuplicateOf int64
	// Reason: for close as not_a_vulnerability, why (required): the
	// reporter is told.
	Reason string
	// Triage: nil leaves a field as it is.
	Severity   *string
	CVSS       *string
	AssigneeID *int64
	ProductID  *int64
}

// Act applies a staff action to a report and returns it as saved. Public
// messages (acknowledge, update, close) go to the reporter by e-mail too,
// if they left an address.
func (s *Service) Act(ctx context.Context, a psti.Actor, id int64, act Action) (*Report, error) {
	r, err := s.Store.Report(ctx, id)
	if err != nil {
		return nil, err
	}
	if act.Revision != 0 && act.Revision != r.Revision {
		return nil, psti.Errorf(psti.ECONFLICT, "Someone else changed this report since you opened it (revision %d, now %d). Read it again first.", act.Revision, r.Revision)
	}
	now := s.Clock.Now()
	body := strings.TrimSpace(act.Body)
	e := Event{At: now, Kind: act.Kind, AuthorID: a.UserID, Author: a.Label, Body: body}
	var pr psti.Problems
	switch act.Kind {
	case "acknowledge":
		if r.AcknowledgedAt != nil {
			return nil, psti.Errorf(psti.ECONFLICT, "This report was acknowledged already, on %s.", psti.LongDate(*r.AcknowledgedAt))
		}
		if !Open(r.Status) {
			return nil, psti.Errorf(psti.ECONFLICT, "This report is closed.")
		}
		if body == "" {
			body = "Thank you for your report. We have read it and are looking into it."
		}
		pr.LongText("body", "Message", body, true, MaxMessage)
		r.AcknowledgedAt, r.LastUpdateAt, r.Status = &now, &now, StatusAcknowledged
		e.Kind, e.Public, e.Body = EventAcknowledged, true, body
	case "update":
		if !Open(r.Status) {
			return nil, psti.Errorf(psti.ECONFLICT, "This report is closed: reopen it by posting nothing; closed reports get no more updates.")
		}
		pr.LongText("body", "Message", body, true, MaxMessage)
		switch act.Status {
		case "", r.Status:
		case StatusInvestigating, StatusAcknowledged:
			r.Status = act.Status
		default:
			pr.Add("status", "An update leaves the report open: choose investigating, or close the report instead.")
		}
		if r.AcknowledgedAt == nil {
			// A status update acknowledges the report too.
			r.AcknowledgedAt = &now
			if r.Status == StatusReceived {
				r.Status = StatusAcknowledged
			}
		}
		r.LastUpdateAt = &now
		e.Kind, e.Public = EventUpdate, true
	case "note":
		pr.LongText("body", "Note", body, true, MaxMessage)
		e.Kind = EventNote
	case "triage":
		var changes []string
		if act.Severity != nil && *act.Severity != r.Severity {
			if !validSeverity(*act.Severity) {
				pr.Add("severity", "Severity is none, low, medium, high or critical.")
			}
			changes = append(changes, fmt.Sprintf("severity %s → %s", orNone(r.Severity), orNone(*act.Severity)))
			r.Severity = *act.Severity
		}
		if act.CVSS != nil && strings.TrimSpace(*act.CVSS) != r.CVSS {
			v := strings.TrimSpace(*act.CVSS)
			if v != "" {
				if err := CheckCVSS(v); err != nil {
					pr.Add("cvss_vector", "%v", err)
				}
			}
			changes = append(changes, "CVSS vector "+orNone(v))
			r.CVSS = v
		}
		// The timeline names whom and what, as staff chose them, not ids.
		if act.AssigneeID != nil && *act.AssigneeID != r.AssigneeID {
			who := "nobody"
			if *act.AssigneeID != 0 {
				who = fmt.Sprintf("user %d", *act.AssigneeID)
			}
			if *act.AssigneeID != 0 && s.Users != nil {
				if u, err := s.Users.User(ctx, *act.AssigneeID); psti.ErrorCode(err) == psti.ENOTFOUND {
					pr.Add("assignee_id", "There is no user with id %d.", *act.AssigneeID)
				} else if err != nil {
					return nil, err
				} else {
					who = u.Email
				}
			}
			changes = append(changes, "assigned to "+who)
			r.AssigneeID = *act.AssigneeID
		}
		if act.ProductID != nil && *act.ProductID != r.ProductID {
			what := "unlinked from its product"
			if *act.ProductID != 0 {
				what = fmt.Sprintf("linked to product %d", *act.ProductID)
				if p, err := s.Register.Product(ctx, *act.ProductID); err != nil {
					pr.Add("product_id", "There is no product with id %d.", *act.ProductID)
				} else {
					what = fmt.Sprintf("linked to %s (%s)", p.Name, p.ModelNumber)
				}
			}
			changes = append(changes, what)
			r.ProductID = *act.ProductID
		}
		if len(changes) == 0 {
			return r, nil
		}
		e.Kind, e.Body = EventTriage, strings.Join(changes, "; ")
	case "close":
		if !Open(r.Status) {
			return nil, psti.Errorf(psti.ECONFLICT, "This report is closed already.")
		}
		reason := strings.TrimSpace(act.Reason)
		switch act.Status {
		case StatusResolved:
		case StatusNotVulnerability:
			// A resolution like the others (PSTI-VR-03: the status updates
			// end here), and the reporter is told why.
			pr.LongText("reason", "Why it is not a vulnerability", reason, true, MaxMessage)
			r.Reason = reason
		case StatusDuplicate:
			// Only an earlier report: a duplicate follows its original, so
			// no report can end up following itself.
			switch {
			case act.DuplicateOf <= 0:
				pr.Add("duplicate_of", "Give the number of the earlier report this one duplicates.")
			case act.DuplicateOf == r.ID:
				pr.Add("duplicate_of", "A report cannot be a duplicate of itself: give the number of the earlier report.")
			default:
				if _, err := s.Store.Report(ctx, act.DuplicateOf); psti.ErrorCode(err) == psti.ENOTFOUND {
					pr.Add("duplicate_of", "There is no report %d.", act.DuplicateOf)
				} else if err != nil {
					return nil, err
				} else if act.DuplicateOf > r.ID {
					pr.Add("duplicate_of", "Report %d came after this one: close report %d as a duplicate of this one instead.", act.DuplicateOf, act.DuplicateOf)
				}
			}
			// PSTI-VR-03 (status updates until the issue is resolved): once
			// closed as a duplicate the report has no clock of its own (due
			// gives none to a closed report); its reporter follows the
			// original, whose clock and updates are theirs from now on
			// (eventMail sends them, ReporterStatus shows them).
			r.DuplicateOf = act.DuplicateOf
		default:
			pr.Add("status", "Close a report as resolved, duplicate or not_a_vulnerability.")
		}
		if body == "" {
			body = closingWords(act.Status, reason)
		} else if act.Status == StatusNotVulnerability && reason != "" && !strings.Contains(body, reason) {
			body += "\n\nWhy it is not a vulnerability: " + reason
		}
		pr.LongText("body", "Message", body, true, MaxMessage)
		if r.AcknowledgedAt == nil {
			r.AcknowledgedAt = &now
		}
		r.Status, r.ClosedAt, r.LastUpdateAt = act.Status, &now, &now
		e.Kind, e.Public, e.Body = EventClosed, true, body
	default:
		pr.Add("kind", "Unknown action %q: acknowledge, update, note, triage or close.", act.Kind)
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	e.Status = r.Status
	pol, cal, err := s.policyFor(ctx, r.OrganisationID)
	if err != nil {
		return nil, err
	}
	r.DueWhat, r.Due = due(pol, cal, r)
	var mails []Mail
	if e.Public {
		if mails, err = s.eventMail(ctx, r, e); err != nil {
			return nil, err
		}
	}
	if err := s.Store.SaveReport(ctx, a, r, e, mails...); err != nil {
		return nil, err
	}
	return r, nil
}

// eventMail is the e-mail a public event on r sends: to its reporter, and
// to the reporters of every report that follows it as a duplicate, while
// it is open (PSTI-VR-03: status updates until the issue is resolved; the
// closing is the last). Only reporters who gave an address get one.
func (s *Service) eventMail(ctx context.Context, r *Report, e Event) ([]Mail, error) {
	var mails []Mail
	if r.ContactEmail != "" {
		var orig *Report
		if r.Status == StatusDuplicate {
			var err error
			if orig, err = s.original(ctx, r); err != nil {
				return nil, err
			}
		}
		mails = append(mails, s.reporterMail(r, e, orig))
	}
	fs, err := s.followers(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if f.ContactEmail != "" {
			mails = append(mails, s.followerMail(f, r, e))
		}
	}
	return mails, nil
}

// reporterMail tells r's reporter of e; orig is the report r now follows,
// when it was closed as a duplicate.
func (s *Service) reporterMail(r *Report, e Event, orig *Report) Mail {
	subject := "Update on your security report"
	switch e.Kind {
	case EventAcknowledged:
		subject = "Your security report has been acknowledged"
	case EventClosed:
		subject = "Your security report is closed: " + StatusText(r.Status)
	}
	text := fmt.Sprintf("About your report “%s”:\n\n%s\n\nStatus: %s\n", r.Summary, e.Body, StatusText(r.Status))
	due := r.Due
	if orig != nil {
		text += fmt.Sprintf("\nThe earlier report is %s. We send you its status updates until it is resolved, and you can read them on the status page.\n",
			strings.ToLower(StatusText(orig.Status)[:1])+StatusText(orig.Status)[1:])
		due = orig.Due
	}
	if due != nil {
		text += fmt.Sprintf("You will hear from us again %s.\n", psti.Deadline(*due))
	}
	text += fmt.Sprintf("\nRead the whole history and reply with your receipt code at %s%s\n", s.BaseURL, StatusPath)
	return Mail{To: r.ContactEmail, Subject: subject, Text: text, Kind: "report-" + e.Kind, Ref: fmt.Sprintf("report:%d", r.ID)}
}

// followerMail tells the reporter of duplicate f of e on the report it
// follows, orig; never who reported orig or what they wrote.
func (s *Service) followerMail(f, orig *Report, e Event) Mail {
	subject := "Update on the security problem you reported"
	if e.Kind == EventClosed {
		subject = "The security problem you reported: " + StatusText(orig.Status)
	}
	text := fmt.Sprintf("About your report “%s”:\n\nSomeone reported the same problem before you, and we deal with both together. "+
		"We send you the updates on the earlier report until it is resolved. Our latest message about it:\n\n%s\n\nStatus of the earlier report: %s\n",
		f.Summary, e.Body, StatusText(orig.Status))
	if orig.Due != nil {
		text += fmt.Sprintf("You will hear from us again %s.\n", psti.Deadline(*orig.Due))
	}
	text += fmt.Sprintf("\nRead the whole history and reply with your receipt code at %s%s\n", s.BaseURL, StatusPath)
	return Mail{To: f.ContactEmail, Subject: subject, Text: text, Kind: "report-follow-" + e.Kind, Ref: fmt.Sprintf("report:%d", orig.ID)}
}

func closingWords(status, reason string) string {
	switch status {
	case StatusResolved:
		return "The issue you reported is resolved. Thank you for telling us about it."
	case StatusDuplicate:
		return "This issue had already been reported to us, and it is being dealt with under the earlier report. " +
			"We will send you its status updates until it is resolved. Thank you for telling us."
	}
	return "We looked into your report carefully and found that it is not a security vulnerability.\n\nWhy it is not a vulnerability: " + reason +
		"\n\nThank you for telling us. If you disagree, reply with what we may have missed."
}

func validSeverity(s string) bool {
	for _, v := range Severities {
		if s == v {
			return true
		}
	}
	return false
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// CheckCVSS checks the form of a CVSS 3.1 or 4.0 vector: its prefix and
// that every metric is a known abbreviation with a one-letter value, given
// once.
func CheckCVSS(v string) error {
	var required []string
	switch {
	case strings.HasPrefix(v, "CVSS:3.1/"), strings.HasPrefix(v, "CVSS:3.0/"):
		required = []string{"AV", "AC", "PR", "UI", "S", "C", "I", "A"}
	case strings.HasPrefix(v, "CVSS:4.0/"):
		required = []string{"AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"}
	default:
		return fmt.Errorf("a CVSS vector starts with CVSS:3.1/ or CVSS:4.0/")
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(v[9:], "/") {
		k, val, ok := strings.Cut(part, ":")
		if !ok || k == "" || len(val) != 1 || val[0] < 'A' || val[0] > 'Z' {
			return fmt.Errorf("%q is not a metric such as AV:N", part)
		}
		if seen[k] {
			return fmt.Errorf("metric %s is given twice", k)
		}
		seen[k] = true
	}
	for _, k := range required {
		if !seen[k] {
			return fmt.Errorf("the base metric %s is missing", k)
		}
	}
	return nil
}

// Sweep tells staff about new reports and about promises that fell due
// without being kept: one e-mail per organisation with an alert address,
// listing them. It returns how many reports it alerted about.
func (s *Service) Sweep(ctx context.Context, staffURL string) (int, error) {
	now := s.Clock.Now()
	fresh, overdue, err := s.Store.PendingAlerts(ctx, now, 200)
	if err != nil || len(fresh)+len(overdue) == 0 {
		return 0, err
	}
	// Several servers may sweep one database: the mail is written from
	// the reports this sweep claims, so each report is told of once.
	return s.Store.ClaimAlerts(ctx, fresh, overdue, now, func(fresh, overdue []*Report) ([]Mail, error) {
		return s.alertMail(ctx, staffURL, fresh, overdue)
	})
}

// alertMail is the e-mail to each organisation's alert address about its
// fresh and overdue reports.
func (s *Service) alertMail(ctx context.Context, staffURL string, fresh, overdue []*Report) ([]Mail, error) {
	byOrg := map[int64]*strings.Builder{}
	var orgs []int64
	line := func(orgID int64, format string, args ...any) {
		b := byOrg[orgID]
		if b == nil {
			b = &strings.Builder{}
			byOrg[orgID] = b
			orgs = append(orgs, orgID)
		}
		fmt.Fprintf(b, format, args...)
	}
	late := map[int64]bool{}
	for _, r := range overdue {
		late[r.OrganisationID] = true
		line(r.OrganisationID, "OVERDUE: report %d “%s”: the %s was due %s.\n  %s/admin/reports/%d\n",
			r.ID, r.Summary, r.DueWhat, psti.Deadline(*r.Due), staffURL, r.ID)
	}
	for _, r := range fresh {
		line(r.OrganisationID, "New: report %d “%s”, received %s.\n  %s/admin/reports/%d\n",
			r.ID, r.Summary, psti.LongDateTime(r.ReceivedAt), staffURL, r.ID)
	}
	var mails []Mail
	for _, orgID := range orgs {
		pol, _, err := s.policyFor(ctx, orgID)
		if err != nil {
			return nil, err
		}
		if pol.AlertTo == "" {
			continue
		}
		subject := "New security reports"
		if late[orgID] {
			subject = "Security reports need attention"
		}
		mails = append(mails, Mail{To: pol.AlertTo, Subject: subject, Kind: "staff-alert",
			Text: "These security reports need attention:\n\n" + byOrg[orgID].String() +
				fmt.Sprintf("\nThe promises you publish: acknowledge within %d working days; a status update at least every %d days.\n",
					pol.AckWorkingDays, pol.UpdateEveryDays)})
	}
	return mails, nil
}

// PolicyFor returns the policy an organisation's reports come under, with
// the working-day calendar their clocks count on. Other clocks an
// organisation keeps (compliance duties' targets) count on the same days.
func (s *Service) PolicyFor(ctx context.Context, orgID int64) (*Policy, *Calendar, error) {
	return s.policyFor(ctx, orgID)
}
