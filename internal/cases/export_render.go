package cases

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/psti/psti/internal/psti"
)

//go:embed casefile.html
var fileHTML string

// fileFuncs say dates and deadlines in words, in UK time.
var fileFuncs = template.FuncMap{
	"datetime": fileDateTime,
	"date":     fileDate,
	"datetext": psti.DateText,
	// deadline says a period's end, which is the midnight ending its last
	// day: "by the end of 30 December 2026".
	"deadline": func(t time.Time) string { return psti.Deadline(t) },
	"cap":      capFirst,
}

var fileTemplate = template.Must(template.New("casefile").Funcs(fileFuncs).Parse(fileHTML))

// RenderHTML renders a case file as one standalone HTML document that
// prints: styles inline, no script, nothing fetched from elsewhere.
func RenderHTML(f *File) ([]byte, error) {
	var buf bytes.Buffer
	if err := fileTemplate.Execute(&buf, f); err != nil {
		return nil, fmt.Errorf("cases: unable to write the case file: %w", err)
	}
	return buf.Bytes(), nil
}

// RenderJSON renders a case file as indented JSON, its fields in File's
// order.
func RenderJSON(f *File) ([]byte, error) {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("cases: unable to write the case file: %w", err)
	}
	return append(b, '\n'), nil
}

// Formats a case file renders to.
var FileFormats = []string{"html", "json", "pdf"}

// Render renders a case file in format html, json or pdf, with the
// file's media type.
func Render(f *File, format string) ([]byte, string, error) {
	switch format {
	case "html":
		b, err := RenderHTML(f)
		return b, "text/html; charset=utf-8", err
	case "json":
		b, err := RenderJSON(f)
		return b, "application/json", err
	case "pdf":
		b, err := RenderPDF(f)
		return b, "application/pdf", err
	}
	return nil, "", psti.FieldErrorf(psti.EINVALID, "format", "Choose a format: html, json or pdf.")
}

func capFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func stateClosed(status string) string {
	if status == Closed {
		return "Closed"
	}
	return "Open"
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// requirementText says the requirement a case concerns.
func requirementText(c FileCase) string {
	if c.RequirementID == "" {
		return "Not named"
	}
	if c.RequirementTitle != "" {
		return c.RequirementID + ": " + c.RequirementTitle
	}
	return c.RequirementID
}

// sourceLine says where a case came from, with the note.
func sourceLine(c FileCase) string {
	return strings.TrimSpace(c.SourceText + " " + c.SourceNote)
}
