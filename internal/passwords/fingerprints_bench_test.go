package passwords_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/psti/psti/internal/passwords"
)

// BenchmarkAuditPrevious audits a random batch, as BenchmarkAudit does,
// compared with the fingerprints of an earlier batch of as many rows
// (PSTI-PW-01 across batches). The earlier batch's passwords are the
// batch's own, reversed: as random, and none the same.
//
//	PSTI_BENCH_ROWS=10000000 go test -run '^$' -bench BenchmarkAuditPrevious -benchtime 1x -timeout 30m ./internal/passwords/
func BenchmarkAuditPrevious(b *testing.B) {
	f, err := passwords.NewFingerprinter(bytes.Repeat([]byte{7}, passwords.FingerprintKeySize))
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			path := filepath.Join(dir, "batch.csv")
			writeBenchBatch(b, path, n, true)
			earlierCSV := reversedPasswords(b, path, filepath.Join(dir, "earlier.csv"))
			prints := filepath.Join(dir, "earlier.fp")
			in, err := os.Open(earlierCSV)
			if err != nil {
				b.Fatal(err)
			}
			out, err := os.Create(prints)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := passwords.Fingerprints(context.Background(), in, out, f, passwords.FingerprintOptions{Batch: "B-1", InputName: earlierCSV, TempDir: dir}); err != nil {
				b.Fatal(err)
			}
			in.Close()
			out.Close()
			set := passwords.EarlierSet{Batch: "B-1", Source: prints, Open: func() (io.ReadCloser, error) { return os.Open(prints) }}
			b.ResetTimer()
			for b.Loop() {
				in, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := passwords.Audit(context.Background(), in, passwords.Config{InputName: path, TempDir: dir, Fingerprints: f, Earlier: []passwords.EarlierSet{set}})
				in.Close()
				if err != nil {
					b.Fatal(err)
				}
				if rep.Verdict != "pass" || rep.Batch.Duplicates.Earlier[0].Rows != int64(n) {
					b.Fatalf("a random batch against another: %s", rep.Summary)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// reversedPasswords writes the batch at path with each password reversed.
func reversedPasswords(b *testing.B, path, out string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(out)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for line := range bytes.Lines(data) {
		line = bytes.TrimSuffix(line, []byte("\n"))
		i := bytes.LastIndexByte(line, ',') + 1
		pw := slices.Clone(line[i:])
		if string(pw) != "password" {
			slices.Reverse(pw)
		}
		w.Write(line[:i])
		w.Write(pw)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return out
}
