package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
)

// Statements of compliance on pages (PSTI-SOC-*): staff make a draft for a
// product from its records, see at once what it still lacks, issue it
// (rendered, signed and logged) and correct it by a new version; anyone
// reads an issued version at /statements/{number}/{version}, with its
// signed PDF, its JSON and the JSON's signature. The rules are package
// statement's; these handlers read forms and show what it answers.

// statementNumber is what a statement's number looks like.
var statementNumber = regexp.MustCompile(`^SOC-[0-9]{4}-[0-9]{4,9}$`)

// statementForm is the form of a draft's choices: the rest comes from the
// product's records.
func statementForm(action string, batches []*product.Batch, s *statement.Statement) *form {
	bf := &field{Name: "batch_ids", Label: "Batches the statement covers", Type: "checkboxes",
		Hint: "The batches of this product that the statement goes with. Add a batch on the product's page first if it is missing."}
	chosen := map[string]bool{}
	for _, c := range s.Batches {
		chosen[c] = true
	}
	for _, b := range batches {
		id := strconv.FormatInt(b.ID, 10)
		bf.Options = append(bf.Options, option{id, b.Code})
		if chosen[b.Code] {
			bf.Checked = append(bf.Checked, id)
		}
	}
	behalf := "by"
	if s.OnBehalf {
		behalf = "on_behalf"
	}
	route, lb := "statement", statement.Label{}
	if s.Label != nil {
		route, lb = "label", *s.Label
	}
	schemes := []option{}
	for _, sc := range statement.LabelSchemes {
		schemes = append(schemes, option{sc.ID, sc.Name})
	}
	expires := dateField("label_expires", "The label is valid until", "Only for the label route: the last day of the label's validity, as the label or its certificate gives it.", lb.Expires)
	f := &form{Action: action, Submit: "Save the draft", Fields: []*field{
		{Name: "route", Label: "How the product meets the duty to supply a statement of compliance", Type: "select", Value: route, Required: true,
			Hint:    "Since December 2025 a current JC-STAR STAR-1 or Singapore CLS label stands in for the statement (Schedule 2A), until the label expires.",
			Options: []option{{"statement", "A statement of compliance"}, {"label", "An accepted label instead (Schedule 2A)"}}},
		{Name: "label_scheme", Label: "Accepted label", Type: "select", Value: lb.Scheme, Options: schemes, Hint: "Only for the label route."},
		{Name: "label_level", Label: "The label's level", Type: "text", Value: lb.Level, Max: 20, Hint: "For a CLS label, its level: 1, 2, 3 or 4."},
		{Name: "label_reference", Label: "The label's number", Type: "text", Value: lb.Reference, Max: statement.MaxName, Hint: "As the label or its certificate gives it."},
		expires,
		bf,
		{Name: "prepared", Label: "Who prepares the statement", Type: "select", Value: behalf, Required: true, Options: []option{
			{"by", "The manufacturer"}, {"on_behalf", "Someone on the manufacturer's behalf"}}},
		{Name: "representatives", Label: "Authorised representatives", Type: "textarea", Rows: 4, Max: statement.MaxParties * (statement.MaxName + statement.MaxAddress),
			Hint:  "Only if the manufacturer has appointed one. For each: the name on the first line and the address on the lines below; leave an empty line between two.",
			Value: partiesText(s.Representatives)},
	}}
	for _, par := range statement.Paragraphs {
		c := claimOf(s, par.Number)
		var st statement.Standard
		if len(c.Standards) > 0 {
			st = c.Standards[0]
		}
		n := strconv.Itoa(par.Number)
		f.Fields = append(f.Fields,
			&field{Name: "claim" + n + "_route", Label: par.Title, Type: "select", Value: c.Route, Required: true,
				Hint: "Is the requirement met as such, or by the deemed compliance conditions (relying on a standard)?", Options: []option{
					{statement.RouteRequirement, "Met as such (Schedule 1)"}, {statement.RouteDeemed, "Met by the deemed compliance conditions (Schedule 2)"}}},
			&field{Name: "claim" + n + "_standard", Label: "Standard relied on: identification number", Type: "text", Value: st.Number, Max: statement.MaxName,
				Hint: "Only for deemed compliance, for example ETSI EN 303 645."},
			&field{Name: "claim" + n + "_version", Label: "Its version", Type: "text", Value: st.Version, Max: statement.MaxName, Hint: "For example V2.1.1."},
			&field{Name: "claim" + n + "_issued", Label: "Its date of issue", Type: "text", Value: st.Issued, Max: 10, Hint: "As the standard gives it: YYYY-MM, for example 2020-06."},
			&field{Name: "claim" + n + "_provisions", Label: "The provisions relied on", Type: "text", Value: st.Provisions, Max: statement.MaxText, Hint: "For example 5.1-1, 5.1-2."},
		)
	}
	issued := dateField("issued", "Date of issue", "The day the statement is issued: today, or an earlier day.", s.Issued)
	issued.Required = true
	f.Fields = append(f.Fields,
		&field{Name: "signatory_name", Label: "Signatory's name", Type: "text", Value: s.Signatory.Name, Required: true, Max: statement.MaxName},
		&field{Name: "signatory_function", Label: "Signatory's function", Type: "text", Value: s.Signatory.Function, Required: true, Max: statement.MaxName,
			Hint: "Their job title, for example Head of Product Security."},
		&field{Name: "place", Label: "Place of issue", Type: "text", Value: s.Place, Required: true, Max: statement.MaxName, Hint: "The town or city, for example London."},
		issued,
	)
	return f
}

