package securitytxt

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// now is the date every table test checks as of.
var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// want is one expected problem: its line (0 for the whole file), severity,
// and words its message must contain.
type want struct {
	line     int
	severity string
	words    string
}

const minimal = "Contact: mailto:security@example.com\nExpires: 2027-06-30T00:00:00Z\n"

const full = `# Security contacts of Example Ltd
# Report issues with any Example product or service here.
Contact: mailto:security@example.com
Contact: https://example.com/security/report
Contact: tel:+44-20-7946-0000
Expires: 2027-06-30T23:59:59.000Z
Encryption: https://example.com/pgp-key.txt
Encryption: openpgp4fpr:5f2de5521c63a801ab59ccb603d49de44b29100f
Acknowledgments: https://example.com/hall-of-fame
Preferred-Languages: en, cy
Canonical: https://example.com/.well-known/security.txt
Policy: https://example.com/security
Hiring: https://example.com/jobs
CSAF: https://example.com/.well-known/csaf/provider-metadata.json
`

const signed = `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

# Signed with the Example Ltd security key
Contact: mailto:security@example.com
Expires: 2027-06-30T00:00:00Z
Canonical: https://example.com/.well-known/security.txt
- -Team: Product Security
-----BEGIN PGP SIGNATURE-----

iHUEARYKAB0WIQRQrBAWW0trBZ1rxRDP0bFdvGhydQUCZ0lhtAAKCRDP0bFdvGhy
dSIYAQCRsIl1TLv4UZcl/4xC4n3hOFdyDoDtFrsK6oMfg7WmvwEAqkOkJlkqQ3wB
=Tq3L
-----END PGP SIGNATURE-----
`

