package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
	"github.com/psti/psti/internal/statement"
)

// The assessment pages: a product's requirements, one row each, with how
// each is met, how far it stands, what psti's records show and the
// evidence kept; editors change a row and keep files for it.

// assessmentView is what the assessment page shows.
type assessmentView struct {
	Product  *product.Product
	BackHref string
	Summary  string
	Ready    bool // a statement of compliance may be issued, as far as the assessment goes
	// Scope says what the product's current scope decision means for the
	// assessment, and ScopeHref leads to it.
	Scope, ScopeHref string
	Outside          bool // the decision puts the product outside the regime
	Items            []*assessmentItem
	Editor           bool
	// Error and Problems are the refused row's, for the summary above
	// the rows.
	Error    string
	Problems []psti.FieldError
}

// assessmentItem is one row on the page.
type assessmentItem struct {
	assessment.Item
	Anchor     string
	RouteText  string
	StatusText string
	Updated    string
	Form       rowForm
}

// rowForm is a row's form: the values shown (or typed), and the problems
// with them, by field.
type rowForm struct {
	Action, EvidenceAction                                              string
	Revision                                                            string
	Route, Standard, Provisions, LabelScheme, LabelID, Day, Month, Year string
	Status, Reason, Note                                                string
	Errors                                                              map[string]string
	Error                                                               string // a refusal of the whole row (a conflict)
	Schemes, Statuses                                                   []option
	StandardHint                                                        string
}

// anchorOf is a requirement's id as a page fragment and an id prefix.
func anchorOf(id string) string { return strings.ToLower(id) }

func assessmentPath(productID int64) string {
	return fmt.Sprintf("/admin/products/%d/assessment", productID)
}

// rowFormOf is the form of a saved (or blank) row.
func rowFormOf(productID int64, it *assessment.Item) rowForm {
	r := it.Row
	f := rowForm{Action: assessmentPath(productID) + "/" + it.Requirement, EvidenceAction: assessmentPath(productID) + "/" + it.Requirement + "/evidence",
		Revision: strconv.FormatInt(r.Revision, 10), Route: r.Route, Standard: r.Standard, Provisions: r.Provisions, LabelScheme: r.LabelScheme,
		LabelID: r.LabelID, Status: r.Status, Reason: r.Reason, Note: r.Note, Errors: map[string]string{}}
	f.Day, f.Month, f.Year = dateParts(r.LabelExpires)
	for _, sc := range statement.LabelSchemes {
		f.Schemes = append(f.Schemes, option{sc.ID, sc.Name})
	}
	for _, s := range []string{assessment.StatusNotStarted, assessment.StatusInProgress, assessment.StatusMet, assessment.StatusNotApplicable} {
		f.Statuses = append(f.Statuses, option{s, assessment.StatusText(s)})
	}
	if it.Paragraph > 0 {
		f.StandardHint = "Schedule 2 accepts " + statement.RecognisedText(it.Paragraph) + "."
	}
	return f
}

// decodeRow reads a row's form. The label's expiry is typed as day,
// month and year.
func decodeRow(v url.Values, productID int64, requirement string) (*assessment.Row, error) {
	c := &conv{v: v}
	r := &assessment.Row{ProductID: productID, Requirement: requirement, Route: c.str("route"), Standard: c.str("standard"),
		Provisions: c.str("provisions"), LabelScheme: c.str("label_scheme"), LabelID: c.str("label_id"),
		Status: c.str("status"), Reason: c.text("reason"), Note: c.text("note")}
	if r.Route == assessment.RouteLabel {
		r.LabelExpires = c.date("label_expires", "The label's expiry date")
	}
	rev, err := strconv.ParseInt(c.str("revision"), 10, 64)
	if err != nil || rev < 0 {
		return r, psti.Errorf(psti.EINVALID, "The form could not be read. Reload the page and try again.")
	}
	r.Revision = rev
	return r, c.p.Err()
}

