package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// The public pages of security-issue reporting (PSTI Schedule 1 paragraph
// 2): the policy, the report form, the receipt, and the status page. They
// ask for nothing about the person (PSTI-VR-04) and work without script.

// maxReportForm bounds a report sent from the form, attachments included.
const maxReportForm = disclosure.MaxAttachments + 1<<20

type policyView struct {
	*disclosure.Policy
	Organisation string
	Additions    []additionView
	Holidays     []time.Time // the calendar's holidays this year and next
}

type additionView struct {
	Brand string
	Text  string
}

type reportFormData struct {
	Values       map[string]string
	FilesNotKept int // files chosen with a refused report
	Products     []productChoice
	Error        string
	Problems     []psti.FieldError
}

type productChoice struct {
	ID   int64
	Name string
}

type statusPageData struct {
	Receipt   string // as typed in the look-up form
	Status    *disclosure.Status
	Error     string
	Problems  []psti.FieldError
	Message   string // the reply as typed, after an error
	FormToken string // the reply form's one-time token
}

// Session keys of the reporter's pages. The receipt a reporter looked up
// (or was just given) is kept in their session, so the status page's
// address never carries it; the report form's token is kept so the page
// after the form shows the same receipt however often it is reloaded.
const (
	keyStatusReceipt = "status_receipt"
	keyReportForm    = "report_form"
)

// policies returns the policies in force, as the policy page shows them.
func (s *Server) policies(ctx context.Context) ([]policyView, error) {
	ps, err := s.reports.Published(ctx)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now()
	out := make([]policyView, 0, len(ps))
	for _, p := range ps {
		v := policyView{Policy: p}
		if o, err := s.store.Organisation(ctx, p.OrganisationID); err == nil {
			v.Organisation = o.LegalName
		}
		for _, a := range p.Additions {
			name := "Some products"
			if b, err := s.store.Brand(ctx, a.BrandID); err == nil {
				name = b.Name + " products"
			}
			v.Additions = append(v.Additions, additionView{Brand: name, Text: a.Text})
		}
		cal := p.WorkingDays()
		for _, y := range []int{now.Year(), now.Year() + 1} {
			for _, h := range cal.Holidays(y) {
				if !h.Before(now.AddDate(0, 0, -1)) {
					v.Holidays = append(v.Holidays, h)
				}
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Server) registerSecurityPages() {
	s.page("GET /security", auth.Public, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		pols, err := s.policies(r.Context())
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "security", &view{Title: "Report a security problem", User: u, Data: pols})
	})
	s.page("GET /security/report", auth.Public, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showReportForm(w, r, u, map[string]string{}, 0, nil, http.StatusOK)
	})
	s.pageWith("POST /security/report", auth.Public, pageOpts{upload: true, limit: s.intake,
		limitMsg: "Too many reports from your address. Wait %d seconds, then send it again; what you wrote is still in the form if you go back."}, s.submitReport)
	s.page("GET /security/receipt", auth.Public, s.showReceipt)
	s.page("GET /security/status", auth.Public, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		code := s.sessions.GetString(r.Context(), keyStatusReceipt)
		if code == "" {
			s.renderStatus(w, r, u, http.StatusOK, statusPageData{})
			return
		}
		s.showStatus(w, r, u, code, statusPageData{}, http.StatusOK)
	})
	s.pageWith("POST /security/status", auth.Public, pageOpts{limit: s.lookups,
		limitMsg: "Too many attempts from your address. Wait %d seconds, then try again."}, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		code := strings.TrimSpace(r.PostForm.Get("receipt"))
		if _, err := s.reports.ReporterStatus(r.Context(), code); err != nil {
			d := statusPageData{Receipt: code, Error: psti.ErrorMessage(err), Problems: []psti.FieldError{{Field: "receipt", Message: psti.ErrorMessage(err)}}}
			if psti.ErrorCode(err) != psti.ENOTFOUND {
				s.pageError(w, r, err)
				return
			}
			s.renderStatus(w, r, u, http.StatusNotFound, d)
			return
		}
		s.sessions.Put(r.Context(), keyStatusReceipt, code)
		http.Redirect(w, r, disclosure.StatusPath, http.StatusSeeOther)
	})
	s.page("POST /security/status/forget", auth.Public, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.sessions.Remove(r.Context(), keyStatusReceipt)
		s.redirect(w, r, disclosure.StatusPath, "This browser no longer shows that report. Your receipt code still works.")
	})
	s.pageWith("POST /security/status/reply", auth.Public, pageOpts{upload: true, limit: s.intake,
		limitMsg: "Too many messages from your address. Wait %d seconds, then send it again."}, s.reply)
}

