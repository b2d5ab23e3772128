package pack

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/support"
)

// memLog is a transparency log in memory, for tests.
type memLog struct {
	hashes []tlog.Hash
	data   [][]byte
}

func (m *memLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memLog) append(t testing.TB, e *ledger.Entry) {
	t.Helper()
	data, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	hs, err := tlog.StoredHashes(int64(len(m.data)), data, m)
	if err != nil {
		t.Fatal(err)
	}
	m.hashes = append(m.hashes, hs...)
	m.data = append(m.data, data)
}

const slug = "acme-doorbell-pro"

var at = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// fixture is an Input with every part: a log of support, policy and
// statement entries (and one about another product), signed with key.
func fixture(t testing.TB) (*Input, string) {
	t.Helper()
	skey, vkey, err := ledger.NewKey("shop.example/log", nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := statement.SelfSigned("Acme statements", "Acme Ltd", at.Add(-time.Hour), 365*24*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &statement.Statement{
		ProductType: "Video doorbell", Model: "DB-200", Batches: []string{"B-01"},
		Manufacturers: []statement.Party{{Name: "Acme Devices Ltd", Address: "1 Example Street\nLondon\nEC1A 1AA"}},
		Claims: []statement.Claim{
			{Paragraph: 1, Route: statement.RouteRequirement},
			{Paragraph: 2, Route: statement.RouteRequirement},
			{Paragraph: 3, Route: statement.RouteRequirement},
		},
		SupportEnd: "2031-12-31",
		Signatory:  statement.Signatory{Name: "Zoë Example", Function: "Head of Product Security"},
		Place:      "London", Issued: "2026-12-07",
	}
	rs, err := statement.Renderings(s, "SOC-2026-0001", 1, "https://shop.example/statements/SOC-2026-0001/1", signer, at)
	if err != nil {
		t.Fatal(err)
	}
	issued := at
	rec := &statement.Record{Number: "SOC-2026-0001", Version: 1, Content: *s, IssuedAt: &issued, KeepUntil: "2036-12-07", Renderings: rs}
	soc, err := statement.Entry(rec, 0)
	if err != nil {
		t.Fatal(err)
	}
	pol := disclosure.DefaultPolicy(1)
	pol.Revision, pol.UpdatedAt = 1, at.Add(-48*time.Hour)
	pe, err := disclosure.PolicyEntry(pol)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := support.Entry(support.Record{PeriodID: 1, Product: slug, ProductName: "Doorbell Pro", EndDate: "2030-12-31"}, at.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ext, err := support.Entry(support.Record{PeriodID: 1, Product: slug, EndDate: "2031-12-31", PreviousEndDate: "2030-12-31", Reason: "longer"}, at.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	other, err := support.Entry(support.Record{PeriodID: 2, Product: "other", EndDate: "2029-01-01"}, at)
	if err != nil {
		t.Fatal(err)
	}
	var m memLog
	for _, e := range []*ledger.Entry{pe, pub, other, ext, soc} {
		m.append(t, e)
	}
	size := int64(len(m.data))
	root, err := tlog.TreeHash(size, &m)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := ledger.Sign(ledger.Checkpoint{Origin: "shop.example/log", Size: size, Hash: root}, ns)
	if err != nil {
		t.Fatal(err)
	}
	log := &Log{Checkpoint: cp, Key: vkey}
	for _, i := range []int64{0, 1, 3, 4} {
		p, err := ledger.ProveInclusion(size, i, &m)
		if err != nil {
			t.Fatal(err)
		}
		log.Entries = append(log.Entries, LogEntry{Index: i, Data: m.data[i], Proof: p})
	}
	ack := at.Add(-20 * time.Hour)
	h := disclosure.Handle([]disclosure.Timing{{ID: 7, Status: disclosure.StatusAcknowledged, ReceivedAt: at.Add(-24 * time.Hour), AcknowledgedAt: &ack}},
		[]*disclosure.Policy{pol}, at)
	audited := int64(10)
	run := &passwords.Run{ID: 3, BatchID: 1, State: passwords.RunDone, Verdict: "fail", Outcome: "fail", Audited: &audited,
		Report: &passwords.Report{Verdict: "fail", Rules: []passwords.RuleResult{{Status: "flagged", Count: 1,
			Examples: []passwords.Example{{Line: 2, Serial: "SN1", Evidence: "the password hunter2secret is the serial"}}}}}}
	end := "2031-12-31"
	return &Input{
		Product:        Product{ID: 1, Slug: slug, Name: "Doorbell Pro", Type: "video doorbell", ModelNumber: "DB-200", Brand: "Acme", Manufacturers: []string{"Acme Devices Ltd"}},
		AsOf:           at,
		PasswordAudits: []PasswordAudit{{Batch: "B-01", Run: run}},
		Policy:         pol,
		Handling:       &h,
		Periods:        []*support.Period{{ID: 1, ProductID: 1, EndDate: end, Status: support.StatusPublished}},
		Statements:     []Statement{{Number: "SOC-2026-0001", Version: 1, IssuedAt: at, Renderings: rs}},
		Log:            log,
	}, vkey
}

func unzip(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = b
	}
	return out
}

// rezip makes a zip of files, in sorted order.
func rezip(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// relist writes the manifest again for files as they are.
func relist(t *testing.T, files map[string][]byte) {
	t.Helper()
	var m Manifest
	if err := json.Unmarshal(files[ManifestName], &m); err != nil {
		t.Fatal(err)
	}
	for i, f := range m.Files {
		sum := sha256.Sum256(files[f.Name])
		m.Files[i].SHA256, m.Files[i].Size = hex.EncodeToString(sum[:]), int64(len(files[f.Name]))
	}
	files[ManifestName], _ = json.Marshal(m)
}

func build(t testing.TB, in *Input) []byte {
	t.Helper()
	b, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBuildIsDeterministic(t *testing.T) {
	in, _ := fixture(t)
	a, b := build(t, in), build(t, in)
	if !bytes.Equal(a, b) {
		t.Fatal("the same input gave two different packs")
	}
	zr, _ := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(at) || f.Mode().Perm() != 0o644 {
			t.Errorf("%s: time %v mode %v, want %v and 0644", f.Name, f.Modified, f.Mode(), at)
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("files not in sorted order: %v", names)
	}
	in.Handling.AckLate++
	if c := build(t, in); bytes.Equal(a, c) {
		t.Error("a changed report-handling record gave the same bytes")
	}
	in.Handling.AckLate--
	in.AsOf = in.AsOf.Add(24 * time.Hour)
	if c := build(t, in); bytes.Equal(a, c) {
		t.Error("a later date gave the same bytes")
	}
}

func TestVerifyPasses(t *testing.T) {
	in, vkey := fixture(t)
	data := build(t, in)
	r, err := Verify(data, []string{vkey})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("a pack as built does not verify: %v", r.Problems)
	}
	if r.KeyFromPack || r.Entries != 4 || len(r.Statements) != 2 || r.History != 2 || r.Product != slug {
		t.Errorf("report %+v: want the given key, 4 entries, 2 statement files, 2 support changes", r)
	}
	r, err = Verify(data, nil)
	if err != nil || !r.OK() || !r.KeyFromPack {
		t.Fatalf("with the pack's own key: %v %+v", err, r)
	}
	_, other, _ := ledger.NewKey("shop.example/log", nil)
	r, err = Verify(data, []string{other})
	if err != nil || r.OK() || !strings.Contains(r.Problems[0], CheckpointFile) {
		t.Fatalf("a checkpoint signed by another key verified: %v %+v", err, r)
	}
}

func TestVerifyFailsOnEveryChangedByte(t *testing.T) {
	in, vkey := fixture(t)
	data := build(t, in)
	files := unzip(t, data)
	for name := range files {
		if name == ManifestName {
			continue
		}
		changed := map[string][]byte{}
		for n, b := range files {
			changed[n] = b
		}
		b := append([]byte(nil), files[name]...)
		b[len(b)/2] ^= 1
		changed[name] = b
		r, err := Verify(rezip(t, changed), []string{vkey})
		if err != nil {
			t.Fatalf("%s changed: %v", name, err)
		}
		if r.OK() || !strings.HasPrefix(r.Problems[0], name+":") {
			t.Errorf("%s changed by one byte: problems %v, want the first naming it", name, r.Problems)
		}
	}
}

func TestVerifyFailsOnMissingOrAddedFile(t *testing.T) {
	in, vkey := fixture(t)
	files := unzip(t, build(t, in))
	delete(files, "disclosure/report-handling.json")
	r, err := Verify(rezip(t, files), []string{vkey})
	if err != nil || r.OK() || !strings.Contains(strings.Join(r.Problems, "\n"), "disclosure/report-handling.json: the manifest lists it, but it is missing") {
		t.Errorf("a removed file: %v %v", err, r.Problems)
	}
	files = unzip(t, build(t, in))
	files["extra.txt"] = []byte("x")
	r, err = Verify(rezip(t, files), []string{vkey})
	if err != nil || r.OK() || !strings.Contains(strings.Join(r.Problems, "\n"), "extra.txt: it is in the pack but not in the manifest") {
		t.Errorf("an added file: %v %v", err, r.Problems)
	}
	if _, err := Verify([]byte("not a zip"), nil); err == nil {
		t.Error("not a zip: no error")
	}
}

// An altered proof fails even when the manifest is written again to match.
func TestVerifyFailsOnAlteredProof(t *testing.T) {
	in, vkey := fixture(t)
	files := unzip(t, build(t, in))
	var p ledger.InclusionProof
	name := ProofFile(3)
	if err := json.Unmarshal(files[name], &p); err != nil {
		t.Fatal(err)
	}
	h := []byte(p.Hashes[0])
	h[0] ^= 'A' ^ 'B'
	if h[0] == p.Hashes[0][0] {
		h[0] = 'C'
	}
	p.Hashes[0] = string(h)
	files[name], _ = json.Marshal(p)
	relist(t, files)
	r, err := Verify(rezip(t, files), []string{vkey})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || !strings.Contains(strings.Join(r.Problems, "\n"), EntryFile(3)+": ") {
		t.Errorf("an altered proof: problems %v, want one naming %s", r.Problems, EntryFile(3))
	}
}

// The support history file is read again from the proven entries: one
// changed to match a rewritten manifest still fails (PSTI-DSP-05).
func TestVerifyFailsOnRewrittenHistory(t *testing.T) {
	in, vkey := fixture(t)
	files := unzip(t, build(t, in))
	h := string(files[HistoryFile])
	if !strings.Contains(h, "2031") {
		t.Fatalf("fixture history has no 2031 end date: %s", h)
	}
	files[HistoryFile] = []byte(strings.ReplaceAll(h, "2031", "2035"))
	relist(t, files)
	r, err := Verify(rezip(t, files), []string{vkey})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || !strings.Contains(strings.Join(r.Problems, "\n"), HistoryFile+": it is not the history") {
		t.Errorf("a rewritten history verified: problems %v", r.Problems)
	}
}

// The index claims no more than verify proves: the manifest is not
// signed, and the records outside the log are the manufacturer's word.
func TestIndexSaysWhatIsNotProven(t *testing.T) {
	in, _ := fixture(t)
	html := string(unzip(t, build(t, in))[IndexHTML])
	for _, want := range []string{"manifest.json itself is not signed", "nothing in the pack proves they were not changed"} {
		if !strings.Contains(html, want) {
			t.Errorf("index.html does not say %q", want)
		}
	}
}

func TestIndexListsEveryFile(t *testing.T) {
	in, _ := fixture(t)
	files := unzip(t, build(t, in))
	page := string(files[IndexHTML])
	for name := range files {
		if !strings.Contains(page, `<code>`+name+`</code>`) {
			t.Errorf("index.html does not list %s", name)
		}
	}
	for _, want := range []string{"No scope decision recorded", "No assessment recorded", "Doorbell Pro"} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html does not say %q", want)
		}
	}
	in.Scope = &Document{Summary: "In scope.", Data: []byte(`{"outcome":"in_scope"}`)}
	in.Assessment = &Document{Data: []byte(`{}`)}
	sum := sha256.Sum256([]byte("evidence"))
	in.EvidenceFiles = []File{{Name: "test report.pdf", SHA256: hex.EncodeToString(sum[:]), Data: []byte("evidence")}}
	files = unzip(t, build(t, in))
	page = string(files[IndexHTML])
	if strings.Contains(page, "No scope decision recorded") || strings.Contains(page, "No assessment recorded") ||
		files[ScopeFile] == nil || files[AssessmentFile] == nil || string(files["assessment/evidence/test-report.pdf"]) != "evidence" {
		t.Error("a pack with scope, assessment and evidence does not hold them")
	}
	in.EvidenceFiles[0].Data = []byte("changed")
	if _, err := Build(in); err == nil {
		t.Error("an evidence file whose bytes differ from its recorded SHA-256 was packed")
	}
}

func TestIndexPDF(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	in, _ := fixture(t)
	files := unzip(t, build(t, in))
	name := filepath.Join(t.TempDir(), "index.pdf")
	if err := os.WriteFile(name, files[IndexPDF], 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", name, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Evidence pack: Doorbell Pro", "No scope decision recorded", "manifest.json"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("index.pdf text lacks %q", want)
		}
	}
}

// PSTI-PW: a pack carries no password, even one an audit's evidence quotes.
func TestNoPasswordInPack(t *testing.T) {
	in, _ := fixture(t)
	for name, b := range unzip(t, build(t, in)) {
		if bytes.Contains(b, []byte("hunter2secret")) {
			t.Errorf("%s quotes a password", name)
		}
	}
	if in.PasswordAudits[0].Run.Report.Rules[0].Examples[0].Evidence != "the password hunter2secret is the serial" {
		t.Error("building the pack changed the audit it was given")
	}
}