func claimOf(s *statement.Statement, n int) statement.Claim {
	for _, c := range s.Claims {
		if c.Paragraph == n {
			return c
		}
	}
	return statement.Claim{Paragraph: n}
}

// partiesText and parseParties write and read parties in a text area: a
// block per party, its name on the first line, its address below.
func partiesText(ps []statement.Party) string {
	var blocks []string
	for _, p := range ps {
		blocks = append(blocks, p.Name+"\n"+p.Address)
	}
	return strings.Join(blocks, "\n\n")
}

func parseParties(text string) []statement.Party {
	var out []statement.Party
	for _, block := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		block = strings.TrimSpace(block)
		if block == "" {
			continue
		}
		name, addr, _ := strings.Cut(block, "\n")
		out = append(out, statement.Party{Name: strings.TrimSpace(name), Address: strings.TrimSpace(addr)})
	}
	return out
}

// decodeStatement reads a draft's choices from its form.
func decodeStatement(v url.Values, productID int64) (statement.Request, int64, error) {
	c := conv{v: v}
	req := statement.Request{ProductID: productID, OnBehalf: c.str("prepared") == "on_behalf", Representatives: parseParties(c.text("representatives")),
		Signatory: statement.Signatory{Name: c.str("signatory_name"), Function: c.str("signatory_function")}, Place: c.str("place"),
		Issued: c.date("issued", "The date of issue"), BatchIDs: []int64{}}
	for _, id := range v["batch_ids"] {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
			req.BatchIDs = append(req.BatchIDs, n)
		}
	}
	slices.Sort(req.BatchIDs) // the order they were made in, oldest first
	for _, par := range statement.Paragraphs {
		n := strconv.Itoa(par.Number)
		cl := statement.Claim{Paragraph: par.Number, Route: c.str("claim" + n + "_route")}
		st := statement.Standard{Number: c.str("claim" + n + "_standard"), Version: c.str("claim" + n + "_version"), Issued: c.str("claim" + n + "_issued"),
			Provisions: c.str("claim" + n + "_provisions")}
		if cl.Route == statement.RouteDeemed || st != (statement.Standard{}) {
			if st != (statement.Standard{}) {
				cl.Standards = []statement.Standard{st}
			}
		}
		req.Claims = append(req.Claims, cl)
	}
	if c.str("route") == "label" {
		req.Label = &statement.Label{Scheme: c.str("label_scheme"), Level: c.str("label_level"), Reference: c.str("label_reference"),
			Expires: c.date("label_expires", "The label's expiry")}
		req.Claims = nil
	}
	rev, _ := strconv.ParseInt(v.Get("revision"), 10, 64)
	return req, rev, c.p.Err()
}

