package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/support"
)

// The psti verify commands check the transparency log offline, from files
// (PSTI Schedule 1 paragraph 3: a defined support period may be extended,
// never shortened; the log proves it). They need no database. Exit status:
// 0 verified, 1 verification failed (saying what, naming the entry),
// 2 the command line or an input file is unusable.

const verifyExit = `
Exit status: 0 verified; 1 verification failed (what failed is said, naming the
entry); 2 the command line is wrong, or an input file is missing or unusable.`

const keyFlagHelp = "the log's key: a file holding its verifier key, as /log/key serves it, or its key list, as /log/keys serves it (required)"

func verifyCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "verify",
		Short: "Check the transparency log, offline: checkpoints, entries, consistency and support periods",
		Long: `Check what an installation's transparency log proves, from files, without its
database and without trusting its server. The log records every public
commitment (support periods published or extended, disclosure policies,
advisories) in an append-only Merkle tree; its size and root hash are signed as
checkpoints. Anyone may fetch the files from the server's /log/ and
/api/v1/log/proof/ addresses, or from a copy made by "psti log export", and check:

  psti verify checkpoint FILE --key KEYFILE
      that the log's key signed a checkpoint
  psti verify inclusion ENTRY --proof PROOF --checkpoint FILE --key KEYFILE
      that an entry is in the log a checkpoint signs
  psti verify consistency OLD NEW --proof PROOF --key KEYFILE
      that the log of a newer checkpoint only added to that of an older one
  psti verify product SLUG --log DIR --key KEYFILE
      from a whole copy of the log, that a product's support end date never
      went backwards
  psti verify log --log DIR --key KEYFILE
      that a whole copy of the log holds together
  psti verify pack PACK.zip --key KEYFILE
      that an evidence pack (psti evidence-pack) holds together: every file,
      the log's checkpoint, every proof and every statement's signature

KEYFILE is the log's verifier key (from /log/key: "name+hash+key"), or its key
list (from /log/keys), which also holds the keys that replaced it, each
endorsed by the one before. Get the key once, from a source you trust, and keep
it: every later check is against it.
` + verifyExit,
		Example: `  curl -sO https://shop.example/log/key
  curl -s https://shop.example/log/checkpoint >checkpoint
  psti verify checkpoint checkpoint --key key`,
		Args: groupArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usagef("psti verify needs a subcommand: checkpoint, inclusion, consistency, product, log or pack")
		},
	}
	c.AddCommand(verifyCheckpointCmd(a), verifyInclusionCmd(a), verifyConsistencyCmd(a), verifyProductCmd(a), verifyLogCmd(a), verifyPackCmd(a))
	return c
}

// maxInput bounds a file read by psti verify and psti statement: a
// checkpoint, entry, proof, signature, key or certificate chain file is a
// few kilobytes.
const maxInput = 1 << 20

// readInput reads a file given on the command line; one that cannot be
// read is a usage error (exit 2).
func readInput(name, what string) ([]byte, error) {
	if name == "" {
		return nil, usagef("%s is needed", what)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, usagef("cannot read %s: %v", what, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInput+1))
	if err != nil {
		return nil, usagef("cannot read %s: %v", what, err)
	}
	if len(b) > maxInput {
		return nil, usagef("%s %s is larger than %d bytes, more than any such file holds", what, name, maxInput)
	}
	return b, nil
}

// trustedKeys reads the --key file: the keys the log is checked against.
func trustedKeys(name string) ([]string, error) {
	if name == "" {
		return nil, usagef("--key KEYFILE is needed: the log's verifier key, as /log/key serves it, or its key list, /log/keys")
	}
	b, err := readInput(name, "the key file")
	if err != nil {
		return nil, err
	}
	_, keys, err := ledger.ReadKeys(b)
	if err != nil {
		return nil, usagef("the key file %s cannot be used: %s", name, strings.TrimPrefix(err.Error(), "ledger: "))
	}
	return keys, nil
}

