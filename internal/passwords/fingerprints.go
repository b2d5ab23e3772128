package passwords

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// ---- PSTI-PW-01 across batches: keyed fingerprints of earlier batches ----
//
// "Unique per product" means unique for each product of a class or type
// (Schedule 1 para 1(2)(a) and 1(5)), so a password must not repeat across
// the batches of one product either. Passwords are never kept: what is kept
// of a batch is a keyed fingerprint of each audited password, HMAC-SHA-256
// under a secret key of the installation, cut to its first 80 bits. Without
// the key a fingerprint says nothing about its password, and cannot even be
// tested against a guess.
//
// False matches. HMAC-SHA-256 is a pseudorandom function, so two different
// passwords share an 80-bit fingerprint with probability 2^-80 ≈ 8.3×10^-25.
// An audit of n = 10^7 rows against m = 10^8 earlier fingerprints (10
// batches of 10 million) makes n·m = 10^15 comparisons, so the chance that
// any row is flagged falsely is at most 10^15 × 2^-80 ≈ 8.3×10^-10 per
// batch audited, well below one in a million. Even the runner's largest
// batch, 4×10^7 rows, against 10^9 earlier fingerprints stays below
// 4×10^16 × 2^-80 ≈ 3.3×10^-8. falseMatchBound computes this; a test holds
// it to the promise.
//
// Size. A fingerprint file keeps the fingerprints sorted in 65,536 buckets
// by their first 16 bits, and each as its other 64 bits: 8 bytes a
// password, plus a byte or two per bucket. 10 batches of 10 million rows
// take 10 × 10^7 × 8 bytes ≈ 0.75 GiB, under 1 GiB.

// The installation key the fingerprints are made with.
const (
	FingerprintKeyName = "password-fingerprints"
	FingerprintKeySize = 32
)

// The fingerprint file format.
const (
	fingerprintFormat  = "psti-password-fingerprints"
	fingerprintVersion = 1
	fingerprintBits    = 80
	bucketBits         = 16
	numBuckets         = 1 << bucketBits
)

// falseMatchBound is the most likely chance that an audit of rows passwords
// against earlier fingerprints flags a row whose password no earlier device
// had: each of the rows × earlier pairs matches by chance with probability
// 2^-fingerprintBits.
func falseMatchBound(rows, earlier float64) float64 {
	return rows * earlier * math.Pow(2, -fingerprintBits)
}

// print is one password's fingerprint: its first 64 bits (the top 16 name
// its bucket) and 16 more.
type print struct {
	hi uint64
	lo uint16
}

func (p print) less(q print) bool { return p.hi < q.hi || p.hi == q.hi && p.lo < q.lo }

func cmpPrint(p, q print) int {
	switch {
	case p.less(q):
		return -1
	case q.less(p):
		return 1
	}
	return 0
}

// bucket is the fingerprint's bucket in a file; suffix is the 64 bits the
// file keeps of it.
func (p print) bucket() int    { return int(p.hi >> (64 - bucketBits)) }
func (p print) suffix() uint64 { return p.hi<<bucketBits | uint64(p.lo) }
func fromSuffix(b int, s uint64) print {
	return print{hi: uint64(b)<<(64-bucketBits) | s>>bucketBits, lo: uint16(s)}
}

// Fingerprinter makes the keyed fingerprints of passwords. It is safe for
// use by several goroutines at once.
type Fingerprinter struct {
	key   []byte
	keyID string
	pool  sync.Pool // of *fpHash
}

type fpHash struct {
	h   hash.Hash
	buf []byte
	sum []byte
}

// NewFingerprinter returns a fingerprinter for the installation's secret
// key (at least 16 bytes; psti makes FingerprintKeySize).
func NewFingerprinter(key []byte) (*Fingerprinter, error) {
	if len(key) < 16 {
		return nil, fmt.Errorf("passwords: a fingerprint key needs at least 16 bytes, not %d", len(key))
	}
	f := &Fingerprinter{key: slices.Clone(key)}
	f.pool.New = func() any { return &fpHash{h: hmac.New(sha256.New, f.key)} }
	// The key's id is a fingerprint of a message no password gives: a
	// password's message starts with 1, this one with 0.
	m := hmac.New(sha256.New, f.key)
	m.Write([]byte("\x00psti password fingerprints: key id"))
	f.keyID = hex.EncodeToString(m.Sum(nil)[:8])
	return f, nil
}

