package statement

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
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
	now := time.Now()
	signer, err := SelfSigned("Acme statements", "Acme Ltd", now, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := SignJSON(doc, signer)
	if err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(jws, "."); len(parts) != 3 || parts[1] != "" {
		t.Fatalf("not a detached compact JWS: %s", jws)
	}
	chain, err := VerifyJSON(doc, jws)
	if err != nil {
		t.Fatal(err)
	}
	if !chain[0].Equal(signer.Certificate()) {
		t.Fatalf("the signature names %s, not its signer", chain[0].Subject)
	}
	for i := range doc {
		changed := bytes.Clone(doc)
		changed[i] ^= 1
		if _, err := VerifyJSON(changed, jws); err == nil {
			t.Fatalf("byte %d changed, yet the signature verified", i)
		}
	}
	// A JSON key certified by another signer does not pass as this one's.
	other, _ := SelfSigned("Someone else", "Else Ltd", now, time.Hour, nil)
	forged := &Signer{Key: signer.Key, Chain: signer.Chain, JSONKey: other.JSONKey, JSONCert: other.JSONCert}
	fjws, _ := SignJSON(doc, forged)
	if _, err := VerifyJSON(doc, fjws); err == nil {
		t.Fatal("a JSON key another signer certified verified as this signer's")
	}
	if _, err := VerifyJSON(doc, "e30..AAAA"); err == nil {
		t.Fatal("a signature without certificates verified")
	}
	bad := complete()
	bad.Signatory.Name = ""
	if _, err := RenderJSON(bad, "SOC-2026-0002", 1, ""); err == nil {
		t.Fatal("an incomplete statement was rendered")
	}
}
