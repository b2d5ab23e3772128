package statement

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
)

// TestJSONSigned: the JSON rendering is the same bytes every time, says
// how long it is kept, verifies with its key, and fails with any byte
// changed or another key.
func TestJSONSigned(t *testing.T) {
	s := complete()
	doc, err := RenderJSON(s, "SOC-2026-0001", 1, "https://shop.example/statements/SOC-2026-0001")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := RenderJSON(complete(), "SOC-2026-0001", 1, "https://shop.example/statements/SOC-2026-0001")
	if !bytes.Equal(doc, again) {
		t.Fatal("two renderings of one statement differ")
	}
	var d Document
	if err := json.Unmarshal(doc, &d); err != nil || d.Format != JSONFormat || d.KeepUntil != "2036-12-06" || d.Manufacturers[1].Address != "ul. Piotrkowska 1\n90-001 Łódź\nPoland" {
		t.Fatalf("document %+v: %v", d, err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	jws, err := SignJSON(doc, priv, "statements-1")
	if err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(jws, "."); len(parts) != 3 || parts[1] != "" {
		t.Fatalf("not a detached compact JWS: %s", jws)
	}
	if err := VerifyJSON(doc, jws, pub); err != nil {
		t.Fatal(err)
	}
	for i := range doc {
		changed := bytes.Clone(doc)
		changed[i] ^= 1
		if VerifyJSON(changed, jws, pub) == nil {
			t.Fatalf("byte %d changed, yet the signature verified", i)
		}
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	if err := VerifyJSON(doc, jws, other); err == nil {
		t.Fatal("another key verified the signature")
	}
	bad := complete()
	bad.Signatory.Name = ""
	if _, err := RenderJSON(bad, "SOC-2026-0002", 1, ""); err == nil {
		t.Fatal("an incomplete statement was rendered")
	}
}
