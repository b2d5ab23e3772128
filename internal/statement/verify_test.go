package statement

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/ledger"
)

// wantVerified fails unless r verified, with the signer's fingerprint.
func wantVerified(t *testing.T, r *Report, err error, signer *Signer) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("did not verify: %+v", r)
	}
	if r.Fingerprint != signer.Fingerprint() || !r.Signer.Equal(signer.Certificate()) {
		t.Fatalf("the report names %s (%s), not the signer %s", r.Signer.Subject, r.Fingerprint, signer.Fingerprint())
	}
}

// wantFailed fails unless r did not verify, with a problem saying want.
func wantFailed(t *testing.T, what string, r *Report, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if r.OK() || r.SignatureOK {
		t.Fatalf("%s: verified: %+v", what, r)
	}
	if !strings.Contains(strings.Join(r.Problems, "\n"), want) {
		t.Fatalf("%s: the problems do not say %q: %q", what, want, r.Problems)
	}
}

// TestVerifyPDF: a signed PDF rendering verifies, naming its signer and
// reading the statement's data it carries (PSTI-SOC-F1 to F8, issue 13);
// one byte changed anywhere in what is signed, and it does not; nor
// without a signature.
func TestVerifyPDF(t *testing.T) {
	doc, signer := signedBy(t, nil)
	r, err := Verify(doc, nil)
	wantVerified(t, r, err, signer)
	sum := sha256.Sum256(doc)
	if r.Kind != RenderingPDF || r.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("kind %s, SHA-256 %s", r.Kind, r.SHA256)
	}
	if d := r.Document; d.ID != "st_01JEXAMPLE" || d.Version != 2 || d.Model != "AC-200" || d.Manufacturers[1].Name != "Fabryka Łódź sp. z o.o." || d.KeepUntil == "" {
		t.Fatalf("the statement's data read: %+v", d)
	}

	// One byte changed: in the document information, in a page's
	// content, inside the attached data (compressed), in the signature's
	// byte range, and after the signature.
	hole := regexp.MustCompile(`/Contents\s*<`).FindIndex(doc)
	if hole == nil {
		t.Fatal("no /Contents in the signed PDF")
	}
	at := map[string]int{
		"document information": bytes.Index(doc, []byte("/Producer")) + len("/Producer ("),
		"page content":         bytes.Index(doc, []byte("BT ")) + 3,
		"attached data":        bytes.Index(doc, []byte("/Type /EmbeddedFile")) + 120,
		"byte range":           bytes.Index(doc, []byte("/ByteRange")) + len("/ByteRange [0 "),
		"end of file":          len(doc) - 10,
		"first byte":           0,
		"header":               5,
	}
	for what, i := range at {
		if i < 20 && what != "first byte" && what != "header" {
			t.Fatalf("no %s in the signed PDF", what)
		}
		changed := bytes.Clone(doc)
		changed[i] ^= 0x01
		r, err := Verify(changed, nil)
		if what == "first byte" {
			// No longer %PDF-: not a statement at all.
			if !errors.Is(err, ErrNotStatement) {
				t.Fatalf("a file not starting %%PDF-: %v %+v", err, r)
			}
			continue
		}
		if err != nil || r.OK() || r.SignatureOK {
			t.Fatalf("byte %d (%s) changed, yet: %v %+v", i, what, err, r)
		}
	}
	// A byte of the signature itself changed.
	changed := bytes.Clone(doc)
	changed[hole[1]+200] = changed[hole[1]+200] ^ 0x01
	if r, err := Verify(changed, nil); err != nil || r.OK() {
		t.Fatalf("a changed signature verified: %v %+v", err, r)
	}

	unsigned, err := RenderPDF(complete(), testMeta())
	if err != nil {
		t.Fatal(err)
	}
	r, err = Verify(unsigned, nil)
	wantFailed(t, "unsigned", r, err, "not signed")
}

