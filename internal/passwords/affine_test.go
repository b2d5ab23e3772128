package passwords

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// Router schemes that mix the MAC's digits with XOR or fixed tables,
// lengthened to 64 bits or more so that the short-keyspace rule (DP-11)
// cannot be what catches them: the batch's GF(2)-affine fit must (DP-07,
// PSTI-PW-04).

// affineScheme is a fixed, randomly drawn instance of a scheme family.
type affineScheme struct {
	name string
	pw   func(m uint64) string
}

func macDigit(m uint64, q int) int { return int(m>>(4*(11-q))) & 15 }

// easyBoxStyle: each of 16 output hex digits the XOR of 2 to 4 MAC digits
// and a constant.
func easyBoxStyle(seed uint64) affineScheme {
	r := rand.New(rand.NewPCG(seed, 1))
	type out struct {
		from []int
		k    int
	}
	outs := make([]out, 16)
	for i := range outs {
		outs[i] = out{r.Perm(12)[:2+r.IntN(3)], r.IntN(16)}
	}
	return affineScheme{"EasyBox style lengthened: 16 hex digits, each the XOR of 2-4 MAC digits and a constant", func(m uint64) string {
		b := make([]byte, 16)
		for i, o := range outs {
			v := o.k
			for _, q := range o.from {
				v ^= macDigit(m, q)
			}
			b[i] = "0123456789ABCDEF"[v]
		}
		return string(b)
	}}
}

// huaweiStyle: each of 16 output hex digits the XOR of fixed random tables
// indexed by 3 to 5 MAC digits.
func huaweiStyle(seed uint64) affineScheme {
	r := rand.New(rand.NewPCG(seed, 2))
	type term struct {
		q     int
		table [16]byte
	}
	outs := make([][]term, 16)
	for i := range outs {
		for _, q := range r.Perm(12)[:3+r.IntN(3)] {
			var t term
			t.q = q
			for v := range t.table {
				t.table[v] = byte(r.IntN(16))
			}
			outs[i] = append(outs[i], t)
		}
	}
	return affineScheme{"Huawei style lengthened: 16 hex digits, each an XOR of fixed tables of 3-5 MAC digits", func(m uint64) string {
		b := make([]byte, 16)
		for i, ts := range outs {
			v := byte(0)
			for _, t := range ts {
				v ^= t.table[macDigit(m, t.q)]
			}
			b[i] = "0123456789abcdef"[v]
		}
		return string(b)
	}}
}

// dlinkStyle: 20 characters, each a chosen MAC digit through one fixed
// 16-character table, the positions shuffled.
func dlinkStyle(seed uint64) affineScheme {
	r := rand.New(rand.NewPCG(seed, 3))
	const table = "XrVWvb4QyF5hG7jd"
	pos := append(r.Perm(12), r.Perm(12)[:8]...)
	r.Shuffle(len(pos), func(i, j int) { pos[i], pos[j] = pos[j], pos[i] })
	return affineScheme{"D-Link style lengthened: 20 characters, each a MAC digit through a fixed table, positions shuffled", func(m uint64) string {
		b := make([]byte, len(pos))
		for i, q := range pos {
			b[i] = table[macDigit(m, q)]
		}
		return string(b)
	}}
}

// belkinStyle: the 12 MAC digits in a fixed shuffled order, then the first
// 4 of them again, through a 16-character table.
func belkinStyle(seed uint64) affineScheme {
	r := rand.New(rand.NewPCG(seed, 4))
	const table = "024613578ACE9BDF"
	perm := r.Perm(12)
	pos := append(perm, perm[:4]...)
	return affineScheme{"Belkin style lengthened: the 12 MAC digits shuffled (16 places) through a fixed table", func(m uint64) string {
		b := make([]byte, len(pos))
		for i, q := range pos {
			b[i] = table[macDigit(m, q)]
		}
		return string(b)
	}}
}

// pldtStyle: the whole MAC XOR a constant, then 4 of its digits XOR another,
// as 16 lower-case hex digits behind a fixed word.
func pldtStyle() affineScheme {
	return affineScheme{"PLDT style lengthened: \"wlan\" + 16 hex digits of the MAC XOR constants", func(m uint64) string {
		return "wlan" + hex12(m^0x3c5a96e10f2d) + hex12((m >> 8) ^ 0xa5a5a5)[8:]
	}}
}

// grouped writes a scheme's password in groups of 4 with dashes, the way a
// label prints a long key.
func grouped(s affineScheme) affineScheme {
	return affineScheme{s.name + ", in groups of 4 with dashes", func(m uint64) string {
		p := s.pw(m)
		var b strings.Builder
		for i := 0; i < len(p); i += 4 {
			if i > 0 {
				b.WriteByte('-')
			}
			b.WriteString(p[i:min(i+4, len(p))])
		}
		return b.String()
	}}
}