// KeyID names the key without revealing it: two fingerprint files can be
// compared only if they carry the same key id.
func (f *Fingerprinter) KeyID() string { return f.keyID }

// sum is the fingerprint of a password, exactly as given.
func (f *Fingerprinter) sum(h *fpHash, pw string) print {
	h.h.Reset()
	h.buf = append(append(h.buf[:0], 1), pw...)
	h.h.Write(h.buf)
	h.sum = h.h.Sum(h.sum[:0])
	return print{hi: binary.BigEndian.Uint64(h.sum), lo: binary.BigEndian.Uint16(h.sum[8:])}
}

// fingerprintChunk fingerprints a chunk's audited rows, when the audit
// compares with earlier batches or keeps its own fingerprints.
func (st *state) fingerprintChunk(c *chunk) {
	f := st.prints.f
	h := f.pool.Get().(*fpHash)
	for i := range c.out {
		if c.out[i].audited {
			c.out[i].print = f.sum(h, c.rows[i].Password)
		}
	}
	f.pool.Put(h)
}

// FingerprintHeader describes a fingerprint file. It never holds a
// password or the key.
type FingerprintHeader struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	KeyID   string    `json:"key_id" doc:"Names the installation key the fingerprints were made with."`
	Batch   string    `json:"batch,omitempty" doc:"The batch the passwords belong to, as its maker labelled it."`
	Source  string    `json:"source" doc:"The batch file the passwords were read from."`
	SHA256  string    `json:"source_sha256,omitempty" doc:"SHA-256 of that file as read (compressed input: of the uncompressed text)."`
	Rows    int64     `json:"rows" doc:"Passwords fingerprinted: the audited rows (not user-defined or excluded types)."`
	Created time.Time `json:"created"`
}

// Label names the batch a fingerprint file came from, for a report.
func (h *FingerprintHeader) Label() string {
	if h.Batch != "" {
		return h.Batch
	}
	return h.Source
}

var fingerprintMagic = fingerprintFormat + " "

// IsFingerprintFile reports whether the first bytes of a file are a
// fingerprint file's.
func IsFingerprintFile(start []byte) bool {
	return strings.HasPrefix(string(start), fingerprintMagic)
}

// fingerprintWriter writes a fingerprint file: the header, then each
// bucket in order as its count (a varint) and its fingerprints' other 64
// bits in increasing order, then "end" and the total count.
type fingerprintWriter struct {
	w     *bufio.Writer
	next  int // the next bucket to write
	total uint64
	buf   []byte
}

func newFingerprintWriter(w io.Writer, h *FingerprintHeader) (*fingerprintWriter, error) {
	h.Format, h.Version = fingerprintFormat, fingerprintVersion
	bw := bufio.NewWriterSize(w, 1<<20)
	j, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(bw, "%s%d\n%s\n", fingerprintMagic, fingerprintVersion, j)
	return &fingerprintWriter{w: bw}, nil
}

// write adds distinct fingerprints in increasing order; every bucket
// before the last one's must be written already or be empty.
func (fw *fingerprintWriter) write(ps []print) error {
	for i := 0; i < len(ps); {
		b := ps[i].bucket()
		j := i
		for j < len(ps) && ps[j].bucket() == b {
			j++
		}
		fw.emptyUpTo(b)
		fw.buf = binary.AppendUvarint(fw.buf[:0], uint64(j-i))
		for _, p := range ps[i:j] {
			fw.buf = binary.BigEndian.AppendUint64(fw.buf, p.suffix())
		}
		if _, err := fw.w.Write(fw.buf); err != nil {
			return err
		}
		fw.total += uint64(j - i)
		fw.next = b + 1
		i = j
	}
	return nil
}

// emptyUpTo writes the empty buckets before b.
func (fw *fingerprintWriter) emptyUpTo(b int) {
	for ; fw.next < b; fw.next++ {
		fw.w.WriteByte(0)
	}
}

