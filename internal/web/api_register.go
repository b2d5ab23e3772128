package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// The product register over JSON. Each kind of record gets the same six
// operations (list, create, read, replace, archive, unarchive) from one
// generic definition; what differs is its input type and store methods.

// builder is an input body that becomes a record.
type builder[T any] interface{ toRecord(id int64) *T }

// lister is a list query that becomes a filter, and the query values that
// repeat its filters in the next page's URL.
type lister interface {
	filter() product.Filter
	values() url.Values
}

type resource[T any, In builder[T], L lister] struct {
	kind   product.Kind
	plural string // path segment and noun: "brands"
	tag    string
	get    func(context.Context, int64) (*T, error)
	list   func(context.Context, product.Filter) ([]*T, error)
	create func(context.Context, psti.Actor, *T) error
	update func(context.Context, psti.Actor, *T) error
}

type idIn struct {
	ID int64 `path:"id" minimum:"1" doc:"Record id."`
}

type bodyIn[B any] struct {
	Body B
}

type updateIn[B any] struct {
	ID   int64 `path:"id" minimum:"1" doc:"Record id."`
	Body B
}

type itemOut[T any] struct {
	Body *T
}

type createdOut[T any] struct {
	Location string `header:"Location" doc:"Where the new record can be read."`
	Body     *T
}

type listOut[T any] struct {
	Body []*T
}

// pageOut is a page of a list read by key, with the link to the next.
type pageOut[T any] struct {
	Link string `header:"Link" doc:"<URL>; rel=\"next\": the next page, when this one is full."`
	Body []*T
}

// nextPage is the Link header of a page of n rows of a list read by key
// (psti.ListKey) when the page is full: the list's URL with its filters
// (q), the limit and the cursor of the page's last row. "" otherwise.
func (s *Server) nextPage(path string, q url.Values, n, limit int, last func() string) string {
	if n == 0 || n < limit {
		return ""
	}
	q.Set("limit", strconv.Itoa(limit))
	q.Set("cursor", last())
	return "<" + s.link(APIPrefix+path+"?"+q.Encode()) + `>; rel="next"`
}

// ListQuery is the query of a list of records that have no parent. It is
// exported only because huma reads query parameters from embedded structs
// that are.
type ListQuery struct {
	IncludeArchived bool   `query:"include_archived" doc:"Include archived records."`
	Limit           int    `query:"limit" minimum:"1" maximum:"500" default:"500" doc:"At most this many records."`
	Cursor          string `query:"cursor" maxLength:"2000" doc:"Continue after the last record of a page: the cursor of the Link header's next URL."`
	Offset          int    `query:"offset" minimum:"0" doc:"Skip this many records first; costs as many records as it skips, so use cursor to page."`
	parent          int64  // set by the typed wrappers below
}

func (l ListQuery) filter() product.Filter {
	return product.Filter{ParentID: l.parent, IncludeArchived: l.IncludeArchived, Limit: l.Limit, After: l.Cursor, Offset: l.Offset}
}

func (l ListQuery) values() url.Values {
	q := url.Values{}
	if l.IncludeArchived {
		q.Set("include_archived", "true")
	}
	return q
}

// withParent is q with the parent's filter, when a list has one.
func withParent(q url.Values, name string, id int64) url.Values {
	if id != 0 {
		q.Set(name, strconv.FormatInt(id, 10))
	}
	return q
}

type listByOrganisation struct {
	ListQuery
	OrganisationID int64 `query:"organisation_id" minimum:"0" doc:"Only brands of this organisation."`
}

func (l listByOrganisation) filter() product.Filter {
	l.parent = l.OrganisationID
	return l.ListQuery.filter()
}

func (l listByOrganisation) values() url.Values {
	return withParent(l.ListQuery.values(), "organisation_id", l.OrganisationID)
}

type listByBrand struct {
	ListQuery
	BrandID int64 `query:"brand_id" minimum:"0" doc:"Only products of this brand."`
}

func (l listByBrand) filter() product.Filter {
	l.parent = l.BrandID
	return l.ListQuery.filter()
}

func (l listByBrand) values() url.Values {
	return withParent(l.ListQuery.values(), "brand_id", l.BrandID)
}

type listByProduct struct {
	ListQuery
	ProductID int64 `query:"product_id" minimum:"0" doc:"Only records of this product."`
}

func (l listByProduct) filter() product.Filter {
	l.parent = l.ProductID
	return l.ListQuery.filter()
}

func (l listByProduct) values() url.Values {
	return withParent(l.ListQuery.values(), "product_id", l.ProductID)
}

