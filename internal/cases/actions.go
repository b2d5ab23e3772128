package cases

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
)

// ---- notices ----

// DraftNotice drafts the notice duty key of case id calls for, to party
// partyID, and keeps it as a draft.
func (s *Service) DraftNotice(ctx context.Context, a psti.Actor, id int64, key string, partyID int64) (*Notice, error) {
	c, err := s.editable(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	d := c.duty(key)
	if d == nil {
		return nil, psti.FieldErrorf(psti.EINVALID, "duty_key", "This case has no duty %q.", key)
	}
	p, err := s.Store.Party(ctx, partyID)
	if err != nil || p.OrganisationID != c.OrganisationID {
		return nil, psti.FieldErrorf(psti.EINVALID, "party_id", "Choose a party of this organisation.")
	}
	sit, err := s.situation(ctx, c)
	if err != nil {
		return nil, err
	}
	n, err := Draft(c, d, p, sit)
	if err != nil {
		return nil, err
	}
	n.CreatedBy = a.Label
	if err := s.Store.SaveNotice(ctx, a, n); err != nil {
		return nil, err
	}
	return n, nil
}

// SaveNotice saves staff's edits to a draft notice.
func (s *Service) SaveNotice(ctx context.Context, a psti.Actor, n *Notice) error {
	old, err := s.Store.Notice(ctx, n.ID)
	if err != nil {
		return err
	}
	if old.State != NoticeDraft {
		return psti.Errorf(psti.ECONFLICT, "The notice was sent: it is kept as sent. Draft a new one to say more.")
	}
	if _, err := s.editable(ctx, old.CaseID, 0); err != nil {
		return err
	}
	// What the section asks for stays, with its label and source: staff
	// write the text.
	items := old.Items
	for i := range items {
		for _, it := range n.Items {
			if it.Key == items[i].Key {
				items[i].Text = strings.TrimSpace(it.Text)
			}
		}
	}
	old.Items, old.Subject, old.ToName, old.ToEmail, old.Method = items, strings.TrimSpace(n.Subject), strings.TrimSpace(n.ToName), strings.TrimSpace(n.ToEmail), n.Method
	old.Revision = n.Revision
	if err := old.Validate(false); err != nil {
		return err
	}
	if err := s.Store.SaveNotice(ctx, a, old); err != nil {
		return err
	}
	*n = *old
	return nil
}

// SendNotice sends draft notice id, read at revision rev: refused while an
// item its section asks for is empty. E-mail goes through the outbox; a
// notice by post or another way is recorded as sent. The exact text, when
// and to whom, is kept; a duty done by one message (the authority, the
// manufacturer, the supplier) is marked done.
func (s *Service) SendNotice(ctx context.Context, a psti.Actor, id, rev int64) (*Notice, error) {
	n, err := s.Store.Notice(ctx, id)
	if err != nil {
		return nil, err
	}
	if n.State != NoticeDraft {
		return nil, psti.Errorf(psti.ECONFLICT, "The notice was sent already, %s.", psti.LongDateTime(*n.SentAt))
	}
	if rev != 0 && rev != n.Revision {
		return nil, psti.Errorf(psti.ECONFLICT, "Someone changed the notice since you read it. Read it again before sending.")
	}
	if err := n.Validate(true); err != nil {
		return nil, err
	}
	c, err := s.editable(ctx, n.CaseID, 0)
	if err != nil {
		return nil, err
	}
	if err := s.checkSituation(ctx, c, n); err != nil {
		return nil, err
	}
	org, err := s.Register.Organisation(ctx, c.OrganisationID)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now().UTC().Truncate(time.Microsecond)
	n.Body = n.Text(org.LegalName + "\n" + org.Address)
	n.State, n.SentAt, n.SentBy = NoticeSent, &now, a.Label
	how := map[string]string{"email": "by e-mail to " + n.ToEmail, "post": "by post", "other": "by another way (recorded by staff)"}[n.Method]
	events := []Event{{At: now, Actor: a.Label, Kind: "notice", Text: fmt.Sprintf("Notice %d sent to %s %s: %s", n.ID, n.ToName, how, n.Subject)}}
	if d := c.duty(n.DutyKey); d != nil && d.State == DutyOpen && singleRecipient(d.Duty) {
		d.State, d.DoneAt, d.DoneBy, d.Note = DutyDone, &now, a.Label, fmt.Sprintf("Notice %d sent to %s.", n.ID, n.ToName)
		events = append(events, Event{At: now, Actor: a.Label, Kind: "duty", Text: fmt.Sprintf("Done: %s (%s): notice %d sent.", DutyText(d.Duty), d.Section, n.ID)})
	}
	var mails []Mail
	if n.Method == "email" {
		mails = append(mails, Mail{To: n.ToEmail, Subject: n.Subject, Text: n.Body, Kind: "case-notice", Ref: fmt.Sprintf("case:%d", c.ID)})
	}
	if err := s.Store.SendNotice(ctx, a, n, c, events, mails...); err != nil {
		return nil, err
	}
	return n, nil
}

// Situation texts psti drafts while nobody is known to have been told.
const (
	eaNotYet   = "No, not yet."
	mfrUnknown = "We do not know."
)

// checkSituation refuses a notice whose "whether the authority has been
// notified" or "whether the manufacturer is aware" (s.11(7), s.19(9),
// s.25(10)) still reads as drafted when nobody was known to be told, where
// the case now shows they were: sent, it would say what is no longer so.
func (s *Service) checkSituation(ctx context.Context, c *Case, n *Notice) error {
	sit, err := s.situation(ctx, c)
	if err != nil {
		return err
	}
	var pr psti.Problems
	for _, it := range n.Items {
		t := strings.TrimSpace(it.Text)
		switch {
		case it.Key == "ea_notified" && t == eaNotYet && sit.EANotified != eaNotYet:
			pr.Add("item_ea_notified", "This says the enforcement authority has not been notified, but the case now shows it has (%s asks this be said): %s", it.Source, sit.EANotified)
		case it.Key == "manufacturer_aware" && t == mfrUnknown && sit.ManufacturerAware != mfrUnknown:
			pr.Add("item_manufacturer_aware", "This says it is not known whether the manufacturer is aware, but the case now shows it (%s asks this be said): %s", it.Source, sit.ManufacturerAware)
		}
	}
	return pr.Err()
}

// situation says, as the case stands, what a notice tells of who knows.
func (s *Service) situation(ctx context.Context, c *Case) (Situation, error) {
	org, err := s.Register.Organisation(ctx, c.OrganisationID)
	if err != nil {
		return Situation{}, err
	}
	products, err := s.ItemsText(ctx, c.Items)
	if err != nil {
		return Situation{}, err
	}
	sit := Situation{Organisation: org.LegalName, Products: products}
	notices, err := s.Store.Notices(ctx, c.ID)
	if err != nil {
		return Situation{}, err
	}
	sentTo := func(duty string) *Notice {
		for _, n := range notices {
			if d := c.duty(n.DutyKey); n.State == NoticeSent && d != nil && d.Duty == duty {
				return n
			}
		}
		return nil
	}
	by, _ := c.Facts["informed_by"].(string)
	business := by == "manufacturer" || by == "importer" || by == "distributor" || by == "authorised_representative"
	switch n := sentTo("notify_enforcement_authority"); {
	case n != nil:
		sit.EANotified = fmt.Sprintf("Yes: we notified the enforcement authority on %s.", psti.LongDate(*n.SentAt))
	case c.doneDuty("notify_enforcement_authority") != nil:
		sit.EANotified = fmt.Sprintf("Yes: we notified the enforcement authority on %s.", psti.LongDate(*c.doneDuty("notify_enforcement_authority").DoneAt))
	case business && c.Facts["informer_says_ea_notified"] == true:
		sit.EANotified = fmt.Sprintf("The %s that notified us of the failure told us the enforcement authority has been notified.", RoleText(by))
	default:
		sit.EANotified = eaNotYet
	}
	switch n := sentTo("contact_manufacturer"); {
	case c.Role() == "manufacturer":
		sit.ManufacturerAware = "Yes: we are the manufacturer."
	case by == "manufacturer":
		sit.ManufacturerAware = "Yes: the manufacturer notified us of the failure."
	case n != nil:
		sit.ManufacturerAware = fmt.Sprintf("Yes: we told the manufacturer on %s.", psti.LongDate(*n.SentAt))
	case c.doneDuty("contact_manufacturer") != nil:
		sit.ManufacturerAware = fmt.Sprintf("Yes: we contacted the manufacturer on %s.", psti.LongDate(*c.doneDuty("contact_manufacturer").DoneAt))
	case business && c.Facts["informer_says_manufacturer_aware"] == true:
		sit.ManufacturerAware = fmt.Sprintf("The %s that notified us of the failure told us the manufacturer is aware.", RoleText(by))
	default:
		sit.ManufacturerAware = mfrUnknown
	}
	return sit, nil
}

func (c *Case) doneDuty(duty string) *CaseDuty {
	for _, d := range c.Duties {
		if d.Duty == duty && d.State == DutyDone && d.DoneAt != nil {
			return d
		}
	}
	return nil
}

// ItemsText names a case's products and batches in words.
func (s *Service) ItemsText(ctx context.Context, items []Item) (string, error) {
	var parts []string
	for _, it := range items {
		p, err := s.Register.Product(ctx, it.ProductID)
		if err != nil {
			return "", err
		}
		t := fmt.Sprintf("%s (model %s)", p.Name, p.ModelNumber)
		if it.BatchID != 0 {
			b, err := s.Register.Batch(ctx, it.BatchID)
			if err != nil {
				return "", err
			}
			t += ", batch " + b.Code
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, "; "), nil
}

// ---- holds ----

// PlaceHold marks products or batches of case id as held: not to be made
// available, for the reason given (s.11(2)(a), s.19(4), s.25(5)).
func (s *Service) PlaceHold(ctx context.Context, a psti.Actor, id int64, items []Item, reason string) ([]*Hold, error) {
	c, err := s.editable(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var pr psti.Problems
	pr.LongText("reason", "Reason", reason, true, MaxShort)
	if len(items) == 0 {
		items = c.Items
	}
	for _, it := range items {
		found := false
		for _, ci := range c.Items {
			found = found || ci.ProductID == it.ProductID && (ci.BatchID == 0 || ci.BatchID == it.BatchID)
		}
		if !found {
			pr.Add("items", "Hold only products and batches the case names.")
			break
		}
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	var out []*Hold
	for _, it := range items {
		h := &Hold{OrganisationID: c.OrganisationID, ProductID: it.ProductID, BatchID: it.BatchID, CaseID: c.ID, Reason: reason, PlacedBy: a.Label}
		what, err := s.ItemsText(ctx, []Item{it})
		if err != nil {
			return nil, err
		}
		e := &Event{Actor: a.Label, Kind: "hold", Text: fmt.Sprintf("Supply held: %s. %s", what, reason)}
		if err := s.Store.PlaceHold(ctx, a, h, e); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// LiftHold lifts a hold, saying why.
func (s *Service) LiftHold(ctx context.Context, a psti.Actor, holdID int64, reason string) (*Hold, error) {
	// One hold by its id: a list stops at the newest 1000, and a hold
	// older than those must still be liftable.
	h, err := s.Store.Hold(ctx, holdID)
	if err != nil {
		return nil, err
	}
	if h.LiftedAt != nil {
		return nil, psti.Errorf(psti.ECONFLICT, "The hold was lifted already.")
	}
	reason = strings.TrimSpace(reason)
	var pr psti.Problems
	pr.LongText("reason", "Why the hold is lifted", reason, true, MaxShort)
	if err := pr.Err(); err != nil {
		return nil, err
	}
	h.LiftedBy, h.LiftReason = a.Label, reason
	what, err := s.ItemsText(ctx, []Item{{ProductID: h.ProductID, BatchID: h.BatchID}})
	if err != nil {
		return nil, err
	}
	e := &Event{Actor: a.Label, Kind: "hold", Text: fmt.Sprintf("Hold lifted: %s. %s", what, reason)}
	if err := s.Store.LiftHold(ctx, a, h, e); err != nil {
		return nil, err
	}
	return h, nil
}

// ---- closing and records ----

// Closing is what staff say when a case closes: the investigation's
// outcome and, where a failure was found, what it was and what was done.
type Closing struct {
	Revision        int64  `json:"revision"`
	Outcome         string `json:"outcome"`
	FailureFound    bool   `json:"failure_found"`
	FailureDetails  string `json:"failure_details,omitempty"`
	RemedialSteps   string `json:"remedial_steps,omitempty"`
	RemedySucceeded string `json:"remedy_succeeded,omitempty" enum:"yes,no,partly,not_yet,"`
	JointWith       string `json:"joint_with,omitempty"`
	// Manufacturer is, for an importer, the manufacturer's investigation
	// it knows of (s.20(1)(b)); nil if it knows of none.
	Manufacturer *ManufacturerInvestigation `json:"manufacturer,omitempty"`
}

// ManufacturerInvestigation is what an importer knows of a manufacturer's
// investigation.
type ManufacturerInvestigation struct {
	Outcome         string `json:"outcome"`
	FailureFound    bool   `json:"failure_found"`
	FailureDetails  string `json:"failure_details,omitempty"`
	RemedialSteps   string `json:"remedial_steps,omitempty"`
	RemedySucceeded string `json:"remedy_succeeded,omitempty"`
	MissingFacts    string `json:"missing_facts,omitempty"`
	StepsToObtain   string `json:"steps_to_obtain,omitempty"`
}

// Close closes case id and makes the records its role keeps: a
// manufacturer (or its authorised representative, s.51) an investigation
// record and, if a failure was found, a failure record (s.12); an importer
// an investigation record and a record of the manufacturer's
// investigation it knows of (s.20). A distributor keeps none (PSTI-D-07):
// the case file stays. A case closes only once every firm duty is done or
// not required.
func (s *Service) Close(ctx context.Context, a psti.Actor, id int64, cl Closing) (*Case, []*Record, error) {
	c, err := s.editable(ctx, id, cl.Revision)
	if err != nil {
		return nil, nil, err
	}
	role := c.Role()
	if role == "" {
		return nil, nil, psti.FieldErrorf(psti.EINVALID, "role", "Say your role for the product before closing: the records it keeps depend on it.")
	}
	var open []string
	for _, d := range c.Duties {
		if d.State == DutyOpen && !d.NeedsReview && d.Duty != "keep_investigation_record" && d.Duty != "keep_failure_record" && d.Duty != "record_manufacturer_investigation" {
			open = append(open, fmt.Sprintf("%s (%s)", DutyText(d.Duty), d.Section))
		}
	}
	if len(open) > 0 {
		return nil, nil, psti.Errorf(psti.ECONFLICT, "These duties are still open: %s. Mark each done once it is, or change the facts if it does not apply.", strings.Join(open, "; "))
	}
	// The records and the duties must tell one story: a failure found is
	// a failure confirmed, which is what makes the s.11, 18, 19, 24 and 25
	// duties firm.
	switch confirmed := c.Facts["status"] == "confirmed"; {
	case cl.FailureFound && !confirmed:
		return nil, nil, psti.FieldErrorf(psti.EINVALID, "failure_found", "The facts say the failure is only suspected. If a failure was found, set it to confirmed first: the duties that follow from a failure must be listed and done.")
	case !cl.FailureFound && confirmed:
		return nil, nil, psti.FieldErrorf(psti.EINVALID, "failure_found", "The facts say the failure is confirmed. Say that a failure was found, or change the facts if the investigation found none.")
	}
	now := s.Clock.Now().UTC().Truncate(time.Microsecond)
	products, err := s.ItemsText(ctx, c.Items)
	if err != nil {
		return nil, nil, err
	}
	base := Record{OrganisationID: c.OrganisationID, CaseID: c.ID, Version: 1, Products: products, MadeAt: now, MadeBy: a.Label, KeepUntil: KeepUntil(now)}
	own := base
	own.Kind, own.Outcome, own.FailureFound = "investigation", strings.TrimSpace(cl.Outcome), cl.FailureFound
	if cl.FailureFound {
		own.FailureDetails, own.RemedialSteps, own.RemedySucceeded = strings.TrimSpace(cl.FailureDetails), strings.TrimSpace(cl.RemedialSteps), cl.RemedySucceeded
	}
	own.JointWith = strings.TrimSpace(cl.JointWith)
	var recs []*Record
	switch role {
	case "manufacturer", "authorised_representative":
		own.Section = "s.12(1)(a)"
		recs = append(recs, &own)
		if cl.FailureFound {
			f := own
			f.Kind, f.Section, f.Outcome = "failure", "s.12(1)(b)", ""
			recs = append(recs, &f)
		}
	case "importer":
		if own.JointWith != "" {
			return nil, nil, psti.FieldErrorf(psti.EINVALID, "joint_with", "A joint record is for manufacturers of one product (s.12); an importer keeps its own (s.20).")
		}
		own.Section = "s.20(1)(a)"
		recs = append(recs, &own)
		if m := cl.Manufacturer; m != nil {
			mr := base
			mr.Kind, mr.Section = "manufacturer_investigation", "s.20(1)(b)"
			mr.Outcome, mr.FailureFound = strings.TrimSpace(m.Outcome), m.FailureFound
			if m.FailureFound {
				mr.FailureDetails, mr.RemedialSteps, mr.RemedySucceeded = strings.TrimSpace(m.FailureDetails), strings.TrimSpace(m.RemedialSteps), m.RemedySucceeded
			}
			mr.MissingFacts, mr.StepsToObtain = strings.TrimSpace(m.MissingFacts), strings.TrimSpace(m.StepsToObtain)
			recs = append(recs, &mr)
		}
	}
	var fields []psti.FieldError
	for _, r := range recs {
		if err := r.Validate(); err != nil {
			prefix := ""
			if r.Kind == "manufacturer_investigation" {
				prefix = "manufacturer."
			}
			for _, f := range psti.ErrorFields(err) {
				fields = append(fields, psti.FieldError{Field: prefix + f.Field, Message: f.Message})
			}
		}
	}
	if len(fields) > 0 {
		return nil, nil, psti.FieldsErr(fields...)
	}
	c.Status, c.ClosedAt = Closed, &now
	events := []Event{}
	made := map[string]bool{}
	for _, r := range recs {
		made[r.Kind] = true
	}
	for _, d := range c.Duties {
		if d.State != DutyOpen {
			continue
		}
		// A record duty is done only by the record it asks for: one not
		// made (no failure found, no investigation by the manufacturer
		// known) must not read as done in the case file.
		kind, why := "", ""
		switch d.Duty {
		case "keep_investigation_record":
			kind = "investigation"
		case "keep_failure_record":
			kind, why = "failure", "The investigation found no compliance failure: there is none to record."
		case "record_manufacturer_investigation":
			kind, why = "manufacturer_investigation", "No investigation by the manufacturer was known when the case closed."
		default:
			continue
		}
		if made[kind] {
			d.State, d.DoneAt, d.DoneBy, d.Note = DutyDone, &now, a.Label, "Record made when the case closed."
		} else if why != "" {
			d.State, d.Why, d.NeedsReview, d.Review = DutyNotRequired, why, false, nil
			events = append(events, Event{At: now, Actor: a.Label, Kind: "duty", Text: fmt.Sprintf("Not required: %s (%s): %s", DutyText(d.Duty), d.Section, why)})
		}
	}
	if len(recs) == 0 {
		events = append(events, Event{At: now, Actor: a.Label, Kind: "closed", Text: "Case closed. A distributor keeps no records under Chapter 2 (PSTI-D-07); this case file is kept. Outcome: " + orText(own.Outcome, "not given")})
	} else {
		events = append(events, Event{At: now, Actor: a.Label, Kind: "closed", Text: fmt.Sprintf("Case closed; %d records made, kept until at least %s. Outcome: %s", len(recs), psti.DateText(KeepUntil(now)), own.Outcome)})
	}
	if err := s.Store.AddRecords(ctx, a, recs, c, events); err != nil {
		return nil, nil, err
	}
	return c, recs, nil
}

// CorrectRecord keeps a correction of record id: a new version naming the
// one it corrects, which stays as it was (s.12, s.20: records are kept).
func (s *Service) CorrectRecord(ctx context.Context, a psti.Actor, id int64, r Record) (*Record, error) {
	old, err := s.Store.Record(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now().UTC().Truncate(time.Microsecond)
	nr := *old
	nr.ID, nr.Version, nr.Corrects, nr.MadeAt, nr.MadeBy, nr.KeepUntil = 0, old.Version+1, old.ID, now, a.Label, KeepUntil(now)
	nr.Why = strings.TrimSpace(r.Why)
	nr.Outcome, nr.FailureFound = strings.TrimSpace(r.Outcome), r.FailureFound
	nr.FailureDetails, nr.RemedialSteps, nr.RemedySucceeded = strings.TrimSpace(r.FailureDetails), strings.TrimSpace(r.RemedialSteps), r.RemedySucceeded
	nr.MissingFacts, nr.StepsToObtain = strings.TrimSpace(r.MissingFacts), strings.TrimSpace(r.StepsToObtain)
	if !strings.HasPrefix(old.Section, "s.20") {
		nr.JointWith = strings.TrimSpace(r.JointWith)
	}
	if err := nr.Validate(); err != nil {
		return nil, err
	}
	var c *Case
	var events []Event
	if old.CaseID != 0 {
		if c, err = s.Store.Case(ctx, old.CaseID); err != nil {
			return nil, err
		}
		events = append(events, Event{At: now, Actor: a.Label, Kind: "record", Text: fmt.Sprintf("Record %d corrected by version %d: %s", old.ID, nr.Version, nr.Why)})
	}
	if err := s.Store.AddRecords(ctx, a, []*Record{&nr}, c, events); err != nil {
		return nil, err
	}
	return &nr, nil
}

// DeleteRecord is refused: a record is kept for 10 years from the day it
// is made (s.12(4), s.20(4)), and psti keeps it for good.
func (s *Service) DeleteRecord(ctx context.Context, id int64) error {
	r, err := s.Store.Record(ctx, id)
	if err != nil {
		return err
	}
	return psti.Errorf(psti.ECONFLICT, "Records are never deleted: this one must be kept until at least %s, 10 years from the day it was made (%s).", psti.DateText(r.KeepUntil), keepSection(r))
}

func keepSection(r *Record) string {
	if strings.HasPrefix(r.Section, "s.20") {
		return "s.20(4)"
	}
	return "s.12(4)"
}

// ---- notices from the authority ----

// RecordAuthorityNotice keeps a notice the enforcement authority gave,
// with when it counts as given.
func (s *Service) RecordAuthorityNotice(ctx context.Context, a psti.Actor, n *AuthorityNotice) error {
	if err := n.Validate(); err != nil {
		return err
	}
	if n.CaseID != 0 {
		c, err := s.Store.Case(ctx, n.CaseID)
		if err != nil {
			return psti.FieldErrorf(psti.EINVALID, "case_id", "There is no such case.")
		}
		n.OrganisationID = c.OrganisationID
	}
	if _, err := s.Register.Organisation(ctx, n.OrganisationID); err != nil {
		return psti.FieldErrorf(psti.EINVALID, "organisation_id", "Choose the organisation the notice was given to.")
	}
	now := s.Clock.Now().UTC().Truncate(time.Microsecond)
	if n.SentAt.After(now.Add(time.Hour)) {
		return psti.FieldErrorf(psti.EINVALID, "sent_at", "The notice cannot have been sent in the future.")
	}
	n.SentAt = n.SentAt.UTC().Truncate(time.Second)
	// The statute's working days, not the organisation's own closures: a
	// closure of the business's own must not move the authority's clock.
	// psti counts the bank holidays of England and Wales (docs/cases.md).
	n.GivenAt = GivenAt(disclosure.EnglandAndWales(), n.SentAt, n.Electronic)
	n.RecordedAt, n.RecordedBy = now, a.Label
	var e *Event
	if n.CaseID != 0 {
		e = &Event{At: now, Actor: a.Label, Kind: "authority", Text: fmt.Sprintf("%s recorded, given %s.", AuthorityKinds[n.Kind], psti.LongDateTime(n.GivenAt))}
	}
	return s.Store.AddAuthorityNotice(ctx, a, n, e)
}

// ---- alerts ----

// DutyAlertKey names the one alert for duty key of case caseID passing
// its target.
func DutyAlertKey(caseID int64, key string) string {
	return fmt.Sprintf("duty:%d:%s", caseID, key)
}

// AlertWindow is how long before an authority deadline staff are alerted.
const AlertWindow = 5 * 24 * time.Hour

// Sweep alerts staff, once each, to duties whose target passed and to
// authority deadlines coming within AlertWindow; the mail goes to the
// organisation's alert address (the disclosure policy's). Safe for several
// servers on one database: each alert is claimed once. It returns how
// many alerts it sent.
func (s *Service) Sweep(ctx context.Context, staffURL string) (int, error) {
	now := s.Clock.Now()
	sent := 0
	over, err := s.Store.OverdueDuties(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	for _, o := range over {
		pol, _, err := s.Policies.PolicyFor(ctx, o.OrganisationID)
		if err != nil {
			return sent, err
		}
		var mails []Mail
		if pol.AlertTo != "" {
			mails = append(mails, Mail{To: pol.AlertTo, Kind: "duty-alert", Ref: fmt.Sprintf("case:%d", o.CaseID),
				Subject: "A compliance duty is past your target",
				Text: fmt.Sprintf("Case %d “%s”: %s (%s), which the Act asks for %s, was due by your own target %s and is still open.\n\n  %s/admin/cases/%d\n",
					o.CaseID, o.Title, DutyText(o.Duty.Duty), o.Duty.Section, TimingText(o.Duty.Timing), psti.Deadline(*o.Duty.TargetAt), staffURL, o.CaseID)})
		}
		ok, err := s.Store.ClaimAlert(ctx, DutyAlertKey(o.CaseID, o.Duty.Key), now, mails...)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	ns, err := s.Store.AuthorityNotices(ctx, AuthorityFilter{Limit: 500})
	if err != nil {
		return sent, err
	}
	for _, n := range ns {
		for _, d := range n.Deadlines() {
			if d.Due.Before(now) || d.Due.Sub(now) > AlertWindow {
				continue
			}
			pol, _, err := s.Policies.PolicyFor(ctx, n.OrganisationID)
			if err != nil {
				return sent, err
			}
			var mails []Mail
			if pol.AlertTo != "" {
				mails = append(mails, Mail{To: pol.AlertTo, Kind: "authority-alert", Ref: fmt.Sprintf("authority-notice:%d", n.ID),
					Subject: fmt.Sprintf("%s: %s %s", AuthorityKinds[n.Kind], d.Name, psti.Deadline(d.Due)),
					Text: fmt.Sprintf("%s %s (given %s).\n\n%s: %s.\n%s\n\n  %s/admin/authority-notices/%d\n",
						AuthorityKinds[n.Kind], n.Reference, psti.LongDateTime(n.GivenAt), d.Name, psti.Deadline(d.Due), d.Text, staffURL, n.ID)})
			}
			ok, err := s.Store.ClaimAlert(ctx, fmt.Sprintf("authority:%d:%s", n.ID, d.Name), now, mails...)
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
		}
	}
	return sent, nil
}
