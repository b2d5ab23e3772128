package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/psti/psti/internal/passwords"
)

// unambiguous is the alphabet of the test batches: no 0/O, 1/l/I.
const unambiguous = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// randomPassword draws n characters uniformly from unambiguous.
func randomPassword(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	out := make([]byte, 0, n)
	for len(out) < n {
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		for _, c := range b {
			// 57 characters: 4×57 = 228, so bytes below 228 are unbiased.
			if c < 4*byte(len(unambiguous)) && len(out) < n {
				out = append(out, unambiguous[int(c)%len(unambiguous)])
			}
		}
	}
	return string(out)
}

// randomMAC returns a random unicast MAC address, upper-case with colons.
func randomMAC(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	b[0] &^= 1
	parts := make([]string, 6)
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02X", x)
	}
	return strings.Join(parts, ":")
}

// randomSerial returns a serial that follows no order with the rows.
func randomSerial(t testing.TB) string {
	t.Helper()
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "SN" + strings.ToUpper(hex.EncodeToString(b))
}

// device is one row of a test batch.
type device struct{ serial, mac, password string }

// cleanDevices is n devices with random serials, MACs and 12-character
// random passwords.
func cleanDevices(t testing.TB, n int) []device {
	t.Helper()
	ds := make([]device, n)
	for i := range ds {
		ds[i] = device{randomSerial(t), randomMAC(t), randomPassword(t, 12)}
	}
	return ds
}

// batchCSV is the devices as a batch file with the header serial,mac,password.
func batchCSV(ds []device) []byte {
	var b bytes.Buffer
	b.WriteString("serial,mac,password\n")
	for _, d := range ds {
		fmt.Fprintf(&b, "%s,%s,%s\n", d.serial, d.mac, d.password)
	}
	return b.Bytes()
}

func writeFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// cliWithStdin runs psti in-process with standard input read from data.
// It replaces os.Stdin for the run, so its callers must not run in parallel.
func cliWithStdin(t *testing.T, data []byte, args ...string) result {
	t.Helper()
	f, err := os.Open(writeFile(t, filepath.Join(t.TempDir(), "stdin"), data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = saved }()
	return cli(t, args...)
}

// wantAuditExit fails unless r exited with code. Exit 0 and 1 are the
// audit's verdict and carry no error message; exit 2 does.
func wantAuditExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got:\n%v", code, r)
	}
	if code == 2 && !strings.HasPrefix(r.stderr, "psti: ") {
		t.Fatalf("exit 2 without a \"psti: \" message on stderr:\n%v", r)
	}
	if code != 2 && strings.Contains(r.stderr, "psti: ") {
		t.Fatalf("exit %d with an error message:\n%v", code, r)
	}
}

// findingLine is one line of --findings.
type findingLine struct {
	Line     int      `json:"line"`
	Serial   string   `json:"serial"`
	Rules    []string `json:"rules"`
	Evidence string   `json:"evidence"`
}

// readFindings reads a --findings file strictly: every line one JSON object
// with exactly the keys line, serial, rules and evidence.
func readFindings(t *testing.T, path string) map[int]findingLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[int]findingLine{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatalf("%s line %d is not a JSON object: %v\n%s", path, n, err, sc.Bytes())
		}
		keys := make([]string, 0, len(raw))
		for k := range raw {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"evidence", "line", "rules", "serial"}; !slices.Equal(keys, want) {
			t.Fatalf("%s line %d has keys %v, want %v:\n%s", path, n, keys, want, sc.Bytes())
		}
		var fl findingLine
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fl); err != nil {
			t.Fatalf("%s line %d: %v\n%s", path, n, err, sc.Bytes())
		}
		if fl.Line < 2 {
			t.Fatalf("%s line %d: line %d is not a data row (the header is line 1)", path, n, fl.Line)
		}
		if len(fl.Rules) == 0 || strings.TrimSpace(fl.Evidence) == "" {
			t.Fatalf("%s line %d has no rules or no evidence:\n%s", path, n, sc.Bytes())
		}
		for _, id := range fl.Rules {
			if !strings.HasPrefix(id, "DP-") {
				t.Fatalf("%s line %d: %q is not a rule id", path, n, id)
			}
		}
		if _, dup := out[fl.Line]; dup {
			t.Fatalf("%s: line %d is reported twice", path, fl.Line)
		}
		out[fl.Line] = fl
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// auditReport is the part of the JSON report the tests look at.
type auditReport struct {
	Verdict     string         `json:"verdict"`
	Summary     string         `json:"summary"`
	Covers      string         `json:"covers"`
	Rows        int64          `json:"rows"`
	Audited     int64          `json:"audited"`
	UserDefined int64          `json:"user_defined"`
	Flagged     int64          `json:"flagged"`
	Thresholds  map[string]any `json:"thresholds"`
	Declaration map[string]any `json:"declaration"`
	Input       struct {
		Name   string `json:"name"`
		SHA256 string `json:"sha256"`
	} `json:"input"`
	Rules []struct {
		ID       string `json:"id"`
		Title    string `json:"title"`
		Severity string `json:"severity"`
		Status   string `json:"status"`
		Count    int64  `json:"count"`
		Examples []struct {
			Line     int    `json:"line"`
			Evidence string `json:"evidence"`
		} `json:"examples"`
	} `json:"rules"`
}

func (r *auditReport) rule(t *testing.T, id string) int {
	t.Helper()
	for i, rr := range r.Rules {
		if rr.ID == id {
			return i
		}
	}
	t.Fatalf("the report has no rule %s", id)
	return -1
}

// parseReport decodes a JSON report and checks its shape: a verdict, every
// rule DP-01…DP-15 with id, title, severity and count.
func parseReport(t *testing.T, what string, data []byte) *auditReport {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	var rep auditReport
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("%s is not a JSON report: %v\n%s", what, err, data)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("%s holds more than one JSON object", what)
	}
	if rep.Verdict != "pass" && rep.Verdict != "fail" {
		t.Fatalf("%s: verdict %q", what, rep.Verdict)
	}
	if len(rep.Rules) != 15 {
		t.Fatalf("%s has %d rules, want DP-01…DP-15", what, len(rep.Rules))
	}
	for i, rr := range rep.Rules {
		if want := fmt.Sprintf("DP-%02d", i+1); rr.ID != want {
			t.Fatalf("%s: rule %d is %q, want %q", what, i, rr.ID, want)
		}
		if rr.Title == "" || !slices.Contains([]string{"FAIL", "WARN", "INFO"}, rr.Severity) || rr.Count < 0 {
			t.Fatalf("%s: rule %s has title %q, severity %q, count %d", what, rr.ID, rr.Title, rr.Severity, rr.Count)
		}
	}
	if len(rep.Thresholds) == 0 {
		t.Fatalf("%s does not give the thresholds used", what)
	}
	return &rep
}