func TestSecurityTxtValidate(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		want  []want
		check func(t *testing.T, f *File)
	}{
		{name: "valid minimal", text: minimal, check: func(t *testing.T, f *File) {
			if !slices.Equal(f.Contact, []string{"mailto:security@example.com"}) || !f.Expires.Equal(time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)) || f.Signed {
				t.Fatalf("parsed %+v", f)
			}
		}},
		{name: "every field, several contacts", text: full, check: func(t *testing.T, f *File) {
			wantFile := &File{
				Contact:            []string{"mailto:security@example.com", "https://example.com/security/report", "tel:+44-20-7946-0000"},
				Expires:            time.Date(2027, 6, 30, 23, 59, 59, 0, time.UTC),
				Encryption:         []string{"https://example.com/pgp-key.txt", "openpgp4fpr:5f2de5521c63a801ab59ccb603d49de44b29100f"},
				Acknowledgments:    []string{"https://example.com/hall-of-fame"},
				PreferredLanguages: []string{"en", "cy"},
				Canonical:          []string{"https://example.com/.well-known/security.txt"},
				Policy:             []string{"https://example.com/security"},
				Hiring:             []string{"https://example.com/jobs"},
				CSAF:               []string{"https://example.com/.well-known/csaf/provider-metadata.json"},
			}
			if !reflect.DeepEqual(f, wantFile) {
				t.Fatalf("parsed\n%+v\nwant\n%+v", f, wantFile)
			}
		}},
		{name: "signed file", text: signed, check: func(t *testing.T, f *File) {
			if !f.Signed || len(f.Contact) != 1 || len(f.Canonical) != 1 || f.Expires.IsZero() {
				t.Fatalf("parsed %+v", f)
			}
			if !reflect.DeepEqual(f.Other, []Field{{"-Team", "Product Security"}}) {
				t.Fatalf("dash-escaped line read as %+v", f.Other)
			}
		}},
		{name: "field names in any case", text: "CONTACT: mailto:security@example.com\nexpires: 2027-06-30T00:00:00Z\npreferred-LANGUAGES: en\n", check: func(t *testing.T, f *File) {
			if len(f.Contact) != 1 || f.Expires.IsZero() || !slices.Equal(f.PreferredLanguages, []string{"en"}) || f.Other != nil {
				t.Fatalf("parsed %+v", f)
			}
		}},
		{name: "comments and blank lines", text: "# Example Ltd\n\n   \n# Contact us here:\nContact: mailto:security@example.com # not a comment\n\n#Expires: 2020-01-01T00:00:00Z\nExpires: 2027-06-30T00:00:00Z\n", want: []want{
			{5, SeverityError, "contains a space"},
		}},
		{name: "CRLF line endings", text: strings.ReplaceAll(full, "\n", "\r\n"), check: func(t *testing.T, f *File) {
			if f.Contact[0] != "mailto:security@example.com" || f.CSAF[0] != "https://example.com/.well-known/csaf/provider-metadata.json" {
				t.Fatalf("values keep the CR: %q", f.Contact)
			}
		}},
		{name: "BOM at start", text: "\uFEFF" + minimal, want: []want{
			{1, SeverityWarning, "byte-order mark"},
		}, check: func(t *testing.T, f *File) {
			if len(f.Contact) != 1 || f.Other != nil {
				t.Fatalf("the BOM spoilt the first field: %+v", f)
			}
		}},
		{name: "missing Contact", text: "Expires: 2027-06-30T00:00:00Z\nPolicy: https://example.com/security\n", want: []want{
			{0, SeverityError, "There is no Contact field"},
		}},
		{name: "missing Expires", text: "Contact: mailto:security@example.com\n", want: []want{
			{0, SeverityError, "There is no usable Expires field"},
		}},
		{name: "empty file", text: "", want: []want{
			{0, SeverityError, "no Contact"},
			{0, SeverityError, "no usable Expires"},
		}},
		{name: "expired", text: "Contact: mailto:security@example.com\nExpires: 2025-01-01T00:00:00Z\n", want: []want{
			{2, SeverityError, "Expires is in the past (2025-01-01): renew the file"},
		}},
		{name: "expires a moment before now", text: "Contact: mailto:security@example.com\nExpires: 2026-11-29T11:59:59Z\n", want: []want{
			{2, SeverityError, "in the past (2026-11-29)"},
		}},
		{name: "far future", text: "Contact: mailto:security@example.com\nExpires: 2030-01-01T00:00:00Z\n", want: []want{
			{2, SeverityWarning, "more than a year ahead (2030-01-01)"},
		}},
		{name: "a year less a day ahead", text: "Contact: mailto:security@example.com\nExpires: 2027-11-28T12:00:00Z\n"},
		{name: "expires with an offset", text: "Contact: mailto:security@example.com\nExpires: 2027-06-30T23:00:00-05:00\n", check: func(t *testing.T, f *File) {
			if f.Expires != time.Date(2027, 7, 1, 4, 0, 0, 0, time.UTC) {
				t.Fatalf("Expires %v, want 2027-07-01T04:00:00Z in UTC", f.Expires)
			}
		}},
		{name: "http contact", text: "Contact: http://example.com/security\nExpires: 2027-06-30T00:00:00Z\n", want: []want{
			{1, SeverityError, "must start with https://, not http://"},
		}},
		{name: "http policy and canonical", text: minimal + "Policy: http://example.com/security\nCanonical: HTTP://example.com/.well-known/security.txt\n", want: []want{
			{3, SeverityError, "Policy \"http://example.com/security\" must start with https://"},
			{4, SeverityError, "Canonical"},
		}},
		{name: "contact schemes", text: "Contact: security@example.com\nContact: +44 20 7946 0000\nContact: +442079460000\nContact: xmpp:security@example.com\nContact: mailto:not-an-address\nContact: tel:call-us\nContact: https:///report\nContact:\nExpires: 2027-06-30T00:00:00Z\n", want: []want{
			{1, SeverityError, "write mailto:security@example.com"},
			{2, SeverityError, "contains a space"},
			{3, SeverityError, "write tel:+442079460000"},
			{4, SeverityError, "must be a mailto:, https: or tel: URI"},
			{5, SeverityError, "usable e-mail address"},
			{6, SeverityError, "not a telephone number"},
			{7, SeverityError, "has no host"},
			{8, SeverityError, "Contact is empty"},
		}},
		{name: "bad date format", text: "Contact: mailto:security@example.com\nExpires: Thu, 31 Dec 2026 23:59 +0000\n", want: []want{
			{2, SeverityError, "not a date and time in RFC 3339 form"},
		}},
		{name: "date without time", text: "Contact: mailto:security@example.com\nExpires: 2027-06-30\n", want: []want{
			{2, SeverityError, "write it like 2027-06-30T00:00:00Z"},
		}},
		{name: "year zero", text: "Contact: mailto:security@example.com\nExpires: 0000-01-01T00:00:00+01:00\n", want: []want{
			{2, SeverityError, "not a usable date"},
		}},
		{name: "duplicate Expires", text: "Contact: mailto:security@example.com\nExpires: 2027-06-30T00:00:00Z\nExpires: 2027-01-31T00:00:00Z\n", want: []want{
			{3, SeverityError, "Expires appears more than once (lines 2 and 3)"},
		}, check: func(t *testing.T, f *File) {
			if f.Expires.Month() != time.June {
				t.Fatalf("kept %v, want the first Expires", f.Expires)
			}
		}},
		{name: "Preferred-Languages twice", text: minimal + "Preferred-Languages: en\nPreferred-Languages: cy\n", want: []want{
			{4, SeverityError, "Preferred-Languages appears more than once (lines 3 and 4)"},
		}},
		{name: "language tags", text: minimal + "Preferred-Languages: en-GB, English,, e n, cy, x-klingon, 12\n", want: []want{
			{3, SeverityError, "\"English\", which looks like the name of a language"},
			{3, SeverityError, "empty entry"},
			{3, SeverityError, "\"e n\", which is not a language tag"},
			{3, SeverityError, "\"12\", which is not a language tag"},
		}},
		{name: "typo of a known field", text: minimal + "Contacts: mailto:other@example.com\nAcknowledgements: https://example.com/thanks\nexpiry: 2027-01-01\nSignature: https://example.com/security.txt.sig\nX-Bug-Bounty: https://example.com/bounty\n", want: []want{
			{3, SeverityWarning, "did you mean Contact?"},
			{4, SeverityWarning, "did you mean Acknowledgments?"},
			{5, SeverityWarning, "did you mean Expires?"},
			{6, SeverityWarning, "sign the file itself"},
		}, check: func(t *testing.T, f *File) {
			if len(f.Other) != 5 || f.Other[4] != (Field{"X-Bug-Bounty", "https://example.com/bounty"}) {
				t.Fatalf("unknown fields: %+v", f.Other)
			}
		}},
		{name: "encryption key pasted in", text: minimal + "Encryption: -----BEGIN PGP PUBLIC KEY BLOCK-----\n", want: []want{
			{3, SeverityError, "not hold the key itself"},
		}},
		{name: "CSAF", text: minimal + "CSAF: http://example.com/provider-metadata.json\nCSAF: https://example.com/csaf/\n", want: []want{
			{3, SeverityError, "must start with https://"},
			{4, SeverityWarning, "provider-metadata.json"},
		}},
		{name: "line shapes", text: "Contact:mailto:security@example.com\n  Expires: 2027-06-30T00:00:00Z\nPolicy : https://example.com/security\nThis is not a field\nBad Name: x\n", want: []want{
			{1, SeverityWarning, "Put a space after the colon"},
			{2, SeverityError, "starts with a space"},
			{3, SeverityError, "space before the colon after \"Policy\""},
			{4, SeverityError, "not a field (Name: value)"},
			{5, SeverityError, "\"Bad Name\" is not a field name"},
		}, check: func(t *testing.T, f *File) {
			if len(f.Contact) != 1 || f.Expires.IsZero() || len(f.Policy) != 1 {
				t.Fatalf("the tolerant reading lost fields: %+v", f)
			}
		}},
		{name: "no line break at the end", text: strings.TrimSuffix(minimal, "\n"), want: []want{
			{2, SeverityWarning, "does not end with a line break"},
		}},
		{name: "not UTF-8", text: "Contact: mailto:s\xe9curit\xe9@example.com\nExpires: 2027-06-30T00:00:00Z\n", want: []want{
			{1, SeverityError, "not valid UTF-8"},
		}},
		{name: "UTF-16", text: "\xff\xfeC\x00o\x00", want: []want{
			{0, SeverityError, "no Contact"},
			{0, SeverityError, "no usable Expires"},
			{1, SeverityError, "UTF-16"},
		}},
		{name: "line too long", text: minimal + "Policy: https://example.com/" + strings.Repeat("a", MaxLine) + "\n", want: []want{
			{3, SeverityError, "keep lines shorter than 2048"},
		}},
		{name: "carriage return inside a line", text: "Contact: mailto:security@example.com\rx\nExpires: 2027-06-30T00:00:00Z\n", want: []want{
			{1, SeverityError, "carriage return"},
			{1, SeverityError, "control character"},
		}},
		{name: "HTML page", text: "<!DOCTYPE html>\n<html><head><title>Not found</title></head>\n<body>Contact: us</body></html>\n", want: []want{
			{0, SeverityError, "no Contact"},
			{0, SeverityError, "no usable Expires"},
			{1, SeverityError, "HTML or XML page"},
		}},
		{name: "signed without a signature", text: "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + minimal, want: []want{
			{0, SeverityWarning, "signed but has no Canonical"},
			{1, SeverityError, "no -----BEGIN PGP SIGNATURE----- block"},
		}},
		{name: "signed, signature cut short", text: "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + minimal + "-----BEGIN PGP SIGNATURE-----\n\nabc\n", want: []want{
			{0, SeverityWarning, "signed but has no Canonical"},
			{6, SeverityError, "no -----END PGP SIGNATURE----- line"},
		}},
		{name: "signed, no empty line after Hash", text: "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n" + minimal + "Canonical: https://example.com/.well-known/security.txt\n-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n", want: []want{
			{3, SeverityError, "the empty line is missing"},
		}, check: func(t *testing.T, f *File) {
			if !f.Signed || len(f.Contact) != 1 {
				t.Fatalf("parsed %+v", f)
			}
		}},
		{name: "text outside the signed message", text: "Policy: https://example.com/security\n" + signed + "Hiring: https://example.com/jobs\nHiring: https://example.com/more-jobs\n", want: []want{
			{1, SeverityError, "outside the signed message"},
			{16, SeverityError, "outside the signed message"},
		}, check: func(t *testing.T, f *File) {
			if !f.Signed || len(f.Policy) != 1 || len(f.Hiring) != 2 {
				t.Fatalf("parsed %+v", f)
			}
		}},
		{name: "signed, unescaped dash line", text: strings.Replace(signed, "- -Team", "-Team", 1), want: []want{
			{8, SeverityError, "dash-escaped"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ps := Validate([]byte(tt.text), now, "")
			wantProblems(t, ps, tt.want)
			if tt.check != nil {
				tt.check(t, f)
			}
			roundTrip(t, []byte(tt.text))
		})
	}
}

