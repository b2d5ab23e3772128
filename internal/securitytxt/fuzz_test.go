package securitytxt

import (
	"strings"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic, every problem
// must be well formed, and a file read without errors must render to text
// that reads back as the same File (and renders the same again).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		minimal,
		full,
		signed,
		strings.ReplaceAll(full, "\n", "\r\n"),
		"\uFEFF" + minimal,
		"Contact:mailto:a@example.com\nExpires: 2027-06-30T23:00:00.123456789-05:00\nPreferred-Languages: en ,, cy\t\nX-A:\n",
		"Expires: 2027-06-30T00:00:00Z\nExpires: 2027-06-30T00:00:00Z\n",
		"-----BEGIN PGP SIGNED MESSAGE-----\n\n- Contact: https://example.com\n-----BEGIN PGP SIGNATURE-----\n-----END PGP SIGNATURE-----\n",
		"<html>\n",
		"\xff\xfe",
		"Contact: a\x00b\nOther: \x01\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, data)
	})
}