func readReport(t *testing.T, path string) *auditReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseReport(t, path, b)
}

func wantMissing(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s was written (stat: %v)", p, err)
		}
	}
}

// typedCSV is n rows of one credential type, every password made by pw.
func typedCSV(n int, typ string, pw func(i int) string) []byte {
	var b bytes.Buffer
	b.WriteString("serial,password,credential_type\n")
	for i := range n {
		fmt.Fprintf(&b, "SN%07d,%s,%s\n", i, pw(i), typ)
	}
	return b.Bytes()
}

// TestPasswordsAuditExcludedTypes: the para 1(4) exclusions are claims the
// audit checks (PSTI-PW-06), and a batch with nothing to audit says so.
func TestPasswordsAuditExcludedTypes(t *testing.T) {
	d := t.TempDir()
	t.Run("1,000 API keys all letmein", func(t *testing.T) {
		in := writeFile(t, filepath.Join(d, "letmein.csv"), typedCSV(1000, "api_key", func(int) string { return "letmein" }))
		report := filepath.Join(d, "letmein.json")
		r := cli(t, "passwords", "audit", "--input", in, "--report", report)
		wantAuditExit(t, r, 1)
		wantContains(t, "stdout", r.stdout, "Fail:", "no password was audited", "label is not accepted")
		rep := readReport(t, report)
		if rep.Verdict != "fail" || rep.Audited != 0 || rep.Flagged != 1000 {
			t.Fatalf("verdict %q, %d audited, %d flagged; want fail, 0, 1000", rep.Verdict, rep.Audited, rep.Flagged)
		}
	})
	t.Run("only random crypto keys", func(t *testing.T) {
		in := writeFile(t, filepath.Join(d, "keys.csv"), typedCSV(1000, "crypto_key", func(int) string {
			b := make([]byte, 32)
			_, _ = rand.Read(b)
			return hex.EncodeToString(b)
		}))
		report := filepath.Join(d, "keys.json")
		r := cli(t, "passwords", "audit", "--input", in, "--report", report)
		wantAuditExit(t, r, 0)
		wantContains(t, "stdout", r.stdout, "Pass: nothing was checked", "no password was audited")
		if strings.Contains(r.stdout, "no rule flagged any of the 0") {
			t.Fatalf("a batch with nothing audited reads as a plain pass:\n%s", r.stdout)
		}
		if rep := readReport(t, report); rep.Verdict != "pass" || !strings.HasPrefix(rep.Summary, "Nothing was checked") {
			t.Fatalf("verdict %q, summary %q", rep.Verdict, rep.Summary)
		}
	})
	// Para 1(1): every report says a pass covers this file's passwords, not
	// every password of the product; the text and the JSON alike.
	t.Run("what a pass covers", func(t *testing.T) {
		in := writeFile(t, filepath.Join(d, "clean.csv"), batchCSV(cleanDevices(t, 500)))
		report := filepath.Join(d, "clean.json")
		r := cli(t, "passwords", "audit", "--input", in, "--report", report)
		wantAuditExit(t, r, 0)
		wantContains(t, "stdout", r.stdout, "Pass: no rule flagged", passwords.Coverage)
		if rep := readReport(t, report); rep.Covers != passwords.Coverage {
			t.Fatalf("the JSON report covers %q", rep.Covers)
		}
	})
	t.Run("pairing PINs over IP are audited", func(t *testing.T) {
		pins := func(i int) string { return fmt.Sprintf("%06d", (i*7919)%1000000) }
		in := writeFile(t, filepath.Join(d, "ip.csv"), typedCSV(500, "pairing_pin", pins))
		wantAuditExit(t, cli(t, "passwords", "audit", "--input", in), 1)
		in = writeFile(t, filepath.Join(d, "ble.csv"), typedCSV(500, "pairing_pin_non_ip", pins))
		r := cli(t, "passwords", "audit", "--input", in)
		wantAuditExit(t, r, 0)
		wantContains(t, "stdout", r.stdout, "nothing was checked", "500 excluded")
	})
}

