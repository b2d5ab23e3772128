package statement

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/psti/psti/internal/psti"
)

// PDFMeta is what a PDF rendering carries besides the statement itself.
type PDFMeta struct {
	// ID and Version identify the statement and its version.
	ID      string
	Version int
	// URL is the statement's public page, printed in full and as a QR
	// code.
	URL string
	// Created is the document's creation time, fixed by the caller so
	// that the same statement always renders to the same bytes.
	Created time.Time
}

// AttachmentName is the file a PDF rendering carries its statement's
// JSON rendering as (an embedded file).
const AttachmentName = "statement.json"

// Page layout, in millimetres, on A4 portrait.
const (
	pdfMargin = 20.0
	pdfLine   = 5.5 // line height of body text
	pdfQR     = 32.0
	fontBody  = 10.5
	fontHead  = 12.5
	fontTitle = 18.0
	pdfFamily = "go"
)

// RenderPDF renders the printable copy of a statement of compliance: an
// A4 document with every Schedule 4 field as text, the statement's id,
// a QR code to its public page in addition to the full text, and a
// visible signature block (PSTI-SOC-F1 to F8). A statement must accompany
// the product, so the printable copy is always complete on its own; it
// also carries the statement's JSON rendering as the embedded file
// statement.json (AttachmentName), so that a signed PDF can be checked
// field by field (Verify). The
// same statement and meta always give the same bytes. A statement that
// fails Validate is refused.
func RenderPDF(s *Statement, meta PDFMeta) ([]byte, error) {
	if err := renderable(s, meta, "PDF"); err != nil {
		return nil, err
	}
	if meta.Created.IsZero() {
		return nil, errors.New("statement: unable to render the PDF: the creation time must be fixed")
	}
	// The PDF carries the statement's data too: its JSON rendering,
	// attached as statement.json, so that Verify can check every field of
	// a PDF that is all an importer was given.
	data, err := RenderJSON(s, meta.ID, meta.Version, meta.URL)
	if err != nil {
		return nil, err
	}
	return renderPDF(s, meta, data)
}

// renderPDF renders a checked statement, carrying data as statement.json
// (tests give it other data).
func renderPDF(s *Statement, meta PDFMeta, data []byte) ([]byte, error) {
	// The QR code is drawn as filled squares rather than embedded as an
	// image: sharp at any size, and no PNG to encode and decode again for
	// every document.
	code, err := qrcode.New(meta.URL, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("statement: unable to make the QR code: %w", err)
	}
	qr := code.Bitmap() // with its quiet zone of 4 modules

	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	created := meta.Created.UTC()
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(false)
	pdf.SetProducer("psti", false)
	pdf.SetCreator("psti", false)
	pdf.SetLang("en-GB")
	pdf.SetTitle(s.Title()+": "+s.ProductType+" "+s.Model, true)
	pdf.SetAuthor(s.Manufacturers[0].Name, true)
	pdf.SetSubject(s.Title()+" "+meta.ID+", version "+strconv.Itoa(meta.Version), true)
	pdf.SetAttachments([]fpdf.Attachment{{Content: data, Filename: AttachmentName, Description: "The statement's data (JSON)"}})
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfMargin+5)
	enc := fontsFor(pdf, s, meta)
	pdf.AliasNbPages("{nb}")
	footer := enc(fmt.Sprintf("%s %s, version %d", s.Title(), meta.ID, meta.Version))
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pdfMargin)
		pdf.SetFont(pdfFamily, "", 8.5)
		pdf.SetTextColor(80, 80, 80)
		pdf.CellFormat(0, 5, footer, "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, enc(fmt.Sprintf("Page %d of {nb}", pdf.PageNo())), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	r := &pdfWriter{pdf: pdf, enc: enc}

	// Title, id and version.
	pdf.SetFont(pdfFamily, "B", fontTitle)
	pdf.MultiCell(0, 9, enc(s.Title()), "", "L", false)
	r.text(fmt.Sprintf("Statement %s, version %d", meta.ID, meta.Version))
	r.text(s.MadeUnder())

	// PSTI-SOC-F1: the product and the batches it covers.
	r.heading("Product")
	r.field("Product type", s.ProductType)
	r.field("Model", s.Model)
	r.label("Batches covered")
	for _, b := range s.Batches {
		r.bullet(b)
	}

	// PSTI-SOC-F2: every manufacturer and authorised representative.
	title := "Manufacturer"
	if len(s.Manufacturers) > 1 {
		title = "Manufacturers"
	}
	r.heading(title)
	for _, m := range s.Manufacturers {
		r.party(m)
	}
	if len(s.Representatives) > 0 {
		title = "Authorised representative"
		if len(s.Representatives) > 1 {
			title = "Authorised representatives"
		}
		r.heading(title)
		for _, m := range s.Representatives {
			r.party(m)
		}
	}

	// PSTI-SOC-F3, F4: the declaration; or, on the label route, the
	// label that stands in for the statement (Schedule 2A).
	r.heading("Declaration")
	if s.Label != nil {
		r.text(s.LabelDeclaration())
		r.heading("Accepted label")
		r.text(s.Label.Text())
	} else {
		r.text(s.Declaration())
	}

	// PSTI-SOC-F4, F5: how each Schedule 1 requirement is met.
	if s.Label == nil {
		r.heading("Security requirements")
		for _, par := range Paragraphs {
			r.label(par.Title)
			text, standards := ClaimText(s.claim(par.Number))
			r.text(text)
			for _, line := range standards {
				r.bullet(line)
			}
		}
	}

	// PSTI-SOC-F6: the defined support period, never shortened (PSTI-DSP-05).
	if end, err := psti.ParseDate(s.SupportEnd); err == nil {
		r.heading("Defined support period")
		r.text("Security updates until at least " + psti.LongDate(end) + ".")
	}

	// PSTI-SOC-F8: place and date of issue.
	issued, _ := psti.ParseDate(s.Issued)
	r.heading("Place and date of issue")
	r.text(strings.TrimPrefix(s.Place+", "+psti.LongDate(issued), ", "))

	// PSTI-SOC-F7: the signatory, with room for a handwritten signature.
	if s.Signatory.Name != "" {
		r.signature(s.Signatory)
	}

	// The public page, as a QR code beside its address in full.
	r.publicPage(qr, meta.URL)

	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("statement: unable to render the PDF: %w", err)
	}
	return out.Bytes(), nil
}

