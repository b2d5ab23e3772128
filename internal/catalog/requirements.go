package catalog

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"
)

// Catalogue is the requirement catalogue: what the law asks, grouped, each
// with an id the code and tests cite, a summary in our own words, and the
// provisions that deem it met or relate to it.
type Catalogue struct {
	Version string `json:"version"`
	Title   string `json:"title"`
	// Published is the day this version was written, YYYY-MM-DD: the
	// date exports give as last modified, so that an export changes only
	// when the catalogue does. OSCAL needs it.
	Published string  `json:"published"`
	Groups    []Group `json:"groups"`
	// Standards are the standards, labels and laws the mappings point
	// at, each provision with our own one-line summary. When there are
	// any, every mapping must point at one of their provisions, and they
	// must list every provision Schedule 2 names.
	Standards []Standard `json:"standards"`
}

// Standard is a standard, a label scheme or another law that requirements
// are mapped to.
type Standard struct {
	Scheme         string `json:"scheme"` // as mappings name it: "ETSI EN 303 645 V2.1.1"
	Title          string `json:"title"`
	Summary        string `json:"summary"`       // what it is and how it relates to the regime, in plain words
	Recognised     bool   `json:"recognised"`    // named by Schedule 2 or 2A of the Regulations: meeting it deems requirements met
	URL            string `json:"url,omitempty"` // where its text or its legal basis is
	Confidence     string `json:"confidence"`    // the label of the rows below, unless a row gives its own
	ConfidenceNote string `json:"confidence_note,omitempty"`
	// Categories name the parts provisions are grouped in, in order.
	Categories []Category  `json:"categories,omitempty"`
	Provisions []Provision `json:"provisions"`
}

// Category is a part of a standard, such as EN 303 645 clause 5.1.
type Category struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Provision is one provision of a standard. The summary is ours, never the
// standard's own text.
type Provision struct {
	Ref      string `json:"ref"`                // "5.1-3"
	Category string `json:"category,omitempty"` // a Categories id
	// Level is how binding the standard makes it: M (it shall), R (it
	// should), with C when it applies only under a condition ("M C").
	Level          string `json:"level,omitempty"`
	Summary        string `json:"summary"`
	Confidence     string `json:"confidence,omitempty"` // when it differs from the standard's
	ConfidenceNote string `json:"confidence_note,omitempty"`
}

// Group is one part of the catalogue, such as Schedule 1 paragraph 1.
type Group struct {
	ID           string        `json:"id"`
	Title        string        `json:"title"`
	Summary      string        `json:"summary,omitempty"`
	Requirements []Requirement `json:"requirements"`
}

// Requirement is one requirement of the law.
type Requirement struct {
	ID         string `json:"id"`      // PSTI-PW-01
	Title      string `json:"title"`   // a short name
	Summary    string `json:"summary"` // what it asks, in plain words (ours, not the statute's)
	Source     string `json:"source"`  // "Regulations Schedule 1 paragraph 1(2)"
	URL        string `json:"url,omitempty"`
	Confidence string `json:"confidence"` // VERIFIED, SECONDARY, SINGLE, UNVERIFIED
	// ConfidenceNote qualifies the label where the digest does: "text
	// VERIFIED; reading ours".
	ConfidenceNote string `json:"confidence_note,omitempty"`
	Role           string `json:"role"` // who it binds: manufacturer, importer, distributor, authorised_representative, or relevant_person (each of the first three)
	// AlsoBinds names other roles it binds in the same way.
	AlsoBinds []string `json:"also_binds,omitempty"`
	// Notes are our reading and what follows from it for the work, in
	// plain words; never the statute's text.
	Notes string `json:"notes,omitempty"`
	// Paragraph is the Schedule 1 paragraph (1, 2 or 3) the requirement
	// belongs to, which decides the deemed-compliance routes open to it;
	// 0 when it is not a Schedule 1 requirement.
	Paragraph int `json:"paragraph,omitempty"`
	// Assess makes it a row of each in-scope product's assessment.
	Assess bool `json:"assess,omitempty"`
	// Statement marks the requirements a statement of compliance speaks to
	// (Act s.9(4): not those that apply only after the product is made
	// available): each must be met before a statement is issued.
	Statement   bool      `json:"statement,omitempty"`
	Deemed      []Mapping `json:"deemed,omitempty"`      // Schedule 2 provisions that deem it met
	Informative []Mapping `json:"informative,omitempty"` // related provisions that do not deem it met
}

