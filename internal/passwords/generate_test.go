package passwords

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func serialsCSV(n int, extra string) string {
	var b strings.Builder
	b.WriteString("serial,mac" + extra + "\n")
	for i := range n {
		fmt.Fprintf(&b, "AC200-2411-%06d,02:1A:3C:00:%02X:%02X\n", i, (4*i)>>8&0xff, (4*i)&0xff)
	}
	return b.String()
}

func generate(t *testing.T, in string, g GenerateConfig) (*Declaration, [][]string, []byte) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "batch.csv")
	m, err := Generate(strings.NewReader(in), "serials.csv", out, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return m, recs, data
}

func TestGenerateRandom(t *testing.T) {
	g := GenerateConfig{AlphabetName: "unambiguous", Length: 12}
	if err := g.Check(DefaultThresholds()); err != nil {
		t.Fatal(err)
	}
	m, recs, data := generate(t, serialsCSV(20000, ""), g)
	if recs[0][2] != "password" || len(recs) != 20001 {
		t.Fatalf("header %v, %d records", recs[0], len(recs))
	}
	seen := map[string]bool{}
	var counts [256]int
	for _, r := range recs[1:] {
		pw := r[2]
		if len(pw) != 12 || seen[pw] {
			t.Fatalf("password %q (length %d, seen before %v)", pw, len(pw), seen[pw])
		}
		seen[pw] = true
		for i := 0; i < len(pw); i++ {
			if !strings.Contains(Alphabets["unambiguous"], pw[i:i+1]) {
				t.Fatalf("%q has a character outside the alphabet", pw)
			}
			counts[pw[i]]++
		}
	}
	// Every character as likely as every other (no modulo bias): a
	// chi-squared test over the 57 characters, 56 degrees of freedom,
	// 99.9% point 97.0.
	want := float64(20000*12) / 57
	chi := 0.0
	for i := 0; i < len(Alphabets["unambiguous"]); i++ {
		d := float64(counts[Alphabets["unambiguous"][i]]) - want
		chi += d * d / want
	}
	if chi > 97.0 {
		t.Fatalf("characters are not uniform: chi-squared %.1f", chi)
	}
	sum := sha256.Sum256(data)
	if m.SHA256 != hex.EncodeToString(sum[:]) || m.Rows != 20000 || m.Mechanism != "csprng" || math.Abs(m.EntropyBits-69.99) > 0.01 {
		t.Fatalf("manifest %+v", m)
	}
}

// TestGenerateKeyedVector checks the keyed derivation against the worked
// example in the research note: key EXAMPLE-ONLY-NOT-A-REAL-KEY-0123456789abcdef,
// label psti-v1/AC-200, serial AC200-2411-000123, 16 characters.
func TestGenerateKeyedVector(t *testing.T) {
	g := GenerateConfig{AlphabetName: "unambiguous", Length: 16, Key: []byte("EXAMPLE-ONLY-NOT-A-REAL-KEY-0123456789abcdef"), Label: "psti-v1/AC-200", KeyCustody: "file"}
	if err := g.Check(DefaultThresholds()); err != nil {
		t.Fatal(err)
	}
	m, recs, _ := generate(t, "serial\nAC200-2411-000123\nAC200-2411-000124\n", g)
	if recs[1][1] != "m7EAEs5NB6inKMVH" {
		t.Fatalf("derived %q, want m7EAEs5NB6inKMVH", recs[1][1])
	}
	// The same key, label and serial always give the same password.
	_, again, _ := generate(t, "serial\nAC200-2411-000124\n", g)
	if again[1][1] != recs[2][1] {
		t.Fatalf("derivation is not repeatable: %q then %q", recs[2][1], again[1][1])
	}
	if m.Mechanism != "hmac-sha256" || m.KeyID != KeyID(g.Key) || m.KeyCustody != "file" || m.Label != "psti-v1/AC-200" {
		t.Fatalf("manifest %+v", m)
	}
	out, _ := os.ReadFile(filepath.Join(t.TempDir(), "x"))
	if bytes.Contains(out, g.Key) {
		t.Fatal("the key appears in the output")
	}
	// A repeated serial would repeat a password: refused.
	_, err := Generate(strings.NewReader("serial\nA1\nA1\n"), "s.csv", filepath.Join(t.TempDir(), "b.csv"), g, nil)
	if err == nil || !strings.Contains(err.Error(), "same serial") {
		t.Fatalf("repeated serial: %v", err)
	}
}

