package passwords

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Held-back style batches: derived rows hidden at low density among clean
// random and keyed rows, counters in disguise, low keyspaces, duplicates
// and rows of excluded credential types. Detection per family and false
// positives are measured from the findings output (what --findings
// writes), one line per flagged row.

// heldBatch is one batch file, row by row in file order.
type heldBatch struct {
	ds    []device
	pw    []string
	fam   []string          // the family that made each row
	typ   []string          // credential_type per row; nil for a file without the column
	rules map[string]string // family → the rule that must flag it; "" for clean rows
}

func newHeldBatch() *heldBatch { return &heldBatch{rules: map[string]string{}} }

// add appends a row made by family fam, which rule must catch ("" for a
// clean row that must not be flagged).
func (b *heldBatch) add(d device, pw, fam, rule string) {
	b.ds = append(b.ds, d)
	b.pw = append(b.pw, pw)
	b.fam = append(b.fam, fam)
	b.rules[fam] = rule
}

func (b *heldBatch) csv() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"serial", "mac", "imei", "ssid", "password"}
	if b.typ != nil {
		header = append(header, "credential_type")
	}
	w.Write(header)
	for i, d := range b.ds {
		rec := []string{d.serial, d.mac, d.imei, d.ssid, b.pw[i]}
		if b.typ != nil {
			rec = append(rec, b.typ[i])
		}
		w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

// line is the file line of row i (the header is line 1; no field holds a
// line break).
func (b *heldBatch) line(i int) int { return i + 2 }

// chacha is a seeded ChaCha8 generator: random rows of cryptographic
// quality, reproducible from run to run.
func chacha(seed uint64) *rand.Rand {
	var s [32]byte
	copy(s[:], "held-back batches")
	binary.LittleEndian.PutUint64(s[24:], seed)
	return rand.New(rand.NewChaCha8(s))
}

func cleanRandom(r *rand.Rand) string { return randomPassword(r, 12, unambiguous) }

// heldFamily makes one row's password.
type heldFamily struct {
	name string
	rule string
	pw   func(d device, r *rand.Rand) string
}

// The derived families mixed into clean rows.
var mixedFamilies = []heldFamily{
	{"MAC last 8 hex", "DP-06", func(d device, _ *rand.Rand) string { return strings.ToUpper(hex12(d.m)[4:]) }},
	{"MAC+1 whole, lower case", "DP-06", func(d device, _ *rand.Rand) string { return hex12(d.m + 1) }},
	{"serial as printed", "DP-06", func(d device, _ *rand.Rand) string { return d.serial }},
	{"MD5(MAC) first 12 hex", "DP-08", func(d device, _ *rand.Rand) string {
		s := md5.Sum([]byte(hex12(d.m)))
		return hex.EncodeToString(s[:])[:12]
	}},
	{"SSID with a suffix", "DP-09", func(d device, _ *rand.Rand) string { return d.ssid + "!" }},
	{"common password", "DP-02", func(_ device, r *rand.Rand) string {
		return []string{"admin", "password123", "12345678", "admin1234"}[r.IntN(4)]
	}},
	{"universal default repeated", "DP-04", func(device, *rand.Rand) string { return "Tz4uW8qNc3Hm" }},
}

// mixedBatch hides each derived family in about 2% of 20,000 rows; the
// rest are clean, half random, half HMAC-keyed.
func mixedBatch() *heldBatch {
	r := chacha(1)
	b := newHeldBatch()
	for _, d := range devices(20000, 11) {
		k := r.IntN(50) // 1 in 50 for each family
		switch {
		case k < len(mixedFamilies):
			f := mixedFamilies[k]
			b.add(d, f.pw(d, r), f.name, f.rule)
		case k%2 == 0:
			b.add(d, cleanRandom(r), "clean random", "")
		default:
			b.add(d, hmacPassword(d), "clean HMAC-keyed", "")
		}
	}
	return b
}

// wholeBatch is n rows of one family.
func wholeBatch(n int, seed uint64, fam, rule string, pw func(i int, d device, r *rand.Rand) string) *heldBatch {
	r := chacha(seed)
	b := newHeldBatch()
	for i, d := range devices(n, seed) {
		b.add(d, pw(i, d, r), fam, rule)
	}
	return b
}

// shuffled puts a batch's rows in random order.
func (b *heldBatch) shuffled(seed uint64) *heldBatch {
	r := chacha(seed)
	r.Shuffle(len(b.ds), func(i, j int) {
		b.ds[i], b.ds[j] = b.ds[j], b.ds[i]
		b.pw[i], b.pw[j] = b.pw[j], b.pw[i]
		b.fam[i], b.fam[j] = b.fam[j], b.fam[i]
	})
	return b
}

// gappedDevices are devices whose serial numbers skip a few units now and
// then (units rejected at the end of the line), so consecutive rows are not
// one apart.
func gappedDevices(n int, seed uint64) []device {
	r := chacha(seed)
	ds := devices(n, seed)
	num := 200000
	for i := range ds {
		num += 1 + r.IntN(4)
		ds[i].serial = fmt.Sprintf("AC200-2411-%06d", num)
		ds[i].n = num
	}
	return ds
}

// smallWords are 100 words of 4 to 8 letters spread over the EFF list.
func smallWords() []string {
	var out []string
	for i, w := range EFFLargeWords() {
		if i%50 == 0 && len(w) >= 4 && len(w) <= 8 && isLetters(w) && len(out) < 100 {
			out = append(out, w)
		}
	}
	return out
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// A vendor's tiny dictionaries for adjective + noun + 3 digits.
var (
	adjectives = []string{"zoo", "happy", "quiet", "brave", "sunny", "little", "purple", "gentle", "silly", "rapid"}
	nouns      = []string{"young", "tiger", "river", "piano", "rocket", "canoe", "mango", "pencil", "violet", "falcon"}
)

type heldCase struct {
	name  string
	build func() *heldBatch
	// min is the share of each derived family's rows that its rule must
	// flag; clean rows must never be flagged.
	min     float64
	verdict string
	check   func(t *testing.T, b *heldBatch, rep *Report, lines map[int]findingLine)
}

func TestHeldBack(t *testing.T) {
	counter := func(name string, pw func(i int, d device) string) heldCase {
		return heldCase{name: "counter: " + name, min: 0.99, verdict: "fail", build: func() *heldBatch {
			return wholeBatch(5000, 21, name, "DP-05", func(i int, d device, _ *rand.Rand) string { return pw(i, d) })
		}}
	}
	low := func(name string, pw func(r *rand.Rand) string) heldCase {
		return heldCase{name: "low keyspace: " + name, min: 1, verdict: "fail", build: func() *heldBatch {
			return wholeBatch(5000, 31, name, "DP-11", func(_ int, _ device, r *rand.Rand) string { return pw(r) })
		}, check: checkNotDense}
	}
	// Counter values handed out in an order that has nothing to do with the
	// rows or their serials.
	perm := chacha(27).Perm(5000)
	eff := EFFLargeWords()
	words100 := smallWords()
	if len(words100) != 100 {
		t.Fatalf("%d small words, want 100", len(words100))
	}
	cases := []heldCase{
		{name: "mixed batch", build: mixedBatch, min: 1, verdict: "fail", check: checkMixed},

		counter("decimal with a prefix", func(i int, _ device) string { return fmt.Sprintf("Router%06d", 104729+i) }),
		counter("hex, lower case", func(i int, _ device) string { return fmt.Sprintf("kx9q%08x", 0x3a7f12c0+i) }),
		counter("hex, upper case", func(i int, _ device) string { return fmt.Sprintf("KX9Q%08X", 0x3a7f12c0+i) }),
		counter("base 36", func(i int, _ device) string {
			return "Zq" + fmt.Sprintf("%08s", strconv.FormatInt(int64(1_700_000_000+i), 36))
		}),
		counter("step 3", func(i int, _ device) string { return fmt.Sprintf("Acme%07d", 1_000_000+3*i) }),
		counter("step 1000", func(i int, _ device) string { return fmt.Sprintf("Acme%08d", 10_000_000+1000*i) }),
		counter("zero-padded, digits only", func(i int, _ device) string { return fmt.Sprintf("%010d", 4711+i) }),
		counter("decimal in the middle of a template", func(i int, _ device) string { return fmt.Sprintf("AB%06dXY", 300000+i) }),
		counter("hex in the middle of a template", func(i int, _ device) string { return fmt.Sprintf("AB%06xXY", 0x3a0000+i) }),
		counter("digits written backwards", func(i int, _ device) string {
			return "Acme" + reverse(fmt.Sprintf("%08d", 12_345_678+i))
		}),
		counter("low MAC digits + a constant", func(_ int, d device) string { return fmt.Sprintf("Wf%09d", d.m&0xffffff+123456) }),
		{name: "counter: serial number + a constant, serials with gaps", min: 0.99, verdict: "fail", build: func() *heldBatch {
			b := newHeldBatch()
			for _, d := range gappedDevices(5000, 22) {
				b.add(d, fmt.Sprintf("Pw%08d", d.n+3_777_777), "serial-affine", "DP-05")
			}
			return b
		}},
		{name: "counter: rows shuffled", min: 0.99, verdict: "fail", build: func() *heldBatch {
			return wholeBatch(5000, 23, "counter, rows shuffled", "DP-05", func(i int, _ device, _ *rand.Rand) string {
				return fmt.Sprintf("Router%06d", 104729+i)
			}).shuffled(24)
		}},
		{name: "counter: serial-affine, serials with gaps, rows shuffled", min: 0.99, verdict: "fail", build: func() *heldBatch {
			b := newHeldBatch()
			for _, d := range gappedDevices(5000, 25) {
				b.add(d, fmt.Sprintf("Pw%08d", d.n+3_777_777), "serial-affine, rows shuffled", "DP-05")
			}
			return b.shuffled(26)
		}},

		counter("handed out in random order", func(i int, _ device) string { return "Acme" + strconv.Itoa(1_000_000+perm[i]) }),
		counter("hex, handed out in random order", func(i int, _ device) string { return fmt.Sprintf("Kx9Q%06X", 0x3a0000+perm[i]) }),
		counter("step 3, handed out in random order", func(i int, _ device) string { return fmt.Sprintf("Acme%07d", 1_000_000+3*perm[i]) }),
		counter("in random order, in the middle of a template", func(i int, _ device) string { return fmt.Sprintf("AB%06dXY", 300000+perm[i]) }),
		counter("hex written backwards after a fixed prefix", func(i int, _ device) string {
			return "kx9q" + reverse(fmt.Sprintf("%08x", 0x3a7f12c0+i))
		}),
		counter("hex written backwards, handed out in random order", func(i int, _ device) string {
			return "kx9q" + reverse(fmt.Sprintf("%08x", 0x3a7f12c0+perm[i]))
		}),
		{name: "counter in random order, hidden among clean rows with duplicates", min: 1, verdict: "fail", build: hiddenCounterBatch},

		low("template + 4 random digits", func(r *rand.Rand) string { return fmt.Sprintf("ACME-%04d", r.IntN(10000)) }),
		low("6 random lower-case letters", func(r *rand.Rand) string { return randomPassword(r, 6, "abcdefghijklmnopqrstuvwxyz") }),
		low("8-digit PIN", func(r *rand.Rand) string { return fmt.Sprintf("%08d", r.IntN(100_000_000)) }),
		low("one of 100 words + 2 digits", func(r *rand.Rand) string {
			return words100[r.IntN(len(words100))] + fmt.Sprintf("%02d", r.IntN(100))
		}),
		low("adjective + noun + 3 digits, tiny dictionary", func(r *rand.Rand) string {
			return adjectives[r.IntN(len(adjectives))] + nouns[r.IntN(len(nouns))] + fmt.Sprintf("%03d", r.IntN(1000))
		}),
		low("two of 1,000 EFF words + 3 digits", func(r *rand.Rand) string {
			return eff[r.IntN(1000)] + eff[3000+r.IntN(1000)] + fmt.Sprintf("%03d", r.IntN(1000))
		}),
		low("template + 4 random digits from 1000-9999", func(r *rand.Rand) string { return fmt.Sprintf("ACME-%04d", 1000+r.IntN(9000)) }),
		low("template + 6 random hex digits", func(r *rand.Rand) string { return fmt.Sprintf("Kx9Q%06x", r.IntN(1<<24)) }),
		{name: "low keyspace: template + 6 distinct random digits", min: 1, verdict: "fail", build: func() *heldBatch {
			idx := chacha(32).Perm(1_000_000)
			return wholeBatch(5000, 32, "6 distinct random digits", "DP-11", func(i int, _ device, _ *rand.Rand) string {
				return fmt.Sprintf("ACME-%06d", idx[i])
			})
		}, check: checkNotDense},

		{name: "MAC last 8 hex, random MACs", build: macSuffixBatch, min: 1, verdict: "fail", check: checkMACSuffix},

		{name: "duplicates injected", build: duplicatesBatch, min: 1, verdict: "fail", check: checkDuplicates},
		{name: "user-defined only", build: func() *heldBatch {
			b := newHeldBatch()
			for _, d := range devices(2000, 41) {
				b.add(d, UserDefined, "user-defined", "")
			}
			return b
		}, verdict: "pass", check: func(t *testing.T, b *heldBatch, rep *Report, _ map[int]findingLine) {
			if rep.UserDefined != int64(len(b.pw)) || rep.Audited != 0 {
				t.Errorf("%d user-defined, %d audited; want %d and 0", rep.UserDefined, rep.Audited, len(b.pw))
			}
		}},
		{name: "excluded credential types mixed in", build: excludedBatch, verdict: "pass", check: checkExcluded},
		{name: "HMAC-keyed, 50,000 rows", build: func() *heldBatch {
			b := newHeldBatch()
			for _, d := range devices(50000, 51) {
				b.add(d, hmacPassword(d), "clean HMAC-keyed", "")
			}
			return b
		}, verdict: "pass"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.build()
			rep, lines := runAudit(t, b.csv(), Config{Brand: "Acme", Model: "AC-200"})
			if rep.Verdict != c.verdict {
				t.Errorf("verdict %s, want %s (%s)", rep.Verdict, c.verdict, rep.Summary)
			}
			checkDetection(t, b, rep, lines, c.min)
			if c.check != nil {
				c.check(t, b, rep, lines)
			}
		})
	}
}

// checkMixed: the rows flagged are exactly the derived ones.
func checkMixed(t *testing.T, b *heldBatch, rep *Report, _ map[int]findingLine) {
	derived := 0
	for _, f := range b.fam {
		if b.rules[f] != "" {
			derived++
		}
	}
	if derived < len(b.pw)/10 || rep.Flagged != int64(derived) {
		t.Errorf("%d rows flagged, %d derived of %d", rep.Flagged, derived, len(b.pw))
	}
}

// checkNotDense: random numbers, however few their possible values, are
// not taken for a counter handed out in random order.
func checkNotDense(t *testing.T, _ *heldBatch, rep *Report, _ map[int]findingLine) {
	if d := rep.Batch.Counters.Dense; len(d) > 0 {
		t.Errorf("random numbers reported as a counter: %+v", d)
	}
}

// hiddenCounterBatch hides 1,000 rows of a counter handed out in random
// order among 19,000 clean rows, 400 of which share one password: the
// duplicates elsewhere must not hide the counter.
func hiddenCounterBatch() *heldBatch {
	r := chacha(29)
	perm := r.Perm(1000)
	b := newHeldBatch()
	k := 0
	for i, d := range devices(20000, 28) {
		switch {
		case i%20 == 7:
			b.add(d, fmt.Sprintf("Wifi-%06d", 250000+perm[k]), "counter in random order, hidden", "DP-05")
			k++
		case i%50 == 3:
			b.add(d, "Tz4uW8qNc3Hm", "universal default repeated", "DP-04")
		case i%2 == 0:
			b.add(d, cleanRandom(r), "clean random", "")
		default:
			b.add(d, hmacPassword(d), "clean HMAC-keyed", "")
		}
	}
	return b
}

// macSuffixOdd is the row of macSuffixBatch whose MAC, E6:39:16:46:16:39,
// also holds its last 8 hex digits in every neighbour's byte-reversed
// rendering (MAC-16 is E6:39:16:46:16:29, written backwards
// 29:16:46:16:39:E6).
const macSuffixOdd = 1234

// macSuffixBatch is 2,000 devices with random MAC addresses whose password
// is the last 8 hex digits of the address, in upper case.
func macSuffixBatch() *heldBatch {
	r := chacha(92)
	b := newHeldBatch()
	for i, d := range devices(2000, 92) {
		d.m = r.Uint64() & mac48 &^ (1 << 40) // unicast
		if i == macSuffixOdd {
			d.m = 0xE63916461639
		}
		h := strings.ToUpper(hex12(d.m))
		d.mac = h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10] + ":" + h[10:12]
		d.ssid = "AcmeCam-" + h[8:]
		b.add(d, h[4:], "MAC last 8 hex, random MACs", "DP-06")
	}
	return b
}

