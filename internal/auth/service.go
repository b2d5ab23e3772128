package auth

import (
	"context"
	"crypto/rand"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/psti/psti/internal/psti"
)

// Service applies the rules for signing in, setup links and API tokens on
// top of a Store.
type Service struct {
	Store    Store
	Clock    psti.Clock
	Rand     io.Reader // source of secrets; crypto/rand when nil
	Params   Params    // argon2id cost for new hashes; DefaultParams when zero
	Throttle *Throttle // required for SignIn

	// InvitationTTL is how long a setup link stays valid; 72 hours when zero.
	InvitationTTL time.Duration

	// PasswordWords, when set, returns the words of this installation that
	// a new password must not be built on, such as the organisation's name:
	// the user's e-mail address and "psti" count without it.
	PasswordWords func(ctx context.Context) []string
}

// passwordWords returns PasswordWords' answer, or none.
func (s *Service) passwordWords(ctx context.Context) []string {
	if s.PasswordWords == nil {
		return nil
	}
	return s.PasswordWords(ctx)
}

// NewService returns a Service with the default cost parameters and a fresh
// throttle.
func NewService(st Store, clock psti.Clock) *Service {
	return &Service{Store: st, Clock: clock, Throttle: NewThrottle()}
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock.Now()
}

func (s *Service) rand() io.Reader {
	if s.Rand == nil {
		return rand.Reader
	}
	return s.Rand
}

// params returns the cost for new hashes: Params, with any field left at
// zero taken from DefaultParams.
func (s *Service) params() Params {
	p := s.Params
	if p.Memory == 0 {
		p.Memory = DefaultParams.Memory
	}
	if p.Time == 0 {
		p.Time = DefaultParams.Time
	}
	if p.Threads == 0 {
		p.Threads = DefaultParams.Threads
	}
	return p
}

// NormalizeEmail is how e-mail addresses are compared and stored.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

var errSignIn = psti.Errorf(psti.EUNAUTHORIZED, "The e-mail address or password is not right.")

// hashing bounds how many argon2id computations run at once: each holds
// tens of MiB, so a burst of sign-ins must queue rather than exhaust memory.
var hashing = make(chan struct{}, runtime.GOMAXPROCS(0))

// withHashing runs fn while holding a hashing slot, or gives up with
// ETOOMANY if ctx ends first.
func withHashing(ctx context.Context, fn func()) error {
	select {
	case hashing <- struct{}{}:
	case <-ctx.Done():
		return psti.Errorf(psti.ETOOMANY, "The server is busy checking other sign-ins. Please try again in a moment.")
	}
	defer func() { <-hashing }()
	fn()
	return nil
}

// SignIn checks an e-mail address and password. client identifies where the
// attempt came from (the remote address) for throttling. Errors: ETOOMANY
// while throttled, EUNAUTHORIZED for a wrong address or password or a
// disabled account.
func (s *Service) SignIn(ctx context.Context, email, password, client string) (*User, error) {
	email = NormalizeEmail(email)
	var pr psti.Problems
	pr.Text("email", "E-mail address", email, false, 254)
	if len(email) > 254 || len(password) > 4*MaxPasswordLen || pr.Err() != nil {
		return nil, errSignIn // never a real account; not worth a bucket
	}
	now := s.now()
	refund, wait, ok := s.Throttle.Attempt(email, client, now)
	if !ok {
		return nil, psti.Errorf(psti.ETOOMANY, "Too many failed attempts. Please wait %d seconds and try again.", int(wait.Seconds()))
	}
	u, err := s.Store.UserByEmail(ctx, email)
	phc := ""
	switch {
	case psti.ErrorCode(err) == psti.ENOTFOUND:
	case err != nil:
		refund()
		return nil, err
	default:
		if phc, err = s.Store.PasswordHash(ctx, u.ID); err != nil {
			refund()
			return nil, err
		}
	}
	var good, rehash bool
	var checkErr error
	if herr := withHashing(ctx, func() {
		if phc == "" {
			// Spend the same time as a real check, so response times do
			// not reveal which addresses have accounts.
			_, _, _ = CheckPassword(dummyHash(), password, s.params())
			return
		}
		good, rehash, checkErr = CheckPassword(phc, password, s.params())
	}); herr != nil {
		refund()
		return nil, herr
	}
	if checkErr != nil {
		return nil, checkErr
	}
	if !good {
		return nil, errSignIn
	}
	refund()
	if u.Disabled() {
		return nil, psti.Errorf(psti.EUNAUTHORIZED, "This account has been disabled. Ask an administrator to enable it.")
	}
	if rehash && u.PasswordChangedAt != nil {
		var h string
		if withHashing(ctx, func() { h, err = HashPassword(password, s.params()) }) == nil && err == nil {
			// Best effort, and only if the password has not changed meanwhile.
			_ = s.Store.RehashPassword(ctx, u.ID, h, *u.PasswordChangedAt)
		}
	}
	return u, nil
}