// openCheckpoint reads a signed checkpoint file and checks its signature;
// a checkpoint that does not verify fails the command (exit 1).
func openCheckpoint(name string, keys []string) (ledger.Checkpoint, []string, error) {
	msg, err := readInput(name, "the checkpoint")
	if err != nil {
		return ledger.Checkpoint{}, nil, err
	}
	known, _, err := ledger.ReadKeys([]byte(strings.Join(keys, "\n")))
	if err != nil {
		return ledger.Checkpoint{}, nil, usageError{err}
	}
	c, err := ledger.OpenCheckpoint(msg, known)
	if err != nil {
		return c, nil, fmt.Errorf("verification FAILED: checkpoint %s: %s", name, strings.TrimPrefix(err.Error(), "ledger: "))
	}
	return c, ledger.SignersOf(msg, keys), nil
}

func rootText(c ledger.Checkpoint) string { return base64.StdEncoding.EncodeToString(c.Hash[:]) }

// row prints a labelled line of a report.
func row(w io.Writer, label, format string, args ...any) {
	fmt.Fprintf(w, "%-14s%s\n", label, fmt.Sprintf(format, args...))
}

func writeCheckpoint(w io.Writer, name string, c ledger.Checkpoint, signers []string) {
	row(w, "Checkpoint", "%s", name)
	row(w, "Log", "%s", c.Origin)
	row(w, "Size", "%d entries", c.Size)
	row(w, "Root hash", "%s", rootText(c))
	for _, k := range signers {
		row(w, "Signed by", "%s", k)
	}
}

func verifyCheckpointCmd(a *app) *cobra.Command {
	var keyFile string
	c := &cobra.Command{
		Use:   "checkpoint FILE --key KEYFILE",
		Short: "Check that the log's key signed a checkpoint",
		Long: `Check that a signed checkpoint (as /log/checkpoint serves it) was signed by the
log's key, and print what it says: the log's name (origin), its size in
entries, its root hash, and which key signed it.

A checkpoint is the log's promise that its first SIZE entries are exactly those
whose Merkle tree has ROOT. Keep the checkpoints you fetch: with "psti verify
consistency" they show that the log was only ever added to.
` + verifyExit,
		Example: `  psti verify checkpoint checkpoint --key key
  psti verify checkpoint checkpoint-2026-12-07 --key keys.json`,
		Args: exactArgs(1, "the checkpoint FILE"),
		RunE: func(c *cobra.Command, args []string) error {
			keys, err := trustedKeys(keyFile)
			if err != nil {
				return err
			}
			cp, signers, err := openCheckpoint(args[0], keys)
			if err != nil {
				return err
			}
			writeCheckpoint(a.stdout, args[0], cp, signers)
			fmt.Fprintln(a.stdout, "Verified: a key you trust signed this checkpoint.")
			return nil
		},
	}
	c.Flags().StringVar(&keyFile, "key", "", keyFlagHelp)
	return c
}

// readProof reads a proof file (JSON, as the API serves it) into v.
func readProof(name string, v any) error {
	b, err := readInput(name, "the proof")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return usagef("the proof %s is not a proof as /api/v1/log/proof/ serves it: %v", name, err)
	}
	return nil
}