// checkMACSuffix: the row whose suffix also appears in its neighbours'
// renderings is named for its own hex suffix, the derivation the batch
// shares.
func checkMACSuffix(t *testing.T, b *heldBatch, _ *Report, lines map[int]findingLine) {
	fl := lines[b.line(macSuffixOdd)]
	if b.pw[macSuffixOdd] != "16461639" || !strings.Contains(fl.Evidence, "DP-06: MAC→hex→suffix(8)") {
		t.Errorf("line %d %q: %v %s", b.line(macSuffixOdd), b.pw[macSuffixOdd], fl.Rules, fl.Evidence)
	}
}

// duplicatesBatch is 10,000 random rows with five pairs of identical
// passwords and three pairs that differ only in letter case.
func duplicatesBatch() *heldBatch {
	r := chacha(61)
	b := newHeldBatch()
	for _, d := range devices(10000, 61) {
		b.add(d, cleanRandom(r), "clean random", "")
	}
	idx := r.Perm(len(b.pw))
	for k := range 8 {
		i, j := idx[2*k], idx[2*k+1]
		fam := "exact duplicate"
		b.pw[j] = b.pw[i]
		if k >= 5 {
			fam = "duplicate but for letter case"
			b.pw[i] = "Ab3x" + b.pw[i][4:]
			b.pw[j] = "ab3X" + b.pw[i][4:]
		}
		b.fam[i], b.fam[j] = fam, fam
		b.rules[fam] = "DP-04"
	}
	return b
}

