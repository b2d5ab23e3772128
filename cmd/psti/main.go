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

// open opens the configured database, migrating it.
func (a *app) open(ctx context.Context) (*store.DB, error) {
	return a.openWith(ctx, store.Options{})
}

// openWith opens the configured database with opt; a database URL of the
// wrong form is a usage error.
func (a *app) openWith(ctx context.Context, opt store.Options) (*store.DB, error) {
	if _, _, err := store.ParseURL(a.databaseURL); err != nil {
		return nil, usageError{err}
	}
	return store.Open(ctx, a.databaseURL, opt)
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "psti",
		Short: "Meet the UK product security regime for connectable products, and prove it",
		Long: `psti keeps the records that the UK product security regime (PSTI Act 2022,
Part 1, and the 2023 Security Requirements Regulations) asks of manufacturers of
connectable products, and lets importers, distributors, researchers and consumers
check them.

It is one program: "psti serve" runs the web server (public pages, admin pages
and a JSON API); the other commands do administration and batch work from the
command line.

Start here:
  psti serve                              run the server on http://127.0.0.1:8080
                                          (data in ./psti-data/; the first start
                                          prints a one-time link to set up an admin)
  psti users add --admin you@example.com  make a setup link for an administrator
  psti tokens create --user you@example.com --role editor
                                          make an API token for scripts

Settings come from flags, or from environment variables when a flag is not given:
  PSTI_DATABASE_URL  where data is kept (default sqlite:psti-data/psti.db;
                     or postgres://user:pass@host/db)
  PSTI_ADDR          address to listen on (default 127.0.0.1:8080)
  PSTI_BASE_URL      public address used in links (default http://ADDR)
  PSTI_LOG_FORMAT    text or json;  PSTI_LOG_LEVEL  debug, info, warn or error

Exit status: 0 success, 1 the work failed, 2 the command line or input is unusable.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{err}
	})
	pf := root.PersistentFlags()
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
	)
	return root
}

// exactArgs is cobra.ExactArgs with a usage error that names what is missing.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s needs %s (got %d argument(s))", c.CommandPath(), what, len(args))
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
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag") {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return 2
	}
	return 1
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