func verifyInclusionCmd(a *app) *cobra.Command {
	var keyFile, proofFile, checkpointFile string
	c := &cobra.Command{
		Use:   "inclusion ENTRY --proof PROOF --checkpoint CHECKPOINT --key KEYFILE",
		Short: "Check that an entry is in the log a checkpoint signs",
		Long: `Check that an entry is in the log: that ENTRY (the file of the entry exactly as
/log/entries/N serves it) is entry N of the log whose signed checkpoint is
CHECKPOINT, using the inclusion proof PROOF (as
/api/v1/log/proof/inclusion/N?tree_size=SIZE serves it, SIZE being the
checkpoint's size). The checkpoint's signature is checked first.

An entry proven in a checkpoint cannot later be changed or removed without the
log's later checkpoints disagreeing with that one.
` + verifyExit,
		Example: `  curl -s https://shop.example/log/checkpoint >checkpoint        # size 1234
  curl -s https://shop.example/log/entries/41 >entry-41
  curl -s 'https://shop.example/api/v1/log/proof/inclusion/41?tree_size=1234' >proof-41.json
  psti verify inclusion entry-41 --proof proof-41.json --checkpoint checkpoint --key key`,
		Args: exactArgs(1, "the ENTRY file"),
		RunE: func(c *cobra.Command, args []string) error {
			keys, err := trustedKeys(keyFile)
			if err != nil {
				return err
			}
			if checkpointFile == "" {
				return usagef("--checkpoint FILE is needed: the signed checkpoint the entry is proven in")
			}
			if proofFile == "" {
				return usagef("--proof FILE is needed: the inclusion proof, from /api/v1/log/proof/inclusion/N?tree_size=SIZE")
			}
			entry, err := readInput(args[0], "the entry")
			if err != nil {
				return err
			}
			var p ledger.InclusionProof
			if err := readProof(proofFile, &p); err != nil {
				return err
			}
			cp, signers, err := openCheckpoint(checkpointFile, keys)
			if err != nil {
				return err
			}
			writeCheckpoint(a.stdout, checkpointFile, cp, signers)
			row(a.stdout, "Entry", "%d (%s)", p.Index, args[0])
			if err := ledger.VerifyInclusion(entry, &p, cp); err != nil {
				msg := strings.TrimPrefix(err.Error(), "ledger: ")
				if len(entry) > 0 && entry[len(entry)-1] == '\n' {
					msg += " (the file ends in a line break: an entry as served has none)"
				}
				return fmt.Errorf("verification FAILED: %s", msg)
			}
			if e, err := ledger.ParseEntry(entry); err == nil {
				writeEntry(a.stdout, e)
			}
			fmt.Fprintf(a.stdout, "Verified: entry %d is in the log of %d entries that the checkpoint signs.\n", p.Index, cp.Size)
			return nil
		},
	}
	c.Flags().StringVar(&proofFile, "proof", "", "the inclusion proof, JSON, from /api/v1/log/proof/inclusion/N?tree_size=SIZE (required)")
	c.Flags().StringVar(&checkpointFile, "checkpoint", "", "the signed checkpoint the entry is proven in, from /log/checkpoint (required)")
	c.Flags().StringVar(&keyFile, "key", "", keyFlagHelp)
	return c
}

func writeEntry(w io.Writer, e *ledger.Entry) {
	row(w, "Kind", "%s", e.Kind)
	row(w, "Subject", "%s", e.Subject)
	at := psti.LongDateTime(e.At)
	if e.Late {
		at += " (recorded in the log later)"
	}
	row(w, "Published", "%s", at)
	for _, d := range e.Documents {
		row(w, "Document", "%s, SHA-256 %s", d.Name, d.SHA256)
	}
}

