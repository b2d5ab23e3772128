package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/support"
)

// logFixture is a transparency log in a real database, and the files a
// verifier would fetch of it: a copy exported with psti log export, an
// entry with its inclusion proof, an older checkpoint with a consistency
// proof, and the log's key, kept apart from the copy as a verifier keeps
// it.
type logFixture struct {
	url      string
	dir      string // the exported copy
	key      string // the log's verifier key, one line
	keys     string // the key list, JSON
	old      string // a checkpoint signed before the extension
	entry    string // entry published, as /log/entries/N serves it
	proof    string // its inclusion proof in the exported checkpoint
	cons     string // the consistency proof from old to the exported checkpoint
	size     int64
	oldSize  int64
	pubIdx   int64 // the doorbell's support period published
	extIdx   int64 // and extended
	tmp      string
	origin   string
	otherIdx int64 // an entry about another product
}

// supportEntry is a log entry of a support period of product slug, as
// publishing or extending one records it.
func supportEntry(slug string, period int64, end, previous string, at time.Time) *ledger.Entry {
	rec := map[string]any{"period_id": period, "product": slug, "end_date": end}
	kind := ledger.KindSupportPublished
	if previous != "" {
		kind = ledger.KindSupportExtended
		rec["previous_end_date"], rec["reason"] = previous, "Security updates for longer"
	}
	b, _ := json.Marshal(rec)
	return &ledger.Entry{Kind: kind, At: at, Subject: support.Subject(slug), Record: b}
}

func fillerEntries(n int, at time.Time) []*ledger.Entry {
	es := make([]*ledger.Entry, n)
	for i := range es {
		es[i] = &ledger.Entry{Kind: ledger.KindAdvisoryPublished, At: at, Subject: fmt.Sprintf("advisory/ACME-2026-%04d", i),
			Record: json.RawMessage(fmt.Sprintf(`{"title":"Advisory %d"}`, i))}
	}
	return es
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func appendLog(t testing.TB, db *store.DB, es ...*ledger.Entry) int64 {
	t.Helper()
	first, err := db.AppendLog(context.Background(), psti.System("test"), es)
	must(t, err)
	return first
}

// newLogFixture builds a log of a little over one full tile (so that tiles
// of two levels are published): advisories, and the support period of
// product "doorbell", published then extended, with another product's
// entries in between; then exports it with psti log export.
func newLogFixture(t *testing.T, b storetest.Backend) *logFixture {
	t.Helper()
	ctx := context.Background()
	f := &logFixture{url: b.URL(t), tmp: t.TempDir(), origin: "shop.example/log"}
	f.dir = filepath.Join(f.tmp, "copy")
	db, err := store.Open(ctx, f.url, store.Options{})
	must(t, err)
	defer db.Close()
	must(t, db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: f.origin}))
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	appendLog(t, db, fillerEntries(250, at)...)
	f.pubIdx = appendLog(t, db, supportEntry("doorbell", 4, "2030-03-31", "", at.Add(24*time.Hour)))
	f.otherIdx = appendLog(t, db, supportEntry("camera", 5, "2028-01-31", "", at.Add(25*time.Hour)))
	old, cp, err := db.LogCheckpoint(ctx)
	must(t, err)
	f.old, f.oldSize = writeFile(t, filepath.Join(f.tmp, "old-checkpoint"), old), cp.Size
	appendLog(t, db, fillerEntries(40, at.Add(30*24*time.Hour))...)
	// Another product's period, shorter, is no concern of the doorbell's.
	appendLog(t, db, supportEntry("camera", 6, "2027-01-31", "", at.Add(31*24*time.Hour)))
	f.extIdx = appendLog(t, db, supportEntry("doorbell", 4, "2031-03-31", "2030-03-31", at.Add(60*24*time.Hour)))
	appendLog(t, db, fillerEntries(3, at.Add(61*24*time.Hour))...)

	f.export(t)
	_, cp, err = db.LogCheckpoint(ctx)
	must(t, err)
	f.size = cp.Size
	key, err := db.LogVerifier(ctx)
	must(t, err)
	f.key = writeFile(t, filepath.Join(f.tmp, "key"), []byte(key+"\n"))
	keys, err := db.LogKeys(ctx)
	must(t, err)
	kb, _ := json.Marshal(keys)
	f.keys = writeFile(t, filepath.Join(f.tmp, "keys.json"), kb)
	data, err := db.LogEntry(ctx, f.pubIdx)
	must(t, err)
	f.entry = writeFile(t, filepath.Join(f.tmp, "entry"), data)
	p, err := db.ProveLogInclusion(ctx, f.pubIdx, f.size)
	must(t, err)
	pb, _ := json.Marshal(p)
	f.proof = writeFile(t, filepath.Join(f.tmp, "proof.json"), pb)
	c, err := db.ProveLogConsistency(ctx, f.oldSize, f.size)
	must(t, err)
	cb, _ := json.Marshal(c)
	f.cons = writeFile(t, filepath.Join(f.tmp, "consistency.json"), cb)
	return f
}

