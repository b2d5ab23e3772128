package passwords

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/dustin/go-humanize"
)

// DP-05 for counters handed out in any order. The rules that compare a row
// with the previous one of its shape see a counter only when its rows come
// roughly in order. Whatever the order, a counter's numbers fill their
// range: 5,000 passwords "Acme1000000" … "Acme1004999" use every number
// from the least to the greatest, once. Random numbers cannot do that:
// drawn from the whole keyspace they spread over it, and drawn from a
// narrow range they repeat long before they fill it. For every shape (the
// same template with one numeric field), the collector keeps how many rows
// it has, its least and greatest number and the step that divides every
// difference; at the end, a shape whose numbers a random source would
// produce less often than the chance threshold is a counter.

// denseStats is what the collector keeps about the numbers of one shape.
// A few words per shape, however many rows it has. The numbers are
// followed in every base that reads them all: a hex counter whose first
// values happen to hold only digits (0x10000000, 0x10000010, …) is then
// known exactly, step and all, once its first letter shows.
type denseStats struct {
	count uint32
	base  uint8 // 10, 16 or 36: the narrowest base every value so far is a number in; 0 when some value is none
	// In each base from base up: the least and greatest value, and the
	// greatest common divisor of the differences between values (0 while
	// all are equal).
	lo, hi, step [numBases]uint64
}

// from is the index of the stats' base.
func (d *denseStats) from() int {
	switch d.base {
	case 10:
		return b10
	case 16:
		return b16
	}
	return b36
}

// at is the least and greatest value and the step in the stats' base.
func (d *denseStats) at() (lo, hi, step uint64) {
	b := d.from()
	return d.lo[b], d.hi[b], d.step[b]
}

// start begins the statistics of a shape with its first row.
func (d *denseStats) start(sh *shapeOf) {
	*d = denseStats{count: 1}
	if sh.num == 0 {
		return
	}
	b := narrowest(sh.num)
	d.base = bases[b]
	for ; b < numBases; b++ {
		d.lo[b], d.hi[b] = sh.val[b], sh.val[b]
	}
}

// add counts one more row of the shape.
func (d *denseStats) add(sh *shapeOf) {
	if d.count < math.MaxUint32 {
		d.count++
	}
	if d.base == 0 {
		return
	}
	if sh.num == 0 {
		d.base = 0
		return
	}
	b := max(d.from(), narrowest(sh.num))
	d.base = bases[b]
	for ; b < numBases; b++ {
		d.include(b, sh.val[b])
	}
}

func (d *denseStats) include(b int, v uint64) {
	if v < d.lo[b] {
		d.step[b] = gcd(d.step[b], d.lo[b]-v)
		d.lo[b] = v
	} else {
		d.step[b] = gcd(d.step[b], v-d.lo[b])
	}
	d.hi[b] = max(d.hi[b], v)
}

// merge adds the statistics of another stretch of the same shape.
func (d *denseStats) merge(o denseStats) {
	if d.count == 0 {
		*d = o
		return
	}
	d.count = uint32(min(uint64(d.count)+uint64(o.count), math.MaxUint32))
	if d.base == 0 || o.base == 0 {
		d.base = 0
		return
	}
	b := max(d.from(), o.from())
	d.base = bases[b]
	for ; b < numBases; b++ {
		d.include(b, o.lo[b])
		d.include(b, o.hi[b])
		d.step[b] = gcd(d.step[b], o.step[b])
	}
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		if b == 1 {
			return 1
		}
		a, b = b, a%b
	}
	return a
}

// denseSeg is the statistics of one shape over a stretch of the batch: a
// slot is reused when another shape hashes to it, and the stretches of a
// shape are added up at the end.
type denseSeg struct {
	key   uint64
	kind  uint8
	width uint8 // characters in the numeric field
	denseStats
}

// denseFound is a shape found to be a counter in any order: how many rows
// it has, and the evidence against each.
type denseFound struct {
	rows uint32
	text string
}