// TestPasswordsAuditVerdicts runs the audit on clean and flagged batches and
// checks the exit status, the findings and the report.
func TestPasswordsAuditVerdicts(t *testing.T) {
	const n = 2000
	clean := cleanDevices(t, n)

	macSuffix := cleanDevices(t, n)
	// This address also holds its last 8 hex digits in its neighbours'
	// byte-reversed renderings (MAC-16 written backwards is
	// 29:16:46:16:39:E6); the row must still be named for its own suffix.
	macSuffix[n/2].mac = "E6:39:16:46:16:39"
	for i := range macSuffix {
		hexMAC := strings.ReplaceAll(macSuffix[i].mac, ":", "")
		macSuffix[i].password = hexMAC[len(hexMAC)-8:]
	}

	counter := cleanDevices(t, n)
	for i := range counter {
		counter[i].password = fmt.Sprintf("Kp7w%06d", 400000+i)
	}

	// Two rows share a password: lines 501 and 1501 (the header is line 1).
	dup := slices.Clone(clean)
	dup[1499].password = dup[499].password

	tests := []struct {
		name  string
		batch []device
		code  int
		rule  string // for exit 1: the rule every flagged line must name
		lines []int  // for exit 1: the exact flagged lines; nil: every row
		evid  string // in the evidence of every flagged line
	}{
		{name: "clean random batch", batch: clean, code: 0},
		{name: "last 8 hex digits of the MAC", batch: macSuffix, code: 1, rule: "DP-06", evid: "MAC"},
		{name: "counter", batch: counter, code: 1, rule: "DP-05"},
		{name: "one duplicate pair", batch: dup, code: 1, rule: "DP-04", lines: []int{501, 1501}, evid: "same password as line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := writeFile(t, filepath.Join(dir, "batch.csv"), batchCSV(tt.batch))
			report, findings := filepath.Join(dir, "report.json"), filepath.Join(dir, "findings.jsonl")
			r := cli(t, "passwords", "audit", "--input", in, "--report", report, "--findings", findings)
			wantAuditExit(t, r, tt.code)
			rep := readReport(t, report)
			got := readFindings(t, findings)
			if rep.Rows != n || rep.Audited != n {
				t.Fatalf("report: rows %d, audited %d; want %d", rep.Rows, rep.Audited, n)
			}
			if dp15 := rep.Rules[rep.rule(t, "DP-15")]; dp15.Status != "not_checked" || dp15.Count != 0 {
				t.Fatalf("without --declaration DP-15 is %q with count %d, want not_checked", dp15.Status, dp15.Count)
			}
			if tt.code == 0 {
				if rep.Verdict != "pass" || rep.Flagged != 0 || len(got) != 0 {
					t.Fatalf("clean batch: verdict %q, %d flagged, %d findings: %v", rep.Verdict, rep.Flagged, len(got), got)
				}
				for _, rr := range rep.Rules {
					if rr.Count != 0 || rr.Status == "flagged" {
						t.Fatalf("clean batch: %s is %s with count %d: %+v", rr.ID, rr.Status, rr.Count, rr.Examples)
					}
				}
				wantContains(t, "stdout", r.stdout, "Pass:")
				return
			}
			if rep.Verdict != "fail" {
				t.Fatalf("verdict %q, want fail", rep.Verdict)
			}
			rr := rep.Rules[rep.rule(t, tt.rule)]
			if rr.Status != "flagged" || rr.Count == 0 || len(rr.Examples) == 0 || rr.Examples[0].Evidence == "" {
				t.Fatalf("%s: status %q, count %d, examples %+v", tt.rule, rr.Status, rr.Count, rr.Examples)
			}
			want := tt.lines
			if want == nil {
				for i := range n {
					want = append(want, i+2)
				}
			}
			if rep.Flagged != int64(len(got)) {
				t.Fatalf("the report says %d rows flagged; --findings has %d", rep.Flagged, len(got))
			}
			if tt.lines != nil && len(got) != len(tt.lines) {
				t.Fatalf("flagged lines: got %d findings, want exactly %v: %v", len(got), tt.lines, got)
			}
			for _, line := range want {
				fl, ok := got[line]
				if !ok {
					t.Fatalf("line %d is not in --findings (%d findings)", line, len(got))
				}
				if !slices.Contains(fl.Rules, tt.rule) {
					t.Fatalf("line %d: rules %v, want %s", line, fl.Rules, tt.rule)
				}
				if fl.Serial != tt.batch[line-2].serial {
					t.Fatalf("line %d: serial %q, want %q", line, fl.Serial, tt.batch[line-2].serial)
				}
				if !strings.Contains(fl.Evidence, tt.evid) {
					t.Fatalf("line %d: evidence %q does not mention %q", line, fl.Evidence, tt.evid)
				}
			}
			if tt.rule == "DP-04" {
				// Each row of the pair names the other.
				if !strings.Contains(got[501].Evidence, "line 1501") || !strings.Contains(got[1501].Evidence, "line 501") {
					t.Fatalf("duplicate evidence does not name the other line: %q / %q", got[501].Evidence, got[1501].Evidence)
				}
			}
			wantContains(t, "stdout", r.stdout, "Fail:", tt.rule)
		})
	}
}

// TestPasswordsAuditUnusableInput checks that every unusable input or option
// exits 2, names the file and line, and writes neither --report nor
// --findings (nor leaves temporary files behind).
func TestPasswordsAuditUnusableInput(t *testing.T) {
	good := batchCSV(cleanDevices(t, 20))
	lines := bytes.SplitAfter(good, []byte("\n"))
	withLine := func(i int, line string) []byte {
		var b bytes.Buffer
		for j, l := range lines {
			if j == i {
				b.WriteString(line)
				continue
			}
			b.Write(l)
		}
		return b.Bytes()
	}
	// A row whose password field starts at column 32: "SN" + 10 hex, a comma,
	// 17 characters of MAC, a comma.
	const pwCol = "32"
	tests := []struct {
		name  string
		file  string // name of the input file in the test's directory
		data  []byte // nil: the file is not created
		input string // --input, when not the file
		args  []string
		want  []string // on stderr
		opt   bool     // the mistake is in an option: the message need not name the input
	}{
		{name: "empty file", data: []byte{}, want: []string{"empty", "header"}},
		{name: "header only", data: []byte("serial,mac,password\n"), want: []string{"no rows"}},
		{name: "no password column", data: []byte("serial,mac\nSN1,00:11:22:33:44:55\n"), want: []string{":1:", `no "password" column`}},
		{name: "ragged row", data: withLine(4, "SNAAAAAAAAAA,00:11:22:33:44:55\n"), want: []string{":5:", "number of fields"}},
		{name: "extra field", data: withLine(7, "SNAAAAAAAAAA,00:11:22:33:44:55,Zq9mXr4TwKp7,x\n"), want: []string{":8:", "number of fields"}},
		{name: "invalid UTF-8", data: withLine(3, "SNAAAAAAAAAA,00:11:22:33:44:55,Zq9m\xff\xfeTwKp7\n"), want: []string{":4:" + pwCol + ":", "UTF-8"}},
		{name: "NUL byte", data: withLine(6, "SNAAAAAAAAAA,00:11:22:33:44:55,Zq9m\x00rTwKp7\n"), want: []string{":7:" + pwCol + ":", "NUL"}},
		{name: "line of 20 MB", data: withLine(2, "SNAAAAAAAAAA,00:11:22:33:44:55,"+strings.Repeat("x", 20<<20)+"\n"), want: []string{":3:", "longer than"}},
		{name: "file of one 20 MB line", data: []byte("serial,password," + strings.Repeat("y", 20<<20)), want: []string{":1:", "longer than"}},
		{name: "bad quote", data: withLine(2, "SNAAAAAAAAAA,00:11:22:33:44:55,ab\"cd\"ef\n"), want: []string{":3:", "quote"}},
		{name: "unknown credential type", data: []byte("serial,password,credential_type\nSN1,Zq9mXr4TwKp7,toaster\n"), want: []string{":2:", "toaster"}},
		{name: "not gzip", file: "batch.csv.gz", data: good, want: []string{"gzip"}},
		{name: "truncated gzip", file: "batch.csv.gz", data: gzipped(t, bytes.Repeat(good, 50))[:400], want: []string{"cannot be read"}},
		{name: "unknown --format", data: good, args: []string{"--format", "xml"}, want: []string{"--format", "xml"}, opt: true},
		{name: "nonexistent input", data: nil, want: []string{"cannot open"}},
		{name: "directory as input", input: ".", want: []string{"directory"}},
		{name: "unknown --set name", data: good, args: []string{"--set", "bogus=3"}, want: []string{"bogus", "min_length"}, opt: true},
		{name: "--set without a number", data: good, args: []string{"--set", "min_length=many"}, want: []string{"min_length", "many"}, opt: true},
		{name: "negative --workers", data: good, args: []string{"--workers", "-1"}, want: []string{"--workers"}, opt: true},
		{name: "declaration not JSON", data: good, args: []string{"--declaration", "DECL"}, want: []string{"decl.json", "declaration"}, opt: true},
		{name: "declaration missing", data: good, args: []string{"--declaration", "nonexistent.json"}, want: []string{"declaration", "nonexistent.json"}, opt: true},
		{name: "report in a missing directory", data: good, args: []string{"--report", "REPORTDIR"}, want: []string{"cannot write", "report.json"}, opt: true},
		{name: "findings in a missing directory", data: good, args: []string{"--findings", "FINDINGSDIR"}, want: []string{"cannot write", "findings.jsonl"}, opt: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tt.file == "" {
				tt.file = "batch.csv"
			}
			in := filepath.Join(dir, tt.file)
			if tt.data != nil {
				writeFile(t, in, tt.data)
			}
			writeFile(t, filepath.Join(dir, "decl.json"), []byte("serial,mac,password\n"))
			if tt.input != "" {
				in = filepath.Join(dir, tt.input)
			}
			report, findings := filepath.Join(dir, "report.json"), filepath.Join(dir, "findings.jsonl")
			args := []string{"passwords", "audit", "--input", in}
			// Every run asks for both outputs; a run that sets one of them to
			// an unwritable place still asks for the other.
			hasReport, hasFindings := false, false
			for _, a := range tt.args {
				switch a {
				case "DECL":
					a = filepath.Join(dir, "decl.json")
				case "nonexistent.json":
					a = filepath.Join(dir, a)
				case "REPORTDIR":
					a, hasReport = filepath.Join(dir, "missing", "report.json"), true
				case "FINDINGSDIR":
					a, hasFindings = filepath.Join(dir, "missing", "findings.jsonl"), true
				}
				args = append(args, a)
			}
			if !hasReport {
				args = append(args, "--report", report)
			}
			if !hasFindings {
				args = append(args, "--findings", findings)
			}
			before := dirNames(t, dir)
			r := cli(t, args...)
			wantAuditExit(t, r, 2)
			if !tt.opt {
				wantContains(t, "stderr", r.stderr, in)
			}
			wantContains(t, "stderr", r.stderr, tt.want...)
			if strings.Contains(r.stderr, "panic") || strings.Count(r.stderr, "\n") > 3 {
				t.Fatalf("stderr is not a short message:\n%v", r)
			}
			wantMissing(t, report, findings)
			if after := dirNames(t, dir); !slices.Equal(before, after) {
				t.Fatalf("files in the directory changed from %v to %v", before, after)
			}
		})
	}
}