// renderStatus shows the status page: the look-up form, or a report.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, u *auth.User, status int, d statusPageData) {
	v := &view{Title: "Your report", User: u, Data: d}
	if u == nil {
		v.Flash = s.sessions.PopString(r.Context(), keyFlash)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "security_status", v)
}

// showStatus shows the report with receipt code, with d's error and what
// was typed; a code that no longer finds a report is forgotten.
func (s *Server) showStatus(w http.ResponseWriter, r *http.Request, u *auth.User, code string, d statusPageData, status int) {
	st, err := s.reports.ReporterStatus(r.Context(), code)
	if psti.ErrorCode(err) == psti.ENOTFOUND {
		s.sessions.Remove(r.Context(), keyStatusReceipt)
		s.renderStatus(w, r, u, http.StatusNotFound, statusPageData{Error: psti.ErrorMessage(err)})
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// The reply form names its report, so a reply goes to the report on
	// the page even if another was looked up since in another tab.
	d.Status, d.Receipt = st, code
	if d.FormToken == "" {
		d.FormToken = disclosure.NewFormToken(s.cfg.Clock.Now())
	}
	s.renderStatus(w, r, u, status, d)
}

// reply adds the reporter's message, and the files sent with it, to the
// report in their session (or named by the form), then shows the report
// again: a reload shows it, and sending the same form twice adds the
// message once.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, u *auth.User) {
	in := &attachmentsIn{s: s, client: clientAddr(r)}
	defer in.discard()
	values, err := s.readUpload(w, r, in)
	code := strings.TrimSpace(values["receipt"])
	if code == "" {
		code = s.sessions.GetString(r.Context(), keyStatusReceipt)
	}
	d := statusPageData{Message: values["message"], FormToken: values["form_token"]}
	fail := func(status int, err error) {
		d.Error, d.Problems = psti.ErrorMessage(err), psti.ErrorFields(err)
		if len(d.Problems) > 0 {
			d.Error = "Please correct what is marked below, then send the message again."
		}
		for i, p := range d.Problems {
			if p.Field == "message" && strings.TrimSpace(values["message"]) == "" {
				d.Problems[i].Message = "Write your message, or choose a file to send."
			}
		}
		if errors.Is(err, disclosure.ErrFormExpired) {
			d.FormToken = ""
		}
		if code == "" {
			s.renderStatus(w, r, u, status, statusPageData{Error: "Enter your receipt code again to reply: this browser no longer shows your report."})
			return
		}
		s.showStatus(w, r, u, code, d, status)
	}
	if refused, err := in.accept(w, err); refused != nil {
		fail(refused.status, psti.FieldErrorf(psti.EINVALID, "attachments", "%s", refused.msg))
		return
	} else if err != nil {
		s.pageError(w, r, err)
		return
	}
	err = s.reports.SendMessage(r.Context(), disclosure.Message{Receipt: code, Body: values["message"], Files: in.atts, FormToken: values["form_token"]})
	if err != nil {
		in.giveBack()
		switch psti.ErrorCode(err) {
		case psti.EINVALID:
			fail(http.StatusUnprocessableEntity, err)
		case psti.ENOTFOUND:
			s.sessions.Remove(r.Context(), keyStatusReceipt)
			s.renderStatus(w, r, u, http.StatusNotFound, statusPageData{Error: psti.ErrorMessage(err)})
		default:
			s.pageError(w, r, err)
		}
		return
	}
	s.sessions.Put(r.Context(), keyStatusReceipt, code)
	s.redirect(w, r, disclosure.StatusPath, "Your message has been added to the report.")
}

