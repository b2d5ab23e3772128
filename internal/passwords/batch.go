package passwords

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The batch side of the audit: what the workers count per row for the
// batch rules (duplicates, formats), what the collector sees in file order
// (counters, ascending runs, samples), and the working file that carries
// every row's findings to the final pass.

// Timers beyond the rules' own.
const (
	timerPrepare = int(numRules) + iota
	timerCollect
	numTimers
)

type worker struct {
	ctxs   []rowCtx
	timers [numTimers]time.Duration
	rows   int64
	dups   dupSet
	pos    [65][64][4]uint64 // by password length: characters seen at each position
	count  [65]int64
	gpos   map[uint16]*[64][4]uint64
	gcount map[uint16]int64
}

func (w *worker) positions(pw string) {
	n := min(len(pw), 64)
	w.count[n]++
	for i := 0; i < n; i++ {
		c := pw[i]
		w.pos[n][i][c>>6] |= 1 << (c & 63)
	}
}

func (w *worker) groupPositions(g uint16, pw string) {
	p, ok := w.gpos[g]
	if !ok {
		p = new([64][4]uint64)
		w.gpos[g] = p
	}
	w.gcount[g]++
	for i := 0; i < min(len(pw), 64); i++ {
		c := pw[i]
		p[i][c>>6] |= 1 << (c & 63)
	}
}

// state is one audit's working state across the stages.
type state struct {
	e        *engine
	workers  []*worker
	rows     int64 // all rows
	audited  int64
	skipped  int64 // user-defined
	excluded int64

	// DP-05: counters, in file order.
	slots       [3][]slot
	pairs       int64
	prevPW      string
	runDir      int
	runLen      int
	runFrom     int
	prevLine    int
	runs        []lineRange
	collectTime time.Duration

	// Samples for the rules too slow to run on every row.
	rng     *rand.Rand
	seen    int64
	nearDup []sampled
	guesses []sampled

	// Settled at the end, used by the final pass.
	dups      []dupLine
	failGroup map[uint16]Template
	failLen   map[int]Template
	near      map[int]int
	weak      map[int]string
	confirmed []bool
	inputSHA  string
}

type lineRange struct{ from, to int }

type sampled struct {
	line int
	pw   string
	hint []string
}

// slot remembers the last row whose password had a given shape, so the
// next one can be compared with it.
type slot struct {
	key    uint64
	line   uint32
	varied [8]byte // the characters that may change
	n      uint8
	snum   uint64
	hasS   bool
}

const slotBits = 20

func newState(e *engine, workers int) *state {
	st := &state{e: e, rng: rand.New(rand.NewPCG(1, 2))}
	for range workers {
		st.workers = append(st.workers, &worker{gpos: map[uint16]*[64][4]uint64{}, gcount: map[uint16]int64{}})
	}
	for i := range st.slots {
		st.slots[i] = make([]slot, 1<<slotBits)
	}
	return st
}

// collect handles one chunk in file order.
func (st *state) collect(c *chunk, w *bufio.Writer) error {
	t := time.Now()
	defer func() { st.collectTime += time.Since(t) }()
	for i := range c.rows {
		r, o := &c.rows[i], &c.out[i]
		st.rows++
		if o.audited {
			st.audited++
			st.counters(r, o)
			st.sample(r)
		} else if len(o.findings) > 0 {
			st.excluded++
		} else {
			st.skipped++
		}
		if err := writeRecord(w, r, o); err != nil {
			return err
		}
		for _, f := range o.findings {
			if f.chain > 0 {
				st.e.chains.get(f.chain).count.Add(1)
			}
		}
	}
	return nil
}

