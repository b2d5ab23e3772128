package auth_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
)

func TestFirstRun(t *testing.T) {
	e := newEnv(t)
	code, ok, err := e.svc.FirstRun(e.ctx)
	if err != nil || !ok {
		t.Fatalf("FirstRun on an empty installation = %q, %v, %v; want a link", code, ok, err)
	}
	checkCode(t, code)
	inv, err := e.svc.Invitation(e.ctx, code)
	must(t, err)
	if inv.Email != "" || inv.Role != auth.Admin {
		t.Fatalf("first-run invitation: %+v; want no e-mail address and the admin role", inv)
	}
	if want := e.clock.Now().Add(72 * time.Hour); !inv.ExpiresAt.Equal(want) {
		t.Fatalf("first-run invitation expires %v, want %v", inv.ExpiresAt, want)
	}

	// Restarting while that link works makes no second one, and says
	// which link is open until when.
	e.clock.Add(71 * time.Hour)
	code2, ok, err := e.svc.FirstRun(e.ctx)
	if err != nil || ok || code2 != "" {
		t.Fatalf("second FirstRun while the first link works = %q, %v, %v; want none", code2, ok, err)
	}
	open, err := e.svc.OpenFirstRun(e.ctx)
	if err != nil || open == nil || open.ID != inv.ID || !open.ExpiresAt.Equal(inv.ExpiresAt) {
		t.Fatalf("OpenFirstRun = %+v, %v; want the first link (%+v)", open, err, inv)
	}
	// Once it has expired, a restart makes a new one.
	e.clock.Add(time.Hour)
	if open, err := e.svc.OpenFirstRun(e.ctx); err != nil || open != nil {
		t.Fatalf("OpenFirstRun after expiry = %+v, %v; want nil", open, err)
	}
	code, ok, err = e.svc.FirstRun(e.ctx)
	if err != nil || !ok {
		t.Fatalf("FirstRun after the first link expired = %q, %v, %v; want a new link", code, ok, err)
	}

	u, err := e.svc.AcceptInvitation(e.ctx, code, " Ada@Example.com ", " Ada ", goodPassword)
	must(t, err)
	if u.Email != "ada@example.com" || u.Name != "Ada" || u.Role != auth.Admin {
		t.Fatalf("first user: %+v", u)
	}
	// Once there is a user, no more links, and none open.
	code3, ok, err := e.svc.FirstRun(e.ctx)
	if err != nil || ok || code3 != "" {
		t.Fatalf("FirstRun with a user = %q, %v, %v; want \"\", false, nil", code3, ok, err)
	}
	if open, err := e.svc.OpenFirstRun(e.ctx); err != nil || open != nil {
		t.Fatalf("OpenFirstRun with a user = %+v, %v; want nil", open, err)
	}
	invs, err := e.db.Invitations(e.ctx)
	must(t, err)
	if len(invs) != 2 {
		t.Fatalf("%d invitations stored, want 2", len(invs))
	}
}

func TestInvite(t *testing.T) {
	e := newEnv(t)
	code, inv, err := e.svc.Invite(e.ctx, testActor, "  Bob@Example.COM ", auth.Editor)
	must(t, err)
	checkCode(t, code)
	if inv.ID == 0 || inv.Email != "bob@example.com" || inv.Role != auth.Editor || inv.UsedAt != nil {
		t.Fatalf("invitation: %+v", inv)
	}
	if !inv.CreatedAt.Equal(e.clock.Now()) || !inv.ExpiresAt.Equal(e.clock.Now().Add(72*time.Hour)) {
		t.Fatalf("invitation made %v expires %v; want now (%v) and 72h later", inv.CreatedAt, inv.ExpiresAt, e.clock.Now())
	}
	got, err := e.svc.Invitation(e.ctx, code)
	must(t, err)
	if got.ID != inv.ID || got.Email != inv.Email || got.Role != inv.Role {
		t.Fatalf("Invitation(code) = %+v, want %+v", got, inv)
	}

	e.svc.InvitationTTL = time.Hour
	_, inv, err = e.svc.Invite(e.ctx, testActor, "carol@example.com", auth.Viewer)
	must(t, err)
	if !inv.ExpiresAt.Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("with InvitationTTL 1h, expires %v", inv.ExpiresAt)
	}
}

func TestInviteValidation(t *testing.T) {
	tests := []struct {
		name   string
		email  string
		role   auth.Role
		fields []string
	}{
		// Only FirstRun makes a link without an address.
		{"no address", "", auth.Admin, []string{"email"}},
		{"blank address", "  \t", auth.Viewer, []string{"email"}},
		{"not an address", "bob", auth.Viewer, []string{"email"}},
		{"no domain", "bob@", auth.Viewer, []string{"email"}},
		{"no dot in domain", "bob@localhost", auth.Viewer, []string{"email"}},
		{"display name", "Bob <bob@example.com>", auth.Viewer, []string{"email"}},
		{"two addresses", "bob@example.com, eve@example.com", auth.Viewer, []string{"email"}},
		{"control character", "bob\x00@example.com", auth.Viewer, []string{"email"}},
		{"too long", strings.Repeat("b", 250) + "@example.com", auth.Viewer, []string{"email"}},
		{"no role", "bob@example.com", auth.Public, []string{"role"}},
		{"unknown role", "bob@example.com", "owner", []string{"role"}},
		{"role in upper case", "bob@example.com", "Admin", []string{"role"}},
		{"both wrong", "bob", "root", []string{"email", "role"}},
	}
	e := newEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, inv, err := e.svc.Invite(e.ctx, testActor, tt.email, tt.role)
			wantErr(t, err, psti.EINVALID, tt.fields...)
			if code != "" || inv != nil {
				t.Fatalf("refused Invite returned %q, %+v", code, inv)
			}
		})
	}
	invs, err := e.db.Invitations(e.ctx)
	must(t, err)
	if len(invs) != 0 {
		t.Fatalf("refused invitations were stored: %+v", invs)
	}
}

