package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

var (
	formTokenRE = regexp.MustCompile(`name="form_token" value="([^"]+)"`)
	revisionRE  = regexp.MustCompile(`name="revision" value="(\d+)"`)
	secretRE    = regexp.MustCompile(`<code class="copy">([^<]+)</code>`)
)

// post sends a form with c and returns the status, where it leads and the
// text.
func post(t *testing.T, c *http.Client, u string, v url.Values) (int, string, string) {
	t.Helper()
	res, err := c.PostForm(u, v)
	must(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

// signedIn returns a client signed in as email with password.
func signedIn(t *testing.T, base, email, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if st, _, body := post(t, c, base+"/login", url.Values{"email": {email}, "password": {password}}); st != http.StatusSeeOther {
		t.Fatalf("signing in as %s: %d %s", email, st, trim(body))
	}
	return c
}

// TestFormsPostRedirectGet sends every form of the register, the people
// pages, the account page, setup and signing in and out as a browser
// would: the form's page gives it a one-time token, a valid form is
// answered 303 with the page to see next, and the very same form sent
// again (back and "send again", a double click) changes nothing more and
// leads to the same page.
func TestFormsPostRedirectGet(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	admin := e.browser(auth.Admin)
	base := e.ts.URL
	ids := map[string]string{} // kind → id of the record made by its form

	// tokenFrom reads the one-time token of a form on a page.
	tokenFrom := func(c *http.Client, path string) (string, string) {
		t.Helper()
		st, body := page(t, c, base+path)
		m := formTokenRE.FindStringSubmatch(body)
		if st != http.StatusOK || m == nil {
			t.Fatalf("GET %s: %d, form token %v", path, st, m)
		}
		return m[1], body
	}

	type step struct {
		name   string
		client func() *http.Client
		form   string                       // the page showing the form
		action func() string                // where it posts
		values func(body string) url.Values // the form filled in (body is the form's page)
		to     func(loc string) bool        // the page a success leads to
		once   bool                         // sending it again must change nothing at all
		after  func(loc string)             // checks once it succeeded
	}
	created := func(kind string) func(loc string) bool {
		re := regexp.MustCompile(`^/admin/` + kind + `/(\d+)$`)
		return func(loc string) bool {
			m := re.FindStringSubmatch(loc)
			if m != nil {
				ids[kind] = m[1]
			}
			return m != nil
		}
	}
	is := func(want string) func(string) bool { return func(loc string) bool { return loc == want } }
	rec := func(kind string) string { return "/admin/" + kind + "/" + ids[kind] }
	adminC := func() *http.Client { return admin }
	fixed := func(v url.Values) func(string) url.Values { return func(string) url.Values { return v } }
	revision := func(body string) string {
		m := revisionRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("the form has no revision")
		}
		return m[1]
	}
	// edit, archive and restore for one kind, with what an edit changes.
	recordSteps := func(kind string, edit func() url.Values) []step {
		return []step{
			{name: "edit " + kind, client: adminC, form: "", action: func() string { return rec(kind) },
				values: func(body string) url.Values { v := edit(); v.Set("revision", revision(body)); return v },
				to:     func(loc string) bool { return loc == rec(kind) }, once: true},
			{name: "archive " + kind, client: adminC, action: func() string { return rec(kind) + "/archive" },
				values: fixed(url.Values{"archived": {"1"}}), to: func(loc string) bool { return loc == rec(kind) }, once: true},
			{name: "restore " + kind, client: adminC, action: func() string { return rec(kind) + "/archive" },
				values: fixed(url.Values{"archived": {"0"}}), to: func(loc string) bool { return loc == rec(kind) }, once: true},
		}
	}
	var steps []step
	add := func(s ...step) { steps = append(steps, s...) }

	org := url.Values{"legal_name": {"Acme Devices Ltd"}, "address": {"1 High Street\nLeeds"}, "website": {"https://acme.example"}}
	add(step{name: "add organisation", client: adminC, form: "/admin/organisations/new", action: func() string { return "/admin/organisations" },
		values: fixed(org), to: created("organisations"), once: true})
	add(recordSteps("organisations", func() url.Values {
		v := url.Values{}
		copyValues(v, org)
		v.Set("legal_name", "Acme Devices Limited")
		return v
	})...)

	maker := url.Values{"name": {"Acme Devices Ltd"}, "address": {"1 High Street, Leeds"}}
	add(step{name: "add manufacturer", client: adminC, form: "/admin/manufacturers/new", action: func() string { return "/admin/manufacturers" },
		values: fixed(maker), to: created("manufacturers"), once: true})
	add(recordSteps("manufacturers", func() url.Values {
		v := url.Values{}
		copyValues(v, maker)
		v.Set("name", "Acme Factory Ltd")
		return v
	})...)

	brand := func() url.Values { return url.Values{"organisation_id": {ids["organisations"]}, "name": {"Acme Home"}} }
	add(step{name: "add brand", client: adminC, form: "/admin/brands/new", action: func() string { return "/admin/brands" },
		values: func(string) url.Values { return brand() }, to: created("brands"), once: true})
	add(recordSteps("brands", func() url.Values { v := brand(); v.Set("name", "Acme Living"); return v })...)

	prod := func() url.Values {
		return url.Values{"brand_id": {ids["brands"]}, "name": {"Doorbell Pro"}, "type": {"video doorbell"}, "model_number": {"DB-200"},
			"manufacturer_ids": {ids["manufacturers"]}, "identifiers": {"gtin 4006381333931"}}
	}
	add(step{name: "add product", client: adminC, form: "/admin/products/new", action: func() string { return "/admin/products" },
		values: func(string) url.Values { return prod() }, to: created("products"), once: true})
	add(recordSteps("products", func() url.Values { v := prod(); v.Set("description", "Now described."); return v })...)

	version := func() url.Values {
		return url.Values{"product_id": {ids["products"]}, "component": {"firmware"}, "version": {"2.4.1"},
			"released_on-day": {"7"}, "released_on-month": {"12"}, "released_on-year": {"2026"}}
	}
	add(step{name: "add version", client: adminC, form: "/admin/versions/new", action: func() string { return "/admin/versions" },
		values: func(string) url.Values { return version() }, to: created("versions"), once: true,
		after: func(string) {
			id := atoi(t, ids["versions"])
			v, err := e.db.Version(ctx, id)
			must(t, err)
			if v.ReleasedOn != "2026-12-07" {
				t.Errorf("7 12 2026 was stored as %q", v.ReleasedOn)
			}
		}})
	add(recordSteps("versions", func() url.Values { v := version(); v.Set("released_on-day", "8"); return v })...)

	batch := func() url.Values {
		return url.Values{"product_id": {ids["products"]}, "code": {"B-2026-12"}, "quantity": {"500"},
			"first_produced-day": {"1"}, "first_produced-month": {"12"}, "first_produced-year": {"2026"}}
	}
	add(step{name: "add batch", client: adminC, form: "/admin/batches/new", action: func() string { return "/admin/batches" },
		values: func(string) url.Values { return batch() }, to: created("batches"), once: true})
	add(recordSteps("batches", func() url.Values { v := batch(); v.Set("quantity", "600"); return v })...)

	var setupURL string
	add(step{name: "invite", client: adminC, form: "/admin/users", action: func() string { return "/admin/users/invite" },
		values: fixed(url.Values{"email": {"new@example.com"}, "role": {"editor"}}), to: is("/admin/users"), once: true,
		after: func(loc string) {
			_, body := page(t, admin, base+loc)
			m := secretRE.FindStringSubmatch(body)
			if m == nil || !strings.Contains(m[1], "/setup/") || !strings.Contains(body, "new@example.com") {
				t.Fatalf("the setup link is not shown after the redirect: %s", trim(body))
			}
			setupURL = m[1]
			if _, again := page(t, admin, base+loc); strings.Contains(again, setupURL) {
				t.Error("the setup link is shown a second time")
			}
		}})
	add(step{name: "revoke setup link", client: adminC, form: "/admin/users", action: func() string {
		invs, err := e.db.Invitations(ctx)
		must(t, err)
		for _, inv := range invs {
			if inv.Email == "new@example.com" {
				return fmt.Sprintf("/admin/invitations/%d/revoke", inv.ID)
			}
		}
		t.Fatal("no invitation for new@example.com")
		return ""
	}, values: fixed(url.Values{}), to: is("/admin/users"), once: true})
	add(step{name: "update user", client: adminC, action: func() string { return fmt.Sprintf("/admin/users/%d", e.users[auth.Viewer].ID) },
		form: fmt.Sprintf("/admin/users/%d", e.users[auth.Viewer].ID),
		values: func(body string) url.Values {
			return url.Values{"name": {"Vera Viewer"}, "role": {"viewer"}, "revision": {revision(body)}}
		}, to: is(fmt.Sprintf("/admin/users/%d", e.users[auth.Viewer].ID)), once: true})
	var secret string
	add(step{name: "make token", client: adminC, form: "/admin/tokens", action: func() string { return "/admin/tokens" },
		values: fixed(url.Values{"name": {"factory line 3"}, "user_email": {e.users[auth.Editor].Email}, "role": {"editor"},
			"expires_on-day": {"31"}, "expires_on-month": {"1"}, "expires_on-year": {"2027"}}),
		to: is("/admin/tokens"), once: true,
		after: func(loc string) {
			_, body := page(t, admin, base+loc)
			m := secretRE.FindStringSubmatch(body)
			if m == nil || !strings.HasPrefix(m[1], "psti_") || !strings.Contains(body, "factory line 3") {
				t.Fatalf("the token is not shown after the redirect: %s", trim(body))
			}
			secret = m[1]
			if _, again := page(t, admin, base+loc); strings.Contains(again, secret) {
				t.Error("the token is shown a second time")
			}
			toks, err := e.db.Tokens(ctx, 0)
			must(t, err)
			for _, tok := range toks {
				// It works until the end of 31 January 2027 in London.
				if tok.Name == "factory line 3" && (tok.ExpiresAt == nil || psti.Deadline(*tok.ExpiresAt) != "by the end of 31 January 2027") {
					t.Errorf("the token expires at %v", tok.ExpiresAt)
				}
			}
		}})
	add(step{name: "revoke token", client: adminC, form: "/admin/tokens", action: func() string {
		toks, err := e.db.Tokens(ctx, 0)
		must(t, err)
		for _, tok := range toks {
			if tok.Name == "factory line 3" {
				return fmt.Sprintf("/admin/tokens/%d/revoke", tok.ID)
			}
		}
		t.Fatal("no token made")
		return ""
	}, values: fixed(url.Values{}), to: is("/admin/tokens"), once: true})

	// Someone else's own pages: setting up an account, changing its
	// password, signing out and in.
	code, _, err := e.svc.Invite(ctx, psti.System("test"), "pat@example.com", auth.Viewer)
	must(t, err)
	jar, _ := cookiejar.New(nil)
	pat := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	patC := func() *http.Client { return pat }
	newPassword := "a different horse battery staple"
	add(step{name: "setup", client: patC, form: "/setup/" + code, action: func() string { return "/setup/" + code },
		values: fixed(url.Values{"name": {"Pat"}, "password": {testPassword}, "confirm": {testPassword}}), to: is("/admin"), once: true})
	add(step{name: "change password", client: patC, form: "/admin/account", action: func() string { return "/admin/account/password" },
		values: fixed(url.Values{"current_password": {testPassword}, "password": {newPassword}, "confirm": {newPassword}}),
		to:     is("/admin/account"), once: true})
	add(step{name: "sign out", client: patC, action: func() string { return "/logout" },
		values: fixed(url.Values{}), to: is("/login?signed_out=1")})
	add(step{name: "sign in", client: patC, form: "/login", action: func() string { return "/login" },
		values: fixed(url.Values{"email": {"pat@example.com"}, "password": {newPassword}, "next": {"/admin/account"}}),
		to:     is("/admin/account")})

	for _, s := range steps {
		c := s.client()
		var body string
		token := ""
		if s.form != "" {
			token, body = tokenFrom(c, s.form)
		} else if strings.HasPrefix(s.action(), "/admin/") {
			// Edits and buttons on a record's page: the page gives the token.
			token, body = tokenFrom(c, strings.TrimSuffix(s.action(), "/archive"))
		}
		v := s.values(body)
		if token != "" {
			v.Set("form_token", token)
		}
		action := s.action()
		before := e.counts(t)
		st, loc, text := post(t, c, base+action, v)
		if st != http.StatusSeeOther || !s.to(loc) {
			t.Fatalf("%s: POST %s answered %d to %q: %s", s.name, action, st, loc, trim(text))
		}
		if s.after != nil {
			s.after(loc)
		}
		if !s.once {
			continue
		}
		changed := e.counts(t)
		st2, loc2, text2 := post(t, c, base+action, v)
		if st2 != http.StatusSeeOther || loc2 != loc {
			t.Fatalf("%s sent again: %d to %q (first %q): %s", s.name, st2, loc2, loc, trim(text2))
		}
		if again := e.counts(t); fmt.Sprint(again) != fmt.Sprint(changed) {
			t.Errorf("%s sent again changed the records:\nbefore %v\nfirst  %v\nagain  %v", s.name, before, changed, again)
		}
		if _, shown := page(t, c, base+loc2); !strings.Contains(shown, "sent already") {
			t.Errorf("%s sent again: the page does not say the form was sent already", s.name)
		}
	}
	// Pat's new password is the one that works.
	signedIn(t, base, "pat@example.com", newPassword)
}

func copyValues(dst, src url.Values) {
	for k, v := range src {
		dst[k] = append([]string(nil), v...)
	}
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFormsRefuseKeepingWhatWasTyped sends forms with a mistake: each is
// answered 422 with the form again, the message next to the field at
// fault and what was typed still in it, and nothing is stored.
func TestFormsRefuseKeepingWhatWasTyped(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	seed := storetest.NewSeed(t, e.db)
	admin := e.browser(auth.Admin)
	for _, c := range []struct {
		path  string
		v     url.Values
		field string // the field whose message must show
		kept  string // text from the form that must still be there
	}{
		{"/admin/organisations", url.Values{"address": {"1 High Street"}, "website": {"https://acme.example"}}, "legal_name", "1 High Street"},
		{"/admin/versions", url.Values{"product_id": {fmt.Sprint(seed.Product.ID)}, "component": {"firmware"}, "version": {"9.9.9"},
			"released_on-day": {"31"}, "released_on-month": {"2"}, "released_on-year": {"2026"}}, "released_on", `value="31"`},
		{"/admin/versions", url.Values{"product_id": {fmt.Sprint(seed.Product.ID)}, "component": {"firmware"}, "version": {"9.9.9"},
			"released_on": {"07/12/2026"}}, "released_on", `value="9.9.9"`},
		{"/admin/batches", url.Values{"product_id": {fmt.Sprint(seed.Product.ID)}, "code": {"B-X"},
			"first_produced-day": {"1"}, "first_produced-month": {"13"}, "first_produced-year": {"2026"}}, "first_produced", `value="13"`},
		{"/admin/batches", url.Values{"product_id": {fmt.Sprint(seed.Product.ID)}, "code": {"B-X"},
			"first_produced-day": {"2"}, "first_produced-month": {"3"}, "first_produced-year": {"2026"},
			"last_produced-day": {"1"}, "last_produced-month": {"3"}, "last_produced-year": {"2026"}}, "last_produced", `value="B-X"`},
		{"/admin/tokens", url.Values{"name": {"nightly export"}, "user_email": {e.users[auth.Viewer].Email}, "role": {"viewer"},
			"expires_on-day": {"7"}, "expires_on-month": {"12"}, "expires_on-year": {"26"}}, "expires_on", "nightly export"},
		{"/admin/tokens", url.Values{"name": {"nightly export"}, "role": {"viewer"}}, "user_email", "nightly export"},
		{"/admin/users/invite", url.Values{"email": {"not an address"}, "role": {"editor"}}, "email", "not an address"},
		{"/admin/account/password", url.Values{"current_password": {testPassword}, "password": {"one long new password"}, "confirm": {"another long password"}}, "confirm", ""},
	} {
		before := e.counts(t)
		st, _, body := post(t, admin, e.ts.URL+c.path, c.v)
		if st != http.StatusUnprocessableEntity {
			t.Errorf("POST %s %v: %d, want 422: %s", c.path, c.v, st, trim(body))
			continue
		}
		if !strings.Contains(body, `id="e-`+c.field+`"`) || !strings.Contains(body, c.kept) {
			t.Errorf("POST %s: no message next to %s, or %q was lost: %s", c.path, c.field, c.kept, trim(body))
		}
		if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("POST %s was refused, yet the records changed", c.path)
		}
	}
}
