package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/store"
)

// The keys that sign statements of compliance: made for testing, or
// imported from a certification authority's certificate, sealed in the
// database under the installation's secret.

func statementKeyCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "key",
		Short: "Put in place the keys that sign statements, and list them",
		Long: `The keys that sign statements of compliance: a private key and its
certificate, which name who signs. psti keeps them in the database, encrypted
under the installation's secret (the one that seals the transparency log's
key: PSTI_LOG_SECRET, PSTI_LOG_SECRET_FILE, or on SQLite the file
log-key.secret beside the database), so a copy of the database alone cannot
sign. Back that secret up apart from the database: without it, the keys
cannot be opened.

Several keys may be in place; the one added last that is valid at the time
signs, except that a self-signed key never takes over from one a
certification authority issued. A key is never deleted: once its certificate ends, or it is retired,
it signs nothing more, and what it signed still verifies through the
transparency log. Staff are warned 90 days before the certificate that signs
ends.

  psti statement key generate   make a self-signed key, for trying psti out
  psti statement key import     put in place a key and its certificate chain
  psti statement key list       list the keys, with when each ends
  psti statement key retire ID  stop a key signing`,
		Args: groupArgs,
		RunE: groupHelp,
	}
	c.AddCommand(statementKeyGenerateCmd(a), statementKeyImportCmd(a), statementKeyListCmd(a), statementKeyRetireCmd(a))
	return c
}

// openWithSecret opens the database and the transparency log's key, whose
// secret seals the statement keys: the secret's settings are checked
// before anything is opened, and one that does not open the log's key is
// refused.
func (a *app) openWithSecret(ctx context.Context) (*store.DB, error) {
	secret, from, err := a.logSecret(false)
	if err != nil {
		return nil, err
	}
	db, err := a.open(ctx)
	if err != nil {
		return nil, err
	}
	// A log with no key yet would be made one here, named after whatever
	// base URL this command was given: psti serve does that, once.
	if _, err := db.LogVerifier(ctx); err != nil {
		db.Close()
		if psti.ErrorCode(err) == psti.EUNAVAILABLE {
			return nil, errors.New("the transparency log has no key yet, so there is no secret to seal the key under: start psti serve once first")
		}
		return nil, err
	}
	if err := db.OpenLog(ctx, store.LogOptions{Secret: secret, Origin: logOrigin(a.baseURL)}); err != nil {
		db.Close()
		if errors.Is(err, store.ErrLogKey) {
			return nil, usagef("the key secret from %s does not open the transparency log's key: give the secret psti serve uses (PSTI_LOG_SECRET or PSTI_LOG_SECRET_FILE)", from)
		}
		return nil, err
	}
	return db, nil
}

// writeKey describes a key just put in place.
func writeKey(w io.Writer, k *statement.SigningKey, keys []*statement.SigningKey, now time.Time) {
	row(w, "Key", "%d, %s", k.ID, k.Label)
	row(w, "Subject", "%s", k.Subject)
	if !k.SelfSigned() {
		row(w, "Issuer", "%s", k.Issuer)
	}
	row(w, "Fingerprint", "%s (SHA-256 of the certificate)", k.Fingerprint)
	row(w, "Valid", "from %s until %s", psti.LongDateTime(k.NotBefore), psti.LongDateTime(k.NotAfter))
	row(w, "Status", "%s", k.Status(keys, now))
	if a := statement.Active(keys, now); a != nil && a.ID == k.ID {
		if x := statement.KeyWarning(keys, now); x != "" {
			row(w, "Warning", "%s", x)
		}
	}
}

// addKey keeps s and describes it.
func (a *app) addKey(ctx context.Context, db *store.DB, s *statement.Signer, label string) error {
	k, err := db.AddStatementKey(ctx, cliActor, s, label)
	if err != nil {
		return err
	}
	keys, err := db.StatementKeys(ctx)
	if err != nil {
		return err
	}
	writeKey(a.stdout, k, keys, time.Now())
	return nil
}

func statementKeyGenerateCmd(a *app) *cobra.Command {
	var name, label string
	var days int
	c := &cobra.Command{
		Use:   `generate --name "ORGANISATION" [--days N]`,
		Short: "Make a self-signed key to sign statements, for trying psti out",
		Long: `Make a key to sign statements, with a certificate it signs itself, naming the
organisation, valid from now for --days days (365 unless given), and put it in
place: it signs statements unless a valid key a certification authority issued
is in place (a self-signed key never takes over from one).

A self-signed certificate proves nothing to others: anyone can make one with
any name. A statement signed with it shows who signed only to someone you give
its fingerprint through a channel they trust. Use it for trying psti out and
for tests; for statements others rely on, import a key and a certificate from
a certification authority (psti statement key import).`,
		Example: `  psti statement key generate --name "Acme Devices Ltd"
  psti statement key generate --name "Acme Devices Ltd" --days 30`,
		Args: exactArgs(0, "no arguments (the organisation is given with --name)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if name == "" {
				return usagef("--name is needed: the organisation the certificate names")
			}
			s, err := statement.NewTestSigner(name, days, time.Now())
			if err != nil {
				return err
			}
			ctx := c.Context()
			db, err := a.openWithSecret(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := a.addKey(ctx, db, s, label); err != nil {
				return err
			}
			fmt.Fprintln(a.stderr, "This certificate is self-signed: it proves nothing to others. Use it to try psti out;\n"+
				"for statements others rely on, import a key and a certificate from a certification\nauthority (psti statement key import).")
			return nil
		},
	}
	c.Flags().StringVar(&name, "name", "", "the organisation the certificate names (required)")
	c.Flags().IntVar(&days, "days", 365, "how many days the certificate is valid for, from now")
	c.Flags().StringVar(&label, "label", "", "a name for the key, for people (default: the certificate's name)")
	return c
}

