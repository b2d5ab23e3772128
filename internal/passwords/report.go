package passwords

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/trustelem/zxcvbn"
)

// Report is the outcome of an audit: the verdict, every rule's result with
// examples and evidence, the batch statistics, and the thresholds used.
type Report struct {
	Verdict     string       `json:"verdict" enum:"pass,fail" doc:"fail when any rule flagged a row or the declaration was refused."`
	Summary     string       `json:"summary"`
	Covers      string       `json:"covers" doc:"What the verdict covers: the passwords in this file, not every password of the product (para 1(1))."`
	Input       InputInfo    `json:"input"`
	Rows        int64        `json:"rows" doc:"Rows in the batch (devices)."`
	Audited     int64        `json:"audited" doc:"Rows whose password was audited."`
	UserDefined int64        `json:"user_defined" doc:"Rows marked user-defined: the device makes the user set a password."`
	Excluded    int64        `json:"excluded" doc:"Rows of credential types that are not passwords under PSTI (DP-14)."`
	Flagged     int64        `json:"flagged" doc:"Rows at least one FAIL or WARN rule flagged."`
	Thresholds  Thresholds   `json:"thresholds"`
	Declaration *Declaration `json:"declaration,omitempty"`
	Rules       []RuleResult `json:"rules"`
	Batch       BatchStats   `json:"batch"`
	Notes       []string     `json:"notes,omitempty"`
	Performance Performance  `json:"performance"`
	ruleIndex   map[rule]int
}

// InputInfo describes what was audited.
type InputInfo struct {
	Name    string   `json:"name"`
	Bytes   int64    `json:"bytes"`
	SHA256  string   `json:"sha256" doc:"SHA-256 of the input as read (compressed input: of the uncompressed text)."`
	Columns []string `json:"columns"`
	Ignored []string `json:"ignored_columns,omitempty"`
}

// RuleResult is one rule's outcome.
type RuleResult struct {
	Rule
	Status   string    `json:"status" enum:"passed,flagged,not_checked,info" doc:"passed: nothing found; flagged: rows were flagged; not_checked: the rule could not run (see note); info: counted only."`
	Count    int64     `json:"count" doc:"Rows flagged by this rule."`
	Warnings int64     `json:"warnings,omitempty" doc:"Of those, rows flagged for review rather than as a violation."`
	Examples []Example `json:"examples"`
	Note     string    `json:"note,omitempty"`
}

// Example is one flagged row, with the evidence.
type Example struct {
	Line     int    `json:"line"`
	Serial   string `json:"serial,omitempty"`
	Evidence string `json:"evidence"`
	Review   bool   `json:"review,omitempty" doc:"Evidence for a person to review rather than a violation on its face."`
}

// BatchStats are the batch-level findings and statistics.
type BatchStats struct {
	Duplicates     DuplicateStats `json:"duplicates"`
	Counters       CounterStats   `json:"counters"`
	Templates      []Template     `json:"templates"`
	Dependence     []string       `json:"dependence,omitempty"`
	NearDuplicates NearDupStats   `json:"near_duplicates"`
	Derivations    []Pattern      `json:"derivations,omitempty" doc:"Patterns of derivation found across many rows."`
	Alphabet       int            `json:"alphabet" doc:"Distinct characters (ignoring case) in the first rows' passwords."`
	ChanceFlags    float64        `json:"expected_chance_flags" doc:"At most this many rows of a random batch of the same size and format would be flagged by coincidence by the rules that compare passwords with identifiers and public information (DP-06 to DP-10). A single row is flagged only when this stays below the batch_chance threshold."`
	SharedPrefixes []string       `json:"shared_prefixes,omitempty"`
	SharedSuffixes []string       `json:"shared_suffixes,omitempty"`
}

// DuplicateStats compares observed duplicates with what chance predicts.
type DuplicateStats struct {
	ExactRows    int64   `json:"exact_rows" doc:"Rows whose password another row has too."`
	CaseRows     int64   `json:"case_rows" doc:"Rows whose password another row has but for letter case."`
	Expected     float64 `json:"expected_pairs" doc:"Duplicate pairs a random batch of this size and keyspace would have."`
	KeyspaceBits float64 `json:"keyspace_bits"`
	// PSTI-PW-01 across batches.
	Earlier []EarlierBatch `json:"earlier_batches,omitempty" doc:"Earlier batches of the same product whose passwords were compared with this batch's."`
}