// counters compares a row with the last row of the same shape (all but
// the last four characters, all but the first four, or everything but the
// digits) and with the row before it in the file.
func (st *state) counters(r *Row, o *rowOut) {
	n := normalize(r.Password)
	snum, snumLen := trailingNumber(r.Serial)
	// Runs in sorted order: a counter in any clothing that keeps order.
	if st.prevPW != "" {
		d := strings.Compare(n, st.prevPW)
		if d != 0 && d == st.runDir {
			st.runLen++
		} else {
			st.endRun()
			st.runDir, st.runLen, st.runFrom = d, 2, st.prevLine
		}
	} else {
		st.runFrom = r.Line
	}
	st.prevPW, st.prevLine = n, r.Line

	if len(n) < 6 || len(n) > 64 {
		return
	}
	type shape struct {
		kind   int
		fixed  string
		varied string
		what   string
	}
	shapes := make([]shape, 0, 3)
	shapes = append(shapes, shape{0, n[:len(n)-4], n[len(n)-4:], "the last 4 characters"})
	shapes = append(shapes, shape{1, n[4:], n[:4], "the first 4 characters"})
	if ds := runs(n, isDigit, 2); len(ds) > 0 {
		var fixed, varied []byte
		last := 0
		for _, d := range ds {
			fixed = append(fixed, n[last:d.start]...)
			fixed = append(fixed, '#')
			varied = append(varied, n[d.start:d.end]...)
			last = d.end
		}
		fixed = append(fixed, n[last:]...)
		if len(varied) <= 8 && len(varied) < len(n) {
			shapes = append(shapes, shape{2, string(fixed), string(varied), "the digits"})
		}
	}
	for _, s := range shapes {
		key := hashShape(s.kind, s.fixed, len(n))
		sl := &st.slots[s.kind][key&(1<<slotBits-1)]
		if sl.key == key && sl.n == uint8(len(s.varied)) {
			st.pairs++
			prev := string(sl.varied[:sl.n])
			if f, ok := counterStep(prev, s.varied); ok && f.delta != 0 {
				base, d := f.base, f.delta
				text := fmt.Sprintf("line %d with %s counted up by %d (base %d)", sl.line, s.what, d, base)
				var key string
				var logP float64
				switch {
				case sl.hasS && snumLen > 0 && int64(snum)-int64(sl.snum) == d:
					key = fmt.Sprintf("%s count with the serial number (base %d)", s.what, base)
					logP = -float64(len(s.varied)) * math.Log10(float64(base))
				case d > 0 && d <= 16:
					key = fmt.Sprintf("%s count up in steps of %d (base %d)", s.what, d, base)
					logP = -float64(len(s.varied)) * math.Log10(float64(base))
				case d >= -16 && d < 0:
					key = fmt.Sprintf("%s count down in steps of %d (base %d)", s.what, -d, base)
					logP = -float64(len(s.varied)) * math.Log10(float64(base))
				case d > 0 && d <= 1000:
					key = fmt.Sprintf("%s count up in small steps (base %d)", s.what, base)
					logP = math.Log10(1000) - float64(len(s.varied))*math.Log10(float64(base))
				}
				if key != "" && logP < 0 {
					id := st.e.chains.internOver(dp05, key, logP, overPairs)
					addFinding(o, finding{rule: dp05, chain: id, text: text})
				}
			}
		}
		*sl = slot{key: key, line: uint32(r.Line), n: uint8(len(s.varied)), snum: snum, hasS: snumLen > 0}
		copy(sl.varied[:], s.varied)
	}
}

func addFinding(o *rowOut, f finding) {
	for _, g := range o.findings {
		if g.rule == f.rule {
			return
		}
	}
	o.findings = append(o.findings, f)
}

// endRun records the current run of passwords in sorted order if it is
// long enough to be a counter (a random batch makes runs of 20 with odds
// of one in 20!, about 4·10⁻¹⁹).
func (st *state) endRun() {
	if st.runLen >= st.e.th.RunLength {
		st.runs = append(st.runs, lineRange{st.runFrom, st.prevLine})
	}
	st.runDir, st.runLen = 0, 0
}

type step struct {
	base  int
	delta int64
}

// counterStep reads two versions of the varying characters as numbers in
// the smallest base that holds both (10, 16 or 36) and returns the step.
func counterStep(a, b string) (step, bool) {
	if len(a) != len(b) || len(a) == 0 || len(a) > 8 {
		return step{}, false
	}
	base := 10
	switch {
	case allDigits(a) && allDigits(b):
	case allHex(a) && allHex(b):
		base = 16
	case isBase36(a) && isBase36(b):
		base = 36
	default:
		return step{}, false
	}
	x, err1 := strconv.ParseInt(a, base, 64)
	y, err2 := strconv.ParseInt(b, base, 64)
	if err1 != nil || err2 != nil {
		return step{}, false
	}
	return step{base, y - x}, true
}

func hashShape(kind int, fixed string, n int) uint64 {
	// FNV-1a over kind, length and the fixed characters.
	h := uint64(14695981039346656037)
	mix := func(b byte) { h ^= uint64(b); h *= 1099511628211 }
	mix(byte(kind))
	mix(byte(n))
	for i := 0; i < len(fixed); i++ {
		mix(fixed[i])
	}
	return h | 1 // 0 marks an empty slot
}

