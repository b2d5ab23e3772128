package assessment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/support"
)

// Records are psti's other records an assessment reads its proof from
// (store.DB has them all).
type Records interface {
	Product(ctx context.Context, id int64) (*product.Product, error)
	Brand(ctx context.Context, id int64) (*product.Brand, error)
	Batches(ctx context.Context, f product.Filter) ([]*product.Batch, error)
	// LatestAudits returns the latest finished password audit of each of
	// a product's batches, with its report and reviews, by batch id.
	LatestAudits(ctx context.Context, productID int64) (map[int64]*passwords.Run, error)
	Policy(ctx context.Context, orgID int64) (*disclosure.Policy, error)
	// PolicyLogIndex is the transparency log entry of a policy revision.
	PolicyLogIndex(ctx context.Context, orgID, revision int64) (*int64, error)
	Periods(ctx context.Context, f support.Filter) ([]*support.Period, error)
}

// Service reads and changes assessments, for the web pages, the API and
// the command line alike.
type Service struct {
	Store   Store
	Records Records
	Clock   psti.Clock
	// Window is how long before a label expires the assessment warns; 0
	// means DefaultWarning.
	Window time.Duration
	// Catalogue is the requirement catalogue; nil means the embedded one.
	Catalogue *catalog.Catalogue
}

func (sv *Service) catalogue() *catalog.Catalogue {
	if sv.Catalogue != nil {
		return sv.Catalogue
	}
	return catalog.DefaultCatalogue()
}

func (sv *Service) window() time.Duration {
	if sv.Window > 0 {
		return sv.Window
	}
	return DefaultWarning
}

// Assessment is one product's assessment, as read.
type Assessment struct {
	ProductID int64  `json:"product_id"`
	Items     []Item `json:"items"`
}

// Unmet lists the items a statement of compliance speaks to that are not
// met or not applicable.
func (a *Assessment) Unmet() []Item {
	var out []Item
	for _, it := range a.Items {
		if it.Statement && !it.Done() {
			out = append(out, it)
		}
	}
	return out
}

// Item returns the item for requirement id, or nil.
func (a *Assessment) Item(id string) *Item {
	for i := range a.Items {
		if a.Items[i].Requirement == id {
			return &a.Items[i]
		}
	}
	return nil
}

// Read returns the assessment of product id: every assessed requirement
// of the catalogue, with psti's proof added as it stands now.
func (sv *Service) Read(ctx context.Context, id int64) (*Assessment, error) {
	p, err := sv.Records.Product(ctx, id)
	if err != nil {
		return nil, err
	}
	out, err := sv.ReadAll(ctx, []*product.Product{p})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// ReadAll reads the assessments of several products at once (a page of
// the product list), in their order.
func (sv *Service) ReadAll(ctx context.Context, ps []*product.Product) ([]*Assessment, error) {
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	rows, err := sv.Store.AssessmentRows(ctx, ids...)
	if err != nil {
		return nil, err
	}
	files, err := sv.Store.EvidenceOf(ctx, ids...)
	if err != nil {
		return nil, err
	}
	policies := map[int64]*PolicyFact{}
	now := sv.Clock.Now()
	reqs := sv.catalogue().Assessed()
	out := make([]*Assessment, len(ps))
	for i, p := range ps {
		facts, err := sv.facts(ctx, p, policies)
		if err != nil {
			return nil, err
		}
		saved := map[string]*Row{}
		for _, r := range rows[p.ID] {
			saved[r.Requirement] = r
		}
		byReq := map[string][]*Evidence{}
		for _, e := range files[p.ID] {
			byReq[e.Requirement] = append(byReq[e.Requirement], e)
		}
		a := &Assessment{ProductID: p.ID}
		for _, req := range reqs {
			row := saved[req.ID]
			if row == nil {
				row = Blank(p.ID, req.ID)
			}
			a.Items = append(a.Items, Evaluate(req, *row, facts, byReq[req.ID], now, sv.window()))
		}
		out[i] = a
	}
	return out, nil
}

// facts reads psti's own records about p. policies caches each
// organisation's policy across products.
func (sv *Service) facts(ctx context.Context, p *product.Product, policies map[int64]*PolicyFact) (Facts, error) {
	var f Facts
	bs, err := sv.Records.Batches(ctx, product.Filter{ParentID: p.ID, Limit: product.MaxList})
	if err != nil {
		return f, err
	}
	if len(bs) > 0 {
		runs, err := sv.Records.LatestAudits(ctx, p.ID)
		if err != nil {
			return f, err
		}
		for _, b := range bs {
			f.Batches = append(f.Batches, BatchAudit{BatchID: b.ID, BatchCode: b.Code, Run: runs[b.ID]})
		}
	}
	br, err := sv.Records.Brand(ctx, p.BrandID)
	if err != nil {
		return f, err
	}
	pf, ok := policies[br.OrganisationID]
	if !ok {
		pol, err := sv.Records.Policy(ctx, br.OrganisationID)
		switch {
		case psti.ErrorCode(err) == psti.ENOTFOUND:
		case err != nil:
			return f, err
		default:
			idx, err := sv.Records.PolicyLogIndex(ctx, br.OrganisationID, pol.Revision)
			if err != nil {
				return f, err
			}
			pf = &PolicyFact{UpdatedAt: pol.UpdatedAt, LogIndex: idx}
		}
		policies[br.OrganisationID] = pf
	}
	f.Policy = pf
	periods, err := sv.Records.Periods(ctx, support.Filter{ProductID: p.ID})
	if err != nil {
		return f, err
	}
	for _, x := range periods {
		switch {
		case !x.Published():
			f.Draft = true
		case f.Period == nil || (len(x.Models) == 0 && len(f.Period.Models) > 0):
			// The period for the whole product before one narrowed to
			// some models, as a statement chooses it.
			f.Period = x
		}
	}
	return f, nil
}

// Save changes one row of product id's assessment. r.Revision must be the
// revision read (0 for a row never saved): a row changed since is refused
// (ECONFLICT). Errors: ENOTFOUND, EINVALID (field by field), ECONFLICT.
func (sv *Service) Save(ctx context.Context, a psti.Actor, r *Row) error {
	if _, err := sv.Records.Product(ctx, r.ProductID); err != nil {
		return err
	}
	req := sv.catalogue().Requirement(r.Requirement)
	if req == nil || !req.Assess {
		return psti.Errorf(psti.ENOTFOUND, "There is no requirement %s to assess.", r.Requirement)
	}
	if err := r.Validate(req); err != nil {
		return err
	}
	return sv.Store.SaveAssessmentRow(ctx, a, r)
}

// AddEvidence keeps a file for one row: content is read to its end, at
// most MaxEvidence bytes, and its SHA-256 kept with it. Errors:
// ENOTFOUND, EINVALID (field "file").
func (sv *Service) AddEvidence(ctx context.Context, a psti.Actor, productID int64, requirement, name, mediaType string, content io.ReadSeeker) (*Evidence, error) {
	if _, err := sv.Records.Product(ctx, productID); err != nil {
		return nil, err
	}
	if req := sv.catalogue().Requirement(requirement); req == nil || !req.Assess {
		return nil, psti.Errorf(psti.ENOTFOUND, "There is no requirement %s to assess.", requirement)
	}
	h := sha256.New()
	size, err := io.Copy(h, io.LimitReader(content, MaxEvidence+1))
	if err != nil {
		return nil, fmt.Errorf("assessment: unable to read the evidence file: %w", err)
	}
	switch {
	case size == 0:
		return nil, psti.FieldErrorf(psti.EINVALID, "file", "The file is empty: choose the file that shows the requirement is met.")
	case size > MaxEvidence:
		return nil, psti.FieldErrorf(psti.EINVALID, "file", "The file is larger than %d MB: keep a smaller file, or several.", MaxEvidence>>20)
	}
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	e := &Evidence{ProductID: productID, Requirement: requirement, Name: psti.FileName(name, "evidence"), MediaType: mediaType,
		Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), Content: content}
	if err := sv.Store.AddEvidence(ctx, a, e); err != nil {
		return nil, err
	}
	return e, nil
}

