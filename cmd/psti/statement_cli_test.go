package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
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

// TestStatementVerify: psti statement verify checks a sample statement
// offline: exit 0, naming the signer's certificate by the fingerprint
// psti statement sample printed, and saying that the log was not checked;
// with one byte of the signed content changed, exit 1, as pdfsig also
// finds it invalid; a JSON statement is checked with the .jws beside it.
func TestStatementVerify(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sample.pdf")
	r := cli(t, "statement", "sample", "--out", out)
	wantExit(t, r, 0)
	fp := regexp.MustCompile(`certificate SHA-256 ([0-9a-f]{64})`).FindStringSubmatch(r.stdout)
	if fp == nil {
		t.Fatalf("no fingerprint in %s", r.stdout)
	}
	r = cli(t, "statement", "verify", out)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Certificate   SHA-256 "+fp[1], "Sample Devices Ltd statements", "SOC-SAMPLE-0001, version 1",
		"every mandatory field is there", "Log inclusion was NOT checked")

	doc, err := os.ReadFile(out)
	must(t, err)
	changed := bytes.Clone(doc)
	changed[bytes.Index(doc, []byte("SAMPLE-200"))] ^= 1
	tampered := writeFile(t, filepath.Join(dir, "tampered.pdf"), changed)
	r = cli(t, "statement", "verify", tampered)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "verification FAILED", "changed after it was signed")
	if got := pdfsig(t, tampered); strings.Contains(got, "Signature is Valid") {
		t.Fatalf("pdfsig still calls the changed statement valid:\n%s", got)
	}

	// JSON, with its signature beside it.
	signer, err := statement.SelfSigned("Acme statements", "Acme Ltd", time.Now(), time.Hour, nil)
	must(t, err)
	content := storetest.StatementContent()
	j, err := statement.RenderJSON(&content, "SOC-2026-0001", 1, "https://shop.example/statements/SOC-2026-0001")
	must(t, err)
	jws, err := statement.SignJSON(j, signer)
	must(t, err)
	jf := writeFile(t, filepath.Join(dir, "statement.json"), j)
	r = cli(t, "statement", "verify", jf)
	wantExit(t, r, 2)
	wantContains(t, "stderr", r.stderr, "statement.json.jws", "--signature")
	writeFile(t, jf+".jws", []byte(jws))
	r = cli(t, "statement", "verify", jf)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Using the signature "+jf+".jws", "SHA-256 "+signer.Fingerprint(), "Log inclusion was NOT checked")
	j[10] ^= 1
	r = cli(t, "statement", "verify", writeFile(t, filepath.Join(dir, "changed.json"), j), "--signature", jf+".jws")
	wantExit(t, r, 1)

	// Unusable input: exit 2.
	for _, args := range [][]string{
		{"statement", "verify", out, "--checkpoint", filepath.Join(dir, "checkpoint")},
		{"statement", "verify", out, "--checkpoint", filepath.Join(dir, "checkpoint"), "--key", filepath.Join(dir, "key")},
		{"statement", "verify", out, "--key", filepath.Join(dir, "key")},
		{"statement", "verify", out, "--signature", jf + ".jws"},
		{"statement", "verify", filepath.Join(dir, "missing.pdf")},
		{"statement", "verify", writeFile(t, filepath.Join(dir, "notes.txt"), []byte("hello"))},
		{"statement", "verify"},
	} {
		wantExit(t, cli(t, args...), 2)
	}
	r = cli(t, "statement", "verify", out, "--checkpoint", filepath.Join(dir, "checkpoint"))
	wantContains(t, "stderr", r.stderr, "--checkpoint needs --key")
	r = cli(t, "statement", "verify", "--help")
	wantExit(t, r, 0)
	wantContains(t, "help", r.stdout, "Example", "Exit status", "fingerprint", "--checkpoint")
}

// issueSigned issues draft r in db with real renderings: a signed PDF, the
// JSON rendering and its signature; it returns the files written to dir.
func issueSigned(t *testing.T, db *store.DB, r *statement.Record, signer *statement.Signer, dir string) (pdfFile, jsonFile string) {
	t.Helper()
	return issueSignedAt(t, db, r, signer, dir, time.Now())
}

