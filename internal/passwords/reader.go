package passwords

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Credential types a batch may declare per row (column credential_type).
const (
	TypeAdmin = "admin"
	TypeWiFi  = "wifi_psk"
	TypeWeb   = "web"
	// TypePairingPIN is a PIN that pairs over Wi-Fi or another protocol of
	// the internet protocol suite: a password, audited like any other.
	TypePairingPIN = "pairing_pin"
	// TypePairingPINNonIP pairs over a protocol outside the internet
	// protocol suite (Bluetooth, Zigbee): excluded by para 1(4)(b).
	TypePairingPINNonIP = "pairing_pin_non_ip"
	TypeAPIKey          = "api_key"
	TypeCryptoKey       = "crypto_key"
)

// CredentialTypes lists the accepted values of the credential_type column.
var CredentialTypes = []string{TypeAdmin, TypeWiFi, TypeWeb, TypePairingPIN, TypePairingPINNonIP, TypeAPIKey, TypeCryptoKey}

// UserDefined in the password column marks a device whose password the user
// must set on first use: it has no default password (PSTI-PW-01 allows that).
const UserDefined = "user-defined"

// MaxLine is the longest line a batch file may have.
const MaxLine = 1 << 20

// Columns the reader understands. Only password is required.
var knownColumns = []string{"password", "serial", "mac", "imei", "ssid", "username", "model", "credential_type"}

// Row is one device of a batch.
type Row struct {
	Line     int // 1-based line in the file where the row starts (the header is line 1)
	Password string
	Serial   string
	MAC      string
	IMEI     string
	SSID     string
	Username string
	Model    string
	Type     string
}

// InputError says why a batch file cannot be used, and where.
type InputError struct {
	File   string
	Line   int // 0 when not about one line
	Column int // 1-based character position in the line; 0 when not known
	Msg    string
}