// wantProblems fails unless ps are exactly the wanted problems, in order.
func wantProblems(t *testing.T, ps []Problem, ws []want) {
	t.Helper()
	ok := len(ps) == len(ws)
	for i := 0; ok && i < len(ws); i++ {
		p, w := ps[i], ws[i]
		ok = p.Line == w.line && p.Severity == w.severity && strings.Contains(p.Message, w.words)
	}
	if !ok {
		var got, wanted strings.Builder
		for _, p := range ps {
			got.WriteString("  " + p.String() + "\n")
		}
		for _, w := range ws {
			wanted.WriteString("  " + Problem{Line: w.line, Severity: w.severity, Message: "…" + w.words + "…"}.String() + "\n")
		}
		t.Fatalf("problems:\n%swant:\n%s", got.String(), wanted.String())
	}
	for _, p := range ps {
		if first := p.Message[0]; !strings.HasSuffix(p.Message, ".") || (first < 'A' || first > 'Z') && first != '"' {
			t.Errorf("message is not a sentence: %q", p.Message)
		}
	}
}

func TestSecurityTxtCheck(t *testing.T) {
	valid := func() *File {
		return &File{
			Contact:   []string{"mailto:security@example.com"},
			Expires:   time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC),
			Canonical: []string{"https://example.com/.well-known/security.txt", "https://www.example.com/.well-known/security.txt"},
		}
	}
	tests := []struct {
		name   string
		change func(f *File)
		from   string
		want   []want
	}{
		{name: "valid, from a file", change: func(*File) {}},
		{name: "valid, fetched from a canonical address", change: func(*File) {}, from: "https://www.example.com/.well-known/security.txt"},
		{name: "canonical address written differently", change: func(*File) {}, from: "HTTPS://Example.COM:443/.well-known/security.txt"},
		{name: "fetched from elsewhere", change: func(*File) {}, from: "https://cdn.example.net/.well-known/security.txt", want: []want{
			{0, SeverityWarning, "not one of its Canonical addresses"},
		}},
		{name: "no Canonical: any address will do", change: func(f *File) { f.Canonical = nil }, from: "https://cdn.example.net/.well-known/security.txt"},
		{name: "fetched over http", change: func(f *File) { f.Canonical = nil }, from: "http://example.com/.well-known/security.txt", want: []want{
			{0, SeverityError, "fetched over plain http"},
		}},
		{name: "not at the well-known path", change: func(f *File) { f.Canonical = nil }, from: "https://example.com/security.txt", want: []want{
			{0, SeverityWarning, "places it at /.well-known/security.txt"},
		}},
		{name: "signed without Canonical", change: func(f *File) { f.Canonical = nil; f.Signed = true }, want: []want{
			{0, SeverityWarning, "signed but has no Canonical"},
		}},
		{name: "no Contact", change: func(f *File) { f.Contact = nil }, want: []want{
			{0, SeverityError, "There is no Contact field"},
		}},
		{name: "no Expires", change: func(f *File) { f.Expires = time.Time{} }, want: []want{
			{0, SeverityError, "Expires: 2027-10-29T00:00:00Z"},
		}},
		{name: "a known field among the others", change: func(f *File) { f.Other = []Field{{"Policy", "https://example.com/security"}} }, want: []want{
			{0, SeverityError, "put its value in the Policy field"},
		}},
		{name: "a bad name among the others", change: func(f *File) { f.Other = []Field{{"Bad\nName", "x"}} }, want: []want{
			{0, SeverityError, "is not a field name"},
		}},
		{name: "a control character in another field", change: func(f *File) { f.Other = []Field{{"X-Team", "a\x00b"}} }, want: []want{
			{0, SeverityError, "control character"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid()
			tt.change(f)
			wantProblems(t, f.Check(now, tt.from), tt.want)
		})
	}
}

