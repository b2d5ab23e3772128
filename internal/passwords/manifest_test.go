package passwords

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// RFC 8785 canonical form: members sorted, no whitespace, numbers as
// ECMAScript writes them, only the escapes JSON needs; the top-level
// signature left out.
func TestCanonical(t *testing.T) {
	in := `{ "b": [1.50, 2e2, true, null, "\u00e9\n<"], "a": {"z": 1, "y": "x"}, "signature": "zzz", "€": 0.1 }`
	got, err := Canonical([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":{"y":"x","z":1},"b":[1.5,200,true,null,"é\n<"],"€":0.1}`
	if string(got) != want {
		t.Fatalf("canonical:\n%s\nwant\n%s", got, want)
	}
	for _, bad := range []string{`[1]`, `{"a":1,"a":2}`, `{"a":1} {}`, `{"a":`} {
		if _, err := Canonical([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestManifestSignVerify(t *testing.T) {
	key, _ := SigningKey(bytes.Repeat([]byte{7}, 32))
	d := &Declaration{Format: ManifestFormat, Mechanism: "hmac-sha256", EntropyBits: 69.99, KeyID: "sha256:00", KeyCustody: "hsm",
		Input: "serial", Rows: 3000, SHA256: strings.Repeat("ab", 32), Model: "AC-200", Batch: "B-2411", Standard: StandardEN303645,
		Audit: &ManifestAudit{Verdict: "pass", ReportSHA256: strings.Repeat("cd", 32)}}
	signed, err := d.Sign(key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifyManifest(signed, PublicKeyText(key.Public().(ed25519.PublicKey)))
	if err != nil || got.Model != "AC-200" || got.Audit.Verdict != "pass" {
		t.Fatalf("valid manifest: %+v, %v", got, err)
	}
	// Re-indented, the manifest still verifies: the signature is over its
	// canonical form, not its layout.
	var loose bytes.Buffer
	_ = json.Indent(&loose, signed, "", "\t")
	if _, err := VerifyManifest(loose.Bytes(), ""); err != nil {
		t.Fatalf("re-indented: %v", err)
	}
	// Every field changed, added or removed breaks it.
	var fields map[string]any
	_ = json.Unmarshal(signed, &fields)
	for name := range fields {
		if name == "signature" {
			continue
		}
		for _, change := range []string{"change", "remove"} {
			f := map[string]any{}
			for k, v := range fields {
				f[k] = v
			}
			if change == "remove" {
				delete(f, name)
			} else {
				switch v := f[name].(type) {
				case string:
					f[name] = v + "x"
				case float64:
					f[name] = v + 1
				default:
					f[name] = map[string]any{"verdict": "fail"}
				}
			}
			b, _ := json.Marshal(f)
			_, err := VerifyManifest(b, "")
			var me *ManifestError
			if !errors.As(err, &me) {
				t.Errorf("%s %s: %v", change, name, err)
				continue
			}
			if name != "public_key" && me.Unusable {
				t.Errorf("%s %s: %v, want a signature mismatch", change, name, err)
			}
		}
	}
	f := map[string]any{}
	_ = json.Unmarshal(signed, &f)
	f["comment"] = "added"
	b, _ := json.Marshal(f)
	if _, err := VerifyManifest(b, ""); err == nil || err.(*ManifestError).Unusable {
		t.Errorf("a field added: %v", err)
	}
	// The wrong key expected.
	other, _ := SigningKey(bytes.Repeat([]byte{8}, 32))
	if _, err := VerifyManifest(signed, PublicKeyText(other.Public().(ed25519.PublicKey))); err == nil || err.(*ManifestError).Unusable {
		t.Errorf("another key expected: %v", err)
	}
	// Unusable input.
	for _, bad := range []string{`not json`, `{"format":"psti-password-manifest/1"}`, `{"signature":"AAAA","public_key":"ed25519:AAAA"}`} {
		if _, err := VerifyManifest([]byte(bad), ""); err == nil || !err.(*ManifestError).Unusable {
			t.Errorf("%s: %v, want unusable", bad, err)
		}
	}
}
