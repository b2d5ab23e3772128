package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
)

// productStatus is one product's line of psti status --format json.
type productStatus struct {
	ProductID   int64             `json:"product_id"`
	Name        string            `json:"name"`
	ModelNumber string            `json:"model_number"`
	Met         int               `json:"met" doc:"Requirements met or not applicable."`
	Total       int               `json:"total"`
	Statement   bool              `json:"statement_ready" doc:"Every requirement a statement of compliance speaks to is met or not applicable."`
	Scope       string            `json:"scope" doc:"The current scope decision's outcome, or not_decided."`
	Items       []assessment.Item `json:"items"`
}

func statusCmd(a *app) *cobra.Command {
	var format, days string
	c := &cobra.Command{
		Use:   "status",
		Short: "Show every product's assessment: a light per requirement and what is missing",
		Long: `Show, for every product (archived ones left out), where each requirement of
its assessment stands, as the staff product list does: a light (green: met or
not applicable; amber: in progress, a claim with no file kept, or a label
expiring soon; red: not started, shown unmet by psti's records, or a label
that has expired), and what is missing, in plain words. psti's own records
(password audits, the published disclosure policy and support period) count
as proof; everything else is a claim.

--format json prints the same as a JSON array, one object per product.`,
		Example: `  psti status
  psti status --format json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return usagef("--format must be text or json, not %q", format)
			}
			var p problems
			window := time.Duration(wholeNumber(&p, setting{"label-warning-days", "PSTI_LABEL_WARNING_DAYS"}, days, 1)) * 24 * time.Hour
			if err := p.err(); err != nil {
				return err
			}
			ctx := c.Context()
			db, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			sv := &assessment.Service{Store: db, Records: db, Clock: psti.SystemClock{}, Window: window}
			var out []productStatus
			const page = product.MaxList
			for offset := 0; ; offset += page {
				ps, err := db.Products(ctx, product.Filter{Limit: page, Offset: offset})
				if err != nil {
					return err
				}
				as, err := sv.ReadAll(ctx, ps)
				if err != nil {
					return err
				}
				ids := make([]int64, len(ps))
				for i, pr := range ps {
					ids[i] = pr.ID
				}
				decisions, err := db.CurrentScopeDecisions(ctx, ids...)
				if err != nil {
					return err
				}
				for i, pr := range ps {
					st := productStatus{ProductID: pr.ID, Name: pr.Name, ModelNumber: pr.ModelNumber, Total: len(as[i].Items), Items: as[i].Items,
						Statement: len(as[i].Unmet()) == 0, Scope: "not_decided"}
					if d := decisions[pr.ID]; d != nil {
						st.Scope = d.Outcome
					}
					for _, it := range as[i].Items {
						if it.Done() {
							st.Met++
						}
					}
					out = append(out, st)
				}
				if len(ps) < page {
					break
				}
			}
			if format == "json" {
				if out == nil {
					out = []productStatus{}
				}
				return printJSON(a.stdout, out)
			}
			if len(out) == 0 {
				fmt.Fprintln(a.stdout, "No products yet: add them on the admin pages, under Products.")
				return nil
			}
			for i, st := range out {
				if i > 0 {
					fmt.Fprintln(a.stdout)
				}
				ready := "a statement of compliance can be issued"
				if !st.Statement {
					ready = "a statement of compliance cannot be issued yet"
				}
				scopeText := "scope not decided yet"
				if st.Scope != "not_decided" {
					scopeText = "scope: " + scope.OutcomeText(st.Scope)
				}
				fmt.Fprintf(a.stdout, "%s (%s), product %d, %s: %d of %d met or not applicable; %s.\n", st.Name, st.ModelNumber, st.ProductID, scopeText, st.Met, st.Total, ready)
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				for _, it := range st.Items {
					fmt.Fprintf(w, "  %s %s\t%s\t%s\t%s\n", it.Symbol(), strings.ToUpper(it.Light), it.Requirement, it.Title, it.Text)
					if it.Warning != "" {
						fmt.Fprintf(w, "  \t\t\t\t%s\n", it.Warning)
					}
				}
				if err := w.Flush(); err != nil {
					return err
				}
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "text", "text or json")
	c.Flags().StringVar(&days, "label-warning-days", env("PSTI_LABEL_WARNING_DAYS", "90"), "how many days before a label expires to warn (env PSTI_LABEL_WARNING_DAYS)")
	return c
}
