package passwords

// Embedded word lists for the default-password audit.
//
// The lists are embedded, gzip-compressed, from data/ (see data/build.sh for
// how each file is produced and THIRD_PARTY.md at the repository root for
// sources and licences). Nothing is read from disk or the network at run
// time.

import (
	"bufio"
	"compress/gzip"
	"embed"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
)

//go:embed data/defaults.txt.gz data/common.txt.gz data/words.txt.gz data/eff_large.txt.gz
var dataFS embed.FS

// Names of the embedded list files, relative to dataFS.
const (
	defaultsFile = "data/defaults.txt.gz"
	commonFile   = "data/common.txt.gz"
	wordsFile    = "data/words.txt.gz"
	effLargeFile = "data/eff_large.txt.gz"
)

// effLargeCount is the number of words in the EFF large diceware list (6^5).
const effLargeCount = 7776

// WordSet is a compact, read-only set of strings.
//
// It keeps only 64-bit hashes of its entries (not the strings), in an
// open-addressing table at most half full, so a lookup is one hash and one
// or two memory reads. The hash is hash/maphash under a seed drawn once per
// set; a false positive needs a 64-bit collision with one of the n entries,
// probability about n/2^64 per query (below 10^-14 for the largest list).
//
// A WordSet is safe for concurrent use. The zero value and a nil *WordSet
// are empty sets.
type WordSet struct {
	seed  maphash.Seed
	slots []uint64 // 0 is empty; hashes are stored with their low bit set
	n     int
}

// newWordSet returns the set of the given entry hashes, all computed with
// seed.
func newWordSet(seed maphash.Seed, hashes []uint64) *WordSet {
	size := 16
	for size < 2*len(hashes) {
		size *= 2
	}
	ws := &WordSet{seed: seed, slots: make([]uint64, size)}
	for _, h := range hashes {
		h |= 1
		for i := h & uint64(size-1); ; i = (i + 1) & uint64(size-1) {
			if ws.slots[i] == h {
				break
			}
			if ws.slots[i] == 0 {
				ws.slots[i] = h
				ws.n++
				break
			}
		}
	}
	return ws
}

