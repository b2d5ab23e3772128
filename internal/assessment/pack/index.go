package pack

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/psti/psti/internal/psti"
)

func longDate(t time.Time) string {
	if t.IsZero() {
		return "an unrecorded date"
	}
	return psti.LongDate(t)
}

func longDateTime(t time.Time) string {
	if t.IsZero() {
		return "an unrecorded time"
	}
	return psti.LongDateTime(t)
}

// section is one group of the index with its files.
type section struct {
	Title string
	Note  string // said when the group has no file, or about all of them
	Items []item
}

// intro is what the index says first, a paragraph each.
func intro(in *Input) []string {
	p := in.Product
	makers := strings.Join(p.Manufacturers, ", ")
	if makers == "" {
		makers = "no manufacturer recorded"
	}
	return []string{
		fmt.Sprintf("This pack holds the records kept about one product, %s %s (model %s, brand %s; manufacturer: %s), under the product security regime for consumer connectable products (Product Security and Telecommunications Infrastructure Act 2022, Part 1, and the Product Security and Telecommunications Infrastructure (Security Requirements for Relevant Connectable Products) Regulations 2023).",
			p.Name, p.Type, p.ModelNumber, p.Brand, makers),
		fmt.Sprintf("It was made on %s, from the records as they stood then. Each file is listed below: what it is, what it shows, and how to check it.", longDate(in.AsOf)),
		"How to check the pack: manifest.json lists every file with its SHA-256 fingerprint and size. The command psti verify pack PACK.zip --key KEYFILE checks every fingerprint, that no file is missing or added, the signature on the transparency log's checkpoint, that every log entry in the pack is in the log that checkpoint signs, and the signature on every statement of compliance. KEYFILE is the manufacturer's log key, obtained from them through a channel you trust (their website's /log/key). Without --key, the key inside the pack is used; that shows only that the pack holds together, not that it comes from the manufacturer.",
		"What the transparency log proves: the manufacturer records every public commitment (support periods, statements of compliance, the disclosure policy) in an append-only log whose state is signed. An entry proven in a signed checkpoint cannot later be changed or removed without the log's later checkpoints disagreeing with that one.",
		"What it does not prove: manifest.json itself is not signed, so its fingerprints show only that a file was not damaged since it was listed. The statements of compliance, the disclosure policy and the support history are proven against the signed log; the other files (the scope decision, the assessment and its evidence files, the password audit reports, the record of report handling) are the manufacturer's own records as they gave them, and nothing in the pack proves they were not changed, nor that none was left out. Whether a logged record was left out can be checked against the manufacturer's whole log: psti verify pack PACK.zip --key KEYFILE --log https://THEIR-SITE/log checks that every entry about the product up to the pack's checkpoint (support periods, statements of compliance, the latest disclosure policy) is in the pack.",
		"The pack holds no personal data of anyone who reported a security issue: the record of report handling gives counts and dates only. Password audit reports hold no password.",
	}
}

