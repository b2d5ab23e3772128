package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/assessment/pack"
	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

func evidencePackCmd(a *app) *cobra.Command {
	var out string
	var force bool
	c := &cobra.Command{
		Use:   "evidence-pack PRODUCT --out PACK.zip [--force]",
		Short: "Write one zip file with everything an enforcement officer would ask for about a product",
		Long: `Write an evidence pack: one zip file holding what this installation records
about one product, for an enforcement officer (or a retailer, importer or
auditor) to read and check:

  - the product's scope decision and its assessment with the evidence files
    (said plainly when none is recorded);
  - the password audit reports of its batches (no password is in them);
  - the disclosure policy that covers it, as published, and the record of how
    security reports about it were handled: how many in each status, and each
    acknowledgement and status update on time or late against the published
    promises (counts and dates only: nothing about who reported or what);
  - its support periods and their history read from the transparency log;
  - every issued version of its statements of compliance, byte for byte
    (PDF, web page, JSON and its signature);
  - the log's signed checkpoint and key, and each log entry about the above
    with the proof that it is in the log the checkpoint signs;
  - manifest.json, listing every file with its SHA-256 and size, and an
    index (index.html and index.pdf) saying, in plain English, what each file
    is, what it shows and how to check it.

PRODUCT is the product's slug (as in /products/SLUG) or its number. The pack is
made from the records as they stand today, and dated today: packs made the
same day from the same records are the same bytes. Check one with
"psti verify pack PACK.zip --key KEYFILE".

An existing file is not overwritten unless --force is given.

Exit status: 0 written; 1 the pack could not be made; 2 the command line is
wrong (no such product, or the file exists).`,
		Example: `  psti evidence-pack acme-doorbell-pro --out doorbell-pack.zip
  psti verify pack doorbell-pack.zip --key key`,
		Args: exactArgs(1, "the PRODUCT (its slug or number)"),
		RunE: func(c *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--out PACK.zip is needed: the file to write the pack to")
			}
			if !force {
				if _, err := os.Stat(out); err == nil {
					return usagef("%s already exists; give --force to overwrite it, or choose a new file", out)
				}
			}
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			id, err := productID(c, db, args[0])
			if err != nil {
				return err
			}
			in, err := db.EvidencePack(c.Context(), id, time.Now())
			if err != nil {
				return err
			}
			data, err := pack.Build(in)
			if err != nil {
				return err
			}
			if err := writePack(out, data, force); err != nil {
				return err
			}
			row(a.stdout, "Product", "%s (%s)", in.Product.Name, in.Product.Slug)
			row(a.stdout, "Dated", "%s", psti.LongDate(in.AsOf))
			row(a.stdout, "Written", "%s, %d bytes", out, len(data))
			if in.Log != nil {
				fmt.Fprintf(a.stdout, "Check it with: psti verify pack %s --key KEYFILE (the log's key, from /log/key)\n", out)
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "the zip file to write (required)")
	c.Flags().BoolVar(&force, "force", false, "overwrite the file when it exists")
	return c
}

// productID finds a product by its slug or its number; one that is not
// there is a usage error.
func productID(c *cobra.Command, db *store.DB, ref string) (int64, error) {
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil && n > 0 {
		if _, err := db.Product(c.Context(), n); err != nil {
			if psti.ErrorCode(err) == psti.ENOTFOUND {
				return 0, usagef("there is no product %d", n)
			}
			return 0, err
		}
		return n, nil
	}
	p, err := db.ProductBySlug(c.Context(), ref)
	if err != nil {
		if psti.ErrorCode(err) == psti.ENOTFOUND {
			return 0, usagef("there is no product %q: give its slug, as in its page /products/SLUG, or its number", ref)
		}
		return 0, err
	}
	return p.ID, nil
}

// writePack writes data to name through a temporary file beside it, so that
// a pack is never left half written; without force it refuses to replace a
// file that appeared meanwhile.
func writePack(name string, data []byte, force bool) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", name, err)
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o644)
	}
	if werr == nil && !force {
		// Link fails when name exists: no file is ever replaced.
		if werr = os.Link(f.Name(), name); errors.Is(werr, os.ErrExist) {
			os.Remove(f.Name())
			return usagef("%s already exists; give --force to overwrite it, or choose a new file", name)
		}
		if werr == nil {
			os.Remove(f.Name())
			return nil
		}
	}
	if werr == nil {
		werr = os.Rename(f.Name(), name)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cannot write %s: %w", name, werr)
	}
	return nil
}

