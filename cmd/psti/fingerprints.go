package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/passwords"
)

// PSTI-PW-01 across batches: "unique per product" means unique for each
// product of a class or type (Schedule 1 para 1(2)(a) and 1(5)), so a batch
// is also compared with the earlier batches of the same product, through
// keyed fingerprints that keep no password.

func fingerprintsCmd(a *app) *cobra.Command {
	var o struct{ input, out, batch string }
	c := &cobra.Command{
		Use:   "fingerprints --input BATCH.csv --out FILE",
		Short: "Keep a batch's password fingerprints, to check later batches of the product against it",
		Long: `Write the fingerprints of a batch's passwords to a file, so that later batches
of the same product can be checked against it without keeping any password:
"psti passwords audit --previous FILE" flags every device of a later batch whose
password a device of this batch has (rule DP-04). PSTI requires each password to
be unique for each product of a class or type, so across batches too.

A fingerprint is a keyed hash (HMAC-SHA-256, cut to 80 bits) of the password
under this installation's secret key, kept in the database (--database-url,
PSTI_DATABASE_URL) and made the first time it is needed. Without the key a
fingerprint says nothing about its password. A file can be checked against only
by the installation that made it: another installation refuses it. The file
holds the batch's label, its file name and SHA-256, the number of passwords, and
8 bytes per password (about 80 MB for 10 million devices).

Only audited rows are fingerprinted: not user-defined rows, nor the credential
types that are not passwords (pairing_pin_non_ip, api_key, crypto_key).

Input as for "psti passwords audit": CSV with a password column; "-" reads
standard input; a name ending in .gz is read as gzip.

Exit status: 0 written; 2 the input or options are unusable (nothing is written).`,
		Example: `  psti passwords fingerprints --input batch-2411.csv --out batch-2411.fp --batch B-2411
  psti passwords audit --input batch-2501.csv --previous batch-2411.fp --previous batch-2447.fp`,
		Args: exactArgs(0, "no arguments (use --input and --out)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if o.input == "" || o.out == "" {
				return usagef("--input BATCH.csv and --out FILE are both required")
			}
			in, size, closeIn, err := openInput(o.input)
			if err != nil {
				return err
			}
			defer closeIn()
			f, err := a.fingerprinter(c.Context())
			if err != nil {
				return err
			}
			out, err := newPendingFile(o.out)
			if err != nil {
				return err
			}
			defer out.discard()
			opt := passwords.FingerprintOptions{Batch: o.batch, InputName: o.input, TempDir: filepath.Dir(o.out)}
			bar := progress(a.stderr, size)
			if bar != nil {
				bar.Describe("fingerprinting")
				opt.Progress = func(rows int64) { _ = bar.Set64(in.read()) }
			}
			h, err := passwords.Fingerprints(c.Context(), in, out, f, opt)
			finishBar(bar, a.stderr)
			if err != nil {
				return inputUsage(err)
			}
			if err := out.commit(); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Wrote the fingerprints of %s passwords of %s to %s (key id %s).\n", humanize.Comma(h.Rows), h.Label(), o.out, h.KeyID)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.input, "input", "", "batch CSV file (- for standard input; .gz is read as gzip)")
	f.StringVar(&o.out, "out", "", "fingerprint file to write")
	f.StringVar(&o.batch, "batch", "", "the batch's label, as later reports name it (default: the input's name)")
	return c
}

// fingerprinter returns the installation's fingerprinter, from the key in
// its database.
func (a *app) fingerprinter(ctx context.Context) (*passwords.Fingerprinter, error) {
	db, err := a.open(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	key, err := db.InstallationKey(ctx, passwords.FingerprintKeyName, passwords.FingerprintKeySize)
	if err != nil {
		return nil, err
	}
	return passwords.NewFingerprinter(key)
}

// earlierSets opens each --previous file: a fingerprint file (its key
// checked now, so a refusal comes before the audit), or a batch file,
// fingerprinted into a working file in dir. done removes the working files.
func earlierSets(ctx context.Context, files []string, f *passwords.Fingerprinter, dir string) (sets []passwords.EarlierSet, done func(), err error) {
	var temps []string
	remove := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	defer func() {
		if err != nil {
			remove()
		}
	}()
	for _, name := range files {
		if name == "-" {
			return nil, nil, usagef("--previous takes files, not standard input")
		}
		file, err := os.Open(name)
		if err != nil {
			return nil, nil, usagef("--previous: %v", err)
		}
		start, _ := bufio.NewReader(file).Peek(64)
		file.Close()
		if passwords.IsFingerprintFile(start) {
			fh, err := os.Open(name)
			if err != nil {
				return nil, nil, usagef("--previous: %v", err)
			}
			h, err := passwords.CheckFingerprints(fh, name, f)
			fh.Close()
			if err != nil {
				return nil, nil, usageError{err}
			}
			sets = append(sets, passwords.EarlierSet{Batch: h.Label(), Source: fmt.Sprintf("fingerprints of %s in %s", h.Source, name), Open: openFile(name)})
			continue
		}
		// A batch file: fingerprint it now.
		in, _, closeIn, err := openInput(name)
		if err != nil {
			return nil, nil, err
		}
		tmp, err := os.CreateTemp(dir, "psti-previous-*")
		if err != nil {
			closeIn()
			return nil, nil, fmt.Errorf("cannot create a working file: %w", err)
		}
		temps = append(temps, tmp.Name())
		_, err = passwords.Fingerprints(ctx, in, tmp, f, passwords.FingerprintOptions{Batch: name, InputName: name, TempDir: dir})
		closeIn()
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		var ie *passwords.InputError
		if errors.As(err, &ie) {
			return nil, nil, usageError{fmt.Errorf("--previous: %w", err)}
		}
		if err != nil {
			return nil, nil, err
		}
		sets = append(sets, passwords.EarlierSet{Batch: name, Source: "the batch file itself", Open: openFile(tmp.Name())})
	}
	return sets, remove, nil
}

func openFile(name string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(name) }
}

// writeEarlier prints the earlier batches an audit was compared with.
func writeEarlier(w io.Writer, r *passwords.Report) {
	for _, e := range r.Batch.Duplicates.Earlier {
		fmt.Fprintf(w, "  earlier batch %q (%s): %s passwords compared, %s rows of this batch repeat one\n",
			e.Batch, strings.TrimSpace(e.Source), humanize.Comma(e.Rows), humanize.Comma(e.Repeats))
	}
}
