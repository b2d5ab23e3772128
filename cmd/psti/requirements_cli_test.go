package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psti/psti/internal/catalog"
)

// TestRequirementsCLI: psti requirements lists the catalogue as text, and
// writes it as JSON and as OSCAL, to standard output or to a new file,
// without a database.
func TestRequirementsCLI(t *testing.T) {
	c := catalog.DefaultCatalogue()
	dir := t.TempDir()
	t.Chdir(dir) // no database here: the command must not need one

	r := cli(t, "requirements")
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Requirement catalogue version "+c.Version, "written on 7 December 2026",
		"Schedule 1 paragraph 1: passwords", "PSTI-PW-01  Unique or user-defined passwords",
		"Deemed met by: ETSI EN 303 645 V2.1.1 5.1-1;", "PSTI-S-08", "Confidence: SINGLE (the guidance claim)")
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "    ") && len([]rune(line)) > 78 && strings.Contains(strings.TrimSpace(line), " ") {
			t.Errorf("line wider than 78 columns: %q", line)
		}
	}

	r = cli(t, "requirements", "--format", "json")
	wantExit(t, r, 0)
	var got catalog.Catalogue
	d := json.NewDecoder(strings.NewReader(r.stdout))
	d.DisallowUnknownFields()
	if err := d.Decode(&got); err != nil || got.Version != c.Version || got.Requirement("PSTI-DSP-05") == nil {
		t.Fatalf("--format json: %v, version %q", err, got.Version)
	}

	oscal, err := catalog.OSCAL(c)
	if err != nil {
		t.Fatal(err)
	}
	r = cli(t, "requirements", "--format", "oscal")
	wantExit(t, r, 0)
	if r.stdout != string(oscal) {
		t.Fatal("--format oscal differs from catalog.OSCAL")
	}

	out := filepath.Join(dir, "req.oscal.json")
	r = cli(t, "requirements", "--format", "oscal", "--out", out)
	wantExit(t, r, 0)
	if r.stdout != "" || !strings.Contains(r.stderr, "Wrote "+out) {
		t.Fatalf("--out: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	if data, err := os.ReadFile(out); err != nil || !bytes.Equal(data, oscal) {
		t.Fatalf("the file written differs from catalog.OSCAL (%v)", err)
	}
	// An existing file is never overwritten.
	r = cli(t, "requirements", "--out", out)
	wantExit(t, r, 2)
	wantContains(t, "stderr", r.stderr, "exists already")
	if data, _ := os.ReadFile(out); !bytes.Equal(data, oscal) {
		t.Fatal("a refused --out changed the file")
	}

	r = cli(t, "requirements", "--format", "xml")
	wantExit(t, r, 2)
	wantContains(t, "stderr", r.stderr, "text, json or oscal")
	wantExit(t, cli(t, "requirements", "extra"), 2)

	r = cli(t, "requirements", "--help")
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "VERIFIED", "UNVERIFIED", "/api/v1/requirements/oscal", "--format oscal --out")
	if _, err := os.Stat(filepath.Join(dir, "psti-data")); err == nil {
		t.Fatal("psti requirements made a database")
	}
}