// incrementalUpdate appends to a PDF an update that replaces its document
// information, as a PDF editor saving changes does: the signed bytes are
// untouched.
func incrementalUpdate(t *testing.T, doc []byte) []byte {
	t.Helper()
	last := func(re string) string {
		m := regexp.MustCompile(re).FindAllSubmatch(doc, -1)
		if m == nil {
			t.Fatalf("no %s in the PDF", re)
		}
		return string(m[len(m)-1][1])
	}
	prev, root, size := last(`startxref\s+(\d+)`), last(`/Root (\d+ \d+ R)`), last(`/Size (\d+)`)
	var n int
	fmt.Sscan(size, &n)
	obj := fmt.Sprintf("\n%d 0 obj\n<< /Producer (Changed after signing) /Title (Another product) >>\nendobj\n", n)
	objAt := len(doc) + 1
	xrefAt := len(doc) + len(obj)
	update := obj + fmt.Sprintf("xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %s /Info %d 0 R /Prev %s >>\nstartxref\n%d\n%%%%EOF\n",
		n, objAt, n+1, root, n, prev, xrefAt)
	return append(bytes.Clone(doc), update...)
}

// TestVerifyPDFIncrementalUpdate: content appended after signing, as an
// incremental update that leaves the signed bytes as they were, does not
// pass: the signature must cover the whole file.
func TestVerifyPDFIncrementalUpdate(t *testing.T) {
	doc := signed(t)
	updated := incrementalUpdate(t, doc)
	r, err := Verify(updated, nil)
	wantFailed(t, "an incremental update", r, err, "does not cover the whole file")
	// pdfsig agrees that the signature no longer covers the document.
	if rep := pdfsig(t, updated); !strings.Contains(rep, "Not total document signed") {
		t.Errorf("pdfsig on the updated PDF:\n%s", rep)
	}
	// Bytes merely appended, too: white space, or a comment.
	r, err = Verify(append(bytes.Clone(doc), "\n\n"...), nil)
	wantFailed(t, "white space appended", r, err, "does not cover the whole file")
	r, err = Verify(append(bytes.Clone(doc), "\n% a comment\n"...), nil)
	wantFailed(t, "a comment appended", r, err, "changed")
}

// TestVerifyPDFMissingField: a signed PDF whose data lacks a mandatory
// field is named field by field (PSTI-SOC-F7 here), and one carrying no
// data, or data in another format, does not verify.
func TestVerifyPDFMissingField(t *testing.T) {
	s := complete()
	s.Signatory.Name = ""
	s.SupportEnd = ""
	d := Document{Format: JSONFormat, ID: "st_01JEXAMPLE", Version: 2, URL: testMeta().URL, Statement: *s, KeepUntil: "2036-12-06"}
	data, err := json.Marshal(&d)
	if err != nil {
		t.Fatal(err)
	}
	doc, signer := signedBy(t, data)
	r, err := Verify(doc, nil)
	if err != nil || !r.SignatureOK || r.OK() || r.Fingerprint != signer.Fingerprint() {
		t.Fatalf("%v %+v", err, r)
	}
	got := map[string]bool{}
	for _, f := range r.Fields {
		got[f.Field] = true
	}
	if len(r.Fields) != 2 || !got["signatory.name"] || !got["support_end"] {
		t.Fatalf("the fields named: %+v", r.Fields)
	}

	d.Format = "something-else/1"
	data, _ = json.Marshal(&d)
	doc, _ = signedBy(t, data)
	r, err = Verify(doc, nil)
	if err != nil || r.OK() || !strings.Contains(strings.Join(r.Problems, ""), "not in a format") {
		t.Fatalf("another format: %v %+v", err, r)
	}
	doc, _ = signedBy(t, []byte("not JSON"))
	r, err = Verify(doc, nil)
	if err != nil || r.OK() || !strings.Contains(strings.Join(r.Problems, ""), "cannot be read") {
		t.Fatalf("data that is not JSON: %v %+v", err, r)
	}
}

