package passwords

import (
	"fmt"
	"strings"
)

// The DP-15 declaration names how the passwords were made. Para 1(3)(c)
// forbids passwords based on or derived from unique product identifiers
// "unless by an encryption method, or keyed hashing algorithm, that is
// accepted as part of good industry practice" (PSTI-PW-04), and good
// industry practice is what a skilled and experienced cryptographer would
// do (para 1(5), PSTI-PW-08). The tables below are that judgement, as data:
// every mechanism psti accepts, with its canonical and display names, and
// every one it knows and refuses, with the reason.
//
// How the encryption family was judged. A password made again and again
// from the same identifier needs a deterministic construction:
//   - AES-SIV (RFC 5297) and AES-GCM-SIV (RFC 8452) are deterministic
//     authenticated encryption, designed to be used this way: a fixed
//     nonce reveals only whether two inputs are equal, and every identifier
//     is different. Accepted.
//   - AES-CMAC (RFC 4493, NIST SP 800-38B) is a MAC built on AES: keyed,
//     and a pseudorandom function. Accepted.
//   - AES-CTR, AES-GCM, AES-CFB, AES-OFB and ChaCha20 (with or without
//     Poly1305) are stream encryption. With the fixed nonce a repeatable
//     derivation needs, each is a fixed keystream XORed with the
//     identifier: one device's password and serial give away the keystream,
//     and with it every other device's password. Refused. (With a random
//     nonce the password no longer depends on the identifier at all: that
//     is a random password, so declare csprng.)
//   - AES-ECB and AES-CBC with a fixed IV encrypt equal leading blocks to
//     equal output, so identifiers that share a prefix (serials of one
//     line do) give passwords that share a part. Refused: use AES-SIV,
//     AES-GCM-SIV or AES-CMAC.
//
// Keyed hashing: HMAC with SHA-2 or SHA-3 (RFC 2104, FIPS 198-1), KMAC
// (NIST SP 800-185), HKDF with SHA-2 (RFC 5869) and the keyed modes of
// BLAKE2 and BLAKE3 are accepted. HMAC-MD5 and HMAC-SHA-1 are not known to
// be broken as keyed functions, but they rest on hash functions that are
// broken for collisions and no cryptographer would choose them for a new
// design today: refused, naming the replacement.

// Mechanism is one way of making passwords that a declaration may name.
type Mechanism struct {
	Name    string // canonical name, as reports print it: hmac-sha256
	Display string // name for people: HMAC-SHA-256
	Family  string // what para 1(3)(c) calls it, or "secure random generator"
	Keyed   bool   // uses a secret key, so the key's custody matters
}

// Mechanism families.
const (
	familyRandom     = "secure random generator"
	familyKeyedHash  = "keyed hashing algorithm"
	familyEncryption = "encryption method"
)

// Mechanisms lists every mechanism a declaration may name, in the order
// help texts print them.
var Mechanisms = []Mechanism{
	{"csprng", "a cryptographically secure random generator (CSPRNG)", familyRandom, false},
	{"hmac-sha256", "HMAC-SHA-256", familyKeyedHash, true},
	{"hmac-sha384", "HMAC-SHA-384", familyKeyedHash, true},
	{"hmac-sha512", "HMAC-SHA-512", familyKeyedHash, true},
	{"hmac-sha512-256", "HMAC-SHA-512/256", familyKeyedHash, true},
	{"hmac-sha3-256", "HMAC-SHA3-256", familyKeyedHash, true},
	{"hmac-sha3-384", "HMAC-SHA3-384", familyKeyedHash, true},
	{"hmac-sha3-512", "HMAC-SHA3-512", familyKeyedHash, true},
	{"kmac128", "KMAC128", familyKeyedHash, true},
	{"kmac256", "KMAC256", familyKeyedHash, true},
	{"hkdf-sha256", "HKDF with HMAC-SHA-256", familyKeyedHash, true},
	{"hkdf-sha384", "HKDF with HMAC-SHA-384", familyKeyedHash, true},
	{"hkdf-sha512", "HKDF with HMAC-SHA-512", familyKeyedHash, true},
	{"blake2b-keyed", "keyed BLAKE2b", familyKeyedHash, true},
	{"blake2s-keyed", "keyed BLAKE2s", familyKeyedHash, true},
	{"blake3-keyed", "keyed BLAKE3", familyKeyedHash, true},
	{"aes-cmac", "AES-CMAC", familyKeyedHash, true},
	{"aes-siv", "AES-SIV", familyEncryption, true},
	{"aes-gcm-siv", "AES-GCM-SIV", familyEncryption, true},
}

