package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/support"
)

// Defined support periods on pages (PSTI Schedule 1 paragraph 3): staff
// draft, publish and extend them on the product's admin pages and are
// reminded of periods coming to an end; the public looks a product up at
// /products and reads, at /products/{slug}, until when it gets security
// updates. The rules are package support's; these handlers read forms and
// show what the store answers.

// periodRow is a period in a staff list.
type periodRow struct {
	Href, Product, Covers, Ends, Status string
}

func covers(p *support.Period) string {
	if len(p.Models) == 0 {
		return "The whole product"
	}
	return strings.Join(p.Models, ", ")
}

func statusText(p *support.Period, now time.Time) string {
	switch {
	case !p.Published():
		return "Draft: not public"
	case p.Ended(now):
		return "Published; ended"
	case len(p.Extensions) > 0:
		return fmt.Sprintf("Published; extended %s", counted(len(p.Extensions), "time", "times"))
	}
	return "Published"
}

type supportProductData struct {
	Product  *product.Product
	Periods  []periodRow
	Form     *form // a new draft; nil for viewers
	Public   string
	BackHref string
}

type extensionView struct {
	From, To, Reason string
	At               time.Time
	LogHref          string
}

func extensionViews(p *support.Period) []extensionView {
	out := make([]extensionView, len(p.Extensions))
	for i, e := range p.Extensions {
		out[i] = extensionView{From: psti.DateText(e.PreviousEndDate), To: psti.DateText(e.EndDate), Reason: e.Reason, At: e.At, LogHref: logEntryPage(e.LogIndex)}
	}
	return out
}

type supportPeriodData struct {
	Period     *support.Period
	Product    *product.Product
	Covers     string
	Ends       string
	Status     string
	Public     string // the product's public page, once published
	LogHref    string
	Extensions []extensionView
	Form       *form // editing a draft, or extending a published period; nil for viewers
	Editor     bool
	Rule       string
}

// periodForm edits a draft.
func periodForm(p *support.Period, action string) *form {
	end := dateField("end_date", "Security updates until at least",
		"The last day you promise security updates for. Give a date: “until further notice” or “5 years” is not allowed, because buyers must be able to see when updates stop.", p.EndDate)
	end.Required = true
	return &form{Action: action, Submit: "Save the draft", Fields: []*field{
		end,
		{Name: "models", Label: "Only for these models or firmware lines", Hint: "One per line. Leave empty if the period covers the whole product.", Type: "textarea",
			Value: strings.Join(p.Models, "\n"), Rows: 3, Max: support.MaxModels * (support.MaxModel + 1)},
		{Name: "notes", Label: "Notes for buyers", Hint: "Anything else a buyer should know, in plain words, for example how updates are installed.", Type: "textarea",
			Value: p.Notes, Rows: 3, Max: support.MaxNotes},
	}, Hidden: []hidden{{"revision", strconv.FormatInt(p.Revision, 10)}}}
}

// decodePeriod reads a draft of productID from its form: an error when
// what was typed is not a date, with every other problem of the draft.
func decodePeriod(v url.Values, productID int64) (*support.Period, error) {
	c := conv{v: v}
	p := &support.Period{ProductID: productID, EndDate: c.date("end_date", "The end date"), Notes: c.text("notes"), Revision: c.int("revision", "Revision"),
		Models: []string{}, Status: support.StatusDraft}
	for _, line := range strings.Split(c.text("models"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			p.Models = append(p.Models, line)
		}
	}
	return p, c.done(p)
}

// extendForm extends a published period.
func extendForm(p *support.Period) *form {
	end := dateField("end_date", "New end date", fmt.Sprintf("Later than %s.", psti.DateText(p.EndDate)), "")
	end.Required = true
	return &form{Action: fmt.Sprintf("/admin/support-periods/%d/extend", p.ID), Submit: "Extend and publish now", Fields: []*field{
		end,
		{Name: "reason", Label: "Why it is extended", Hint: "Published with the new date, in plain words.", Type: "textarea", Rows: 3, Max: support.MaxReason, Required: true},
	}}
}

