package cases

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/psti/psti/internal/psti"
)

// PDF layout, in millimetres, on A4 portrait: the evidence pack's index
// and the printable statements use the same margins and the Go fonts,
// which print any Latin, Greek or Cyrillic name and the typographic
// quotes, dashes and currency signs staff type.
const (
	pdfMargin = 20.0
	pdfLine   = 4.8
	pdfFamily = "go"
	pdfBody   = 9.5
	pdfHead   = 13.0
	pdfSub    = 10.5
	pdfTitle  = 18.0
)

// RenderPDF renders a case file as an A4 PDF with the same content as
// RenderHTML. The file's GeneratedAt dates the document, so the same file
// gives the same text.
func RenderPDF(f *File) ([]byte, error) {
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	created := f.GeneratedAt.UTC()
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)
	pdf.SetProducer("psti", false)
	pdf.SetCreator("psti", false)
	pdf.SetLang("en-GB")
	pdf.SetTitle(f.Title+": "+f.Case.Title, true)
	pdf.SetAuthor(f.Organisation.LegalName, true)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfMargin+5)
	pdf.AddUTF8FontFromBytes(pdfFamily, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(pdfFamily, "B", gobold.TTF)
	pdf.AliasNbPages("{nb}")
	footer := f.Title + ", " + f.Organisation.LegalName + ", made " + fileDateTime(f.GeneratedAt)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pdfMargin)
		pdf.SetFont(pdfFamily, "", 8)
		pdf.SetTextColor(80, 80, 80)
		pdf.CellFormat(0, 5, footer, "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, fmt.Sprintf("Page %d of {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	w := &fileWriter{pdf: pdf}

	pdf.SetFont(pdfFamily, "B", pdfTitle)
	pdf.MultiCell(0, 9, f.Title, "", "L", false)
	w.text(f.Case.Title)
	w.text(f.Organisation.LegalName)
	w.text("Made on " + fileDateTime(f.GeneratedAt))

	w.heading("What this file is")
	for _, p := range f.About {
		w.text(p)
		pdf.Ln(1.5)
	}

	w.heading("The business")
	w.rows([][2]string{{"Legal name", f.Organisation.LegalName}, {"Address", f.Organisation.Address}})

	c := f.Case
	w.heading("The case")
	closed := "Not closed"
	if c.ClosedAt != nil {
		closed = fileDateTime(*c.ClosedAt)
	}
	w.rows([][2]string{
		{"Case", strconv.FormatInt(c.ID, 10)},
		{"Title", c.Title},
		{"Requirement concerned", requirementText(c)},
		{"Where it came from", sourceLine(c)},
		{"Status", stateClosed(c.Status)},
		{"Opened", fileDateTime(c.OpenedAt) + ", by " + c.OpenedBy},
		{"Closed", closed},
		{"Duty rules version", c.RulesVersion},
	})
	if r := f.Report; r != nil {
		w.subheading("The security report it was opened from")
		w.rows([][2]string{{"Report", strconv.FormatInt(r.ID, 10)}, {"Received", fileDateTime(r.ReceivedAt)}, {"Summary", r.Summary}})
		w.text("Who reported it, and anything they wrote or sent beyond the summary, is not in this file.")
	}
	w.subheading("Facts, as they now stand")
	if len(c.Facts) == 0 {
		w.text("No facts recorded.")
	} else {
		var rows [][]string
		for _, x := range c.Facts {
			rows = append(rows, []string{x.Label, x.Value})
		}
		w.table([]string{"Fact", "As recorded"}, []float64{0.5, 0.5}, rows)
	}
	w.subheading("What is known of the failure")
	w.rows([][2]string{
		{"Details of the failure", orText(c.Details, "Not recorded.")},
		{"Risks known", orText(c.Risks, "Not recorded.")},
		{"Steps taken", orText(c.Steps, "Not recorded.")},
		{"Whether the steps worked", orText(c.StepsWorked, "Not recorded.")},
	})

	w.heading("Products and batches")
	for _, p := range f.Products {
		t := p.Text
		if p.Type != "" {
			t += ", " + p.Type
		}
		w.bullet(t)
	}

	w.heading("Duties")
	if len(f.Duties) == 0 {
		w.text("No duties listed.")
	}
	for _, d := range f.Duties {
		w.subheading(fmt.Sprintf("%s (%s)", capFirst(d.DutyText), d.Section))
		rows := [][2]string{{"State", d.StateText}, {"Timing the Act sets", capFirst(d.TimingText)}}
		if d.To != "" {
			rows = append(rows, [2]string{"To", d.To})
		}
		rows = append(rows, [2]string{"Listed", fileDateTime(d.ListedAt)})
		if d.FirmAt != nil {
			rows = append(rows, [2]string{"Firm from", fileDateTime(*d.FirmAt)})
		}
		if d.TargetAt != nil {
			rows = append(rows, [2]string{"The business's own target", psti.Deadline(*d.TargetAt)})
		}
		if d.DoneAt != nil {
			rows = append(rows, [2]string{"Done", fileDateTime(*d.DoneAt)})
		}
		if d.DoneBy != "" {
			rows = append(rows, [2]string{"Done by", d.DoneBy})
		}
		if d.Note != "" {
			rows = append(rows, [2]string{"Note", d.Note})
		}
		if d.Why != "" {
			rows = append(rows, [2]string{"Why not required", d.Why})
		}
		w.rows(rows)
	}

	w.heading("Timeline")
	w.text("Every change to the case, oldest first. Times are UK time.")
	var tl [][]string
	for _, e := range f.Timeline {
		tl = append(tl, []string{fileDateTime(e.At) + "\n" + e.Actor, e.Text})
	}
	w.table([]string{"When, and who", "What"}, []float64{0.32, 0.68}, tl)

	w.heading("Notices sent")
	if len(f.Notices) == 0 {
		w.text("No notice has been sent.")
	} else {
		w.text("Each notice exactly as it was sent. Drafts that were never sent are not included.")
	}
	for _, n := range f.Notices {
		w.subheading(fmt.Sprintf("Notice %d: %s", n.ID, n.Subject))
		w.rows([][2]string{{"For the duty", n.DutyText}, {"To", n.ToName}, {"How", n.HowText}, {"Sent", fileDateTime(n.SentAt) + ", by " + n.SentBy}})
		w.label("The notice as sent")
		w.boxed(n.Body)
	}

	w.heading("Holds on supply")
	if len(f.Holds) == 0 {
		w.text("No hold has been placed on supply.")
	} else {
		var rows [][]string
		for _, h := range f.Holds {
			lifted := "Not lifted"
			if h.LiftedAt != nil {
				lifted = fileDateTime(*h.LiftedAt)
			}
			if h.LiftedBy != "" {
				lifted += ", by " + h.LiftedBy
			}
			if h.LiftReason != "" {
				lifted += ": " + h.LiftReason
			}
			rows = append(rows, []string{h.Products, fileDateTime(h.PlacedAt) + ", by " + h.PlacedBy, h.Reason, lifted})
		}
		w.table([]string{"Product", "Placed", "Reason", "Lifted"}, []float64{0.25, 0.22, 0.28, 0.25}, rows)
	}

	w.heading("Records")
	if len(f.Records) == 0 {
		w.text("No record has been made: records are made when the case closes.")
	} else {
		w.text("Every version of every record, oldest first. A record is never changed: a correction is a new version naming the one it corrects.")
	}
	for _, r := range f.Records {
		w.subheading(fmt.Sprintf("Record %d: %s, version %d", r.ID, r.KindText, r.Version))
		rows := [][2]string{{"Kept under", r.Section}}
		if r.Corrects != 0 {
			rows = append(rows, [2]string{"Corrects", fmt.Sprintf("Record %d", r.Corrects)}, [2]string{"What the correction changes", r.Why})
		}
		if r.CorrectedBy != 0 {
			rows = append(rows, [2]string{"Corrected by", fmt.Sprintf("Record %d", r.CorrectedBy)})
		}
		rows = append(rows, [2]string{"Products", r.Products})
		add := func(label, v string) {
			if v != "" {
				rows = append(rows, [2]string{label, v})
			}
		}
		add("Outcome", r.Outcome)
		rows = append(rows, [2]string{"Failure found", yesNo(r.FailureFound)})
		add("Details of the failure", r.FailureDetails)
		add("Remedial steps", r.RemedialSteps)
		add("Whether they succeeded", r.SucceededText)
		add("Facts only the manufacturer holds", r.MissingFacts)
		add("Steps taken to get them", r.StepsToObtain)
		add("Kept jointly with", r.JointWith)
		rows = append(rows, [2]string{"Made", fileDateTime(r.MadeAt) + ", by " + r.MadeBy}, [2]string{"Kept until at least", psti.DateText(r.KeepUntil)})
		w.rows(rows)
	}

	w.heading("Notices from the enforcement authority")
	if len(f.AuthorityNotices) == 0 {
		w.text("No notice from the enforcement authority has been recorded for this case.")
	}
	for _, n := range f.AuthorityNotices {
		t := n.KindText
		if n.Reference != "" {
			t += ", reference " + n.Reference
		}
		w.subheading(t)
		sent := "Given"
		if n.Electronic {
			sent = "Sent electronically"
		}
		rows := [][2]string{{sent, fileDateTime(n.SentAt)}, {"Counts as given", fileDateTime(n.GivenAt)}}
		if n.ActBy != "" {
			rows = append(rows, [2]string{"Date the notice sets", psti.DateText(n.ActBy)})
		}
		if n.Note != "" {
			rows = append(rows, [2]string{"Note", n.Note})
		}
		rows = append(rows, [2]string{"Recorded", fileDateTime(n.RecordedAt) + ", by " + n.RecordedBy})
		w.rows(rows)
		if len(n.Deadlines) > 0 {
			var dl [][]string
			for _, d := range n.Deadlines {
				dl = append(dl, []string{d.Name + " (" + d.Section + ")", psti.Deadline(d.Due), d.Text})
			}
			w.table([]string{"Period", "Ends", "What it means"}, []float64{0.22, 0.25, 0.53}, dl)
		}
	}

	w.heading("Statements of compliance")
	switch {
	case len(f.Statements) > 0:
		var rows [][]string
		for _, st := range f.Statements {
			name := fmt.Sprintf("%s, version %d", st.Number, st.Version)
			if st.SupersededBy != nil {
				name += " (since corrected)"
			}
			rows = append(rows, []string{name, psti.DateText(st.Issued), orText(st.PDFSHA256, "No PDF kept")})
		}
		w.table([]string{"Statement", "Date of issue", "SHA-256 of the PDF kept"}, []float64{0.3, 0.2, 0.5}, rows)
	case f.StatementsNote != "":
		w.text(f.StatementsNote)
	default:
		w.text("No statement of compliance has been issued for these products.")
	}

	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, fmt.Errorf("cases: unable to write the case file as PDF: %w", err)
	}
	return out.Bytes(), nil
}

