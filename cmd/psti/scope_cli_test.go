package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestScopeAnswersContract: psti scope --answers FILE --format json reads the
// facts of the contract and prints outcome, reasons and rules version; exit
// 0 for any decision, 2 for answers that cannot be used.
func TestScopeAnswersContract(t *testing.T) {
	lte := writeTemp(t, "tablet.json", `{"product": "Acme Tab 4G", "as_of": "2026-06-01", "ip_internet": true,
		"uk_consumers": true, "condition": "new", "category": "tablet", "cellular": true,
		"northern_ireland_windsor": false, "runs_medical_device_software": null}`)
	r := cli(t, "scope", "--answers", lte, "--format", "json")
	wantExit(t, r, 0)
	var d struct {
		Product      string `json:"product"`
		AsOf         string `json:"as_of"`
		Outcome      string `json:"outcome"`
		Reasons      []struct{ ID, Text string }
		RulesVersion string `json:"rules_version"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if d.Outcome != "in_scope" || d.Product != "Acme Tab 4G" || d.AsOf != "2026-06-01" || d.RulesVersion == "" || len(d.Reasons) < 3 {
		t.Fatalf("decision %+v", d)
	}
	found := false
	for _, rs := range d.Reasons {
		found = found || (rs.ID == "PSTI-X-05" && strings.Contains(rs.Text, "cellular"))
	}
	if !found {
		t.Fatalf("no reason says a cellular tablet is not excepted: %+v", d.Reasons)
	}

	// YAML works too, and a missing fact the outcome turns on gives review.
	yml := writeTemp(t, "laptop.yaml", "product: Kids Laptop\nip_internet: true\nuk_consumers: true\ncondition: new\ncategory: laptop\nnorthern_ireland_windsor: false\n")
	r = cli(t, "scope", "--answers", yml, "--format", "json")
	wantExit(t, r, 0)
	wantContains(t, "the decision", r.stdout, `"outcome": "needs_review"`, `"children_under_14_exclusively"`)

	// Text is the default, for people.
	r = cli(t, "scope", "--answers", lte)
	wantExit(t, r, 0)
	wantContains(t, "the text", r.stdout, "Outcome: in scope", "1 June 2026", "[PSTI-X-05]")

	for _, tc := range []struct{ name, body, want string }{
		{"misspelt.json", `{"ip_internt": true}`, "ip_internt"},
		{"wrongkind.json", `{"ip_internet": 3}`, "ip_internet"},
		{"badchoice.json", `{"category": "fridge"}`, "category"},
		{"baddate.json", `{"as_of": "1/6/2026"}`, "as_of"},
		{"notobject.json", `[1, 2]`, "object"},
		{"broken.yaml", "ip_internet: [", "neither JSON nor YAML"},
	} {
		r := cli(t, "scope", "--answers", writeTemp(t, tc.name, tc.body), "--format", "json")
		wantExit(t, r, 2)
		wantContains(t, tc.name, r.stderr, tc.want)
		if r.stdout != "" {
			t.Errorf("%s: printed a decision for unusable answers: %s", tc.name, r.stdout)
		}
	}
	wantExit(t, cli(t, "scope", "--answers", filepath.Join(t.TempDir(), "none.json")), 2)
	wantExit(t, cli(t, "scope", "--answers", lte, "--format", "xml"), 2)
}

// TestScopeRulesFlag: a corrected rules file decides with no code change,
// and its version is the one the decision names.
func TestScopeRulesFlag(t *testing.T) {
	laptop := writeTemp(t, "laptop.json", `{"ip_internet": true, "uk_consumers": true, "condition": "new", "category": "laptop",
		"children_under_14_exclusively": false, "northern_ireland_windsor": false}`)
	r := cli(t, "scope", "--answers", laptop, "--format", "json")
	wantContains(t, "built-in rules", r.stdout, `"excepted"`)
	var rules bytes.Buffer
	src, err := os.ReadFile("../../internal/catalog/scope.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rules.WriteString(strings.Replace(strings.Replace(string(src), "in: [desktop, laptop]", "in: [desktop]", 1), `version: "`, `version: "corrected-`, 1))
	r = cli(t, "scope", "--answers", laptop, "--format", "json", "--rules", writeTemp(t, "rules.yaml", rules.String()))
	wantExit(t, r, 0)
	wantContains(t, "corrected rules", r.stdout, `"in_scope"`, `"rules_version": "corrected-`)
	wantExit(t, cli(t, "scope", "--answers", laptop, "--rules", writeTemp(t, "bad.yaml", "version: x\nrules: []\n")), 2)
}

// TestScopeAsks: without --answers it asks only what the decision turns on,
// takes numbers for choices and ? for not known, and can save the answers.
func TestScopeAsks(t *testing.T) {
	save := filepath.Join(t.TempDir(), "answers.json")
	var out, errb bytes.Buffer
	root := newRoot(&out, &errb)
	root.SetArgs([]string{"scope", "--save", save})
	// product, date (default), internet yes, condition 1 (new), consumers
	// yes, category 7 (tablet), cellular "maybe" (refused, asked again)
	// then yes, Northern Ireland no.
	root.SetIn(strings.NewReader("Acme Tab\n2026-06-01\ny\n1\ny\n7\nmaybe\ny\nn\n"))
	if err := root.Execute(); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	wantContains(t, "the decision", out.String(), "Outcome: in scope", "Acme Tab")
	asked := errb.String()
	wantContains(t, "the questions", asked, "cellular", "must be yes or no")
	for _, never := range []string{"Is the charge point", "Is the smart meter", "both send and receive", "children under 14"} {
		if strings.Contains(asked, never) {
			t.Errorf("asked about %q for a tablet:\n%s", never, asked)
		}
	}
	b, err := os.ReadFile(save)
	if err != nil {
		t.Fatal(err)
	}
	r := cli(t, "scope", "--answers", save)
	wantExit(t, r, 0)
	wantContains(t, "the saved answers ("+string(b)+")", r.stdout, "Outcome: in scope")

	// Answers that end early are a usage error, not a decision.
	root = newRoot(&out, &errb)
	root.SetArgs([]string{"scope"})
	root.SetIn(strings.NewReader("Acme\n\n"))
	if err := root.Execute(); err == nil {
		t.Fatal("answers that ended early gave a decision")
	}
}