func sections(in *Input, all []item) []section {
	by := map[string][]item{}
	for _, it := range all {
		by[it.group] = append(by[it.group], it)
	}
	var out []section
	for _, g := range groups {
		s := section{Title: g, Items: by[g]}
		switch g {
		case groupScope:
			if in.Scope == nil {
				s.Note = "No scope decision recorded: no decision on whether the product is within the regime has been recorded for it."
			} else if !in.Scope.RecordedAt.IsZero() {
				s.Note = "Recorded on " + longDateTime(in.Scope.RecordedAt) + "."
			}
		case groupAssessment:
			if in.Assessment == nil {
				s.Note = "No assessment recorded: no assessment of the product against the security requirements has been recorded."
			} else if !in.Assessment.RecordedAt.IsZero() {
				s.Note = "Recorded on " + longDateTime(in.Assessment.RecordedAt) + "."
			}
		case groupPasswords:
			if len(s.Items) == 0 {
				s.Note = "No password audit recorded: no batch of the product has a finished audit of its password file."
			}
		case groupDisclosure:
			if in.Policy == nil {
				s.Note = "No disclosure policy recorded for the organisation that sells the product."
			}
		case groupSupport:
			if len(s.Items) == 0 {
				s.Note = "No support period recorded: nothing states until when the product gets security updates."
			}
		case groupStatements:
			if len(s.Items) == 0 {
				s.Note = "No statement of compliance issued for the product."
			}
		case groupLog:
			if in.Log == nil {
				s.Note = "The installation keeps no transparency log yet: nothing in this pack is proven against one."
			}
		}
		out = append(out, s)
	}
	return out
}

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evidence pack: {{.Product.Name}}</title>
<style>
body{font-family:system-ui,sans-serif;line-height:1.5;max-width:50rem;margin:0 auto;padding:1rem;color:#0b0c0c}
h1{font-size:1.75rem}h2{font-size:1.25rem;margin-top:2rem;border-top:1px solid #b1b4b6;padding-top:1rem}
dt{font-weight:bold;margin-top:1rem;overflow-wrap:anywhere}dd{margin-left:0}
code{overflow-wrap:anywhere;background:#f3f2f1;padding:0 .2em}
a:focus{outline:3px solid #fd0;background:#fd0}
</style>
</head>
<body>
<main>
<h1>Evidence pack: {{.Product.Name}}</h1>
{{range .Intro}}<p>{{.}}</p>
{{end}}
{{range .Sections}}<section>
<h2>{{.Title}}</h2>
{{if .Note}}<p>{{.Note}}</p>{{end}}
{{if .Items}}<dl>
{{range .Items}}<dt><a href="{{.Name}}"><code>{{.Name}}</code></a></dt>
<dd><p>{{.What}}</p><p>How to check: {{.Check}}</p></dd>
{{end}}</dl>{{end}}
</section>
{{end}}
</main>
</body>
</html>
`))

func (it item) Name() string  { return it.name }
func (it item) What() string  { return it.what }
func (it item) Check() string { return it.check }

func renderHTML(in *Input, all []item) ([]byte, error) {
	var buf bytes.Buffer
	err := indexTemplate.Execute(&buf, struct {
		Product  Product
		Intro    []string
		Sections []section
	}{in.Product, intro(in), sections(in, all)})
	if err != nil {
		return nil, fmt.Errorf("pack: unable to write the index: %w", err)
	}
	return buf.Bytes(), nil
}

// PDF layout, in millimetres, on A4 portrait.
const (
	pdfMargin = 20.0
	pdfLine   = 5.0
	pdfFamily = "go"
)

// renderPDF writes the index as a PDF, dated in.AsOf, so that the same
// Input gives the same bytes.
func renderPDF(in *Input, all []item) ([]byte, error) {
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	created := zipTime(in.AsOf)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCatalogSort(true)
	pdf.SetProducer("psti", false)
	pdf.SetCreator("psti", false)
	pdf.SetLang("en-GB")
	pdf.SetTitle("Evidence pack: "+in.Product.Name, true)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfMargin+5)
	pdf.AddUTF8FontFromBytes(pdfFamily, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(pdfFamily, "B", gobold.TTF)
	pdf.AliasNbPages("{nb}")
	footer := "Evidence pack: " + in.Product.Name
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pdfMargin)
		pdf.SetFont(pdfFamily, "", 8.5)
		pdf.CellFormat(0, 5, footer, "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, fmt.Sprintf("Page %d of {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont(pdfFamily, "B", 18)
	pdf.MultiCell(0, 9, "Evidence pack: "+in.Product.Name, "", "L", false)
	pdf.Ln(2)
	text := func(style string, size float64, s string) {
		pdf.SetFont(pdfFamily, style, size)
		pdf.MultiCell(0, pdfLine, s, "", "L", false)
	}
	for _, p := range intro(in) {
		text("", 10, p)
		pdf.Ln(2)
	}
	for _, s := range sections(in, all) {
		pdf.Ln(3)
		text("B", 12.5, s.Title)
		pdf.Ln(1)
		if s.Note != "" {
			text("", 10, s.Note)
			pdf.Ln(1)
		}
		for _, it := range s.Items {
			text("B", 10, it.name)
			text("", 10, it.what)
			text("", 10, "How to check: "+it.check)
			pdf.Ln(2)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("pack: unable to write the PDF index: %w", err)
	}
	return buf.Bytes(), nil
}
