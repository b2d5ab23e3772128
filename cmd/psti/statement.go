package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
)

func statementCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "statement",
		Short: "Statements of compliance",
		Long: `Statements of compliance: the document that must accompany a connectable
product made available in the UK (PSTI Act, section 9; its content is set by
Schedule 4 of the Security Requirements Regulations).`,
		Args: exactArgs(0, "a subcommand: sample, verify or key"),
		RunE: func(c *cobra.Command, _ []string) error {
			return usagef("psti statement needs a subcommand: sample, verify or key")
		},
	}
	c.AddCommand(statementSampleCmd(a), statementVerifyCmd(a), statementKeyCmd(a))
	return c
}

// sampleStatement is the fictional product's statement that psti
// statement sample writes.
func sampleStatement(today time.Time) *statement.Statement {
	return &statement.Statement{
		ProductType: "Video doorbell (sample: a fictional product)", Model: "SAMPLE-200",
		Batches: []string{"SAMPLE-B-01", "SAMPLE-B-02"},
		Manufacturers: []statement.Party{
			{Name: "Sample Devices Ltd", Address: "1 Example Street\nLondon\nEC1A 1AA"},
			{Name: "Fabryka Przykład sp. z o.o.", Address: "ul. Piotrkowska 1\n90-001 Łódź\nPoland"},
		},
		Claims: []statement.Claim{
			{Paragraph: 1, Route: statement.RouteRequirement},
			{Paragraph: 2, Route: statement.RouteRequirement},
			{Paragraph: 3, Route: statement.RouteDeemed, Standards: []statement.Standard{{Number: "ETSI EN 303 645", Version: "V2.1.1", Issued: "2020-06", Provisions: "5.3-13"}}},
		},
		SupportEnd: today.AddDate(5, 0, 0).Format(time.DateOnly),
		Signatory:  statement.Signatory{Name: "Zoë Example", Function: "Head of Product Security"},
		Place:      "London", Issued: today.Format(time.DateOnly),
	}
}

func statementSampleCmd(a *app) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "sample --out FILE.pdf",
		Short: "Write a complete, signed sample statement for a fictional product",
		Long: `Write a complete statement of compliance for a fictional product, as psti
produces them: every field Schedule 4 asks for, printable, with a QR code to
its public page beside the full address, and digitally signed. The signing
key is made for this sample alone, with a certificate it signs itself, and is
not kept: the sample shows what psti makes, and proves nothing about anyone.

FILE must not exist yet. Open it in a PDF reader, or check its signature with
pdfsig (poppler-utils).`,
		Example: `  psti statement sample --out sample.pdf
  pdfsig sample.pdf`,
		Args: exactArgs(0, "no arguments (the file is given with --out)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("--out FILE.pdf is needed: where to write the sample")
			}
			now := time.Now().UTC()
			today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
			s := sampleStatement(today)
			doc, err := statement.RenderPDF(s, statement.PDFMeta{ID: "SOC-SAMPLE-0001", Version: 1, URL: "https://statements.example/SOC-SAMPLE-0001", Created: today})
			if err != nil {
				return err
			}
			signer, err := statement.SelfSigned("Sample Devices Ltd statements (sample key, not kept)", "Sample Devices Ltd", now, 24*time.Hour, nil)
			if err != nil {
				return err
			}
			signed, err := statement.SignPDF(doc, signer, s.Signatory.Name, s.Place, now)
			if err != nil {
				return err
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if errors.Is(err, fs.ErrExist) {
				return usagef("%s exists already: give a new file name", out)
			}
			if err != nil {
				return fmt.Errorf("cannot write the sample: %w", err)
			}
			if _, err := f.Write(signed); err != nil {
				f.Close()
				os.Remove(out)
				return fmt.Errorf("cannot write the sample: %w", err)
			}
			if err := f.Close(); err != nil {
				os.Remove(out)
				return fmt.Errorf("cannot write the sample: %w", err)
			}
			fmt.Fprintf(a.stdout, "Wrote %s: a signed sample statement of compliance (%d bytes).\nSigned by a key made for this sample alone; certificate SHA-256 %s.\n", out, len(signed), signer.Fingerprint())
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "the PDF file to write (must not exist)")
	return c
}

