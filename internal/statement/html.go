package statement

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"

	"github.com/psti/psti/internal/psti"
)

// The HTML rendering of a statement is one template (templates/
// statement.html): the article, which psti's public page shows inside the
// site, and a whole document around it, kept byte for byte as the "html"
// rendering. Both say exactly what the PDF says, in the same order.

//go:embed templates/statement.html
var htmlFiles embed.FS

var htmlTemplates = template.Must(template.ParseFS(htmlFiles, "templates/statement.html"))

// claimView is one Schedule 1 requirement as the statement declares it.
type claimView struct {
	Title, Text string
	Standards   []string
}

// htmlView is what the template shows.
type htmlView struct {
	ID                                        string
	Version                                   int
	URL                                       string
	S                                         *Statement
	ManufacturersTitle, RepresentativesTitle  string
	Declaration, SupportEnd, Issued, DocTitle string
	Claims                                    []claimView
}

// ClaimText is how a statement words its declaration for one Schedule 1
// requirement: a sentence, and for deemed compliance each standard relied
// on with its number, version and date of issue (PSTI-SOC-F4, F5).
func ClaimText(c Claim) (string, []string) {
	switch c.Route {
	case RouteRequirement:
		return "Met: the product complies with this requirement of Schedule 1.", nil
	case RouteDeemed:
		var lines []string
		for _, st := range c.Standards {
			line := fmt.Sprintf("%s, version %s, issued %s", st.Number, st.Version, issuedText(st.Issued))
			if st.Provisions != "" {
				line += "; provisions " + st.Provisions
			}
			lines = append(lines, line)
		}
		return "Met by the deemed compliance conditions of Schedule 2, relying on:", lines
	}
	return "", nil
}

// renderable refuses to render, as what, a statement that fails Validate
// or meta without the statement's id, version and public address.
func renderable(s *Statement, meta PDFMeta, what string) error {
	if s == nil {
		return errors.New("statement: no statement to render")
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if meta.ID == "" || meta.URL == "" || meta.Version < 1 {
		return fmt.Errorf("statement: unable to render the %s: the statement id, version and public address are needed", what)
	}
	return nil
}

func newHTMLView(s *Statement, meta PDFMeta) (*htmlView, error) {
	if err := renderable(s, meta, "HTML"); err != nil {
		return nil, err
	}
	v := &htmlView{ID: meta.ID, Version: meta.Version, URL: meta.URL, S: s, Declaration: s.Declaration(),
		ManufacturersTitle: "Manufacturer", RepresentativesTitle: "Authorised representative",
		DocTitle: s.Title() + ": " + s.ProductType + " " + s.Model}
	if len(s.Manufacturers) > 1 {
		v.ManufacturersTitle = "Manufacturers"
	}
	if len(s.Representatives) > 1 {
		v.RepresentativesTitle = "Authorised representatives"
	}
	for _, par := range Paragraphs {
		text, standards := ClaimText(s.claim(par.Number))
		v.Claims = append(v.Claims, claimView{Title: par.Title, Text: text, Standards: standards})
	}
	v.SupportEnd = psti.DateText(s.SupportEnd)
	v.Issued = psti.DateText(s.Issued)
	return v, nil
}

// RenderHTML is the HTML rendering of a statement: a whole, accessible
// document with every Schedule 4 field as text, which a browser prints on
// its own (PSTI-SOC-F1 to F8). The same statement and meta always give
// the same bytes. A statement that fails Validate is refused.
func RenderHTML(s *Statement, meta PDFMeta) ([]byte, error) {
	v, err := newHTMLView(s, meta)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := htmlTemplates.ExecuteTemplate(&b, "document", v); err != nil {
		return nil, fmt.Errorf("statement: unable to render the HTML: %w", err)
	}
	return b.Bytes(), nil
}

// HTMLArticle is the statement as an article to show inside a page: the
// body of RenderHTML's document.
func HTMLArticle(s *Statement, meta PDFMeta) (template.HTML, error) {
	v, err := newHTMLView(s, meta)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := htmlTemplates.ExecuteTemplate(&b, "article", v); err != nil {
		return "", fmt.Errorf("statement: unable to render the HTML: %w", err)
	}
	return template.HTML(b.String()), nil // #nosec: made by html/template, which escapes
}
