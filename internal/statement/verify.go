package statement

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/verify"
	"github.com/digitorus/pkcs7"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
)

// MaxFile bounds a statement file Verify reads: a PDF rendering is a few
// hundred kilobytes.
const MaxFile = 16 << 20

// maxJSON bounds the JSON rendering a PDF carries, once decompressed.
const maxJSON = 1 << 20

// ErrNotStatement is returned by Verify for input it cannot check at all:
// neither a PDF nor a JSON rendering, or a JSON rendering without its
// signature.
var ErrNotStatement = errors.New("statement: not a statement of compliance psti can check")

// Report is what Verify found about a statement's file. It verifies (OK)
// when the signature is valid over the whole file, and the statement's
// data is there and has every mandatory field. Whether the log holds the
// file is another check: CheckLog.
type Report struct {
	// Kind is RenderingPDF or RenderingJSON.
	Kind string
	// SHA256 is the SHA-256 of the file's exact bytes, in hex: the name
	// the transparency log gives the rendering.
	SHA256 string
	// Document is the statement's data: the JSON rendering itself, or the
	// one a PDF carries as statement.json. Nil when it cannot be read.
	Document *Document
	// Signer is the certificate of whoever signed the file (for JSON, the
	// certificate that certified the JSON key); nil when none is found.
	// Fingerprint is the SHA-256 of its DER, in hex.
	Signer      *x509.Certificate
	Fingerprint string
	// SignatureOK reports that the signature is valid and covers the
	// whole file, and was made, by the date it gives, while the signer's
	// certificate was valid. A certificate that has ended since does not
	// undo it (see Since).
	SignatureOK bool
	// SignedAt is the date a PDF's signature gives for itself (its /M,
	// else the CMS signing time): the signer's own claim, which the
	// transparency log's record of the issue confirms or not. Zero for
	// JSON, whose signature carries no date.
	SignedAt time.Time
	// Problems says, in plain words, what does not verify besides the
	// fields: the signature, the file's structure, its data.
	Problems []string
	// Fields are the mandatory fields missing or wrong (Validate), each
	// named.
	Fields []psti.FieldError
}

// OK reports whether the file verified.
func (r *Report) OK() bool {
	return r.SignatureOK && r.Document != nil && len(r.Problems) == 0 && len(r.Fields) == 0
}

func (r *Report) fail(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// Verify checks a statement of compliance offline, as an importer or
// distributor given one would: a signed PDF rendering (data beginning
// "%PDF-"), or a JSON rendering with its detached signature jws (ignored
// for a PDF). It checks that exactly one signature covers the whole file
// and is valid, names the signer's certificate, reads the statement's
// data (for a PDF, the statement.json it carries) and checks that every
// mandatory field is there (Validate). It trusts no certificate: who the
// signer is, the caller shows, by the certificate's fingerprint. It never
// uses the network, and is safe on files from anyone, up to MaxFile
// bytes: a PDF must be laid out as psti lays out a signed statement
// before a PDF reader sees it (checkPDFShape), so one changed by another
// program, even without changing what it shows, does not verify.
//
// An error (ErrNotStatement) means the input cannot be checked at all;
// otherwise the Report says what verified and what did not.
func Verify(data, jws []byte) (*Report, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: the file is empty", ErrNotStatement)
	}
	if len(data) > MaxFile {
		return nil, fmt.Errorf("%w: the file is larger than %d MB", ErrNotStatement, MaxFile>>20)
	}
	sum := sha256.Sum256(data)
	r := &Report{SHA256: hex.EncodeToString(sum[:])}
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		r.Kind = RenderingPDF
		verifyPDF(r, data)
	case bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{")):
		if len(bytes.TrimSpace(jws)) == 0 {
			return nil, fmt.Errorf("%w: a JSON statement is checked with its signature (the .jws file beside it)", ErrNotStatement)
		}
		r.Kind = RenderingJSON
		chain, err := VerifyJSON(data, string(jws))
		if err != nil {
			r.fail("the signature does not verify: %s", strings.TrimPrefix(err.Error(), "statement: "))
		} else {
			r.SignatureOK = true
			r.setSigner(chain[0])
		}
		r.readDocument(data)
	default:
		return nil, fmt.Errorf("%w: it is neither a PDF nor a JSON statement", ErrNotStatement)
	}
	return r, nil
}

func (r *Report) setSigner(c *x509.Certificate) {
	r.Signer = c
	sum := sha256.Sum256(c.Raw)
	r.Fingerprint = hex.EncodeToString(sum[:])
}