// TestFirstRunLinkVoidOnceSetUp: a link without an e-mail address lets its
// holder name any address. Once someone has been set up, a left-over
// first-run link (two servers on one database starting at once may each
// make one) must not reach an existing account.
func TestFirstRunLinkVoidOnceSetUp(t *testing.T) {
	e := newEnv(t)
	first, _, err := e.svc.FirstRun(e.ctx)
	must(t, err)
	second := strings.Repeat("S", 43) // as a second server's FirstRun would store it
	must(t, e.db.CreateInvitation(e.ctx, psti.System("first start"), &auth.Invitation{Role: auth.Admin,
		CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(72 * time.Hour)}, auth.Hash(second)))
	if _, err := e.svc.Invitation(e.ctx, second); err != nil {
		t.Fatalf("second first-run link before set-up: %v", err)
	}
	_, err = e.svc.AcceptInvitation(e.ctx, first, "ada@example.com", "Ada", goodPassword)
	must(t, err)

	_, err = e.svc.Invitation(e.ctx, second)
	wantErr(t, err, psti.ENOTFOUND)
	u, err := e.svc.AcceptInvitation(e.ctx, second, "ada@example.com", "Mallory", "mallory's new password")
	if err == nil {
		t.Fatalf("a left-over first-run link reset the password of %s (%s)", u.Email, u.Role)
	}
	wantErr(t, err, psti.ENOTFOUND)
	_, err = e.svc.AcceptInvitation(e.ctx, second, "mallory@example.com", "Mallory", "mallory's new password")
	wantErr(t, err, psti.ENOTFOUND)
	if _, err := e.svc.SignIn(e.ctx, "ada@example.com", goodPassword, "ada"); err != nil {
		t.Fatalf("Ada can no longer sign in with her own password: %v", err)
	}
	if n, _ := e.db.CountUsers(e.ctx); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
}

func TestInvitationRejects(t *testing.T) {
	e := newEnv(t)
	used, _, err := e.svc.Invite(e.ctx, testActor, "used@example.com", auth.Viewer)
	must(t, err)
	_, err = e.svc.AcceptInvitation(e.ctx, used, "", "", goodPassword)
	must(t, err)
	open, _, err := e.svc.Invite(e.ctx, testActor, "open@example.com", auth.Viewer)
	must(t, err)

	tests := []struct{ name, code string }{
		{"empty", ""},
		{"junk", "junk"},
		{"too long", open + "A"},
		{"too short", open[:42]},
		{"bad alphabet", strings.Repeat("+", 43)},
		{"with slash", "../../../../etc/passwd" + open[:21]},
		{"unknown", sampleCode(t)},
		{"used", used},
	}
	var msg string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := e.svc.Invitation(e.ctx, tt.code)
			wantErr(t, err, psti.ENOTFOUND)
			if inv != nil {
				t.Fatalf("Invitation(%q) returned %+v with its error", tt.code, inv)
			}
			// Every refusal reads the same: nothing tells a guess apart
			// from a used link.
			if msg == "" {
				msg = psti.ErrorMessage(err)
			} else if got := psti.ErrorMessage(err); got != msg {
				t.Fatalf("message %q, want the same as for other bad links: %q", got, msg)
			}
		})
	}
	if _, err := e.svc.Invitation(e.ctx, open); err != nil {
		t.Fatalf("the open invitation: %v", err)
	}
}

func TestInvitationExpires(t *testing.T) {
	e := newEnv(t)
	code, _, err := e.svc.Invite(e.ctx, testActor, "bob@example.com", auth.Viewer)
	must(t, err)
	e.clock.Add(72*time.Hour - time.Second)
	if _, err := e.svc.Invitation(e.ctx, code); err != nil {
		t.Fatalf("one second before expiry: %v", err)
	}
	e.clock.Add(time.Second)
	_, err = e.svc.Invitation(e.ctx, code)
	wantErr(t, err, psti.ENOTFOUND)
	e.clock.Add(time.Hour)
	_, err = e.svc.AcceptInvitation(e.ctx, code, "", "", goodPassword)
	wantErr(t, err, psti.ENOTFOUND)
	if _, err := e.db.UserByEmail(e.ctx, "bob@example.com"); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("an expired link created a user (err %v)", err)
	}
}

func TestAcceptInvitation(t *testing.T) {
	for _, role := range auth.Roles {
		t.Run(string(role), func(t *testing.T) {
			e := newEnv(t)
			code, _, err := e.svc.Invite(e.ctx, testActor, "Bob@Example.com", role)
			must(t, err)
			e.clock.Add(time.Hour)
			// The invitation's address wins over one typed in.
			u, err := e.svc.AcceptInvitation(e.ctx, code, "mallory@example.com", "  Bob  ", goodPassword)
			must(t, err)
			if u.ID == 0 || u.Email != "bob@example.com" || u.Name != "Bob" || u.Role != role || u.Disabled() {
				t.Fatalf("accepted user: %+v", u)
			}
			if u.PasswordChangedAt == nil || !u.PasswordChangedAt.Equal(e.clock.Now()) {
				t.Fatalf("PasswordChangedAt = %v, want %v", u.PasswordChangedAt, e.clock.Now())
			}
			stored, err := e.db.UserByEmail(e.ctx, "bob@example.com")
			must(t, err)
			if stored.ID != u.ID || stored.Role != role {
				t.Fatalf("stored user: %+v", stored)
			}
			if _, err := e.db.UserByEmail(e.ctx, "mallory@example.com"); psti.ErrorCode(err) != psti.ENOTFOUND {
				t.Fatalf("a user was made for the typed-in address (err %v)", err)
			}
			h, err := e.db.PasswordHash(e.ctx, u.ID)
			must(t, err)
			if !phcFast.MatchString(h) {
				t.Fatalf("stored hash %q was not made with the service's Params", h)
			}
			if ok, _, err := auth.CheckPassword(h, goodPassword, fast); !ok || err != nil {
				t.Fatalf("stored hash does not match the password: %v, %v", ok, err)
			}
			if _, err := e.svc.SignIn(e.ctx, "bob@example.com", goodPassword, "client"); err != nil {
				t.Fatalf("SignIn after accepting: %v", err)
			}

			// A link works once.
			_, err = e.svc.AcceptInvitation(e.ctx, code, "", "", "another good password")
			wantErr(t, err, psti.ENOTFOUND)
			inv, err := e.db.InvitationByHash(e.ctx, auth.Hash(code))
			must(t, err)
			if inv.UsedAt == nil {
				t.Fatal("the invitation is not marked used")
			}
		})
	}
}