// TestSecurityTxtCheckNamesLines checks that Validate puts the problems Check
// finds on the lines of the values they are about.
func TestSecurityTxtCheckNamesLines(t *testing.T) {
	text := "Contact: mailto:security@example.com\nContact: http://example.com/report\nX-One: 1\nExpires: 2027-06-30T00:00:00Z\nContacts: x\nPolicy: https://example.com/security\nPolicy: http://example.com/old\n"
	_, ps := Validate([]byte(text), now, "")
	wantProblems(t, ps, []want{
		{2, SeverityError, "Contact \"http://example.com/report\""},
		{5, SeverityWarning, "did you mean Contact?"},
		{7, SeverityError, "Policy \"http://example.com/old\""},
	})
	for _, p := range ps {
		if want := map[int]string{2: "Contact", 5: "Contacts", 7: "Policy"}[p.Line]; p.Field != want {
			t.Errorf("line %d: field %q, want %q", p.Line, p.Field, want)
		}
	}
	f, _ := Parse([]byte(text))
	for _, p := range f.Check(now, "") {
		if p.Line != 0 {
			t.Errorf("Check without the text names line %d: %v", p.Line, p)
		}
	}
}

func TestSecurityTxtContentType(t *testing.T) {
	tests := []struct {
		ct   string
		want []want
	}{
		{"text/plain; charset=utf-8", nil},
		{"text/plain; charset=UTF-8", nil},
		{"text/plain", []want{{0, SeverityWarning, "without a charset"}}},
		{"text/plain; charset=iso-8859-1", []want{{0, SeverityError, "charset=iso-8859-1"}}},
		{"text/html; charset=utf-8", []want{{0, SeverityError, "as text/html"}}},
		{"", []want{{0, SeverityError, "without a Content-Type"}}},
		{"text/plain; charset", []want{{0, SeverityError, "unreadable Content-Type"}}},
	}
	for _, tt := range tests {
		t.Run(tt.ct, func(t *testing.T) {
			wantProblems(t, CheckContentType(tt.ct), tt.want)
		})
	}
}

