package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pdfsig runs poppler's pdfsig on a file: under CI=true it must be there.
func pdfsig(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdfsig"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdfsig (poppler-utils) is missing, and under CI=true the check must run")
		}
		t.Skip("pdfsig (poppler-utils) is not installed")
	}
	out, _ := exec.Command("pdfsig", path).CombinedOutput()
	return string(out)
}

// TestStatementSample: psti statement sample writes a complete statement
// for a fictional product, signed so that pdfsig calls the signature
// valid; any byte of the signed content changed, and it is not; a file
// that exists already is left alone (exit 2).
func TestStatementSample(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sample.pdf")
	r := cli(t, "statement", "sample", "--out", out)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Wrote "+out, "certificate SHA-256")
	doc, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(doc, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %v", err)
	}
	if got := pdfsig(t, out); !strings.Contains(got, "Signature is Valid") {
		t.Fatalf("pdfsig on the sample:\n%s", got)
	}
	// One byte of the signed content changed: the model number.
	i := bytes.Index(doc, []byte("SAMPLE-200"))
	if i < 0 {
		// The text may be written glyph by glyph; change a byte early in
		// the document instead, inside the signed range.
		i = 200
	}
	changed := bytes.Clone(doc)
	changed[i] ^= 1
	tampered := writeFile(t, filepath.Join(dir, "tampered.pdf"), changed)
	if got := pdfsig(t, tampered); strings.Contains(got, "Signature is Valid") {
		t.Fatalf("pdfsig still calls a changed sample valid:\n%s", got)
	}

	wantExit(t, cli(t, "statement", "sample", "--out", out), 2)
	if again, _ := os.ReadFile(out); !bytes.Equal(again, doc) {
		t.Fatal("an existing file was overwritten")
	}
	wantExit(t, cli(t, "statement", "sample"), 2)
	wantExit(t, cli(t, "statement"), 2)
}
