package pack

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/support"
)

// Names of the fixed files of a pack.
const (
	IndexHTML      = "index.html"
	IndexPDF       = "index.pdf"
	ProductFile    = "product.json"
	ScopeFile      = "scope/decision.json"
	AssessmentFile = "assessment/assessment.json"
	PolicyFile     = "disclosure/policy.json"
	HandlingFile   = "disclosure/report-handling.json"
	PeriodsFile    = "support/periods.json"
	HistoryFile    = "support/history.json"
	CheckpointFile = "log/checkpoint"
	KeyFile        = "log/key"
	KeysFile       = "log/keys.json"
)

// EntryFile and ProofFile name a log entry and its inclusion proof.
func EntryFile(index int64) string { return fmt.Sprintf("log/entries/%d", index) }

// ProofFile names the inclusion proof of entry index.
func ProofFile(index int64) string { return fmt.Sprintf("log/proofs/%d.json", index) }

// epoch is the zip time of a pack whose Input has no time: the earliest a
// zip file can say.
var epoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// item is one file of a pack and what the index says of it.
type item struct {
	name  string
	data  []byte
	group string
	what  string // what it is and what it shows
	check string // how to check it
}

// Build makes the pack of in: a zip file whose entries are in sorted order,
// each dated in.AsOf, with fixed permissions, so that the same Input always
// gives the same bytes.
func Build(in *Input) ([]byte, error) {
	items, err := gather(in)
	if err != nil {
		return nil, err
	}
	// The index lists every file, itself and the manifest included.
	all := append([]item(nil), items...)
	all = append(all,
		item{name: IndexHTML, group: groupIndex, what: "This index, as a web page: open it in any browser.", check: "Its SHA-256 is in manifest.json."},
		item{name: IndexPDF, group: groupIndex, what: "This index, as a PDF document to print or file.", check: "Its SHA-256 is in manifest.json."},
		item{name: ManifestName, group: groupIndex, what: "The list of every other file of the pack with its SHA-256 fingerprint and size. Any change to any file, however small, changes its fingerprint.",
			check: "psti verify pack PACK.zip checks every file against it, and that no file is missing or added."})
	sortItems(all)
	page, err := renderHTML(in, all)
	if err != nil {
		return nil, err
	}
	doc, err := renderPDF(in, all)
	if err != nil {
		return nil, err
	}
	items = append(items, item{name: IndexHTML, data: page}, item{name: IndexPDF, data: doc})
	sortItems(items)
	m := Manifest{Format: Format, Product: in.Product.Slug, AsOf: in.AsOf.UTC(), Files: []ManifestFile{}}
	for _, it := range items {
		sum := sha256.Sum256(it.data)
		m.Files = append(m.Files, ManifestFile{Name: it.name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(it.data))})
	}
	man, err := indent(m)
	if err != nil {
		return nil, err
	}
	items = append(items, item{name: ManifestName, data: man})
	sortItems(items)
	return writeZip(items, zipTime(in.AsOf))
}

func zipTime(t time.Time) time.Time {
	if t.Before(epoch) {
		return epoch
	}
	// The zip format keeps seconds (its DOS time, two seconds).
	return t.UTC().Truncate(time.Second)
}

func sortItems(items []item) {
	sort.Slice(items, func(i, j int) bool { return items[i].name < items[j].name })
}

func writeZip(items []item, at time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, it := range items {
		if i > 0 && items[i-1].name == it.name {
			return nil, fmt.Errorf("pack: two files are named %s", it.name)
		}
		h := &zip.FileHeader{Name: it.name, Method: zip.Deflate, Modified: at}
		h.SetMode(0o644)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, fmt.Errorf("pack: unable to write %s: %w", it.name, err)
		}
		if _, err := w.Write(it.data); err != nil {
			return nil, fmt.Errorf("pack: unable to write %s: %w", it.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("pack: unable to finish the zip: %w", err)
	}
	return buf.Bytes(), nil
}

func indent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("pack: unable to encode: %w", err)
	}
	return append(b, '\n'), nil
}