// fileWriter lays out a case file: headings kept with what follows, and
// tables whose rows break across pages line by line, so that no text,
// however long, is cut off.
type fileWriter struct {
	pdf *fpdf.Fpdf
}

// room starts a new page unless h millimetres are left.
func (w *fileWriter) room(h float64) {
	_, pageH := w.pdf.GetPageSize()
	_, _, _, bottom := w.pdf.GetMargins()
	if w.pdf.GetY()+h > pageH-bottom-5 {
		w.pdf.AddPage()
	}
}

func (w *fileWriter) width() float64 {
	pageW, _ := w.pdf.GetPageSize()
	left, _, right, _ := w.pdf.GetMargins()
	return pageW - left - right
}

func (w *fileWriter) heading(s string) {
	w.room(10 + 4*pdfLine)
	w.pdf.Ln(5)
	x, y := w.pdf.GetX(), w.pdf.GetY()
	w.pdf.SetDrawColor(0, 0, 0)
	w.pdf.SetLineWidth(0.5)
	w.pdf.Line(x, y, x+w.width(), y)
	w.pdf.Ln(2)
	w.pdf.SetFont(pdfFamily, "B", pdfHead)
	w.pdf.MultiCell(0, 6.5, s, "", "L", false)
	w.pdf.Ln(1)
}