// checkDuplicates: each duplicate names its partner's line; those that
// differ in letter case are reported for review, not as violations.
func checkDuplicates(t *testing.T, b *heldBatch, rep *Report, lines map[int]findingLine) {
	byPW := map[string][]int{}
	for i, pw := range b.pw {
		if b.fam[i] != "clean random" {
			key := strings.ToLower(pw)
			byPW[key] = append(byPW[key], b.line(i))
		}
	}
	if len(byPW) != 8 {
		t.Fatalf("%d duplicate groups, want 8", len(byPW))
	}
	for _, ls := range byPW {
		if len(ls) != 2 {
			t.Fatalf("duplicate group of lines %v", ls)
		}
		for k, l := range ls {
			other := ls[1-k]
			if ev := lines[l].Evidence; !strings.Contains(ev, fmt.Sprintf("line %d", other)) {
				t.Errorf("line %d: evidence %q does not name line %d", l, ev, other)
			}
		}
	}
	d := rep.Batch.Duplicates
	if d.ExactRows != 10 || d.CaseRows != 6 {
		t.Errorf("%d exact and %d case-folded duplicate rows, want 10 and 6", d.ExactRows, d.CaseRows)
	}
	rr := rep.Rules[ruleByID("DP-04")]
	if rr.Count != 16 || rr.Warnings != 6 {
		t.Errorf("DP-04 counted %d rows, %d for review; want 16 and 6", rr.Count, rr.Warnings)
	}
	for _, ex := range rr.Examples {
		folded := strings.Contains(ex.Evidence, "but for letter case")
		if ex.Review != folded {
			t.Errorf("line %d: review %v, evidence %q", ex.Line, ex.Review, ex.Evidence)
		}
	}
}