// CounterStats summarises the counter rule.
type CounterStats struct {
	PairsCompared int64          `json:"pairs_compared" doc:"Pairs of rows of the same shape the counter rule compared."`
	Patterns      []Pattern      `json:"patterns,omitempty"`
	Dense         []DenseCounter `json:"dense,omitempty" doc:"Shapes of password whose numbers fill their range: counters, in whatever order they were handed out."`
	SortedRuns    []lineRange    `json:"-"`
	Runs          []string       `json:"sorted_runs,omitempty" doc:"Stretches of rows whose passwords are in sorted order."`
}

// Pattern is a confirmed pattern and how many rows show it.
type Pattern struct {
	Rule     string  `json:"rule"`
	Pattern  string  `json:"pattern"`
	Rows     int64   `json:"rows"`
	Expected float64 `json:"expected_by_chance"`
}

// Template is a password format and its keyspace.
type Template struct {
	Format    string  `json:"format"`
	Rows      int64   `json:"rows"`
	Bits      float64 `json:"bits"`
	Verdict   string  `json:"verdict" enum:"ok,review,fail,too_few_rows"`
	Described string  `json:"described"`
}

// NearDupStats compares near-duplicate pairs in a sample with chance.
type NearDupStats struct {
	Sample   int     `json:"sample"`
	Pairs    int     `json:"pairs"`
	Expected float64 `json:"expected_pairs"`
}

// Performance says how long the audit took and what each rule cost.
type Performance struct {
	Seconds       float64             `json:"seconds"`
	RowsPerSecond float64             `json:"rows_per_second"`
	Workers       int                 `json:"workers"`
	Rules         map[string]RuleCost `json:"rules"`
}

// RuleCost is one rule's share of the work.
type RuleCost struct {
	CPUSeconds    float64 `json:"cpu_seconds"`
	RowsPerSecond float64 `json:"rows_per_second" doc:"Rows the rule handles per second of one core."`
}

