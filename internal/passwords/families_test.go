package passwords

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// Synthetic batches in the ways real devices have been given passwords,
// built from the invented device in the research note (MAC 02:1A:3C:…,
// serial AC200-2411-NNNNNN), for testing that each rule catches its family
// and that random and keyed batches pass.

const unambiguous = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

type device struct {
	serial, mac, imei, ssid string
	m                       uint64
	n                       int
}

func devices(n int, seed uint64) []device {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]device, n)
	base := uint64(0x021A3C000000) + uint64(r.IntN(1<<20))<<4
	for i := range out {
		m := base + uint64(4*i) // consecutive, four addresses per device
		h := hex12(m)
		out[i] = device{
			serial: fmt.Sprintf("AC200-2411-%06d", 100000+i),
			mac:    strings.ToUpper(h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10] + ":" + h[10:12]),
			imei:   fmt.Sprintf("35600011%07d", 2000000+i),
			ssid:   "AcmeCam-" + strings.ToUpper(h[8:12]),
			m:      m,
			n:      i,
		}
	}
	return out
}

func randomPassword(r *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// family makes one device's password; r is for the random parts.
type family struct {
	name  string
	rule  string // the rule that must catch it
	pw    func(d device, r *rand.Rand) string
	batch bool // caught only across the batch (needs many rows of the family)
}

var key = []byte("EXAMPLE-ONLY-NOT-A-REAL-KEY-0123456789abcdef")

func hmacPassword(d device) string {
	var out []byte
	for i := byte(0); len(out) < 12; i++ {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("psti-v1/AC-200/" + d.serial))
		m.Write([]byte{i})
		for _, b := range m.Sum(nil) {
			if b < 228 && len(out) < 12 {
				out = append(out, unambiguous[int(b)%57])
			}
		}
	}
	return string(out)
}

var families = []family{
	{"MAC last 8 hex (TP-Link)", "DP-06", func(d device, _ *rand.Rand) string { return strings.ToUpper(hex12(d.m)[4:]) }, false},
	{"MAC+1 last 8", "DP-06", func(d device, _ *rand.Rand) string { return strings.ToUpper(hex12(d.m + 1)[4:]) }, false},
	{"MAC without the OUI's first byte", "DP-06", func(d device, _ *rand.Rand) string { return hex12(d.m)[2:] }, false},
	{"whole MAC lower case", "DP-06", func(d device, _ *rand.Rand) string { return hex12(d.m) }, false},
	{"MAC reversed", "DP-06", func(d device, _ *rand.Rand) string { return reverse(hex12(d.m)) }, false},
	{"MAC byte-reversed", "DP-06", func(d device, _ *rand.Rand) string { return strings.ToUpper(hex12(byteReversed(d.m))) }, false},
	{"MAC-3 last 10", "DP-06", func(d device, _ *rand.Rand) string { return hex12(d.m - 3)[2:] }, false},
	{"serial as printed", "DP-06", func(d device, _ *rand.Rand) string { return strings.ReplaceAll(d.serial, "-", "") }, false},
	{"constant + MAC tail (PLDT)", "DP-06", func(d device, _ *rand.Rand) string { return "PLDTWIFI" + strings.ToUpper(hex12(d.m)[7:]) }, true},
	{"IMEI last 8", "DP-06", func(d device, _ *rand.Rand) string { return d.imei[7:] }, false},
	{"MAC low 3 bytes in decimal", "DP-07", func(d device, _ *rand.Rand) string { return fmt.Sprintf("%08d", d.m&0xffffff) }, false},
	{"MAC low 3 bytes XOR all ones", "DP-07", func(d device, _ *rand.Rand) string { return "wlan" + hex12((d.m & 0xffffff) ^ 0xffffff)[6:] }, true},
	{"serial number + 1000 as digits", "DP-07", func(d device, _ *rand.Rand) string { return "Acme" + strconv.Itoa(100000+d.n+7) + "x" }, false},
	{"MD5(MAC) first 10 hex", "DP-08", func(d device, _ *rand.Rand) string {
		s := md5.Sum([]byte(hex12(d.m)))
		return hex.EncodeToString(s[:])[:10]
	}, false},
	{"SHA-1(serial) first 12 hex upper", "DP-08", func(d device, _ *rand.Rand) string {
		s := sha1.Sum([]byte(d.serial))
		return strings.ToUpper(hex.EncodeToString(s[:])[:12])
	}, false},
	{"Base64(SHA-256(serial+MAC)) first 12", "DP-08", func(d device, _ *rand.Rand) string {
		s := sha256.Sum256([]byte(d.serial + hex12(d.m)))
		return base64.StdEncoding.EncodeToString(s[:])[:12]
	}, false},
	{"Alice: Base64(hex(MD5(MAC-1)))", "DP-08", func(d device, _ *rand.Rand) string {
		s := md5.Sum([]byte(hex12(d.m - 1)))
		return base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(s[:])[:12]))
	}, false},
	{"Sky: MD5(MAC) odd bytes mod 26", "DP-08", func(d device, _ *rand.Rand) string {
		s := md5.Sum([]byte(strings.ToUpper(hex12(d.m))))
		b := make([]byte, 8)
		for i := range b {
			b[i] = 'A' + s[2*i+1]%26
		}
		return string(b)
	}, true},
	{"SSID as password", "DP-09", func(d device, _ *rand.Rand) string { return strings.ReplaceAll(d.ssid, "-", "") }, false},
	{"decimal counter", "DP-05", func(d device, _ *rand.Rand) string { return fmt.Sprintf("Acme%05d!", d.n) }, true},
	{"hex counter step 7", "DP-05", func(d device, _ *rand.Rand) string { return fmt.Sprintf("Kx9Q%06x", 7*d.n+0x3000) }, true},
	{"template + 6 random digits", "DP-11", func(d device, r *rand.Rand) string { return fmt.Sprintf("ACME-%06d", r.IntN(1000000)) }, true},
	{"8 random digits", "DP-11", func(d device, r *rand.Rand) string { return fmt.Sprintf("%08d", r.IntN(100000000)) }, true},
	{"universal default", "DP-02", func(d device, r *rand.Rand) string {
		return []string{"admin", "xc3511", "12345678", "vizxv"}[r.IntN(4)]
	}, false},
	{"common password with digits", "DP-03", func(d device, r *rand.Rand) string {
		return []string{"sunshine", "dragon", "football", "princess"}[r.IntN(4)] + strconv.Itoa(1990+r.IntN(30))
	}, false},
}

