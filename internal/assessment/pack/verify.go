package pack

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/support"
)

// Bounds on a pack read from outside.
const (
	MaxPack  = 256 << 20 // the zip file
	MaxFiles = 10000
	// MaxUnpacked bounds all files together once decompressed.
	MaxUnpacked = 512 << 20
)

// ErrNotPack is returned by Verify for input it cannot check at all.
var ErrNotPack = errors.New("pack: not an evidence pack")

// Report is what Verify found.
type Report struct {
	Product string
	Files   int
	// KeyFromPack is true when the checkpoint was checked against the key
	// the pack itself holds; Keys are the keys it was checked against.
	KeyFromPack bool
	Keys        []string
	Checkpoint  *ledger.Checkpoint
	SignedBy    []string
	Entries     int // log entries proven in the checkpoint
	Statements  []StatementResult
	History     int // support changes read from the log
	// Problems say what failed, each naming the file.
	Problems []string
}

// StatementResult is one statement file whose signature was checked.
type StatementResult struct {
	File        string
	Signer      string
	Fingerprint string
}

// OK reports whether everything verified.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) fail(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// KeyFingerprint is the SHA-256 (hex) of a verifier key as written.
func KeyFingerprint(vkey string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(vkey)))
	return hex.EncodeToString(sum[:])
}