func addResource[T any, In builder[T], L lister](s *Server, r resource[T, In, L]) {
	path := "/" + r.plural
	tags := []string{r.tag}
	noun := string(r.kind)
	register(s, huma.Operation{OperationID: "list-" + r.plural, Method: http.MethodGet, Path: path, Tags: tags,
		Summary: "List " + r.plural, Description: "Archived records are left out unless include_archived is set. " +
			"A full page carries a Link header with the URL of the next (rel=\"next\"), which repeats the filters and adds cursor: " +
			"follow it to read the whole list, at any depth, as fast as the first page."}, auth.Viewer,
		func(ctx context.Context, in *L) (*pageOut[T], error) {
			f := (*in).filter()
			items, err := r.list(ctx, f)
			if err != nil {
				return nil, err
			}
			out := &pageOut[T]{Body: items}
			if items == nil {
				out.Body = []*T{}
			}
			out.Link = s.nextPage(path, (*in).values(), len(items), f.Limit, func() string {
				return any(items[len(items)-1]).(interface{ ListKey() string }).ListKey()
			})
			return out, nil
		})
	register(s, huma.Operation{OperationID: "create-" + noun, Method: http.MethodPost, Path: path, Tags: tags,
		Summary: "Create a " + noun, DefaultStatus: http.StatusCreated, Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *bodyIn[In]) (*createdOut[T], error) {
			rec := in.Body.toRecord(0)
			if err := r.create(ctx, actor(ctx), rec); err != nil {
				return nil, err
			}
			return &createdOut[T]{Location: fmt.Sprintf("%s%s/%d", APIPrefix, path, idOf(rec)), Body: rec}, nil
		})
	register(s, huma.Operation{OperationID: "get-" + noun, Method: http.MethodGet, Path: path + "/{id}", Tags: tags,
		Summary: "Read a " + noun, Errors: []int{http.StatusNotFound}}, auth.Viewer,
		func(ctx context.Context, in *idIn) (*itemOut[T], error) {
			rec, err := r.get(ctx, in.ID)
			return &itemOut[T]{Body: rec}, err
		})
	register(s, huma.Operation{OperationID: "update-" + noun, Method: http.MethodPut, Path: path + "/{id}", Tags: tags,
		Summary:     "Replace a " + noun,
		Description: "Send every field. Include the revision you read to be told (409) if someone changed the record since.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}}, auth.Editor,
		func(ctx context.Context, in *updateIn[In]) (*itemOut[T], error) {
			rec := in.Body.toRecord(in.ID)
			if err := r.update(ctx, actor(ctx), rec); err != nil {
				return nil, err
			}
			return &itemOut[T]{Body: rec}, nil
		})
	for _, archived := range []bool{true, false} {
		verb := "archive"
		summary := "Archive a " + noun + ": it stays, with everything that points to it, but is left out of lists."
		if !archived {
			verb, summary = "unarchive", "Bring back an archived "+noun
		}
		register(s, huma.Operation{OperationID: verb + "-" + noun, Method: http.MethodPost, Path: path + "/{id}/" + verb, Tags: tags,
			Summary: summary, Errors: []int{http.StatusNotFound}}, auth.Editor,
			func(ctx context.Context, in *idIn) (*itemOut[T], error) {
				if _, err := s.store.SetArchived(ctx, actor(ctx), r.kind, in.ID, archived); err != nil {
					return nil, err
				}
				rec, err := r.get(ctx, in.ID)
				return &itemOut[T]{Body: rec}, err
			})
	}
}

// idOf reads the id of any register record.
func idOf(rec any) int64 {
	if r, ok := rec.(interface{ RecordID() int64 }); ok {
		return r.RecordID()
	}
	return 0
}

func (s *Server) registerRegisterAPI() {
	st := s.store
	addResource(s, resource[product.Organisation, organisationIn, ListQuery]{kind: product.KindOrganisation, plural: "organisations", tag: "Register",
		get: st.Organisation, list: st.Organisations, create: st.CreateOrganisation, update: st.UpdateOrganisation})
	addResource(s, resource[product.Manufacturer, manufacturerIn, ListQuery]{kind: product.KindManufacturer, plural: "manufacturers", tag: "Register",
		get: st.Manufacturer, list: st.Manufacturers, create: st.CreateManufacturer, update: st.UpdateManufacturer})
	addResource(s, resource[product.Brand, brandIn, listByOrganisation]{kind: product.KindBrand, plural: "brands", tag: "Register",
		get: st.Brand, list: st.Brands, create: st.CreateBrand, update: st.UpdateBrand})
	addResource(s, resource[product.Product, productIn, listByBrand]{kind: product.KindProduct, plural: "products", tag: "Register",
		get: st.Product, list: st.Products, create: st.CreateProduct, update: st.UpdateProduct})
	addResource(s, resource[product.Version, versionIn, listByProduct]{kind: product.KindVersion, plural: "versions", tag: "Register",
		get: st.Version, list: st.Versions, create: st.CreateVersion, update: st.UpdateVersion})
	addResource(s, resource[product.Batch, batchIn, listByProduct]{kind: product.KindBatch, plural: "batches", tag: "Register",
		get: st.Batch, list: st.Batches, create: st.CreateBatch, update: st.UpdateBatch})
}

// The input bodies. Lengths are checked here for the API's schema and again
// by the records' own Validate, which gives the field-by-field messages.

type organisationIn struct {
	LegalName string `json:"legal_name" maxLength:"200" doc:"Registered legal name."`
	Address   string `json:"address" maxLength:"1000" doc:"Postal address."`
	Website   string `json:"website,omitempty" maxLength:"2048" doc:"Public website, https://…"`
	Revision  int64  `json:"revision,omitempty" minimum:"0" doc:"Only for updates. The revision you last read."`
}

func (in organisationIn) toRecord(id int64) *product.Organisation {
	return &product.Organisation{Record: psti.Record{ID: id, Revision: in.Revision}, LegalName: in.LegalName, Address: in.Address, Website: in.Website}
}

type manufacturerIn struct {
	Name     string `json:"name" maxLength:"200"`
	Address  string `json:"address" maxLength:"1000" doc:"Postal address (registered office for a company)."`
	Website  string `json:"website,omitempty" maxLength:"2048"`
	Revision int64  `json:"revision,omitempty" minimum:"0" doc:"Only for updates. The revision you last read."`
}

func (in manufacturerIn) toRecord(id int64) *product.Manufacturer {
	return &product.Manufacturer{Record: psti.Record{ID: id, Revision: in.Revision}, Name: in.Name, Address: in.Address, Website: in.Website}
}

type brandIn struct {
	OrganisationID int64  `json:"organisation_id" minimum:"1"`
	Name           string `json:"name" maxLength:"200"`
	Website        string `json:"website,omitempty" maxLength:"2048"`
	Revision       int64  `json:"revision,omitempty" minimum:"0" doc:"Only for updates. The revision you last read."`
}

func (in brandIn) toRecord(id int64) *product.Brand {
	return &product.Brand{Record: psti.Record{ID: id, Revision: in.Revision}, OrganisationID: in.OrganisationID, Name: in.Name, Website: in.Website}
}

type productIn struct {
	BrandID         int64                `json:"brand_id" minimum:"1"`
	Name            string               `json:"name" maxLength:"200" doc:"Name as sold."`
	Type            string               `json:"type" maxLength:"200" doc:"What it is, in plain words, e.g. \"video doorbell\"."`
	ModelNumber     string               `json:"model_number" maxLength:"100"`
	HardwareVersion string               `json:"hardware_version,omitempty" maxLength:"100"`
	Identifiers     []product.Identifier `json:"identifiers,omitempty" maxItems:"20" doc:"Codes the product is known by; GTIN check digits are verified."`
	ManufacturerIDs []int64              `json:"manufacturer_ids,omitempty" maxItems:"20" doc:"Every manufacturer of the product, in the order they are named."`
	Description     string               `json:"description,omitempty" maxLength:"5000"`
	Revision        int64                `json:"revision,omitempty" minimum:"0" doc:"Only for updates. The revision you last read."`
}

func (in productIn) toRecord(id int64) *product.Product {
	return &product.Product{Record: psti.Record{ID: id, Revision: in.Revision}, BrandID: in.BrandID, Name: in.Name, Type: in.Type,
		ModelNumber: in.ModelNumber, HardwareVersion: in.HardwareVersion, Identifiers: in.Identifiers,
		ManufacturerIDs: in.ManufacturerIDs, Description: in.Description}
}

type versionIn struct {
	ProductID  int64  `json:"product_id" minimum:"1"`
	Component  string `json:"component" maxLength:"100" doc:"What the version belongs to, e.g. \"firmware\"."`
	Version    string `json:"version" maxLength:"100"`
	ReleasedOn string `json:"released_on,omitempty" maxLength:"10" doc:"Release date, YYYY-MM-DD."`
	Notes      string `json:"notes,omitempty" maxLength:"5000"`
	Revision   int64  `json:"revision,omitempty" minimum:"0" doc:"Only for updates. The revision you last read."`
}

func (in versionIn) toRecord(id int64) *product.Version {
	return &product.Version{Record: psti.Record{ID: id, Revision: in.Revision}, ProductID: in.ProductID, Component: in.Component,
		Version: in.Version, ReleasedOn: in.ReleasedOn, Notes: in.Notes}
}

type batchIn struct {
	ProductID     int64  `json:"product_id" minimum:"1"`
	Code          string `json:"code" maxLength:"100" doc:"Batch identifier."`
	FirstProduced string `json:"first_produced,omitempty" maxLength:"10" doc:"First production date, YYYY-MM-DD."`
	LastProduced  string `json:"last_produced,omitempty" maxLength:"10" doc:"Last production date, YYYY-MM-DD."`
	Quantity      int64  `json:"quantity,omitempty" minimum:"0" maximum:"1000000000000" doc:"Units in the batch; 0 when not known yet."`
	Notes         string `json:"notes,omitempty" maxLength:"5000"`
	Revision      int64  `json:"revision,omitempty" minimum:"0" doc:"Only for updates. The revision you last read."`
}

func (in batchIn) toRecord(id int64) *product.Batch {
	return &product.Batch{Record: psti.Record{ID: id, Revision: in.Revision}, ProductID: in.ProductID, Code: in.Code,
		FirstProduced: in.FirstProduced, LastProduced: in.LastProduced, Quantity: in.Quantity, Notes: in.Notes}
}
