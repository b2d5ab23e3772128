package passwords

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/psti/psti/internal/psti"
)

// Run states. A run is queued until an audit slot is free, running while
// the batch is read, then done (with a report) or failed (with the reason).
// A queued or running run that stopped reporting progress (its server
// stopped) reads as interrupted.
const (
	RunQueued      = "queued"
	RunRunning     = "running"
	RunDone        = "done"
	RunFailed      = "failed"
	RunInterrupted = "interrupted"
)

// Run is one audit of an uploaded batch file, run by the server in the
// background for a production batch. The file itself is kept only while the
// audit runs and then removed: what is stored is this record and its
// report, which names flagged rows by line number and serial and quotes the
// evidence (for some rules, the flagged password itself), never the batch.
type Run struct {
	ID         int64      `json:"id"`
	BatchID    int64      `json:"batch_id" doc:"The production batch the file belongs to."`
	State      string     `json:"state" enum:"queued,running,done,failed,interrupted" doc:"interrupted: the server stopped before the audit finished; upload the file again."`
	FileName   string     `json:"file_name" doc:"The uploaded file's name, as sent."`
	FileBytes  int64      `json:"file_bytes"`
	BytesRead  int64      `json:"bytes_read" doc:"How much of the file the audit has read: progress."`
	RowsRead   int64      `json:"rows_read"`
	Verdict    string     `json:"verdict,omitempty" enum:"pass,fail" doc:"Set when state is done."`
	Audited    *int64     `json:"audited,omitempty" doc:"Rows whose password was audited, when state is done. 0 means nothing was checked: every row was user-defined or of a type para 1(4) excludes, so a pass says nothing about passwords (PSTI-PW-06)."`
	Problem    string     `json:"problem,omitempty" doc:"Why the audit could not finish (state failed), e.g. the line and column of unusable input."`
	Report     *Report    `json:"report,omitempty" doc:"The full report, when state is done."`
	Outcome    string     `json:"outcome,omitempty" enum:"pass,fail,needs_review,passed_after_review" doc:"The verdict once reviews are counted, when state is done: needs_review when the only findings are for a person to review and some are not reviewed yet (the batch fails until they are); passed_after_review when every one was accepted; fail when any was confirmed as a failure, or a rule found a violation."`
	Reviews    []Review   `json:"reviews,omitempty" doc:"Reviews of the findings that needed one, oldest first; a later review of a rule supersedes an earlier one, and both are kept. Only when reading one audit."`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	UpdatedAt  time.Time  `json:"updated_at" doc:"When the run last reported progress."`
}

// Progress is the share of the file read, from 0 to 1.
func (r *Run) Progress() float64 {
	if r.State == RunDone {
		return 1
	}
	if r.FileBytes <= 0 {
		return 0
	}
	return min(1, float64(r.BytesRead)/float64(r.FileBytes))
}

// Finished reports whether the run will change no more.
func (r *Run) Finished() bool {
	return r.State == RunDone || r.State == RunFailed || r.State == RunInterrupted
}

// RunStore keeps runs. Creating and finishing a run are changes a person
// can see in the audit trail; progress is not.
type RunStore interface {
	// CreateRun stores a new queued run, setting its ID and times.
	CreateRun(ctx context.Context, a psti.Actor, r *Run) error
	// UpdateRun records a run's state and progress, and sets UpdatedAt.
	UpdateRun(ctx context.Context, r *Run) error
	// FinishRun records a run's outcome (done or failed).
	FinishRun(ctx context.Context, a psti.Actor, r *Run) error
	// Run returns one run, with its report; ENOTFOUND if there is none.
	Run(ctx context.Context, id int64) (*Run, error)
	// Runs lists a batch's runs, newest first, without their reports.
	Runs(ctx context.Context, batchID int64, limit int) ([]*Run, error)
}

// RunRequest is what an audit from the web needs besides the file.
type RunRequest struct {
	BatchID   int64
	BatchCode string // how later audits name the batch
	// Public words the passwords must not contain (DP-09).
	Brand, Model, Product string
	Declaration           *Declaration // DP-15; nil when none was given
}

