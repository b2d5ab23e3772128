package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/psti"
)

func requirementsCmd(a *app) *cobra.Command {
	var format, out string
	c := &cobra.Command{
		Use:   "requirements [--format text|json|oscal] [--out FILE]",
		Short: "List what the UK product security law asks, or export it as JSON or OSCAL",
		Long: `List the requirement catalogue: what the UK product security regime (the PSTI
Act 2022, Part 1, and its 2023 Security Requirements Regulations) asks of
manufacturers, importers and distributors, each with the id psti's reports,
pages and code cite (such as PSTI-PW-01, unique or user-defined passwords).

For each requirement the catalogue gives a summary in plain words (ours, not
the law's), where the law says it, who it binds, how sure the reading is, the
standards and labels that deem it met, and related provisions of ETSI EN
303 645 and the EU Cyber Resilience Act. The confidence labels:
  VERIFIED    read in the text of the law itself (legislation.gov.uk)
  SECONDARY   not read in the law's text; two or more published summaries agree
  SINGLE      not read in the law's text; one published summary only
  UNVERIFIED  not yet checked: read the source before relying on it

The catalogue is built into psti and needs no database. The same catalogue is
served by psti serve at /requirements (a page anyone can read), at
/api/v1/requirements (JSON) and at /api/v1/requirements/oscal (OSCAL).

Formats:
  text    a readable list, group by group (the default)
  json    the catalogue as the API serves it: groups, requirements with their
          mappings, and the standards they map to
  oscal   an OSCAL 1.1.2 catalog (JSON) for governance, risk and compliance
          tools: each requirement is a control with the id in lower case
          (psti-pw-01) and the requirement id in the prop "label"; the same
          catalogue version gives the same file, byte for byte

--out FILE writes to a new file instead of standard output (it must not exist).

Exit status: 0 written; 1 the file could not be written; 2 the command line is
wrong, or --out names a file that exists.`,
		Example: `  psti requirements
  psti requirements | grep PSTI-DSP
  psti requirements --format json --out requirements.json
  psti requirements --format oscal --out psti-requirements.oscal.json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			cat := catalog.DefaultCatalogue()
			var data []byte
			var err error
			switch format {
			case "text":
				var b strings.Builder
				writeRequirements(&b, cat)
				data = []byte(b.String())
			case "json":
				data, err = json.MarshalIndent(cat, "", "  ")
				data = append(data, '\n')
			case "oscal":
				data, err = catalog.OSCAL(cat)
			default:
				return usagef("--format must be text, json or oscal, not %q", format)
			}
			if err != nil {
				return err
			}
			if out == "" {
				_, err := a.stdout.Write(data)
				return err
			}
			if err := writeNewFile(out, data); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "Wrote %s: requirement catalogue %s (%s, %d bytes).\n", out, cat.Version, format, len(data))
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "text", "text, json or oscal")
	c.Flags().StringVar(&out, "out", "", "the file to write (must not exist); standard output when not given")
	return c
}

// writeNewFile writes data to a file that must not exist yet, removing what
// it wrote if it fails.
func writeNewFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return usagef("%s exists already: give a new file name", name)
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", name, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(name)
		return fmt.Errorf("cannot write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return fmt.Errorf("cannot write %s: %w", name, err)
	}
	return nil
}

// writeRequirements lists the catalogue for reading in a terminal.
func writeRequirements(w io.Writer, c *catalog.Catalogue) {
	fmt.Fprintf(w, "%s\nRequirement catalogue version %s, written on %s.\n", c.Title, c.Version, psti.DateText(c.Published))
	fmt.Fprintln(w, "Summaries are ours, not the law's: read the law at the sources given.")
	for _, g := range c.Groups {
		fmt.Fprintf(w, "\n%s\n%s\n", g.Title, strings.Repeat("=", len([]rune(g.Title))))
		for _, r := range g.Requirements {
			fmt.Fprintf(w, "\n%s  %s\n", r.ID, r.Title)
			wrapTo(w, r.Summary, "    ", 78)
			binds := []string{catalog.RoleText(r.Role)}
			for _, role := range r.AlsoBinds {
				binds = append(binds, catalog.RoleText(role))
			}
			wrapTo(w, fmt.Sprintf("Source: %s. Binds %s.", r.Source, strings.Join(binds, " and ")), "    ", 78)
			if r.Confidence != "VERIFIED" || r.ConfidenceNote != "" {
				conf := r.Confidence
				if r.ConfidenceNote != "" {
					conf = r.ConfidenceNote
				}
				wrapTo(w, "Confidence: "+conf, "    ", 78)
			}
			if len(r.Deemed) > 0 {
				names := make([]string, len(r.Deemed))
				for i, m := range r.Deemed {
					names[i] = catalog.MappingText(m)
				}
				wrapTo(w, "Deemed met by: "+strings.Join(names, "; "), "    ", 78)
			}
			if len(r.Informative) > 0 {
				names := make([]string, len(r.Informative))
				for i, m := range r.Informative {
					names[i] = m.Scheme + " " + m.Ref
				}
				wrapTo(w, "Related: "+strings.Join(names, "; "), "    ", 78)
			}
		}
	}
}

// wrapTo writes text in lines of at most width columns, each indented.
func wrapTo(w io.Writer, text, indent string, width int) {
	line := indent
	for _, word := range strings.Fields(text) {
		if line != indent && len([]rune(line))+1+len([]rune(word)) > width {
			fmt.Fprintln(w, line)
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	if line != indent {
		fmt.Fprintln(w, line)
	}
}
