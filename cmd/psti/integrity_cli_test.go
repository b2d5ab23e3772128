package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// TestServeRefusesDamagedDatabase: psti serve on a file with 20 overwritten
// pages exits 1 before listening or printing a setup link, says how to
// restore, and the restore it describes brings the server back.
func TestServeRefusesDamagedDatabase(t *testing.T) {
	url := storetest.Filled(t, 20)
	path := sqlitePath(t, url)
	bak := backupOf(t, url)
	storetest.Overwrite(t, path, 20)
	sum := fileSum(t, path)

	r := cli(t, "serve", "--addr", "127.0.0.1:0", "--database-url", url)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, path+" is damaged", "btreeInitPage", "psti restore --from BACKUP --database-url "+url)
	for _, never := range []string{"listening", "/setup/"} {
		if strings.Contains(r.stderr, never) {
			t.Fatalf("psti serve got as far as %q on a damaged database:\n%v", never, r)
		}
	}
	if fileSum(t, path) != sum {
		t.Fatal("psti serve changed the damaged file")
	}

	// Doing what the message says.
	r = cli(t, "restore", "--from", bak, "--database-url", url)
	wantExit(t, r, 0)
	asides, _ := filepath.Glob(path + ".before-restore-*")
	if len(asides) == 0 {
		t.Fatalf("restore kept no copy of the damaged file:\n%v", r)
	}
	if sum != fileSum(t, asides[0]) {
		t.Fatal("the damaged file was not kept as it was")
	}
	wantExit(t, cli(t, "users", "list", "--database-url", url), 0)
}