func verifyPackCmd(a *app) *cobra.Command {
	var keyFile, src string
	c := &cobra.Command{
		Use:   "pack PACK.zip [--key KEYFILE]",
		Short: "Check an evidence pack: every file's fingerprint, the log's checkpoint and proofs, the statements' signatures",
		Long: `Check an evidence pack made by "psti evidence-pack", offline:

  - every file's SHA-256 and size is as manifest.json lists it, and no file is
    missing or added;
  - the transparency log's checkpoint in the pack (log/checkpoint) is signed by
    the log's key;
  - every log entry in the pack (log/entries/N) is in the log that checkpoint
    signs, by its inclusion proof (log/proofs/N.json);
  - every statement of compliance in the pack has a valid signature over the
    whole file, and a proven log entry that issued it names its SHA-256;
  - the product's support end date never went backwards, read from the
    entries; and the disclosure policy is the one its latest entry publishes.

KEYFILE is the log's verifier key (from the manufacturer's /log/key) or its key
list (/log/keys), obtained through a channel you trust. Without --key, the key
inside the pack is used: that shows only that the pack holds together, not that
it comes from the manufacturer, and the report says so and prints the key's
fingerprint to compare with theirs.

The manifest is not signed: a file left out together with its line in the
manifest cannot be seen from the pack alone. With --log (a copy of the log made
by "psti log export", or the address of the manufacturer's /log) and --key, the
copy is checked too, and every entry of it about the product up to the pack's
checkpoint (each support period publication and extension, each statement
issued for the product's model, the latest disclosure policy) must be in the
pack, byte for byte.
` + verifyExit,
		Example: `  psti verify pack doorbell-pack.zip --key key
  psti verify pack doorbell-pack.zip --key key --log https://shop.example/log
  psti verify pack doorbell-pack.zip`,
		Args: exactArgs(1, "the PACK.zip file"),
		RunE: func(c *cobra.Command, args []string) error {
			if src != "" && keyFile == "" {
				return usagef("--log needs --key: the copy of the log is checked against a key you trust")
			}
			var keys []string
			if keyFile != "" {
				var err error
				if keys, err = trustedKeys(keyFile); err != nil {
					return err
				}
			}
			data, err := readPack(args[0])
			if err != nil {
				return err
			}
			rep, err := pack.Verify(data, keys)
			if err != nil {
				return usagef("%s: %s", args[0], strings.TrimPrefix(err.Error(), "pack: "))
			}
			writePackReport(a.stdout, args[0], rep)
			if !rep.OK() {
				more := ""
				if n := len(rep.Problems); n > 1 {
					more = fmt.Sprintf(" (and %d more problems, listed above)", n-1)
				}
				return fmt.Errorf("verification FAILED: %s%s", rep.Problems[0], more)
			}
			if rep.Checkpoint == nil {
				fmt.Fprintf(a.stdout, "Verified: all %d files are as the manifest lists them. The pack holds no transparency log checkpoint, so nothing in it is proven against the log.\n", rep.Files)
				return nil
			}
			fmt.Fprintf(a.stdout, "Verified: all %d files are as the manifest lists them, and %d log entries are in the log the checkpoint signs.\n", rep.Files, rep.Entries)
			if rep.History > 0 {
				fmt.Fprintln(a.stdout, "From the log, the product's support end date never went backwards.")
			}
			if rep.KeyFromPack {
				fmt.Fprintln(a.stdout, "The checkpoint was checked against the key inside the pack: trust in that key must come from")
				fmt.Fprintln(a.stdout, "elsewhere. Compare its fingerprint above with the manufacturer's, or give their key with --key.")
			}
			if src == "" {
				fmt.Fprintln(a.stdout, "Whether anything was left out of the pack was not checked: give --log (a copy of the log, or its address) to check it.")
				return nil
			}
			// Nothing left out: every entry about the product, up to the
			// pack's checkpoint, is in it.
			logged, lr, err := a.checkLogCopy(src, keyFile, func(ledger.Logged) bool { return true })
			if err != nil {
				return err
			}
			if lr.Checkpoint.Size < rep.Checkpoint.Size {
				return fmt.Errorf("verification FAILED: the copy of the log at %s holds %d entries, fewer than the %d of the pack's checkpoint: give a newer copy", src, lr.Checkpoint.Size, rep.Checkpoint.Size)
			}
			missing, err := pack.Missing(data, rep.Checkpoint.Size, logged)
			if err != nil {
				return usagef("%s: %s", args[0], strings.TrimPrefix(err.Error(), "pack: "))
			}
			if len(missing) > 0 {
				fmt.Fprintf(a.stdout, "FAILED: %s\n", problemCount(len(missing)))
				for _, m := range missing {
					fmt.Fprintf(a.stdout, "  %s\n", m)
				}
				return fmt.Errorf("verification FAILED: the pack leaves out what the log holds: %s", missing[0])
			}
			fmt.Fprintf(a.stdout, "Complete: every entry of the log about this product, up to the pack's checkpoint (%d entries), is in the pack.\n", rep.Checkpoint.Size)
			return nil
		},
	}
	c.Flags().StringVar(&keyFile, "key", "", "the log's key: a file holding its verifier key (/log/key) or its key list (/log/keys); by default the key in the pack")
	c.Flags().StringVar(&src, "log", "", "also check that nothing about the product was left out, against this copy of the log (a folder, or a server's /log address; needs --key)")
	return c
}

