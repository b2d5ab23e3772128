package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPasswordsAuditPrevious (PSTI-PW-01, para 1(2)(a) and 1(5): unique for
// each product of a class or type): two batches of one product that share
// exactly one password fail the second audit under DP-04, naming the earlier
// batch and the line, whether the earlier batch is given as its fingerprint
// file or as the batch file itself; two clean batches pass; a fingerprint
// file from another installation is refused with exit 2, naming the file.
func TestPasswordsAuditPrevious(t *testing.T) {
	dir := t.TempDir()
	db := "--database-url=" + createDB(t, filepath.Join(dir, "psti.db"))
	first := cleanDevices(t, 2000)
	firstCSV := writeFile(t, filepath.Join(dir, "batch-2411.csv"), batchCSV(first))
	fp := filepath.Join(dir, "batch-2411.fp")

	r := cli(t, db, "passwords", "fingerprints", "--input", firstCSV, "--out", fp, "--batch", "B-2411")
	wantExit(t, r, 0)
	wantContains(t, "fingerprints output", r.stdout, "2,000 passwords of B-2411", fp)
	data := mustRead(t, fp)
	for _, d := range first {
		if bytes.Contains(data, []byte(d.password)) {
			t.Fatal("the fingerprint file holds a password")
		}
	}

	clean := writeFile(t, filepath.Join(dir, "batch-2501.csv"), batchCSV(cleanDevices(t, 2000)))
	report := filepath.Join(dir, "report.json")
	r = cli(t, db, "passwords", "audit", "--input", clean, "--previous", fp, "--previous", firstCSV, "--report", report)
	wantAuditExit(t, r, 0)
	wantContains(t, "clean audit", r.stdout, `earlier batch "B-2411" (fingerprints of `+firstCSV, `earlier batch "`+firstCSV+`" (the batch file itself): 2,000 passwords compared, 0 rows`)

	// Line 1235 of the new batch has the password of line 101 of the first.
	repeat := cleanDevices(t, 2000)
	repeat[1233].password = first[99].password
	repeatCSV := writeFile(t, filepath.Join(dir, "batch-2502.csv"), batchCSV(repeat))
	for _, previous := range []string{fp, firstCSV} {
		r = cli(t, db, "passwords", "audit", "--input", repeatCSV, "--previous", previous, "--report", report, "--findings", filepath.Join(dir, "f.jsonl"))
		wantAuditExit(t, r, 1)
		rep := readReport(t, report)
		rr := rep.Rules[rep.rule(t, "DP-04")]
		label, source := "B-2411", "fingerprints of "+firstCSV+" in "+fp
		if previous == firstCSV {
			label, source = firstCSV, "the batch file itself"
		}
		if rr.Count != 1 || rr.Examples[0].Line != 1235 || rr.Examples[0].Evidence != `same password as a device in earlier batch "`+label+`" (`+source+`)` {
			t.Fatalf("--previous %s: %+v", previous, rr)
		}
		if got := readFindings(t, filepath.Join(dir, "f.jsonl")); len(got) != 1 || !slices.Equal(got[1235].Rules, []string{"DP-04"}) {
			t.Fatalf("findings %+v", got)
		}
	}

	// Another installation (another database, so another key) refuses the file.
	other := "--database-url=" + createDB(t, filepath.Join(dir, "other.db"))
	r = cli(t, other, "passwords", "audit", "--input", repeatCSV, "--previous", fp)
	wantAuditExit(t, r, 2)
	wantContains(t, "another key", r.stderr, fp, "another installation's key")
	// A batch file is fingerprinted on the fly under this installation's key.
	r = cli(t, other, "passwords", "audit", "--input", repeatCSV, "--previous", firstCSV)
	wantAuditExit(t, r, 1)

	// Unusable --previous files: exit 2, naming the file.
	bad := writeFile(t, filepath.Join(dir, "cut.fp"), data[:len(data)/2])
	r = cli(t, db, "passwords", "audit", "--input", repeatCSV, "--previous", bad)
	wantAuditExit(t, r, 2)
	wantContains(t, "a file cut short", r.stderr, bad)
	r = cli(t, db, "passwords", "audit", "--input", repeatCSV, "--previous", filepath.Join(dir, "missing.fp"))
	wantAuditExit(t, r, 2)
	r = cli(t, db, "passwords", "fingerprints", "--input", repeatCSV)
	wantExit(t, r, 2)
	if _, err := os.Stat(filepath.Join(dir, "psti-data")); err == nil || strings.Contains(r.stderr, "database") {
		t.Fatalf("a usage error touched the default database: %v", r)
	}
}
