package auth_test

import (
	"context"
	"slices"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// fast keeps argon2id cheap in tests; one test uses DefaultParams.
var fast = auth.Params{Memory: 1024, Time: 1, Threads: 1}

const goodPassword = "correct horse battery staple"

// env is a Service over a real, migrated SQLite database and a hand-set
// clock shared by both.
type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clock *storetest.Clock
	svc   *auth.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, clock := storetest.Open(t, storetest.SQLite)
	svc := auth.NewService(db, clock)
	svc.Params = fast
	return &env{t: t, ctx: t.Context(), db: db, clock: clock, svc: svc}
}

var testActor = psti.System("auth test")

// addUser creates a user through an invitation, the only way users come to
// be.
func (e *env) addUser(email string, role auth.Role, password string) *auth.User {
	e.t.Helper()
	code, _, err := e.svc.Invite(e.ctx, testActor, email, role)
	if err != nil {
		e.t.Fatalf("Invite(%q, %q): %v", email, role, err)
	}
	u, err := e.svc.AcceptInvitation(e.ctx, code, "", "", password)
	if err != nil {
		e.t.Fatalf("AcceptInvitation for %q: %v", email, err)
	}
	return u
}

// disable marks a user disabled through the store.
func (e *env) disable(u *auth.User) {
	e.t.Helper()
	cur, err := e.db.User(e.ctx, u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	now := e.clock.Now()
	cur.DisabledAt = &now
	if err := e.db.UpdateUser(e.ctx, testActor, cur); err != nil {
		e.t.Fatalf("disabling %s: %v", u.Email, err)
	}
}

// setRole changes a user's role through the store.
func (e *env) setRole(u *auth.User, r auth.Role) {
	e.t.Helper()
	cur, err := e.db.User(e.ctx, u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	cur.Role = r
	if err := e.db.UpdateUser(e.ctx, testActor, cur); err != nil {
		e.t.Fatalf("setting role of %s: %v", u.Email, err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks that err has code and carries exactly the named fields
// (in any order); no fields means none are expected.
func wantErr(t testing.TB, err error, code psti.Code, fields ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := psti.ErrorCode(err); got != code {
		t.Fatalf("error code %q, want %q (error: %v)", got, code, err)
	}
	var got []string
	for _, f := range psti.ErrorFields(err) {
		if f.Message == "" {
			t.Errorf("field %q has an empty message", f.Field)
		}
		got = append(got, f.Field)
	}
	slices.Sort(got)
	want := slices.Clone(fields)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("error fields %q, want %q (error: %v)", got, want, err)
	}
}
