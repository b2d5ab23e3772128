package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

// LogSecret is the key secret the contract's logs are opened with.
var LogSecret = []byte("the transparency log's key secret in tests")

func openLog(t testing.TB, db *store.DB) {
	t.Helper()
	must(t, db.OpenLog(context.Background(), store.LogOptions{Secret: LogSecret, Origin: "shop.example/log"}))
}

func logEntries(n int, at time.Time) []*ledger.Entry {
	es := make([]*ledger.Entry, n)
	for i := range es {
		es[i] = &ledger.Entry{Kind: ledger.KindSupportPublished, At: at, Subject: fmt.Sprintf("product/p-%d", i%5),
			Record: json.RawMessage(fmt.Sprintf(`{"end_date":"2030-01-%02d"}`, i%28+1))}
	}
	return es
}

// checkpoint reads and verifies the latest checkpoint with the log's keys.
func checkpoint(t testing.TB, db *store.DB) ledger.Checkpoint {
	t.Helper()
	ctx := context.Background()
	msg, _, err := db.LogCheckpoint(ctx)
	must(t, err)
	keys, err := db.LogKeys(ctx)
	must(t, err)
	known, _, err := keys.Verifiers()
	must(t, err)
	c, err := ledger.OpenCheckpoint(msg, known)
	must(t, err)
	return c
}

// testLog: the log starts with a signed checkpoint of nothing; policies and
// advisories published before it are recorded late; each later publication
// is one entry in the same transaction; proofs from the database verify;
// the tables refuse change; and the self-check names an altered entry or
// hash.
func testLog(t *testing.T, b Backend) {
	ctx := context.Background()
	db, _ := Open(t, b)
	seed := NewSeed(t, db)
	if _, _, err := db.LogCheckpoint(ctx); psti.ErrorCode(err) != psti.EUNAVAILABLE {
		t.Fatalf("a checkpoint before the key exists: %v", err)
	}
	// A policy published before the log existed (an installation
	// upgraded from before it): written as the earlier psti wrote it.
	doc, _ := json.Marshal(disclosure.DefaultPolicy(seed.Org.ID))
	_, err := raw(t, db).ExecContext(ctx, `INSERT INTO disclosure_policies (organisation_id, revision, updated_at, doc) VALUES ($1, 1, $2, $3)`,
		seed.Org.ID, time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC), string(doc))
	must(t, err)

	openLog(t, db)
	c := checkpoint(t, db)
	if c.Size != 1 || c.Origin != "shop.example/log" {
		t.Fatalf("first checkpoint %+v: want the late policy, one entry", c)
	}
	data, err := db.LogEntry(ctx, 0)
	must(t, err)
	e, err := ledger.ParseEntry(data)
	must(t, err)
	if !e.Late || e.Kind != ledger.KindPolicyPublished || !e.At.Equal(time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)) || strings.Contains(string(e.Record), "alert_to") {
		t.Fatalf("late entry: %s", data)
	}
	// Opening again records nothing twice.
	openLog(t, db)
	if checkpoint(t, db).Size != 1 {
		t.Fatal("a second start logged the policy again")
	}

	// A change of policy: one entry, in the same transaction.
	p, err := db.Policy(ctx, seed.Org.ID)
	must(t, err)
	p.Scope = "Every product we sell."
	must(t, db.SavePolicy(ctx, editor, p))
	c = checkpoint(t, db)
	if c.Size != 2 {
		t.Fatalf("after a change the log has %d entries, want 2", c.Size)
	}
	data, _ = db.LogEntry(ctx, 1)
	if e, _ := ledger.ParseEntry(data); e == nil || e.Kind != ledger.KindPolicyChanged || e.Late || !strings.Contains(string(e.Record), "Every product we sell.") {
		t.Fatalf("change entry: %s", data)
	}
	// A refused change (a stale revision) logs nothing.
	p.Revision = 1
	if err := db.SavePolicy(ctx, editor, p); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("stale policy saved: %v", err)
	}
	if checkpoint(t, db).Size != 2 {
		t.Fatal("a refused change was logged")
	}

	// A batch, then proofs between checkpoints, read from the database.
	var cps []ledger.Checkpoint
	for range 5 {
		_, err := db.AppendLog(ctx, editor, logEntries(37, time.Now()))
		must(t, err)
		cps = append(cps, checkpoint(t, db))
	}
	last := cps[len(cps)-1]
	if last.Size != 2+5*37 {
		t.Fatalf("log of %d entries, want %d", last.Size, 2+5*37)
	}
	// Proofs read the upper tree hashes from memory once read; the
	// second round reads them from there (warmed ahead, as at start).
	must(t, db.WarmLogCache(ctx))
	for i := int64(0); i < 2*last.Size; i += 7 {
		p, err := db.ProveLogInclusion(ctx, i%last.Size, last.Size)
		must(t, err)
		data, err := db.LogEntry(ctx, i%last.Size)
		must(t, err)
		must(t, ledger.VerifyInclusion(data, p, last))
	}
	for i := range cps {
		for j := i; j < len(cps); j++ {
			p, err := db.ProveLogConsistency(ctx, cps[i].Size, cps[j].Size)
			must(t, err)
			must(t, ledger.VerifyConsistency(cps[i], cps[j], p))
		}
	}
	if _, err := db.ProveLogInclusion(ctx, last.Size, last.Size+1); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("a proof beyond the log: %v", err)
	}
	about, err := db.LogEntriesAbout(ctx, "product/p-3")
	must(t, err)
	if len(about) != 5*7 || about[0].Entry.Subject != "product/p-3" {
		t.Fatalf("%d entries about product/p-3", len(about))
	}

	// Tiles: a full level-0 tile is not there yet; the partial one is.
	if _, err := db.LogTile(ctx, "tile/8/0/000"); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("a full tile of a log of %d: %v", last.Size, err)
	}
	tile, err := db.LogTile(ctx, fmt.Sprintf("tile/8/0/000.p/%d", last.Size))
	must(t, err)
	if len(tile) != int(last.Size)*32 {
		t.Fatalf("partial tile of %d bytes", len(tile))
	}
	bundle, err := db.LogTile(ctx, fmt.Sprintf("tile/8/data/000.p/%d", last.Size))
	must(t, err)
	first, _ := db.LogEntry(ctx, 0)
	if int(bundle[0])<<8|int(bundle[1]) != len(first) || string(bundle[2:2+len(first)]) != string(first) {
		t.Fatal("the entry bundle does not start with entry 0")
	}

	if problems, err := db.CheckLog(ctx, nil); err != nil || len(problems) > 0 {
		t.Fatalf("a sound log: %v %v", problems, err)
	}

	// The tables refuse change.
	for _, q := range []string{`UPDATE log_entries SET data = data WHERE idx = 3`, `DELETE FROM log_entries WHERE idx = 3`,
		`UPDATE log_checkpoints SET signed = signed`, `DELETE FROM log_checkpoints`, `DELETE FROM log_keys`, `UPDATE log_keys SET sealed = sealed`} {
		if _, err := raw(t, db).ExecContext(ctx, q); err == nil {
			t.Errorf("the database let %q through", q)
		}
	}
}

