package passwords

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The identifier rules now compare the password with the MAC renderings
// and the identifiers' stretches as numbers (ident_ref_test.go keeps the
// way they were written before). These tests run both on the same rows
// and batches and require the same findings, to the byte.

// withReferenceIdentifiers runs fn with the audit's identifier rules
// swapped for the reference ones.
func withReferenceIdentifiers(t *testing.T, fn func()) {
	t.Helper()
	i := slices.IndexFunc(ruleFuncs, func(rf struct {
		timer int
		fn    func(*rowCtx)
	}) bool {
		return fmt.Sprintf("%p", rf.fn) == fmt.Sprintf("%p", (*rowCtx).checkIdentifiers)
	})
	if i < 0 {
		t.Fatal("the identifier rules are not among ruleFuncs")
	}
	saved := ruleFuncs[i].fn
	ruleFuncs[i].fn = (*rowCtx).checkIdentifiersRef
	defer func() { ruleFuncs[i].fn = saved }()
	fn()
}

// auditOutput is what an audit says: the findings as written, and the
// report's verdict and counts.
func auditOutput(t *testing.T, data []byte) (findings string, report string) {
	t.Helper()
	var out bytes.Buffer
	th := DefaultThresholds()
	th.GuessSample = 300
	rep, err := Audit(context.Background(), bytes.NewReader(data), Config{Findings: &out, TempDir: t.TempDir(), Thresholds: th, Brand: "Acme", Model: "AC-200"})
	if err != nil {
		t.Fatal(err)
	}
	// The report's verdict and counts; its lists of patterns and formats
	// are left out, since they order ties differently from run to run.
	type ruleCounts struct {
		ID, Status      string
		Count, Warnings int64
	}
	sum := struct {
		Verdict, Summary                 string
		Rows, Audited, Flagged, Excluded int64
		Rules                            []ruleCounts
	}{rep.Verdict, rep.Summary, rep.Rows, rep.Audited, rep.Flagged, rep.Excluded, nil}
	for _, r := range rep.Rules {
		sum.Rules = append(sum.Rules, ruleCounts{r.ID, r.Status, r.Count, r.Warnings})
	}
	b, err := json.MarshalIndent(sum, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), string(b)
}

// equivalenceBatches are batches of the kinds the identifier rules see:
// random (clean), all hex in both letter cases and several lengths, every
// row derived from its MAC, serial or IMEI in one of many renderings, a
// counter, single bad rows, and every kind mixed.
func equivalenceBatches(n int) map[string][]byte {
	ds := devices(n, 3)
	r := rand.New(rand.NewPCG(11, 13))
	hexOf := func(l int) string { return randomPassword(r, l, "0123456789abcdef") }
	derived := []func(d device) string{
		func(d device) string { return strings.ToUpper(hex12(d.m)[4:]) },                                // last 8, upper case
		func(d device) string { return hex12((d.m + 1) & mac48)[2:] },                                   // neighbour, last 10
		func(d device) string { return hex12(byteReversed((d.m - 3) & mac48)) },                         // neighbour, byte-reversed
		func(d device) string { return hex12(nibbleSwapped(d.m)) },                                      // nibbles swapped
		func(d device) string { return "acme" + hex12(d.m)[6:] + "q" },                                  // a stretch of six inside
		func(d device) string { return "wlan" + hex12(d.m)[4:] },                                        // a shared prefix
		func(d device) string { return hex12(d.m)[4:] + "x7" },                                          // a suffix
		func(d device) string { return fmt.Sprintf("%08d", d.m&0xffffff) },                              // low bytes in decimal, leading zeros
		func(d device) string { return fmt.Sprintf("%d", (d.m&0xffff)+2) },                              // low bytes in decimal, offset
		func(d device) string { return fmt.Sprintf("%06x", (d.m&0xffffff)^0xffffff) },                   // XOR all ones
		func(d device) string { return strconv.FormatUint(d.m&0xffffffff, 36) },                         // base 36
		func(d device) string { return hex12(d.m)[0:4] + ":" + hex12(d.m)[4:8] + "-" + hex12(d.m)[8:] }, // separators
		func(d device) string { return d.serial },                                                       // the serial
		func(d device) string { return reverse(strings.ToLower(d.serial)) },                             // the serial backwards
		func(d device) string { return "zz" + strings.ReplaceAll(d.serial, "-", "")[3:11] + "Q" },       // a stretch of the serial
		func(d device) string { return "pw" + fmt.Sprintf("%07d", 100000+d.n+3) },                       // the serial's number, offset
		func(d device) string { return d.imei[5:] },                                                     // the IMEI's last 10
		func(d device) string { return "k" + reverse(d.imei[3:11]) + "k" },                              // the IMEI backwards, inside
		func(d device) string { return strings.ToUpper(hex12((d.m + 16) & mac48)) },                     // the furthest neighbour
		func(d device) string { return hex12((d.m + 17) & mac48) },                                      // just beyond it
	}
	kinds := map[string]func(i int, d device) string{
		"clean":    func(int, device) string { return randomPassword(r, 12, unambiguous) },
		"hex16":    func(int, device) string { return hexOf(16) },
		"hex12":    func(int, device) string { return hexOf(12) },
		"HEX12":    func(int, device) string { return strings.ToUpper(hexOf(12)) },
		"hex8":     func(int, device) string { return hexOf(8) },
		"digits10": func(int, device) string { return randomPassword(r, 10, "0123456789") },
		"counter":  func(i int, _ device) string { return fmt.Sprintf("a7%010x", 0x5e0000+i) },
		"one bad row": func(i int, d device) string {
			if i == n/2 {
				return hex12(d.m)[3:]
			}
			return hexOf(16)
		},
		"mixed": func(_ int, d device) string {
			if r.IntN(4) == 0 {
				return derived[r.IntN(len(derived))](d)
			}
			return []string{hexOf(12), hexOf(16), randomPassword(r, 12, unambiguous)}[r.IntN(3)]
		},
	}
	for j, f := range derived {
		kinds[fmt.Sprintf("derived %d", j)] = func(_ int, d device) string { return f(d) }
	}
	out := map[string][]byte{}
	for name, pw := range kinds {
		out[name] = batchCSV(ds, pw)
	}
	return out
}

