package passwords

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// denseVerdict runs the numbers of one shape through the statistics the
// collector keeps and the bound the batch applies, as denseCounters does
// for a single candidate.
func denseVerdict(values []uint64, base, width int) (flagged bool, logP, fill float64) {
	var d denseStats
	seen := map[uint64]int{}
	for i, v := range values {
		// As shapes reads them: hex values that happen to hold only
		// digits are also read in decimal.
		sh := shapeOf{key: 1, n: uint8(width)}
		text := strconv.FormatUint(v, base)
		text = strings.Repeat("0", max(0, width-len(text))) + text
		copy(sh.varied[:], text)
		sh.number(false)
		if i == 0 {
			d.start(&sh)
		} else {
			d.add(&sh)
		}
		seen[v]++
	}
	var dups int64
	for _, k := range seen {
		if k > 1 {
			dups += int64(k)
		}
	}
	th := DefaultThresholds()
	logP, fill = denseChance(denseSeg{key: 1, width: uint8(width), denseStats: d}, dups)
	return fill >= th.DenseFill && logP < math.Log10(th.Chance), logP, fill
}

func TestDenseChance(t *testing.T) {
	r := chacha(101)
	// Random values, with and without repeats, from ranges narrow and
	// wide: never a counter.
	for _, n := range []int{100, 1000, 5000, 20000} {
		for _, bw := range [][2]int{{10, 4}, {10, 6}, {10, 8}, {36, 4}, {36, 6}} {
			base, width := bw[0], bw[1]
			keyspace := int(math.Pow(float64(base), float64(width)))
			for _, span := range []int{n / 4, n / 2, n, 2 * n, 4 * n, keyspace / 2, keyspace} {
				if span < 1 || span > keyspace {
					continue
				}
				lo := r.IntN(keyspace - span + 1)
				var draws []uint64
				for range n {
					draws = append(draws, uint64(lo+r.IntN(span)))
				}
				if flagged, logP, fill := denseVerdict(draws, base, width); flagged {
					t.Errorf("%d random draws of %d base-%d digits within %d values: flagged (10^%.1f, fill %.2f)", n, width, base, span, logP, fill)
				}
				if span < keyspace || n > keyspace {
					// Distinct values from a range narrower than the
					// keyspace are a counter's, in any order.
					continue
				}
				var distinct []uint64
				taken := map[uint64]bool{}
				for len(distinct) < n {
					if v := uint64(r.IntN(keyspace)); !taken[v] {
						taken[v] = true
						distinct = append(distinct, v)
					}
				}
				if flagged, logP, fill := denseVerdict(distinct, base, width); flagged {
					t.Errorf("%d distinct random values of %d base-%d digits: flagged (10^%.1f, fill %.2f)", n, width, base, logP, fill)
				}
			}
		}
	}
	// Counters in random order, with gaps and steps: flagged.
	for _, tc := range []struct {
		n, step, keep int // keep: one value in keep is missing
		base, width   int
	}{
		{5000, 1, 0, 10, 7}, {5000, 3, 0, 10, 7}, {1000, 1, 2, 10, 6}, {200, 1, 0, 10, 4},
		{5000, 1, 0, 16, 6}, {5000, 7, 5, 16, 8}, {100, 1, 0, 10, 8}, {300, 1, 0, 16, 4},
		{1000, 1, 0, 36, 6}, {5000, 7, 0, 36, 6}, {2000, 1, 3, 36, 8}, {5000, 16, 0, 16, 8},
	} {
		var values []uint64
		for _, i := range r.Perm(tc.n) {
			if tc.keep > 0 && i%tc.keep == 1 {
				continue
			}
			values = append(values, uint64(0x1000+tc.step*i))
		}
		name := fmt.Sprintf("%d values in base %d, step %d", len(values), tc.base, tc.step)
		if flagged, logP, fill := denseVerdict(values, tc.base, tc.width); !flagged {
			t.Errorf("%s: not flagged (10^%.1f, fill %.2f)", name, logP, fill)
		}
	}
}
