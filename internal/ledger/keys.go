package ledger

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/psti/psti/internal/psti"
)

// NewKey makes a checkpoint signing key for a log named origin and returns
// it (the private half, as note encodes it) with its verifier key, the line
// served at /log/key: "origin+hash+base64".
func NewKey(origin string, random io.Reader) (skey, vkey string, err error) {
	if random == nil {
		random = rand.Reader
	}
	skey, vkey, err = note.GenerateKey(random, origin)
	if err != nil {
		return "", "", fmt.Errorf("ledger: unable to make a signing key for %s: %w", origin, err)
	}
	return skey, vkey, nil
}

// sealPurpose names the log's signing key among the keys an installation
// seals under its secret.
const sealPurpose = "psti transparency log signing key"

// Seal encrypts a signing key under the configured secret, so that a copy
// of the database alone cannot sign checkpoints.
func Seal(secret []byte, skey string) ([]byte, error) {
	sealed, err := psti.Seal(secret, sealPurpose, []byte(skey))
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return sealed, nil
}

// ErrWrongSecret is returned by Unseal when the secret is not the one the
// key was sealed with (or the sealed key was altered).
var ErrWrongSecret = psti.ErrWrongSecret

// Unseal decrypts a signing key sealed by Seal.
func Unseal(secret, sealed []byte) (string, error) {
	plain, err := psti.Unseal(secret, sealPurpose, sealed)
	if err != nil {
		return "", err
	}
	return string(plain), nil
}

// KeyList is every key that has signed a log's checkpoints, oldest first,
// served at /log/keys. Each key after the first is endorsed by the one
// before it, so a verifier who trusts any key of the list can follow the
// chain forward, and checkpoints signed years ago with a retired key still
// verify (a record kept ten years must outlive its first key).
type KeyList struct {
	Origin string      `json:"origin"`
	Keys   []ListedKey `json:"keys"`
}

// ListedKey is one key of a KeyList.
type ListedKey struct {
	Key string `json:"key"` // the verifier key, as /log/key serves it
	// FromSize is the size of the first checkpoint it signed.
	FromSize int64 `json:"from_size"`
	// Endorsement is a signed note, by the key before it, that names this
	// key and FromSize; empty for the first key.
	Endorsement string `json:"endorsement,omitempty"`
}

// endorsementText is the body of the note by which one key hands a log
// over to the next.
func endorsementText(origin, vkey string, from int64) string {
	return fmt.Sprintf("psti log key\n%s\n%s\nfrom size %d\n", origin, vkey, from)
}

// Endorse returns the note, signed by the current key, that hands the log
// over to the key vkey from tree size from.
func Endorse(current note.Signer, origin, vkey string, from int64) (string, error) {
	if _, err := note.NewVerifier(vkey); err != nil {
		return "", fmt.Errorf("ledger: %q is not a verifier key: %w", vkey, err)
	}
	msg, err := note.Sign(&note.Note{Text: endorsementText(origin, vkey, from)}, current)
	if err != nil {
		return "", fmt.Errorf("ledger: unable to endorse the new key: %w", err)
	}
	return string(msg), nil
}

// Verifiers checks the chain of endorsements and returns every key in it.
// The chain starts at the first key the caller trusts: a key of trusted,
// or, when trusted is empty, the list's first key.
func (l *KeyList) Verifiers(trusted ...string) (note.Verifiers, []string, error) {
	if len(l.Keys) == 0 {
		return nil, nil, errors.New("ledger: the key list holds no keys")
	}
	start := -1
	if len(trusted) == 0 {
		start = 0
	}
	for i, k := range l.Keys {
		for _, t := range trusted {
			if strings.TrimSpace(t) == k.Key && start < 0 {
				start = i
			}
		}
	}
	if start < 0 {
		return nil, nil, errors.New("ledger: none of the keys you trust is in the key list")
	}
	var list []note.Verifier
	var names []string
	for i := start; i < len(l.Keys); i++ {
		k := l.Keys[i]
		v, err := note.NewVerifier(k.Key)
		if err != nil {
			return nil, nil, fmt.Errorf("ledger: key %d of the list is not a verifier key: %w", i+1, err)
		}
		if v.Name() != l.Origin {
			return nil, nil, fmt.Errorf("ledger: key %d of the list belongs to %s, not %s", i+1, v.Name(), l.Origin)
		}
		if i > start {
			prev := list[len(list)-1]
			n, err := note.Open([]byte(k.Endorsement), note.VerifierList(prev))
			if err != nil {
				return nil, nil, fmt.Errorf("ledger: key %d of the list is not endorsed by the key before it: %v", i+1, err)
			}
			if n.Text != endorsementText(l.Origin, k.Key, k.FromSize) {
				return nil, nil, fmt.Errorf("ledger: the endorsement of key %d of the list does not name it", i+1)
			}
			if k.FromSize < l.Keys[i-1].FromSize {
				return nil, nil, fmt.Errorf("ledger: key %d of the list starts before the key it replaces", i+1)
			}
		}
		list = append(list, v)
		names = append(names, k.Key)
	}
	return note.VerifierList(list...), names, nil
}

// ReadKeys reads trusted keys from a key file: either verifier keys, one a
// line (as /log/key serves them), or a key list (as /log/keys serves it),
// whose chain of endorsements is then checked from its first key.
func ReadKeys(data []byte) (note.Verifiers, []string, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, nil, errors.New("ledger: the key file is empty")
	}
	if data[0] == '{' {
		var l KeyList
		if err := json.Unmarshal(data, &l); err != nil {
			return nil, nil, fmt.Errorf("ledger: the key file is not a key list: %w", err)
		}
		return l.Verifiers()
	}
	var list []note.Verifier
	var names []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := note.NewVerifier(line)
		if err != nil {
			return nil, nil, fmt.Errorf("ledger: line %s of the key file is not a verifier key (name+hash+key)", strconv.Itoa(i+1))
		}
		list = append(list, v)
		names = append(names, line)
	}
	if len(list) == 0 {
		return nil, nil, errors.New("ledger: the key file holds no key")
	}
	return note.VerifierList(list...), names, nil
}