// formProblems names each problem after the form field that shows it:
// claims[i] of paragraph n is claimN_route, its standard claimN_standard,
// and so on.
func formProblems(ps []psti.FieldError, s *statement.Statement) []psti.FieldError {
	out := make([]psti.FieldError, len(ps))
	for i, p := range ps {
		f := p.Field
		if rest, ok := strings.CutPrefix(f, "claims["); ok {
			idx, tail, _ := strings.Cut(rest, "]")
			n, _ := strconv.Atoi(idx)
			par := n + 1
			if n >= 0 && n < len(s.Claims) {
				par = s.Claims[n].Paragraph
			}
			f = fmt.Sprintf("claim%d_route", par)
			for suffix, name := range map[string]string{".number": "_standard", ".version": "_version", ".issued": "_issued", ".provisions": "_provisions"} {
				if strings.HasSuffix(tail, suffix) {
					f = fmt.Sprintf("claim%d%s", par, name)
				}
			}
		} else if f == "claims" {
			f = "claim1_route"
		}
		switch {
		case strings.HasPrefix(f, "label."):
			f = "label_" + strings.TrimPrefix(f, "label.")
		case strings.HasPrefix(f, "batches"):
			f = "batch_ids"
		case f == "signatory.name":
			f = "signatory_name"
		case f == "signatory.function":
			f = "signatory_function"
		}
		out[i] = psti.FieldError{Field: f, Message: p.Message}
	}
	return out
}

type statementRow struct {
	Href, Number, Product, Status, Issued, KeepUntil string
	Version                                          int
	// Held says the product's supply is held, while it is.
	Held []string
}

type statementsData struct {
	Rows     []statementRow
	Products []option // products a new statement may be made for
	Editor   bool
}

type statementData struct {
	Record     *statement.Record
	Product    *product.Product
	Status     string
	Problems   []psti.FieldError // what a draft lacks before it can be issued
	Preview    template.HTML     // the draft as it would be issued
	Public     string
	LogHref    string
	Kept       string
	Lapsed     string
	Form       *form
	Alert      *form // a refused issue, correction or deletion
	Editor     bool
	Supersedes string // the admin page of the version it corrects
	Successor  string // the admin page of the version that corrects it
	Files      []statementFile
	// Holds are the holds on the product's supply not yet lifted.
	Holds []string
}

type statementFile struct {
	Name, Href, SHA256 string
}

// fileOrder is the order copies are listed in: the PDF, which a person
// keeps or prints, first.
var fileOrder = []string{statement.RenderingPDF, statement.RenderingHTML, statement.RenderingJSON, statement.RenderingJWS}

// statementFiles lists an issued version's copies, at page/NAME.
func statementFiles(r *statement.Record, page string) []statementFile {
	var out []statementFile
	for _, kind := range fileOrder {
		for _, x := range r.Renderings {
			if x.Kind == kind {
				out = append(out, statementFile{Name: statement.FileName[kind], Href: page + "/" + statement.FileName[kind], SHA256: x.SHA256})
			}
		}
	}
	return out
}

func recordStatus(r *statement.Record) string {
	if r.Content.Label != nil {
		return strings.Replace(statementStatus(r), "Issued", "Label route recorded", 1)
	}
	return statementStatus(r)
}

func statementStatus(r *statement.Record) string {
	switch {
	case r.Status == statement.StatusDraft && r.Supersedes != nil:
		return fmt.Sprintf("Draft correction (version %d): not issued, not public", r.Version)
	case r.Status == statement.StatusDraft:
		return "Draft: not issued, not public"
	case r.SupersededBy != nil:
		return "Issued; corrected by a later version"
	}
	return "Issued; current"
}

