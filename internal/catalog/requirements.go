package catalog

import (
	_ "embed"
	"errors"
	"fmt"
	"sync"
)

// Catalogue is the requirement catalogue: what the law asks, grouped, each
// with an id the code and tests cite, a summary in our own words, and the
// provisions that deem it met or relate to it.
type Catalogue struct {
	Version string  `json:"version"`
	Title   string  `json:"title"`
	Groups  []Group `json:"groups"`
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
	Role       string `json:"role"`       // who it binds: manufacturer, importer, distributor, authorised_representative
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

// Roles a requirement may bind.
var roles = map[string]bool{"manufacturer": true, "importer": true, "distributor": true, "authorised_representative": true}

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

func (c *Catalogue) check() error {
	if c.Version == "" {
		return errors.New("no version")
	}
	seen := map[string]bool{}
	for _, g := range c.Groups {
		if g.ID == "" || g.Title == "" {
			return errors.New("a group needs an id and a title")
		}
		if seen[g.ID] {
			return fmt.Errorf("%q appears twice", g.ID)
		}
		seen[g.ID] = true
		for _, r := range g.Requirements {
			switch {
			case r.ID == "" || r.Title == "" || r.Summary == "" || r.Source == "":
				return fmt.Errorf("requirement %q: id, title, summary and source are needed", r.ID)
			case seen[r.ID]:
				return fmt.Errorf("%q appears twice", r.ID)
			case !confidences[r.Confidence]:
				return fmt.Errorf("requirement %q: confidence %q is not VERIFIED, SECONDARY, SINGLE or UNVERIFIED", r.ID, r.Confidence)
			case !roles[r.Role]:
				return fmt.Errorf("requirement %q: role %q is not manufacturer, importer, distributor or authorised_representative", r.ID, r.Role)
			case r.Paragraph < 0 || r.Paragraph > 3:
				return fmt.Errorf("requirement %q: paragraph %d is not 1, 2 or 3", r.ID, r.Paragraph)
			case r.Statement && !r.Assess:
				return fmt.Errorf("requirement %q: a requirement the statement speaks to must be assessed", r.ID)
			}
			seen[r.ID] = true
			for _, m := range append(append([]Mapping(nil), r.Deemed...), r.Informative...) {
				if m.Scheme == "" || m.Ref == "" {
					return fmt.Errorf("requirement %q: a mapping needs a scheme and a ref", r.ID)
				}
			}
		}
	}
	return nil
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