// TestPasswordsAuditLateErrorWritesNothing puts a ragged row after the rows
// the audit holds for calibration, where it reads in the background.
func TestPasswordsAuditLateErrorWritesNothing(t *testing.T) {
	const n = 70000
	ds := make([]device, n)
	for i := range ds {
		// Counter passwords: if the bad row were missed, there would be
		// findings to write.
		ds[i] = device{fmt.Sprintf("SN%07d", i), "00:11:22:33:44:55", fmt.Sprintf("Kp7w%07d", i)}
	}
	data := batchCSV(ds)
	lines := bytes.SplitAfter(data, []byte("\n"))
	lines[69000] = []byte("SNX,00:11:22:33:44:55\n")
	dir := t.TempDir()
	in := writeFile(t, filepath.Join(dir, "late.csv"), bytes.Join(lines, nil))
	report, findings := filepath.Join(dir, "report.json"), filepath.Join(dir, "findings.jsonl")
	r := cli(t, "passwords", "audit", "--input", in, "--report", report, "--findings", findings)
	wantAuditExit(t, r, 2)
	wantContains(t, "stderr", r.stderr, "late.csv:69001:", "number of fields")
	wantMissing(t, report, findings)
	if got := dirNames(t, dir); !slices.Equal(got, []string{"late.csv"}) {
		t.Fatalf("files left behind: %v", got)
	}
}