func (w *fileWriter) subheading(s string) {
	w.room(8 + 3*pdfLine)
	w.pdf.Ln(2.5)
	w.pdf.SetFont(pdfFamily, "B", pdfSub)
	w.pdf.MultiCell(0, 5.5, s, "", "L", false)
	w.pdf.Ln(0.5)
}

func (w *fileWriter) label(s string) {
	w.room(2 * pdfLine)
	w.pdf.SetFont(pdfFamily, "B", pdfBody)
	w.pdf.MultiCell(0, pdfLine, s, "", "L", false)
}

func (w *fileWriter) text(s string) {
	w.pdf.SetFont(pdfFamily, "", pdfBody)
	w.pdf.MultiCell(0, pdfLine, s, "", "L", false)
}

func (w *fileWriter) bullet(s string) {
	w.pdf.SetFont(pdfFamily, "", pdfBody)
	x := w.pdf.GetX()
	w.pdf.CellFormat(5, pdfLine, "•", "", 0, "L", false, 0, "")
	w.pdf.MultiCell(0, pdfLine, s, "", "L", false)
	w.pdf.SetX(x)
}

// boxed writes text as it is, line for line, with a rule on its left.
func (w *fileWriter) boxed(s string) {
	pdf := w.pdf
	pdf.SetFont(pdfFamily, "", pdfBody)
	left := pdf.GetX()
	inner := w.width() - 4
	var lines []string
	for _, para := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if para == "" {
			lines = append(lines, "")
			continue
		}
		lines = append(lines, pdf.SplitText(para, inner)...)
	}
	pdf.SetDrawColor(120, 120, 120)
	pdf.SetLineWidth(0.6)
	for _, l := range lines {
		w.room(pdfLine)
		y := pdf.GetY()
		pdf.Line(left, y, left, y+pdfLine)
		pdf.SetX(left + 4)
		pdf.CellFormat(inner, pdfLine, l, "", 1, "L", false, 0, "")
		pdf.SetX(left)
	}
	pdf.Ln(2)
}

