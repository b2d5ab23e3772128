package statement

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// pdfsig runs poppler's pdfsig on a PDF and returns its report (it exits
// non-zero on an invalid signature, which the report says).
func pdfsig(t *testing.T, doc []byte) string {
	t.Helper()
	out, _ := pdfTool(t, "pdfsig", doc, "PDF")
	return out
}

func signed(t testing.TB) []byte {
	t.Helper()
	doc, _ := signedBy(t, nil)
	return doc
}

// signedBy renders the complete statement and signs it with a new key;
// with attached, the PDF carries that as statement.json instead of the
// statement's JSON rendering.
func signedBy(t testing.TB, attached []byte) ([]byte, *Signer) {
	t.Helper()
	key, err := SelfSigned("Acme Devices Ltd statements", "Acme Devices Ltd", keyNow, 365*24*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	var doc []byte
	if attached == nil {
		doc, err = RenderPDF(complete(), testMeta())
	} else {
		doc, err = renderPDF(complete(), testMeta(), attached)
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := SignPDF(doc, key, "Zoë Brontë", "London", keyNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return out, key
}

// TestSignPDF: the signed statement is reported valid by pdfsig, still
// reads as the same text, and one changed byte of its content breaks the
// signature (PSTI-SOC-F7).
func TestSignPDF(t *testing.T) {
	doc := signed(t)
	rep := pdfsig(t, doc)
	if !strings.Contains(rep, "Signature Validation: Signature is Valid.") {
		t.Fatalf("pdfsig does not report the signature valid:\n%s", rep)
	}
	if !strings.Contains(rep, "Acme Devices Ltd statements") {
		t.Errorf("pdfsig does not name the signer:\n%s", rep)
	}
	if got := pdftotext(t, doc); !strings.Contains(got, "Zoë Brontë") || !strings.Contains(got, "Security updates until at least 31 March 2030") {
		t.Errorf("the signed PDF lost its text:\n%s", got)
	}
	// Change one byte of a page's text, inside the signed byte range.
	i := bytes.Index(doc, []byte("/Producer"))
	if i < 0 {
		t.Fatal("no /Producer in the PDF")
	}
	bad := bytes.Clone(doc)
	bad[i+len("/Producer (")] ^= 0x01
	if rep := pdfsig(t, bad); strings.Contains(rep, "Signature is Valid.") {
		t.Fatalf("pdfsig still reports a changed PDF valid:\n%s", rep)
	}
}

// TestSignPDFQPDFCheck: qpdf --check finds nothing wrong in the structure
// or the streams of a signed statement, and does find a signed statement
// whose last cross-reference offset (one byte of it) was changed: the
// file no longer leads a reader to its objects. (qpdf checks structure,
// not signatures: a changed byte of text passes its check, and is
// pdfsig's and Verify's to find.)
func TestSignPDFQPDFCheck(t *testing.T) {
	doc := signed(t)
	out, err := pdfTool(t, "qpdf", doc, "--check", "PDF")
	if err != nil || !strings.Contains(out, "No syntax or stream encoding errors found") {
		t.Fatalf("qpdf --check on a signed statement: %v\n%s", err, out)
	}
	i := bytes.LastIndex(doc, []byte("startxref\n"))
	if i < 0 {
		t.Fatal("no startxref in the signed PDF")
	}
	bad := bytes.Clone(doc)
	d := &bad[i+len("startxref\n")+1] // the second digit of the offset
	if *d == '0' {
		*d = '5'
	} else {
		*d = '0'
	}
	out, err = pdfTool(t, "qpdf", bad, "--check", "PDF")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 || !strings.Contains(out, "xref not found") {
		t.Fatalf("qpdf --check does not report a damaged cross-reference offset (%v):\n%s", err, out)
	}
}

// TestSignPDFRefusesExpiredKey: a key whose certificate has expired does
// not sign.
func TestSignPDFRefusesExpiredKey(t *testing.T) {
	key, err := SelfSigned("x", "Acme", keyNow, 24*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := RenderPDF(complete(), testMeta())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SignPDF(doc, key, "Zoë Brontë", "London", keyNow.Add(48*time.Hour)); err == nil {
		t.Fatal("an expired key signed")
	}
}

func BenchmarkRenderSignedPDF(b *testing.B) {
	key, err := SelfSigned("Acme Devices Ltd statements", "Acme Devices Ltd", keyNow, 365*24*time.Hour, nil)
	if err != nil {
		b.Fatal(err)
	}
	s, m := complete(), testMeta()
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			doc, err := RenderPDF(s, m)
			if err == nil {
				_, err = SignPDF(doc, key, s.Signatory.Name, s.Place, keyNow.Add(time.Hour))
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "docs/s")
}
