package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/statement"
)

func statementCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "statement",
		Short: "Statements of compliance",
		Long: `Statements of compliance: the document that must accompany a connectable
product made available in the UK (PSTI Act, section 9; its content is set by
Schedule 4 of the Security Requirements Regulations).`,
		Args: exactArgs(0, "a subcommand: sample or key"),
		RunE: func(c *cobra.Command, _ []string) error {
			return usagef("psti statement needs a subcommand: sample or key")
		},
	}
	c.AddCommand(statementSampleCmd(a), statementKeyCmd(a))
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
			{Paragraph: 3, Route: statement.RouteDeemed, Standards: []statement.Standard{{Number: "ETSI EN 303 645", Version: "V3.1.3", Issued: "2024-09", Provisions: "5.3-13"}}},
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
