package passwords

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
)

// Config says how to run an audit.
type Config struct {
	Brand   string // public words the password must not contain (DP-09)
	Model   string
	Product string
	// Declaration is the manufacturer's statement of how the passwords were
	// made (DP-15); nil when none was given.
	Declaration *Declaration
	Thresholds  Thresholds
	Workers     int // 0: one per core
	// MaxRows, when not 0, refuses a batch of more rows (an *InputError).
	MaxRows int64
	// Findings, if not nil, receives one JSON object per flagged row.
	Findings io.Writer
	// Progress, if not nil, is called now and then with the rows read so
	// far. It must return quickly.
	Progress func(rows int64)
	// TempDir is where the audit keeps its working file (one short record
	// per row); "" means the system's temporary directory.
	TempDir string
	// InputName is how the input is named in the report.
	InputName string
	// Fingerprints makes the keyed fingerprints of the passwords, with the
	// installation's key. It is needed for Earlier and FingerprintsOut.
	Fingerprints *Fingerprinter
	// Earlier are earlier batches of the same product: a row whose password
	// a device of one of them has is flagged under DP-04 (PSTI-PW-01).
	Earlier []EarlierSet
	// FingerprintsOut, if not nil, receives this batch's fingerprint file,
	// labelled Batch, for later audits to compare with.
	FingerprintsOut io.Writer
	Batch           string
}

// engine is one audit's shared, read-only state.
type engine struct {
	th        Thresholds
	logChance float64
	cal       *calibration
	plan      *hashPlan
	chains    *chainTable
	public    []publicWord
	model     string
}

type publicWord struct{ name, text string }

// chunkSize is how many rows travel together between the stages.
const chunkSize = 2048

type chunk struct {
	seq  int
	rows []Row
	out  []rowOut
}

// rowOut is what the workers learn about a row.
type rowOut struct {
	audited  bool
	findings []finding
	group    uint16 // frequent format (mask) group, 0 for none
	length   uint8  // password length in bytes, capped at 64
	norm     string // the password normalised, for the collector's comparisons
	shapes   [numShapes]shapeOf
	words    uint8 // format made of dictionary words, 0 for none
	snum     uint64
	snumLen  int
	fold     uint64 // hash of the password in lower case (DP-04)
	exact    uint32 // 32 bits of the hash of the password as given
	print    print  // keyed fingerprint, when comparing with earlier batches (DP-04)
}

