package main

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/psti/psti/internal/passwords"
)

func passwordsCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "passwords",
		Short: "Audit a factory batch of default passwords, or generate compliant ones",
		Args:  groupArgs,
		RunE:  groupHelp,
	}
	c.AddCommand(auditCmd(a), rulesCmd(), generateCmd(a), fingerprintsCmd(a), verifyManifestCmd(a), manifestKeyCmd(a))
	return c
}

// ruleThreshold is one threshold a rule uses, with its default.
type ruleThreshold struct {
	Name    string  `json:"name"`
	Default float64 `json:"default"`
	Meaning string  `json:"meaning"`
}

// ruleInfo is a rule as psti passwords rules prints it.
type ruleInfo struct {
	passwords.Rule
	Thresholds []ruleThreshold `json:"thresholds"`
}

// defaultThresholds lists every threshold with its default value and
// meaning, in the order of passwords.Thresholds.
func defaultThresholds() []ruleThreshold {
	th := passwords.DefaultThresholds()
	v := reflect.ValueOf(th)
	var out []ruleThreshold
	for i := range v.NumField() {
		f := v.Type().Field(i)
		t := ruleThreshold{Name: strings.Split(f.Tag.Get("json"), ",")[0], Meaning: f.Tag.Get("doc")}
		switch fv := v.Field(i); fv.Kind() {
		case reflect.Int:
			t.Default = float64(fv.Int())
		case reflect.Float64:
			t.Default = fv.Float()
		}
		out = append(out, t)
	}
	return out
}