// mechanismAliases are other spellings of the canonical names, written as
// mechanismKey makes them (letters and digits only).
var mechanismAliases = map[string]string{
	"random": "csprng", "securerandom": "csprng", "cryptorand": "csprng", "drbg": "csprng",
	"ctrdrbg": "csprng", "hmacdrbg": "csprng", "hashdrbg": "csprng",
	"hmacsha2256": "hmac-sha256", "hmacsha2384": "hmac-sha384", "hmacsha2512": "hmac-sha512",
	"hmacsha512t256": "hmac-sha512-256",
	"kmacxof128":     "kmac128", "kmacxof256": "kmac256",
	"hkdfhmacsha256": "hkdf-sha256", "hkdfhmacsha384": "hkdf-sha384", "hkdfhmacsha512": "hkdf-sha512",
	"blake2bmac": "blake2b-keyed", "keyedblake2b": "blake2b-keyed", "blake2smac": "blake2s-keyed",
	"keyedblake2s": "blake2s-keyed", "keyedblake3": "blake3-keyed", "blake3mac": "blake3-keyed",
	"cmacaes": "aes-cmac", "aescmac128": "aes-cmac", "aescmac256": "aes-cmac", "aes128cmac": "aes-cmac",
	"aes256cmac": "aes-cmac", "omac1": "aes-cmac",
	"aessivcmac": "aes-siv", "aessivcmac256": "aes-siv", "aessivcmac512": "aes-siv", "siv": "aes-siv",
	"aes128siv": "aes-siv", "aes256siv": "aes-siv",
	"aes128gcmsiv": "aes-gcm-siv", "aes256gcmsiv": "aes-gcm-siv", "gcmsiv": "aes-gcm-siv",
}

// refusedMechanism is a mechanism psti knows and refuses, with the reason.
type refusedMechanism struct {
	display string
	why     string
}

const (
	whyUnkeyed = "is a hash without a secret key: anyone who learns the scheme can compute every password from the identifiers (para 1(3)(c) allows only an encryption method or a keyed hashing algorithm)"
	whyEncode  = "is an encoding, not encryption: it is undone without any key, so the password is the identifier in disguise"
	whyStream  = "is stream encryption: with the fixed nonce a repeatable derivation needs, it XORs every identifier with the same keystream, so one device's password and serial give away every other device's password. Use AES-SIV or AES-GCM-SIV (or declare csprng if the passwords are random)"
	whyBlocks  = "encrypts equal leading blocks to equal output, so identifiers that share a prefix give passwords that share a part. Use AES-SIV, AES-GCM-SIV or AES-CMAC"
	whyOldHash = "rests on a hash function broken for collisions; it is not good industry practice for a new design (PSTI-PW-08). Use HMAC-SHA-256 or HMAC-SHA-512"
	whyOldCiph = "is a cipher that good practice retired (a short key or block, or known biases; PSTI-PW-08). Use AES-SIV, AES-GCM-SIV or AES-CMAC"
)

var refusedMechanisms = map[string]refusedMechanism{
	"md5": {"MD5", whyUnkeyed}, "md4": {"MD4", whyUnkeyed}, "sha1": {"SHA-1", whyUnkeyed},
	"sha224": {"SHA-224", whyUnkeyed}, "sha256": {"SHA-256", whyUnkeyed}, "sha384": {"SHA-384", whyUnkeyed},
	"sha512": {"SHA-512", whyUnkeyed}, "sha2": {"SHA-2", whyUnkeyed}, "sha3": {"SHA-3", whyUnkeyed},
	"sha3256": {"SHA3-256", whyUnkeyed}, "sha3512": {"SHA3-512", whyUnkeyed},
	"blake2b": {"BLAKE2b (unkeyed)", whyUnkeyed}, "blake2s": {"BLAKE2s (unkeyed)", whyUnkeyed}, "blake3": {"BLAKE3 (unkeyed)", whyUnkeyed},
	"crc32": {"CRC-32", whyUnkeyed}, "crc16": {"CRC-16", whyUnkeyed}, "crc": {"a CRC", whyUnkeyed},
	"murmur3": {"MurmurHash3", whyUnkeyed}, "xxhash": {"xxHash", whyUnkeyed}, "fnv1a": {"FNV-1a", whyUnkeyed},
	"shake128": {"SHAKE128", whyUnkeyed}, "shake256": {"SHAKE256", whyUnkeyed},
	"base64": {"Base64", whyEncode}, "base32": {"Base32", whyEncode}, "hex": {"hexadecimal", whyEncode},
	"xor": {"XOR with a constant", whyEncode}, "obfuscation": {"obfuscation", whyEncode}, "rot13": {"ROT13", whyEncode},
	"aesctr": {"AES-CTR", whyStream}, "aesgcm": {"AES-GCM", whyStream}, "aescfb": {"AES-CFB", whyStream},
	"aesofb": {"AES-OFB", whyStream}, "chacha20": {"ChaCha20", whyStream}, "chacha20poly1305": {"ChaCha20-Poly1305", whyStream},
	"xchacha20poly1305": {"XChaCha20-Poly1305", whyStream}, "rc4": {"RC4", whyOldCiph},
	"aesecb": {"AES-ECB", whyBlocks}, "aescbc": {"AES-CBC", whyBlocks}, "aes": {"AES (no mode named)", "names a block cipher but not its mode, and the mode decides whether it is safe. Name it: aes-siv, aes-gcm-siv or aes-cmac"},
	"cbcmac":  {"CBC-MAC", "is insecure for messages of different lengths. Use AES-CMAC"},
	"hmacmd5": {"HMAC-MD5", whyOldHash}, "hmacsha1": {"HMAC-SHA-1", whyOldHash},
	"des": {"DES", whyOldCiph}, "3des": {"Triple DES", whyOldCiph}, "tdea": {"Triple DES", whyOldCiph},
	"tripledes": {"Triple DES", whyOldCiph}, "blowfish": {"Blowfish", whyOldCiph},
	"prng": {"a pseudo-random generator", whyWeakRNG}, "mt19937": {"the Mersenne Twister", whyWeakRNG},
	"mersennetwister": {"the Mersenne Twister", whyWeakRNG}, "lcg": {"a linear congruential generator", whyWeakRNG},
	"rand": {"rand()", whyWeakRNG}, "mathrand": {"math/rand", whyWeakRNG}, "xorshift": {"xorshift", whyWeakRNG},
	"xorshift128": {"xorshift", whyWeakRNG}, "pcg": {"PCG", whyWeakRNG}, "pcg32": {"PCG", whyWeakRNG},
	"seededrandom": {"a seeded pseudo-random generator", whyWeakRNG}, "srand": {"srand()/rand()", whyWeakRNG},
}

