package passwords

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf16"
)

// The signed manifest. psti passwords generate --manifest writes the DP-15
// declaration together with the product's model and batch code, the
// standard relied on where it is the deemed route, and the outcome of the
// generator's own audit, and signs it with the installation's Ed25519 key,
// so a buyer or a market surveillance authority can check offline that
// nobody changed it. docs/password-manifest.md describes the format for
// anyone writing their own verifier.
//
// What is signed: the manifest's JSON object without its "signature"
// member, in the canonical form of RFC 8785 (JSON Canonicalization Scheme):
// no whitespace, members sorted by their names' UTF-16 code units, strings
// with only the escapes JSON requires, numbers as ECMAScript writes them.
// The signature is Ed25519 (RFC 8032) over those bytes, in standard Base64;
// the public key is in the manifest, as "ed25519:" and the 32-byte key in
// standard Base64, and is itself signed.

// ManifestAudit is the outcome of the generator's own audit of the batch.
type ManifestAudit struct {
	Verdict string `json:"verdict" enum:"pass,fail"`
	Summary string `json:"summary,omitempty"`
	// ReportSHA256 is the SHA-256 of the audit report exactly as psti
	// passwords generate --report writes it: the report as JSON, indented by
	// two spaces, with a final newline. Keep that file to check it.
	ReportSHA256 string `json:"report_sha256"`
}

// StandardEN303645 is the standard relied on for the deemed route of PSTI
// Schedule 2 para 1 (PSTI-DC-01).
const StandardEN303645 = "ETSI EN 303 645 V2.1.1 (2020-06), provisions 5.1-1 and 5.1-2 (PSTI Regulations 2023, Schedule 2, paragraph 1)"

// publicKeyPrefix starts every public key psti prints.
const publicKeyPrefix = "ed25519:"

// SigningKey makes the Ed25519 key from a 32-byte seed (the installation's
// "manifest-signing" key).
func SigningKey(seed []byte) (ed25519.PrivateKey, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("passwords: a signing seed has %d bytes, not %d", ed25519.SeedSize, len(seed))
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// PublicKeyText writes a public key as psti prints it: ed25519:BASE64.
func PublicKeyText(pub ed25519.PublicKey) string {
	return publicKeyPrefix + base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey reads a key written by PublicKeyText.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b64, ok := strings.CutPrefix(strings.TrimSpace(s), publicKeyPrefix)
	if !ok {
		return nil, fmt.Errorf("a public key starts with %q", publicKeyPrefix)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%q is not a 32-byte Ed25519 public key in Base64", s)
	}
	return ed25519.PublicKey(b), nil
}

// Sign sets the manifest's public key and signature and returns the
// manifest as JSON (indented, with a final newline), the bytes to write.
func (d *Declaration) Sign(key ed25519.PrivateKey) ([]byte, error) {
	d.PublicKey = PublicKeyText(key.Public().(ed25519.PublicKey))
	d.Signature = ""
	unsigned, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	canon, err := Canonical(unsigned)
	if err != nil {
		return nil, err
	}
	d.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, canon))
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// ManifestError says why a manifest did not verify. Unusable is true when
// the input is not a signed manifest at all (not JSON, no signature, a
// malformed key), false when the signature does not match what it signs.
type ManifestError struct {
	Unusable bool
	Msg      string
}

func (e *ManifestError) Error() string { return e.Msg }