// sample is a File with every field, as the server would publish it.
func sample() *File {
	return &File{
		Contact:            []string{"https://example.com/security/report", "mailto:security@example.com"},
		Expires:            time.Date(2027, 11, 29, 0, 0, 0, 0, time.UTC),
		Encryption:         []string{"https://example.com/.well-known/openpgp-key.txt"},
		Acknowledgments:    []string{"https://example.com/security/thanks"},
		PreferredLanguages: []string{"en", "cy"},
		Canonical:          []string{"https://example.com/.well-known/security.txt"},
		Policy:             []string{"https://example.com/security"},
		Hiring:             []string{"https://example.com/jobs"},
		CSAF:               []string{"https://example.com/.well-known/csaf/provider-metadata.json"},
		Other:              []Field{{"X-Support-Periods", "https://example.com/support"}},
	}
}

func TestSecurityTxtRender(t *testing.T) {
	got := sample().Render()
	golden := filepath.Join("testdata", "render.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Render:\n%s\nwant (%s):\n%s", got, golden, want)
	}
	if !bytes.Contains(got, []byte("\nExpires: 2027-11-29T00:00:00Z\n")) || bytes.Contains(got, []byte("\r")) {
		t.Fatalf("Expires or line ends are not as RFC 9116 writes them:\n%s", got)
	}

	// Expires in another zone is written in UTC.
	f := &File{Contact: []string{"mailto:a@example.com"}, Expires: time.Date(2027, 11, 29, 1, 0, 0, 0, time.FixedZone("CET", 3600))}
	if out := f.Render(); !bytes.Contains(out, []byte("\nExpires: 2027-11-29T00:00:00Z\n")) {
		t.Fatalf("Expires not in UTC:\n%s", out)
	}

	// A line break in a value cannot start a field of its own.
	f = &File{Policy: []string{"https://example.com/x\nContact: mailto:attacker@example.net\r\nX: y"}}
	back, _ := Parse(f.Render())
	if len(back.Contact) != 0 || len(back.Policy) != 1 || back.Other != nil {
		t.Fatalf("a line break in a value made fields of its own: %+v", back)
	}
}

