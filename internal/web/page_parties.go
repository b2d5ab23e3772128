package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// The parties notices go to (other businesses in a product's chain, and
// the enforcement authority), and each product's chain: the roles the
// organisation plays for it and its links to parties (issue 15 item 1).

func partyKindText(k string) string {
	switch k {
	case "enforcement_authority":
		return "enforcement authority"
	case "other":
		return "other"
	}
	return cases.RoleText(k)
}

func partyForm(p *cases.Party, orgs []*product.Organisation) *form {
	kind := &field{Name: "kind", Label: "What they are", Type: "select", Value: p.Kind, Required: true}
	for _, k := range cases.PartyKinds {
		kind.Options = append(kind.Options, option{k, capital(partyKindText(k))})
	}
	f := &form{Fields: []*field{kind,
		{Name: "name", Label: "Name", Type: "text", Value: p.Name, Required: true, Max: cases.MaxName},
		{Name: "email", Label: "E-mail address for notices", Hint: "Notices by e-mail go here. Leave empty if notices go by post.", Type: "email", Value: p.Email, Max: 254},
		{Name: "address", Label: "Postal address", Type: "textarea", Value: p.Address, Max: cases.MaxShort, Rows: 3},
	}}
	if len(orgs) > 1 {
		sel := &field{Name: "organisation_id", Label: "Whose contact this is", Type: "select", Value: idString(p.OrganisationID), Required: true}
		for _, o := range orgs {
			sel.Options = append(sel.Options, option{idString(o.ID), o.LegalName})
		}
		f.Fields = append([]*field{sel}, f.Fields...)
	} else if len(orgs) == 1 {
		f.Hidden = append(f.Hidden, hidden{"organisation_id", idString(orgs[0].ID)})
	}
	return f
}

func decodeParty(v url.Values, id int64) (*cases.Party, error) {
	c := conv{v: v}
	p := &cases.Party{OrganisationID: c.int("organisation_id", "Organisation"), Kind: c.str("kind"), Name: c.str("name"), Email: c.str("email"), Address: c.text("address")}
	p.ID = id
	p.Revision, _ = strconv.ParseInt(c.str("revision"), 10, 64)
	return p, c.done(p)
}

type partiesData struct {
	Table section
	Form  *form
}

func (s *Server) registerPartyPages() {
	s.page("GET /admin/parties", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showParties(w, r, u, nil, http.StatusOK)
	})
	s.page("POST /admin/parties", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, err := decodeParty(r.PostForm, 0)
		if err == nil {
			err = s.store.SaveParty(r.Context(), userActor(u), p)
		}
		if err != nil {
			s.showParties(w, r, u, err, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, "/admin/parties", fmt.Sprintf("Added %s.", p.Name))
	})
	s.page("GET /admin/parties/{id}", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showParty(w, r, u, nil, http.StatusOK)
	})
	s.page("POST /admin/parties/{id}", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, err := decodeParty(r.PostForm, pathID(r))
		if err == nil {
			err = s.store.SaveParty(r.Context(), userActor(u), p)
		}
		if err != nil {
			s.showParty(w, r, u, err, statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/parties/%d", p.ID), "Saved.")
	})
	s.page("GET /admin/products/{id}/chain", auth.Viewer, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		s.showChain(w, r, u, nil, http.StatusOK)
	})
	s.page("POST /admin/products/{id}/chain", auth.Editor, func(w http.ResponseWriter, r *http.Request, u *auth.User) {
		p, ok := getRecord(s, w, r, s.store.Product)
		if !ok {
			return
		}
		ch := &cases.Chain{ProductID: p.ID, Roles: r.PostForm["roles"]}
		rels, parties := r.PostForm["relation"], r.PostForm["party"]
		for i := range rels {
			if i >= len(parties) || rels[i] == "" && parties[i] == "" {
				continue
			}
			id, _ := strconv.ParseInt(parties[i], 10, 64)
			ch.Links = append(ch.Links, cases.Link{PartyID: id, Relation: rels[i]})
		}
		err := ch.Validate()
		if err == nil {
			err = s.store.SaveChain(r.Context(), userActor(u), ch)
		}
		if err != nil {
			s.showChain(w, r, u, newSent("chain", r.PostForm, err), statusOf(psti.ErrorCode(err)))
			return
		}
		s.redirect(w, r, fmt.Sprintf("/admin/products/%d/chain", p.ID), "Saved. New cases about this product take their facts from it.")
	})
}

func (s *Server) showParties(w http.ResponseWriter, r *http.Request, u *auth.User, err error, status int) {
	ctx := r.Context()
	ps, lerr := s.store.Parties(ctx, 0)
	if lerr != nil {
		s.pageError(w, r, lerr)
		return
	}
	orgs, lerr := s.store.Organisations(ctx, product.Filter{Limit: product.MaxList})
	if lerr != nil {
		s.pageError(w, r, lerr)
		return
	}
	d := partiesData{Table: section{Title: "Parties", Headers: []string{"Name", "What they are", "E-mail", "Postal address"},
		Empty: "No parties yet. Add the enforcement authority, and the businesses you buy from and supply."}}
	for _, p := range ps {
		d.Table.Rows = append(d.Table.Rows, []cell{{Text: p.Name, Href: fmt.Sprintf("/admin/parties/%d", p.ID)}, {Text: partyKindText(p.Kind)}, {Text: p.Email}, {Text: firstLine(p.Address)}})
	}
	if u.Role.Allows(auth.Editor) {
		d.Form = partyForm(&cases.Party{}, orgs)
		d.Form.Action, d.Form.Submit = "/admin/parties", "Add the party"
		if err != nil {
			d.Form = withValues(d.Form, r.PostForm)
			d.Form.setError(err)
		}
	}
	s.render(w, r, status, "parties", &view{Title: "Parties", User: u, Section: "cases", Data: d})
}

