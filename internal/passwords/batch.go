package passwords

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	scratch []byte
	ctxs    []rowCtx
	timers  [numTimers]time.Duration
	rows    int64
	pos     [65][64][4]uint64 // by password length: characters seen at each position
	count   [65]int64
	gpos    map[uint16]*[64][4]uint64
	gcount  map[uint16]int64
	wcount  [numWordFormats]int64 // rows by word format
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

	// Short values of rows labelled as excluded types, to find one shared
	// like a default password (para 1(4), PSTI-PW-06).
	exclValues excludedValues

	// DP-05: counters, in file order.
	slots       [numShapes][]slot
	segments    []denseSeg                       // stretches of a shape's numbers, kept when a slot is reused
	segMin      uint32                           // the fewest rows a stretch needs to be kept
	dense       [numShapes]map[uint64]denseFound // shapes whose numbers fill their range, and the evidence
	pairs       int64
	prevPW      string
	runDir      int
	runLen      int
	runFrom     int
	prevLine    int
	runs        []lineRange
	pending     []pendingPair // the chunk's pairs read in decimal that may be hex or base 36
	collectTime time.Duration

	// Samples for the rules too slow to run on every row.
	rng      *rand.Rand
	seen     int64
	nearRes  *reservoir
	guessRes *reservoir
	nearDup  []sampled
	guesses  []sampled

	// The duplicate index (DP-04), on disk.
	spill *dupSpill
	// The comparison with earlier batches (DP-04); nil when there is none.
	prints *earlierState

	// Settled at the end, used by the final pass.
	failGroup map[uint16]Template
	failLen   map[int]Template
	failWords map[uint8]Template
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
// next one can be compared with it, and what the shape's numbers have
// covered so far.
type slot struct {
	key    uint64
	line   uint32
	varied [8]byte // the characters that may change
	n      uint8
	snum   uint64
	hasS   bool
	nums   denseStats
}

// slotBits sizes the counter tables: 32,768 slots each, small enough to
// stay in cache, large enough that the rows of a counter interleaved with
// tens of thousands of others still meet.
const slotBits = 15

func newState(e *engine, workers int) *state {
	st := &state{e: e, rng: rand.New(rand.NewPCG(1, 2))}
	st.nearRes = newReservoir(e.th.NearDupSample, st.rng)
	st.guessRes = newReservoir(e.th.GuessSample, st.rng)
	for range workers {
		st.workers = append(st.workers, &worker{gpos: map[uint16]*[64][4]uint64{}, gcount: map[uint16]int64{}})
	}
	for i := range st.slots {
		st.slots[i] = make([]slot, 1<<slotBits)
	}
	st.segMin = uint32(max(2, min(16, e.th.DenseRows)))
	return st
}