// Unmet is a requirement a statement cannot be issued without.
type Unmet struct {
	ID, Title string
}

// Unmet lists the requirements of product id that a statement of
// compliance speaks to and that are neither met nor not applicable
// (statement.Assessments).
func (sv *Service) Unmet(ctx context.Context, id int64) ([]statement.Unmet, error) {
	a, err := sv.Read(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []statement.Unmet
	for _, it := range a.Unmet() {
		out = append(out, statement.Unmet{ID: it.Requirement, Title: it.Title})
	}
	return out, nil
}

// Claims is the declaration the assessment gives for each Schedule 1
// paragraph (statement.Assessments): where every row of a paragraph that
// a statement speaks to and that was saved names the same route, that
// route; a paragraph whose rows disagree, or none of which was saved, is
// left for the person to declare.
func (sv *Service) Claims(ctx context.Context, id int64) ([]statement.Claim, error) {
	rows, err := sv.Store.AssessmentRows(ctx, id)
	if err != nil {
		return nil, err
	}
	saved := map[string]*Row{}
	for _, r := range rows[id] {
		saved[r.Requirement] = r
	}
	type route struct {
		claim statement.Claim
		key   string
		mixed bool
	}
	by := map[int]*route{}
	for _, req := range sv.catalogue().Assessed() {
		r := saved[req.ID]
		if !req.Statement || req.Paragraph == 0 || r == nil || r.Status == StatusNotApplicable {
			continue
		}
		c, key := claimOf(req.Paragraph, r)
		cur := by[req.Paragraph]
		switch {
		case cur == nil:
			by[req.Paragraph] = &route{claim: c, key: key}
		case cur.key != key:
			cur.mixed = true
		case r.Route == RouteProvision:
			// One standard, the provisions each row relies on.
			st := &cur.claim.Standards[0]
			if p := c.Standards[0].Provisions; !slices.Contains(strings.Split(st.Provisions, ", "), p) {
				st.Provisions += ", " + p
			}
		}
	}
	var out []statement.Claim
	for _, par := range statement.Paragraphs {
		if r := by[par.Number]; r != nil && !r.mixed {
			out = append(out, r.claim)
		}
	}
	return out, nil
}

// claimOf is the declaration for paragraph par a row's route gives, and a
// key that is equal for equal routes.
func claimOf(par int, r *Row) (statement.Claim, string) {
	switch r.Route {
	case RouteProvision:
		st := statement.StandardClaim(r.Standard, r.Provisions)
		return statement.Claim{Paragraph: par, Route: statement.RouteDeemed, Standards: []statement.Standard{st}}, "provision|" + st.Number
	case RouteLabel:
		if st, ok := statement.LabelClaim(r.LabelScheme, r.LabelID, r.LabelExpires); ok {
			return statement.Claim{Paragraph: par, Route: statement.RouteDeemed, Standards: []statement.Standard{st}}, "label|" + r.LabelScheme + "|" + r.LabelID
		}
	}
	return statement.Claim{Paragraph: par, Route: statement.RouteRequirement}, "direct"
}
