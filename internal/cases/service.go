package cases

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// Register is what cases read from the product register.
type Register interface {
	Organisation(ctx context.Context, id int64) (*product.Organisation, error)
	Brand(ctx context.Context, id int64) (*product.Brand, error)
	Product(ctx context.Context, id int64) (*product.Product, error)
	Batch(ctx context.Context, id int64) (*product.Batch, error)
}

// Reports finds the security report a case is opened from.
type Reports interface {
	Report(ctx context.Context, id int64) (*disclosure.Report, error)
}

// Policies gives an organisation's disclosure policy and the working-day
// calendar its report clocks use: duty targets count on the same days,
// and alerts go to the same address.
type Policies interface {
	PolicyFor(ctx context.Context, orgID int64) (*disclosure.Policy, *disclosure.Calendar, error)
}

// Service applies the rules of compliance cases: which duties the facts
// give, their states and targets, what each notice must say, and which
// records closing a case makes.
type Service struct {
	Store    Store
	Register Register
	Reports  Reports
	Policies Policies
	// Rules are the duty rules; nil means catalog.DefaultDutyRules.
	Rules *catalog.DutyRules
	Clock psti.Clock
}

func (s *Service) rules() *catalog.DutyRules {
	if s.Rules != nil {
		return s.Rules
	}
	return catalog.DefaultDutyRules()
}

// DefaultTargets are the working days an organisation gives itself for
// each kind of timing until it sets its own: the Act fixes no period for
// "as soon as possible" or "as soon as is practicable" (PSTI digest 5.4),
// so these are the organisation's own yardstick, not the law's.
var DefaultTargets = map[string]int{"as_soon_as_possible": 2, "as_soon_as_practicable": 10}

// Duties lists every duty name the rules know, for target forms.
func (s *Service) Duties() []string {
	var out []string
	for _, r := range s.rules().Rules {
		if r.Never == "" && r.Timing != "none" && !slices.Contains(out, r.Duty) {
			out = append(out, r.Duty)
		}
	}
	return out
}