// finish runs the batch rules after every row has been read. work is the
// working file, read from its start when a rule needs it.
func (st *state) finish(ctx context.Context, rd *Reader, cfg Config, work io.Reader) (*Report, error) {
	st.endRun()
	th := st.e.th
	rep := &Report{Rows: st.rows, Audited: st.audited, UserDefined: st.skipped, Excluded: st.excluded, Thresholds: th,
		Declaration: cfg.Declaration, ruleIndex: map[rule]int{}}
	rep.Input = InputInfo{Name: cfg.InputName, Columns: rd.Columns(), Ignored: rd.Ignored(), SHA256: st.inputSHA}
	rep.Performance = Performance{Workers: len(st.workers), Rules: map[string]RuleCost{}}
	for i, r := range Rules {
		rep.Rules = append(rep.Rules, RuleResult{Rule: r, Status: "passed", Examples: []Example{}})
		rep.ruleIndex[rule(i)] = i
	}
	cal := st.e.cal
	rep.Batch.Alphabet = int(cal.alphabet)
	rep.Batch.SharedPrefixes, rep.Batch.SharedSuffixes = cal.prefixes, cal.suffixes
	if st.audited > 0 {
		// Single rows are flagged below BatchChance/(rows × hypotheses)
		// each; patterns below Chance each. Together:
		rep.Batch.ChanceFlags = th.BatchChance + float64(len(st.e.chains.list))*th.Chance
	}
	var timers [numTimers]time.Duration
	for _, w := range st.workers {
		for i, t := range w.timers {
			timers[i] += t
		}
	}

	// DP-04.
	t := time.Now()
	exact, folded, err := st.spill.find(len(st.workers))
	if err != nil {
		return nil, err
	}
	rep.Batch.Duplicates.ExactRows, rep.Batch.Duplicates.CaseRows = exact, folded
	timers[dp04] += time.Since(t)

	// DP-11: every frequent format, and every length, judged by keyspace.
	t = time.Now()
	st.failGroup = map[uint16]Template{}
	st.failLen = map[int]Template{}
	var lenPos [65][64][4]uint64
	var lenCount [65]int64
	gPos := map[uint16]*[64][4]uint64{}
	gCount := map[uint16]int64{}
	for _, w := range st.workers {
		for n := range 65 {
			lenCount[n] += w.count[n]
			for i := range 64 {
				for k := range 4 {
					lenPos[n][i][k] |= w.pos[n][i][k]
				}
			}
		}
		for g, p := range w.gpos {
			if gPos[g] == nil {
				gPos[g] = new([64][4]uint64)
			}
			for i := range 64 {
				for k := range 4 {
					gPos[g][i][k] |= p[i][k]
				}
			}
			gCount[g] += w.gcount[g]
		}
	}
	judge := func(bits float64) string {
		switch {
		case bits < th.FloorBits:
			return "fail"
		case bits < th.TargetBits:
			return "review"
		}
		return "ok"
	}
	minRows := int64(50)
	for g, p := range gPos {
		m := cal.maskList[g-1]
		bits, desc := keyspace(p, min(len(m), 64))
		tp := Template{Format: desc, Rows: gCount[g], Bits: round1(bits), Described: desc, Verdict: judge(bits)}
		if tp.Rows < minRows {
			tp.Verdict = "too_few_rows"
		}
		// A format can be a chance part of a wider one: of keyed base32
		// passwords of 13 characters (65 bits), about 1 in 15 draw no
		// digit and read as "13 upper-case letters" (61 bits). Judged
		// alone they would fail although nothing was done to them. Such
		// rows are judged by the format of their length instead, when that
		// format's keyspace is acceptable and the rows are no more than
		// chance gives it in this form: the share its positions' characters
		// predict, as if each were drawn evenly from those seen there
		// (PSTI-PW-05). A template is not: "ACME-" + 6 digits, or
		// 8 upper-case letters for a whole batch, is its length's whole
		// format, or far more common than chance makes it.
		if n := len(m); (tp.Verdict == "fail" || tp.Verdict == "review") && n <= 64 {
			wBits, wDesc := keyspace(&lenPos[n], n)
			expected := float64(lenCount[n]) * chanceShare(m, &lenPos[n])
			if judge(wBits) == "ok" && !poissonTailBelow(tp.Rows, expected, th.Chance) {
				tp.Verdict = "ok"
				tp.Described = fmt.Sprintf("%s: %s rows, as many as chance puts in this form (about %s) among passwords of the format %s (about %.1f bits), so judged as that format",
					desc, humanize.Comma(tp.Rows), humanize.Comma(int64(math.Round(expected))), wDesc, wBits)
			}
		}
		rep.Batch.Templates = append(rep.Batch.Templates, tp)
		if tp.Verdict == "fail" || tp.Verdict == "review" {
			st.failGroup[g] = tp
		}
	}
	for n := 1; n <= 64; n++ {
		if lenCount[n] == 0 {
			continue
		}
		bits, desc := keyspace(&lenPos[n], n)
		tp := Template{Format: fmt.Sprintf("any %d characters", n), Rows: lenCount[n], Bits: round1(bits), Described: desc, Verdict: judge(bits)}
		if tp.Rows < minRows {
			tp.Verdict = "too_few_rows"
		}
		rep.Batch.Templates = append(rep.Batch.Templates, tp)
		if tp.Verdict == "fail" || tp.Verdict == "review" {
			st.failLen[n] = tp
		}
	}
	// Formats made of dictionary words, judged by the words' keyspace.
	st.failWords = map[uint8]Template{}
	var wCount [numWordFormats]int64
	for _, w := range st.workers {
		for code, k := range w.wcount {
			wCount[code] += k
		}
	}
	// A row whose words split differently (one long word, or three) is
	// still of its batch's format: the rows are counted together. A random
	// 12-character password spells dictionary words about once in a
	// million, so a format needs one row in 10,000 as well as minRows.
	var wTogether [maxFormatDigits + 1][maxFormatSymbols + 1]int64
	for code, k := range wCount {
		if code > 0 {
			_, d, s := wordFormatOf(uint8(code))
			wTogether[d][s] += k
		}
	}
	_, dictWords := formatWords()
	for code, k := range wCount {
		if k == 0 {
			continue
		}
		bits, desc := wordKeyspace(uint8(code))
		tp := Template{Format: desc, Rows: k, Bits: round1(bits), Verdict: judge(bits),
			Described: fmt.Sprintf("%s (any of %d dictionary words in each place)", desc, dictWords)}
		if _, d, s := wordFormatOf(uint8(code)); wTogether[d][s] < max(minRows, st.audited/10000) {
			tp.Verdict = "too_few_rows"
		}
		rep.Batch.Templates = append(rep.Batch.Templates, tp)
		if tp.Verdict == "fail" || tp.Verdict == "review" {
			st.failWords[uint8(code)] = tp
		}
	}
	sort.Slice(rep.Batch.Templates, func(i, j int) bool { return rep.Batch.Templates[i].Rows > rep.Batch.Templates[j].Rows })
	if len(rep.Batch.Templates) > 20 {
		rep.Batch.Templates = rep.Batch.Templates[:20]
	}
	// The keyspace the duplicate count is compared against: the largest length group's.
	bestN, bestRows := 0, int64(0)
	for n := 1; n <= 64; n++ {
		if lenCount[n] > bestRows {
			bestN, bestRows = n, lenCount[n]
		}
	}
	if bestN > 0 {
		bits, _ := keyspace(&lenPos[bestN], bestN)
		rep.Batch.Duplicates.KeyspaceBits = round1(bits)
		nf := float64(st.audited)
		rep.Batch.Duplicates.Expected = nf * nf / math.Pow(2, bits+1)
	}
	timers[dp11] += time.Since(t)

	// DP-05: sorted runs.
	rep.Batch.Counters.PairsCompared = st.pairs
	rep.Batch.Counters.SortedRuns = st.runs
	for i, r := range st.runs {
		if i == 10 {
			rep.Batch.Counters.Runs = append(rep.Batch.Counters.Runs, fmt.Sprintf("and %d more", len(st.runs)-10))
			break
		}
		rep.Batch.Counters.Runs = append(rep.Batch.Counters.Runs, fmt.Sprintf("lines %d-%d", r.from, r.to))
	}
	// DP-05: counters in any order.
	t = time.Now()
	dense, err := st.denseCounters(work, rep.Batch.Duplicates.ExactRows+rep.Batch.Duplicates.CaseRows)
	if err != nil {
		return nil, err
	}
	rep.Batch.Counters.Dense = dense
	st.collectTime += time.Since(t)

	// DP-12 and DP-13 on their samples.
	t = time.Now()
	st.near = nearDuplicates(st.nearDup)
	rep.Batch.NearDuplicates = NearDupStats{Sample: len(st.nearDup), Pairs: len(st.near) / 2}
	if n := float64(len(st.nearDup)); bestN > 0 {
		rep.Batch.NearDuplicates.Expected = n * n / 2 * float64(bestN) * (cal.alphabet - 1) * math.Pow(cal.alphabet, -float64(bestN))
	}
	if float64(len(st.near)/2) <= rep.Batch.NearDuplicates.Expected*10 {
		st.near = nil // no more than chance allows
	}
	timers[dp12] += time.Since(t)
	t = time.Now()
	st.weak = st.guessability(ctx, cfg.Workers)
	timers[dp13] += time.Since(t)

	// Patterns confirmed across the batch.
	st.confirmed = st.e.chains.confirm(st.audited, st.pairs, th.Chance)
	for i, c := range st.e.chains.list {
		if !st.confirmed[i+1] {
			continue
		}
		n := st.audited
		if c.over == overPairs {
			n = st.pairs
		}
		p := Pattern{Rule: Rules[c.rule].ID, Pattern: c.key, Rows: c.count.Load(), Expected: float64(n) * math.Pow(10, c.logP)}
		if c.rule == dp05 {
			rep.Batch.Counters.Patterns = append(rep.Batch.Counters.Patterns, p)
		} else {
			rep.Batch.Derivations = append(rep.Batch.Derivations, p)
		}
	}
	sort.Slice(rep.Batch.Derivations, func(i, j int) bool { return rep.Batch.Derivations[i].Rows > rep.Batch.Derivations[j].Rows })
	sort.Slice(rep.Batch.Counters.Patterns, func(i, j int) bool { return rep.Batch.Counters.Patterns[i].Rows > rep.Batch.Counters.Patterns[j].Rows })
	if m := cal.mapping; m != nil {
		rep.Batch.Dependence = append(rep.Batch.Dependence, fmt.Sprintf("passwords of %d characters: %s", m.length, m.describe()))
	}
	if f := cal.affine; f != nil {
		rep.Batch.Dependence = append(rep.Batch.Dependence, fmt.Sprintf("passwords of %d characters: %s", f.length, f.evidence))
	}

	// Per-rule cost.
	cost := func(r rule, d time.Duration) {
		if d <= 0 {
			return
		}
		rep.Performance.Rules[Rules[r].ID] = RuleCost{CPUSeconds: round3(d.Seconds()), RowsPerSecond: math.Round(float64(st.rows) / d.Seconds())}
	}
	for r := range numRules {
		cost(r, timers[r])
	}
	// The identifier rule's timer covers DP-06 and DP-07; the known-password
	// timer DP-02 and DP-03; the collector's counters DP-05.
	if c, ok := rep.Performance.Rules["DP-06"]; ok {
		rep.Performance.Rules["DP-07"] = c
	}
	if c, ok := rep.Performance.Rules["DP-02"]; ok {
		rep.Performance.Rules["DP-03"] = c
	}
	cost(dp05, st.collectTime)
	rep.Performance.Rules["reading and preparing"] = RuleCost{CPUSeconds: round3(timers[timerPrepare].Seconds()),
		RowsPerSecond: math.Round(float64(st.rows) / math.Max(timers[timerPrepare].Seconds(), 1e-9))}

	// DP-15 and the notes.
	if cfg.Declaration == nil {
		rep.rule(dp15).Status = "not_checked"
		rep.rule(dp15).Note = "No declaration of how the passwords were made was given, so that was not checked. The batch is judged on what the passwords show. " + unseen
	} else {
		for _, problem := range cfg.Declaration.check(st.e, rep) {
			rr := rep.rule(dp15)
			rr.Status = "flagged"
			rr.Examples = append(rr.Examples, Example{Evidence: problem})
		}
	}
	if st.audited > 0 && st.audited < 1000 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Only %s audited: the batch rules that rely on statistics (counters, formats, near-duplicates) had little data.", rowsWere(st.audited)))
	}
	if rep.UserDefined > 0 {
		if rep.UserDefined == 1 {
			rep.Notes = append(rep.Notes, "1 row is user-defined: that device makes the user set a password, which PSTI-PW-01 allows.")
		} else {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s rows are user-defined: those devices make the user set a password, which PSTI-PW-01 allows.", humanize.Comma(rep.UserDefined)))
		}
	}
	if !rd.Has("serial") && !rd.Has("mac") && !rd.Has("imei") {
		rep.Notes = append(rep.Notes, "The file has no serial, mac or imei column, so derivation from identifiers (DP-06, DP-07, DP-08) could not be checked.")
		for _, r := range []rule{dp06, dp07, dp08} {
			rep.rule(r).Status = "not_checked"
			rep.rule(r).Note = "No identifier columns in the file."
		}
	}
	if len(rd.Ignored()) > 0 {
		rep.Notes = append(rep.Notes, "Columns not used by the audit: "+strings.Join(rd.Ignored(), ", ")+".")
	}
	return rep, nil
}

