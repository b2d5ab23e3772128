package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/support"
)

// MigrateUpTo applies the migrations up to version, for tests that need a
// database as an older psti left it.
func (db *DB) MigrateUpTo(ctx context.Context, version int64) error {
	fsys, _, err := migrations(db.dialect)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(db.dialect.goose, db.rw, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// Exec runs a statement, for tests that set up rows by hand.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.rw.ExecContext(ctx, query, args...)
	return err
}

// HoldIssuing keeps statements from being issued until release is called,
// and queued says how many wait meanwhile: a test lines statements up so
// that they are issued together.
func (db *DB) HoldIssuing() (queued func() int, release func()) {
	db.issuing.commit.Lock()
	return func() int {
			db.issuing.mu.Lock()
			defer db.issuing.mu.Unlock()
			return len(db.issuing.queue)
		}, func() {
			db.issuing.commit.Unlock()
		}
}

// ListQuery is one list's query with representative arguments, and the
// index it must read, for the plan test.
type ListQuery struct {
	Name  string
	Index string
	SQL   string
	Args  []any
}

// ReportListQueries are the queries of both parts of report list f, from
// its start and after a key, each with the index it must read.
func (db *DB) ReportListQueries(f disclosure.Filter) []ListQuery {
	name := fmt.Sprintf("reports %+v", f)
	due := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	var out []ListQuery
	for _, dated := range []bool{true, false} {
		if dated && f.Status == "closed" || !dated && !f.Overdue.IsZero() {
			continue // not read: see Reports
		}
		part := " undated"
		if dated {
			part = " dated"
		}
		index, _, _, _ := reportPart(f, dated, nil, 0)
		q, args := db.dialect.reportPage(f, dated, nil, 0, 100, 0)
		out = append(out, ListQuery{name + part, index, q, args})
		q, args = db.dialect.reportPage(f, dated, &due, 12345, 100, 0)
		out = append(out, ListQuery{name + part + " after a key", index, q, args})
	}
	return out
}

// Plan is how the database would run query q: SQLite's EXPLAIN QUERY
// PLAN, or PostgreSQL's EXPLAIN with sequential scans and sorts made as
// dear as they go, so that a plan shows either an index or that there is
// none to use, whatever the number of rows.
func (db *DB) Plan(ctx context.Context, q string, args ...any) (string, error) {
	if db.dialect.sqlite {
		rows, err := db.ro.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, args...)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return "", err
			}
			b.WriteString(detail + "\n")
		}
		return b.String(), rows.Err()
	}
	tx, err := db.ro.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_sort = off`); err != nil {
		return "", err
	}
	rows, err := tx.QueryContext(ctx, `EXPLAIN `+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		b.WriteString(line + "\n")
	}
	return b.String(), rows.Err()
}

// ReportCountQuery is the query that counts f's reports.
func ReportCountQuery(f disclosure.Filter, index string) ListQuery {
	q, args := reportCount(f)
	return ListQuery{fmt.Sprintf("count reports %+v", f), index, q, args}
}

// AuditListQuery is the query of a page of the audit trail.
func (db *DB) AuditListQuery(f psti.AuditFilter, index string) ListQuery {
	q, args := db.dialect.auditPage(f)
	return ListQuery{fmt.Sprintf("audit %+v", f), index, q, args}
}

// CaseListQuery and RecordListQuery are the queries of a page of cases
// and of compliance records.
func CaseListQuery(f cases.Filter, index string) ListQuery {
	q, args := casesPage(f, 100)
	return ListQuery{fmt.Sprintf("cases %+v", f), index, q, args}
}

func RecordListQuery(f cases.RecordFilter, index string) ListQuery {
	q, args := recordsPage(f, 100)
	return ListQuery{fmt.Sprintf("records %+v", f), index, q, args}
}

// PasswordAuditsQuery and LogEntriesQuery are the queries of a page of a
// batch's password audits and of the transparency log.
func PasswordAuditsQuery(index string) ListQuery {
	return ListQuery{"password audits of a batch", index, passwordAuditsQuery, []any{3, 100}}
}

func LogEntriesQuery(index string) ListQuery {
	return ListQuery{"log entries", index, logEntriesQuery, []any{500, 100}}
}

// FreshReportsQuery is the alert sweep's query of reports staff were not
// told of.
func FreshReportsQuery(index string) ListQuery {
	return ListQuery{"reports staff were not told of", index, freshReportsQuery, []any{100}}
}

// PeriodsQuery is the query of a list of support periods.
func PeriodsQuery(f support.Filter, index string) ListQuery {
	q, args := periodsPage(f)
	return ListQuery{fmt.Sprintf("support periods %+v", f), index, q, args}
}

// StatementsQuery is the query of a list of statements.
func StatementsQuery(f statement.Filter, index string) ListQuery {
	q, args, err := statementsPage(f)
	if err != nil {
		panic(err)
	}
	return ListQuery{fmt.Sprintf("statements %+v", f), index, q, args}
}

// MailStatsQuery is the query that counts the mail not sent.
func MailStatsQuery(index string) ListQuery {
	return ListQuery{"mail not sent", index, mailStatsQuery, nil}
}

// RegistryQueries are the queries of the registry's lists, all records
// and of one parent, each a page 10 pages deep by offset and by key.
func RegistryQueries() []ListQuery {
	var out []ListQuery
	for _, l := range []struct{ table, cols, parent, order, index, parentIndex string }{
		{"organisations", organisationCols, "", organisationsOrder, "organisations_order", ""},
		{"manufacturers", manufacturerCols, "", manufacturersOrder, "manufacturers_order", ""},
		{"brands", brandCols, "organisation_id", brandsOrder, "brands_order", "brands_organisation_order|brands_name"},
		{"products", productCols, "brand_id", productsOrder, "products_order", "products_brand_order"},
		{"versions", versionCols, "product_id", versionsOrder, "versions_order", "versions_product_order"},
		{"batches", batchCols, "product_id", batchesOrder, "batches_order", "batches_product_order"},
	} {
		cols := make([]string, strings.Count(l.order, ",")) // every sort column but the id
		for i := range cols {
			cols[i] = "M"
		}
		for _, f := range []product.Filter{{}, {IncludeArchived: true}, {After: psti.ListKeyID(500, cols...)}, {IncludeArchived: true, After: psti.ListKeyID(500, cols...)}} {
			for _, parent := range []int64{0, 1} {
				if parent != 0 && l.parent == "" {
					continue
				}
				f.ParentID = parent
				offset, index := 450, l.index
				if parent != 0 {
					index = l.parentIndex
				}
				if f.After != "" {
					offset = 0
				}
				qs, as, err := registryPage(l.table, l.cols, l.parent, l.order, f, 50, offset)
				if err != nil {
					panic(err)
				}
				for i := range qs {
					name := fmt.Sprintf("%s, archived %v, of parent %d, by key %v, part %d", l.table, f.IncludeArchived, parent, f.After != "", i)
					out = append(out, ListQuery{name, index, qs[i], as[i]})
				}
			}
		}
	}
	return out
}

// ReportCountsDrift lists each counter of report_counts (status and due
// day, over every shard) that differs from a count of the reports
// themselves, as "status day: counted n, there are m".
func (db *DB) ReportCountsDrift(ctx context.Context) ([]string, error) {
	day := `COALESCE(floor(extract(epoch FROM due_at) / 86400)::bigint, -1)`
	if db.dialect.sqlite {
		day = `COALESCE(CAST(strftime('%s', due_at) AS INTEGER) / 86400, -1)`
	}
	read := func(q string) (map[string]int64, error) {
		rows, err := db.ro.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		m := map[string]int64{}
		for rows.Next() {
			var status string
			var d, n int64
			if err := rows.Scan(&status, &d, &n); err != nil {
				return nil, err
			}
			if n != 0 {
				m[fmt.Sprintf("%s %d", status, d)] = n
			}
		}
		return m, rows.Err()
	}
	counted, err := read(`SELECT status, due_day, SUM(n) FROM report_counts GROUP BY 1, 2`)
	if err != nil {
		return nil, err
	}
	there, err := read(`SELECT status, ` + day + `, COUNT(*) FROM reports GROUP BY 1, 2`)
	if err != nil {
		return nil, err
	}
	var drift []string
	for k := range there {
		if _, ok := counted[k]; !ok {
			counted[k] = 0
		}
	}
	for k, n := range counted {
		if there[k] != n {
			drift = append(drift, fmt.Sprintf("%s: counted %d, there are %d", k, n, there[k]))
		}
	}
	slices.Sort(drift)
	return drift, nil
}