// export writes the copy again, from the database as it is now.
func (f *logFixture) export(t *testing.T) {
	t.Helper()
	r := cli(t, "log", "export", "--to", f.dir, "--database-url", f.url)
	wantExit(t, r, 0)
	wantContains(t, "export", r.stdout, f.origin, "entries")
}

func (f *logFixture) path(name string) string { return filepath.Join(f.tmp, name) }

// signer opens the log's signing key from the database, as only the
// installation can: to make checkpoints that the log's key really signed.
func (f *logFixture) signer(t *testing.T) note.Signer {
	t.Helper()
	db := rawDB(t, f.url)
	var sealed []byte
	must(t, db.QueryRow(`SELECT sealed FROM log_keys WHERE retired_at IS NULL`).Scan(&sealed))
	skey, err := ledger.Unseal(storetest.LogSecret, sealed)
	must(t, err)
	s, err := note.NewSigner(skey)
	must(t, err)
	return s
}

// rawDB opens the database directly, past psti: as someone with the
// database in hand would.
func rawDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", url
	if p, ok := strings.CutPrefix(url, "sqlite:"); ok {
		driver, dsn = "sqlite", p
	}
	db, err := sql.Open(driver, dsn)
	must(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// tamper rewrites entry idx's content behind psti's back, past the
// trigger that keeps the log append-only.
func tamper(t *testing.T, url string, idx int64, data []byte) {
	t.Helper()
	db := rawDB(t, url)
	if strings.HasPrefix(url, "sqlite:") {
		_, err := db.Exec(`DROP TRIGGER log_entries_no_update`)
		must(t, err)
		_, err = db.Exec(`UPDATE log_entries SET data = ? WHERE idx = ?`, data, idx)
		must(t, err)
		return
	}
	_, err := db.Exec(`ALTER TABLE log_entries DISABLE TRIGGER log_entries_unchanging`)
	must(t, err)
	_, err = db.Exec(`UPDATE log_entries SET data = $1 WHERE idx = $2`, data, idx)
	must(t, err)
}

// TestVerify: every psti verify command passes on a sound log, exported
// from a real database, and fails (exit 1, saying what and naming the
// entry) on each kind of forgery.
func TestVerify(t *testing.T) {
	f := newLogFixture(t, storetest.SQLite)
	s := f.signer(t)
	cp, err := os.ReadFile(filepath.Join(f.dir, "checkpoint"))
	must(t, err)
	body, _, _ := strings.Cut(string(cp), "\n\n")
	sound, err := ledger.ParseCheckpoint([]byte(body + "\n"))
	must(t, err)

	// Forgeries.
	altered := writeFile(t, f.path("altered"), bytes.Replace(cp, fmt.Appendf(nil, "\n%d\n", f.size), fmt.Appendf(nil, "\n%d\n", f.size+1), 1))
	other, _, err := ledger.NewKey(f.origin, nil)
	must(t, err)
	otherSigner, err := note.NewSigner(other)
	must(t, err)
	byOther, err := ledger.Sign(sound, otherSigner)
	must(t, err)
	byOtherFile := writeFile(t, f.path("by-other"), byOther)
	forked := sound
	forked.Hash[0] ^= 1
	fork, err := ledger.Sign(forked, s)
	must(t, err)
	forkFile := writeFile(t, f.path("fork"), fork)
	// A checkpoint of the old size whose root is another: the log showed
	// another history then.
	oldFork, err := ledger.Sign(ledger.Checkpoint{Origin: f.origin, Size: f.oldSize, Hash: sound.Hash}, s)
	must(t, err)
	oldForkFile := writeFile(t, f.path("old-fork"), oldFork)
	db := openDB(t, f.url)
	otherEntry, err := db.LogEntry(context.Background(), f.otherIdx)
	db.Close()
	must(t, err)
	wrongEntry := writeFile(t, f.path("wrong-entry"), otherEntry)
	entry, _ := os.ReadFile(f.entry)
	trailing := writeFile(t, f.path("entry-nl"), append(entry, '\n'))

	ck := filepath.Join(f.dir, "checkpoint")
	pub := fmt.Sprint(f.pubIdx)
	tests := []struct {
		name string
		args []string
		code int
		out  []string // on stdout
		err  string   // on stderr
	}{
		{"checkpoint", []string{"checkpoint", ck, "--key", f.key}, 0,
			[]string{f.origin, fmt.Sprintf("%d entries", f.size), rootText(sound), strings.TrimSpace(readString(t, f.key)), "Verified"}, ""},
		{"checkpoint with the key list", []string{"checkpoint", ck, "--key", f.keys}, 0, []string{"Verified"}, ""},
		{"old checkpoint", []string{"checkpoint", f.old, "--key", f.key}, 0, []string{fmt.Sprintf("%d entries", f.oldSize)}, ""},
		{"checkpoint altered", []string{"checkpoint", altered, "--key", f.key}, 1, nil, "signature by shop.example/log is not valid"},
		{"checkpoint by another key", []string{"checkpoint", byOtherFile, "--key", f.key}, 1, nil, "signed only by keys you did not give"},
		{"checkpoint not a checkpoint", []string{"checkpoint", f.proof, "--key", f.key}, 1, nil, "checkpoint " + f.proof},

		{"inclusion", []string{"inclusion", f.entry, "--proof", f.proof, "--checkpoint", ck, "--key", f.key}, 0,
			[]string{"Entry         " + pub, "product/doorbell", ledger.KindSupportPublished, "Verified: entry " + pub}, ""},
		{"inclusion of a wrong entry", []string{"inclusion", wrongEntry, "--proof", f.proof, "--checkpoint", ck, "--key", f.key}, 1, nil,
			"entry " + pub + " is not in the log"},
		{"inclusion of an entry saved with a line break", []string{"inclusion", trailing, "--proof", f.proof, "--checkpoint", ck, "--key", f.key}, 1, nil,
			"ends in a line break"},
		{"inclusion in a checkpoint of another size", []string{"inclusion", f.entry, "--proof", f.proof, "--checkpoint", f.old, "--key", f.key}, 1, nil,
			fmt.Sprintf("the proof is for a log of %d entries, the checkpoint for %d", f.size, f.oldSize)},
		{"inclusion in a forked checkpoint", []string{"inclusion", f.entry, "--proof", f.proof, "--checkpoint", forkFile, "--key", f.key}, 1, nil,
			"entry " + pub + " is not in the log"},
		{"inclusion in a checkpoint by another key", []string{"inclusion", f.entry, "--proof", f.proof, "--checkpoint", byOtherFile, "--key", f.key}, 1, nil,
			"signed only by keys you did not give"},

		{"consistency", []string{"consistency", f.old, ck, "--proof", f.cons, "--key", f.key}, 0,
			[]string{fmt.Sprintf("only added %d entries to the log of %d", f.size-f.oldSize, f.oldSize)}, ""},
		{"consistency of a checkpoint with itself", []string{"consistency", ck, ck, "--key", f.key}, 0, []string{"the same log"}, ""},
		{"consistency with a fork of the same size", []string{"consistency", ck, forkFile, "--key", f.key}, 1, nil,
			fmt.Sprintf("FORK: two checkpoints of %d entries have different root hashes", f.size)},
		{"consistency from a forked past", []string{"consistency", oldForkFile, ck, "--proof", f.cons, "--key", f.key}, 1, nil,
			"the proof does not show the log"},
		{"consistency backwards", []string{"consistency", ck, f.old, "--proof", f.cons, "--key", f.key}, 1, nil, "oldest first"},
		{"consistency with a checkpoint by another key", []string{"consistency", f.old, byOtherFile, "--proof", f.cons, "--key", f.key}, 1, nil,
			"checkpoint " + byOtherFile},

		{"log", []string{"log", "--log", f.dir, "--key", f.key}, 0,
			[]string{fmt.Sprintf("%d entries from", f.size), "Key list      1 key\n", "Verified: all"}, ""},
		{"log with the key list", []string{"log", "--log", f.dir, "--key", f.keys}, 0, []string{"Verified"}, ""},
		{"log against another key", []string{"log", "--log", f.dir, "--key", writeFile(t, f.path("other-key"), []byte(otherKey(t, f.origin)))}, 1, nil,
			"keys: none of the keys you trust is in the key list"},

		{"product", []string{"product", "doorbell", "--log", f.dir, "--key", f.key}, 0, []string{
			"2 March 2026", "published support period 4", "until 31 March 2030", "entry " + pub,
			"extended support period 4", "until 31 March 2031", fmt.Sprintf("entry %d", f.extIdx),
			"Verified: from the log, the support end date of doorbell never went backwards"}, ""},
		{"product with two periods", []string{"product", "camera", "--log", f.dir, "--key", f.keys}, 0, []string{"support period 5", "support period 6", "Verified"}, ""},
		{"product not in the log", []string{"product", "toaster", "--log", f.dir, "--key", f.key}, 1, nil, "holds no support period for product toaster"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, append([]string{"verify"}, tc.args...)...)
			wantExit(t, r, tc.code)
			wantContains(t, "stdout", r.stdout, tc.out...)
			if tc.code != 0 {
				wantContains(t, "stderr", r.stderr, "verification FAILED", tc.err)
			}
		})
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return string(b)
}