// batchCSV renders devices and passwords as a batch file.
func batchCSV(ds []device, pw func(i int, d device) string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"serial", "mac", "imei", "ssid", "password"})
	for i, d := range ds {
		w.Write([]string{d.serial, d.mac, d.imei, d.ssid, pw(i, d)})
	}
	w.Flush()
	return b.Bytes()
}

type findingLine struct {
	Line     int      `json:"line"`
	Serial   string   `json:"serial"`
	Rules    []string `json:"rules"`
	Evidence string   `json:"evidence"`
}

func runAudit(t testing.TB, data []byte, cfg Config) (*Report, map[int]findingLine) {
	t.Helper()
	var out bytes.Buffer
	cfg.Findings = &out
	cfg.TempDir = t.TempDir()
	if cfg.Thresholds == (Thresholds{}) {
		cfg.Thresholds = DefaultThresholds()
		cfg.Thresholds.GuessSample = 300
	}
	rep, err := Audit(context.Background(), bytes.NewReader(data), cfg)
	if err != nil {
		t.Fatal(err)
	}
	lines := map[int]findingLine{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var f findingLine
		if err := json.Unmarshal([]byte(l), &f); err != nil {
			t.Fatalf("findings line %q: %v", l, err)
		}
		lines[f.Line] = f
	}
	return rep, lines
}

func TestRandomAndKeyedBatchesPass(t *testing.T) {
	ds := devices(20000, 1)
	r := rand.New(rand.NewPCG(9, 9))
	for name, pw := range map[string]func(int, device) string{
		"random 12 unambiguous": func(_ int, _ device) string { return randomPassword(r, 12, unambiguous) },
		"random 16 alphanumeric": func(_ int, _ device) string {
			return randomPassword(r, 16, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
		},
		"HMAC-keyed": func(_ int, d device) string { return hmacPassword(d) },
	} {
		t.Run(name, func(t *testing.T) {
			rep, lines := runAudit(t, batchCSV(ds, pw), Config{Brand: "Acme", Model: "AC-200"})
			if rep.Verdict != "pass" || len(lines) > 0 {
				for _, rr := range rep.Rules {
					if rr.Count > 0 {
						t.Errorf("%s flagged %d rows, e.g. %+v", rr.ID, rr.Count, rr.Examples[0])
					}
				}
				t.Fatalf("verdict %s, %d rows flagged", rep.Verdict, len(lines))
			}
		})
	}
}

// TestFamilies builds, for each family, a batch where the family's rows
// (every 10th row, or every row for batch-level families) sit among random
// ones, and checks that exactly those rows are flagged, by the right rule.
func TestFamilies(t *testing.T) {
	ds := devices(5000, 2)
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			every := 10
			if f.batch {
				every = 1
			}
			data := batchCSV(ds, func(i int, d device) string {
				if i%every == 0 {
					return f.pw(d, r)
				}
				return randomPassword(r, 12, unambiguous)
			})
			rep, lines := runAudit(t, data, Config{Brand: "Acme", Model: "AC-200"})
			if rep.Verdict != "fail" {
				t.Fatalf("verdict %s", rep.Verdict)
			}
			missed, wrong, false_ := 0, 0, 0
			var example string
			for i := range ds {
				line := i + 2
				fl, flagged := lines[line]
				switch {
				case i%every == 0 && !flagged:
					missed++
				case i%every == 0 && !contains(fl.Rules, f.rule):
					wrong++
					example = fmt.Sprintf("%v %s", fl.Rules, fl.Evidence)
				case i%every != 0 && flagged:
					false_++
					example = fmt.Sprintf("line %d %v %s", line, fl.Rules, fl.Evidence)
				}
			}
			want := len(ds) / every
			if missed > want/50 || wrong > want/50 || false_ > 0 {
				t.Errorf("%s: %d of %d family rows missed, %d flagged without %s, %d random rows flagged (%s)", f.name, missed, want, wrong, f.rule, false_, example)
			}
			if rr := rep.Rules[ruleByID(f.rule)]; rr.Status != "flagged" || len(rr.Examples) == 0 {
				t.Errorf("report does not name %s: %+v", f.rule, rr)
			} else {
				t.Logf("%s: %s", f.rule, rr.Examples[0].Evidence)
			}
		})
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func ruleByID(id string) int {
	for i, r := range Rules {
		if r.ID == id {
			return i
		}
	}
	return -1
}
