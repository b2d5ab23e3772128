package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

// cliActor is how changes made at the command line appear in the audit trail.
var cliActor = psti.System("command line")

func (a *app) link(path string) string {
	base := strings.TrimRight(a.baseURL, "/")
	if base == "" {
		base = "http://" + displayAddr(env("PSTI_ADDR", "127.0.0.1:8080"))
	}
	return base + path
}

func usersCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "users",
		Short: "Add users and list them",
		Args:  groupArgs,
		RunE:  groupHelp,
	}
	var admin bool
	var role string
	add := &cobra.Command{
		Use:   "add [--admin | --role ROLE] EMAIL",
		Short: "Make a one-time setup link for a user (or a password reset for an existing one)",
		Long: `Make a one-time setup link. Whoever opens it chooses the password; psti never
sets or shows one. The link works once, for 72 hours. For an address that already
has an account, the link sets a new password and the role is left as it is.

Roles: viewer (read only), editor (also changes records), admin (also manages
users and API tokens).`,
		Example: `  psti users add --admin ada@example.com
  psti users add --role editor bob@example.com`,
		Args: exactArgs(1, "an e-mail address"),
		RunE: func(c *cobra.Command, args []string) error {
			r := auth.Role(role)
			if admin {
				if c.Flags().Changed("role") && role != string(auth.Admin) {
					return usagef("--admin and --role %s contradict each other", role)
				}
				r = auth.Admin
			}
			if !r.Valid() {
				return usagef("--role must be viewer, editor or admin, not %q", role)
			}
			// The address is checked before the database is opened: a
			// mistake in it is a mistake in the command line (exit 2).
			var p psti.Problems
			p.Email("email", "E-mail address", auth.NormalizeEmail(args[0]), true)
			if err := p.Err(); err != nil {
				return err
			}
			ctx := c.Context()
			db, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			svc := auth.NewService(db, psti.SystemClock{})
			code, inv, err := svc.Invite(ctx, cliActor, args[0], r)
			if err != nil {
				return err
			}
			if existing, err := db.UserByEmail(ctx, inv.Email); err == nil {
				fmt.Fprintf(a.stderr, "%s already has an account (%s); this link sets a new password.\n", existing.Email, existing.Role)
			} else {
				fmt.Fprintf(a.stderr, "Setup link for %s (%s), valid until %s:\n", inv.Email, inv.Role, psti.LongDateTime(inv.ExpiresAt))
			}
			fmt.Fprintln(a.stdout, a.link("/setup/"+code))
			return nil
		},
	}
	add.Flags().BoolVar(&admin, "admin", false, "make the user an administrator (same as --role admin)")
	add.Flags().StringVar(&role, "role", string(auth.Editor), "role: viewer, editor or admin")
	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			us, err := db.Users(c.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tE-MAIL\tROLE\tSTATUS\tNAME")
			for _, u := range us {
				status := "active"
				if u.Disabled() {
					status = "disabled"
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, status, u.Name)
			}
			return w.Flush()
		},
	}
	c.AddCommand(add, list)
	return c
}

func tokensCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "tokens",
		Short: "Make, list and revoke API tokens",
		Args:  groupArgs,
		RunE:  groupHelp,
	}
	var user, role, name, expires string
	create := &cobra.Command{
		Use:   "create --user EMAIL --role ROLE [--name NAME] [--expires YYYY-MM-DD]",
		Short: "Make an API token and print it (it is shown only once)",
		Long: `Make an API token for scripts and factory tools. The token is printed on
standard output, once; psti keeps only its SHA-256 fingerprint. Use it as
"Authorization: Bearer TOKEN". A token can do no more than its role and its
owner's role allow, and stops working when revoked or when its owner is disabled.`,
		Example: `  psti tokens create --user ada@example.com --role editor --name "factory line 3"
  TOKEN=$(psti tokens create --user ada@example.com --role viewer --expires 2027-01-31)`,
		Args: exactArgs(0, "no arguments (use the flags)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if user == "" {
				return usagef("--user EMAIL is required: the user the token acts for")
			}
			if role == "" {
				return usagef("--role is required: viewer, editor or admin")
			}
			r := auth.Role(role)
			if !r.Valid() {
				return usagef("--role must be viewer, editor or admin, not %q", role)
			}
			var exp *time.Time
			if expires != "" {
				t, err := psti.ParseDate(expires)
				if err != nil {
					return usagef("--expires must be a date written YYYY-MM-DD, not %q", expires)
				}
				t = psti.EndOfDay(t) // it works to the end of that day in London
				exp = &t
			}
			if name == "" {
				name = "command line, " + psti.LongDate(time.Now())
			}
			var p psti.Problems
			p.Email("user", "--user", auth.NormalizeEmail(user), true)
			if err := p.Err(); err != nil {
				return err
			}
			ctx := c.Context()
			db, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := db.UserByEmail(ctx, auth.NormalizeEmail(user))
			if err != nil {
				return err
			}
			svc := auth.NewService(db, psti.SystemClock{})
			secret, t, err := svc.CreateToken(ctx, cliActor, u.ID, name, r, exp)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "Token %d (%q) acts for %s as %s. Store it now: it cannot be shown again.\n", t.ID, t.Name, u.Email, t.Role)
			fmt.Fprintln(a.stdout, secret)
			return nil
		},
	}
	create.Flags().StringVar(&user, "user", "", "e-mail address of the user the token acts for (required)")
	create.Flags().StringVar(&role, "role", "", "role: viewer, editor or admin (required)")
	create.Flags().StringVar(&name, "name", "", "what the token is for")
	create.Flags().StringVar(&expires, "expires", "", "last day the token works, YYYY-MM-DD (default: until revoked)")

	list := &cobra.Command{
		Use:   "list",
		Short: "List API tokens (never their secrets)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			ts, err := db.Tokens(c.Context(), 0)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSTARTS WITH\tUSER\tROLE\tSTATUS\tNAME")
			for _, t := range ts {
				status := "active"
				if t.RevokedAt != nil {
					status = "revoked"
				} else if t.ExpiresAt != nil && !time.Now().Before(*t.ExpiresAt) {
					status = "expired"
				}
				fmt.Fprintf(w, "%d\t%s…\t%s\t%s\t%s\t%s\n", t.ID, t.Hint, t.UserEmail, t.Role, status, t.Name)
			}
			return w.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token: it stops working at once",
		Args:  exactArgs(1, "a token id (see psti tokens list)"),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usagef("token id must be a number, not %q", args[0])
			}
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.RevokeToken(c.Context(), cliActor, id, time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "Token %d is revoked.\n", id)
			return nil
		},
	}
	c.AddCommand(create, list, revoke)
	return c
}

func backupCmd(a *app) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "backup --out FILE",
		Short: "Write a consistent copy of the SQLite database, while the server runs",
		Long: `Write a consistent, compact copy of the SQLite database to FILE. It is safe
while the server runs: the copy is one snapshot, and writers are not blocked.
The copy is then opened and checked. FILE must not exist yet.

On PostgreSQL use pg_dump instead; this command says so and exits with status 1.
To bring a backup back, stop the server and run psti restore --from FILE.`,
		Example: `  psti backup --out backups/psti-$(date +%F).db`,
		Args:    exactArgs(0, "no arguments (use --out)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("--out FILE is required")
			}
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			counts, err := db.Backup(c.Context(), out)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "Backup written to %s and checked (%d rows):\n%s", out, counts.Total(), counts)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "file to write the backup to (required; must not exist)")
	return c
}