// sample keeps a random sample of rows (reservoir sampling) for the
// near-duplicate and guessability rules.
func (st *state) sample(r *Row) {
	st.seen++
	th := st.e.th
	s := sampled{line: r.Line, pw: r.Password}
	if len(st.nearDup) < th.NearDupSample {
		st.nearDup = append(st.nearDup, s)
	} else if j := st.rng.Int64N(st.seen); j < int64(th.NearDupSample) {
		st.nearDup[j] = s
	}
	hint := func() []string {
		var h []string
		for _, v := range []string{r.Serial, r.MAC, normalize(r.MAC), r.IMEI, r.SSID, r.Username, r.Model} {
			if v != "" {
				h = append(h, v)
			}
		}
		return h
	}
	if len(st.guesses) < th.GuessSample {
		s.hint = hint()
		st.guesses = append(st.guesses, s)
	} else if j := st.rng.Int64N(st.seen); j < int64(th.GuessSample) {
		s.hint = hint()
		st.guesses[j] = s
	}
}

// ---- the working file ----

// writeRecord appends a row's line, serial, format and findings.
func writeRecord(w *bufio.Writer, r *Row, o *rowOut) error {
	var b [binary.MaxVarintLen64]byte
	put := func(v uint64) { w.Write(b[:binary.PutUvarint(b[:], v)]) }
	str := func(s string) { put(uint64(len(s))); w.WriteString(s) }
	put(uint64(r.Line))
	str(r.Serial)
	flags := uint64(0)
	if o.audited {
		flags = 1
	}
	put(flags)
	put(uint64(o.group))
	put(uint64(o.length))
	put(uint64(len(o.findings)))
	for _, f := range o.findings {
		put(uint64(f.rule))
		v := uint64(0)
		if f.warn {
			v = 1
		}
		put(v)
		put(uint64(f.chain))
		str(f.text)
	}
	return nil
}

type record struct {
	line     int
	serial   string
	audited  bool
	group    uint16
	length   int
	findings []finding
}

func readRecord(r *bufio.Reader, rec *record) error {
	get := func() uint64 {
		v, err := binary.ReadUvarint(r)
		if err != nil {
			panic(err)
		}
		return v
	}
	str := func() string {
		n := get()
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			panic(err)
		}
		return string(b)
	}
	line, err := binary.ReadUvarint(r)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("passwords: the working file is damaged: %v", p)
		}
	}()
	rec.line = int(line)
	rec.serial = str()
	rec.audited = get() == 1
	rec.group = uint16(get())
	rec.length = int(get())
	n := int(get())
	rec.findings = rec.findings[:0]
	for range n {
		f := finding{rule: rule(get())}
		f.warn = get() == 1
		f.chain = int32(get())
		f.text = str()
		rec.findings = append(rec.findings, f)
	}
	return err
}

// ---- DP-04: duplicates ----

// dupEntry is one row in the duplicate index: the hash of its password in
// lower case, 32 bits of the hash as given, and its line. 16 bytes a row.
type dupEntry struct {
	fold  uint64
	exact uint32
	line  uint32
}

// dupSet keeps entries in 256 buckets by hash, each a list of fixed-size
// blocks, so it grows without copying and sorts bucket by bucket.
type dupSet struct {
	buckets [256][][]dupEntry
}

const dupBlock = 4096

func (d *dupSet) add(fold uint64, exact, line uint32) {
	b := &d.buckets[fold>>56]
	if len(*b) == 0 || len((*b)[len(*b)-1]) == dupBlock {
		*b = append(*b, make([]dupEntry, 0, dupBlock))
	}
	last := &(*b)[len(*b)-1]
	*last = append(*last, dupEntry{fold, exact, line})
}

// dupLine is a row that shares its password with another.
type dupLine struct {
	line  uint32
	other uint32 // another row with the same password
	exact bool   // the same as given (else: the same but for letter case)
	size  int32  // rows in the group
}