func TestSecurityTxtRoundTrip(t *testing.T) {
	want := sample()
	text := want.Render()
	got, ps := Validate(text, now, "https://example.com/.well-known/security.txt")
	if len(ps) != 0 {
		t.Fatalf("the rendered file has problems: %v\n%s", ps, text)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Render then Parse:\n%+v\nwant\n%+v", got, want)
	}

	// A signed file reads back as its unsigned text.
	f, _ := Parse([]byte(signed))
	got, ps = Parse(f.Render())
	f.Signed = false
	if len(ps) != 0 || !reflect.DeepEqual(got, f) {
		t.Fatalf("signed file: Render then Parse gives %+v (%v), want %+v", got, ps, f)
	}
}

func TestSecurityTxtTooLarge(t *testing.T) {
	text := minimal + strings.Repeat("# padding padding padding padding padding padding padding\n", MaxSize/50) + "Policy: https://example.com/security\n"
	f, ps := Validate([]byte(text), now, "")
	wantProblems(t, ps, []want{{0, SeverityError, "larger than 64 KiB"}})
	if len(f.Contact) != 1 || f.Expires.IsZero() || f.Policy != nil {
		t.Fatalf("want the fields of the first 64 KiB only: %+v", f)
	}
}

// roundTrip checks the promise FuzzParse tests: Parse never panics, every
// problem is well formed, and a file Parse reads without errors renders to
// text that reads back the same.
func roundTrip(t *testing.T, data []byte) {
	t.Helper()
	f, ps := Parse(data)
	if f == nil {
		t.Fatal("Parse returned no File")
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	for _, p := range append(ps, f.Check(now, "https://example.com/.well-known/security.txt")...) {
		if (p.Severity != SeverityError && p.Severity != SeverityWarning) || p.Message == "" || p.Line < 0 || p.Line > lines {
			t.Fatalf("malformed problem %#v", p)
		}
	}
	if errs, _ := Count(ps); errs > 0 {
		return
	}
	f.Signed = false
	out := f.Render()
	back, _ := Parse(out)
	if !sameFile(back, f) {
		t.Fatalf("Render then Parse changed the file:\n%+v\nwant\n%+v\nrendered:\n%q", back, f, out)
	}
	if again := back.Render(); !bytes.Equal(again, out) {
		t.Fatalf("Render is not stable:\n%q\nthen\n%q", out, again)
	}
}

// sameFile compares two Files, nil and empty slices alike.
func sameFile(a, b *File) bool {
	return slices.Equal(a.Contact, b.Contact) && a.Expires.Equal(b.Expires) &&
		slices.Equal(a.Encryption, b.Encryption) && slices.Equal(a.Acknowledgments, b.Acknowledgments) &&
		slices.Equal(a.PreferredLanguages, b.PreferredLanguages) && slices.Equal(a.Canonical, b.Canonical) &&
		slices.Equal(a.Policy, b.Policy) && slices.Equal(a.Hiring, b.Hiring) && slices.Equal(a.CSAF, b.CSAF) &&
		slices.Equal(a.Other, b.Other) && a.Signed == b.Signed
}