func periodID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) registerSupportPages() {
	s.page("GET /admin/products/{id}/support", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, ok := getRecord(s, w, r, s.store.Product)
		if ok {
			var f *form
			if u.Role.Allows(auth.Editor) && !p.Archived() {
				f = periodForm(&support.Period{}, fmt.Sprintf("/admin/products/%d/support", p.ID))
				f.Submit = "Save as a draft"
			}
			s.showProductSupport(w, r, u, p, f, http.StatusOK)
		}
	})
	s.page("POST /admin/products/{id}/support", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, ok := getRecord(s, w, r, s.store.Product)
		if !ok {
			return
		}
		period, err := decodePeriod(r.PostForm, p.ID)
		if err == nil {
			err = s.store.CreatePeriod(r.Context(), userActor(u), period)
		}
		if err != nil {
			f := withValues(periodForm(period, fmt.Sprintf("/admin/products/%d/support", p.ID)), r.PostForm)
			f.Submit = "Save as a draft"
			f.setError(err)
			s.showProductSupport(w, r, u, p, f, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/support-periods/%d", period.ID), "The draft is saved. It is not public until you publish it.")
	})
	s.page("GET /admin/support-periods", auth.Viewer, s.supportReminders)
	s.page("GET /admin/support-periods/{id}", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, ok := s.getPeriod(w, r)
		if ok {
			s.showPeriod(w, r, u, p, nil, http.StatusOK)
		}
	})
	s.page("POST /admin/support-periods/{id}", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		current, ok := s.getPeriod(w, r)
		if !ok {
			return
		}
		p, err := decodePeriod(r.PostForm, current.ProductID)
		p.ID = current.ID
		if err == nil {
			err = s.store.UpdatePeriod(r.Context(), userActor(u), p)
		}
		if err != nil {
			f := periodForm(current, r.URL.Path)
			f = withValues(f, r.PostForm)
			f.setError(err)
			s.showPeriod(w, r, u, current, f, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, r.URL.Path, "The draft is saved. It is not public until you publish it.")
	})
	s.page("POST /admin/support-periods/{id}/publish", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		current, ok := s.getPeriod(w, r)
		if !ok {
			return
		}
		rev, _ := strconv.ParseInt(r.PostForm.Get("revision"), 10, 64)
		p, err := s.store.PublishPeriod(r.Context(), userActor(u), current.ID, rev)
		if err != nil {
			f := periodForm(current, fmt.Sprintf("/admin/support-periods/%d", current.ID))
			f.setError(err)
			s.showPeriod(w, r, u, current, f, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/support-periods/%d", p.ID),
			fmt.Sprintf("Published: security updates until at least %s. It is on the product's public page now, and can be extended but never shortened.", psti.DateText(p.EndDate)))
	})
	s.page("POST /admin/support-periods/{id}/extend", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		current, ok := s.getPeriod(w, r)
		if !ok {
			return
		}
		c := conv{v: r.PostForm}
		end := c.date("end_date", "The new end date")
		err := c.p.Err() // what was typed is not a date: say so
		var p *support.Period
		if err == nil {
			p, err = s.store.ExtendPeriod(r.Context(), userActor(u), current.ID, end, c.text("reason"))
		}
		if err != nil {
			f := withValues(extendForm(current), r.PostForm)
			f.setError(err)
			s.showPeriod(w, r, u, current, f, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/support-periods/%d", p.ID), fmt.Sprintf("Extended: security updates until at least %s, published now.", psti.DateText(p.EndDate)))
	})
	s.page("POST /admin/support-periods/{id}/delete", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		current, ok := s.getPeriod(w, r)
		if !ok {
			return
		}
		if err := s.store.DeletePeriod(r.Context(), userActor(u), current.ID); err != nil {
			s.pageError(w, r, err)
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/products/%d/support", current.ProductID), "The draft is deleted.")
	})

	s.page("GET /products", auth.Public, s.productIndex)
	s.page("GET /products/{slug}", auth.Public, s.productPage)
}

func (s *Server) getPeriod(w http.ResponseWriter, r *http.Request) (*support.Period, bool) {
	id, ok := periodID(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "There is no such support period.")
		return nil, false
	}
	p, err := s.store.Period(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	return p, true
}

func (s *Server) showProductSupport(w http.ResponseWriter, r *http.Request, u *auth.User, p *product.Product, f *form, status int) {
	ps, err := s.store.Periods(r.Context(), support.Filter{ProductID: p.ID})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	now := s.cfg.Clock.Now()
	d := supportProductData{Product: p, Form: f, BackHref: fmt.Sprintf("/admin/products/%d", p.ID)}
	for _, x := range ps {
		d.Periods = append(d.Periods, periodRow{Href: fmt.Sprintf("/admin/support-periods/%d", x.ID), Covers: covers(x), Ends: psti.DateText(x.EndDate), Status: statusText(x, now)})
		if x.Published() {
			d.Public = "/products/" + p.Slug
		}
	}
	s.render(w, r, status, "support_product", &view{Title: "Support periods: " + describe(p), User: u, Section: "products", Data: d})
}

