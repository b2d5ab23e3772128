package product

import (
	"testing"

	"github.com/psti/psti/internal/psti"
)

// TestCompleteWebsite: an address typed without https:// is completed, as a
// browser would; anything that is not shaped like one is left for the check,
// which refuses it.
func TestCompleteWebsite(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"example.com", "https://example.com"},
		{"  example.com ", "https://example.com"},
		{"www.acme.example/security", "https://www.acme.example/security"},
		{"acme.example:8443/support?lang=en", "https://acme.example:8443/support?lang=en"},
		{"xn--bcher-kva.example", "https://xn--bcher-kva.example"},
		{"bücher.example", "https://bücher.example"},
		{"https://example.com", "https://example.com"},
		{"http://example.com", "http://example.com"},
		{"ftp://example.com", "ftp://example.com"},
		{"", ""},
		{"example", "example"},
		{"not a website", "not a website"},
		{"ada@example.com", "ada@example.com"},
		{"example..com", "example..com"},
		{".example.com", ".example.com"},
		{"-bad.example", "-bad.example"},
		{"exa_mple.com", "exa_mple.com"},
		{"javascript:alert(1)", "javascript:alert(1)"},
	} {
		if got := CompleteWebsite(c.in); got != c.want {
			t.Errorf("CompleteWebsite(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestWebsiteCompletedOnEveryRecord: the organisation, a manufacturer and a
// brand take "example.com" as https://example.com, and still refuse an
// address that is not one.
func TestWebsiteCompletedOnEveryRecord(t *testing.T) {
	o := &Organisation{LegalName: "Acme Devices Ltd", Address: "1 High Street", Website: "acme.example"}
	m := &Manufacturer{Name: "Acme Devices Ltd", Address: "1 High Street", Website: "www.acme.example/makers"}
	b := &Brand{OrganisationID: 1, Name: "Acme Home", Website: "home.acme.example"}
	for _, c := range []struct {
		err       error
		got, want string
	}{
		{o.Validate(), o.Website, "https://acme.example"},
		{m.Validate(), m.Website, "https://www.acme.example/makers"},
		{b.Validate(), b.Website, "https://home.acme.example"},
	} {
		if c.err != nil || c.got != c.want {
			t.Errorf("website %q (%v), want %q", c.got, c.err, c.want)
		}
	}
	for _, bad := range []string{"not a website", "acme", "ftp://acme.example", "javascript:alert(1)"} {
		o := &Organisation{LegalName: "Acme Devices Ltd", Address: "1 High Street", Website: bad}
		err := o.Validate()
		if fs := psti.ErrorFields(err); len(fs) != 1 || fs[0].Field != "website" {
			t.Errorf("website %q: %v, want it refused", bad, err)
		}
	}
}