// Mapping points at a provision of a standard, a label scheme or another
// law.
type Mapping struct {
	Scheme string `json:"scheme"`         // "ETSI EN 303 645 V2.1.1", "ISO/IEC 29147:2018", "JC-STAR STAR-1", "Singapore CLS", "EU CRA"
	Ref    string `json:"ref"`            // "5.1-1", "6.2.2", "Annex I Part II (5)"
	Note   string `json:"note,omitempty"` // how it relates, in plain words
}

// Roles a requirement may bind; relevant_person is each of manufacturer,
// importer and distributor (Act s.7), for definitions that bind them all.
var roles = map[string]bool{"manufacturer": true, "importer": true, "distributor": true, "authorised_representative": true, "relevant_person": true}

// RoleText names a role for people: "the manufacturer".
func RoleText(role string) string {
	switch role {
	case "relevant_person":
		return "manufacturers, importers and distributors"
	case "authorised_representative":
		return "authorised representatives"
	case "":
		return ""
	}
	return role + "s"
}

// deemedBy is what Schedule 2 of the Regulations (and, for the statement
// of compliance duty, reg 4A and Schedule 2A) names as deeming a
// requirement met, with the Schedule 1 paragraphs each deems met; 0 stands
// for the statement of compliance duty of Act s.9(2).
// PSTI-DC-01: ETSI 5.1-1 and, where relevant, 5.1-2, for paragraph 1.
// PSTI-DC-02: ETSI 5.2-1, or ISO/IEC 29147 6.2.2, 6.2.5 and 6.5, for paragraph 2.
// PSTI-DC-03: ETSI 5.3-13 for paragraph 3.
// PSTI-DC-01..04: a current, unexpired JC-STAR STAR-1 or Singapore CLS
// label for paragraphs 1-3 (Schedule 2) and the statement (Schedule 2A).
var deemedBy = map[string]map[string][]int{
	"ETSI EN 303 645 V2.1.1": {"5.1-1": {1}, "5.1-2": {1}, "5.2-1": {2}, "5.3-13": {3}},
	"ISO/IEC 29147:2018":     {"6.2.2": {2}, "6.2.5": {2}, "6.5": {2}},
	"JC-STAR STAR-1":         {"label": {0, 1, 2, 3}},
	"Singapore CLS":          {"label": {0, 1, 2, 3}},
}