// chanceShare is the share of passwords whose characters are drawn evenly
// and independently from those seen at each position (pos) that have the
// format mask (see mask).
func chanceShare(mask string, pos *[64][4]uint64) float64 {
	share := 1.0
	for i := 0; i < len(mask) && i < 64; i++ {
		var seen, fit int
		var b [1]byte
		for c := 0; c < 256; c++ {
			if pos[i][c>>6]&(1<<(c&63)) == 0 {
				continue
			}
			seen++
			if b[0] = byte(c); appendMask(b[:0], string(b[:]))[0] == mask[i] {
				fit++
			}
		}
		if seen == 0 {
			return 0
		}
		share *= float64(fit) / float64(seen)
	}
	return share
}

// unseen says what no audit of the passwords alone can see (DP-15).
const unseen = "Some derivations cannot be seen in the passwords at all: passwords from a generator that is not cryptographically secure, seeded with each device's serial or MAC, look random, yet anyone who knows the generator recomputes them. Only a declaration of how the passwords were made (--manifest) can show they were not made that way."

func (rep *Report) rule(r rule) *RuleResult { return &rep.Rules[rep.ruleIndex[r]] }

func round1(f float64) float64 { return math.Round(f*10) / 10 }
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// nearDuplicates finds sampled passwords that differ from another in one
// character, by the halves method: two strings of equal length that differ
// in one place agree on the first half or on the second. It returns the
// lines of every such row and, for each, the other line.
func nearDuplicates(sample []sampled) map[int]int {
	type key struct {
		h   uint64
		idx int32
	}
	keys := make([]key, 0, 2*len(sample))
	for i, s := range sample {
		n := len(s.pw)
		if n < 6 || n > 64 {
			continue
		}
		h := n / 2
		keys = append(keys, key{hashShape(3, s.pw[:h], n), int32(i)}, key{hashShape(4, s.pw[h:], n), int32(i)})
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.h != b.h {
			if a.h < b.h {
				return -1
			}
			return 1
		}
		return int(a.idx - b.idx)
	})
	out := map[int]int{}
	for i := 0; i < len(keys); {
		j := i
		for j < len(keys) && keys[j].h == keys[i].h {
			j++
		}
		if j-i > 1 && j-i <= 64 {
			for x := i; x < j; x++ {
				for y := x + 1; y < j; y++ {
					a, b := sample[keys[x].idx], sample[keys[y].idx]
					if hamming1(a.pw, b.pw) {
						out[a.line] = b.line
						out[b.line] = a.line
					}
				}
			}
		}
		i = j
	}
	return out
}