func restoreCmd(a *app) *cobra.Command {
	var from string
	c := &cobra.Command{
		Use:   "restore --from FILE",
		Short: "Put an SQLite backup back in place (stop the server first)",
		Long: `Replace the SQLite database with a backup made by psti backup. The backup is
checked first (integrity, schema version). The server must be stopped: restore
refuses while any psti process has the database open. Nothing is lost: the
current database is moved aside with the date and time in its name. Start the
server afterwards; it applies any newer migrations. To restore where there is
no database yet (a new machine), name the place with --database-url: restore
makes no database at the default place in whatever folder it runs in.`,
		Example: `  psti restore --from backups/psti-2026-11-29.db`,
		Args:    exactArgs(0, "no arguments (use --from)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if from == "" {
				return usagef("--from FILE is required")
			}
			if _, err := os.Stat(from); err != nil {
				return usagef("cannot read the backup: %v", err)
			}
			// Restoring where no database is makes a new one: only when
			// told where, not by the default from whatever folder this runs in.
			if _, target, err := store.ParseURL(a.databaseURL); err == nil && strings.HasPrefix(a.databaseURL, "sqlite:") && a.databaseURLFrom() == "" {
				if _, err := os.Stat(target); errors.Is(err, fs.ErrNotExist) {
					abs, _ := filepath.Abs(target)
					return psti.Errorf(psti.ENOTFOUND, "There is no psti database at %s to replace.\n"+
						"      Run the command in the folder psti serve runs in, or, to restore into a new\n"+
						"      database, name it with --database-url sqlite:/path/to/psti.db.", abs)
				}
			}
			counts, aside, err := store.Restore(c.Context(), a.databaseURL, from, time.Now())
			if err != nil {
				return err
			}
			if aside != "" {
				fmt.Fprintf(a.stderr, "The database that was in place is kept as %s\n", aside)
			}
			fmt.Fprintf(a.stderr, "Restored %s (%d rows):\n%s", from, counts.Total(), counts)
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", "backup file made by psti backup (required)")
	return c
}

func migrateDataCmd(a *app) *cobra.Command {
	var from, to string
	c := &cobra.Command{
		Use:   "migrate-data --from SQLITE_URL --to POSTGRES_URL",
		Short: "Copy every record from one database into a new, empty one",
		Long: `Copy every record, with its id and the whole audit trail, from one database
into another: usually from the embedded SQLite to PostgreSQL when an installation
outgrows one machine (it works the other way too). The target is migrated first
and must be empty. The copy is one transaction: it lands whole or not at all.
Afterwards each table's row count is compared with the source and printed.

Stop the server before copying: migrate-data refuses (exit status 1) while any
other psti process has the source or the target open, so that nothing is
written to either meanwhile, and psti processes started during the copy wait
for it to end. Then start the server with PSTI_DATABASE_URL set to the target.`,
		Example: `  psti migrate-data --from sqlite:psti-data/psti.db --to postgres://psti@db.internal/psti`,
		Args:    exactArgs(0, "no arguments (use --from and --to)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return usagef("both --from and --to are required")
			}
			for _, u := range []string{from, to} {
				if _, _, err := store.ParseURL(u); err != nil {
					return usageError{err}
				}
			}
			if sameDatabase(from, to) {
				return usagef("--from and --to name the same database")
			}
			ctx := c.Context()
			// Both for this process alone: a server still writing to the
			// source would go on acknowledging records the copy never sees,
			// and one writing to the target would mix with the copy. The
			// source is refused before the target is touched.
			src, err := store.Open(ctx, from, store.Options{Exclusive: true, MustExist: true})
			if errors.Is(err, store.ErrInUse) {
				return psti.Errorf(psti.ECONFLICT, "The database %s is open in another psti process. Stop the server, then run migrate-data again.", store.RedactURL(from))
			}
			if err != nil {
				return fmt.Errorf("source: %w", err)
			}
			defer src.Close()
			dst, err := store.Open(ctx, to, store.Options{Exclusive: true})
			if errors.Is(err, store.ErrInUse) {
				return psti.Errorf(psti.ECONFLICT, "The target database %s is open in another psti process. Stop it (start the server on the target only after the copy), then run migrate-data again.", store.RedactURL(to))
			}
			if err != nil {
				return fmt.Errorf("target: %w", err)
			}
			defer dst.Close()
			counts, err := store.CopyAll(ctx, src, dst, func(table string, n int64) {
				fmt.Fprintf(a.stderr, "copied %-22s %d\n", table, n)
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "Done: %d rows copied from %s to %s; every table's count matches the source.\n", counts.Total(), store.RedactURL(from), store.RedactURL(to))
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", "source database URL (required)")
	c.Flags().StringVar(&to, "to", "", "target database URL; it must be empty (required)")
	return c
}

// sameDatabase reports whether two database URLs name the same database,
// however the path is spelled.
func sameDatabase(a, b string) bool {
	da, ta, errA := store.ParseURL(a)
	db, tb, errB := store.ParseURL(b)
	if errA != nil || errB != nil || da != db {
		return a == b
	}
	if strings.HasPrefix(a, "sqlite:") {
		aa, err1 := filepath.Abs(ta)
		ab, err2 := filepath.Abs(tb)
		return err1 == nil && err2 == nil && aa == ab
	}
	return ta == tb
}

// groupArgs refuses an unknown subcommand of a command group, which cobra
// would otherwise answer with help and success.
func groupArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unknown command %q for %q", args[0], c.CommandPath())
	}
	return nil
}

func groupHelp(c *cobra.Command, _ []string) error { return c.Help() }