// rows writes label and value pairs: a table of two columns, the label
// bold.
func (w *fileWriter) rows(rows [][2]string) {
	var rs [][]string
	for _, r := range rows {
		rs = append(rs, []string{r[0], r[1]})
	}
	w.grid(nil, []float64{0.3, 0.7}, rs, true)
}

// table writes a table with a header row.
func (w *fileWriter) table(head []string, frac []float64, rows [][]string) {
	w.grid(head, frac, rows, false)
}

// grid writes rows of cells in columns whose widths are the fractions
// frac of the text width, with a rule between rows; the first column is
// bold when boldFirst. Each row is written a line at a time, so a row
// longer than a page goes on over the next.
func (w *fileWriter) grid(head []string, frac []float64, rows [][]string, boldFirst bool) {
	pdf := w.pdf
	total := w.width()
	left := pdf.GetX()
	widths := make([]float64, len(frac))
	for i, f := range frac {
		widths[i] = total * f
	}
	const pad = 1.5
	split := func(row []string, bold bool) [][]string {
		cells := make([][]string, len(row))
		for i, s := range row {
			style := ""
			if bold || boldFirst && i == 0 {
				style = "B"
			}
			pdf.SetFont(pdfFamily, style, pdfBody)
			for _, para := range strings.Split(strings.TrimSpace(s), "\n") {
				if strings.TrimSpace(para) == "" {
					cells[i] = append(cells[i], "")
					continue
				}
				cells[i] = append(cells[i], pdf.SplitText(para, widths[i]-2*pad)...)
			}
		}
		return cells
	}
	rule := func() {
		y := pdf.GetY()
		pdf.SetDrawColor(177, 180, 182)
		pdf.SetLineWidth(0.2)
		pdf.Line(left, y, left+total, y)
	}
	write := func(cells [][]string, bold bool) {
		n := 0
		for _, c := range cells {
			n = max(n, len(c))
		}
		// Keep a short row whole; a long one starts where it is.
		w.room(min(float64(n), 4)*pdfLine + 1)
		rule()
		pdf.Ln(0.8)
		for line := 0; line < n; line++ {
			w.room(pdfLine)
			x := left
			for i, c := range cells {
				style := ""
				if bold || boldFirst && i == 0 {
					style = "B"
				}
				pdf.SetFont(pdfFamily, style, pdfBody)
				pdf.SetX(x + pad)
				t := ""
				if line < len(c) {
					t = c[line]
				}
				pdf.CellFormat(widths[i]-2*pad, pdfLine, t, "", 0, "L", false, 0, "")
				x += widths[i]
			}
			pdf.Ln(pdfLine)
			pdf.SetX(left)
		}
		pdf.Ln(0.8)
	}
	if head != nil {
		write(split(head, true), true)
	}
	for _, r := range rows {
		write(split(r, false), false)
	}
	rule()
	pdf.Ln(2)
}