// excludedBatch mixes clean rows (Wi-Fi keys and admin passwords) with
// credentials that are not passwords under PSTI: pairing PINs, API keys
// and crypto keys, weak and shared on purpose, and a few user-defined rows.
func excludedBatch() *heldBatch {
	r := chacha(71)
	b := newHeldBatch()
	for _, d := range devices(10000, 71) {
		var pw, typ, fam string
		switch k := r.IntN(20); {
		case k == 0:
			pw, typ, fam = []string{"000000", "123456", fmt.Sprintf("%06d", r.IntN(1000000))}[r.IntN(3)], TypePairingPINNonIP, "excluded pairing PIN"
		case k == 1:
			s := md5.Sum([]byte(hex12(d.m)))
			pw, typ, fam = hex.EncodeToString(s[:]), TypeAPIKey, "excluded API key"
		case k == 2:
			pw, typ, fam = strings.Repeat("00112233", 8), TypeCryptoKey, "excluded crypto key"
		case k == 3:
			pw, typ, fam = UserDefined, TypeAdmin, "user-defined"
		case k%2 == 0:
			pw, typ, fam = cleanRandom(r), TypeWiFi, "clean random"
		default:
			pw, typ, fam = hmacPassword(d), TypeAdmin, "clean HMAC-keyed"
		}
		b.add(d, pw, fam, "")
		b.typ = append(b.typ, typ)
	}
	return b
}

