package cases

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
)

// Roles a business plays for a product (PSTI-M-*, PSTI-I-*, PSTI-D-*; an
// authorised representative under s.51). One business may play several.
var Roles = []string{"manufacturer", "importer", "distributor", "authorised_representative"}

// RoleText names a role for a person.
func RoleText(role string) string {
	switch role {
	case "authorised_representative":
		return "authorised representative"
	case "":
		return "not known"
	}
	return role
}

// Party kinds: the businesses and the authority notices go to.
var PartyKinds = []string{"manufacturer", "importer", "distributor", "authorised_representative", "enforcement_authority", "other"}

// Party is another business in a product's chain, or the enforcement
// authority: whom a notice goes to, and where.
type Party struct {
	psti.Record
	OrganisationID int64  `json:"organisation_id" doc:"The organisation whose contact this is."`
	Kind           string `json:"kind" enum:"manufacturer,importer,distributor,authorised_representative,enforcement_authority,other"`
	Name           string `json:"name"`
	Email          string `json:"email,omitempty" doc:"Address for notices by e-mail; empty where notices go by post or a web form."`
	Address        string `json:"address,omitempty" doc:"Postal address, one line per line."`
}

// Limits on what people type.
const (
	MaxName  = 200
	MaxText  = 20_000
	MaxShort = 2000
)

// Validate checks what a person fills in.
func (p *Party) Validate() error {
	var pr psti.Problems
	if !slices.Contains(PartyKinds, p.Kind) {
		pr.Add("kind", "Choose what kind of party this is.")
	}
	pr.Text("name", "Name", p.Name, true, MaxName)
	pr.Email("email", "E-mail address for notices", p.Email, false)
	pr.LongText("address", "Postal address", p.Address, false, MaxShort)
	if p.Email == "" && p.Address == "" && !pr.Has("email") {
		pr.Add("email", "Give an e-mail address or a postal address, so that notices can reach them.")
	}
	return pr.Err()
}

// Relations a party has to a product, from the point of view of the
// organisation keeping the records.
var Relations = []string{"manufacturer", "other_manufacturer", "obtained_from", "supplied_importer", "supplied_distributor", "authorised_representative"}

// RelationText says a relation for a person.
func RelationText(r string) string {
	switch r {
	case "manufacturer":
		return "the manufacturer"
	case "other_manufacturer":
		return "another manufacturer of it"
	case "obtained_from":
		return "we obtained it from them"
	case "supplied_importer":
		return "an importer we supplied"
	case "supplied_distributor":
		return "a distributor we supplied"
	case "authorised_representative":
		return "the manufacturer's authorised representative"
	}
	return r
}

// Link is one party's place in a product's chain.
type Link struct {
	PartyID  int64  `json:"party_id"`
	Relation string `json:"relation" enum:"manufacturer,other_manufacturer,obtained_from,supplied_importer,supplied_distributor,authorised_representative"`
}

// Chain is what an organisation records about one product: the roles it
// plays and the other parties.
type Chain struct {
	ProductID int64    `json:"product_id"`
	Roles     []string `json:"roles" doc:"The roles you play for this product: manufacturer, importer, distributor, authorised_representative (one business may be several)."`
	Links     []Link   `json:"links" doc:"The other businesses in the product's chain."`
}

// Validate checks a chain's roles and relations.
func (c *Chain) Validate() error {
	var pr psti.Problems
	for _, r := range c.Roles {
		if !slices.Contains(Roles, r) {
			pr.Add("roles", "Choose roles from: manufacturer, importer, distributor, authorised_representative.")
			break
		}
	}
	for _, l := range c.Links {
		if !slices.Contains(Relations, l.Relation) || l.PartyID <= 0 {
			pr.Add("links", "Each link names a party and one of: %s.", strings.Join(Relations, ", "))
			break
		}
	}
	return pr.Err()
}

// Case states.
const (
	Open   = "open"
	Closed = "closed"
)

// Sources a case is opened from.
const (
	FromReport = "report" // a security report
	FromNotice = "notice" // a notice from another business or the authority
	FromStaff  = "staff"  // staff opened it
)

// Item is a product, or one batch of it, a case concerns.
type Item struct {
	ProductID int64 `json:"product_id"`
	BatchID   int64 `json:"batch_id,omitempty" doc:"A batch of the product; 0 for the product as a whole."`
}

// Particulars are what a notice tells about the failure, as they become
// known (s.11(6), s.18(4), s.19(8), s.24(4), s.25(9)).
type Particulars struct {
	Details     string `json:"details" doc:"The details of the failure."`
	Risks       string `json:"risks" doc:"The risks known to be posed by it."`
	Steps       string `json:"steps" doc:"The steps taken to remedy it (for an importer or distributor and a manufacturer's failure: the steps of the manufacturer you know of)."`
	StepsWorked string `json:"steps_worked" doc:"Whether those steps have been successful."`
}

