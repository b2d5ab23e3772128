package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// caseRecords makes a database with a closed case (storetest.FillCases)
// and a case opened from a report whose reporter gave an address and a
// credit, and returns its URL and the second case's ID.
func caseRecords(t *testing.T) (string, int64) {
	t.Helper()
	url := storetest.SQLite.URL(t)
	db := openDB(t, url)
	defer db.Close()
	ctx := context.Background()
	seed := storetest.NewSeed(t, db)
	storetest.FillCases(t, db, seed)
	reports := &disclosure.Service{Store: db, Register: db, Clock: psti.SystemClock{}}
	rep, _, err := reports.Submit(ctx, disclosure.Submission{Summary: "Default password admin", Details: "Found by my scanner.",
		ProductID: seed.Product.ID, ContactEmail: "finder@example.net", Credit: "Ada Finder"})
	must(t, err)
	svc := &cases.Service{Store: db, Register: db, Reports: db, Policies: reports, Clock: psti.SystemClock{}}
	c, err := svc.OpenFromReport(ctx, psti.System("test"), rep.ID)
	must(t, err)
	return url, c.ID
}

// TestCasesExport: psti cases export writes a case's file in each format,
// the format from --format or the file's ending, never over a file that is
// there, and never with the reporter in it.
func TestCasesExport(t *testing.T) {
	url, id := caseRecords(t)
	dir := t.TempDir()
	ref := strconv.FormatInt(id, 10)
	export := func(args ...string) result {
		return cli(t, append([]string{"--database-url", url, "cases", "export", ref}, args...)...)
	}

	pdf := filepath.Join(dir, "case.pdf")
	r := export("--out", pdf)
	wantExit(t, r, 0)
	wantContains(t, "the report", r.stdout, "Security report", pdf)
	b, err := os.ReadFile(pdf)
	must(t, err)
	if !strings.HasPrefix(string(b), "%PDF-") {
		t.Fatalf("%s is not a PDF", pdf)
	}

	js := filepath.Join(dir, "case.txt")
	wantExit(t, export("--format", "json", "--out", js), 0)
	b, err = os.ReadFile(js)
	must(t, err)
	var f cases.File
	if err := json.Unmarshal(b, &f); err != nil || f.Case.ID != id || f.Report == nil {
		t.Fatalf("JSON %v: %s", err, b)
	}
	html := filepath.Join(dir, "case.HTML")
	wantExit(t, export("--out", html), 0)
	hb, err := os.ReadFile(html)
	must(t, err)
	for name, out := range map[string]string{"JSON": string(b), "HTML": string(hb)} {
		for _, secret := range []string{"finder@example.net", "Ada Finder", "my scanner"} {
			if strings.Contains(out, secret) {
				t.Errorf("the %s file holds the reporter's %q", name, secret)
			}
		}
	}
	if !strings.HasPrefix(string(hb), "<!DOCTYPE html>") {
		t.Errorf("not HTML: %.80s", hb)
	}

	// A file that is there is never replaced.
	r = export("--format", "json", "--out", pdf)
	wantExit(t, r, 2)
	wantContains(t, "the refusal", r.stderr, "already there")
	if after, _ := os.ReadFile(pdf); !strings.HasPrefix(string(after), "%PDF-") {
		t.Fatal("the PDF was replaced")
	}

	// Mistakes in the command line.
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--out", filepath.Join(dir, "a.docx")}, "--format is needed"},
		{[]string{"--format", "docx", "--out", filepath.Join(dir, "b.pdf")}, "choose html, json or pdf"},
		{[]string{"--format", "pdf"}, "--out FILE is needed"},
	} {
		r := export(tc.args...)
		wantExit(t, r, 2)
		wantContains(t, strings.Join(tc.args, " "), r.stderr, tc.says)
	}
	r = cli(t, "--database-url", url, "cases", "export", "999999", "--out", filepath.Join(dir, "c.pdf"))
	wantExit(t, r, 2)
	wantContains(t, "no such case", r.stderr, "there is no case 999999")
	r = cli(t, "--database-url", url, "cases", "export", "twelve", "--out", filepath.Join(dir, "d.pdf"))
	wantExit(t, r, 2)
	for _, name := range []string{"a.docx", "b.pdf", "c.pdf", "d.pdf"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was written by a refused command", name)
		}
	}
}