// overLimit answers 429 with Retry-After and a page saying how long to wait
// (msg has one %d, for the seconds) when the client is over limit l.
func (s *Server) overLimit(w http.ResponseWriter, r *http.Request, l *limiter, msg string) bool {
	ok, wait := l.allow(clientAddr(r), time.Now())
	if ok {
		return false
	}
	secs := int(wait.Seconds())
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.errorPage(w, r, http.StatusTooManyRequests, fmt.Sprintf(msg, secs))
	return true
}

// reportFormAsks is what the report form says when one of its required
// questions is left empty.
var reportFormAsks = map[string]string{
	"summary": "Say in one line what is wrong.",
	"details": "Say what happened: what you did and what you saw.",
}

// showReportForm shows the report form; after a refusal, with what was
// typed, and saying how many chosen files were not kept (a browser cannot
// be given them back, so they must be chosen again).
func (s *Server) showReportForm(w http.ResponseWriter, r *http.Request, u *auth.User, values map[string]string, dropped int, err error, status int) {
	if values["form_token"] == "" {
		values["form_token"] = disclosure.NewFormToken(s.cfg.Clock.Now())
	}
	d := reportFormData{Values: values, FilesNotKept: dropped}
	ps, lerr := s.store.Products(r.Context(), product.Filter{Limit: 500})
	if lerr != nil {
		s.pageError(w, r, lerr)
		return
	}
	for _, p := range ps {
		d.Products = append(d.Products, productChoice{ID: p.ID, Name: describe(p)})
	}
	if err != nil {
		d.Error, d.Problems = psti.ErrorMessage(err), psti.ErrorFields(err)
		if len(d.Problems) > 0 {
			d.Error = "Please correct what is marked below, then send the report again."
		}
		// A question left unanswered is named as the form asks it, not
		// by the record's field name.
		for i, p := range d.Problems {
			if ask, ok := reportFormAsks[p.Field]; ok && strings.TrimSpace(values[p.Field]) == "" {
				d.Problems[i].Message = ask
			}
		}
	}
	s.render(w, r, status, "security_report", &view{Title: "Report a security problem", User: u, Data: d})
}

// readUpload reads a form that may carry files, as it streams in: its
// text fields, and the files, each kept in a private file while it
// arrives, up to the limit in all. What the sender must be told comes
// back as a *refusal; the fields read so far come back in any case.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request, in *attachmentsIn) (map[string]string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxReportForm)
	values := map[string]string{}
	unreadable := &refusal{status: http.StatusBadRequest, msg: "The form could not be read. Send it again."}
	tooLarge := &refusal{status: http.StatusRequestEntityTooLarge,
		msg: fmt.Sprintf("The form with its files is larger than %d MiB. Leave out the largest files and describe them instead.", disclosure.MaxAttachments>>20)}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			return values, unreadable
		}
		for k := range r.PostForm {
			values[k] = r.PostForm.Get(k)
		}
		return values, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return values, unreadable
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return values, nil
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return values, tooLarge
		}
		if err != nil {
			return values, unreadable
		}
		name := part.FormName()
		if name == "attachments" {
			if part.FileName() == "" {
				continue
			}
			if err := in.receive(r.Context(), part); err != nil {
				if errors.As(err, &tooBig) {
					return values, tooLarge
				}
				return values, err
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, 64<<10))
		if err != nil {
			return values, unreadable
		}
		values[name] = string(v)
	}
}

