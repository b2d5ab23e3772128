package catalog

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestCatalogueCoversTheDigest: the catalogue holds every requirement id
// the brief lists, in the groups a reader expects, and the assessed rows
// the product assessment is built on are unchanged.
func TestCatalogueCoversTheDigest(t *testing.T) {
	c := DefaultCatalogue()
	// The embedded catalogue is complete: dated, and with the standards
	// its mappings point at (a parsed catalogue need have neither).
	if c.Published == "" || len(c.Standards) != 5 || len(c.Standard("ETSI EN 303 645 V2.1.1").Provisions) != 68 {
		t.Fatalf("published %q, %d standards", c.Published, len(c.Standards))
	}
	want := []string{}
	add := func(prefix string, n int) {
		for i := 1; i <= n; i++ {
			want = append(want, prefix+twoDigits(i))
		}
	}
	add("PSTI-R-", 6)
	add("PSTI-S-", 11)
	add("PSTI-X-", 8)
	add("PSTI-PW-", 8)
	add("PSTI-VR-", 6)
	add("PSTI-DSP-", 8)
	add("PSTI-DC-", 5)
	add("PSTI-SOC-", 10)
	for i := 1; i <= 8; i++ {
		want = append(want, "PSTI-SOC-F"+string(rune('0'+i)))
	}
	add("PSTI-M-", 6)
	add("PSTI-I-", 7)
	add("PSTI-D-", 7)
	for _, id := range want {
		if c.Requirement(id) == nil {
			t.Errorf("%s is not in the catalogue", id)
		}
	}
	// The rows each product is assessed against (another package's
	// contract): Schedule 1, in this order, with these flags.
	var got []string
	for _, r := range c.Assessed() {
		flags := ""
		if r.Statement {
			flags = " statement"
		}
		got = append(got, r.ID+" "+string(rune('0'+r.Paragraph))+flags)
	}
	wantAssessed := []string{
		"PSTI-PW-01 1 statement", "PSTI-PW-02 1 statement", "PSTI-PW-03 1 statement", "PSTI-PW-04 1 statement", "PSTI-PW-05 1 statement",
		"PSTI-VR-02 2 statement", "PSTI-VR-03 2 statement", "PSTI-VR-04 2 statement",
		"PSTI-DSP-01 3 statement", "PSTI-DSP-02 3", "PSTI-DSP-03 3 statement", "PSTI-DSP-04 3 statement", "PSTI-DSP-05 3",
	}
	if !slices.Equal(got, wantAssessed) {
		t.Errorf("assessed rows\n got %q\nwant %q", got, wantAssessed)
	}
}

