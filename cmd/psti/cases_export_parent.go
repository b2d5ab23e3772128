package main

import "github.com/spf13/cobra"

// casesCmd is psti cases, for now with export alone; the other case
// commands join it here.
func casesCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "cases",
		Short: "Compliance cases: export a case's file",
		Args:  groupArgs,
		RunE:  groupHelp,
	}
	c.AddCommand(casesExportCmd(a))
	return c
}
