package ledger

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// TileHeight is the height of the tiles a log is published in (tlog tile
// paths tile/8/L/NNN): 256 hashes, or 256 entries, a tile.
const TileHeight = 8

// ParseBundle reads an entry bundle (a data tile, tile/8/data/NNN[.p/W])
// that holds n entries, the first being entry first of the log: each
// entry's encoding after its length as two big-endian bytes (C2SP
// tlog-tiles). It refuses a bundle with fewer or more entries, an empty
// entry, or bytes left over, naming the entry where it goes wrong. The
// entries returned share data's memory.
func ParseBundle(data []byte, first int64, n int) ([][]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("ledger: a bundle cannot hold %d entries", n)
	}
	out := make([][]byte, 0, min(n, len(data)/3))
	for len(data) > 0 {
		idx := first + int64(len(out))
		if len(out) == n {
			return nil, fmt.Errorf("ledger: the bundle of entries %d to %d holds %d more bytes after its last entry", first, first+int64(n)-1, len(data))
		}
		if len(data) < 2 {
			return nil, fmt.Errorf("ledger: entry %d is cut short in its bundle: its length is incomplete", idx)
		}
		size := int(binary.BigEndian.Uint16(data))
		if size == 0 {
			return nil, fmt.Errorf("ledger: entry %d is empty in its bundle", idx)
		}
		if len(data)-2 < size {
			return nil, fmt.Errorf("ledger: entry %d is cut short in its bundle: %d bytes are announced, %d follow", idx, size, len(data)-2)
		}
		out = append(out, data[2:2+size:2+size])
		data = data[2+size:]
	}
	if len(out) != n {
		return nil, fmt.Errorf("ledger: the bundle of entries %d to %d holds %d entries, not %d", first, first+int64(n)-1, len(out), n)
	}
	return out, nil
}

// AppendBundle appends entry to an entry bundle, after its length.
func AppendBundle(bundle, entry []byte) []byte {
	bundle = binary.BigEndian.AppendUint16(bundle, uint16(len(entry)))
	return append(bundle, entry...)
}

// ReadFunc reads one file of a copy of a log laid out as psti serves it
// under /log/: "checkpoint" (the signed checkpoint), "key" (the verifier
// key that signs now), "keys" (the key list, JSON) and tlog tile paths,
// such as "tile/8/0/000.p/37" (hashes) and "tile/8/data/000.p/37"
// (entries). A file that is not there is an error wrapping fs.ErrNotExist.
type ReadFunc func(path string) ([]byte, error)

// MirrorReport is what VerifyMirror found.
type MirrorReport struct {
	Checkpoint Checkpoint // what the checkpoint says, once its signature is checked
	Signed     bool       // whether a key the verifier trusts signed it
	// SignedBy is the trusted keys whose signatures on the checkpoint are
	// valid.
	SignedBy []string
	// KeyList is the log's key list, when the copy holds one whose
	// endorsements chain from a trusted key; its keys are trusted too.
	KeyList *KeyList
	Tiles   int   // tiles read, hash tiles and entry bundles
	Entries int64 // entries read and checked against their leaf hashes
	// Problems says what does not verify, each naming the entry, tile or
	// file at fault; at most MaxMirrorProblems, with More counting the
	// rest. The copy verifies when there are none.
	Problems []string
	More     int
}

// MaxMirrorProblems bounds MirrorReport.Problems.
const MaxMirrorProblems = 20

func (r *MirrorReport) add(format string, args ...any) {
	if len(r.Problems) < MaxMirrorProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
		return
	}
	r.More++
}

// OK reports whether the copy verified.
func (r *MirrorReport) OK() bool { return r.Signed && len(r.Problems) == 0 }

// trust is a set of verifier keys, in the order they were given.
type trust struct {
	keys []string
	seen map[string]bool
}

func (t *trust) add(k string) error {
	k = strings.TrimSpace(k)
	if t.seen[k] {
		return nil
	}
	if _, err := note.NewVerifier(k); err != nil {
		return fmt.Errorf("ledger: %q is not a verifier key (name+hash+key)", clip(k))
	}
	if t.seen == nil {
		t.seen = map[string]bool{}
	}
	t.seen[k] = true
	t.keys = append(t.keys, k)
	return nil
}

