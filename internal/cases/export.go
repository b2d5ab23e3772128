package cases

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
)

// The case file (issue 15): everything psti keeps about one compliance
// case, in one document a business can give the enforcement authority or
// a court: the case and its facts, the duties and what was done about
// each, the timeline, the notices as sent, holds on supply, the s.12/s.20
// records with every correction, the authority's notices with their
// clocks, and the product's statements of compliance. Drafts are left
// out: only what was sent is the business's account of what it did. Of a
// security report only the report's number, the day it came and its
// summary are in it: never who reported it, how to reach them, how they
// wish to be credited, what they wrote or sent.

// File is a case file. Field order is the order of the JSON rendering,
// and of the HTML and PDF ones.
type File struct {
	Title       string    `json:"title"`
	GeneratedAt time.Time `json:"generated_at"`
	// About says what the file is, and is not, a paragraph each.
	About            []string         `json:"about"`
	Organisation     FileOrganisation `json:"organisation"`
	Case             FileCase         `json:"case"`
	Report           *FileReport      `json:"report,omitempty"`
	Products         []FileProduct    `json:"products"`
	Duties           []FileDuty       `json:"duties"`
	Timeline         []Event          `json:"timeline"`
	Notices          []FileNotice     `json:"notices_sent"`
	Holds            []FileHold       `json:"holds"`
	Records          []FileRecord     `json:"records"`
	AuthorityNotices []FileAuthority  `json:"authority_notices"`
	Statements       []FileStatement  `json:"statements_of_compliance"`
	// StatementsNote says why statements are not listed, where they
	// cannot be; "" when they are (or there are none).
	StatementsNote string `json:"statements_note,omitempty"`
}

// FileOrganisation is the business whose case it is.
type FileOrganisation struct {
	ID        int64  `json:"id"`
	LegalName string `json:"legal_name"`
	Address   string `json:"address"`
}

// FileCase is the case itself, its facts in words.
type FileCase struct {
	ID               int64      `json:"id"`
	Title            string     `json:"title"`
	RequirementID    string     `json:"requirement_id,omitempty"`
	RequirementTitle string     `json:"requirement_title,omitempty"`
	Source           string     `json:"source"`
	SourceText       string     `json:"source_text"`
	SourceNote       string     `json:"source_note,omitempty"`
	Status           string     `json:"status"`
	OpenedAt         time.Time  `json:"opened_at"`
	OpenedBy         string     `json:"opened_by"`
	ClosedAt         *time.Time `json:"closed_at,omitempty"`
	Facts            []FileFact `json:"facts"`
	RulesVersion     string     `json:"rules_version"`
	Particulars      `json:"particulars"`
}

// FileFact is one fact as the case stands, in words.
type FileFact struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Value string `json:"value"`
}

// FileReport is all a case file says of a security report.
type FileReport struct {
	ID         int64     `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	Summary    string    `json:"summary"`
}

// FileProduct is a product, or one batch of it, the case concerns.
type FileProduct struct {
	ProductID   int64  `json:"product_id"`
	BatchID     int64  `json:"batch_id,omitempty"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	ModelNumber string `json:"model_number"`
	BatchCode   string `json:"batch_code,omitempty"`
	Text        string `json:"text"`
}

// FileDuty is one duty and what became of it.
type FileDuty struct {
	Key         string     `json:"key"`
	Duty        string     `json:"duty"`
	DutyText    string     `json:"duty_text"`
	Section     string     `json:"section"`
	Timing      string     `json:"timing"`
	TimingText  string     `json:"timing_text"`
	To          string     `json:"to,omitempty"`
	State       string     `json:"state"`
	StateText   string     `json:"state_text"`
	NeedsReview bool       `json:"needs_review"`
	ListedAt    time.Time  `json:"listed_at"`
	FirmAt      *time.Time `json:"firm_at,omitempty"`
	TargetAt    *time.Time `json:"target_at,omitempty"`
	DoneAt      *time.Time `json:"done_at,omitempty"`
	DoneBy      string     `json:"done_by,omitempty"`
	Note        string     `json:"note,omitempty"`
	Why         string     `json:"why_not_required,omitempty"`
	Overdue     bool       `json:"overdue"`
}

