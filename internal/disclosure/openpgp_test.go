package disclosure_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/psti/psti/internal/disclosure"
)

// TestSigner: a kept key reads back the same; its signatures verify with
// the public key alone and are never dated before the key (a document released before the key was
// made is signed as of the key's making).
func NewTestSigner(t *testing.T) {
	made := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	key, err := disclosure.NewOpenPGPKey("psti.example", made)
	must(t, err)
	s, err := disclosure.LoadSigner(key)
	must(t, err)
	again, err := disclosure.LoadSigner(key)
	must(t, err)
	if s.Fingerprint() != again.Fingerprint() || len(s.Fingerprint()) != 40 {
		t.Fatalf("fingerprint %s, read back %s", s.Fingerprint(), again.Fingerprint())
	}
	pub, err := s.PublicKey()
	must(t, err)
	if strings.Contains(string(pub), "PRIVATE") {
		t.Fatal("the public key carries the secret part")
	}
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(pub))
	must(t, err)
	doc := []byte(`{"document": {}}`)
	for _, at := range []time.Time{made.Add(-30 * 24 * time.Hour), made.Add(time.Hour)} {
		sig, err := s.Sign(doc, at)
		must(t, err)
		cfg := &packet.Config{Time: func() time.Time { return made.Add(48 * time.Hour) }}
		signer, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(doc), bytes.NewReader(sig), cfg)
		if err != nil || signer == nil {
			t.Fatalf("signature at %s does not verify: %v", at, err)
		}
		p, err := packet.Read(armoredBody(t, sig))
		must(t, err)
		if sp, ok := p.(*packet.Signature); !ok || sp.CreationTime.Before(made) || (at.After(made) && !sp.CreationTime.Equal(at)) {
			t.Errorf("signature at %s is dated %v", at, p)
		}
		if _, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(append(doc, ' ')), bytes.NewReader(sig), cfg); err == nil {
			t.Errorf("signature at %s verifies a changed document", at)
		}
	}
	if h := string(disclosure.HashFile([]byte("abc"), "x.json", false)); h != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  x.json\n" {
		t.Errorf("sha256 file: %q", h)
	}
}

func armoredBody(t *testing.T, b []byte) io.Reader {
	t.Helper()
	blk, err := armor.Decode(bytes.NewReader(b))
	must(t, err)
	return blk.Body
}