// dummyHash is checked when there is no real hash, so that a sign-in for an
// unknown address costs what a real one does. It is made on first use, not
// at start-up: every psti command would otherwise pay for it.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a password anyone has", DefaultParams)
	return h
})

func (s *Service) ttl() time.Duration {
	if s.InvitationTTL == 0 {
		return 72 * time.Hour
	}
	return s.InvitationTTL
}

// Invite makes a one-time setup link code. For an e-mail address that
// already has an account, the link sets a new password for it (and role is
// ignored); otherwise it creates an account with role when used. Admins only.
func (s *Service) Invite(ctx context.Context, a psti.Actor, email string, role Role) (string, *Invitation, error) {
	if strings.TrimSpace(email) == "" {
		return "", nil, psti.FieldErrorf(psti.EINVALID, "email", "E-mail address is required.")
	}
	return s.invite(ctx, a, email, role)
}

// invite is Invite without the e-mail requirement: FirstRun makes the one
// link that has no address, and it can only ever create the first user.
func (s *Service) invite(ctx context.Context, a psti.Actor, email string, role Role) (string, *Invitation, error) {
	email = NormalizeEmail(email)
	var p psti.Problems
	p.Email("email", "E-mail address", email, false)
	if !role.Valid() {
		p.Add("role", "Role must be viewer, editor or admin.")
	}
	if err := p.Err(); err != nil {
		return "", nil, err
	}
	code, err := newSetupCode(s.rand())
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	inv := &Invitation{Email: email, Role: role, CreatedAt: now, ExpiresAt: now.Add(s.ttl())}
	if err := s.Store.CreateInvitation(ctx, a, inv, Hash(code)); err != nil {
		return "", nil, err
	}
	return code, inv, nil
}

// FirstRun makes a setup link for the first administrator when the
// installation has no users yet, and reports whether it did. There is never a
// default password: whoever holds the link printed at start-up sets it.
// While a link it made earlier still works, it makes none (see
// OpenFirstRun): a restart must not leave two links to the first account.
func (s *Service) FirstRun(ctx context.Context) (string, bool, error) {
	open, err := s.OpenFirstRun(ctx)
	if err != nil || open != nil {
		return "", false, err
	}
	n, err := s.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", false, err
	}
	code, _, err := s.invite(ctx, psti.System("first start"), "", Admin)
	return code, err == nil, err
}

// OpenFirstRun returns the first-administrator link made by an earlier
// FirstRun while it still works (no one has an account yet, and it is
// neither used, revoked nor expired), or nil. The link itself cannot be
// shown again: only its hash is kept.
func (s *Service) OpenFirstRun(ctx context.Context) (*Invitation, error) {
	n, err := s.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return nil, err
	}
	invs, err := s.Store.Invitations(ctx)
	if err != nil {
		return nil, err
	}
	var open *Invitation
	for _, inv := range invs {
		if inv.Email == "" && inv.UsedAt == nil && inv.RevokedAt == nil && s.now().Before(inv.ExpiresAt) &&
			(open == nil || inv.ExpiresAt.After(open.ExpiresAt)) {
			open = inv
		}
	}
	return open, nil
}

var errBadLink = psti.Errorf(psti.ENOTFOUND, "This setup link is not valid: it may have been used already or have expired. Ask an administrator for a new one.")

// Invitation returns the open invitation for a setup code.
func (s *Service) Invitation(ctx context.Context, code string) (*Invitation, error) {
	if !ValidSetupCode(code) {
		return nil, errBadLink
	}
	inv, err := s.Store.InvitationByHash(ctx, Hash(code))
	if psti.ErrorCode(err) == psti.ENOTFOUND {
		return nil, errBadLink
	} else if err != nil {
		return nil, err
	}
	if inv.UsedAt != nil || inv.RevokedAt != nil || !s.now().Before(inv.ExpiresAt) {
		return nil, errBadLink
	}
	if inv.Email == "" {
		// A first-administrator link is void once anyone has been set up:
		// it must never reach an existing account.
		if n, err := s.Store.CountUsers(ctx); err != nil {
			return nil, err
		} else if n > 0 {
			return nil, errBadLink
		}
	}
	return inv, nil
}