func TestAcceptInvitationValidation(t *testing.T) {
	tests := []struct {
		name         string
		inviteEmail  string // "" for a first-run style link
		email, pname string
		password     string
		fields       []string
	}{
		{"weak password", "bob@example.com", "", "", "short", []string{"password"}},
		{"password repeated character", "bob@example.com", "", "", strings.Repeat("x", 16), []string{"password"}},
		{"password is the invited address", "bob.builder@example.com", "", "", "BOB.BUILDER@example.com", []string{"password"}},
		{"password invalid UTF-8", "bob@example.com", "", "", "abcdefghijkl\xff", []string{"password"}},
		{"password common", "bob@example.com", "", "", "password1234", []string{"password"}},
		{"password guessed quickly", "bob@example.com", "", "", "summer2026!!", []string{"password"}},
		{"password built on the address", "bob.builder@example.com", "", "", "bobbuilder2026", []string{"password"}},
		{"password built on the organisation", "bob@example.com", "", "", "AcmeDevices2026", []string{"password"}},
		{"name too long", "bob@example.com", "", strings.Repeat("n", 201), goodPassword, []string{"name"}},
		{"no address given for a link without one", "", "", "Ada", goodPassword, []string{"email"}},
		{"bad address given", "", "ada", "Ada", goodPassword, []string{"email"}},
		{"password is the given address", "", "ada.lovelace@example.com", "", "Ada.Lovelace@Example.com", []string{"password"}},
		{"everything wrong", "", "ada", strings.Repeat("n", 201), "short", []string{"email", "name", "password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.svc.PasswordWords = func(context.Context) []string { return []string{"Acme Devices Ltd"} }
			var code string
			var err error
			if tt.inviteEmail == "" {
				code, _, err = e.svc.FirstRun(e.ctx)
			} else {
				code, _, err = e.svc.Invite(e.ctx, testActor, tt.inviteEmail, auth.Editor)
			}
			must(t, err)
			u, err := e.svc.AcceptInvitation(e.ctx, code, tt.email, tt.pname, tt.password)
			wantErr(t, err, psti.EINVALID, tt.fields...)
			if u != nil {
				t.Fatalf("refused AcceptInvitation returned %+v", u)
			}
			if n, err := e.db.CountUsers(e.ctx); err != nil || n != 0 {
				t.Fatalf("after a refused accept: %d users, %v", n, err)
			}
			// The link is still good for a second, correct try.
			if _, err := e.svc.AcceptInvitation(e.ctx, code, "ada@example.com", "", goodPassword); err != nil {
				t.Fatalf("retry with good input: %v", err)
			}
		})
	}
}

func TestInvitationForExistingAddressResetsPassword(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", auth.Admin, goodPassword)
	code, _, err := e.svc.Invite(e.ctx, testActor, "bob@example.com", auth.Editor)
	must(t, err)
	bob, err := e.svc.AcceptInvitation(e.ctx, code, "", "Bob", goodPassword)
	must(t, err)

	// An invitation naming a lower role for an existing address is a
	// password reset: the role stays.
	e.clock.Add(time.Hour)
	code, _, err = e.svc.Invite(e.ctx, testActor, "BOB@example.com", auth.Viewer)
	must(t, err)
	const newPassword = "a brand new passphrase"
	u, err := e.svc.AcceptInvitation(e.ctx, code, "", "Robert", newPassword)
	must(t, err)
	if u.ID != bob.ID || u.Role != auth.Editor || u.Name != "Bob" {
		t.Fatalf("after reset: %+v; want user %d, still editor, still named Bob", u, bob.ID)
	}
	if u.PasswordChangedAt == nil || !u.PasswordChangedAt.Equal(e.clock.Now()) {
		t.Fatalf("PasswordChangedAt = %v, want %v", u.PasswordChangedAt, e.clock.Now())
	}
	if n, _ := e.db.CountUsers(e.ctx); n != 2 {
		t.Fatalf("%d users after a reset, want 2", n)
	}
	_, err = e.svc.SignIn(e.ctx, "bob@example.com", goodPassword, "c")
	wantErr(t, err, psti.EUNAUTHORIZED)
	got, err := e.svc.SignIn(e.ctx, "bob@example.com", newPassword, "c")
	must(t, err)
	if got.Role != auth.Editor {
		t.Fatalf("signed-in role %q, want editor", got.Role)
	}
}

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	ada := e.addUser("ada@example.com", auth.Admin, goodPassword)
	for _, email := range []string{"ada@example.com", "ADA@Example.com", "  ada@example.com\n"} {
		u, err := e.svc.SignIn(e.ctx, email, goodPassword, "192.0.2.1")
		if err != nil {
			t.Fatalf("SignIn(%q): %v", email, err)
		}
		if u.ID != ada.ID || u.Email != "ada@example.com" || u.Role != auth.Admin {
			t.Fatalf("SignIn(%q) = %+v", email, u)
		}
	}

	_, errWrong := e.svc.SignIn(e.ctx, "ada@example.com", "not the password", "192.0.2.1")
	wantErr(t, errWrong, psti.EUNAUTHORIZED)
	_, errUnknown := e.svc.SignIn(e.ctx, "nobody@example.com", goodPassword, "192.0.2.1")
	wantErr(t, errUnknown, psti.EUNAUTHORIZED)
	_, errLong := e.svc.SignIn(e.ctx, "ada@example.com", strings.Repeat("x", 4*auth.MaxPasswordLen+1), "192.0.2.1")
	wantErr(t, errLong, psti.EUNAUTHORIZED)
	_, errEmpty := e.svc.SignIn(e.ctx, "ada@example.com", "", "192.0.2.1")
	wantErr(t, errEmpty, psti.EUNAUTHORIZED)
	// Nothing in the answer tells which addresses have accounts.
	for _, err := range []error{errUnknown, errLong, errEmpty} {
		if psti.ErrorMessage(err) != psti.ErrorMessage(errWrong) || err.Error() != errWrong.Error() {
			t.Fatalf("message %q differs from the wrong-password message %q", err, errWrong)
		}
	}
	// Case and spaces do not matter for the password: they do.
	_, err := e.svc.SignIn(e.ctx, "ada@example.com", strings.ToUpper(goodPassword), "192.0.2.2")
	wantErr(t, err, psti.EUNAUTHORIZED)
}

