package psti

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// MinSecret is the shortest configured secret that may seal keys.
const MinSecret = 16

// ErrWrongSecret is returned by Unseal when the secret is not the one the
// data was sealed with, or the sealed data was altered.
var ErrWrongSecret = errors.New("the key cannot be opened with this secret")

// aead derives, from the installation's configured secret, the cipher
// that seals keys for one purpose: a key sealed for one purpose never
// opens as another's.
func aead(secret []byte, purpose string) (cipher.AEAD, error) {
	if len(secret) < MinSecret {
		return nil, errors.New("the secret is too short: it needs at least 16 bytes")
	}
	k, err := hkdf.Key(sha256.New, secret, nil, purpose, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal encrypts a key at rest (AES-256-GCM under a key derived with HKDF
// from the configured secret), so that a copy of the database alone does
// not hold it. purpose names what the key is for.
func Seal(secret []byte, purpose string, plain []byte) ([]byte, error) {
	gcm, err := aead(secret, purpose)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, plain, []byte(purpose)), nil
}

// Unseal decrypts what Seal sealed for the same purpose.
func Unseal(secret []byte, purpose string, sealed []byte) ([]byte, error) {
	gcm, err := aead(secret, purpose)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, ErrWrongSecret
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(purpose))
	if err != nil {
		return nil, ErrWrongSecret
	}
	return plain, nil
}