func otherKey(t *testing.T, origin string) string {
	t.Helper()
	_, vkey, err := ledger.NewKey(origin, nil)
	must(t, err)
	return vkey
}

// TestVerifyProductShortened: a log in which a support period's end date
// went backwards (an entry appended straight to the log, as no psti screen
// allows) fails psti verify product, naming the entry; the copy itself
// holds together.
func TestVerifyProductShortened(t *testing.T) {
	f := newLogFixture(t, storetest.SQLite)
	db := openDB(t, f.url)
	must(t, db.OpenLog(context.Background(), store.LogOptions{Secret: storetest.LogSecret, Origin: f.origin}))
	bad := appendLog(t, db, supportEntry("doorbell", 4, "2029-12-31", "2031-03-31", time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)))
	db.Close()
	f.export(t)
	wantExit(t, cli(t, "verify", "log", "--log", f.dir, "--key", f.key), 0)
	r := cli(t, "verify", "product", "doorbell", "--log", f.dir, "--key", f.key)
	wantExit(t, r, 1)
	want := fmt.Sprintf("entry %d: the end date went backwards: support period 4 ends on 2029-12-31, earlier than 2031-03-31, published in entry %d", bad, f.extIdx)
	wantContains(t, "stderr", r.stderr, want)
	wantContains(t, "stdout", r.stdout, "until 31 December 2029", fmt.Sprintf("entry %d", bad), "FAILED: 1 problem in the product's history", want)
	// Another product is unaffected.
	wantExit(t, cli(t, "verify", "product", "camera", "--log", f.dir, "--key", f.key), 0)
}

