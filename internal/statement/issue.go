package statement

import (
	"fmt"
	"time"

	"github.com/psti/psti/internal/psti"
)

// Media types of the renderings.
const (
	MediaHTML = "text/html; charset=utf-8"
	MediaPDF  = "application/pdf"
	MediaJSON = "application/json"
	MediaJWS  = "application/jose"
)

// Renderings makes every rendering of a statement about to be issued as
// version version of statement id, whose public page is url: the HTML
// document, the PDF signed with signer at the instant at, the JSON, and
// the JSON's detached JWS, signed with the signer's JSON key. All come
// from the one statement. The unsigned PDF is dated the day of issue, so
// that it depends on the statement alone.
func Renderings(s *Statement, id string, version int, url string, signer *Signer, at time.Time) ([]Rendering, error) {
	issued, err := psti.ParseDate(s.Issued)
	if err != nil {
		return nil, s.Validate()
	}
	meta := PDFMeta{ID: id, Version: version, URL: url, Created: issued}
	page, err := RenderHTML(s, meta)
	if err != nil {
		return nil, err
	}
	doc, err := RenderPDF(s, meta)
	if err != nil {
		return nil, err
	}
	signed, err := SignPDF(doc, signer, s.Signatory.Name, s.Place, at)
	if err != nil {
		return nil, err
	}
	data, err := RenderJSON(s, id, version, url)
	if err != nil {
		return nil, err
	}
	jws, err := SignJSON(data, signer)
	if err != nil {
		return nil, fmt.Errorf("statement: unable to sign the JSON rendering: %w", err)
	}
	return []Rendering{
		NewRendering(RenderingHTML, MediaHTML, page),
		NewRendering(RenderingPDF, MediaPDF, signed),
		NewRendering(RenderingJSON, MediaJSON, data),
		NewRendering(RenderingJWS, MediaJWS, []byte(jws)),
	}, nil
}

// FileName is the name a rendering is downloaded as, and its kind by
// that name.
var FileName = map[string]string{
	RenderingHTML: "statement.html",
	RenderingPDF:  "statement.pdf",
	RenderingJSON: "statement.json",
	RenderingJWS:  "statement.json.jws",
}