func (s *Server) registerStatementPages() {
	s.page("GET /admin/statements", auth.Viewer, s.statementList)
	s.page("GET /admin/statements/new", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, ok := s.statementProduct(w, r, r.URL.Query().Get("product"))
		if ok {
			s.showNewStatement(w, r, u, p, nil, &statement.Statement{Issued: s.cfg.Clock.Now().In(psti.London).Format(time.DateOnly)}, http.StatusOK)
		}
	})
	s.page("POST /admin/statements/new", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, ok := s.statementProduct(w, r, r.PostForm.Get("product"))
		if !ok {
			return
		}
		req, _, err := decodeStatement(r.PostForm, p.ID)
		if err != nil {
			s.showNewStatement(w, r, u, p, err, &statement.Statement{}, http.StatusUnprocessableEntity)
			return
		}
		rec, problems, err := s.statements.Create(r.Context(), userActor(u), req)
		if err != nil {
			s.showNewStatement(w, r, u, p, err, &statement.Statement{}, statusOf(psti.ErrorCode(err)))
			return
		}
		msg := "The draft is saved. It is ready to issue."
		if len(problems) > 0 {
			msg = fmt.Sprintf("The draft is saved. Before it can be issued, %s need attention: they are listed below.", counted(len(problems), "thing", "things"))
		}
		s.redirect(w, r, fmt.Sprintf("/admin/statements/%d", rec.ID), msg)
	})
	s.page("GET /admin/statements/retention", auth.Viewer, s.retentionPage)
	s.page("GET /admin/statements/{id}", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		if rec, ok := getRecord(s, w, r, s.store.Statement); ok {
			s.showStatement(w, r, u, rec, nil, http.StatusOK)
		}
	})
	s.page("POST /admin/statements/{id}", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		rec, ok := getRecord(s, w, r, s.store.Statement)
		if !ok {
			return
		}
		req, rev, err := decodeStatement(r.PostForm, rec.ProductID)
		if err == nil {
			_, _, err = s.statements.Update(r.Context(), userActor(u), rec.ID, rev, req)
		}
		if err != nil {
			s.showStatement(w, r, u, rec, err, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, r.URL.Path, "The draft is saved.")
	})
	s.page("POST /admin/statements/{id}/issue", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		rec, ok := getRecord(s, w, r, s.store.Statement)
		if !ok {
			return
		}
		rev, _ := strconv.ParseInt(r.PostForm.Get("revision"), 10, 64)
		issued, err := s.statements.Issue(r.Context(), userActor(u), rec.ID, rev)
		if err != nil {
			s.showStatement(w, r, u, rec, err, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/statements/%d", issued.ID), fmt.Sprintf(
			"Issued: statement %s version %d is signed, published and recorded in the transparency log. It never changes, and is kept until at least %s.",
			issued.Number, issued.Version, psti.DateText(issued.KeepUntil)))
	})
	s.page("POST /admin/statements/{id}/correct", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		rec, ok := getRecord(s, w, r, s.store.Statement)
		if !ok {
			return
		}
		next, err := s.statements.Correct(r.Context(), userActor(u), rec.ID)
		if err != nil {
			s.showStatement(w, r, u, rec, err, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/statements/%d", next.ID), fmt.Sprintf(
			"A correction, version %d, is started as a draft. Version %d stays public and current until you issue this one; both are kept.", next.Version, rec.Version))
	})
	s.page("POST /admin/statements/{id}/delete", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		rec, ok := getRecord(s, w, r, s.store.Statement)
		if !ok {
			return
		}
		if err := s.store.DeleteStatement(r.Context(), userActor(u), rec.ID); err != nil {
			s.showStatement(w, r, u, rec, err, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, "/admin/statements", "The draft is deleted.")
	})

	s.registerStatementVerify()
	s.page("GET /statements/{number}", auth.Public, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.publicStatement(w, r, u, 0)
	})
	s.page("GET /statements/{number}/{version}", auth.Public, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		v, err := strconv.Atoi(r.PathValue("version"))
		if err != nil || v < 1 {
			s.errorPage(w, r, http.StatusNotFound, noStatement)
			return
		}
		s.publicStatement(w, r, u, v)
	})
	s.handle("GET /statements/{number}/{version}/{file}", auth.Public, false, s.statementFile)
}