// AcceptInvitation uses a setup code: it checks the new password and creates
// the account (or sets the password of the existing one). email and name are
// only read when the invitation has no e-mail address of its own.
func (s *Service) AcceptInvitation(ctx context.Context, code, email, name, password string) (*User, error) {
	inv, err := s.Invitation(ctx, code)
	if err != nil {
		return nil, err
	}
	u := &User{Email: inv.Email, Name: strings.TrimSpace(name), Role: inv.Role}
	if u.Email == "" {
		u.Email = NormalizeEmail(email)
	}
	var p psti.Problems
	if err := u.Validate(); err != nil {
		for _, f := range psti.ErrorFields(err) {
			p.Add(f.Field, "%s", f.Message)
		}
	}
	if err := CheckNewPassword(password, u.Email, s.passwordWords(ctx)...); err != nil {
		p.Add("password", "%s", psti.ErrorFields(err)[0].Message)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var h string
	if herr := withHashing(ctx, func() { h, err = HashPassword(password, s.params()) }); herr != nil {
		return nil, herr
	}
	if err != nil {
		return nil, err
	}
	return s.Store.AcceptInvitation(ctx, inv.ID, u, h, s.now())
}

// ChangePassword sets a new password for a signed-in user after checking
// the current one.
func (s *Service) ChangePassword(ctx context.Context, u *User, current, next string) error {
	phc, err := s.Store.PasswordHash(ctx, u.ID)
	if err != nil {
		return err
	}
	// Guessing the current password from a stolen session is throttled
	// like signing in.
	key := "password-change:" + strconv.FormatInt(u.ID, 10)
	refund, wait, allowed := s.Throttle.Attempt(key, key, s.now())
	if !allowed {
		return psti.Errorf(psti.ETOOMANY, "Too many wrong attempts. Please wait %d seconds and try again.", int(wait.Seconds()))
	}
	var good bool
	if herr := withHashing(ctx, func() { good, _, err = CheckPassword(phc, current, s.params()) }); herr != nil {
		refund()
		return herr
	}
	if err != nil || !good {
		return psti.FieldErrorf(psti.EINVALID, "current_password", "Your current password is not right.")
	}
	refund()
	if err := CheckNewPassword(next, u.Email, s.passwordWords(ctx)...); err != nil {
		return err
	}
	var h string
	if herr := withHashing(ctx, func() { h, err = HashPassword(next, s.params()) }); herr != nil {
		return herr
	}
	if err != nil {
		return err
	}
	return s.Store.SetPasswordHash(ctx, psti.Actor{UserID: u.ID, Label: u.Email}, u.ID, h, s.now())
}

// CreateToken makes an API token for a user with a role no higher than the
// user's own, and returns the secret. The secret is never stored and cannot
// be shown again. Admins only.
func (s *Service) CreateToken(ctx context.Context, a psti.Actor, userID int64, name string, role Role, expires *time.Time) (string, *Token, error) {
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	var p psti.Problems
	p.Text("name", "Token name", name, true, 200)
	switch {
	case !role.Valid():
		p.Add("role", "Role must be viewer, editor or admin.")
	case !u.Role.Allows(role):
		p.Add("role", "A token cannot have a higher role than its owner (%s is %s).", u.Email, u.Role)
	}
	if u.Disabled() {
		p.Add("user", "%s is disabled and cannot own new tokens.", u.Email)
	}
	if expires != nil && !expires.After(s.now()) {
		p.Add("expires_at", "Expiry must be in the future.")
	}
	if err := p.Err(); err != nil {
		return "", nil, err
	}
	secret, err := newToken(s.rand())
	if err != nil {
		return "", nil, err
	}
	t := &Token{UserID: u.ID, UserEmail: u.Email, Name: strings.TrimSpace(name), Role: role, Hint: tokenHint(secret),
		CreatedAt: s.now(), ExpiresAt: expires}
	if err := s.Store.CreateToken(ctx, a, t, Hash(secret)); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// Principal is who a request acts as, once authenticated.
type Principal struct {
	User  *User
	Token *Token // nil for a browser session
	Role  Role   // what the request may do
}

// Actor returns the audit actor for changes the principal makes.
func (p *Principal) Actor() psti.Actor {
	a := psti.Actor{UserID: p.User.ID, Label: p.User.Email}
	if p.Token != nil {
		a.TokenID = p.Token.ID
	}
	return a
}

var errToken = psti.Errorf(psti.EUNAUTHORIZED, "The API token is not valid: it may be mistyped, revoked or expired.")

// Authenticate checks the token in an Authorization header value. The
// request may do what the lower of the token's role and its owner's current
// role allows. Errors: EUNAUTHORIZED.
func (s *Service) Authenticate(ctx context.Context, header string) (*Principal, error) {
	raw, ok := ParseBearer(header)
	if !ok {
		return nil, errToken
	}
	t, u, err := s.Store.TokenByHash(ctx, Hash(raw))
	if psti.ErrorCode(err) == psti.ENOTFOUND {
		return nil, errToken
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)) || u.Disabled() {
		return nil, errToken
	}
	// Record use at most once a minute, so reads stay reads.
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if err := s.Store.TouchToken(ctx, t.ID, now); err != nil {
			return nil, err
		}
	}
	return &Principal{User: u, Token: t, Role: Lower(t.Role, u.Role)}, nil
}
