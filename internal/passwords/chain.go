package passwords

import (
	"math"
	"sync"
	"sync/atomic"
)

// A chain is a pattern of weak evidence: "MAC→hex→suffix(8)" seen on one
// row could be chance, but seen on many rows far beyond what chance allows
// it is a scheme. Rows with weak evidence are counted per chain, and the
// evidence is reported only for chains confirmed at the end of the batch.
type chainTable struct {
	mu   sync.Mutex
	ids  map[string]int32
	list []*chainInfo
}

// denominators: what a chain's chance is taken over.
const (
	overRows  = iota // every audited row
	overPairs        // pairs of rows the counter rule compared
)

type chainInfo struct {
	rule  rule
	key   string
	logP  float64 // log10 chance that one row (or pair) shows this pattern at random
	over  int
	count atomic.Int64
}

func newChainTable() *chainTable { return &chainTable{ids: map[string]int32{}} }

func (t *chainTable) intern(r rule, key string, logP float64) int32 {
	return t.internOver(r, key, logP, overRows)
}

func (t *chainTable) internOver(r rule, key string, logP float64, over int) int32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := string(rune('A'+r)) + key
	if id, ok := t.ids[k]; ok {
		return id
	}
	t.list = append(t.list, &chainInfo{rule: r, key: key, logP: logP, over: over})
	id := int32(len(t.list))
	t.ids[k] = id
	return id
}

func (t *chainTable) get(id int32) *chainInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.list[id-1]
}

// confirm decides every chain once the batch has been read: a chain is
// confirmed when its count is so far above the chance expectation that a
// random batch would show it less often than chance (the threshold).
func (t *chainTable) confirm(rows, pairs int64, chance float64) []bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]bool, len(t.list)+1)
	for i, c := range t.list {
		n := rows
		if c.over == overPairs {
			n = pairs
		}
		out[i+1] = poissonTailBelow(c.count.Load(), float64(n)*math.Pow(10, c.logP), chance)
	}
	return out
}

// poissonTailBelow reports whether P(X ≥ k) for X ~ Poisson(lambda) is
// below p, using the Chernoff bound (which overstates the tail, so the
// answer errs towards not confirming). Three occurrences are the least that
// can confirm a pattern.
func poissonTailBelow(k int64, lambda, p float64) bool {
	if k < 3 || float64(k) <= lambda {
		return false
	}
	if lambda <= 0 {
		return true
	}
	kf := float64(k)
	log10Tail := (-lambda + kf*math.Log(math.E*lambda/kf)) / math.Ln10
	return log10Tail < math.Log10(p)
}
