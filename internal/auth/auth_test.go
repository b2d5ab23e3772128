package auth_test

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
)

func TestRoles(t *testing.T) {
	if want := []auth.Role{auth.Viewer, auth.Editor, auth.Admin}; !slices.Equal(auth.Roles, want) {
		t.Fatalf("Roles = %q, want %q (lowest first)", auth.Roles, want)
	}
	for _, r := range auth.Roles {
		if !r.Valid() {
			t.Errorf("%q.Valid() = false", r)
		}
	}
	for _, r := range []auth.Role{auth.Public, "owner", "Admin", "ADMIN", " admin", "viewer "} {
		if r.Valid() {
			t.Errorf("%q.Valid() = true, want false", r)
		}
	}
}

func TestRoleAllows(t *testing.T) {
	tests := []struct {
		have, need auth.Role
		want       bool
	}{
		{auth.Viewer, auth.Public, true},
		{auth.Viewer, auth.Viewer, true},
		{auth.Viewer, auth.Editor, false},
		{auth.Viewer, auth.Admin, false},
		{auth.Editor, auth.Viewer, true},
		{auth.Editor, auth.Editor, true},
		{auth.Editor, auth.Admin, false},
		{auth.Admin, auth.Public, true},
		{auth.Admin, auth.Viewer, true},
		{auth.Admin, auth.Editor, true},
		{auth.Admin, auth.Admin, true},
		{auth.Public, auth.Public, true},
		{auth.Public, auth.Viewer, false},
		{"bogus", auth.Viewer, false},
	}
	for _, tt := range tests {
		if got := tt.have.Allows(tt.need); got != tt.want {
			t.Errorf("%q.Allows(%q) = %v, want %v", tt.have, tt.need, got, tt.want)
		}
	}
}

func TestLower(t *testing.T) {
	tests := []struct{ a, b, want auth.Role }{
		{auth.Viewer, auth.Admin, auth.Viewer},
		{auth.Admin, auth.Viewer, auth.Viewer},
		{auth.Editor, auth.Admin, auth.Editor},
		{auth.Admin, auth.Editor, auth.Editor},
		{auth.Admin, auth.Admin, auth.Admin},
		{auth.Editor, auth.Viewer, auth.Viewer},
		// Anything that is not a role ranks below every role.
		{auth.Public, auth.Admin, auth.Public},
		{auth.Admin, "bogus", "bogus"},
	}
	for _, tt := range tests {
		if got := auth.Lower(tt.a, tt.b); got != tt.want {
			t.Errorf("Lower(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ada@example.com", "ada@example.com"},
		{"Ada@Example.COM", "ada@example.com"},
		{"  ada@example.com\t\n", "ada@example.com"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := auth.NormalizeEmail(tt.in); got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHash(t *testing.T) {
	// SHA-256 test vector (FIPS 180-2, "abc").
	const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := hex.EncodeToString(auth.Hash("abc")); got != abc {
		t.Fatalf("Hash(abc) = %s, want %s", got, abc)
	}
	if len(auth.Hash("")) != 32 {
		t.Fatalf("Hash is %d bytes, want 32", len(auth.Hash("")))
	}
	if string(auth.Hash("psti_a")) == string(auth.Hash("psti_b")) {
		t.Fatal("different secrets hash alike")
	}
}

func TestUserValidate(t *testing.T) {
	tests := []struct {
		name   string
		user   auth.User
		fields []string
	}{
		{"ok", auth.User{Email: "ada@example.com", Name: "Ada", Role: auth.Admin}, nil},
		{"no name is fine", auth.User{Email: "ada@example.com", Role: auth.Viewer}, nil},
		{"no email", auth.User{Role: auth.Viewer}, []string{"email"}},
		{"bad email", auth.User{Email: "ada", Role: auth.Viewer}, []string{"email"}},
		{"email without dot in domain", auth.User{Email: "ada@localhost", Role: auth.Viewer}, []string{"email"}},
		{"display name in email", auth.User{Email: "Ada <ada@example.com>", Role: auth.Viewer}, []string{"email"}},
		{"name too long", auth.User{Email: "ada@example.com", Name: strings.Repeat("n", 201), Role: auth.Viewer}, []string{"name"}},
		{"name with control character", auth.User{Email: "ada@example.com", Name: "Ada\x00", Role: auth.Viewer}, []string{"name"}},
		{"no role", auth.User{Email: "ada@example.com"}, []string{"role"}},
		{"unknown role", auth.User{Email: "ada@example.com", Role: "root"}, []string{"role"}},
		{"everything wrong", auth.User{Email: "x", Name: "\x01", Role: "root"}, []string{"email", "name", "role"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.user.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			wantErr(t, err, psti.EINVALID, tt.fields...)
		})
	}
}
