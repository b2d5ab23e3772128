package passwords

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
)

// Alphabets the generator offers by name.
var Alphabets = map[string]string{
	// No characters that are easily confused on a printed label (0/O, 1/l/I).
	"unambiguous":  "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
	"alphanumeric": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
	"lowercase":    "23456789abcdefghijkmnpqrstuvwxyz",
	"digits":       "0123456789",
}

// GenerateConfig says how to make passwords.
type GenerateConfig struct {
	AlphabetName string // a key of Alphabets, or "" with Alphabet set
	Alphabet     string
	Length       int    // characters per password (when Words is 0)
	Words        int    // passphrase words from the EFF large list, joined by Separator
	Separator    string // for passphrases; "-" when empty
	// Key, when set, derives each password from its serial with
	// HMAC-SHA-256 under Key and Label instead of drawing it at random; the
	// same serial always gives the same password.
	Key        []byte
	Label      string
	KeyCustody string // where Key is kept: hsm, kms or file; required with Key
	Type       string // credential type, for the entropy floor
	Rand       io.Reader
	Version    string // of psti, for the manifest
}

// Entropy is the randomness of one password, in bits.
func (g *GenerateConfig) Entropy() float64 {
	if g.Words > 0 {
		return float64(g.Words) * math.Log2(float64(len(EFFLargeWords())))
	}
	return float64(g.Length) * math.Log2(float64(len(g.Alphabet)))
}

// Check refuses settings that would make weak passwords, saying why. Call
// it before Generate, which checks only that the settings make sense.
func (g *GenerateConfig) Check(th Thresholds) error {
	if err := g.normalise(); err != nil {
		return err
	}
	bits := g.Entropy()
	if g.Type == TypeWiFi && bits < 64 {
		return fmt.Errorf("these settings give %.1f bits per password; a Wi-Fi key needs at least 64, because it can be attacked offline at billions of guesses a second. Use a longer length or more words", bits)
	}
	if bits < 40 {
		return fmt.Errorf("these settings give %.1f bits per password; at least 40 are needed, and 64 are recommended. Use a longer length or more words", bits)
	}
	if g.Type == TypeWiFi && g.Words == 0 && g.Length < th.WiFiMinLength {
		return fmt.Errorf("a Wi-Fi key must have at least %d characters", th.WiFiMinLength)
	}
	return nil
}

// normalise resolves the alphabet's name and checks that the settings make
// sense, whatever their strength.
func (g *GenerateConfig) normalise() error {
	if g.AlphabetName != "" {
		a, ok := Alphabets[g.AlphabetName]
		if !ok {
			return fmt.Errorf("unknown alphabet %q: use unambiguous, alphanumeric, lowercase or digits", g.AlphabetName)
		}
		g.Alphabet = a
	}
	if g.Words == 0 {
		if len(g.Alphabet) < 2 || len(g.Alphabet) > 256 {
			return errors.New("the alphabet must have between 2 and 256 characters")
		}
		seen := map[byte]bool{}
		for i := 0; i < len(g.Alphabet); i++ {
			c := g.Alphabet[i]
			if c < 0x21 || c > 0x7e || seen[c] {
				return fmt.Errorf("the alphabet must be distinct printable ASCII characters without spaces (%q is not)", c)
			}
			seen[c] = true
		}
		if g.Length < 1 || g.Length > 63 {
			return fmt.Errorf("length %d is out of range: a password has 1 to 63 characters, and enough of them to reach the entropy floor", g.Length)
		}
	} else if g.Words < 1 || g.Words > 12 {
		return fmt.Errorf("%d passphrase words is out of range: use 4 to 12", g.Words)
	}
	if g.Separator == "" {
		g.Separator = "-"
	}
	if g.Key != nil {
		if len(g.Key) < 32 {
			return fmt.Errorf("the key has %d bytes; a derivation key needs at least 32 (256 bits), from a secure random source", len(g.Key))
		}
		if strings.TrimSpace(g.Label) == "" {
			return errors.New("a keyed derivation needs --label (for example psti-v1/MODEL), so keys for different products never give the same passwords")
		}
		// DP-15: the manifest never claims a custody nobody stated, so there
		// is no default. hsm and kms mean the key stays in the store named and
		// is released only to the run; file is allowed, and reports say what
		// it means.
		if g.KeyCustody == "" {
			return errors.New("say where the key is kept (--key-custody): hsm or kms, meaning the key never leaves that key store except to this run, or file, meaning it sits in a file on a factory system (allowed, and the audit report says what that means); a key kept on the devices is not acceptable")
		}
		if why := checkCustody(g.KeyCustody); why != "" {
			return fmt.Errorf("%s; a key kept on the device is not acceptable", why)
		}
		g.KeyCustody = mechanismKey(g.KeyCustody)
	}
	return nil
}