func (s *Server) showParty(w http.ResponseWriter, r *http.Request, u *auth.User, err error, status int) {
	ctx := r.Context()
	p, ok := getRecord(s, w, r, s.store.Party)
	if !ok {
		return
	}
	orgs, lerr := s.store.Organisations(ctx, product.Filter{Limit: product.MaxList})
	if lerr != nil {
		s.pageError(w, r, lerr)
		return
	}
	f := partyForm(p, orgs)
	f.Action, f.Submit = fmt.Sprintf("/admin/parties/%d", p.ID), "Save changes"
	f.Hidden = append(f.Hidden, hidden{"revision", strconv.FormatInt(p.Revision, 10)})
	f.ReadOnly = !u.Role.Allows(auth.Editor)
	if err != nil {
		f = withValues(f, r.PostForm)
		f.setError(err)
	}
	s.render(w, r, status, "record", &view{Title: "Party: " + p.Name, User: u, Section: "cases",
		Data: recordData{Noun: "party", Form: f, BackHref: "/admin/parties", BackLabel: "Parties"}})
}

type chainLinkView struct {
	Relation, Party string
}

type chainData struct {
	Product   *product.Product
	Roles     []option
	Checked   []string
	Links     []chainLinkView
	Relations []option
	Parties   []option
	Editor    bool
	Sent      *sentForm
}

// IsRole reports whether role is ticked.
func (d *chainData) IsRole(role string) bool { return slices.Contains(d.Checked, role) }

func (s *Server) showChain(w http.ResponseWriter, r *http.Request, u *auth.User, sent *sentForm, status int) {
	ctx := r.Context()
	p, ok := getRecord(s, w, r, s.store.Product)
	if !ok {
		return
	}
	ch, err := s.store.Chain(ctx, p.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	parties, err := s.store.Parties(ctx, 0)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if sent == nil {
		sent = &sentForm{}
	}
	d := chainData{Product: p, Editor: u.Role.Allows(auth.Editor), Sent: sent, Checked: ch.Roles}
	for _, x := range cases.Roles {
		d.Roles = append(d.Roles, option{x, capital(cases.RoleText(x))})
	}
	for _, x := range cases.Relations {
		d.Relations = append(d.Relations, option{x, capital(cases.RelationText(x))})
	}
	for _, x := range parties {
		d.Parties = append(d.Parties, option{idString(x.ID), fmt.Sprintf("%s (%s)", x.Name, partyKindText(x.Kind))})
	}
	for _, l := range ch.Links {
		d.Links = append(d.Links, chainLinkView{Relation: l.Relation, Party: idString(l.PartyID)})
	}
	if sent.Is("chain") {
		d.Checked, d.Links = sent.Values["roles"], nil
		rels, ps := sent.Values["relation"], sent.Values["party"]
		for i := range rels {
			if i < len(ps) && (rels[i] != "" || ps[i] != "") {
				d.Links = append(d.Links, chainLinkView{Relation: rels[i], Party: ps[i]})
			}
		}
	}
	if d.Editor {
		// Room for two more links each time the page is shown.
		d.Links = append(d.Links, chainLinkView{}, chainLinkView{})
	}
	s.render(w, r, status, "chain", &view{Title: "Roles and chain: " + describe(p), User: u, Section: "products", Data: &d})
}

// chainSection is the product page's summary of its chain.
func (s *Server) chainSection(ctx context.Context, p *product.Product) (section, error) {
	sec := section{Title: "Roles and chain", AddHref: fmt.Sprintf("/admin/products/%d/chain", p.ID), AddLabel: "Roles and chain",
		Headers: []string{"Who", "Relation"}, Empty: "Not recorded yet: say which roles you play for this product and who else is in its chain, so notices can reach them."}
	ch, err := s.store.Chain(ctx, p.ID)
	if err != nil {
		return sec, err
	}
	if len(ch.Roles) > 0 {
		var rs []string
		for _, x := range ch.Roles {
			rs = append(rs, cases.RoleText(x))
		}
		sec.Rows = append(sec.Rows, []cell{{Text: "Us"}, {Text: strings.Join(rs, ", ")}})
	}
	for _, l := range ch.Links {
		pt, err := s.store.Party(ctx, l.PartyID)
		if err != nil {
			return sec, err
		}
		sec.Rows = append(sec.Rows, []cell{{Text: pt.Name, Href: fmt.Sprintf("/admin/parties/%d", pt.ID)}, {Text: cases.RelationText(l.Relation)}})
	}
	return sec, nil
}