// issueSignedAt is issueSigned with the PDF signed at the time at.
func issueSignedAt(t *testing.T, db *store.DB, r *statement.Record, signer *statement.Signer, dir string, at time.Time) (pdfFile, jsonFile string) {
	t.Helper()
	ctx := context.Background()
	url := "https://shop.example/statements/" + r.Number
	doc, err := statement.RenderPDF(&r.Content, statement.PDFMeta{ID: r.Number, Version: r.Version, URL: url, Created: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)})
	must(t, err)
	pdf, err := statement.SignPDF(doc, signer, r.Content.Signatory.Name, r.Content.Place, at)
	must(t, err)
	j, err := statement.RenderJSON(&r.Content, r.Number, r.Version, url)
	must(t, err)
	jws, err := statement.SignJSON(j, signer)
	must(t, err)
	_, err = db.IssueStatement(ctx, psti.System("test"), r.ID, []statement.Rendering{
		statement.NewRendering(statement.RenderingPDF, "application/pdf", pdf),
		statement.NewRendering(statement.RenderingJSON, "application/json", j),
		statement.NewRendering(statement.RenderingJWS, "application/jose", []byte(jws)),
	})
	must(t, err)
	base := filepath.Join(dir, fmt.Sprintf("%s-v%d", r.Number, r.Version))
	jsonFile = writeFile(t, base+".json", j)
	writeFile(t, jsonFile+".jws", []byte(jws))
	return writeFile(t, base+".pdf", pdf), jsonFile
}

// TestStatementVerifyLog: against a copy of the log and a checkpoint, an
// issued statement's PDF and JSON verify (exit 0), naming the entry that
// issued them; once a correction is issued, the old PDF fails against the
// newer checkpoint as superseded (exit 1), while it still stands as of the
// older checkpoint; a statement the log does not hold fails (exit 1).
func TestStatementVerifyLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	copyDir := filepath.Join(dir, "log")
	url := storetest.SQLite.URL(t)
	db := openDB(t, url)
	must(t, db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "psti.test/log"}))
	seed := storetest.NewSeed(t, db)
	vkey, err := db.LogVerifier(ctx)
	must(t, err)
	key := writeFile(t, filepath.Join(dir, "key"), []byte(vkey+"\n"))
	signer, err := statement.SelfSigned("Acme Devices Ltd statements", "Acme Devices Ltd", time.Now(), 24*time.Hour, nil)
	must(t, err)
	v1 := &statement.Record{ProductID: seed.Product.ID, Content: storetest.StatementContent()}
	must(t, db.CreateStatement(ctx, psti.System("test"), v1))
	pdf1, json1 := issueSigned(t, db, v1, signer, dir)
	db.Close()

	wantExit(t, cli(t, "log", "export", "--to", copyDir, "--database-url", url), 0)
	oldCopy := filepath.Join(dir, "log-1")
	wantExit(t, cli(t, "log", "export", "--to", oldCopy, "--database-url", url), 0)
	cp1, err := os.ReadFile(filepath.Join(copyDir, "checkpoint"))
	must(t, err)
	old := writeFile(t, filepath.Join(dir, "checkpoint-1"), cp1)
	for _, f := range []string{pdf1, json1} {
		r := cli(t, "statement", "verify", f, "--checkpoint", old, "--key", key, "--log", copyDir)
		wantExit(t, r, 0)
		wantContains(t, "stdout", r.stdout, "Issued in log", "statement "+v1.Number+" version 1", "SHA-256 "+signer.Fingerprint(), "not superseded")
		if strings.Contains(r.stdout, "NOT checked") {
			t.Fatalf("the log was checked, yet:\n%s", r.stdout)
		}
	}

	// A correction: version 2 supersedes version 1.
	db = openDB(t, url)
	must(t, db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "psti.test/log"}))
	v2 := &statement.Record{Supersedes: &v1.ID, Content: storetest.StatementContent()}
	v2.Content.Batches = append(v2.Content.Batches, "B-2026-04")
	must(t, db.CreateStatement(ctx, psti.System("test"), v2))
	pdf2, _ := issueSigned(t, db, v2, signer, dir)
	db.Close()
	wantExit(t, cli(t, "log", "export", "--to", copyDir, "--database-url", url), 0)
	latest := filepath.Join(copyDir, "checkpoint")
	r := cli(t, "statement", "verify", pdf1, "--checkpoint", latest, "--key", key, "--log", copyDir)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "superseded by version 2", "log entry")
	wantExit(t, cli(t, "statement", "verify", pdf2, "--checkpoint", latest, "--key", key, "--log", copyDir), 0)
	// As of the older checkpoint, checked against the newer copy, version
	// 1 stands.
	wantExit(t, cli(t, "statement", "verify", pdf1, "--checkpoint", old, "--key", key, "--log", copyDir), 0)

	// A copy older than the checkpoint cannot show what it signs (exit 2).
	r = cli(t, "statement", "verify", pdf2, "--checkpoint", latest, "--key", key, "--log", oldCopy)
	wantExit(t, r, 2)
	wantContains(t, "stderr", r.stderr, "fewer than the")
	// A checkpoint the log's key signed, of another history: a fork.
	text := bytes.SplitN(mustRead(t, latest), []byte("\n\n"), 2)[0]
	latestCp, err := ledger.ParseCheckpoint(append(text, '\n'))
	must(t, err)
	latestCp.Hash[0] ^= 1
	forged, err := ledger.Sign(latestCp, (&logFixture{url: url}).signer(t))
	must(t, err)
	r = cli(t, "statement", "verify", pdf2, "--checkpoint", writeFile(t, filepath.Join(dir, "forked"), forged), "--key", key, "--log", copyDir)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "FORK")

	// A statement the log never issued.
	sample := filepath.Join(dir, "sample.pdf")
	wantExit(t, cli(t, "statement", "sample", "--out", sample), 0)
	r = cli(t, "statement", "verify", sample, "--checkpoint", latest, "--key", key, "--log", copyDir)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "not in the log as of that checkpoint")
	// Another log's key: the checkpoint does not verify.
	other := writeFile(t, filepath.Join(dir, "other-key"), []byte("other.example/log+0a1b2c3d+AQlB8rlxs3T1xDOwsYRPW5eKV4wW5/MJW6xuvRe3Y3ZR\n"))
	r = cli(t, "statement", "verify", pdf2, "--checkpoint", latest, "--key", other, "--log", copyDir)
	if r.code == 0 {
		t.Fatalf("verified with another log's key:\n%v", r)
	}
}