// collect handles one chunk in file order.
func (st *state) collect(c *chunk, w *bufio.Writer) error {
	t := time.Now()
	defer func() { st.collectTime += time.Since(t) }()
	// The counters first, for the whole chunk, so that a pair of values
	// read in decimal can be read again when later rows of its shape show
	// it to be hex or base 36.
	st.pending = st.pending[:0]
	for i := range c.rows {
		if c.out[i].audited {
			st.counters(&c.rows[i], &c.out[i], i)
		}
	}
	st.reread(c)
	for i := range c.rows {
		r, o := &c.rows[i], &c.out[i]
		st.rows++
		if o.audited {
			st.audited++
			st.sample(r)
			if err := st.spill.add(o.fold, o.exact, uint32(r.Line)); err != nil {
				return err
			}
			if st.prints != nil {
				if err := st.prints.spill.add(o.print, uint32(r.Line)); err != nil {
					return err
				}
			}
		} else if len(o.findings) > 0 {
			st.excluded++
			st.shared(r, o)
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

// shapeOf describes one way two passwords of a counter resemble each
// other: everything but the last four characters is the same, or
// everything but the first four, or everything but the digits, or (for
// passwords ending in eight hex digits) everything but the last eight.
type shapeOf struct {
	key    uint64 // hash of the kind, length and the fixed characters; 0 for none
	varied [8]byte
	n      uint8
	num    uint8            // numDec, numHex, numB36: the bases the varied characters are a number in (0 for none)
	val    [numBases]uint64 // their value in each of those bases
}

// The shape kinds.
const (
	shapeLast4 = iota
	shapeFirst4
	shapeDigits
	shapeLast8
	numShapes
)

var shapeWhat = [numShapes]string{"the last 4 characters", "the first 4 characters", "the digits", "the last 8 characters"}

// denseWhat names the numbers of each shape as the counters in any order
// read them.
var denseWhat = [numShapes]string{"the last 4 characters", "the first 4 characters", "the digits", "the last 8 characters"}

// The bases the varied characters of a shape are read in, narrowest
// first: a counter in base 36 (PSTI-PW-02) is written with digits and
// letters; one whose values so far are all digits may still be hex or
// base 36, so a shape's numbers are followed in every base that reads
// them.
const (
	b10 = iota
	b16
	b36
	numBases
)

var bases = [numBases]uint8{10, 16, 36}

// baseName names a base as the evidence does.
var baseName = map[int]string{10: "decimal", 16: "hex", 36: "base 36"}

const (
	numDec = 1 << iota
	numHex
	numB36
)

// narrowest is the index of the narrowest base num reads in.
func narrowest(num uint8) int {
	switch {
	case num&numDec != 0:
		return b10
	case num&numHex != 0:
		return b16
	}
	return b36
}

// shapes works out a row's counter shapes; the workers do this, so the
// collector only compares.
func shapes(n string) (out [numShapes]shapeOf) {
	if len(n) < 6 || len(n) > 64 {
		return
	}
	set := func(k int, fixedKey uint64, varied string) {
		out[k].key = fixedKey
		out[k].n = uint8(copy(out[k].varied[:], varied))
	}
	set(shapeLast4, hashShape(0, n[:len(n)-4], len(n)), n[len(n)-4:])
	set(shapeFirst4, hashShape(1, n[4:], len(n)), n[:4])
	// The digits: hash the password with each digit run replaced by '#'.
	h := uint64(14695981039346656037)
	mix := func(b byte) { h ^= uint64(b); h *= 1099511628211 }
	mix(2)
	mix(byte(len(n)))
	var varied [8]byte
	nv, runs := 0, 0
	for i := 0; i < len(n); {
		if !isDigit(n[i]) {
			mix(n[i])
			i++
			continue
		}
		j := i
		for j < len(n) && isDigit(n[j]) {
			j++
		}
		if j-i < 2 || nv+(j-i) > len(varied) {
			for ; i < j; i++ {
				mix(n[i])
			}
			continue
		}
		mix('#')
		nv += copy(varied[nv:], n[i:j])
		runs++
		i = j
	}
	if runs > 0 && nv < len(n) {
		out[shapeDigits].key = h | 1
		out[shapeDigits].varied = varied
		out[shapeDigits].n = uint8(nv)
	}
	if len(n) >= 10 && allHex(n[len(n)-8:]) {
		set(shapeLast8, hashShape(5, n[:len(n)-8], len(n)), n[len(n)-8:])
	}
	for k := range out {
		out[k].number(k == shapeLast8)
	}
	return out
}

// number reads the varied characters as a number in each base that holds
// them (decimal, hex, base 36); backwards, the last character is the most
// significant. The last eight characters are read backwards: read
// forwards, a counter there is seen by the shapes of its last four
// characters and of its digits.
func (s *shapeOf) number(backwards bool) {
	if s.key == 0 || s.n == 0 {
		return
	}
	var v [numBases]uint64
	num := uint8(numDec | numHex | numB36)
	for i := range int(s.n) {
		c := s.varied[i]
		if backwards {
			c = s.varied[int(s.n)-1-i]
		}
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			num &^= numDec
			d = uint64(c-'a') + 10
		case c >= 'g' && c <= 'z':
			num &^= numDec | numHex
			d = uint64(c-'a') + 10
		default:
			return
		}
		v[b10] = v[b10]*10 + d // meaningless once a letter is seen, and then unused
		v[b16] = v[b16]<<4 | d
		v[b36] = v[b36]*36 + d
	}
	s.num, s.val = num, v
}

// counters compares a row (the i-th of its chunk) with the last row of the
// same shape, and with the row before it in the file (for runs in sorted
// order).
func (st *state) counters(r *Row, o *rowOut, i int) {
	n := o.norm
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
	for kind := range o.shapes {
		sh := &o.shapes[kind]
		if sh.key == 0 {
			continue
		}
		sl := &st.slots[kind][sh.key&(1<<slotBits-1)]
		nums := sl.nums
		if sl.key == sh.key && sl.n == sh.n {
			st.pairs++
			if !hasRule(o.findings, dp05) && (kind != shapeDigits || !st.digitsInWider(o)) {
				st.pair(o, i, kind, sl, sh)
			}
			nums.add(sh)
		} else {
			if sl.key != 0 && sl.nums.base != 0 && sl.nums.count >= st.segMin {
				st.segments = append(st.segments, denseSeg{key: sl.key, kind: uint8(kind), width: sl.n, denseStats: sl.nums})
			}
			nums.start(sh)
		}
		*sl = slot{key: sh.key, line: uint32(r.Line), varied: sh.varied, n: sh.n, snum: o.snum, hasS: o.snumLen > 0, nums: nums}
	}
}

// pair compares the varied characters of a row (the i-th of its chunk)
// with those of the previous row of its shape, kept in sl, reading both as
// numbers in the narrowest base that holds them and every earlier value of
// the shape: a hex counter's values that happen to be all digits are
// read in hex once the shape has shown a letter.
func (st *state) pair(o *rowOut, i, kind int, sl *slot, sh *shapeOf) {
	a, b := string(sl.varied[:sl.n]), string(sh.varied[:sh.n])
	least := int(sl.nums.base)
	for _, reversed := range []bool{false, true} {
		x, y := a, b
		if reversed {
			// A counter written backwards: its fastest-changing
			// character comes first.
			x, y = reverse(a), reverse(b)
		}
		f, ok := counterStep(x, y, least)
		if !ok || f.delta == 0 {
			continue
		}
		if fd, ok := st.counterFinding(o, kind, sl, f, x, reversed); ok {
			o.findings = append(o.findings, fd)
			if f.base == 10 && ambiguous(x, y) {
				st.pending = append(st.pending, pendingPair{row: i, kind: kind, key: sh.key, prev: *sl, x: x, y: y, reversed: reversed, chain: fd.chain})
			}
			return
		}
	}
}

// digitsInWider reports whether the row's last characters hold digits and
// are, in the shape of the last 4 or the last 8 characters, a number in a
// base larger than 10 (a hex or base-36 counter): its digits are then a
// fragment of that number, and compared alone in decimal they would
// misread the counter.
func (st *state) digitsInWider(o *rowOut) bool {
	for _, k := range [...]int{shapeLast4, shapeLast8} {
		w := int(o.shapes[k].n)
		if w == 0 || strings.IndexFunc(o.norm[len(o.norm)-w:], func(c rune) bool { return c >= '0' && c <= '9' }) < 0 {
			continue
		}
		if st.shapeBase(k, o.shapes[k].key) > 10 {
			return true
		}
	}
	return false
}

// pendingPair is a pair of rows whose values, all digits, were read in
// decimal while their shape had shown nothing else, and would step
// differently read in hex or base 36. Once the chunk has been counted, the
// pair is read again in the shape's base then (reread).
type pendingPair struct {
	row      int
	kind     int
	key      uint64
	prev     slot
	x, y     string
	reversed bool
	chain    int32
}

// ambiguous reports whether two strings of digits step by different
// amounts read in decimal and in a larger base.
func ambiguous(x, y string) bool {
	d10, _ := counterStep(x, y, 10)
	d16, _ := counterStep(x, y, 16)
	d36, _ := counterStep(x, y, 36)
	return d10.delta != d16.delta || d10.delta != d36.delta
}

// wasAmbiguous is ambiguous for x and the string of digits d more than x
// in decimal.
func (st *state) wasAmbiguous(x string, d int64) bool {
	v, err := strconv.ParseInt(x, 10, 64)
	if err != nil || v+d < 0 {
		return false
	}
	y := strconv.FormatInt(v+d, 10)
	if len(y) > len(x) {
		return false
	}
	return ambiguous(x, strings.Repeat("0", len(x)-len(y))+y)
}

// reread reads the chunk's pending pairs again in the base their shape
// has by now, if it has shown letters: the finding of a hex counter then
// says hex, and steps by what the counter steps by (16, not 10).
func (st *state) reread(c *chunk) {
	for _, p := range st.pending {
		o := &c.out[p.row]
		base := st.shapeBase(p.kind, p.key)
		if sh := &o.shapes[shapeDigits]; p.kind == shapeDigits && strings.HasSuffix(o.norm, string(sh.varied[:sh.n])) {
			// The digits are one run at the end of the password, so
			// its last characters: if their shape has shown letters,
			// the run is a number in that base.
			base = max(base, st.shapeBase(shapeLast4, o.shapes[shapeLast4].key), st.shapeBase(shapeLast8, o.shapes[shapeLast8].key))
		}
		if base <= 10 {
			continue
		}
		j := slices.IndexFunc(o.findings, func(f finding) bool { return f.rule == dp05 && f.chain == p.chain })
		if j < 0 {
			continue
		}
		f, ok := counterStep(p.x, p.y, base)
		var fd finding
		if ok && f.delta != 0 {
			fd, ok = st.counterFinding(o, p.kind, &p.prev, f, p.x, p.reversed)
		}
		if ok && f.delta != 0 {
			o.findings[j] = fd
		} else {
			// Read in the shape's base, the pair does not step like a
			// counter: the decimal reading was a coincidence.
			o.findings = slices.Delete(o.findings, j, j+1)
		}
	}
}

// shapeBase is the base of the numbers of a shape, as far as the batch
// has shown it: 0 when its slot now holds another shape.
func (st *state) shapeBase(kind int, key uint64) int {
	if key == 0 {
		return 0
	}
	sl := &st.slots[kind][key&(1<<slotBits-1)]
	if sl.key != key {
		return 0
	}
	return int(sl.nums.base)
}

// counterFinding returns the finding for the step f between the previous
// row of a shape and this one, whose varied characters read x (backwards
// when reversed), if it looks like a counter.
func (st *state) counterFinding(o *rowOut, kind int, prev *slot, f step, x string, reversed bool) (finding, bool) {
	what := shapeWhat[kind]
	if reversed {
		what += " written backwards"
	}
	base, d, width := f.base, f.delta, len(x)
	// The base is named when it matters: digits that step alike in any
	// base are simply counted.
	in := " (" + baseName[base] + ")"
	if base == 10 && !st.wasAmbiguous(x, d) {
		in = ""
	}
	logStep := -float64(width) * math.Log10(float64(base))
	var key string
	logP := logStep
	switch {
	case prev.hasS && o.snumLen > 0 && int64(o.snum)-int64(prev.snum) == d:
		key = fmt.Sprintf("%s count with the serial number%s", what, in)
	case d > 0 && d <= 16:
		key = fmt.Sprintf("%s count up in steps of %d%s", what, d, in)
	case d >= -16 && d < 0:
		key = fmt.Sprintf("%s count down in steps of %d%s", what, -d, in)
	case d > 0 && d <= 1000:
		key = fmt.Sprintf("%s count up in small steps%s", what, in)
		logP = math.Log10(1000) + logStep
	default:
		return finding{}, false
	}
	if logP >= 0 {
		return finding{}, false
	}
	id := st.e.chains.internOver(dp05, key, logP, overPairs)
	dir := "up"
	if d < 0 {
		dir, d = "down", -d
	}
	return finding{rule: dp05, chain: id, text: fmt.Sprintf("line %d's password with %s counted %s by %d%s", prev.line, what, dir, d, in)}, true
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
// the smallest base, no smaller than least, that holds both (10, 16 or 36)
// and returns the step.
func counterStep(a, b string, least int) (step, bool) {
	if len(a) != len(b) || len(a) == 0 || len(a) > 8 {
		return step{}, false
	}
	base := 10
	switch {
	case least <= 10 && allDigits(a) && allDigits(b):
	case least <= 16 && allHex(a) && allHex(b):
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

// reservoir chooses a uniform random sample of k rows from a stream of
// unknown length, by Li's "Algorithm L": it draws random numbers only when
// a row is taken, not for every row.
type reservoir struct {
	k    int
	w    float64
	next int64 // the 1-based count of the next row to take
	rng  *rand.Rand
}

func newReservoir(k int, rng *rand.Rand) *reservoir {
	r := &reservoir{k: k, rng: rng, w: 1}
	r.next = int64(k)
	if k > 0 {
		r.advance()
	}
	return r
}

func (r *reservoir) advance() {
	r.w *= math.Exp(math.Log(r.rng.Float64()) / float64(r.k))
	r.next += int64(math.Floor(math.Log(r.rng.Float64())/math.Log1p(-r.w))) + 1
}

// offer says where row number seen (1-based) goes: a slot index to fill
// (or replace), or -1 to skip it.
func (r *reservoir) offer(seen int64) int {
	switch {
	case r.k == 0:
		return -1
	case seen <= int64(r.k):
		return int(seen - 1)
	case seen == r.next:
		r.advance()
		return r.rng.IntN(r.k)
	}
	return -1
}

// sample keeps random samples of rows for the near-duplicate and
// guessability rules.
func (st *state) sample(r *Row) {
	st.seen++
	if i := st.nearRes.offer(st.seen); i >= 0 {
		// A copy of the password: the row's own string shares memory with
		// the whole CSV record.
		s := sampled{line: r.Line, pw: strings.Clone(r.Password)}
		if i == len(st.nearDup) {
			st.nearDup = append(st.nearDup, s)
		} else {
			st.nearDup[i] = s
		}
	}
	if i := st.guessRes.offer(st.seen); i >= 0 {
		var hint []string
		for _, v := range []string{r.Serial, r.MAC, normalize(r.MAC), r.IMEI, r.SSID, r.Username, r.Model} {
			if v != "" {
				hint = append(hint, v)
			}
		}
		s := sampled{line: r.Line, pw: strings.Clone(r.Password), hint: hint}
		if i == len(st.guesses) {
			st.guesses = append(st.guesses, s)
		} else {
			st.guesses[i] = s
		}
	}
}

// ---- the working file ----

// writeRecord appends a row's line, serial, format and findings.
func writeRecord(w *bufio.Writer, r *Row, o *rowOut) error {
	// Written through the writer's free space: a buffer of our own would
	// be allocated for every row.
	put := func(v uint64) { w.Write(binary.AppendUvarint(w.AvailableBuffer(), v)) }
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
	put(uint64(o.words))
	put(uint64(len(o.findings)))
	for _, f := range o.findings {
		put(uint64(f.rule))
		v := uint64(0)
		if f.warn {
			v = 1
		}
		put(v)
		put(uint64(f.chain))
		put(uint64(math.Round(-float64(f.logRow) * 1000)))
		str(f.text)
	}
	// The shapes whose varied characters are a number, for the counters
	// found at the end (DP-05).
	mask := byte(0)
	for k := range o.shapes {
		if o.shapes[k].num != 0 {
			mask |= 1 << k
		}
	}
	w.WriteByte(mask)
	for k := range o.shapes {
		if mask&(1<<k) != 0 {
			w.Write(binary.LittleEndian.AppendUint64(w.AvailableBuffer(), o.shapes[k].key))
		}
	}
	return nil
}

type record struct {
	line     int
	serial   string
	audited  bool
	group    uint16
	length   int
	words    uint8
	findings []finding
	shapes   [numShapes]uint64 // keys of the numeric shapes, 0 for others
}

func readRecord(r *bufio.Reader, rec *record) (err error) {
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
	rec.words = uint8(get())
	n := int(get())
	rec.findings = rec.findings[:0]
	for range n {
		f := finding{rule: rule(get())}
		f.warn = get() == 1
		f.chain = int32(get())
		f.logRow = -float32(get()) / 1000
		f.text = str()
		rec.findings = append(rec.findings, f)
	}
	mask, rerr := r.ReadByte()
	if rerr != nil {
		panic(rerr)
	}
	var kb [8]byte
	for k := range rec.shapes {
		rec.shapes[k] = 0
		if mask&(1<<k) != 0 {
			if _, err := io.ReadFull(r, kb[:]); err != nil {
				panic(err)
			}
			rec.shapes[k] = binary.LittleEndian.Uint64(kb[:])
		}
	}
	return err
}

// ---- DP-11: keyspace ----

// Word formats: a password made of one to three dictionary words, then up
// to six digits, then up to two symbols (NETGEAR-style "zooyoung123").
// Position by position it looks like a dozen free letters; its keyspace is
// that of the words. A format code says how many words, digits and symbols.
const (
	maxFormatWords   = 3
	maxFormatDigits  = 6
	maxFormatSymbols = 2
	numWordFormats   = 1 + maxFormatWords*(maxFormatDigits+1)*(maxFormatSymbols+1)
)

func wordFormatCode(words, digits, symbols int) uint8 {
	return uint8(1 + ((words-1)*(maxFormatDigits+1)+digits)*(maxFormatSymbols+1) + symbols)
}

func wordFormatOf(code uint8) (words, digits, symbols int) {
	c := int(code) - 1
	symbols = c % (maxFormatSymbols + 1)
	c /= maxFormatSymbols + 1
	return c/(maxFormatDigits+1) + 1, c % (maxFormatDigits + 1), symbols
}

// wordFormat returns the word format of a normalised password, 0 for none.
func wordFormat(n string) uint8 {
	e, symbols, digits := len(n), 0, 0
	for symbols < maxFormatSymbols && e > 0 && strings.IndexByte(trailing, n[e-1]) >= 0 {
		e--
		symbols++
	}
	for e > 0 && isDigit(n[e-1]) {
		e--
		digits++
	}
	letters := n[:e]
	if digits > maxFormatDigits || len(letters) < 3 || len(letters) > maxFormatWords*maxWordLen {
		return 0
	}
	for i := 0; i < len(letters); i++ {
		if letters[i] < 'a' || letters[i] > 'z' {
			return 0
		}
	}
	if k := segmentWords(letters); k > 0 {
		return wordFormatCode(k, digits, symbols)
	}
	return 0
}

// minWordLen and maxWordLen bound the dictionary's words.
const minWordLen, maxWordLen = 3, 24

// formatWords are the words, beyond the dictionary's, that word formats
// may be made of: the EFF list's (American spellings, compounds), and
// how many words there are in all.
var formatWords = sync.OnceValues(func() (*WordSet, int) {
	k := knownWords()
	seed := maphash.MakeSeed()
	var extra []uint64
	for _, w := range EFFLargeWords() {
		w = strings.ReplaceAll(w, "-", "")
		if len(w) >= minWordLen && len(w) <= maxWordLen && k.lookupString(w)&knownWord == 0 {
			extra = append(extra, maphash.String(seed, w))
		}
	}
	set := newWordSet(seed, extra)
	return set, k.words + set.Len()
})

// wordStartSet has a bit for each three-letter word and each first four
// letters of a longer word of the dictionary and the EFF list (lower-case
// letters only). A string of letters whose bit is clear is no word of
// either, found without hashing it and reading the large table: most of
// the beginnings segmentWords tries are ruled out here, in 58 KiB that stay
// in the processor's cache.
type wordStartSet [(wordStartTri + wordStartQuad + 63) / 64]uint64

const (
	wordStartTri  = 26 * 26 * 26
	wordStartQuad = 26 * 26 * 26 * 26
)

// wordStartBit is the bit of w's beginning, or -1 when the letters it is
// taken from are not all lower-case a to z or w is shorter than three.
func wordStartBit(w string) int {
	if len(w) < 3 {
		return -1
	}
	n := min(len(w), 4)
	v := 0
	for i := 0; i < n; i++ {
		c := w[i]
		if c < 'a' || c > 'z' {
			return -1
		}
		v = v*26 + int(c-'a')
	}
	if n == 4 {
		v += wordStartTri
	}
	return v
}

func (s *wordStartSet) add(w string) {
	if i := wordStartBit(w); i >= 0 {
		s[i/64] |= 1 << (i % 64)
	}
}

// mayStart reports whether w, made of lower-case letters a to z, may be
// a word of the dictionary or the EFF list.
func (s *wordStartSet) mayStart(w string) bool {
	i := wordStartBit(w)
	return i < 0 || s[i/64]&(1<<(i%64)) != 0
}

// wordStarts is built from the same lines as knownWords' dictionary words
// and formatWords' extra words, so it holds every word either answers for.
var wordStarts = sync.OnceValue(func() *wordStartSet {
	s := new(wordStartSet)
	if err := readList(wordsFile, func(line []byte) { s.add(strings.ToLower(string(line))) }); err != nil {
		panic(fmt.Sprintf("passwords: embedded list: %v", err))
	}
	for _, w := range EFFLargeWords() {
		s.add(strings.ReplaceAll(w, "-", ""))
	}
	return s
})

// segmentWords returns the fewest words (at most three) of the dictionary
// or the EFF list that spell s, or 0 when s is not made of at most three.
func segmentWords(s string) int {
	k := knownWords()
	extra, _ := formatWords()
	starts := wordStarts()
	word := func(w string) bool {
		return len(w) >= minWordLen && len(w) <= maxWordLen && starts.mayStart(w) &&
			(k.lookupString(w)&knownWord != 0 || extra.Has(w))
	}
	if word(s) {
		return 1
	}
	var cuts [maxWordLen]int
	nc := 0
	for i := minWordLen; i <= len(s)-minWordLen && i <= maxWordLen; i++ {
		if !word(s[:i]) {
			continue
		}
		if word(s[i:]) {
			return 2
		}
		cuts[nc] = i
		nc++
	}
	for _, i := range cuts[:nc] {
		for j := i + minWordLen; j <= len(s)-minWordLen && j-i <= maxWordLen; j++ {
			if word(s[i:j]) && word(s[j:]) {
				return 3
			}
		}
	}
	return 0
}

// wordKeyspace is the keyspace of a word format, taking every word of the
// dictionary as possible in each place (the vendor's own lists are
// smaller, so this is an upper bound), and a plain description.
func wordKeyspace(code uint8) (float64, string) {
	words, digits, symbols := wordFormatOf(code)
	_, n := formatWords()
	bits := float64(words)*math.Log2(float64(n)) + float64(digits)*math.Log2(10) + float64(symbols)*math.Log2(float64(len(trailing)))
	desc := plural(words, "dictionary word")
	if digits > 0 {
		desc += " + " + plural(digits, "digit")
	}
	if symbols > 0 {
		desc += " + " + plural(symbols, "symbol")
	}
	return bits, desc
}

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
