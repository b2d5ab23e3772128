package product

import (
	"fmt"
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	for _, c := range []struct {
		brand, name, model, want string
	}{
		{"Acme Home", "Doorbell Pro", "DB-200", "acme-home-doorbell-pro-db-200"},
		{"Acme", "Acme Doorbell", "DB 200", "acme-doorbell-db-200"},    // the brand is not said twice
		{"Café Été", "Smart Plug", "SP/1", "cafe-ete-smart-plug-sp-1"}, // accents go
		{"Łódź Straße", "Œuvre", "Æ1", "lodz-strasse-oeuvre-ae1"},      // letters written as two
		{"Ada's", "  Lamp -- (white) ", "", "adas-lamp-white"},         // apostrophes and punctuation
		{"智能", "摄像头", "", "product"},                                   // nothing left
		{"Brand", "Name", strings.Repeat("x", 200), "brand-name"},      // a word that would not fit is left out
		{"BRAND", "name", "m\u202e1", "brand-name-m-1"},                // controls separate words
		{"", "", "", "product"},
	} {
		if got := Slug(c.brand, c.name, c.model); got != c.want {
			t.Errorf("Slug(%q, %q, %q) = %q, want %q", c.brand, c.name, c.model, got, c.want)
		}
	}
	long := Slug(strings.Repeat("word ", 40), "", "")
	if len(long) > MaxSlug || strings.HasSuffix(long, "-") {
		t.Errorf("long slug %q (%d bytes)", long, len(long))
	}
}

func TestUnique(t *testing.T) {
	taken := map[string]bool{"acme-plug": true, "acme-plug-2": true}
	got, err := Unique("acme-plug", func(s string) (bool, error) { return taken[s], nil })
	if err != nil || got != "acme-plug-3" {
		t.Fatalf("Unique = %q, %v; want acme-plug-3", got, err)
	}
	got, err = Unique("new", func(s string) (bool, error) { return taken[s], nil })
	if err != nil || got != "new" {
		t.Fatalf("Unique = %q, %v; want new", got, err)
	}
	boom := fmt.Errorf("boom")
	if _, err := Unique("x", func(string) (bool, error) { return false, boom }); err != boom {
		t.Fatalf("Unique did not pass the error on: %v", err)
	}
}

// FuzzSlug: whatever the input, a slug is lower-case ASCII letters and
// digits in single-hyphen-separated words, at most MaxSlug bytes.
func FuzzSlug(f *testing.F) {
	f.Add("Acme", "Doorbell Pro", "DB-200")
	f.Add("Café", "Été", "ß")
	f.Fuzz(func(t *testing.T, brand, name, model string) {
		s := Slug(brand, name, model)
		if s == "" || len(s) > MaxSlug || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
			t.Fatalf("Slug = %q", s)
		}
		if strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			t.Fatalf("Slug = %q has other characters", s)
		}
	})
}
