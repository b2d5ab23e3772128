package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
)

// Compliance cases over JSON (issue 15): parties and product chains, cases
// with their facts, duties, notices and holds, the s.12/s.20 records made
// on closing, notices from the enforcement authority with their clocks
// (PSTI-E-11), and the organisation's duty targets. Staff only: viewers
// read, editors act. The rules are cases.Service's; these handlers only
// read the request and answer.

// ---- inputs ----

type partyIn struct {
	OrganisationID int64  `json:"organisation_id" minimum:"1" doc:"The organisation whose contact this is; fixed once the party is made."`
	Kind           string `json:"kind" enum:"manufacturer,importer,distributor,authorised_representative,enforcement_authority,other"`
	Name           string `json:"name" maxLength:"200"`
	Email          string `json:"email,omitempty" maxLength:"254" doc:"Address for notices by e-mail."`
	Address        string `json:"address,omitempty" maxLength:"2000" doc:"Postal address, one line per line."`
	Revision       int64  `json:"revision,omitempty" minimum:"0" doc:"For a change: the revision you read; refused (409) if the party changed since."`
}

func (p *partyIn) party(id int64) *cases.Party {
	out := &cases.Party{OrganisationID: p.OrganisationID, Kind: p.Kind, Name: strings.TrimSpace(p.Name), Email: strings.TrimSpace(p.Email), Address: strings.TrimSpace(p.Address)}
	out.ID, out.Revision = id, p.Revision
	return out
}

type partyListIn struct {
	OrganisationID int64 `query:"organisation_id" minimum:"0" doc:"Only this organisation's parties."`
}

type chainIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Product id."`
	Body struct {
		Roles []string     `json:"roles" maxItems:"4" doc:"The roles you play for the product: manufacturer, importer, distributor, authorised_representative."`
		Links []cases.Link `json:"links" maxItems:"200" doc:"The other businesses in the product's chain (parties of the product's organisation)."`
	}
}

// caseListIn pages cases newest first: after is the last id of the page
// read before.
type caseListIn struct {
	Status    string `query:"status" enum:"open,closed" doc:"Only open, or only closed, cases."`
	ProductID int64  `query:"product_id" minimum:"0" doc:"Only cases naming this product."`
	After     int64  `query:"after" minimum:"0" doc:"For paging: only cases older than this id (the last of the page before). Follow the Link header instead of building it."`
	Limit     int    `query:"limit" minimum:"1" maximum:"100" default:"100"`
}

// CaseParticulars is cases.Particulars with every part optional: a part
// not sent is empty.
type CaseParticulars struct {
	Details     string `json:"details,omitempty" maxLength:"20000" doc:"The details of the failure."`
	Risks       string `json:"risks,omitempty" maxLength:"20000" doc:"The risks known to be posed by it."`
	Steps       string `json:"steps,omitempty" maxLength:"20000" doc:"The steps taken to remedy it (for an importer or distributor and a manufacturer's failure: the steps of the manufacturer you know of)."`
	StepsWorked string `json:"steps_worked,omitempty" maxLength:"20000" doc:"Whether those steps have been successful."`
}

func (p CaseParticulars) particulars() cases.Particulars {
	return cases.Particulars{Details: p.Details, Risks: p.Risks, Steps: p.Steps, StepsWorked: p.StepsWorked}
}

type openingIn struct {
	Title         string         `json:"title" maxLength:"200"`
	RequirementID string         `json:"requirement_id,omitempty" maxLength:"50" doc:"The requirement that may be failed, by its id, such as PSTI-PW-01."`
	Source        string         `json:"source,omitempty" enum:"notice,staff," doc:"notice when it starts from a notice from another business or the authority, else staff. Cases from a security report are opened from the report."`
	SourceNote    string         `json:"source_note,omitempty" maxLength:"2000" doc:"For a case from a notice: who sent it, and when."`
	Items         []cases.Item   `json:"items" maxItems:"100" doc:"The products, or batches of them, of one organisation."`
	Facts         map[string]any `json:"facts,omitempty" doc:"The facts known so far, as psti duties --facts reads them; those left out are taken from the product's chain where it shows them, else not known."`
	CaseParticulars
}

type caseFactsIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Case id."`
	Body struct {
		Revision int64          `json:"revision" minimum:"0" doc:"The case's revision you read; refused (409) if it changed since. 0 skips the check."`
		Facts    map[string]any `json:"facts" doc:"The facts as they now stand, as psti duties --facts reads them. A fact left out (or null) is not known; every change is kept on the timeline."`
		Note     string         `json:"note,omitempty" maxLength:"2000" doc:"How the facts became known: kept with the change."`
	}
}

type caseParticularsIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Case id."`
	Body struct {
		Revision int64 `json:"revision" minimum:"0" doc:"The case's revision you read; 0 skips the check."`
		CaseParticulars
	}
}

type dutyIn struct {
	ID   int64  `path:"id" minimum:"1" doc:"Case id."`
	Key  string `path:"key" maxLength:"200" doc:"The duty's key as the case lists it (duty and section, such as \"notify_enforcement_authority s.11(3)\"), URL-escaped."`
	Body struct {
		State    string `json:"state" enum:"done,open" doc:"done once the duty is done; open to open it again. Whether it is required follows from the facts."`
		Note     string `json:"note,omitempty" maxLength:"2000" doc:"What was done, and when."`
		Revision int64  `json:"revision" minimum:"0" doc:"The case's revision you read; 0 skips the check."`
	}
}

type draftIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Case id."`
	Body struct {
		DutyKey string `json:"duty_key" maxLength:"200" doc:"The duty the notice is for, by its key."`
		PartyID int64  `json:"party_id" minimum:"1" doc:"Whom it goes to: a party of the case's organisation."`
	}
}

type noticeItemIn struct {
	Key  string `json:"key" maxLength:"100"`
	Text string `json:"text" maxLength:"20000"`
}

type noticeEditIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Notice id."`
	Body struct {
		Revision int64          `json:"revision" minimum:"0" doc:"The draft's revision you read; refused (409) if it changed since."`
		Subject  string         `json:"subject" maxLength:"250"`
		ToName   string         `json:"to_name" maxLength:"200"`
		ToEmail  string         `json:"to_email,omitempty" maxLength:"254"`
		Method   string         `json:"method" enum:"email,post,other"`
		Items    []noticeItemIn `json:"items" maxItems:"50" doc:"The text of each item, by key. The items a section asks for stay, with their labels; an item not named keeps its text."`
	}
}

type revisionIn struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Revision int64 `json:"revision" minimum:"0" doc:"The revision you read; refused (409) if it changed since. 0 skips the check."`
	}
}

type holdIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Case id."`
	Body struct {
		Items  []cases.Item `json:"items,omitempty" maxItems:"100" doc:"The products or batches to hold; none for every one the case names."`
		Reason string       `json:"reason" maxLength:"2000" doc:"Why supply is held: the decision to prevent or stop supply."`
	}
}

type liftIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Hold id."`
	Body struct {
		Reason string `json:"reason" maxLength:"2000" doc:"Why the hold is lifted."`
	}
}

type holdListIn struct {
	ProductID int64 `query:"product_id" minimum:"0" doc:"Only holds on this product."`
	CaseID    int64 `query:"case_id" minimum:"0" doc:"Only holds placed by this case."`
	All       bool  `query:"all" doc:"Lifted holds too."`
}

type closeIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Case id."`
	Body cases.Closing
}

type recordListIn struct {
	OrganisationID int64 `query:"organisation_id" minimum:"0"`
	CaseID         int64 `query:"case_id" minimum:"0"`
	After          int64 `query:"after" minimum:"0" doc:"For paging: only records older than this id. Follow the Link header instead of building it."`
	Limit          int   `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

type correctionIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"The record to correct: the newest version of its line."`
	Body struct {
		Why             string `json:"why" maxLength:"20000" doc:"What was wrong."`
		Outcome         string `json:"outcome,omitempty" maxLength:"20000"`
		FailureFound    bool   `json:"failure_found"`
		FailureDetails  string `json:"failure_details,omitempty" maxLength:"20000"`
		RemedialSteps   string `json:"remedial_steps,omitempty" maxLength:"20000"`
		RemedySucceeded string `json:"remedy_succeeded,omitempty" enum:"yes,no,partly,not_yet,"`
		MissingFacts    string `json:"missing_facts,omitempty" maxLength:"20000"`
		StepsToObtain   string `json:"steps_to_obtain,omitempty" maxLength:"20000"`
		JointWith       string `json:"joint_with,omitempty" maxLength:"2000"`
	}
}