func TestSignInLongestPassword(t *testing.T) {
	e := newEnv(t)
	// 256 characters of 4 bytes each: the longest password there is (no
	// pattern in them, so that it passes the strength check too).
	var b strings.Builder
	for i := range auth.MaxPasswordLen {
		b.WriteRune(rune(0x1F300 + i*37%512))
	}
	longest := b.String()
	if len(longest) != 4*auth.MaxPasswordLen {
		t.Fatalf("test password has %d bytes", len(longest))
	}
	e.addUser("ada@example.com", auth.Admin, longest)
	if _, err := e.svc.SignIn(e.ctx, "ada@example.com", longest, "c"); err != nil {
		t.Fatalf("SignIn with the longest allowed password: %v", err)
	}
	_, err := e.svc.SignIn(e.ctx, "ada@example.com", longest+"x", "c")
	wantErr(t, err, psti.EUNAUTHORIZED)
}

func TestSignInWithoutPassword(t *testing.T) {
	e := newEnv(t)
	ada := e.addUser("ada@example.com", auth.Admin, goodPassword)
	// An account whose password was cleared cannot be signed in to, and
	// looks like any failed sign-in.
	must(t, e.db.SetPasswordHash(e.ctx, testActor, ada.ID, "", e.clock.Now()))
	_, errNone := e.svc.SignIn(e.ctx, "ada@example.com", goodPassword, "c")
	wantErr(t, errNone, psti.EUNAUTHORIZED)
	_, errUnknown := e.svc.SignIn(e.ctx, "nobody@example.com", goodPassword, "c")
	if errNone.Error() != errUnknown.Error() {
		t.Fatalf("no password set says %q, unknown account %q", errNone, errUnknown)
	}
	err := e.svc.ChangePassword(e.ctx, ada, "", "a brand new passphrase")
	wantErr(t, err, psti.EINVALID, "current_password")
	// Such attempts count as failures.
	for range 4 {
		_, _ = e.svc.SignIn(e.ctx, "ada@example.com", goodPassword, "c")
	}
	_, err = e.svc.SignIn(e.ctx, "ada@example.com", goodPassword, "c")
	wantErr(t, err, psti.ETOOMANY)
}

func TestSignInThrottled(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", auth.Admin, goodPassword)
	for i := range 5 {
		_, err := e.svc.SignIn(e.ctx, "ada@example.com", "wrong password", "192.0.2.1")
		if psti.ErrorCode(err) != psti.EUNAUTHORIZED {
			t.Fatalf("failure %d: %v, want EUNAUTHORIZED", i+1, err)
		}
	}
	// Now even the right password is refused from that address, without
	// being looked at; the account counts however it is written.
	for _, email := range []string{"ada@example.com", "ADA@example.com "} {
		_, err := e.svc.SignIn(e.ctx, email, goodPassword, "192.0.2.1")
		wantErr(t, err, psti.ETOOMANY)
		if !strings.Contains(psti.ErrorMessage(err), "seconds") {
			t.Fatalf("throttled message %q does not say how long to wait", psti.ErrorMessage(err))
		}
	}
	// But whoever sent those five guesses has not locked the owner out:
	// from an address that has not been guessing, the right password works.
	if _, err := e.svc.SignIn(e.ctx, "ada@example.com", goodPassword, "198.51.100.2"); err != nil {
		t.Fatalf("the right password from another address: %v", err)
	}
	// Another account from the same client is not affected.
	e.addUser("bob@example.com", auth.Viewer, goodPassword)
	if _, err := e.svc.SignIn(e.ctx, "bob@example.com", goodPassword, "192.0.2.1"); err != nil {
		t.Fatalf("other account: %v", err)
	}
	e.clock.Add(61 * time.Second)
	if _, err := e.svc.SignIn(e.ctx, "ada@example.com", goodPassword, "192.0.2.1"); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
}

func TestSignInThrottledUnknownAccount(t *testing.T) {
	e := newEnv(t)
	for range 5 {
		_, err := e.svc.SignIn(e.ctx, "nobody@example.com", "guess guess guess", "192.0.2.1")
		wantErr(t, err, psti.EUNAUTHORIZED)
	}
	_, err := e.svc.SignIn(e.ctx, "nobody@example.com", "guess guess guess", "192.0.2.1")
	wantErr(t, err, psti.ETOOMANY)
}

