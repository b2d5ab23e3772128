package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
)

// site is whose site this is, as every page shows it: public pages carry
// the organisation's name and colour, never the tool's name or version.
type site struct {
	Name   string // the organisation's legal name; "" before one is recorded
	Colour string // its colour, #rrggbb, or ""
}

// site returns the organisation the pages belong to: the first by name, if
// several are recorded. A failure to read it leaves the pages unbranded
// rather than failing them.
func (s *Server) site(ctx context.Context) site {
	orgs, err := s.store.Organisations(ctx, product.Filter{Limit: 1})
	if err != nil {
		s.log.Warn("reading the organisation for the page header", "err", err)
		return site{}
	}
	if len(orgs) == 0 {
		return site{}
	}
	return site{Name: orgs[0].LegalName, Colour: orgs[0].BrandColour}
}

// registerSitePages adds the style sheet that gives the pages the
// organisation's colour. The colour is checked when it is saved (a #rrggbb
// dark enough for white text), so it is written here as it is.
func (s *Server) registerSitePages() {
	s.handle("GET /brand.css", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		if c := s.site(r.Context()).Colour; c != "" && (&product.Organisation{LegalName: "x", Address: "x", BrandColour: c}).Validate() == nil {
			fmt.Fprintf(w, ":root { --brand: %s; --accent: %s; }\n", c, c)
		}
	})
}

// counted says how many of something there are, in words that agree with
// the number: "1 product", "2 products", "1,200 batches".
func counted(n int, one, many string) string {
	return humanize.Comma(int64(n)) + " " + plural(n, one, many)
}

// withArticle puts "a" or "an" before a noun, by the sound it starts with
// as far as psti's nouns go: "an organisation", "a product", "a user".
func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeioAEIO", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}