// TestVerifyTamperedDatabase: an entry rewritten in the database behind
// psti's back (its trigger dropped, on SQLite and PostgreSQL), to shorten
// a support period, is found by psti verify in the next export, which
// names the entry; so is the server's own self-check.
func TestVerifyTamperedDatabase(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			f := newLogFixture(t, b)
			wantExit(t, cli(t, "verify", "product", "doorbell", "--log", f.dir, "--key", f.key), 0)
			forged, err := supportEntry("doorbell", 4, "2029-03-31", "2030-03-31", time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC)).Encode()
			must(t, err)
			tamper(t, f.url, f.extIdx, forged)
			f.export(t)

			want := fmt.Sprintf("entry %d: its content is not what was logged", f.extIdx)
			for _, args := range [][]string{
				{"verify", "product", "doorbell", "--log", f.dir, "--key", f.key},
				{"verify", "log", "--log", f.dir, "--key", f.key},
			} {
				r := cli(t, args...)
				wantExit(t, r, 1)
				wantContains(t, "stderr", r.stderr, want)
				wantContains(t, "stdout", r.stdout, "FAILED", want)
			}
			// The forged entry is not in any checkpoint signed before.
			r := cli(t, "verify", "inclusion", writeFile(t, f.path("forged"), forged), "--proof", writeProof(t, f, f.extIdx),
				"--checkpoint", filepath.Join(f.dir, "checkpoint"), "--key", f.key)
			wantExit(t, r, 1)
			wantContains(t, "stderr", r.stderr, fmt.Sprintf("entry %d is not in the log", f.extIdx))

			db := openDB(t, f.url)
			defer db.Close()
			problems, err := db.CheckLog(context.Background(), nil)
			must(t, err)
			if len(problems) == 0 || !strings.Contains(problems[0], want) {
				t.Fatalf("self-check after tampering: %q", problems)
			}
		})
	}
}

