package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
)

// Browser sessions: scs manages the cookie and the session data; the data is
// kept in psti's own database under the SHA-256 of the cookie value, so a
// copy of the database holds no live session.

// sessionStore adapts auth.Store to scs.
type sessionStore struct{ st auth.Store }

func (s sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	sess, err := s.st.FindSession(ctx, auth.Hash(token))
	if psti.ErrorCode(err) == psti.ENOTFOUND {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return sess.Data, true, nil
}

func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.st.CommitSession(ctx, auth.Hash(token), auth.Session{Data: b, Expires: expiry})
}

func (s sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.st.DeleteSession(ctx, auth.Hash(token))
}

func (s sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s sessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// SessionLifetime is how long a sign-in lasts.
const SessionLifetime = 12 * time.Hour

func newSessions(st auth.Store, secure bool, log *slog.Logger) *scs.SessionManager {
	m := scs.New()
	m.Store = sessionStore{st}
	m.Lifetime = SessionLifetime
	m.Cookie.Name = "psti_session"
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Secure = secure
	m.Cookie.Path = "/"
	m.Cookie.Persist = false // gone when the browser closes
	m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		log.Error("session store failed", "err", err)
		http.Error(w, "The session store is not available. Please try again.", http.StatusServiceUnavailable)
	}
	return m
}

// Session keys.
const (
	keyUserID    = "user_id"
	keyPassword  = "password_changed_at" // a session ends when the password changes
	keyFlash     = "flash"
	keyNextAfter = "next"
)

// signIn starts a session for u with a fresh token, so a cookie planted
// before sign-in is worth nothing after it.
func (s *Server) signIn(ctx context.Context, u *auth.User) error {
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, keyUserID, u.ID)
	if u.PasswordChangedAt != nil {
		s.sessions.Put(ctx, keyPassword, u.PasswordChangedAt.UnixMicro())
	}
	return nil
}

// sessionUser returns the signed-in user, or nil. A session whose user has
// been disabled, or has changed their password since, is ended.
func (s *Server) sessionUser(r *http.Request) *auth.User {
	ctx := r.Context()
	id := s.sessions.GetInt64(ctx, keyUserID)
	if id == 0 {
		return nil
	}
	u, err := s.store.User(ctx, id)
	if err != nil || u.Disabled() || u.PasswordChangedAt == nil || u.PasswordChangedAt.UnixMicro() != s.sessions.GetInt64(ctx, keyPassword) {
		_ = s.sessions.Destroy(ctx)
		return nil
	}
	return u
}

// flash leaves a one-line message for the next page the user sees.
func (s *Server) flash(ctx context.Context, msg string) { s.sessions.Put(ctx, keyFlash, msg) }

// userActor is the audit actor for changes a signed-in user makes.
func userActor(u *auth.User) psti.Actor { return psti.Actor{UserID: u.ID, Label: u.Email} }
