package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
)

// ---- users ----

const userCols = `id, revision, created_at, updated_at, disabled_at, email, name, role, password_changed_at`

func scanUser(row interface{ Scan(...any) error }) (*auth.User, error) {
	u := &auth.User{}
	err := row.Scan(&u.ID, &u.Revision, utc(&u.CreatedAt), utc(&u.UpdatedAt), utcPtr(&u.DisabledAt), &u.Email, &u.Name, &u.Role, utcPtr(&u.PasswordChangedAt))
	return u, err
}

func (db *DB) user(ctx context.Context, q querier, id int64, lock string) (*auth.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`+lock, id))
	return u, notFound(err, "user", id)
}

// CountUsers returns how many users there are, disabled ones included.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.ro.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to count users: %w", err)
	}
	return n, nil
}

// User returns one user.
func (db *DB) User(ctx context.Context, id int64) (*auth.User, error) {
	return db.user(ctx, db.ro, id, "")
}

// UserByEmail returns the user with an e-mail address (compared as stored:
// addresses are normalised to lower case before they are stored).
func (db *DB) UserByEmail(ctx context.Context, email string) (*auth.User, error) {
	u, err := scanUser(db.ro.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = $1`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.Errorf(psti.ENOTFOUND, "There is no user with e-mail address %s.", email)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read user: %w", err)
	}
	return u, nil
}

// Users lists every user by e-mail address.
func (db *DB) Users(ctx context.Context) ([]*auth.User, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY email`)
	return collect(rows, err, "users", scanUser)
}

// UpdateUser changes a user's name, role and disabled state. It refuses to
// leave the installation without an enabled admin.
func (db *DB) UpdateUser(ctx context.Context, a psti.Actor, u *auth.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := db.dialect.lockUsers(ctx, tx); err != nil {
			return nil, fmt.Errorf("store: unable to lock users: %w", err)
		}
		before, err := db.user(ctx, tx, u.ID, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if u.Revision != 0 && u.Revision != before.Revision {
			return nil, psti.Errorf(psti.ECONFLICT, "This user was changed by someone else after you opened it. Reload, then make your change again.")
		}
		if u.Email != before.Email {
			return nil, psti.FieldErrorf(psti.EINVALID, "email", "A user's e-mail address cannot be changed; invite the new address instead.")
		}
		after := *before
		after.Name, after.Role, after.DisabledAt = u.Name, u.Role, nil
		if u.DisabledAt != nil {
			after.DisabledAt = before.DisabledAt
			if after.DisabledAt == nil {
				after.DisabledAt = &now
			}
		}
		after.Revision, after.UpdatedAt = before.Revision+1, now
		if _, err := tx.ExecContext(ctx, `UPDATE users SET revision = $1, updated_at = $2, name = $3, role = $4, disabled_at = $5 WHERE id = $6`,
			after.Revision, now, after.Name, after.Role, after.DisabledAt, u.ID); err != nil {
			return nil, fmt.Errorf("store: unable to update user %d: %w", u.ID, err)
		}
		var admins int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL`).Scan(&admins); err != nil {
			return nil, fmt.Errorf("store: unable to count admins: %w", err)
		}
		if admins == 0 {
			return nil, psti.Errorf(psti.ECONFLICT, "At least one enabled administrator must remain, or nobody could manage users again.")
		}
		*u = after
		return &change{psti.ActionUpdate, "user", u.ID, before, &after}, nil
	})
}

// PasswordHash returns a user's stored password hash, "" when none is set.
func (db *DB) PasswordHash(ctx context.Context, userID int64) (string, error) {
	var h string
	err := db.ro.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, userID).Scan(&h)
	return h, notFound(err, "user", userID)
}

// SetPasswordHash replaces a user's password hash. Sessions signed in before
// at stop working, because they carry the old password_changed_at.
func (db *DB) SetPasswordHash(ctx context.Context, a psti.Actor, userID int64, hash string, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3`, hash, at, userID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, psti.NotFound("user", userID)
		}
		return &change{psti.ActionPassword, "user", userID, nil, map[string]any{"password_changed_at": at}}, nil
	})
}

// RehashPassword replaces a password hash with a stronger hash of the same
// password, unless the password changed since changedAt.
func (db *DB) RehashPassword(ctx context.Context, userID int64, hash string, changedAt time.Time) error {
	_, err := db.rw.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2 AND password_changed_at = $3`,
		hash, userID, changedAt.UTC().Truncate(time.Microsecond))
	if err != nil {
		return fmt.Errorf("store: unable to upgrade the password hash: %w", err)
	}
	return nil
}

// ---- invitations ----

const invitationCols = `id, email, role, created_at, expires_at, used_at, revoked_at`

func scanInvitation(row interface{ Scan(...any) error }) (*auth.Invitation, error) {
	i := &auth.Invitation{}
	err := row.Scan(&i.ID, &i.Email, &i.Role, utc(&i.CreatedAt), utc(&i.ExpiresAt), utcPtr(&i.UsedAt), utcPtr(&i.RevokedAt))
	return i, err
}