// TestVerifyJSON: a JSON rendering verifies with its detached signature,
// naming the same signer as the PDF; any byte changed, and it does not;
// without its signature it cannot be checked at all.
func TestVerifyJSON(t *testing.T) {
	signer, err := SelfSigned("Acme statements", "Acme Ltd", time.Now(), time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := RenderJSON(complete(), "SOC-2026-0001", 1, "https://shop.example/statements/SOC-2026-0001")
	if err != nil {
		t.Fatal(err)
	}
	jws, err := SignJSON(doc, signer)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Verify(doc, []byte(jws+"\n"))
	wantVerified(t, r, err, signer)
	if r.Kind != RenderingJSON || r.Document.ID != "SOC-2026-0001" || r.Document.Version != 1 {
		t.Fatalf("%+v", r)
	}
	for _, i := range []int{1, len(doc) / 2, len(doc) - 2} {
		changed := bytes.Clone(doc)
		changed[i] ^= 0x01
		r, err := Verify(changed, []byte(jws))
		wantFailed(t, fmt.Sprintf("byte %d changed", i), r, err, "signature does not")
	}
	// Signed, but incomplete: the fields are named.
	s := complete()
	s.Place = ""
	bad, _ := json.Marshal(&Document{Format: JSONFormat, ID: "SOC-2026-0002", Version: 1, Statement: *s})
	bjws, _ := SignJSON(bad, signer)
	r, err = Verify(bad, []byte(bjws))
	if err != nil || !r.SignatureOK || r.OK() || len(r.Fields) != 1 || r.Fields[0].Field != "place" {
		t.Fatalf("an incomplete statement: %v %+v", err, r)
	}
	if _, err := Verify(doc, nil); !errors.Is(err, ErrNotStatement) {
		t.Fatalf("JSON without its signature: %v", err)
	}
	for _, in := range []string{"", "hello", "<html>"} {
		if _, err := Verify([]byte(in), []byte(jws)); !errors.Is(err, ErrNotStatement) {
			t.Fatalf("%q: %v", in, err)
		}
	}
}

// FuzzVerify: Verify reads files from anyone; whatever they hold, it
// never panics, and a file it verifies no longer verifies once a byte of
// what its signature covers is changed.
func FuzzVerify(f *testing.F) {
	doc := signed(f)
	f.Add(doc, []byte(nil))
	f.Add(doc[:len(doc)/2], []byte(nil))
	f.Add([]byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF"), []byte(nil))
	j, _ := RenderJSON(complete(), "SOC-2026-0001", 1, "https://shop.example/s")
	f.Add(j, []byte("e30..AAAA"))
	f.Fuzz(func(t *testing.T, data, jws []byte) {
		r, err := Verify(data, jws)
		if err != nil {
			if r != nil {
				t.Fatal("both a report and an error")
			}
			return
		}
		if !r.OK() {
			return
		}
		if r.Signer == nil || r.Document == nil {
			t.Fatalf("verified without a signer or data: %+v", r)
		}
		changed := bytes.Clone(data)
		changed[len(changed)-3] ^= 0x01 // in the last range a signature covers, or the JSON
		if again, err := Verify(changed, jws); err == nil && again.OK() {
			t.Fatal("verified again with a byte changed")
		}
	})
}

// TestCheckLog: a file stands in the log when a statement.issued entry
// names its SHA-256 and no later entry records a greater version of the
// same statement; another statement's correction is no concern of it.
func TestCheckLog(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	logged := func(idx int64, number string, version, supersedes int, hashes ...string) ledger.Logged {
		t.Helper()
		rec := &Record{Number: number, Version: version, Content: *complete(), IssuedAt: &at, KeepUntil: "2036-12-06"}
		for i, h := range hashes {
			rec.Renderings = append(rec.Renderings, Rendering{Kind: []string{RenderingPDF, RenderingJSON}[i], SHA256: h})
		}
		e, err := Entry(rec, supersedes)
		if err != nil {
			t.Fatal(err)
		}
		e.At = at.Add(time.Duration(idx) * time.Hour)
		return ledger.Logged{Index: idx, Entry: e}
	}
	other := ledger.Logged{Index: 0, Entry: &ledger.Entry{Kind: ledger.KindAdvisoryPublished, At: at, Subject: "advisory/A-1", Record: json.RawMessage(`{}`),
		Documents: []ledger.Document{{Name: "csaf", SHA256: "aa01"}}}}
	entries := []ledger.Logged{other, logged(1, "SOC-2026-0001", 1, 0, "aa01", "bb01"), logged(2, "SOC-2026-0002", 1, 0, "cc01")}

	r := CheckLog(entries, "AA01")
	if r.Problem() != "" || r.Issued.Index != 1 || r.Document != RenderingPDF || r.Number != "SOC-2026-0001" || r.Version != 1 {
		t.Fatalf("%+v %s", r, r.Problem())
	}
	if r := CheckLog(entries, "bb01"); r.Problem() != "" || r.Document != RenderingJSON {
		t.Fatalf("the JSON rendering: %+v", r)
	}
	if r := CheckLog(entries, "dd01"); r.Issued != nil || !strings.Contains(r.Problem(), "not in the log") {
		t.Fatalf("a file the log does not name: %+v", r)
	}
	// Another statement's correction, then this one's, twice.
	entries = append(entries, logged(3, "SOC-2026-0002", 2, 1, "cc02"))
	if r := CheckLog(entries, "aa01"); r.Problem() != "" {
		t.Fatalf("superseded by another statement's correction: %s", r.Problem())
	}
	entries = append(entries, logged(4, "SOC-2026-0001", 2, 1, "aa02"), logged(5, "SOC-2026-0001", 3, 2, "aa03"))
	r = CheckLog(entries, "aa01")
	if r.Superseded == nil || r.Superseded.Index != 5 || r.Latest != 3 || !strings.Contains(r.Problem(), "superseded by version 3 (log entry 5") {
		t.Fatalf("superseded: %+v %s", r, r.Problem())
	}
	// As of a checkpoint before the corrections, it stands.
	if r := CheckLog(entries[:4], "aa01"); r.Problem() != "" {
		t.Fatalf("as of an earlier checkpoint: %s", r.Problem())
	}
	if r := CheckLog(entries, "aa03"); r.Problem() != "" || r.Version != 3 {
		t.Fatalf("the latest version: %+v %s", r, r.Problem())
	}
}

// TestVerifyPDFEveryLayout: statements rendered every way psti renders
// them (the fast fonts, the Unicode fonts, many pages) verify once
// signed: the layout check lets through all that psti makes.
func TestVerifyPDFEveryLayout(t *testing.T) {
	key, err := SelfSigned("Acme Devices Ltd statements", "Acme Devices Ltd", keyNow, 365*24*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	unicode := complete()
	var letters []rune
	for _, span := range [][2]rune{{'α', 'ω'}, {'а', 'я'}, {'Ā', 'ſ'}} {
		for c := span[0]; c <= span[1]; c++ {
			letters = append(letters, c)
		}
	}
	unicode.Representatives = append(unicode.Representatives, Party{Name: "Αντιπρόσωπος ΑΕ", Address: string(letters)})
	long := complete()
	long.Batches = nil
	for i := range MaxBatches {
		long.Batches = append(long.Batches, fmt.Sprintf("Batch (%d) \\ [%d] <%d>", i, i, i))
	}
	for name, s := range map[string]*Statement{"complete": complete(), "unicode": unicode, "long": long} {
		doc, err := RenderPDF(s, testMeta())
		if err != nil {
			t.Fatal(err)
		}
		signed, err := SignPDF(doc, key, s.Signatory.Name, s.Place, keyNow.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		r, err := Verify(signed, nil)
		if err != nil || !r.OK() {
			t.Fatalf("%s: %v %+v", name, err, r)
		}
		if unicode := !bytes.Contains(signed, []byte("/Differences")); unicode != (name == "unicode") {
			t.Fatalf("%s: rendered with the Unicode fonts: %v", name, unicode)
		}
		if len(r.Document.Batches) != len(s.Batches) {
			t.Fatalf("%s: %d batches read", name, len(r.Document.Batches))
		}
	}
}

// minimalPDF lays out objects as a PDF with one cross-reference table,
// each object numbered from 1.
func minimalPDF(objects ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.3\n")
	offs := []int{}
	for i, o := range objects {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	at := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, at)
	return b.Bytes()
}

// TestCheckPDFShape: files on which the PDF reader would loop forever,
// overflow its stack or exhaust memory are refused before it reads them,
// quickly; a plain file laid out as psti lays them out passes.
func TestCheckPDFShape(t *testing.T) {
	if err := checkPDFShape(minimalPDF("<< /Type /Catalog /Kids [1 0 R 0 0 0] /S (a \\(b\\) \\101) /H <0aF> >>", "<< /Length 5 >>\nstream\nab)c[\nendstream")); err != nil {
		t.Fatalf("a plain PDF: %v", err)
	}
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	for name, doc := range map[string][]byte{
		"endobj in an array":        minimalPDF("[1 2 endobj"),
		"deep nesting":              minimalPDF(deep),
		"deep dictionaries":         minimalPDF(strings.Repeat("<< /A ", 50) + strings.Repeat(">> ", 50)),
		"object stream":             minimalPDF("<< /Type /ObjStm /N 9999999999 /First 1 /Length 0 >>\nstream\n\nendstream"),
		"indirect stream length":    minimalPDF("<< /Length 2 0 R >>\nstream\nabc\nendstream", "3"),
		"stream past the end":       minimalPDF("<< /Length 99999 >>\nstream\nabc\nendstream"),
		"no %%EOF":                  bytes.TrimSuffix(minimalPDF("1"), []byte("%%EOF\n")),
		"huge /Size":                bytes.Replace(minimalPDF("1"), []byte("/Size 2"), []byte("/Size 99999999999"), 1),
		"huge object number":        bytes.Replace(minimalPDF("1"), []byte("xref\n0 2"), []byte("xref\n999999999999 2"), 1),
		"entry not at its object":   bytes.Replace(minimalPDF("1", "2"), []byte("0000000009 00000 n"), []byte("0000000010 00000 n"), 1),
		"unclosed string":           minimalPDF("(abc"),
		"bad escape":                minimalPDF("(a\\qb)"),
		"stray keyword":             minimalPDF("<< /A stream >>"),
		"encrypted":                 bytes.Replace(minimalPDF("1"), []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Encrypt 1 0 R"), 1),
		"a /Prev in the only table": bytes.Replace(minimalPDF("1"), []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Prev 26"), 1),
		"something after the end":   append(minimalPDF("1"), "4 0 obj\n1\nendobj\n"...),
		"a header that is not PDF":  append([]byte("%PDF-9.9\n"), minimalPDF("1")[9:]...),
	} {
		start := time.Now()
		if err := checkPDFShape(doc); err == nil {
			t.Errorf("%s: passed", name)
		}
		r, err := Verify(doc, nil)
		if err != nil || r.OK() || time.Since(start) > time.Second {
			t.Errorf("%s: %v %+v in %s", name, err, r, time.Since(start))
		}
	}
}

// TestVerifyPDFCertificateExpiredSince: a statement signed while its
// certificate was valid still verifies once the certificate has ended,
// and the report says so plainly: ended since, signed while valid by the
// date the signature gives, a date that is the signer's own claim. A
// signature dated after the certificate ended does not verify.
func TestVerifyPDFCertificateExpiredSince(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	key, err := SelfSigned("Acme Devices Ltd statements", "Acme Devices Ltd", now.Add(-3*time.Hour), 2*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	// SelfSigned backdates the start by a minute, for clocks a little
	// behind.
	if c := key.Certificate(); !c.NotBefore.Equal(now.Add(-3*time.Hour-time.Minute)) || !c.NotAfter.Equal(now.Add(-time.Hour)) {
		t.Fatalf("certificate valid from %s to %s", c.NotBefore, c.NotAfter)
	}
	doc, err := RenderPDF(complete(), testMeta())
	if err != nil {
		t.Fatal(err)
	}
	signedAt := now.Add(-2 * time.Hour)
	out, err := SignPDF(doc, key, "Zoë Brontë", "London", signedAt)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Verify(out, nil)
	wantVerified(t, r, err, key)
	if !r.SignedAt.Equal(signedAt) {
		t.Errorf("signed at %s, the report says %s", signedAt, r.SignedAt)
	}
	note := r.CertificateNote(now)
	for _, must := range []string{"has since expired", "signature was made while it was valid", "signer's own claim", "transparency log"} {
		if !strings.Contains(note, must) {
			t.Errorf("the note does not say %q: %s", must, note)
		}
	}
	if note := r.CertificateNote(signedAt.Add(30 * time.Minute)); note != "" {
		t.Errorf("a note while the certificate was still valid: %s", note)
	}

	// Signed, against psti's own check, after the certificate ended.
	late, err := signPDF(doc, key, "Zoë Brontë", "London", now)
	if err != nil {
		t.Fatal(err)
	}
	r, err = Verify(late, nil)
	wantFailed(t, "a signature dated after its certificate ended", r, err, "when the certificate that made it was not valid")
}