// TestPasswordsAuditInputs covers standard input, gzip, a byte-order mark,
// user-defined rows and --format json.
func TestPasswordsAuditInputs(t *testing.T) {
	clean := batchCSV(cleanDevices(t, 2000))
	flaggedDevices := cleanDevices(t, 2000)
	for i := range flaggedDevices {
		flaggedDevices[i].password = fmt.Sprintf("Kp7w%06d", 400000+i)
	}
	flagged := batchCSV(flaggedDevices)
	userDefined := cleanDevices(t, 300)
	for i := range userDefined {
		userDefined[i].password = "user-defined"
	}

	t.Run("standard input", func(t *testing.T) {
		for _, tt := range []struct {
			data []byte
			code int
		}{{clean, 0}, {flagged, 1}} {
			findings := filepath.Join(t.TempDir(), "findings.jsonl")
			r := cliWithStdin(t, tt.data, "passwords", "audit", "--input", "-", "--format", "json", "--findings", findings)
			wantAuditExit(t, r, tt.code)
			rep := parseReport(t, "stdout", []byte(r.stdout))
			if rep.Rows != 2000 {
				t.Fatalf("read %d rows from standard input, want 2000", rep.Rows)
			}
			sum := sha256.Sum256(tt.data)
			if rep.Input.SHA256 != hex.EncodeToString(sum[:]) {
				t.Fatalf("input SHA-256 %s, want that of the data sent", rep.Input.SHA256)
			}
			got := readFindings(t, findings)
			if tt.code == 1 && (len(got) != 2000 || !slices.Contains(got[2].Rules, "DP-05")) {
				t.Fatalf("counter batch on standard input: %d findings, line 2: %+v", len(got), got[2])
			}
		}
	})
	t.Run("standard input unusable", func(t *testing.T) {
		report := filepath.Join(t.TempDir(), "report.json")
		r := cliWithStdin(t, []byte("serial,mac\nSN1,00:11:22:33:44:55\n"), "passwords", "audit", "--input", "-", "--report", report)
		wantAuditExit(t, r, 2)
		wantContains(t, "stderr", r.stderr, "-:1:", "password")
		wantMissing(t, report)
	})

	tests := []struct {
		name   string
		file   string
		data   []byte
		format string
		code   int
		check  func(t *testing.T, r result)
	}{
		{name: "gzip clean", file: "b.csv.gz", data: gzipped(t, clean), code: 0, format: "json", check: func(t *testing.T, r result) {
			rep := parseReport(t, "stdout", []byte(r.stdout))
			sum := sha256.Sum256(clean)
			if rep.Rows != 2000 || rep.Input.SHA256 != hex.EncodeToString(sum[:]) {
				t.Fatalf("gzip: %d rows, SHA-256 %s; want 2000 rows and the SHA-256 of the uncompressed text", rep.Rows, rep.Input.SHA256)
			}
		}},
		{name: "gzip flagged", file: "b.csv.gz", data: gzipped(t, flagged), code: 1, format: "json", check: func(t *testing.T, r result) {
			rep := parseReport(t, "stdout", []byte(r.stdout))
			if rep.Verdict != "fail" || rep.Rules[rep.rule(t, "DP-05")].Count != 2000 {
				t.Fatalf("gzip counter batch: verdict %q, DP-05 count %d", rep.Verdict, rep.Rules[rep.rule(t, "DP-05")].Count)
			}
		}},
		{name: "byte-order mark", file: "b.csv", data: append([]byte("\ufeff"), clean...), code: 0, format: "json", check: func(t *testing.T, r result) {
			if rep := parseReport(t, "stdout", []byte(r.stdout)); rep.Rows != 2000 || rep.Verdict != "pass" {
				t.Fatalf("with a BOM: %d rows, verdict %q", rep.Rows, rep.Verdict)
			}
		}},
		{name: "all user-defined", file: "b.csv", data: batchCSV(userDefined), code: 0, format: "json", check: func(t *testing.T, r result) {
			rep := parseReport(t, "stdout", []byte(r.stdout))
			if rep.Verdict != "pass" || rep.Rows != 300 || rep.UserDefined != 300 || rep.Audited != 0 || rep.Flagged != 0 {
				t.Fatalf("all user-defined: verdict %q, rows %d, user-defined %d, audited %d, flagged %d",
					rep.Verdict, rep.Rows, rep.UserDefined, rep.Audited, rep.Flagged)
			}
		}},
		{name: "user-defined text", file: "b.csv", data: batchCSV(userDefined), code: 0, format: "text", check: func(t *testing.T, r result) {
			wantContains(t, "stdout", r.stdout, "Pass:", "300 user-defined")
		}},
		{name: "json fail", file: "b.csv", data: flagged, code: 1, format: "json", check: func(t *testing.T, r result) {
			rep := parseReport(t, "stdout", []byte(r.stdout))
			if rep.Verdict != "fail" || !strings.Contains(rep.Summary, "DP-05") {
				t.Fatalf("verdict %q, summary %q", rep.Verdict, rep.Summary)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := writeFile(t, filepath.Join(t.TempDir(), tt.file), tt.data)
			r := cli(t, "passwords", "audit", "--input", in, "--format", tt.format)
			wantAuditExit(t, r, tt.code)
			if tt.format == "json" && r.stderr != "" {
				t.Fatalf("--format json wrote to stderr:\n%v", r)
			}
			tt.check(t, r)
		})
	}
}

// manifest is the JSON psti passwords generate writes with --manifest.
type manifest struct {
	Format       string  `json:"format"`
	Mechanism    string  `json:"mechanism"`
	Alphabet     string  `json:"alphabet"`
	AlphabetName string  `json:"alphabet_name"`
	Length       int     `json:"length"`
	EntropyBits  float64 `json:"entropy_bits"`
	KeyID        string  `json:"key_id"`
	KeyCustody   string  `json:"key_custody"`
	Label        string  `json:"label"`
	Rows         int64   `json:"rows"`
	SHA256       string  `json:"sha256"`
}

func readManifest(t *testing.T, path string) manifest {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	return m
}

// readBatch reads a generated batch: its header and its rows.
func readBatch(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(recs) == 0 {
		t.Fatalf("%s is empty", path)
	}
	return recs[0], recs[1:]
}

// serialsCSV writes n serials with MAC addresses, in manufacturing order.
func serialsCSV(t *testing.T, dir string, n int) string {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("serial,mac\n")
	for i := range n {
		fmt.Fprintf(&b, "AC200-%07d,00:1A:2B:%02X:%02X:%02X\n", 1000000+i, i>>16&255, i>>8&255, i&255)
	}
	return writeFile(t, filepath.Join(dir, "serials.csv"), b.Bytes())
}

func hexSum(t *testing.T, path string) string {
	t.Helper()
	s := fileSum(t, path)
	return hex.EncodeToString(s[:])
}

// checkGenerated checks a generated batch against the serials and its
// manifest, and returns the passwords by serial.
func checkGenerated(t *testing.T, out, manifestPath string, n int, mechanism string) map[string]string {
	t.Helper()
	header, rows := readBatch(t, out)
	if !slices.Equal(header, []string{"serial", "mac", "password"}) {
		t.Fatalf("%s header %v, want serial,mac,password", out, header)
	}
	if len(rows) != n {
		t.Fatalf("%s has %d rows, want %d", out, len(rows), n)
	}
	bySerial := map[string]string{}
	seen := map[string]int{}
	for i, row := range rows {
		if want := fmt.Sprintf("AC200-%07d", 1000000+i); row[0] != want {
			t.Fatalf("row %d: serial %q, want %q (in order)", i+2, row[0], want)
		}
		pw := row[2]
		if len(pw) != 12 || strings.Trim(pw, unambiguous) != "" {
			t.Fatalf("row %d: password %q is not 12 characters of the unambiguous alphabet", i+2, pw)
		}
		if j, dup := seen[pw]; dup {
			t.Fatalf("rows %d and %d have the same password %q", j+2, i+2, pw)
		}
		seen[pw] = i
		bySerial[row[0]] = pw
	}
	m := readManifest(t, manifestPath)
	if m.Format != "psti-password-manifest/1" || m.Mechanism != mechanism || m.Alphabet != unambiguous || m.AlphabetName != "unambiguous" ||
		m.Length != 12 || m.Rows != int64(n) {
		t.Fatalf("manifest %+v", m)
	}
	if m.EntropyBits < 69.9 || m.EntropyBits > 70.0 { // 12 × log2(57) = 69.99
		t.Fatalf("manifest entropy_bits %v, want 12 × log2(57) ≈ 69.99", m.EntropyBits)
	}
	if got := hexSum(t, out); m.SHA256 != got {
		t.Fatalf("manifest sha256 %s, but the file's SHA-256 is %s", m.SHA256, got)
	}
	return bySerial
}

func TestPasswordsGenerate(t *testing.T) {
	const n = 3000
	dir := t.TempDir()
	serials := serialsCSV(t, dir, n)

	t.Run("csprng", func(t *testing.T) {
		t.Parallel()
		d := t.TempDir()
		out, man := filepath.Join(d, "batch.csv"), filepath.Join(d, "manifest.json")
		r := cli(t, "passwords", "generate", "--serials", serials, "--out", out, "--manifest", man, "--database-url", createDB(t, filepath.Join(d, "psti.db")))
		wantExit(t, r, 0)
		wantContains(t, "stderr", r.stderr, "Self-audit passed")
		checkGenerated(t, out, man, n, "csprng")
		if m := readManifest(t, man); m.KeyID != "" || m.Label != "" {
			t.Fatalf("a random batch's manifest names a key: %+v", m)
		}
		report := filepath.Join(d, "report.json")
		r = cli(t, "passwords", "audit", "--input", out, "--declaration", man, "--report", report)
		wantAuditExit(t, r, 0)
		rep := readReport(t, report)
		if dp15 := rep.Rules[rep.rule(t, "DP-15")]; rep.Verdict != "pass" || dp15.Status != "passed" {
			t.Fatalf("audit with the manifest: verdict %q, DP-15 %q %+v", rep.Verdict, dp15.Status, dp15.Examples)
		}
		if rep.Declaration["mechanism"] != "csprng" {
			t.Fatalf("the report does not carry the declaration: %v", rep.Declaration)
		}

		// The same batch compressed: the manifest's SHA-256 is of the text.
		gz := writeFile(t, filepath.Join(d, "batch.csv.gz"), gzipped(t, mustRead(t, out)))
		r = cli(t, "passwords", "audit", "--input", gz, "--declaration", man)
		wantAuditExit(t, r, 0)

		// DP-15: one password changed after generation. The rows still look
		// random, but the file is not the one declared.
		_, rows := readBatch(t, out)
		edited := bytes.Replace(mustRead(t, out), []byte(","+rows[0][2]+"\n"), []byte(",Zq9mXr4TwKp7\n"), 1)
		if bytes.Equal(edited, mustRead(t, out)) {
			t.Fatal("the edit changed nothing")
		}
		ed := writeFile(t, filepath.Join(d, "edited.csv"), edited)
		report, findings := filepath.Join(d, "edited-report.json"), filepath.Join(d, "edited-findings.jsonl")
		r = cli(t, "passwords", "audit", "--input", ed, "--declaration", man, "--report", report, "--findings", findings)
		wantAuditExit(t, r, 1)
		wantContains(t, "stdout", r.stdout, "Fail:", "DP-15", "SHA-256 does not match")
		rep = readReport(t, report)
		dp15 := rep.Rules[rep.rule(t, "DP-15")]
		if rep.Verdict != "fail" || dp15.Status != "flagged" || len(dp15.Examples) == 0 ||
			!strings.Contains(dp15.Examples[0].Evidence, "SHA-256 does not match") || dp15.Examples[0].Line != 0 {
			t.Fatalf("edited batch: verdict %q, DP-15 %q %+v", rep.Verdict, dp15.Status, dp15.Examples)
		}
		// DP-15 is about the file, not about any row: every row rule passes
		// and no row is in --findings.
		if rep.Flagged != 0 || len(readFindings(t, findings)) != 0 {
			t.Fatalf("edited batch: %d rows flagged, %d findings; want none", rep.Flagged, len(readFindings(t, findings)))
		}
		for _, rr := range rep.Rules {
			if rr.ID != "DP-15" && rr.Status == "flagged" {
				t.Fatalf("edited batch: %s flagged %+v", rr.ID, rr.Examples)
			}
		}
	})

	t.Run("keyed", func(t *testing.T) {
		t.Parallel()
		d := t.TempDir()
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			t.Fatal(err)
		}
		keyHex := hex.EncodeToString(key)
		keyFile := writeFile(t, filepath.Join(d, "key.hex"), []byte(keyHex+"\n"))
		gen := func(name, label string) (string, string, result) {
			out, man := filepath.Join(d, name+".csv"), filepath.Join(d, name+".json")
			r := cli(t, "passwords", "generate", "--serials", serials, "--out", out, "--manifest", man,
				"--hmac-key-file", keyFile, "--label", label, "--key-custody", "hsm", "--database-url", createDB(t, filepath.Join(d, "psti.db")))
			wantExit(t, r, 0)
			return out, man, r
		}
		out1, man1, r1 := gen("first", "psti-v1/AC-200")
		out2, man2, r2 := gen("second", "psti-v1/AC-200")
		out3, man3, _ := gen("other-label", "psti-v1/AC-300")
		pw1 := checkGenerated(t, out1, man1, n, "hmac-sha256")
		pw2 := checkGenerated(t, out2, man2, n, "hmac-sha256")
		pw3 := checkGenerated(t, out3, man3, n, "hmac-sha256")
		if !maps.Equal(pw1, pw2) {
			t.Fatal("the same key and label gave different passwords")
		}
		same := 0
		for s, p := range pw1 {
			if pw3[s] == p {
				same++
			}
		}
		if same != 0 {
			t.Fatalf("another label gave %d of the same passwords", same)
		}
		m := readManifest(t, man1)
		if m.KeyID == "" || m.KeyCustody != "hsm" || m.Label != "psti-v1/AC-200" {
			t.Fatalf("keyed manifest: %+v", m)
		}
		if m2 := readManifest(t, man2); m2.KeyID != m.KeyID {
			t.Fatalf("key ids differ for the same key: %q, %q", m.KeyID, m2.KeyID)
		}
		// The key, in any spelling, is in no output.
		secrets := [][]byte{key, []byte(keyHex), []byte(strings.ToUpper(keyHex)), []byte(keyHex[:16])}
		for _, p := range []string{out1, man1, out2, man2, out3, man3} {
			b := mustRead(t, p)
			for _, s := range secrets {
				if bytes.Contains(b, s) {
					t.Fatalf("%s contains the key", p)
				}
			}
		}
		for _, r := range []result{r1, r2} {
			for _, s := range secrets {
				if strings.Contains(r.stdout+r.stderr, string(s)) {
					t.Fatalf("the command printed the key:\n%v", r)
				}
			}
		}
		r := cli(t, "passwords", "audit", "--input", out1, "--declaration", man1)
		wantAuditExit(t, r, 0)
	})

	t.Run("refusals", func(t *testing.T) {
		t.Parallel()
		d := t.TempDir()
		keyFile := writeFile(t, filepath.Join(d, "key.hex"), []byte(strings.Repeat("ab", 32)))
		shortKey := writeFile(t, filepath.Join(d, "short.key"), []byte("0123456789abcdef"))
		existing := writeFile(t, filepath.Join(d, "existing.csv"), []byte("serial,mac,password\nX,00:11:22:33:44:55,keep-me-please\n"))
		existingSum := fileSum(t, existing)
		badSerials := writeFile(t, filepath.Join(d, "noserial.csv"), []byte("mac\n00:11:22:33:44:55\n"))
		tests := []struct {
			name string
			args []string
			want []string
		}{
			{"wifi key of 8 characters", []string{"--credential-type", "wifi_psk", "--length", "8"}, []string{"46.7 bits", "Wi-Fi", "64"}},
			{"6 characters", []string{"--length", "6"}, []string{"35.0 bits", "at least 40"}},
			{"4 passphrase words for wifi", []string{"--credential-type", "wifi_psk", "--passphrase-words", "4"}, []string{"Wi-Fi", "64"}},
			{"out exists", []string{"--out", existing}, []string{"already exists"}},
			{"key without label", []string{"--hmac-key-file", keyFile}, []string{"--label"}},
			{"label without key", []string{"--label", "psti-v1/X"}, []string{"--hmac-key-file"}},
			{"short key", []string{"--hmac-key-file", shortKey, "--label", "psti-v1/X"}, []string{"32"}},
			{"key on the device", []string{"--hmac-key-file", keyFile, "--label", "psti-v1/X", "--key-custody", "device"}, []string{"device"}},
			{"unknown alphabet", []string{"--alphabet", "emoji"}, []string{"emoji"}},
			{"non-IP pairing pin", []string{"--credential-type", "pairing_pin_non_ip"}, []string{"--credential-type", "1(4)"}},
			{"api key", []string{"--credential-type", "api_key"}, []string{"--credential-type"}},
			{"no serial column", []string{"--serials", badSerials}, []string{"noserial.csv", `"serial"`}},
			{"manifest in a missing directory", []string{"--manifest", filepath.Join(d, "missing", "m.json")}, []string{"cannot write"}},
		}
		for _, tt := range tests {
			before := dirNames(t, d)
			out := filepath.Join(d, "new.csv")
			args := []string{"passwords", "generate", "--serials", serials, "--out", out}
			r := cli(t, append(args, tt.args...)...)
			if r.code != 2 || !strings.HasPrefix(r.stderr, "psti: ") {
				t.Fatalf("%s: want exit 2 with a message, got:\n%v", tt.name, r)
			}
			wantContains(t, tt.name+": stderr", r.stderr, tt.want...)
			if after := dirNames(t, d); !slices.Equal(before, after) {
				t.Fatalf("%s: files changed from %v to %v", tt.name, before, after)
			}
			if fileSum(t, existing) != existingSum {
				t.Fatalf("%s: %s was changed", tt.name, existing)
			}
		}
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPasswordsManifest: the manifest records the model, the batch, the
// standard relied on and the self-audit, is signed with the installation's
// key, and verifies offline; any change to it fails (PSTI-PW-04, DP-15).
func TestPasswordsManifest(t *testing.T) {
	d := t.TempDir()
	db := createDB(t, filepath.Join(d, "psti.db"))
	serials := serialsCSV(t, d, 1000)
	out, man, report := filepath.Join(d, "batch.csv"), filepath.Join(d, "manifest.json"), filepath.Join(d, "self-audit.json")
	r := cli(t, "passwords", "generate", "--serials", serials, "--out", out, "--manifest", man, "--report", report,
		"--model", "AC-200", "--batch", "B-2411", "--standard", "en-303-645", "--database-url", db)
	wantExit(t, r, 0)

	var m map[string]any
	if err := json.Unmarshal(mustRead(t, man), &m); err != nil {
		t.Fatal(err)
	}
	audit, _ := m["audit"].(map[string]any)
	if m["model"] != "AC-200" || m["batch"] != "B-2411" || !strings.Contains(fmt.Sprint(m["standard"]), "EN 303 645 V2.1.1") ||
		!strings.Contains(fmt.Sprint(m["standard"]), "5.1-1 and 5.1-2") || audit["verdict"] != "pass" || audit["report_sha256"] != hexSum(t, report) {
		t.Fatalf("manifest %v (report SHA-256 %s)", m, hexSum(t, report))
	}
	r = cli(t, "passwords", "manifest-key", "--database-url", db)
	wantExit(t, r, 0)
	key := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(key, "ed25519:") || m["public_key"] != key {
		t.Fatalf("manifest-key printed %q; the manifest carries %v", key, m["public_key"])
	}
	// The installation's key does not change.
	if r := cli(t, "passwords", "manifest-key", "--database-url", db); strings.TrimSpace(r.stdout) != key {
		t.Fatalf("the key changed: %q then %q", key, r.stdout)
	}

	// Valid, with and without the key pinned; no database needed.
	r = cli(t, "passwords", "verify-manifest", man)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Valid:", "AC-200", "B-2411", "1,000", "EN 303 645", "pass", key)
	r = cli(t, "passwords", "verify-manifest", man, "--public-key", key)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "the key expected")

	// The audit takes the manifest under either name.
	wantAuditExit(t, cli(t, "passwords", "audit", "--input", out, "--manifest", man), 0)
	wantAuditExit(t, cli(t, "passwords", "audit", "--input", out, "--declaration", man), 0)

	// Another installation's key expected: exit 1.
	other := cli(t, "passwords", "manifest-key", "--database-url", createDB(t, filepath.Join(d, "other.db")))
	wantExit(t, other, 0)
	r = cli(t, "passwords", "verify-manifest", man, "--public-key", strings.TrimSpace(other.stdout))
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "not with the key expected")

	// Any field changed: exit 1.
	orig := string(mustRead(t, man))
	for _, tamper := range []struct{ old, new string }{
		{`"model": "AC-200"`, `"model": "AC-300"`},
		{`"batch": "B-2411"`, `"batch": "B-2412"`},
		{`"rows": 1000`, `"rows": 1001`},
		{`"verdict": "pass"`, `"verdict": "fail"`},
		{`"mechanism": "csprng"`, `"mechanism": "CSPRNG"`},
		{`"sha256": "`, `"sha256": "0`},
		{`"report_sha256": "`, `"report_sha256": "f`},
		{`"format": "psti-password-manifest/1",`, `"format": "psti-password-manifest/1", "note": "added",`},
		{`  "model": "AC-200",` + "\n", ``},
	} {
		changed := strings.Replace(orig, tamper.old, tamper.new, 1)
		if changed == orig {
			t.Fatalf("tamper %q changed nothing", tamper.old)
		}
		r := cli(t, "passwords", "verify-manifest", writeFile(t, filepath.Join(d, "tampered.json"), []byte(changed)))
		if r.code != 1 || !strings.Contains(r.stderr, "NOT VALID") {
			t.Fatalf("tampered (%s → %s): %v", tamper.old, tamper.new, r)
		}
	}
	// Unusable input: exit 2.
	for name, data := range map[string]string{"not JSON": "hello", "unsigned": `{"format":"psti-password-manifest/1","mechanism":"csprng"}`} {
		r := cli(t, "passwords", "verify-manifest", writeFile(t, filepath.Join(d, "bad.json"), []byte(data)))
		if r.code != 2 {
			t.Fatalf("%s: %v", name, r)
		}
	}
	wantExit(t, cli(t, "passwords", "verify-manifest", filepath.Join(d, "missing.json")), 2)
	wantExit(t, cli(t, "passwords", "verify-manifest", man, "--public-key", "not-a-key"), 2)
	// --model without --manifest, and an unknown standard: refused.
	wantExit(t, cli(t, "passwords", "generate", "--serials", serials, "--out", filepath.Join(d, "x.csv"), "--model", "AC-200"), 2)
	wantExit(t, cli(t, "passwords", "generate", "--serials", serials, "--out", filepath.Join(d, "x.csv"), "--manifest", filepath.Join(d, "x.json"), "--standard", "iso-9001", "--database-url", db), 2)
}

// TestPasswordsAuditOneBadRow: the command line fails a batch of 300 on a
// single device whose password is the last 8 hex digits of its own MAC,
// names that line under DP-06, and states how many rows a random batch
// like it would have flagged by chance (PSTI-PW-04).
func TestPasswordsAuditOneBadRow(t *testing.T) {
	d := t.TempDir()
	ds := cleanDevices(t, 300)
	clean := writeFile(t, filepath.Join(d, "clean.csv"), batchCSV(ds))
	r := cli(t, "passwords", "audit", "--input", clean)
	wantAuditExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "by chance: a random batch of this size and format would have at most 0.001 rows flagged")
	mac := strings.NewReplacer(":", "", "-", "").Replace(ds[123].mac)
	ds[123].password = mac[len(mac)-8:]
	bad := writeFile(t, filepath.Join(d, "bad.csv"), batchCSV(ds))
	findings := filepath.Join(d, "findings.jsonl")
	r = cli(t, "passwords", "audit", "--input", bad, "--findings", findings)
	wantAuditExit(t, r, 1)
	wantContains(t, "stdout", r.stdout, "Fail: 1 of 300 rows flagged, by DP-06", "line 125 (")
	f, err := os.ReadFile(findings)
	if err != nil || !strings.Contains(string(f), `"line":125,`) || strings.Count(string(f), "\n") != 1 {
		t.Fatalf("findings: %q %v", f, err)
	}

	// A batch of one device: a vendor's word and its MAC's last six
	// digits fail it, and the report counts "1 row". The word ends in a
	// letter that is not a hex digit, so the match is exactly six digits
	// long whatever the MAC.
	one := ds[:1]
	own := strings.NewReplacer(":", "", "-", "").Replace(one[0].mac)
	one[0].password = "bell" + own[len(own)-6:]
	r = cli(t, "passwords", "audit", "--input", writeFile(t, filepath.Join(d, "one.csv"), batchCSV(one)))
	wantAuditExit(t, r, 1)
	wantContains(t, "stdout", r.stdout, "Fail: 1 of 1 row flagged, by DP-06", "(1 row, 1 audited,", "Derived from a product identifier: 1 row\n", "suffix(6)")
	if regexp.MustCompile(`\b1 rows`).MatchString(r.stdout) {
		t.Errorf("the report counts \"1 rows\":\n%s", r.stdout)
	}
}