func (fw *fingerprintWriter) close() error {
	fw.emptyUpTo(numBuckets)
	fw.w.WriteString("end")
	fw.w.Write(binary.AppendUvarint(nil, fw.total))
	return fw.w.Flush()
}

// fingerprintReader reads a fingerprint file's fingerprints in increasing
// order.
type fingerprintReader struct {
	Header FingerprintHeader
	name   string
	r      *bufio.Reader
	bucket int   // the bucket being read
	left   int64 // its fingerprints not yet read
	total  int64
}

// readFingerprints reads a fingerprint file's header; name says what the
// file is in errors.
func readFingerprints(r io.Reader, name string) (*fingerprintReader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	bad := func(why string) error {
		return &InputError{File: name, Msg: "not a usable fingerprint file (" + why + "); make it again with psti passwords fingerprints"}
	}
	first, err := br.ReadString('\n')
	if !strings.HasPrefix(first, fingerprintMagic) {
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return nil, bad("it does not start with " + fingerprintFormat)
	}
	if v := strings.TrimSpace(strings.TrimPrefix(first, fingerprintMagic)); v != fmt.Sprint(fingerprintVersion) {
		return nil, &InputError{File: name, Msg: fmt.Sprintf("fingerprint file version %s is not one this psti reads (it reads version %d)", v, fingerprintVersion)}
	}
	line, err := br.ReadBytes('\n')
	if err != nil {
		return nil, bad("its header is cut short")
	}
	fr := &fingerprintReader{name: name, r: br, bucket: -1}
	if err := json.Unmarshal(line, &fr.Header); err != nil || fr.Header.KeyID == "" {
		return nil, bad("its header is damaged")
	}
	return fr, nil
}

func (fr *fingerprintReader) damaged() error {
	return &InputError{File: fr.name, Msg: "the fingerprint file is damaged or cut short; make it again with psti passwords fingerprints"}
}

// next returns the next fingerprint, or ok false after the last.
func (fr *fingerprintReader) next() (p print, ok bool, err error) {
	for fr.left == 0 {
		if fr.bucket == numBuckets-1 {
			return print{}, false, fr.end()
		}
		fr.bucket++
		n, err := binary.ReadUvarint(fr.r)
		if err != nil || n > 1<<40 {
			return print{}, false, fr.damaged()
		}
		fr.left = int64(n)
		fr.total += int64(n)
	}
	var b [8]byte
	if _, err := io.ReadFull(fr.r, b[:]); err != nil {
		return print{}, false, fr.damaged()
	}
	fr.left--
	return fromSuffix(fr.bucket, binary.BigEndian.Uint64(b[:])), true, nil
}

// end checks the trailer once every bucket has been read.
func (fr *fingerprintReader) end() error {
	var tag [3]byte
	if _, err := io.ReadFull(fr.r, tag[:]); err != nil || string(tag[:]) != "end" {
		return fr.damaged()
	}
	n, err := binary.ReadUvarint(fr.r)
	if err != nil || int64(n) != fr.total {
		return fr.damaged()
	}
	return nil
}

// EarlierSet is the fingerprints of an earlier batch of the same product,
// for an audit to compare its rows with (PSTI-PW-01 across batches).
type EarlierSet struct {
	// Batch names the earlier batch in the report ("B-2411"); "" takes the
	// label in the file.
	Batch string
	// Source says what the fingerprints were read from, e.g.
	// "fingerprints of batch-2411.csv".
	Source string
	// Open opens the fingerprint file from its start.
	Open func() (io.ReadCloser, error)
}

// CheckFingerprints reads the header of a fingerprint file and checks that
// it was made with f's key. It returns an *InputError naming the file when
// it is not a fingerprint file or was made under another key.
func CheckFingerprints(r io.Reader, name string, f *Fingerprinter) (*FingerprintHeader, error) {
	fr, err := readFingerprints(r, name)
	if err != nil {
		return nil, err
	}
	if fr.Header.KeyID != f.KeyID() {
		return nil, otherKey(name, fr.Header.KeyID, f.KeyID())
	}
	return &fr.Header, nil
}

func otherKey(name, have, want string) error {
	return &InputError{File: name, Msg: fmt.Sprintf("the fingerprints were made under another installation's key (key id %s; this installation's is %s), "+
		"so they cannot be compared: make them again here with psti passwords fingerprints, or give the earlier batch file itself", have, want)}
}

