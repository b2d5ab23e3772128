package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// mirror is a log copy in memory, laid out as /log/ serves it.
type mirror map[string][]byte

func (m mirror) read(path string) ([]byte, error) {
	b, ok := m[path]
	if !ok {
		return nil, fmt.Errorf("%s: %w", path, fs.ErrNotExist)
	}
	return b, nil
}

// newMirror publishes a log of the given entries, signed by s, as tiles.
func newMirror(t *testing.T, s note.Signer, vkey string, entries [][]byte) mirror {
	t.Helper()
	m := newMemLog()
	for _, e := range entries {
		m.append(t, e)
	}
	size := m.tree.Size()
	out := mirror{"key": []byte(vkey + "\n")}
	for _, tile := range tlog.NewTiles(TileHeight, 0, size) {
		data, err := tlog.ReadTileData(tile, m)
		if err != nil {
			t.Fatal(err)
		}
		out[tile.Path()] = data
		if tile.L == 0 {
			var bundle []byte
			for i := range tile.W {
				bundle = AppendBundle(bundle, entries[tile.N<<TileHeight+int64(i)])
			}
			bt := tile
			bt.L = -1
			out[bt.Path()] = bundle
		}
	}
	msg, err := Sign(Checkpoint{Origin: "shop.example/log", Size: size, Hash: m.tree.Root()}, s)
	if err != nil {
		t.Fatal(err)
	}
	out["checkpoint"] = msg
	return out
}

func entries(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = entryData(i)
	}
	return out
}

// TestVerifyMirror: a sound copy of the log verifies, every entry read in
// order; each kind of damage is found and named.
func TestVerifyMirror(t *testing.T) {
	s, vkey := key(t, "shop.example/log")
	_, otherKey := key(t, "shop.example/log")
	alter := func(data []byte) []byte { // same length, other content
		return bytes.Replace(data, []byte("2030-03-"), []byte("2029-03-"), 1)
	}
	tests := []struct {
		name    string
		size    int
		trusted string
		edit    func(m mirror)
		want    []string // problems, in order; none for a sound copy
		err     bool     // a file cannot be read
	}{
		{name: "sound", size: 700},
		{name: "empty log", size: 0},
		{name: "one full tile", size: 256},
		{name: "two levels of tiles", size: 65536 + 300},
		{name: "another key", size: 10, trusted: otherKey, want: []string{
			"key: it names " + vkey[:20], // the copy's key file names a key not trusted
			"checkpoint: the checkpoint is signed only by keys you did not give",
		}},
		{name: "altered checkpoint", size: 10, edit: func(m mirror) {
			m["checkpoint"] = bytes.Replace(m["checkpoint"], []byte("\n10\n"), []byte("\n9\n"), 1)
		}, want: []string{"checkpoint: the checkpoint's signature by shop.example/log is not valid"}},
		{name: "altered entry", size: 300, edit: func(m mirror) {
			m["tile/8/data/000"] = alter(m["tile/8/data/000"])
		}, want: []string{"entry 0: its content is not what was logged (it does not match its leaf hash in tile/8/0/000)"}},
		{name: "altered entry in a partial bundle", size: 300, edit: func(m mirror) {
			b := m["tile/8/data/001.p/44"]
			i := bytes.Index(b, entryData(270))
			copy(b[i:], alter(entryData(270)))
		}, want: []string{"entry 270: its content is not what was logged"}},
		{name: "altered leaf hash", size: 300, edit: func(m mirror) {
			m["tile/8/0/000"][41*32] ^= 1
		}, want: []string{
			"entry 41: its content is not what was logged",
			"entries 0 to 255: tile/8/1/000.p/1 does not hold the hash of their subtree",
			"checkpoint: the log's 300 entries do not give the root hash it signed",
		}},
		{name: "entry and leaf rewritten together", size: 300, edit: func(m mirror) {
			m["tile/8/data/000"] = alter(m["tile/8/data/000"])
			copy(m["tile/8/0/000"], func() []byte { h := tlog.RecordHash(alter(entryData(0))); return h[:] }())
		}, want: []string{
			"entries 0 to 255: tile/8/1/000.p/1 does not hold the hash of their subtree",
			"checkpoint: the log's 300 entries do not give the root hash it signed",
		}},
		{name: "rewritten within one tile", size: 100, edit: func(m mirror) {
			b := m["tile/8/data/000.p/100"]
			copy(b[2:], alter(entryData(0)))
			copy(m["tile/8/0/000.p/100"], func() []byte { h := tlog.RecordHash(alter(entryData(0))); return h[:] }())
		}, want: []string{"checkpoint: the log's 100 entries do not give the root hash it signed"}},
		{name: "bundle cut short", size: 20, edit: func(m mirror) {
			m["tile/8/data/000.p/20"] = m["tile/8/data/000.p/20"][:100]
		}, want: []string{"tile/8/data/000.p/20: entry 0 is cut short in its bundle"}},
		{name: "hash tile cut short", size: 20, edit: func(m mirror) {
			m["tile/8/0/000.p/20"] = m["tile/8/0/000.p/20"][:32*19]
		}, want: []string{"tile/8/0/000.p/20: it holds 608 bytes, not the 20 leaf hashes (entries 0 to 19)"}},
		{name: "upper tile cut short", size: 600, edit: func(m mirror) {
			m["tile/8/1/000.p/2"] = m["tile/8/1/000.p/2"][:32]
		}, want: []string{"tile/8/1/000.p/2: it holds 32 bytes, not the 2 hashes"}},
		{name: "key file of another key", size: 5, edit: func(m mirror) {
			m["key"] = []byte(otherKey + "\n")
		}, want: []string{"key: it names " + otherKey[:20]}},
		{name: "missing tile", size: 5, edit: func(m mirror) { delete(m, "tile/8/0/000.p/5") }, err: true},
		{name: "missing checkpoint", size: 5, edit: func(m mirror) { delete(m, "checkpoint") }, err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es := entries(tc.size)
			m := newMirror(t, s, vkey, es)
			if tc.edit != nil {
				tc.edit(m)
			}
			trusted := vkey
			if tc.trusted != "" {
				trusted = tc.trusted
			}
			var seen []int64
			r, err := VerifyMirror(m.read, []string{trusted}, func(l Logged) { seen = append(seen, l.Index) })
			if tc.err {
				if err == nil || !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("a missing file: %v, %+v", err, r)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Problems) != len(tc.want) {
				t.Fatalf("problems %q, want %q", r.Problems, tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(r.Problems[i], w) {
					t.Fatalf("problem %d: %q, want %q", i, r.Problems[i], w)
				}
			}
			if r.OK() != (len(tc.want) == 0) {
				t.Fatalf("OK() = %v with problems %q", r.OK(), r.Problems)
			}
			if len(tc.want) > 0 {
				return
			}
			if r.Checkpoint.Size != int64(tc.size) || len(r.SignedBy) != 1 || r.SignedBy[0] != vkey {
				t.Fatalf("report %+v", r)
			}
			if r.Entries != int64(tc.size) || len(seen) != tc.size {
				t.Fatalf("%d entries checked, %d visited; want %d", r.Entries, len(seen), tc.size)
			}
			for i, x := range seen {
				if x != int64(i) {
					t.Fatalf("entry %d visited at %d", x, i)
				}
			}
		})
	}
}