// Verify checks a pack offline: every file against the manifest (none
// missing, none added), the checkpoint's signature by a key of trusted
// (verifier keys, as ledger.ReadKeys returns them; when empty, the key the
// pack holds, which proves only that the pack holds together), every log
// entry's inclusion proof against the checkpoint, every statement's
// signature and its SHA-256 in the log entry that issued it, the support
// history read from the log, and the policy against its log entry. An
// error (ErrNotPack) means data cannot be read as a pack at all.
func Verify(data []byte, trusted []string) (*Report, error) {
	if len(data) > MaxPack {
		return nil, fmt.Errorf("%w: it is larger than %d MB", ErrNotPack, MaxPack>>20)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: it is not a zip file (%v)", ErrNotPack, err)
	}
	if len(zr.File) > MaxFiles {
		return nil, fmt.Errorf("%w: it holds more than %d files", ErrNotPack, MaxFiles)
	}
	files, err := readFiles(zr)
	if err != nil {
		return nil, err
	}
	raw, ok := files[ManifestName]
	if !ok {
		return nil, fmt.Errorf("%w: it has no %s", ErrNotPack, ManifestName)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Format != Format {
		return nil, fmt.Errorf("%w: its %s is not a manifest of format %s", ErrNotPack, ManifestName, Format)
	}
	r := &Report{Product: m.Product, Files: len(m.Files)}

	// Every file against the manifest.
	listed := map[string]bool{}
	for _, f := range m.Files {
		if listed[f.Name] {
			r.fail("%s: the manifest lists it twice", f.Name)
			continue
		}
		listed[f.Name] = true
		b, ok := files[f.Name]
		if !ok {
			r.fail("%s: the manifest lists it, but it is missing from the pack", f.Name)
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != strings.ToLower(f.SHA256) || int64(len(b)) != f.Size {
			r.fail("%s: its SHA-256 is %s, not %s as the manifest lists: the file was changed", f.Name, got, f.SHA256)
		}
	}
	var extra []string
	for name := range files {
		if name != ManifestName && !listed[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		r.fail("%s: it is in the pack but not in the manifest: it was added", name)
	}

	r.checkLog(files, trusted)
	return r, nil
}

// checkLog checks the checkpoint, the proofs and what rests on them.
func (r *Report) checkLog(files map[string][]byte, trusted []string) {
	msg, ok := files[CheckpointFile]
	if !ok {
		if hasPrefix(files, "log/") || hasPrefix(files, "statements/") {
			r.fail("%s: it is missing, so no log entry can be proven", CheckpointFile)
		}
		return
	}
	if len(trusted) == 0 {
		r.KeyFromPack = true
		if k, ok := files[KeyFile]; ok {
			trusted = append(trusted, strings.TrimSpace(string(k)))
		} else {
			r.fail("%s: the pack holds no key, and none was given", KeyFile)
			return
		}
	}
	r.Keys = trusted
	verifiers, keys, err := r.verifiers(files, trusted)
	if err != nil {
		r.fail("%s: %s", KeysFile, strings.TrimPrefix(err.Error(), "ledger: "))
		return
	}
	cp, err := ledger.OpenCheckpoint(msg, verifiers)
	if err != nil {
		r.fail("%s: %s", CheckpointFile, strings.TrimPrefix(err.Error(), "ledger: "))
		return
	}
	r.Checkpoint, r.SignedBy = &cp, ledger.SignersOf(msg, keys)

	// Every entry with its proof.
	var proven []ledger.Logged
	var names []string
	for name := range files {
		if strings.HasPrefix(name, "log/entries/") {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool { return entryIndex(names[i]) < entryIndex(names[j]) })
	for _, name := range names {
		idx := entryIndex(name)
		if idx < 0 {
			r.fail("%s: not named as a log entry (log/entries/N)", name)
			continue
		}
		pname := ProofFile(idx)
		praw, ok := files[pname]
		if !ok {
			r.fail("%s: its inclusion proof %s is missing", name, pname)
			continue
		}
		var p ledger.InclusionProof
		if err := json.Unmarshal(praw, &p); err != nil {
			r.fail("%s: it is not an inclusion proof: %v", pname, err)
			continue
		}
		if p.Index != idx {
			r.fail("%s: it proves entry %d, not %d", pname, p.Index, idx)
			continue
		}
		if err := ledger.VerifyInclusion(files[name], &p, cp); err != nil {
			r.fail("%s: %s (proof %s)", name, strings.TrimPrefix(err.Error(), "ledger: "), pname)
			continue
		}
		e, err := ledger.ParseEntry(files[name])
		if err != nil {
			r.fail("%s: %s", name, strings.TrimPrefix(err.Error(), "ledger: "))
			continue
		}
		proven = append(proven, ledger.Logged{Index: idx, Entry: e})
		r.Entries++
	}

	r.checkStatements(files, proven)
	if r.Product != "" {
		history, problems := support.History(proven, support.Subject(r.Product))
		r.History = len(history)
		for _, p := range problems {
			r.fail("%s: %s", HistoryFile, p)
		}
		// The file is what a person reads: it must say what the proven
		// entries say (PSTI-DSP-05, an end date never brought forward).
		if raw, ok := files[HistoryFile]; ok {
			if want, err := historyFile(history, problems); err != nil || !bytes.Equal(raw, want) {
				r.fail("%s: it is not the history the proven log entries give: the file was changed", HistoryFile)
			}
		}
	}
	r.checkPolicy(files, proven)
}

// verifiers are the keys a checkpoint is checked against: those trusted,
// and those the pack's key list endorses from one of them.
func (r *Report) verifiers(files map[string][]byte, trusted []string) (note.Verifiers, []string, error) {
	if raw, ok := files[KeysFile]; ok {
		var l ledger.KeyList
		if json.Unmarshal(raw, &l) == nil {
			if v, keys, err := l.Verifiers(trusted...); err == nil {
				return v, keys, nil
			}
		}
	}
	return ledger.ReadKeys([]byte(strings.Join(trusted, "\n")))
}

func entryIndex(name string) int64 {
	n, err := strconv.ParseInt(strings.TrimPrefix(name, "log/entries/"), 10, 64)
	if err != nil || n < 0 || EntryFile(n) != name {
		return -1
	}
	return n
}

func hasPrefix(files map[string][]byte, prefix string) bool {
	for name := range files {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// checkStatements checks every statement file's signature and that a
// proven log entry issued it.
func (r *Report) checkStatements(files map[string][]byte, proven []ledger.Logged) {
	var names []string
	for name := range files {
		if strings.HasPrefix(name, "statements/") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		data := files[name]
		sum := sha256.Sum256(data)
		lr := statement.CheckLog(proven, hex.EncodeToString(sum[:]))
		if lr.Issued == nil {
			r.fail("%s: no log entry in the pack issued it (none names its SHA-256)", name)
		}
		var jws []byte
		switch path.Base(name) {
		case statement.FileName[statement.RenderingPDF]:
		case statement.FileName[statement.RenderingJSON]:
			jws = files[name+".jws"]
			if jws == nil {
				r.fail("%s: its signature %s.jws is missing", name, name)
				continue
			}
		default:
			continue // the HTML and the signature: their SHA-256 is in the log
		}
		rep, err := statement.Verify(data, jws)
		if err != nil {
			r.fail("%s: %s", name, strings.TrimPrefix(err.Error(), "statement: "))
			continue
		}
		if !rep.OK() {
			why := "it does not verify"
			switch {
			case len(rep.Problems) > 0:
				why = rep.Problems[0]
			case len(rep.Fields) > 0:
				why = "a mandatory field is missing or wrong: " + rep.Fields[0].Field
			}
			r.fail("%s: %s", name, why)
			continue
		}
		res := StatementResult{File: name, Fingerprint: rep.Fingerprint}
		if rep.Signer != nil {
			res.Signer = rep.Signer.Subject.String()
		}
		r.Statements = append(r.Statements, res)
	}
}

// checkPolicy checks that the policy file is what the latest proven policy
// entry publishes.
func (r *Report) checkPolicy(files map[string][]byte, proven []ledger.Logged) {
	data, ok := files[PolicyFile]
	if !ok {
		return
	}
	var latest *ledger.Entry
	for _, l := range proven {
		if l.Entry.Kind == ledger.KindPolicyPublished || l.Entry.Kind == ledger.KindPolicyChanged {
			latest = l.Entry
		}
	}
	if latest == nil {
		r.fail("%s: no log entry in the pack publishes it", PolicyFile)
		return
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil || !bytes.Equal(compact.Bytes(), latest.Record) {
		r.fail("%s: it is not the policy its latest log entry publishes", PolicyFile)
	}
}

// readFiles reads every file of a pack, within its bounds.
func readFiles(zr *zip.Reader) (map[string][]byte, error) {
	files := map[string][]byte{}
	var total int64
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			return nil, fmt.Errorf("%w: two files are named %s", ErrNotPack, f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%w: %s cannot be read: %v", ErrNotPack, f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, MaxUnpacked-total+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%w: %s cannot be read: %v", ErrNotPack, f.Name, err)
		}
		total += int64(len(b))
		if total > MaxUnpacked {
			return nil, fmt.Errorf("%w: its files are larger than %d MB unpacked", ErrNotPack, MaxUnpacked>>20)
		}
		files[f.Name] = b
	}
	return files, nil
}
