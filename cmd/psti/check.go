package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/psti/psti/internal/store"
)

func checkCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Check the database for damage, and count its records",
		Long: `Check the whole database and say whether it is sound. Nothing is changed, and
it may run while the server does.

On SQLite it reads every page of the file (SQLite's integrity_check: the
structure of every table and index, and that each index matches its table),
checks that every reference between records leads to a record that exists
(foreign_key_check), that the schema version is not newer than this psti, and
that every table is there; then it counts the records. psti serve runs a
quicker check of the file at every start; this one is thorough, and takes
a second or two for every 150 MB.

On PostgreSQL it checks that the database answers, the schema version, and
that every table is there, and counts the records. The files themselves are
PostgreSQL's to check, with its amcheck extension (pg_amcheck).

When the database is damaged it lists what was found (at most 100 problems)
and says how to bring back a backup: stop the server, then
psti restore --from BACKUP. Run it from cron to hear of damage before your
users do, and before your oldest good backup is thrown away.

Exit status: 0 the database is sound; 1 it is damaged, or cannot be checked;
2 the command line is wrong.`,
		Example: `  psti check
  psti check --database-url sqlite:/var/lib/psti/psti.db
  psti check --database-url postgres://psti@db.internal/psti
  psti check >/dev/null || echo "psti: the database needs attention" | mail -s psti ops@example.com`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			// Not migrated, and not quick-checked: the check must change
			// nothing, and must describe a damaged file rather than refuse it.
			db, err := a.openWith(c.Context(), store.Options{NoMigrate: true, NoQuickCheck: true, MustExist: true})
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := db.Check(c.Context())
			writeCheck(a.stdout, store.RedactURL(a.databaseURL), res, err == nil)
			return err
		},
	}
}

// writeCheck prints what a check found, as far as it got.
func writeCheck(w io.Writer, url string, c *store.Checked, sound bool) {
	if c == nil {
		return
	}
	row := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-16s%s\n", label, fmt.Sprintf(format, args...))
	}
	list := func(problems []string) {
		for _, p := range problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	sqlite := c.Backend == "sqlite"
	if sqlite {
		row("Database", "%s (SQLite, %s with its write-ahead log)", url, megabytes(c.Bytes))
		if len(c.Integrity) > 0 {
			row("Integrity", "DAMAGED: %s", problemCount(len(c.Integrity)))
			list(c.Integrity)
			return
		}
		row("Integrity", "sound: every page, table and index read and checked")
		if len(c.ForeignKeys) > 0 {
			row("References", "BROKEN: %s", problemCount(len(c.ForeignKeys)))
			list(c.ForeignKeys)
		} else {
			row("References", "sound: each leads to a record that exists")
		}
	} else {
		row("Database", "%s (PostgreSQL, schema %s)", url, c.Schema)
		row("Connection", "answers")
	}
	switch {
	case c.Version > c.Known:
		row("Schema version", "%d: NEWER than this psti knows (%d)", c.Version, c.Known)
		return
	case c.Version < c.Known:
		row("Schema version", "%d; psti serve will bring it to %d, the newest this psti knows", c.Version, c.Known)
	default:
		row("Schema version", "%d, the newest this psti knows", c.Version)
	}
	if len(c.Missing) > 0 {
		row("Tables", "MISSING: %s", strings.Join(c.Missing, ", "))
	} else {
		row("Tables", "all there")
	}
	if c.Counts != nil {
		fmt.Fprintln(w, "Records")
		for _, line := range strings.SplitAfter(c.Counts.String(), "\n") {
			if line != "" {
				fmt.Fprint(w, "  "+line)
			}
		}
		fmt.Fprintf(w, "  %-22s %d\n", "(all tables)", c.Counts.Total())
	}
	if c.LogChecked {
		if len(c.Log) > 0 {
			row("Public log", "ALTERED: %s", problemCount(len(c.Log)))
			list(c.Log)
		} else {
			row("Public log", "sound: every entry matches its hashes, every checkpoint its tree and signature")
		}
	}
	if !sound {
		return
	}
	if sqlite {
		fmt.Fprintf(w, "Checked in %.1f s: the database is sound.\n", c.Took.Seconds())
		return
	}
	fmt.Fprintf(w, "Checked in %.1f s: the database answers and its schema is whole.\n"+
		"psti does not read PostgreSQL's files: check those with PostgreSQL's amcheck\n"+
		"extension, for example: pg_amcheck --heapallindexed --dbname=DBNAME\n", c.Took.Seconds())
}

func problemCount(n int) string {
	switch {
	case n == 1:
		return "1 problem"
	case n >= 100:
		return fmt.Sprintf("%d problems or more; the first are listed", n)
	}
	return fmt.Sprintf("%d problems", n)
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
