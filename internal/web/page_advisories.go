package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
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
	// The key that signs CSAF documents is made as the server starts, so a
	// public request never writes to the database.
	if _, err := s.signer(context.Background()); err != nil {
		s.log.Warn("the OpenPGP key that signs CSAF documents is not ready; it is made when first needed", "err", err)
	}
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

	// Staff write a draft, look at it as the public will, and publish it;
	// a published advisory is revised the same way. Every form posts, then
	// redirects; a refused form is shown again with what was typed.
	s.page("GET /admin/reports/{id}/advisory", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id, ok := reportID(r)
		if !ok {
			s.errorPage(w, r, http.StatusNotFound, "There is no such report.")
			return
		}
		d, err := s.reports.StartDraft(r.Context(), s.store, id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.showDraft(w, r, u, id, d, nil, http.StatusOK)
	})
	s.page("POST /admin/reports/{id}/advisory/draft", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id, ok := reportID(r)
		if !ok {
			s.errorPage(w, r, http.StatusNotFound, "There is no such report.")
			return
		}
		d := draftFromForm(r)
		if r.PostForm.Get("from_report") == "1" {
			// Started from the report page: a draft kept already is not
			// overwritten by the short form, and a new one takes the
			// report's CVSS vector.
			if _, err := s.store.AdvisoryDraft(r.Context(), id); err == nil {
				s.redirect(w, r, fmt.Sprintf("/admin/reports/%d/advisory", id), "A draft is already saved: here it is, unchanged. Make your changes here.")
				return
			}
			if start, err := s.reports.StartDraft(r.Context(), s.store, id); err == nil && d.CVSS == "" {
				d.CVSS = start.CVSS
			}
		}
		if err := s.reports.SaveDraft(r.Context(), s.store, userActor(u), id, d); err != nil {
			if code := psti.ErrorCode(err); code == psti.EINVALID || code == psti.ECONFLICT {
				s.showDraft(w, r, u, id, &d, err, statusOf(code))
				return
			}
			s.pageError(w, r, err)
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/reports/%d/advisory", id), "The draft is saved. Preview it, or publish it when it is ready.")
	})
	s.page("GET /admin/reports/{id}/advisory/preview", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id, ok := reportID(r)
		if !ok {
			s.errorPage(w, r, http.StatusNotFound, "There is no such report.")
			return
		}
		a, _, err := s.reports.PreviewAdvisory(r.Context(), s.store, id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		title := "Preview: " + a.Title
		if a.TrackingID != "" {
			title = "Preview: " + a.TrackingID + ": " + a.Title
		}
		s.render(w, r, http.StatusOK, "advisory", &view{Title: title, User: u, Data: a})
	})
	s.page("POST /admin/reports/{id}/advisory/publish", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id, ok := reportID(r)
		if !ok {
			s.errorPage(w, r, http.StatusNotFound, "There is no such report.")
			return
		}
		a, err := s.reports.PublishDraft(r.Context(), s.store, userActor(u), id)
		if err != nil {
			if code := psti.ErrorCode(err); code == psti.EINVALID || code == psti.ECONFLICT {
				d, derr := s.reports.StartDraft(r.Context(), s.store, id)
				if derr != nil {
					s.pageError(w, r, derr)
					return
				}
				s.showDraft(w, r, u, id, d, err, statusOf(code))
				return
			}
			s.pageError(w, r, err)
			return
		}
		msg := "Advisory " + a.TrackingID + " is published. Reporters of the problem who gave an e-mail address are told."
		if a.Revision > 1 {
			msg = fmt.Sprintf("Advisory %s is revised: version %d is published.", a.TrackingID, a.Revision)
		}
		s.redirect(w, r, "/security/advisories/"+a.TrackingID, msg)
	})
	// Publishing in one step, from the fields posted (as before drafts).
	s.page("POST /admin/reports/{id}/advisory", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		id, ok := reportID(r)
		if !ok {
			s.errorPage(w, r, http.StatusNotFound, "There is no such report.")
			return
		}
		d := draftFromForm(r)
		a, err := s.reports.Publish(r.Context(), s.store, userActor(u), id, d)
		if err != nil {
			if code := psti.ErrorCode(err); code == psti.EINVALID || code == psti.ECONFLICT {
				s.showDraft(w, r, u, id, &d, err, statusOf(code))
				return
			}
			s.pageError(w, r, err)
			return
		}
		s.redirect(w, r, "/security/advisories/"+a.TrackingID, "Advisory "+a.TrackingID+" is published. Reporters of the problem who gave an e-mail address are told.")
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
		for _, a := range advs {
			if a.UpdatedAt.After(updated) {
				updated = a.UpdatedAt
			}
		}
		signer, err := s.csafSigner(r)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		key := disclosure.OpenPGPKeyRef{Fingerprint: signer.Fingerprint(), URL: s.link("/.well-known/csaf/" + openPGPKeyPath(signer))}
		doc, err := disclosure.ProviderMetadata(s.base.String(), s.publisherName(r), updated, key)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	})
	s.handle("GET /.well-known/csaf/openpgp/{file}", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		signer, err := s.csafSigner(r)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if "openpgp/"+r.PathValue("file") != openPGPKeyPath(signer) {
			s.errorPage(w, r, http.StatusNotFound, "There is no such key.")
			return
		}
		key, err := signer.PublicKey()
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/pgp-keys")
		_, _ = w.Write(key)
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
			// Newest change first (CSAF 2.0 section 7.1.12).
			slices.SortStableFunc(advs, func(x, y *disclosure.Advisory) int { return y.UpdatedAt.Compare(x.UpdatedAt) })
			for _, a := range advs {
				fmt.Fprintf(&b, "%q,%q\n", a.CSAFPath(), a.UpdatedAt.UTC().Format(time.RFC3339))
			}
		default:
			s.errorPage(w, r, http.StatusNotFound, "There is no such file.")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(b.String()))
	})
	// Each CSAF document, with its SHA-256 and SHA-512 hashes and its
	// OpenPGP signature beside it (CSAF 2.0 sections 7.1.18 to 7.1.19).
	s.handle("GET /.well-known/csaf/{year}/{file}", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		file := r.PathValue("file")
		name, kind := file, ""
		for _, ext := range []string{".sha256", ".sha512", ".asc"} {
			if n, ok := strings.CutSuffix(file, ext); ok {
				name, kind = n, ext
			}
		}
		a, err := s.advisoryByFile(r, r.PathValue("year"), name)
		if err != nil {
			s.errorPage(w, r, http.StatusNotFound, "There is no such advisory.")
			return
		}
		switch kind {
		case "":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(a.CSAF)
		case ".sha256", ".sha512":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write(disclosure.HashFile(a.CSAF, name, kind == ".sha512"))
		case ".asc":
			signer, err := s.csafSigner(r)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			sig, err := signer.Sign(a.CSAF, a.UpdatedAt)
			if err != nil {
				s.pageError(w, r, err)
				return
			}
			w.Header().Set("Content-Type", "application/pgp-signature")
			_, _ = w.Write(sig)
		}
	})
}