// RunnerOptions configure a Runner. The zero value is usable.
type RunnerOptions struct {
	// Dir is where uploaded files wait for their audit (and the audits'
	// working files); "" means the system's temporary directory.
	Dir string
	// MaxBytes bounds an upload as sent; 0 means 4 GiB.
	MaxBytes int64
	// MaxExpanded bounds an upload once decompressed; 0 means 16 GiB.
	MaxExpanded int64
	// MaxRows bounds the devices of one upload; 0 means 40 million, which
	// lets a real batch of 30 million devices through.
	MaxRows int64
	// Workers is how many cores an audit uses; 0 means all but one, so
	// that the server keeps one for its requests while an audit runs.
	Workers int
	// Slots is how many audits may run at once; 0 means one (an audit
	// already uses every core).
	Slots      int
	Thresholds Thresholds
	// Clock must tell the same time as the store's, which stamps each
	// run's progress: staleness is judged between the two.
	Clock  psti.Clock
	Logger *slog.Logger
	// StaleAfter is how long a queued or running run may go without
	// reporting progress before it reads as interrupted; 0 means 2 minutes.
	StaleAfter time.Duration
	// Heartbeat is how often a run reports progress; 0 means 1 second.
	Heartbeat time.Duration
}

// Runner runs audits of uploaded batches in the background.
type Runner struct {
	store  RunStore
	opt    RunnerOptions
	slots  chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// runnerActor is who finishes runs in the audit trail.
var runnerActor = psti.System("password audit")

// NewRunner returns a runner that keeps its runs in st.
func NewRunner(st RunStore, opt RunnerOptions) *Runner {
	if opt.Dir == "" {
		opt.Dir = os.TempDir()
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = 4 << 30
	}
	if opt.MaxExpanded <= 0 {
		opt.MaxExpanded = 16 << 30
	}
	if opt.MaxRows <= 0 {
		opt.MaxRows = 40_000_000
	}
	if opt.Workers <= 0 {
		opt.Workers = max(1, runtime.GOMAXPROCS(0)-1)
	}
	if opt.Slots <= 0 {
		opt.Slots = 1
	}
	if opt.Thresholds == (Thresholds{}) {
		opt.Thresholds = DefaultThresholds()
	}
	if opt.Clock == nil {
		opt.Clock = psti.SystemClock{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.StaleAfter <= 0 {
		opt.StaleAfter = 2 * time.Minute
	}
	if opt.Heartbeat <= 0 {
		opt.Heartbeat = time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{store: st, opt: opt, slots: make(chan struct{}, opt.Slots), ctx: ctx, cancel: cancel}
}

// MaxBytes is the largest upload the runner accepts.
func (rn *Runner) MaxBytes() int64 { return rn.opt.MaxBytes }

// MaxRows is the most devices one upload may list.
func (rn *Runner) MaxRows() int64 { return rn.opt.MaxRows }

// Upload is a batch file received for an audit, kept in a private file
// until its audit has run. Discard it if no audit is started.
type Upload struct {
	name  string
	bytes int64
	f     *os.File
	once  sync.Once
}

// Discard removes the file, unless an audit took it.
func (u *Upload) Discard() {
	if u == nil {
		return
	}
	u.once.Do(func() {
		u.f.Close()
		os.Remove(u.f.Name())
	})
}

// take hands the file to an audit; ok is false if it was discarded.
func (u *Upload) take() (f *os.File, ok bool) {
	u.once.Do(func() { f, ok = u.f, true })
	return f, ok
}

// Receive keeps an uploaded batch in a private file and checks that its
// header can be audited, so a file that is not a batch is refused while its
// sender waits. A file that is too large, empty or unusable is refused
// (EINVALID) and nothing is kept.
func (rn *Runner) Receive(fileName string, body io.Reader) (*Upload, error) {
	if rn.ctx.Err() != nil {
		return nil, psti.Errorf(psti.EUNAVAILABLE, "The server is stopping; upload the batch again in a moment.")
	}
	name := psti.FileName(fileName, "batch.csv")
	f, err := os.CreateTemp(rn.opt.Dir, "psti-upload-*")
	if err != nil {
		return nil, fmt.Errorf("passwords: unable to keep the upload: %w", err)
	}
	u := &Upload{name: name, f: f}
	ok := false
	defer func() {
		if !ok {
			u.Discard()
		}
	}()
	u.bytes, err = io.Copy(f, io.LimitReader(body, rn.opt.MaxBytes+1))
	if err != nil {
		return nil, psti.Errorf(psti.EINVALID, "The upload of %s did not arrive whole (%v); send the file again.", name, err)
	}
	if u.bytes > rn.opt.MaxBytes {
		return nil, psti.Errorf(psti.EINVALID, "%s is larger than the %d MiB this server accepts. Audit it with the command line (psti passwords audit), or split it.", name, rn.opt.MaxBytes>>20)
	}
	if u.bytes == 0 {
		return nil, psti.Errorf(psti.EINVALID, "%s is empty: a batch needs a header line and one row per device.", name)
	}
	if err := rn.inspect(f, name); err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return nil, psti.Errorf(psti.EINVALID, "%s", ie.Plain())
		}
		return nil, psti.Errorf(psti.EINVALID, "%s", err.Error())
	}
	ok = true
	return u, nil
}

// Start stores a queued run for a received upload and starts its audit in
// the background. The run owns the upload from then on, and removes it when
// the audit ends.
func (rn *Runner) Start(ctx context.Context, a psti.Actor, req RunRequest, u *Upload) (*Run, error) {
	if rn.ctx.Err() != nil {
		return nil, psti.Errorf(psti.EUNAVAILABLE, "The server is stopping; upload the batch again in a moment.")
	}
	r := &Run{BatchID: req.BatchID, State: RunQueued, FileName: u.name, FileBytes: u.bytes, CreatedBy: a.Label}
	if err := rn.store.CreateRun(ctx, a, r); err != nil {
		return nil, err
	}
	f, ok := u.take()
	if !ok {
		return nil, fmt.Errorf("passwords: the upload of %s was discarded before its audit began", u.name)
	}
	// A free slot is taken now, so that the run reads as running from the
	// first look at it: a run is queued only while another audit holds the
	// slots, and a page that says it waits for another audit says so only
	// when one is running.
	started := false
	select {
	case rn.slots <- struct{}{}:
		started = true
		now := rn.opt.Clock.Now()
		r.State, r.StartedAt = RunRunning, &now
		if err := rn.store.UpdateRun(ctx, r); err != nil {
			rn.opt.Logger.Warn("password audit: recording progress", "run", r.ID, "err", err)
		}
	default:
	}
	first := *r // the caller's copy; the audit changes its own
	rn.wg.Add(1)
	go func() {
		defer rn.wg.Done()
		defer os.Remove(f.Name())
		defer f.Close()
		rn.run(r, f, req, started)
	}()
	return &first, nil
}

// inspect reads the upload through once, while its sender waits: its
// header must be a batch's, and once decompressed it must stay within the
// runner's size and row limits. A small compressed file that would expand
// to billions of rows is refused here, before it takes the audit slot. Rows
// are counted as lines, which is never fewer. It rewinds the file.
func (rn *Runner) inspect(f *os.File, name string) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	in, closeIn, err := decompressed(f)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	defer closeIn()
	counted := &lineCounter{r: in}
	if _, err := NewReader(counted, name); err != nil {
		return err
	}
	buf := make([]byte, 256<<10)
	for {
		_, err := counted.Read(buf)
		if counted.bytes > rn.opt.MaxExpanded {
			return psti.Errorf(psti.EINVALID, "%s is larger than the %s this server audits once it is decompressed. Audit it with the command line (psti passwords audit), or split it.", name, humanize.IBytes(uint64(rn.opt.MaxExpanded)))
		}
		if counted.lines > rn.opt.MaxRows+1 { // the header is a line too
			return psti.Errorf(psti.EINVALID, "%s lists more than %s devices; this server audits at most %s at a time. Split the batch, or audit it with the command line (psti passwords audit).", name, humanize.Comma(rn.opt.MaxRows), humanize.Comma(rn.opt.MaxRows))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
	}
	_, err = f.Seek(0, io.SeekStart)
	return err
}

// lineCounter counts the bytes and line ends read through it.
type lineCounter struct {
	r            io.Reader
	bytes, lines int64
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.bytes += int64(n)
	c.lines += int64(bytes.Count(p[:n], []byte{'\n'}))
	return n, err
}

// decompressed reads gzip when the file starts with gzip's magic number.
func decompressed(f io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(f, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("the compressed (gzip) data is damaged: %v", err)
		}
		return gzipReader{zr}, func() { zr.Close() }, nil
	}
	return br, func() {}, nil
}

// gzipReader says that a read error came from damaged compressed data.
type gzipReader struct{ zr *gzip.Reader }

func (g gzipReader) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("the compressed (gzip) data is damaged: %w", err)
	}
	return n, err
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// run waits for a slot (unless started holds one already), audits the file
// and records the outcome.
func (rn *Runner) run(r *Run, f *os.File, req RunRequest, started bool) {
	log := rn.opt.Logger.With("run", r.ID, "batch", r.BatchID)
	ctx := rn.ctx
	if !started {
		// Queued: keep saying so, so the run does not read as interrupted.
		tick := time.NewTicker(rn.opt.StaleAfter / 4)
	wait:
		for {
			select {
			case rn.slots <- struct{}{}:
				break wait
			case <-tick.C:
				if err := rn.store.UpdateRun(ctx, r); err != nil {
					log.Warn("password audit: recording progress", "err", err)
				}
			case <-ctx.Done():
				tick.Stop()
				rn.fail(r, "The server stopped before the audit began; upload the file again.", log)
				return
			}
		}
		tick.Stop()
		now := rn.opt.Clock.Now()
		r.State, r.StartedAt = RunRunning, &now
		if err := rn.store.UpdateRun(ctx, r); err != nil {
			log.Warn("password audit: recording progress", "err", err)
		}
	}
	defer func() { <-rn.slots }()
	counted := &countReader{r: f}
	in, closeIn, err := decompressed(counted)
	if err != nil {
		rn.fail(r, r.FileName+": "+err.Error(), log)
		return
	}
	defer closeIn()

	var rows atomic.Int64
	done := make(chan struct{})
	var beat sync.WaitGroup
	beat.Go(func() {
		t := time.NewTicker(rn.opt.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r.BytesRead, r.RowsRead = counted.n.Load(), rows.Load()
				if err := rn.store.UpdateRun(ctx, r); err != nil && ctx.Err() == nil {
					log.Warn("password audit: recording progress", "err", err)
				}
			}
		}
	})
	log.Info("password audit started", "file", r.FileName, "bytes", r.FileBytes)
	cfg := Config{
		Workers: rn.opt.Workers, MaxRows: rn.opt.MaxRows,
		Brand: req.Brand, Model: req.Model, Product: req.Product,
		Declaration: req.Declaration, Thresholds: rn.opt.Thresholds,
		Progress: func(n int64) { rows.Store(n) }, TempDir: rn.opt.Dir, InputName: r.FileName,
	}
	prints, err := rn.earlier(ctx, req, &cfg)
	defer prints.discard()
	var rep *Report
	if err == nil {
		rep, err = Audit(ctx, in, cfg)
	}
	if err == nil {
		err = prints.save(ctx, r.ID)
	}
	close(done)
	beat.Wait()
	r.BytesRead, r.RowsRead = counted.n.Load(), rows.Load()
	var ie *InputError
	switch {
	case errors.As(err, &ie):
		rn.fail(r, ie.Plain(), log)
		return
	case ctx.Err() != nil:
		rn.fail(r, "The server stopped during the audit; upload the file again.", log)
		return
	case err != nil:
		log.Error("password audit failed", "err", err)
		rn.fail(r, "The audit could not finish because of an error on the server; the operator's log has the details.", log)
		return
	}
	end := rn.opt.Clock.Now()
	r.State, r.Verdict, r.Report, r.FinishedAt = RunDone, rep.Verdict, rep, &end
	r.RowsRead, r.BytesRead = rep.Rows, r.FileBytes
	if err := rn.store.FinishRun(context.WithoutCancel(ctx), runnerActor, r); err != nil {
		log.Error("password audit: recording the report", "err", err)
		return
	}
	log.Info("password audit finished", "verdict", rep.Verdict, "rows", rep.Rows, "flagged", rep.Flagged, "seconds", rep.Performance.Seconds)
}

