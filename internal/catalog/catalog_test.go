package catalog

import (
	"github.com/psti/psti/internal/psti"
	"strings"
	"testing"
)

func TestEmbeddedFilesParse(t *testing.T) {
	r, err := ParseScopeRules(scopeFile)
	if err != nil {
		t.Fatal(err)
	}
	if r.Version == "" || len(r.Rules) < 20 {
		t.Fatalf("scope rules look empty: version %q, %d rules", r.Version, len(r.Rules))
	}
	c, err := ParseCatalogue(requirementsFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Assessed()) == 0 {
		t.Fatal("no requirement is assessed")
	}
	// Every requirement id a scope reason or fact cites is in the catalogue.
	for _, rule := range r.Rules {
		if !strings.HasPrefix(rule.Reason.ID, "PSTI-") {
			t.Errorf("rule %s: reason id %q is not a requirement id", rule.ID, rule.Reason.ID)
		}
	}
}

// TestScopeRulesRefuseMistakes: a rules file with a mistake is refused with
// a message naming it, never loaded half-right.
func TestScopeRulesRefuseMistakes(t *testing.T) {
	const head = "version: v1\nfacts:\n  - {id: a, type: bool, label: a, question: \"A?\"}\n  - {id: c, type: choice, label: c, question: \"C?\", choices: [{value: x, label: X}, {value: y, label: Why}]}\n  - {id: d, type: date, label: d, question: \"D?\"}\n"
	const tail = "  - {id: last, outcome: in_scope, reason: {id: PSTI-S-01, text: t}}\n"
	cases := []struct{ name, body, want string }{
		{"unknown fact", "rules:\n  - {id: r, when: {fact: b, is: true}, outcome: excepted, reason: {id: X, text: t}}\n" + tail, `fact "b"`},
		{"wrong type", "rules:\n  - {id: r, when: {fact: a, is: yes-please}, outcome: excepted, reason: {id: X, text: t}}\n" + tail, `fact "a"`},
		{"no such choice", "rules:\n  - {id: r, when: {fact: c, in: [z]}, outcome: excepted, reason: {id: X, text: t}}\n" + tail, `no choice`},
		{"bad date", "rules:\n  - {id: r, when: {fact: d, before: 2025-13-01}, outcome: excepted, reason: {id: X, text: t}}\n" + tail, `not a date`},
		{"two forms", "rules:\n  - {id: r, when: {fact: a, is: true, all: []}, outcome: excepted, reason: {id: X, text: t}}\n" + tail, `exactly one`},
		{"unknown key", "rules:\n  - {id: r, when: {fakt: a}, outcome: excepted, reason: {id: X, text: t}}\n" + tail, `unknown field`},
		{"bad outcome", "rules:\n  - {id: r, when: {fact: a, is: true}, outcome: maybe, reason: {id: X, text: t}}\n" + tail, `outcome "maybe"`},
		{"no final rule", "rules:\n  - {id: r, when: {fact: a, is: true}, outcome: excepted, reason: {id: X, text: t}}\n", `last rule`},
		{"duplicate id", "rules:\n  - {id: last, when: {fact: a, is: true}, outcome: excepted, reason: {id: X, text: t}}\n" + tail, `twice`},
		{"missing ref", "rules:\n  - {id: r, when: {ref: nope}, outcome: excepted, reason: {id: X, text: t}}\n" + tail, `"nope"`},
		{"self ref", "defs:\n  loop: {ref: loop}\nrules:\n" + tail, `itself`},
		{"bad confidence", "rules:\n  - {id: r, when: {fact: a, is: true}, outcome: excepted, reason: {id: X, text: t, confidence: SURE}}\n" + tail, `confidence`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseScopeRules([]byte(head + tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := ParseScopeRules([]byte(head + "rules:\n" + tail)); err != nil {
		t.Fatalf("a good file is refused: %v", err)
	}
}

func TestParseAnswers(t *testing.T) {
	r := DefaultScopeRules()
	v, err := r.ParseAnswers([]byte("ip_internet: true\ncategory: tablet\ncellular: null\nas_of: 2026-01-31\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v["ip_internet"] != true || v["category"] != "tablet" || v["as_of"] != "2026-01-31" {
		t.Fatalf("values %v", v)
	}
	if _, ok := v["cellular"]; ok {
		t.Fatal("null must leave a fact unknown")
	}
	for in, field := range map[string]string{
		`{"ip_internt": true}`:     "ip_internt",
		`{"ip_internet": "maybe"}`: "ip_internet",
		`{"category": "fridge"}`:   "category",
		`{"as_of": "31/01/2026"}`:  "as_of",
		`{"condition": 3}`:         "condition",
		`[true]`:                   "",
		`ip_internet: [true`:       "",
		``:                         "",
	} {
		_, err := r.ParseAnswers([]byte(in))
		if err == nil {
			t.Errorf("%s: accepted", in)
			continue
		}
		if field != "" && !strings.Contains(err.Error()+fieldsOf(err), field) {
			t.Errorf("%s: error %v does not name %s", in, err, field)
		}
	}
}

func fieldsOf(err error) string {
	var b strings.Builder
	for _, f := range psti.ErrorFields(err) {
		b.WriteString(f.Field + ": " + f.Message + "\n")
	}
	return b.String()
}

// FuzzParseAnswers: an answers file from outside never panics, and what it
// accepts holds only declared facts of the declared kinds.
func FuzzParseAnswers(f *testing.F) {
	for _, s := range []string{`{"ip_internet": true, "category": "tablet"}`, "as_of: 2026-01-31\ncondition: new\n", `{"as_of": null}`, "- a\n", "&a [*a]", `{"product": "x\u0000y"}`} {
		f.Add([]byte(s))
	}
	r := DefaultScopeRules()
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := r.ParseAnswers(b)
		if err != nil {
			return
		}
		for k, x := range v {
			fact := r.Fact(k)
			if fact == nil {
				t.Fatalf("accepted undeclared fact %q", k)
			}
			if fact.Type == Bool {
				if _, ok := x.(bool); !ok {
					t.Fatalf("%s holds %T", k, x)
				}
			} else if _, ok := x.(string); !ok {
				t.Fatalf("%s holds %T", k, x)
			}
		}
	})
}