// advisoryByFile finds the advisory a CSAF file name stands for.
func (s *Server) advisoryByFile(r *http.Request, year, name string) (*disclosure.Advisory, error) {
	id, ok := strings.CutSuffix(name, ".json")
	if !ok {
		return nil, psti.Errorf(psti.ENOTFOUND, "There is no such advisory.")
	}
	a, err := s.store.AdvisoryByTracking(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if strconv.Itoa(a.PublishedAt.Year()) != year || disclosure.CSAFFileName(a.TrackingID) != name {
		return nil, psti.Errorf(psti.ENOTFOUND, "There is no such advisory.")
	}
	return a, nil
}

// csafKeyName names the installation's OpenPGP key among its keys.
const csafKeyName = "csaf-openpgp"

// csafSigner reads the installation's OpenPGP key, making it the first
// time.
func (s *Server) csafSigner(r *http.Request) (*disclosure.Signer, error) {
	return s.signer(r.Context())
}

func (s *Server) signer(ctx context.Context) (*disclosure.Signer, error) {
	key, err := s.store.InstallationSecret(ctx, csafKeyName, func() ([]byte, error) {
		return disclosure.NewOpenPGPKey(s.base.Host, s.cfg.Clock.Now())
	})
	if err != nil {
		return nil, err
	}
	return disclosure.LoadSigner(key)
}

// openPGPKeyPath is where the public key is published under
// /.well-known/csaf/.
func openPGPKeyPath(sg *disclosure.Signer) string {
	return "openpgp/" + sg.Fingerprint() + ".asc"
}

func reportID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// draftFromForm reads the advisory form: the versions ticked and those
// typed, one a line.
func draftFromForm(r *http.Request) disclosure.AdvisoryDraft {
	f := r.PostForm
	d := disclosure.AdvisoryDraft{Title: f.Get("title"), Summary: f.Get("summary"), Remedy: f.Get("remedy"), FixedIn: f.Get("fixed_in"),
		CWE: f.Get("cwe"), CVE: f.Get("cve"), CVSS: f.Get("cvss_vector"), CreditThem: f.Get("credit") == "1", Change: f.Get("change")}
	d.Affected = append(f["affected"], strings.Split(f.Get("affected_other"), "\n")...)
	d.Fixed = append(f["fixed"], strings.Split(f.Get("fixed_other"), "\n")...)
	return d
}

// draftPage is what the advisory editor shows.
type draftPage struct {
	ReportID  int64
	Report    *disclosure.Report
	Published *disclosure.Advisory
	Draft     *disclosure.AdvisoryDraft
	Saved     bool // a draft is kept (and may be previewed and published)
	Form      *form
}

func (s *Server) showDraft(w http.ResponseWriter, r *http.Request, u *auth.User, id int64, d *disclosure.AdvisoryDraft, problem error, status int) {
	rep, err := s.store.Report(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	versions, err := s.reports.AdvisoryVersions(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := draftPage{ReportID: id, Report: rep, Draft: d}
	if a, err := s.store.AdvisoryOf(r.Context(), id); err == nil {
		p.Published = a
	} else if psti.ErrorCode(err) != psti.ENOTFOUND {
		s.pageError(w, r, err)
		return
	}
	if _, err := s.store.AdvisoryDraft(r.Context(), id); err == nil {
		p.Saved = true
	} else if psti.ErrorCode(err) != psti.ENOTFOUND {
		s.pageError(w, r, err)
		return
	}
	p.Form = draftForm(id, rep, d, versions, p.Published != nil)
	if problem != nil {
		p.Form.setError(problem)
	}
	title := fmt.Sprintf("Advisory for report %d", id)
	if p.Published != nil {
		title = "Revise advisory " + p.Published.TrackingID
	}
	s.render(w, r, status, "advisory_edit", &view{Title: title, User: u, Section: "reports", Data: p})
}

// draftForm is the advisory as a form. Versions recorded for the product
// are ticked from a list; others are typed, one a line.
func draftForm(id int64, rep *disclosure.Report, d *disclosure.AdvisoryDraft, versions []string, revision bool) *form {
	options := make([]option, 0, len(versions))
	known := map[string]bool{}
	for _, v := range versions {
		options = append(options, option{Value: v, Label: v})
		known[v] = true
	}
	split := func(list []string) (ticked []string, typed string) {
		var other []string
		for _, v := range list {
			if known[v] {
				ticked = append(ticked, v)
			} else {
				other = append(other, v)
			}
		}
		return ticked, strings.Join(other, "\n")
	}
	affected, affectedOther := split(d.Affected)
	fixed, fixedOther := split(d.Fixed)
	if d.FixedIn != "" {
		fixedOther = strings.TrimSpace(fixedOther + "\n" + d.FixedIn)
	}
	versionHint := "The versions recorded for the product in the register."
	if rep.ProductID == 0 {
		versionHint = "Link the report to its product (Triage) to choose from the versions recorded for it."
	}
	cweHint := "The kind of weakness, such as CWE-798 (Use of Hard-coded Credentials)."
	if name, ok := disclosure.CWEName(d.CWE); ok {
		cweHint = d.CWE + " is “" + name + "”."
	}
	f := &form{Action: fmt.Sprintf("/admin/reports/%d/advisory/draft", id), Submit: "Save the draft", Fields: []*field{
		{Name: "title", Label: "Title", Hint: "One line, for the public.", Type: "text", Value: d.Title, Required: true, Max: disclosure.MaxTitle},
		{Name: "summary", Label: "What the problem is", Hint: "For the public: what could happen, and to whom. No exploit details.",
			Type: "textarea", Value: d.Summary, Required: true, Max: disclosure.MaxDetails, Rows: 5},
		{Name: "remedy", Label: "What users should do", Hint: "Such as: update the doorbell to firmware 3.2 from the app.",
			Type: "textarea", Value: d.Remedy, Required: true, Max: disclosure.MaxRemedy, Rows: 3},
		{Name: "affected", Label: "Affected versions", Hint: versionHint + " Tick none if every version before the fix is affected.",
			Type: "checkboxes", Options: options, Checked: affected},
		{Name: "affected_other", Label: "Other affected versions", Hint: "Versions not in the list, one a line, such as firmware 2.0.",
			Type: "textarea", Value: affectedOther, Rows: 2},
		{Name: "fixed", Label: "Fixed in", Hint: versionHint, Type: "checkboxes", Options: options, Checked: fixed},
		{Name: "fixed_other", Label: "Other fixed versions", Hint: "Versions not in the list, one a line, such as firmware 3.2.",
			Type: "textarea", Value: fixedOther, Rows: 2},
		{Name: "cvss_vector", Label: "CVSS 3.1 vector", Hint: "Needed to publish: the advisory shows the score computed from it. Such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
			Type: "text", Value: d.CVSS, Required: true, Max: 200},
		{Name: "cwe", Label: "Weakness (CWE)", Hint: cweHint, Type: "text", Value: d.CWE, Max: 20},
		{Name: "cve", Label: "CVE id", Hint: "If the problem has one, such as CVE-2026-12345.", Type: "text", Value: d.CVE, Max: 30},
	}}
	if rep.Credit != "" {
		f.Fields = append(f.Fields, &field{Name: "credit", Label: "Credit", Type: "checkboxes",
			Options: []option{{Value: "1", Label: "Credit the reporter as “" + rep.Credit + "”, as they asked"}}, Checked: checkedIf(d.CreditThem)})
	}
	if revision {
		f.Fields = append(f.Fields, &field{Name: "change", Label: "What changed", Hint: "Needed to publish a revision: one sentence for the revision history, such as “Firmware 3.2.1 also fixes the problem.”",
			Type: "text", Value: d.Change, Required: true, Max: 500})
	}
	return f
}

func checkedIf(b bool) []string {
	if b {
		return []string{"1"}
	}
	return nil
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

// Next is the version a revision will publish.
func (p draftPage) Next() int {
	if p.Published == nil {
		return 1
	}
	return p.Published.Revision + 1
}
