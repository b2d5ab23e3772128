package statement

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestRenderHTMLGolden: the HTML rendering is a whole document carrying
// every Schedule 4 field as text, the same bytes every time, with names
// and addresses written as given and any markup in them shown as text.
func TestRenderHTMLGolden(t *testing.T) {
	doc, err := RenderHTML(complete(), testMeta())
	if err != nil {
		t.Fatal(err)
	}
	again, _ := RenderHTML(complete(), testMeta())
	if !bytes.Equal(doc, again) {
		t.Fatal("two renderings of one statement differ")
	}
	golden := filepath.Join("testdata", "statement.html")
	if *update {
		if err := os.WriteFile(golden, doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(doc, want) {
		t.Errorf("the HTML differs from %s (run with -update after checking):\n%s", golden, doc)
	}
	text := htmlText(t, doc)
	pdfText := strings.Join(strings.Fields(pdftotext(t, mustPDF(t))), " ")
	// Each field, and every sentence the PDF prints about it, is in the
	// HTML too: one source of truth, two renderings.
	for _, must := range []string{
		"Statement of compliance", "st_01JEXAMPLE, version 2", "Video doorbell", "AC-200", "B-2026-01", "AC200-0009999",
		"Acme Devices Ltd", "Fabryka Łódź sp. z o.o.", "90-001 Łódź", "Vertreter GmbH", "Hauptstraße 5",
		complete().Declaration(), "Met: the product complies with this requirement of Schedule 1.",
		"ETSI EN 303 645, version V2.1.1, issued June 2020; provisions 5.2-1",
		"Security updates until at least 31 March 2030.", "London, 7 December 2026", "Zoë Brontë", "Head of Product Security",
		testMeta().URL,
	} {
		if !strings.Contains(text, must) {
			t.Errorf("the HTML lacks %q", must)
		}
		if !strings.Contains(pdfText, strings.Join(strings.Fields(must), " ")) && must != complete().Declaration() {
			t.Errorf("the PDF lacks %q, which the HTML has", must)
		}
	}

	s := complete()
	s.Manufacturers[0].Name = `<script>alert("x")</script> & Co`
	doc, err = RenderHTML(s, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(doc, []byte("<script>")) || !strings.Contains(htmlText(t, doc), `<script>alert("x")</script> & Co`) {
		t.Fatal("markup in a name is not shown as text")
	}
	s.Signatory.Function = ""
	if _, err := RenderHTML(s, testMeta()); err == nil {
		t.Fatal("an incomplete statement was rendered")
	}
}

func mustPDF(t *testing.T) []byte {
	t.Helper()
	doc, err := RenderPDF(complete(), testMeta())
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// htmlText is the text of an HTML document, its white space collapsed.
func htmlText(t *testing.T, doc []byte) string {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "style" || n.Data == "title") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return strings.Join(strings.Fields(b.String()), " ")
}