// RevokeInvitation stops a setup link working. Revoking a used or revoked
// link changes nothing.
func (db *DB) RevokeInvitation(ctx context.Context, a psti.Actor, id int64, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := scanInvitation(tx.QueryRowContext(ctx, `SELECT `+invitationCols+` FROM invitations WHERE id = $1`+db.dialect.forUpdate, id))
		if err := notFound(err, "setup link", id); err != nil {
			return nil, err
		}
		if before.UsedAt != nil || before.RevokedAt != nil {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invitations SET revoked_at = $1 WHERE id = $2`, at, id); err != nil {
			return nil, fmt.Errorf("store: unable to revoke setup link %d: %w", id, err)
		}
		after := *before
		after.RevokedAt = &at
		return &change{psti.ActionRevoke, "invitation", id, before, &after}, nil
	})
}

// CreateInvitation stores a setup link under the hash of its code.
func (db *DB) CreateInvitation(ctx context.Context, a psti.Actor, inv *auth.Invitation, tokenHash []byte) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		inv.CreatedAt = inv.CreatedAt.UTC().Truncate(time.Microsecond)
		inv.ExpiresAt = inv.ExpiresAt.UTC().Truncate(time.Microsecond)
		err := tx.QueryRowContext(ctx, `INSERT INTO invitations (token_hash, email, role, created_at, expires_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, tokenHash, inv.Email, inv.Role, inv.CreatedAt, inv.ExpiresAt, a.Label).Scan(&inv.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to create invitation: %w", err)
		}
		return &change{psti.ActionInvite, "invitation", inv.ID, nil, inv}, nil
	})
}

// InvitationByHash finds a setup link by the hash of its code.
func (db *DB) InvitationByHash(ctx context.Context, tokenHash []byte) (*auth.Invitation, error) {
	i, err := scanInvitation(db.ro.QueryRowContext(ctx, `SELECT `+invitationCols+` FROM invitations WHERE token_hash = $1`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.Errorf(psti.ENOTFOUND, "There is no such setup link.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read invitation: %w", err)
	}
	return i, nil
}

// Invitations lists setup links, newest first.
func (db *DB) Invitations(ctx context.Context) ([]*auth.Invitation, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+invitationCols+` FROM invitations ORDER BY id DESC LIMIT 200`)
	return collect(rows, err, "invitations", scanInvitation)
}

// AcceptInvitation uses a setup link: it marks it used and creates the user,
// or sets the password of the user who already has that e-mail address.
func (db *DB) AcceptInvitation(ctx context.Context, invitationID int64, u *auth.User, passwordHash string, at time.Time) (*auth.User, error) {
	at = at.UTC().Truncate(time.Microsecond)
	var out *auth.User
	err := db.write(ctx, psti.Actor{Label: u.Email}, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := db.dialect.lockUsers(ctx, tx); err != nil {
			return nil, fmt.Errorf("store: unable to lock users: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL`, at, invitationID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to use invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, psti.Errorf(psti.ECONFLICT, "This setup link has just been used. Ask an administrator for a new one.")
		}
		// A link without an address is for the first administrator only:
		// it may create the first user and nothing else, never reach an
		// existing account.
		var invEmail string
		var users int
		if err := tx.QueryRowContext(ctx, `SELECT email FROM invitations WHERE id = $1`, invitationID).Scan(&invEmail); err != nil {
			return nil, fmt.Errorf("store: unable to read invitation: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&users); err != nil {
			return nil, fmt.Errorf("store: unable to count users: %w", err)
		}
		if invEmail == "" && users > 0 {
			return nil, psti.Errorf(psti.ECONFLICT, "This setup link was for the first administrator, who has already been set up. Ask an administrator for a new link.")
		}
		if invEmail != "" && invEmail != u.Email {
			return nil, psti.Errorf(psti.EINVALID, "This setup link is for %s.", invEmail)
		}
		existing, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = $1`, u.Email))
		switch {
		case err == nil:
			// A password reset: the account keeps its role and name.
			if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3`,
				passwordHash, at, existing.ID); err != nil {
				return nil, fmt.Errorf("store: unable to set password: %w", err)
			}
			existing.PasswordChangedAt = &at
			out = existing
			return &change{psti.ActionPassword, "user", existing.ID, nil, map[string]any{"password_changed_at": at, "invitation_id": invitationID}}, nil
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("store: unable to read user: %w", err)
		}
		nu := &auth.User{Email: u.Email, Name: u.Name, Role: u.Role, Revision: 1, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: &at}
		err = tx.QueryRowContext(ctx, `INSERT INTO users (revision, created_at, updated_at, email, name, role, password_hash, password_changed_at)
			VALUES (1, $1, $1, $2, $3, $4, $5, $6) RETURNING id`, now, nu.Email, nu.Name, nu.Role, passwordHash, at).Scan(&nu.ID)
		if err != nil {
			return nil, unique(err, "email", "There is already a user with e-mail address %s.", u.Email)
		}
		out = nu
		return &change{psti.ActionCreate, "user", nu.ID, nil, nu}, nil
	})
	return out, err
}

