// Package auth holds the people who use psti and how they prove who they
// are: users with roles, passwords hashed with argon2id, one-time setup links,
// API tokens, and the throttle that slows down password guessing. Its rules
// live here; the SQL lives in the store, behind Store.
package auth

import (
	"context"
	"time"

	"github.com/psti/psti/internal/psti"
)

// Role says what a user or token may do. Roles are ordered: each includes
// everything the one below it may do.
type Role string

// The roles, lowest first.
const (
	// Public is not a role a user holds: it marks routes anyone may use.
	Public Role = ""
	// Viewer may read everything staff can see, and change nothing.
	Viewer Role = "viewer"
	// Editor may also create, change and archive records.
	Editor Role = "editor"
	// Admin may also manage users and API tokens.
	Admin Role = "admin"
)

// Roles lists the roles a user or token may hold, lowest first.
var Roles = []Role{Viewer, Editor, Admin}

func (r Role) rank() int {
	switch r {
	case Viewer:
		return 1
	case Editor:
		return 2
	case Admin:
		return 3
	}
	return 0
}

// Valid reports whether r is a role a user or token may hold.
func (r Role) Valid() bool { return r.rank() > 0 }

// Allows reports whether a holder of r may do what needs min.
func (r Role) Allows(min Role) bool { return r.rank() >= min.rank() }

// Lower returns the lower of two roles: what a token may do is the lower of
// its own role and its owner's current role.
func Lower(a, b Role) Role {
	if a.rank() < b.rank() {
		return a
	}
	return b
}

// User is a person who signs in to the admin pages or owns API tokens.
// Only admins may create or change users.
type User struct {
	ID                int64      `json:"id"`
	Email             string     `json:"email"`
	Name              string     `json:"name"`
	Role              Role       `json:"role" enum:"viewer,editor,admin"`
	Revision          int64      `json:"revision"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	DisabledAt        *time.Time `json:"disabled_at,omitempty" doc:"Set when the user may no longer sign in; their tokens stop working too."`
	PasswordChangedAt *time.Time `json:"password_changed_at,omitempty"`
}

// Disabled reports whether the user may no longer sign in.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// Validate checks the fields an admin fills in.
func (u *User) Validate() error {
	var p psti.Problems
	p.Email("email", "E-mail address", u.Email, true)
	p.Text("name", "Name", u.Name, false, 200)
	if !u.Role.Valid() {
		p.Add("role", "Role must be viewer, editor or admin.")
	}
	return p.Err()
}

// Token is an API token. The secret is shown once when the token is made and
// only its SHA-256 hash is stored. A token acts for its owner with at most its
// own role.
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	UserEmail  string     `json:"user_email"`
	Name       string     `json:"name" doc:"What the token is for, e.g. \"factory line 3\"."`
	Role       Role       `json:"role" enum:"viewer,editor,admin"`
	Hint       string     `json:"hint" doc:"The first characters of the token, to tell tokens apart."`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Invitation is a one-time setup link. It lets whoever holds it set a
// password: for a new user with the given role, or for an existing user
// (a password reset). The very first invitation on an empty installation has
// no e-mail address; the person opening it gives one.
type Invitation struct {
	ID        int64      `json:"id"`
	Email     string     `json:"email,omitempty"`
	Role      Role       `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Session is what a signed-in browser carries, kept by the store under the
// hash of its cookie value.
type Session struct {
	Data    []byte
	Expires time.Time
}

// Store keeps users, invitations, tokens and sessions. Writes that change a
// user or token add an audit entry in the same transaction.
type Store interface {
	CountUsers(ctx context.Context) (int, error)
	User(ctx context.Context, id int64) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	Users(ctx context.Context) ([]*User, error)
	// UpdateUser changes name, role and disabled state. ECONFLICT on a stale
	// revision, or when it would leave no enabled admin.
	UpdateUser(ctx context.Context, a psti.Actor, u *User) error
	// PasswordHash returns the stored PHC string ("" when none is set).
	PasswordHash(ctx context.Context, userID int64) (string, error)
	SetPasswordHash(ctx context.Context, a psti.Actor, userID int64, hash string, at time.Time) error
	// RehashPassword replaces the hash with a stronger one of the same
	// password, only if the password was last changed at changedAt. Not
	// audited: the password does not change.
	RehashPassword(ctx context.Context, userID int64, hash string, changedAt time.Time) error

	CreateInvitation(ctx context.Context, a psti.Actor, inv *Invitation, tokenHash []byte) error
	InvitationByHash(ctx context.Context, tokenHash []byte) (*Invitation, error)
	Invitations(ctx context.Context) ([]*Invitation, error)
	// RevokeInvitation stops a setup link working.
	RevokeInvitation(ctx context.Context, a psti.Actor, id int64, at time.Time) error
	// AcceptInvitation marks the invitation used and creates the user (or,
	// if one with that e-mail exists, sets their password) in one
	// transaction. ECONFLICT if it was used meanwhile.
	AcceptInvitation(ctx context.Context, invitationID int64, u *User, passwordHash string, at time.Time) (*User, error)

	CreateToken(ctx context.Context, a psti.Actor, t *Token, hash []byte) error
	// TokenByHash returns the token and its owner.
	TokenByHash(ctx context.Context, hash []byte) (*Token, *User, error)
	Tokens(ctx context.Context, userID int64) ([]*Token, error)
	RevokeToken(ctx context.Context, a psti.Actor, id int64, at time.Time) error
	TouchToken(ctx context.Context, id int64, at time.Time) error

	FindSession(ctx context.Context, hash []byte) (*Session, error)
	CommitSession(ctx context.Context, hash []byte, s Session) error
	DeleteSession(ctx context.Context, hash []byte) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}
