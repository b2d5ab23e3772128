package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
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
	Values   map[string]string
	Products []productChoice
	Error    string
	Problems []psti.FieldError
}

type productChoice struct {
	ID   int64
	Name string
}

type statusPageData struct {
	Receipt string
	Status  *disclosure.Status
	Error   string
	Sent    bool
}

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
		s.showReportForm(w, r, u, map[string]string{}, nil, http.StatusOK)
	})
	s.pageWith("POST /security/report", auth.Public, pageOpts{upload: true, limit: s.intake,
		limitMsg: "Too many reports from your address. Wait %d seconds, then send it again; what you wrote is still in the form if you go back."}, s.submitReport)
	s.page("GET /security/status", auth.Public, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.render(w, r, http.StatusOK, "security_status", &view{Title: "Your report", User: u, Data: statusPageData{}})
	})
	s.pageWith("POST /security/status", auth.Public, pageOpts{limit: s.lookups,
		limitMsg: "Too many attempts from your address. Wait %d seconds, then try again."}, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showStatus(w, r, u, r.PostForm.Get("receipt"), false)
	})
	s.pageWith("POST /security/status/reply", auth.Public, pageOpts{limit: s.intake,
		limitMsg: "Too many messages from your address. Wait %d seconds, then send it again."}, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		code := r.PostForm.Get("receipt")
		if err := s.reports.Reply(r.Context(), code, r.PostForm.Get("message")); err != nil {
			d := statusPageData{Receipt: code, Error: psti.ErrorMessage(err)}
			if st, serr := s.reports.ReporterStatus(r.Context(), code); serr == nil {
				d.Status = st
			}
			s.render(w, r, statusOf(psti.ErrorCode(err)), "security_status", &view{Title: "Your report", User: u, Data: d})
			return
		}
		s.showStatus(w, r, u, code, true)
	})
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

func (s *Server) showStatus(w http.ResponseWriter, r *http.Request, u *auth.User, code string, sent bool) {
	w.Header().Set("Cache-Control", "no-store")
	st, err := s.reports.ReporterStatus(r.Context(), code)
	if err != nil {
		s.render(w, r, statusOf(psti.ErrorCode(err)), "security_status", &view{Title: "Your report", User: u,
			Data: statusPageData{Receipt: code, Error: psti.ErrorMessage(err)}})
		return
	}
	s.render(w, r, http.StatusOK, "security_status", &view{Title: "Your report", User: u, Data: statusPageData{Receipt: strings.TrimSpace(code), Status: st, Sent: sent}})
}

func (s *Server) showReportForm(w http.ResponseWriter, r *http.Request, u *auth.User, values map[string]string, err error, status int) {
	d := reportFormData{Values: values}
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
	}
	s.render(w, r, status, "security_report", &view{Title: "Report a security problem", User: u, Data: d})
}

// submitReport reads the report form as it streams in: its text fields,
// and attachments up to the limit in all.
func (s *Server) submitReport(w http.ResponseWriter, r *http.Request, u *auth.User) {
	r.Body = http.MaxBytesReader(w, r.Body, maxReportForm)
	values := map[string]string{}
	var atts []disclosure.Attachment
	var total int64
	fail := func(status int, msg string) {
		s.showReportForm(w, r, u, values, psti.Errorf(psti.EINVALID, "%s", msg), status)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			fail(http.StatusBadRequest, "The form could not be read. Send it again.")
			return
		}
		for k := range r.PostForm {
			values[k] = r.PostForm.Get(k)
		}
	} else {
		mr, err := r.MultipartReader()
		if err != nil {
			fail(http.StatusBadRequest, "The form could not be read. Send it again.")
			return
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("The report with its files is larger than %d MiB. Leave out the largest files and describe them instead.", disclosure.MaxAttachments>>20))
				return
			}
			if err != nil {
				fail(http.StatusBadRequest, "The form could not be read. Send it again.")
				return
			}
			name := part.FormName()
			if name == "attachments" {
				if part.FileName() == "" {
					continue
				}
				data, err := io.ReadAll(io.LimitReader(part, disclosure.MaxAttachments-total+1))
				if err != nil {
					fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("The report with its files is larger than %d MiB. Leave out the largest files and describe them instead.", disclosure.MaxAttachments>>20))
					return
				}
				total += int64(len(data))
				if total > disclosure.MaxAttachments {
					fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("The files together are larger than %d MiB. Leave out the largest and describe them instead.", disclosure.MaxAttachments>>20))
					return
				}
				sum := sha256.Sum256(data)
				atts = append(atts, disclosure.Attachment{Name: psti.FileName(part.FileName(), "attachment"), ContentType: attachmentType(part.Header.Get("Content-Type")), Data: data, SHA256: hex.EncodeToString(sum[:])})
				continue
			}
			v, err := io.ReadAll(io.LimitReader(part, 64<<10))
			if err != nil {
				fail(http.StatusBadRequest, "The form could not be read. Send it again.")
				return
			}
			values[name] = string(v)
		}
	}
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
	pid, _ := strconv.ParseInt(values["product_id"], 10, 64)
	rep, code, err := s.reports.Submit(r.Context(), disclosure.Submission{Summary: values["summary"], Details: details, ProductID: pid,
		ProductText: values["product"], ContactEmail: values["contact_email"], Credit: values["credit"], Attachments: atts})
	if err != nil {
		if psti.ErrorCode(err) != psti.EINVALID {
			s.pageError(w, r, err)
			return
		}
		s.showReportForm(w, r, u, values, err, http.StatusUnprocessableEntity)
		return
	}
	// The receipt is shown once, on this answer: not cached, not in an
	// address.
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "security_receipt", &view{Title: "Your report has been received", User: u,
		Data: struct {
			Receipt string
			Report  *disclosure.Report
		}{code, rep}})
}

// attachmentType keeps a sent content type only if it is well formed; the
// file is never served inline, whatever it says.
func attachmentType(ct string) string {
	if mt, _, err := mime.ParseMediaType(ct); err == nil && len(mt) < 100 {
		return mt
	}
	return "application/octet-stream"
}