func (e *InputError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Plain says the same in words, for a page: "batch.csv, line 3, column 4:
// …".
func (e *InputError) Plain() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s, line %d, column %d: %s", e.File, e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s, line %d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Reader reads a batch file row by row. The file is CSV with a header row;
// see the package documentation for its columns.
type Reader struct {
	name    string
	csv     *csv.Reader
	lines   *lineLimiter
	index   [len8]int // position of each known column in a record, -1 if absent
	columns []string  // the header as given
	ignored []string  // header columns the audit does not use
	rows    int
}

const len8 = 8

// NewReader reads the header of a batch file. name is how errors refer to
// the file.
func NewReader(r io.Reader, name string) (*Reader, error) {
	ll := &lineLimiter{r: bufio.NewReaderSize(r, 256<<10), line: 1}
	c := csv.NewReader(ll)
	c.ReuseRecord = true
	c.FieldsPerRecord = 0 // the header sets the count
	rd := &Reader{name: name, csv: c, lines: ll}
	for i := range rd.index {
		rd.index[i] = -1
	}
	header, err := c.Read()
	if err == io.EOF {
		return nil, &InputError{File: name, Msg: "the file is empty: it needs a header row naming the columns (at least \"password\") and one row per device"}
	}
	if err != nil {
		return nil, rd.wrap(err)
	}
	rd.columns = append([]string(nil), header...)
	if len(rd.columns) > 0 {
		rd.columns[0] = strings.TrimPrefix(rd.columns[0], "\ufeff") // a byte-order mark from spreadsheet exports
	}
	seen := map[string]bool{}
	for i, h := range rd.columns {
		if err := checkText(h); err != "" {
			return nil, &InputError{File: name, Line: 1, Column: rd.col(i), Msg: "the header " + err}
		}
		key := strings.ToLower(strings.TrimSpace(h))
		if seen[key] && key != "" {
			return nil, &InputError{File: name, Line: 1, Column: rd.col(i), Msg: fmt.Sprintf("column %q appears twice in the header", h)}
		}
		seen[key] = true
		known := false
		for j, k := range knownColumns {
			if key == k {
				rd.index[j] = i
				known = true
			}
		}
		if !known {
			rd.ignored = append(rd.ignored, h)
		}
	}
	if rd.index[0] < 0 {
		return nil, &InputError{File: name, Line: 1, Msg: fmt.Sprintf("the header has no \"password\" column (it has: %s); the first line must name the columns, e.g. serial,mac,password", strings.Join(rd.columns, ", "))}
	}
	return rd, nil
}

// col is the 1-based character column of field i of the last record read.
func (rd *Reader) col(i int) int {
	_, col := rd.csv.FieldPos(i)
	return col
}

// Columns returns the header as given.
func (rd *Reader) Columns() []string { return rd.columns }

// Ignored returns the header columns the audit does not use.
func (rd *Reader) Ignored() []string { return rd.ignored }

// Has reports whether the file has a column (one of the known names).
func (rd *Reader) Has(column string) bool {
	for j, k := range knownColumns {
		if k == column {
			return rd.index[j] >= 0
		}
	}
	return false
}

// Read fills row with the next device. It returns io.EOF after the last
// one, and an *InputError when the file cannot be used (after the header
// and no rows, too: an empty batch is not a batch).
func (rd *Reader) Read(row *Row) error {
	rec, err := rd.csv.Read()
	if err == io.EOF {
		if rd.rows == 0 {
			return &InputError{File: rd.name, Msg: "the file has a header but no rows: there is nothing to audit"}
		}
		return io.EOF
	}
	if err != nil {
		return rd.wrap(err)
	}
	line, _ := rd.csv.FieldPos(0)
	for i, f := range rec {
		if msg := checkText(f); msg != "" {
			return &InputError{File: rd.name, Line: line, Column: rd.col(i), Msg: fmt.Sprintf("column %q %s", rd.columns[i], msg)}
		}
	}
	get := func(j int) string {
		if i := rd.index[j]; i >= 0 {
			return rec[i]
		}
		return ""
	}
	*row = Row{Line: line, Password: get(0), Serial: strings.TrimSpace(get(1)), MAC: strings.TrimSpace(get(2)),
		IMEI: strings.TrimSpace(get(3)), SSID: get(4), Username: get(5), Model: strings.TrimSpace(get(6)),
		Type: strings.ToLower(strings.TrimSpace(get(7)))}
	if row.Type != "" && !validType(row.Type) {
		return &InputError{File: rd.name, Line: line, Column: rd.col(rd.index[7]),
			Msg: fmt.Sprintf("credential_type %q is not one of %s", row.Type, strings.Join(CredentialTypes, ", "))}
	}
	rd.rows++
	return nil
}

func validType(t string) bool {
	for _, v := range CredentialTypes {
		if t == v {
			return true
		}
	}
	return false
}

// checkText returns why a field is unusable, or "".
func checkText(s string) string {
	if !utf8.ValidString(s) {
		return "contains bytes that are not UTF-8 text (was the file saved in another encoding?)"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "contains a NUL byte (is this a binary file?)"
	}
	return ""
}

// wrap turns csv and line-length errors into InputErrors that name the line.
func (rd *Reader) wrap(err error) error {
	var long *lineTooLong
	if errors.As(err, &long) {
		return &InputError{File: rd.name, Line: long.line, Msg: fmt.Sprintf("the line is longer than %d bytes; a batch row is a few short fields", MaxLine)}
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		switch {
		case errors.Is(pe.Err, csv.ErrFieldCount):
			msg = fmt.Sprintf("the row has a different number of fields from the header (%d); check for a missing or extra comma", len(rd.columns))
		case errors.Is(pe.Err, csv.ErrBareQuote), errors.Is(pe.Err, csv.ErrQuote):
			msg = "a quote mark is misplaced: a field that contains quotes, commas or line breaks must be enclosed in double quotes, with inner quotes doubled"
		}
		return &InputError{File: rd.name, Line: pe.Line, Column: pe.Column, Msg: msg}
	}
	return &InputError{File: rd.name, Msg: "cannot be read: " + err.Error()}
}

// lineLimiter passes bytes through, refusing a line longer than MaxLine so a
// malformed file cannot make the reader hold gigabytes.
type lineLimiter struct {
	r    *bufio.Reader
	line int // current line number
	run  int // bytes since the last newline
}

type lineTooLong struct{ line int }

func (e *lineTooLong) Error() string { return fmt.Sprintf("line %d is too long", e.line) }

func (l *lineLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for buf := p[:n]; len(buf) > 0; {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			l.run += len(buf)
			break
		}
		l.run += i
		if l.run > MaxLine {
			return 0, &lineTooLong{line: l.line}
		}
		l.run = 0
		l.line++
		buf = buf[i+1:]
	}
	if l.run > MaxLine {
		return 0, &lineTooLong{line: l.line}
	}
	return n, err
}
