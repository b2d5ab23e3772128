package passwords_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/psti/psti/internal/passwords"
)

// benchSizes are the batch sizes the benchmarks run: PSTI_BENCH_ROWS (a
// comma-separated list, e.g. 10000000) or, by default, sizes that finish
// in seconds.
func benchSizes(b *testing.B) []int {
	spec := os.Getenv("PSTI_BENCH_ROWS")
	if spec == "" {
		return []int{100_000, 1_000_000}
	}
	var out []int
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("PSTI_BENCH_ROWS: %q is not a row count", f)
		}
		out = append(out, n)
	}
	return out
}

// writeBenchBatch writes a batch as a factory would send it: serial and MAC
// columns and a random 12-character password over the unambiguous
// alphabet.
func writeBenchBatch(b *testing.B, path string, n int, withPasswords bool) {
	b.Helper()
	kind := ""
	if withPasswords {
		kind = "unambiguous"
	}
	writeBenchBatchOf(b, path, n, kind)
}

// writeBenchBatchOf writes a batch like writeBenchBatch, with random
// passwords of the kind named: "unambiguous" (12 characters), "hex" (16
// hex digits, 64 bits: the slow case for the identifier rules, since any
// password may hold a stretch of a MAC) or "" for none.
func writeBenchBatchOf(b *testing.B, path string, n int, kind string) {
	b.Helper()
	withPasswords := kind != ""
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewChaCha8([32]byte{1}))
	alphabet := passwords.Alphabets["unambiguous"]
	if withPasswords {
		w.WriteString("serial,mac,password\n")
	} else {
		w.WriteString("serial,mac\n")
	}
	if kind == "hex" {
		alphabet = "0123456789abcdef"
	}
	pw := make([]byte, 12)
	if kind == "hex" {
		pw = make([]byte, 16)
	}
	for i := range n {
		m := uint64(0x021a3c000000) + uint64(i)*4
		fmt.Fprintf(w, "AC200-2411-%07d,%02X:%02X:%02X:%02X:%02X:%02X", i, byte(m>>40), byte(m>>32), byte(m>>24), byte(m>>16), byte(m>>8), byte(m))
		if withPasswords {
			for j := range pw {
				pw[j] = alphabet[r.IntN(len(alphabet))]
			}
			w.WriteByte(',')
			w.Write(pw)
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAudit audits a random batch with serial and MAC columns, all
// rules on, reading the file as the command line does. It reports rows per
// second, and fails if a random batch does not pass.
//
//	PSTI_BENCH_ROWS=10000000 go test -run '^$' -bench BenchmarkAudit -benchtime 1x ./internal/passwords/
func BenchmarkAudit(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "batch.csv")
			writeBenchBatch(b, path, n, true)
			b.ResetTimer()
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := passwords.Audit(context.Background(), f, passwords.Config{InputName: path, TempDir: b.TempDir()})
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				if rep.Verdict != "pass" || rep.Flagged != 0 {
					b.Fatalf("a random batch was flagged: %s", rep.Summary)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkAuditHex is BenchmarkAudit on a batch whose passwords are 16
// random hex digits: every password could be a stretch of a MAC address in
// some rendering, so the identifier rules work hardest on it.
//
//	PSTI_BENCH_ROWS=10000000 go test -run '^$' -bench BenchmarkAuditHex -benchtime 1x ./internal/passwords/
func BenchmarkAuditHex(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "batch.csv")
			writeBenchBatchOf(b, path, n, "hex")
			b.ResetTimer()
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := passwords.Audit(context.Background(), f, passwords.Config{InputName: path, TempDir: b.TempDir()})
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				if rep.Flagged != 0 {
					b.Fatalf("a random hex batch was flagged: %s", rep.Summary)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkGenerate generates a password for every device of a batch, the
// work before psti passwords generate audits its own output.
//
//	PSTI_BENCH_ROWS=10000000 go test -run '^$' -bench BenchmarkGenerate -benchtime 3x ./internal/passwords/
func BenchmarkGenerate(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			serials := filepath.Join(dir, "serials.csv")
			writeBenchBatch(b, serials, n, false)
			b.ResetTimer()
			i := 0
			for b.Loop() {
				in, err := os.Open(serials)
				if err != nil {
					b.Fatal(err)
				}
				out := filepath.Join(dir, fmt.Sprintf("out%d.csv", i))
				m, err := passwords.Generate(in, serials, out, passwords.GenerateConfig{AlphabetName: "unambiguous", Length: 12}, nil)
				in.Close()
				if err != nil {
					b.Fatal(err)
				}
				if m.Rows != int64(n) {
					b.Fatalf("generated %d rows, want %d", m.Rows, n)
				}
				b.StopTimer()
				os.Remove(out)
				i++
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