// DenseCounter is a shape of password whose numbers fill their range: a
// counter, in whatever order its values were handed out.
type DenseCounter struct {
	Varies      string  `json:"varies" doc:"What differs between the passwords of the shape and how it is read, e.g. the digits read as a decimal number."`
	Base        int     `json:"base" doc:"The base the numbers are read in: 10, 16 or 36."`
	Rows        int64   `json:"rows"`
	From        string  `json:"from" doc:"The least value, as written in the passwords."`
	To          string  `json:"to" doc:"The greatest value."`
	Step        uint64  `json:"step" doc:"Every difference between values is a multiple of this."`
	Fill        float64 `json:"fill" doc:"Share of the values from..to (in steps of step) that distinct rows take."`
	Log10Chance float64 `json:"log10_chance" doc:"log10 of a bound on the chance that random values of this shape would fill their range like this."`
}

// denseCounters decides which shapes' numbers fill their range. work is the
// working file: when the batch has duplicate passwords, it is read once to
// count each candidate shape's duplicate rows, so that duplicates elsewhere
// in the batch do not hide a counter.
func (st *state) denseCounters(work io.Reader, dupRows int64) ([]DenseCounter, error) {
	th := st.e.th
	segs := st.segments
	st.segments = nil
	for kind := range st.slots {
		for i := range st.slots[kind] {
			sl := &st.slots[kind][i]
			if sl.key != 0 && sl.nums.base != 0 && sl.nums.count >= 2 {
				segs = append(segs, denseSeg{key: sl.key, kind: uint8(kind), width: sl.n, denseStats: sl.nums})
			}
		}
	}
	slices.SortFunc(segs, func(a, b denseSeg) int {
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	var cands []denseSeg
	for i := 0; i < len(segs); {
		m := segs[i]
		j := i + 1
		for ; j < len(segs) && segs[j].kind == m.kind && segs[j].key == m.key; j++ {
			m.merge(segs[j].denseStats)
		}
		if m.base != 0 && int64(m.count) >= int64(max(th.DenseRows, 2)) {
			cands = append(cands, m)
		}
		i = j
	}
	if len(cands) == 0 {
		return nil, nil
	}
	dups := make([]int64, len(cands))
	if dupRows > 0 {
		if err := st.shapeDuplicates(work, cands, dups); err != nil {
			return nil, err
		}
	}
	// Every candidate is a test: the chance threshold is shared out among them.
	logTests := math.Log10(float64(len(cands)))
	var out []DenseCounter
	for i, c := range cands {
		logP, fill := denseChance(c, dups[i])
		if fill < th.DenseFill || logP+logTests >= st.e.logChance {
			continue
		}
		lo, hi, step := c.at()
		from, to := c.format(lo), c.format(hi)
		step = max(step, 1)
		number := map[uint8]string{10: "a decimal", 16: "a hex", 36: "a base-36"}[c.base] + " number"
		read := denseWhat[c.kind] + " read as " + number
		if c.kind == shapeLast8 {
			read = denseWhat[c.kind] + " read backwards as " + number
		}
		values := fmt.Sprintf("the %s values from %s to %s", humanize.Comma(int64((hi-lo)/step+1)), from, to)
		if step > 1 {
			values += fmt.Sprintf(" in steps of %d", step)
		}
		distinct := int64(c.count) - min(dups[i], int64(c.count))
		if st.dense[c.kind] == nil {
			st.dense[c.kind] = map[uint64]denseFound{}
		}
		st.dense[c.kind][c.key] = denseFound{rows: c.count, text: fmt.Sprintf("%s: %s rows take %s of %s (%.0f%%): a counter, in whatever order it was handed out",
			read, humanize.Comma(int64(c.count)), humanize.Comma(distinct), values, math.Floor(100*fill))}
		out = append(out, DenseCounter{Varies: read, Base: int(c.base), Rows: int64(c.count), From: from, To: to, Step: step,
			Fill: round3(fill), Log10Chance: round1(math.Max(logP, -1e6))})
	}
	slices.SortFunc(out, func(a, b DenseCounter) int { return int(b.Rows - a.Rows) })
	return out, nil
}

// format writes a value as the passwords do, in the stats' base.
func (c *denseSeg) format(v uint64) string {
	return fmt.Sprintf("%0*s", c.width, strconv.FormatUint(v, int(c.base)))
}

// denseChance bounds the chance that random values would make a shape's
// numbers look as they do, as log10, and says what share of their range
// the distinct values fill. dups is how many of the shape's rows share
// their password with another row (so at least count-dups values are
// distinct).
//
// Random values can look like this in two ways, and the bound is the
// larger of the two:
//
//   - drawn from the whole keyspace (base^width), all of them landed within
//     hi-lo+1 of each other: at most count·(span/keyspace)^(count-1);
//   - drawn from any range, they repeated no more than dups times although
//     they were packed into (hi-lo)/step+1 possible values. Drawing them one
//     by one, while there have been at most dups repeats, the i-th value
//     repeats an earlier one with chance at least (i-dups)/cells; the number
//     of repeats is at least a sum of independent such trials, whose lower
//     tail the Chernoff bound limits: exp(-μ)·(eμ/dups)^dups. A factor count
//     covers where the range starts.
//
// Values that share a step (every 3rd number) are rare at random in
// themselves: 2^-(count-2) is added for that. Such values come from a
// source on that step's lattice, and the first way does not apply to them:
// a random source that spreads its values over the whole keyspace does
// not keep to every 7th number, and a source that does, and whose values
// cover the keyspace with few repeats (a hex counter in steps of 7 whose
// last four characters run through all their 9,362 values), is a counter
// or a template of a handful of free characters, not a random generator.
func denseChance(c denseSeg, dups int64) (logP, fill float64) {
	n := float64(c.count)
	lo, hi, step := c.at()
	step = max(step, 1)
	cells := float64((hi-lo)/step) + 1
	distinct := n - float64(min(dups, int64(c.count)))
	fill = math.Min(1, distinct/cells)

	keyspace := math.Pow(float64(c.base), float64(c.width))
	span := float64(hi-lo) + 1
	inSpan := math.Log10(n) + (n-1)*math.Log10(math.Min(1, span/keyspace))

	var fewRepeats float64
	if distinct > cells {
		fewRepeats = math.Inf(-1) // more distinct values than the range holds: cannot happen
	} else {
		m := distinct - 1
		mu := m * (m + 1) / (2 * cells)
		d := n - distinct
		switch {
		case d == 0:
			fewRepeats = -mu / math.Ln10
		case d < mu:
			fewRepeats = (-mu + d*(1+math.Log(mu/d))) / math.Ln10
		}
		fewRepeats += math.Log10(n)
	}
	logP = math.Max(inSpan, fewRepeats)
	if step > 1 {
		shared := -(n - 2) * math.Log10(2)
		logP = math.Max(fewRepeats, shared) + math.Log10(2)
	}
	return logP, fill
}

// shapeDuplicates reads the working file and counts, for each candidate
// shape, its rows that share their password with another row.
func (st *state) shapeDuplicates(work io.Reader, cands []denseSeg, dups []int64) error {
	var index [numShapes]map[uint64]int
	for i, c := range cands {
		if index[c.kind] == nil {
			index[c.kind] = map[uint64]int{}
		}
		index[c.kind][c.key] = i
	}
	dupLines, err := st.spill.lines()
	if err != nil {
		return err
	}
	r := bufio.NewReaderSize(work, 1<<20)
	var rec record
	for {
		err := readRecord(r, &rec)
		if err == io.EOF {
			return dupLines.err
		}
		if err != nil {
			return err
		}
		if _, ok := dupLines.at(rec.line); !ok {
			if dupLines.done() {
				return dupLines.err
			}
			continue
		}
		for kind, key := range rec.shapes {
			if key == 0 || index[kind] == nil {
				continue
			}
			if i, ok := index[kind][key]; ok {
				dups[i]++
			}
		}
	}
}

// denseEvidence is the evidence against a row whose shape's numbers fill
// their range, if any. When several of the row's shapes do, the one with
// the most rows names the counter: a hex counter's values that happen to
// be all digits also fill a range of their own, read in decimal, but the
// counter is the hex one.
func (st *state) denseEvidence(rec *record) (string, bool) {
	var best denseFound
	for _, kind := range [...]int{shapeDigits, shapeLast8, shapeLast4, shapeFirst4} {
		if key := rec.shapes[kind]; key != 0 && st.dense[kind] != nil {
			if f, ok := st.dense[kind][key]; ok && f.rows > best.rows {
				best = f
			}
		}
	}
	return best.text, best.rows > 0
}