func hamming1(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	d := 0
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			d++
			if d > 1 {
				return false
			}
		}
	}
	return d == 1
}

// guessability runs zxcvbn, with the row's identifiers as hints, on the
// sampled rows, and returns the lines it finds easy to guess.
func (st *state) guessability(ctx context.Context, workers int) map[int]string {
	out := map[int]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan sampled)
	for range max(workers, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for s := range next {
				pw := s.pw
				if len(pw) > 64 {
					pw = pw[:64] // the estimator's pattern matching is slow on long input
				}
				r := zxcvbn.PasswordStrength(pw, append(s.hint, st.e.publicWords()...))
				if lg := math.Log10(math.Max(r.Guesses, 1)); lg < st.e.th.MinGuessesLog10 {
					mu.Lock()
					out[s.line] = fmt.Sprintf("zxcvbn estimates about 10^%.1f guesses (score %d of 4), using the device's identifiers as hints", lg, r.Score)
					mu.Unlock()
				}
			}
		})
	}
	for _, s := range st.guesses {
		if ctx.Err() != nil {
			break
		}
		next <- s
	}
	close(next)
	wg.Wait()
	return out
}

func (e *engine) publicWords() []string {
	var out []string
	for _, w := range e.public {
		out = append(out, w.text)
	}
	return out
}