func affineSchemes() []affineScheme {
	return []affineScheme{easyBoxStyle(1), huaweiStyle(2), dlinkStyle(3), belkinStyle(4), pldtStyle(), grouped(easyBoxStyle(5))}
}

func init() {
	for _, s := range affineSchemes() {
		derivationClasses = append(derivationClasses, derivationClass{s.name, "DP-07", func(d device) string { return s.pw(d.m) }})
	}
}

// randomMACs gives the devices random unicast MAC addresses.
func randomMACs(ds []device, seed uint64) []device {
	r := rand.New(rand.NewPCG(seed, 5))
	out := append([]device(nil), ds...)
	for i := range out {
		m := r.Uint64() & mac48 &^ (1 << 40)
		h := strings.ToUpper(hex12(m))
		out[i].m = m
		out[i].mac = h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10] + ":" + h[10:12]
		out[i].ssid = "AcmeCam-" + h[8:]
	}
	return out
}

// TestAffineSchemes: each scheme, on MACs that run in order and on random
// ones, at several batch sizes, is caught at 99% of rows or more by DP-07
// with the fit named in the evidence (PSTI-PW-04).
func TestAffineSchemes(t *testing.T) {
	for _, n := range []int{400, 1000, 5000} {
		for _, macs := range []string{"consecutive", "random"} {
			ds := devices(n, 61)
			if macs == "random" {
				ds = randomMACs(ds, 62)
			}
			for _, s := range affineSchemes() {
				t.Run(fmt.Sprintf("%s, %s MACs, %d rows", s.name, macs, n), func(t *testing.T) {
					rep, lines := runAudit(t, batchCSV(ds, func(_ int, d device) string { return s.pw(d.m) }), Config{Brand: "Acme", Model: "AC-200"})
					by := 0
					var other string
					for i := range ds {
						fl := lines[i+2]
						if contains(fl.Rules, "DP-07") && strings.Contains(fl.Evidence, "holds on") {
							by++
						} else if other == "" {
							other = fmt.Sprintf("line %d: %v %s", i+2, fl.Rules, fl.Evidence)
						}
					}
					if rep.Verdict != "fail" || 100*by < 99*n {
						t.Fatalf("%d of %d rows caught by the DP-07 fit (e.g. %s)", by, n, other)
					}
					if !strings.Contains(strings.Join(rep.Batch.Dependence, "\n"), "holds on") {
						t.Errorf("the report's dependence section does not name the fit: %q", rep.Batch.Dependence)
					}
					t.Logf("%s", rep.Rules[ruleByID("DP-07")].Examples[0].Evidence)
				})
			}
		}
	}
}

// TestAffineNoFitOnRandom: random and keyed batches, in formats that read
// as hex and formats that do not, at small and large sizes and on both
// kinds of MAC, never yield a fit (PSTI-PW-04: a keyed scheme is allowed,
// and DP-07 must not call it derived).
func TestAffineNoFitOnRandom(t *testing.T) {
	secret := []byte("EXAMPLE-ONLY-NOT-A-REAL-KEY-affine")
	formats := []struct {
		name string
		pw   func(r *rand.Rand, d device) string
	}{
		{"random hex, 16", func(r *rand.Rand, _ device) string { return randomPassword(r, 16, "0123456789abcdef") }},
		{"random hex, 8", func(r *rand.Rand, _ device) string { return randomPassword(r, 8, "0123456789ABCDEF") }},
		{"random digits, 10", func(r *rand.Rand, _ device) string { return randomPassword(r, 10, "0123456789") }},
		{"random unambiguous, 12", func(r *rand.Rand, _ device) string { return randomPassword(r, 12, unambiguous) }},
		{"random two letters, 40", func(r *rand.Rand, _ device) string { return randomPassword(r, 40, "ab") }},
		{"HMAC-SHA-256 of the MAC, hex 16", func(_ *rand.Rand, d device) string {
			m := hmac.New(sha256.New, secret)
			m.Write([]byte(hex12(d.m)))
			return hex.EncodeToString(m.Sum(nil))[:16]
		}},
	}
	for _, n := range []int{256, 600, 3000} {
		for _, macs := range []string{"consecutive", "random"} {
			for seed := range uint64(4) {
				ds := devices(n, 70+seed)
				if macs == "random" {
					ds = randomMACs(ds, 80+seed)
				}
				for _, f := range formats {
					r := rand.New(rand.NewPCG(seed, 90))
					var rows []Row
					for _, d := range ds {
						rows = append(rows, Row{Password: f.pw(r, d), MAC: d.mac, Serial: d.serial})
					}
					cal := calibrate(rows, DefaultThresholds())
					if cal.affine != nil {
						t.Errorf("%s, %s MACs, %d rows, seed %d: a fit was found: %s", f.name, macs, n, seed, cal.affine.evidence)
					}
				}
			}
		}
	}
}

