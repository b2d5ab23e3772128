package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/catalog"
)

func dutiesCmd(a *app) *cobra.Command {
	var factsFile, format, rulesFile string
	c := &cobra.Command{
		Use:   "duties",
		Short: "Say what your business must do, and how soon, after a compliance failure",
		Long: `psti duties says which duties the PSTI Act 2022 (Part 1, Chapter 2) gives your
business once a product fails, or may fail, the security requirements: to
investigate, prevent or stop supply, remedy, contact the manufacturer, notify
the enforcement authority and the businesses you supplied, and keep records.
Each duty names its section and its timing in the statute's own words
(as_soon_as_possible, as_soon_as_practicable, or none: they are different
duties). A duty the law does not give you here is listed as not required,
with the reason, such as a carve-out of s.11(8), s.19(10) or s.25(11).

The facts come from a JSON or YAML file (- for standard input):

  {"role": "importer", "failure_by": "manufacturer", "status": "confirmed",
   "informed_by": "distributor", "informer_says_manufacturer_aware": true,
   "informer_says_ea_notified": false, "made_available_in_uk": true,
   "supplied_uk_customers": true, "units_not_yet_supplied": true,
   "manufacturer_likely_to_remedy": null, "other_manufacturers_known": false,
   "supplied_importers": false, "supplied_distributors": true,
   "manufacturer_contactable": true,
   "obtained_from_importer_or_distributor": false, "established_in_uk": true}

role: manufacturer, importer, distributor or authorised_representative.
failure_by: self or manufacturer. status: suspected or confirmed.
informed_by: null when you found it yourself, or manufacturer, importer,
distributor, authorised_representative, enforcement_authority, customer,
other. A fact left out is not known: a duty that turns on it is listed with
needs_review. Duties that need awareness of a failure (ss.11, 18, 19, 24,
25) are listed for review while the failure is only suspected.

Exit status: 0 for any decision, 2 when the facts cannot be used.`,
		Example: `  psti duties --facts failure.json
  psti duties --facts failure.yaml --format json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return usagef("--format must be text or json, not %q", format)
			}
			if factsFile == "" {
				return usagef("--facts FILE is needed: the facts of the failure, as JSON or YAML (see psti duties --help)")
			}
			rules, err := rulesOr(rulesFile, catalog.DefaultDutyRules, catalog.ParseDutyRules)
			if err != nil {
				return err
			}
			v, err := readFacts(c.InOrStdin(), factsFile, &rules.Facts)
			if err != nil {
				return err
			}
			d := cases.Decide(rules, v)
			if format == "json" {
				return printJSON(a.stdout, d)
			}
			writeDuties(a.stdout, d)
			return nil
		},
	}
	c.Flags().StringVar(&factsFile, "facts", "", "read the facts of the failure from this JSON or YAML file (- for standard input)")
	c.Flags().StringVar(&format, "format", "text", "text or json")
	c.Flags().StringVar(&rulesFile, "rules", "", "decide with this duty rules file instead of the built-in one")
	return c
}

var timingText = map[string]string{"as_soon_as_possible": "as soon as possible", "as_soon_as_practicable": "as soon as is practicable", "none": "no time set"}

func writeDuties(w io.Writer, d cases.Decision) {
	fmt.Fprintf(w, "%s (rules version %s)\n", d.Summary(), d.RulesVersion)
	if len(d.Duties) > 0 {
		fmt.Fprintln(w, "\nYour duties:")
	}
	for _, x := range d.Duties {
		fmt.Fprintf(w, "  - %s, %s [%s]", strings.ReplaceAll(x.Duty, "_", " "), timingText[x.Timing], x.Section)
		if x.To != "" {
			fmt.Fprintf(w, ": %s", x.To)
		}
		fmt.Fprintln(w)
		for _, r := range x.Review {
			fmt.Fprintf(w, "      review: %s\n", r)
		}
	}
	if len(d.NotRequired) > 0 {
		fmt.Fprintln(w, "\nNot required:")
	}
	for _, x := range d.NotRequired {
		fmt.Fprintf(w, "  - %s [%s]: %s\n", strings.ReplaceAll(x.Duty, "_", " "), x.Section, x.Why)
	}
}