func (s *Server) registerAssessmentPages() {
	s.page("GET /admin/products/{id}/assessment", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, ok := getRecord(s, w, r, s.store.Product)
		if !ok {
			return
		}
		s.showAssessment(w, r, u, p, "", nil, nil, http.StatusOK)
	})
	s.page("POST /admin/products/{id}/assessment/{requirement}", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, ok := getRecord(s, w, r, s.store.Product)
		if !ok {
			return
		}
		id := r.PathValue("requirement")
		row, err := decodeRow(r.PostForm, p.ID, id)
		if err == nil {
			err = s.assessments.Save(r.Context(), userActor(u), row)
		}
		if err != nil {
			if st := statusOf(psti.ErrorCode(err)); st == http.StatusInternalServerError || st == http.StatusNotFound {
				s.pageError(w, r, err)
				return
			}
			s.showAssessment(w, r, u, p, id, r.PostForm, err, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, assessmentPath(p.ID)+"#"+anchorOf(id), fmt.Sprintf("Saved %s: %s.", id, strings.ToLower(assessment.StatusText(row.Status))))
	})
	s.upload("POST /admin/products/{id}/assessment/{requirement}/evidence", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, ok := getRecord(s, w, r, s.store.Product)
		if !ok {
			return
		}
		id := r.PathValue("requirement")
		e, err := s.receiveEvidence(r, userActor(u), p.ID, id)
		if err != nil {
			if st := statusOf(psti.ErrorCode(err)); st == http.StatusInternalServerError || st == http.StatusNotFound {
				s.pageError(w, r, err)
				return
			}
			s.showAssessment(w, r, u, p, id, nil, err, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, assessmentPath(p.ID)+"#"+anchorOf(id), fmt.Sprintf("Kept %s for %s (SHA-256 %s).", e.Name, id, e.SHA256))
	})
	s.page("GET /admin/products/{id}/assessment/evidence/{file}", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		pid, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		fid, _ := strconv.ParseInt(r.PathValue("file"), 10, 64)
		e, err := s.store.Evidence(r.Context(), pid, fid)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.sendEvidence(w, r, e)
	})
	s.page("POST /admin/products/{id}/assessment/evidence/{file}/archive", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		pid, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		fid, _ := strconv.ParseInt(r.PathValue("file"), 10, 64)
		e, err := s.store.Evidence(r.Context(), pid, fid)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		archive := r.PostForm.Get("archived") == "1"
		if err := s.store.ArchiveEvidence(r.Context(), userActor(u), pid, fid, archive); err != nil {
			s.pageError(w, r, err)
			return
		}
		msg := fmt.Sprintf("Archived %s. It is kept, and still listed, but no longer counts as evidence.", e.Name)
		if !archive {
			msg = fmt.Sprintf("Brought back %s.", e.Name)
		}
		s.redirect(w, r, assessmentPath(pid)+"#"+anchorOf(e.Requirement), msg)
	})
}

// sendEvidence sends an evidence file as a download, never shown inline.
func (s *Server) sendEvidence(w http.ResponseWriter, r *http.Request, e *assessment.Evidence) {
	asDownload(w.Header(), e.Name, "evidence", e.Size)
	w.Header().Set("Repr-Digest", reprDigest(e.SHA256))
	if err := s.store.WriteEvidence(r.Context(), e.ProductID, e.ID, w); err != nil {
		s.log.Error("sending an evidence file", "product", e.ProductID, "file", e.ID, "err", err)
	}
}

// maxEvidenceBody bounds an upload: the file and the form around it.
const maxEvidenceBody = assessment.MaxEvidence + 1<<20

// receiveEvidence reads an evidence upload from a page (multipart, the
// file in "file") and keeps it for the row. The form's token is read from
// the form, as a small form's is.
func (s *Server) receiveEvidence(r *http.Request, a psti.Actor, productID int64, requirement string) (*assessment.Evidence, error) {
	return s.keepEvidence(r.Context(), a, productID, requirement, r.Header.Get("Content-Type"), r.Body, "", func(token string) {
		if r.PostForm == nil {
			r.PostForm = url.Values{}
		}
		r.PostForm.Set(formTokenField, token)
	})
}