func TestSignInThrottledClient(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", auth.Admin, goodPassword)
	// One client guessing at many addresses runs out after 20 tries.
	for i := range 20 {
		_, err := e.svc.SignIn(e.ctx, strings.Repeat("x", i+1)+"@example.com", "guess guess guess", "203.0.113.9")
		wantErr(t, err, psti.EUNAUTHORIZED)
	}
	_, err := e.svc.SignIn(e.ctx, "ada@example.com", goodPassword, "203.0.113.9")
	wantErr(t, err, psti.ETOOMANY)
	if _, err := e.svc.SignIn(e.ctx, "ada@example.com", goodPassword, "192.0.2.1"); err != nil {
		t.Fatalf("from another client: %v", err)
	}
}

func TestSignInDisabled(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", auth.Admin, goodPassword)
	bob := e.addUser("bob@example.com", auth.Editor, goodPassword)
	e.disable(bob)

	_, err := e.svc.SignIn(e.ctx, "bob@example.com", goodPassword, "192.0.2.1")
	wantErr(t, err, psti.EUNAUTHORIZED)
	if !strings.Contains(psti.ErrorMessage(err), "disabled") {
		t.Fatalf("message %q does not say the account is disabled", psti.ErrorMessage(err))
	}
	// With a wrong password a disabled account looks like any other.
	_, errWrong := e.svc.SignIn(e.ctx, "bob@example.com", "wrong password", "192.0.2.1")
	wantErr(t, errWrong, psti.EUNAUTHORIZED)
	_, errUnknown := e.svc.SignIn(e.ctx, "nobody@example.com", "wrong password", "192.0.2.1")
	if errWrong.Error() != errUnknown.Error() {
		t.Fatalf("wrong password for a disabled account says %q, unknown account %q", errWrong, errUnknown)
	}
}

func TestSignInUpgradesHash(t *testing.T) {
	e := newEnv(t)
	ada := e.addUser("ada@example.com", auth.Admin, goodPassword)
	before, err := e.db.PasswordHash(e.ctx, ada.ID)
	must(t, err)

	// Weaker wanted params leave the hash alone.
	e.svc.Params = auth.Params{Memory: 512, Time: 1, Threads: 1}
	_, err = e.svc.SignIn(e.ctx, "ada@example.com", goodPassword, "c")
	must(t, err)
	if h, _ := e.db.PasswordHash(e.ctx, ada.ID); h != before {
		t.Fatalf("hash replaced although the stored one is stronger: %q", h)
	}

	// Stronger ones replace it at the next sign-in, without changing
	// PasswordChangedAt (so sessions stay valid).
	e.clock.Add(time.Hour)
	stronger := auth.Params{Memory: 2048, Time: 2, Threads: 1}
	e.svc.Params = stronger
	_, err = e.svc.SignIn(e.ctx, "ada@example.com", goodPassword, "c")
	must(t, err)
	after, err := e.db.PasswordHash(e.ctx, ada.ID)
	must(t, err)
	if !strings.HasPrefix(after, "$argon2id$v=19$m=2048,t=2,p=1$") {
		t.Fatalf("hash after sign-in with stronger params: %q", after)
	}
	if ok, rehash, err := auth.CheckPassword(after, goodPassword, stronger); !ok || rehash || err != nil {
		t.Fatalf("upgraded hash: %v, %v, %v", ok, rehash, err)
	}
	u, err := e.db.User(e.ctx, ada.ID)
	must(t, err)
	if u.PasswordChangedAt == nil || !u.PasswordChangedAt.Equal(*ada.PasswordChangedAt) {
		t.Fatalf("PasswordChangedAt moved from %v to %v on a rehash", ada.PasswordChangedAt, u.PasswordChangedAt)
	}
	// A wrong password never rewrites the hash.
	e.svc.Params = auth.Params{Memory: 4096, Time: 2, Threads: 1}
	_, err = e.svc.SignIn(e.ctx, "ada@example.com", "wrong password", "c")
	wantErr(t, err, psti.EUNAUTHORIZED)
	if h, _ := e.db.PasswordHash(e.ctx, ada.ID); h != after {
		t.Fatalf("hash rewritten after a wrong password: %q", h)
	}
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	e.svc.PasswordWords = func(context.Context) []string { return []string{"Acme Devices Ltd"} }
	ada := e.addUser("ada.lovelace@example.com", auth.Admin, goodPassword)
	before, err := e.db.PasswordHash(e.ctx, ada.ID)
	must(t, err)

	tests := []struct {
		name, current, next string
		fields              []string
	}{
		{"wrong current", "wrong password!", "a brand new passphrase", []string{"current_password"}},
		{"empty current", "", "a brand new passphrase", []string{"current_password"}},
		{"right current, too short", goodPassword, "short", []string{"password"}},
		{"right current, the address", goodPassword, "Ada.Lovelace@example.com", []string{"password"}},
		{"right current, one character", goodPassword, strings.Repeat("z", 20), []string{"password"}},
		{"right current, a common password", goodPassword, "password1234", []string{"password"}},
		{"right current, guessed quickly", goodPassword, "Password1234!", []string{"password"}},
		{"right current, the organisation's name", goodPassword, "acmedevices2026", []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.svc.ChangePassword(e.ctx, ada, tt.current, tt.next)
			wantErr(t, err, psti.EINVALID, tt.fields...)
			if h, _ := e.db.PasswordHash(e.ctx, ada.ID); h != before {
				t.Fatal("the password changed although ChangePassword failed")
			}
		})
	}

	e.clock.Add(time.Hour)
	const next = "a brand new passphrase"
	must(t, e.svc.ChangePassword(e.ctx, ada, goodPassword, next))
	u, err := e.db.User(e.ctx, ada.ID)
	must(t, err)
	if u.PasswordChangedAt == nil || !u.PasswordChangedAt.Equal(e.clock.Now()) {
		t.Fatalf("PasswordChangedAt = %v, want %v", u.PasswordChangedAt, e.clock.Now())
	}
	_, err = e.svc.SignIn(e.ctx, ada.Email, goodPassword, "c")
	wantErr(t, err, psti.EUNAUTHORIZED)
	if _, err := e.svc.SignIn(e.ctx, ada.Email, next, "c"); err != nil {
		t.Fatalf("SignIn with the new password: %v", err)
	}
	// The old password no longer counts as the current one.
	err = e.svc.ChangePassword(e.ctx, ada, goodPassword, "yet another passphrase")
	wantErr(t, err, psti.EINVALID, "current_password")
}