// FingerprintOptions say how to fingerprint a batch.
type FingerprintOptions struct {
	Batch     string // the batch's label, kept in the header
	InputName string // how the input is named in the header and in errors
	TempDir   string // where the working files go; "" for the system's
	Progress  func(rows int64)
	Now       func() time.Time // nil for time.Now
}

// Fingerprints reads a batch and writes the fingerprints of its audited
// passwords (not user-defined rows, nor excluded credential types) to w,
// for later audits of the same product to compare with. It returns an
// *InputError when the input cannot be used; nothing useful is written
// then.
func Fingerprints(ctx context.Context, in io.Reader, w io.Writer, f *Fingerprinter, opt FingerprintOptions) (*FingerprintHeader, error) {
	if opt.InputName == "" {
		opt.InputName = "input"
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	counting := &countingReader{r: in, h: sha256.New()}
	rd, err := NewReader(counting, opt.InputName)
	if err != nil {
		return nil, err
	}
	sp := newPrintSpill(opt.TempDir)
	defer sp.remove()
	h := f.pool.Get().(*fpHash)
	defer f.pool.Put(h)
	var row Row
	var rows, n int64
	for {
		err := rd.Read(&row)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		rows++
		if rows%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if opt.Progress != nil {
				opt.Progress(rows)
			}
		}
		if !audited(&row) {
			continue
		}
		n++
		if err := sp.add(f.sum(h, row.Password), uint32(row.Line)); err != nil {
			return nil, err
		}
	}
	if opt.Progress != nil {
		opt.Progress(rows)
	}
	hdr := &FingerprintHeader{KeyID: f.KeyID(), Batch: opt.Batch, Source: opt.InputName,
		SHA256: hex.EncodeToString(counting.h.Sum(nil)), Rows: n, Created: opt.Now().UTC().Truncate(time.Second)}
	fw, err := newFingerprintWriter(w, hdr)
	if err != nil {
		return nil, err
	}
	if _, err := sp.join(ctx, nil, fw, 1); err != nil {
		return nil, err
	}
	if err := fw.close(); err != nil {
		return nil, err
	}
	return hdr, nil
}

// ---- the audit's side: its rows' fingerprints, on disk ----

// printSpill keeps the fingerprint and line of every audited row in
// dupParts files by the fingerprint's first byte, in line order: 14 bytes
// a row. Each part is then read on its own, so memory stays near the
// distinct fingerprints of one part however large the batch.
type printSpill struct {
	d *dupSpill // its files, and the rows found to repeat an earlier batch (as dupLines)
}

const printEntrySize = 14

func newPrintSpill(dir string) *printSpill { return &printSpill{d: newDupSpill(dir)} }

func (s *printSpill) add(p print, line uint32) error {
	part := s.d.parts[p.hi>>56]
	if part == nil {
		var err error
		if part, err = s.d.create("prints"); err != nil {
			return err
		}
		s.d.parts[p.hi>>56] = part
	}
	var b [printEntrySize]byte
	binary.BigEndian.PutUint64(b[0:], p.hi)
	binary.BigEndian.PutUint16(b[8:], p.lo)
	binary.LittleEndian.PutUint32(b[10:], line)
	part.n++
	_, err := part.w.Write(b[:])
	return err
}

func (s *printSpill) remove() { s.d.remove() }

// readPart calls fn for each entry of a part, in line order.
func (s *printSpill) readPart(i int, fn func(p print, line uint32)) error {
	part := s.d.parts[i]
	if part == nil {
		return nil
	}
	if _, err := part.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(part.f, 64<<10)
	var b [printEntrySize]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("passwords: the working file is damaged: %w", err)
		}
		fn(print{binary.BigEndian.Uint64(b[0:]), binary.BigEndian.Uint16(b[8:])}, binary.LittleEndian.Uint32(b[10:]))
	}
}

// sortedPart is one part's distinct fingerprints, in increasing order.
type sortedPart struct {
	prints []print
	err    error
}

