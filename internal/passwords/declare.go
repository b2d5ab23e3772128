package passwords

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Declaration is the manufacturer's statement of how a batch's passwords
// were made (DP-15). psti passwords generate writes one as its manifest;
// other generators can write the same JSON. A black-box audit cannot tell a
// keyed hash from an unknown unkeyed one, so the declaration is what the
// batch is held to.
type Declaration struct {
	Format         string  `json:"format" doc:"Always psti-password-manifest/1."`
	Mechanism      string  `json:"mechanism" doc:"How the passwords were made: csprng, or an encryption method or keyed hashing algorithm accepted as good industry practice (hmac-sha256, hmac-sha512, kmac256, aes-cmac, aes-siv, aes-gcm-siv, …; see Mechanisms). Spelling variants such as HMAC-SHA256 are read as the same name; unkeyed hashes, encodings and broken ciphers are refused."`
	Generator      string  `json:"generator,omitempty" doc:"The program that made the passwords."`
	Alphabet       string  `json:"alphabet,omitempty" doc:"Every character a password may use."`
	AlphabetName   string  `json:"alphabet_name,omitempty"`
	Length         int     `json:"length,omitempty" doc:"Characters per password (0 for passphrases)."`
	Words          int     `json:"passphrase_words,omitempty"`
	EntropyBits    float64 `json:"entropy_bits" doc:"Randomness per password, in bits."`
	KeyID          string  `json:"key_id,omitempty" doc:"Identifies the key for keyed mechanisms (never the key itself)."`
	KeyCustody     string  `json:"key_custody,omitempty" doc:"Where the key is kept: hsm, kms or file (a file on a factory system: allowed, and the report says what it means). Never device or firmware."`
	Input          string  `json:"input,omitempty" doc:"The identifier a keyed derivation or encryption takes, e.g. serial, mac or imei (several joined by +). A public one (printed on the box, broadcast over the air) is reported with a note naming para 1(3)(b)."`
	Label          string  `json:"label,omitempty" doc:"Domain-separation label of a keyed derivation, e.g. psti-v1/MODEL."`
	CredentialType string  `json:"credential_type,omitempty"`
	Rows           int64   `json:"rows,omitempty" doc:"Rows in the batch file."`
	SHA256         string  `json:"sha256,omitempty" doc:"SHA-256 of the batch file, in hex."`
	CreatedAt      string  `json:"created_at,omitempty"`

	// The signed manifest's record (see manifest.go).
	Model     string         `json:"model,omitempty" doc:"The product's model."`
	Batch     string         `json:"batch,omitempty" doc:"The production batch's code."`
	Standard  string         `json:"standard,omitempty" doc:"The standard relied on, where it is the deemed route: ETSI EN 303 645 V2.1.1 provisions 5.1-1 and 5.1-2 (PSTI Schedule 2 para 1)."`
	Audit     *ManifestAudit `json:"audit,omitempty" doc:"The generator's own audit of the batch: verdict and the SHA-256 of its report."`
	PublicKey string         `json:"public_key,omitempty" doc:"The installation's Ed25519 public key, ed25519:BASE64, that signed the manifest."`
	Signature string         `json:"signature,omitempty" doc:"Ed25519 signature, in Base64, over the RFC 8785 canonical form of every other field."`
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

// mechanism returns the declared mechanism from the table, or why it is
// refused (DP-15, PSTI-PW-04, PSTI-PW-08).
func (d *Declaration) mechanism() (Mechanism, error) { return LookupMechanism(d.Mechanism) }

// check compares the declaration with good practice and with what the
// audit saw, returning each problem in a sentence.
func (d *Declaration) check(e *engine, rep *Report) []string {
	var out []string
	m, err := d.mechanism()
	if err != nil {
		out = append(out, err.Error())
	}
	if m.Keyed {
		if why := checkCustody(d.KeyCustody); why != "" {
			out = append(out, why)
		}
		if d.KeyID == "" {
			out = append(out, "the declaration does not identify the key (key_id)")
		}
		if _, problem := inputNote(m, d.Input); problem != "" {
			out = append(out, problem)
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
		out = append(out, fmt.Sprintf("the declaration is for %s but the batch has %s", rowCount(d.Rows), rowCount(rep.Rows)))
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

// explain names the declared mechanism in the DP-15 result and adds the
// notes a reader must see even when the declaration is accepted: what key
// custody "file" means, and that a keyed derivation from a public
// identifier relies on para 1(3)(c) over 1(3)(b) (PSTI-PW-03).
func (d *Declaration) explain(rep *Report) {
	m, err := d.mechanism()
	if err != nil {
		return // the refusal is the rule's evidence
	}
	note := fmt.Sprintf("Declared: %s (%s), a %s", m.Display, m.Name, m.Family)
	if m.Family != familyRandom {
		note += " accepted as good industry practice"
	}
	if m.Keyed {
		if where, ok := custodies[mechanismKey(d.KeyCustody)]; ok {
			note += ", key " + d.KeyID + " kept in " + where
		}
		if d.Label != "" {
			note += ", label " + strconv.Quote(d.Label)
		}
		if d.Input != "" {
			note += ", from " + d.Input
		}
	}
	rep.rule(dp15).Note = note + "."
	if m.Keyed && mechanismKey(d.KeyCustody) == "file" {
		rep.Notes = append(rep.Notes, fileCustodyNote)
	}
	if n, _ := inputNote(m, d.Input); n != "" {
		rep.Notes = append(rep.Notes, n)
	}
}