// checkExcluded: the excluded rows are counted under DP-14, which does not
// fail the batch; audited as passwords, the same rows would fail it.
func checkExcluded(t *testing.T, b *heldBatch, rep *Report, _ map[int]findingLine) {
	excluded := 0
	for _, f := range b.fam {
		if strings.HasPrefix(f, "excluded") {
			excluded++
		}
	}
	rr := rep.Rules[ruleByID("DP-14")]
	if rep.Excluded != int64(excluded) || rr.Status != "info" || rr.Count != int64(excluded) || rep.Flagged != 0 {
		t.Errorf("%d excluded rows counted, DP-14 %s with %d, %d rows flagged; want %d excluded, info, none flagged",
			rep.Excluded, rr.Status, rr.Count, rep.Flagged, excluded)
	}
	untyped := *b
	untyped.typ = nil
	rep2, _ := runAudit(t, untyped.csv(), Config{Brand: "Acme", Model: "AC-200"})
	if rep2.Verdict != "fail" {
		t.Errorf("the same rows without credential types pass")
	}
}

// famStats counts one family's rows and how they were flagged.
type famStats struct {
	rows, caught, flagged int
	missed                string // an example row the family's rule did not flag
	other                 map[string]int
}

// detection reads the findings per family: rows caught by the family's
// rule, and rows flagged at all.
func detection(b *heldBatch, lines map[int]findingLine) map[string]*famStats {
	out := map[string]*famStats{}
	for i := range b.pw {
		s := out[b.fam[i]]
		if s == nil {
			s = &famStats{other: map[string]int{}}
			out[b.fam[i]] = s
		}
		s.rows++
		fl, flagged := lines[b.line(i)]
		if flagged {
			s.flagged++
			for _, r := range fl.Rules {
				s.other[r]++
			}
		}
		if rule := b.rules[b.fam[i]]; rule != "" && flagged && slices.Contains(fl.Rules, rule) {
			s.caught++
		} else if s.missed == "" && (rule != "" || flagged) {
			s.missed = fmt.Sprintf("line %d %q: %v %s", b.line(i), b.pw[i], fl.Rules, fl.Evidence)
		}
	}
	return out
}

