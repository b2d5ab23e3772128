package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
	"github.com/psti/psti/internal/support"
)

// The admin pages of the product register. Every kind of record has the
// same six pages (list, new, create, show and edit, save, archive) from one
// generic definition; what differs is its form, its table columns and what
// is listed under it.

type cell struct {
	Text  string
	Href  string
	Muted bool
	// Lights are an assessment's traffic lights, one per requirement, and
	// Missing what is missing, in words (the product list).
	Lights  []assessment.Item
	Missing []string
	// Held says a product's supply is held, in words, beside it.
	Held []string
	// Scope is the product's scope decision, in words, above its lights,
	// and ScopeHref leads to it.
	Scope, ScopeHref string
}

type section struct {
	Title    string
	AddHref  string
	AddLabel string
	// Download marks AddHref as a download that changes nothing: it is
	// shown to viewers too.
	Download bool
	Headers  []string
	Rows     [][]cell
	Empty    string
}

type pagerData struct {
	Showing  string
	PrevHref string
	NextHref string
}

// pager says which records a list page shows and links the pages around it.
func pager(base string, archived bool, page, total int) pagerData {
	q := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		if archived {
			v.Set("archived", "1")
		}
		return base + "?" + v.Encode()
	}
	first := (page-1)*pageSize + 1
	last := min(page*pageSize, total)
	d := pagerData{}
	if total > pageSize || page > 1 {
		d.Showing = fmt.Sprintf("Showing %d to %d of %d.", min(first, total), last, total)
	}
	if page > 1 {
		d.PrevHref = q(page - 1)
	}
	if last < total {
		d.NextHref = q(page + 1)
	}
	return d
}

type listData struct {
	Pager      pagerData
	Plural     string
	NewHref    string
	NewLabel   string
	Archived   bool
	ToggleHref string
	Table      section
	Intro      string
}

type recordData struct {
	Noun        string
	Form        *form
	Record      *psti.Record // nil for a new record
	Archive     string       // where the archive button posts
	Sections    []section
	HistoryHref string
	BackHref    string
	BackLabel   string
	// Held are the holds on a product's supply not yet lifted.
	Held []string
}

type pageResource[T any] struct {
	kind     product.Kind
	plural   string // path segment: "brands"
	title    string // "Brands"
	noun     string // "brand"
	intro    string // a sentence under the list's heading
	headers  []string
	get      func(context.Context, int64) (*T, error)
	list     func(context.Context, product.Filter) ([]*T, error)
	create   func(context.Context, psti.Actor, *T) error
	update   func(context.Context, psti.Actor, *T) error
	decode   func(url.Values, int64) (*T, error)
	form     func(context.Context, *T) (*form, error)
	rows     func(context.Context, []*T) ([][]cell, error)
	meta     func(*T) *psti.Record
	blank    func(*http.Request) *T                         // a new record, with defaults from the query
	sections func(context.Context, *T) ([]section, error)   // what is listed under a record; may be nil
	back     func(context.Context, *T) (label, href string) // where a record page leads back to; nil for the list
}

func (p *pageResource[T]) base() string { return "/admin/" + p.plural }

func (p *pageResource[T]) href(rec *T) string {
	return fmt.Sprintf("%s/%d", p.base(), p.meta(rec).ID)
}

