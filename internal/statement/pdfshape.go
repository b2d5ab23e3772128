package statement

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// checkPDFShape checks, before any PDF reader sees the file, that a PDF is
// laid out as psti writes and signs them: objects and cross-reference
// tables, one after another, the last ending the file; dictionaries,
// arrays and strings well formed and nested at most maxDepth deep; every
// stream of a direct /Length; no object streams, cross-reference streams
// or encryption; each table's /Prev naming the table before it, and each
// entry in use naming the very object at its offset. The PDF reader that
// Verify relies on loops forever, or runs out of stack or memory, on some
// malformed files that break these rules; a statement psti signed never
// does.
func checkPDFShape(data []byte) error {
	s := &shape{d: data, objs: map[int]pdfObjAt{}}
	return s.check()
}

const (
	maxDepth   = 32
	maxObjects = 1 << 20
	maxXrefs   = 64
)

var errShape = errors.New("it is not laid out as psti lays out a signed statement")

type shape struct {
	d    []byte
	p    int
	objs map[int]pdfObjAt // by offset
}

type pdfObjAt struct{ id, gen int64 }

// pval is a parsed PDF value: what the checks need of it.
type pval struct {
	kind  byte // 'd' dict, 'a' array, 'i' integer, 'n' name, 'r' reference, 'o' other
	dict  map[string]pval
	i     int64
	name  string
	isRef bool
}

type xrefSection struct {
	at      int
	trailer pval
	start   int64
	entries []xrefEntry
}

type xrefEntry struct {
	id, gen, off int64
	inUse        bool
}

func (s *shape) fail(format string, args ...any) error {
	return fmt.Errorf("%w (%s, at byte %d)", errShape, fmt.Sprintf(format, args...), s.p)
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	return bytes.IndexByte([]byte("<>()[]{}/%"), c) >= 0
}

// space skips white space and comments.
func (s *shape) space() {
	for s.p < len(s.d) {
		c := s.d[s.p]
		switch {
		case isPDFSpace(c):
			s.p++
		case c == '%':
			for s.p < len(s.d) && s.d[s.p] != '\n' && s.d[s.p] != '\r' {
				s.p++
			}
		default:
			return
		}
	}
}

// word reads a run of regular characters (a keyword or number).
func (s *shape) word() string {
	start := s.p
	for s.p < len(s.d) && !isPDFSpace(s.d[s.p]) && !isPDFDelim(s.d[s.p]) {
		s.p++
	}
	return string(s.d[start:s.p])
}