// keepEvidence receives an evidence file, either as a multipart form
// (the file in "file") or as the body itself (named name), into a
// temporary file while its SHA-256 is taken, and keeps it for the row.
// token, when not nil, is given a multipart form's token.
func (s *Server) keepEvidence(ctx context.Context, a psti.Actor, productID int64, requirement, contentType string, body io.Reader, name string, token func(string)) (*assessment.Evidence, error) {
	tooLarge := psti.FieldErrorf(psti.EINVALID, "file", "The file is larger than %d MB: keep a smaller file, or several.", assessment.MaxEvidence>>20)
	tmp, err := os.CreateTemp(s.cfg.WorkDir, "psti-evidence-*")
	if err != nil {
		return nil, fmt.Errorf("web: unable to receive evidence: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	spool := func(from io.Reader) error {
		n, err := io.Copy(tmp, io.LimitReader(from, assessment.MaxEvidence+1))
		switch {
		case n > assessment.MaxEvidence:
			return tooLarge
		case err != nil:
			return psti.FieldErrorf(psti.EINVALID, "file", "The file could not be received in full. Choose it and send it again.")
		}
		return nil
	}
	mt, params, _ := mime.ParseMediaType(contentType)
	var media string
	got := false
	switch mt {
	case "multipart/form-data":
		mr := multipart.NewReader(io.LimitReader(body, maxEvidenceBody), params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, psti.FieldErrorf(psti.EINVALID, "file", "The form could not be read. Choose the file and send it again.")
			}
			switch part.FormName() {
			case formTokenField:
				v, _ := io.ReadAll(io.LimitReader(part, 200))
				if token != nil {
					token(string(v))
				}
			case "file":
				if got {
					return nil, psti.FieldErrorf(psti.EINVALID, "file", "Send one file at a time.")
				}
				if part.FileName() == "" {
					continue // a form sent without a file chosen
				}
				if err := spool(part); err != nil {
					return nil, err
				}
				got, name, media = true, part.FileName(), part.Header.Get("Content-Type")
			}
			part.Close()
		}
	case "application/x-www-form-urlencoded":
		return nil, psti.FieldErrorf(psti.EINVALID, "file", "Send the file as multipart/form-data (in the field \"file\"), or as the body itself.")
	default:
		if err := spool(body); err != nil {
			return nil, err
		}
		got, media = true, contentType
	}
	if !got {
		return nil, psti.FieldErrorf(psti.EINVALID, "file", "Choose the file to keep as evidence.")
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if m, _, err := mime.ParseMediaType(media); err == nil {
		media = m
	} else {
		media = ""
	}
	return s.assessments.AddEvidence(ctx, a, productID, requirement, name, media, tmp)
}

// showAssessment renders a product's assessment page. failed names the
// row whose form was refused, with what was typed (nil after an upload)
// and why.
func (s *Server) showAssessment(w http.ResponseWriter, r *http.Request, u *auth.User, p *product.Product, failed string, typed url.Values, err error, status int) {
	a, rerr := s.assessments.Read(r.Context(), p.ID)
	if rerr != nil {
		s.pageError(w, r, rerr)
		return
	}
	d := assessmentView{Product: p, BackHref: fmt.Sprintf("/admin/products/%d", p.ID), Editor: u.Role.Allows(auth.Editor) && !p.Archived(),
		ScopeHref: fmt.Sprintf("/admin/products/%d/scope", p.ID)}
	decisions, rerr := s.store.ScopeDecisions(r.Context(), p.ID, 1)
	if rerr != nil {
		s.pageError(w, r, rerr)
		return
	}
	switch {
	case len(decisions) == 0:
		d.Scope = "Whether the law applies to this product has not been decided yet: answer the scope questions first."
	case outsideRegime(decisions[0].Outcome):
		d.Outside = true
		d.Scope = fmt.Sprintf("The scope decision of %s says the security requirements do not apply to this product (%s): nothing here is required. The assessment is kept in case that changes.",
			psti.LongDate(decisions[0].DecidedAt), scope.OutcomeText(decisions[0].Outcome))
	case decisions[0].Outcome == catalog.NeedsReview:
		d.Scope = fmt.Sprintf("The scope decision of %s needs legal review: until it is settled, assess the product as in scope.", psti.LongDate(decisions[0].DecidedAt))
	default:
		d.Scope = fmt.Sprintf("The scope decision of %s says the law applies to this product: every requirement below must be met.", psti.LongDate(decisions[0].DecidedAt))
	}
	met, statementUnmet := 0, 0
	for i := range a.Items {
		it := &a.Items[i]
		if it.Done() {
			met++
		} else if it.Statement {
			statementUnmet++
		}
		v := &assessmentItem{Item: *it, Anchor: anchorOf(it.Requirement), RouteText: it.Row.RouteText(), StatusText: assessment.StatusText(it.Row.Status),
			Form: rowFormOf(p.ID, it)}
		if it.Row.UpdatedAt != nil {
			v.Updated = fmt.Sprintf("Last changed %s by %s.", psti.LongDateTime(*it.Row.UpdatedAt), it.Row.UpdatedBy)
		}
		if it.Requirement == failed && err != nil {
			if typed != nil {
				keep := v.Form
				v.Form = rowForm{Action: keep.Action, EvidenceAction: keep.EvidenceAction, Schemes: keep.Schemes, Statuses: keep.Statuses, StandardHint: keep.StandardHint,
					Revision: typed.Get("revision"), Route: typed.Get("route"), Standard: typed.Get("standard"), Provisions: typed.Get("provisions"),
					LabelScheme: typed.Get("label_scheme"), LabelID: typed.Get("label_id"), Day: typed.Get("label_expires-day"), Month: typed.Get("label_expires-month"),
					Year: typed.Get("label_expires-year"), Status: typed.Get("status"), Reason: typed.Get("reason"), Note: typed.Get("note"), Errors: map[string]string{}}
			}
			for _, f := range psti.ErrorFields(err) {
				if _, seen := v.Form.Errors[f.Field]; !seen {
					v.Form.Errors[f.Field] = f.Message
				}
				d.Problems = append(d.Problems, psti.FieldError{Field: v.Anchor + "-" + f.Field, Message: f.Message})
			}
			d.Error = psti.ErrorMessage(err)
			if psti.ErrorCode(err) == psti.ECONFLICT {
				// Someone else saved first: the form keeps what was typed,
				// with their revision, so saving again is a choice.
				v.Form.Error = psti.ErrorMessage(err) + " What you typed is kept below; saving it again will replace their change."
				v.Form.Revision = strconv.FormatInt(it.Row.Revision, 10)
			}
		}
		d.Items = append(d.Items, v)
	}
	d.Ready = statementUnmet == 0
	d.Summary = fmt.Sprintf("%d of %d requirements met or not applicable.", met, len(a.Items))
	if d.Ready {
		d.Summary += " Every requirement a statement of compliance speaks to is met: a statement can be issued."
	} else {
		d.Summary += fmt.Sprintf(" A statement of compliance cannot be issued until %s met.", strconv.Itoa(statementUnmet)+plural(statementUnmet, " more requirement is", " more requirements are"))
	}
	// PSTI-SOC-08: a statement speaks only to what applies as supplied;
	// say why the other open rows do not hold it back, so that the two
	// counts add up for the reader.
	if after := len(a.Items) - met - statementUnmet; after > 0 {
		d.Summary += fmt.Sprintf(" %s about what must be done after the product is sold (such as publishing an extended support period): %s not hold a statement back, but must still be met.",
			plural(after, "The other one not met yet is", fmt.Sprintf("The other %d not met yet are", after)), plural(after, "it does", "they do"))
	}
	s.render(w, r, status, "assessment", &view{Title: "Assessment: " + describe(p), User: u, Section: "products", Data: d})
}

// productLights is the traffic lights of a page of products, by product
// id: one per assessed requirement, and what is missing, in words.
func (s *Server) productLights(ctx context.Context, ps []*product.Product) (map[int64]*assessment.Assessment, error) {
	as, err := s.assessments.ReadAll(ctx, ps)
	if err != nil {
		return nil, err
	}
	out := map[int64]*assessment.Assessment{}
	for i, p := range ps {
		out[p.ID] = as[i]
	}
	return out, nil
}

// lightsCell is a product's traffic lights for the product list: one per
// requirement, each with a symbol and the requirement's id beside the
// colour, and what is missing in words, the red ones first.
func lightsCell(productID int64, a *assessment.Assessment, d *scope.Record) cell {
	c := cell{Text: "Open the assessment", Href: assessmentPath(productID)}
	if a == nil {
		return c
	}
	c.ScopeHref, c.Scope = fmt.Sprintf("/admin/products/%d/scope", productID), "Scope not decided yet"
	if d != nil {
		c.Scope = "Scope: " + scope.OutcomeText(d.Outcome)
		if outsideRegime(d.Outcome) {
			// The assessment is kept, but nothing in it is required.
			c.Text, c.Href = "Not needed: "+scope.OutcomeText(d.Outcome), c.ScopeHref
			return c
		}
	}
	c.Lights = a.Items
	for _, light := range []string{assessment.Red, assessment.Amber} {
		for _, it := range a.Items {
			if it.Light == light && !slices.Contains(c.Missing, it.Text) {
				c.Missing = append(c.Missing, it.Text)
			}
		}
	}
	return c
}

// assessmentSection sums up a product's assessment on its page, and leads
// to it.
func (s *Server) assessmentSection(ctx context.Context, p *product.Product) (section, error) {
	sec := section{Title: "Assessment against the law's requirements", AddHref: assessmentPath(p.ID), AddLabel: "Open the assessment",
		Headers: []string{"Requirement", "Where it stands"}}
	a, err := s.assessments.Read(ctx, p.ID)
	if err != nil {
		return sec, err
	}
	for _, it := range a.Items {
		sec.Rows = append(sec.Rows, []cell{{Text: it.Requirement + " " + it.Title, Href: assessmentPath(p.ID) + "#" + anchorOf(it.Requirement)},
			{Text: it.Symbol() + " " + it.Text}})
	}
	return sec, nil
}

// reprDigest is the Repr-Digest header (RFC 9530) of a file whose SHA-256
// is sum, in hex; "" when sum is not one.
func reprDigest(sum string) string {
	b, err := hex.DecodeString(sum)
	if err != nil || len(b) != sha256.Size {
		return ""
	}
	return "sha-256=:" + base64.StdEncoding.EncodeToString(b) + ":"
}

// outsideRegime reports whether a scope outcome puts the product outside
// the regime, so that no requirement applies to it.
func outsideRegime(outcome string) bool {
	return outcome == catalog.Excepted || outcome == catalog.NotConnectable || outcome == catalog.NotUKConsumer
}
