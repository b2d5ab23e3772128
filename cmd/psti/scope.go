package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
)

func scopeCmd(a *app) *cobra.Command {
	var answers, format, rulesFile, save string
	c := &cobra.Command{
		Use:   "scope",
		Short: "Decide whether a product is within the UK product security regime, with reasons",
		Long: `psti scope decides whether a product is a relevant connectable product made
available to UK consumers (in scope), is excepted by Schedule 3 of the 2023
Regulations, is not a connectable product, is not a UK consumer product, or
needs legal review. Every reason names the requirement it rests on, and the
decision names the version of the rules it was made with.

Run it in a terminal and it asks only the questions the decision turns on.
Answer y or n, ? when you do not know, or a number for a list. Or give the
answers in a file, JSON or YAML, with --answers:

  {"product": "Acme Cam 2", "as_of": "2026-06-01", "ip_internet": true,
   "uk_consumers": true, "condition": "new", "category": "other",
   "northern_ireland_windsor": false}

The facts a file may give (a missing fact, or null, means not known):
  product, as_of (YYYY-MM-DD, the day it is made available; default today),
  ip_internet, sends_and_receives, direct_ip_to_internet_product,
  non_ip_multi_connect, non_ip_to_internet_product,
  input_device_via_linking_product, uk_consumers,
  identical_to_consumer_product, condition (new, second_hand, returned,
  reconditioned_by_manufacturer), category (other, ev_charge_point,
  medical_device, smart_meter, desktop, laptop, tablet, smartphone,
  motor_vehicle, agricultural_vehicle), cellular,
  charge_point_for_cars_or_vans, charge_point_public, charge_point_rapid,
  installed_by_licensed_supplier, cpa_assured, runs_medical_device_software,
  children_under_14_exclusively, northern_ireland_windsor.

Where a fact is not known and the outcome turns on it, the outcome is
needs_review and the decision names the fact. Where the law behind a rule was
not verified, the outcome is needs_review too: a guess would be worse.

Exit status: 0 for any decision, 2 when the answers cannot be used.`,
		Example: `  psti scope
  psti scope --answers camera.json --format json
  psti scope --answers camera.yaml --save answers.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return usagef("--format must be text or json, not %q", format)
			}
			rules, err := rulesOr(rulesFile, catalog.DefaultScopeRules, catalog.ParseScopeRules)
			if err != nil {
				return err
			}
			var v catalog.Values
			if answers != "" {
				v, err = readFacts(c.InOrStdin(), answers, &rules.Facts)
			} else {
				v, err = askScope(c.InOrStdin(), a.stderr, rules)
			}
			if err != nil {
				return err
			}
			scope.DefaultAsOf(v, time.Now())
			d := scope.Decide(rules, v)
			if save != "" {
				if err := saveAnswers(save, rules, v); err != nil {
					return err
				}
			}
			if format == "json" {
				return printJSON(a.stdout, d)
			}
			writeScope(a.stdout, d)
			return nil
		},
	}
	c.Flags().StringVar(&answers, "answers", "", "read the facts from this JSON or YAML file (- for standard input) instead of asking")
	c.Flags().StringVar(&format, "format", "text", "text or json")
	c.Flags().StringVar(&rulesFile, "rules", "", "decide with this scope rules file instead of the built-in one (to try a corrected one)")
	c.Flags().StringVar(&save, "save", "", "also write the answers to this JSON file, to decide again later")
	return c
}

// rulesOr returns the rules in file name, read with parse (a file that is
// not a rules file is a usage error), or the built-in ones when name is "".
func rulesOr[T any](name string, builtIn func() T, parse func([]byte) (T, error)) (T, error) {
	if name == "" {
		return builtIn(), nil
	}
	b, err := readInput(name, "the rules file")
	if err != nil {
		var zero T
		return zero, err
	}
	r, err := parse(b)
	if err != nil {
		return r, usageError{err}
	}
	return r, nil
}

// readFacts reads a JSON or YAML file of facts (- for standard input) as
// fs declares them; facts that cannot be used are a usage error naming
// each problem.
func readFacts(stdin io.Reader, name string, fs *catalog.Facts) (catalog.Values, error) {
	b, err := readAnswers(stdin, name)
	if err != nil {
		return nil, err
	}
	v, err := fs.ParseAnswers(b)
	if err != nil {
		return nil, usageError{answersError(name, err)}
	}
	return v, nil
}

func readAnswers(stdin io.Reader, name string) ([]byte, error) {
	if name != "-" {
		return readInput(name, "the answers file")
	}
	b, err := io.ReadAll(io.LimitReader(stdin, catalog.MaxAnswers+1))
	if err != nil {
		return nil, usagef("cannot read the answers: %v", err)
	}
	return b, nil
}

// answersError lists every problem of an answers file on its own line.
func answersError(name string, err error) error {
	fields := psti.ErrorFields(err)
	if len(fields) == 0 {
		return fmt.Errorf("%s: %s", answersName(name), psti.ErrorMessage(err))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s cannot be used:", answersName(name))
	for _, f := range fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	return errors.New(b.String())
}

func saveAnswers(name string, rules *catalog.ScopeRules, v catalog.Values) error {
	out := map[string]any{}
	for _, f := range rules.List {
		if x, ok := v[f.ID]; ok {
			out[f.ID] = x
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return writeFileNew(name, append(b, '\n'))
}

// askScope asks, one at a time, only the questions the decision turns on.
func askScope(stdin io.Reader, w io.Writer, rules *catalog.ScopeRules) (catalog.Values, error) {
	in := bufio.NewScanner(stdin)
	v := catalog.Values{}
	asked := map[string]bool{}
	line := func() (string, error) {
		if !in.Scan() {
			if err := in.Err(); err != nil {
				return "", usagef("cannot read the answer: %v", err)
			}
			return "", usagef("the answers ended before the questions did; give them in a file with --answers, or run psti scope in a terminal")
		}
		return strings.TrimSpace(in.Text()), nil
	}
	fmt.Fprintln(w, "Answer y or n, ? if you do not know, or the number of a choice. Enter alone keeps the default shown in brackets.")
	for _, id := range []string{"product", "as_of"} {
		f := rules.Fact(id)
		if f == nil {
			continue
		}
		def := ""
		if id == "as_of" {
			def = time.Now().In(psti.London).Format(time.DateOnly)
		}
		for {
			fmt.Fprintf(w, "\n%s", f.Question)
			if def != "" {
				fmt.Fprintf(w, " [%s]", def)
			}
			fmt.Fprint(w, "\n> ")
			s, err := line()
			if err != nil {
				return nil, err
			}
			if s == "" {
				s = def
			}
			if err := rules.SetText(v, id, s); err != nil {
				fmt.Fprintln(w, "  "+err.Error())
				continue
			}
			break
		}
		asked[id] = true
	}
	for range len(rules.List) + 1 {
		id := scope.Next(rules, v, func(f string) bool { return asked[f] })
		if id == "" {
			break
		}
		f := rules.Fact(id)
		asked[id] = true
		for {
			fmt.Fprintf(w, "\n%s\n", f.Question)
			if f.Help != "" {
				fmt.Fprintf(w, "  (%s)\n", f.Help)
			}
			for i, c := range f.Choices {
				fmt.Fprintf(w, "  %d. %s\n", i+1, c.Label)
			}
			if f.Type == catalog.Bool {
				fmt.Fprint(w, "y/n/? > ")
			} else {
				fmt.Fprint(w, "number or ? > ")
			}
			s, err := line()
			if err != nil {
				return nil, err
			}
			if s == "?" {
				break
			}
			if n, err := strconv.Atoi(s); err == nil && f.Type == catalog.Choice && n >= 1 && n <= len(f.Choices) {
				s = f.Choices[n-1].Value
			}
			if s == "" {
				fmt.Fprintln(w, "  Please answer, or type ? if you do not know.")
				continue
			}
			if err := rules.SetText(v, id, s); err != nil {
				fmt.Fprintln(w, "  "+err.Error())
				continue
			}
			break
		}
	}
	fmt.Fprintln(w)
	return v, nil
}

func writeScope(w io.Writer, d scope.Decision) {
	fmt.Fprintf(w, "Outcome: %s\n", scope.OutcomeText(d.Outcome))
	if d.Product != "" {
		fmt.Fprintf(w, "Product: %s\n", d.Product)
	}
	if t, err := time.Parse(time.DateOnly, d.AsOf); err == nil {
		fmt.Fprintf(w, "Made available: %s\n", psti.LongDate(t))
	}
	fmt.Fprintf(w, "Rules version: %s\n\nWhy:\n", d.RulesVersion)
	for _, r := range d.Reasons {
		label := r.ID
		if r.Confidence != "" && r.Confidence != "VERIFIED" {
			label += ", " + r.Confidence
		}
		fmt.Fprintf(w, "  [%s] %s\n", label, r.Text)
	}
	if len(d.Unknown) > 0 {
		fmt.Fprintf(w, "\nNot known, and the outcome turns on it: %s\n", strings.Join(d.Unknown, ", "))
	}
}

// writeFileNew writes a new file, refusing to replace one that is there.
func writeFileNew(name string, b []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return usagef("%s is already there; psti will not replace it", name)
		}
		return usagef("cannot write %s: %v", name, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func answersName(name string) string {
	if name == "-" {
		return "the answers on standard input"
	}
	return name
}

// printJSON writes v as indented JSON: what --format json prints.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
