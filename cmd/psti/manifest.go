package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/passwords"
)

// manifestKeyName names the installation's key that signs password
// manifests (store.InstallationKey: made once, never changed).
const manifestKeyName = "manifest-signing"

// manifestKey returns this installation's manifest-signing key, opening
// the database for it.
func (a *app) manifestKey(ctx context.Context) (ed25519.PrivateKey, error) {
	db, err := a.open(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	seed, err := db.InstallationKey(ctx, manifestKeyName, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return passwords.SigningKey(seed)
}

func manifestKeyCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "manifest-key",
		Short: "Print the public key that signs this installation's password manifests",
		Long: `Print the Ed25519 public key with which this installation signs the manifests
of "psti passwords generate --manifest". Give it to buyers and to anyone else who
checks your manifests, so they can pin it:
  psti passwords verify-manifest manifest.json --public-key ed25519:…

The key is made the first time it is needed and never changes; it is kept in the
database (--database-url), and copied with it by backups.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			key, err := a.manifestKey(c.Context())
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, passwords.PublicKeyText(key.Public().(ed25519.PublicKey)))
			return nil
		},
	}
}

func verifyManifestCmd(a *app) *cobra.Command {
	var publicKey string
	c := &cobra.Command{
		Use:   "verify-manifest FILE",
		Short: "Check the signature of a password manifest, offline",
		Long: `Check that a password manifest written by "psti passwords generate --manifest"
is exactly as it was signed: no field changed, added or removed. It needs no
database and no network: the manifest carries its public key. With
--public-key, it also checks that the key is the one expected (print it with
"psti passwords manifest-key" on the installation that signed).

The signature is Ed25519 over the RFC 8785 canonical form of the manifest
without its "signature" field; docs/password-manifest.md describes it for
anyone writing their own check.

Exit status: 0 the signature is valid (what was signed is printed); 1 it is not
(a field was changed, or another key signed it); 2 the file or the key given
is unusable.`,
		Example: `  psti passwords verify-manifest manifest.json
  psti passwords verify-manifest manifest.json --public-key ed25519:…`,
		Args: exactArgs(1, "the manifest FILE"),
		RunE: func(c *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return usagef("cannot read the manifest: %v", err)
			}
			defer f.Close()
			data, err := io.ReadAll(io.LimitReader(f, 1<<20+1))
			if err != nil {
				return usagef("cannot read the manifest: %v", err)
			}
			if len(data) > 1<<20 {
				return usagef("%s is larger than 1 MiB: it is not a password manifest", args[0])
			}
			d, err := passwords.VerifyManifest(data, publicKey)
			var me *passwords.ManifestError
			if errors.As(err, &me) && me.Unusable {
				return usageError{fmt.Errorf("%s: %v", args[0], err)}
			}
			if err != nil {
				return fmt.Errorf("%s: NOT VALID: %v", args[0], err)
			}
			printManifest(a.stdout, args[0], d, publicKey != "")
			return nil
		},
	}
	c.Flags().StringVar(&publicKey, "public-key", "", "the key expected, as psti passwords manifest-key prints it (ed25519:…)")
	return c
}

// printManifest says in plain words what a valid manifest's signature
// vouches for.
func printManifest(w io.Writer, name string, d *passwords.Declaration, pinned bool) {
	fmt.Fprintf(w, "Valid: %s is exactly as it was signed.\n", name)
	if pinned {
		fmt.Fprintf(w, "Signed by the key expected, %s.\n\n", d.PublicKey)
	} else {
		fmt.Fprintf(w, "Signed by %s (the key the manifest carries; check it with --public-key).\n\n", d.PublicKey)
	}
	fmt.Fprintln(w, "It declares:")
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-14s %s\n", label, value)
		}
	}
	line("Model", d.Model)
	line("Batch", d.Batch)
	line("Devices", humanize.Comma(d.Rows))
	line("Batch file", "SHA-256 "+d.SHA256)
	how := d.Mechanism
	if m, err := passwords.LookupMechanism(d.Mechanism); err == nil {
		how = m.Display
	}
	line("Made with", how)
	if d.KeyID != "" {
		line("Key", d.KeyID+", kept in "+d.KeyCustody)
	}
	line("Derived from", d.Input)
	line("Label", d.Label)
	if d.Words > 0 {
		line("Passwords", fmt.Sprintf("%d words, %.1f bits each", d.Words, d.EntropyBits))
	} else {
		line("Passwords", fmt.Sprintf("%d characters, %.1f bits each", d.Length, d.EntropyBits))
	}
	line("Standard", d.Standard)
	if a := d.Audit; a != nil {
		line("Own audit", a.Verdict+": "+a.Summary)
		line("Audit report", "SHA-256 "+a.ReportSHA256)
	}
	line("Made by", strings.TrimSpace(d.Generator))
	line("Made at", d.CreatedAt)
}
