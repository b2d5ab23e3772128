// Package catalog holds what psti knows about the law as data: the
// requirement catalogue, the scope rules and (later) the duty rules, each an
// embedded, versioned file, and the small language those rules are written
// in. A corrected schedule is a change to a file here, not to code.
//
// The rule language has facts (declared with the question that asks for
// them), conditions over facts, and named definitions. A fact that was not
// given is unknown; evaluating a condition that needs it reports which fact
// it needs, so that a caller can ask for it or try each of its values.
package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/psti/psti/internal/psti"
)

// FactType is the kind of value a fact holds.
type FactType string

// The fact types.
const (
	Bool   FactType = "bool"   // true or false
	Choice FactType = "choice" // one of the fact's Choices
	Date   FactType = "date"   // YYYY-MM-DD
	Text   FactType = "text"   // free text, never read by a condition
)

// Fact is one thing the rules may ask about a product.
type Fact struct {
	ID       string   `json:"id"`
	Type     FactType `json:"type"`
	Label    string   `json:"label"`          // short phrase used in reasons: "sold to UK consumers"
	Question string   `json:"question"`       // the question a person answers
	Help     string   `json:"help,omitempty"` // what the question means, in plain words
	Choices  []Option `json:"choices,omitempty"`
	Ref      string   `json:"ref,omitempty"` // the requirement id the fact serves
	// Null is the choice a JSON null stands for, where null is an answer
	// ("informed_by": null means nobody told you: you found it yourself);
	// empty where null means not known, as a missing fact does.
	Null string `json:"if_null,omitempty"`
}

// Option is one allowed value of a choice fact.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Values holds the facts known about one product. A fact that is absent is
// unknown. Booleans are bool, choices and dates are string.
type Values map[string]any

// Clone returns a copy of v.
func (v Values) Clone() Values {
	c := make(Values, len(v)+1)
	for k, x := range v {
		c[k] = x
	}
	return c
}

// Facts is a declared set of facts with the named conditions over them.
type Facts struct {
	List []Fact          `json:"facts"`
	Defs map[string]Cond `json:"defs,omitempty"`
}

// Fact returns the declared fact id, or nil.
func (fs *Facts) Fact(id string) *Fact {
	for i := range fs.List {
		if fs.List[i].ID == id {
			return &fs.List[i]
		}
	}
	return nil
}

// Domain returns every value fact id can take, in declared order; nil for a
// date or text fact, which cannot be tried one value at a time.
func (fs *Facts) Domain(id string) []any {
	f := fs.Fact(id)
	if f == nil {
		return nil
	}
	switch f.Type {
	case Bool:
		return []any{true, false}
	case Choice:
		out := make([]any, len(f.Choices))
		for i, c := range f.Choices {
			out[i] = c.Value
		}
		return out
	}
	return nil
}

// ValueText says value of fact id in words: "yes", "no", or a choice's label.
func (fs *Facts) ValueText(id string, value any) string {
	switch x := value.(type) {
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case string:
		if f := fs.Fact(id); f != nil {
			for _, c := range f.Choices {
				if c.Value == x {
					return c.Label
				}
			}
		}
		return x
	}
	return fmt.Sprint(value)
}

// Cond is a condition over facts. Exactly one form is set:
//
//	{fact: F, is: V}          F has value V
//	{fact: F, in: [V, …]}     F has one of the values
//	{fact: F, before: D}      the date fact F is before D (YYYY-MM-DD)
//	{fact: F, on_or_after: D} the date fact F is D or later
//	{all: [C, …]}             every condition holds (read in order; stops at the first that fails)
//	{any: [C, …]}             at least one holds (stops at the first that holds)
//	{not: C}                  C does not hold
//	{ref: NAME}               the named definition holds
type Cond struct {
	Fact      string
	Is        any
	In        []string
	Before    string
	OnOrAfter string
	All       []Cond
	Any       []Cond
	Not       *Cond
	Ref       string
	always    bool
}

// Always is the condition that always holds (an absent "when").
var Always = Cond{always: true}

type condJSON struct {
	Fact      string          `json:"fact,omitempty"`
	Is        json.RawMessage `json:"is,omitempty"`
	In        []string        `json:"in,omitempty"`
	Before    string          `json:"before,omitempty"`
	OnOrAfter string          `json:"on_or_after,omitempty"`
	All       []Cond          `json:"all,omitempty"`
	Any       []Cond          `json:"any,omitempty"`
	Not       *Cond           `json:"not,omitempty"`
	Ref       string          `json:"ref,omitempty"`
}

