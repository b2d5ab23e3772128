// Command psti helps a manufacturer of connectable products meet the UK
// product security regime (PSTI Act 2022, Part 1, and its 2023 Security
// Requirements Regulations) and prove it. It is both the server (psti serve)
// and a command-line tool for batch work and administration.
//
// Exit status: 0 on success, 1 when the work failed, 2 when the command line
// or its input is unusable.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// usageError marks a mistake in the command line; it exits with status 2.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// env returns the environment variable's value, or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// app holds the settings shared by every command.
type app struct {
	databaseURL string
	baseURL     string
	logFormat   string
	logLevel    string
	stdout      io.Writer
	stderr      io.Writer
	root        *cobra.Command // to tell whether a setting came from a flag
}

func (a *app) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return nil, usagef("PSTI_LOG_LEVEL (--log-level): must be debug, info, warn or error, not %q", a.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch a.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(a.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(a.stderr, opts)), nil
	}
	return nil, usagef("PSTI_LOG_FORMAT (--log-format): must be text or json, not %q", a.logFormat)
}

// open opens the configured database, migrating it. It never creates one:
// a command pointed at the wrong place says where it looked rather than
// start a new, empty installation there. Only psti serve creates (create).
func (a *app) open(ctx context.Context) (*store.DB, error) {
	return a.openWith(ctx, store.Options{MustExist: true})
}

// create opens the configured database, creating it (and its folder) when
// there is none yet: for psti serve alone.
func (a *app) create(ctx context.Context) (*store.DB, error) {
	return a.openWith(ctx, store.Options{})
}

// openWith opens the configured database with opt; a database URL of the
// wrong form is a usage error, and a database that is not there is
// explained (noDatabase).
func (a *app) openWith(ctx context.Context, opt store.Options) (*store.DB, error) {
	_, target, err := store.ParseURL(a.databaseURL)
	if err != nil {
		return nil, usageError{err}
	}
	db, err := store.Open(ctx, a.databaseURL, opt)
	if errors.Is(err, store.ErrNoDatabase) {
		return nil, a.noDatabase(target, err)
	}
	return db, err
}

// databaseURLFrom names the setting that gave the database URL:
// "--database-url", "PSTI_DATABASE_URL", or "" for the default.
func (a *app) databaseURLFrom() string {
	switch {
	case a.root != nil && a.root.PersistentFlags().Changed("database-url"):
		return "--database-url"
	case os.Getenv("PSTI_DATABASE_URL") != "":
		return "PSTI_DATABASE_URL"
	}
	return ""
}