// TestPasswordsRules: psti passwords rules lists every rule the audit
// checks, with its requirement, what it checks and its default thresholds,
// as text or JSON; the audit's help points to it.
func TestPasswordsRules(t *testing.T) {
	r := cli(t, "passwords", "rules")
	wantExit(t, r, 0)
	for _, rule := range passwords.Rules {
		wantContains(t, "rules", r.stdout, rule.ID, rule.Title, rule.Requirement)
	}
	wantContains(t, "rules", r.stdout, "Thresholds: min_length=8, wifi_min_length=8", "floor_bits=40", "chance=1e-12", "--set NAME=VALUE",
		"Cryptographic keys, PINs for pairing")
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, " ") && len([]rune(line)) > 80 {
			t.Errorf("a wrapped line is wider than 80 characters: %q", line)
		}
	}

	r = cli(t, "passwords", "rules", "--format", "json")
	wantExit(t, r, 0)
	var out struct {
		Rules []struct {
			passwords.Rule
			Thresholds []struct {
				Name    string  `json:"name"`
				Default float64 `json:"default"`
				Meaning string  `json:"meaning"`
			} `json:"thresholds"`
		} `json:"rules"`
		Thresholds []struct {
			Name    string  `json:"name"`
			Default float64 `json:"default"`
		} `json:"thresholds"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("rules --format json: %v\n%s", err, r.stdout)
	}
	if len(out.Rules) != len(passwords.Rules) || len(out.Thresholds) != 14 {
		t.Fatalf("%d rules and %d thresholds", len(out.Rules), len(out.Thresholds))
	}
	for i, rule := range out.Rules {
		if rule.Rule != passwords.Rules[i] {
			t.Errorf("rule %d: %+v", i, rule.Rule)
		}
	}
	dp11 := out.Rules[10]
	if dp11.ID != "DP-11" || len(dp11.Thresholds) != 3 || dp11.Thresholds[0].Name != "floor_bits" || dp11.Thresholds[0].Default != passwords.DefaultThresholds().FloorBits ||
		dp11.Thresholds[0].Meaning == "" {
		t.Fatalf("DP-11's thresholds: %+v", dp11.Thresholds)
	}
	if dp13 := out.Rules[12]; len(dp13.Thresholds) != 2 || dp13.Thresholds[1].Name != "guess_sample" || dp13.Thresholds[1].Default != 5000 {
		t.Fatalf("DP-13's thresholds: %+v", dp13.Thresholds)
	}

	r = cli(t, "passwords", "rules", "--format", "xml")
	wantExit(t, r, 2)
	r = cli(t, "passwords", "rules", "extra")
	wantExit(t, r, 2)

	r = cli(t, "passwords", "audit", "--help")
	wantExit(t, r, 0)
	wantContains(t, "audit --help", r.stdout, `"psti passwords rules" lists them`)
	if strings.Contains(r.stdout, `"psti passwords audit --help" lists them`) {
		t.Fatalf("the audit's help still promises a list it does not print:\n%s", r.stdout)
	}
	r = cli(t, "passwords", "--help")
	wantExit(t, r, 0)
	wantContains(t, "passwords --help", r.stdout, "rules")
}
