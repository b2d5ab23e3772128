package ledger

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// memLog keeps stored hashes in memory, as tlog lays them out.
type memLog struct {
	hashes []tlog.Hash
	tree   *Tree
}

func (m *memLog) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("no hash %d", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memLog) append(t *testing.T, data []byte) {
	t.Helper()
	want, err := tlog.StoredHashes(m.tree.Size(), data, m)
	if err != nil {
		t.Fatal(err)
	}
	got := m.tree.Append(data)
	if len(got) != len(want) {
		t.Fatalf("entry %d: %d stored hashes, tlog stores %d", m.tree.Size()-1, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("entry %d: stored hash %d differs from tlog's", m.tree.Size()-1, i)
		}
		if r, off := StoredAt(int64(len(m.hashes))); r != m.tree.Size()-1 || off != i {
			t.Fatalf("StoredAt(%d) = %d, %d; want %d, %d", len(m.hashes), r, off, m.tree.Size()-1, i)
		}
		m.hashes = append(m.hashes, got[i])
	}
}

func newMemLog() *memLog {
	t, _ := NewTree(0, nil)
	return &memLog{tree: t}
}

func entryData(i int) []byte {
	e := Entry{Kind: KindSupportPublished, At: time.Date(2026, 12, 7, 12, 0, 0, i*1000, time.UTC), Subject: fmt.Sprintf("product/p-%d", i%7),
		Record: json.RawMessage(fmt.Sprintf(`{"end_date": "2030-03-%02d"}`, i%28+1))}
	b, err := e.Encode()
	if err != nil {
		panic(err)
	}
	return b
}

// TestTreeMatchesTlog: the in-memory tree stores the hashes tlog would,
// in the places StoredAt says, and its root is tlog's tree hash, at every
// size up to 1,100 (every shape of edge up to 2^10 and past it).
func TestTreeMatchesTlog(t *testing.T) {
	m := newMemLog()
	if m.tree.Root() != EmptyRoot {
		t.Fatal("empty root")
	}
	if h, _ := tlog.TreeHash(0, m); h != EmptyRoot {
		t.Fatal("EmptyRoot is not tlog's empty tree hash")
	}
	for i := range 1100 {
		m.append(t, entryData(i))
		want, err := tlog.TreeHash(m.tree.Size(), m)
		if err != nil {
			t.Fatal(err)
		}
		if m.tree.Root() != want {
			t.Fatalf("size %d: root differs from tlog's", m.tree.Size())
		}
		edge, err := m.ReadHashes(EdgeIndexes(m.tree.Size()))
		if err != nil {
			t.Fatal(err)
		}
		again, err := NewTree(m.tree.Size(), edge)
		if err != nil {
			t.Fatal(err)
		}
		if again.Root() != want {
			t.Fatalf("size %d: a tree rebuilt from its edge has another root", m.tree.Size())
		}
	}
	if _, err := NewTree(5, make([]tlog.Hash, 1)); err == nil {
		t.Fatal("a tree of 5 entries with one edge hash was accepted")
	}
}