// ---- tokens ----

const tokenCols = `t.id, t.user_id, u.email, t.name, t.role, t.hint, t.created_at, t.expires_at, t.last_used_at, t.revoked_at`

func scanToken(row interface{ Scan(...any) error }) (*auth.Token, error) {
	t := &auth.Token{}
	err := row.Scan(&t.ID, &t.UserID, &t.UserEmail, &t.Name, &t.Role, &t.Hint, utc(&t.CreatedAt), utcPtr(&t.ExpiresAt), utcPtr(&t.LastUsedAt), utcPtr(&t.RevokedAt))
	return t, err
}

// CreateToken stores an API token under the hash of its secret.
func (db *DB) CreateToken(ctx context.Context, a psti.Actor, t *auth.Token, hash []byte) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		t.CreatedAt = now
		var expires any
		if t.ExpiresAt != nil {
			e := t.ExpiresAt.UTC().Truncate(time.Microsecond)
			t.ExpiresAt, expires = &e, e
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, role, hint, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, t.UserID, t.Name, t.Role, t.Hint, hash, now, expires).Scan(&t.ID)
		if err != nil {
			if isForeignKey(err) {
				return nil, psti.FieldErrorf(psti.EINVALID, "user", "There is no user with id %d.", t.UserID)
			}
			return nil, fmt.Errorf("store: unable to create token: %w", err)
		}
		return &change{psti.ActionCreate, "token", t.ID, nil, t}, nil
	})
}

// TokenByHash finds a token, and its owner, by the hash of its secret, in
// one query: every API request starts here.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (*auth.Token, *auth.User, error) {
	t, u := &auth.Token{}, &auth.User{}
	err := db.ro.QueryRowContext(ctx, `SELECT `+tokenCols+`,
			u.revision, u.created_at, u.updated_at, u.disabled_at, u.name, u.role, u.password_changed_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, hash).Scan(
		&t.ID, &t.UserID, &t.UserEmail, &t.Name, &t.Role, &t.Hint, utc(&t.CreatedAt), utcPtr(&t.ExpiresAt), utcPtr(&t.LastUsedAt), utcPtr(&t.RevokedAt),
		&u.Revision, utc(&u.CreatedAt), utc(&u.UpdatedAt), utcPtr(&u.DisabledAt), &u.Name, &u.Role, utcPtr(&u.PasswordChangedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, psti.Errorf(psti.ENOTFOUND, "There is no such token.")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("store: unable to look up token: %w", err)
	}
	u.ID, u.Email = t.UserID, t.UserEmail
	return t, u, nil
}

// Tokens lists tokens, newest first: every token when userID is 0.
func (db *DB) Tokens(ctx context.Context, userID int64) ([]*auth.Token, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE (CAST($1 AS BIGINT) = 0 OR t.user_id = CAST($1 AS BIGINT)) ORDER BY t.id DESC`, userID)
	return collect(rows, err, "tokens", scanToken)
}

// RevokeToken stops a token working. Revoking twice is not an error.
func (db *DB) RevokeToken(ctx context.Context, a psti.Actor, id int64, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1`+db.dialect.forUpdate, id))
		if err := notFound(err, "token", id); err != nil {
			return nil, err
		}
		if before.RevokedAt != nil {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, at, id); err != nil {
			return nil, fmt.Errorf("store: unable to revoke token %d: %w", id, err)
		}
		after := *before
		after.RevokedAt = &at
		return &change{psti.ActionRevoke, "token", id, before, &after}, nil
	})
}

// TouchToken records when a token was last used. It is not audited.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := db.rw.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, at.UTC().Truncate(time.Microsecond), id)
	if err != nil {
		return fmt.Errorf("store: unable to record token use: %w", err)
	}
	return nil
}

// ---- sessions ----

// FindSession returns an unexpired session.
func (db *DB) FindSession(ctx context.Context, hash []byte) (*auth.Session, error) {
	s := &auth.Session{}
	err := db.ro.QueryRowContext(ctx, `SELECT data, expires_at FROM sessions WHERE token_hash = $1`, hash).Scan(&s.Data, utc(&s.Expires))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !db.clock.Now().Before(s.Expires)) {
		return nil, psti.Errorf(psti.ENOTFOUND, "There is no such session.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read session: %w", err)
	}
	return s, nil
}

// CommitSession stores or replaces a session.
func (db *DB) CommitSession(ctx context.Context, hash []byte, s auth.Session) error {
	_, err := db.rw.ExecContext(ctx, `INSERT INTO sessions (token_hash, data, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
		hash, s.Data, s.Expires.UTC().Truncate(time.Microsecond))
	if err != nil {
		return fmt.Errorf("store: unable to save session: %w", err)
	}
	return nil
}

// DeleteSession removes a session (sign-out).
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := db.rw.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash); err != nil {
		return fmt.Errorf("store: unable to delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions that have expired and returns how
// many there were.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now.UTC().Truncate(time.Microsecond))
	if err != nil {
		return 0, fmt.Errorf("store: unable to delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}
