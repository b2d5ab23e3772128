package disclosure

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Signer signs published CSAF documents with the installation's OpenPGP
// key, as a CSAF trusted provider must (CSAF 2.0 section 7.1.13): each
// document is served with a detached, ASCII-armoured signature (.asc), and
// the public key is listed in the provider metadata.
type Signer struct {
	entity *openpgp.Entity
}

// NewOpenPGPKey makes a new Ed25519 OpenPGP signing key, named for the
// advisories of host, and returns it serialised with its secret part. It
// is made once per installation and kept (store.InstallationKeyMade).
func NewOpenPGPKey(host string, now time.Time) ([]byte, error) {
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, Curve: packet.Curve25519, DefaultHash: crypto.SHA512,
		Time: func() time.Time { return now }}
	e, err := openpgp.NewEntity("Security advisories of "+host, "CSAF", "", cfg)
	if err != nil {
		return nil, fmt.Errorf("making the OpenPGP key: %w", err)
	}
	var b bytes.Buffer
	if err := e.SerializePrivate(&b, cfg); err != nil {
		return nil, fmt.Errorf("keeping the OpenPGP key: %w", err)
	}
	return b.Bytes(), nil
}

// LoadSigner reads a key made by NewOpenPGPKey.
func LoadSigner(key []byte) (*Signer, error) {
	e, err := openpgp.ReadEntity(packet.NewReader(bytes.NewReader(key)))
	if err != nil {
		return nil, fmt.Errorf("reading the OpenPGP key: %w", err)
	}
	if e.PrivateKey == nil {
		return nil, fmt.Errorf("the OpenPGP key has no secret part")
	}
	return &Signer{entity: e}, nil
}

// Fingerprint is the key's fingerprint in upper-case hexadecimal, as the
// provider metadata gives it.
func (s *Signer) Fingerprint() string {
	return strings.ToUpper(hex.EncodeToString(s.entity.PrimaryKey.Fingerprint))
}

// PublicKey is the ASCII-armoured public key.
func (s *Signer) PublicKey() ([]byte, error) {
	var b bytes.Buffer
	w, err := armor.Encode(&b, openpgp.PublicKeyType, nil)
	if err != nil {
		return nil, err
	}
	if err := s.entity.Serialize(w); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// Sign makes an ASCII-armoured detached signature of doc, dated at (the
// document's release). A document released before the key was made is signed as of
// the key's making: a signature older than its key is not valid.
func (s *Signer) Sign(doc []byte, at time.Time) ([]byte, error) {
	if made := s.entity.PrimaryKey.CreationTime; at.Before(made) {
		at = made
	}
	var b bytes.Buffer
	cfg := &packet.Config{DefaultHash: crypto.SHA512, Time: func() time.Time { return at }}
	if err := openpgp.ArmoredDetachSign(&b, s.entity, bytes.NewReader(doc), cfg); err != nil {
		return nil, fmt.Errorf("signing the CSAF document: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// HashFile is the text of a CSAF document's .sha256 or .sha512 file: the
// digest in hexadecimal, two spaces and the file name (as sha256sum writes
// it).
func HashFile(doc []byte, name string, sha512sum bool) []byte {
	var sum []byte
	if sha512sum {
		s := sha512.Sum512(doc)
		sum = s[:]
	} else {
		s := sha256.Sum256(doc)
		sum = s[:]
	}
	return []byte(hex.EncodeToString(sum) + "  " + name + "\n")
}