// FileNotice is a notice as it was sent, byte for byte.
type FileNotice struct {
	ID       int64     `json:"id"`
	DutyKey  string    `json:"duty_key"`
	DutyText string    `json:"duty_text"`
	ToName   string    `json:"to_name"`
	ToEmail  string    `json:"to_email,omitempty"`
	Method   string    `json:"method"`
	HowText  string    `json:"how_text"`
	Subject  string    `json:"subject"`
	SentAt   time.Time `json:"sent_at"`
	SentBy   string    `json:"sent_by"`
	Body     string    `json:"body"`
}

// FileHold is a hold on supply, lifted or not.
type FileHold struct {
	ID         int64      `json:"id"`
	ProductID  int64      `json:"product_id"`
	BatchID    int64      `json:"batch_id,omitempty"`
	Products   string     `json:"products"`
	Reason     string     `json:"reason"`
	PlacedAt   time.Time  `json:"placed_at"`
	PlacedBy   string     `json:"placed_by"`
	LiftedAt   *time.Time `json:"lifted_at,omitempty"`
	LiftedBy   string     `json:"lifted_by,omitempty"`
	LiftReason string     `json:"lift_reason,omitempty"`
}

// FileRecord is one version of a record, with the version that corrects
// it, if any.
type FileRecord struct {
	Record
	KindText      string `json:"kind_text"`
	SucceededText string `json:"remedy_succeeded_text,omitempty"`
	CorrectedBy   int64  `json:"corrected_by,omitempty"`
}

// FileAuthority is a notice from the authority with the clocks it starts.
type FileAuthority struct {
	AuthorityNotice
	KindText  string     `json:"kind_text"`
	Deadlines []Deadline `json:"deadlines"`
}

// FileStatement is an issued statement of compliance of a case's product.
type FileStatement struct {
	ID           int64  `json:"id"`
	ProductID    int64  `json:"product_id"`
	Number       string `json:"number"`
	Version      int    `json:"version"`
	Issued       string `json:"issued" doc:"The date of issue the statement gives, YYYY-MM-DD."`
	SupersededBy *int64 `json:"superseded_by,omitempty"`
	PDFSHA256    string `json:"pdf_sha256,omitempty" doc:"SHA-256 of the PDF kept, byte for byte."`
}

// statementStore lists a product's statements of compliance; store.DB
// has it. A Store without it gives a file that says so.
type statementStore interface {
	Statements(ctx context.Context, f statement.Filter) ([]*statement.Record, error)
	Statement(ctx context.Context, id int64) (*statement.Record, error)
}

// FileAbout is what a case file says it is and is not.
var FileAbout = []string{
	"This file is the business's own account of one compliance case under Part 1 of the Product Security and Telecommunications Infrastructure Act 2022, made from its records as they stood when the file was made. It is not a finding of the enforcement authority or of a court, and not legal advice.",
	"It holds the case's facts as they now stand, every duty the facts gave and what was done about each, the whole timeline (every change, with who made it and when), each notice exactly as it was sent (drafts never sent are left out), holds on supply, the records made when the case closed, every notice recorded from the enforcement authority with the periods it starts, and the statements of compliance issued for the products.",
	"The investigation and compliance failure records (s.12 for a manufacturer, s.20 for an importer) are kept for 10 years from the day each is made (s.12(4), s.20(4)) and never changed: a correction is a new version that names the one it corrects, and both are kept and listed here. The timeline and the notices sent are never changed either.",
	"Of a security report a case was opened from, it holds only the report's number, the day it was received and its summary, in the reporter's own words: never the reporter's name, credit or contact details, nor anything else they wrote or sent.",
}

