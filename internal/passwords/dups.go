package passwords

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sync"
)

// ---- DP-04: duplicates, found on disk ----
//
// Every audited row leaves a 16-byte entry: the hash of its password in
// lower case, 32 bits of the hash as given, and its line. Entries go to
// one of dupParts files by the first byte of the lower-case hash, in file
// order. Each file is then read twice on its own: once to count, for each
// password, its rows and two of its lines, and once more to write, for
// each row that shares its password, the line of another row with it. A
// part's counts hold one item per distinct password in it, so memory stays
// near distinct passwords / dupParts however the batch is made: a batch of
// one password repeated a hundred million times needs one item. The rows
// found, written in line order per part, are read back merged into line
// order. Nothing else in the audit grows with the batch, so its memory is
// bounded whatever the input; its disk use is about 16 bytes a row here,
// beside the working file.

const dupParts = 256

// dupEntry is one row in the duplicate index.
type dupEntry struct {
	fold  uint64
	exact uint32
	line  uint32
}

const dupEntrySize = 16

// dupLine is a row that shares its password with another.
type dupLine struct {
	line  uint32
	other uint32 // another row with the same password
	exact bool   // the same as given (else: the same but for letter case)
	size  int32  // rows in the group
}

const dupLineSize = 13

// dupSpill is the duplicate index of one audit, in files under dir.
type dupSpill struct {
	dir   string
	parts [dupParts]*spillFile
	found [dupParts]*spillFile // rows that share their password, by part
}

type spillFile struct {
	f *os.File
	w *bufio.Writer
	n int64 // entries written
}

func newDupSpill(dir string) *dupSpill { return &dupSpill{dir: dir} }

func (d *dupSpill) create(name string) (*spillFile, error) {
	f, err := os.CreateTemp(d.dir, "psti-audit-"+name+"-*")
	if err != nil {
		return nil, fmt.Errorf("passwords: unable to create a working file: %w", err)
	}
	return &spillFile{f: f, w: bufio.NewWriterSize(f, 16<<10)}, nil
}

// add records an audited row. Rows must come in file order.
func (d *dupSpill) add(fold uint64, exact, line uint32) error {
	p := d.parts[fold>>56]
	if p == nil {
		var err error
		if p, err = d.create("dups"); err != nil {
			return err
		}
		d.parts[fold>>56] = p
	}
	var b [dupEntrySize]byte
	binary.LittleEndian.PutUint64(b[0:], fold)
	binary.LittleEndian.PutUint32(b[8:], exact)
	binary.LittleEndian.PutUint32(b[12:], line)
	p.n++
	_, err := p.w.Write(b[:])
	return err
}

// readEntries calls fn for each entry of a part, in file order.
func readEntries(p *spillFile, fn func(e dupEntry)) error {
	if _, err := p.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(p.f, 64<<10)
	var b [dupEntrySize]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("passwords: the working file is damaged: %w", err)
		}
		fn(dupEntry{binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint32(b[8:]), binary.LittleEndian.Uint32(b[12:])})
	}
}

// group is what the first reading learns of one password: how many rows
// have it and two of their lines.
type group struct {
	n             int32
	first, second uint32
}

func (g *group) add(line uint32) {
	switch g.n {
	case 0:
		g.first = line
	case 1:
		g.second = line
	}
	g.n++
}

// other is a line of the group that is not line.
func (g *group) other(line uint32) uint32 {
	if line == g.first {
		return g.second
	}
	return g.first
}

// foldGroup is a password compared without letter case. Most have one
// spelling; those with more keep a group per spelling.
type foldGroup struct {
	group
	exact     uint32 // the spelling of the first row
	spellings map[uint32]*group
}