// merge reads the working file in line order, settles each row's findings
// (keeping weak evidence only where its pattern was confirmed, adding the
// batch rules' findings), writes the flagged rows to w and fills the
// report's counts and examples.
func (st *state) merge(r *bufio.Reader, w io.Writer, rep *Report) error {
	var out *bufio.Writer
	if w != nil {
		out = bufio.NewWriterSize(w, 1<<20)
	}
	dups, err := st.spill.lines()
	if err != nil {
		return err
	}
	var rec record
	ri := 0
	var line []byte
	var final []finding
	for {
		err := readRecord(r, &rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		final = final[:0]
		for _, f := range rec.findings {
			if f.chain > 0 && !st.confirmed[f.chain] && !st.single(f.logRow) {
				continue
			}
			if hasRule(final, f.rule) {
				continue // a row's derivations come most plausible first: one is evidence enough
			}
			if f.chain > 0 && !st.confirmed[f.chain] {
				// Kept on its own strength: say how strong.
				f.text += fmt.Sprintf(" (a random batch of this size would show a match this strong by chance about once in %s batches)",
					OneIn(st.expected(f.logRow)))
			}
			final = append(final, f)
		}
		if rec.audited {
			if d, ok := dups.at(rec.line); ok {
				if d.exact {
					final = append(final, finding{rule: dp04, text: fmt.Sprintf("same password as line %d (%d rows share it)", d.other, d.size)})
				} else {
					final = append(final, finding{rule: dp04, warn: true, text: fmt.Sprintf("same password as line %d but for letter case", d.other)})
				}
			}
			if f, ok := st.prints.finding(rec.line); ok {
				final = append(final, f)
			}
			for ri < len(st.runs) && st.runs[ri].to < rec.line {
				ri++
			}
			if ri < len(st.runs) && st.runs[ri].from <= rec.line && rec.line <= st.runs[ri].to {
				if !hasRule(final, dp05) {
					final = append(final, finding{rule: dp05, text: fmt.Sprintf("lines %d-%d have passwords in sorted order, in step with manufacturing", st.runs[ri].from, st.runs[ri].to)})
				}
			}
			if !hasRule(final, dp05) {
				if text, ok := st.denseEvidence(&rec); ok {
					final = append(final, finding{rule: dp05, text: text})
				}
			}
			// The row's format: its frequent mask, or else its length;
			// or the dictionary words it is made of, if that is smaller.
			var tp Template
			var low bool
			if rec.group != 0 {
				tp, low = st.failGroup[rec.group]
			} else {
				tp, low = st.failLen[rec.length]
			}
			if wt, ok := st.failWords[rec.words]; ok && rec.words != 0 && (!low || wt.Bits < tp.Bits) {
				tp, low = wt, true
			}
			if low {
				final = append(final, templateFinding(tp))
			}
			if other, ok := st.near[rec.line]; ok {
				final = append(final, finding{rule: dp12, warn: true, text: fmt.Sprintf("differs from line %d in one character", other)})
			}
			if why, ok := st.weak[rec.line]; ok {
				final = append(final, finding{rule: dp13, warn: true, text: why})
			}
		}
		flagged := false
		for _, f := range final {
			rr := rep.rule(f.rule)
			rr.Count++
			warn := f.warn || rr.Severity == Warn
			if warn {
				rr.Warnings++
			}
			if rr.Severity == Info {
				rr.Status = "info"
			} else {
				rr.Status = "flagged"
				flagged = true
			}
			if len(rr.Examples) < 20 {
				rr.Examples = append(rr.Examples, Example{Line: rec.line, Serial: rec.serial, Evidence: f.text, Review: warn})
			}
		}
		if !flagged {
			continue
		}
		rep.Flagged++
		if out != nil {
			line = appendFinding(line[:0], &rec, final)
			if _, err := out.Write(line); err != nil {
				return err
			}
		}
	}
	if dups.err != nil {
		return dups.err
	}
	if out != nil {
		return out.Flush()
	}
	return nil
}

// single reports whether a match is strong enough on its own: a random
// batch of this size would show one as strong on any row, by coincidence,
// less often than Thresholds.BatchChance (PSTI-PW-04: one row derived from
// its own identifier is a violation, whatever the batch's size).
func (st *state) single(logRow float32) bool { return st.expected(logRow) < st.e.th.BatchChance }

// expected is how many rows of a random batch of this size would show a
// match as strong as one of chance 10^logRow on its row.
func (st *state) expected(logRow float32) float64 {
	return float64(st.audited) * rowHypotheses * math.Pow(10, float64(logRow))
}

// OneIn writes 1/p as people read it: "2,000", "3 million", "10^15".
func OneIn(p float64) string {
	n := 1 / p
	switch {
	case n < 1e6:
		return humanize.Comma(int64(math.Round(n)))
	case n < 1e9:
		return fmt.Sprintf("%.0f million", n/1e6)
	case n < 1e12:
		return fmt.Sprintf("%.0f billion", n/1e9)
	}
	return fmt.Sprintf("10^%.0f", math.Floor(math.Log10(n)))
}

func hasRule(fs []finding, r rule) bool {
	for _, f := range fs {
		if f.rule == r {
			return true
		}
	}
	return false
}

func templateFinding(tp Template) finding {
	return finding{rule: dp11, warn: tp.Verdict == "review",
		text: fmt.Sprintf("format %s: about %.1f bits, so only about 2^%.0f passwords to try", tp.Described, tp.Bits, math.Floor(tp.Bits))}
}

// appendFinding writes one findings line:
// {"line": N, "serial": "...", "rules": ["DP-06", ...], "evidence": "..."}.
func appendFinding(b []byte, rec *record, fs []finding) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, int64(rec.line), 10)
	b = append(b, `,"serial":`...)
	b = appendJSONString(b, rec.serial)
	b = append(b, `,"rules":[`...)
	var ids []string
	for _, f := range fs {
		if Rules[f.rule].Severity == Info {
			continue
		}
		id := Rules[f.rule].ID
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, id)
	}
	b = append(b, `],"evidence":`...)
	var ev []string
	for _, f := range fs {
		if Rules[f.rule].Severity != Info {
			ev = append(ev, Rules[f.rule].ID+": "+f.text)
		}
	}
	b = appendJSONString(b, strings.Join(ev, "; "))
	return append(b, "}\n"...)
}

