package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// site is whose site this is, as every page shows it: public pages carry
// the organisation's name and colour, never the tool's name or version.
type site struct {
	Name   string // the organisation's legal name; "" before one is recorded
	Colour string // its colour, #rrggbb, or ""
	Logo   string // the address of its logo, or ""
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
	st := site{Name: orgs[0].LegalName, Colour: orgs[0].BrandColour}
	if sum := orgs[0].LogoSHA256; sum != "" {
		st.Logo = "/brand/logo?v=" + sum[:16]
	}
	return st
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
	// The logo is served only as the PNG or JPEG it was checked to be when
	// uploaded, never sniffed as anything else.
	s.handle("GET /brand/logo", auth.Public, false, func(w http.ResponseWriter, r *http.Request) {
		orgs, err := s.store.Organisations(r.Context(), product.Filter{Limit: 1})
		if err != nil || len(orgs) == 0 {
			s.errorPage(w, r, http.StatusNotFound, "There is no logo.")
			return
		}
		typ, data, err := s.store.Logo(r.Context(), orgs[0].ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", typ)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(data)
	})
	s.page("GET /admin/organisations/{id}/logo", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		o, ok := getRecord(s, w, r, s.store.Organisation)
		if ok {
			s.showLogo(w, r, u, o, nil, http.StatusOK)
		}
	})
	s.upload("POST /admin/organisations/{id}/logo", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		o, ok := getRecord(s, w, r, s.store.Organisation)
		if !ok {
			return
		}
		// The form holds one small file; anything much larger is refused
		// before it is read whole.
		r.Body = http.MaxBytesReader(w, r.Body, product.MaxLogoBytes+64<<10)
		var data []byte
		err := r.ParseMultipartForm(product.MaxLogoBytes + 64<<10)
		switch {
		case err != nil:
			err = psti.FieldErrorf(psti.EINVALID, "logo", "The file is larger than %d kB, or the form could not be read.", product.MaxLogoBytes/1000)
		case r.PostFormValue("remove") == "1":
			data = nil
		default:
			f, _, ferr := r.FormFile("logo")
			if ferr != nil {
				err = psti.FieldErrorf(psti.EINVALID, "logo", "Choose an image file.")
				break
			}
			data, err = io.ReadAll(io.LimitReader(f, product.MaxLogoBytes+1))
			f.Close()
			if err == nil && data == nil {
				data = []byte{}
			}
		}
		if err == nil {
			err = s.store.SetLogo(r.Context(), userActor(u), o.ID, data)
		}
		if err != nil {
			s.showLogo(w, r, u, o, err, statusOf(psti.ErrorCode(err)))
			return
		}
		msg := "The logo is saved: the public pages show it."
		if data == nil {
			msg = "The logo is removed."
		}
		s.redirect(w, r, fmt.Sprintf("/admin/organisations/%d", o.ID), msg)
	})
}

// logoData is the page that changes an organisation's logo.
type logoData struct {
	Org      *product.Organisation
	Error    string
	Problems []psti.FieldError
	Max      string
	Current  string // the current logo's address, or ""
}

func (s *Server) showLogo(w http.ResponseWriter, r *http.Request, u *auth.User, o *product.Organisation, err error, status int) {
	d := logoData{Org: o, Max: sizeText(product.MaxLogoBytes)}
	if err != nil {
		d.Error, d.Problems = "The logo was not saved.", psti.ErrorFields(err)
		if d.Problems == nil {
			d.Problems = []psti.FieldError{{Field: "logo", Message: psti.ErrorMessage(err)}}
		}
	}
	if st := s.site(r.Context()); st.Logo != "" && st.Name == o.LegalName {
		d.Current = st.Logo
	}
	s.render(w, r, status, "logo", &view{Title: "Logo of " + o.LegalName, User: u, Section: "organisations", Data: d})
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