// VerifyManifest checks a signed manifest offline: the signature against
// the canonical form of every other field, under the public key the
// manifest carries; and, when want is not empty, that the key is the one
// expected (a key in PublicKeyText form). It returns the manifest that was
// signed.
func VerifyManifest(data []byte, want string) (*Declaration, error) {
	unusable := func(format string, args ...any) error {
		return &ManifestError{Unusable: true, Msg: fmt.Sprintf(format, args...)}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, unusable("this is not a password manifest (a JSON object): %v", err)
	}
	var sigText, keyText string
	if err := json.Unmarshal(fields["signature"], &sigText); err != nil || sigText == "" {
		return nil, unusable("the manifest is not signed (it has no \"signature\")")
	}
	if err := json.Unmarshal(fields["public_key"], &keyText); err != nil || keyText == "" {
		return nil, unusable("the manifest does not carry its public key (\"public_key\")")
	}
	pub, err := ParsePublicKey(keyText)
	if err != nil {
		return nil, unusable("the manifest's public_key: %v", err)
	}
	var wantKey ed25519.PublicKey
	if want != "" {
		if wantKey, err = ParsePublicKey(want); err != nil {
			return nil, unusable("--public-key: %v", err)
		}
	}
	sig, err := base64.StdEncoding.DecodeString(sigText)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, unusable("the manifest's signature is not a 64-byte Ed25519 signature in Base64")
	}
	canon, err := Canonical(data)
	if err != nil {
		return nil, unusable("the manifest cannot be read: %v", err)
	}
	if !ed25519.Verify(pub, canon, sig) {
		return nil, &ManifestError{Msg: "the signature does not match the manifest: a field was changed, added or removed after it was signed, or the signature is not the one made for it"}
	}
	if wantKey != nil && !wantKey.Equal(pub) {
		return nil, &ManifestError{Msg: fmt.Sprintf("the manifest was signed with %s, not with the key expected (%s)", keyText, PublicKeyText(wantKey))}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Declaration
	if err := dec.Decode(&d); err != nil {
		return nil, unusable("the signature is valid, but the manifest is not one psti reads: %v", err)
	}
	return &d, nil
}

// Canonical returns the RFC 8785 canonical form of a JSON object without
// its top-level "signature" member. A member name that appears twice is
// refused: two readers could take different values from it.
func Canonical(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out bytes.Buffer
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, errors.New("a manifest is a JSON object")
	}
	if err := canonObject(dec, &out, true); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("there is more after the JSON object")
	}
	return out.Bytes(), nil
}

func canonObject(dec *json.Decoder, out *bytes.Buffer, top bool) error {
	type member struct {
		name  string
		value []byte
	}
	var ms []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var v bytes.Buffer
		if err := canonValue(dec, &v); err != nil {
			return err
		}
		if slices.ContainsFunc(ms, func(m member) bool { return m.name == name }) {
			return fmt.Errorf("member %q appears twice", name)
		}
		if top && name == "signature" {
			continue
		}
		ms = append(ms, member{name, v.Bytes()})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return err
	}
	slices.SortFunc(ms, func(a, b member) int {
		return slices.Compare(utf16.Encode([]rune(a.name)), utf16.Encode([]rune(b.name)))
	})
	out.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			out.WriteByte(',')
		}
		canonString(out, m.name)
		out.WriteByte(':')
		out.Write(m.value)
	}
	out.WriteByte('}')
	return nil
}

func canonValue(dec *json.Decoder, out *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return canonObject(dec, out, false)
		}
		out.WriteByte('[')
		for i := 0; dec.More(); i++ {
			if i > 0 {
				out.WriteByte(',')
			}
			if err := canonValue(dec, out); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		out.WriteByte(']')
	case string:
		canonString(out, v)
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return fmt.Errorf("number %s: %v", v, err)
		}
		// encoding/json writes a float64 as ECMAScript does, which is what
		// RFC 8785 asks for.
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		out.Write(b)
	case bool:
		fmt.Fprint(out, v)
	case nil:
		out.WriteString("null")
	}
	return nil
}

// canonString writes a string with only the escapes JSON requires
// (RFC 8785 section 3.2.2.2).
func canonString(out *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	out.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			out.WriteString(`\"`)
		case '\\':
			out.WriteString(`\\`)
		case '\b':
			out.WriteString(`\b`)
		case '\f':
			out.WriteString(`\f`)
		case '\n':
			out.WriteString(`\n`)
		case '\r':
			out.WriteString(`\r`)
		case '\t':
			out.WriteString(`\t`)
		default:
			if r < 0x20 {
				out.WriteString(`\u00`)
				out.WriteByte(hex[r>>4])
				out.WriteByte(hex[r&0xf])
			} else {
				out.WriteRune(r)
			}
		}
	}
	out.WriteByte('"')
}