// KeyID identifies a key without revealing it: the start of its SHA-256.
func KeyID(key []byte) string {
	h := sha256.Sum256(key)
	return "sha256:" + hex.EncodeToString(h[:8])
}

// Generate reads a CSV of devices (a header with a serial column, and any
// other columns, which are kept) and writes the batch to outPath with a
// password column added (via a temporary file beside it, renamed into place
// when complete). Passwords are unique in the batch: a random draw that
// repeats an earlier one is drawn again; a keyed derivation that repeats one
// is an error (it means two rows share a serial). It returns the manifest
// (the DP-15 declaration), with the output's SHA-256.
//
// Reading, drawing and writing run side by side; uniqueness is checked at
// the end by sorting 12 bytes a row, and the rare repeats are redrawn in a
// second pass over the output.
func Generate(in io.Reader, inName, outPath string, g GenerateConfig, progress func(rows int64)) (*Declaration, error) {
	if err := g.normalise(); err != nil {
		return nil, err
	}
	if g.Rand == nil {
		g.Rand = rand.Reader
	}
	br := bufio.NewReaderSize(in, 1<<20)
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // the splitter checks the count
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &InputError{File: inName, Msg: "the file is empty: it needs a header row with a \"serial\" column and one row per device"}
	}
	if err != nil {
		return nil, &InputError{File: inName, Line: 1, Msg: err.Error()}
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	serialCol := -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "serial":
			serialCol = i
		case "password":
			return nil, &InputError{File: inName, Line: 1, Msg: "the file already has a password column"}
		}
	}
	if serialCol < 0 {
		return nil, &InputError{File: inName, Line: 1, Msg: fmt.Sprintf("the header has no \"serial\" column (it has: %s)", strings.Join(header, ", "))}
	}

	tmp, err := os.CreateTemp(filepath.Dir(outPath), "."+filepath.Base(outPath)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("passwords: cannot write %s: %w", outPath, err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	sum := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, sum), 1<<20)
	writeCSV(bw, append(header, "password"))

	// Reader: parse the input in chunks, ahead of drawing and writing.
	type chunk struct {
		rows  [][]string
		lines []int
		err   error
	}
	chunks := make(chan chunk, 4)
	go func() {
		defer close(chunks)
		lines := newLineSplitter(cr, br, len(header))
		for {
			c := chunk{rows: make([][]string, 0, 4096), lines: make([]int, 0, 4096)}
			for len(c.rows) < 4096 {
				f, line, err := lines.next()
				if err == io.EOF {
					break
				}
				if err != nil {
					var pe *csv.ParseError
					if errors.As(err, &pe) {
						c.err = &InputError{File: inName, Line: pe.Line, Column: pe.Column, Msg: pe.Err.Error()}
					} else {
						c.err = &InputError{File: inName, Line: line, Msg: err.Error()}
					}
					chunks <- c
					return
				}
				c.rows = append(c.rows, f)
				c.lines = append(c.lines, line)
			}
			if len(c.rows) == 0 {
				return
			}
			chunks <- c
		}
	}()

	d := newDrawer(&g)
	// Hashes are kept in blocks, so the list grows without copying.
	var blocks [][]uint64
	var rows int64
	rec := make([]string, 0, len(header)+1)
	for c := range chunks {
		if c.err != nil {
			return nil, c.err
		}
		for i, f := range c.rows {
			serial := strings.TrimSpace(f[serialCol])
			if serial == "" {
				return nil, &InputError{File: inName, Line: c.lines[i], Msg: "the serial is empty"}
			}
			pw, err := d.password(serial)
			if err != nil {
				return nil, err
			}
			if len(blocks) == 0 || len(blocks[len(blocks)-1]) == cap(blocks[len(blocks)-1]) {
				blocks = append(blocks, make([]uint64, 0, 1<<16))
			}
			blocks[len(blocks)-1] = append(blocks[len(blocks)-1], xxhash.Sum64String(pw))
			writeCSV(bw, append(append(rec[:0], f...), pw))
			rows++
		}
		if progress != nil {
			progress(rows)
		}
	}
	if rows == 0 {
		return nil, &InputError{File: inName, Msg: "the file has a header but no devices"}
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}

	// Uniqueness: sort the hashes; rows whose password an earlier row has
	// are drawn again.
	hashes := make([]uint64, 0, rows)
	for _, b := range blocks {
		hashes = append(hashes, b...)
	}
	blocks = nil
	radixSort(hashes)
	repeated := map[uint64]bool{}
	for i := 1; i < len(hashes); i++ {
		if hashes[i] == hashes[i-1] {
			repeated[hashes[i]] = true
		}
	}
	digest := hex.EncodeToString(sum.Sum(nil))
	if len(repeated) > 0 {
		if g.Key != nil {
			return nil, errors.New("passwords: two rows derive the same password, which means they have the same serial: every device needs its own serial")
		}
		if digest, err = redraw(tmp, repeated, hashes, d, len(header)); err != nil {
			return nil, err
		}
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), outPath); err != nil {
		return nil, err
	}
	m := &Declaration{
		Format: ManifestFormat, Mechanism: "csprng", Generator: strings.TrimSpace("psti passwords generate " + g.Version),
		EntropyBits: math.Round(g.Entropy()*100) / 100, CredentialType: g.Type, Rows: rows,
		SHA256: digest, CreatedAt: time.Now().UTC().Format(time.RFC3339),
	}
	if g.Words > 0 {
		m.Words, m.AlphabetName = g.Words, "EFF large word list, joined by "+strconvQuote(g.Separator)
	} else {
		m.Length, m.Alphabet, m.AlphabetName = g.Length, g.Alphabet, g.AlphabetName
	}
	if g.Key != nil {
		m.Mechanism, m.KeyID, m.KeyCustody, m.Label, m.Input = "hmac-sha256", KeyID(g.Key), g.KeyCustody, g.Label, "serial"
	}
	return m, nil
}

