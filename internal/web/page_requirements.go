package web

import (
	"net/http"
	"strings"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
)

// The requirement catalogue for people, at /requirements: what the law
// asks, group by group, each requirement at its own anchor
// (/requirements#PSTI-PW-01), with the standards that deem it met and
// those it relates to. Public: it is about the law, and anyone may read
// it. The catalogue is package catalog's; this only lays it out.

type requirementsData struct {
	Version   string
	Published string // "7 December 2026"
	Groups    []requirementGroupView
	Standards []standardView
	JSONHref  string
	OSCALHref string
	OSCALFile string
}

type requirementGroupView struct {
	ID, Title, Summary string
	Requirements       []requirementView
}

type requirementView struct {
	ID, Title, Summary, Source, URL, Notes string
	Binds                                  string // "Manufacturers", "Importers and distributors"
	Confidence                             string // the label, when it is not VERIFIED
	ConfidenceText                         string // what the label means, in words
	ConfidenceNote                         string
	Deemed, Informative                    []mappingView
}

type mappingView struct {
	Name, Note, Href string
}

type standardView struct {
	Anchor, Title, Summary, URL string
	Recognised                  bool
	ConfidenceText              string
	ConfidenceNote              string
	Categories                  []provisionCategoryView
	Provisions                  []provisionView // when the standard has no categories
}

type provisionCategoryView struct {
	Title      string
	Provisions []provisionView
}

type provisionView struct {
	Anchor, Ref, Level, Summary, Confidence, ConfidenceNote string
	Cited                                                   []string
}

// confidenceText says what a confidence label means, for a reader.
func confidenceText(label string) string {
	switch label {
	case "VERIFIED":
		return "Checked against the text of the law itself."
	case "SECONDARY":
		return "Not yet checked against the original text: two or more published summaries agree on it."
	case "SINGLE":
		return "Not yet checked against the original text: it comes from one published summary only."
	case "UNVERIFIED":
		return "Not yet checked: treat it as a pointer, and read the source before relying on it."
	}
	return ""
}

// levelText says how binding a standard makes a provision.
func levelText(level string) string {
	return map[string]string{"M": "must", "M C": "must, where it applies", "R": "should", "R C": "should, where it applies"}[level]
}

// provisionAnchor is the page anchor of a standard's provision:
// "etsi-en-303-645-v2-1-1-5-1-1".
func provisionAnchor(scheme, ref string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(scheme + " " + ref) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// binds names who a requirement binds: "Importers and distributors".
func binds(r *catalog.Requirement) string {
	names := []string{catalog.RoleText(r.Role)}
	for _, role := range r.AlsoBinds {
		names = append(names, catalog.RoleText(role))
	}
	return capital(strings.Join(names, " and "))
}

func mappingViews(ms []catalog.Mapping) []mappingView {
	out := make([]mappingView, len(ms))
	for i, m := range ms {
		name := m.Scheme + " " + m.Ref
		if m.Ref == "label" {
			name = m.Scheme + " label"
		}
		out[i] = mappingView{Name: name, Note: m.Note, Href: "#" + provisionAnchor(m.Scheme, m.Ref)}
	}
	return out
}

func requirementsView(c *catalog.Catalogue) requirementsData {
	d := requirementsData{Version: c.Version, Published: psti.DateText(c.Published), JSONHref: APIPrefix + "/requirements",
		OSCALHref: APIPrefix + "/requirements/oscal", OSCALFile: oscalFileName(c)}
	for _, g := range c.Groups {
		gv := requirementGroupView{ID: g.ID, Title: g.Title, Summary: g.Summary}
		for i := range g.Requirements {
			r := &g.Requirements[i]
			v := requirementView{ID: r.ID, Title: r.Title, Summary: r.Summary, Source: r.Source, URL: r.URL, Notes: r.Notes,
				Binds: binds(r), ConfidenceNote: r.ConfidenceNote, Deemed: mappingViews(r.Deemed), Informative: mappingViews(r.Informative)}
			v.ConfidenceText = confidenceText(r.Confidence)
			if r.Confidence != "VERIFIED" {
				v.Confidence = r.Confidence
			}
			gv.Requirements = append(gv.Requirements, v)
		}
		d.Groups = append(d.Groups, gv)
	}
	for _, st := range c.Standards {
		sv := standardView{Anchor: provisionAnchor(st.Scheme, ""), Title: st.Title, Summary: st.Summary, URL: st.URL, Recognised: st.Recognised,
			ConfidenceText: confidenceText(st.Confidence), ConfidenceNote: st.ConfidenceNote}
		byCat := map[string]int{}
		for _, cat := range st.Categories {
			byCat[cat.ID] = len(sv.Categories)
			sv.Categories = append(sv.Categories, provisionCategoryView{Title: cat.ID + " " + cat.Title})
		}
		for _, p := range st.Provisions {
			pv := provisionView{Anchor: provisionAnchor(st.Scheme, p.Ref), Ref: p.Ref, Level: levelText(p.Level), Summary: p.Summary,
				ConfidenceNote: p.ConfidenceNote, Cited: c.Cited(st.Scheme, p.Ref)}
			if p.Confidence != "" && p.Confidence != st.Confidence {
				pv.Confidence = p.Confidence
			}
			if i, ok := byCat[p.Category]; ok && p.Category != "" {
				sv.Categories[i].Provisions = append(sv.Categories[i].Provisions, pv)
			} else {
				sv.Provisions = append(sv.Provisions, pv)
			}
		}
		d.Standards = append(d.Standards, sv)
	}
	return d
}

func (s *Server) registerRequirementPages() {
	s.page("GET /requirements", auth.Public, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.render(w, r, http.StatusOK, "requirements", &view{Title: "What the UK product security law asks", User: u, Section: "requirements",
			Data: requirementsView(catalog.DefaultCatalogue())})
	})
}