func statementKeyImportCmd(a *app) *cobra.Command {
	var keyFile, chainFile, label string
	c := &cobra.Command{
		Use:   "import --key KEY.pem --chain CHAIN.pem [--label LABEL]",
		Short: "Put in place a key and its certificate chain to sign statements",
		Long: `Put in place a private key and its certificate chain, which from now on sign
statements (the key added last that is valid signs; a self-signed key never
takes over from one a certification authority issued).

KEY.pem holds the private key, PEM, not encrypted (PKCS#8 "PRIVATE KEY", or
the older "EC PRIVATE KEY" and "RSA PRIVATE KEY"): an ECDSA key, or an RSA key
of at least 2048 bits. psti encrypts it itself, under the installation's
secret; delete the file once the key is in place, or keep it somewhere safe.

CHAIN.pem holds the certificates, PEM: the key's own certificate first, then
each certificate that issued the one before it. A certificate that has ended
is refused.`,
		Example: `  psti statement key import --key signing-key.pem --chain signing-chain.pem
  psti statement key import --key key.pem --chain chain.pem --label "Statements 2027"`,
		Args: exactArgs(0, "no arguments (the files are given with --key and --chain)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if keyFile == "" || chainFile == "" {
				return usagef("--key KEY.pem and --chain CHAIN.pem are both needed: the private key, and its certificate chain")
			}
			keyPEM, err := readInput(keyFile, "the key file")
			if err != nil {
				return err
			}
			chainPEM, err := readInput(chainFile, "the certificate chain")
			if err != nil {
				return err
			}
			s, err := statement.ParseSigner(keyPEM, chainPEM)
			if err != nil {
				return fileProblem(err, map[string]string{"key": keyFile, "chain": chainFile})
			}
			ctx := c.Context()
			db, err := a.openWithSecret(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := a.addKey(ctx, db, s, label); err != nil {
				return fileProblem(err, map[string]string{"chain": chainFile})
			}
			return nil
		},
	}
	c.Flags().StringVar(&keyFile, "key", "", "the private key, a PEM file (required)")
	c.Flags().StringVar(&chainFile, "chain", "", "the certificate chain, a PEM file, the key's own certificate first (required)")
	c.Flags().StringVar(&label, "label", "", "a name for the key, for people (default: the certificate's name)")
	return c
}

// fileProblem names the file at fault in a problem with the key or the
// chain: a usage error (exit 2).
func fileProblem(err error, files map[string]string) error {
	fields := psti.ErrorFields(err)
	if psti.ErrorCode(err) != psti.EINVALID || len(fields) == 0 {
		return err
	}
	if f, ok := files[fields[0].Field]; ok {
		return usagef("%s: %s", f, fields[0].Message)
	}
	return err
}

func statementKeyListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the keys that sign statements, with when each ends",
		Long: `List the keys that sign statements, newest first: the certificate's subject,
its fingerprint (the SHA-256 of the certificate), the day it ends, and whether
the key signs now. A warning follows when the key that signs ends within 90
days, or when no key is valid. No secret is needed or shown.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			ctx := c.Context()
			db, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			keys, err := db.StatementKeys(ctx)
			if err != nil {
				return err
			}
			if len(keys) == 0 {
				fmt.Fprintln(a.stdout, "No key to sign statements yet. Put one in place with psti statement key import\n(or psti statement key generate, to try psti out).")
				return nil
			}
			now := time.Now()
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSUBJECT\tFINGERPRINT (SHA-256)\tVALID UNTIL\tSTATUS")
			for _, k := range keys {
				subject := k.Subject
				if k.SelfSigned() {
					subject += " (self-signed)"
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", k.ID, subject, k.Fingerprint, psti.LongDate(k.NotAfter), k.Status(keys, now))
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if warn := statement.KeyWarning(keys, now); warn != "" {
				fmt.Fprintln(a.stdout, "\nWarning: "+warn)
			}
			return nil
		},
	}
}

func statementKeyRetireCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "retire ID",
		Short: "Stop a key signing statements",
		Long: `Retire the key ID (see psti statement key list): it signs nothing more, as
when it may have leaked, or a new certificate replaces it. It is kept, so
that the statements it signed still name it, and they still verify through
the transparency log. A retired key cannot be brought back: import it again
under a new certificate instead.`,
		Args: exactArgs(1, "the id of the key (see psti statement key list)"),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return usagef("%q is not a key id: give the number psti statement key list shows", args[0])
			}
			ctx := c.Context()
			db, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			k, err := db.RetireStatementKey(ctx, cliActor, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Retired key %d (%s): it signs nothing more.\n", k.ID, k.Label)
			keys, err := db.StatementKeys(ctx)
			if err != nil {
				return err
			}
			if warn := statement.KeyWarning(keys, time.Now()); warn != "" {
				fmt.Fprintln(a.stdout, "Warning: "+warn)
			}
			return nil
		},
	}
}