func TestCreateToken(t *testing.T) {
	e := newEnv(t)
	ada := e.addUser("ada@example.com", auth.Admin, goodPassword)
	ed := e.addUser("ed@example.com", auth.Editor, goodPassword)
	admin := psti.Actor{UserID: ada.ID, Label: ada.Email}
	expires := e.clock.Now().Add(24 * time.Hour)

	secret, tok, err := e.svc.CreateToken(e.ctx, admin, ed.ID, "  factory line 3 ", auth.Editor, &expires)
	must(t, err)
	checkToken(t, secret)
	if got, ok := auth.ParseBearer("Bearer " + secret); !ok || got != secret {
		t.Fatalf("ParseBearer does not accept the new secret %q", secret)
	}
	if tok.ID == 0 || tok.UserID != ed.ID || tok.UserEmail != ed.Email || tok.Name != "factory line 3" || tok.Role != auth.Editor {
		t.Fatalf("token: %+v", tok)
	}
	if tok.Hint != secret[:11] || !strings.HasPrefix(tok.Hint, auth.TokenPrefix) {
		t.Fatalf("hint %q, want the first 11 characters of %q", tok.Hint, secret)
	}
	if tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(expires) || !tok.CreatedAt.Equal(e.clock.Now()) {
		t.Fatalf("token times: created %v, expires %v", tok.CreatedAt, tok.ExpiresAt)
	}
	stored, owner, err := e.db.TokenByHash(e.ctx, auth.Hash(secret))
	must(t, err)
	if stored.ID != tok.ID || owner.ID != ed.ID || stored.Hint != tok.Hint {
		t.Fatalf("stored token %+v, owner %+v", stored, owner)
	}
	// Tokens never repeat, and one without expiry is fine.
	secret2, tok2, err := e.svc.CreateToken(e.ctx, admin, ed.ID, "backup", auth.Viewer, nil)
	must(t, err)
	if secret2 == secret || tok2.ID == tok.ID || tok2.ExpiresAt != nil {
		t.Fatalf("second token: %q %+v", secret2, tok2)
	}
}

func TestCreateTokenValidation(t *testing.T) {
	e := newEnv(t)
	ada := e.addUser("ada@example.com", auth.Admin, goodPassword)
	ed := e.addUser("ed@example.com", auth.Editor, goodPassword)
	vi := e.addUser("vi@example.com", auth.Viewer, goodPassword)
	gone := e.addUser("gone@example.com", auth.Admin, goodPassword)
	e.disable(gone)
	now := e.clock.Now()
	past, future := now.Add(-time.Second), now.Add(time.Hour)

	tests := []struct {
		name    string
		user    int64
		tname   string
		role    auth.Role
		expires *time.Time
		fields  []string
	}{
		{"admin token for an editor", ed.ID, "t", auth.Admin, nil, []string{"role"}},
		{"editor token for a viewer", vi.ID, "t", auth.Editor, nil, []string{"role"}},
		{"admin token for a viewer", vi.ID, "t", auth.Admin, nil, []string{"role"}},
		{"no role", ada.ID, "t", auth.Public, nil, []string{"role"}},
		{"unknown role", ada.ID, "t", "root", nil, []string{"role"}},
		{"no name", ada.ID, "   ", auth.Viewer, nil, []string{"name"}},
		{"name too long", ada.ID, strings.Repeat("n", 201), auth.Viewer, nil, []string{"name"}},
		{"expiry in the past", ada.ID, "t", auth.Viewer, &past, []string{"expires_at"}},
		{"expiry now", ada.ID, "t", auth.Viewer, &now, []string{"expires_at"}},
		{"disabled owner", gone.ID, "t", auth.Viewer, &future, []string{"user"}},
		{"everything wrong", vi.ID, "", auth.Admin, &past, []string{"name", "role", "expires_at"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret, tok, err := e.svc.CreateToken(e.ctx, testActor, tt.user, tt.tname, tt.role, tt.expires)
			wantErr(t, err, psti.EINVALID, tt.fields...)
			if secret != "" || tok != nil {
				t.Fatalf("refused CreateToken returned %q, %+v", secret, tok)
			}
		})
	}
	_, _, err := e.svc.CreateToken(e.ctx, testActor, 9999, "t", auth.Viewer, nil)
	wantErr(t, err, psti.ENOTFOUND)

	list, err := e.db.Tokens(e.ctx, 0)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("refused tokens were stored: %+v", list)
	}
	// Equal or lower roles are fine.
	for _, r := range []auth.Role{auth.Viewer, auth.Editor} {
		if _, _, err := e.svc.CreateToken(e.ctx, testActor, ed.ID, "ok", r, &future); err != nil {
			t.Fatalf("%s token for an editor: %v", r, err)
		}
	}
}

