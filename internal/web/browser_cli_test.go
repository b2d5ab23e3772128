package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/web"
)

// TestSignInEmptyFields: a field left empty on the sign-in form is named
// next to it (GOV.UK: "Enter your e-mail address"), with what was typed
// kept; it is not answered as a wrong address or password, and it does not
// count as a failed attempt.
func TestSignInEmptyFields(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	for _, tc := range []struct {
		name            string
		email, password string
		want, notWant   []string
	}{
		{"both empty", "", "", []string{"Enter your e-mail address.", "Enter your password.", "Please correct the 2 fields"}, nil},
		{"only spaces in the address", "   ", "x", []string{"Enter your e-mail address."}, []string{"Enter your password."}},
		{"no password", "admin@example.com", "", []string{"Enter your password.", `value="admin@example.com"`}, []string{"Enter your e-mail address."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.PostForm(e.ts.URL+"/login", url.Values{"email": {tc.email}, "password": {tc.password}})
			must(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			page := string(body)
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Fatalf("the page does not say %q:\n%s", w, page)
				}
			}
			for _, w := range append(tc.notWant, "not right") {
				if strings.Contains(page, w) {
					t.Fatalf("the page says %q:\n%s", w, page)
				}
			}
		})
	}
	// None of that counted against the account: the right password works.
	if c := e.browser(auth.Admin); c == nil {
		t.Fatal("no client")
	}
}

// TestBrowserSignInEmptyForm is the same in a browser, at a desktop's and
// a phone's width: the messages sit next to their fields and the page fits.
func TestBrowserSignInEmptyForm(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	b := newBrowser(t, e.ts.URL)
	for _, w := range []int64{1280, 390} {
		b.do(chromedp.EmulateViewport(w, 900))
		b.open("/login")
		b.submit("main button[type=submit]", "/login")
		if got := b.text(`.field-error`); !strings.Contains(got, "Enter your e-mail address") {
			t.Fatalf("at %d px, the e-mail field says %q", w, got)
		}
		if got := b.text("main"); !strings.Contains(got, "Enter your password") || strings.Contains(got, "not right") {
			t.Fatalf("at %d px, the page says %q", w, got)
		}
		b.fitsWidth("login-empty")
	}
	b.fill(map[string]string{"email": "admin@example.com", "password": testPassword})
	b.submit("main button[type=submit]", "/admin")
}

// TestBrowserAdminWarnsOfHTTPBaseURL: an installation whose public address
// is http:// on another machine shows administrators, on every page, that
// security.txt needs https; editors are not shown it, and an https://
// installation shows no warning.
func TestBrowserAdminWarnsOfHTTPBaseURL(t *testing.T) {
	e := newEnv(t, storetest.SQLite) // its base URL is http://psti.test
	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": "admin@example.com", "password": testPassword})
	b.submit("main button[type=submit]", "/admin")
	for _, path := range []string{"/admin", "/admin/products", "/admin/users"} {
		b.open(path)
		w := b.text(".warning")
		for _, want := range []string{"http://psti.test", "security.txt must be served over https", "psti securitytxt check", "PSTI_BASE_URL"} {
			if !strings.Contains(w, want) {
				t.Fatalf("%s: the warning %q does not say %q", path, w, want)
			}
		}
	}
	b.fitsWidth("admin-warning")

	c := e.browser(auth.Editor)
	res, err := c.Get(e.ts.URL + "/admin")
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(body), `class="notice warning"`) {
		t.Fatal("an editor is shown the administrators' warning")
	}

	for base, want := range map[string]string{
		"http://psti.example.com":  "security.txt must be served over https",
		"https://psti.example.com": "",
		"http://localhost:8080":    "",
		"http://127.0.0.1:8080":    "",
		"http://[::1]:8080":        "",
	} {
		if got := web.InsecureBaseURL(base); (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("InsecureBaseURL(%q) = %q, want one saying %q", base, got, want)
		}
	}
}

// TestBrowserWebsiteWithoutHTTPS: an organisation's website typed as
// "acme.example" is kept as https://acme.example; one that is not an
// address is refused next to the field, keeping what was typed.
func TestBrowserWebsiteWithoutHTTPS(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	b := newBrowser(t, e.ts.URL)
	b.open("/login")
	b.fill(map[string]string{"email": "editor@example.com", "password": testPassword})
	b.submit("main button[type=submit]", "/admin")
	for _, w := range []int64{1280, 390} {
		b.do(chromedp.EmulateViewport(w, 900))
		b.open("/admin/organisations/new")
		b.fill(map[string]string{"legal_name": "Acme Devices Ltd", "address": "1 High Street\nLeeds\nLS1 1AA", "website": "acme dot example"})
		b.submit("form.form button[type=submit]", "/admin/organisations")
		if got := b.text(".field-error"); !strings.Contains(got, "Website must be a full web address") {
			t.Fatalf("at %d px, a website that is not one: %q", w, got)
		}
		b.fitsWidth("organisation-website-refused")
	}
	b.fill(map[string]string{"website": "acme.example"})
	b.submit("form.form button[type=submit]", "/admin/organisations/")
	orgs, err := e.db.Organisations(context.Background(), product.Filter{})
	must(t, err)
	if len(orgs) != 1 || orgs[0].Website != "https://acme.example" {
		t.Fatalf("organisations: %+v", orgs)
	}
	if got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector('[name=website]').value`)); err != nil || got != "https://acme.example" {
		t.Fatalf("the organisation's page shows the website as %q (%v), want https://acme.example", got, err)
	}
}

// TestBrowserSetupRefusesGuessablePasswords: on the setup page, a common
// password and one that would be guessed quickly are refused next to the
// field, saying why, at a desktop's and a phone's width; a strong one
// sets up the account.
func TestBrowserSetupRefusesGuessablePasswords(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	code, _, err := e.svc.Invite(context.Background(), psti.System("test"), "new@example.com", auth.Editor)
	must(t, err)
	b := newBrowser(t, e.ts.URL)
	for _, tc := range []struct {
		width    int64
		password string
		want     string
	}{
		{1280, "password1234", "one of the most common passwords"},
		{390, "Summer2026!!", "would be guessed quickly"},
	} {
		b.do(chromedp.EmulateViewport(tc.width, 900))
		b.open("/setup/" + code)
		b.fill(map[string]string{"password": tc.password, "confirm": tc.password})
		b.submit("main button[type=submit]", "/setup/")
		if got := b.text(".field-error"); !strings.Contains(got, tc.want) {
			t.Fatalf("at %d px, %q is answered %q, want it to say %q", tc.width, tc.password, got, tc.want)
		}
		b.fitsWidth("setup-weak-password")
	}
	b.fill(map[string]string{"password": testPassword, "confirm": testPassword})
	b.submit("main button[type=submit]", "/admin")
}