// historyFile is the content of HistoryFile: the support history read
// from the log entries, and what was wrong with it. Verify makes it again
// from the proven entries and compares.
func historyFile(history []support.Change, problems []string) ([]byte, error) {
	return indent(struct {
		Changes  []support.Change `json:"changes"`
		Problems []string         `json:"problems"`
	}{nonNil(history), nonNilS(problems)})
}

// Groups of the index, in the order it shows them.
const (
	groupIndex      = "About this pack"
	groupProduct    = "The product"
	groupScope      = "Scope decision"
	groupAssessment = "Assessment against the security requirements"
	groupPasswords  = "Password audits (Schedule 1 paragraph 1)"
	groupDisclosure = "Reporting security issues (Schedule 1 paragraph 2)"
	groupSupport    = "Defined support period (Schedule 1 paragraph 3)"
	groupStatements = "Statements of compliance"
	groupLog        = "Transparency log"
)

var groups = []string{groupIndex, groupProduct, groupScope, groupAssessment, groupPasswords, groupDisclosure, groupSupport, groupStatements, groupLog}

// safeName makes s usable as one part of a file name in the pack.
func safeName(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), ".")
	if out == "" {
		out = "file"
	}
	if len(out) > 80 {
		out = out[:80]
	}
	return out
}

// WithoutPasswords is a copy of an audit report with the evidence quoted
// for each flagged row left out: it can quote a password that failed, and
// a pack carries no password. What was flagged, on which line and serial,
// and every count stay.
func WithoutPasswords(r *passwords.Report) *passwords.Report {
	if r == nil {
		return nil
	}
	c := *r
	c.Rules = make([]passwords.RuleResult, len(r.Rules))
	for i, rr := range r.Rules {
		rr.Examples = append([]passwords.Example(nil), rr.Examples...)
		for j := range rr.Examples {
			if rr.Examples[j].Evidence != "" {
				rr.Examples[j].Evidence = "(left out of the evidence pack: it may quote a password)"
			}
		}
		c.Rules[i] = rr
	}
	return &c
}