// failingReader stands in for a broken random source.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestRandomSource(t *testing.T) {
	e := newEnv(t)
	ada := e.addUser("ada@example.com", auth.Admin, goodPassword)

	// Secrets are read from Rand: 32 bytes each.
	e.svc.Rand = bytes.NewReader(make([]byte, 32))
	secret, _, err := e.svc.CreateToken(e.ctx, testActor, ada.ID, "zeros", auth.Viewer, nil)
	must(t, err)
	if want := "psti_" + strings.Repeat("a", 52); secret != want {
		t.Fatalf("token from 32 zero bytes = %q, want %q", secret, want)
	}
	e.svc.Rand = bytes.NewReader(bytes.Repeat([]byte{0xff}, 32))
	code, _, err := e.svc.Invite(e.ctx, testActor, "bob@example.com", auth.Viewer)
	must(t, err)
	if want := strings.Repeat("_", 42) + "8"; code != want {
		t.Fatalf("setup code from 32 0xff bytes = %q, want %q", code, want)
	}

	// A failing or short source is an error, and nothing is stored.
	for _, src := range []struct {
		name string
		r    func() io.Reader
	}{
		{"failing", func() io.Reader { return failingReader{} }},
		{"short", func() io.Reader { return bytes.NewReader(make([]byte, 31)) }},
	} {
		t.Run(src.name, func(t *testing.T) {
			e.svc.Rand = src.r()
			if code, _, err := e.svc.Invite(e.ctx, testActor, "carol@example.com", auth.Viewer); err == nil {
				t.Fatalf("Invite with a %s random source = %q", src.name, code)
			}
			e.svc.Rand = src.r()
			if secret, _, err := e.svc.CreateToken(e.ctx, testActor, ada.ID, "x", auth.Viewer, nil); err == nil {
				t.Fatalf("CreateToken with a %s random source = %q", src.name, secret)
			}
		})
	}
	invs, err := e.db.Invitations(e.ctx)
	must(t, err)
	toks, err := e.db.Tokens(e.ctx, 0)
	must(t, err)
	if len(invs) != 2 || len(toks) != 1 { // ada's, bob's; the zeros token
		t.Fatalf("%d invitations and %d tokens stored, want 2 and 1", len(invs), len(toks))
	}
}

func TestAuthenticate(t *testing.T) {
	tests := []struct {
		owner, token, want auth.Role
	}{
		{auth.Admin, auth.Admin, auth.Admin},
		{auth.Admin, auth.Editor, auth.Editor},
		{auth.Admin, auth.Viewer, auth.Viewer},
		{auth.Editor, auth.Editor, auth.Editor},
		{auth.Editor, auth.Viewer, auth.Viewer},
		{auth.Viewer, auth.Viewer, auth.Viewer},
	}
	for _, tt := range tests {
		t.Run(string(tt.owner)+"/"+string(tt.token), func(t *testing.T) {
			e := newEnv(t)
			e.addUser("root@example.com", auth.Admin, goodPassword)
			u := e.addUser("owner@example.com", tt.owner, goodPassword)
			secret, tok, err := e.svc.CreateToken(e.ctx, testActor, u.ID, "t", tt.token, nil)
			must(t, err)
			for _, h := range []string{"Bearer " + secret, "bearer " + secret} {
				p, err := e.svc.Authenticate(e.ctx, h)
				must(t, err)
				if p.Role != tt.want || p.User.ID != u.ID || p.User.Role != tt.owner || p.Token == nil || p.Token.ID != tok.ID || p.Token.Role != tt.token {
					t.Fatalf("principal: role %q, user %+v, token %+v", p.Role, p.User, p.Token)
				}
				if a := p.Actor(); a.UserID != u.ID || a.TokenID != tok.ID || a.Label != u.Email {
					t.Fatalf("actor %+v", a)
				}
			}
		})
	}
}

func TestAuthenticateFollowsOwnerRole(t *testing.T) {
	e := newEnv(t)
	e.addUser("root@example.com", auth.Admin, goodPassword)
	u := e.addUser("owner@example.com", auth.Admin, goodPassword)
	secret, _, err := e.svc.CreateToken(e.ctx, testActor, u.ID, "t", auth.Editor, nil)
	must(t, err)
	// Demoting the owner demotes the token at once.
	e.setRole(u, auth.Viewer)
	p, err := e.svc.Authenticate(e.ctx, "Bearer "+secret)
	must(t, err)
	if p.Role != auth.Viewer {
		t.Fatalf("after demoting the owner, token role %q, want viewer", p.Role)
	}
	// Promoting again never lifts the token above its own role.
	e.setRole(u, auth.Admin)
	p, err = e.svc.Authenticate(e.ctx, "Bearer "+secret)
	must(t, err)
	if p.Role != auth.Editor {
		t.Fatalf("after promoting the owner, token role %q, want editor", p.Role)
	}
}

func TestAuthenticateRefuses(t *testing.T) {
	e := newEnv(t)
	ada := e.addUser("ada@example.com", auth.Admin, goodPassword)
	bob := e.addUser("bob@example.com", auth.Editor, goodPassword)
	newToken := func(u *auth.User, expires *time.Time) (string, *auth.Token) {
		t.Helper()
		s, tok, err := e.svc.CreateToken(e.ctx, testActor, u.ID, "t", auth.Viewer, expires)
		must(t, err)
		return s, tok
	}
	valid, _ := newToken(ada, nil)
	revoked, revokedTok := newToken(ada, nil)
	must(t, e.db.RevokeToken(e.ctx, testActor, revokedTok.ID, e.clock.Now()))
	inHour := e.clock.Now().Add(time.Hour)
	expiring, _ := newToken(ada, &inHour)
	ofDisabled, _ := newToken(bob, nil)
	e.disable(bob)

	// Before expiry the expiring token works.
	e.clock.Add(59 * time.Minute)
	if _, err := e.svc.Authenticate(e.ctx, "Bearer "+expiring); err != nil {
		t.Fatalf("a minute before expiry: %v", err)
	}
	e.clock.Add(time.Minute)

	tests := []struct{ name, header string }{
		{"revoked", "Bearer " + revoked},
		{"expired", "Bearer " + expiring},
		{"owner disabled", "Bearer " + ofDisabled},
		{"unknown but well formed", "Bearer " + sampleToken(t)},
		{"empty", ""},
		{"garbage", "garbage"},
		{"basic auth", "Basic YWRhOnBhc3N3b3Jk"},
		{"token without scheme", valid},
		{"upper-cased token", "Bearer " + strings.ToUpper(valid)},
		{"truncated token", "Bearer " + valid[:len(valid)-1]},
		{"token with one character changed", "Bearer " + valid[:len(valid)-1] + map[bool]string{true: "b", false: "a"}[valid[len(valid)-1] == 'a']},
	}
	var msg string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.svc.Authenticate(e.ctx, tt.header)
			wantErr(t, err, psti.EUNAUTHORIZED)
			if p != nil {
				t.Fatalf("refused Authenticate returned %+v", p)
			}
			if msg == "" {
				msg = err.Error()
			} else if err.Error() != msg {
				t.Fatalf("message %q, want the same for every refusal: %q", err, msg)
			}
		})
	}
	if _, err := e.svc.Authenticate(e.ctx, "Bearer "+valid); err != nil {
		t.Fatalf("the valid token: %v", err)
	}
}

