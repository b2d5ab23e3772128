package storetest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// KeptNow is the clock of the kept report-list fixture: its reports were
// received in the million seconds before it, and the open ones fall due
// within 30 days either side of it.
var KeptNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// KeptReports gives the database URL of the report-list fixture of
// PSTI_BENCH_REPORTS reports (1,000,000 unless set), and that number. The
// fixture is kept between runs, because it takes a minute to make: an
// SQLite file in the temporary directory, or a schema of its own in the
// PostgreSQL of PSTI_TEST_DATABASE_URL. internal/store's
// BenchmarkReportLists makes it (create: the schema is made if missing);
// other benchmarks only read it (the benchmark is skipped if it is not
// there yet).
func KeptReports(b testing.TB, be Backend, create bool) (string, int) {
	b.Helper()
	n := 1000000
	if v, err := strconv.Atoi(os.Getenv("PSTI_BENCH_REPORTS")); err == nil && v > 0 {
		n = v
	}
	const how = "make it with go test -run '^$' -bench BenchmarkReportLists ./internal/store/"
	if be.Name == SQLite.Name {
		path := filepath.Join(os.TempDir(), "psti-bench-reports-"+strconv.Itoa(n)+".db")
		if _, err := os.Stat(path); err != nil && !create {
			b.Skipf("no fixture %s: %s", path, how)
		}
		return "sqlite:" + path, n
	}
	base := os.Getenv("PSTI_TEST_DATABASE_URL")
	if base == "" {
		b.Skip("set PSTI_TEST_DATABASE_URL to run the PostgreSQL half")
	}
	schema := "psti_bench_reports_" + strconv.Itoa(n)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	if create {
		if _, err := admin.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
			b.Fatal(err)
		}
	} else {
		var found bool
		err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&found)
		if err != nil || !found {
			b.Skipf("no fixture schema %s (%v): %s", schema, err, how)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), n
}