func key(t *testing.T, origin string) (note.Signer, string) {
	t.Helper()
	skey, vkey, err := NewKey(origin, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}

// TestProofsBetweenEveryPairOfCheckpoints builds a 10,000-entry log with a
// signed checkpoint every 97 entries (and at 1, 2 and 10,000), and checks
// every entry's inclusion in the last, a sample of entries in every
// checkpoint, and consistency between every pair of checkpoints; then
// shows that a fork (same size, another root) and a rewritten history
// (a wrong entry under a proof) are caught.
func TestProofsBetweenEveryPairOfCheckpoints(t *testing.T) {
	const origin = "shop.example/log"
	s, vkey := key(t, origin)
	known := note.VerifierList(mustVerifier(t, vkey))
	m := newMemLog()
	var cps []Checkpoint
	for i := range 10000 {
		m.append(t, entryData(i))
		n := m.tree.Size()
		if n == 1 || n == 2 || n%97 == 0 || n == 10000 {
			msg, err := Sign(Checkpoint{Origin: origin, Size: n, Hash: m.tree.Root()}, s)
			if err != nil {
				t.Fatal(err)
			}
			c, err := OpenCheckpoint(msg, known)
			if err != nil {
				t.Fatal(err)
			}
			cps = append(cps, c)
		}
	}
	last := cps[len(cps)-1]
	for i := range 10000 {
		p, err := ProveInclusion(last.Size, int64(i), m)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(entryData(i), p, last); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	pairs := 0
	for a := range cps {
		for b := a; b < len(cps); b++ {
			p, err := ProveConsistency(cps[a].Size, cps[b].Size, m)
			if err != nil {
				t.Fatal(err)
			}
			// Proofs travel as JSON.
			raw, _ := json.Marshal(p)
			var back ConsistencyProof
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatal(err)
			}
			if err := VerifyConsistency(cps[a], cps[b], &back); err != nil {
				t.Fatalf("%d → %d: %v", cps[a].Size, cps[b].Size, err)
			}
			pairs++
		}
		p, err := ProveInclusion(cps[a].Size, cps[a].Size/2, m)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(entryData(int(cps[a].Size/2)), p, cps[a]); err != nil {
			t.Fatal(err)
		}
	}
	if pairs < 5000 {
		t.Fatalf("only %d pairs checked", pairs)
	}

	// A fork: the same size with another root.
	forked := cps[10]
	forked.Hash[0] ^= 1
	if err := VerifyConsistency(cps[10], forked, nil); !errors.Is(err, ErrFork) {
		t.Fatalf("fork not caught: %v", err)
	}
	// A forked later log: the proof from the real log does not join.
	p, _ := ProveConsistency(cps[10].Size, last.Size, m)
	if err := VerifyConsistency(cps[10], Checkpoint{Origin: origin, Size: last.Size, Hash: forked.Hash}, p); err == nil {
		t.Fatal("a rewritten log was accepted as consistent")
	}
	// An entry other than the one logged.
	ip, _ := ProveInclusion(last.Size, 4321, m)
	if err := VerifyInclusion(entryData(4322), ip, last); err == nil || !strings.Contains(err.Error(), "entry 4321") {
		t.Fatalf("a wrong entry passed: %v", err)
	}
	// The shrinking log, and the wrong order.
	if err := VerifyConsistency(last, cps[0], nil); err == nil {
		t.Fatal("a smaller newer checkpoint passed")
	}
}

func mustVerifier(t *testing.T, vkey string) note.Verifier {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCheckpointSignatures: the checkpoint verifies with its key, and is
// refused altered, signed by another key, unsigned, or for another origin.
func TestCheckpointSignatures(t *testing.T) {
	s, vkey := key(t, "shop.example/log")
	other, otherV := key(t, "shop.example/log")
	c := Checkpoint{Origin: "shop.example/log", Size: 42, Hash: tlog.RecordHash([]byte("x"))}
	msg, err := Sign(c, s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(msg, []byte("shop.example/log\n42\n")) {
		t.Fatalf("not a C2SP checkpoint:\n%s", msg)
	}
	keys, _, err := ReadKeys([]byte(vkey + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenCheckpoint(msg, keys)
	if err != nil || got != c {
		t.Fatalf("OpenCheckpoint = %v, %v", got, err)
	}
	altered := bytes.Replace(msg, []byte("\n42\n"), []byte("\n43\n"), 1)
	if _, err := OpenCheckpoint(altered, keys); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Fatalf("altered checkpoint: %v", err)
	}
	byOther, _ := Sign(c, other)
	if _, err := OpenCheckpoint(byOther, keys); err == nil || !strings.Contains(err.Error(), "keys you did not give") {
		t.Fatalf("checkpoint by another key: %v", err)
	}
	if _, err := OpenCheckpoint(c.Text(), keys); err == nil {
		t.Fatal("an unsigned checkpoint passed")
	}
	foreign, fv := key(t, "elsewhere.example/log")
	fmsg, _ := Sign(Checkpoint{Origin: "shop.example/log", Size: 1, Hash: c.Hash}, foreign)
	fkeys, _, _ := ReadKeys([]byte(fv))
	if _, err := OpenCheckpoint(fmsg, fkeys); err == nil {
		t.Fatal("a checkpoint signed by another log's key passed")
	}
	_ = otherV
}

// TestKeyRotation: a key list whose second key is endorsed by the first
// verifies checkpoints signed by either; a list whose endorsement is by
// someone else, or names another key, is refused.
func TestKeyRotation(t *testing.T) {
	const origin = "shop.example/log"
	k1, v1 := key(t, origin)
	k2, v2 := key(t, origin)
	end, err := Endorse(k1, origin, v2, 500)
	if err != nil {
		t.Fatal(err)
	}
	l := KeyList{Origin: origin, Keys: []ListedKey{{Key: v1}, {Key: v2, FromSize: 500, Endorsement: end}}}
	raw, _ := json.Marshal(l)
	known, names, err := ReadKeys(raw)
	if err != nil || len(names) != 2 {
		t.Fatalf("ReadKeys = %v, %v", names, err)
	}
	old, _ := Sign(Checkpoint{Origin: origin, Size: 10, Hash: EmptyRoot}, k1)
	newer, _ := Sign(Checkpoint{Origin: origin, Size: 600, Hash: EmptyRoot}, k2)
	for _, msg := range [][]byte{old, newer} {
		if _, err := OpenCheckpoint(msg, known); err != nil {
			t.Fatal(err)
		}
	}
	// Trusting only the second key: the old checkpoint is not covered.
	if _, _, err := l.Verifiers(v2); err != nil {
		t.Fatal(err)
	}
	// An endorsement by a stranger.
	stranger, _ := key(t, origin)
	bad, _ := Endorse(stranger, origin, v2, 500)
	l.Keys[1].Endorsement = bad
	if _, _, err := l.Verifiers(); err == nil {
		t.Fatal("a key endorsed by a stranger was accepted")
	}
	// An endorsement of another key.
	_, v3 := key(t, origin)
	l.Keys[1].Endorsement = end
	l.Keys[1].Key = v3
	if _, _, err := l.Verifiers(); err == nil {
		t.Fatal("a key the endorsement does not name was accepted")
	}
	if _, _, err := l.Verifiers(v3 + "x"); err == nil {
		t.Fatal("no trusted key in the list, yet accepted")
	}
}

func TestSealedKey(t *testing.T) {
	skey, _, _ := NewKey("shop.example/log", rand.Reader)
	secret := []byte("a long configured secret of the installation")
	sealed, err := Seal(secret, skey)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(skey)) || bytes.Contains(sealed, []byte("PRIVATE")) {
		t.Fatal("the sealed key holds the key in clear")
	}
	back, err := Unseal(secret, sealed)
	if err != nil || back != skey {
		t.Fatalf("Unseal = %v", err)
	}
	if _, err := Unseal([]byte("another secret, also long enough"), sealed); !errors.Is(err, ErrWrongSecret) {
		t.Fatalf("wrong secret: %v", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := Unseal(secret, sealed); !errors.Is(err, ErrWrongSecret) {
		t.Fatalf("altered sealed key: %v", err)
	}
	if _, err := Seal([]byte("short"), skey); err == nil {
		t.Fatal("a short secret was taken")
	}
}

// TestEntryIsCanonical: an entry reads back only in the form Encode gives.
func TestEntryIsCanonical(t *testing.T) {
	e := Entry{Kind: KindAdvisoryPublished, At: time.Date(2026, 3, 29, 1, 30, 0, 123456789, time.FixedZone("BST", 3600)), Subject: "advisory/ACME-2026-0001",
		Record: json.RawMessage(`{ "title": "A <b> & c",  "n": 1 }`), Documents: []Document{{Name: "csaf", SHA256: strings.Repeat("ab", 32)}}}
	data, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"advisory.published","at":"2026-03-29T00:30:00.123456Z","subject":"advisory/ACME-2026-0001","record":{"title":"A \u003cb\u003e \u0026 c","n":1},"documents":[{"name":"csaf","sha256":"` + strings.Repeat("ab", 32) + `"}]}`
	if string(data) != want {
		t.Fatalf("Encode:\n%s\nwant\n%s", data, want)
	}
	back, err := ParseEntry(data)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := back.Encode(); !bytes.Equal(again, data) {
		t.Fatal("round trip changed the entry")
	}
	for _, bad := range []string{
		`{"kind":"advisory.published","subject":"x","at":"2026-03-29T00:30:00Z","record":{}}`, // field order
		strings.Replace(string(data), `"n":1`, `"n": 1`, 1),                                   // spacing
		string(data) + `{}`,
		`{"kind":"k","at":"2026-03-29T00:30:00Z","subject":"s","record":{},"extra":1}`,
		`{"kind":"","at":"2026-03-29T00:30:00Z","subject":"s","record":{}}`,
	} {
		if _, err := ParseEntry([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func FuzzParseEntry(f *testing.F) {
	f.Add(entryData(3))
	f.Add([]byte(`{"kind":"k","at":"2026-03-29T00:30:00Z","subject":"s","record":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEntry(data)
		if err != nil {
			return
		}
		again, err := e.Encode()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("accepted a non-canonical entry %q", data)
		}
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add([]byte("shop.example/log\n3\n" + strings.Repeat("A", 43) + "=\n"))
	f.Add([]byte("o\n-1\nAAAA\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCheckpoint(data)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(data, c.Text()) {
			t.Fatalf("%q read as %+v", data, c)
		}
	})
}