func TestAuthenticateRecordsUse(t *testing.T) {
	e := newEnv(t)
	ada := e.addUser("ada@example.com", auth.Admin, goodPassword)
	secret, _, err := e.svc.CreateToken(e.ctx, testActor, ada.ID, "t", auth.Viewer, nil)
	must(t, err)
	lastUsed := func() *time.Time {
		t.Helper()
		tok, _, err := e.db.TokenByHash(e.ctx, auth.Hash(secret))
		must(t, err)
		return tok.LastUsedAt
	}
	if lu := lastUsed(); lu != nil {
		t.Fatalf("a new token was last used at %v", lu)
	}
	use := func() {
		t.Helper()
		if _, err := e.svc.Authenticate(e.ctx, "Bearer "+secret); err != nil {
			t.Fatal(err)
		}
	}
	first := e.clock.Now()
	use()
	if lu := lastUsed(); lu == nil || !lu.Equal(first) {
		t.Fatalf("after first use, LastUsedAt = %v, want %v", lu, first)
	}
	for _, d := range []time.Duration{time.Second, 30 * time.Second, time.Minute} {
		e.clock.Set(first.Add(d))
		use()
		if lu := lastUsed(); lu == nil || !lu.Equal(first) {
			t.Fatalf("%v after the first use, LastUsedAt = %v; want it left at %v", d, lu, first)
		}
	}
	second := first.Add(time.Minute + time.Second)
	e.clock.Set(second)
	use()
	if lu := lastUsed(); lu == nil || !lu.Equal(second) {
		t.Fatalf("61s after the first use, LastUsedAt = %v, want %v", lu, second)
	}
	e.clock.Set(second.Add(30 * time.Second))
	use()
	if lu := lastUsed(); !lu.Equal(second) {
		t.Fatalf("30s after the second record, LastUsedAt = %v, want %v", lu, second)
	}
	// A refused token is not recorded as used.
	tok, _, err := e.db.TokenByHash(e.ctx, auth.Hash(secret))
	must(t, err)
	must(t, e.db.RevokeToken(e.ctx, testActor, tok.ID, e.clock.Now()))
	e.clock.Set(second.Add(5 * time.Minute))
	_, err = e.svc.Authenticate(e.ctx, "Bearer "+secret)
	wantErr(t, err, psti.EUNAUTHORIZED)
	if lu := lastUsed(); !lu.Equal(second) {
		t.Fatalf("a refused use moved LastUsedAt to %v", lu)
	}
}

// TestPartialParams checks that cost settings with some fields left at zero
// take those from the defaults instead of failing.
func TestPartialParams(t *testing.T) {
	e := newEnv(t)
	e.svc.Params = auth.Params{Memory: 2048, Time: 2}
	u := e.addUser("ada@example.com", auth.Admin, goodPassword)
	phc, err := e.db.PasswordHash(e.ctx, u.ID)
	must(t, err)
	if !strings.Contains(phc, "m=2048,t=2,p=1$") {
		t.Fatalf("hash %q does not carry m=2048,t=2 and the default one lane", phc)
	}
}

// TestSignInBurstIsThrottled sends many wrong passwords for one account at
// the same moment: only the account's burst may be checked, the rest must
// be refused as throttled, whatever the timing.
func TestSignInBurstIsThrottled(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", auth.Admin, goodPassword)
	const n = 60
	codes := make(chan psti.Code, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := e.svc.SignIn(e.ctx, "ada@example.com", "wrong guess "+strconv.Itoa(i), "198.51.100.7")
			codes <- psti.ErrorCode(err)
		})
	}
	wg.Wait()
	close(codes)
	checked := 0
	for c := range codes {
		switch c {
		case psti.EUNAUTHORIZED:
			checked++
		case psti.ETOOMANY:
		default:
			t.Fatalf("unexpected outcome %q", c)
		}
	}
	if checked > 5 {
		t.Fatalf("%d simultaneous wrong passwords were checked; the account allows 5", checked)
	}
	// The right password is refused too from the guessing address, and
	// accepted from another.
	if _, err := e.svc.SignIn(e.ctx, "ada@example.com", goodPassword, "198.51.100.7"); psti.ErrorCode(err) != psti.ETOOMANY {
		t.Fatalf("right password from the guessing address: %v", err)
	}
	if _, err := e.svc.SignIn(e.ctx, "ada@example.com", goodPassword, "198.51.100.8"); err != nil {
		t.Fatalf("right password from another address: %v", err)
	}
}

// TestSignInRefusesHugeAddresses checks that an absurd address is refused
// without creating throttle state for it.
func TestSignInRefusesHugeAddresses(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.SignIn(e.ctx, strings.Repeat("a", 60000)+"@example.com", "x", "198.51.100.9")
	if psti.ErrorCode(err) != psti.EUNAUTHORIZED {
		t.Fatalf("%v", err)
	}
}
