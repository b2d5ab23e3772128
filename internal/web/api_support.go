package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/support"
)

// Defined support periods over JSON. Published periods are public, for
// retailers and comparison sites, with OpenEoX-style names (the product's
// identifiers, end_of_security_support, last_updated); staff draft,
// publish and extend them.

// PublicPeriod is a published support period as everyone reads it.
type PublicPeriod struct {
	ID      int64         `json:"id"`
	URL     string        `json:"url" doc:"The product's page, written for buyers."`
	Product PublicProduct `json:"product"`
	// AppliesTo narrows the period to some models or firmware lines.
	AppliesTo            []string  `json:"applies_to" doc:"The models or firmware lines the period is limited to; empty when it covers the whole product."`
	EndOfSecuritySupport string    `json:"end_of_security_support" format:"date" doc:"Security updates are provided until at least the end of this day (UK time)."`
	SecuritySupportEnded bool      `json:"security_support_ended" doc:"The end of security support is past."`
	Status               string    `json:"status" enum:"published"`
	FirstPublished       time.Time `json:"first_published"`
	LastUpdated          time.Time `json:"last_updated"`
	Notes                string    `json:"notes,omitempty"`
	// LogIndex is the transparency log entry of its first publication.
	LogIndex   *int64            `json:"log_index,omitempty" doc:"The transparency log entry that records its publication."`
	LogEntry   string            `json:"log_entry_url,omitempty"`
	Extensions []PublicExtension `json:"extensions" doc:"Every extension, oldest first. A published period is never shortened."`
}

// PublicProduct names a product as a buyer or a retailer knows it.
type PublicProduct struct {
	Name            string               `json:"name"`
	Vendor          string               `json:"vendor" doc:"The organisation that publishes the period."`
	Brand           string               `json:"brand"`
	ModelNumber     string               `json:"model_number"`
	HardwareVersion string               `json:"hardware_version,omitempty"`
	Type            string               `json:"type" doc:"What it is, in plain words."`
	Slug            string               `json:"slug" doc:"Names the product's page, /products/{slug}; it never changes."`
	GTIN            []string             `json:"gtin" doc:"GS1 trade item numbers (the barcode)."`
	Identifiers     []product.Identifier `json:"identifiers"`
}

// PublicExtension is one extension of a published period.
type PublicExtension struct {
	PreviousEnd string    `json:"previous_end_of_security_support" format:"date"`
	End         string    `json:"end_of_security_support" format:"date"`
	Reason      string    `json:"reason"`
	Published   time.Time `json:"published"`
	LogIndex    *int64    `json:"log_index,omitempty"`
	LogEntry    string    `json:"log_entry_url,omitempty"`
}

// logEntryPath is where the public reads a transparency log entry.
func logEntryPath(index *int64) string {
	if index == nil {
		return ""
	}
	return fmt.Sprintf("/log/entries/%d", *index)
}

// logEntryPage is the address of the page that shows a log entry to a
// person, "" when the entry is not known.
func logEntryPage(index *int64) string {
	if index == nil {
		return ""
	}
	return fmt.Sprintf("/log?entry=%d", *index)
}

// publicNames reads, once each, the products, brands and organisations a
// list of periods names.
type publicNames struct {
	s        *Server
	products map[int64]*product.Product
	brands   map[int64]*product.Brand
	orgs     map[int64]*product.Organisation
}

func (s *Server) newPublicNames() *publicNames {
	return &publicNames{s: s, products: map[int64]*product.Product{}, brands: map[int64]*product.Brand{}, orgs: map[int64]*product.Organisation{}}
}

func (n *publicNames) product(ctx context.Context, id int64) (*product.Product, *product.Brand, *product.Organisation, error) {
	p, ok := n.products[id]
	if !ok {
		var err error
		if p, err = n.s.store.Product(ctx, id); err != nil {
			return nil, nil, nil, err
		}
		n.products[id] = p
	}
	b, ok := n.brands[p.BrandID]
	if !ok {
		var err error
		if b, err = n.s.store.Brand(ctx, p.BrandID); err != nil {
			return nil, nil, nil, err
		}
		n.brands[p.BrandID] = b
	}
	o, ok := n.orgs[b.OrganisationID]
	if !ok {
		var err error
		if o, err = n.s.store.Organisation(ctx, b.OrganisationID); err != nil {
			return nil, nil, nil, err
		}
		n.orgs[b.OrganisationID] = o
	}
	return p, b, o, nil
}

