package passwords

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, FingerprintKeySize) }

func testFingerprinter(t testing.TB, b byte) *Fingerprinter {
	t.Helper()
	f, err := NewFingerprinter(testKey(b))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// printsCSV is a batch of the given passwords, serials SN<prefix><i>.
func printsCSV(prefix string, pws []string) string { return typedCSV(prefix, pws, "") }

// typedCSV is the same with a credential_type column, when typ is not "".
func typedCSV(prefix string, pws []string, typ string) string {
	var b strings.Builder
	b.WriteString("serial,password")
	if typ != "" {
		b.WriteString(",credential_type")
	}
	b.WriteString("\n")
	for i, pw := range pws {
		fmt.Fprintf(&b, "SN%s%06d,%s", prefix, i, pw)
		if typ != "" {
			b.WriteString("," + typ)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func randomPWs(seed uint64, n int) []string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]string, n)
	for i := range out {
		b := make([]byte, 12)
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		out[i] = string(b)
	}
	return out
}

func fingerprintsOf(t testing.TB, f *Fingerprinter, name, label, csv string) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := Fingerprints(context.Background(), strings.NewReader(csv), &out, f, FingerprintOptions{Batch: label, InputName: name, TempDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func earlier(label, source string, file []byte) EarlierSet {
	return EarlierSet{Batch: label, Source: source, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(file)), nil }}
}

// TestFingerprintFileRoundTrip: a batch's fingerprint file holds exactly
// the fingerprints of its audited passwords (not user-defined rows, not
// excluded types), each once, sorted, with a header that names the batch
// and the key but holds no password; and it takes 8 bytes a password.
func TestFingerprintFileRoundTrip(t *testing.T) {
	f := testFingerprinter(t, 1)
	pws := randomPWs(1, 5000)
	pws[10] = pws[20] // a repeat within the batch is one fingerprint
	csv := typedCSV("A", pws, "admin") + "SNX1,user-defined,admin\nSNX2,0011223344556677,crypto_key\n"
	file := fingerprintsOf(t, f, "batch-a.csv", "B-2411", csv)

	if !IsFingerprintFile(file) || IsFingerprintFile([]byte(csv)) {
		t.Fatal("IsFingerprintFile does not tell a fingerprint file from a batch")
	}
	for _, pw := range pws {
		if bytes.Contains(file, []byte(pw)) {
			t.Fatalf("the fingerprint file holds the password %q", pw)
		}
	}
	if bytes.Contains(file, testKey(1)) {
		t.Fatal("the fingerprint file holds the key")
	}
	fr, err := readFingerprints(bytes.NewReader(file), "batch-a.fp")
	if err != nil {
		t.Fatal(err)
	}
	h := fr.Header
	if h.Format != fingerprintFormat || h.Version != 1 || h.KeyID != f.KeyID() || h.Batch != "B-2411" || h.Source != "batch-a.csv" ||
		h.Rows != 5000 || len(h.SHA256) != 64 || time.Since(h.Created) > time.Minute {
		t.Fatalf("header %+v", h)
	}
	var got []print
	for {
		p, ok, err := fr.next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, p)
	}
	hs := f.pool.Get().(*fpHash)
	var want []print
	for _, pw := range pws {
		want = append(want, f.sum(hs, pw))
	}
	slices.SortFunc(want, cmpPrint)
	want = slices.Compact(want)
	if !slices.Equal(got, want) {
		t.Fatalf("read back %d fingerprints, want %d distinct, sorted", len(got), len(want))
	}
	if len(want) != 4999 {
		t.Fatalf("%d distinct fingerprints of 4999 distinct passwords", len(want))
	}
	// 8 bytes a password, a byte per (mostly empty) bucket, a short header.
	if max := 8*len(want) + 2*numBuckets + 512; len(file) > max {
		t.Fatalf("the file takes %d bytes for %d passwords, more than %d", len(file), len(want), max)
	}

	// A file cut short, or not a fingerprint file, is refused by name.
	for name, bad := range map[string][]byte{"cut.fp": file[:len(file)-100], "batch.csv": []byte(csv)} {
		fr, err := readFingerprints(bytes.NewReader(bad), name)
		for err == nil {
			var ok bool
			if _, ok, err = fr.next(); !ok && err == nil {
				t.Fatalf("%s read to the end without an error", name)
			}
		}
		var ie *InputError
		if !errors.As(err, &ie) || ie.File != name {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// TestFingerprintsKeyed: the same passwords under another key give other
// fingerprints and another key id, and a file made under another key is
// refused, naming the file.
func TestFingerprintsKeyed(t *testing.T) {
	a, b := testFingerprinter(t, 1), testFingerprinter(t, 2)
	if a.KeyID() == b.KeyID() || len(a.KeyID()) != 16 {
		t.Fatalf("key ids %q and %q", a.KeyID(), b.KeyID())
	}
	ha, hb := a.pool.Get().(*fpHash), b.pool.Get().(*fpHash)
	if a.sum(ha, "Ab3dEf7hJk9m") == b.sum(hb, "Ab3dEf7hJk9m") {
		t.Fatal("two keys give the same fingerprint")
	}
	if again := a.sum(ha, "Ab3dEf7hJk9m"); again != a.sum(ha, "Ab3dEf7hJk9m") || again == a.sum(ha, "ab3dEf7hJk9m") {
		t.Fatal("fingerprints are not of the exact password")
	}
	other := fingerprintsOf(t, b, "old.csv", "B-1", printsCSV("A", randomPWs(1, 100)))
	if _, err := CheckFingerprints(bytes.NewReader(other), "old.fp", a); err == nil || !strings.Contains(err.Error(), "old.fp") || !strings.Contains(err.Error(), "another installation's key") {
		t.Fatalf("a file of another key: %v", err)
	}
	_, err := Audit(context.Background(), strings.NewReader(printsCSV("B", randomPWs(2, 100))), Config{
		Fingerprints: a, Earlier: []EarlierSet{earlier("", "old.fp", other)}, TempDir: t.TempDir()})
	var ie *InputError
	if !errors.As(err, &ie) || ie.File != "old.fp" {
		t.Fatalf("an audit against a file of another key: %v", err)
	}
}

// TestAuditAgainstEarlierBatches (PSTI-PW-01, para 1(2)(a) and 1(5)): a
// password of this batch that a device of an earlier batch of the product
// has fails the batch under DP-04, naming the earlier batch, on the row's
// line; clean batches pass; the report lists what was compared.
func TestAuditAgainstEarlierBatches(t *testing.T) {
	f := testFingerprinter(t, 1)
	old := randomPWs(1, 3000)
	fileA := fingerprintsOf(t, f, "batch-2411.csv", "B-2411", printsCSV("A", old))
	fileC := fingerprintsOf(t, f, "batch-2412.csv", "B-2412", printsCSV("C", randomPWs(3, 2000)))

	audit := func(pws []string, out io.Writer, sets ...EarlierSet) *Report {
		t.Helper()
		rep, err := Audit(context.Background(), strings.NewReader(printsCSV("B", pws)), Config{InputName: "batch-2501.csv",
			Fingerprints: f, Earlier: sets, FingerprintsOut: out, Batch: "B-2501", TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	setA := earlier("B-2411", "fingerprints of batch-2411.csv", fileA)
	setC := earlier("", "batch-2412.fp", fileC)

	clean := randomPWs(2, 3000)
	var own bytes.Buffer
	rep := audit(clean, &own, setA, setC)
	if rep.Verdict != "pass" || rep.rule(dp04).Count != 0 {
		t.Fatalf("a clean batch: %s", rep.Summary)
	}
	wantEarlier := []EarlierBatch{{"B-2411", "fingerprints of batch-2411.csv", 3000, 0}, {"B-2412", "batch-2412.fp", 2000, 0}}
	if !slices.Equal(rep.Batch.Duplicates.Earlier, wantEarlier) {
		t.Fatalf("earlier batches %+v", rep.Batch.Duplicates.Earlier)
	}
	// The audit's own fingerprints are those the command makes.
	alone := fingerprintsOf(t, f, "batch-2501.csv", "B-2501", printsCSV("B", clean))
	if body := func(b []byte) []byte {
		return b[bytes.IndexByte(b[len(fingerprintMagic)+3:], '\n')+len(fingerprintMagic)+3:]
	}; !bytes.Equal(body(own.Bytes()), body(alone)) {
		t.Fatal("the audit's fingerprint file differs from the one made from the batch alone")
	}

	// Exactly one password repeated from B-2411, on line 1+500 of the new batch.
	repeat := slices.Clone(clean)
	repeat[499] = old[1234]
	rep = audit(repeat, nil, setA, setC)
	rr := rep.rule(dp04)
	if rep.Verdict != "fail" || rr.Count != 1 || len(rr.Examples) != 1 || rr.Examples[0].Line != 501 || rr.Examples[0].Serial != "SNB000499" {
		t.Fatalf("one repeat from an earlier batch: %s; %+v", rep.Summary, rr)
	}
	if ev := rr.Examples[0].Evidence; ev != `same password as a device in earlier batch "B-2411" (fingerprints of batch-2411.csv)` {
		t.Fatalf("evidence %q", ev)
	}
	if e := rep.Batch.Duplicates.Earlier; e[0].Repeats != 1 || e[1].Repeats != 0 {
		t.Fatalf("earlier batches %+v", e)
	}
	// The same but for letter case is not a repeat across batches: the
	// fingerprints are of the exact password.
	repeat[499] = strings.ToUpper(old[1234])
	if rep := audit(repeat, nil, setA); rep.rule(dp04).Count != 0 {
		t.Fatalf("a repeat but for case: %+v", rep.rule(dp04))
	}
	// A batch audited against itself: every row repeats.
	rep = audit(old, nil, earlier("B-2411", "self", fileA))
	if rep.rule(dp04).Count != 3000 || rep.Batch.Duplicates.Earlier[0].Repeats != 3000 {
		t.Fatalf("a batch against itself: %+v", rep.rule(dp04))
	}
}

// TestFalseMatchBound: 80-bit fingerprints keep false matches below one in
// a million per batch at the sizes promised: 10 million rows against 10
// earlier batches of 10 million, and the runner's largest batch against a
// billion.
func TestFalseMatchBound(t *testing.T) {
	if p := falseMatchBound(1e7, 1e8); p > 1e-9 || p < 8e-10 {
		t.Fatalf("10^7 × 10^8: %g, want about 8.3e-10", p)
	}
	if p := falseMatchBound(4e7, 1e9); p >= 1e-6 {
		t.Fatalf("4×10^7 × 10^9: %g", p)
	}
	// And the storage promise: 10 batches of 10 million under 1 GiB.
	if size := 10 * (1e7*8 + 2*numBuckets + 512); size >= 1<<30 {
		t.Fatalf("10 batches of 10 million take %g bytes", float64(size))
	}
}