// readDocument reads the statement's data and checks its fields.
func (r *Report) readDocument(data []byte) {
	var d Document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		r.fail("the statement's data cannot be read: %v", err)
		return
	}
	if dec.More() {
		r.fail("the statement's data cannot be read: more follows the statement")
		return
	}
	if d.Format != JSONFormat {
		r.fail("the statement's data is not in a format this check reads (%q, not %q)", clipText(d.Format), JSONFormat)
		return
	}
	r.Document = &d
	if d.ID == "" {
		r.Fields = append(r.Fields, psti.FieldError{Field: "id", Message: "The statement's id is missing."})
	}
	if d.Version < 1 {
		r.Fields = append(r.Fields, psti.FieldError{Field: "version", Message: "The statement's version is missing: versions count from 1."})
	}
	r.Fields = append(r.Fields, psti.ErrorFields(d.Statement.Validate())...)
}

func clipText(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// verifyPDF checks a signed PDF rendering. The PDF reader panics on
// malformed input; a panic is a file that does not verify.
func verifyPDF(r *Report, data []byte) {
	defer func() {
		if p := recover(); p != nil {
			r.SignatureOK = false
			r.fail("the file is not a PDF that can be read: %v", p)
		}
	}()
	// The PDF reader is not safe on every malformed file: the file must
	// first be laid out as psti writes PDFs.
	if err := checkPDFShape(data); err != nil {
		r.fail("the file was changed, or not made by psti: %v", err)
		return
	}
	rdr, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		r.fail("the file is not a PDF that can be read: %v", err)
		return
	}
	sig, ok := onlySignature(r, rdr)
	if !ok {
		return
	}
	contents, signed, ok := signedRange(r, sig, data)
	if !ok {
		return
	}
	p7, err := pkcs7.Parse(contents)
	if err != nil {
		r.fail("the signature cannot be read: %v", err)
		return
	}
	if c := p7.GetOnlySigner(); c != nil {
		r.setSigner(c)
	}
	resp, err := verify.VerifyWithOptions(bytes.NewReader(data), int64(len(data)), &verify.VerifyOptions{
		AllowUntrustedRoots: true, // who the signer is, the fingerprint says
	})
	switch {
	case err != nil:
		r.fail("the signature cannot be checked: %v", err)
	case len(resp.Signers) != 1:
		r.fail("the signature cannot be checked")
	case r.Signer == nil:
		r.fail("the signature does not name its signer's certificate")
	case !resp.Signers[0].ValidSignature && !matchesApartFromTime(p7, signed):
		r.fail("the signature does not match: the file was changed after it was signed, or another key signed it")
	default:
		// The signature matches. Whether the certificate was valid
		// when it was made is judged by the date the signature gives
		// (/M, which SignPDF writes as the time of issue), not by the
		// time of checking: a certificate that has ended since does not
		// undo a signature made while it was valid.
		if t := resp.Signers[0].SignatureTime; t != nil {
			r.SignedAt = t.UTC()
		} else {
			var t time.Time
			if p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &t) == nil {
				r.SignedAt = t.UTC()
			}
		}
		c := r.Signer
		switch {
		case r.SignedAt.IsZero():
			r.fail("the signature gives no date, so whether its certificate was valid when it was made cannot be told")
		case r.SignedAt.Before(c.NotBefore) || r.SignedAt.After(c.NotAfter):
			r.fail("the signature is dated %s, when the certificate that made it was not valid (valid from %s to %s)",
				psti.LongDateTime(r.SignedAt), psti.LongDateTime(c.NotBefore), psti.LongDateTime(c.NotAfter))
		default:
			r.SignatureOK = true
		}
	}
	if r.SignatureOK {
		attached, ok := attachment(r, rdr)
		if ok {
			r.readDocument(attached)
		}
	}
}

// onlySignature finds the PDF's signature dictionary: there must be
// exactly one.
func onlySignature(r *Report, rdr *pdf.Reader) (pdf.Value, bool) {
	var sigs []pdf.Value
	seen := map[uint32]bool{}
	for _, x := range rdr.Xref() {
		v := rdr.Resolve(x.Ptr(), x.Ptr())
		if v.Kind() != pdf.Dict || v.Key("ByteRange").IsNull() && v.Key("Type").Name() != "Sig" && v.Key("Filter").Name() != "Adobe.PPKLite" {
			continue
		}
		if p := x.Ptr(); !seen[p.GetID()] {
			seen[p.GetID()] = true
			sigs = append(sigs, v)
		}
	}
	switch len(sigs) {
	case 0:
		r.fail("the PDF is not signed")
		return pdf.Value{}, false
	case 1:
		return sigs[0], true
	default:
		r.fail("the PDF holds %d signatures, not the one a statement carries: it was changed after it was signed", len(sigs))
		return pdf.Value{}, false
	}
}

