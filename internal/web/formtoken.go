package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
)

// One-time form tokens. Every form a page shows carries a fresh random
// token in a hidden field. When a form succeeds (the handler answers with
// redirect), the browser's session remembers the token and where it led;
// the same form sent again (the back button and "send again", a double
// click) is not acted on a second time but sent to that same place. A form
// sent without a token is handled as before.
//
// Tokens are remembered per session, so this guards a browser against
// repeating itself; a record that must exist once whoever sends it (such
// as a security report) needs its own check in the database.

// formTokenField is the hidden field that carries a form's token.
const formTokenField = "form_token"

// keyFormsDone is the session key of the tokens used, one "token target"
// pair per line, newest last.
const keyFormsDone = "forms_done"

// maxFormsDone bounds how many used tokens a session remembers.
const maxFormsDone = 32

// newFormToken returns a fresh token for a form.
func newFormToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// formDone returns where a form with this token led when it succeeded, if
// it did in this session.
func (s *Server) formDone(ctx context.Context, token string) (string, bool) {
	if token == "" {
		return "", false
	}
	for _, line := range strings.Split(s.sessions.GetString(ctx, keyFormsDone), "\n") {
		if tok, to, ok := strings.Cut(line, " "); ok && tok == token {
			return to, true
		}
	}
	return "", false
}

// markFormDone remembers that the form r sent has succeeded and led to to.
func (s *Server) markFormDone(r *http.Request, to string) {
	token := r.PostForm.Get(formTokenField)
	if r.Method != http.MethodPost || token == "" || strings.ContainsAny(token, " \n") || strings.ContainsRune(to, '\n') {
		return
	}
	ctx := r.Context()
	lines := strings.Split(s.sessions.GetString(ctx, keyFormsDone), "\n")
	if lines[0] == "" {
		lines = lines[1:]
	}
	lines = append(lines, token+" "+to)
	if len(lines) > maxFormsDone {
		lines = lines[len(lines)-maxFormsDone:]
	}
	s.sessions.Put(ctx, keyFormsDone, strings.Join(lines, "\n"))
}

// resent answers a form sent again after it succeeded: it does nothing
// more and leads where the first one did. It reports whether it answered.
func (s *Server) resent(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	to, ok := s.formDone(r.Context(), r.PostForm.Get(formTokenField))
	if !ok {
		return false
	}
	s.flash(r.Context(), "This form was sent already, so nothing was done a second time.")
	http.Redirect(w, r, to, http.StatusSeeOther)
	return true
}
