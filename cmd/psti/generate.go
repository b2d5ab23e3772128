package main

import "github.com/spf13/cobra"

func generateCmd(a *app) *cobra.Command {
	return &cobra.Command{Use: "generate", Short: "Generate compliant default passwords", RunE: func(*cobra.Command, []string) error { return nil }}
}