type authorityIn struct {
	Body struct {
		OrganisationID int64     `json:"organisation_id,omitempty" minimum:"0" doc:"The organisation it was given to; taken from the case when case_id is given."`
		CaseID         int64     `json:"case_id,omitempty" minimum:"0" doc:"The case it concerns, if any."`
		Kind           string    `json:"kind" enum:"intent_compliance,intent_stop,intent_recall,intent_penalty,compliance,stop,recall,penalty"`
		Reference      string    `json:"reference,omitempty" maxLength:"200"`
		Electronic     bool      `json:"electronic" doc:"Sent electronically: then deemed given at 9 am on the next working day (s.50(7))."`
		SentAt         time.Time `json:"sent_at" doc:"When it was sent (electronic service) or given (other service)."`
		ActBy          string    `json:"act_by,omitempty" maxLength:"10" doc:"The date the notice sets (comply or pay by), YYYY-MM-DD."`
		Note           string    `json:"note,omitempty" maxLength:"2000"`
	}
}

type authorityListIn struct {
	OrganisationID int64 `query:"organisation_id" minimum:"0"`
	CaseID         int64 `query:"case_id" minimum:"0"`
}

type targetsQuery struct {
	OrganisationID int64 `query:"organisation_id" minimum:"1" required:"true"`
}

type targetsIn struct {
	Body DutyTargets
}

// ---- outputs ----

// casesPage is one page of cases; Link names the next.
type casesPage struct {
	Link string `header:"Link" doc:"rel=\"next\": the next page, when this one is full."`
	Body []*cases.Case
}

type recordsPage struct {
	Link string `header:"Link" doc:"rel=\"next\": the next page, when this one is full."`
	Body []*cases.Record
}

// CaseDetail is a case with everything kept about it. Reporter identities
// from security reports are not part of a case.
type CaseDetail struct {
	*cases.Case
	Events           []cases.Event      `json:"events" doc:"The timeline, oldest first: every change, what was known when."`
	Notices          []*cases.Notice    `json:"notices" doc:"Notices drafted and sent, oldest first; a sent one keeps its exact text."`
	Holds            []*cases.Hold      `json:"holds" doc:"Holds on supply the case placed, lifted ones too."`
	Records          []*cases.Record    `json:"records" doc:"The records made when it closed, and their corrections."`
	AuthorityNotices []*AuthorityNotice `json:"authority_notices" doc:"Notices from the enforcement authority about it, with their deadlines."`
}

// AuthorityNotice is a notice from the authority with the dated clocks it
// starts (PSTI-E-11).
type AuthorityNotice struct {
	*cases.AuthorityNotice
	Deadlines []cases.Deadline `json:"deadlines" doc:"The statutory clocks, each counted from the day it was given, soonest first."`
}

func authorityOut(n *cases.AuthorityNotice) *AuthorityNotice {
	return &AuthorityNotice{AuthorityNotice: n, Deadlines: n.Deadlines()}
}

// ClosedCase is a case closed, with the records made.
type ClosedCase struct {
	Case    *cases.Case     `json:"case"`
	Records []*cases.Record `json:"records" doc:"Kept for 10 years from today (s.12(4), s.20(4)); none for a distributor (PSTI-D-07)."`
}

// DutyTargets are an organisation's own working-day targets, by duty.
type DutyTargets struct {
	OrganisationID int64          `json:"organisation_id" minimum:"1"`
	Targets        map[string]int `json:"targets" doc:"Working days allowed for each duty with a timing, from when it becomes firm; 0 for no target. The Act sets no period: these are your own yardstick."`
}

// nextLink is the Link header of a full page of a list paged by id,
// newest first; "" when the page was not full.
func nextLink(path string, q url.Values, n, limit int, last int64) string {
	if n < limit || n == 0 {
		return ""
	}
	q.Set("after", strconv.FormatInt(last, 10))
	q.Set("limit", strconv.Itoa(limit))
	return fmt.Sprintf(`<%s%s?%s>; rel="next"`, APIPrefix, path, q.Encode())
}

func (s *Server) dutyFacts() *catalog.Facts {
	if s.cases.Rules != nil {
		return &s.cases.Rules.Facts
	}
	return &catalog.DefaultDutyRules().Facts
}