func (t *trust) verifiers() note.Verifiers {
	vs := make([]note.Verifier, 0, len(t.keys))
	for _, k := range t.keys {
		v, _ := note.NewVerifier(k) // checked by add
		vs = append(vs, v)
	}
	return note.VerifierList(vs...)
}

// SignersOf returns those of keys (verifier keys, as ReadKeys returns
// them) that signed msg with a valid signature: which key signed a
// checkpoint that OpenCheckpoint accepted.
func SignersOf(msg []byte, keys []string) []string {
	var t trust
	byID := map[string]string{}
	for _, k := range keys {
		if t.add(k) != nil {
			continue
		}
		v, _ := note.NewVerifier(strings.TrimSpace(k))
		byID[fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())] = strings.TrimSpace(k)
	}
	n, err := note.Open(msg, t.verifiers())
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range n.Sigs {
		if k, ok := byID[fmt.Sprintf("%s+%08x", s.Name, s.Hash)]; ok {
			out = append(out, k)
		}
	}
	return out
}

// VerifyMirror checks a copy of a log, read through read, against the
// verifier keys trusted (as ReadKeys returns them), from the log alone:
//
//   - the key list, when there is one, chains from a trusted key (its
//     later keys are then trusted too), and the key file names a trusted
//     key;
//   - a trusted key signed the checkpoint;
//   - every entry of the checkpoint's tree is in the entry bundles, in
//     canonical form, and hashes to its leaf in the level-0 hash tiles;
//   - every hash of the higher hash tiles is the hash of the subtree below
//     it, and the tree's root is the root the checkpoint signed.
//
// visit, when not nil, is given every entry that could be read, in order.
// Problems are reported in the MirrorReport, each naming the entry at
// fault (an altered entry is named once: the tree is carried on from the
// stored hashes); an error means a file could not be read at all.
func VerifyMirror(read ReadFunc, trusted []string, visit func(Logged)) (*MirrorReport, error) {
	r := &MirrorReport{}
	var keys trust
	for _, k := range trusted {
		if err := keys.add(k); err != nil {
			return nil, err
		}
	}
	if len(keys.keys) == 0 {
		return nil, errors.New("ledger: no key to check the log against")
	}
	optional := func(path string) ([]byte, bool, error) {
		b, err := read(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("ledger: unable to read %s of the log: %w", path, err)
		}
		return b, true, nil
	}
	required := func(path string) ([]byte, error) {
		b, err := read(path)
		if err != nil {
			return nil, fmt.Errorf("ledger: unable to read %s of the log: %w", path, err)
		}
		return b, nil
	}

	// The key list extends trust along its endorsements.
	if b, ok, err := optional("keys"); err != nil {
		return nil, err
	} else if ok {
		var l KeyList
		if err := json.Unmarshal(b, &l); err != nil {
			r.add("keys: the key list is not JSON: %v", err)
		} else if _, names, err := l.Verifiers(keys.keys...); err != nil {
			r.add("keys: %s", strings.TrimPrefix(err.Error(), "ledger: "))
		} else {
			for _, k := range names {
				if err := keys.add(k); err != nil {
					return nil, err
				}
			}
			r.KeyList = &l
		}
	}
	if b, ok, err := optional("key"); err != nil {
		return nil, err
	} else if ok {
		k := strings.TrimSpace(string(b))
		if _, err := note.NewVerifier(k); err != nil {
			r.add("key: it does not hold a verifier key (name+hash+key)")
		} else if !keys.seen[k] {
			r.add("key: it names %s, which is neither a key you trust nor one that the key list endorses from yours", clip(k))
		}
	}

	msg, err := required("checkpoint")
	if err != nil {
		return nil, err
	}
	c, err := OpenCheckpoint(msg, keys.verifiers())
	if err != nil {
		r.add("checkpoint: %s", strings.TrimPrefix(err.Error(), "ledger: "))
		return r, nil
	}
	r.Checkpoint, r.Signed, r.SignedBy = c, true, SignersOf(msg, keys.keys)

	tiles := tlog.NewTiles(TileHeight, 0, c.Size)
	width := map[[2]int64]int{} // (level, number) → width of the tile published
	for _, t := range tiles {
		width[[2]int64{int64(t.L), t.N}] = t.W
	}
	type upper struct {
		tile tlog.Tile
		data []byte
		bad  bool
	}
	uppers := map[int]*upper{}
	// upperHash returns the hash at position k of level L's tiles, or
	// false when its tile cannot be read (reported once).
	upperHash := func(L int, k int64) (tlog.Hash, string, bool, error) {
		n := k >> TileHeight
		u := uppers[L]
		if u == nil || u.tile.N != n {
			w, ok := width[[2]int64{int64(L), n}]
			if !ok {
				return tlog.Hash{}, "", false, fmt.Errorf("ledger: tile %d at level %d is not part of a log of %d entries", n, L, c.Size)
			}
			t := tlog.Tile{H: TileHeight, L: L, N: n, W: w}
			data, err := required(t.Path())
			if err != nil {
				return tlog.Hash{}, "", false, err
			}
			r.Tiles++
			u = &upper{tile: t, data: data}
			uppers[L] = u
			if len(data) != w*tlog.HashSize {
				u.bad = true
				r.add("%s: it holds %d bytes, not the %d hashes of %d bytes it should", t.Path(), len(data), w, tlog.HashSize)
			}
		}
		if u.bad {
			return tlog.Hash{}, u.tile.Path(), false, nil
		}
		var h tlog.Hash
		copy(h[:], u.data[(k-n<<TileHeight)*tlog.HashSize:])
		return h, u.tile.Path(), true, nil
	}

	tree, _ := NewTree(0, nil)
	for _, t := range tiles {
		if t.L != 0 {
			continue
		}
		first := t.N << TileHeight
		hashes, err := required(t.Path())
		if err != nil {
			return nil, err
		}
		bt := t
		bt.L = -1
		bundle, err := required(bt.Path())
		if err != nil {
			return nil, err
		}
		r.Tiles += 2
		if len(hashes) != t.W*tlog.HashSize {
			r.add("%s: it holds %d bytes, not the %d leaf hashes (entries %d to %d) of %d bytes it should", t.Path(), len(hashes), t.W, first, first+int64(t.W)-1, tlog.HashSize)
			return r, nil
		}
		entries, err := ParseBundle(bundle, first, t.W)
		if err != nil {
			r.add("%s: %s", bt.Path(), strings.TrimPrefix(err.Error(), "ledger: "))
			return r, nil
		}
		for j, data := range entries {
			idx := first + int64(j)
			var leaf tlog.Hash
			copy(leaf[:], hashes[j*tlog.HashSize:])
			if tlog.RecordHash(data) != leaf {
				r.add("entry %d: its content is not what was logged (it does not match its leaf hash in %s)", idx, t.Path())
			}
			if e, err := ParseEntry(data); err != nil {
				r.add("entry %d: %s", idx, strings.TrimPrefix(err.Error(), "ledger: "))
			} else if visit != nil {
				visit(Logged{Index: idx, Entry: e})
			}
			r.Entries++
			// Each subtree this entry completes at a multiple of the
			// tile height is a hash in the tiles of the level above.
			stored := tree.AppendLeaf(leaf)
			for level := TileHeight; level < len(stored); level += TileHeight {
				L := level / TileHeight
				k := (idx+1)>>level - 1
				h, path, ok, err := upperHash(L, k)
				if err != nil {
					return nil, err
				}
				if ok && h != stored[level] {
					r.add("entries %d to %d: %s does not hold the hash of their subtree (an entry or a hash among them was altered)", k<<level, idx, path)
				}
			}
		}
	}
	if tree.Root() != c.Hash {
		r.add("checkpoint: the log's %d entries do not give the root hash it signed: entries and their hashes were rewritten, or the tiles are not of this checkpoint", c.Size)
	}
	return r, nil
}