// noDatabase says where a command looked for the database, why there, and
// how to point it at the right one.
func (a *app) noDatabase(target string, err error) error {
	from := "the default, " + store.DefaultURL
	if by := a.databaseURLFrom(); by != "" {
		from = "where " + by + " points"
	}
	const indent = "\n      "
	if !strings.HasPrefix(a.databaseURL, "sqlite:") {
		return &psti.Error{Code: psti.ENOTFOUND, Err: err, Message: psti.ErrorMessage(err) + indent +
			"That is " + from + "." + indent +
			"Point the command at the database psti serve uses, with --database-url" + indent +
			"or PSTI_DATABASE_URL. Only psti serve sets up a new database: start it once" + indent +
			"on an empty one first."}
	}
	abs, aerr := filepath.Abs(target)
	if aerr != nil {
		abs = target
	}
	if !filepath.IsAbs(target) {
		from += ", relative to the folder the command runs in"
	}
	return &psti.Error{Code: psti.ENOTFOUND, Err: err, Message: "There is no psti database at " + abs + "." + indent +
		"That is " + from + "." + indent +
		"Run the command in the folder psti serve runs in, or point it at the database" + indent +
		"with --database-url sqlite:/path/to/psti.db (or PSTI_DATABASE_URL)." + indent +
		"Only psti serve makes a new database."}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:     "psti",
		Version: buildVersion(),
		Short:   "Meet the UK product security regime for connectable products, and prove it",
		Long: `psti helps a manufacturer of connectable products meet parts of the UK
product security regime (PSTI Act 2022, Part 1, and the 2023 Security
Requirements Regulations) and keep the evidence: it audits and generates
default passwords (Schedule 1, paragraph 1), runs the public security-report
intake with its published response times (paragraph 2), publishes support
periods (paragraph 3) and advisories, issues statements of compliance, decides
whether a product is within the regime, assesses each product against every
requirement, writes evidence packs, and keeps compliance cases: the duties a
failure gives (sections 10 to 25), the notices sent, and the records of
sections 12 and 20 (psti duties, psti cases).

It is one program: "psti serve" runs the web server (public pages, admin pages
and a JSON API); the other commands do administration and batch work from the
command line.

Start here:
  psti scope                              find out, question by question, whether
                                          a product is within the regime, and why
  psti serve                              run the server on http://127.0.0.1:8080
                                          (data in ./psti-data/; the first start
                                          prints a one-time link to set up an admin)
  psti users add --admin you@example.com  make a setup link for an administrator
  psti tokens create --user you@example.com --role editor
                                          make an API token for scripts
  psti verify product SLUG --log DIR --key KEYFILE
                                          check, offline, from a copy of the
                                          transparency log, that a product's
                                          support end date never went backwards
  psti requirements                       list what the law asks, each requirement
                                          with its id (--format json or oscal to
                                          export it)

Settings come from flags, or from environment variables when a flag is not given:
  PSTI_DATABASE_URL  where data is kept (default sqlite:psti-data/psti.db;
                     or postgres://user:pass@host/db)
  PSTI_ADDR          address to listen on (default 127.0.0.1:8080)
  PSTI_BASE_URL      public address used in links (default http://ADDR)
  PSTI_LOG_FORMAT    text or json;  PSTI_LOG_LEVEL  debug, info, warn or error

Only "psti serve" makes a new database (the default one in ./psti-data/ of the
folder it runs in). Every other command works on the database psti serve uses,
and refuses where there is none, saying where it looked: run it in the same
folder, or give it the same --database-url (PSTI_DATABASE_URL). On PostgreSQL,
a database psti serve has not set up yet is refused in the same way, and left
as it is.

Exit status: 0 success, 1 the work failed, 2 the command line or input is unusable.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// The log settings are checked for every command, so that a
		// mistake in them is reported (exit 2) wherever it is made.
		PersistentPreRunE: func(*cobra.Command, []string) error {
			_, err := a.logger()
			return err
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("psti {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{err}
	})
	pf := root.PersistentFlags()
	a.root = root
	pf.StringVar(&a.databaseURL, "database-url", env("PSTI_DATABASE_URL", store.DefaultURL), "database: sqlite:PATH or postgres://… (env PSTI_DATABASE_URL)")
	pf.StringVar(&a.baseURL, "base-url", env("PSTI_BASE_URL", ""), "public address of this installation, for links (env PSTI_BASE_URL; default http://ADDR)")
	pf.StringVar(&a.logFormat, "log-format", env("PSTI_LOG_FORMAT", "text"), "log format: text or json (env PSTI_LOG_FORMAT)")
	pf.StringVar(&a.logLevel, "log-level", env("PSTI_LOG_LEVEL", "info"), "log level: debug, info, warn or error (env PSTI_LOG_LEVEL)")

	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				return usagef("unknown help topic %q", strings.Join(args, " "))
			}
			return target.Help()
		},
	})
	root.AddCommand(
		serveCmd(a),
		versionCmd(a),
		usersCmd(a),
		tokensCmd(a),
		backupCmd(a),
		restoreCmd(a),
		checkCmd(a),
		migrateDataCmd(a),
		passwordsCmd(a),
		securitytxtCmd(a),
		statementCmd(a),
		statusCmd(a),
		logCmd(a),
		verifyCmd(a),
		scopeCmd(a),
		dutiesCmd(a),
		casesCmd(a),
		evidencePackCmd(a),
		requirementsCmd(a),
		benchCmd(a),
	)
	return root
}

// exactArgs is cobra.ExactArgs with a usage error that names what is missing.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			got := "1 argument"
			if len(args) != 1 {
				got = fmt.Sprintf("%d arguments", len(args))
			}
			return usagef("%s needs %s (got %s)", c.CommandPath(), what, got)
		}
		return nil
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintln(stderr, "psti: "+describe(err))
	var ue usageError
	if errors.As(err, &ue) || badInput(err) || strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag") {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return 2
	}
	return 1
}

// badInput reports whether err rejects a value given on the command line
// (an e-mail address that is not one, a name too long): the input is
// unusable, exit status 2, as for a mistake in the command line itself.
func badInput(err error) bool {
	return psti.ErrorCode(err) == psti.EINVALID && len(psti.ErrorFields(err)) > 0
}

// describe says what went wrong in the words of the command line: a
// rejected field is named with its message, not the web form's summary.
func describe(err error) string {
	if fields := psti.ErrorFields(err); len(fields) > 0 {
		msgs := make([]string, len(fields))
		for i, f := range fields {
			msgs[i] = f.Message
		}
		return strings.Join(msgs, "\n      ")
	}
	if psti.ErrorCode(err) != psti.EINTERNAL {
		return psti.ErrorMessage(err)
	}
	return strings.TrimPrefix(err.Error(), "store: ")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func versionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of psti",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintln(a.stdout, "psti", buildVersion())
			return nil
		},
	}
}