func verifyConsistencyCmd(a *app) *cobra.Command {
	var keyFile, proofFile string
	c := &cobra.Command{
		Use:   "consistency OLD NEW [--proof PROOF] --key KEYFILE",
		Short: "Check that a newer checkpoint's log only added to an older one's",
		Long: `Check that the log was only ever added to between two signed checkpoints: that
the first entries of the log NEW signs are exactly the entries of the log OLD
signs, so that nothing was changed, removed or reordered. OLD and NEW are
checkpoint files, oldest first; both signatures are checked. PROOF is the
consistency proof (as /api/v1/log/proof/consistency/OLDSIZE/NEWSIZE serves it);
it is not needed when both checkpoints are of the same size, which then must
have the same root hash.

Two checkpoints of the same size with different root hashes are a fork: the log
showed two different histories, and that is reported as such.
` + verifyExit,
		Example: `  psti verify consistency checkpoint-2026-11-01 checkpoint-2026-12-07 \
      --proof consistency-1200-1234.json --key key
  curl -s https://shop.example/api/v1/log/proof/consistency/1200/1234 >consistency-1200-1234.json`,
		Args: exactArgs(2, "the OLD and NEW checkpoint files"),
		RunE: func(c *cobra.Command, args []string) error {
			keys, err := trustedKeys(keyFile)
			if err != nil {
				return err
			}
			var p *ledger.ConsistencyProof
			if proofFile != "" {
				p = &ledger.ConsistencyProof{}
				if err := readProof(proofFile, p); err != nil {
					return err
				}
			}
			older, oldSigners, err := openCheckpoint(args[0], keys)
			if err != nil {
				return err
			}
			newer, newSigners, err := openCheckpoint(args[1], keys)
			if err != nil {
				return err
			}
			if p == nil && older.Size != newer.Size && older.Size != 0 && older.Size < newer.Size {
				return usagef("--proof FILE is needed for checkpoints of %d and %d entries: fetch /api/v1/log/proof/consistency/%d/%d", older.Size, newer.Size, older.Size, newer.Size)
			}
			row(a.stdout, "Old", "%s: %d entries, root %s, signed by %s", args[0], older.Size, rootText(older), strings.Join(oldSigners, ", "))
			row(a.stdout, "New", "%s: %d entries, root %s, signed by %s", args[1], newer.Size, rootText(newer), strings.Join(newSigners, ", "))
			if err := ledger.VerifyConsistency(older, newer, p); err != nil {
				if errors.Is(err, ledger.ErrFork) {
					return fmt.Errorf("verification FAILED: FORK: %s; the log has shown two different histories", strings.TrimPrefix(err.Error(), "ledger: the log has forked: "))
				}
				return fmt.Errorf("verification FAILED: %s", strings.TrimPrefix(err.Error(), "ledger: "))
			}
			if older.Size == newer.Size {
				fmt.Fprintf(a.stdout, "Verified: both checkpoints sign the same log of %d entries.\n", newer.Size)
				return nil
			}
			fmt.Fprintf(a.stdout, "Verified: the log of %d entries only added %d entries to the log of %d.\n", newer.Size, newer.Size-older.Size, older.Size)
			return nil
		},
	}
	c.Flags().StringVar(&proofFile, "proof", "", "the consistency proof, JSON, from /api/v1/log/proof/consistency/OLDSIZE/NEWSIZE (needed unless the sizes are equal)")
	c.Flags().StringVar(&keyFile, "key", "", keyFlagHelp)
	return c
}

// logClient fetches a log's files when --log is a web address.
var logClient = &http.Client{Timeout: 60 * time.Second}

// maxLogFile bounds a file of a log copy: a full entry bundle holds 256
// entries of at most ledger.MaxEntry bytes, each after its length.
const maxLogFile = 256 * (ledger.MaxEntry + 2)

// logReader reads the files of a copy of the log: from a folder, or from
// a server's /log/ address (remote).
func logReader(src string) (read ledger.ReadFunc, remote bool, err error) {
	if src == "" {
		return nil, false, usagef("--log is needed: a folder holding a copy of the log (psti log export --to DIR), or the web address of a server's /log")
	}
	lower := strings.ToLower(src)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		base, err := url.Parse(strings.TrimRight(src, "/"))
		if err != nil || base.Host == "" {
			return nil, false, usagef("--log %q is not a web address", src)
		}
		return func(p string) ([]byte, error) {
			u := *base
			u.Path = path.Join(u.Path, p)
			resp, err := logClient.Get(u.String())
			if err != nil {
				return nil, err
			}
			defer resp.Body.Close()
			if resp.StatusCode == http.StatusNotFound {
				return nil, fmt.Errorf("%s: %w", u.String(), fs.ErrNotExist)
			}
			if resp.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("%s: the server answered %s", u.String(), resp.Status)
			}
			b, err := io.ReadAll(io.LimitReader(resp.Body, maxLogFile+1))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", u.String(), err)
			}
			if len(b) > maxLogFile {
				return nil, fmt.Errorf("%s: larger than any file of a log", u.String())
			}
			return b, nil
		}, true, nil
	}
	if fi, err := os.Stat(src); err != nil || !fi.IsDir() {
		return nil, false, usagef("--log %s is not a folder holding a copy of the log (make one with psti log export --to DIR)", src)
	}
	return func(p string) ([]byte, error) {
		f, err := os.Open(filepath.Join(src, filepath.FromSlash(p)))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxLogFile+1))
		if err != nil {
			return nil, err
		}
		if len(b) > maxLogFile {
			return nil, fmt.Errorf("%s is larger than any file of a log", f.Name())
		}
		return b, nil
	}, false, nil
}