// TestAffineSolver: the solver finds a known affine map and reports an
// inconsistent system as one.
func TestAffineSolver(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	// y = A·x ⊕ c over 70 features and 100 outputs: two words each.
	var A [100][2]uint64
	for i := range A {
		A[i] = [2]uint64{r.Uint64(), r.Uint64() & (1<<6 - 1)}
	}
	c := [2]uint64{r.Uint64(), r.Uint64() & (1<<36 - 1)}
	eval := func(x [2]uint64) (y [2]uint64) {
		y = c
		for i := range A {
			p := (A[i][0]&x[0] ^ A[i][1]&x[1])
			if popcount(p)%2 == 1 {
				y[i>>6] ^= 1 << (i & 63)
			}
		}
		return y
	}
	s := gf2Basis{fw: 2, w: 4}
	for range 200 {
		x := [2]uint64{r.Uint64(), r.Uint64() & (1<<6 - 1)}
		y := eval(x)
		// Feature 0 of the system is the constant; x is shifted past it.
		row := []uint64{x[0]<<1 | 1, x[0]>>63 | x[1]<<1, y[0], y[1]}
		if !s.insert(row) {
			t.Fatal("a consistent system was called inconsistent")
		}
	}
	if len(s.rows) != 71 {
		t.Fatalf("rank %d, want 71", len(s.rows))
	}
	if !s.insert([]uint64{1, 0, c[0], c[1]}) {
		t.Fatal("the device with no features set was called inconsistent")
	}
	if s.insert([]uint64{1, 0, c[0] ^ 1, c[1]}) { // its output with one bit changed
		t.Fatal("an inconsistent equation was accepted")
	}
}

func popcount(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// BenchmarkLearnAffine is the fit's cost at calibration, on 65,536 rows:
// random passwords (no fit: the equations fail early) and a Huawei style
// batch (a fit, checked on 4,096 held-out rows).
//
//	go test -run '^$' -bench BenchmarkLearnAffine ./internal/passwords/
func BenchmarkLearnAffine(b *testing.B) {
	ds := randomMACs(devices(calibrationRows, 95), 96)
	huawei := huaweiStyle(2)
	for _, c := range []struct {
		name string
		pw   func(r *rand.Rand, d device) string
	}{
		{"random hex 16", func(r *rand.Rand, _ device) string { return randomPassword(r, 16, "0123456789abcdef") }},
		{"random unambiguous 12", func(r *rand.Rand, _ device) string { return randomPassword(r, 12, unambiguous) }},
		{"Huawei style 16 hex", func(_ *rand.Rand, d device) string { return huawei.pw(d.m) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			rows := make([]Row, len(ds))
			for i, d := range ds {
				rows[i] = Row{Password: c.pw(r, d), MAC: d.mac}
			}
			cal := calibrate(rows, DefaultThresholds())
			b.ResetTimer()
			for b.Loop() {
				learnAffine(rows, cal, DefaultThresholds())
			}
		})
	}
}

// BenchmarkCheckAffine is the per-row cost of comparing a password with
// the fit's prediction, for a batch that has one.
func BenchmarkCheckAffine(b *testing.B) {
	ds := randomMACs(devices(2000, 97), 98)
	huawei := huaweiStyle(2)
	rows := make([]Row, len(ds))
	for i, d := range ds {
		rows[i] = Row{Password: huawei.pw(d.m), MAC: d.mac}
	}
	e := &engine{th: DefaultThresholds(), chains: newChainTable()}
	e.logChance = -12
	e.cal = calibrate(rows, e.th)
	if e.cal.affine == nil {
		b.Fatal("no fit")
	}
	ctxs := make([]rowCtx, len(rows))
	for i := range ctxs {
		ctxs[i].e = e
		ctxs[i].prepare(&rows[i])
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		c := &ctxs[i%len(ctxs)]
		c.findings = c.findings[:0]
		c.checkAffine()
		i++
	}
	flagged := 0
	for i := range ctxs {
		if len(ctxs[i].findings) > 0 {
			flagged++
		}
	}
	if flagged < len(ctxs)*99/100 {
		b.Fatalf("%d of %d rows matched", flagged, len(ctxs))
	}
}