// thresholdText writes a threshold's value as --set takes it.
func thresholdText(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

func rulesCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "rules",
		Short: "List the rules a password audit checks",
		Long: `List the rules "psti passwords audit" checks (DP-01 to DP-15): for each, its
title, its severity (FAIL: a violation on its face; WARN: evidence for a person
to review; INFO: counted only), what it judges (a row, the whole batch, a sample,
or how the passwords were made), the PSTI requirement it serves, what it
checks, and the thresholds it uses with their defaults. The law sets none of
these numbers: change them for one audit with --set NAME=VALUE.`,
		Example: `  psti passwords rules
  psti passwords rules --format json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return usagef("--format must be text or json, not %q", format)
			}
			all := defaultThresholds()
			byName := map[string]ruleThreshold{}
			for _, t := range all {
				byName[t.Name] = t
			}
			var rules []ruleInfo
			for _, r := range passwords.Rules {
				ri := ruleInfo{Rule: r, Thresholds: []ruleThreshold{}}
				for _, n := range passwords.ThresholdsOf(r.ID) {
					ri.Thresholds = append(ri.Thresholds, byName[n])
				}
				rules = append(rules, ri)
			}
			w := c.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Rules      []ruleInfo      `json:"rules"`
					Thresholds []ruleThreshold `json:"thresholds"`
				}{rules, all})
			}
			printRules(w, rules, all)
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "text", "output: text or json")
	return c
}

// printRules writes the rules as a table a person reads in a terminal: one
// line per rule, then what it checks and its thresholds, indented.
func printRules(w io.Writer, rules []ruleInfo, all []ruleThreshold) {
	fmt.Fprintln(w, "Severity: FAIL a violation on its face; WARN evidence for a person to review")
	fmt.Fprintln(w, "(either fails the batch); INFO counted only. Judges: each row, the whole batch,")
	fmt.Fprintln(w, "a sample of rows, or the process that made the passwords.")
	fmt.Fprintln(w)
	req := len("REQUIREMENT")
	for _, r := range rules {
		req = max(req, len(r.Requirement))
	}
	fmt.Fprintf(w, "%-6s  %-8s  %-7s  %-*s  %s\n", "RULE", "SEVERITY", "JUDGES", req, "REQUIREMENT", "TITLE")
	for _, r := range rules {
		fmt.Fprintf(w, "%-6s  %-8s  %-7s  %-*s  %s\n", r.ID, r.Severity, r.Scope, req, r.Requirement, r.Title)
		for _, line := range wrapText(r.Explain, 70) {
			fmt.Fprintf(w, "        %s\n", line)
		}
		if len(r.Thresholds) > 0 {
			var ts []string
			for _, t := range r.Thresholds {
				ts = append(ts, t.Name+"="+thresholdText(t.Default))
			}
			for i, line := range wrapText(strings.Join(ts, ", "), 58) {
				label := "Thresholds:"
				if i > 0 {
					label = ""
				}
				fmt.Fprintf(w, "        %-11s %s\n", label, line)
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "Thresholds, with their defaults. The law sets none of them; change one for an")
	fmt.Fprintln(w, "audit with psti passwords audit --set NAME=VALUE.")
	width := 0
	for _, t := range all {
		width = max(width, len(t.Name)+1+len(thresholdText(t.Default)))
	}
	for _, t := range all {
		nv := t.Name + "=" + thresholdText(t.Default)
		for i, line := range wrapText(t.Meaning, max(30, 76-width)) {
			if i > 0 {
				nv = ""
			}
			fmt.Fprintf(w, "  %-*s  %s\n", width, nv, line)
		}
	}
}

// wrapText breaks s into lines of at most width characters, at spaces.
func wrapText(s string, width int) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len([]rune(line))+1+len([]rune(word)) <= width:
			line += " " + word
		default:
			out = append(out, line)
			line = word
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

// exitError carries an exit status other than 1 without a message of its own.
type exitError struct{ code int }

func (e exitError) Error() string { return "exit status " + strconv.Itoa(e.code) }

func auditCmd(a *app) *cobra.Command {
	var o struct {
		input, brand, model, product, declaration, format, report, findings string
		workers                                                             int
		set, previous                                                       []string
	}
	c := &cobra.Command{
		Use:   "audit --input BATCH.csv",
		Short: "Check a batch of default passwords against the PSTI password rules",
		Long: `Check a factory batch of default passwords against UK PSTI Schedule 1
paragraph 1: every password unique per device, not an incremental counter, not
derived from unique product identifiers (serial, MAC, IMEI) unless by an
encryption method or keyed hashing algorithm accepted as good industry practice,
not based on public information such as the brand, model or Wi-Fi network name
(for which the law makes no such exception), not easy to guess. A pass covers
the passwords in the file, not every password of the product (para 1(1)). Rules DP-01 to DP-15 run on every row
or across the batch; "psti passwords rules" lists them, with what each checks, the
PSTI requirement it serves and its default thresholds (--format json for JSON).

What no audit can see: passwords from a generator that is not cryptographically
secure (rand(), a Mersenne Twister), seeded with each device's serial or MAC,
look random, yet anyone who knows the generator recomputes them. Give the
declaration of how the passwords were made (--manifest, rule DP-15): it names
the generator, and one that is not cryptographically secure is refused.

Input: CSV with a header row. Column "password" is required; any of serial, mac,
imei, ssid, username, model and credential_type may appear, in any order.
credential_type is one of admin, wifi_psk, web, pairing_pin (a PIN that pairs
over Wi-Fi or IP: a password, audited), or a type that paragraph 1(4) excludes:
pairing_pin_non_ip (pairs over Bluetooth, Zigbee or another protocol outside
the internet protocol suite), api_key, crypto_key. Excluded rows are counted,
not audited, but the label is checked: one whose value is a known or common
password, a short dictionary word, or a short value several rows share, is
flagged. A password of "user-defined" marks a device that makes the user set
one. "-" reads standard input; a name ending in .gz is read as gzip.

Exit status:
  0  every rule passes (a batch in which no row was a password to audit says
     "Nothing was checked");
  1  rows were flagged: any flagged row fails the batch, whether the rule
     found a violation or evidence for review (the report gives each rule's
     severity; on the server, an editor records a review of such evidence:
     accepted with a reason, or confirmed as a failure);
  2  the input or options are unusable (the message names the file, line and
     column, and nothing is written).

Thresholds are printed in the report and can be changed with --set, e.g.
--set min_length=10 --set target_bits=70. Names: min_length, wifi_min_length,
floor_bits, target_bits, wifi_floor_bits, mac_offset, chance, batch_chance, run_length,
dense_counter_rows, dense_counter_fill, min_guesses_log10, guess_sample,
near_duplicate_sample.

Earlier batches (PSTI: unique for each product of a class or type): --previous
FILE, repeatable, compares the batch with an earlier batch of the same product,
given as the fingerprint file "psti passwords fingerprints" wrote or as the batch
file itself. A device whose password a device of an earlier batch has is flagged
under DP-04, naming that batch. No password is kept: fingerprints are keyed with
this installation's secret key (in the database, --database-url), and a
fingerprint file from another installation is refused (exit status 2).`,
		Example: `  psti passwords audit --input batch-2411.csv
  psti passwords audit --input batch.csv.gz --brand Acme --model AC-200 \
      --manifest manifest.json --report report.json --findings findings.jsonl
  zcat batch.csv.gz | psti passwords audit --input - --format json
  psti passwords audit --input batch-2501.csv --previous batch-2411.fp --previous batch-2447.csv`,
		Args: exactArgs(0, "no arguments: name the batch file with --input, as in psti passwords audit --input batch.csv"),
		RunE: func(c *cobra.Command, _ []string) error {
			if o.input == "" {
				return usagef("--input BATCH.csv is required (use - for standard input)")
			}
			if o.format != "text" && o.format != "json" {
				return usagef("--format must be text or json, not %q", o.format)
			}
			if o.workers < 0 {
				return usagef("--workers must be 0 (one per core) or more")
			}
			th, err := thresholds(o.set)
			if err != nil {
				return err
			}
			cfg := passwords.Config{Brand: o.brand, Model: o.model, Product: o.product, Thresholds: th, Workers: o.workers, InputName: o.input}
			if o.declaration != "" {
				f, err := os.Open(o.declaration)
				if err != nil {
					return usagef("cannot read the declaration: %v", err)
				}
				cfg.Declaration, err = passwords.ReadDeclaration(f, o.declaration)
				f.Close()
				if err != nil {
					return usageError{err}
				}
			}
			if len(o.previous) > 0 {
				if cfg.Fingerprints, err = a.fingerprinter(c.Context()); err != nil {
					return err
				}
				sets, done, err := earlierSets(c.Context(), o.previous, cfg.Fingerprints, "")
				if err != nil {
					return err
				}
				defer done()
				cfg.Earlier = sets
			}
			in, size, closeIn, err := openInput(o.input)
			if err != nil {
				return err
			}
			defer closeIn()

			// Outputs go to temporary files, renamed into place only when the
			// audit has run to the end: an unusable input writes nothing.
			var findingsOut, reportOut *pendingFile
			if o.findings != "" {
				if findingsOut, err = newPendingFile(o.findings); err != nil {
					return err
				}
				defer findingsOut.discard()
				cfg.Findings = findingsOut
			}
			if o.report != "" {
				if reportOut, err = newPendingFile(o.report); err != nil {
					return err
				}
				defer reportOut.discard()
			}
			bar := progress(a.stderr, size)
			if bar != nil {
				cfg.Progress = func(rows int64) {
					_ = bar.Set64(in.read())
					bar.Describe(fmt.Sprintf("%s rows", humanize.Comma(rows)))
				}
			}
			// Keep the heap near what the audit needs on very large batches.
			debug.SetMemoryLimit(400 << 20)
			rep, err := passwords.Audit(c.Context(), in, cfg)
			finishBar(bar, a.stderr)
			if err != nil {
				return inputUsage(err)
			}
			if reportOut != nil {
				enc := json.NewEncoder(reportOut)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			}
			if findingsOut != nil {
				if err := findingsOut.commit(); err != nil {
					return err
				}
			}
			if reportOut != nil {
				if err := reportOut.commit(); err != nil {
					return err
				}
			}
			if o.format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				writeReport(a.stdout, rep)
			}
			if rep.Verdict != "pass" {
				return exitError{1}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.input, "input", "", "batch CSV file (- for standard input; .gz is read as gzip)")
	f.StringVar(&o.brand, "brand", "", "brand name; passwords must not contain it")
	f.StringVar(&o.model, "model", "", "model name or number; passwords must not contain it")
	f.StringVar(&o.product, "product", "", "product name; passwords must not contain it")
	f.StringVar(&o.declaration, "manifest", "", "how the passwords were made (DP-15): the manifest from psti passwords generate, or the same JSON from another generator")
	f.StringVar(&o.declaration, "declaration", "", "the same as --manifest")
	f.StringVar(&o.format, "format", "text", "report on standard output: text or json")
	f.StringVar(&o.report, "report", "", "also write the full report as JSON to this file")
	f.StringVar(&o.findings, "findings", "", "write one JSON line per flagged row to this file")
	f.IntVar(&o.workers, "workers", 0, "rows checked in parallel (0: one per core)")
	f.StringArrayVar(&o.set, "set", nil, "change a threshold, NAME=VALUE (repeatable)")
	f.StringArrayVar(&o.previous, "previous", nil, "an earlier batch of the same product: its fingerprint file or the batch file (repeatable)")
	return c
}

// thresholds applies --set NAME=VALUE to the defaults, by the JSON names
// the report prints.
func thresholds(sets []string) (passwords.Thresholds, error) {
	th := passwords.DefaultThresholds()
	v := reflect.ValueOf(&th).Elem()
	names := map[string]int{}
	for i := range v.NumField() {
		names[strings.Split(v.Type().Field(i).Tag.Get("json"), ",")[0]] = i
	}
	for _, s := range sets {
		k, val, ok := strings.Cut(s, "=")
		i, known := names[strings.TrimSpace(k)]
		if !ok || !known {
			var all []string
			for n := range names {
				all = append(all, n)
			}
			sort.Strings(all)
			return th, usagef("--set %q: write NAME=VALUE with NAME one of %s", s, strings.Join(all, ", "))
		}
		fv := v.Field(i)
		switch fv.Kind() {
		case reflect.Int:
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil || n < 0 {
				return th, usagef("--set %s: %q is not a whole number", k, val)
			}
			fv.SetInt(int64(n))
		case reflect.Float64:
			x, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil || x < 0 || math.IsInf(x, 0) || math.IsNaN(x) {
				return th, usagef("--set %s: %q is not a number", k, val)
			}
			fv.SetFloat(x)
		}
	}
	if th.Chance <= 0 || th.Chance >= 1 {
		return th, usagef("--set chance: must be between 0 and 1, e.g. 1e-12")
	}
	return th, nil
}

// input is the batch being read, and the file under it, whose position
// says how much has been read (for the progress bar).
type input struct {
	io.Reader
	file *os.File
}

func (in *input) read() int64 {
	if in.file == nil {
		return 0
	}
	pos, err := in.file.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0
	}
	return pos
}

// openInput opens a batch file, standard input for "-", and gzip for .gz.
// size is the file's size for the progress bar (-1 when unknown).
func openInput(name string) (*input, int64, func(), error) {
	var f *os.File
	size := int64(-1)
	if name == "-" {
		f = os.Stdin
	} else {
		var err error
		if f, err = os.Open(name); err != nil {
			return nil, 0, nil, usagef("cannot open the input: %v", err)
		}
		if st, err := f.Stat(); err == nil {
			if st.IsDir() {
				f.Close()
				return nil, 0, nil, usagef("%s is a directory, not a batch file", name)
			}
			size = st.Size()
		}
	}
	in := &input{Reader: f, file: f}
	closeIn := func() {
		if f != os.Stdin {
			f.Close()
		}
	}
	if name != "-" && size > 0 {
		// Plain files are seekable: the bar follows the file position.
	} else {
		in.file = nil
	}
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			closeIn()
			return nil, 0, nil, usagef("%s: not a gzip file: %v", name, err)
		}
		in.Reader = zr
	}
	return in, size, closeIn, nil
}

// progress returns a bar on stderr when stderr is a terminal; nil otherwise.
func progress(w io.Writer, size int64) *progressbar.ProgressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetDescription("auditing"),
	)
}

// finishBar ends a progress bar (nil when the output is not a terminal) on
// a line of its own.
func finishBar(bar *progressbar.ProgressBar, w io.Writer) {
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(w)
	}
}

// inputUsage makes an input the password commands cannot use a usage
// error (exit status 2); other errors pass through.
func inputUsage(err error) error {
	var ie *passwords.InputError
	if errors.As(err, &ie) {
		return usageError{err}
	}
	return err
}

// pendingFile is an output written to a temporary file beside its final
// name and renamed into place on commit.
type pendingFile struct {
	*os.File
	final string
	done  bool
}

func newPendingFile(name string) (*pendingFile, error) {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return nil, usagef("cannot write %s: %v", name, err)
	}
	return &pendingFile{File: f, final: name}, nil
}

func (p *pendingFile) commit() error {
	if err := p.Sync(); err != nil {
		return err
	}
	if err := p.Close(); err != nil {
		return err
	}
	p.done = true
	return os.Rename(p.Name(), p.final)
}

func (p *pendingFile) discard() {
	if !p.done {
		p.Close()
		os.Remove(p.Name())
	}
}

// rowsOf says how many rows, as "1 row" or "12,345 rows".
func rowsOf(n int64) string {
	if n == 1 {
		return "1 row"
	}
	return humanize.Comma(n) + " rows"
}

// writeReport prints the report for a person.
func writeReport(w io.Writer, r *passwords.Report) {
	fmt.Fprintf(w, "%s\n%s\n\n", headline(r), passwords.Coverage)
	fmt.Fprintf(w, "Input   %s (%s, %s audited, %s user-defined, %s excluded types)\n", r.Input.Name,
		rowsOf(r.Rows), humanize.Comma(r.Audited), humanize.Comma(r.UserDefined), humanize.Comma(r.Excluded))
	fmt.Fprintf(w, "SHA-256 %s\n\n", r.Input.SHA256)
	for _, rr := range r.Rules {
		mark := map[string]string{"passed": "pass", "flagged": "FLAG", "not_checked": "n/a ", "info": "info"}[rr.Status]
		fmt.Fprintf(w, "%s  %s  %-4s  %s", mark, rr.ID, rr.Severity, rr.Title)
		if rr.Count > 0 {
			fmt.Fprintf(w, ": %s", rowsOf(rr.Count))
			if rr.Warnings > 0 && rr.Warnings < rr.Count {
				fmt.Fprintf(w, " (%s for review)", humanize.Comma(rr.Warnings))
			}
		}
		fmt.Fprintln(w)
		if rr.Note != "" {
			fmt.Fprintf(w, "            %s\n", rr.Note)
		}
		for i, ex := range rr.Examples {
			if i == 3 {
				fmt.Fprintf(w, "            … see --report for up to 20 examples\n")
				break
			}
			where := fmt.Sprintf("line %d", ex.Line)
			if ex.Line == 0 {
				where = "declaration"
			}
			if ex.Serial != "" {
				where += " (" + ex.Serial + ")"
			}
			fmt.Fprintf(w, "            %s: %s\n", where, ex.Evidence)
		}
	}
	b := r.Batch
	fmt.Fprintf(w, "\nBatch\n")
	fmt.Fprintf(w, "  duplicates: %s share a password, %s more differ only in case (a random batch of this keyspace: %.2g pairs)\n",
		rowsOf(b.Duplicates.ExactRows), humanize.Comma(b.Duplicates.CaseRows), b.Duplicates.Expected)
	writeEarlier(w, r)
	for _, p := range append(b.Counters.Patterns, b.Derivations...) {
		fmt.Fprintf(w, "  %s pattern: %s — %s (chance: %.2g)\n", p.Rule, p.Pattern, rowsOf(p.Rows), p.Expected)
	}
	for _, d := range b.Counters.Dense {
		step := ""
		if d.Step > 1 {
			step = fmt.Sprintf(" in steps of %d", d.Step)
		}
		fmt.Fprintf(w, "  counter in any order: %s take values %s–%s%s, filling %.0f%% of them — %s (chance: below 10^%.0f)\n",
			d.Varies, d.From, d.To, step, math.Floor(100*d.Fill), rowsOf(d.Rows), math.Ceil(d.Log10Chance))
	}
	for _, run := range b.Counters.Runs {
		fmt.Fprintf(w, "  sorted run: %s\n", run)
	}
	for i, t := range b.Templates {
		if i == 5 {
			break
		}
		fmt.Fprintf(w, "  format: %s — %s, %.1f bits (%s)\n", t.Format, rowsOf(t.Rows), t.Bits, t.Verdict)
	}
	for _, d := range b.Dependence {
		fmt.Fprintf(w, "  dependence: %s\n", d)
	}
	fmt.Fprintf(w, "  near-duplicates: %d pairs in a sample of %s (chance: %.2g)\n", b.NearDuplicates.Pairs, rowsOf(int64(b.NearDuplicates.Sample)), b.NearDuplicates.Expected)
	if b.ChanceFlags > 0 {
		fmt.Fprintf(w, "  by chance: a random batch of this size and format would have at most %.2g rows flagged by DP-06 to DP-10\n", b.ChanceFlags)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
	th, _ := json.Marshal(r.Thresholds)
	fmt.Fprintf(w, "\nThresholds %s\n", th)
	fmt.Fprintf(w, "Time       %.1f s, %s rows/s on %d workers\n", r.Performance.Seconds, humanize.Comma(int64(r.Performance.RowsPerSecond)), r.Performance.Workers)
	var costs []string
	for id, c := range r.Performance.Rules {
		costs = append(costs, fmt.Sprintf("%s %s rows/s", id, humanize.Comma(int64(c.RowsPerSecond))))
	}
	sort.Strings(costs)
	fmt.Fprintf(w, "Per rule   %s\n", strings.Join(costs, "; "))
}

// headline is the report's first line: the verdict, then the summary
// without its own "Passed: " or "Failed: ".
func headline(r *passwords.Report) string {
	rest := r.Summary
	for _, p := range []string{"Passed: ", "Failed: "} {
		rest = strings.TrimPrefix(rest, p)
	}
	if rest != "" {
		rest = strings.ToLower(rest[:1]) + rest[1:]
	}
	return strings.ToUpper(r.Verdict[:1]) + r.Verdict[1:] + ": " + rest
}