func isPDFInt(w string) bool {
	w = trimSign(w)
	if w == "" || len(w) > 18 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

func isPDFReal(w string) bool {
	w = trimSign(w)
	dots := 0
	for i := 0; i < len(w); i++ {
		switch {
		case w[i] == '.':
			dots++
		case w[i] < '0' || w[i] > '9':
			return false
		}
	}
	return dots == 1 && len(w) > 1 && len(w) < 40
}

func trimSign(w string) string {
	if len(w) > 0 && (w[0] == '+' || w[0] == '-') {
		return w[1:]
	}
	return w
}

// keyword reads the keyword kw, which must end there.
func (s *shape) keyword(kw string) bool {
	s.space()
	if !bytes.HasPrefix(s.d[s.p:], []byte(kw)) {
		return false
	}
	end := s.p + len(kw)
	if end < len(s.d) && !isPDFSpace(s.d[end]) && !isPDFDelim(s.d[end]) {
		return false
	}
	s.p = end
	return true
}

// integer reads a non-negative integer.
func (s *shape) integer() (int64, bool) {
	s.space()
	start := s.p
	w := s.word()
	if !isPDFInt(w) || w[0] == '-' || w[0] == '+' {
		s.p = start
		return 0, false
	}
	n, err := strconv.ParseInt(w, 10, 64)
	return n, err == nil
}

// value reads one direct value, or a reference.
func (s *shape) value(depth int) (pval, error) {
	if depth > maxDepth {
		return pval{}, s.fail("nested too deep")
	}
	s.space()
	if s.p >= len(s.d) {
		return pval{}, s.fail("cut short")
	}
	switch c := s.d[s.p]; {
	case c == '<' && s.p+1 < len(s.d) && s.d[s.p+1] == '<':
		s.p += 2
		v := pval{kind: 'd', dict: map[string]pval{}}
		for {
			s.space()
			if bytes.HasPrefix(s.d[s.p:], []byte(">>")) {
				s.p += 2
				return v, nil
			}
			if s.p >= len(s.d) || s.d[s.p] != '/' {
				return pval{}, s.fail("a dictionary key is not a name")
			}
			k, err := s.value(depth + 1)
			if err != nil {
				return pval{}, err
			}
			x, err := s.value(depth + 1)
			if err != nil {
				return pval{}, err
			}
			v.dict[k.name] = x
		}
	case c == '<':
		s.p++
		for s.p < len(s.d) && s.d[s.p] != '>' {
			if c := s.d[s.p]; !isPDFSpace(c) && !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return pval{}, s.fail("a hexadecimal string holds %q", c)
			}
			s.p++
		}
		if s.p >= len(s.d) {
			return pval{}, s.fail("a hexadecimal string is not closed")
		}
		s.p++
		return pval{kind: 'o'}, nil
	case c == '(':
		return pval{kind: 'o'}, s.literal()
	case c == '[':
		s.p++
		for {
			s.space()
			if s.p < len(s.d) && s.d[s.p] == ']' {
				s.p++
				return pval{kind: 'a'}, nil
			}
			if _, err := s.value(depth + 1); err != nil {
				return pval{}, err
			}
		}
	case c == '/':
		s.p++
		start := s.p
		for s.p < len(s.d) && !isPDFSpace(s.d[s.p]) && !isPDFDelim(s.d[s.p]) {
			if s.d[s.p] == '#' {
				if s.p+2 >= len(s.d) || unhexByte(s.d[s.p+1]) < 0 || unhexByte(s.d[s.p+2]) < 0 {
					return pval{}, s.fail("a name is malformed")
				}
				s.p += 2
			}
			s.p++
		}
		return pval{kind: 'n', name: string(s.d[start:s.p])}, nil
	case isPDFDelim(c):
		return pval{}, s.fail("unexpected %q", c)
	}
	w := s.word()
	switch {
	case w == "true", w == "false", w == "null":
		return pval{kind: 'o'}, nil
	case isPDFInt(w):
		n, _ := strconv.ParseInt(w, 10, 64)
		// N G R is a reference.
		save := s.p
		if gen, ok := s.integer(); ok && gen < 1<<16 && n >= 0 && n < maxObjects && s.keyword("R") {
			return pval{kind: 'r', i: n, isRef: true}, nil
		}
		s.p = save
		return pval{kind: 'i', i: n}, nil
	case isPDFReal(w):
		return pval{kind: 'o'}, nil
	}
	return pval{}, s.fail("unexpected %q", clipText(w))
}

func unhexByte(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// literal reads a literal string: balanced parentheses, and escapes the
// PDF reader takes.
func (s *shape) literal() error {
	s.p++
	depth := 1
	for s.p < len(s.d) {
		c := s.d[s.p]
		s.p++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return nil
			}
		case '\\':
			if s.p >= len(s.d) {
				return s.fail("a string is not closed")
			}
			e := s.d[s.p]
			s.p++
			switch {
			case bytes.IndexByte([]byte("nrbtf()\\\r\n"), e) >= 0:
			case '0' <= e && e <= '7':
				x := int(e - '0')
				for i := 0; i < 2 && s.p < len(s.d) && '0' <= s.d[s.p] && s.d[s.p] <= '7'; i++ {
					x = x*8 + int(s.d[s.p]-'0')
					s.p++
				}
				if x > 255 {
					return s.fail("a string holds an escape out of range")
				}
			default:
				return s.fail("a string holds an escape the PDF reader refuses")
			}
		}
	}
	return s.fail("a string is not closed")
}

func (s *shape) check() error {
	d := s.d
	if len(d) < 16 || !bytes.HasPrefix(d, []byte("%PDF-1.")) || d[7] < '0' || d[7] > '7' {
		return s.fail("its header is not a PDF 1.x header")
	}
	if t := bytes.TrimRight(d, "\r\n\t "); !bytes.HasSuffix(t, []byte("\n%%EOF")) && !bytes.HasSuffix(t, []byte("\r%%EOF")) {
		return s.fail("it does not end with %%%%EOF")
	}
	var xrefs []xrefSection
	lastWasXref := false
	for {
		s.space()
		if s.p >= len(d) {
			break
		}
		at := s.p
		if s.keyword("xref") {
			if len(xrefs) == maxXrefs {
				return s.fail("too many cross-reference tables")
			}
			x, err := s.xref(at)
			if err != nil {
				return err
			}
			xrefs = append(xrefs, x)
			lastWasXref = true
			continue
		}
		lastWasXref = false
		if err := s.object(at); err != nil {
			return err
		}
	}
	if !lastWasXref {
		return s.fail("it does not end with a cross-reference table")
	}
	for i, x := range xrefs {
		if _, bad := x.trailer.dict["XRefStm"]; bad {
			return s.fail("it refers to a cross-reference stream")
		}
		if _, bad := x.trailer.dict["Encrypt"]; bad {
			return s.fail("it is encrypted")
		}
		size := x.trailer.dict["Size"]
		if size.kind != 'i' || size.isRef || size.i < 1 || size.i > maxObjects {
			return s.fail("a trailer's /Size is not a number of objects")
		}
		if x.start != int64(x.at) {
			return s.fail("a startxref does not name its table")
		}
		prev, hasPrev := x.trailer.dict["Prev"]
		switch {
		case i == 0 && hasPrev:
			return s.fail("the first table has a /Prev")
		case i > 0 && (!hasPrev || prev.kind != 'i' || prev.i != int64(xrefs[i-1].at)):
			return s.fail("a table's /Prev does not name the table before it")
		}
		for _, e := range x.entries {
			if e.id >= size.i {
				return s.fail("object %d is beyond the trailer's /Size", e.id)
			}
			if e.inUse {
				if o, ok := s.objs[int(e.off)]; !ok || o.id != e.id || o.gen != e.gen {
					return s.fail("the table names object %d at byte %d, where it is not", e.id, e.off)
				}
			}
		}
	}
	return nil
}

