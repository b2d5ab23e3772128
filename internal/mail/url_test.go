package mail_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/psti/psti/internal/mail"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want mail.Relay
		str  string
	}{
		{"smtp://user:secret@mail.example.com:2525?from=psti@example.com",
			mail.Relay{Host: "mail.example.com", Port: 2525, Security: mail.StartTLS, Username: "user", Password: "secret", From: "<psti@example.com>"},
			"smtp://user:xxxxx@mail.example.com:2525?from=%3Cpsti%40example.com%3E"},
		{"smtp://mail.example.com", mail.Relay{Host: "mail.example.com", Port: 587, Security: mail.StartTLS}, "smtp://mail.example.com:587"},
		{"SMTPS://a%40b:p%3Ass@mail.example.com/", mail.Relay{Host: "mail.example.com", Port: 465, Security: mail.ImplicitTLS, Username: "a@b", Password: "p:ss"},
			"smtps://a%40b:xxxxx@mail.example.com:465"},
		{"smtp+insecure://127.0.0.1?from=PSTI%20%3Cpsti@example.com%3E", mail.Relay{Host: "127.0.0.1", Port: 25, Security: mail.NoTLS, From: `"PSTI" <psti@example.com>`}, ""},
		{"smtp+insecure://[::1]:1025", mail.Relay{Host: "::1", Port: 1025, Security: mail.NoTLS}, "smtp+insecure://[::1]:1025"},
		{"smtps://apikey@smtp.example.com", mail.Relay{Host: "smtp.example.com", Port: 465, Security: mail.ImplicitTLS, Username: "apikey"}, "smtps://apikey@smtp.example.com:465"},
	} {
		got, err := mail.ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if *got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, want %+v", tc.url, *got, tc.want)
		}
		if tc.str != "" && got.String() != tc.str {
			t.Errorf("ParseURL(%q).String() = %q, want %q", tc.url, got.String(), tc.str)
		}
		if strings.Contains(got.String(), "secret") {
			t.Errorf("String() shows the password: %s", got)
		}
	}

	for _, tc := range []struct{ url, says string }{
		{"", "empty"},
		{"mail.example.com:587", "must start with smtp://"},
		{"http://mail.example.com", "must start with smtp://"},
		{"smtp:mail.example.com", "names no server"},
		{"smtp://", "names no server"},
		{"smtp://::1", "not a host name"},
		{"smtp://mail example.com", "not a valid URL"},
		{"smtp://mail_x!.example.com", "not a host name"},
		{"smtp://:secret@mail.example.com", "no user name"},
		{"smtp://user:secret@mail.example.com:0", "port"},
		{"smtp://user:secret@mail.example.com:99999", "port"},
		{"smtp://user:secret@mail.example.com:smtp", "not a valid URL"},
		{"smtp://user:secret@mail.example.com:", "empty port"},
		{"smtp://user:secret@mail.example.com/relay", "path"},
		{"smtp://user:secret@mail.example.com#x", "fragment"},
		{"smtp://user:secret@mail.example.com?tls=none", "unknown parameter"},
		{"smtp://user:secret@mail.example.com?from=a@example.com&from=b@example.com", "once"},
		{"smtp://user:secret@mail.example.com?from=nobody", "not an address"},
		{"smtp+insecure://user:secret@mail.example.com", "in the clear"},
		{"smtp://user:sec ret@mail.example.com\x7f", "not a valid URL"},
	} {
		_, err := mail.ParseURL(tc.url)
		if err == nil {
			t.Errorf("ParseURL(%q) accepted it", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.says) {
			t.Errorf("ParseURL(%q): %v; want it to say %q", tc.url, err, tc.says)
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "sec ret") {
			t.Errorf("ParseURL(%q): the error shows the password: %v", tc.url, err)
		}
	}
}

// FuzzParseURL: any input either parses into a relay whose String parses
// back to the same relay, or is refused with an error that does not quote
// the password.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"smtp://user:secret@mail.example.com:587?from=psti@example.com",
		"smtps://a%40b:p%3Ass@mail.example.com/",
		"smtp+insecure://127.0.0.1:25",
		"smtp://[::1]:25?from=x",
		"smtp://u:secret@h:%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := mail.ParseURL(s)
		if err != nil {
			// Errors may quote the other parts of the URL, but not the
			// password.
			u, perr := url.Parse(s)
			if perr != nil || u.User == nil {
				return
			}
			if p, ok := u.User.Password(); ok && len(p) >= 4 && strings.Contains(err.Error(), p) &&
				!strings.Contains(strings.Replace(s, u.User.String(), "", 1), p) {
				t.Fatalf("error quotes the password %q: %v", p, err)
			}
			return
		}
		if r.Host == "" || r.Port < 1 || r.Port > 65535 || (r.Password != "" && r.Username == "") {
			t.Fatalf("ParseURL(%q) = %+v", s, r)
		}
		if r.Password != "" {
			return // String hides it, so it cannot parse back the same
		}
		back, err := mail.ParseURL(r.String())
		if err != nil || *back != *r {
			t.Fatalf("ParseURL(%q) = %+v; its String %q parses to %+v, %v", s, r, r.String(), back, err)
		}
	})
}