// TestIdentifierRulesUnchanged audits each batch with the identifier rules
// as they are and as they were, and requires the same findings and report.
func TestIdentifierRulesUnchanged(t *testing.T) {
	batches := equivalenceBatches(2000)
	names := make([]string, 0, len(batches))
	for name := range batches {
		names = append(names, name)
	}
	slices.Sort(names)
	flagged, ran := 0, 0
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			ran++
			data := batches[name]
			newF, newR := auditOutput(t, data)
			var oldF, oldR string
			withReferenceIdentifiers(t, func() { oldF, oldR = auditOutput(t, data) })
			if d := firstDifference(newF, oldF); d != "" {
				t.Errorf("findings differ: %s", d)
			}
			if d := firstDifference(newR, oldR); d != "" {
				t.Errorf("reports differ: %s", d)
			}
			if newF != "" {
				flagged++
			}
		})
	}
	// The batches must exercise the rules: most derived ones are flagged.
	if ran == len(names) && flagged < len(names)/2 {
		t.Errorf("only %d of %d batches had findings", flagged, len(names))
	}
}

// firstDifference shows where two outputs first differ, line by line, or
// returns "" when they are the same.
func firstDifference(now, before string) string {
	if now == before {
		return ""
	}
	a, b := strings.Split(now, "\n"), strings.Split(before, "\n")
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-3)
	return fmt.Sprintf("at line %d\nnow:\n%s\nbefore:\n%s", i+1,
		strings.Join(a[from:min(len(a), i+3)], "\n"), strings.Join(b[from:min(len(b), i+3)], "\n"))
}

// identEngine is an engine for comparing the identifier rules on single
// rows, with a shared prefix and suffix learnt (as calibration would).
func identEngine() *engine {
	th := DefaultThresholds()
	return &engine{th: th, logChance: math.Log10(th.Chance), chains: newChainTable(),
		cal: &calibration{alphabet: 16, prefixes: []string{"wlan"}, suffixes: []string{"x7"}}}
}

// compareIdentifierRules runs both versions of the identifier rules on one
// row and reports any difference in their findings.
func compareIdentifierRules(t *testing.T, e *engine, row Row) {
	t.Helper()
	var a, b rowCtx
	a.e, b.e = e, e
	if !a.prepare(&row) || !b.prepare(&row) {
		return
	}
	a.checkIdentifiers()
	b.checkIdentifiersRef()
	if !slices.Equal(a.findings, b.findings) {
		t.Fatalf("row %+v:\nnow:    %+v\nbefore: %+v", row, a.findings, b.findings)
	}
}

func macText(m uint64) string {
	h := strings.ToUpper(hex12(m & mac48))
	return h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10] + ":" + h[10:12]
}

