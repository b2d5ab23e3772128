package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// OSCALVersion is the OSCAL version the catalogue export follows.
const OSCALVersion = "1.1.2"

// OSCALNamespace is the namespace of the catalogue's own property names in
// the OSCAL export (confidence, role, paragraph and the like).
const OSCALNamespace = "urn:psti:requirement-catalogue"

// oscalUUIDs is the namespace the export's UUIDs are derived in (version
// 5): the same catalogue gives the same UUIDs on every run and machine.
var oscalUUIDs = uuid.NewSHA1(uuid.NameSpaceURL, []byte(OSCALNamespace))

// oscalToken is an OSCAL token (an XML NCName, ASCII here).
var oscalToken = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// OSCALID is the OSCAL control id of a requirement id: PSTI-PW-01 is
// psti-pw-01.
func OSCALID(id string) string { return strings.ToLower(id) }

type oscalDoc struct {
	Catalog oscalCatalog `json:"catalog"`
}

type oscalCatalog struct {
	UUID       string          `json:"uuid"`
	Metadata   oscalMetadata   `json:"metadata"`
	Groups     []oscalGroup    `json:"groups"`
	BackMatter oscalBackMatter `json:"back-matter"`
}

type oscalMetadata struct {
	Title        string      `json:"title"`
	LastModified string      `json:"last-modified"`
	Version      string      `json:"version"`
	OSCALVersion string      `json:"oscal-version"`
	Props        []oscalProp `json:"props,omitempty"`
	Remarks      string      `json:"remarks,omitempty"`
}

type oscalGroup struct {
	ID       string         `json:"id"`
	Class    string         `json:"class,omitempty"`
	Title    string         `json:"title"`
	Parts    []oscalPart    `json:"parts,omitempty"`
	Controls []oscalControl `json:"controls"`
}

type oscalControl struct {
	ID    string      `json:"id"`
	Class string      `json:"class,omitempty"`
	Title string      `json:"title"`
	Props []oscalProp `json:"props"`
	Links []oscalLink `json:"links,omitempty"`
	Parts []oscalPart `json:"parts"`
}

type oscalProp struct {
	Name    string `json:"name"`
	NS      string `json:"ns,omitempty"`
	Value   string `json:"value"`
	Remarks string `json:"remarks,omitempty"`
}

type oscalLink struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
	Text string `json:"text,omitempty"`
}

type oscalPart struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Prose string `json:"prose"`
}

type oscalBackMatter struct {
	Resources []oscalResource `json:"resources"`
}

type oscalResource struct {
	UUID        string      `json:"uuid"`
	Title       string      `json:"title"`
	Description string      `json:"description,omitempty"`
	Props       []oscalProp `json:"props,omitempty"`
	Rlinks      []oscalHref `json:"rlinks,omitempty"`
}

type oscalHref struct {
	Href string `json:"href"`
}

// ProvisionUUID is the UUID of a standard's provision in the OSCAL export:
// the back-matter resource that links of rel deemed-compliance and
// informative point at ("#" and the UUID).
func ProvisionUUID(scheme, ref string) string {
	return uuid.NewSHA1(oscalUUIDs, []byte("provision\x00"+scheme+"\x00"+ref)).String()
}