// fontsFor embeds the Go fonts (regular and bold), which cover Latin,
// Latin Extended, Greek and Cyrillic, so that any name or address prints,
// and returns how to encode text for them: the fast simple fonts when the
// document's characters fit (pdffont.go), otherwise fpdf's Unicode fonts.
func fontsFor(pdf *fpdf.Fpdf, s *Statement, meta PDFMeta) func(string) string {
	loadSimpleFonts()
	if simpleErr == nil {
		texts := []string{s.ProductType, s.Model, s.Place, s.Signatory.Name, s.Signatory.Function, meta.ID, meta.URL, "•"}
		if s.Label != nil {
			texts = append(texts, s.Label.Text(), s.LabelDeclaration())
		}
		texts = append(texts, s.Batches...)
		for _, ps := range [][]Party{s.Manufacturers, s.Representatives} {
			for _, p := range ps {
				texts = append(texts, p.Name, p.Address)
			}
		}
		for _, c := range s.Claims {
			for _, st := range c.Standards {
				texts = append(texts, st.Number, st.Version, st.Provisions)
			}
		}
		if e, ok := newEncoding(texts); ok && e.add(pdf, pdfFamily) == nil {
			return e.text
		}
	}
	pdf.AddUTF8FontFromBytes(pdfFamily, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(pdfFamily, "B", gobold.TTF)
	return func(s string) string { return s }
}

// claim is the declaration for Schedule 1 paragraph n (Validate has
// checked that there is exactly one).
func (s *Statement) claim(n int) Claim {
	for _, c := range s.Claims {
		if c.Paragraph == n {
			return c
		}
	}
	return Claim{}
}

// issuedText writes a standard's date of issue: "June 2020" or "1 June
// 2020".
func issuedText(s string) string {
	if t, err := time.Parse("2006-01", s); err == nil && len(s) == 7 {
		return t.Format("January 2006")
	}
	return psti.DateText(s)
}

// pdfWriter lays out blocks of text that wrap and flow onto further pages.
type pdfWriter struct {
	pdf *fpdf.Fpdf
	enc func(string) string
}

// room starts a new page unless h millimetres are left above the bottom
// margin, so that a block is not split from its heading.
func (r *pdfWriter) room(h float64) {
	_, pageH := r.pdf.GetPageSize()
	_, _, _, bottom := r.pdf.GetMargins()
	if r.pdf.GetY()+h > pageH-bottom {
		r.pdf.AddPage()
	}
}

func (r *pdfWriter) heading(s string) {
	r.room(8 + 3*pdfLine)
	r.pdf.Ln(4)
	r.pdf.SetFont(pdfFamily, "B", fontHead)
	r.pdf.MultiCell(0, 7, r.enc(s), "", "L", false)
	r.pdf.Ln(1)
}

func (r *pdfWriter) label(s string) {
	r.room(2 * pdfLine)
	r.pdf.SetFont(pdfFamily, "B", fontBody)
	r.pdf.MultiCell(0, pdfLine, r.enc(s), "", "L", false)
}

func (r *pdfWriter) text(s string) {
	r.pdf.SetFont(pdfFamily, "", fontBody)
	r.pdf.MultiCell(0, pdfLine, r.enc(s), "", "L", false)
}

func (r *pdfWriter) field(name, value string) {
	r.label(name)
	r.text(value)
}

func (r *pdfWriter) bullet(s string) {
	r.pdf.SetFont(pdfFamily, "", fontBody)
	x := r.pdf.GetX()
	r.pdf.CellFormat(5, pdfLine, r.enc("•"), "", 0, "L", false, 0, "")
	r.pdf.MultiCell(0, pdfLine, r.enc(s), "", "L", false)
	r.pdf.SetX(x)
}

func (r *pdfWriter) party(p Party) {
	r.label(p.Name)
	r.text(strings.TrimSpace(p.Address))
	r.pdf.Ln(2)
}

// signature draws the signature block: the signatory's name and function,
// a line for a handwritten signature, and a note that the document is
// signed digitally (PSTI-SOC-F7).
func (r *pdfWriter) signature(sg Signatory) {
	r.room(8 + 7*pdfLine + 14)
	r.heading("Signature")
	r.field("Signed by", sg.Name)
	r.field("Function", sg.Function)
	r.pdf.Ln(12)
	x, y := r.pdf.GetX(), r.pdf.GetY()
	r.pdf.SetDrawColor(0, 0, 0)
	r.pdf.SetLineWidth(0.3)
	r.pdf.Line(x, y, x+80, y)
	r.pdf.Ln(1)
	r.pdf.SetFont(pdfFamily, "", 8.5)
	r.pdf.MultiCell(0, 4.5, r.enc("Handwritten signature, where printed and signed by hand"), "", "L", false)
	r.pdf.Ln(2)
	r.text("Signed digitally: the PDF file of this statement carries the digital signature made for the manufacturer.")
}

// publicPage places the QR code with the public address printed in full
// beside it: the QR code is in addition to the text, never instead of it.
func (r *pdfWriter) publicPage(qr [][]bool, url string) {
	r.room(8 + pdfQR + 4)
	r.heading("Public page")
	pdf := r.pdf
	x, y := pdf.GetX(), pdf.GetY()
	drawQR(pdf, qr, x, y, pdfQR)
	left, _, right, _ := pdf.GetMargins()
	pageW, _ := pdf.GetPageSize()
	pdf.SetXY(x+pdfQR+5, y+2)
	w := pageW - right - (x + pdfQR + 5)
	pdf.SetFont(pdfFamily, "", fontBody)
	pdf.MultiCell(w, pdfLine, r.enc("This statement, and any later version of it, is published at:"), "", "L", false)
	pdf.SetX(x + pdfQR + 5)
	pdf.MultiCell(w, pdfLine, r.enc(url), "", "L", false)
	if pdf.GetY() < y+pdfQR {
		pdf.SetY(y + pdfQR)
	}
	pdf.SetX(left)
}

// drawQR draws a QR code's modules (true for dark) as one filled path
// of black rectangles, a run of dark modules in a row each, in a square
// of side size millimetres whose top left corner is at x, y. One path
// filled at once leaves no seams between neighbouring modules.
func drawQR(pdf *fpdf.Fpdf, modules [][]bool, x, y, size float64) {
	if len(modules) == 0 {
		return
	}
	k := pdf.GetConversionRatio()
	_, pageH := pdf.GetPageSize()
	m := size / float64(len(modules)) * k // a module's side, in points
	left, top := x*k, (pageH-y)*k
	var b strings.Builder
	// Module coordinates: one unit a module, from the top left, rows
	// going down.
	fmt.Fprintf(&b, "q 0 g %.4f 0 0 %.4f %.3f %.3f cm\n", m, -m, left, top)
	for row, line := range modules {
		for col := 0; col < len(line); {
			if !line[col] {
				col++
				continue
			}
			end := col
			for end < len(line) && line[end] {
				end++
			}
			fmt.Fprintf(&b, "%d %d %d 1 re\n", col, row, end-col)
			col = end
		}
	}
	b.WriteString("f Q")
	pdf.RawWriteStr(b.String())
}
