package main

import (
	"database/sql"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/psti/psti/internal/store/storetest"
)

// TestCommandsDoNotCreateADatabase: run from a folder that holds no
// database, every command that reads or changes records refuses (exit 1),
// says where it looked, as an absolute path, and how to name the right
// database, and leaves the folder as it was. Only psti serve creates one.
func TestCommandsDoNotCreateADatabase(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("PSTI_DATABASE_URL", "")
	in := t.TempDir() // inputs and outputs live elsewhere
	batch := writeFile(t, filepath.Join(in, "batch.csv"), batchCSV(cleanDevices(t, 50)))
	serials := serialsCSV(t, in, 50)
	want := filepath.Join(dir, "psti-data", "psti.db")

	for _, args := range [][]string{
		{"users", "list"},
		{"users", "add", "--admin", "ada@example.com"},
		{"tokens", "list"},
		{"tokens", "create", "--user", "ada@example.com", "--role", "viewer"},
		{"tokens", "revoke", "1"},
		{"backup", "--out", filepath.Join(in, "backup.db")},
		{"check"},
		{"passwords", "manifest-key"},
		{"passwords", "fingerprints", "--input", batch, "--out", filepath.Join(in, "batch.fp")},
		{"passwords", "audit", "--input", batch, "--previous", batch},
		{"passwords", "generate", "--serials", serials, "--out", filepath.Join(in, "out.csv"), "--manifest", filepath.Join(in, "m.json")},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := cli(t, args...)
			wantExit(t, r, 1)
			wantContains(t, "stderr", r.stderr, "There is no psti database at "+want+".",
				"the default, sqlite:psti-data/psti.db, relative to the folder the command runs in",
				"--database-url sqlite:/path/to/psti.db", "PSTI_DATABASE_URL", "Only psti serve makes a new database")
			if r.stdout != "" {
				t.Fatalf("a refusal wrote to stdout:\n%v", r)
			}
			if names := dirNames(t, dir); len(names) != 0 {
				t.Fatalf("the command made %v in the folder it ran in", names)
			}
			for _, out := range []string{"backup.db", "batch.fp", "out.csv", "m.json"} {
				if slices.Contains(dirNames(t, in), out) {
					t.Fatalf("a refused command wrote %s", out)
				}
			}
		})
	}

	// Restore, from a backup kept elsewhere, makes no database in a
	// folder that has none unless told where.
	src, _ := seeded(t)
	bak := backupOf(t, src)
	r := cli(t, "restore", "--from", bak)
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "There is no psti database at "+want+" to replace", "--database-url sqlite:/path/to/psti.db")
	if names := dirNames(t, dir); len(names) != 0 {
		t.Fatalf("restore made %v in the folder it ran in", names)
	}

	// The message names the setting that chose the place.
	r = cli(t, "users", "list", "--database-url", "sqlite:elsewhere/psti.db")
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "There is no psti database at "+filepath.Join(dir, "elsewhere", "psti.db"), "where --database-url points")
	t.Setenv("PSTI_DATABASE_URL", "sqlite:"+filepath.Join(in, "psti.db"))
	r = cli(t, "tokens", "list")
	wantExit(t, r, 1)
	wantContains(t, "stderr", r.stderr, "There is no psti database at "+filepath.Join(in, "psti.db"), "where PSTI_DATABASE_URL points")
	if names := dirNames(t, dir); len(names) != 0 {
		t.Fatalf("the commands made %v", names)
	}
}

// TestOnlyServeCreatesTheDatabase runs the binary as an operator would, in
// a new folder: users list refuses and makes nothing; psti serve makes the
// database in ./psti-data/; users list then finds it.
func TestOnlyServeCreatesTheDatabase(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (string, int) {
		cmd := exec.Command(binary(t), args...)
		cmd.Dir = dir
		cmd.Env = append(cmd.Environ(), "PSTI_DATABASE_URL=")
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	out, code := run("users", "list")
	if code != 1 || !strings.Contains(out, "There is no psti database at "+filepath.Join(dir, "psti-data", "psti.db")) {
		t.Fatalf("users list in an empty folder: exit %d\n%s", code, out)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Fatalf("users list made %v", names)
	}

	srv := exec.Command(binary(t), "serve", "--addr", "127.0.0.1:0")
	srv.Dir = dir
	srv.Env = append(srv.Environ(), "PSTI_DATABASE_URL=", "PSTI_BASE_URL=")
	stderr, err := srv.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	var logs strings.Builder
	buf := make([]byte, 4096)
	for !strings.Contains(logs.String(), "psti: listening on") {
		n, err := stderr.Read(buf)
		logs.Write(buf[:n])
		if err != nil {
			t.Fatalf("psti serve stopped before listening:\n%s", logs.String())
		}
	}
	out, code = run("users", "list")
	if code != 0 || !strings.HasPrefix(out, "ID ") {
		t.Fatalf("users list beside a server that made its database: exit %d\n%s", code, out)
	}
}

// TestCommandsRefuseAnEmptyPostgresDatabase: on PostgreSQL, a database (a
// schema) that psti has never set up is refused by every command but
// serve, and left as it was: no tables are made in it.
func TestCommandsRefuseAnEmptyPostgresDatabase(t *testing.T) {
	url := storetest.PostgresURL(t)
	for _, args := range [][]string{{"users", "list"}, {"users", "add", "--admin", "ada@example.com"}, {"tokens", "list"}, {"passwords", "manifest-key"}} {
		r := cli(t, append(args, "--database-url", url)...)
		wantExit(t, r, 1)
		wantContains(t, "stderr", r.stderr, "holds no psti database yet", "where --database-url points", "Only psti serve sets up a new database")
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("a refused command made %d tables", n)
	}
}