// duplicates finds every row whose password another row shares, exactly
// or but for letter case, returning them sorted by line, with the number of
// exact duplicate pairs.
func duplicates(sets []*dupSet) ([]dupLine, int64, int64) {
	var out []dupLine
	var exactRows, foldRows int64
	for b := range 256 {
		var all []dupEntry
		for _, s := range sets {
			for _, blk := range s.buckets[b] {
				all = append(all, blk...)
			}
			s.buckets[b] = nil
		}
		slices.SortFunc(all, func(x, y dupEntry) int {
			if x.fold != y.fold {
				if x.fold < y.fold {
					return -1
				}
				return 1
			}
			if x.exact != y.exact {
				if x.exact < y.exact {
					return -1
				}
				return 1
			}
			return int(x.line) - int(y.line)
		})
		for i := 0; i < len(all); {
			j := i
			for j < len(all) && all[j].fold == all[i].fold {
				j++
			}
			if j-i > 1 {
				// Within a case-folded group, runs of equal exact hashes
				// are exact duplicates; the rest differ only in case.
				for k := i; k < j; {
					m := k
					for m < j && all[m].exact == all[k].exact {
						m++
					}
					for x := k; x < m; x++ {
						if m-k > 1 {
							other := all[k].line
							if x == k {
								other = all[k+1].line
							}
							out = append(out, dupLine{all[x].line, other, true, int32(m - k)})
							exactRows++
						} else {
							other := all[i].line
							if x == i {
								other = all[j-1].line
							}
							out = append(out, dupLine{all[x].line, other, false, int32(j - i)})
							foldRows++
						}
					}
					k = m
				}
			}
			i = j
		}
	}
	slices.SortFunc(out, func(a, b dupLine) int { return int(a.line) - int(b.line) })
	return out, exactRows, foldRows
}

// ---- DP-11: keyspace ----

// classBits is the keyspace of one position: the smallest familiar
// character class that holds every character seen there.
func classBits(set [4]uint64) (float64, string) {
	n := 0
	for _, w := range set {
		n += bits.OnesCount64(w)
	}
	if n <= 1 {
		return 0, "fixed"
	}
	has := func(c byte) bool { return set[c>>6]&(1<<(c&63)) != 0 }
	within := func(ok func(byte) bool) bool {
		for c := 0; c < 256; c++ {
			if has(byte(c)) && !ok(byte(c)) {
				return false
			}
		}
		return true
	}
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	lower := func(c byte) bool { return c >= 'a' && c <= 'z' }
	upper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	hexl := func(c byte) bool { return digit(c) || (c >= 'a' && c <= 'f') }
	hexu := func(c byte) bool { return digit(c) || (c >= 'A' && c <= 'F') }
	for _, k := range []struct {
		ok   func(byte) bool
		size float64
		name string
	}{
		{digit, 10, "digit"},
		{hexl, 16, "hex digit"},
		{hexu, 16, "hex digit"},
		{lower, 26, "lower-case letter"},
		{upper, 26, "upper-case letter"},
		{func(c byte) bool { return digit(c) || lower(c) }, 36, "lower-case letter or digit"},
		{func(c byte) bool { return digit(c) || upper(c) }, 36, "upper-case letter or digit"},
		{func(c byte) bool { return lower(c) || upper(c) }, 52, "letter"},
		{func(c byte) bool { return digit(c) || lower(c) || upper(c) }, 62, "letter or digit"},
		{func(c byte) bool { return c >= 0x20 && c < 0x7f }, 95, "printable character"},
	} {
		if within(k.ok) {
			return math.Log2(k.size), k.name
		}
	}
	return math.Log2(float64(max(n, 95))), "character"
}

// keyspace sums the positions of a format: an upper bound on the
// randomness each password can carry, and a plain description such as
// "ACME-" + 6 digits.
func keyspace(pos *[64][4]uint64, n int) (float64, string) {
	total := 0.0
	var parts []string
	var lit []byte
	prev, count := "", 0
	flush := func() {
		if count > 0 {
			name := prev
			if count > 1 {
				name = pluralClass(prev)
			}
			parts = append(parts, fmt.Sprintf("%d %s", count, name))
		}
		prev, count = "", 0
	}
	flushLit := func() {
		if len(lit) > 0 {
			parts = append(parts, strconv.Quote(string(lit)))
			lit = lit[:0]
		}
	}
	for i := 0; i < n; i++ {
		b, name := classBits(pos[i])
		total += b
		if name == "fixed" {
			flush()
			lit = append(lit, onlyChar(pos[i]))
			continue
		}
		flushLit()
		if name != prev {
			flush()
			prev = name
		}
		count++
	}
	flush()
	flushLit()
	return total, strings.Join(parts, " + ")
}

func onlyChar(set [4]uint64) byte {
	for c := 0; c < 256; c++ {
		if set[c>>6]&(1<<(c&63)) != 0 {
			return byte(c)
		}
	}
	return '?'
}

func pluralClass(name string) string {
	switch name {
	case "hex digit":
		return "hex digits"
	case "digit":
		return "digits"
	case "letter or digit":
		return "letters or digits"
	case "lower-case letter or digit":
		return "lower-case letters or digits"
	case "upper-case letter or digit":
		return "upper-case letters or digits"
	}
	return strings.Replace(name, "letter", "letters", 1) + map[bool]string{true: "", false: ""}[true]
}