func statementVerifyCmd(a *app) *cobra.Command {
	var sigFile, checkpointFile, keyFile, src string
	c := &cobra.Command{
		Use:   "verify FILE [--signature JWS] [--checkpoint CHECKPOINT --key KEYFILE --log DIR]",
		Short: "Check a statement of compliance you were given: signature, fields and, with a checkpoint, the log",
		Long: `Check a statement of compliance, offline, as an importer or distributor given
one by a manufacturer: a PDF statement made by psti, or its JSON rendering with
the signature beside it (FILE.jws, or --signature JWS).

Always checked:
  - the digital signature is valid and covers the whole file, so not one byte
    was changed or added after signing;
  - who signed it: the signer's certificate is printed with its SHA-256
    fingerprint. Compare the fingerprint with the one the manufacturer gave
    you through a channel you trust (psti trusts no certificate by itself);
  - every field the law asks a statement to contain is there (Schedule 4 of
    the Security Requirements Regulations); each missing one is named.

With --checkpoint, also checked, against the manufacturer's transparency log:
  - the statement was issued: an entry of the log, as of that checkpoint,
    names this very file by its SHA-256;
  - it was not superseded: no later entry of the log, as of that checkpoint,
    issues a correction of the same statement.
--checkpoint needs --key (the log's verifier key, from /log/key, kept from a
source you trust) and --log (a copy of the log: a folder made by
"psti log export --to DIR", or the web address of the manufacturer's /log). The
copy is checked first, as "psti verify log" does, and must hold the
checkpoint's entries exactly as the checkpoint signs them.

Without --checkpoint, whether the log holds the statement is not checked, and
the report says so.

Exit status: 0 verified; 1 verification failed (what failed is said: a changed
file, a missing field, a statement the log does not hold or has superseded);
2 the command line is wrong, or an input file is missing or unusable (not a
statement, a JSON statement without its signature).`,
		Example: `  psti statement verify statement.pdf
  psti statement verify statement.json --signature statement.json.jws
  curl -s https://shop.example/log/checkpoint >checkpoint
  psti statement verify statement.pdf --checkpoint checkpoint --key key --log https://shop.example/log`,
		Args: exactArgs(1, "the statement FILE (PDF, or JSON with its .jws)"),
		RunE: func(c *cobra.Command, args []string) error {
			name := args[0]
			if checkpointFile != "" {
				if keyFile == "" {
					return usagef("--checkpoint needs --key KEYFILE: the log's verifier key, as /log/key serves it, kept from a source you trust")
				}
				if src == "" {
					return usagef("--checkpoint needs --log: a folder holding a copy of the log (psti log export --to DIR), or the web address of the manufacturer's /log")
				}
			} else if keyFile != "" || src != "" {
				return usagef("--key and --log are for checking the log: give --checkpoint CHECKPOINT too")
			}
			data, err := readStatementFile(name, "the statement")
			if err != nil {
				return err
			}
			var jws []byte
			isPDF := strings.HasPrefix(string(data[:min(len(data), 5)]), "%PDF-")
			switch {
			case isPDF && sigFile != "":
				return usagef("--signature is for a JSON statement: a PDF carries its signature inside")
			case !isPDF && sigFile != "":
				if jws, err = readInput(sigFile, "the signature"); err != nil {
					return err
				}
			case !isPDF:
				if _, err := os.Stat(name + ".jws"); err == nil {
					sigFile = name + ".jws"
					if jws, err = readInput(sigFile, "the signature"); err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "Using the signature %s (give another with --signature).\n", sigFile)
				}
			}
			rep, err := statement.Verify(data, jws)
			if err != nil {
				msg := strings.TrimPrefix(err.Error(), "statement: ")
				if !isPDF && sigFile == "" {
					msg += fmt.Sprintf("; there is no %s.jws: give it with --signature JWS", name)
				}
				return usagef("%s: %s", name, msg)
			}
			writeStatementReport(a.stdout, name, rep)
			if !rep.OK() {
				return fmt.Errorf("verification FAILED: %s", statementFailure(rep))
			}
			if checkpointFile == "" {
				fmt.Fprintln(a.stdout, "Verified: the signature is valid over the whole file, and every mandatory field is there.")
				fmt.Fprintln(a.stdout, "Log inclusion was NOT checked: that the manufacturer issued this statement and has not")
				fmt.Fprintln(a.stdout, "superseded it is shown by its transparency log; give --checkpoint, --key and --log to check.")
				return nil
			}
			return a.statementInLog(name, rep, checkpointFile, keyFile, src)
		},
	}
	c.Flags().StringVar(&sigFile, "signature", "", "the signature of a JSON statement (JWS); by default FILE.jws")
	c.Flags().StringVar(&checkpointFile, "checkpoint", "", "a signed checkpoint of the manufacturer's log (from /log/checkpoint): check the statement is in the log it signs, and not superseded")
	c.Flags().StringVar(&keyFile, "key", "", "with --checkpoint: the log's key, a file holding its verifier key (/log/key) or its key list (/log/keys)")
	c.Flags().StringVar(&src, "log", "", "with --checkpoint: a folder holding a copy of the log (psti log export --to DIR), or the web address of a server's /log")
	return c
}

// readStatementFile reads a statement's file, up to statement.MaxFile
// bytes; one that cannot be read is unusable input (exit 2).
func readStatementFile(name, what string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, usagef("cannot read %s: %v", what, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, statement.MaxFile+1))
	if err != nil {
		return nil, usagef("cannot read %s: %v", what, err)
	}
	if len(b) > statement.MaxFile {
		return nil, usagef("%s %s is larger than %d MB: it is not a statement", what, name, statement.MaxFile>>20)
	}
	if len(b) == 0 {
		return nil, usagef("%s %s is empty", what, name)
	}
	return b, nil
}