// find works out, part by part (workers at once), which rows share their
// password, writing them to files in line order. It returns how many rows
// share their password exactly, and how many only but for letter case.
func (d *dupSpill) find(workers int) (exactRows, foldRows int64, err error) {
	for _, p := range d.parts {
		if p != nil {
			if err := p.w.Flush(); err != nil {
				return 0, 0, fmt.Errorf("passwords: unable to write a working file: %w", err)
			}
		}
	}
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Go(func() {
			for i := range next {
				e, f, err := d.findPart(i)
				mu.Lock()
				exactRows += e
				foldRows += f
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	for i, p := range d.parts {
		if p != nil && p.n > 1 {
			next <- i
		}
	}
	close(next)
	wg.Wait()
	return exactRows, foldRows, firstErr
}

func (d *dupSpill) findPart(i int) (exactRows, foldRows int64, err error) {
	p := d.parts[i]
	groups := make(map[uint64]*foldGroup, p.n)
	err = readEntries(p, func(e dupEntry) {
		g := groups[e.fold]
		if g == nil {
			g = &foldGroup{exact: e.exact}
			groups[e.fold] = g
		}
		if g.spellings == nil && e.exact != g.exact {
			// A second spelling: until now every row had the first.
			g.spellings = map[uint32]*group{g.exact: {n: g.n, first: g.first, second: g.second}}
		}
		if g.spellings != nil {
			s := g.spellings[e.exact]
			if s == nil {
				s = &group{}
				g.spellings[e.exact] = s
			}
			s.add(e.line)
		}
		g.add(e.line)
	})
	if err != nil {
		return 0, 0, err
	}
	var out *spillFile
	var b [dupLineSize]byte
	var werr error
	err = readEntries(p, func(e dupEntry) {
		g := groups[e.fold]
		if g.n < 2 || werr != nil {
			return
		}
		s := &g.group
		if g.spellings != nil {
			s = g.spellings[e.exact]
		}
		var dl dupLine
		if s.n > 1 {
			dl = dupLine{line: e.line, other: s.other(e.line), exact: true, size: s.n}
			exactRows++
		} else {
			dl = dupLine{line: e.line, other: g.other(e.line), size: g.n}
			foldRows++
		}
		if out == nil {
			if out, werr = d.create("dup-rows"); werr != nil {
				return
			}
		}
		binary.LittleEndian.PutUint32(b[0:], dl.line)
		binary.LittleEndian.PutUint32(b[4:], dl.other)
		binary.LittleEndian.PutUint32(b[8:], uint32(dl.size))
		b[12] = 0
		if dl.exact {
			b[12] = 1
		}
		out.n++
		_, werr = out.w.Write(b[:])
	})
	if err == nil {
		err = werr
	}
	if out != nil {
		if ferr := out.w.Flush(); err == nil && ferr != nil {
			err = fmt.Errorf("passwords: unable to write a working file: %w", ferr)
		}
		d.found[i] = out
	}
	return exactRows, foldRows, err
}

// lines reads every row found to share its password, in line order.
func (d *dupSpill) lines() (*dupLines, error) {
	l := &dupLines{}
	for _, f := range d.found {
		if f == nil {
			continue
		}
		if _, err := f.f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		s := &dupStream{r: bufio.NewReaderSize(f.f, 16<<10)}
		if ok, err := s.advance(); err != nil {
			return nil, err
		} else if ok {
			l.h = append(l.h, s)
		}
	}
	heap.Init(&l.h)
	return l, nil
}

// remove deletes the files.
func (d *dupSpill) remove() {
	for _, set := range [][dupParts]*spillFile{d.parts, d.found} {
		for _, p := range set {
			if p != nil {
				p.f.Close()
				os.Remove(p.f.Name())
			}
		}
	}
}

// dupStream is one part's rows, read in line order.
type dupStream struct {
	r   *bufio.Reader
	cur dupLine
}

func (s *dupStream) advance() (bool, error) {
	var b [dupLineSize]byte
	if _, err := io.ReadFull(s.r, b[:]); err == io.EOF {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("passwords: the working file is damaged: %w", err)
	}
	s.cur = dupLine{line: binary.LittleEndian.Uint32(b[0:]), other: binary.LittleEndian.Uint32(b[4:]),
		size: int32(binary.LittleEndian.Uint32(b[8:])), exact: b[12] == 1}
	return true, nil
}

type streamHeap []*dupStream

func (h streamHeap) Len() int           { return len(h) }
func (h streamHeap) Less(i, j int) bool { return h[i].cur.line < h[j].cur.line }
func (h streamHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *streamHeap) Push(x any)        { *h = append(*h, x.(*dupStream)) }
func (h *streamHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// dupLines merges the parts' rows into line order.
type dupLines struct {
	h   streamHeap
	err error
}

// at returns the row found for line, if it is one. Lines must be asked
// for in increasing order.
func (l *dupLines) at(line int) (dupLine, bool) {
	for len(l.h) > 0 && l.err == nil {
		s := l.h[0]
		if int(s.cur.line) > line {
			return dupLine{}, false
		}
		cur := s.cur
		ok, err := s.advance()
		if err != nil {
			l.err = err
		} else if ok {
			heap.Fix(&l.h, 0)
		} else {
			heap.Pop(&l.h)
		}
		if int(cur.line) == line {
			return cur, true
		}
	}
	return dupLine{}, false
}

// done reports whether every row has been read.
func (l *dupLines) done() bool { return len(l.h) == 0 }