func writeProof(t *testing.T, f *logFixture, idx int64) string {
	t.Helper()
	db := openDB(t, f.url)
	defer db.Close()
	p, err := db.ProveLogInclusion(context.Background(), idx, f.size)
	must(t, err)
	b, _ := json.Marshal(p)
	return writeFile(t, f.path(fmt.Sprintf("proof-%d.json", idx)), b)
}

// TestLogRotateKey: after psti log rotate-key, checkpoints signed by the
// new key verify for one who kept the old key, through the key list in the
// copy; the old checkpoint still verifies; the new key alone does not sign
// the old checkpoint.
func TestLogRotateKey(t *testing.T) {
	f := newLogFixture(t, storetest.SQLite)
	t.Setenv("PSTI_LOG_SECRET", string(storetest.LogSecret))
	r := cli(t, "log", "rotate-key", "--database-url", f.url)
	wantExit(t, r, 0)
	newKey := strings.TrimSpace(r.stdout)
	if _, err := note.NewVerifier(newKey); err != nil || newKey == strings.TrimSpace(readString(t, f.key)) {
		t.Fatalf("rotate-key printed %q: %v", r.stdout, err)
	}
	wantContains(t, "stderr", r.stderr, "publish the new key", "Restart")

	// A server with the new key appends and signs.
	db := openDB(t, f.url)
	must(t, db.OpenLog(context.Background(), store.LogOptions{Secret: storetest.LogSecret, Origin: f.origin}))
	appendLog(t, db, supportEntry("doorbell", 4, "2032-03-31", "2031-03-31", time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)))
	db.Close()
	f.export(t)
	if got := strings.TrimSpace(readString(t, filepath.Join(f.dir, "key"))); got != newKey {
		t.Fatalf("the copy's key is %q, want the new %q", got, newKey)
	}
	ck := filepath.Join(f.dir, "checkpoint")
	r = cli(t, "verify", "product", "doorbell", "--log", f.dir, "--key", f.key)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Key list      2 keys", "Signed by     "+newKey, "until 31 March 2032")
	wantExit(t, cli(t, "verify", "checkpoint", ck, "--key", filepath.Join(f.dir, "keys")), 0)
	wantExit(t, cli(t, "verify", "checkpoint", f.old, "--key", filepath.Join(f.dir, "keys")), 0)
	r = cli(t, "verify", "checkpoint", ck, "--key", f.key)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "signed only by keys you did not give")
	newKeyFile := writeFile(t, f.path("new-key"), []byte(newKey))
	wantExit(t, cli(t, "verify", "checkpoint", f.old, "--key", newKeyFile), 1)

	// A wrong secret opens no key, and changes nothing.
	t.Setenv("PSTI_LOG_SECRET", "not the secret the key was sealed with")
	r = cli(t, "log", "rotate-key", "--database-url", f.url)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "cannot be opened")
}

// TestVerifyLogOverHTTP: --log may be the address of a server's /log.
func TestVerifyLogOverHTTP(t *testing.T) {
	f := newLogFixture(t, storetest.SQLite)
	srv := httptest.NewServer(http.StripPrefix("/log", http.FileServer(http.Dir(f.dir))))
	defer srv.Close()
	r := cli(t, "verify", "product", "doorbell", "--log", srv.URL+"/log", "--key", f.key)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "until 31 March 2031", "Verified")
	// A server that lacks a tile: the copy cannot be read (exit 2).
	must(t, os.Remove(filepath.Join(f.dir, "tile", "8", "1", "000.p", "1")))
	r = cli(t, "verify", "log", "--log", srv.URL+"/log/", "--key", f.key)
	wantExit(t, r, 2)
	wantContains(t, "stderr", r.stderr, "tile/8/1/000.p/1")
}