// testLogTamper: someone with the database in hand, past its triggers,
// alters an entry, or a stored hash; the self-check names the entry.
func testLogTamper(t *testing.T, b Backend) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, edit, want string
	}{
		{"entry", `UPDATE log_entries SET data = $1 WHERE idx = 41`, "entry 41: its content is not what was logged"},
		{"hash", `UPDATE log_entries SET hashes = $1 WHERE idx = 41`, "entry 41:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := Open(t, b)
			openLog(t, db)
			_, err := db.AppendLog(ctx, editor, logEntries(100, time.Now()))
			must(t, err)
			checkpoint(t, db)
			r := raw(t, db)
			if db.Backend() == "sqlite" {
				_, err = r.ExecContext(ctx, `DROP TRIGGER log_entries_no_update`)
			} else {
				_, err = r.ExecContext(ctx, `ALTER TABLE log_entries DISABLE TRIGGER log_entries_unchanging`)
			}
			must(t, err)
			var value any = []byte(`{"kind":"support_period.published","at":"2026-12-07T12:00:00Z","subject":"product/p-1","record":{"end_date":"2029-01-01"}}`)
			if tc.name == "hash" {
				value = make([]byte, 64) // entry 41 stores two hashes
			}
			_, err = r.ExecContext(ctx, strings.Replace(tc.edit, "$1", map[bool]string{true: "?", false: "$1"}[db.Backend() == "sqlite"], 1), value)
			must(t, err)
			problems, err := db.CheckLog(ctx, nil)
			must(t, err)
			if len(problems) == 0 || !strings.Contains(problems[0], tc.want) {
				t.Fatalf("self-check after tampering: %q, want %q", problems, tc.want)
			}
		})
	}
}