// DeemingSchemes lists the schemes the law recognises as deeming
// requirements met, sorted.
func DeemingSchemes() []string {
	out := make([]string, 0, len(deemedBy))
	for s := range deemedBy {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

//go:embed requirements.yaml
var requirementsFile []byte

var defaultCatalogue = sync.OnceValues(func() (*Catalogue, error) { return ParseCatalogue(requirementsFile) })

// DefaultCatalogue returns the embedded requirement catalogue. The
// package's tests check it, so an error here means a broken build.
func DefaultCatalogue() *Catalogue {
	c, err := defaultCatalogue()
	if err != nil {
		panic("catalog: embedded requirement catalogue: " + err.Error())
	}
	return c
}

// ParseCatalogue reads and checks a requirement catalogue (YAML or JSON).
func ParseCatalogue(data []byte) (*Catalogue, error) {
	var c Catalogue
	if err := decodeStrict(data, &c); err != nil {
		return nil, fmt.Errorf("requirement catalogue: %w", err)
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("requirement catalogue: %w", err)
	}
	return &c, nil
}

// requirementID is the form of a requirement id: PSTI-PW-01, PSTI-SOC-F1.
var requirementID = regexp.MustCompile(`^PSTI-[A-Z]+-[A-Z]*[0-9]+$`)

// levels a provision may have.
var levels = map[string]bool{"": true, "M": true, "M C": true, "R": true, "R C": true}

func (c *Catalogue) check() error {
	if c.Version == "" {
		return errors.New("no version")
	}
	if _, err := time.Parse(time.DateOnly, c.Published); c.Published != "" && err != nil {
		return fmt.Errorf("published %q is not a date written YYYY-MM-DD", c.Published)
	}
	provisions, err := c.checkStandards()
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, g := range c.Groups {
		if g.ID == "" || g.Title == "" {
			return errors.New("a group needs an id and a title")
		}
		if !oscalToken.MatchString(g.ID) {
			return fmt.Errorf("group id %q: use letters, digits, - and _, starting with a letter", g.ID)
		}
		if seen[g.ID] {
			return fmt.Errorf("%q appears twice", g.ID)
		}
		seen[g.ID] = true
		for _, r := range g.Requirements {
			switch {
			case r.ID == "" || r.Title == "" || r.Summary == "" || r.Source == "":
				return fmt.Errorf("requirement %q: id, title, summary and source are needed", r.ID)
			case !requirementID.MatchString(r.ID):
				return fmt.Errorf("requirement %q: an id is written PSTI-, letters, -, then a number, as PSTI-PW-01", r.ID)
			case seen[r.ID]:
				return fmt.Errorf("%q appears twice", r.ID)
			case !confidences[r.Confidence]:
				return fmt.Errorf("requirement %q: confidence %q is not VERIFIED, SECONDARY, SINGLE or UNVERIFIED", r.ID, r.Confidence)
			case !roles[r.Role]:
				return fmt.Errorf("requirement %q: role %q is not manufacturer, importer, distributor, authorised_representative or relevant_person", r.ID, r.Role)
			case r.Paragraph < 0 || r.Paragraph > 3:
				return fmt.Errorf("requirement %q: paragraph %d is not 1, 2 or 3", r.ID, r.Paragraph)
			case r.Statement && !r.Assess:
				return fmt.Errorf("requirement %q: a requirement the statement speaks to must be assessed", r.ID)
			}
			for _, role := range r.AlsoBinds {
				if !roles[role] || role == r.Role {
					return fmt.Errorf("requirement %q: also_binds %q is not another role", r.ID, role)
				}
			}
			seen[r.ID] = true
			for _, m := range append(append([]Mapping(nil), r.Deemed...), r.Informative...) {
				if m.Scheme == "" || m.Ref == "" {
					return fmt.Errorf("requirement %q: a mapping needs a scheme and a ref", r.ID)
				}
				if len(c.Standards) > 0 && !provisions[m.Scheme+" "+m.Ref] {
					return fmt.Errorf("requirement %q: %s %s is not among the catalogue's standards", r.ID, m.Scheme, m.Ref)
				}
			}
			for _, m := range r.Deemed {
				if !slices.Contains(deemedBy[m.Scheme][m.Ref], r.Paragraph) {
					return fmt.Errorf("requirement %q: the law does not make %s %s deem this requirement met (Schedules 2 and 2A)", r.ID, m.Scheme, m.Ref)
				}
			}
		}
	}
	return nil
}

// checkStandards checks the standards and returns their provisions, each
// as "scheme ref".
func (c *Catalogue) checkStandards() (map[string]bool, error) {
	provisions := map[string]bool{}
	schemes := map[string]bool{}
	for _, st := range c.Standards {
		switch {
		case st.Scheme == "" || st.Title == "" || st.Summary == "":
			return nil, fmt.Errorf("standard %q: scheme, title and summary are needed", st.Scheme)
		case schemes[st.Scheme]:
			return nil, fmt.Errorf("standard %q appears twice", st.Scheme)
		case !confidences[st.Confidence]:
			return nil, fmt.Errorf("standard %q: confidence %q is not VERIFIED, SECONDARY, SINGLE or UNVERIFIED", st.Scheme, st.Confidence)
		case st.Recognised != (deemedBy[st.Scheme] != nil):
			return nil, fmt.Errorf("standard %q: recognised must say whether Schedule 2 or 2A names it", st.Scheme)
		case len(st.Provisions) == 0:
			return nil, fmt.Errorf("standard %q has no provisions", st.Scheme)
		}
		schemes[st.Scheme] = true
		cats := map[string]bool{}
		for _, cat := range st.Categories {
			if cat.ID == "" || cat.Title == "" || cats[cat.ID] {
				return nil, fmt.Errorf("standard %q: a category needs an id, once, and a title", st.Scheme)
			}
			cats[cat.ID] = true
		}
		for _, p := range st.Provisions {
			key := st.Scheme + " " + p.Ref
			switch {
			case p.Ref == "" || p.Summary == "":
				return nil, fmt.Errorf("standard %q: a provision needs a ref and a summary", st.Scheme)
			case provisions[key]:
				return nil, fmt.Errorf("%s appears twice", key)
			case !levels[p.Level]:
				return nil, fmt.Errorf("%s: level %q is not M, M C, R or R C", key, p.Level)
			case p.Confidence != "" && !confidences[p.Confidence]:
				return nil, fmt.Errorf("%s: confidence %q is not VERIFIED, SECONDARY, SINGLE or UNVERIFIED", key, p.Confidence)
			case (len(st.Categories) > 0 || p.Category != "") && !cats[p.Category]:
				return nil, fmt.Errorf("%s: category %q is not one of the standard's", key, p.Category)
			}
			provisions[key] = true
		}
	}
	if len(c.Standards) == 0 {
		return provisions, nil // a catalogue without standards names only the law's own provisions
	}
	for scheme, refs := range deemedBy {
		for ref := range refs {
			if !provisions[scheme+" "+ref] {
				return nil, fmt.Errorf("the standards must list %s %s: Schedule 2 names it", scheme, ref)
			}
		}
	}
	return provisions, nil
}

// Standard returns the standard scheme, or nil.
func (c *Catalogue) Standard(scheme string) *Standard {
	for i := range c.Standards {
		if c.Standards[i].Scheme == scheme {
			return &c.Standards[i]
		}
	}
	return nil
}

// Provision returns the provision ref of the standard scheme, or nil.
func (c *Catalogue) Provision(scheme, ref string) *Provision {
	if st := c.Standard(scheme); st != nil {
		for i := range st.Provisions {
			if st.Provisions[i].Ref == ref {
				return &st.Provisions[i]
			}
		}
	}
	return nil
}

// Cited returns the requirements that map to the provision, deemed or
// informative, in catalogue order.
func (c *Catalogue) Cited(scheme, ref string) []string {
	var out []string
	for _, g := range c.Groups {
		for _, r := range g.Requirements {
			for _, m := range append(append([]Mapping(nil), r.Deemed...), r.Informative...) {
				if m.Scheme == scheme && m.Ref == ref && !slices.Contains(out, r.ID) {
					out = append(out, r.ID)
				}
			}
		}
	}
	return out
}

// Requirement returns the requirement id, or nil.
func (c *Catalogue) Requirement(id string) *Requirement {
	for gi := range c.Groups {
		for ri := range c.Groups[gi].Requirements {
			if r := &c.Groups[gi].Requirements[ri]; r.ID == id {
				return r
			}
		}
	}
	return nil
}

// Assessed returns the requirements each in-scope product is assessed
// against, in catalogue order.
func (c *Catalogue) Assessed() []Requirement {
	var out []Requirement
	for _, g := range c.Groups {
		for _, r := range g.Requirements {
			if r.Assess {
				out = append(out, r)
			}
		}
	}
	return out
}