func gather(in *Input) ([]item, error) {
	var items []item
	add := func(it item) { items = append(items, it) }
	p := in.Product
	if p.Slug == "" {
		return nil, fmt.Errorf("pack: the product has no slug")
	}
	prod, err := indent(p)
	if err != nil {
		return nil, err
	}
	add(item{name: ProductFile, data: prod, group: groupProduct,
		what:  "The product this pack is about: its name, type, model number, brand and manufacturers, as registered.",
		check: "Compare with the product's public page, /products/" + p.Slug + "."})

	if in.Scope != nil {
		add(item{name: ScopeFile, data: in.Scope.Data, group: groupScope,
			what:  "The latest recorded decision on whether the product is a relevant connectable product within the regime, with the facts and reasons it rests on. " + in.Scope.Summary,
			check: "Its SHA-256 is in manifest.json."})
	}
	if in.Assessment != nil {
		add(item{name: AssessmentFile, data: in.Assessment.Data, group: groupAssessment,
			what:  "The product's assessment: for each security requirement, whether it is met and the evidence for it. " + in.Assessment.Summary,
			check: "Its SHA-256 is in manifest.json; each evidence file's SHA-256 is also recorded in the assessment."})
	}
	seenEvidence := map[string]bool{}
	for i, f := range in.EvidenceFiles {
		sum := sha256.Sum256(f.Data)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, f.SHA256) {
			return nil, fmt.Errorf("pack: evidence file %s has SHA-256 %s, not the %s recorded for it", f.Name, got, f.SHA256)
		}
		name := "assessment/evidence/" + safeName(f.Name)
		if seenEvidence[name] {
			name = fmt.Sprintf("assessment/evidence/%d-%s", i+1, safeName(f.Name))
		}
		seenEvidence[name] = true
		add(item{name: name, data: f.Data, group: groupAssessment,
			what:  "Evidence file " + f.Name + ", cited by the assessment.",
			check: "Its SHA-256 (" + strings.ToLower(f.SHA256) + ") is the one the assessment records, and is in manifest.json."})
	}

	for _, a := range in.PasswordAudits {
		if a.Run == nil {
			continue
		}
		run := *a.Run
		run.Report = WithoutPasswords(run.Report)
		data, err := indent(run)
		if err != nil {
			return nil, err
		}
		outcome := run.Outcome
		if outcome == "" {
			outcome = run.Verdict
		}
		add(item{name: fmt.Sprintf("passwords/batch-%s-audit-%d.json", safeName(a.Batch), run.ID), data: data, group: groupPasswords,
			what: fmt.Sprintf("The audit of the password file of batch %s (audit %d, outcome: %s): whether any password is the same for every device, guessable from a serial number, MAC address or other public identifier, or otherwise breaks the rules, with counts for each rule, the rows flagged (by line and serial number) and any reviews. "+
				"No password is in it: the evidence quoted for flagged rows is left out.", a.Batch, run.ID, strings.ReplaceAll(outcome, "_", " ")),
			check: "Its SHA-256 is in manifest.json. The report's input.sha256 is the SHA-256 of the batch file audited: the manufacturer can show the file it matches."})
	}

	if in.Policy != nil {
		pub := *in.Policy
		pub.AlertTo = "" // never published
		data, err := indent(&pub)
		if err != nil {
			return nil, err
		}
		add(item{name: PolicyFile, data: data, group: groupDisclosure,
			what: fmt.Sprintf("The vulnerability disclosure policy that covers the product, as published (revision %d): where to report a security issue, the promise to acknowledge a report within %d working days and to give status updates at least every %d days until it is resolved.",
				pub.Revision, pub.AckWorkingDays, pub.UpdateEveryDays),
			check: "psti verify pack checks that it is the policy the latest policy entry of the transparency log publishes."})
	}
	if in.Handling != nil {
		data, err := indent(in.Handling)
		if err != nil {
			return nil, err
		}
		h := in.Handling
		add(item{name: HandlingFile, data: data, group: groupDisclosure,
			what: fmt.Sprintf("How the %d security reports about the product were handled: how many are in each status, and whether each acknowledgement and status update came within the published promises (acknowledged on time %d, late %d, overdue now %d; status updates on time %d, late %d, overdue now %d). "+
				"It holds no reporter data: no names, addresses, e-mail addresses or report text.",
				h.Reports, h.AckOnTime, h.AckLate, h.AckOverdue, h.UpdatesOnTime, h.UpdatesLate, h.UpdatesOverdue),
			check: "Its SHA-256 is in manifest.json. Whether an open report's promise is overdue is read as at " + longDateTime(h.AsOf) + "."})
	}

	if len(in.Periods) > 0 {
		data, err := indent(in.Periods)
		if err != nil {
			return nil, err
		}
		add(item{name: PeriodsFile, data: data, group: groupSupport,
			what:  "The product's defined support periods as they stand: the date until which, at least, security updates will be provided, and every extension.",
			check: "Compare with " + HistoryFile + ", read from the transparency log."})
	}
	var logged []ledger.Logged
	if in.Log != nil {
		for _, e := range in.Log.Entries {
			if pe, err := ledger.ParseEntry(e.Data); err == nil {
				logged = append(logged, ledger.Logged{Index: e.Index, Entry: pe})
			}
		}
	}
	history, problems := support.History(logged, support.Subject(p.Slug))
	if len(history) > 0 || len(in.Periods) > 0 {
		data, err := historyFile(history, problems)
		if err != nil {
			return nil, err
		}
		add(item{name: HistoryFile, data: data, group: groupSupport,
			what: "Every publication and extension of the product's support periods, read from the transparency log in log order, each naming its log entry. " +
				"The law allows a published support period to be extended, never shortened: this shows the end date never went backwards.",
			check: "psti verify pack proves each entry is in the log and reads the history again from the entries."})
	}

	for _, s := range in.Statements {
		dir := fmt.Sprintf("statements/%s-v%d/", safeName(s.Number), s.Version)
		state := "in force"
		if s.Superseded {
			state = "superseded by a later version"
		}
		for _, r := range s.Renderings {
			fname, ok := statement.FileName[r.Kind]
			if !ok {
				continue
			}
			what := map[string]string{
				statement.RenderingPDF:  "the signed PDF, as issued: the copy that accompanies the product",
				statement.RenderingHTML: "the web page, as issued",
				statement.RenderingJSON: "the statement's data (JSON), as issued",
				statement.RenderingJWS:  "the detached signature of the JSON data",
			}[r.Kind]
			check := "psti verify pack checks its SHA-256 against the log entry that issued it."
			switch r.Kind {
			case statement.RenderingPDF:
				check = "psti verify pack (or psti statement verify FILE) checks its signature; its SHA-256 is in the log entry that issued it."
			case statement.RenderingJSON, statement.RenderingJWS:
				check = "psti verify pack (or psti statement verify statement.json) checks the signature; the SHA-256 is in the log entry that issued it."
			}
			add(item{name: dir + fname, data: r.Data, group: groupStatements,
				what:  fmt.Sprintf("Statement of compliance %s version %d (issued %s, %s): %s, byte for byte.", s.Number, s.Version, longDate(s.IssuedAt), state, what),
				check: check})
		}
	}

	if in.Log != nil {
		add(item{name: CheckpointFile, data: in.Log.Checkpoint, group: groupLog,
			what:  "The transparency log's signed checkpoint: the log's size and root hash, signed with its key. Every proof in this pack is against it.",
			check: "psti verify checkpoint log/checkpoint --key KEYFILE, with the key taken from the manufacturer through a channel you trust."})
		if in.Log.Key != "" {
			add(item{name: KeyFile, data: []byte(strings.TrimSpace(in.Log.Key) + "\n"), group: groupLog,
				what:  "The log's verifier key, as the manufacturer's /log/key serves it.",
				check: "A key in the pack proves only that the pack holds together: compare it with the key the manufacturer publishes, or give your own copy with psti verify pack --key."})
		}
		if len(in.Log.Keys) > 0 {
			add(item{name: KeysFile, data: in.Log.Keys, group: groupLog,
				what:  "The log's key list: every key that has signed its checkpoints, each endorsed by the one before.",
				check: "psti verify pack follows it from the key you trust."})
		}
		entries := append([]LogEntry(nil), in.Log.Entries...)
		sort.Slice(entries, func(i, j int) bool { return entries[i].Index < entries[j].Index })
		for _, e := range entries {
			what := fmt.Sprintf("Entry %d of the transparency log, exactly as logged", e.Index)
			if pe, err := ledger.ParseEntry(e.Data); err == nil {
				what += fmt.Sprintf(": %s about %s, %s", strings.ReplaceAll(pe.Kind, "_", " "), pe.Subject, longDateTime(pe.At))
			}
			add(item{name: EntryFile(e.Index), data: e.Data, group: groupLog, what: what + ".",
				check: fmt.Sprintf("psti verify inclusion log/entries/%d --proof log/proofs/%d.json --checkpoint log/checkpoint --key KEYFILE", e.Index, e.Index)})
			if e.Proof != nil {
				proof, err := indent(e.Proof)
				if err != nil {
					return nil, err
				}
				add(item{name: ProofFile(e.Index), data: proof, group: groupLog,
					what:  fmt.Sprintf("The proof that entry %d is in the log the checkpoint signs.", e.Index),
					check: "As for the entry."})
			}
		}
	}
	return items, nil
}

func nonNil(cs []support.Change) []support.Change {
	if cs == nil {
		return []support.Change{}
	}
	return cs
}

func nonNilS(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