// testLogKeys: a wrong secret does not open the key; a rotated key signs
// what follows, and checkpoints of both keys verify through the key list.
func testLogKeys(t *testing.T, b Backend) {
	ctx := context.Background()
	db, _ := Open(t, b)
	openLog(t, db)
	_, err := db.AppendLog(ctx, editor, logEntries(10, time.Now()))
	must(t, err)
	oldMsg, _, err := db.LogCheckpoint(ctx)
	must(t, err)
	old := checkpoint(t, db)
	oldKey, err := db.LogVerifier(ctx)
	must(t, err)

	again, err := store.Open(ctx, db.URL(), store.Options{})
	must(t, err)
	defer again.Close()
	if err := again.OpenLog(ctx, store.LogOptions{Secret: []byte("not the secret the key was sealed with"), Origin: "shop.example/log"}); !errors.Is(err, store.ErrLogKey) {
		t.Fatalf("a server started with the wrong secret: %v", err)
	}
	if _, err := db.RotateLogKey(ctx, editor, []byte("not the secret the key was sealed with")); !errors.Is(err, store.ErrLogKey) {
		t.Fatalf("rotation with a wrong secret: %v", err)
	}
	// Another server, running since before the rotation.
	running, err := store.Open(ctx, db.URL(), store.Options{})
	must(t, err)
	defer running.Close()
	openLog(t, running)
	newKey, err := db.RotateLogKey(ctx, editor, LogSecret)
	must(t, err)
	if newKey == oldKey {
		t.Fatal("rotation kept the key")
	}
	_, err = db.AppendLog(ctx, editor, logEntries(3, time.Now()))
	must(t, err)
	msg, c, err := db.LogCheckpoint(ctx)
	must(t, err)
	if !strings.Contains(string(msg), "— shop.example/log ") {
		t.Fatalf("checkpoint:\n%s", msg)
	}
	keys, err := db.LogKeys(ctx)
	must(t, err)
	if len(keys.Keys) != 2 || keys.Keys[1].FromSize != 10 {
		t.Fatalf("key list %+v", keys)
	}
	raw, _ := json.Marshal(keys)
	known, _, err := ledger.ReadKeys(raw)
	must(t, err)
	for _, m := range [][]byte{oldMsg, msg} {
		if _, err := ledger.OpenCheckpoint(m, known); err != nil {
			t.Fatal(err)
		}
	}
	// The running server signs what it appends with the new key.
	_, err = running.AppendLog(ctx, editor, logEntries(2, time.Now()))
	must(t, err)
	onlyNew, _, _ := ledger.ReadKeys([]byte(newKey))
	runningMsg, _, err := running.LogCheckpoint(ctx)
	must(t, err)
	if got, err := ledger.OpenCheckpoint(runningMsg, onlyNew); err != nil || got.Size != 15 {
		t.Fatalf("a server running since before the rotation signed with the retired key: %v %+v", err, got)
	}
	msg, c, err = db.LogCheckpoint(ctx)
	must(t, err)
	// The new checkpoint is not signed by the old key alone.
	onlyOld, _, _ := ledger.ReadKeys([]byte(oldKey))
	if _, err := ledger.OpenCheckpoint(msg, onlyOld); err == nil {
		t.Fatal("a checkpoint after rotation verified with the retired key alone")
	}
	p, err := db.ProveLogConsistency(ctx, old.Size, c.Size)
	must(t, err)
	must(t, ledger.VerifyConsistency(old, c, p))
	// A reopened server signs with the new key.
	openLog(t, db)
	if problems, err := db.CheckLog(ctx, nil); err != nil || len(problems) > 0 {
		t.Fatalf("after rotation: %v %v", problems, err)
	}
}

// testLogReplicas: two handles on one database (two servers sharing it)
// append at once; the log never forks: every index is used once and the
// tree checks out.
func testLogReplicas(t *testing.T, b Backend) {
	ctx := context.Background()
	one, _ := Open(t, b)
	two, err := store.Open(ctx, one.URL(), store.Options{})
	must(t, err)
	defer two.Close()
	openLog(t, one)
	openLog(t, two)
	var wg sync.WaitGroup
	for _, db := range []*store.DB{one, two, one, two} {
		wg.Go(func() {
			for range 20 {
				if _, err := db.AppendLog(ctx, editor, logEntries(3, time.Now())); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	c := checkpoint(t, one)
	if c.Size != 4*20*3 {
		t.Fatalf("log of %d entries, want %d", c.Size, 4*20*3)
	}
	if problems, err := two.CheckLog(ctx, nil); err != nil || len(problems) > 0 {
		t.Fatalf("log after concurrent appends: %v %v", problems, err)
	}
}