func addPages[T any](s *Server, p *pageResource[T]) {
	s.page("GET "+p.base(), auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		archived := r.URL.Query().Get("archived") == "1"
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		f := product.Filter{IncludeArchived: archived, Limit: pageSize, Offset: (page - 1) * pageSize}
		items, err := p.list(r.Context(), f)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		total, err := s.store.Count(r.Context(), p.kind, f)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		rows, err := p.rows(r.Context(), items)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d := listData{Plural: p.title, Archived: archived, Intro: p.intro,
			Table: section{Headers: p.headers, Rows: rows, Empty: "There are no " + p.noun + " records yet."}}
		d.Pager = pager(p.base(), archived, page, total)
		if u.Role.Allows(auth.Editor) && p.blank != nil {
			d.NewHref, d.NewLabel = p.base()+"/new", "Add "+withArticle(p.noun)
		}
		d.ToggleHref = p.base() + "?archived=1"
		if archived {
			d.ToggleHref = p.base()
		}
		s.render(w, r, http.StatusOK, "list", &view{Title: p.title, User: u, Section: p.plural, Data: d})
	})
	if p.blank != nil {
		s.page("GET "+p.base()+"/new", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
			rec := p.blank(r)
			f, err := p.form(r.Context(), rec)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			s.showNew(w, r, u, p, rec, f, http.StatusOK)
		})
	}
	s.page("POST "+p.base(), auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		rec, err := p.decode(r.PostForm, 0)
		if err == nil {
			err = p.create(r.Context(), userActor(u), rec)
		}
		if err != nil {
			f, ferr := p.form(r.Context(), rec)
			if ferr != nil {
				s.pageError(w, r, ferr)
				return
			}
			f = withValues(f, r.PostForm)
			f.setError(err)
			s.showNew(w, r, u, p, rec, f, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, p.href(rec), fmt.Sprintf("Added %s “%s”.", p.noun, describe(rec)))
	})
	s.page("GET "+p.base()+"/{id}", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		rec, ok := getRecord(s, w, r, p.get)
		if !ok {
			return
		}
		f, err := p.form(r.Context(), rec)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.showRecord(w, r, u, p, rec, f, http.StatusOK)
	})
	s.page("POST "+p.base()+"/{id}", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		current, ok := getRecord(s, w, r, p.get)
		if !ok {
			return
		}
		rec, err := p.decode(r.PostForm, p.meta(current).ID)
		if err == nil {
			err = p.update(r.Context(), userActor(u), rec)
		}
		if err != nil {
			f, ferr := p.form(r.Context(), current)
			if ferr != nil {
				s.pageError(w, r, ferr)
				return
			}
			f = withValues(f, r.PostForm)
			f.setError(err)
			if psti.ErrorCode(err) == psti.ECONFLICT && psti.ErrorFields(err) == nil {
				// Someone else saved first: show their version's revision so
				// saving again is a deliberate choice, with the person's
				// text still in the form.
				f.Error += " What you typed is kept below; saving it again will replace their change."
			} else {
				// Keep the revision the person started from, so a change
				// someone else makes meanwhile is still noticed.
				p.meta(current).Revision = p.meta(rec).Revision
			}
			s.showRecord(w, r, u, p, current, f, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, p.href(rec), "Saved.")
	})
	s.page("POST "+p.base()+"/{id}/archive", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		rec, ok := getRecord(s, w, r, p.get)
		if !ok {
			return
		}
		archive := r.PostForm.Get("archived") == "1"
		if _, err := s.store.SetArchived(r.Context(), userActor(u), p.kind, p.meta(rec).ID, archive); err != nil {
			s.pageError(w, r, err)
			return
		}
		msg := fmt.Sprintf("Archived %s “%s”. It is kept, with everything that refers to it, and can be brought back.", p.noun, describe(rec))
		if !archive {
			msg = fmt.Sprintf("Brought back %s “%s”.", p.noun, describe(rec))
		}
		s.redirect(w, r, p.href(rec), msg)
	})
}

func getRecord[T any](s *Server, w http.ResponseWriter, r *http.Request, get func(context.Context, int64) (*T, error)) (*T, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.errorPage(w, r, http.StatusNotFound, "There is no such record.")
		return nil, false
	}
	rec, err := get(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	return rec, true
}

// showNew shows the form that adds a record. It leads back to the record
// it was opened from (the product a version is added to), when there is
// one, and otherwise to the list.
func (s *Server) showNew(w http.ResponseWriter, r *http.Request, u *auth.User, p interface {
	pageInfo() (string, string, string)
	backOf(ctx context.Context, rec any) (string, string)
}, rec any, f *form, status int) {
	_, noun, base := p.pageInfo()
	f.Action, f.Submit = base, "Add "+noun
	back, backHref := p.backOf(r.Context(), rec)
	s.render(w, r, status, "record", &view{Title: "Add " + withArticle(noun), User: u, Section: strings.TrimPrefix(base, "/admin/"),
		Data: recordData{Noun: noun, Form: f, BackHref: backHref, BackLabel: back}})
}

func (p *pageResource[T]) pageInfo() (string, string, string) { return p.title, p.noun, p.base() }

