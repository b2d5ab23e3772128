package ledger

import (
	"crypto/sha256"
	"fmt"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// Tree is the right edge of the log's Merkle tree: the roots of its
// complete subtrees, largest first, one for each bit set in its size. That
// is all it takes to append to the tree and to compute its root, so a batch
// of entries is hashed in memory and written at once.
type Tree struct {
	size int64
	edge []tlog.Hash
}

// EdgeIndexes returns the stored-hash indexes (tlog.StoredHashIndex) of
// the right edge of a tree of size n, largest subtree first: what NewTree
// needs, and what tlog.TreeHash reads.
func EdgeIndexes(n int64) []int64 {
	var out []int64
	var start int64
	for level := 62; level >= 0; level-- {
		if n&(1<<level) != 0 {
			out = append(out, tlog.StoredHashIndex(level, start>>level))
			start += 1 << level
		}
	}
	return out
}

// NewTree returns the tree of size n whose right edge is edge, as read
// from the stored hashes at EdgeIndexes(n).
func NewTree(n int64, edge []tlog.Hash) (*Tree, error) {
	if want := bits.OnesCount64(uint64(n)); len(edge) != want {
		return nil, fmt.Errorf("ledger: a tree of %d entries has %d edge hashes, not %d", n, want, len(edge))
	}
	return &Tree{size: n, edge: append([]tlog.Hash(nil), edge...)}, nil
}

// Size is the number of entries in the tree.
func (t *Tree) Size() int64 { return t.size }

// Append adds an entry's encoding to the tree and returns the hashes to
// store for it: those tlog.StoredHashes would return, its leaf hash first.
func (t *Tree) Append(data []byte) []tlog.Hash {
	return t.AppendLeaf(tlog.RecordHash(data))
}

// AppendLeaf adds an entry by its leaf hash (tlog.RecordHash of its
// encoding), as read from a hash tile, and returns what Append would.
func (t *Tree) AppendLeaf(h tlog.Hash) []tlog.Hash {
	hashes := []tlog.Hash{h}
	for n := t.size; n&1 == 1; n >>= 1 {
		h = tlog.NodeHash(t.edge[len(t.edge)-1], h)
		t.edge = t.edge[:len(t.edge)-1]
		hashes = append(hashes, h)
	}
	t.edge = append(t.edge, h)
	t.size++
	return hashes
}

// Root is the tree's root hash (RFC 6962; for the empty tree, the SHA-256
// of nothing).
func (t *Tree) Root() tlog.Hash {
	if t.size == 0 {
		return EmptyRoot
	}
	h := t.edge[len(t.edge)-1]
	for i := len(t.edge) - 2; i >= 0; i-- {
		h = tlog.NodeHash(t.edge[i], h)
	}
	return h
}

// EmptyRoot is the root hash of the empty tree: the SHA-256 of nothing
// (RFC 6962, section 2.1).
var EmptyRoot = tlog.Hash(sha256.Sum256(nil))

// StoredAt says where the hash at a stored-hash index lives: in the hashes
// kept with entry record, at position offset (0 for its leaf hash). Entry n
// stores the hashes of the subtrees it completes (see tlog.StoredHashes):
// the node at level L, number k, is completed by entry (k+1)<<L - 1.
func StoredAt(index int64) (record int64, offset int) {
	level, k := tlog.SplitStoredHashIndex(index)
	return (k+1)<<level - 1, level
}