func checkDetection(t *testing.T, b *heldBatch, rep *Report, lines map[int]findingLine, min float64) {
	t.Helper()
	stats := detection(b, lines)
	var names []string
	for f := range stats {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		s, rule := stats[f], b.rules[f]
		var rules []string
		for r, k := range s.other {
			rules = append(rules, fmt.Sprintf("%s:%d", r, k))
		}
		sort.Strings(rules)
		if rule == "" {
			t.Logf("%-45s %6d clean rows, %d flagged %v", f, s.rows, s.flagged, rules)
			if s.flagged > 0 {
				t.Errorf("%s: %d of %d clean rows flagged, e.g. %s", f, s.flagged, s.rows, s.missed)
			}
			continue
		}
		rate := float64(s.caught) / float64(s.rows)
		t.Logf("%-45s %6d rows, %6d caught by %s (%.2f%%), %d flagged %v", f, s.rows, s.caught, rule, 100*rate, s.flagged, rules)
		if rate < min {
			t.Errorf("%s: %s caught %d of %d rows (%.2f%%, want at least %.0f%%), e.g. %s", f, rule, s.caught, s.rows, 100*rate, 100*min, s.missed)
		}
		if rr := rep.Rules[ruleByID(rule)]; rr.Status != "flagged" || rr.Count == 0 {
			t.Errorf("%s: the report does not name %s (status %s)", f, rule, rr.Status)
		}
	}
}
