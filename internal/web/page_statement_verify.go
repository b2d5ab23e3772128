package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
)

// The public check of a statement of compliance: anyone given one (an
// importer, a distributor, a buyer, an enforcement officer) uploads it and
// reads what psti statement verify would say, and whether this site
// issued that very copy and recorded it in its transparency log. Nothing
// uploaded is kept.

type verifyCheck struct {
	OK   bool
	Text string
}

type statementVerifyData struct {
	Done     bool   // a file was checked
	Error    string // the upload could not be checked at all
	OK       bool
	FileName string
	Kind     string
	SHA256   string
	Checks   []verifyCheck
	Fields   []psti.FieldError
	Signer   string
	Print    string // the signer certificate's SHA-256
	// Issued here: the statement's page, and whether a later version
	// corrects it.
	Page, Current, LogHref string
	Corrected              bool
	// Foreign: intact and complete, but not issued by this site.
	Foreign bool
	// Notes say more about the signer's certificate.
	Notes   []string
	Number  string
	Version int
}

func (s *Server) registerStatementVerify() {
	s.page("GET /statements/verify", auth.Public, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.render(w, r, http.StatusOK, "statement_verify", &view{Title: "Check a statement of compliance", User: u, Data: &statementVerifyData{}})
	})
	s.pageWith("POST /statements/verify", auth.Public, pageOpts{upload: true, limit: s.lookups,
		limitMsg: "Too many checks from your address in a short time. Wait %d seconds, then try again."}, s.verifyStatement)
}

// maxVerifyUpload bounds the form: a statement, its signature and the
// form's own fields.
const maxVerifyUpload = statement.MaxFile + statement.MaxJWS + 64<<10