// submitReport stores a report sent from the form, then sends the browser
// to the receipt (post, redirect, get). The form's one-time token makes a
// second send of it (a reload, a double click) store nothing more and
// lead to the same receipt.
func (s *Server) submitReport(w http.ResponseWriter, r *http.Request, u *auth.User) {
	in := &attachmentsIn{s: s, client: clientAddr(r)}
	defer in.discard()
	values, err := s.readUpload(w, r, in)
	fail := func(status int, msg string) {
		s.showReportForm(w, r, u, values, len(in.atts), psti.Errorf(psti.EINVALID, "%s", msg), status)
	}
	if refused, err := in.accept(w, err); refused != nil {
		fail(refused.status, refused.msg)
		return
	} else if err != nil {
		s.pageError(w, r, err)
		return
	}
	atts := in.atts
	// The honeypot: a field people do not see. Software that fills in
	// every field fills it in.
	if strings.TrimSpace(values["website"]) != "" {
		fail(http.StatusUnprocessableEntity, "This form looks as if it was filled in by a program. If you are a person, leave the field labelled “Leave this empty” empty, and send the report again.")
		return
	}
	details := strings.TrimSpace(values["details"])
	if steps := strings.TrimSpace(values["steps"]); steps != "" {
		details += "\n\nHow to reproduce it:\n" + steps
	}
	// A form sent without a token (a program, not this site's form) gets
	// one of its own: it is stored like any other, and its receipt is
	// shown the same way.
	token := values["form_token"]
	if token == "" {
		token = disclosure.NewFormToken(s.cfg.Clock.Now())
	}
	pid, _ := strconv.ParseInt(values["product_id"], 10, 64)
	_, code, err := s.reports.Submit(r.Context(), disclosure.Submission{Summary: values["summary"], Details: details, ProductID: pid,
		ProductText: values["product"], ContactEmail: values["contact_email"], Credit: values["credit"], Attachments: atts, FormToken: token})
	if err != nil {
		in.giveBack()
		if psti.ErrorCode(err) != psti.EINVALID {
			s.pageError(w, r, err)
			return
		}
		if errors.Is(err, disclosure.ErrFormExpired) {
			values["form_token"] = "" // a fresh form
		}
		s.showReportForm(w, r, u, values, len(atts), err, http.StatusUnprocessableEntity)
		return
	}
	// The receipt never appears in an address: the session carries the
	// form's token to the receipt page, and the receipt to the status
	// page, so both work without typing it.
	s.sessions.Put(r.Context(), keyReportForm, token)
	s.sessions.Put(r.Context(), keyStatusReceipt, code)
	http.Redirect(w, r, "/security/receipt", http.StatusSeeOther)
}

// showReceipt shows the receipt of the report this browser sent last, as
// often as the page is reloaded, while the form's token lasts.
func (s *Server) showReceipt(w http.ResponseWriter, r *http.Request, u *auth.User) {
	w.Header().Set("Cache-Control", "no-store")
	rep, code, err := s.reports.Receipt(r.Context(), s.sessions.GetString(r.Context(), keyReportForm))
	if err != nil && psti.ErrorCode(err) != psti.ENOTFOUND {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "security_receipt", &view{Title: "Your report has been received", User: u,
		Data: struct {
			Receipt string
			Report  *disclosure.Report
			Hours   int
		}{code, rep, int(disclosure.FormTokenLife.Hours())}})
}

// attachmentType keeps a sent content type only if it is well formed; the
// file is never served inline, whatever it says.
func attachmentType(ct string) string {
	if mt, _, err := mime.ParseMediaType(ct); err == nil && len(mt) < 100 {
		return mt
	}
	return "application/octet-stream"
}

// attachmentsIn receives a report's attachments, each into a private file
// in the work folder as it arrives, so that memory holds none of them,
// and within three bounds: the most one report may carry, what the
// sender's address may still send today, and what the store may still
// take in all.
type attachmentsIn struct {
	s      *Server
	client string
	atts   []disclosure.Attachment
	files  []*os.File
	total  int64
	// Set at the first file: how much may arrive, and what to say past it.
	limited bool
	limit   int64
	over    *refusal
	wait    time.Duration // until the address's day ends
	taken   int64
}

// refusal is a polite no, with its status and what to tell the person.
type refusal struct {
	status int
	msg    string
	wait   time.Duration
}

func (r *refusal) Error() string { return r.msg }