// signedRange checks that the signature's /ByteRange covers the whole
// file but for its /Contents, which is all the hole holds, and returns
// the signature's bytes and the bytes it signs. Otherwise content appended after signing (an
// incremental update) would pass as signed.
func signedRange(r *Report, sig pdf.Value, data []byte) (contents, signed []byte, ok bool) {
	br := sig.Key("ByteRange")
	if br.Kind() != pdf.Array || br.Len() != 4 {
		r.fail("the signature does not say which bytes it covers")
		return nil, nil, false
	}
	var n [4]int64
	for i := range n {
		if br.Index(i).Kind() != pdf.Integer {
			r.fail("the signature does not say which bytes it covers")
			return nil, nil, false
		}
		n[i] = br.Index(i).Int64()
	}
	size := int64(len(data))
	a, b, c := n[1], n[2], n[3]
	if n[0] != 0 || a < 1 || b <= a+1 || c < 0 || b > size || c != size-b {
		r.fail("the signature does not cover the whole file: bytes were added or changed after it was signed")
		return nil, nil, false
	}
	hole := data[a:b]
	if hole[0] != '<' || hole[len(hole)-1] != '>' {
		r.fail("the signature does not cover the whole file: bytes were added or changed after it was signed")
		return nil, nil, false
	}
	digits := hole[1 : len(hole)-1]
	if len(digits)%2 != 0 {
		r.fail("the signature does not cover the whole file: bytes were added or changed after it was signed")
		return nil, nil, false
	}
	contents = make([]byte, len(digits)/2)
	if _, err := hex.Decode(contents, digits); err != nil {
		r.fail("the signature does not cover the whole file: bytes were added or changed after it was signed")
		return nil, nil, false
	}
	// After the signature's DER, the hole holds zeros alone.
	var der asn1.RawValue
	rest, err := asn1.Unmarshal(contents, &der)
	if err != nil {
		r.fail("the signature cannot be read: %v", err)
		return nil, nil, false
	}
	if len(bytes.Trim(rest, "\x00")) != 0 {
		r.fail("the signature is followed by other bytes: it was changed after it was signed")
		return nil, nil, false
	}
	if sig.Key("Contents").RawString() != string(contents) {
		r.fail("the signature read is not the one in the unsigned part of the file")
		return nil, nil, false
	}
	signed = append(bytes.Clone(data[:a]), data[b:]...)
	return contents, signed, true
}

// matchesApartFromTime reports whether p7 is a valid signature of signed
// by its certificate, whatever the time: the PKCS #7 check refuses a
// signature whose CMS signing time falls outside the certificate's
// validity, and psti's signer writes the time of its machine's clock
// there, which need not be the time of issue the signature is dated with
// (/M). Verify judges the certificate's validity by that date itself.
func matchesApartFromTime(p7 *pkcs7.PKCS7, signed []byte) bool {
	certs := make([]*x509.Certificate, len(p7.Certificates))
	for i, c := range p7.Certificates {
		open := *c
		open.NotBefore, open.NotAfter = time.Time{}, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
		certs[i] = &open
	}
	check := *p7
	check.Content, check.Certificates = signed, certs
	return check.Verify() == nil
}

// CertificateNote says, in plain words, that the certificate that signed
// a verified file has ended by now, and why the signature stands all the
// same; "" while it is valid, or for a file that did not verify.
func (r *Report) CertificateNote(now time.Time) string {
	if !r.SignatureOK || r.Signer == nil || !now.After(r.Signer.NotAfter) {
		return ""
	}
	end := psti.LongDateTime(r.Signer.NotAfter)
	if r.SignedAt.IsZero() {
		return fmt.Sprintf("The certificate that signed it has since expired (on %s). A JSON signature carries no date: "+
			"the transparency log's record of when the statement was issued shows whether it was signed before then.", end)
	}
	return fmt.Sprintf("The certificate that signed it has since expired (on %s), but the signature was made while it was valid: "+
		"it is dated %s. That date is the signer's own claim; the transparency log's record of when the statement was issued is the independent evidence.",
		end, psti.LongDateTime(r.SignedAt))
}

// attachment returns the statement.json a PDF rendering carries.
func attachment(r *Report, rdr *pdf.Reader) ([]byte, bool) {
	names := rdr.Trailer().Key("Root").Key("Names").Key("EmbeddedFiles").Key("Names")
	var found []pdf.Value
	for i := 1; i < names.Len(); i += 2 {
		spec := names.Index(i)
		name := spec.Key("UF").Text()
		if name == "" {
			name = spec.Key("F").Text()
		}
		if name == AttachmentName {
			found = append(found, spec.Key("EF").Key("F"))
		}
	}
	if len(found) != 1 {
		if len(found) == 0 {
			r.fail("the PDF does not carry the statement's data (%s): it was not made by psti, or by an older version", AttachmentName)
		} else {
			r.fail("the PDF carries %s %d times", AttachmentName, len(found))
		}
		return nil, false
	}
	f := found[0]
	// Only the plain or deflated stream psti writes: other filters and
	// parameters are where a reader of hostile files goes wrong.
	if f.Kind() != pdf.Stream || !f.Key("DecodeParms").IsNull() || (f.Key("Filter").Name() != "FlateDecode" && !f.Key("Filter").IsNull()) {
		r.fail("the statement's data (%s) is not stored as psti stores it", AttachmentName)
		return nil, false
	}
	rc := f.Reader()
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxJSON+1))
	if err != nil {
		r.fail("the statement's data (%s) cannot be read: %v", AttachmentName, err)
		return nil, false
	}
	if len(b) > maxJSON {
		r.fail("the statement's data (%s) is larger than any statement", AttachmentName)
		return nil, false
	}
	return b, true
}