// Audit reads a batch and judges it. It returns an *InputError when the
// input cannot be used; the report otherwise. Nothing is written to
// cfg.Findings before the whole batch has been read and found usable.
func Audit(ctx context.Context, in io.Reader, cfg Config) (*Report, error) {
	start := time.Now()
	if cfg.Thresholds == (Thresholds{}) {
		cfg.Thresholds = DefaultThresholds()
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.InputName == "" {
		cfg.InputName = "input"
	}
	counting := &countingReader{r: in, h: sha256.New()}
	rd, err := NewReader(counting, cfg.InputName)
	if err != nil {
		return nil, err
	}
	e := &engine{th: cfg.Thresholds, logChance: math.Log10(cfg.Thresholds.Chance), chains: newChainTable(), model: strings.TrimSpace(cfg.Model)}
	for _, w := range []struct{ name, v string }{{"the brand", cfg.Brand}, {"the model", cfg.Model}, {"the product name", cfg.Product}} {
		if n := normalize(w.v); len(n) >= 4 {
			e.public = append(e.public, publicWord{w.name, n})
		}
	}

	// Calibrate on the first rows, holding them; then audit everything.
	first := make([]Row, 0, 1024)
	for len(first) < calibrationRows {
		var r Row
		err := rd.Read(&r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		first = append(first, r)
	}
	e.cal = calibrate(first, e.th)
	e.plan = newHashPlan([]string{cfg.Brand, cfg.Model, cfg.Product})
	learnTables(e, first)
	discoverHashes(e, first, cfg.Workers)

	tmp, err := os.CreateTemp(cfg.TempDir, "psti-audit-*")
	if err != nil {
		return nil, fmt.Errorf("passwords: unable to create a working file: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	st := newState(e, cfg.Workers)
	st.spill = newDupSpill(cfg.TempDir)
	defer st.spill.remove()
	if st.prints, err = newEarlierState(cfg); err != nil {
		return nil, err
	}
	defer st.prints.close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	chunks := make(chan *chunk, 2*cfg.Workers)
	done := make(chan *chunk, 2*cfg.Workers)
	var readErr error
	var rowsRead atomic.Int64
	// Reader: the held rows first, then the rest of the file.
	go func() {
		defer close(chunks)
		seq := 0
		send := func(rows []Row) bool {
			c := &chunk{seq: seq, rows: rows}
			seq++
			rowsRead.Add(int64(len(rows)))
			select {
			case chunks <- c:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for i := 0; i < len(first); i += chunkSize {
			if !send(first[i:min(i+chunkSize, len(first))]) {
				return
			}
		}
		if len(first) < calibrationRows {
			return
		}
		for {
			rows := make([]Row, 0, chunkSize)
			for len(rows) < chunkSize {
				var r Row
				err := rd.Read(&r)
				if err == io.EOF {
					break
				}
				if err == nil && cfg.MaxRows > 0 && rowsRead.Load()+int64(len(rows)) >= cfg.MaxRows {
					err = &InputError{File: cfg.InputName, Line: r.Line, Msg: fmt.Sprintf("the batch has more than %d rows, the most this audit takes at a time: split it", cfg.MaxRows)}
				}
				if err != nil {
					readErr = err
					cancel()
					return
				}
				rows = append(rows, r)
			}
			if len(rows) == 0 || !send(rows) {
				return
			}
			if len(rows) < chunkSize {
				return
			}
		}
	}()
	// Workers: the row rules.
	var wg sync.WaitGroup
	for w := range cfg.Workers {
		wg.Go(func() { st.work(ctx, st.workers[w], chunks, done) })
	}
	go func() { wg.Wait(); close(done) }()
	// Collector: in file order, the order-dependent rules and the working file.
	tw := bufio.NewWriterSize(tmp, 1<<20)
	pending := map[int]*chunk{}
	next := 0
	lastProgress := time.Now()
	for c := range done {
		pending[c.seq] = c
		for {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := st.collect(c, tw); err != nil {
				cancel()
				return nil, err
			}
			if cfg.Progress != nil && time.Since(lastProgress) > 200*time.Millisecond {
				cfg.Progress(st.rows)
				lastProgress = time.Now()
			}
		}
	}
	if readErr != nil {
		return nil, readErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := tw.Flush(); err != nil {
		return nil, fmt.Errorf("passwords: unable to write the working file: %w", err)
	}
	if cfg.Progress != nil {
		cfg.Progress(st.rows)
	}

	// The batch rules, then one pass over the working file to write the
	// findings and fill the report.
	st.inputSHA = hex.EncodeToString(counting.h.Sum(nil))
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	rep, err := st.finish(ctx, rd, cfg, tmp)
	if err != nil {
		return nil, err
	}
	if st.prints != nil {
		if err := st.prints.finish(ctx, st, cfg, rep); err != nil {
			return nil, err
		}
	}
	if cfg.Declaration != nil {
		cfg.Declaration.explain(rep)
	}
	if n := st.sharedNote(); n != "" {
		rep.Notes = append(rep.Notes, n)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if err := st.merge(bufio.NewReaderSize(tmp, 1<<20), cfg.Findings, rep); err != nil {
		return nil, err
	}
	if err := st.prints.err(); err != nil {
		return nil, err
	}
	rep.Input.Bytes = counting.n.Load()
	rep.Performance.Seconds = time.Since(start).Seconds()
	if rep.Performance.Seconds > 0 {
		rep.Performance.RowsPerSecond = float64(rep.Rows) / rep.Performance.Seconds
	}
	rep.decide()
	return rep, nil
}

// work runs the row rules on chunks until there are none left.
func (st *state) work(ctx context.Context, w *worker, in <-chan *chunk, out chan<- *chunk) {
	for c := range in {
		if ctx.Err() != nil {
			continue
		}
		st.runRules(w, c)
		select {
		case out <- c:
		case <-ctx.Done():
		}
	}
}

// ruleFuncs are the row rules in the order they run, with the timer each
// reports under.
var ruleFuncs = []struct {
	timer int
	fn    func(*rowCtx)
}{
	{int(dp01), (*rowCtx).checkBasic},
	{int(dp02), (*rowCtx).checkKnown},
	{int(dp06), (*rowCtx).checkIdentifiers},
	{int(dp08), (*rowCtx).checkHashes},
	{int(dp09), (*rowCtx).checkPublic},
	{int(dp06), (*rowCtx).checkAffine}, // DP-07, after the rules whose evidence it defers to
	{int(dp10), (*rowCtx).checkMapping},
}

func (st *state) runRules(w *worker, c *chunk) {
	n := len(c.rows)
	c.out = make([]rowOut, n)
	if cap(w.ctxs) < n {
		w.ctxs = make([]rowCtx, n)
	}
	ctxs := w.ctxs[:n]
	t0 := time.Now()
	for i := range ctxs {
		ctxs[i].e = st.e
		c.out[i].audited = ctxs[i].prepare(&c.rows[i])
	}
	w.timers[timerPrepare] += time.Since(t0)
	for _, rf := range ruleFuncs {
		t := time.Now()
		for i := range ctxs {
			if c.out[i].audited {
				rf.fn(&ctxs[i])
			}
		}
		w.timers[rf.timer] += time.Since(t)
	}
	t := time.Now()
	for i := range ctxs {
		o := &c.out[i]
		if len(ctxs[i].findings) > 0 {
			o.findings = append([]finding(nil), ctxs[i].findings...)
		}
		if !o.audited {
			continue
		}
		pw := c.rows[i].Password
		o.length = uint8(min(len(pw), 64))
		o.norm = ctxs[i].norm
		o.shapes = shapes(o.norm)
		if o.words = wordFormat(o.norm); o.words != 0 {
			w.wcount[o.words]++
		}
		o.snum, o.snumLen = ctxs[i].snum, ctxs[i].snumLen
		if len(pw) <= 256 {
			w.scratch = lowerInto(w.scratch[:0], pw)
			o.fold = xxhash.Sum64(w.scratch)
		} else {
			o.fold = xxhash.Sum64String(strings.ToLower(pw))
		}
		o.exact = uint32(xxhash.Sum64String(pw))
		w.positions(pw)
		if len(st.e.cal.masks) > 0 {
			w.scratch = appendMask(w.scratch[:0], pw)
			if g, ok := st.e.cal.masks[string(w.scratch)]; ok {
				o.group = g
				w.groupPositions(g, pw)
			}
		}
	}
	if st.prints != nil {
		st.fingerprintChunk(c)
	}
	w.timers[dp04] += time.Since(t)
	w.rows += int64(n)
}

// countingReader counts the bytes read, for the report and progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
	h hash.Hash
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	c.h.Write(p[:n])
	return n, err
}