// caseDetail reads everything kept about case id.
func (s *Server) caseDetail(ctx context.Context, id int64) (*CaseDetail, error) {
	c, err := s.cases.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &CaseDetail{Case: c}
	if out.Events, err = s.store.CaseEvents(ctx, id); err != nil {
		return nil, err
	}
	if out.Notices, err = s.store.Notices(ctx, id); err != nil {
		return nil, err
	}
	if out.Holds, err = s.store.Holds(ctx, cases.HoldFilter{CaseID: id, All: true}); err != nil {
		return nil, err
	}
	if out.Records, err = s.store.Records(ctx, cases.RecordFilter{CaseID: id, Limit: 1000}); err != nil {
		return nil, err
	}
	ns, err := s.store.AuthorityNotices(ctx, cases.AuthorityFilter{CaseID: id, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out.AuthorityNotices = make([]*AuthorityNotice, len(ns))
	for i, n := range ns {
		out.AuthorityNotices[i] = authorityOut(n)
	}
	return out, nil
}

func (s *Server) registerCasesAPI() {
	tags := []string{"Compliance failures"}
	conflict := []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}

	// Parties and chains.
	register(s, huma.Operation{OperationID: "list-parties", Method: http.MethodGet, Path: "/parties", Tags: tags,
		Summary: "List the parties notices go to", Description: "The other businesses in your products' chains, and the enforcement authority, with their addresses for notices."}, auth.Viewer,
		func(ctx context.Context, in *partyListIn) (*listOut[cases.Party], error) {
			ps, err := s.store.Parties(ctx, in.OrganisationID)
			return &listOut[cases.Party]{Body: ps}, err
		})
	register(s, huma.Operation{OperationID: "create-party", Method: http.MethodPost, Path: "/parties", Tags: tags,
		Summary: "Add a party: another business in a chain, or the enforcement authority", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *bodyIn[partyIn]) (*itemOut[cases.Party], error) {
			p := in.Body.party(0)
			if err := s.store.SaveParty(ctx, actor(ctx), p); err != nil {
				return nil, err
			}
			return &itemOut[cases.Party]{Body: p}, nil
		})
	register(s, huma.Operation{OperationID: "update-party", Method: http.MethodPut, Path: "/parties/{id}", Tags: tags,
		Summary: "Change a party", Description: "Send the revision you read: the change is refused (409) if someone changed the party since.",
		Errors: conflict}, auth.Editor,
		func(ctx context.Context, in *updateIn[partyIn]) (*itemOut[cases.Party], error) {
			p := in.Body.party(in.ID)
			if err := s.store.SaveParty(ctx, actor(ctx), p); err != nil {
				return nil, err
			}
			return &itemOut[cases.Party]{Body: p}, nil
		})
	register(s, huma.Operation{OperationID: "get-chain", Method: http.MethodGet, Path: "/products/{id}/chain", Tags: tags,
		Summary: "Read a product's chain", Description: "The roles you play for the product and the other parties in its chain. A new case takes the facts they show.",
		Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*itemOut[cases.Chain], error) {
			if _, err := s.store.Product(ctx, in.ID); err != nil {
				return nil, err
			}
			c, err := s.store.Chain(ctx, in.ID)
			return &itemOut[cases.Chain]{Body: c}, err
		})
	register(s, huma.Operation{OperationID: "put-chain", Method: http.MethodPut, Path: "/products/{id}/chain", Tags: tags,
		Summary: "Replace a product's chain", Description: "Every party linked must belong to the product's organisation.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *chainIn) (*itemOut[cases.Chain], error) {
			if _, err := s.store.Product(ctx, in.ID); err != nil {
				return nil, err
			}
			c := &cases.Chain{ProductID: in.ID, Roles: in.Body.Roles, Links: in.Body.Links}
			if c.Roles == nil {
				c.Roles = []string{}
			}
			if c.Links == nil {
				c.Links = []cases.Link{}
			}
			if err := s.store.SaveChain(ctx, actor(ctx), c); err != nil {
				return nil, err
			}
			c, err := s.store.Chain(ctx, in.ID)
			return &itemOut[cases.Chain]{Body: c}, err
		})

	// Cases.
	register(s, huma.Operation{OperationID: "list-cases", Method: http.MethodGet, Path: "/cases", Tags: tags,
		Summary:     "List compliance cases, newest first",
		Description: "With each case's duties, an overdue one marked. A full page has a Link header (rel=\"next\") to the next."}, auth.Viewer,
		func(ctx context.Context, in *caseListIn) (*casesPage, error) {
			list, err := s.cases.Cases(ctx, cases.Filter{Status: in.Status, ProductID: in.ProductID, After: in.After, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			out := &casesPage{Body: list}
			if len(list) > 0 {
				q := url.Values{}
				if in.Status != "" {
					q.Set("status", in.Status)
				}
				if in.ProductID != 0 {
					q.Set("product_id", strconv.FormatInt(in.ProductID, 10))
				}
				out.Link = nextLink("/cases", q, len(list), in.Limit, list[len(list)-1].ID)
			}
			return out, nil
		})
	register(s, huma.Operation{OperationID: "create-case", Method: http.MethodPost, Path: "/cases", Tags: tags,
		Summary: "Open a compliance case",
		Description: "By staff, or from a notice from another business or the authority (a case from a security report is opened with POST /reports/{id}/case). " +
			"Facts not given are taken from the product's chain where it shows them; the status starts suspected; the duties are decided at once.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *bodyIn[openingIn]) (*createdOut[cases.Case], error) {
			b := in.Body
			o := cases.Opening{Title: b.Title, RequirementID: b.RequirementID, Source: b.Source, SourceNote: b.SourceNote, Items: b.Items, Particulars: b.particulars()}
			if b.Facts != nil {
				v, err := factsIn(s.dutyFacts(), b.Facts, `{"status": "confirmed"}`)
				if err != nil {
					return nil, err
				}
				o.Facts = v
			}
			c, err := s.cases.Open(ctx, actor(ctx), o)
			if err != nil {
				return nil, err
			}
			return &createdOut[cases.Case]{Location: fmt.Sprintf("%s/cases/%d", APIPrefix, c.ID), Body: c}, nil
		})
	register(s, huma.Operation{OperationID: "get-case", Method: http.MethodGet, Path: "/cases/{id}", Tags: tags,
		Summary: "Read a case with everything kept about it",
		Description: "The case and its duties (each with its state, target and whether it is overdue), its timeline, notices, holds, records, " +
			"and the notices from the authority with their deadlines.",
		Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*itemOut[CaseDetail], error) {
			d, err := s.caseDetail(ctx, in.ID)
			return &itemOut[CaseDetail]{Body: d}, err
		})
	register(s, huma.Operation{OperationID: "set-case-facts", Method: http.MethodPut, Path: "/cases/{id}/facts", Tags: tags,
		Summary:     "Replace a case's facts, and decide its duties again",
		Description: "A fact left out becomes unknown. Each change goes on the timeline with the note. A duty done stays done; one no longer required says why.",
		Errors:      conflict}, auth.Editor,
		func(ctx context.Context, in *caseFactsIn) (*itemOut[cases.Case], error) {
			v, err := factsIn(s.dutyFacts(), in.Body.Facts, `{"status": "confirmed"}`)
			if err != nil {
				return nil, err
			}
			c, err := s.cases.SetFacts(ctx, actor(ctx), in.ID, in.Body.Revision, v, in.Body.Note)
			return &itemOut[cases.Case]{Body: c}, err
		})
	register(s, huma.Operation{OperationID: "set-case-particulars", Method: http.MethodPut, Path: "/cases/{id}/particulars", Tags: tags,
		Summary: "Say what notices will tell of the failure", Description: "Details, risks known, steps taken and whether they worked, as they become known; each change is on the timeline.",
		Errors: conflict}, auth.Editor,
		func(ctx context.Context, in *caseParticularsIn) (*itemOut[cases.Case], error) {
			c, err := s.cases.SetParticulars(ctx, actor(ctx), in.ID, in.Body.Revision, in.Body.particulars())
			return &itemOut[cases.Case]{Body: c}, err
		})
	register(s, huma.Operation{OperationID: "set-case-duty", Method: http.MethodPut, Path: "/cases/{id}/duties/{key}", Tags: tags,
		Summary: "Mark a duty done, or open again",
		Description: "The key holds a space and parentheses (\"notify_enforcement_authority s.11(3)\"): escape it in the path " +
			"(notify_enforcement_authority%20s.11%283%29).",
		Errors: conflict}, auth.Editor,
		func(ctx context.Context, in *dutyIn) (*itemOut[cases.Case], error) {
			c, err := s.cases.SetDuty(ctx, actor(ctx), in.ID, in.Body.Revision, in.Key, in.Body.State, in.Body.Note)
			return &itemOut[cases.Case]{Body: c}, err
		})
	register(s, huma.Operation{OperationID: "open-case-from-report", Method: http.MethodPost, Path: "/reports/{id}/case", Tags: tags,
		Summary: "Open a case from a security report",
		Description: "For the report's product, told by someone outside the chain, the failure suspected. A report that has a case already answers that case. " +
			"The reporter's contact details and credit are not part of the case.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *idIn) (*itemOut[cases.Case], error) {
			c, err := s.cases.OpenFromReport(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			// What the store gave back is marked for overdue duties as
			// every read is.
			c, err = s.cases.Case(ctx, c.ID)
			return &itemOut[cases.Case]{Body: c}, err
		})

	// Notices.
	register(s, huma.Operation{OperationID: "draft-notice", Method: http.MethodPost, Path: "/cases/{id}/notices", Tags: tags,
		Summary:       "Draft the notice a duty calls for",
		Description:   "psti drafts it with every item its section asks for, from the case's particulars and what it knows of who was told; it is kept as a draft to edit and send.",
		DefaultStatus: http.StatusCreated, Errors: conflict}, auth.Editor,
		func(ctx context.Context, in *draftIn) (*itemOut[cases.Notice], error) {
			n, err := s.cases.DraftNotice(ctx, actor(ctx), in.ID, in.Body.DutyKey, in.Body.PartyID)
			return &itemOut[cases.Notice]{Body: n}, err
		})
	register(s, huma.Operation{OperationID: "edit-notice", Method: http.MethodPut, Path: "/notices/{id}", Tags: tags,
		Summary: "Edit a draft notice", Description: "Refused (409) once it is sent: a sent notice is kept as sent.",
		Errors: conflict}, auth.Editor,
		func(ctx context.Context, in *noticeEditIn) (*itemOut[cases.Notice], error) {
			n := &cases.Notice{ID: in.ID, Revision: in.Body.Revision, Subject: in.Body.Subject, ToName: in.Body.ToName, ToEmail: in.Body.ToEmail, Method: in.Body.Method}
			for _, it := range in.Body.Items {
				n.Items = append(n.Items, cases.NoticeItem{Key: it.Key, Text: it.Text})
			}
			if err := s.cases.SaveNotice(ctx, actor(ctx), n); err != nil {
				return nil, err
			}
			return &itemOut[cases.Notice]{Body: n}, nil
		})
	register(s, huma.Operation{OperationID: "send-notice", Method: http.MethodPost, Path: "/notices/{id}/send", Tags: tags,
		Summary: "Send a draft notice",
		Description: "Refused (422) while an item its section asks for is empty. E-mail goes through the outbox; one by post or another way is recorded as sent. " +
			"The exact text, when and to whom, is kept; a duty one message does (to the authority, the manufacturer, the supplier) is marked done.",
		Errors: conflict}, auth.Editor,
		func(ctx context.Context, in *revisionIn) (*itemOut[cases.Notice], error) {
			n, err := s.cases.SendNotice(ctx, actor(ctx), in.ID, in.Body.Revision)
			return &itemOut[cases.Notice]{Body: n}, err
		})

	// Holds.
	register(s, huma.Operation{OperationID: "place-hold", Method: http.MethodPost, Path: "/cases/{id}/holds", Tags: tags,
		Summary: "Hold products or batches: not to be supplied", Description: "A decision to prevent or stop supply (s.11(2)(a), s.19(4), s.25(5)), with its reason.",
		DefaultStatus: http.StatusCreated, Errors: conflict}, auth.Editor,
		func(ctx context.Context, in *holdIn) (*listOut[cases.Hold], error) {
			hs, err := s.cases.PlaceHold(ctx, actor(ctx), in.ID, in.Body.Items, in.Body.Reason)
			return &listOut[cases.Hold]{Body: hs}, err
		})
	register(s, huma.Operation{OperationID: "lift-hold", Method: http.MethodPost, Path: "/holds/{id}/lift", Tags: tags,
		Summary: "Lift a hold, saying why", Errors: conflict}, auth.Editor,
		func(ctx context.Context, in *liftIn) (*itemOut[cases.Hold], error) {
			h, err := s.cases.LiftHold(ctx, actor(ctx), in.ID, in.Body.Reason)
			return &itemOut[cases.Hold]{Body: h}, err
		})
	register(s, huma.Operation{OperationID: "list-holds", Method: http.MethodGet, Path: "/holds", Tags: tags,
		Summary: "List holds on supply", Description: "Those in force, newest first; lifted ones too with all."}, auth.Viewer,
		func(ctx context.Context, in *holdListIn) (*listOut[cases.Hold], error) {
			hs, err := s.store.Holds(ctx, cases.HoldFilter{ProductID: in.ProductID, CaseID: in.CaseID, All: in.All})
			return &listOut[cases.Hold]{Body: hs}, err
		})

	// Closing and records.
	register(s, huma.Operation{OperationID: "close-case", Method: http.MethodPost, Path: "/cases/{id}/close", Tags: tags,
		Summary: "Close a case, making its records",
		Description: "Refused (409) while a firm duty is open. A manufacturer keeps an investigation record and, if a failure was found, a failure record (s.12); " +
			"an importer an investigation record and one of the manufacturer's investigation it knows of (s.20); a distributor none (PSTI-D-07).",
		Errors: conflict}, auth.Editor,
		func(ctx context.Context, in *closeIn) (*itemOut[ClosedCase], error) {
			c, recs, err := s.cases.Close(ctx, actor(ctx), in.ID, in.Body)
			if err != nil {
				return nil, err
			}
			if recs == nil {
				recs = []*cases.Record{}
			}
			return &itemOut[ClosedCase]{Body: &ClosedCase{Case: c, Records: recs}}, nil
		})
	register(s, huma.Operation{OperationID: "list-records", Method: http.MethodGet, Path: "/records", Tags: tags,
		Summary: "List investigation and failure records, newest first", Description: "A full page has a Link header (rel=\"next\") to the next."}, auth.Viewer,
		func(ctx context.Context, in *recordListIn) (*recordsPage, error) {
			rs, err := s.store.Records(ctx, cases.RecordFilter{OrganisationID: in.OrganisationID, CaseID: in.CaseID, After: in.After, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			out := &recordsPage{Body: rs}
			if len(rs) > 0 {
				q := url.Values{}
				if in.OrganisationID != 0 {
					q.Set("organisation_id", strconv.FormatInt(in.OrganisationID, 10))
				}
				if in.CaseID != 0 {
					q.Set("case_id", strconv.FormatInt(in.CaseID, 10))
				}
				out.Link = nextLink("/records", q, len(rs), in.Limit, rs[len(rs)-1].ID)
			}
			return out, nil
		})
	register(s, huma.Operation{OperationID: "record-retention", Method: http.MethodGet, Path: "/records/retention", Tags: tags,
		Summary:     "List the records kept, and until when",
		Description: "Every investigation and failure record, with the last day the Act asks it to be kept (10 years from the day it was made, s.12(4), s.20(4)), soonest first. None can be deleted."}, auth.Viewer,
		func(ctx context.Context, _ *struct{}) (*listOut[cases.RecordKept], error) {
			kept, err := s.cases.Retention(ctx)
			if err != nil {
				return nil, err
			}
			return &listOut[cases.RecordKept]{Body: kept}, nil
		})
	register(s, huma.Operation{OperationID: "get-record", Method: http.MethodGet, Path: "/records/{id}", Tags: tags,
		Summary: "Read a record", Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*itemOut[cases.Record], error) {
			r, err := s.store.Record(ctx, in.ID)
			return &itemOut[cases.Record]{Body: r}, err
		})
	register(s, huma.Operation{OperationID: "correct-record", Method: http.MethodPost, Path: "/records/{id}/corrections", Tags: tags,
		Summary:       "Correct a record with a new version",
		Description:   "The new version names the one it corrects, which is kept as it was. Only the newest version of a line can be corrected (409 otherwise).",
		DefaultStatus: http.StatusCreated, Errors: conflict}, auth.Editor,
		func(ctx context.Context, in *correctionIn) (*createdOut[cases.Record], error) {
			b := in.Body
			r, err := s.cases.CorrectRecord(ctx, actor(ctx), in.ID, cases.Record{Why: b.Why, Outcome: b.Outcome, FailureFound: b.FailureFound,
				FailureDetails: b.FailureDetails, RemedialSteps: b.RemedialSteps, RemedySucceeded: b.RemedySucceeded,
				MissingFacts: b.MissingFacts, StepsToObtain: b.StepsToObtain, JointWith: b.JointWith})
			if err != nil {
				return nil, err
			}
			return &createdOut[cases.Record]{Location: fmt.Sprintf("%s/records/%d", APIPrefix, r.ID), Body: r}, nil
		})
	register(s, huma.Operation{OperationID: "delete-record", Method: http.MethodDelete, Path: "/records/{id}", Tags: tags,
		Summary:     "Delete a record: always refused",
		Description: "Records are kept for 10 years from the day they are made (s.12(4), s.20(4)); psti keeps them for good. The answer (409) says until when it must be kept.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict}}, auth.Editor,
		func(ctx context.Context, in *idIn) (*struct{}, error) {
			return nil, s.cases.DeleteRecord(ctx, in.ID)
		})

	// Notices from the authority.
	register(s, huma.Operation{OperationID: "record-authority-notice", Method: http.MethodPost, Path: "/authority-notices", Tags: tags,
		Summary: "Record a notice the enforcement authority gave",
		Description: "With when it counts as given (electronic service: 9 am on the next working day after it was sent) and the clocks it starts (PSTI-E-11). " +
			"It is kept as recorded, never changed.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *authorityIn) (*createdOut[AuthorityNotice], error) {
			b := in.Body
			n := &cases.AuthorityNotice{OrganisationID: b.OrganisationID, CaseID: b.CaseID, Kind: b.Kind, Reference: strings.TrimSpace(b.Reference),
				Electronic: b.Electronic, SentAt: b.SentAt, ActBy: strings.TrimSpace(b.ActBy), Note: strings.TrimSpace(b.Note)}
			if err := s.cases.RecordAuthorityNotice(ctx, actor(ctx), n); err != nil {
				return nil, err
			}
			return &createdOut[AuthorityNotice]{Location: fmt.Sprintf("%s/authority-notices/%d", APIPrefix, n.ID), Body: authorityOut(n)}, nil
		})
	register(s, huma.Operation{OperationID: "list-authority-notices", Method: http.MethodGet, Path: "/authority-notices", Tags: tags,
		Summary: "List notices from the enforcement authority, newest first", Description: "Each with the day it counts as given and its deadlines."}, auth.Viewer,
		func(ctx context.Context, in *authorityListIn) (*listOut[AuthorityNotice], error) {
			ns, err := s.store.AuthorityNotices(ctx, cases.AuthorityFilter{OrganisationID: in.OrganisationID, CaseID: in.CaseID, Limit: 1000})
			out := make([]*AuthorityNotice, len(ns))
			for i, n := range ns {
				out[i] = authorityOut(n)
			}
			return &listOut[AuthorityNotice]{Body: out}, err
		})
	register(s, huma.Operation{OperationID: "get-authority-notice", Method: http.MethodGet, Path: "/authority-notices/{id}", Tags: tags,
		Summary: "Read a notice from the enforcement authority, with its deadlines", Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*itemOut[AuthorityNotice], error) {
			n, err := s.store.AuthorityNotice(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &itemOut[AuthorityNotice]{Body: authorityOut(n)}, nil
		})

	// Targets.
	register(s, huma.Operation{OperationID: "get-duty-targets", Method: http.MethodGet, Path: "/duty-targets", Tags: tags,
		Summary:     "Read an organisation's duty targets",
		Description: "The working days it allows itself for each duty with a timing: its own, else 2 for \"as soon as possible\" and 10 for \"as soon as is practicable\".",
		Errors:      []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *targetsQuery) (*itemOut[DutyTargets], error) {
			if _, err := s.store.Organisation(ctx, in.OrganisationID); err != nil {
				return nil, err
			}
			t, err := s.cases.Targets(ctx, in.OrganisationID)
			return &itemOut[DutyTargets]{Body: &DutyTargets{OrganisationID: in.OrganisationID, Targets: t}}, err
		})
	register(s, huma.Operation{OperationID: "put-duty-targets", Method: http.MethodPut, Path: "/duty-targets", Tags: tags,
		Summary: "Set an organisation's duty targets",
		Description: "Working days by duty (0 for no target). A target counts from when a duty becomes firm, on the working-day calendar of the report clocks; " +
			"duties already firm keep the target they had.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *targetsIn) (*itemOut[DutyTargets], error) {
			if in.Body.Targets == nil {
				in.Body.Targets = map[string]int{}
			}
			if err := s.cases.SaveTargets(ctx, actor(ctx), in.Body.OrganisationID, in.Body.Targets); err != nil {
				return nil, psti.PrefixFields(err, "targets.")
			}
			t, err := s.cases.Targets(ctx, in.Body.OrganisationID)
			return &itemOut[DutyTargets]{Body: &DutyTargets{OrganisationID: in.Body.OrganisationID, Targets: t}}, err
		})
}