// public turns published periods into what the public reads.
func (n *publicNames) public(ctx context.Context, ps []*support.Period) ([]PublicPeriod, error) {
	now := n.s.cfg.Clock.Now()
	out := make([]PublicPeriod, 0, len(ps))
	for _, p := range ps {
		if !p.Published() {
			continue // drafts are never public
		}
		pr, b, o, err := n.product(ctx, p.ProductID)
		if err != nil {
			return nil, err
		}
		gtins := []string{}
		for _, id := range pr.Identifiers {
			if id.Scheme == product.SchemeGTIN {
				gtins = append(gtins, id.Value)
			}
		}
		v := PublicPeriod{ID: p.ID, URL: n.s.link("/products/" + pr.Slug), AppliesTo: p.Models, EndOfSecuritySupport: p.EndDate,
			SecuritySupportEnded: p.Ended(now), Status: string(p.Status), FirstPublished: *p.FirstPublishedAt, LastUpdated: p.UpdatedAt,
			Notes: p.Notes, LogIndex: p.LogIndex, Extensions: []PublicExtension{},
			Product: PublicProduct{Name: pr.Name, Vendor: o.LegalName, Brand: b.Name, ModelNumber: pr.ModelNumber, HardwareVersion: pr.HardwareVersion,
				Type: pr.Type, Slug: pr.Slug, GTIN: gtins, Identifiers: pr.Identifiers}}
		if v.AppliesTo == nil {
			v.AppliesTo = []string{}
		}
		if p.LogIndex != nil {
			v.LogEntry = n.s.link(logEntryPath(p.LogIndex))
		}
		for _, e := range p.Extensions {
			x := PublicExtension{PreviousEnd: e.PreviousEndDate, End: e.EndDate, Reason: e.Reason, Published: e.At, LogIndex: e.LogIndex}
			if e.LogIndex != nil {
				x.LogEntry = n.s.link(logEntryPath(e.LogIndex))
			}
			v.Extensions = append(v.Extensions, x)
		}
		out = append(out, v)
	}
	return out, nil
}