func (s *Server) showPeriod(w http.ResponseWriter, r *http.Request, u *auth.User, p *support.Period, f *form, status int) {
	pr, err := s.store.Product(r.Context(), p.ProductID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	now := s.cfg.Clock.Now()
	d := supportPeriodData{Period: p, Product: pr, Covers: covers(p), Ends: psti.DateText(p.EndDate), Status: statusText(p, now),
		LogHref: logEntryPage(p.LogIndex), Extensions: extensionViews(p), Editor: u.Role.Allows(auth.Editor), Rule: support.ShortenRefused}
	if p.Published() {
		d.Public = "/products/" + pr.Slug
	}
	if f == nil && d.Editor {
		if p.Published() {
			f = extendForm(p)
		} else {
			f = periodForm(p, fmt.Sprintf("/admin/support-periods/%d", p.ID))
		}
	}
	d.Form = f
	title := "Support period of " + describe(pr)
	if !p.Published() {
		title = "Draft support period of " + describe(pr)
	}
	s.render(w, r, status, "support_period", &view{Title: title, User: u, Section: "products", Data: d})
}

// reminderData lists what staff should look at: published periods ending
// within the window, and products with no published period.
type reminderData struct {
	Days        int
	Until       string
	Ending      []periodRow
	Unsupported []cell
}

// maxWindowDays bounds the window a reminders page may be asked for.
const maxWindowDays = 3660

// reminders returns the published periods ending within window of now and
// the products without a published period; named reads each product's name
// for the list (the overview needs only how many).
func (s *Server) reminders(ctx context.Context, window time.Duration, named bool) (reminderData, error) {
	now := s.cfg.Clock.Now()
	until := now.Add(window).In(psti.London)
	d := reminderData{Days: int(window / (24 * time.Hour)), Until: psti.LongDate(until)}
	ending, err := s.store.Periods(ctx, support.Filter{Status: support.StatusPublished, EndsBy: until.Format(time.DateOnly)})
	if err != nil {
		return d, err
	}
	names := s.newPublicNames()
	name := func(id int64) (string, error) {
		if !named {
			return "", nil
		}
		pr, _, _, err := names.product(ctx, id)
		if err != nil {
			return "", err
		}
		return describe(pr), nil
	}
	for _, p := range ending {
		if p.Ended(now) {
			continue
		}
		n, err := name(p.ProductID)
		if err != nil {
			return d, err
		}
		d.Ending = append(d.Ending, periodRow{Href: fmt.Sprintf("/admin/support-periods/%d", p.ID), Product: n, Covers: covers(p), Ends: psti.DateText(p.EndDate)})
	}
	ids, err := s.store.Unsupported(ctx, 200)
	if err != nil {
		return d, err
	}
	for _, id := range ids {
		n, err := name(id)
		if err != nil {
			return d, err
		}
		d.Unsupported = append(d.Unsupported, cell{Text: n, Href: fmt.Sprintf("/admin/products/%d/support", id)})
	}
	return d, nil
}

func (s *Server) supportReminders(w http.ResponseWriter, r *http.Request, u *auth.User) {
	window := s.cfg.SupportWindow
	if v := r.URL.Query().Get("window"); v != "" {
		days, err := strconv.Atoi(v)
		if err != nil || days < 1 || days > maxWindowDays {
			s.errorPage(w, r, http.StatusBadRequest, fmt.Sprintf("The window is a number of days, from 1 to %d.", maxWindowDays))
			return
		}
		window = time.Duration(days) * 24 * time.Hour
	}
	d, err := s.reminders(r.Context(), window, true)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "support_reminders", &view{Title: "Support periods coming to an end", User: u, Section: "products", Data: d})
}

// ---- public pages ----

type productListItem struct {
	Href, Name, Brand, Model string
	Ends                     []string // "Security updates until at least 31 March 2030", a line per period
}

type productIndexData struct {
	Query    string
	Searched bool
	Products []productListItem
	More     bool // more products match than the page lists
}

// maxListed is how many products the public list shows at once; a search
// narrows it.
const maxListed = 100

// maxQuery bounds a search, in characters.
const maxQuery = 100

// cleanQuery is a search as typed, without what no product's name holds:
// control characters and invalid bytes.
func cleanQuery(q string) string {
	q = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\uFFFD' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(q, ""))
	if rs := []rune(strings.TrimSpace(q)); len(rs) > maxQuery {
		q = string(rs[:maxQuery])
	}
	return strings.TrimSpace(q)
}

// endsText says until when a published period gives security updates, or
// that they ended, in words for a buyer.
func endsText(p *support.Period, now time.Time) string {
	if p.Ended(now) {
		return "Security updates ended on " + psti.DateText(p.EndDate) + "."
	}
	return "Security updates until at least " + psti.DateText(p.EndDate) + "."
}