// whyWeakRNG refuses generators made for simulations, not secrets.
// PSTI-PW-04, PSTI-PW-08: seeded from an identifier (or the time), such a
// generator's passwords are a function of that seed that anyone can
// recompute, and no audit of the passwords alone can see it: they look
// random. Only this declaration can tell.
const whyWeakRNG = "is not a cryptographically secure generator: seeded from an identifier or the time, every password can be recomputed from the seed, and a few passwords give the generator's state away. Such passwords look random to any audit, so only this declaration shows it. Use a CSPRNG (csprng), or a keyed derivation such as hmac-sha256"

// mechanismKey reduces a declared name to lower-case letters and digits,
// so "HMAC-SHA256", "hmac_sha_256" and "HMAC SHA-256" are one name.
func mechanismKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// LookupMechanism finds the mechanism a declaration names. It returns the
// mechanism, or why the name is refused.
func LookupMechanism(name string) (Mechanism, error) {
	k := mechanismKey(name)
	if c, ok := mechanismAliases[k]; ok {
		k = mechanismKey(c)
	}
	for _, m := range Mechanisms {
		if mechanismKey(m.Name) == k {
			return m, nil
		}
	}
	if r, ok := refusedMechanisms[k]; ok {
		return Mechanism{}, fmt.Errorf("declared mechanism %q (%s) %s", name, r.display, r.why)
	}
	low := strings.ToLower(name)
	contains := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(low, w) {
				return true
			}
		}
		return false
	}
	switch {
	case k == "":
		return Mechanism{}, fmt.Errorf("the declaration does not say how the passwords were made (field \"mechanism\")")
	case contains("firmware", "device", "on-board", "onboard", "embedded", "eeprom", "flash"):
		return Mechanism{}, fmt.Errorf("declared mechanism %q mixes the algorithm with where the key is kept: name the algorithm in \"mechanism\" (for example aes-siv or hmac-sha256) and the key's place in \"key_custody\"; a key kept in the devices' firmware is refused, because one teardown reveals every device's password (PSTI-PW-08)", name)
	case contains("hmac", "kmac", "cmac", "hkdf", "siv", "keyed"):
		return Mechanism{}, fmt.Errorf("declared mechanism %q is a keyed construction psti does not know by that name: name the algorithm exactly, for example %s", name, acceptedNames())
	case contains("md5", "sha", "crc", "hash", "digest", "salt", "blake", "murmur", "fnv"):
		return Mechanism{}, fmt.Errorf("declared mechanism %q %s", name, whyUnkeyed)
	case contains("base64", "base32", "xor", "obfusc", "scrambl", "encod", "rot13"):
		return Mechanism{}, fmt.Errorf("declared mechanism %q %s", name, whyEncode)
	}
	return Mechanism{}, fmt.Errorf("declared mechanism %q is not one psti knows: name the algorithm exactly, one of %s", name, acceptedNames())
}