// Validate bounds the particulars.
func (p *Particulars) Validate() error {
	var pr psti.Problems
	pr.LongText("details", "Details of the failure", p.Details, false, MaxText)
	pr.LongText("risks", "Risks known", p.Risks, false, MaxText)
	pr.LongText("steps", "Steps taken", p.Steps, false, MaxText)
	pr.LongText("steps_worked", "Whether the steps worked", p.StepsWorked, false, MaxText)
	return pr.Err()
}

// Case is a compliance case: a failure, suspected or confirmed, of the
// products it names, and what the business does about it.
type Case struct {
	ID             int64  `json:"id"`
	Revision       int64  `json:"revision"`
	OrganisationID int64  `json:"organisation_id"`
	Title          string `json:"title"`
	// RequirementID names the requirement that may be failed (PSTI-PW-01).
	RequirementID string `json:"requirement_id,omitempty" doc:"The requirement that may be failed, by its id, such as PSTI-PW-01."`
	Source        string `json:"source" enum:"report,notice,staff"`
	ReportID      int64  `json:"report_id,omitempty" doc:"The security report it was opened from."`
	SourceNote    string `json:"source_note,omitempty" doc:"For a case opened from a notice: who sent it, and when."`
	Status        string `json:"status" enum:"open,closed"`
	Items         []Item `json:"items"`
	// Facts are the facts the duties are decided from, as they stand; each
	// change is on the timeline.
	Facts        catalog.Values `json:"facts"`
	RulesVersion string         `json:"rules_version"`
	Particulars
	OpenedAt  time.Time  `json:"opened_at"`
	OpenedBy  string     `json:"opened_by"`
	UpdatedAt time.Time  `json:"updated_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	// Duties are the case's duties, in the order the rules list them.
	Duties []*CaseDuty `json:"duties"`
}

// Role is the case's role fact, "" while unknown.
func (c *Case) Role() string { s, _ := c.Facts["role"].(string); return s }

// Duty states.
const (
	DutyOpen        = "open"
	DutyDone        = "done"
	DutyNotRequired = "not_required"
)

// CaseDuty is one duty of a case, with its state.
type CaseDuty struct {
	Key     string `json:"key" doc:"The duty and its section, which name it within the case."`
	Duty    string `json:"duty"`
	Section string `json:"section"`
	Timing  string `json:"timing" enum:"as_soon_as_possible,as_soon_as_practicable,none"`
	To      string `json:"to,omitempty"`
	State   string `json:"state" enum:"open,done,not_required"`
	// NeedsReview and Review are as the decision gives them.
	NeedsReview bool      `json:"needs_review"`
	Review      []string  `json:"review,omitempty"`
	Why         string    `json:"why,omitempty" doc:"Why it is not required."`
	ListedAt    time.Time `json:"listed_at" doc:"When the duty was first listed."`
	// FirmAt is when the duty became firm (not for review): its target
	// counts from then.
	FirmAt   *time.Time `json:"firm_at,omitempty"`
	TargetAt *time.Time `json:"target_at,omitempty" doc:"The organisation's own target for it, counted in working days from when it became firm; the law gives no fixed period."`
	DoneAt   *time.Time `json:"done_at,omitempty"`
	DoneBy   string     `json:"done_by,omitempty"`
	Note     string     `json:"note,omitempty"`
	// Overdue is set on reading: open, firm, and its target has passed.
	Overdue bool `json:"overdue"`
}

// Key names a duty within a case: a duty may come from two sections while
// a fact is unknown (s.18(3) and s.19(5) both notify the authority).
func Key(duty, section string) string { return duty + " " + section }

// Event is one line of a case's timeline. Events are never changed.
type Event struct {
	ID    int64     `json:"id"`
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Kind  string    `json:"kind" doc:"opened, fact, particulars, duty, notice, hold, record, authority, closed, note."`
	Text  string    `json:"text"`
}

// Hold marks a product, or a batch of it, as not to be supplied: a
// decision to prevent or stop supply (s.11(2)(a), s.19(4), s.25(5)).
type Hold struct {
	ID             int64      `json:"id"`
	OrganisationID int64      `json:"organisation_id"`
	ProductID      int64      `json:"product_id"`
	BatchID        int64      `json:"batch_id,omitempty"`
	CaseID         int64      `json:"case_id,omitempty"`
	Reason         string     `json:"reason"`
	PlacedAt       time.Time  `json:"placed_at"`
	PlacedBy       string     `json:"placed_by"`
	LiftedAt       *time.Time `json:"lifted_at,omitempty"`
	LiftedBy       string     `json:"lifted_by,omitempty"`
	LiftReason     string     `json:"lift_reason,omitempty"`
}

// Filter selects cases.
type Filter struct {
	Status    string // "" for any
	ProductID int64
	Limit     int // 0 means 100
	After     int64
}

// Store keeps cases. The rules are the Service's; the store writes what it
// is given, each change in one transaction with its timeline event.
type Store interface {
	// Parties lists an organisation's parties (0: every organisation's).
	Parties(ctx context.Context, orgID int64) ([]*Party, error)
	Party(ctx context.Context, id int64) (*Party, error)
	// SaveParty creates (ID 0) or updates a party (revision checked).
	SaveParty(ctx context.Context, a psti.Actor, p *Party) error
	// Chain and SaveChain read and replace a product's chain.
	Chain(ctx context.Context, productID int64) (*Chain, error)
	SaveChain(ctx context.Context, a psti.Actor, c *Chain) error

	// CreateCase stores a new case with its duties and first events,
	// setting c.ID, the times and the revision.
	CreateCase(ctx context.Context, a psti.Actor, c *Case, events []Event) error
	// Case returns a case with its items and duties.
	Case(ctx context.Context, id int64) (*Case, error)
	// Cases lists cases, newest first.
	Cases(ctx context.Context, f Filter) ([]*Case, error)
	// CasesOfReport lists the cases opened from a report.
	CasesOfReport(ctx context.Context, reportID int64) ([]*Case, error)
	// SaveCase writes c, read at c.Revision (ECONFLICT if it changed
	// since), with its duties and the events that say what changed,
	// and bumps c.Revision.
	SaveCase(ctx context.Context, a psti.Actor, c *Case, events []Event) error
	// Events returns a case's timeline, oldest first.
	CaseEvents(ctx context.Context, caseID int64) ([]Event, error)

	// Notices of a case, oldest first; Notice one.
	Notices(ctx context.Context, caseID int64) ([]*Notice, error)
	Notice(ctx context.Context, id int64) (*Notice, error)
	// SaveNotice creates (ID 0) or updates a draft notice (revision
	// checked; ECONFLICT once it is sent).
	SaveNotice(ctx context.Context, a psti.Actor, n *Notice) error
	// SendNotice marks draft n sent, as read at n.Revision, keeping its
	// exact text, queues the e-mail (if any), and saves the case with its
	// events, all in one transaction.
	SendNotice(ctx context.Context, a psti.Actor, n *Notice, c *Case, events []Event, mails ...Mail) error

	// Holds lists the holds on products (lifted too when all is set),
	// newest first, at most 1000; Hold returns one, however old.
	Holds(ctx context.Context, f HoldFilter) ([]*Hold, error)
	Hold(ctx context.Context, id int64) (*Hold, error)
	// PlaceHold and LiftHold keep a hold and its event on the case.
	PlaceHold(ctx context.Context, a psti.Actor, h *Hold, e *Event) error
	LiftHold(ctx context.Context, a psti.Actor, h *Hold, e *Event) error

	// AddRecords keeps records (never changed or deleted after), with the
	// case saved and its events, in one transaction; a record that
	// corrects another must be the newest of its line (ECONFLICT if it is
	// corrected already).
	AddRecords(ctx context.Context, a psti.Actor, rs []*Record, c *Case, events []Event) error
	Record(ctx context.Context, id int64) (*Record, error)
	Records(ctx context.Context, f RecordFilter) ([]*Record, error)

	// AddAuthorityNotice keeps a notice from the authority (never changed).
	AddAuthorityNotice(ctx context.Context, a psti.Actor, n *AuthorityNotice, e *Event) error
	AuthorityNotices(ctx context.Context, f AuthorityFilter) ([]*AuthorityNotice, error)
	AuthorityNotice(ctx context.Context, id int64) (*AuthorityNotice, error)

	// Targets returns an organisation's working-day targets by duty;
	// SaveTargets replaces them.
	Targets(ctx context.Context, orgID int64) (map[string]int, error)
	SaveTargets(ctx context.Context, a psti.Actor, orgID int64, t map[string]int) error

	// OverdueDuties lists open firm duties of open cases whose target
	// passed before now and whose alert (DutyAlertKey) is not yet
	// claimed, earliest target first, at most limit: duties alerted long
	// ago must not crowd out the ones newly overdue.
	OverdueDuties(ctx context.Context, now time.Time, limit int) ([]OverdueDuty, error)
	// CountOverdueDuties counts open firm duties past their target.
	CountOverdueDuties(ctx context.Context, now time.Time) (int, error)
	// ClaimAlert records that an alert named key was sent, only once: it
	// reports false if it was claimed before (by this or another
	// server); the mail is queued in the same transaction when claimed.
	ClaimAlert(ctx context.Context, key string, at time.Time, mails ...Mail) (bool, error)
}

// HoldFilter selects holds.
type HoldFilter struct {
	OrganisationID int64
	ProductID      int64
	CaseID         int64
	All            bool // lifted ones too
}

// OverdueDuty is an open duty past its target.
type OverdueDuty struct {
	CaseID         int64
	OrganisationID int64
	Title          string
	Duty           CaseDuty
}

// Mail is an e-mail a change sends, queued in the change's transaction.
type Mail struct {
	To, Subject, Text, Kind, Ref string
}