func (rn *Runner) fail(r *Run, why string, log *slog.Logger) {
	end := rn.opt.Clock.Now()
	r.State, r.Problem, r.FinishedAt = RunFailed, why, &end
	if err := rn.store.FinishRun(context.WithoutCancel(rn.ctx), runnerActor, r); err != nil {
		log.Error("password audit: recording the failure", "err", err)
		return
	}
	log.Info("password audit failed", "problem", why)
}

// Run returns one run as it stands.
func (rn *Runner) Run(ctx context.Context, id int64) (*Run, error) {
	r, err := rn.store.Run(ctx, id)
	if err != nil {
		return nil, err
	}
	rn.settle(r)
	return r, nil
}

// Runs lists a batch's runs, newest first.
func (rn *Runner) Runs(ctx context.Context, batchID int64, limit int) ([]*Run, error) {
	rs, err := rn.store.Runs(ctx, batchID, limit)
	for _, r := range rs {
		rn.settle(r)
	}
	return rs, err
}

// settle marks a run that stopped reporting progress as interrupted: the
// server that ran it stopped (or crashed), and its upload went with it.
func (rn *Runner) settle(r *Run) {
	if !r.Finished() && rn.opt.Clock.Now().Sub(r.UpdatedAt) > rn.opt.StaleAfter {
		r.State = RunInterrupted
		r.Problem = "The server stopped before the audit finished; upload the file again."
	}
}

// Close stops the audits still running (they are recorded as failed) and
// waits for them.
func (rn *Runner) Close() {
	rn.cancel()
	rn.wg.Wait()
}