// LogResult is where a statement's file stands in the transparency log,
// as CheckLog found it.
type LogResult struct {
	// Issued is the entry that issued the statement and names the file by
	// its SHA-256; nil when no entry does. Document is the rendering it
	// names the file as ("pdf", "json").
	Issued   *ledger.Logged
	Document string
	// Number and Version are the statement's, as the entry records them.
	Number  string
	Version int
	// Superseded is the entry of the latest later version of the same
	// statement, at Latest; nil when none.
	Superseded *ledger.Logged
	Latest     int
}

// Problem says why the file does not stand in the log, or "" when it is
// there and not superseded.
func (r *LogResult) Problem() string {
	switch {
	case r.Issued == nil:
		return "the statement is not in the log as of that checkpoint: no issued statement names this file"
	case r.Superseded != nil:
		return fmt.Sprintf("statement %s version %d is superseded by version %d (log entry %d, %s)",
			r.Number, r.Version, r.Latest, r.Superseded.Index, psti.LongDate(r.Superseded.Entry.At))
	}
	return ""
}

// logGrace is how long after the signing certificate's end the log may
// record a statement signed just before it: issuing signs first, then
// commits the statement and its log entry.
const logGrace = 10 * time.Minute

// CertificateLogged compares the time the log recorded the statement with
// the end of the certificate that signed it: the log's time is the
// independent evidence that a statement whose certificate has since ended
// was signed while it was valid. It returns what to tell the person ("",
// when the certificate is still valid at now and the log agrees), and
// false when the log recorded the statement after the certificate had
// ended: it was signed with an ended certificate, whatever date its
// signature gives.
func CertificateLogged(rep *Report, lr *LogResult, now time.Time) (string, bool) {
	if rep == nil || rep.Signer == nil || lr == nil || lr.Issued == nil || lr.Issued.Entry == nil {
		return "", true
	}
	logged, end := lr.Issued.Entry.At, rep.Signer.NotAfter
	switch {
	case logged.After(end.Add(logGrace)):
		return fmt.Sprintf("the log recorded this statement on %s, after the certificate that signed it ended on %s: "+
			"it was signed with an ended certificate, whatever date its signature gives", psti.LongDateTime(logged), psti.LongDateTime(end)), false
	case !now.After(end):
		return "", true
	case logged.After(end):
		return fmt.Sprintf("The log recorded it on %s, as the certificate that signed it ended (on %s).", psti.LongDateTime(logged), psti.LongDateTime(end)), true
	}
	return fmt.Sprintf("The log recorded it on %s, before the certificate that signed it ended on %s: it was signed while the certificate was valid.",
		psti.LongDateTime(logged), psti.LongDateTime(end)), true
}

// statementRecord is what a statement's log entry records (Entry).
type statementRecord struct {
	Number     string `json:"number"`
	Version    int    `json:"version"`
	Supersedes int    `json:"supersedes_version"`
}

// CheckLog looks for a statement's file, by the SHA-256 of its bytes (hex),
// in entries: the entries of a verified copy of the log, in order, up to
// the checkpoint it is checked against. The file stands when an entry of
// kind statement.issued names it among its documents, and no later entry
// about the same statement (subject statement/NUMBER) records a greater
// version.
func CheckLog(entries []ledger.Logged, sha256Hex string) *LogResult {
	r := &LogResult{}
	sha256Hex = strings.ToLower(sha256Hex)
	for i := range entries {
		l := &entries[i]
		e := l.Entry
		if e == nil || e.Kind != ledger.KindStatementIssued {
			continue
		}
		var rec statementRecord
		if json.Unmarshal(e.Record, &rec) != nil {
			continue
		}
		if r.Issued == nil {
			for _, d := range e.Documents {
				if d.SHA256 == sha256Hex {
					r.Issued, r.Document, r.Number, r.Version, r.Latest = l, d.Name, rec.Number, rec.Version, rec.Version
					break
				}
			}
			continue
		}
		if e.Subject == r.Issued.Entry.Subject && rec.Version > r.Latest {
			r.Superseded, r.Latest = l, rec.Version
		}
	}
	return r
}