// UnmarshalJSON reads a condition, refusing keys it does not know and a
// condition with no form or more than one.
func (c *Cond) UnmarshalJSON(b []byte) error {
	var j condJSON
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&j); err != nil {
		return fmt.Errorf("condition: %w", err)
	}
	*c = Cond{Fact: j.Fact, In: j.In, Before: j.Before, OnOrAfter: j.OnOrAfter, All: j.All, Any: j.Any, Not: j.Not, Ref: j.Ref}
	if len(j.Is) > 0 {
		if err := json.Unmarshal(j.Is, &c.Is); err != nil {
			return fmt.Errorf("condition: is: %w", err)
		}
		if c.Is == nil {
			return errors.New("condition: is: null is not a value")
		}
	}
	forms := 0
	if c.Fact != "" {
		forms++
		tests := 0
		for _, set := range []bool{c.Is != nil, c.In != nil, c.Before != "", c.OnOrAfter != ""} {
			if set {
				tests++
			}
		}
		if tests != 1 {
			return fmt.Errorf("condition on %q: give exactly one of is, in, before, on_or_after", c.Fact)
		}
	} else if c.Is != nil || c.In != nil || c.Before != "" || c.OnOrAfter != "" {
		return errors.New("condition: is, in, before and on_or_after need a fact")
	}
	for _, set := range []bool{c.All != nil, c.Any != nil, c.Not != nil, c.Ref != ""} {
		if set {
			forms++
		}
	}
	if forms != 1 {
		return errors.New("condition: give exactly one of fact, all, any, not, ref")
	}
	return nil
}

// MarshalJSON writes the condition in the form it was read.
func (c Cond) MarshalJSON() ([]byte, error) {
	if c.always {
		return []byte("null"), nil
	}
	j := condJSON{Fact: c.Fact, In: c.In, Before: c.Before, OnOrAfter: c.OnOrAfter, All: c.All, Any: c.Any, Not: c.Not, Ref: c.Ref}
	if c.Is != nil {
		b, err := json.Marshal(c.Is)
		if err != nil {
			return nil, err
		}
		j.Is = b
	}
	return json.Marshal(j)
}

// IsAlways reports whether c is the condition that always holds.
func (c *Cond) IsAlways() bool { return c.always }

// Eval evaluates c over v. When it needs a fact that v does not hold, it
// returns that fact's id as need (and ok is meaningless). all and any read
// their parts in order and stop as soon as the answer is known, so a fact is
// needed only when the answer turns on it along the way.
func (fs *Facts) Eval(c *Cond, v Values) (ok bool, need string) {
	switch {
	case c.always:
		return true, ""
	case c.Fact != "":
		x, known := v[c.Fact]
		if !known {
			return false, c.Fact
		}
		switch {
		case c.Is != nil:
			return x == c.Is, ""
		case c.In != nil:
			s, _ := x.(string)
			return slices.Contains(c.In, s), ""
		case c.Before != "":
			s, _ := x.(string)
			return s < c.Before, ""
		default:
			s, _ := x.(string)
			return s >= c.OnOrAfter, ""
		}
	case c.All != nil:
		for i := range c.All {
			ok, need := fs.Eval(&c.All[i], v)
			if need != "" || !ok {
				return false, need
			}
		}
		return true, ""
	case c.Any != nil:
		for i := range c.Any {
			ok, need := fs.Eval(&c.Any[i], v)
			if need != "" || ok {
				return ok, need
			}
		}
		return false, ""
	case c.Not != nil:
		ok, need := fs.Eval(c.Not, v)
		return !ok, need
	case c.Ref != "":
		d := fs.Defs[c.Ref]
		return fs.Eval(&d, v)
	}
	return false, ""
}

// Check reports the first mistake in c: an undeclared fact or definition, a
// value of the wrong type or outside a choice, a date that is not one, or a
// definition that refers to itself.
func (fs *Facts) Check(c *Cond) error {
	return fs.check(c, nil)
}