func (s *Server) verifyStatement(w http.ResponseWriter, r *http.Request, u *auth.User) {
	d := &statementVerifyData{Done: true}
	show := func(status int) {
		s.render(w, r, status, "statement_verify", &view{Title: "Check a statement of compliance", User: u, Data: d})
	}
	file, sig, status := readVerifyUpload(w, r, d)
	if status != 0 {
		show(status)
		return
	}
	if len(file) == 0 {
		d.Error = "Choose the statement to check: its PDF file, or its JSON file with its signature."
		show(http.StatusUnprocessableEntity)
		return
	}
	rep, err := statement.Verify(file, sig)
	if err != nil {
		d.Error = "This file cannot be checked: " + strings.TrimPrefix(strings.TrimPrefix(err.Error(), "statement: "), "not a statement of compliance psti can check: ") +
			". Upload the statement's PDF file, or its JSON file with the signature file (.jws) that came with it."
		show(http.StatusUnprocessableEntity)
		return
	}
	d.Kind, d.SHA256, d.Fields = strings.ToUpper(rep.Kind), rep.SHA256, rep.Fields
	if rep.SignatureOK {
		d.Checks = append(d.Checks, verifyCheck{true, "The digital signature is valid: the file has not changed since it was signed."})
	}
	for _, p := range rep.Problems {
		d.Checks = append(d.Checks, verifyCheck{false, capital(p) + "."})
	}
	if rep.Document != nil && len(rep.Fields) == 0 {
		d.Checks = append(d.Checks, verifyCheck{true, "Every field the law asks a statement of compliance to contain is there."})
	}
	if rep.Signer != nil {
		d.Signer, d.Print = rep.Signer.Subject.String(), rep.Fingerprint
	}
	if note := rep.CertificateNote(s.cfg.Clock.Now()); note != "" {
		d.Notes = append(d.Notes, note)
	}
	if doc := rep.Document; doc != nil && doc.Label != nil {
		if doc.Statement.LabelLapsed(s.cfg.Clock.Now()) {
			d.Checks = append(d.Checks, verifyCheck{false, "This is a label route record (Schedule 2A), and its label has expired: " + doc.Label.Text() +
				" A unit made available after the label expired needs a statement of compliance."})
			d.OK = false
		} else {
			d.Checks = append(d.Checks, verifyCheck{true, "This is a label route record (Schedule 2A), not a statement: the product relies on its label, which had not expired on the record's date: " + doc.Label.Text() +
				" Check that the label is still current with the scheme that awarded it."})
		}
	}
	d.OK = rep.OK()
	// Issued here? The copy's SHA-256 is what the log names.
	rec, kind, err := s.store.StatementByRendering(r.Context(), rep.SHA256)
	switch {
	case err == nil && (kind == statement.RenderingPDF || kind == statement.RenderingJSON):
		d.Number, d.Version = rec.Number, rec.Version
		d.Page, d.LogHref, d.Corrected = fmt.Sprintf("/statements/%s/%d", rec.Number, rec.Version), logEntryPage(rec.LogIndex), rec.SupersededBy != nil
		text := fmt.Sprintf("This exact copy was issued here as statement %s, version %d, on %s, and is recorded in this site's transparency log.",
			rec.Number, rec.Version, psti.DateText(rec.Content.Issued))
		d.Checks = append(d.Checks, verifyCheck{true, text})
		if c := rep.Signer; c != nil && rec.IssuedAt != nil && s.cfg.Clock.Now().After(c.NotAfter) {
			if rec.IssuedAt.Before(c.NotAfter) {
				d.Notes = append(d.Notes, fmt.Sprintf("This site's transparency log recorded its issue on %s, before the certificate that signed it ended.", psti.LongDateTime(*rec.IssuedAt)))
			} else {
				d.Checks = append(d.Checks, verifyCheck{false, fmt.Sprintf("This site's transparency log recorded its issue on %s, after the certificate that signed it had ended.", psti.LongDateTime(*rec.IssuedAt))})
				d.OK = false
			}
		}
		if d.Corrected {
			d.Current = "/statements/" + rec.Number
			d.Checks = append(d.Checks, verifyCheck{false, "A later version corrects this statement: read the current one."})
			d.OK = false
		}
	case psti.ErrorCode(err) == psti.ENOTFOUND || err == nil:
		// Only what this site issued is vouched for here: a file signed
		// by anyone's key, even intact and complete, is not.
		d.Checks = append(d.Checks, verifyCheck{false, "This site did not issue this exact copy. It may come from another manufacturer's site, or it was changed after it was issued."})
		d.Foreign, d.OK = d.OK, false
	default:
		s.pageError(w, r, err)
		return
	}
	show(http.StatusOK)
}

// readVerifyUpload reads the statement and its signature from the form,
// or says in d why it cannot, with the status to answer.
func readVerifyUpload(w http.ResponseWriter, r *http.Request, d *statementVerifyData) (file, sig []byte, status int) {
	r.Body = http.MaxBytesReader(w, r.Body, maxVerifyUpload)
	const unreadable = "The form could not be read. Choose the file again and press the button."
	tooLarge := fmt.Sprintf("The file is larger than %d MB: no statement psti makes is that large.", statement.MaxFile>>20)
	mr, err := r.MultipartReader()
	if err != nil {
		d.Error = unreadable
		return nil, nil, http.StatusBadRequest
	}
	var tooBig *http.MaxBytesError
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return file, sig, 0
		}
		if err == nil {
			var limit int64
			switch part.FormName() {
			case "file":
				limit, d.FileName = statement.MaxFile+1, clip(part.FileName())
			case "signature":
				limit = statement.MaxJWS + 1
			default:
				continue
			}
			var b []byte
			b, err = io.ReadAll(io.LimitReader(part, limit))
			if err == nil && int64(len(b)) == limit {
				d.Error = tooLarge
				return nil, nil, http.StatusRequestEntityTooLarge
			}
			if part.FormName() == "file" {
				file = b
			} else {
				sig = b
			}
		}
		switch {
		case errors.As(err, &tooBig):
			d.Error = tooLarge
			return nil, nil, http.StatusRequestEntityTooLarge
		case err != nil:
			d.Error = unreadable
			return nil, nil, http.StatusBadRequest
		}
	}
}
