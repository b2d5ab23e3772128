package statement

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func testMeta() PDFMeta {
	return PDFMeta{
		ID: "st_01JEXAMPLE", Version: 2,
		URL:     "https://acme.example/statements/st_01JEXAMPLE",
		Created: time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC),
	}
}

// toolPackage names the Debian package each PDF tool the tests run comes
// in (.ci/run installs them).
var toolPackage = map[string]string{"pdftotext": "poppler-utils", "pdfsig": "poppler-utils", "qpdf": "qpdf"}

// pdfTool runs an outside PDF tool (pdftotext, pdfsig, qpdf) on a PDF
// (written to a file, whose path goes where args say "PDF") and returns
// what it printed and how it exited. It skips the test when the tool is
// missing, unless under CI, where the tool must be there.
func pdfTool(t *testing.T, tool string, pdf []byte, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (%s) is needed under CI: %v", tool, toolPackage[tool], err)
		}
		t.Skipf("%s (%s) is not installed", tool, toolPackage[tool])
	}
	in := filepath.Join(t.TempDir(), "statement.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		if a == "PDF" {
			args[i] = in
		}
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

// pdftotext returns the text of a PDF as `pdftotext -layout` gives it.
func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	out, err := pdfTool(t, "pdftotext", pdf, "-layout", "-enc", "UTF-8", "PDF", "-")
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return out
}

// TestRenderPDFGolden: the printable statement carries every Schedule 4
// field as text (PSTI-SOC-F1 to F8), with non-ASCII names and addresses
// printed as written, for two manufacturers and three batches.
func TestRenderPDFGolden(t *testing.T) {
	pdf, err := RenderPDF(complete(), testMeta())
	if err != nil {
		t.Fatal(err)
	}
	got := pdftotext(t, pdf)
	golden := filepath.Join("testdata", "statement.pdf.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("PDF text differs from %s (run with -update after checking):\n%s", golden, got)
	}
	// Independently of the golden file, the fields that must be there.
	for _, must := range []string{
		"Statement of compliance", "st_01JEXAMPLE, version 2",
		"Video doorbell", "AC-200", "B-2026-01", "B-2026-02", "AC200-0009999",
		"Acme Devices Ltd", "Fabryka Łódź sp. z o.o.", "90-001 Łódź", "Vertreter GmbH", "Hauptstraße 5",
		"acting jointly", "ETSI EN 303 645, version V2.1.1, issued June 2020", "provisions 5.2-1",
		"Security updates until at least 31 March 2030",              // PSTI-SOC-F6
		"London, 7 December 2026",                                    // PSTI-SOC-F8
		"Zoë Brontë", "Head of Product Security", "Signed digitally", // PSTI-SOC-F7
		"https://acme.example/statements/st_01JEXAMPLE",
	} {
		if !strings.Contains(got, must) {
			t.Errorf("the PDF text lacks %q", must)
		}
	}
}

// TestRenderPDFLongFlows: long addresses and many batches wrap and flow
// onto further pages, every one still printed.
func TestRenderPDFLongFlows(t *testing.T) {
	s := complete()
	s.Batches = nil
	for i := range MaxBatches {
		s.Batches = append(s.Batches, "Batch Ż-"+strings.Repeat("9", 3)+"-"+string(rune('A'+i%26))+"-"+itoa(i))
	}
	s.Manufacturers[1].Address = strings.Repeat("Długa ulica z bardzo długą nazwą, ", 25) + "\nŁódź"
	pdf, err := RenderPDF(s, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	got := pdftotext(t, pdf)
	for _, b := range s.Batches {
		if !strings.Contains(got, b) {
			t.Errorf("batch %q is missing", b)
		}
	}
	if n := strings.Count(got, "\f"); n < 4 {
		t.Errorf("%d batches fit on %d pages: they do not flow onto further pages", len(s.Batches), n)
	}
	if !strings.Contains(got, "Page 1 of ") {
		t.Error("pages are not numbered")
	}
}

func itoa(i int) string {
	return string([]byte{byte('0' + i/100), byte('0' + i/10%10), byte('0' + i%10)})
}

// TestRenderPDFDeterministic: the same statement and meta give the same
// bytes, so the SHA-256 of a rendering logged at issue can be recomputed.
func TestRenderPDFDeterministic(t *testing.T) {
	a, err := RenderPDF(complete(), testMeta())
	if err != nil {
		t.Fatal(err)
	}
	b, err := RenderPDF(complete(), testMeta())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("rendering the same statement twice gave different bytes")
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	m := testMeta()
	m.Version = 3
	c, err := RenderPDF(complete(), m)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c) {
		t.Fatal("a different version rendered to the same bytes")
	}
}