func (ws *WordSet) has(h uint64) bool {
	if ws == nil || ws.n == 0 {
		return false
	}
	h |= 1
	mask := uint64(len(ws.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch ws.slots[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}

// Has reports whether s is in the set. The comparison is exact (byte for
// byte); callers fold case or otherwise normalise s as the set requires.
func (ws *WordSet) Has(s string) bool {
	return ws != nil && ws.n > 0 && ws.has(maphash.String(ws.seed, s))
}

// HasBytes is Has for a byte slice, without allocating.
func (ws *WordSet) HasBytes(b []byte) bool {
	return ws != nil && ws.n > 0 && ws.has(maphash.Bytes(ws.seed, b))
}

// Len returns the number of distinct entries in the set.
func (ws *WordSet) Len() int {
	if ws == nil {
		return 0
	}
	return ws.n
}

// readList decompresses the embedded file name and calls fn for each line,
// without the trailing newline. The slice passed to fn is only valid until
// fn returns.
func readList(name string, fn func(line []byte)) error {
	f, err := dataFS.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer zr.Close()
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		fn(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// loadSet builds a WordSet from the embedded file name, applying fold to
// each entry first when fold is not nil. It panics if the embedded data is
// unreadable: that is a build defect, caught by the package tests.
func loadSet(name string, fold func(string) string) *WordSet {
	seed := maphash.MakeSeed()
	var hashes []uint64
	err := readList(name, func(line []byte) {
		if fold != nil {
			hashes = append(hashes, maphash.String(seed, fold(string(line))))
		} else {
			hashes = append(hashes, maphash.Bytes(seed, line))
		}
	})
	if err != nil {
		panic(fmt.Sprintf("passwords: embedded list: %v", err))
	}
	return newWordSet(seed, hashes)
}

var (
	defaultPasswords = sync.OnceValue(func() *WordSet {
		return loadSet(defaultsFile, strings.ToLower)
	})
	commonPasswords = sync.OnceValue(func() *WordSet {
		return loadSet(commonFile, nil)
	})
	dictionaryWords = sync.OnceValue(func() *WordSet {
		return loadSet(wordsFile, nil)
	})
	effLargeWords = sync.OnceValue(func() []string {
		words := make([]string, 0, effLargeCount)
		if err := readList(effLargeFile, func(line []byte) {
			words = append(words, string(line))
		}); err != nil {
			panic(fmt.Sprintf("passwords: embedded list: %v", err))
		}
		if len(words) != effLargeCount {
			panic(fmt.Sprintf("passwords: embedded list %s: %d words, want %d",
				effLargeFile, len(words), effLargeCount))
		}
		return slices.Clip(words)
	})
)

// DefaultPasswords returns the set of known universal and vendor default
// passwords (Mirai's built-in credential table, John the Ripper's
// password.lst and a curated IoT/router/camera list). Entries are stored
// case-folded with strings.ToLower, so query with strings.ToLower(pw).
// The set is built on first use and shared.
func DefaultPasswords() *WordSet { return defaultPasswords() }

// CommonPasswords returns the set of common and breached passwords (the
// zxcvbn-ts common list), lower-cased and 4 to 64 characters long, so query
// with strings.ToLower(pw). The set is built on first use and shared.
func CommonPasswords() *WordSet { return commonPasswords() }

// DictionaryWords returns the set of English dictionary words (SCOWL British
// English), lower-case ASCII letters only, 3 to 24 letters long, so query
// with strings.ToLower(w). The set is built on first use and shared.
func DictionaryWords() *WordSet { return dictionaryWords() }

// EFFLargeWords returns the 7,776 words of the EFF large diceware list in
// list order (dice rolls 11111 to 66666), for the passphrase generator.
// The slice is shared by all callers and must not be modified.
func EFFLargeWords() []string { return effLargeWords() }

// Kinds of known word, as bits of knownTable's answer.
const (
	knownDefault = 1 << iota
	knownCommon
	knownWord
)

// knownTable answers, with one hash and one memory read, which of the
// three lists (defaults, common passwords, dictionary words) hold a
// lower-case string. The row rules ask it several times per password. Each
// slot holds a hash with its low four bits replaced by the list flags and a
// marker bit, so the flags come with the comparison.
type knownTable struct {
	seed  maphash.Seed
	slots []uint64
	words int // distinct dictionary words
	// long has a bit for each (length, first three characters) of the
	// entries of longLen characters or more: few entries are that long, so
	// most long strings are ruled out here, in a table that stays in the
	// processor's cache, before the hash and the read of the large table.
	long [1 << 16 / 64]uint64
}

// longLen is where knownTable.long starts.
const longLen = 10

func longBit(b []byte) uint32 {
	h := uint32(len(b))*0x9e3779b1 ^ uint32(b[0])<<16 ^ uint32(b[1])<<8 ^ uint32(b[2])
	h *= 0x85ebca6b
	return h >> 16
}

// mayHold reports whether a lower-case string may be in the table.
func (k *knownTable) mayHold(b []byte) bool {
	if len(b) < longLen {
		return true
	}
	i := longBit(b)
	return k.long[i/64]&(1<<(i%64)) != 0
}

const knownMarker = 8

var knownWords = sync.OnceValue(func() *knownTable {
	k := &knownTable{seed: maphash.MakeSeed()}
	type entry struct {
		h    uint64
		flag uint64
	}
	var all []entry
	for _, l := range []struct {
		file string
		flag uint64
	}{{defaultsFile, knownDefault}, {commonFile, knownCommon}, {wordsFile, knownWord}} {
		if err := readList(l.file, func(line []byte) {
			low := strings.ToLower(string(line))
			all = append(all, entry{maphash.String(k.seed, low) &^ 15, l.flag})
			if len(low) >= longLen {
				i := longBit([]byte(low))
				k.long[i/64] |= 1 << (i % 64)
			}
		}); err != nil {
			panic(fmt.Sprintf("passwords: embedded list: %v", err))
		}
	}
	size := 16
	for size < 2*len(all) {
		size *= 2
	}
	k.slots = make([]uint64, size)
	mask := uint64(size - 1)
	for _, e := range all {
		for i := (e.h >> 4) & mask; ; i = (i + 1) & mask {
			if k.slots[i] == 0 {
				k.slots[i] = e.h | knownMarker | e.flag
				if e.flag == knownWord {
					k.words++
				}
				break
			}
			if k.slots[i]&^15 == e.h {
				if e.flag == knownWord && k.slots[i]&knownWord == 0 {
					k.words++
				}
				k.slots[i] |= e.flag
				break
			}
		}
	}
	return k
})

// lookup returns the lists that hold b (which must be lower case).
func (k *knownTable) lookup(b []byte) uint8 {
	if !k.mayHold(b) {
		return 0
	}
	return k.find(maphash.Bytes(k.seed, b))
}

// lookupString is lookup for a string (which must be lower case).
func (k *knownTable) lookupString(s string) uint8 { return k.find(maphash.String(k.seed, s)) }

func (k *knownTable) find(h uint64) uint8 {
	h &^= 15
	mask := uint64(len(k.slots) - 1)
	for i := (h >> 4) & mask; ; i = (i + 1) & mask {
		v := k.slots[i]
		switch {
		case v == 0:
			return 0
		case v&^15 == h:
			return uint8(v & 7)
		}
	}
}
