package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/securitytxt"
)

// Published advisories (HTML and CSAF 2.0), the CSAF provider directory,
// and security.txt (RFC 9116), all made from the live records.

// securityTxtLifetime is how far ahead security.txt expires. It is made on
// every request, so it is never stale and never more than a year ahead.
const securityTxtLifetime = 180 * 24 * time.Hour

func (s *Server) registerAdvisoryPages() {
	s.page("GET /security/advisories", auth.Public, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		advs, err := s.store.Advisories(r.Context())
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "advisories", &view{Title: "Security advisories", User: u, Data: advs})
	})
	s.page("GET /security/advisories/{tracking}", auth.Public, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		a, err := s.store.AdvisoryByTracking(r.Context(), r.PathValue("tracking"))
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "advisory", &view{Title: a.TrackingID + ": " + a.Title, User: u, Data: a})
	})
	s.page("POST /admin/reports/{id}/advisory", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		f := r.PostForm
		a, err := s.reports.Publish(r.Context(), s.store, userActor(u), id, disclosure.AdvisoryDraft{Title: f.Get("title"), Summary: f.Get("summary"),
			Remedy: f.Get("remedy"), FixedIn: f.Get("fixed_in"), CreditThem: f.Get("credit") == "1"})
		if err != nil {
			if code := psti.ErrorCode(err); code == psti.EINVALID || code == psti.ECONFLICT {
				s.showReport(w, r, u, psti.ErrorMessage(err)+fieldList(err), statusOf(code))
				return
			}
			s.pageError(w, r, err)
			return
		}
		s.redirect(w, r, "/security/advisories/"+a.TrackingID, "Advisory "+a.TrackingID+" is published; the reporter has been told.")
	})

	s.handle("GET /.well-known/security.txt", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		body, err := s.securityTxt(r)
		if err != nil {
			s.log.Error("making security.txt", "err", err)
			http.Error(w, "security.txt is not available", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(body)
	})
	s.handle("GET /security.txt", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/.well-known/security.txt", http.StatusMovedPermanently)
	})
	s.handle("GET /.well-known/csaf/provider-metadata.json", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		advs, err := s.store.Advisories(r.Context())
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		updated := time.Date(2024, 4, 29, 0, 0, 0, 0, time.UTC)
		if len(advs) > 0 {
			updated = advs[0].PublishedAt
		}
		doc, err := disclosure.ProviderMetadata(s.base.String(), s.publisherName(r), updated)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	})
	s.handle("GET /.well-known/csaf/{file}", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		advs, err := s.store.Advisories(r.Context())
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		var b strings.Builder
		switch r.PathValue("file") {
		case "index.txt":
			for _, a := range advs {
				b.WriteString(a.CSAFPath() + "\n")
			}
		case "changes.csv":
			for _, a := range advs {
				fmt.Fprintf(&b, "%q,%q\n", a.CSAFPath(), a.PublishedAt.UTC().Format(time.RFC3339))
			}
		default:
			s.errorPage(w, r, http.StatusNotFound, "There is no such file.")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(b.String()))
	})
	s.handle("GET /.well-known/csaf/{year}/{file}", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutSuffix(r.PathValue("file"), ".json")
		a, err := s.store.AdvisoryByTracking(r.Context(), id)
		if !ok || err != nil || strconv.Itoa(a.PublishedAt.Year()) != r.PathValue("year") {
			s.errorPage(w, r, http.StatusNotFound, "There is no such advisory.")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(a.CSAF)
	})
}

// publisherName names the publisher of advisories: the organisation of the
// first policy in force.
func (s *Server) publisherName(r *http.Request) string {
	if pols, err := s.reports.Published(r.Context()); err == nil {
		if o, err := s.store.Organisation(r.Context(), pols[0].OrganisationID); err == nil {
			return o.LegalName
		}
	}
	return s.base.Host
}

// securityTxt makes security.txt from the live policies.
func (s *Server) securityTxt(r *http.Request) ([]byte, error) {
	pols, err := s.reports.Published(r.Context())
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now().UTC()
	f := &securitytxt.File{
		Contact:   []string{s.link("/security/report")},
		Expires:   now.Truncate(24 * time.Hour).Add(securityTxtLifetime),
		Policy:    []string{s.link("/security")},
		Canonical: []string{s.link("/.well-known/security.txt")},
		CSAF:      []string{s.link("/.well-known/csaf/provider-metadata.json")},
	}
	seen := map[string]bool{}
	for _, p := range pols {
		if p.Contact != "" && !seen["mailto:"+p.Contact] {
			seen["mailto:"+p.Contact] = true
			f.Contact = append(f.Contact, "mailto:"+p.Contact)
		}
		for _, l := range p.Languages {
			if !seen["lang:"+strings.ToLower(l)] {
				seen["lang:"+strings.ToLower(l)] = true
				f.PreferredLanguages = append(f.PreferredLanguages, l)
			}
		}
	}
	if advs, err := s.store.Advisories(r.Context()); err == nil && len(advs) > 0 {
		f.Acknowledgments = []string{s.link("/security/advisories")}
	}
	return f.Render(), nil
}
