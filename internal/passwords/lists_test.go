package passwords

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// notInAnyList is a random-looking string that must be in no list.
const notInAnyList = "Kq7mZp2xVt9w"

// readEmbedded returns the lines of an embedded list and checks the file's
// format: a gzip member with no name and no modification time (gzip -n),
// valid UTF-8, LF line endings, a final newline, no CR and no empty line.
func readEmbedded(t testing.TB, name string) []string {
	t.Helper()
	raw, err := dataFS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("%s: gzip header has name %q, mtime %v; want none (gzip -n)", name, zr.Name, zr.ModTime)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !utf8.Valid(text) {
		t.Errorf("%s: not valid UTF-8", name)
	}
	if bytes.IndexByte(text, '\r') >= 0 {
		t.Errorf("%s: contains CR", name)
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		t.Fatalf("%s: empty or no final newline", name)
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	for i, l := range lines {
		if l == "" {
			t.Errorf("%s: line %d is empty", name, i+1)
		}
	}
	return lines
}

func TestListFilesSortedAndDeduplicated(t *testing.T) {
	for _, name := range []string{defaultsFile, commonFile, wordsFile} {
		lines := readEmbedded(t, name)
		for i := 1; i < len(lines); i++ {
			// Strictly increasing in byte order (LC_ALL=C sort -u).
			if lines[i-1] >= lines[i] {
				t.Errorf("%s: line %d %q is not after line %d %q", name, i+1, lines[i], i, lines[i-1])
				break
			}
		}
	}
}

func TestListFileContents(t *testing.T) {
	lower := regexp.MustCompile(`^[a-z]{3,24}$`)
	for _, l := range readEmbedded(t, defaultsFile) {
		if n := utf8.RuneCountInString(l); n < 1 || n > 64 {
			t.Errorf("defaults: %q has %d characters, want 1-64", l, n)
		}
	}
	for _, l := range readEmbedded(t, commonFile) {
		if n := utf8.RuneCountInString(l); n < 4 || n > 64 {
			t.Errorf("common: %q has %d characters, want 4-64", l, n)
		}
		if l != strings.ToLower(l) {
			t.Errorf("common: %q is not lower-case", l)
		}
	}
	for _, l := range readEmbedded(t, wordsFile) {
		if !lower.MatchString(l) {
			t.Errorf("words: %q is not 3-24 lower-case ASCII letters", l)
		}
	}
}

func TestEFFLargeFile(t *testing.T) {
	lines := readEmbedded(t, effLargeFile)
	if len(lines) != effLargeCount {
		t.Fatalf("eff_large: %d lines, want %d", len(lines), effLargeCount)
	}
	seen := make(map[string]bool, len(lines))
	for _, l := range lines {
		if seen[l] {
			t.Errorf("eff_large: duplicate %q", l)
		}
		seen[l] = true
	}
}

func TestEFFLargeWords(t *testing.T) {
	w := EFFLargeWords()
	if len(w) != effLargeCount {
		t.Fatalf("EFFLargeWords: %d words, want %d", len(w), effLargeCount)
	}
	// Known positions in the EFF large list (dice rolls 11111... and ...66666).
	want := map[int]string{
		0: "abacus", 1: "abdomen", 2: "abdominal", 3: "abide", 4: "abiding",
		7771: "zoning", 7772: "zookeeper", 7773: "zoologist", 7774: "zoology", 7775: "zoom",
	}
	for i, s := range want {
		if w[i] != s {
			t.Errorf("EFFLargeWords()[%d] = %q, want %q", i, w[i], s)
		}
	}
	// The genuine EFF list has these hyphenated words; a look-alike list
	// (e.g. zxcvbn-ts diceware.json) drops the hyphens or replaces them.
	index := make(map[string]int, len(w))
	for i, s := range w {
		index[s] = i
	}
	for _, s := range []string{"drop-down", "felt-tip", "t-shirt", "yo-yo", "lantern", "oyster"} {
		if _, ok := index[s]; !ok {
			t.Errorf("EFFLargeWords() lacks %q", s)
		}
	}
	if &EFFLargeWords()[0] != &w[0] {
		t.Error("EFFLargeWords() is not loaded once")
	}
}

func TestListCounts(t *testing.T) {
	tests := []struct {
		name     string
		set      *WordSet
		min, max int
	}{
		{"DefaultPasswords", DefaultPasswords(), 3000, 10000},
		{"CommonPasswords", CommonPasswords(), 40000, 60000},
		// wbritish 2020.12.07-2 has 103,494 lines; dropping words with
		// apostrophes or non-ASCII letters and folding case leaves 72,585.
		{"DictionaryWords", DictionaryWords(), 70000, 110000},
	}
	for _, tt := range tests {
		if n := tt.set.Len(); n < tt.min || n > tt.max {
			t.Errorf("%s().Len() = %d, want %d-%d", tt.name, n, tt.min, tt.max)
		}
	}
}

func TestMembership(t *testing.T) {
	defaults := DefaultPasswords()
	for _, pw := range []string{
		"admin", "password", "1234", "12345678", "root", "ubnt", "xc3511", "vizxv",
		"7ujMko0admin", "7ujMko0vizxv", "Zte521", "hi3518", "meinsm", "4321",
		"juantech", "xmhdipc", "dreambox", "zlxx.", "changeme", "epicrouter",
		"123456", // john password.lst
	} {
		if !defaults.Has(strings.ToLower(pw)) {
			t.Errorf("DefaultPasswords().Has(%q) = false", strings.ToLower(pw))
		}
	}
	// Entries are case-folded: the original case is not a member.
	if defaults.Has("Zte521") {
		t.Error(`DefaultPasswords().Has("Zte521") = true; entries should be lower-case`)
	}
	if defaults.Has("") {
		t.Error(`DefaultPasswords().Has("") = true; the empty password is not stored`)
	}

	common := CommonPasswords()
	for _, pw := range []string{"password", "123456", "qwerty", "letmein", "dragon"} {
		if !common.Has(pw) {
			t.Errorf("CommonPasswords().Has(%q) = false", pw)
		}
	}

	words := DictionaryWords()
	for _, w := range []string{"lantern", "colour", "organise", "cobalt", "oyster"} {
		if !words.Has(w) {
			t.Errorf("DictionaryWords().Has(%q) = false", w)
		}
	}
	for _, w := range []string{"lantern's", "Lantern", "ox"} {
		if words.Has(w) {
			t.Errorf("DictionaryWords().Has(%q) = true", w)
		}
	}

	for name, set := range map[string]*WordSet{
		"DefaultPasswords": defaults, "CommonPasswords": common, "DictionaryWords": words,
	} {
		for _, s := range []string{notInAnyList, strings.ToLower(notInAnyList)} {
			if set.Has(s) {
				t.Errorf("%s().Has(%q) = true", name, s)
			}
		}
	}
	for _, s := range EFFLargeWords() {
		if s == notInAnyList || s == strings.ToLower(notInAnyList) {
			t.Errorf("EFFLargeWords() contains %q", s)
		}
	}
}

func TestWordSetEmpty(t *testing.T) {
	var nilSet *WordSet
	if nilSet.Has("admin") || nilSet.Len() != 0 {
		t.Error("nil *WordSet is not empty")
	}
	var zero WordSet
	if zero.Has("admin") || zero.Len() != 0 {
		t.Error("zero WordSet is not empty")
	}
}

func TestConcurrentLoad(t *testing.T) {
	var wg sync.WaitGroup
	sets := make([]*WordSet, 8)
	for i := range sets {
		wg.Go(func() {
			sets[i] = CommonPasswords()
			if !sets[i].Has("password") {
				t.Error(`CommonPasswords().Has("password") = false`)
			}
		})
	}
	wg.Wait()
	for _, s := range sets[1:] {
		if s != sets[0] {
			t.Fatal("CommonPasswords() returned different sets")
		}
	}
}

// TestDefaultsIncludeHandWrittenSources checks that every password of the
// hand-written sources in data/src is in defaults.txt.gz in its original
// case, except the empty password.
func TestDefaultsIncludeHandWrittenSources(t *testing.T) {
	have := make(map[string]bool)
	for _, l := range readEmbedded(t, defaultsFile) {
		have[l] = true
	}
	check := func(file string, field func(string) string) int {
		t.Helper()
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		n := 0
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			n++
			if pw := field(line); pw != "" && !have[pw] {
				t.Errorf("defaults.txt.gz lacks %q from %s", pw, file)
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		return n
	}
	n := check("data/src/mirai-62.tsv", func(line string) string {
		_, pw, ok := strings.Cut(line, "\t")
		if !ok {
			t.Errorf("mirai-62.tsv: no tab in %q", line)
		}
		return pw
	})
	if n != 62 {
		t.Errorf("mirai-62.tsv has %d pairs, want 62", n)
	}
	if n := check("data/src/iot-defaults.txt", func(line string) string { return line }); n < 250 {
		t.Errorf("iot-defaults.txt has %d entries, want at least 250", n)
	}
}

var sink bool

func BenchmarkWordSetHas(b *testing.B) {
	words := DictionaryWords()
	queries := []string{"lantern", notInAnyList, "organise", "zzzzzzzz", "xc3511", "correcthorse"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sink = words.Has(queries[i%len(queries)])
	}
}

func BenchmarkLoadDictionaryWords(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = loadSet(wordsFile, nil).Len() > 0
	}
}
