package web

import (
	"net/http"
	"strings"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// The public front page, signing in and out, first-time setup and the
// signed-in user's own account.

func (s *Server) registerAuthPages() {
	s.page("GET /{$}", auth.Public, s.home)
	s.page("GET /login", auth.Public, s.loginPage)
	s.page("POST /login", auth.Public, s.login)
	s.page("POST /logout", auth.Public, s.logout)
	s.page("GET /setup/{code}", auth.Public, s.setupPage)
	s.page("POST /setup/{code}", auth.Public, s.setup)
	s.page("GET /admin/account", auth.Viewer, s.accountPage)
	s.page("POST /admin/account/password", auth.Viewer, s.changePassword)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, u *auth.User) {
	orgs, err := s.store.Organisations(r.Context(), product.Filter{})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", &view{Title: "Product security", User: u, Data: orgs})
}

func loginForm(next, email string) *form {
	return &form{Action: "/login", Submit: "Sign in", Fields: []*field{
		{Name: "email", Label: "E-mail address", Type: "email", Value: email, Required: true, Autocomplete: "username"},
		{Name: "password", Label: "Password", Type: "password", Required: true, Autocomplete: "current-password"},
	}, Hidden: []hidden{{"next", localPath(next)}}}
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, u *auth.User) {
	if u != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	v := &view{Title: "Sign in", Data: loginForm(r.URL.Query().Get("next"), "")}
	if r.URL.Query().Get("signed_out") == "1" {
		v.Flash = "You are signed out."
	}
	s.render(w, r, http.StatusOK, "login", v)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *auth.User) {
	email, next := r.PostForm.Get("email"), r.PostForm.Get("next")
	// A field left empty is named next to it, as the GOV.UK pattern asks,
	// not answered as a wrong address or password.
	var empty psti.Problems
	if strings.TrimSpace(email) == "" {
		empty.Add("email", "Enter your e-mail address.")
	}
	if r.PostForm.Get("password") == "" {
		empty.Add("password", "Enter your password.")
	}
	if err := empty.Err(); err != nil {
		f := loginForm(next, email)
		f.setError(err)
		s.render(w, r, statusOf(psti.ErrorCode(err)), "login", &view{Title: "Sign in", Data: f})
		return
	}
	u, err := s.auth.SignIn(r.Context(), email, r.PostForm.Get("password"), clientAddr(r))
	if err != nil {
		f := loginForm(next, email)
		f.Error = psti.ErrorMessage(err)
		s.render(w, r, statusOf(psti.ErrorCode(err)), "login", &view{Title: "Sign in", Data: f})
		return
	}
	if err := s.signIn(r.Context(), u); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ *auth.User) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login?signed_out=1", http.StatusSeeOther)
}

type setupData struct {
	Invitation *auth.Invitation
	Form       *form
	Reset      bool // the link sets a new password for an existing account
}

func setupForm(code string, inv *auth.Invitation, reset bool) *form {
	f := &form{Action: "/setup/" + code, Submit: "Set my password and sign in"}
	if inv.Email == "" {
		f.Fields = append(f.Fields, &field{Name: "email", Label: "Your e-mail address", Hint: "You will sign in with it.", Type: "email", Required: true, Autocomplete: "username"})
	}
	if !reset {
		f.Fields = append(f.Fields, &field{Name: "name", Label: "Your name", Hint: "Shown to other staff in the audit trail.", Type: "text", Max: 200, Autocomplete: "name"})
	}
	f.Fields = append(f.Fields,
		&field{Name: "password", Label: "New password", Hint: "At least 12 characters. A few unrelated words make a strong password that is easy to type.", Type: "password", Required: true, Autocomplete: "new-password"},
		&field{Name: "confirm", Label: "New password again", Type: "password", Required: true, Autocomplete: "new-password"},
	)
	return f
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request, _ *auth.User) {
	code := r.PathValue("code")
	inv, err := s.auth.Invitation(r.Context(), code)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	reset := s.isReset(r, inv)
	s.render(w, r, http.StatusOK, "setup", &view{Title: "Set up your account", Data: setupData{inv, setupForm(code, inv, reset), reset}})
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request, _ *auth.User) {
	code := r.PathValue("code")
	inv, err := s.auth.Invitation(r.Context(), code)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := r.PostForm
	var u *auth.User
	if v.Get("password") != v.Get("confirm") {
		err = psti.FieldErrorf(psti.EINVALID, "confirm", "The two passwords are not the same.")
	} else {
		u, err = s.auth.AcceptInvitation(r.Context(), code, v.Get("email"), v.Get("name"), v.Get("password"))
	}
	if err != nil {
		reset := s.isReset(r, inv)
		f := withValues(setupForm(code, inv, reset), v)
		f.setError(err)
		// A field left empty is asked for as the sign-in page asks for it.
		for i, p := range f.Problems {
			if ask, ok := setupAsks[p.Field]; ok && strings.TrimSpace(v.Get(p.Field)) == "" {
				f.Problems[i].Message = ask
				if fl := f.field(p.Field); fl != nil {
					fl.Error = ask
				}
			}
		}
		s.render(w, r, statusOf(psti.ErrorCode(err)), "setup", &view{Title: "Set up your account", Data: setupData{inv, f, reset}})
		return
	}
	if err := s.signIn(r.Context(), u); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.redirect(w, r, "/admin", "Your password is set and you are signed in.")
}

// setupAsks is what the setup page says of a field left empty.
var setupAsks = map[string]string{
	"email":    "Enter your e-mail address.",
	"password": "Enter a password of at least 12 characters.",
}

// isReset reports whether a setup link is for an address that already has
// an account (so it sets a new password, and asks for nothing else).
func (s *Server) isReset(r *http.Request, inv *auth.Invitation) bool {
	if inv.Email == "" {
		return false
	}
	_, err := s.store.UserByEmail(r.Context(), inv.Email)
	return err == nil
}

func passwordForm() *form {
	return &form{Action: "/admin/account/password", Submit: "Change password", Fields: []*field{
		{Name: "current_password", Label: "Current password", Type: "password", Required: true, Autocomplete: "current-password"},
		{Name: "password", Label: "New password", Hint: "At least 12 characters.", Type: "password", Required: true, Autocomplete: "new-password"},
		{Name: "confirm", Label: "New password again", Type: "password", Required: true, Autocomplete: "new-password"},
	}}
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, u *auth.User) {
	s.render(w, r, http.StatusOK, "account", &view{Title: "Your account", User: u, Section: "account", Data: passwordForm()})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, u *auth.User) {
	v := r.PostForm
	var err error
	if v.Get("password") != v.Get("confirm") {
		err = psti.FieldErrorf(psti.EINVALID, "confirm", "The two new passwords are not the same.")
	} else {
		err = s.auth.ChangePassword(r.Context(), u, v.Get("current_password"), v.Get("password"))
	}
	if err != nil {
		f := passwordForm()
		f.setError(err)
		s.render(w, r, statusOf(psti.ErrorCode(err)), "account", &view{Title: "Your account", User: u, Section: "account", Data: f})
		return
	}
	// The session carried the old password's time; start a fresh one.
	fresh, err := s.store.User(r.Context(), u.ID)
	if err == nil {
		err = s.signIn(r.Context(), fresh)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.redirect(w, r, "/admin/account", "Your password has been changed. Other sign-ins with the old password have ended.")
}