// TestGenerateRedrawsRepeats uses a deliberately tiny keyspace (bypassing
// Check) so random draws repeat, and checks every repeat was drawn again.
func TestGenerateRedrawsRepeats(t *testing.T) {
	g := GenerateConfig{Alphabet: "0123456789", Length: 4, Separator: "-"}
	m, recs, data := generate(t, serialsCSV(5000, ""), g)
	seen := map[string]bool{}
	for _, r := range recs[1:] {
		if seen[r[2]] {
			t.Fatalf("password %s appears twice", r[2])
		}
		seen[r[2]] = true
	}
	sum := sha256.Sum256(data)
	if m.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatal("manifest SHA-256 does not match the rewritten file")
	}
}

func TestGeneratePassphrase(t *testing.T) {
	g := GenerateConfig{Words: 5}
	if err := g.Check(DefaultThresholds()); err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	for _, w := range EFFLargeWords() {
		words[w] = true
	}
	m, recs, _ := generate(t, serialsCSV(200, ""), g)
	// Each passphrase is five list words joined by "-" (some words, like
	// felt-tip, have a hyphen of their own).
	var split func(s string, n int) bool
	split = func(s string, n int) bool {
		if n == 1 {
			return words[s]
		}
		for i := 0; i < len(s); i++ {
			if s[i] == '-' && words[s[:i]] && split(s[i+1:], n-1) {
				return true
			}
		}
		return false
	}
	for _, r := range recs[1:] {
		if !split(r[2], 5) {
			t.Fatalf("passphrase %q is not five EFF words", r[2])
		}
	}
	if m.Words != 5 || math.Abs(m.EntropyBits-64.62) > 0.01 {
		t.Fatalf("manifest %+v", m)
	}
}

func TestGenerateCheck(t *testing.T) {
	for _, c := range []struct {
		g    GenerateConfig
		want string
	}{
		{GenerateConfig{AlphabetName: "unambiguous", Length: 6}, "at least 40"},
		{GenerateConfig{AlphabetName: "unambiguous", Length: 10, Type: TypeWiFi}, "Wi-Fi key needs at least 64"},
		{GenerateConfig{AlphabetName: "nonsense", Length: 12}, "unknown alphabet"},
		{GenerateConfig{Alphabet: "aab", Length: 40}, "distinct"},
		{GenerateConfig{Words: 3}, "at least 40"},
		{GenerateConfig{AlphabetName: "unambiguous", Length: 12, Key: make([]byte, 16), Label: "x"}, "at least 32"},
		{GenerateConfig{AlphabetName: "unambiguous", Length: 12, Key: make([]byte, 32)}, "--label"},
		{GenerateConfig{AlphabetName: "unambiguous", Length: 12, Key: make([]byte, 32), Label: "x", KeyCustody: "device"}, "not acceptable"},
		// DP-15: no default custody; the manifest never claims one nobody stated.
		{GenerateConfig{AlphabetName: "unambiguous", Length: 12, Key: make([]byte, 32), Label: "x"}, "--key-custody"},
	} {
		err := c.g.Check(DefaultThresholds())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.g, err, c.want)
		}
	}
	ok := GenerateConfig{AlphabetName: "unambiguous", Length: 12, Type: TypeWiFi}
	if err := ok.Check(DefaultThresholds()); err != nil {
		t.Errorf("12 unambiguous characters (70 bits) refused for Wi-Fi: %v", err)
	}
}

func TestGenerateInput(t *testing.T) {
	// Quoted fields are read in full, from the first quote on.
	m, recs, _ := generate(t, "serial,note\nA1,plain\n\"A2\",\"has, a comma\"\nA3,\"two\nlines\"\n", GenerateConfig{AlphabetName: "unambiguous", Length: 12, Alphabet: Alphabets["unambiguous"]})
	if m.Rows != 3 || recs[2][1] != "has, a comma" || recs[3][1] != "two\nlines" {
		t.Fatalf("rows %d: %q", m.Rows, recs)
	}
	for _, c := range []struct {
		in, want string
		line     int
	}{
		{"", "empty", 0},
		{"serial\n", "no devices", 0},
		{"mac\n02:00:00:00:00:01\n", "no \"serial\" column", 1},
		{"serial,password\nA1,x\n", "already has a password", 1},
		{"serial,mac\nA1,x\nA2\n", "has 1 field but the header has 2", 3},
		{"serial\n\nA1\n   \n", "serial is empty", 4},
	} {
		_, err := Generate(strings.NewReader(c.in), "s.csv", filepath.Join(t.TempDir(), "b.csv"), GenerateConfig{Alphabet: Alphabets["unambiguous"], Length: 12}, nil)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(ie.Msg, c.want) || ie.Line != c.line {
			t.Errorf("%q: %v, want %q at line %d", c.in, err, c.want, c.line)
		}
	}
}