// publishedPeriods returns the published periods of the products whose
// slug or GTIN is given (both "" for every product), earliest end first.
func (s *Server) publishedPeriods(ctx context.Context, slug, gtin string) ([]*support.Period, error) {
	f := support.Filter{Status: support.StatusPublished, Limit: product.MaxList}
	var ids []int64
	switch {
	case slug != "":
		p, err := s.store.ProductBySlug(ctx, slug)
		if psti.ErrorCode(err) == psti.ENOTFOUND {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		ids = []int64{p.ID}
	case gtin != "":
		ps, err := s.store.PublicProducts(ctx, gtin, 50)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if slices.Contains(p.Identifiers, product.Identifier{Scheme: product.SchemeGTIN, Value: gtin}) {
				ids = append(ids, p.ID)
			}
		}
	default:
		return s.store.Periods(ctx, f)
	}
	var out []*support.Period
	for _, id := range ids {
		f.ProductID = id
		ps, err := s.store.Periods(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

type supportListIn struct {
	Product string `query:"product" maxLength:"100" pattern:"^[a-z0-9-]*$" doc:"Only the periods of the product with this slug."`
	GTIN    string `query:"gtin" maxLength:"14" pattern:"^[0-9]*$" doc:"Only the periods of the product with this GTIN (its barcode number)."`
}

type periodIn struct {
	ProductID int64    `json:"product_id,omitempty" minimum:"0" doc:"The product; only when creating."`
	EndDate   string   `json:"end_date" maxLength:"100" doc:"The last day of the period, YYYY-MM-DD. Once published it only changes by an extension."`
	Models    []string `json:"models,omitempty" maxItems:"20" doc:"Models or firmware lines the period is limited to; empty for the whole product."`
	Notes     string   `json:"notes,omitempty" maxLength:"2000"`
	Revision  int64    `json:"revision,omitempty" minimum:"0" doc:"Only for updates. The revision you last read."`
}

type extendIn struct {
	ID   int64 `path:"id" minimum:"1" doc:"Support period id."`
	Body struct {
		EndDate string `json:"end_date" maxLength:"100" doc:"The new last day, YYYY-MM-DD: later than the current one."`
		Reason  string `json:"reason" maxLength:"1000" doc:"Why it is extended, in plain words; published with it."`
	}
}

type publishIn struct {
	ID       int64 `path:"id" minimum:"1" doc:"Support period id."`
	Revision int64 `query:"revision" minimum:"0" doc:"The revision you last read; the period is not published if it changed since."`
}

func (s *Server) registerSupportAPI() {
	tags := []string{"Support periods"}
	register(s, huma.Operation{OperationID: "list-support-periods", Method: http.MethodGet, Path: "/support-periods", Tags: tags,
		Summary: "List published support periods",
		Description: "Every published defined support period: until when, at least, each product gets security updates. No token is needed. " +
			"Filter by product slug or by GTIN. Drafts are never listed."}, auth.Public,
		func(ctx context.Context, in *supportListIn) (*listOut[PublicPeriod], error) {
			ps, err := s.publishedPeriods(ctx, in.Product, in.GTIN)
			if err != nil {
				return nil, err
			}
			out, err := s.newPublicNames().public(ctx, ps)
			items := make([]*PublicPeriod, len(out))
			for i := range out {
				items[i] = &out[i]
			}
			return &listOut[PublicPeriod]{Body: items}, err
		})
	register(s, huma.Operation{OperationID: "get-support-period", Method: http.MethodGet, Path: "/support-periods/{id}", Tags: tags,
		Summary: "Read a published support period", Description: "No token is needed. A draft is not found.", Errors: []int{http.StatusNotFound}}, auth.Public,
		func(ctx context.Context, in *idIn) (*itemOut[PublicPeriod], error) {
			p, err := s.store.Period(ctx, in.ID)
			if err == nil && !p.Published() {
				err = psti.NotFound("support period", in.ID)
			}
			if err != nil {
				return nil, err
			}
			out, err := s.newPublicNames().public(ctx, []*support.Period{p})
			if err != nil {
				return nil, err
			}
			return &itemOut[PublicPeriod]{Body: &out[0]}, nil
		})

	register(s, huma.Operation{OperationID: "list-product-support-periods", Method: http.MethodGet, Path: "/products/{id}/support-periods", Tags: tags,
		Summary: "List a product's support periods, drafts included", Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*listOut[support.Period], error) {
			if _, err := s.store.Product(ctx, in.ID); err != nil {
				return nil, err
			}
			ps, err := s.store.Periods(ctx, support.Filter{ProductID: in.ID})
			return &listOut[support.Period]{Body: ps}, err
		})
	register(s, huma.Operation{OperationID: "create-support-period", Method: http.MethodPost, Path: "/support-periods", Tags: tags,
		Summary: "Draft a support period", Description: "It stays a draft, seen by staff only, until it is published.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *bodyIn[periodIn]) (*createdOut[support.Period], error) {
			p := &support.Period{ProductID: in.Body.ProductID, EndDate: in.Body.EndDate, Models: in.Body.Models, Notes: in.Body.Notes}
			if err := s.store.CreatePeriod(ctx, actor(ctx), p); err != nil {
				return nil, err
			}
			return &createdOut[support.Period]{Location: fmt.Sprintf("%s/support-periods/%d", APIPrefix, p.ID), Body: p}, nil
		})
	register(s, huma.Operation{OperationID: "update-support-period", Method: http.MethodPut, Path: "/support-periods/{id}", Tags: tags,
		Summary: "Change a support period",
		Description: "A draft may change in every way. A published period keeps its end date, product and models: its end date changes only by an extension, " +
			"and never to an earlier date (409); only its notes may change.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *updateIn[periodIn]) (*itemOut[support.Period], error) {
			p := &support.Period{ID: in.ID, ProductID: in.Body.ProductID, EndDate: in.Body.EndDate, Models: in.Body.Models, Notes: in.Body.Notes, Revision: in.Body.Revision}
			if err := s.store.UpdatePeriod(ctx, actor(ctx), p); err != nil {
				return nil, err
			}
			return &itemOut[support.Period]{Body: p}, nil
		})
	register(s, huma.Operation{OperationID: "publish-support-period", Method: http.MethodPost, Path: "/support-periods/{id}/publish", Tags: tags,
		Summary:     "Publish a support period",
		Description: "It is public at once, on the product's page and in this API, and recorded in the transparency log. From then on it may be extended but never shortened.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *publishIn) (*itemOut[support.Period], error) {
			p, err := s.store.PublishPeriod(ctx, actor(ctx), in.ID, in.Revision)
			return &itemOut[support.Period]{Body: p}, err
		})
	register(s, huma.Operation{OperationID: "extend-support-period", Method: http.MethodPost, Path: "/support-periods/{id}/extend", Tags: tags,
		Summary: "Extend a published support period",
		Description: "Moves the end date later, with the reason, published at once and recorded in the transparency log (PSTI-DSP-02). " +
			"An earlier date is refused (409): once published, a support period may be extended but never shortened (PSTI-DSP-05).",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *extendIn) (*itemOut[support.Period], error) {
			p, err := s.store.ExtendPeriod(ctx, actor(ctx), in.ID, in.Body.EndDate, in.Body.Reason)
			return &itemOut[support.Period]{Body: p}, err
		})
}