// TestVerifyUsage: what psti verify cannot use is refused with exit 2, and
// nothing is printed on stdout.
func TestVerifyUsage(t *testing.T) {
	f := newLogFixture(t, storetest.SQLite)
	ck := filepath.Join(f.dir, "checkpoint")
	badKey := writeFile(t, f.path("bad-key"), []byte("not a key\n"))
	notJSON := writeFile(t, f.path("not-json"), []byte("hashes: 1"))
	partial := filepath.Join(f.tmp, "partial")
	must(t, os.CopyFS(partial, os.DirFS(f.dir)))
	must(t, os.Remove(filepath.Join(partial, "tile", "8", "data", "000")))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"verify alone", []string{"verify"}, "psti verify needs a subcommand"},
		{"unknown subcommand", []string{"verify", "everything"}, `unknown command "everything"`},
		{"checkpoint without --key", []string{"verify", "checkpoint", ck}, "--key KEYFILE is needed"},
		{"checkpoint without a file", []string{"verify", "checkpoint", "--key", f.key}, "the checkpoint FILE (got 0"},
		{"checkpoint not there", []string{"verify", "checkpoint", f.path("nothing"), "--key", f.key}, "cannot read the checkpoint"},
		{"key file not there", []string{"verify", "checkpoint", ck, "--key", f.path("nothing")}, "cannot read the key file"},
		{"bad key file", []string{"verify", "checkpoint", ck, "--key", badKey}, "line 1 of the key file is not a verifier key"},
		{"empty key file", []string{"verify", "checkpoint", ck, "--key", writeFile(t, f.path("empty"), nil)}, "the key file is empty"},
		{"inclusion without --proof", []string{"verify", "inclusion", f.entry, "--checkpoint", ck, "--key", f.key}, "--proof FILE is needed"},
		{"inclusion without --checkpoint", []string{"verify", "inclusion", f.entry, "--proof", f.proof, "--key", f.key}, "--checkpoint FILE is needed"},
		{"inclusion entry not there", []string{"verify", "inclusion", f.path("nothing"), "--proof", f.proof, "--checkpoint", ck, "--key", f.key}, "cannot read the entry"},
		{"inclusion proof not JSON", []string{"verify", "inclusion", f.entry, "--proof", notJSON, "--checkpoint", ck, "--key", f.key}, "is not a proof"},
		{"consistency with one checkpoint", []string{"verify", "consistency", ck, "--key", f.key}, "the OLD and NEW checkpoint files (got 1"},
		{"consistency without a needed proof", []string{"verify", "consistency", f.old, ck, "--key", f.key}, "--proof FILE is needed"},
		{"product without --log", []string{"verify", "product", "doorbell", "--key", f.key}, "--log is needed"},
		{"product without a slug", []string{"verify", "product", "--log", f.dir, "--key", f.key}, "the product's SLUG (got 0"},
		{"product with a bad slug", []string{"verify", "product", "door bell", "--log", f.dir, "--key", f.key}, "is not a product slug"},
		{"log folder not there", []string{"verify", "log", "--log", f.path("nothing"), "--key", f.key}, "is not a folder holding a copy of the log"},
		{"log copy missing a tile", []string{"verify", "log", "--log", partial, "--key", f.key}, "cannot be read: unable to read tile/8/data/000"},
		{"log with an argument", []string{"verify", "log", "x", "--log", f.dir, "--key", f.key}, "(got 1"},
		{"log export without --to", []string{"log", "export", "--database-url", f.url}, "--to DIR is needed"},
		{"log with an unknown subcommand", []string{"log", "truncate"}, `unknown command "truncate"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, tc.args...)
			wantExit(t, r, 2)
			wantContains(t, "stderr", r.stderr, tc.want)
			if r.stdout != "" {
				t.Fatalf("a usage error wrote to stdout:\n%v", r)
			}
		})
	}
	for _, args := range [][]string{{"verify", "--help"}, {"verify", "product", "--help"}, {"log", "export", "--help"}, {"log", "rotate-key", "--help"}} {
		r := cli(t, args...)
		wantExit(t, r, 0)
		wantContains(t, strings.Join(args, " "), r.stdout, "Example", "psti "+args[0])
	}
}

// TestLogCommandsBeforeTheLog: on a database psti serve has not opened the
// log in, there is nothing to export and no key to replace; both say so
// (exit 1) and write nothing.
func TestLogCommandsBeforeTheLog(t *testing.T) {
	url := newDB(t)
	dir := filepath.Join(t.TempDir(), "copy")
	r := cli(t, "log", "export", "--to", dir, "--database-url", url)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "no signed checkpoint yet")
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("an export of no log made its folder")
	}
	t.Setenv("PSTI_LOG_SECRET", string(storetest.LogSecret))
	r = cli(t, "log", "rotate-key", "--database-url", url)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "start psti serve once first")
}
