package statement

import (
	"strings"
	"time"

	"github.com/psti/psti/internal/psti"
)

// SigningKey is what psti shows of a signing identity it keeps (the
// private keys stay sealed): its certificate's names, fingerprint and
// validity. Keys are kept for good: one that signed statements is retired,
// never deleted, and its statements still verify through the transparency
// log after its certificate ends.
type SigningKey struct {
	ID    int64  `json:"id"`
	Label string `json:"label" doc:"A name for people, such as the certificate's purpose."`
	// Subject and Issuer are the certificate's distinguished names
	// (RFC 2253); a self-signed certificate names itself as its issuer.
	Subject     string     `json:"subject"`
	Issuer      string     `json:"issuer"`
	Fingerprint string     `json:"fingerprint" doc:"The SHA-256 of the certificate (DER), in hex: how a statement names the certificate that signed it."`
	NotBefore   time.Time  `json:"not_before"`
	NotAfter    time.Time  `json:"not_after"`
	CreatedAt   time.Time  `json:"created_at"`
	RetiredAt   *time.Time `json:"retired_at,omitempty" doc:"When it was retired: it signs nothing more."`
}

// MaxLabel is the longest label a signing key may have, in characters.
const MaxLabel = 200

// KeyOf describes s, named label (its certificate's common name when
// label is empty).
func KeyOf(s *Signer, label string) (*SigningKey, error) {
	c := s.Certificate()
	label = strings.TrimSpace(label)
	if label == "" {
		label = c.Subject.CommonName
	}
	if label == "" {
		label = c.Subject.String()
	}
	var p psti.Problems
	p.Text("label", "The label", label, true, MaxLabel)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return &SigningKey{Label: label, Subject: c.Subject.String(), Issuer: c.Issuer.String(), Fingerprint: s.Fingerprint(),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()}, nil
}

// SelfSigned reports whether the certificate names itself as its issuer:
// a key for trying psti out, which proves nothing to anyone who was not
// given its fingerprint by a channel they trust.
func (k *SigningKey) SelfSigned() bool { return k.Subject == k.Issuer }

// Retired reports whether the key was retired.
func (k *SigningKey) Retired() bool { return k.RetiredAt != nil }

// ValidAt reports whether the key may sign at now: not retired, and its
// certificate valid then.
func (k *SigningKey) ValidAt(now time.Time) bool {
	return !k.Retired() && !now.Before(k.NotBefore) && now.Before(k.NotAfter)
}

// Expiry says when the key's certificate ends, "" while that is more than
// ExpiryWarning away (see Signer.Expiry).
func (k *SigningKey) Expiry(now time.Time) string {
	if k.Retired() {
		return ""
	}
	return ExpiryText(k.NotAfter, now)
}

// Active returns the key that signs statements at now: the newest (the
// last added) of those valid then whose certificate another issued, or,
// only when there is none, the newest self-signed one; nil when none is
// valid. A self-signed key, made for trying psti out, proves nothing to
// others, so adding one never takes over from the organisation's own.
func Active(keys []*SigningKey, now time.Time) *SigningKey {
	better := func(k, than *SigningKey) bool {
		if than == nil {
			return true
		}
		if k.SelfSigned() != than.SelfSigned() {
			return !k.SelfSigned()
		}
		return k.ID > than.ID
	}
	var out *SigningKey
	for _, k := range keys {
		if k.ValidAt(now) && better(k, out) {
			out = k
		}
	}
	return out
}

// is reports whether k and o are the same key.
func (k *SigningKey) is(o *SigningKey) bool { return o != nil && k.ID == o.ID }

// Status says, for a person, where the key stands at now among keys.
func (k *SigningKey) Status(keys []*SigningKey, now time.Time) string {
	switch {
	case k.Retired():
		return "Retired on " + psti.LongDate(*k.RetiredAt) + ": signs nothing more"
	case !now.Before(k.NotAfter):
		return "Ended on " + psti.LongDate(k.NotAfter)
	case now.Before(k.NotBefore):
		return "Valid from " + psti.LongDateTime(k.NotBefore)
	case k.is(Active(keys, now)):
		return "Signs statements"
	}
	return "Valid, not in use: a key added later signs"
}

// KeyWarning says what staff must do about the keys that sign statements,
// "" when nothing: no key is valid any more (once one was added), or the
// one that signs ends within ExpiryWarning and no other takes over then.
func KeyWarning(keys []*SigningKey, now time.Time) string {
	if len(keys) == 0 {
		return "" // statements are not signed here yet
	}
	a := Active(keys, now)
	if a == nil {
		return "No key to sign statements of compliance is valid now: statements cannot be issued until one is in place (Signing keys for statements, or psti statement key import)."
	}
	w := a.Expiry(now)
	if w == "" {
		return ""
	}
	// The next key is in place already, unless it is a self-signed one
	// that would take over from a certification authority's.
	if next := Active(keys, a.NotAfter); next != nil && !next.is(a) && (!next.SelfSigned() || a.SelfSigned()) {
		return ""
	}
	return w
}

// MaxTestDays is the longest a self-signed test key may be valid, in days.
const MaxTestDays = 3660

// NewTestSigner makes a self-signed signing identity for organisation, valid
// from now for days: for trying psti out and for tests. It proves who
// signed a statement only to those given its fingerprint by a channel they
// trust. Problems name the fields "organisation" and "days".
func NewTestSigner(organisation string, days int, now time.Time) (*Signer, error) {
	organisation = strings.TrimSpace(organisation)
	var p psti.Problems
	p.Text("organisation", "The name of the organisation", organisation, true, MaxLabel-40)
	if days < 1 || days > MaxTestDays {
		p.Add("days", "The number of days must be from 1 to %d.", MaxTestDays)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return SelfSigned(organisation+" statements (self-signed test key)", organisation, now, time.Duration(days)*24*time.Hour, nil)
}
