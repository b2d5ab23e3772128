package main

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
)

// casesExportCmd is psti cases export: a compliance case's file, for the
// enforcement authority or a court (issue 15).
func casesExportCmd(a *app) *cobra.Command {
	var format, out string
	c := &cobra.Command{
		Use:   "export ID --out FILE [--format html|json|pdf]",
		Short: "Write a compliance case's file, for the enforcement authority or a court",
		Long: `Write the file of compliance case ID: the business's own account of it, for
the enforcement authority or a court. It holds the organisation, the case and
its facts in words, each duty with its state, timing, target and when and by
whom it was done (or why it is not required), the whole timeline, each notice
exactly as it was sent (drafts are left out), holds on supply, every version
of the s.12/s.20 records with corrections linked, the authority's notices with
the periods they start, and the issued statements of compliance of the case's
products with the SHA-256 of each PDF kept.

For a case opened from a security report, only the report's number, the day
it was received and its summary are in it: never who reported it, how to
reach them, how they wish to be credited, or what they wrote or sent.

--format is html (one printable page, no scripts), json or pdf (A4); without
it, the ending of --out says which. An existing file is never replaced.

Exit status: 0 written; 1 the file could not be made; 2 the command line is
wrong (no such case, an unknown format, or the file exists).`,
		Example: `  psti cases export 12 --out case-12.pdf
  psti cases export 12 --format json --out case-12.json`,
		Args: exactArgs(1, "the case's ID"),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usagef("%q is not a case's ID: give its number, as in /admin/cases/ID", args[0])
			}
			if out == "" {
				return usagef("--out FILE is needed: the file to write the case file to")
			}
			if format == "" {
				format = strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
				if !slices.Contains(cases.FileFormats, format) {
					return usagef("--format is needed: html, json or pdf (the ending of %s does not say)", out)
				}
			}
			if !slices.Contains(cases.FileFormats, format) {
				return usagef("--format %q: choose html, json or pdf", format)
			}
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			clock := psti.SystemClock{}
			svc := &cases.Service{Store: db, Register: db, Reports: db, Policies: &disclosure.Service{Store: db, Register: db, Clock: clock}, Clock: clock}
			f, err := svc.Export(c.Context(), id)
			if psti.ErrorCode(err) == psti.ENOTFOUND {
				return usagef("there is no case %d", id)
			}
			if err != nil {
				return err
			}
			data, _, err := cases.Render(f, format)
			if err != nil {
				return err
			}
			if err := writeFileNew(out, data); err != nil {
				return err
			}
			row(a.stdout, "Case", "%d: %s", f.Case.ID, f.Case.Title)
			row(a.stdout, "Made", "%s", psti.LongDateTime(f.GeneratedAt))
			row(a.stdout, "Written", "%s, %d bytes", out, len(data))
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "", "html, json or pdf (default: from the ending of --out)")
	c.Flags().StringVar(&out, "out", "", "the file to write (required; never replaced)")
	return c
}