const noStatement = "There is no statement of compliance at this address. Check the address printed on the statement, or look the product up on the list of products."

func (s *Server) statementProduct(w http.ResponseWriter, r *http.Request, id string) (*product.Product, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		s.errorPage(w, r, http.StatusBadRequest, "Choose the product the statement is for, on the list of statements.")
		return nil, false
	}
	p, err := s.store.Product(r.Context(), n)
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	return p, true
}

func (s *Server) statementList(w http.ResponseWriter, r *http.Request, u *auth.User) {
	ctx := r.Context()
	f := statement.Filter{Limit: product.MaxList}
	if v := r.URL.Query().Get("product"); v != "" {
		f.ProductID, _ = strconv.ParseInt(v, 10, 64)
	}
	recs, err := s.store.Statements(ctx, f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	names := s.newPublicNames()
	d := statementsData{Editor: u.Role.Allows(auth.Editor)}
	for _, x := range recs {
		p, _, _, err := names.product(ctx, x.ProductID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		row := statementRow{Href: fmt.Sprintf("/admin/statements/%d", x.ID), Number: x.Number, Version: x.Version, Product: describe(p), Status: recordStatus(x)}
		if row.Held, err = s.holdNotices(ctx, x.ProductID); err != nil {
			s.pageError(w, r, err)
			return
		}
		if x.IssuedAt != nil {
			row.Issued, row.KeepUntil = psti.DateText(x.Content.Issued), psti.DateText(x.KeepUntil)
		}
		d.Rows = append(d.Rows, row)
	}
	if d.Editor {
		ps, err := s.store.Products(ctx, product.Filter{Limit: product.MaxList})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, p := range ps {
			d.Products = append(d.Products, option{strconv.FormatInt(p.ID, 10), describe(p)})
		}
	}
	s.render(w, r, http.StatusOK, "statements", &view{Title: "Statements of compliance", User: u, Section: "statements", Data: d})
}

func (s *Server) showNewStatement(w http.ResponseWriter, r *http.Request, u *auth.User, p *product.Product, err error, st *statement.Statement, status int) {
	batches, berr := s.store.Batches(r.Context(), product.Filter{ParentID: p.ID, Limit: product.MaxList})
	if berr != nil {
		s.pageError(w, r, berr)
		return
	}
	f := statementForm("/admin/statements/new", batches, st)
	f.Hidden = append(f.Hidden, hidden{"product", strconv.FormatInt(p.ID, 10)})
	f.Submit = "Save as a draft"
	if err != nil {
		f = withValues(f, r.PostForm)
		f.setError(err)
	}
	d := statementData{Product: p, Form: f, Editor: true}
	if d.Holds, berr = s.holdNotices(r.Context(), p.ID); berr != nil {
		s.pageError(w, r, berr)
		return
	}
	s.render(w, r, status, "statement", &view{Title: "New statement of compliance for " + describe(p), User: u, Section: "statements", Data: d})
}

func (s *Server) showStatement(w http.ResponseWriter, r *http.Request, u *auth.User, rec *statement.Record, err error, status int) {
	ctx := r.Context()
	p, perr := s.store.Product(ctx, rec.ProductID)
	if perr != nil {
		s.pageError(w, r, perr)
		return
	}
	d := statementData{Record: rec, Product: p, Status: recordStatus(rec), Editor: u.Role.Allows(auth.Editor), LogHref: logEntryPage(rec.LogIndex),
		Lapsed: lapsedText(rec, s.cfg.Clock.Now())}
	if d.Holds, perr = s.holdNotices(ctx, p.ID); perr != nil {
		s.pageError(w, r, perr)
		return
	}
	if rec.Supersedes != nil {
		d.Supersedes = fmt.Sprintf("/admin/statements/%d", *rec.Supersedes)
	}
	if rec.SupersededBy != nil {
		d.Successor = fmt.Sprintf("/admin/statements/%d", *rec.SupersededBy)
	}
	if rec.Status == statement.StatusDraft {
		problems, perr := s.statements.Problems(ctx, rec)
		if perr != nil {
			s.pageError(w, r, perr)
			return
		}
		d.Problems = formProblems(problems, &rec.Content)
		if len(d.Problems) == 0 {
			if a, err := statement.HTMLArticle(&rec.Content, statement.PDFMeta{ID: rec.Number, Version: rec.Version, URL: s.statements.URL(rec.Number, rec.Version)}); err == nil {
				d.Preview = a
			}
		}
		if d.Editor {
			batches, berr := s.store.Batches(ctx, product.Filter{ParentID: p.ID, Limit: product.MaxList})
			if berr != nil {
				s.pageError(w, r, berr)
				return
			}
			d.Form = statementForm(r.URL.Path, batches, &rec.Content)
			d.Form.Action = fmt.Sprintf("/admin/statements/%d", rec.ID)
			d.Form.Hidden = append(d.Form.Hidden, hidden{"revision", strconv.FormatInt(rec.Revision, 10)})
		}
	} else {
		d.Public = fmt.Sprintf("/statements/%s/%d", rec.Number, rec.Version)
		d.Kept = statement.KeptText(rec)
		d.Files = statementFiles(rec, d.Public)
	}
	if err != nil {
		// A draft's form sent back keeps what was typed, with each
		// problem beside its field; a refused issue, correction or
		// deletion is said above the page.
		shown := err
		if ps := psti.ErrorFields(err); len(ps) > 0 {
			shown = psti.FieldsErr(formProblems(ps, &rec.Content)...)
		}
		if d.Form != nil && r.URL.Path == d.Form.Action {
			d.Form = withValues(d.Form, r.PostForm)
			d.Form.setError(shown)
		} else {
			d.Alert = &form{}
			d.Alert.setError(shown)
			if len(psti.ErrorFields(err)) == 0 {
				d.Alert.Error = psti.ErrorMessage(err)
			} else {
				d.Alert.Error = "The statement cannot be issued yet: every field below must be complete first."
			}
		}
	}
	title := fmt.Sprintf("Statement %s, version %d", rec.Number, rec.Version)
	if rec.Status == statement.StatusDraft {
		title = fmt.Sprintf("Draft statement %s, version %d", rec.Number, rec.Version)
	}
	s.render(w, r, status, "statement", &view{Title: title, User: u, Section: "statements", Data: d})
}

type retentionData struct {
	Rows  []statementRow
	Today string
}

// retentionPage lists every issued statement psti holds, and until when
// each must be kept at least (PSTI-SOC-05): all are kept for good.
func (s *Server) retentionPage(w http.ResponseWriter, r *http.Request, u *auth.User) {
	ctx := r.Context()
	recs, err := s.store.Retention(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	names := s.newPublicNames()
	d := retentionData{Today: psti.LongDate(s.cfg.Clock.Now())}
	for _, x := range recs {
		p, _, _, err := names.product(ctx, x.ProductID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d.Rows = append(d.Rows, statementRow{Href: fmt.Sprintf("/admin/statements/%d", x.ID), Number: x.Number, Version: x.Version, Product: describe(p),
			Status: recordStatus(x), Issued: psti.DateText(x.Content.Issued), KeepUntil: psti.DateText(x.KeepUntil)})
	}
	s.render(w, r, http.StatusOK, "statement_retention", &view{Title: "Statements kept, and until when", User: u, Section: "statements", Data: d})
}

type publicStatementData struct {
	Record    *statement.Record
	Product   *product.Product
	Slug      string
	Article   template.HTML
	Current   string // the current version's page, when this one is corrected
	Versions  []statementRow
	Files     []statementFile
	LogHref   string
	Corrected bool
	Lapsed    string // a label route whose label has expired
}

// lapsedText says that a label route record's label has expired, "" when
// it has not (or the record is a statement).
func lapsedText(r *statement.Record, now time.Time) string {
	if !r.Content.LabelLapsed(now) {
		return ""
	}
	return fmt.Sprintf("The label this record relies on expired on %s. From then on it no longer stands in for a statement of compliance: a unit made available after that day needs a statement.",
		psti.DateText(r.Content.Label.Expires))
}

// publicStatement shows an issued version (version 0: the current one).
// Drafts are never public, nor said to exist.
func (s *Server) publicStatement(w http.ResponseWriter, r *http.Request, u *auth.User, version int) {
	ctx := r.Context()
	number := r.PathValue("number")
	if !statementNumber.MatchString(number) {
		s.errorPage(w, r, http.StatusNotFound, noStatement)
		return
	}
	all, err := s.store.Statements(ctx, statement.Filter{Number: number, Status: statement.StatusIssued})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var rec, current *statement.Record
	for _, x := range all {
		if x.SupersededBy == nil {
			current = x
		}
		if x.Version == version || (version == 0 && x.SupersededBy == nil) {
			rec = x
		}
	}
	if rec == nil {
		s.errorPage(w, r, http.StatusNotFound, noStatement)
		return
	}
	rec, err = s.store.Statement(ctx, rec.ID) // with its renderings
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p, err := s.store.Product(ctx, rec.ProductID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page := fmt.Sprintf("/statements/%s/%d", rec.Number, rec.Version)
	article, err := statement.HTMLArticle(&rec.Content, statement.PDFMeta{ID: rec.Number, Version: rec.Version, URL: s.link(page)})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := publicStatementData{Record: rec, Product: p, Article: article, LogHref: logEntryPage(rec.LogIndex), Corrected: rec.SupersededBy != nil,
		Lapsed: lapsedText(rec, s.cfg.Clock.Now())}
	if d.Corrected && current != nil {
		d.Current = fmt.Sprintf("/statements/%s/%d", current.Number, current.Version)
	}
	if p.Slug != "" {
		d.Slug = "/products/" + p.Slug
	}
	for _, x := range all {
		row := statementRow{Href: fmt.Sprintf("/statements/%s/%d", x.Number, x.Version), Version: x.Version, Issued: psti.DateText(x.Content.Issued), Status: "current"}
		if x.SupersededBy != nil {
			row.Status = "corrected by a later version"
		}
		d.Versions = append(d.Versions, row)
	}
	d.Files = statementFiles(rec, page)
	s.render(w, r, http.StatusOK, "statement_public", &view{Title: fmt.Sprintf("%s %s, version %d", rec.Content.Title(), rec.Number, rec.Version), User: u, Data: d})
}

// statementFile serves a kept rendering byte for byte: its SHA-256 is the
// one the transparency log names.
func (s *Server) statementFile(w http.ResponseWriter, r *http.Request) {
	number, file := r.PathValue("number"), r.PathValue("file")
	v, err := strconv.Atoi(r.PathValue("version"))
	kind := ""
	for k, name := range statement.FileName {
		if name == file {
			kind = k
		}
	}
	if !statementNumber.MatchString(number) || err != nil || v < 1 || kind == "" {
		s.errorPage(w, r, http.StatusNotFound, noStatement)
		return
	}
	ctx := r.Context()
	recs, err := s.store.Statements(ctx, statement.Filter{Number: number, Status: statement.StatusIssued})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, x := range recs {
		if x.Version != v {
			continue
		}
		doc, err := s.store.StatementRendering(ctx, x.ID, kind)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", doc.MediaType)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s-v%d-%s"`, number, v, file))
		w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
		w.Header().Set("ETag", `"`+doc.SHA256+`"`)
		if kind == statement.RenderingHTML {
			// The kept document, shown as it is, is its own page: it runs
			// nothing and loads nothing.
			w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(doc.Data))
		return
	}
	s.errorPage(w, r, http.StatusNotFound, noStatement)
}
