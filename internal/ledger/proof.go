package ledger

import (
	"encoding/base64"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// InclusionProof proves that entry Index is in the tree of TreeSize
// entries (RFC 6962 audit path), as /api/v1/log/proof/inclusion serves it.
type InclusionProof struct {
	Index    int64    `json:"index"`
	TreeSize int64    `json:"tree_size"`
	Hashes   []string `json:"hashes"` // standard base64, as in checkpoints
}

// ConsistencyProof proves that the tree of Old entries is a prefix of the
// tree of New entries: the log was only appended to.
type ConsistencyProof struct {
	Old    int64    `json:"old_size"`
	New    int64    `json:"new_size"`
	Hashes []string `json:"hashes"`
}

// MaxProofHashes bounds a proof read from outside: a proof in a tree of
// 2^63 entries has fewer than 2×63 hashes.
const MaxProofHashes = 128

func encodeHashes(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

func decodeHashes(ss []string) ([]tlog.Hash, error) {
	if len(ss) > MaxProofHashes {
		return nil, fmt.Errorf("ledger: a proof holds at most %d hashes", MaxProofHashes)
	}
	out := make([]tlog.Hash, len(ss))
	for i, s := range ss {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			return nil, fmt.Errorf("ledger: hash %d of the proof is not 32 bytes in base64", i+1)
		}
		copy(out[i][:], b)
	}
	return out, nil
}

// ProveInclusion makes the proof that entry n is in the tree of size t,
// reading stored hashes from r.
func ProveInclusion(t, n int64, r tlog.HashReader) (*InclusionProof, error) {
	if n < 0 || n >= t {
		return nil, fmt.Errorf("ledger: entry %d is not in a log of %d entries", n, t)
	}
	p, err := tlog.ProveRecord(t, n, r)
	if err != nil {
		return nil, fmt.Errorf("ledger: unable to prove entry %d: %w", n, err)
	}
	return &InclusionProof{Index: n, TreeSize: t, Hashes: encodeHashes(p)}, nil
}

// ProveConsistency makes the proof that the tree of size old is a prefix
// of the tree of size new.
func ProveConsistency(old, new int64, r tlog.HashReader) (*ConsistencyProof, error) {
	if old < 0 || old > new {
		return nil, fmt.Errorf("ledger: a log of %d entries cannot have grown from %d", new, old)
	}
	if old == 0 || old == new {
		// The empty log is a prefix of every log, and a log of itself.
		return &ConsistencyProof{Old: old, New: new, Hashes: []string{}}, nil
	}
	p, err := tlog.ProveTree(new, old, r)
	if err != nil {
		return nil, fmt.Errorf("ledger: unable to prove %d consistent with %d: %w", new, old, err)
	}
	return &ConsistencyProof{Old: old, New: new, Hashes: encodeHashes(p)}, nil
}

// VerifyInclusion checks that entry (its encoding, as served at
// /log/entries/N) is entry p.Index of the log whose checkpoint is c.
func VerifyInclusion(entry []byte, p *InclusionProof, c Checkpoint) error {
	if p.TreeSize != c.Size {
		return fmt.Errorf("ledger: the proof is for a log of %d entries, the checkpoint for %d", p.TreeSize, c.Size)
	}
	if p.Index < 0 || p.Index >= c.Size {
		return fmt.Errorf("ledger: entry %d is not in a log of %d entries", p.Index, c.Size)
	}
	hs, err := decodeHashes(p.Hashes)
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(hs, c.Size, c.Hash, p.Index, tlog.RecordHash(entry)); err != nil {
		return fmt.Errorf("ledger: entry %d is not in the log of %d entries whose checkpoint you gave: the entry differs from what was logged, or the proof is wrong", p.Index, c.Size)
	}
	return nil
}

// ErrFork is wrapped by VerifyConsistency's error when two checkpoints of
// the same log cannot both be true: one of them shows history rewritten.
var ErrFork = errors.New("ledger: the log has forked")

// VerifyConsistency checks that the log of checkpoint newer only grew from
// that of checkpoint older. Two checkpoints of the same size must have the
// same root; p may then be nil.
func VerifyConsistency(older, newer Checkpoint, p *ConsistencyProof) error {
	if older.Origin != newer.Origin {
		return fmt.Errorf("ledger: the checkpoints are of two logs, %s and %s", older.Origin, newer.Origin)
	}
	if older.Size > newer.Size {
		return fmt.Errorf("ledger: the newer checkpoint (%d entries) is smaller than the older (%d): give them oldest first, or the log has shrunk", newer.Size, older.Size)
	}
	if older.Size == newer.Size {
		if !equalHash(older.Hash, newer.Hash) {
			return fmt.Errorf("%w: two checkpoints of %d entries have different root hashes", ErrFork, older.Size)
		}
		return nil
	}
	if older.Size == 0 {
		return nil // the empty log is a prefix of every log
	}
	if p == nil {
		return errors.New("ledger: a consistency proof is needed for checkpoints of different sizes")
	}
	if p.Old != older.Size || p.New != newer.Size {
		return fmt.Errorf("ledger: the proof is between sizes %d and %d, the checkpoints are of %d and %d", p.Old, p.New, older.Size, newer.Size)
	}
	hs, err := decodeHashes(p.Hashes)
	if err != nil {
		return err
	}
	if err := tlog.CheckTree(hs, newer.Size, newer.Hash, older.Size, older.Hash); err != nil {
		return fmt.Errorf("ledger: the proof does not show the log of %d entries extending the log of %d entries: either the proof is not for these checkpoints, or the log was rewritten", newer.Size, older.Size)
	}
	return nil
}