func (fs *Facts) check(c *Cond, seen []string) error {
	switch {
	case c.always:
		return nil
	case c.Fact != "":
		f := fs.Fact(c.Fact)
		if f == nil {
			return fmt.Errorf("condition names fact %q, which is not declared", c.Fact)
		}
		if c.Is != nil {
			return fs.checkValue(f, c.Is)
		}
		if c.In != nil {
			if f.Type != Choice {
				return fmt.Errorf("fact %q: in is for choices", f.ID)
			}
			for _, s := range c.In {
				if err := fs.checkValue(f, s); err != nil {
					return err
				}
			}
			return nil
		}
		if f.Type != Date {
			return fmt.Errorf("fact %q: before and on_or_after are for dates", f.ID)
		}
		d := c.Before + c.OnOrAfter
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return fmt.Errorf("fact %q: %q is not a date (YYYY-MM-DD)", f.ID, d)
		}
		return nil
	case c.Ref != "":
		if slices.Contains(seen, c.Ref) {
			return fmt.Errorf("definition %q refers to itself", c.Ref)
		}
		d, ok := fs.Defs[c.Ref]
		if !ok {
			return fmt.Errorf("condition names definition %q, which is not there", c.Ref)
		}
		return fs.check(&d, append(seen, c.Ref))
	case c.Not != nil:
		return fs.check(c.Not, seen)
	}
	for _, list := range [][]Cond{c.All, c.Any} {
		for i := range list {
			if err := fs.check(&list[i], seen); err != nil {
				return err
			}
		}
	}
	return nil
}

func (fs *Facts) checkValue(f *Fact, v any) error {
	switch f.Type {
	case Bool:
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("fact %q is yes or no (true or false), not %v", f.ID, v)
		}
		return nil
	case Choice:
		s, _ := v.(string)
		for _, c := range f.Choices {
			if c.Value == s {
				return nil
			}
		}
		return fmt.Errorf("fact %q has no choice %v", f.ID, v)
	}
	return fmt.Errorf("fact %q: is is for yes-or-no facts and choices", f.ID)
}

// checkDecl checks the declarations themselves: ids unique and present,
// types known, choices for choice facts, questions asked.
func (fs *Facts) checkDecl() error {
	seen := map[string]bool{}
	for _, f := range fs.List {
		switch {
		case f.ID == "":
			return errors.New("a fact has no id")
		case seen[f.ID]:
			return fmt.Errorf("fact %q is declared twice", f.ID)
		case f.Question == "" || f.Label == "":
			return fmt.Errorf("fact %q needs a question and a label", f.ID)
		}
		seen[f.ID] = true
		switch f.Type {
		case Bool, Date, Text:
			if len(f.Choices) > 0 || f.Null != "" {
				return fmt.Errorf("fact %q: only choice facts have choices, and a null that stands for one", f.ID)
			}
		case Choice:
			if len(f.Choices) < 2 {
				return fmt.Errorf("fact %q: a choice needs two or more choices", f.ID)
			}
			if f.Null != "" {
				if err := fs.checkValue(&f, f.Null); err != nil {
					return fmt.Errorf("fact %q: null stands for %q, which is not one of its choices", f.ID, f.Null)
				}
			}
		default:
			return fmt.Errorf("fact %q: type %q is not bool, choice, date or text", f.ID, f.Type)
		}
	}
	for name, d := range fs.Defs {
		if err := fs.check(&d, []string{name}); err != nil {
			return fmt.Errorf("definition %q: %w", name, err)
		}
	}
	return nil
}

// MaxAnswers bounds an answers file.
const MaxAnswers = 64 << 10