// TestVerifyMirrorKeyList: a copy whose checkpoint a rotated key signed
// verifies for one who trusts the first key, through the key list; a key
// list whose endorsement does not hold is reported.
func TestVerifyMirrorKeyList(t *testing.T) {
	const origin = "shop.example/log"
	first, firstKey := key(t, origin)
	second, secondKey := key(t, origin)
	m := newMirror(t, second, secondKey, entries(12))
	endorsement, err := Endorse(first, origin, secondKey, 10)
	if err != nil {
		t.Fatal(err)
	}
	list := KeyList{Origin: origin, Keys: []ListedKey{{Key: firstKey}, {Key: secondKey, FromSize: 10, Endorsement: endorsement}}}
	m["keys"], _ = json.Marshal(list)

	r, err := VerifyMirror(m.read, []string{firstKey}, nil)
	if err != nil || !r.OK() || r.KeyList == nil || len(r.SignedBy) != 1 || r.SignedBy[0] != secondKey {
		t.Fatalf("through the key list: %v %+v", err, r)
	}

	delete(m, "keys")
	r, err = VerifyMirror(m.read, []string{firstKey}, nil)
	if err != nil || r.OK() || len(r.Problems) != 2 || !strings.HasPrefix(r.Problems[0], "key: it names") || !strings.HasPrefix(r.Problems[1], "checkpoint:") {
		t.Fatalf("without the key list: %v %+v", err, r)
	}

	forged, _ := key(t, origin)
	list.Keys[1].Endorsement, _ = Endorse(forged, origin, secondKey, 10)
	m["keys"], _ = json.Marshal(list)
	r, err = VerifyMirror(m.read, []string{firstKey}, nil)
	if err != nil || r.OK() || !strings.HasPrefix(r.Problems[0], "keys: key 2 of the list is not endorsed by the key before it") {
		t.Fatalf("a forged endorsement: %v %+v", err, r)
	}
}

func TestParseBundle(t *testing.T) {
	var good []byte
	for i := range 3 {
		good = AppendBundle(good, entryData(i))
	}
	tests := []struct {
		name string
		data []byte
		n    int
		want string // "" for success
	}{
		{"three", good, 3, ""},
		{"empty", nil, 0, ""},
		{"fewer", good, 4, "the bundle of entries 100 to 103 holds 3 entries, not 4"},
		{"more", good, 2, "the bundle of entries 100 to 101 holds"},
		{"cut in an entry", good[:len(good)-1], 3, "entry 102 is cut short in its bundle"},
		{"cut in a length", append(good, 0), 4, "entry 103 is cut short in its bundle: its length is incomplete"},
		{"empty entry", append(good, 0, 0), 4, "entry 103 is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseBundle(tc.data, 100, tc.n)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("ParseBundle: %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil || len(got) != tc.n {
				t.Fatalf("ParseBundle: %d entries, %v", len(got), err)
			}
			for i, e := range got {
				if !bytes.Equal(e, entryData(i)) {
					t.Fatalf("entry %d: %q", i, e)
				}
			}
		})
	}
}

func FuzzParseBundle(f *testing.F) {
	var good []byte
	for i := range 3 {
		good = AppendBundle(good, entryData(i))
	}
	f.Add(good, 3)
	f.Add([]byte{0, 1, 'x', 0}, 2)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		es, err := ParseBundle(data, 0, n)
		if err != nil {
			return
		}
		if len(es) != n {
			t.Fatalf("%d entries read, %d asked for", len(es), n)
		}
		var again []byte
		for _, e := range es {
			if len(e) == 0 {
				t.Fatal("an empty entry was accepted")
			}
			again = AppendBundle(again, e)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("%q read as %q", data, es)
		}
	})
}