// Targets returns the working days allowed for each duty in an
// organisation: its own, else the default for the duty's timing.
func (s *Service) Targets(ctx context.Context, orgID int64) (map[string]int, error) {
	own, err := s.Store.Targets(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, r := range s.rules().Rules {
		if r.Never != "" || r.Timing == "none" {
			continue
		}
		if n, ok := own[r.Duty]; ok {
			out[r.Duty] = n
		} else if _, ok := out[r.Duty]; !ok {
			out[r.Duty] = DefaultTargets[r.Timing]
		}
	}
	return out, nil
}

// SaveTargets sets an organisation's targets, in working days (0 for none).
func (s *Service) SaveTargets(ctx context.Context, a psti.Actor, orgID int64, t map[string]int) error {
	known := s.Duties()
	var pr psti.Problems
	for d, n := range t {
		if !slices.Contains(known, d) {
			pr.Add(d, "There is no duty with a timing called %q.", d)
		} else if n < 0 || n > 250 {
			pr.Add(d, "Give a number of working days from 0 (no target) to 250.")
		}
	}
	if err := pr.Err(); err != nil {
		return err
	}
	if _, err := s.Register.Organisation(ctx, orgID); err != nil {
		return err
	}
	return s.Store.SaveTargets(ctx, a, orgID, t)
}

// Opening is what a new case starts from.
type Opening struct {
	Title         string         `json:"title"`
	RequirementID string         `json:"requirement_id,omitempty"`
	Source        string         `json:"source,omitempty" enum:"notice,staff," doc:"notice when it starts from a notice from another business or the authority, else staff. Cases from a security report are opened from the report."`
	SourceNote    string         `json:"source_note,omitempty"`
	Items         []Item         `json:"items"`
	Facts         catalog.Values `json:"facts,omitempty"`
	Particulars
}

// Open opens a case. Facts not given are taken, where the product's chain
// says them, from the chain (the role, when the business plays one; the
// importers and distributors it supplied); the status starts suspected.
func (s *Service) Open(ctx context.Context, a psti.Actor, o Opening) (*Case, error) {
	if o.Source == "" {
		o.Source = FromStaff
	}
	if o.Source != FromStaff && o.Source != FromNotice {
		return nil, psti.FieldErrorf(psti.EINVALID, "source", "A case is opened by staff or from a notice; open one from a security report on the report's page.")
	}
	return s.open(ctx, a, o, 0)
}

func (s *Service) open(ctx context.Context, a psti.Actor, o Opening, reportID int64) (*Case, error) {
	var pr psti.Problems
	pr.Text("title", "Title", o.Title, true, MaxName)
	pr.Text("source_note", "Where it came from", o.SourceNote, false, MaxShort)
	if o.RequirementID != "" && catalog.DefaultCatalogue().Requirement(o.RequirementID) == nil {
		pr.Add("requirement_id", "There is no requirement %q in the catalogue: use an id such as PSTI-PW-01.", o.RequirementID)
	}
	if len(o.Items) == 0 {
		pr.Add("items", "Choose the product the failure concerns.")
	}
	if len(o.Items) > 100 {
		pr.Add("items", "A case names at most 100 products and batches.")
	}
	if err := o.Particulars.Validate(); err != nil {
		return nil, err
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	org, err := s.itemsOrg(ctx, o.Items)
	if err != nil {
		return nil, err
	}
	facts, err := s.checkFacts(o.Facts)
	if err != nil {
		return nil, err
	}
	if err := s.chainFacts(ctx, o.Items, facts); err != nil {
		return nil, err
	}
	if _, ok := facts["status"]; !ok {
		facts["status"] = "suspected"
	}
	now := s.Clock.Now().UTC().Truncate(time.Microsecond)
	c := &Case{OrganisationID: org, Title: strings.TrimSpace(o.Title), RequirementID: o.RequirementID, Source: o.Source, ReportID: reportID,
		SourceNote: strings.TrimSpace(o.SourceNote), Status: Open, Items: o.Items, Facts: facts, Particulars: o.Particulars, OpenedAt: now, OpenedBy: a.Label}
	events := []Event{{At: now, Actor: a.Label, Kind: "opened", Text: openedText(c)}}
	for _, f := range s.rules().List {
		if v, ok := facts[f.ID]; ok {
			events = append(events, Event{At: now, Actor: a.Label, Kind: "fact", Text: fmt.Sprintf("%s: %s", f.Label, s.rules().ValueText(f.ID, v))})
		}
	}
	ev, err := s.redecide(ctx, c, now, a.Label)
	if err != nil {
		return nil, err
	}
	events = append(events, ev...)
	if err := s.Store.CreateCase(ctx, a, c, events); err != nil {
		return nil, err
	}
	return c, nil
}

func openedText(c *Case) string {
	switch c.Source {
	case FromReport:
		return fmt.Sprintf("Case opened from security report %d.", c.ReportID)
	case FromNotice:
		return "Case opened from a notice: " + orText(c.SourceNote, "not said who sent it") + "."
	}
	return "Case opened by staff."
}

// itemsOrg checks a case's products and batches and returns the
// organisation they belong to: one case, one organisation's records.
func (s *Service) itemsOrg(ctx context.Context, items []Item) (int64, error) {
	var org int64
	for i, it := range items {
		p, err := s.Register.Product(ctx, it.ProductID)
		if err != nil {
			return 0, psti.FieldErrorf(psti.EINVALID, fmt.Sprintf("items[%d].product_id", i), "Choose a product from the register.")
		}
		if it.BatchID != 0 {
			b, err := s.Register.Batch(ctx, it.BatchID)
			if err != nil || b.ProductID != p.ID {
				return 0, psti.FieldErrorf(psti.EINVALID, fmt.Sprintf("items[%d].batch_id", i), "Choose a batch of that product.")
			}
		}
		b, err := s.Register.Brand(ctx, p.BrandID)
		if err != nil {
			return 0, err
		}
		if org != 0 && b.OrganisationID != org {
			return 0, psti.FieldErrorf(psti.EINVALID, "items", "A case's products belong to one organisation: open one case for each.")
		}
		org = b.OrganisationID
	}
	return org, nil
}

// checkFacts checks facts against the rules' declarations, as a facts
// file is checked.
func (s *Service) checkFacts(v catalog.Values) (catalog.Values, error) {
	if len(v) == 0 {
		return catalog.Values{}, nil
	}
	out, err := s.rules().ParseValues(v)
	return out, psti.PrefixFields(err, "facts.")
}

// chainFacts fills facts not given from what the first product's chain
// records. Only what a link shows is taken: no link is not a "no".
func (s *Service) chainFacts(ctx context.Context, items []Item, facts catalog.Values) error {
	ch, err := s.Store.Chain(ctx, items[0].ProductID)
	if err != nil {
		return err
	}
	set := func(id string, v any) {
		if _, ok := facts[id]; !ok {
			facts[id] = v
		}
	}
	if len(ch.Roles) == 1 {
		set("role", ch.Roles[0])
	}
	for _, l := range ch.Links {
		switch l.Relation {
		case "other_manufacturer":
			set("other_manufacturers_known", true)
		case "supplied_importer":
			set("supplied_importers", true)
		case "supplied_distributor":
			set("supplied_distributors", true)
		case "obtained_from":
			if p, err := s.Store.Party(ctx, l.PartyID); err == nil && (p.Kind == "importer" || p.Kind == "distributor") {
				set("obtained_from_importer_or_distributor", true)
			}
		}
	}
	return nil
}

// OpenFromReport opens a case from a security report, one click on the
// report's page: the report's product, told by someone outside the chain,
// suspected. A report that has a case already gives that case.
func (s *Service) OpenFromReport(ctx context.Context, a psti.Actor, reportID int64) (*Case, error) {
	r, err := s.Reports.Report(ctx, reportID)
	if err != nil {
		return nil, err
	}
	if have, err := s.Store.CasesOfReport(ctx, reportID); err != nil {
		return nil, err
	} else if len(have) > 0 {
		return have[0], nil
	}
	if r.ProductID == 0 {
		return nil, psti.FieldErrorf(psti.EINVALID, "product_id", "The report names no product from the register. Choose its product on the report first, or open a case by hand.")
	}
	title := fmt.Sprintf("Security report %d: %s", r.ID, r.Summary)
	if len([]rune(title)) > MaxName {
		title = string([]rune(title)[:MaxName-1]) + "…"
	}
	// Someone who reports a security issue is not a business notifying
	// under the Act: no carve-out follows from it (ss.11(8), 19(10), 25(11)).
	c, err := s.open(ctx, a, Opening{Title: title, Source: FromReport, Items: []Item{{ProductID: r.ProductID}},
		Facts:       catalog.Values{"informed_by": "other"},
		Particulars: Particulars{Details: r.Summary}}, r.ID)
	if psti.ErrorCode(err) == psti.ECONFLICT {
		// Two clicks at once: the other one opened it.
		if have, err2 := s.Store.CasesOfReport(ctx, reportID); err2 == nil && len(have) > 0 {
			return have[0], nil
		}
	}
	return c, err
}

// Case returns a case with each duty's overdue mark as of now.
func (s *Service) Case(ctx context.Context, id int64) (*Case, error) {
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mark(c)
	return c, nil
}

func (s *Service) mark(c *Case) {
	now := s.Clock.Now()
	for _, d := range c.Duties {
		d.Overdue = c.Status == Open && d.State == DutyOpen && !d.NeedsReview && d.TargetAt != nil && now.After(*d.TargetAt)
	}
}

// Cases lists cases, marking overdue duties.
func (s *Service) Cases(ctx context.Context, f Filter) ([]*Case, error) {
	list, err := s.Store.Cases(ctx, f)
	for _, c := range list {
		s.mark(c)
	}
	return list, err
}

// SetFacts replaces a case's facts (a fact left out becomes unknown), read
// at revision rev, and decides its duties again. Every change is on the
// timeline with the note, so the case shows what was known when.
func (s *Service) SetFacts(ctx context.Context, a psti.Actor, id, rev int64, v catalog.Values, note string) (*Case, error) {
	c, err := s.editable(ctx, id, rev)
	if err != nil {
		return nil, err
	}
	facts, err := s.checkFacts(v)
	if err != nil {
		return nil, err
	}
	if len(note) > MaxShort {
		return nil, psti.FieldErrorf(psti.EINVALID, "note", "Keep the note under %d characters.", MaxShort)
	}
	now := s.Clock.Now().UTC().Truncate(time.Microsecond)
	var events []Event
	r := s.rules()
	for _, f := range r.List {
		old, had := c.Facts[f.ID]
		nv, has := facts[f.ID]
		if had == has && (!has || fmt.Sprint(old) == fmt.Sprint(nv)) {
			continue
		}
		from, to := "not known", "not known"
		if had {
			from = r.ValueText(f.ID, old)
		}
		if has {
			to = r.ValueText(f.ID, nv)
		}
		t := fmt.Sprintf("%s: %s → %s", f.Label, from, to)
		if note = strings.TrimSpace(note); note != "" {
			t += " (" + note + ")"
		}
		events = append(events, Event{At: now, Actor: a.Label, Kind: "fact", Text: t})
	}
	if len(events) == 0 {
		return c, nil
	}
	c.Facts = facts
	ev, err := s.redecide(ctx, c, now, a.Label)
	if err != nil {
		return nil, err
	}
	if err := s.Store.SaveCase(ctx, a, c, append(events, ev...)); err != nil {
		return nil, err
	}
	s.mark(c)
	return c, nil
}

// SetParticulars saves what notices will say about the failure. The text
// as it now reads goes on the timeline: what the business knew, when.
func (s *Service) SetParticulars(ctx context.Context, a psti.Actor, id, rev int64, p Particulars) (*Case, error) {
	c, err := s.editable(ctx, id, rev)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := s.Clock.Now().UTC().Truncate(time.Microsecond)
	var events []Event
	add := func(label, old, nw string) {
		if strings.TrimSpace(old) != strings.TrimSpace(nw) {
			events = append(events, Event{At: now, Actor: a.Label, Kind: "particulars", Text: fmt.Sprintf("%s now read: %s", label, orText(strings.TrimSpace(nw), "(nothing)"))})
		}
	}
	add("Details of the failure", c.Details, p.Details)
	add("Risks known", c.Risks, p.Risks)
	add("Steps taken", c.Steps, p.Steps)
	add("Whether the steps worked", c.StepsWorked, p.StepsWorked)
	if len(events) == 0 {
		return c, nil
	}
	c.Particulars = p
	if err := s.Store.SaveCase(ctx, a, c, events); err != nil {
		return nil, err
	}
	s.mark(c)
	return c, nil
}

// SetDuty marks a duty done (with what was done) or open again. Whether a
// duty is required at all is the rules' to say, from the facts.
func (s *Service) SetDuty(ctx context.Context, a psti.Actor, id, rev int64, key, state, note string) (*Case, error) {
	c, err := s.editable(ctx, id, rev)
	if err != nil {
		return nil, err
	}
	d := c.duty(key)
	if d == nil {
		return nil, psti.FieldErrorf(psti.EINVALID, "key", "This case has no duty %q.", key)
	}
	if len(note) > MaxShort {
		return nil, psti.FieldErrorf(psti.EINVALID, "note", "Keep the note under %d characters.", MaxShort)
	}
	now := s.Clock.Now().UTC().Truncate(time.Microsecond)
	var text string
	switch {
	case state == DutyDone && d.State == DutyOpen:
		d.State, d.DoneAt, d.DoneBy, d.Note = DutyDone, &now, a.Label, strings.TrimSpace(note)
		text = fmt.Sprintf("Done: %s (%s)", DutyText(d.Duty), d.Section)
		if d.Note != "" {
			text += ": " + d.Note
		}
	case state == DutyOpen && d.State == DutyDone:
		d.State, d.DoneAt, d.DoneBy = DutyOpen, nil, ""
		text = fmt.Sprintf("Open again: %s (%s)", DutyText(d.Duty), d.Section)
		if n := strings.TrimSpace(note); n != "" {
			text += ": " + n
		}
		d.Note = strings.TrimSpace(note)
	case state == d.State:
		return c, nil
	default:
		return nil, psti.FieldErrorf(psti.EINVALID, "state", "A duty is marked done or open again; whether it is required follows from the facts.")
	}
	if err := s.Store.SaveCase(ctx, a, c, []Event{{At: now, Actor: a.Label, Kind: "duty", Text: text}}); err != nil {
		return nil, err
	}
	s.mark(c)
	return c, nil
}

func (c *Case) duty(key string) *CaseDuty {
	for _, d := range c.Duties {
		if d.Key == key {
			return d
		}
	}
	return nil
}

// editable reads an open case at revision rev (0: any).
func (s *Service) editable(ctx context.Context, id, rev int64) (*Case, error) {
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status != Open {
		return nil, psti.Errorf(psti.ECONFLICT, "The case is closed: its records are made. Open a new case for anything further.")
	}
	if rev != 0 && rev != c.Revision {
		return nil, psti.Errorf(psti.ECONFLICT, "Someone changed the case since you read it. Read it again, and make your change once more.")
	}
	return c, nil
}

// redecide decides c's duties from its facts and merges the decision into
// the duties it has: a duty done stays done; one now required opens; one
// no longer required says why. A duty's target counts from when it first
// became firm, and keeps counting.
func (s *Service) redecide(ctx context.Context, c *Case, now time.Time, actor string) ([]Event, error) {
	r := s.rules()
	d := Decide(r, c.Facts)
	c.RulesVersion = d.RulesVersion
	targets, err := s.Targets(ctx, c.OrganisationID)
	if err != nil {
		return nil, err
	}
	_, cal, err := s.Policies.PolicyFor(ctx, c.OrganisationID)
	if err != nil {
		return nil, err
	}
	old := map[string]*CaseDuty{}
	for _, x := range c.Duties {
		old[x.Key] = x
	}
	var out []*CaseDuty
	var events []Event
	ev := func(format string, args ...any) {
		events = append(events, Event{At: now, Actor: actor, Kind: "duty", Text: fmt.Sprintf(format, args...)})
	}
	seen := map[string]bool{}
	for _, x := range d.Duties {
		k := Key(x.Duty, x.Section)
		seen[k] = true
		cd := old[k]
		if cd == nil {
			cd = &CaseDuty{Key: k, Duty: x.Duty, Section: x.Section, State: DutyOpen, ListedAt: now}
			ev("Duty listed: %s (%s)%s", DutyText(x.Duty), x.Section, reviewNote(x.NeedsReview))
		} else if cd.State == DutyNotRequired {
			cd.State, cd.Why = DutyOpen, ""
			ev("Duty required again: %s (%s)%s", DutyText(x.Duty), x.Section, reviewNote(x.NeedsReview))
		} else if cd.NeedsReview && !x.NeedsReview && cd.State == DutyOpen {
			ev("Duty now firm: %s (%s)", DutyText(x.Duty), x.Section)
		}
		cd.Timing, cd.To, cd.NeedsReview, cd.Review = x.Timing, x.To, x.NeedsReview, x.Review
		if !x.NeedsReview && cd.FirmAt == nil {
			t := now
			cd.FirmAt = &t
			if n := targets[x.Duty]; n > 0 && x.Timing != "none" {
				due := cal.AddWorkingDays(now, n)
				cd.TargetAt = &due
			}
		}
		out = append(out, cd)
	}
	for _, x := range d.NotRequired {
		k := Key(x.Duty, x.Section)
		seen[k] = true
		cd := old[k]
		switch {
		case cd == nil:
			cd = &CaseDuty{Key: k, Duty: x.Duty, Section: x.Section, Timing: timingOf(r, x.Duty, x.Section), State: DutyNotRequired, Why: x.Why, ListedAt: now}
		case cd.State == DutyOpen:
			cd.State, cd.Why, cd.NeedsReview, cd.Review = DutyNotRequired, x.Why, false, nil
			ev("Not required now: %s (%s): %s", DutyText(x.Duty), x.Section, x.Why)
		case cd.State == DutyNotRequired:
			cd.Why = x.Why
		}
		out = append(out, cd)
	}
	for _, cd := range c.Duties {
		if seen[cd.Key] {
			continue
		}
		if cd.State == DutyOpen {
			cd.State, cd.Why, cd.NeedsReview, cd.Review = DutyNotRequired, "It no longer follows from the facts as they now stand.", false, nil
			ev("Not required now: %s (%s): it no longer follows from the facts.", DutyText(cd.Duty), cd.Section)
		}
		out = append(out, cd)
	}
	c.Duties = out
	return events, nil
}

func reviewNote(review bool) string {
	if review {
		return ", to review"
	}
	return ""
}

func timingOf(r *catalog.DutyRules, duty, section string) string {
	for _, x := range r.Rules {
		if x.Duty == duty && x.Section == section {
			return x.Timing
		}
	}
	return "none"
}

// DutyText says a duty for a person.
func DutyText(duty string) string {
	switch duty {
	case "investigate":
		return "investigate"
	case "keep_investigation_record":
		return "keep a record of the investigation"
	case "keep_failure_record":
		return "keep a record of the compliance failure"
	case "record_manufacturer_investigation":
		return "record the manufacturer's investigation"
	case "prevent_supply":
		return "prevent the product being made available to UK customers"
	case "remedy":
		return "remedy the failure"
	case "stop_further_supply":
		return "stop further supply in the UK"
	case "contact_manufacturer":
		return "contact the manufacturer"
	case "contact_supplier":
		return "contact the business that supplied it to you"
	case "notify_enforcement_authority":
		return "notify the enforcement authority"
	case "notify_other_manufacturers":
		return "notify the other manufacturers"
	case "notify_importers_supplied":
		return "notify the importers you supplied"
	case "notify_distributors_supplied":
		return "notify the distributors you supplied"
	case "notify_supplier":
		return "notify the business you obtained it from"
	case "notify_customers":
		return "notify customers"
	}
	return strings.ReplaceAll(duty, "_", " ")
}

// TimingText says a timing in the statute's words.
func TimingText(t string) string {
	switch t {
	case "as_soon_as_possible":
		return "as soon as possible"
	case "as_soon_as_practicable":
		return "as soon as is practicable"
	}
	return "no time set"
}