func (s *Server) productIndex(w http.ResponseWriter, r *http.Request, u *auth.User) {
	ctx := r.Context()
	q := cleanQuery(r.URL.Query().Get("q"))
	d := productIndexData{Query: q, Searched: q != ""}
	ps, err := s.store.PublicProducts(ctx, q, maxListed+1)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(ps) > maxListed {
		ps, d.More = ps[:maxListed], true
	}
	names := s.newPublicNames()
	now := s.cfg.Clock.Now()
	for _, p := range ps {
		_, b, _, err := names.product(ctx, p.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		periods, err := s.store.Periods(ctx, support.Filter{ProductID: p.ID, Status: support.StatusPublished})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		it := productListItem{Href: "/products/" + p.Slug, Name: p.Name, Brand: b.Name, Model: p.ModelNumber}
		for _, x := range periods {
			line := endsText(x, now)
			if len(x.Models) > 0 {
				line = strings.Join(x.Models, ", ") + ": " + line
			}
			it.Ends = append(it.Ends, line)
		}
		d.Products = append(d.Products, it)
	}
	s.render(w, r, http.StatusOK, "products", &view{Title: "Check a product's security updates", User: u, Data: d})
}

type publicPeriodView struct {
	Models         []string
	Until          string
	Ended          bool
	Notes          string
	FirstPublished time.Time
	LogHref        string
	Extensions     []extensionView
}

type productPageData struct {
	Product     *product.Product
	Brand       string
	Vendor      string
	Identifiers []cell // what each code is, and the code
	Periods     []publicPeriodView
	// Statements are the product's current statements of compliance.
	Statements []cell
}

// identifierNames says what each kind of product code is, for a buyer.
var identifierNames = map[string]string{
	product.SchemeGTIN: "Barcode number (GTIN)", product.SchemeSKU: "Shop code (SKU)", product.SchemeMPN: "Manufacturer part number", product.SchemeOther: "Other code",
}

// statementsOf lists the current issued statements of compliance of a
// product, newest first: each names the batches it covers.
func (s *Server) statementsOf(ctx context.Context, p *product.Product) ([]cell, error) {
	recs, err := s.store.Statements(ctx, statement.Filter{ProductID: p.ID, Status: statement.StatusIssued, Limit: maxListed})
	if err != nil {
		return nil, err
	}
	var out []cell
	for _, r := range recs {
		if r.SupersededBy == nil {
			out = append(out, cell{Text: fmt.Sprintf("%s %s (batches %s)", r.Content.Title(), r.Number, strings.Join(r.Content.Batches, ", ")),
				Href: fmt.Sprintf("/statements/%s/%d", r.Number, r.Version)})
		}
	}
	return out, nil
}

func validSlug(s string) bool {
	return s != "" && len(s) <= 100 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

func (s *Server) productPage(w http.ResponseWriter, r *http.Request, u *auth.User) {
	ctx := r.Context()
	const missing = "There is no product at this address. Search for it on the list of products."
	slug := r.PathValue("slug")
	if !validSlug(slug) {
		s.errorPage(w, r, http.StatusNotFound, missing)
		return
	}
	p, err := s.store.ProductBySlug(ctx, slug)
	if psti.ErrorCode(err) == psti.ENOTFOUND {
		s.errorPage(w, r, http.StatusNotFound, missing)
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	periods, err := s.store.Periods(ctx, support.Filter{ProductID: p.ID, Status: support.StatusPublished})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(periods) == 0 {
		// Only what is published is public: a product whose period is
		// still a draft is not shown, nor said to exist.
		s.errorPage(w, r, http.StatusNotFound, missing)
		return
	}
	_, b, o, err := s.newPublicNames().product(ctx, p.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	now := s.cfg.Clock.Now()
	statements, err := s.statementsOf(ctx, p)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := productPageData{Product: p, Brand: b.Name, Vendor: o.LegalName, Statements: statements}
	for _, id := range p.Identifiers {
		d.Identifiers = append(d.Identifiers, cell{Text: identifierNames[id.Scheme], Href: id.Value})
	}
	for _, x := range periods {
		d.Periods = append(d.Periods, publicPeriodView{Models: x.Models, Until: psti.DateText(x.EndDate), Ended: x.Ended(now), Notes: x.Notes,
			FirstPublished: *x.FirstPublishedAt, LogHref: logEntryPage(x.LogIndex), Extensions: extensionViews(x)})
	}
	s.render(w, r, http.StatusOK, "product", &view{Title: b.Name + " " + p.Name + ": security updates", User: u, Data: d})
}
