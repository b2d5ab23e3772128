package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/store/storetest"
)

// TestRequirementsAPI: the catalogue as JSON and as OSCAL, for anyone,
// without a token; the OSCAL served is catalog.OSCAL's, byte for byte, as
// a download named with the catalogue's version.
func TestRequirementsAPI(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	want := catalog.DefaultCatalogue()

	res, body := e.call("GET", "/api/v1/requirements", "", "", "")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/requirements: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var got catalog.Catalogue
	d := json.NewDecoder(strings.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&got); err != nil {
		t.Fatalf("the JSON is not the catalogue: %v", err)
	}
	if got.Version != want.Version || len(got.Groups) != len(want.Groups) || len(got.Standards) != len(want.Standards) {
		t.Fatalf("catalogue %s with %d groups and %d standards, want %s with %d and %d", got.Version, len(got.Groups), len(got.Standards), want.Version, len(want.Groups), len(want.Standards))
	}
	if r := got.Requirement("PSTI-PW-01"); r == nil || r.Summary != want.Requirement("PSTI-PW-01").Summary || !r.Assess || len(r.Deemed) == 0 {
		t.Fatalf("PSTI-PW-01 as served: %+v", r)
	}
	// A token is not needed, and a valid one changes nothing.
	if res, again := e.call("GET", "/api/v1/requirements", e.tokens[auth.Viewer], "", ""); res.StatusCode != http.StatusOK || again != body {
		t.Fatalf("with a token: %d, same body %v", res.StatusCode, again == body)
	}

	res, body = e.call("GET", "/api/v1/requirements/oscal", "", "", "")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/v1/requirements/oscal: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="psti-requirements-`+want.Version+`.oscal.json"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	oscal, err := catalog.OSCAL(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal([]byte(body), oscal) {
		t.Fatal("the OSCAL served differs from catalog.OSCAL")
	}

	// Both are described in the API's OpenAPI document.
	_, spec := e.call("GET", "/api/v1/openapi.json", "", "", "")
	for _, op := range []string{`"get-requirements"`, `"get-requirements-oscal"`} {
		if !strings.Contains(spec, op) {
			t.Errorf("the OpenAPI document does not describe %s", op)
		}
	}
}

// TestRequirementsPage: the public page lists every requirement at its own
// anchor, with its source, its deemed routes and the downloads.
func TestRequirementsPage(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	res, err := e.browser(auth.Public).Get(e.ts.URL + "/requirements")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(b)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	c := catalog.DefaultCatalogue()
	for _, g := range c.Groups {
		if !strings.Contains(page, `<h2 id="`+g.ID+`">`) {
			t.Errorf("no heading for group %s", g.ID)
		}
		for _, r := range g.Requirements {
			if strings.Count(page, `id="`+r.ID+`"`) != 1 {
				t.Errorf("%s is not at exactly one anchor", r.ID)
			}
		}
	}
	for _, want := range []string{
		`href="/api/v1/requirements"`, `href="/api/v1/requirements/oscal"`,
		`<a href="https://www.legislation.gov.uk/uksi/2023/1007/schedule/1/paragraph/1">Regulations Schedule 1 paragraph 1(2)</a>`,
		`href="#etsi-en-303-645-v2-1-1-5-1-1">ETSI EN 303 645 V2.1.1 5.1-1</a>`, `id="etsi-en-303-645-v2-1-1-5-1-1"`,
		// A reading that is not VERIFIED says so in words.
		"<strong>SINGLE.</strong> Not yet checked against the original text: it comes from one published summary only.",
		"<details>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("the page has a script")
	}
}

// TestBrowserRequirements: in a browser, a requirement's address opens the
// page at it, and the download links are there.
func TestBrowserRequirements(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	b := newBrowser(t, e.ts.URL)
	b.open("/requirements#PSTI-PW-01")
	if h := b.text("#PSTI-PW-01 h3"); !strings.Contains(h, "PSTI-PW-01") || !strings.Contains(h, "Unique or user-defined passwords") {
		t.Fatalf("heading at #PSTI-PW-01: %q", h)
	}
	if target, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector(":target") ? document.querySelector(":target").id : ""`)); target != "PSTI-PW-01" {
		t.Fatalf("the page's target is %q, want PSTI-PW-01", target)
	}
	if top, _ := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`document.getElementById("PSTI-PW-01").getBoundingClientRect().top`)); top < -1 || top > 200 {
		t.Errorf("PSTI-PW-01 is %v px from the top of the window, not scrolled to", top)
	}
	if text := b.text("#PSTI-PW-01"); !strings.Contains(text, "Manufacturers") || !strings.Contains(text, "Treated as met by") || !strings.Contains(text, "Singapore CLS label") {
		t.Fatalf("PSTI-PW-01 reads %q", text)
	}
	links, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#downloads + ul a")].map(a => a.getAttribute("href"))`))
	if err != nil || len(links) != 2 || links[0] != "/api/v1/requirements" || links[1] != "/api/v1/requirements/oscal" {
		t.Fatalf("download links %q, %v", links, err)
	}
	// A deemed route leads to the provision, opening its list.
	b.do(chromedp.Click(chromedp.CSS(`#PSTI-PW-01 a[href="#etsi-en-303-645-v2-1-1-5-1-2"]`)))
	if open, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.getElementById("etsi-en-303-645-v2-1-1-5-1-2").closest("details").open`)); !open {
		t.Error("following a route to a provision left its list closed")
	}
	b.fitsAt("requirements")
}