// join goes through the parts in order: it sorts each part's distinct
// fingerprints (workers parts at once), writes them to out if it is not
// nil, and compares them with each earlier set, read alongside. Rows whose
// password is in an earlier set are written, in line order per part, as
// dupLines whose other is the index of the first such set; repeats counts
// the rows each set repeats.
func (s *printSpill) join(ctx context.Context, earlier []*fingerprintReader, out *fingerprintWriter, workers int) (repeats []int64, err error) {
	for _, p := range s.d.parts {
		if p != nil {
			if err := p.w.Flush(); err != nil {
				return nil, fmt.Errorf("passwords: unable to write a working file: %w", err)
			}
		}
	}
	repeats = make([]int64, len(earlier))
	var ready [dupParts]chan sortedPart
	for i := range ready {
		ready[i] = make(chan sortedPart, 1)
	}
	// Sort ahead, at most 2 × workers parts held at once.
	tokens := make(chan struct{}, 2*max(1, workers))
	jobs := make(chan int)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for range max(1, workers) {
		wg.Go(func() {
			for i := range jobs {
				ready[i] <- s.sortPart(i)
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range dupParts {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var heads []print
	var live []bool
	for _, fr := range earlier {
		p, ok, err := fr.next()
		if err != nil {
			return nil, err
		}
		heads, live = append(heads, p), append(live, ok)
	}
	for i := range dupParts {
		var sp sortedPart
		select {
		case sp = <-ready[i]:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		<-tokens
		if sp.err != nil {
			return nil, sp.err
		}
		if out != nil {
			if err := out.write(sp.prints); err != nil {
				return nil, err
			}
		}
		// Which of this part's fingerprints each earlier set has.
		var hits map[print][]uint16
		for k, fr := range earlier {
			j := 0
			for live[k] && int(heads[k].hi>>56) == i {
				for j < len(sp.prints) && sp.prints[j].less(heads[k]) {
					j++
				}
				if j < len(sp.prints) && sp.prints[j] == heads[k] {
					if hits == nil {
						hits = map[print][]uint16{}
					}
					hits[heads[k]] = append(hits[heads[k]], uint16(k))
				}
				var err error
				if heads[k], live[k], err = fr.next(); err != nil {
					return nil, err
				}
			}
		}
		if hits != nil {
			if err := s.writeFound(i, hits, repeats); err != nil {
				return nil, err
			}
		}
	}
	return repeats, nil
}

func (s *printSpill) sortPart(i int) sortedPart {
	p := s.d.parts[i]
	if p == nil {
		return sortedPart{}
	}
	out := make([]print, 0, p.n)
	err := s.readPart(i, func(p print, _ uint32) { out = append(out, p) })
	slices.SortFunc(out, cmpPrint)
	return sortedPart{slices.Compact(out), err}
}

// writeFound reads part i again, in line order, and writes its rows whose
// fingerprint an earlier set has.
func (s *printSpill) writeFound(i int, hits map[print][]uint16, repeats []int64) error {
	out, err := s.d.create("repeats")
	if err != nil {
		return err
	}
	s.d.found[i] = out
	var b [dupLineSize]byte
	var werr error
	err = s.readPart(i, func(p print, line uint32) {
		sets, ok := hits[p]
		if !ok || werr != nil {
			return
		}
		for _, k := range sets {
			repeats[k]++
		}
		binary.LittleEndian.PutUint32(b[0:], line)
		binary.LittleEndian.PutUint32(b[4:], uint32(sets[0]))
		binary.LittleEndian.PutUint32(b[8:], uint32(len(sets)))
		b[12] = 1
		out.n++
		_, werr = out.w.Write(b[:])
	})
	if err == nil {
		err = werr
	}
	if ferr := out.w.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("passwords: unable to write a working file: %w", ferr)
	}
	return err
}

// earlierState is an audit's comparison with earlier batches.
type earlierState struct {
	f       *Fingerprinter
	spill   *printSpill
	sets    []EarlierSet
	readers []*fingerprintReader
	closers []io.Closer
	out     io.Writer
	found   *dupLines // the rows found, in line order; other is the set's index
}

// newEarlierState opens the earlier sets and checks their key, before the
// audit reads its batch.
func newEarlierState(cfg Config) (*earlierState, error) {
	if cfg.Fingerprints == nil {
		if len(cfg.Earlier) > 0 || cfg.FingerprintsOut != nil {
			return nil, errors.New("passwords: comparing with earlier batches, or keeping fingerprints, needs the installation's fingerprint key")
		}
		return nil, nil
	}
	if len(cfg.Earlier) == 0 && cfg.FingerprintsOut == nil {
		return nil, nil
	}
	es := &earlierState{f: cfg.Fingerprints, spill: newPrintSpill(cfg.TempDir), sets: cfg.Earlier, out: cfg.FingerprintsOut}
	for i, set := range cfg.Earlier {
		rc, err := set.Open()
		if err != nil {
			es.close()
			return nil, &InputError{File: set.Source, Msg: fmt.Sprintf("cannot be read: %v", err)}
		}
		es.closers = append(es.closers, rc)
		fr, err := readFingerprints(rc, set.Source)
		if err != nil {
			es.close()
			return nil, err
		}
		if fr.Header.KeyID != es.f.KeyID() {
			es.close()
			return nil, otherKey(set.Source, fr.Header.KeyID, es.f.KeyID())
		}
		if es.sets[i].Batch == "" {
			es.sets[i].Batch = fr.Header.Label()
		}
		es.readers = append(es.readers, fr)
	}
	return es, nil
}

func (es *earlierState) close() {
	if es == nil {
		return
	}
	for _, c := range es.closers {
		c.Close()
	}
	es.closers = nil
	es.spill.remove()
}

// finish compares the batch with the earlier sets (and writes its own
// fingerprints), filling the report's list of earlier batches.
func (es *earlierState) finish(ctx context.Context, st *state, cfg Config, rep *Report) error {
	start := time.Now()
	var fw *fingerprintWriter
	if es.out != nil {
		var err error
		fw, err = newFingerprintWriter(es.out, &FingerprintHeader{KeyID: es.f.KeyID(), Batch: cfg.Batch, Source: cfg.InputName,
			SHA256: st.inputSHA, Rows: st.audited, Created: time.Now().UTC().Truncate(time.Second)})
		if err != nil {
			return err
		}
	}
	repeats, err := es.spill.join(ctx, es.readers, fw, len(st.workers))
	if err != nil {
		return err
	}
	if fw != nil {
		if err := fw.close(); err != nil {
			return err
		}
	}
	for i, set := range es.sets {
		rep.Batch.Duplicates.Earlier = append(rep.Batch.Duplicates.Earlier, EarlierBatch{
			Batch: set.Batch, Source: set.Source, Rows: es.readers[i].Header.Rows, Repeats: repeats[i]})
	}
	if d := time.Since(start); len(es.sets) > 0 && d > 0 {
		rep.Performance.Rules["DP-04 earlier batches"] = RuleCost{CPUSeconds: round3(d.Seconds()), RowsPerSecond: math.Round(float64(st.rows) / d.Seconds())}
	}
	es.found, err = es.spill.d.lines()
	return err
}

// err is the error, if any, met reading the rows found.
func (es *earlierState) err() error {
	if es == nil || es.found == nil {
		return nil
	}
	return es.found.err
}

// finding is the DP-04 finding for a row, if its password is in an
// earlier batch. Lines must be asked for in increasing order.
func (es *earlierState) finding(line int) (finding, bool) {
	if es == nil || es.found == nil {
		return finding{}, false
	}
	d, ok := es.found.at(line)
	if !ok {
		return finding{}, false
	}
	set := es.sets[d.other]
	text := fmt.Sprintf("same password as a device in earlier batch %q (%s)", set.Batch, set.Source)
	if d.size > 1 {
		text += fmt.Sprintf(", and in %d more earlier batches", d.size-1)
	}
	return finding{rule: dp04, text: text}, true
}

// EarlierBatch is an earlier batch of the same product the audit compared
// its passwords with (PSTI-PW-01: unique for each product of a class or
// type, so across batches too).
type EarlierBatch struct {
	Batch   string `json:"batch" doc:"The earlier batch."`
	Source  string `json:"source" doc:"What its fingerprints were read from."`
	Rows    int64  `json:"rows" doc:"Passwords of the earlier batch compared with."`
	Repeats int64  `json:"repeats" doc:"Rows of this batch whose password a device of the earlier batch has."`
}