func twoDigits(i int) string {
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// TestScopeRulesCiteTheCatalogue: every requirement id a scope rule's
// reason or a fact cites is in the catalogue.
func TestScopeRulesCiteTheCatalogue(t *testing.T) {
	c, r := DefaultCatalogue(), DefaultScopeRules()
	cited := 0
	for _, rule := range r.Rules {
		cited++
		if c.Requirement(rule.Reason.ID) == nil {
			t.Errorf("scope rule %s cites %s, which the catalogue does not hold", rule.ID, rule.Reason.ID)
		}
	}
	for _, f := range r.List {
		if f.Ref == "" {
			continue
		}
		cited++
		if c.Requirement(f.Ref) == nil {
			t.Errorf("fact %s cites %s, which the catalogue does not hold", f.ID, f.Ref)
		}
	}
	if cited < 20 {
		t.Fatalf("only %d citations found: the scope rules look empty", cited)
	}
}

// TestCodeCitesTheCatalogue: every requirement id cited in the module's
// Go files, templates and rule files is one the catalogue holds, so a
// comment "PSTI-XX-99" cannot point at nothing.
func TestCodeCitesTheCatalogue(t *testing.T) {
	c := DefaultCatalogue()
	id := regexp.MustCompile(`PSTI-(?:R|S|X|PW|VR|DSP|DC|SOC|M|I|D)-[A-Z]?[0-9]+\b`)
	root := filepath.Join("..", "..")
	seen := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(path); d.IsDir() || (ext != ".go" && ext != ".html" && ext != ".yaml") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range id.FindAllString(string(data), -1) {
			if _, ok := seen[m]; !ok {
				seen[m] = path
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 20 {
		t.Fatalf("only %d ids found: the walk missed the code", len(seen))
	}
	for m, path := range seen {
		if c.Requirement(m) == nil {
			t.Errorf("%s cites %s, which the catalogue does not hold", path, m)
		}
	}
}

// TestDeemedMappings: every deemed-compliance mapping names a scheme the
// law recognises (Schedules 2 and 2A), and each Schedule 1 paragraph has
// the routes the law gives it (PSTI-DC-01..04).
func TestDeemedMappings(t *testing.T) {
	c := DefaultCatalogue()
	recognised := DeemingSchemes()
	if want := []string{"ETSI EN 303 645 V2.1.1", "ISO/IEC 29147:2018", "JC-STAR STAR-1", "Singapore CLS"}; !slices.Equal(recognised, want) {
		t.Fatalf("recognised schemes %q, want %q", recognised, want)
	}
	routes := map[string][]string{}
	for _, g := range c.Groups {
		for _, r := range g.Requirements {
			for _, m := range r.Deemed {
				if !slices.Contains(recognised, m.Scheme) {
					t.Errorf("%s: deemed by %q, not a recognised scheme", r.ID, m.Scheme)
				}
				routes[r.ID] = append(routes[r.ID], m.Scheme+" "+m.Ref)
			}
		}
	}
	for id, want := range map[string][]string{
		"PSTI-PW-01":  {"ETSI EN 303 645 V2.1.1 5.1-1", "ETSI EN 303 645 V2.1.1 5.1-2", "JC-STAR STAR-1 label", "Singapore CLS label"},
		"PSTI-VR-02":  {"ETSI EN 303 645 V2.1.1 5.2-1", "ISO/IEC 29147:2018 6.2.2", "JC-STAR STAR-1 label", "Singapore CLS label"},
		"PSTI-VR-03":  {"ETSI EN 303 645 V2.1.1 5.2-1", "ISO/IEC 29147:2018 6.2.5", "ISO/IEC 29147:2018 6.5", "JC-STAR STAR-1 label", "Singapore CLS label"},
		"PSTI-DSP-01": {"ETSI EN 303 645 V2.1.1 5.3-13", "JC-STAR STAR-1 label", "Singapore CLS label"},
		"PSTI-DC-02":  {"ETSI EN 303 645 V2.1.1 5.2-1", "ISO/IEC 29147:2018 6.2.2", "ISO/IEC 29147:2018 6.2.5", "ISO/IEC 29147:2018 6.5", "JC-STAR STAR-1 label", "Singapore CLS label"},
		"PSTI-DC-04":  {"JC-STAR STAR-1 label", "Singapore CLS label"},
		// Schedule 2 makes the ETSI route subject to these (PSTI-DC-03).
		"PSTI-DSP-02": nil, "PSTI-DSP-05": nil,
	} {
		if !slices.Equal(routes[id], want) {
			t.Errorf("%s deemed by %q, want %q", id, routes[id], want)
		}
	}
}

// TestCatalogueRefusesMistakes: a catalogue with a mistake is refused with
// a message naming it.
func TestCatalogueRefusesMistakes(t *testing.T) {
	const std = `standards:
  - {scheme: ETSI EN 303 645 V2.1.1, title: t, summary: s, recognised: true, confidence: SINGLE, provisions: [{ref: 5.1-1, summary: s}, {ref: 5.1-2, summary: s}, {ref: 5.2-1, summary: s}, {ref: 5.3-13, summary: s}, {ref: 5.1-3, summary: s, level: M}]}
  - {scheme: ISO/IEC 29147:2018, title: t, summary: s, recognised: true, confidence: VERIFIED, provisions: [{ref: 6.2.2, summary: s}, {ref: 6.2.5, summary: s}, {ref: "6.5", summary: s}]}
  - {scheme: JC-STAR STAR-1, title: t, summary: s, recognised: true, confidence: VERIFIED, provisions: [{ref: label, summary: s}]}
  - {scheme: Singapore CLS, title: t, summary: s, recognised: true, confidence: VERIFIED, provisions: [{ref: label, summary: s}]}
`
	const head = "version: v1\npublished: \"2026-12-07\"\ntitle: t\n" + std + "groups:\n  - id: g\n    title: G\n    requirements:\n"
	const good = "      - {id: PSTI-PW-01, title: t, summary: s, source: s, confidence: VERIFIED, role: manufacturer, paragraph: 1, deemed: [{scheme: ETSI EN 303 645 V2.1.1, ref: 5.1-1}]}\n"
	if _, err := ParseCatalogue([]byte(head + good)); err != nil {
		t.Fatalf("a good catalogue is refused: %v", err)
	}
	cases := []struct{ name, body, want string }{
		{"wrong paragraph", "      - {id: PSTI-PW-01, title: t, summary: s, source: s, confidence: VERIFIED, role: manufacturer, paragraph: 2, deemed: [{scheme: ETSI EN 303 645 V2.1.1, ref: 5.1-1}]}\n", "does not make"},
		{"not a deeming provision", "      - {id: PSTI-PW-01, title: t, summary: s, source: s, confidence: VERIFIED, role: manufacturer, paragraph: 1, deemed: [{scheme: ETSI EN 303 645 V2.1.1, ref: 5.1-3}]}\n", "does not make"},
		{"unknown scheme", "      - {id: PSTI-PW-01, title: t, summary: s, source: s, confidence: VERIFIED, role: manufacturer, informative: [{scheme: NIST, ref: \"1\"}]}\n", "not among"},
		{"unknown ref", "      - {id: PSTI-PW-01, title: t, summary: s, source: s, confidence: VERIFIED, role: manufacturer, informative: [{scheme: ETSI EN 303 645 V2.1.1, ref: 9.9-9}]}\n", "not among"},
		{"bad id", "      - {id: pw-1, title: t, summary: s, source: s, confidence: VERIFIED, role: manufacturer}\n", "PSTI-PW-01"},
		{"twice", good + good, "twice"},
		{"bad role", "      - {id: PSTI-PW-01, title: t, summary: s, source: s, confidence: VERIFIED, role: retailer}\n", "role"},
		{"bad also", "      - {id: PSTI-PW-01, title: t, summary: s, source: s, confidence: VERIFIED, role: importer, also_binds: [importer]}\n", "also_binds"},
		{"bad confidence", "      - {id: PSTI-PW-01, title: t, summary: s, source: s, confidence: SURE, role: manufacturer}\n", "confidence"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCatalogue([]byte(head + tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	// Without a published date it is read, but cannot be exported as
	// OSCAL; without standards, mappings are checked against the law only.
	undated, err := ParseCatalogue([]byte(strings.Replace(head, "published: \"2026-12-07\"\n", "", 1) + good))
	if err != nil {
		t.Fatalf("a catalogue without a published date: %v", err)
	}
	if _, err := OSCAL(undated); err == nil {
		t.Error("OSCAL of a catalogue without a published date")
	}
	bare := "version: v1\ntitle: t\ngroups:\n  - id: g\n    title: G\n    requirements:\n"
	if _, err := ParseCatalogue([]byte(bare + good)); err != nil {
		t.Errorf("a catalogue without standards: %v", err)
	}
	if _, err := ParseCatalogue([]byte(bare + strings.Replace(good, "paragraph: 1", "paragraph: 3", 1))); err == nil {
		t.Error("without standards, a deemed mapping the law does not make is accepted")
	}
	for name, doc := range map[string]string{
		"bad published date":        strings.Replace(head, "2026-12-07", "7/12/2026", 1) + good,
		"missing deeming provision": strings.Replace(head, "{ref: 5.3-13, summary: s}, ", "", 1) + good,
		"bad level":                 strings.Replace(head, "level: M}", "level: shall}", 1) + good,
	} {
		if _, err := ParseCatalogue([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestOSCALGolden: the OSCAL export of the embedded catalogue, byte for
// byte. Run with -update after changing the catalogue, and read the diff.
func TestOSCALGolden(t *testing.T) {
	got, err := OSCAL(DefaultCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "requirements.oscal.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestOSCALGolden -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the OSCAL export differs from %s: run go test ./internal/catalog -run TestOSCALGolden -update and read the diff", golden)
	}
}

// oscalShape is what TestOSCALStructure reads of the export.
type oscalShape struct {
	Catalog struct {
		UUID     string `json:"uuid"`
		Metadata struct {
			Title        string `json:"title"`
			LastModified string `json:"last-modified"`
			Version      string `json:"version"`
			OSCALVersion string `json:"oscal-version"`
		} `json:"metadata"`
		Groups []struct {
			ID       string `json:"id"`
			Title    string `json:"title"`
			Controls []struct {
				ID    string `json:"id"`
				Title string `json:"title"`
				Props []struct {
					Name, NS, Value string
				} `json:"props"`
				Links []struct {
					Href, Rel string
				} `json:"links"`
				Parts []struct {
					ID, Name, Prose string
				} `json:"parts"`
			} `json:"controls"`
		} `json:"groups"`
		BackMatter struct {
			Resources []struct {
				UUID  string `json:"uuid"`
				Title string `json:"title"`
			} `json:"resources"`
		} `json:"back-matter"`
	} `json:"catalog"`
}

// TestOSCALStructure: every requirement is a control exactly once, with
// its id as a token and as its label; ids and UUIDs are valid and the same
// on every run; every link to a provision resolves.
func TestOSCALStructure(t *testing.T) {
	c := DefaultCatalogue()
	first, err := OSCAL(c)
	if err != nil {
		t.Fatal(err)
	}
	again, err := OSCAL(DefaultCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Fatal("two exports of the same catalogue differ")
	}
	var doc oscalShape
	if err := json.Unmarshal(first, &doc); err != nil {
		t.Fatal(err)
	}
	cat := doc.Catalog
	if cat.Metadata.OSCALVersion != "1.1.2" || cat.Metadata.Version != c.Version || cat.Metadata.Title != c.Title {
		t.Errorf("metadata %+v", cat.Metadata)
	}
	if cat.Metadata.LastModified != c.Published+"T00:00:00Z" {
		t.Errorf("last-modified %q, want the catalogue's published date %s", cat.Metadata.LastModified, c.Published)
	}
	checkUUID := func(s string) {
		u, err := uuid.Parse(s)
		if err != nil || u.Version() != 5 {
			t.Errorf("%q is not a version 5 UUID", s)
		}
	}
	checkUUID(cat.UUID)
	resources := map[string]bool{}
	for _, r := range cat.BackMatter.Resources {
		checkUUID(r.UUID)
		if resources[r.UUID] {
			t.Errorf("resource %s (%s) appears twice", r.UUID, r.Title)
		}
		resources[r.UUID] = true
	}
	token := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
	controls := map[string]int{}
	tokens := map[string]bool{}
	for _, g := range cat.Groups {
		if !token.MatchString(g.ID) {
			t.Errorf("group id %q is not a token", g.ID)
		}
		for _, ctl := range g.Controls {
			if !token.MatchString(ctl.ID) || tokens[ctl.ID] {
				t.Errorf("control id %q is not a token, or is used twice", ctl.ID)
			}
			tokens[ctl.ID] = true
			label := ""
			for _, p := range ctl.Props {
				if !token.MatchString(p.Name) || p.Value == "" || strings.TrimSpace(p.Value) != p.Value {
					t.Errorf("%s: prop %q=%q is not a token with a value", ctl.ID, p.Name, p.Value)
				}
				if p.Name == "label" && p.NS == "" {
					label = p.Value
				}
			}
			if OSCALID(label) != ctl.ID {
				t.Errorf("control %s has label %q", ctl.ID, label)
			}
			controls[label]++
			if len(ctl.Parts) == 0 || ctl.Parts[0].Name != "statement" || ctl.Parts[0].Prose != c.Requirement(label).Summary {
				t.Errorf("%s: the first part is not the statement with the summary", ctl.ID)
			}
			for _, p := range ctl.Parts {
				if !token.MatchString(p.ID) || tokens[p.ID] {
					t.Errorf("%s: part id %q is not a token, or is used twice", ctl.ID, p.ID)
				}
				tokens[p.ID] = true
			}
			for _, l := range ctl.Links {
				switch l.Rel {
				case "reference":
					if !strings.HasPrefix(l.Href, "https://www.legislation.gov.uk/") {
						t.Errorf("%s: reference %s", ctl.ID, l.Href)
					}
				case "deemed-compliance", "informative":
					if !resources[strings.TrimPrefix(l.Href, "#")] {
						t.Errorf("%s: %s link %s points at no resource", ctl.ID, l.Rel, l.Href)
					}
				default:
					t.Errorf("%s: link rel %q", ctl.ID, l.Rel)
				}
			}
		}
	}
	n := 0
	for _, g := range c.Groups {
		for _, r := range g.Requirements {
			n++
			if controls[r.ID] != 1 {
				t.Errorf("%s appears %d times as a control", r.ID, controls[r.ID])
			}
		}
	}
	if len(controls) != n {
		t.Errorf("%d controls for %d requirements", len(controls), n)
	}
	// The UUIDs come from the names, not from chance: the same provision
	// has the same UUID in another catalogue version.
	if ProvisionUUID("ETSI EN 303 645 V2.1.1", "5.1-1") != uuid.NewSHA1(oscalUUIDs, []byte("provision\x00ETSI EN 303 645 V2.1.1\x005.1-1")).String() {
		t.Error("provision UUIDs are not derived from scheme and ref")
	}
}

// FuzzParseCatalogue: any input is either refused with an error or read
// into a catalogue that survives a round trip through JSON and exports as
// OSCAL; nothing panics.
func FuzzParseCatalogue(f *testing.F) {
	f.Add(requirementsFile)
	f.Add([]byte("version: v1\npublished: \"2026-12-07\"\ntitle: t\ngroups: []\nstandards: []\n"))
	f.Add([]byte(`{"version": "v", "published": "2026-01-01", "groups": [{"id": "g", "title": "G", "requirements": [{"id": "PSTI-PW-01"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCatalogue(data)
		if err != nil {
			return
		}
		js, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseCatalogue(js)
		if err != nil {
			t.Fatalf("a catalogue read is refused when written back: %v", err)
		}
		if again.Version != c.Version || len(again.Groups) != len(c.Groups) {
			t.Fatal("the round trip changed the catalogue")
		}
		if _, err := OSCAL(c); err != nil && c.Published != "" {
			t.Fatalf("OSCAL of an accepted catalogue: %v", err)
		}
	})
}

// Schedule 3 paragraph 3(2) takes a medical-software host out of paragraph
// 3 only: a Wi-Fi tablet running a medical app is still excepted by
// paragraph 5 (PSTI-X-03, PSTI-X-05). Paragraph 4(1) reads "supplied or
// installed" (PSTI-X-04). A summary says no more than the law.
func TestExceptionSummariesNoWiderThanTheLaw(t *testing.T) {
	c := DefaultCatalogue()
	for id, want := range map[string]string{
		"PSTI-X-03": "this exception does not reach",
		"PSTI-X-04": "supplied or installed",
	} {
		r := c.Requirement(id)
		if r == nil {
			t.Fatalf("%s missing", id)
		}
		if !strings.Contains(r.Summary, want) {
			t.Errorf("%s summary %q: want it to say %q", id, r.Summary, want)
		}
	}
}
