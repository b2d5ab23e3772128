package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters. They are stored with every hash, so
// they can be raised later and old hashes still verify (and are upgraded at
// the next sign-in).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultParams follow the OWASP password storage recommendation for
// argon2id (46 MiB, one pass, one lane).
var DefaultParams = Params{Memory: 46 * 1024, Time: 1, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// MinPasswordLen and MaxPasswordLen bound a user's password. Length is
	// what makes a password strong; the upper bound only stops abuse.
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// validParams bounds the cost parameters a hash may carry, so that a
// tampered row cannot make a sign-in run for hours or exhaust memory.
func validParams(memory, time, threads uint32) bool {
	return memory >= 8*threads && memory <= 4<<20 && time >= 1 && time <= 64 && threads >= 1 && threads <= 255
}

// HashPassword returns a PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$key.
func HashPassword(password string, p Params) (string, error) {
	if !validParams(p.Memory, p.Time, uint32(p.Threads)) {
		return "", fmt.Errorf("auth: argon2id parameters out of range: %+v", p)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: stored password hash is not an argon2id PHC string")

// parseHash splits a PHC string into its parameters, salt and key.
func parseHash(phc string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, errBadHash
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, threads) || !validParams(p.Memory, p.Time, threads) {
		return p, nil, nil, errBadHash
	}
	p.Threads = uint8(threads)
	enc := base64.RawStdEncoding
	if salt, err = enc.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	if key, err = enc.DecodeString(parts[5]); err != nil || len(key) == 0 || len(key) > 128 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// CheckPassword reports whether password matches the PHC string, in time
// that does not depend on where they differ, and whether the hash was made
// with weaker parameters than want (so it should be replaced).
func CheckPassword(phc, password string, want Params) (ok, rehash bool, err error) {
	p, salt, key, err := parseHash(phc)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	rehash = p.Memory < want.Memory || p.Time < want.Time || len(key) < keyLen
	return ok, rehash, nil
}