// OSCAL writes the catalogue as an OSCAL 1.1.2 catalog in JSON, so that
// governance tools can import it. Each group is an OSCAL group and each
// requirement a control whose id is the requirement id in lower case
// (psti-pw-01), with the requirement id itself in the prop "label"; its
// summary is the statement part and its notes a guidance part. The
// provisions of the standards are back-matter resources, and each
// requirement links to those that deem it met (rel "deemed-compliance")
// and those related to it (rel "informative"); the law itself is a link of
// rel "reference". Everything is derived from the catalogue (UUIDs by
// version 5, the last-modified date from its published date), so the same
// catalogue gives the same bytes on every run.
func OSCAL(c *Catalogue) ([]byte, error) {
	published, err := time.Parse(time.DateOnly, c.Published)
	if err != nil {
		return nil, fmt.Errorf("catalog: OSCAL: published %q is not a date", c.Published)
	}
	ns := func(name, value string) oscalProp { return oscalProp{Name: name, NS: OSCALNamespace, Value: value} }
	doc := oscalDoc{Catalog: oscalCatalog{
		UUID: uuid.NewSHA1(oscalUUIDs, []byte("catalogue\x00"+c.Version)).String(),
		Metadata: oscalMetadata{
			Title: c.Title, LastModified: published.UTC().Format(time.RFC3339), Version: c.Version, OSCALVersion: OSCALVersion,
			Remarks: "Summaries are in our own words, not the text of the law or of the standards; read the law at the links given. " +
				"Each control's confidence says how its reading was checked: VERIFIED (read in the law's own text), SECONDARY (two or more published summaries agree), " +
				"SINGLE (one published summary), UNVERIFIED (not yet checked).",
		},
	}}
	for _, g := range c.Groups {
		if !oscalToken.MatchString(g.ID) {
			return nil, fmt.Errorf("catalog: OSCAL: group id %q is not an OSCAL token", g.ID)
		}
		og := oscalGroup{ID: g.ID, Title: g.Title, Controls: []oscalControl{}}
		if g.Summary != "" {
			og.Parts = []oscalPart{{ID: g.ID + "_ovw", Name: "overview", Prose: g.Summary}}
		}
		for _, r := range g.Requirements {
			id := OSCALID(r.ID)
			if !oscalToken.MatchString(id) {
				return nil, fmt.Errorf("catalog: OSCAL: requirement id %q is not an OSCAL token", r.ID)
			}
			ctl := oscalControl{ID: id, Class: "requirement", Title: r.Title,
				Props: []oscalProp{
					{Name: "label", Value: r.ID},
					ns("source", r.Source),
					ns("confidence", r.Confidence),
				},
				Parts: []oscalPart{{ID: id + "_smt", Name: "statement", Prose: r.Summary}},
			}
			if r.ConfidenceNote != "" {
				ctl.Props[len(ctl.Props)-1].Remarks = r.ConfidenceNote
			}
			ctl.Props = append(ctl.Props, ns("role", r.Role))
			for _, role := range r.AlsoBinds {
				ctl.Props = append(ctl.Props, ns("role", role))
			}
			if r.Paragraph != 0 {
				ctl.Props = append(ctl.Props, ns("schedule-1-paragraph", strconv.Itoa(r.Paragraph)))
			}
			if r.Assess {
				ctl.Props = append(ctl.Props, ns("assessed", "true"))
			}
			if r.Statement {
				ctl.Props = append(ctl.Props, ns("statement", "true"))
			}
			if r.Notes != "" {
				ctl.Parts = append(ctl.Parts, oscalPart{ID: id + "_gdn", Name: "guidance", Prose: r.Notes})
			}
			if r.URL != "" {
				ctl.Links = append(ctl.Links, oscalLink{Href: r.URL, Rel: "reference", Text: r.Source})
			}
			for _, m := range r.Deemed {
				ctl.Links = append(ctl.Links, oscalLink{Href: "#" + ProvisionUUID(m.Scheme, m.Ref), Rel: "deemed-compliance", Text: MappingText(m)})
			}
			for _, m := range r.Informative {
				ctl.Links = append(ctl.Links, oscalLink{Href: "#" + ProvisionUUID(m.Scheme, m.Ref), Rel: "informative", Text: MappingText(m)})
			}
			og.Controls = append(og.Controls, ctl)
		}
		doc.Catalog.Groups = append(doc.Catalog.Groups, og)
	}
	for _, st := range c.Standards {
		for _, p := range st.Provisions {
			res := oscalResource{UUID: ProvisionUUID(st.Scheme, p.Ref), Title: st.Scheme + " " + p.Ref, Description: p.Summary,
				Props: []oscalProp{ns("scheme", st.Scheme), ns("ref", p.Ref)}}
			if p.Level != "" {
				res.Props = append(res.Props, ns("level", p.Level))
			}
			conf := oscalProp{Name: "confidence", NS: OSCALNamespace, Value: st.Confidence, Remarks: st.ConfidenceNote}
			if p.Confidence != "" || p.ConfidenceNote != "" {
				conf.Remarks = p.ConfidenceNote
			}
			if p.Confidence != "" {
				conf.Value = p.Confidence
			}
			res.Props = append(res.Props, conf)
			if st.Recognised {
				res.Props = append(res.Props, ns("recognised", "true"))
			}
			if st.URL != "" {
				res.Rlinks = []oscalHref{{Href: st.URL}}
			}
			doc.Catalog.BackMatter.Resources = append(doc.Catalog.BackMatter.Resources, res)
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("catalog: OSCAL: %w", err)
	}
	return b.Bytes(), nil
}

// MappingText names a mapping for people, with its note: "ETSI EN 303 645
// V2.1.1 5.1-2 (where pre-installed unique passwords are used)".
func MappingText(m Mapping) string {
	s := m.Scheme + " " + m.Ref
	if m.Note != "" {
		s += " (" + m.Note + ")"
	}
	return s
}