// lineSplitter reads the rows after the header. Lines without a quote mark
// are split at commas directly, several times faster than encoding/csv; from
// the first line with a quote mark on, encoding/csv reads the rest, so any
// quoting is handled. (encoding/csv reads from the same buffered reader,
// a line at a time, so the header it read leaves the reader at the first row.)
type lineSplitter struct {
	br     *bufio.Reader
	slow   *csv.Reader
	fields int
	line   int
	offset int
}

func newLineSplitter(cr *csv.Reader, br *bufio.Reader, fields int) *lineSplitter {
	line, _ := cr.FieldPos(0)
	return &lineSplitter{br: br, fields: fields, line: line}
}

func (l *lineSplitter) next() ([]string, int, error) {
	for l.slow == nil {
		raw, err := l.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, l.line + 1, errors.New("the line is longer than 1 MiB")
		}
		if err != nil && err != io.EOF {
			return nil, l.line + 1, err
		}
		if len(raw) == 0 {
			return nil, l.line, io.EOF
		}
		if bytes.IndexByte(raw, '"') >= 0 {
			l.slow = csv.NewReader(io.MultiReader(bytes.NewReader(bytes.Clone(raw)), l.br))
			l.slow.FieldsPerRecord = l.fields
			l.offset = l.line
			break
		}
		l.line++
		text := strings.TrimRight(string(raw), "\r\n")
		if text == "" {
			continue // encoding/csv skips empty lines too
		}
		f := strings.Split(text, ",")
		if len(f) != l.fields {
			return nil, l.line, fieldCount(len(f), l.fields)
		}
		return f, l.line, nil
	}
	f, err := l.slow.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		pe.Line += l.offset
		pe.StartLine += l.offset
	}
	if err != nil {
		return nil, l.offset, err
	}
	line, _ := l.slow.FieldPos(0)
	return append([]string(nil), f...), l.offset + line, nil
}

func fieldCount(got, want int) error {
	return fmt.Errorf("the row has %s but the header has %d; check for a missing or extra comma", plural(got, "field"), want)
}

// radixSort sorts 64-bit values in eight passes of counting sort, a byte
// at a time: several times faster than comparison sorting at this size.
func radixSort(v []uint64) {
	tmp := make([]uint64, len(v))
	src, dst := v, tmp
	for shift := uint(0); shift < 64; shift += 8 {
		var count [257]int
		for _, x := range src {
			count[(x>>shift)&0xff+1]++
		}
		for i := 1; i < 257; i++ {
			count[i] += count[i-1]
		}
		for _, x := range src {
			b := (x >> shift) & 0xff
			dst[count[b]] = x
			count[b]++
		}
		src, dst = dst, src
	}
	// Eight passes: the sorted values are back in v.
}