func writeStatementReport(w io.Writer, name string, r *statement.Report) {
	kind := "PDF"
	if r.Kind == statement.RenderingJSON {
		kind = "JSON, with its signature"
	}
	row(w, "File", "%s (%s)", name, kind)
	row(w, "SHA-256", "%s", r.SHA256)
	if d := r.Document; d != nil {
		row(w, "Statement", "%s, version %d", d.ID, d.Version)
		if d.Model != "" {
			row(w, "Product", "%s %s", d.ProductType, d.Model)
		}
		for _, m := range d.Manufacturers {
			row(w, "Manufacturer", "%s", m.Name)
		}
		if d.Issued != "" {
			row(w, "Issued", "%s, %s", d.Place, psti.DateText(d.Issued))
		}
	}
	if r.Signer != nil {
		label := "Signed by"
		if !r.SignatureOK {
			label = "Claims signer"
		}
		row(w, label, "%s", r.Signer.Subject)
		row(w, "Certificate", "SHA-256 %s", r.Fingerprint)
	}
	if r.SignatureOK {
		row(w, "Signature", "valid, over the whole file")
	} else {
		row(w, "Signature", "NOT valid")
	}
	if !r.SignedAt.IsZero() {
		row(w, "Signed on", "%s (as the signature gives it)", psti.LongDateTime(r.SignedAt))
	}
	if note := r.CertificateNote(time.Now()); note != "" {
		fmt.Fprintf(w, "  %s\n", note)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
	switch {
	case r.Document == nil:
	case len(r.Fields) == 0:
		row(w, "Fields", "every mandatory field is there")
	default:
		row(w, "Fields", "%d missing or wrong", len(r.Fields))
		for _, f := range r.Fields {
			fmt.Fprintf(w, "  %s: %s\n", f.Field, f.Message)
		}
	}
}

// statementFailure says in one line why a statement did not verify.
func statementFailure(r *statement.Report) string {
	switch {
	case len(r.Problems) > 0:
		return r.Problems[0]
	case len(r.Fields) == 1:
		return "a mandatory field is missing or wrong: " + r.Fields[0].Field
	case len(r.Fields) > 1:
		names := make([]string, len(r.Fields))
		for i, f := range r.Fields {
			names[i] = f.Field
		}
		return fmt.Sprintf("%d mandatory fields are missing or wrong: %s", len(r.Fields), strings.Join(names, ", "))
	}
	return "the statement does not verify"
}

// statementInLog checks, against a verified copy of the log, that the log
// a checkpoint signs holds the statement's file, not superseded.
func (a *app) statementInLog(name string, rep *statement.Report, checkpointFile, keyFile, src string) error {
	keys, err := trustedKeys(keyFile)
	if err != nil {
		return err
	}
	cp, signers, err := openCheckpoint(checkpointFile, keys)
	if err != nil {
		return err
	}
	writeCheckpoint(a.stdout, checkpointFile, cp, signers)
	all, r, err := a.checkLogCopy(src, keyFile, func(ledger.Logged) bool { return true })
	if err != nil {
		return err
	}
	if r.Checkpoint.Size < cp.Size {
		return usagef("the copy of the log at %s holds %d entries, fewer than the %d of the checkpoint %s: give a newer copy", src, r.Checkpoint.Size, cp.Size, checkpointFile)
	}
	if int64(len(all)) != r.Checkpoint.Size {
		return fmt.Errorf("verification FAILED: the copy of the log at %s gave %d of its %d entries", src, len(all), r.Checkpoint.Size)
	}
	// The copy's first cp.Size entries must be the checkpoint's log.
	tree, _ := ledger.NewTree(0, nil)
	for _, l := range all[:cp.Size] {
		data, err := l.Entry.Encode()
		if err != nil {
			return fmt.Errorf("verification FAILED: entry %d of the copy: %s", l.Index, strings.TrimPrefix(err.Error(), "ledger: "))
		}
		tree.Append(data)
	}
	if tree.Root() != cp.Hash {
		return fmt.Errorf("verification FAILED: FORK: the first %d entries of the copy of the log at %s are not the log the checkpoint %s signs; the log has shown two different histories", cp.Size, src, checkpointFile)
	}
	lr := statement.CheckLog(all[:cp.Size], rep.SHA256)
	if lr.Issued != nil {
		row(a.stdout, "Issued in log", "entry %d, %s: statement %s version %d (its %s rendering)", lr.Issued.Index, psti.LongDateTime(lr.Issued.Entry.At), lr.Number, lr.Version, lr.Document)
	}
	note, ok := statement.CertificateLogged(rep, lr, time.Now())
	if !ok {
		return fmt.Errorf("verification FAILED: %s", note)
	} else if note != "" {
		fmt.Fprintf(a.stdout, "  %s\n", note)
	}
	if p := lr.Problem(); p != "" {
		if lr.Issued == nil {
			return fmt.Errorf("verification FAILED: %s is not in the log as of that checkpoint (%d entries): no issued statement names a file with its SHA-256", name, cp.Size)
		}
		return fmt.Errorf("verification FAILED: %s", p)
	}
	fmt.Fprintf(a.stdout, "Verified: the signature is valid, every mandatory field is there, and the log of %d entries that the checkpoint signs issued this file, not superseded.\n", cp.Size)
	return nil
}