// acceptedNames lists the canonical names for a message.
func acceptedNames() string {
	names := make([]string, len(Mechanisms))
	for i, m := range Mechanisms {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

// Key custody: where a keyed mechanism's secret key is kept.
var custodies = map[string]string{
	"hsm":  "a hardware security module",
	"kms":  "a key management service",
	"file": "a file on a factory system",
}

// fileCustodyNote says what custody "file" means (DP-15).
const fileCustodyNote = "The derivation key is declared as kept in a file on a factory system. That is allowed, but it means anyone who copies the file can work out every device's password: keep the file off the devices and out of firmware, under access control, on as few machines as possible, and prefer a hardware security module or key service that never lets the key out."

// checkCustody returns why a declared key custody is refused, or "".
func checkCustody(c string) string {
	k := mechanismKey(c)
	if _, ok := custodies[k]; ok {
		return ""
	}
	switch k {
	case "":
		return "the declaration does not say where the derivation key is kept (key_custody: hsm, kms or file)"
	case "device", "firmware", "flash", "eeprom", "nvram", "otp", "secureelement", "se", "tee", "onboard", "ondevice", "product":
		return fmt.Sprintf("the derivation key is kept on the devices (key_custody %q): every device holds the same key, so one teardown reveals every device's password; this is not good practice (PSTI-PW-08)", c)
	case "tpm":
		return "key_custody \"tpm\" does not say where the TPM is: if it is in the factory's key server, declare hsm; if it is in the devices, every device holds the key and one extraction reveals every password (PSTI-PW-08)"
	}
	return fmt.Sprintf("key_custody %q is not one psti knows: use hsm, kms or file", c)
}

// Derivation inputs: the identifier a keyed derivation or encryption takes.
// Para 1(3)(b) forbids passwords based on publicly available information and
// has no exception for keyed hashing; (c) allows keyed hashing or encryption
// of unique product identifiers. An identifier that is also public sits
// under both: our reading (PSTI-PW-03) is that (c), the specific rule for
// identifiers, allows it, and the report says so in a note, never silently.
var derivationInputs = map[string]string{
	"serial":    "The serial number is usually printed on the product and its box, so it is public information (para 1(3)(b)) as well as a unique product identifier (para 1(3)(c)).",
	"mac":       "A MAC address is broadcast over the air whenever the device uses Wi-Fi or Bluetooth, so it is public information (para 1(3)(b)) as well as a unique product identifier (para 1(3)(c)).",
	"imei":      "The IMEI is usually printed on the box and readable from the device, so it is public information (para 1(3)(b)) as well as a unique product identifier (para 1(3)(c)).",
	"ssid":      "A Wi-Fi network name is broadcast over the air and is public information (para 1(3)(b)); it counts as a unique product identifier (para 1(3)(c)) only if every device's name is different. Para 1(3)(b) has no exception for keyed hashing, so a private identifier (a chip ID) or the serial is the safer input.",
	"chip_id":   "",
	"uuid":      "",
	"device_id": "",
	"eid":       "",
}

// inputNote returns the note for a keyed derivation's declared input, or
// the problem when the input cannot be accepted.
func inputNote(m Mechanism, input string) (note, problem string) {
	if !m.Keyed {
		return "", ""
	}
	parts := strings.FieldsFunc(strings.ToLower(input), func(r rune) bool { return r == ',' || r == '+' || r == ' ' })
	if len(parts) == 0 {
		return "The declaration does not say which identifier the " + m.Display + " derivation takes (field \"input\", e.g. serial or mac). If it is one printed on the product or its box, or broadcast over the air, para 1(3)(b) applies to it as well as (c).", ""
	}
	var public []string
	for _, p := range parts {
		switch p {
		case "brand", "model", "product", "name", "username", "batch":
			return "", fmt.Sprintf("the declared input %q is public information, not a unique product identifier: para 1(3)(b) forbids passwords based on it, with no exception for keyed hashing or encryption (PSTI-PW-03)", p)
		}
		why, known := derivationInputs[p]
		switch {
		case !known:
			public = append(public, fmt.Sprintf("psti does not know the input %q: if it is printed on the product or its box, or broadcast, it is public information (para 1(3)(b)) as well as an identifier.", p))
		case why != "":
			public = append(public, why)
		}
	}
	if len(public) == 0 {
		return "", ""
	}
	return fmt.Sprintf("The passwords are derived with %s (a %s under a secret key) from %s. %s Our reading is that para 1(3)(c), the specific rule for product identifiers, allows a keyed derivation from an identifier even when it is public, while para 1(3)(b) has no such exception; this reading carries some risk, so it is reported rather than passed silently (PSTI-PW-03, PSTI-PW-04).",
		m.Display, m.Family, strings.Join(parts, " and "), strings.Join(public, " ")), ""
}