// checkLogCopy verifies a whole copy of the log, prints what it found,
// and returns the entries keep keeps.
func (a *app) checkLogCopy(src, keyFile string, keep func(ledger.Logged) bool) ([]ledger.Logged, *ledger.MirrorReport, error) {
	keys, err := trustedKeys(keyFile)
	if err != nil {
		return nil, nil, err
	}
	read, remote, err := logReader(src)
	if err != nil {
		return nil, nil, err
	}
	var kept []ledger.Logged
	var r *ledger.MirrorReport
	for attempt := 1; ; attempt++ {
		kept = kept[:0]
		r, err = ledger.VerifyMirror(read, keys, func(l ledger.Logged) {
			if keep != nil && keep(l) {
				kept = append(kept, l)
			}
		})
		// A server serves the partial tiles of its latest checkpoint
		// only: when it signs a newer one while it is read, read again.
		if err == nil || !remote || attempt == 3 {
			break
		}
	}
	if err != nil {
		// A file of the copy is missing or cannot be read: the input is
		// unusable, not proven false.
		fmt.Fprintf(a.stderr, "psti: the copy of the log at %s cannot be read: %s\n", src, strings.TrimPrefix(err.Error(), "ledger: "))
		return nil, nil, exitError{2}
	}
	w := a.stdout
	row(w, "Log copy", "%s", src)
	if r.Signed {
		row(w, "Log", "%s", r.Checkpoint.Origin)
		row(w, "Checkpoint", "%d entries, root hash %s", r.Checkpoint.Size, rootText(r.Checkpoint))
		for _, k := range r.SignedBy {
			row(w, "Signed by", "%s", k)
		}
	}
	if r.KeyList != nil {
		if n := len(r.KeyList.Keys); n == 1 {
			row(w, "Key list", "1 key")
		} else {
			row(w, "Key list", "%d keys, each endorsed by the one before it", n)
		}
	}
	row(w, "Read", "%d entries from %d tiles", r.Entries, r.Tiles)
	if !r.OK() {
		n := len(r.Problems) + r.More
		fmt.Fprintf(w, "FAILED: %s\n", problemCount(n))
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		more := ""
		if n > 1 {
			more = fmt.Sprintf(" (and %d more problems, listed above)", n-1)
		}
		return kept, r, fmt.Errorf("verification FAILED: the copy of the log does not verify: %s%s", r.Problems[0], more)
	}
	return kept, r, nil
}