// accept settles the attachments of a form read with err: a refusal (of a
// file as it arrived, or of the address's share of the day's attachments,
// taken only now that every file is here and given back if nothing is
// stored) comes back with Retry-After set when waiting helps; any other
// error comes back as it is.
func (in *attachmentsIn) accept(w http.ResponseWriter, err error) (*refusal, error) {
	var refused *refusal
	if errors.As(err, &refused) {
		if refused.wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(refused.wait.Seconds())))
		}
		return refused, nil
	}
	if err != nil {
		return nil, err
	}
	if !in.take() {
		w.Header().Set("Retry-After", strconv.Itoa(int(in.wait.Seconds())))
		return &refusal{status: http.StatusTooManyRequests, msg: in.addressMsg(), wait: in.wait}, nil
	}
	return nil, nil
}

func (in *attachmentsIn) addressMsg() string {
	return fmt.Sprintf("Your address has sent as many files today as this site takes from one address in a day (%s). "+
		"Send the report without them, describing each file, and we will ask you for them; or try again in %s.",
		sizeText(in.s.cfg.AttachmentsPerAddress), waitText(in.wait))
}

// bounds works out, at the first file, how much may arrive in all.
func (in *attachmentsIn) bounds(ctx context.Context) error {
	in.limited = true
	in.limit = disclosure.MaxAttachments
	in.over = &refusal{status: http.StatusRequestEntityTooLarge,
		msg: fmt.Sprintf("The files together are larger than %d MiB. Leave out the largest and describe them instead.", disclosure.MaxAttachments>>20)}
	left, wait := in.s.attached.left(in.client, time.Now())
	in.wait = wait
	if left < in.limit {
		in.limit, in.over = left, &refusal{status: http.StatusTooManyRequests, msg: in.addressMsg(), wait: wait}
	}
	if ceiling := in.s.cfg.AttachmentsTotal; ceiling > 0 {
		used, err := in.s.store.AttachmentBytes(ctx)
		if err != nil {
			return err
		}
		if left := max(0, ceiling-used); left < in.limit {
			in.limit, in.over = left, &refusal{status: http.StatusRequestEntityTooLarge,
				msg: "This site cannot take more files just now. Send the report without them, describing each file, and we will ask you for them."}
		}
	}
	return nil
}

// receive keeps one file.
func (in *attachmentsIn) receive(ctx context.Context, part *multipart.Part) error {
	if !in.limited {
		if err := in.bounds(ctx); err != nil {
			return err
		}
	}
	if len(in.atts) == disclosure.MaxAttachment {
		return &refusal{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("Attach at most %d files. Put several into one archive, or leave some out and describe them.", disclosure.MaxAttachment)}
	}
	f, err := os.CreateTemp(in.s.cfg.WorkDir, "psti-attachment-*")
	if err != nil {
		return fmt.Errorf("web: unable to keep an attachment: %w", err)
	}
	in.files = append(in.files, f)
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(part, in.limit-in.total+1))
	in.total += n
	if err != nil {
		return err
	}
	if in.total > in.limit {
		return in.over
	}
	in.atts = append(in.atts, disclosure.Attachment{Name: psti.FileName(part.FileName(), "attachment"),
		ContentType: attachmentType(part.Header.Get("Content-Type")), Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), Content: f})
	return nil
}

// take counts the files against the address's share of the day.
func (in *attachmentsIn) take() bool {
	if in.total == 0 {
		return true
	}
	now := time.Now()
	if !in.s.attached.take(in.client, in.total, now) {
		_, in.wait = in.s.attached.left(in.client, now)
		return false
	}
	in.taken = in.total
	return true
}

// giveBack returns the share taken, when the report was not stored.
func (in *attachmentsIn) giveBack() {
	in.s.attached.give(in.client, in.taken)
	in.taken = 0
}

// discard removes the files: once the report is stored they are in the
// database; if it was not, they are not wanted.
func (in *attachmentsIn) discard() {
	for _, f := range in.files {
		f.Close()
		os.Remove(f.Name())
	}
}

// waitText says how long to wait, roughly, in words.
func waitText(d time.Duration) string {
	switch {
	case d >= 90*time.Minute:
		return fmt.Sprintf("about %d hours", int(d.Hours()+0.5))
	case d > time.Minute:
		return fmt.Sprintf("about %d minutes", int(d.Minutes()+0.5))
	}
	return "a minute"
}
