package passwords

// segmentWords as it was before the beginnings of words were looked up in
// wordStarts first: kept as the reference the equivalence tests compare
// with.

func segmentWordsRef(s string) int {
	k := knownWords()
	extra, _ := formatWords()
	word := func(w string) bool {
		return len(w) >= minWordLen && len(w) <= maxWordLen && (k.lookupString(w)&knownWord != 0 || extra.Has(w))
	}
	if word(s) {
		return 1
	}
	var cuts [maxWordLen]int
	nc := 0
	for i := minWordLen; i <= len(s)-minWordLen && i <= maxWordLen; i++ {
		if !word(s[:i]) {
			continue
		}
		if word(s[i:]) {
			return 2
		}
		cuts[nc] = i
		nc++
	}
	for _, i := range cuts[:nc] {
		for j := i + minWordLen; j <= len(s)-minWordLen && j-i <= maxWordLen; j++ {
			if word(s[i:j]) && word(s[j:]) {
				return 3
			}
		}
	}
	return 0
}