// TestRenderPDFRefusesInvalid: a statement missing a mandatory field is
// not rendered (PSTI-SOC-F6 here), nor one without its id or a fixed
// creation time.
func TestRenderPDFRefusesInvalid(t *testing.T) {
	s := complete()
	s.SupportEnd = ""
	if _, err := RenderPDF(s, testMeta()); err == nil {
		t.Fatal("a statement without its support period was rendered")
	} else if _, ok := fields(err)["support_end"]; !ok {
		t.Fatalf("refused without naming support_end: %v", err)
	}
	m := testMeta()
	m.Created = time.Time{}
	if _, err := RenderPDF(complete(), m); err == nil {
		t.Fatal("rendered without a fixed creation time")
	}
	m = testMeta()
	m.URL = ""
	if _, err := RenderPDF(complete(), m); err == nil {
		t.Fatal("rendered without the public address")
	}
}

func BenchmarkRenderPDF(b *testing.B) {
	s, m := complete(), testMeta()
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := RenderPDF(s, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "docs/s")
}

// BenchmarkRenderPDFParallel renders on every core, as a server does
// (the target of issue 13 is stated for 2 cores).
func BenchmarkRenderPDFParallel(b *testing.B) {
	s, m := complete(), testMeta()
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := RenderPDF(s, m); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "docs/s")
}

// TestRenderPDFManyCharacters: the fast fonts carry up to 129 characters
// beyond ASCII per document; a statement with more (here Greek and
// Cyrillic besides Polish) still prints every name, through fpdf's
// Unicode fonts, while an ordinary one takes the fast path.
func TestRenderPDFManyCharacters(t *testing.T) {
	fast, err := RenderPDF(complete(), testMeta())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(fast, []byte("/Differences [127 /uni00DF")) {
		t.Error("an ordinary statement did not take the fast fonts")
	}
	s := complete()
	var greek, cyrillic []rune
	for r := 'α'; r <= 'ω'; r++ {
		greek = append(greek, r)
	}
	for r := 'а'; r <= 'я'; r++ {
		cyrillic = append(cyrillic, r)
	}
	var latin []rune
	for r := 'Ā'; r <= 'ſ'; r++ { // Latin Extended-A
		latin = append(latin, r)
	}
	upper := strings.ToUpper(string(greek)) + " " + strings.ToUpper(string(cyrillic)) + "\n" + string(latin)
	s.Representatives = append(s.Representatives,
		Party{Name: "Αντιπρόσωπος ΑΕ", Address: string(greek) + "\n" + upper},
		Party{Name: "Представитель ООО", Address: string(cyrillic)})
	pdf, err := RenderPDF(s, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(pdf, []byte("/Differences")) {
		t.Error("more characters than the fast fonts hold, yet they were used")
	}
	// Long runs without spaces wrap anywhere: compare without white space.
	flat := strings.Join(strings.Fields(pdftotext(t, pdf)), "")
	for _, must := range []string{"Αντιπρόσωπος ΑΕ", "Представитель ООО", string(greek), string(cyrillic), string(latin), "Łódź", "Zoë Brontë"} {
		if !strings.Contains(flat, strings.ReplaceAll(must, " ", "")) {
			t.Errorf("the PDF text lacks %q", must)
		}
	}
}

// TestRenderPDFQRCode: the QR code drawn on the page is, module for
// module, the QR code of the statement's public address (PSTI-SOC-F8's
// link to the public page is in addition to the address in full).
func TestRenderPDFQRCode(t *testing.T) {
	doc, err := RenderPDF(complete(), testMeta())
	if err != nil {
		t.Fatal(err)
	}
	code, err := qrcode.New(testMeta().URL, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	want := code.Bitmap()
	// The drawing: "q 0 g M 0 0 -M X Y cm", then "COL ROW LEN 1 re" for
	// each run of dark modules, then "f Q".
	start := bytes.Index(doc, []byte(" cm\n"))
	end := bytes.Index(doc[max(start, 0):], []byte("f Q"))
	if start < 0 || end < 0 {
		t.Fatal("no QR code drawn in the PDF")
	}
	got := make([][]bool, len(want))
	for i := range got {
		got[i] = make([]bool, len(want))
	}
	for _, line := range strings.Split(strings.TrimSpace(string(doc[start+4:start+end])), "\n") {
		var col, row, n, h int
		if _, err := fmt.Sscanf(line, "%d %d %d %d re", &col, &row, &n, &h); err != nil || h != 1 || row >= len(got) || col+n > len(got) {
			t.Fatalf("unexpected line %q in the QR code (%v)", line, err)
		}
		for c := col; c < col+n; c++ {
			got[row][c] = true
		}
	}
	for r := range want {
		for c := range want[r] {
			if got[r][c] != want[r][c] {
				t.Fatalf("module %d,%d of the QR code is %v, want %v", r, c, got[r][c], want[r][c])
			}
		}
	}
}
