package ledger

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// Checker walks a log's entries in order, each with the hashes stored for
// it, and says where they disagree: an entry whose content no longer hashes
// to its leaf, or a stored tree hash that is not the hash of the two below
// it. It carries on from the stored hashes, so one altered row is named
// once rather than making every later hash look wrong.
type Checker struct {
	size int64
	edge []tlog.Hash
}

// Next checks entry number c.Size() and its stored hashes; it returns ""
// when they agree, or what is wrong, naming the entry.
func (c *Checker) Next(data []byte, stored []tlog.Hash) string {
	n := c.size
	c.size++
	want := 1
	for m := n; m&1 == 1; m >>= 1 {
		want++
	}
	if len(stored) != want {
		c.edge = nil // the tree cannot be followed past this entry
		return fmt.Sprintf("entry %d: %d tree hashes are stored with it, not %d", n, len(stored), want)
	}
	problem := ""
	if tlog.RecordHash(data) != stored[0] {
		problem = fmt.Sprintf("entry %d: its content is not what was logged (it no longer matches its leaf hash)", n)
	}
	for level := 1; level < want; level++ {
		if len(c.edge) == 0 {
			return fmt.Sprintf("entry %d: the hashes before it are missing", n)
		}
		left := c.edge[len(c.edge)-1]
		c.edge = c.edge[:len(c.edge)-1]
		if tlog.NodeHash(left, stored[level-1]) != stored[level] && problem == "" {
			problem = fmt.Sprintf("entry %d: its stored tree hash at level %d is not the hash of the two below it", n, level)
		}
	}
	c.edge = append(c.edge, stored[want-1])
	return problem
}

// Size is the number of entries checked so far.
func (c *Checker) Size() int64 { return c.size }

// Root is the root hash of the tree checked so far, from its stored hashes.
func (c *Checker) Root() tlog.Hash {
	t := Tree{size: c.size, edge: c.edge}
	return t.Root()
}