// sqlExec runs statements on a database directly, as something other than
// psti would, with foreign keys not enforced.
func sqlExec(t *testing.T, url string, stmts ...string) {
	t.Helper()
	driver, dsn := "pgx", url
	if p, ok := strings.CutPrefix(url, "sqlite:"); ok {
		driver, dsn = "sqlite", p
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestCheckSound: a whole database checks out, with its records counted,
// and checking changes nothing.
func TestCheckSound(t *testing.T) {
	url, _, _ := richSource(t)
	path := sqlitePath(t, url)
	want := counts(t, url)
	sum := fileSum(t, path)
	names := dirNames(t, filepath.Dir(path))

	r := cli(t, "check", "--database-url", url)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Integrity       sound", "References      sound", "Tables          all there", "Public log      sound", "the database is sound")
	for _, tbl := range store.Tables {
		if !regexp.MustCompile(`(?m)^  ` + tbl + ` +` + strconv.FormatInt(want[tbl], 10) + `$`).MatchString(r.stdout) {
			t.Fatalf("stdout does not count %d rows of %s:\n%s", want[tbl], tbl, r.stdout)
		}
	}
	if fileSum(t, path) != sum {
		t.Fatal("psti check changed the database file")
	}
	if got := dirNames(t, filepath.Dir(path)); !slices.Equal(got, names) {
		t.Fatalf("psti check left files behind: %v -> %v", names, got)
	}

	// It may run while the database is open, as under a running server.
	live := openDB(t, url)
	defer live.Close()
	wantExit(t, cli(t, "check", "--database-url", url), 0)
}

// TestCheckAlteredLog: an entry of the transparency log rewritten behind
// psti's back (its trigger dropped first) is found and named, on SQLite
// and PostgreSQL.
func TestCheckAlteredLog(t *testing.T) {
	for _, b := range []storetest.Backend{storetest.SQLite, storetest.Postgres} {
		t.Run(b.Name, func(t *testing.T) {
			url := b.URL(t)
			db := openDB(t, url)
			ctx := context.Background()
			if err := db.OpenLog(ctx, store.LogOptions{Secret: storetest.LogSecret, Origin: "psti.test/log"}); err != nil {
				t.Fatal(err)
			}
			seed := storetest.NewSeed(t, db)
			for range 3 {
				if err := db.SavePolicy(ctx, psti.System("test"), disclosure.DefaultPolicy(seed.Org.ID)); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()
			wantExit(t, cli(t, "check", "--database-url", url), 0)
			drop, edit := "DROP TRIGGER log_entries_no_update", `UPDATE log_entries SET data = CAST(REPLACE(CAST(data AS TEXT), 'organisation_id', 'organisation_iD') AS BLOB) WHERE idx = 1`
			if b.Name != "sqlite" {
				drop = "ALTER TABLE log_entries DISABLE TRIGGER log_entries_unchanging"
				edit = `UPDATE log_entries SET data = convert_to(replace(convert_from(data, 'UTF8'), 'organisation_id', 'organisation_iD'), 'UTF8') WHERE idx = 1`
			}
			sqlExec(t, url, drop, edit)
			r := cli(t, "check", "--database-url", url)
			wantExit(t, r, 1)
			wantContains(t, "stdout", r.stdout, "Public log      ALTERED", "entry 1: its content is not what was logged")
			wantContains(t, "stderr", r.stderr, "The transparency log does not match")
		})
	}
}

// TestCheckDamaged: psti check lists what SQLite found in a file with 20
// overwritten pages, exits 1 and says how to restore, changing nothing.
func TestCheckDamaged(t *testing.T) {
	url := storetest.Damaged(t, 20)
	path := sqlitePath(t, url)
	sum := fileSum(t, path)
	r := cli(t, "check", "--database-url", url)
	wantExit(t, r, 1)
	wantContains(t, "stdout", r.stdout, "Integrity       DAMAGED", "btreeInitPage")
	if n := strings.Count(r.stdout, "\n  "); n < 20 || n > 101 {
		t.Errorf("want the problems listed, at most 100 of them; got %d lines:\n%s", n, r.stdout)
	}
	if strings.Contains(r.stdout, "sound") {
		t.Fatalf("a damaged database is called sound:\n%s", r.stdout)
	}
	wantContains(t, "stderr", r.stderr, path+" is damaged", "psti restore --from BACKUP --database-url "+url)
	if fileSum(t, path) != sum {
		t.Fatal("psti check changed the damaged file")
	}
}

// TestCheckBrokenReference: a record that points at one that does not
// exist (written with foreign keys off, as only something other than psti
// can) is found.
func TestCheckBrokenReference(t *testing.T) {
	url, seed := seeded(t)
	sqlExec(t, url, "PRAGMA foreign_keys = OFF", fmt.Sprintf("UPDATE products SET brand_id = 999 WHERE id = %d", seed.Product.ID))
	r := cli(t, "check", "--database-url", url)
	wantExit(t, r, 1)
	wantContains(t, "stdout", r.stdout, "References      BROKEN: 1 problem", fmt.Sprintf("products row %d refers to a brands record that does not exist", seed.Product.ID))
	wantContains(t, "stderr", r.stderr, "is damaged", "psti restore --from BACKUP")
}

// TestCheckSchema: a missing table is damage, a schema newer than this psti
// is refused, and a database that is not there is not made by checking it.
// (A schema older than this psti is sound: see store.TestCheckOlderSchema.)
func TestCheckSchema(t *testing.T) {
	t.Run("missing table", func(t *testing.T) {
		url, _ := seeded(t)
		sqlExec(t, url, "DROP TABLE advisories")
		r := cli(t, "check", "--database-url", url)
		wantExit(t, r, 1)
		wantContains(t, "stdout", r.stdout, "Tables          MISSING: advisories")
		wantContains(t, "stderr", r.stderr, "missing tables: advisories", "psti restore --from BACKUP")
	})
	t.Run("newer", func(t *testing.T) {
		url, _ := seeded(t)
		db := openDB(t, url)
		latest, err := db.SchemaVersion(context.Background())
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		sqlExec(t, url, fmt.Sprintf("INSERT INTO goose_db_version (version_id, is_applied) VALUES (%d, 1)", latest+1))
		r := cli(t, "check", "--database-url", url)
		wantExit(t, r, 1)
		wantContains(t, "stdout", r.stdout, fmt.Sprintf("Schema version  %d: NEWER than this psti knows (%d)", latest+1, latest))
		wantContains(t, "stderr", r.stderr, "newer than this psti knows")
	})
	t.Run("no database", func(t *testing.T) {
		dir := t.TempDir()
		r := cli(t, "check", "--database-url", "sqlite:"+filepath.Join(dir, "psti.db"))
		wantExit(t, r, 1)
		wantContains(t, "stderr", r.stderr, "There is no psti database at "+filepath.Join(dir, "psti.db"))
		if names := dirNames(t, dir); len(names) != 0 {
			t.Fatalf("checking a database that is not there made %v", names)
		}
	})
}

// TestCheckPostgres: on PostgreSQL psti check checks what it can reach (the
// connection, the schema version, the tables), counts the records, and says
// whose job the files are.
func TestCheckPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	db := openDB(t, url)
	storetest.NewSeed(t, db)
	db.Close()
	r := cli(t, "check", "--database-url", url)
	wantExit(t, r, 0)
	wantContains(t, "stdout", r.stdout, "Connection      answers", "Tables          all there", "products               1", "pg_amcheck")

	sqlExec(t, url, "DROP TABLE advisory_drafts")
	r = cli(t, "check", "--database-url", url)
	wantExit(t, r, 1)
	wantContains(t, "stdout", r.stdout, "MISSING: advisory_drafts")
	wantContains(t, "stderr", r.stderr, "lacks tables psti needs: advisory_drafts", "pg_restore")

	r = cli(t, "check", "--database-url", storetest.PostgresURL(t))
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "holds no psti database")
}

func TestCheckHelp(t *testing.T) {
	r := cli(t, "check", "--help")
	wantExit(t, r, 0)
	wantContains(t, "check --help", r.stdout, "integrity_check", "foreign_key_check", "pg_amcheck", "psti restore --from BACKUP", "Exit status", "Examples:")
	wantContains(t, "psti --help", cli(t, "--help").stdout, "check ")
}

// TestMigrateDataRefusesATargetInUse: a target that a psti process has open
// is refused too, and the source is left alone.
func TestMigrateDataRefusesATargetInUse(t *testing.T) {
	src, _ := seeded(t)
	dst := storetest.SQLite.URL(t)
	live := openDB(t, dst)
	defer live.Close()
	before := counts(t, src)
	r := cli(t, "migrate-data", "--from", src, "--to", dst)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "The target database "+dst+" is open in another psti process")
	if c, err := live.Counts(context.Background()); err != nil || c.Total() != 0 {
		t.Fatalf("a refused copy wrote to the target: %v %v", c, err)
	}
	if after := counts(t, src); !reflect.DeepEqual(after, before) {
		t.Fatalf("a refused copy changed the source: %v -> %v", before, after)
	}
}

