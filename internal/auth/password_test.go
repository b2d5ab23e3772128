package auth_test

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
)

// phcFast is the shape of a hash made with the fast params: a 16-byte salt
// and a 32-byte key in unpadded standard base64.
var phcFast = regexp.MustCompile(`^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPasswordRoundTrip(t *testing.T) {
	for _, pw := range []string{goodPassword, "", "pässwörd mit ümläuten 🙂", strings.Repeat("x", auth.MaxPasswordLen)} {
		h, err := auth.HashPassword(pw, fast)
		must(t, err)
		if !phcFast.MatchString(h) {
			t.Fatalf("HashPassword(%q) = %q, not an argon2id PHC string with the given params", pw, h)
		}
		ok, rehash, err := auth.CheckPassword(h, pw, fast)
		if err != nil || !ok || rehash {
			t.Fatalf("CheckPassword(right password %q) = %v, %v, %v; want true, false, nil", pw, ok, rehash, err)
		}
	}
}

func TestHashPasswordSalted(t *testing.T) {
	a, err := auth.HashPassword(goodPassword, fast)
	must(t, err)
	b, err := auth.HashPassword(goodPassword, fast)
	must(t, err)
	if a == b {
		t.Fatal("two hashes of the same password are equal: the salt is not random")
	}
	if strings.Split(a, "$")[4] == strings.Split(b, "$")[4] {
		t.Fatal("two hashes share a salt")
	}
}

func TestCheckPasswordWrong(t *testing.T) {
	h, err := auth.HashPassword(goodPassword, fast)
	must(t, err)
	for _, pw := range []string{"", "correct horse battery stapl", "correct horse battery staple ", "Correct horse battery staple", goodPassword + goodPassword} {
		ok, _, err := auth.CheckPassword(h, pw, fast)
		if err != nil {
			t.Fatalf("CheckPassword(%q): %v", pw, err)
		}
		if ok {
			t.Errorf("CheckPassword accepted wrong password %q", pw)
		}
	}
}

// TestCheckPasswordTamperedKey flips each byte of the stored key in turn:
// the whole key is compared, not a prefix.
func TestCheckPasswordTamperedKey(t *testing.T) {
	h, err := auth.HashPassword(goodPassword, fast)
	must(t, err)
	parts := strings.Split(h, "$")
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	must(t, err)
	for i := range key {
		bad := append([]byte(nil), key...)
		bad[i] ^= 0x01
		parts[5] = base64.RawStdEncoding.EncodeToString(bad)
		ok, _, err := auth.CheckPassword(strings.Join(parts, "$"), goodPassword, fast)
		if err != nil || ok {
			t.Fatalf("key byte %d changed: CheckPassword = %v, %v; want false, nil", i, ok, err)
		}
	}
	// A different salt gives a different key too.
	parts = strings.Split(h, "$")
	parts[4] = base64.RawStdEncoding.EncodeToString([]byte("another salt 16b"))
	if ok, _, err := auth.CheckPassword(strings.Join(parts, "$"), goodPassword, fast); err != nil || ok {
		t.Fatalf("salt changed: CheckPassword = %v, %v; want false, nil", ok, err)
	}
}

func TestDefaultParams(t *testing.T) {
	if auth.DefaultParams != (auth.Params{Memory: 46 * 1024, Time: 1, Threads: 1}) {
		t.Fatalf("DefaultParams = %+v, want the OWASP argon2id recommendation (46 MiB, t=1, p=1)", auth.DefaultParams)
	}
	h, err := auth.HashPassword(goodPassword, auth.DefaultParams)
	must(t, err)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=47104,t=1,p=1$") {
		t.Fatalf("hash with DefaultParams: %q", h)
	}
	ok, rehash, err := auth.CheckPassword(h, goodPassword, auth.DefaultParams)
	if err != nil || !ok || rehash {
		t.Fatalf("CheckPassword = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	if ok, _, _ := auth.CheckPassword(h, "wrong password!", auth.DefaultParams); ok {
		t.Fatal("wrong password accepted")
	}
	// A hash made with the defaults is stronger than the fast params.
	if _, rehash, _ := auth.CheckPassword(h, goodPassword, fast); rehash {
		t.Fatal("rehash asked for although the stored params are stronger than wanted")
	}
}

// phc builds a PHC string by hand, straight from x/crypto/argon2, to check
// that CheckPassword reads the standard format and not just its own output.
func phc(password string, salt []byte, p auth.Params, keyLen uint32) string {
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.Memory, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key))
}

func TestCheckPasswordRehash(t *testing.T) {
	salt := []byte("0123456789abcdef")
	tests := []struct {
		name   string
		stored auth.Params
		keyLen uint32
		want   auth.Params
		rehash bool
	}{
		{"same params", fast, 32, fast, false},
		{"stored memory lower", fast, 32, auth.Params{Memory: 2048, Time: 1, Threads: 1}, true},
		{"stored time lower", fast, 32, auth.Params{Memory: 1024, Time: 2, Threads: 1}, true},
		{"stored both lower", fast, 32, auth.Params{Memory: 4096, Time: 3, Threads: 1}, true},
		{"stored memory higher", auth.Params{Memory: 2048, Time: 1, Threads: 1}, 32, fast, false},
		{"stored time higher", auth.Params{Memory: 1024, Time: 2, Threads: 1}, 32, fast, false},
		{"stored key shorter than 32 bytes", fast, 16, fast, true},
		{"stored key longer than 32 bytes", fast, 64, fast, false},
		{"two lanes", auth.Params{Memory: 1024, Time: 1, Threads: 2}, 32, fast, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := phc(goodPassword, salt, tt.stored, tt.keyLen)
			ok, rehash, err := auth.CheckPassword(h, goodPassword, tt.want)
			if err != nil {
				t.Fatalf("CheckPassword(%q): %v", h, err)
			}
			if !ok {
				t.Fatalf("CheckPassword(%q) rejected the right password", h)
			}
			if rehash != tt.rehash {
				t.Fatalf("rehash = %v, want %v", rehash, tt.rehash)
			}
			if ok, _, _ := auth.CheckPassword(h, "not the password", tt.want); ok {
				t.Fatal("wrong password accepted")
			}
		})
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good, err := auth.HashPassword(goodPassword, fast)
	must(t, err)
	parts := strings.Split(good, "$") // "", argon2id, v=19, m=…, salt, key
	salt, key := parts[4], parts[5]
	with := func(i int, s string) string {
		p := append([]string(nil), parts...)
		p[i] = s
		return strings.Join(p, "$")
	}
	long := base64.RawStdEncoding.EncodeToString(make([]byte, 129))
	tests := []struct{ name, phc string }{
		{"empty", ""},
		{"plain text", goodPassword},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"no leading dollar", strings.TrimPrefix(good, "$")},
		{"text before leading dollar", "x" + good},
		{"argon2i", with(1, "argon2i")},
		{"argon2d", with(1, "argon2d")},
		{"upper-case variant", with(1, "ARGON2ID")},
		{"old version", with(2, "v=16")},
		{"version missing", "$argon2id$m=1024,t=1,p=1$" + salt + "$" + key},
		{"extra segment", good + "$extra"},
		{"trailing dollar", good + "$"},
		{"params empty", with(3, "")},
		{"params missing p", with(3, "m=1024,t=1")},
		{"params out of order", with(3, "t=1,m=1024,p=1")},
		{"params not numbers", with(3, "m=abc,t=1,p=1")},
		{"negative memory", with(3, "m=-1024,t=1,p=1")},
		{"zero memory", with(3, "m=0,t=1,p=1")},
		{"memory above 4 GiB", with(3, "m=4194305,t=1,p=1")},
		{"memory overflows uint32", with(3, "m=4294967296,t=1,p=1")},
		{"zero time", with(3, "m=1024,t=0,p=1")},
		{"zero threads", with(3, "m=1024,t=1,p=0")},
		{"threads above 255", with(3, "m=1024,t=1,p=256")},
		{"time cost a tampered row could set", with(3, "m=1024,t=4294967295,p=1")},
		{"time cost above 64", with(3, "m=1024,t=65,p=1")},
		{"leading zero", with(3, "m=01024,t=1,p=1")},
		{"salt empty", with(4, "")},
		{"salt shorter than 8 bytes", with(4, base64.RawStdEncoding.EncodeToString(make([]byte, 7)))},
		{"salt not base64", with(4, "!!!!!!!!")},
		{"salt padded", with(4, salt+"==")},
		{"salt url alphabet", with(4, strings.Repeat("-", 22))},
		{"key empty", with(5, "")},
		{"key not base64", with(5, "****")},
		{"key padded", with(5, key+"=")},
		{"key impossible length", with(5, "A")},
		{"key longer than 128 bytes", with(5, long)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := auth.CheckPassword(tt.phc, goodPassword, fast)
			if err == nil {
				t.Fatalf("CheckPassword(%q) = %v, %v, nil; want an error", tt.phc, ok, rehash)
			}
			if ok || rehash {
				t.Fatalf("CheckPassword(%q) = %v, %v with error %v; want false, false", tt.phc, ok, rehash, err)
			}
		})
	}
}

// TestCheckPasswordTrailingGarbageInParams expects a PHC string whose
// parameter segment has anything after p=… to be refused like any other
// malformed hash.
func TestCheckPasswordTrailingGarbageInParams(t *testing.T) {
	good, err := auth.HashPassword(goodPassword, fast)
	must(t, err)
	for _, params := range []string{"m=1024,t=1,p=1x", "m=1024,t=1,p=1,keyid=abc", "m=1024,t=1,p=1 trailing"} {
		bad := strings.Replace(good, "m=1024,t=1,p=1", params, 1)
		if ok, _, err := auth.CheckPassword(bad, goodPassword, fast); err == nil {
			t.Errorf("CheckPassword accepted params segment %q (ok=%v); want an error", params, ok)
		}
	}
}

// TestCheckNewPassword: length over composition rules, and no password that
// is common, or that the strength estimator expects to be guessed quickly,
// counting the e-mail address, the organisation's name and "psti" as words
// tried first (the NCSC and NIST SP 800-63B pattern).
func TestCheckNewPassword(t *testing.T) {
	const email = "ada.lovelace@example.com"
	org := []string{"Acme Devices Ltd"}
	pad := "lemon tractor cupboards " // 24 characters, strong by itself
	tests := []struct {
		name     string
		password string
		email    string
		context  []string
		problem  string // part of the message; "" means accepted
	}{
		{"good", goodPassword, email, org, ""},
		{"exactly the minimum", "vq7-Lp2x!Rm9", email, org, ""},
		{"one short of the minimum", "vq7-Lp2x!Rm", email, org, "at least 12"},
		{"empty", "", email, org, "at least 12"},
		{"short in runes though long in bytes", "ééééééabcde", email, org, "at least 12"},
		{"exactly the maximum", pad + strings.Repeat("ab", (auth.MaxPasswordLen-len(pad))/2), email, org, ""},
		{"maximum counted in runes, not bytes", pad + strings.Repeat("éa", (auth.MaxPasswordLen-len(pad))/2), email, org, ""},
		{"one over the maximum", pad + strings.Repeat("ab", (auth.MaxPasswordLen-len(pad))/2) + "c", email, org, "at most 256"},
		{"equals email", email, email, org, "e-mail"},
		{"equals email in other case", "Ada.Lovelace@EXAMPLE.com", email, org, "e-mail"},
		{"equals email with spaces around", "  " + email + " ", email, org, "e-mail"},
		{"one character repeated", "aaaaaaaaaaaa", email, org, "repeated"},
		{"one space repeated", strings.Repeat(" ", 20), email, org, "repeated"},
		{"invalid UTF-8", "abcdefghijkl\xff", email, org, "not valid text"},
		{"invalid UTF-8 only", strings.Repeat("\xff", 20), email, org, "not valid text"},
		{"unicode", "Schöne Grüße aus Köln", email, org, ""},
		{"no composition rule: lower case words", "blue sofa running fast", email, org, ""},
		{"no composition rule: no letters", "8317 4620 9957", email, org, ""},

		// On the shipped lists of common passwords.
		{"common", "password1234", email, org, "one of the most common passwords"},
		{"common in capitals", "PASSWORD1234", email, org, "one of the most common passwords"},
		{"common keyboard row", "qwertyuiop123", email, org, "one of the most common passwords"},
		{"common with spaces around", " password1234 ", email, org, "one of the most common passwords"},

		// Found quickly by the estimator.
		{"common word and symbols", "Password1234!", email, org, "would be guessed quickly"},
		{"a season and a year", "summer2026!!", email, org, "would be guessed quickly"},
		{"a sequence", "abcdefghijkl", email, org, "would be guessed quickly"},
		{"almost one character repeated", "aaaaaaaaaaab", email, org, "would be guessed quickly"},
		{"a word repeated", "trustno1trustno1", email, org, "would be guessed quickly"},

		// Built on the words of this account and installation.
		{"contains the email", email + " is me", email, org, "built on your e-mail address"},
		{"the name in the email", "adalovelace2026", email, org, "built on your e-mail address"},
		{"the organisation's name", "acmedevices2026", email, org, "the organisation's name"},
		{"the organisation's name repeated", "Acme2026Acme2026", email, org, "would be guessed quickly"},
		{"psti", "pstipassword!", email, nil, "or psti"},
		{"the organisation counts only when given", "acmedevices2026", email, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := auth.CheckNewPassword(tt.password, tt.email, tt.context...)
			if tt.problem == "" {
				if err != nil {
					t.Fatalf("CheckNewPassword(%q): %v", tt.password, err)
				}
				return
			}
			wantErr(t, err, psti.EINVALID, "password")
			if msg := psti.ErrorFields(err)[0].Message; !strings.Contains(msg, tt.problem) {
				t.Fatalf("CheckNewPassword(%q) says %q, want it to mention %q", tt.password, msg, tt.problem)
			}
		})
	}
}

// TestCheckNewPasswordRepeatedMultibyte expects the "one character
// repeated" rule to hold for characters outside ASCII too.
func TestCheckNewPasswordRepeatedMultibyte(t *testing.T) {
	for _, pw := range []string{strings.Repeat("é", 12), strings.Repeat("🙂", 16), strings.Repeat("ж", 30)} {
		err := auth.CheckNewPassword(pw, "")
		if err == nil {
			t.Errorf("CheckNewPassword(%q) accepted one character repeated", pw)
			continue
		}
		wantErr(t, err, psti.EINVALID, "password")
	}
}

// TestHashPasswordRefusesBadParams checks that impossible cost parameters
// are an error, not a panic inside argon2.
func TestHashPasswordRefusesBadParams(t *testing.T) {
	for _, p := range []auth.Params{{Memory: 1024, Time: 1, Threads: 0}, {Memory: 1024, Time: 0, Threads: 1}, {Memory: 4, Time: 1, Threads: 1}, {}} {
		if _, err := auth.HashPassword(goodPassword, p); err == nil {
			t.Errorf("HashPassword with %+v: no error", p)
		}
	}
}