// ParseAnswers reads facts from a JSON or YAML object whose keys are fact
// ids. A missing key, or null, leaves the fact unknown. A key that is not a
// declared fact, or a value of the wrong kind, is refused, each naming its
// field: a misspelt fact must not pass silently as "unknown".
func (fs *Facts) ParseAnswers(data []byte) (Values, error) {
	if len(data) > MaxAnswers {
		return nil, psti.Errorf(psti.EINVALID, "The answers are larger than %d KiB.", MaxAnswers>>10)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, psti.Errorf(psti.EINVALID, "The answers are empty: give a JSON or YAML object of facts.")
	}
	js, err := yamlToJSON(data)
	if err != nil {
		return nil, psti.Errorf(psti.EINVALID, "The answers are neither JSON nor YAML: %v", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(js, &raw); err != nil || raw == nil {
		return nil, psti.Errorf(psti.EINVALID, "The answers must be one object of facts, such as {\"ip_internet\": true}.")
	}
	var p psti.Problems
	v := Values{}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f := fs.Fact(k)
		if f == nil {
			p.Add(k, "%q is not a fact these rules know; the facts are: %s.", k, fs.ids())
			continue
		}
		b := raw[k]
		if string(b) == "null" {
			if f.Null != "" {
				v[f.ID] = f.Null
			}
			continue
		}
		if err := fs.Set(v, f.ID, b); err != nil {
			p.Add(k, "%s", err)
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return v, nil
}

// ParseValues checks facts already decoded from JSON (a request body's
// object), as ParseAnswers checks a file.
func (fs *Facts) ParseValues(m map[string]any) (Values, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, psti.Errorf(psti.EINVALID, "The facts cannot be read.")
	}
	return fs.ParseAnswers(b)
}

// Set reads one fact's JSON value into v, checking its kind.
func (fs *Facts) Set(v Values, id string, b json.RawMessage) error {
	f := fs.Fact(id)
	if f == nil {
		return fmt.Errorf("%q is not a fact these rules know", id)
	}
	switch f.Type {
	case Bool:
		var x bool
		if json.Unmarshal(b, &x) != nil {
			var s string
			if json.Unmarshal(b, &s) != nil || fs.SetText(v, id, s) != nil || strings.TrimSpace(s) == "" {
				return fmt.Errorf("%s must be true or false (or null when not known)", id)
			}
			return nil
		}
		v[id] = x
	default:
		var s string
		if json.Unmarshal(b, &s) != nil {
			return fmt.Errorf("%s must be text in quotes", id)
		}
		return fs.SetText(v, id, s)
	}
	return nil
}

// SetText sets fact id from text, as typed in a form or a terminal: "yes"
// and "no" for booleans, a choice's value, a date as YYYY-MM-DD. Empty text
// leaves the fact unknown.
func (fs *Facts) SetText(v Values, id, s string) error {
	f := fs.Fact(id)
	if f == nil {
		return fmt.Errorf("%q is not a fact these rules know", id)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		delete(v, id)
		return nil
	}
	switch f.Type {
	case Bool:
		switch strings.ToLower(s) {
		case "yes", "y", "true":
			v[id] = true
		case "no", "n", "false":
			v[id] = false
		default:
			return fmt.Errorf("%s must be yes or no", id)
		}
	case Choice:
		for _, c := range f.Choices {
			if c.Value == s {
				v[id] = s
				return nil
			}
		}
		vals := make([]string, len(f.Choices))
		for i, c := range f.Choices {
			vals[i] = c.Value
		}
		return fmt.Errorf("%s must be one of %s", id, strings.Join(vals, ", "))
	case Date:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return fmt.Errorf("%s must be a date written YYYY-MM-DD, such as 2026-03-31", id)
		}
		v[id] = s
	case Text:
		if len(s) > 200 {
			return fmt.Errorf("%s is longer than 200 characters", id)
		}
		if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
			return fmt.Errorf("%s holds characters that are not text", id)
		}
		v[id] = s
	}
	return nil
}

func (fs *Facts) ids() string {
	ids := make([]string, len(fs.List))
	for i, f := range fs.List {
		ids[i] = f.ID
	}
	return strings.Join(ids, ", ")
}

// decodeStrict reads a YAML or JSON rules file into out, refusing unknown keys.
func decodeStrict(data []byte, out any) error {
	js, err := yamlToJSON(data)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(js))
	d.DisallowUnknownFields()
	return d.Decode(out)
}

// yamlToJSON reads one YAML document (JSON is YAML too) and writes it as
// JSON. YAML 1.2 rules: only true and false are booleans, so "no" and "y"
// stay text; a date written bare stays the date it reads as.
func yamlToJSON(data []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	v, err := jsonable(v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func jsonable(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			j, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			x[k] = j
		}
		return x, nil
	case map[any]any:
		return nil, errors.New("keys must be text")
	case []any:
		for i, e := range x {
			j, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			x[i] = j
		}
		return x, nil
	case time.Time:
		if x.Equal(x.Truncate(24 * time.Hour)) {
			return x.Format(time.DateOnly), nil
		}
		return x.Format(time.RFC3339), nil
	}
	return v, nil
}
