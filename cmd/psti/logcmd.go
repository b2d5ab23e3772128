package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

func logCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "log",
		Short: "Copy the transparency log to files, or replace its signing key",
		Long: `The transparency log records every public commitment of this installation
(support periods published or extended, disclosure policies, advisories) in an
append-only Merkle tree whose checkpoints are signed. psti serve publishes it at
/log/; these commands work on the database directly.

  psti log export --to DIR   write a copy of the log that anyone can check
                             with psti verify, offline
  psti log rotate-key        replace the key that signs checkpoints`,
		Args: groupArgs,
		RunE: groupHelp,
	}
	c.AddCommand(logExportCmd(a), logRotateKeyCmd(a))
	return c
}

func logExportCmd(a *app) *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "export --to DIR",
		Short: "Write a copy of the transparency log to a folder, laid out as /log/",
		Long: `Write a copy of the transparency log to the folder DIR, laid out as psti serve
publishes it at /log/: the latest signed checkpoint (checkpoint), the key that
signs now (key), the list of every key with the endorsements that chain them
(keys), and the tiles of the checkpoint's tree: hash tiles (tile/8/0/…,
tile/8/1/…) and entry bundles (tile/8/data/…), partial tiles included.

The copy can be checked offline by anyone, with "psti verify log" or
"psti verify product", published on any web server as a mirror, or archived
as evidence. Exporting again brings the copy up to date; the checkpoint is
written last, so a copy being served is never ahead of its tiles. Nothing in
the database is changed.

Give the key file (DIR/key, or DIR/keys) to those who check, through a channel
they trust: a copy checked against its own key proves only that it holds
together.`,
		Example: `  psti log export --to /srv/www/log-mirror
  psti log export --to log-copy && psti verify log --log log-copy --key log-copy/key`,
		Args: exactArgs(0, "no arguments (the folder is given with --to)"),
		RunE: func(c *cobra.Command, _ []string) error {
			if dir == "" {
				return usagef("--to DIR is needed: the folder to write the copy of the log to")
			}
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			cp, files, err := exportLog(c.Context(), db, dir)
			if err != nil {
				return err
			}
			row(a.stdout, "Log", "%s", cp.Origin)
			row(a.stdout, "Checkpoint", "%d entries, root hash %s", cp.Size, rootText(cp))
			row(a.stdout, "Written", "%d files to %s", files, dir)
			return nil
		},
	}
	c.Flags().StringVar(&dir, "to", "", "the folder to write the copy to; made when it is not there (required)")
	return c
}

// exportLog writes the log as /log/ serves it to dir and returns the
// checkpoint written and how many files. When a server signs a newer
// checkpoint meanwhile, the copy is made again, of that one.
func exportLog(ctx context.Context, db *store.DB, dir string) (ledger.Checkpoint, int, error) {
	for attempt := 0; ; attempt++ {
		msg, cp, err := db.LogCheckpoint(ctx)
		if err != nil {
			return cp, 0, err
		}
		files, err := exportTiles(ctx, db, dir, cp)
		if err != nil {
			// The tiles are served for the latest checkpoint only: a
			// partial tile of an older one is refused once a newer is
			// signed.
			if _, now, cerr := db.LogCheckpoint(ctx); cerr == nil && now.Size != cp.Size && attempt < 5 {
				continue
			}
			return cp, 0, err
		}
		if _, now, err := db.LogCheckpoint(ctx); err != nil {
			return cp, 0, err
		} else if now.Size != cp.Size && attempt < 5 {
			continue
		}
		vkey, err := db.LogVerifier(ctx)
		if err != nil {
			return cp, 0, err
		}
		keys, err := db.LogKeys(ctx)
		if err != nil {
			return cp, 0, err
		}
		list, err := json.MarshalIndent(keys, "", "  ")
		if err != nil {
			return cp, 0, err
		}
		for _, f := range []struct {
			name string
			data []byte
		}{{"key", []byte(vkey + "\n")}, {"keys", append(list, '\n')}, {"checkpoint", msg}} {
			if err := writeAtomic(dir, f.name, f.data); err != nil {
				return cp, 0, err
			}
		}
		return cp, files + 3, nil
	}
}

// exportTiles writes every hash tile of the checkpoint's tree, and the
// entry bundle beside each level-0 tile.
func exportTiles(ctx context.Context, db *store.DB, dir string, cp ledger.Checkpoint) (int, error) {
	n := 0
	for _, t := range tlog.NewTiles(ledger.TileHeight, 0, cp.Size) {
		tiles := []tlog.Tile{t}
		if t.L == 0 {
			bundle := t
			bundle.L = -1
			tiles = append(tiles, bundle)
		}
		for _, t := range tiles {
			data, err := db.LogTile(ctx, t.Path())
			if err != nil {
				return n, fmt.Errorf("cannot read %s of the log: %w", t.Path(), err)
			}
			if err := writeAtomic(dir, t.Path(), data); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// writeAtomic writes name (a slash-separated path under dir) by renaming
// a temporary file into place, so that a copy being served never shows a
// half-written file.
func writeAtomic(dir, name string, data []byte) error {
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot write the copy of the log: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write the copy of the log: %w", err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cannot write %s: %w", path, werr)
	}
	return nil
}

func logRotateKeyCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "rotate-key",
		Short: "Replace the key that signs the log's checkpoints",
		Long: `Make a new key to sign the transparency log's checkpoints, and retire the
current one. The current key signs the log as it stands one last time, and
endorses the new key (a signed note naming it and the log size from which it
signs); the key list at /log/keys then holds both, so checkpoints signed years
ago keep verifying, and whoever trusts the old key can follow the list to the
new one.

The new key is sealed under the same key secret as the old (PSTI_LOG_SECRET,
PSTI_LOG_SECRET_FILE, or on SQLite the file log-key.secret beside the
database), which must open the current key.

Afterwards: restart every psti serve sharing the database, so that each signs
with the new key, and publish the new key where you published the old one
(the new key alone is printed; /log/key and /log/keys serve it).

Replace the key when it may have leaked, or as your key policy asks.`,
		Example: `  psti log rotate-key
  PSTI_LOG_SECRET_FILE=/etc/psti/log.secret psti log rotate-key --database-url postgres://psti@db/psti`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, _ []string) error {
			// The secret's settings first: a wrong one is refused before
			// the database is opened.
			secret, from, err := a.logSecret(false)
			if err != nil {
				return err
			}
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			vkey, err := db.RotateLogKey(c.Context(), cliActor, secret)
			if err != nil {
				if psti.ErrorCode(err) == psti.EINTERNAL {
					return fmt.Errorf("cannot replace the log's key (key secret from %s): %w", from, err)
				}
				return err
			}
			fmt.Fprintln(a.stdout, vkey)
			fmt.Fprintln(a.stderr, "The log's new key is above; the old key endorsed it in the key list (/log/keys).\n"+
				"Restart every psti serve sharing this database so that it signs with the new key,\n"+
				"and publish the new key wherever you published the old one.")
			return nil
		},
	}
}