// redraw rewrites the batch, drawing new passwords for every row after the
// first whose password is in repeated (each new one checked against every
// password already in the batch), and returns the new SHA-256.
func redraw(f *os.File, repeated map[uint64]bool, sorted []uint64, d *drawer, columns int) (string, error) {
	taken := func(h uint64) bool {
		_, found := slices.BinarySearch(sorted, h)
		return found
	}
	kept := map[uint64]bool{}
	extra := map[uint64]bool{}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	next, err := os.CreateTemp(filepath.Dir(f.Name()), filepath.Base(f.Name())+"-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(next.Name())
	defer next.Close()
	sum := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(next, sum), 1<<20)
	cr := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return "", err
	}
	writeCSV(bw, header)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		if h := xxhash.Sum64String(rec[columns]); repeated[h] {
			if kept[h] {
				for {
					pw, err := d.password("")
					if err != nil {
						return "", err
					}
					nh := xxhash.Sum64String(pw)
					if !taken(nh) && !extra[nh] {
						extra[nh] = true
						rec[columns] = pw
						break
					}
				}
			}
			kept[h] = true
		}
		writeCSV(bw, rec)
	}
	if err := bw.Flush(); err != nil {
		return "", err
	}
	if err := next.Sync(); err != nil {
		return "", err
	}
	if err := os.Rename(next.Name(), f.Name()); err != nil {
		return "", err
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
}

func needsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f[0] == ' ' || f[0] == '\t' {
		return true
	}
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

// writeCSV writes one record, quoting only the fields that need it, as
// encoding/csv would, at a fraction of the cost.
func writeCSV(w *bufio.Writer, rec []string) {
	for i, f := range rec {
		if i > 0 {
			w.WriteByte(',')
		}
		if !needsQuotes(f) {
			w.WriteString(f)
			continue
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(f, `"`, `""`))
		w.WriteByte('"')
	}
	w.WriteByte('\n')
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// drawer makes one password at a time: uniform over the alphabet (or the
// word list) by rejection sampling, so no symbol is more likely than
// another, from the random source or from the keyed derivation's stream.
type drawer struct {
	g      *GenerateConfig
	random []byte // the random source, read in large blocks
	pos    int
	mac    hash.Hash
	buf    []byte // the keyed stream's current block
	n      byte   // the keyed stream's block counter
	out    []byte
}

func newDrawer(g *GenerateConfig) *drawer {
	d := &drawer{g: g}
	if g.Key != nil {
		d.mac = hmac.New(sha256.New, g.Key)
	} else {
		d.random = make([]byte, 64<<10)
		d.pos = len(d.random)
	}
	return d
}

// next returns the next byte of the source for this password.
func (d *drawer) next(serial string) (byte, error) {
	if d.mac == nil {
		if d.pos == len(d.random) {
			if _, err := io.ReadFull(d.g.Rand, d.random); err != nil {
				return 0, fmt.Errorf("passwords: the random source failed: %w", err)
			}
			d.pos = 0
		}
		b := d.random[d.pos]
		d.pos++
		return b, nil
	}
	if len(d.buf) == 0 {
		if d.n == 255 {
			return 0, errors.New("passwords: the keyed stream ran out (an alphabet this small cannot be drawn from 8 KiB)")
		}
		d.mac.Reset()
		d.mac.Write([]byte(d.g.Label + "/" + serial))
		d.mac.Write([]byte{d.n})
		d.n++
		d.buf = d.mac.Sum(d.buf[:0])
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b, nil
}

// uniform draws a number in [0, n) without bias.
func (d *drawer) uniform(serial string, n int) (int, error) {
	if n <= 256 {
		limit := 256 - 256%n
		for {
			b, err := d.next(serial)
			if err != nil {
				return 0, err
			}
			if int(b) < limit {
				return int(b) % n, nil
			}
		}
	}
	limit := 65536 - 65536%n
	for {
		hi, err := d.next(serial)
		if err != nil {
			return 0, err
		}
		lo, err := d.next(serial)
		if err != nil {
			return 0, err
		}
		if v := int(hi)<<8 | int(lo); v < limit {
			return v % n, nil
		}
	}
}

// password makes the password for one serial (the serial matters only to
// the keyed derivation).
func (d *drawer) password(serial string) (string, error) {
	d.buf, d.n = d.buf[:0], 0
	d.out = d.out[:0]
	if d.g.Words > 0 {
		words := EFFLargeWords()
		for i := range d.g.Words {
			k, err := d.uniform(serial, len(words))
			if err != nil {
				return "", err
			}
			if i > 0 {
				d.out = append(d.out, d.g.Separator...)
			}
			d.out = append(d.out, words[k]...)
		}
		return string(d.out), nil
	}
	for range d.g.Length {
		k, err := d.uniform(serial, len(d.g.Alphabet))
		if err != nil {
			return "", err
		}
		d.out = append(d.out, d.g.Alphabet[k])
	}
	return string(d.out), nil
}