// TestMigrateDataRefusesAMissingSource: a source file that is not there is
// not made, empty, and copied as if it were a database.
func TestMigrateDataRefusesAMissingSource(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	r := cli(t, "migrate-data", "--from", "sqlite:"+filepath.Join(dir, "psti.db"), "--to", "sqlite:"+filepath.Join(out, "psti.db"))
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "There is no database at "+filepath.Join(dir, "psti.db"))
	if a, b := dirNames(t, dir), dirNames(t, out); len(a)+len(b) != 0 {
		t.Fatalf("a refused copy made files: %v %v", a, b)
	}
}

// TestServeSelfCheckFindsAlteredLog: psti serve checks the transparency
// log as it starts; an entry rewritten behind its back (trigger dropped)
// is reported in its log, naming the entry, and to staff on every page.
func TestServeSelfCheckFindsAlteredLog(t *testing.T) {
	const secret = "the transparency log secret of this test"
	url := storetest.SQLite.URL(t)
	db := openDB(t, url)
	ctx := context.Background()
	if err := db.OpenLog(ctx, store.LogOptions{Secret: []byte(secret), Origin: "psti.test/log"}); err != nil {
		t.Fatal(err)
	}
	seed := storetest.NewSeed(t, db)
	for range 3 {
		if err := db.SavePolicy(ctx, psti.System("test"), disclosure.DefaultPolicy(seed.Org.ID)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	// A sound log passes.
	srv := startServerEnv(t, url, []string{"PSTI_LOG_SECRET=" + secret})
	waitForLog(t, srv, "transparency log self-check passed")
	srv.stop(t)

	sqlExec(t, url, "DROP TRIGGER log_entries_no_update",
		`UPDATE log_entries SET data = CAST(REPLACE(CAST(data AS TEXT), 'organisation_id', 'organisation_iD') AS BLOB) WHERE idx = 2`)
	srv = startServerEnv(t, url, []string{"PSTI_LOG_SECRET=" + secret})
	waitForLog(t, srv, "transparency log self-check FAILED")
	if !strings.Contains(srv.log(), "entry 2: its content is not what was logged") {
		t.Fatalf("the self-check does not name the entry:\n%s", srv.log())
	}
	srv.stop(t)
}

// waitForLog waits until the server's log holds want.
func waitForLog(t *testing.T, s *server, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.log(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the server never logged %q:\n%s", want, s.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLogSecretRefused: the transparency log's key secret is checked
// before anything is opened: on PostgreSQL one must be set, and one too
// short is refused, by psti serve and psti log rotate-key alike (exit 2).
func TestLogSecretRefused(t *testing.T) {
	pg := "postgres://psti@127.0.0.1:1/psti" // never reached: refused first
	t.Setenv("PSTI_LOG_SECRET", "")
	t.Setenv("PSTI_LOG_SECRET_FILE", "")
	for _, args := range [][]string{{"serve", "--addr", "127.0.0.1:0", "--database-url", pg}, {"log", "rotate-key", "--database-url", pg}} {
		r := cli(t, args...)
		wantExit(t, r, 2)
		wantContains(t, "stderr", r.stderr, "PSTI_LOG_SECRET", "must be set on PostgreSQL")
	}
	t.Setenv("PSTI_LOG_SECRET", "too short")
	for _, args := range [][]string{{"serve", "--addr", "127.0.0.1:0", "--database-url", pg}, {"log", "rotate-key", "--database-url", pg}} {
		r := cli(t, args...)
		wantExit(t, r, 2)
		wantContains(t, "stderr", r.stderr, "PSTI_LOG_SECRET", "is 9 characters; it needs at least 16")
	}
}