func verifyLogCmd(a *app) *cobra.Command {
	var keyFile, src string
	c := &cobra.Command{
		Use:   "log --log DIR --key KEYFILE",
		Short: "Check that a whole copy of the log holds together",
		Long: `Check a whole copy of the transparency log, from the log alone. DIR is laid out
as the server's /log/ address: the signed checkpoint (checkpoint), the key (key)
and key list (keys), and the tiles: hash tiles (tile/8/0/…, tile/8/1/…) and
entry bundles (tile/8/data/…), the partial tiles of the checkpoint's size
included. "psti log export --to DIR" makes one; any tlog tile client can fetch
one. DIR may also be the web address of a server's /log.

It checks that a key you trust signed the checkpoint (following the copy's key
list from your key, when the key was replaced), reads every entry from the
entry bundles, checks each against its leaf hash in the hash tiles and each
higher tile hash against the entries below it, and that the tree they make has
the root hash the checkpoint signed. A problem names the entry at fault: an
entry changed after it was logged ("entry 41: its content is not what was
logged"), or a hash.
` + verifyExit,
		Example: `  psti log export --to log-copy && psti verify log --log log-copy --key key
  psti verify log --log https://shop.example/log --key key`,
		Args: exactArgs(0, "no arguments (the copy is given with --log)"),
		RunE: func(c *cobra.Command, _ []string) error {
			_, r, err := a.checkLogCopy(src, keyFile, nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Verified: all %d entries are as logged, and a key you trust signed their tree.\n", r.Checkpoint.Size)
			return nil
		},
	}
	c.Flags().StringVar(&src, "log", "", "a folder holding a copy of the log, laid out as /log/ (or the web address of a server's /log) (required)")
	c.Flags().StringVar(&keyFile, "key", "", keyFlagHelp)
	return c
}

func verifyProductCmd(a *app) *cobra.Command {
	var keyFile, src string
	c := &cobra.Command{
		Use:   "product SLUG --log DIR --key KEYFILE",
		Short: "Check, from the log alone, that a product's support end date never went backwards",
		Long: `Check, from a copy of the transparency log alone, that the defined support
period of a product (the date until which it gets security updates at least)
was never shortened: PSTI allows a published support period to be extended,
never shortened. SLUG names the product as its public page does
(/products/SLUG).

First the whole copy is checked, as "psti verify log" does: a key you trust
signed the checkpoint, and every entry is as it was logged. Then the entries
about the product are read in log order, and for each support period it checks
that every end date is a date, no later entry gives an earlier end date than
one before it, and each extension follows a publication and starts from the end
date last logged. The product's history is printed: when each change was
published, what it was, the end date, and the entry that records it.
` + verifyExit,
		Example: `  psti log export --to log-copy
  psti verify product acme-doorbell-pro --log log-copy --key key
  psti verify product acme-doorbell-pro --log https://shop.example/log --key key`,
		Args: exactArgs(1, "the product's SLUG"),
		RunE: func(c *cobra.Command, args []string) error {
			slug := args[0]
			if slug == "" || strings.ContainsAny(slug, "/ \t\n") {
				return usagef("%q is not a product slug: give it as in the product's address /products/SLUG", slug)
			}
			subject := support.Subject(slug)
			about, r, logErr := a.checkLogCopy(src, keyFile, func(l ledger.Logged) bool { return l.Entry.Subject == subject })
			if logErr != nil && r == nil {
				return logErr
			}
			history, problems := support.History(about, subject)
			w := a.stdout
			row(w, "Product", "%s (entries about %s)", slug, subject)
			for _, ch := range history {
				writeChange(w, ch)
			}
			if len(problems) > 0 {
				fmt.Fprintf(w, "FAILED: %s in the product's history\n", problemCount(len(problems)))
				for _, p := range problems {
					fmt.Fprintf(w, "  %s\n", p)
				}
			}
			if logErr != nil {
				return logErr
			}
			if len(problems) > 0 {
				return fmt.Errorf("verification FAILED: product %s: %s", slug, problems[0])
			}
			if len(history) == 0 {
				return fmt.Errorf("verification FAILED: the log of %d entries holds no support period for product %s: nothing shows when its security updates end (check the slug against its page, /products/%s)", r.Checkpoint.Size, slug, slug)
			}
			fmt.Fprintf(w, "Verified: from the log, the support end date of %s never went backwards.\n", slug)
			return nil
		},
	}
	c.Flags().StringVar(&src, "log", "", "a folder holding a copy of the log, laid out as /log/ (or the web address of a server's /log) (required)")
	c.Flags().StringVar(&keyFile, "key", "", keyFlagHelp)
	return c
}

// writeChange prints one line of a product's support history.
func writeChange(w io.Writer, ch support.Change) {
	what := "published"
	if ch.Kind == support.KindExtended {
		what = "extended"
	}
	if ch.PeriodID != 0 {
		what += fmt.Sprintf(" support period %d", ch.PeriodID)
	}
	end := psti.DateText(ch.EndDate)
	late := ""
	if ch.Late {
		late = " (recorded later)"
	}
	fmt.Fprintf(w, "  %-18s %-28s until %-18s entry %d%s\n", psti.LongDate(ch.At), what, end, ch.Index, late)
}