func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// Coverage says what an audit's verdict covers. Every report carries it
// (the text and JSON reports, and the web report page), so a pass is never
// read as a verdict on the whole product (PSTI Schedule 1 para 1(1)).
const Coverage = "This result covers only the passwords in this file, not every password of the product: passwords built into its hardware or firmware (service, debug or maintenance accounts, for example) and those of software it needs, such as a companion app, must meet PSTI Schedule 1 paragraph 1 as well (paragraph 1(1))."

// decide sets the verdict and the summary.
func (rep *Report) decide() {
	rep.Covers = Coverage
	rep.Verdict = "pass"
	var failed []string
	for _, r := range rep.Rules {
		if r.Status == "flagged" {
			rep.Verdict = "fail"
			failed = append(failed, r.ID)
		}
	}
	// A batch in which no row was audited never reads as a plain pass: it
	// says that nothing was checked (para 1(4), PSTI-PW-06).
	nothing := ""
	if rep.Audited == 0 {
		all := fmt.Sprintf("all %s rows are", humanize.Comma(rep.Rows))
		if rep.Rows == 1 {
			all = "the only row is"
		}
		nothing = fmt.Sprintf("No password was audited: %s user-defined (%d) or labelled as types that are not passwords under PSTI Schedule 1 paragraph 1(4) (%d: cryptographic keys, non-IP pairing PINs, API keys).",
			all, rep.UserDefined, rep.Excluded)
	}
	switch {
	case rep.Verdict == "pass" && nothing != "":
		rep.Summary = "Nothing was checked. " + nothing + " None of them looks like a password, so the batch passes only in that no password rule applies to it."
	case rep.Verdict == "pass":
		rep.Summary = "Passed: no rule flagged the audited password."
		if rep.Audited != 1 {
			rep.Summary = fmt.Sprintf("Passed: no rule flagged any of the %s audited passwords.", humanize.Comma(rep.Audited))
		}
	case nothing != "":
		rep.Summary = fmt.Sprintf("Failed: %s of %s flagged, by %s. %s", humanize.Comma(rep.Flagged), rowCount(rep.Rows), strings.Join(failed, ", "), nothing)
	default:
		rep.Summary = fmt.Sprintf("Failed: %s of %s flagged, by %s.", humanize.Comma(rep.Flagged), rowCount(rep.Rows), strings.Join(failed, ", "))
	}
}

// rowCount says how many rows: "1 row", "2,000 rows".
func rowCount(n int64) string {
	if n == 1 {
		return "1 row"
	}
	return humanize.Comma(n) + " rows"
}

// rowsWere says how many rows were something: "1 row was", "12 rows were".
func rowsWere(n int64) string {
	if n == 1 {
		return "1 row was"
	}
	return humanize.Comma(n) + " rows were"
}
