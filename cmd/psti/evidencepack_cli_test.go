package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// repack rewrites a zip with change applied to its files.
func repack(t *testing.T, data []byte, change func(files map[string][]byte)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		rc.Close()
		must(t, err)
		files[f.Name] = b
	}
	change(files)
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		must(t, err)
		_, err = w.Write(files[n])
		must(t, err)
	}
	must(t, zw.Close())
	return buf.Bytes()
}

// packRecords makes a database with a product and everything a pack
// holds, and returns it with a folder for files and the log's key there.
func packRecords(t *testing.T) (url string, seed *storetest.Seed, dir, keyFile string) {
	t.Helper()
	url = storetest.SQLite.URL(t)
	db := openDB(t, url)
	ctx := context.Background()
	must(t, db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "psti.test/log"}))
	seed = storetest.NewSeed(t, db)
	storetest.SeedEvidence(t, db, seed)
	key, err := db.LogVerifier(ctx)
	must(t, err)
	db.Close()
	dir = t.TempDir()
	return url, seed, dir, writeFile(t, filepath.Join(dir, "key"), []byte(key+"\n"))
}

// TestEvidencePackCLI writes a product's evidence pack by slug and by
// number (the same bytes), refuses to overwrite without --force, and psti
// verify pack checks it: verified with the log's key or the pack's own,
// failed (exit 1, naming the file) when a byte changes or a file goes.
func TestEvidencePackCLI(t *testing.T) {
	url, seed, dir, keyFile := packRecords(t)
	out := filepath.Join(dir, "pack.zip")

	r := cli(t, "evidence-pack", seed.Product.Slug, "--out", out, "--database-url", url)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, seed.Product.Name, "psti verify pack")
	first, err := os.ReadFile(out)
	must(t, err)
	r = cli(t, "evidence-pack", seed.Product.Slug, "--out", out, "--database-url", url)
	wantExit(t, r, 2)
	wantContains(t, "stderr", r.stderr, "already exists", "--force")
	wantExit(t, cli(t, "evidence-pack", fmt.Sprint(seed.Product.ID), "--out", out, "--force", "--database-url", url), 0)
	if again, _ := os.ReadFile(out); !bytes.Equal(first, again) {
		t.Fatal("the pack made again from the same records, by number, differs")
	}
	for _, args := range [][]string{
		{"evidence-pack", "no-such-product", "--out", filepath.Join(dir, "x.zip")},
		{"evidence-pack", seed.Product.Slug},
		{"evidence-pack"},
	} {
		wantExit(t, cli(t, append(args, "--database-url", url)...), 2)
	}

	r = cli(t, "verify", "pack", out, "--key", keyFile)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Verified: all", "signature valid", "never went backwards")
	r = cli(t, "verify", "pack", out)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "from the pack", "Fingerprint", "trust in that key must come from")

	for _, tc := range []struct {
		name   string
		change func(map[string][]byte)
		want   string
	}{
		{"one byte of the statement", func(f map[string][]byte) {
			for n, b := range f {
				if strings.HasSuffix(n, "/statement.pdf") {
					b[len(b)/2] ^= 1
					return
				}
			}
			t.Fatal("no statement.pdf in the pack")
		}, "/statement.pdf: its SHA-256"},
		{"a file removed", func(f map[string][]byte) { delete(f, "disclosure/policy.json") }, "disclosure/policy.json: the manifest lists it, but it is missing"},
	} {
		bad := writeFile(t, filepath.Join(dir, "bad.zip"), repack(t, first, tc.change))
		r := cli(t, "verify", "pack", bad, "--key", keyFile)
		wantExit(t, r, 1)
		wantContains(t, "stderr "+tc.name, r.stderr, "verification FAILED", tc.want)
	}
	wantExit(t, cli(t, "verify", "pack", writeFile(t, filepath.Join(dir, "not.zip"), []byte("hello"))), 2)
	wantExit(t, cli(t, "verify", "pack", filepath.Join(dir, "missing.zip")), 2)
	r = cli(t, "evidence-pack", "--help")
	wantExit(t, r, 0)
	wantContains(t, "help", r.stdout, "enforcement officer", "--force", "psti verify pack")
}

// TestVerifyPackAgainstTheLog: the manifest is not signed, so a statement
// left out of a pack with its log entry, its proof and its manifest lines
// still verifies on its own; psti verify pack --log finds it missing from a
// copy of the log.
func TestVerifyPackAgainstTheLog(t *testing.T) {
	url, seed, dir, keyFile := packRecords(t)
	out := filepath.Join(dir, "pack.zip")
	wantExit(t, cli(t, "evidence-pack", seed.Product.Slug, "--out", out, "--database-url", url), 0)
	logDir := filepath.Join(dir, "log")
	wantExit(t, cli(t, "log", "export", "--to", logDir, "--database-url", url), 0)

	r := cli(t, "verify", "pack", out, "--key", keyFile, "--log", logDir)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Complete: every entry of the log about this product")
	r = cli(t, "verify", "pack", out, "--key", keyFile)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "was not checked: give --log")
	wantExit(t, cli(t, "verify", "pack", out, "--log", logDir), 2)

	data, err := os.ReadFile(out)
	must(t, err)
	thinned := repack(t, data, func(f map[string][]byte) {
		gone := map[string]bool{}
		for n, b := range f {
			if strings.HasPrefix(n, "statements/") || strings.HasPrefix(n, "log/entries/") && bytes.Contains(b, []byte(`"statement.issued"`)) {
				gone[n] = true
				if idx := strings.TrimPrefix(n, "log/entries/"); idx != n {
					gone["log/proofs/"+idx+".json"] = true
				}
			}
		}
		if len(gone) < 3 {
			t.Fatalf("nothing to leave out: %v", gone)
		}
		var m struct {
			Format  string           `json:"format"`
			Product string           `json:"product"`
			AsOf    string           `json:"as_of"`
			Files   []map[string]any `json:"files"`
		}
		must(t, json.Unmarshal(f["manifest.json"], &m))
		var kept []map[string]any
		for _, file := range m.Files {
			if !gone[file["name"].(string)] {
				kept = append(kept, file)
			}
		}
		m.Files = kept
		b, err := json.Marshal(m)
		must(t, err)
		f["manifest.json"] = b
		for n := range gone {
			delete(f, n)
		}
	})
	bad := writeFile(t, filepath.Join(dir, "thinned.zip"), thinned)
	wantExit(t, cli(t, "verify", "pack", bad, "--key", keyFile), 0) // the gap the pack alone cannot show
	r = cli(t, "verify", "pack", bad, "--key", keyFile, "--log", logDir)
	wantExit(t, r, 1)
	wantContains(t, "the report", r.stdout+r.stderr, "statement.issued", "is about this product but is not in the pack")
}
