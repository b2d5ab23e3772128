package passwords

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// Declaration is the manufacturer's statement of how a batch's passwords
// were made (DP-15). psti passwords generate writes one as its manifest;
// other generators can write the same JSON. A black-box audit cannot tell a
// keyed hash from an unknown unkeyed one, so the declaration is what the
// batch is held to.
type Declaration struct {
	Format         string  `json:"format" doc:"Always psti-password-manifest/1."`
	Mechanism      string  `json:"mechanism" doc:"csprng, hmac-sha256 or hkdf-sha256; anything else is refused."`
	Generator      string  `json:"generator,omitempty" doc:"The program that made the passwords."`
	Alphabet       string  `json:"alphabet,omitempty" doc:"Every character a password may use."`
	AlphabetName   string  `json:"alphabet_name,omitempty"`
	Length         int     `json:"length,omitempty" doc:"Characters per password (0 for passphrases)."`
	Words          int     `json:"passphrase_words,omitempty"`
	EntropyBits    float64 `json:"entropy_bits" doc:"Randomness per password, in bits."`
	KeyID          string  `json:"key_id,omitempty" doc:"Identifies the key for keyed mechanisms (never the key itself)."`
	KeyCustody     string  `json:"key_custody,omitempty" doc:"Where the key is kept: hsm, kms or file (a factory system). Never device or firmware."`
	Label          string  `json:"label,omitempty" doc:"Domain-separation label of a keyed derivation, e.g. psti-v1/MODEL."`
	CredentialType string  `json:"credential_type,omitempty"`
	Rows           int64   `json:"rows,omitempty" doc:"Rows in the batch file."`
	SHA256         string  `json:"sha256,omitempty" doc:"SHA-256 of the batch file, in hex."`
	CreatedAt      string  `json:"created_at,omitempty"`
}

// ManifestFormat names the declaration format.
const ManifestFormat = "psti-password-manifest/1"

// ReadDeclaration reads a declaration (a generator's manifest) as JSON.
func ReadDeclaration(r io.Reader, name string) (*Declaration, error) {
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	var d Declaration
	if err := dec.Decode(&d); err != nil {
		return nil, &InputError{File: name, Msg: "is not a password declaration (JSON with mechanism, entropy_bits, …): " + err.Error()}
	}
	if d.Mechanism == "" {
		return nil, &InputError{File: name, Msg: "the declaration does not say how the passwords were made (field \"mechanism\")"}
	}
	return &d, nil
}

// keyed reports whether the mechanism uses a secret key.
func (d *Declaration) keyed() bool {
	m := strings.ToLower(d.Mechanism)
	return strings.HasPrefix(m, "hmac") || strings.HasPrefix(m, "hkdf")
}

// check compares the declaration with good practice and with what the
// audit saw, returning each problem in a sentence.
func (d *Declaration) check(e *engine, rep *Report) []string {
	var out []string
	m := strings.ToLower(strings.TrimSpace(d.Mechanism))
	switch {
	case m == "csprng", m == "hmac-sha256", m == "hkdf-sha256":
	case strings.Contains(m, "md5"), strings.Contains(m, "sha"), strings.Contains(m, "crc"), strings.Contains(m, "hash"):
		out = append(out, fmt.Sprintf("declared mechanism %q is a hash without a secret key: anyone who learns the scheme can compute every password (PSTI-PW-04)", d.Mechanism))
	default:
		out = append(out, fmt.Sprintf("declared mechanism %q is not one psti can accept: use a cryptographically secure random generator (csprng) or a keyed derivation (hmac-sha256, hkdf-sha256)", d.Mechanism))
	}
	if d.keyed() {
		switch strings.ToLower(d.KeyCustody) {
		case "hsm", "kms", "file":
		case "device", "firmware":
			out = append(out, "the derivation key is kept on the device: one teardown reveals every device's password, so this is not good practice (PSTI-PW-08)")
		default:
			out = append(out, "the declaration does not say where the derivation key is kept (key_custody: hsm, kms or file)")
		}
		if d.KeyID == "" {
			out = append(out, "the declaration does not identify the key (key_id)")
		}
	}
	floor := e.th.FloorBits
	if d.CredentialType == TypeWiFi {
		floor = e.th.WiFiFloorBits
	}
	if d.EntropyBits < floor {
		out = append(out, fmt.Sprintf("declared entropy %.1f bits is below the floor of %.0f bits", d.EntropyBits, floor))
	}
	if d.Rows > 0 && d.Rows != rep.Rows {
		out = append(out, fmt.Sprintf("the declaration is for %d rows but the batch has %d", d.Rows, rep.Rows))
	}
	if d.SHA256 != "" && rep.Input.SHA256 != "" && !strings.EqualFold(d.SHA256, rep.Input.SHA256) {
		out = append(out, "the declaration's SHA-256 does not match the batch file: it was made for a different file, or the file has changed since")
	}
	for _, t := range rep.Batch.Templates {
		if t.Rows >= 1000 && strings.HasPrefix(t.Format, "any ") && t.Bits+0.5 < math.Min(d.EntropyBits, 200) && d.Words == 0 {
			out = append(out, fmt.Sprintf("declared %.1f bits, but the %d passwords of %s carry at most %.1f bits", d.EntropyBits, t.Rows, strings.TrimPrefix(t.Format, "any "), t.Bits))
			break
		}
	}
	return out
}