func (s *Server) showRecord(w http.ResponseWriter, r *http.Request, u *auth.User, pr any, rec any, f *form, status int) {
	// pr is a *pageResource[T]; its typed parts are reached through
	// recordPage so this function can stay non-generic.
	rp := pr.(recordPage)
	meta := rp.metaOf(rec)
	d := recordData{Noun: rp.nounOf(), Form: f, Record: meta, HistoryHref: fmt.Sprintf("/admin/audit?entity=%s&entity_id=%d", rp.kindOf(), meta.ID)}
	d.BackLabel, d.BackHref = rp.backOf(r.Context(), rec)
	f.Action = fmt.Sprintf("%s/%d", rp.baseOf(), meta.ID)
	f.Submit = "Save changes"
	f.Hidden = append(f.Hidden, hidden{"revision", strconv.FormatInt(meta.Revision, 10)})
	f.ReadOnly = !u.Role.Allows(auth.Editor) || meta.Archived()
	if u.Role.Allows(auth.Editor) {
		d.Archive = fmt.Sprintf("%s/%d/archive", rp.baseOf(), meta.ID)
	}
	secs, err := rp.sectionsOf(r.Context(), rec, u)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Sections = secs
	if p, ok := rec.(*product.Product); ok {
		if d.Held, err = s.holdNotices(r.Context(), p.ID); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.render(w, r, status, "record", &view{Title: strings.ToUpper(rp.nounOf()[:1]) + rp.nounOf()[1:] + ": " + describe(rec), User: u,
		Section: strings.TrimPrefix(rp.baseOf(), "/admin/"), Data: d})
}

// recordPage is the untyped face of a pageResource.
type recordPage interface {
	metaOf(rec any) *psti.Record
	nounOf() string
	kindOf() product.Kind
	baseOf() string
	backOf(ctx context.Context, rec any) (string, string)
	sectionsOf(ctx context.Context, rec any, u *auth.User) ([]section, error)
}

func (p *pageResource[T]) metaOf(rec any) *psti.Record { return p.meta(rec.(*T)) }
func (p *pageResource[T]) nounOf() string              { return p.noun }
func (p *pageResource[T]) kindOf() product.Kind        { return p.kind }
func (p *pageResource[T]) baseOf() string              { return p.base() }
func (p *pageResource[T]) backOf(ctx context.Context, rec any) (string, string) {
	if p.back != nil {
		if label, href := p.back(ctx, rec.(*T)); label != "" {
			return label, href
		}
	}
	return "All " + strings.ToLower(p.title), p.base()
}
func (p *pageResource[T]) sectionsOf(ctx context.Context, rec any, u *auth.User) ([]section, error) {
	if p.sections == nil {
		return nil, nil
	}
	secs, err := p.sections(ctx, rec.(*T))
	if !u.Role.Allows(auth.Editor) {
		for i := range secs {
			if !secs[i].Download {
				secs[i].AddHref = ""
			}
		}
	}
	return secs, err
}

func idFromQuery(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	return id
}

// choices is the filter for the records a form offers: all of them,
// archived included (the form shows an archived one only when the record
// already points at it).
var choices = product.Filter{IncludeArchived: true, Limit: product.MaxList}

// pageSize is how many records a list page shows.
const pageSize = 100

func (s *Server) registerRegisterPages() {
	st := s.store
	s.page("GET /admin", auth.Viewer, s.dashboard)

	addPages(s, &pageResource[product.Organisation]{
		kind: product.KindOrganisation, plural: "organisations", title: "Organisations", noun: "organisation",
		intro:   "The business running this site: usually the manufacturer. Brands belong to an organisation.",
		headers: []string{"Legal name", "Address", "Website"},
		get:     st.Organisation, list: st.Organisations, create: st.CreateOrganisation, update: st.UpdateOrganisation,
		decode: decodeOrganisation, meta: func(o *product.Organisation) *psti.Record { return &o.Record },
		form:  func(_ context.Context, o *product.Organisation) (*form, error) { return organisationForm(o), nil },
		blank: func(*http.Request) *product.Organisation { return &product.Organisation{} },
		rows: func(_ context.Context, os []*product.Organisation) ([][]cell, error) {
			out := make([][]cell, len(os))
			for i, o := range os {
				out[i] = []cell{{Text: o.LegalName, Href: fmt.Sprintf("/admin/organisations/%d", o.ID), Muted: o.Archived()},
					{Text: firstLine(o.Address)}, {Text: o.Website}}
			}
			return out, nil
		},
		sections: func(ctx context.Context, o *product.Organisation) ([]section, error) {
			bs, err := st.Brands(ctx, product.Filter{ParentID: o.ID})
			if err != nil {
				return nil, err
			}
			sec := section{Title: "Brands", AddHref: fmt.Sprintf("/admin/brands/new?organisation_id=%d", o.ID), AddLabel: "Add a brand",
				Headers: []string{"Brand", "Website"}, Empty: "No brands yet."}
			for _, b := range bs {
				sec.Rows = append(sec.Rows, []cell{{Text: b.Name, Href: fmt.Sprintf("/admin/brands/%d", b.ID)}, {Text: b.Website}})
			}
			logo := section{Title: "Logo", AddHref: fmt.Sprintf("/admin/organisations/%d/logo", o.ID), AddLabel: "Change the logo",
				Headers: []string{"Logo"}, Empty: "No logo: the public pages show the organisation's name alone."}
			if o.LogoSHA256 != "" {
				logo.Rows = [][]cell{{{Text: "A logo is set. It is shown beside the organisation's name at the top of every page, as at the top of this one."}}}
			}
			return []section{sec, logo}, nil
		},
	})

	addPages(s, &pageResource[product.Manufacturer]{
		kind: product.KindManufacturer, plural: "manufacturers", title: "Manufacturers", noun: "manufacturer",
		intro:   "Everyone named as a manufacturer on a product. A statement of compliance gives each one's name and address.",
		headers: []string{"Name", "Address"},
		get:     st.Manufacturer, list: st.Manufacturers, create: st.CreateManufacturer, update: st.UpdateManufacturer,
		decode: decodeManufacturer, meta: func(m *product.Manufacturer) *psti.Record { return &m.Record },
		form:  func(_ context.Context, m *product.Manufacturer) (*form, error) { return manufacturerForm(m), nil },
		blank: func(*http.Request) *product.Manufacturer { return &product.Manufacturer{} },
		rows: func(_ context.Context, ms []*product.Manufacturer) ([][]cell, error) {
			out := make([][]cell, len(ms))
			for i, m := range ms {
				out[i] = []cell{{Text: m.Name, Href: fmt.Sprintf("/admin/manufacturers/%d", m.ID), Muted: m.Archived()}, {Text: firstLine(m.Address)}}
			}
			return out, nil
		},
	})

	addPages(s, &pageResource[product.Brand]{
		kind: product.KindBrand, plural: "brands", title: "Brands", noun: "brand",
		intro:   "The names products are sold under.",
		headers: []string{"Brand", "Organisation", "Website"},
		get:     st.Brand, list: st.Brands, create: st.CreateBrand, update: st.UpdateBrand,
		decode: decodeBrand, meta: func(b *product.Brand) *psti.Record { return &b.Record },
		form: func(ctx context.Context, b *product.Brand) (*form, error) {
			orgs, err := st.Organisations(ctx, choices)
			if err != nil {
				return nil, err
			}
			f := brandForm(b, orgs)
			if len(orgs) == 0 {
				f.field("organisation_id").Hint = "There is no organisation yet: add one first, under Organisations."
			}
			return f, nil
		},
		blank: func(r *http.Request) *product.Brand {
			return &product.Brand{OrganisationID: idFromQuery(r, "organisation_id")}
		},
		rows: func(ctx context.Context, bs []*product.Brand) ([][]cell, error) {
			names, err := nameMap(ctx, st.Organisations, func(o *product.Organisation) (int64, string) { return o.ID, o.LegalName })
			if err != nil {
				return nil, err
			}
			out := make([][]cell, len(bs))
			for i, b := range bs {
				out[i] = []cell{{Text: b.Name, Href: fmt.Sprintf("/admin/brands/%d", b.ID), Muted: b.Archived()},
					{Text: names[b.OrganisationID], Href: fmt.Sprintf("/admin/organisations/%d", b.OrganisationID)}, {Text: b.Website}}
			}
			return out, nil
		},
		sections: func(ctx context.Context, b *product.Brand) ([]section, error) {
			ps, err := st.Products(ctx, product.Filter{ParentID: b.ID})
			if err != nil {
				return nil, err
			}
			sec := section{Title: "Products", AddHref: fmt.Sprintf("/admin/products/new?brand_id=%d", b.ID), AddLabel: "Add a product",
				Headers: []string{"Product", "Model number", "What it is"}, Empty: "No products yet."}
			for _, p := range ps {
				sec.Rows = append(sec.Rows, []cell{{Text: p.Name, Href: fmt.Sprintf("/admin/products/%d", p.ID)}, {Text: p.ModelNumber}, {Text: p.Type}})
			}
			return []section{sec}, nil
		},
		back: func(ctx context.Context, b *product.Brand) (string, string) {
			return parentLabel(ctx, st.Organisation, b.OrganisationID, "organisation"), fmt.Sprintf("/admin/organisations/%d", b.OrganisationID)
		},
	})

	addPages(s, &pageResource[product.Product]{
		kind: product.KindProduct, plural: "products", title: "Products", noun: "product",
		intro:   "Each model of connectable product, with its firmware and software versions and production batches.",
		headers: []string{"Product", "Model number", "What it is", "Brand", "Requirements"},
		get:     st.Product, list: st.Products, create: st.CreateProduct, update: st.UpdateProduct,
		decode: decodeProduct, meta: func(p *product.Product) *psti.Record { return &p.Record },
		form: func(ctx context.Context, p *product.Product) (*form, error) {
			brands, err := st.Brands(ctx, choices)
			if err != nil {
				return nil, err
			}
			makers, err := st.Manufacturers(ctx, choices)
			if err != nil {
				return nil, err
			}
			f := productForm(p, brands, makers)
			if len(brands) == 0 {
				f.field("brand_id").Hint = "There is no brand yet: add one first, under Brands."
			}
			if len(makers) == 0 {
				f.field("manufacturer_ids").Hint = "No manufacturers are recorded yet. Add them under Manufacturers, then tick them here."
			}
			return f, nil
		},
		blank: func(r *http.Request) *product.Product { return &product.Product{BrandID: idFromQuery(r, "brand_id")} },
		rows: func(ctx context.Context, ps []*product.Product) ([][]cell, error) {
			names, err := nameMap(ctx, st.Brands, func(b *product.Brand) (int64, string) { return b.ID, b.Name })
			if err != nil {
				return nil, err
			}
			lights, err := s.productLights(ctx, ps)
			if err != nil {
				return nil, err
			}
			ids := make([]int64, len(ps))
			for i, p := range ps {
				ids[i] = p.ID
			}
			decisions, err := s.store.CurrentScopeDecisions(ctx, ids...)
			if err != nil {
				return nil, err
			}
			out := make([][]cell, len(ps))
			for i, p := range ps {
				model := p.ModelNumber
				if p.HardwareVersion != "" {
					model += " (hardware " + p.HardwareVersion + ")"
				}
				held, err := s.holdNotices(ctx, p.ID)
				if err != nil {
					return nil, err
				}
				out[i] = []cell{{Text: p.Name, Href: fmt.Sprintf("/admin/products/%d", p.ID), Muted: p.Archived(), Held: held},
					{Text: model}, {Text: p.Type},
					{Text: names[p.BrandID], Href: fmt.Sprintf("/admin/brands/%d", p.BrandID)},
					lightsCell(p.ID, lights[p.ID], decisions[p.ID])}
			}
			return out, nil
		},
		sections: func(ctx context.Context, p *product.Product) ([]section, error) {
			vs, err := st.Versions(ctx, product.Filter{ParentID: p.ID})
			if err != nil {
				return nil, err
			}
			bs, err := st.Batches(ctx, product.Filter{ParentID: p.ID})
			if err != nil {
				return nil, err
			}
			vsec := section{Title: "Firmware and software versions", AddHref: fmt.Sprintf("/admin/versions/new?product_id=%d", p.ID), AddLabel: "Add a version",
				Headers: []string{"Component", "Version", "Released"}, Empty: "No versions recorded yet."}
			for _, v := range vs {
				vsec.Rows = append(vsec.Rows, []cell{{Text: v.Component}, {Text: v.Version, Href: fmt.Sprintf("/admin/versions/%d", v.ID)}, {Text: psti.DateText(v.ReleasedOn)}})
			}
			periods, err := s.store.Periods(ctx, support.Filter{ProductID: p.ID})
			if err != nil {
				return nil, err
			}
			now := s.cfg.Clock.Now()
			ssec := section{Title: "Security updates (support periods)", AddHref: fmt.Sprintf("/admin/products/%d/support", p.ID), AddLabel: "Support periods",
				Headers: []string{"Covers", "Until at least", "Status"}, Empty: "No support period yet: the law asks you to publish one, with an end date."}
			for _, x := range periods {
				ssec.Rows = append(ssec.Rows, []cell{{Text: covers(x), Href: fmt.Sprintf("/admin/support-periods/%d", x.ID)}, {Text: psti.DateText(x.EndDate)}, {Text: statusText(x, now)}})
			}
			bsec := section{Title: "Production batches", AddHref: fmt.Sprintf("/admin/batches/new?product_id=%d", p.ID), AddLabel: "Add a batch",
				Headers: []string{"Batch", "Produced", "Quantity"}, Empty: "No batches recorded yet."}
			for _, b := range bs {
				bsec.Rows = append(bsec.Rows, []cell{{Text: b.Code, Href: fmt.Sprintf("/admin/batches/%d", b.ID)}, {Text: dateRange(b.FirstProduced, b.LastProduced)}, {Text: quantity(b.Quantity)}})
			}
			decisions, err := s.store.ScopeDecisions(ctx, p.ID, 1)
			if err != nil {
				return nil, err
			}
			scsec := section{Title: "Scope: is it within the regime?", AddHref: fmt.Sprintf("/admin/products/%d/scope", p.ID), AddLabel: "Scope questions",
				Headers: []string{"Decision", "Decided", "Rules version"}, Empty: "Not decided yet: answer the scope questions to find out whether the law applies, and why."}
			for _, d := range decisions {
				scsec.Rows = append(scsec.Rows, []cell{{Text: scope.OutcomeText(d.Outcome), Href: fmt.Sprintf("/admin/products/%d/scope", p.ID)},
					{Text: psti.LongDate(d.DecidedAt)}, {Text: d.RulesVersion}})
			}
			esec := section{Title: "Evidence pack", AddHref: fmt.Sprintf("/admin/products/%d/evidence-pack", p.ID), AddLabel: "Download the evidence pack (zip)", Download: true,
				Empty: "One zip file with everything an enforcement officer would ask for about this product: password audits, the disclosure policy and how reports were handled, " +
					"support periods, statements of compliance, and the transparency log's proofs, with an index that explains each file. Check it with psti verify pack."}
			asec, err := s.assessmentSection(ctx, p)
			if err != nil {
				return nil, err
			}
			chsec, err := s.chainSection(ctx, p)
			if err != nil {
				return nil, err
			}
			return []section{scsec, asec, ssec, vsec, bsec, chsec, esec}, nil
		},
		back: func(ctx context.Context, p *product.Product) (string, string) {
			return parentLabel(ctx, st.Brand, p.BrandID, "brand"), fmt.Sprintf("/admin/brands/%d", p.BrandID)
		},
	})

	addPages(s, &pageResource[product.Version]{
		kind: product.KindVersion, plural: "versions", title: "Versions", noun: "version",
		intro:   "Firmware and software versions of every product, newest first.",
		headers: []string{"Product", "Component", "Version", "Released"},
		get:     st.Version, list: st.Versions, create: st.CreateVersion, update: st.UpdateVersion,
		decode: decodeVersion, meta: func(v *product.Version) *psti.Record { return &v.Record },
		form: func(_ context.Context, v *product.Version) (*form, error) { return versionForm(v), nil },
		blank: func(r *http.Request) *product.Version {
			if id := idFromQuery(r, "product_id"); id > 0 {
				return &product.Version{ProductID: id}
			}
			return &product.Version{}
		},
		rows: func(ctx context.Context, vs []*product.Version) ([][]cell, error) {
			names, err := productNames(ctx, st)
			if err != nil {
				return nil, err
			}
			out := make([][]cell, len(vs))
			for i, v := range vs {
				out[i] = []cell{{Text: names[v.ProductID], Href: fmt.Sprintf("/admin/products/%d", v.ProductID)}, {Text: v.Component},
					{Text: v.Version, Href: fmt.Sprintf("/admin/versions/%d", v.ID), Muted: v.Archived()}, {Text: psti.DateText(v.ReleasedOn)}}
			}
			return out, nil
		},
		back: func(ctx context.Context, v *product.Version) (string, string) {
			return parentLabel(ctx, st.Product, v.ProductID, "product"), fmt.Sprintf("/admin/products/%d", v.ProductID)
		},
	})

	addPages(s, &pageResource[product.Batch]{
		kind: product.KindBatch, plural: "batches", title: "Batches", noun: "batch",
		intro:   "Production batches of every product.",
		headers: []string{"Product", "Batch", "Produced", "Quantity"},
		get:     st.Batch, list: st.Batches, create: st.CreateBatch, update: st.UpdateBatch,
		decode: decodeBatch, meta: func(b *product.Batch) *psti.Record { return &b.Record },
		form: func(_ context.Context, b *product.Batch) (*form, error) { return batchForm(b), nil },
		blank: func(r *http.Request) *product.Batch {
			return &product.Batch{ProductID: idFromQuery(r, "product_id")}
		},
		rows: func(ctx context.Context, bs []*product.Batch) ([][]cell, error) {
			names, err := productNames(ctx, st)
			if err != nil {
				return nil, err
			}
			out := make([][]cell, len(bs))
			for i, b := range bs {
				out[i] = []cell{{Text: names[b.ProductID], Href: fmt.Sprintf("/admin/products/%d", b.ProductID)},
					{Text: b.Code, Href: fmt.Sprintf("/admin/batches/%d", b.ID), Muted: b.Archived()},
					{Text: dateRange(b.FirstProduced, b.LastProduced)}, {Text: quantity(b.Quantity)}}
			}
			return out, nil
		},
		back: func(ctx context.Context, b *product.Batch) (string, string) {
			return parentLabel(ctx, st.Product, b.ProductID, "product"), fmt.Sprintf("/admin/products/%d", b.ProductID)
		},
		sections: func(ctx context.Context, b *product.Batch) ([]section, error) {
			sec, err := s.batchAuditSection(ctx, b)
			return []section{sec}, err
		},
	})
}

// parentLabel names the record a page leads back to as its page's heading
// does, e.g. "Brand: Acme Home"; "" when there is none or it cannot be
// read, so the page leads back to the list instead.
func parentLabel[T any](ctx context.Context, get func(context.Context, int64) (*T, error), id int64, kind string) string {
	if id == 0 {
		return ""
	}
	rec, err := get(ctx, id)
	if err != nil {
		return ""
	}
	return strings.ToUpper(kind[:1]) + kind[1:] + ": " + describe(rec)
}

// productNames maps every product (archived too) to its name as pages show
// it.
func productNames(ctx context.Context, st product.Store) (map[int64]string, error) {
	return nameMap(ctx, st.Products, func(p *product.Product) (int64, string) { return p.ID, describe(p) })
}

// nameMap lists every record of a kind (archived too) and maps id to name.
func nameMap[T any](ctx context.Context, list func(context.Context, product.Filter) ([]*T, error), name func(*T) (int64, string)) (map[int64]string, error) {
	items, err := list(ctx, product.Filter{IncludeArchived: true})
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(items))
	for _, it := range items {
		id, n := name(it)
		m[id] = n
	}
	return m, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func dateRange(from, to string) string {
	switch {
	case from == "" && to == "":
		return ""
	case to == "" || from == to:
		return psti.DateText(from)
	case from == "":
		return "until " + psti.DateText(to)
	}
	return psti.DateText(from) + " to " + psti.DateText(to)
}

func quantity(n int64) string {
	if n == 0 {
		return "not known"
	}
	return humanize.Comma(n)
}

type dashboardData struct {
	Counts    []cell
	Next      *cell  // the next thing to set up, as a link; nil when all is set up
	Attention []cell // what needs looking at now: overdue and nearest promises, failed audits
}

// setupSteps is how far a batch list is read for the next step and for
// failed audits: the overview stays quick however many batches there are.
const setupSteps = 200

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, u *auth.User) {
	ctx := r.Context()
	d := dashboardData{}
	n := map[product.Kind]int{}
	for _, k := range []struct {
		kind      product.Kind
		one, many string
		href      string
	}{
		{product.KindOrganisation, "organisation", "organisations", "/admin/organisations"},
		{product.KindManufacturer, "manufacturer", "manufacturers", "/admin/manufacturers"},
		{product.KindBrand, "brand", "brands", "/admin/brands"},
		{product.KindProduct, "product", "products", "/admin/products"},
		{product.KindBatch, "batch", "batches", "/admin/batches"},
	} {
		c, err := s.store.Count(ctx, k.kind, product.Filter{})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		n[k.kind] = c
		d.Counts = append(d.Counts, cell{Text: counted(c, k.one, k.many), Href: k.href})
	}
	next := func(text, href string) {
		if d.Next == nil {
			d.Next = &cell{Text: text, Href: href}
		}
	}
	switch {
	case n[product.KindOrganisation] == 0:
		next("Add your organisation: its legal name and postal address.", "/admin/organisations/new")
	case n[product.KindManufacturer] == 0:
		next("Add the manufacturers of your products (often your own organisation, and any contract manufacturer).", "/admin/manufacturers/new")
	case n[product.KindBrand] == 0:
		next("Add the brands your products are sold under.", "/admin/brands/new")
	case n[product.KindProduct] == 0:
		next("Add your first product.", "/admin/products/new")
	}
	// Past the first product: each product's batches, and each batch's
	// password audit (PSTI-PW-01), newest audit first.
	if d.Next == nil {
		ps, err := s.store.Products(ctx, product.Filter{Limit: setupSteps})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, p := range ps {
			bs, err := s.store.Batches(ctx, product.Filter{ParentID: p.ID, Limit: setupSteps})
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			if len(bs) == 0 {
				next(fmt.Sprintf("Record a production batch of %s.", describe(p)), fmt.Sprintf("/admin/batches/new?product_id=%d", p.ID))
			}
			for _, b := range bs {
				runs, err := s.store.Runs(ctx, b.ID, 5)
				if err != nil {
					s.pageError(w, r, err)
					return
				}
				var done *passwords.Run
				for _, run := range runs {
					if run.State == passwords.RunDone {
						done = run
						break
					}
				}
				switch {
				case done == nil && len(runs) == 0:
					next(fmt.Sprintf("Audit the passwords of batch %s of %s.", b.Code, describe(p)), fmt.Sprintf("/admin/batches/%d/password-audits/new", b.ID))
				case done != nil && done.Verdict == "fail":
					d.Attention = append(d.Attention, cell{Text: fmt.Sprintf("The password audit of batch %s of %s failed.", b.Code, describe(p)),
						Href: fmt.Sprintf("/admin/password-audits/%d", done.ID)})
				}
			}
		}
	}
	if n[product.KindOrganisation] > 0 {
		ps, err := s.store.Policies(ctx)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if len(ps) == 0 {
			// PSTI-VR-03: publish when reporters hear back.
			next("Publish your security policy: how to report a problem to you, and when reporters will hear back.", "/admin/security-policy")
		}
	}

	open, err := s.store.CountReports(ctx, disclosure.Filter{Status: "open"})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	now := s.cfg.Clock.Now()
	overdue, err := s.store.CountReports(ctx, disclosure.Filter{Overdue: now})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	text := counted(open, "open security report", "open security reports")
	if overdue > 0 {
		text += fmt.Sprintf(", %d overdue", overdue)
		d.Attention = append([]cell{{Text: fmt.Sprintf("%s overdue. Your published policy says when reporters will hear back; missing those times misleads them.",
			counted(overdue, "security report is", "security reports are")), Href: "/admin/reports?show=overdue"}}, d.Attention...)
	}
	d.Counts = append(d.Counts, cell{Text: text, Href: "/admin/reports"})
	// The open reports are listed soonest promise first.
	if reps, err := s.store.Reports(ctx, disclosure.Filter{Status: "open", Limit: 1}); err != nil {
		s.pageError(w, r, err)
		return
	} else if len(reps) == 1 && reps[0].Due != nil && !now.After(*reps[0].Due) {
		due, _ := dueText(reps[0], now, (&calendars{s: s, r: r}).of(reps[0].OrganisationID))
		d.Attention = append(d.Attention, cell{Text: fmt.Sprintf("Nearest promise: report %d, “%s”. %s.", reps[0].ID, reps[0].Summary, due),
			Href: fmt.Sprintf("/admin/reports/%d", reps[0].ID)})
	}
	// PSTI-DSP-02: extend in time; PSTI-DSP-01: publish one for every product.
	if n[product.KindProduct] > 0 {
		rem, err := s.reminders(ctx, s.cfg.SupportWindow, false)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if len(rem.Ending) > 0 {
			d.Attention = append(d.Attention, cell{Text: fmt.Sprintf("%s within %d days. Decide whether to extend.",
				counted(len(rem.Ending), "support period ends", "support periods end"), rem.Days), Href: "/admin/support-periods"})
		}
		if len(rem.Unsupported) > 0 {
			d.Attention = append(d.Attention, cell{Text: fmt.Sprintf("%s no published support period.",
				counted(len(rem.Unsupported), "product has", "products have")), Href: "/admin/support-periods"})
		}
	}
	s.render(w, r, http.StatusOK, "dashboard", &view{Title: "Overview", User: u, Section: "admin", Data: d})
}
