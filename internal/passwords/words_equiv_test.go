package passwords

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// listedWords are the lower-case lines of the embedded dictionary and
// the EFF list's words without dashes.
func listedWords(t testing.TB) []string {
	t.Helper()
	var out []string
	if err := readList(wordsFile, func(line []byte) { out = append(out, strings.ToLower(string(line))) }); err != nil {
		t.Fatal(err)
	}
	for _, w := range EFFLargeWords() {
		out = append(out, strings.ReplaceAll(w, "-", ""))
	}
	return out
}

// TestWordStartsHoldEveryWord requires every word either list answers for
// to pass the filter, and the filter to rule out most random beginnings.
func TestWordStartsHoldEveryWord(t *testing.T) {
	s := wordStarts()
	words := listedWords(t)
	for _, w := range words {
		if !s.mayStart(w) {
			t.Fatalf("wordStarts rules out the word %q", w)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	out := 0
	for range 10000 {
		if !s.mayStart(randomPassword(r, 4+r.IntN(8), "abcdefghijklmnopqrstuvwxyz")) {
			out++
		}
	}
	if out < 5000 {
		t.Fatalf("wordStarts ruled out only %d of 10,000 random strings of letters", out)
	}
	t.Logf("%d words; %d of 10,000 random strings ruled out", len(words), out)
}

// segmentCases are strings of letters as wordFormat passes them: random
// ones, words run together (one to four of them), words with a letter
// added, dropped or changed, and words cut short.
func segmentCases(r *rand.Rand, words []string, n int) []string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	pick := func() string { return words[r.IntN(len(words))] }
	var out []string
	for range n {
		var s string
		switch r.IntN(6) {
		case 0:
			s = randomPassword(r, 3+r.IntN(30), letters)
		case 1, 2:
			for range 1 + r.IntN(4) {
				s += pick()
			}
		case 3:
			s = pick() + pick()
			i := r.IntN(len(s) + 1)
			s = s[:i] + string(letters[r.IntN(26)]) + s[i:]
		case 4:
			s = pick() + pick() + pick()
			if len(s) > 1 {
				i := r.IntN(len(s))
				s = s[:i] + s[i+1:]
			}
		case 5:
			w := pick()
			s = w[:r.IntN(len(w)+1)] + pick()
		}
		out = append(out, s)
	}
	return out
}

// TestSegmentWordsUnchanged compares segmentWords with the reference on
// many strings, and wordFormat (which calls it) with the same formula over
// the reference.
func TestSegmentWordsUnchanged(t *testing.T) {
	words := listedWords(t)
	r := rand.New(rand.NewPCG(7, 8))
	found := map[int]int{}
	for _, s := range segmentCases(r, words, 200000) {
		got, want := segmentWords(s), segmentWordsRef(s)
		if got != want {
			t.Fatalf("segmentWords(%q) = %d, want %d", s, got, want)
		}
		found[got]++
	}
	for k := range 4 {
		if found[k] == 0 {
			t.Fatalf("no case made of %d words: %v", k, found)
		}
	}
	for _, s := range []string{"", "a", "ab", "abc", "the", "password", "Password", "pass-word", "éclair", "correcthorsebatterystaple"} {
		if got, want := segmentWords(s), segmentWordsRef(s); got != want {
			t.Fatalf("segmentWords(%q) = %d, want %d", s, got, want)
		}
	}
	for _, s := range segmentCases(r, words, 20000) {
		pw := s + fmt.Sprint(r.IntN(1000)) + []string{"", "!", "#$"}[r.IntN(3)]
		got := wordFormat(pw)
		if got == 0 {
			continue
		}
		if w, _, _ := wordFormatOf(got); w != segmentWordsRef(s) {
			t.Fatalf("wordFormat(%q) counts %d words, the reference %d", pw, w, segmentWordsRef(s))
		}
	}
	t.Logf("segmentations by number of words: %v", found)
}

func FuzzSegmentWords(f *testing.F) {
	for _, s := range []string{"correcthorse", "abc", "zzzzqqq", "battery", "thewordsrun"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := segmentWords(s), segmentWordsRef(s); got != want {
			t.Fatalf("segmentWords(%q) = %d, want %d", s, got, want)
		}
	})
}