// readPack reads a pack file, up to pack.MaxPack bytes; one that cannot be
// read is unusable input (exit 2).
func readPack(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, usagef("cannot read the pack: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, pack.MaxPack+1))
	if err != nil {
		return nil, usagef("cannot read the pack: %v", err)
	}
	if len(b) > pack.MaxPack {
		return nil, usagef("the pack %s is larger than %d MB", name, pack.MaxPack>>20)
	}
	return b, nil
}

func writePackReport(w io.Writer, name string, r *pack.Report) {
	row(w, "Pack", "%s", name)
	row(w, "Product", "%s", r.Product)
	row(w, "Files", "%d listed in the manifest", r.Files)
	if cp := r.Checkpoint; cp != nil {
		row(w, "Log", "%s", cp.Origin)
		row(w, "Checkpoint", "%d entries, root hash %s", cp.Size, rootText(*cp))
		for _, k := range r.SignedBy {
			row(w, "Signed by", "%s", k)
		}
		if r.KeyFromPack {
			for _, k := range r.Keys {
				row(w, "Key", "from the pack: %s", k)
				row(w, "Fingerprint", "SHA-256 %s", pack.KeyFingerprint(k))
			}
		}
		row(w, "Entries", "%d proven in the checkpoint", r.Entries)
		if r.History > 0 {
			row(w, "Support", "%d changes of the support period read from the log", r.History)
		}
	}
	for _, s := range r.Statements {
		row(w, "Statement", "%s: signature valid, by %s (certificate SHA-256 %s)", s.File, s.Signer, s.Fingerprint)
	}
	if len(r.Problems) > 0 {
		fmt.Fprintf(w, "FAILED: %s\n", problemCount(len(r.Problems)))
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
}
