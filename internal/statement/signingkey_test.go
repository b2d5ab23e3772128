package statement

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/psti"
)

const day = 24 * time.Hour

func keyAt(id int64, from time.Time, validFor time.Duration) *SigningKey {
	return &SigningKey{ID: id, Label: "k", Subject: "CN=k", Issuer: "CN=k", NotBefore: from, NotAfter: from.Add(validFor)}
}

// TestActiveKey: the newest key valid at a time signs then; a retired,
// ended or not yet valid key never does.
func TestActiveKey(t *testing.T) {
	old := keyAt(1, keyNow.Add(-100*day), 400*day)
	newer := keyAt(2, keyNow.Add(-day), 10*day)
	later := keyAt(3, keyNow.Add(5*day), 400*day)
	keys := []*SigningKey{later, newer, old}
	for _, c := range []struct {
		at   time.Time
		want *SigningKey
	}{
		{keyNow, newer},
		{keyNow.Add(6 * day), later},
		{keyNow.Add(-50 * day), old},
		{keyNow.Add(-200 * day), nil},
		{keyNow.Add(1000 * day), nil},
	} {
		if got := Active(keys, c.at); got != c.want {
			t.Errorf("at %s: key %v signs, want %v", c.at, got, c.want)
		}
	}
	// A self-signed key added later never takes over from one a
	// certificate authority issued.
	issued := keyAt(4, keyNow.Add(-10*day), 400*day)
	issued.Issuer = "CN=Some CA"
	test := keyAt(5, keyNow.Add(-day), 400*day)
	if got := Active([]*SigningKey{issued, test}, keyNow); got != issued {
		t.Errorf("a self-signed key took over: %v", got)
	}
	if got := Active([]*SigningKey{issued, test}, keyNow.Add(-5*day)); got != issued {
		t.Errorf("before the self-signed key: %v", got)
	}
	if got := Active([]*SigningKey{test}, keyNow); got != test {
		t.Errorf("a self-signed key alone: %v", got)
	}
	if s := newer.Status(keys, keyNow); s != "Signs statements" {
		t.Errorf("the active key: %q", s)
	}
	if copied := *newer; copied.Status(keys, keyNow) != "Signs statements" {
		t.Errorf("the active key, read again: %q", copied.Status(keys, keyNow))
	}
	if s := old.Status(keys, keyNow); !strings.Contains(s, "not in use") {
		t.Errorf("an older valid key: %q", s)
	}
	if s := later.Status(keys, keyNow); !strings.HasPrefix(s, "Valid from") {
		t.Errorf("a key not yet valid: %q", s)
	}
	retired := keyNow
	newer.RetiredAt = &retired
	if Active(keys, keyNow) != old || !strings.HasPrefix(newer.Status(keys, keyNow), "Retired on") || newer.Expiry(keyNow) != "" {
		t.Errorf("a retired key still counts: %q", newer.Status(keys, keyNow))
	}
	if s := old.Status(keys, keyNow.Add(400*day)); !strings.HasPrefix(s, "Ended on") {
		t.Errorf("an ended key: %q", s)
	}
}

// TestKeyWarning: staff are warned 90 days before the signing key ends,
// unless another key takes over then, and when no key is valid any more;
// an installation that never added a key is not nagged.
func TestKeyWarning(t *testing.T) {
	if w := KeyWarning(nil, keyNow); w != "" {
		t.Errorf("no keys ever: %q", w)
	}
	k := keyAt(1, keyNow.Add(-day), 100*day)
	if w := KeyWarning([]*SigningKey{k}, keyNow); w != "" {
		t.Errorf("99 days left: %q", w)
	}
	w := KeyWarning([]*SigningKey{k}, keyNow.Add(20*day))
	if !strings.Contains(w, "in 79 days") || !strings.Contains(w, psti.LongDate(k.NotAfter)) {
		t.Errorf("79 days left: %q", w)
	}
	next := keyAt(2, keyNow.Add(90*day), 365*day)
	if w := KeyWarning([]*SigningKey{next, k}, keyNow.Add(20*day)); w != "" {
		t.Errorf("a successor is in place: %q", w)
	}
	// A self-signed key is no successor to one a certification authority
	// issued: the end of that one is still warned of.
	issued := keyAt(3, keyNow.Add(-day), 100*day)
	issued.Issuer = "CN=Some CA"
	if w := KeyWarning([]*SigningKey{next, issued}, keyNow.Add(20*day)); !strings.Contains(w, "in 79 days") {
		t.Errorf("only a self-signed key follows one a CA issued: %q", w)
	}
	if w := KeyWarning([]*SigningKey{k}, keyNow.Add(200*day)); !strings.Contains(w, "No key to sign statements") {
		t.Errorf("all ended: %q", w)
	}
}

// TestNewTestSigner: a self-signed test key names the organisation; a
// missing name or a period out of range is refused, naming the field.
func TestNewTestSigner(t *testing.T) {
	s, err := NewTestSigner("  Acme Devices Ltd ", 30, keyNow)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Certificate()
	if c.Subject.Organization[0] != "Acme Devices Ltd" || !c.NotAfter.Equal(keyNow.Add(30*day)) || s.JSONKey == nil {
		t.Fatalf("certificate %v until %s", c.Subject, c.NotAfter)
	}
	k, err := KeyOf(s, "")
	if err != nil {
		t.Fatal(err)
	}
	if !k.SelfSigned() || k.Label != c.Subject.CommonName || k.Fingerprint != s.Fingerprint() || !strings.Contains(k.Subject, "O=Acme Devices Ltd") {
		t.Fatalf("key %+v", k)
	}
	if _, err := KeyOf(s, strings.Repeat("x", MaxLabel+1)); !hasField(err, "label") {
		t.Fatalf("a long label: %v", err)
	}
	for _, c := range []struct {
		org   string
		days  int
		field string
	}{{"", 30, "organisation"}, {"Acme\u202e", 30, "organisation"}, {"Acme", 0, "days"}, {"Acme", MaxTestDays + 1, "days"}} {
		if _, err := NewTestSigner(c.org, c.days, keyNow); !hasField(err, c.field) {
			t.Errorf("%q for %d days: %v, want a problem with %s", c.org, c.days, err, c.field)
		}
	}
}

func hasField(err error, field string) bool {
	for _, f := range psti.ErrorFields(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}

// FuzzParseSigner: whatever is pasted as a key and a chain, ParseSigner
// answers with a signer whose key is the first certificate's, or an
// EINVALID error naming the key or the chain; it never panics.
func FuzzParseSigner(f *testing.F) {
	s, err := SelfSigned("seed", "Acme", keyNow, day, nil)
	if err != nil {
		f.Fatal(err)
	}
	keyPEM := pemKey(f, s.Key)
	chain := pemCerts(s.Chain...)
	f.Add(keyPEM, chain)
	f.Add(chain, keyPEM)
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), chain)
	f.Add(keyPEM, bytes.Repeat(chain, 3))
	f.Fuzz(func(t *testing.T, k, c []byte) {
		got, err := ParseSigner(k, c)
		if err != nil {
			if psti.ErrorCode(err) != psti.EINVALID || !(hasField(err, "key") || hasField(err, "chain")) {
				t.Fatalf("%v: not an EINVALID error about the key or the chain", err)
			}
			return
		}
		if !publicKeysEqual(got.Key.Public(), got.Certificate().PublicKey) || got.JSONKey == nil {
			t.Fatal("a signer whose key is not its certificate's")
		}
	})
}