// TestIdentifierRowsUnchanged compares both versions row by row on many
// derived and random passwords, including the edges: MACs at the ends of
// the address space, leading zeros, upper case, separators, short
// passwords and long identifiers.
func TestIdentifierRowsUnchanged(t *testing.T) {
	e := identEngine()
	r := rand.New(rand.NewPCG(21, 22))
	macs := []uint64{0, 1, 15, mac48, mac48 - 3, 0x021a3c4d5e60, 0x0000000000ff, 0xffffff000000, 0x00ff00ff00ff}
	for range 200 {
		macs = append(macs, r.Uint64()&mac48)
	}
	serials := []string{"AC200-2411-000123", "SN0000999", "x", "", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "AB-CD-EF-01-23-45"}
	rows := 0
	for _, m := range macs {
		h := hex12(m)
		near := hex12((m + uint64(r.IntN(33)) - 16) & mac48)
		serial := serials[r.IntN(len(serials))]
		imei := fmt.Sprintf("35%013d", r.Uint64()%1e13)
		pws := []string{
			h, strings.ToUpper(h), h[4:], h[6:], h[2:10], near, near[3:], reverse(near), hex12(byteReversed(m)),
			hex12(nibbleSwapped(byteReversed(m))), "acme" + near[5:] + "zz", "wlan" + h[4:], h[4:] + "x7",
			h[0:2] + "-" + h[2:4] + "-" + h[4:6] + ":" + h[6:], fmt.Sprintf("%d", m&0xffffff), fmt.Sprintf("%010d", m&0xffff),
			strconv.FormatUint(m&0xffffffff, 36), fmt.Sprintf("%06x", (m&0xffffff)^0xffffff),
			serial, reverse(normalize(serial)), "q" + normalize(serial) + "q", imei[4:], reverse(imei), "0000" + imei[6:12],
			randomPassword(r, 16, "0123456789abcdef"), randomPassword(r, 12, "0123456789abcdef"),
			randomPassword(r, 12, unambiguous), randomPassword(r, 6, "0123456789abcdef"), randomPassword(r, 9, "0123456789"),
			"", "abc", "Ab:Cd", strings.Repeat("0", 40), "pw" + fmt.Sprintf("%06d", 123+r.IntN(40)-20),
		}
		for _, pw := range pws {
			compareIdentifierRules(t, e, Row{Password: pw, MAC: macText(m), Serial: serial, IMEI: imei})
			compareIdentifierRules(t, e, Row{Password: pw, MAC: "not a mac", Serial: serial})
			rows += 2
		}
	}
	t.Logf("%d rows compared", rows)
}

// TestStretchAndFilterHelpers compares the numeric helpers with the text
// searches they replace.
func TestStretchAndFilterHelpers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		v := r.Uint64()
		if byteReversed(v&mac48) != byteReversedRef(v&mac48) || byteReversed(v) != byteReversedRef(v) {
			t.Fatalf("byteReversed(%#x) = %#x, want %#x", v, byteReversed(v), byteReversedRef(v))
		}
		for f := range numMACForms {
			if macForm(f, v&mac48) != macFormRef(f, v&mac48) {
				t.Fatalf("macForm(%d, %#x)", f, v)
			}
		}
		id := randomPassword(r, 4+r.IntN(80), "0123456789ab-")
		s := randomPassword(r, r.IntN(30), "0123456789ab")
		if r.IntN(3) == 0 && len(id) > 8 {
			i := r.IntN(len(id) - 8)
			s = s[:len(s)/2] + reverse(id[i:i+6+r.IntN(3)]) + s[len(s)/2:]
		}
		checkStretches(t, s, id)
	}
}

func checkStretches(t *testing.T, s, id string) {
	t.Helper()
	wantF, wantB := false, false
	rs := reverse(s)
	for i := 0; i+6 <= len(s) && !(wantF && wantB); i++ {
		wantF = wantF || strings.Contains(id, s[i:i+6])
		wantB = wantB || indexBytes(id, []byte(rs[i:i+6])) >= 0
	}
	if f, b := sharesStretch(s, id); f != wantF || b != wantB {
		t.Fatalf("sharesStretch(%q, %q) = %v, %v; want %v, %v", s, id, f, b, wantF, wantB)
	}
	if f, b := sharesStretchLong(s, id); f != wantF || b != wantB {
		t.Fatalf("sharesStretchLong(%q, %q) = %v, %v; want %v, %v", s, id, f, b, wantF, wantB)
	}
}

// FuzzIdentifierRules compares both versions of the identifier rules, and
// the stretch search with the text search, on any row.
func FuzzIdentifierRules(f *testing.F) {
	f.Add("021a3c4d5e64", uint64(0x021a3c4d5e60), "AC200-2411-000123", "356000112233447")
	f.Add("wlan3c4d5e5f", uint64(0x021a3c4d5e60), "AC200-2411-000123", "")
	f.Add("pw000125", uint64(0x021a3c4d5e60), "AC200-2411-000123", "")
	f.Add("a1b2c3d4e5f60718", uint64(1), "SN-0001", "356000112233447")
	f.Add("1a3c4d5e", uint64(0xffffffffffff), "", "")
	f.Add("k74433221100k", uint64(0x021a3c4d5e60), "x", "356000112233447")
	e := identEngine()
	f.Fuzz(func(t *testing.T, pw string, mac uint64, serial, imei string) {
		compareIdentifierRules(t, e, Row{Password: pw, MAC: macText(mac), Serial: serial, IMEI: imei})
		compareIdentifierRules(t, e, Row{Password: pw, MAC: serial, Serial: imei, IMEI: pw})
		checkStretches(t, normalize(pw), normalize(serial))
		var c rowCtx
		c.mac = mac & mac48
		s := normalize(pw)
		if c.mayHoldMAC(s, 16) != c.mayHoldMACRef(s, 16) {
			t.Fatalf("mayHoldMAC(%q) with MAC %#x differs", s, mac)
		}
	})
}