// TestStatementVerifyExpiredCertificate: a statement signed and logged
// while its certificate was valid verifies (exit 0) after the certificate
// has ended; psti statement verify says the certificate has since expired,
// and that the log recorded the statement at its time, before the
// certificate's end. Logged after the end, it fails (exit 1).
func TestStatementVerifyExpiredCertificate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	copyDir := filepath.Join(dir, "log")
	url := storetest.SQLite.URL(t)
	now := time.Now().UTC().Truncate(time.Second)
	clock := &storetest.Clock{}
	clock.Set(now.Add(-2 * time.Hour))
	db, err := store.Open(ctx, url, store.Options{Clock: clock})
	must(t, err)
	must(t, db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "psti.test/log"}))
	seed := storetest.NewSeed(t, db)
	vkey, err := db.LogVerifier(ctx)
	must(t, err)
	key := writeFile(t, filepath.Join(dir, "key"), []byte(vkey+"\n"))
	// Valid from 3 hours ago to 1 hour ago.
	signer, err := statement.SelfSigned("Acme Devices Ltd statements", "Acme Devices Ltd", now.Add(-3*time.Hour), 2*time.Hour, nil)
	must(t, err)
	v1 := &statement.Record{ProductID: seed.Product.ID, Content: storetest.StatementContent()}
	must(t, db.CreateStatement(ctx, psti.System("test"), v1))
	pdf, _ := issueSignedAt(t, db, v1, signer, dir, now.Add(-2*time.Hour))
	// Another statement, signed with a date while the certificate was
	// valid but logged now, after it ended.
	clock.Set(now)
	late := &statement.Record{ProductID: seed.Product.ID, Content: storetest.StatementContent()}
	must(t, db.CreateStatement(ctx, psti.System("test"), late))
	latePDF, _ := issueSignedAt(t, db, late, signer, dir, now.Add(-90*time.Minute))
	db.Close()
	wantExit(t, cli(t, "log", "export", "--to", copyDir, "--database-url", url), 0)
	cp := filepath.Join(copyDir, "checkpoint")

	// Alone, the file verifies, and the report says the certificate ended since.
	r := cli(t, "statement", "verify", pdf)
	wantExit(t, r, 0)
	end := psti.LongDateTime(now.Add(-time.Hour))
	wantContains(t, "stdout", r.stdout, "Signature     valid", "has since expired (on "+end+")", "signature was made while it was valid",
		"dated "+psti.LongDateTime(now.Add(-2*time.Hour)), "signer's own claim")

	r = cli(t, "statement", "verify", pdf, "--checkpoint", cp, "--key", key, "--log", copyDir)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "has since expired",
		"The log recorded it on "+psti.LongDateTime(now.Add(-2*time.Hour))+", before the certificate that signed it ended on "+end, "not superseded")

	r = cli(t, "statement", "verify", latePDF, "--checkpoint", cp, "--key", key, "--log", copyDir)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "after the certificate that signed it ended on "+end, "signed with an ended certificate")
}