// Export gathers the case file of case id.
func (s *Service) Export(ctx context.Context, id int64) (*File, error) {
	c, err := s.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	org, err := s.Register.Organisation(ctx, c.OrganisationID)
	if err != nil {
		return nil, err
	}
	f := &File{
		Title:        fmt.Sprintf("Case file: case %d", c.ID),
		GeneratedAt:  s.Clock.Now().UTC().Truncate(time.Second),
		About:        FileAbout,
		Organisation: FileOrganisation{ID: org.ID, LegalName: org.LegalName, Address: strings.TrimSpace(org.Address)},
		Products:     []FileProduct{},
		Duties:       []FileDuty{},
		Notices:      []FileNotice{},
		Holds:        []FileHold{},
		Records:      []FileRecord{},
		Statements:   []FileStatement{},
	}
	f.Case = FileCase{ID: c.ID, Title: c.Title, RequirementID: c.RequirementID, Source: c.Source, SourceText: sourceText(c),
		SourceNote: c.SourceNote, Status: c.Status, OpenedAt: c.OpenedAt, OpenedBy: c.OpenedBy, ClosedAt: c.ClosedAt,
		Facts: []FileFact{}, RulesVersion: c.RulesVersion, Particulars: c.Particulars}
	if c.RequirementID != "" {
		if r := catalog.DefaultCatalogue().Requirement(c.RequirementID); r != nil {
			f.Case.RequirementTitle = r.Title
		}
	}
	rules := s.rules()
	for _, fact := range rules.List {
		if v, ok := c.Facts[fact.ID]; ok {
			f.Case.Facts = append(f.Case.Facts, FileFact{ID: fact.ID, Label: fact.Label, Value: rules.ValueText(fact.ID, v)})
		}
	}
	if c.ReportID != 0 {
		// Only these three: the report's other fields are the reporter's.
		r, err := s.Reports.Report(ctx, c.ReportID)
		if err != nil {
			return nil, err
		}
		f.Report = &FileReport{ID: r.ID, ReceivedAt: r.ReceivedAt, Summary: r.Summary}
	}
	for _, it := range c.Items {
		p, err := s.Register.Product(ctx, it.ProductID)
		if err != nil {
			return nil, err
		}
		fp := FileProduct{ProductID: p.ID, BatchID: it.BatchID, Name: p.Name, Type: p.Type, ModelNumber: p.ModelNumber}
		if fp.Text, err = s.ItemsText(ctx, []Item{it}); err != nil {
			return nil, err
		}
		if it.BatchID != 0 {
			b, err := s.Register.Batch(ctx, it.BatchID)
			if err != nil {
				return nil, err
			}
			fp.BatchCode = b.Code
		}
		f.Products = append(f.Products, fp)
	}
	for _, d := range c.Duties {
		f.Duties = append(f.Duties, FileDuty{Key: d.Key, Duty: d.Duty, DutyText: DutyText(d.Duty), Section: d.Section, Timing: d.Timing,
			TimingText: TimingText(d.Timing), To: d.To, State: d.State, StateText: dutyStateText(d), NeedsReview: d.NeedsReview,
			ListedAt: d.ListedAt, FirmAt: d.FirmAt, TargetAt: d.TargetAt, DoneAt: d.DoneAt, DoneBy: d.DoneBy, Note: d.Note, Why: d.Why, Overdue: d.Overdue})
	}
	if f.Timeline, err = s.Store.CaseEvents(ctx, c.ID); err != nil {
		return nil, err
	}
	if f.Timeline == nil {
		f.Timeline = []Event{}
	}
	notices, err := s.Store.Notices(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, n := range notices {
		if n.State != NoticeSent || n.SentAt == nil {
			continue // a draft is not what the business did
		}
		dt := n.DutyKey
		if d := c.duty(n.DutyKey); d != nil {
			dt = fmt.Sprintf("%s (%s)", DutyText(d.Duty), d.Section)
		}
		f.Notices = append(f.Notices, FileNotice{ID: n.ID, DutyKey: n.DutyKey, DutyText: dt, ToName: n.ToName, ToEmail: n.ToEmail,
			Method: n.Method, HowText: howText(n), Subject: n.Subject, SentAt: *n.SentAt, SentBy: n.SentBy, Body: n.Body})
	}
	holds, err := s.Store.Holds(ctx, HoldFilter{CaseID: c.ID, All: true})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(holds, func(a, b *Hold) int { return cmp.Compare(a.ID, b.ID) })
	for _, h := range holds {
		what, err := s.ItemsText(ctx, []Item{{ProductID: h.ProductID, BatchID: h.BatchID}})
		if err != nil {
			return nil, err
		}
		f.Holds = append(f.Holds, FileHold{ID: h.ID, ProductID: h.ProductID, BatchID: h.BatchID, Products: what, Reason: h.Reason,
			PlacedAt: h.PlacedAt, PlacedBy: h.PlacedBy, LiftedAt: h.LiftedAt, LiftedBy: h.LiftedBy, LiftReason: h.LiftReason})
	}
	if f.Records, err = s.fileRecords(ctx, c.ID); err != nil {
		return nil, err
	}
	if f.AuthorityNotices, err = s.fileAuthority(ctx, c.ID); err != nil {
		return nil, err
	}
	if f.Statements, f.StatementsNote, err = s.fileStatements(ctx, c.Items); err != nil {
		return nil, err
	}
	return f, nil
}

// fileRecords lists every version of every record of a case, oldest
// first, each with the version that corrects it.
func (s *Service) fileRecords(ctx context.Context, caseID int64) ([]FileRecord, error) {
	all, err := s.AllRecords(ctx, RecordFilter{CaseID: caseID})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b *Record) int { return cmp.Compare(a.ID, b.ID) })
	by := CorrectedBy(all)
	out := []FileRecord{}
	for _, r := range all {
		out = append(out, FileRecord{Record: *r, KindText: orText(RecordKinds[r.Kind], r.Kind), SucceededText: SucceededText(r.RemedySucceeded), CorrectedBy: by[r.ID]})
	}
	return out, nil
}