// object reads an indirect object "N G obj … endobj" at.
func (s *shape) object(at int) error {
	id, ok1 := s.integer()
	gen, ok2 := s.integer()
	if !ok1 || !ok2 || !s.keyword("obj") || id >= maxObjects || gen >= 1<<16 {
		return s.fail("not an object")
	}
	v, err := s.value(0)
	if err != nil {
		return err
	}
	if v.kind == 'd' {
		switch v.dict["Type"].name {
		case "ObjStm", "XRef":
			return s.fail("it holds an object stream or a cross-reference stream")
		}
		if s.keyword("stream") {
			switch {
			case bytes.HasPrefix(s.d[s.p:], []byte("\r\n")):
				s.p += 2
			case bytes.HasPrefix(s.d[s.p:], []byte("\n")):
				s.p++
			default:
				return s.fail("stream not followed by a line break")
			}
			n := v.dict["Length"]
			if n.kind != 'i' || n.isRef || n.i < 0 || n.i > int64(len(s.d)-s.p) {
				return s.fail("a stream's /Length is not a length")
			}
			s.p += int(n.i)
			if !s.keyword("endstream") {
				return s.fail("a stream is not as long as its /Length")
			}
		}
	}
	if !s.keyword("endobj") {
		return s.fail("an object does not end with endobj")
	}
	s.objs[at] = pdfObjAt{id, gen}
	return nil
}

// xref reads a cross-reference table, its trailer and startxref.
func (s *shape) xref(at int) (xrefSection, error) {
	x := xrefSection{at: at}
	total := 0
	for !s.keyword("trailer") {
		start, ok1 := s.integer()
		n, ok2 := s.integer()
		if !ok1 || !ok2 || start+n > maxObjects {
			return x, s.fail("a cross-reference table is malformed")
		}
		if total += int(n); total > maxObjects {
			return x, s.fail("a cross-reference table is too long")
		}
		s.space()
		for i := int64(0); i < n; i++ {
			// nnnnnnnnnn ggggg n EOL: 20 bytes.
			if s.p+20 > len(s.d) {
				return x, s.fail("a cross-reference table is cut short")
			}
			line := s.d[s.p : s.p+20]
			off, err1 := strconv.ParseInt(string(line[:10]), 10, 64)
			gen, err2 := strconv.ParseInt(string(line[11:16]), 10, 64)
			eol := string(line[18:])
			if err1 != nil || err2 != nil || line[10] != ' ' || line[16] != ' ' || (line[17] != 'n' && line[17] != 'f') ||
				(eol != " \n" && eol != " \r" && eol != "\r\n") {
				return x, s.fail("a cross-reference entry is malformed")
			}
			x.entries = append(x.entries, xrefEntry{id: start + i, gen: gen, off: off, inUse: line[17] == 'n'})
			s.p += 20
		}
	}
	t, err := s.value(0)
	if err != nil {
		return x, err
	}
	if t.kind != 'd' {
		return x, s.fail("a trailer is not a dictionary")
	}
	x.trailer = t
	start, ok := int64(0), s.keyword("startxref")
	if ok {
		start, ok = s.integer()
	}
	if !ok {
		return x, s.fail("a table has no startxref")
	}
	x.start = start
	// %%EOF, which space() would take for a comment.
	for s.p < len(s.d) && isPDFSpace(s.d[s.p]) {
		s.p++
	}
	if !bytes.HasPrefix(s.d[s.p:], []byte("%%EOF")) {
		return x, s.fail("a table does not end with %%%%EOF")
	}
	s.p += len("%%EOF")
	return x, nil
}