// fileAuthority lists the authority's notices of a case, oldest first.
func (s *Service) fileAuthority(ctx context.Context, caseID int64) ([]FileAuthority, error) {
	list, err := s.Store.AuthorityNotices(ctx, AuthorityFilter{CaseID: caseID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b *AuthorityNotice) int { return cmp.Compare(a.ID, b.ID) })
	out := []FileAuthority{}
	for _, n := range list {
		dl := n.Deadlines()
		if dl == nil {
			dl = []Deadline{}
		}
		out = append(out, FileAuthority{AuthorityNotice: *n, KindText: orText(AuthorityKinds[n.Kind], n.Kind), Deadlines: dl})
	}
	return out, nil
}

// fileStatements lists the issued statements of compliance of a case's
// products (every version), oldest first, with the SHA-256 of the PDF
// kept of each.
func (s *Service) fileStatements(ctx context.Context, items []Item) ([]FileStatement, string, error) {
	st, ok := s.Store.(statementStore)
	if !ok {
		return []FileStatement{}, "The statements of compliance could not be listed from this store.", nil
	}
	out := []FileStatement{}
	seen := map[int64]bool{}
	for _, it := range items {
		if seen[it.ProductID] {
			continue
		}
		seen[it.ProductID] = true
		list, err := st.Statements(ctx, statement.Filter{ProductID: it.ProductID, Status: statement.StatusIssued})
		if err != nil {
			return nil, "", err
		}
		slices.SortFunc(list, func(a, b *statement.Record) int { return cmp.Compare(a.ID, b.ID) })
		for _, r := range list {
			full, err := st.Statement(ctx, r.ID)
			if err != nil {
				return nil, "", err
			}
			fs := FileStatement{ID: full.ID, ProductID: full.ProductID, Number: full.Number, Version: full.Version, Issued: full.Content.Issued, SupersededBy: full.SupersededBy}
			for _, x := range full.Renderings {
				if x.Kind == statement.RenderingPDF {
					fs.PDFSHA256 = x.SHA256
				}
			}
			out = append(out, fs)
		}
	}
	return out, "", nil
}

func sourceText(c *Case) string {
	switch c.Source {
	case FromReport:
		return fmt.Sprintf("Opened from security report %d.", c.ReportID)
	case FromNotice:
		return "Opened from a notice from another business or the enforcement authority."
	}
	return "Opened by staff."
}

func dutyStateText(d *CaseDuty) string {
	switch d.State {
	case DutyDone:
		return "Done"
	case DutyNotRequired:
		return "Not required"
	}
	if d.NeedsReview {
		return "Open, to review: it depends on facts not yet known"
	}
	if d.Overdue {
		return "Open, past its target"
	}
	return "Open"
}

func howText(n *Notice) string {
	switch n.Method {
	case "email":
		return "By e-mail to " + n.ToEmail
	case "post":
		return "By post"
	}
	return "By another way, recorded by staff"
}

// FileName is the name a case file downloads as: case-12.pdf.
func FileName(id int64, format string) string {
	return fmt.Sprintf("case-%d.%s", id, format)
}

// psti dates for the renderings; a zero time is said as not recorded.
func fileDate(t time.Time) string {
	if t.IsZero() {
		return "not recorded"
	}
	return psti.LongDate(t)
}

func fileDateTime(t time.Time) string {
	if t.IsZero() {
		return "not recorded"
	}
	return psti.LongDateTime(t)
}
