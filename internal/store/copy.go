package store

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/psti/psti/internal/psti"
)

// Tables lists every table that holds psti's records, parents before
// children: the order rows are copied in. A contract test checks it, with
// HousekeepingTables, against the schema, so a table added by a migration
// must be added to one of the two.
var Tables = []string{
	"organisations", "manufacturers", "brands", "products", "product_manufacturers", "product_identifiers",
	"versions", "batches", "password_audits", "password_audit_fingerprints", "users", "invitations", "api_tokens", "sessions", "audit_log",
	"password_audit_reviews",
	"disclosure_policies", "reports", "report_events", "report_attachments", "report_attachment_chunks", "report_form_tokens", "advisories", "advisory_revisions", "advisory_drafts",
	"mail_outbox", "installation_keys",
	"support_periods", "support_period_extensions",
	"log_keys", "log_entries", "log_checkpoints",
	"statement_keys", "statements", "statement_renderings", "scope_decisions",
	"assessments", "assessment_evidence", "assessment_evidence_chunks",
	"parties", "product_roles", "product_chain", "cases", "case_items", "case_duties", "case_events", "case_notices", "product_holds",
	"compliance_records", "authority_notices", "duty_targets", "case_alerts",
}

// HousekeepingTables lists the tables psti keeps about the database
// itself rather than records (health_probe, which the readiness check
// writes; report_counts, which is kept from reports, so the copy counts
// the reports it copied). Migrating makes them; they are neither
// copied nor counted.
var HousekeepingTables = []string{"health_probe", "report_counts"}

// Counts is the number of rows in each table.
type Counts map[string]int64

// String lists the counts one table a line, in table order.
func (c Counts) String() string {
	var b strings.Builder
	for _, t := range Tables {
		if n, ok := c[t]; ok {
			fmt.Fprintf(&b, "%-22s %d\n", t, n)
		}
	}
	return b.String()
}

// Total is the number of rows in all tables.
func (c Counts) Total() int64 {
	var n int64
	for _, v := range c {
		n += v
	}
	return n
}

// countTables counts the rows of each of tables.
func countTables(ctx context.Context, q querier, tables []string) (Counts, error) {
	c := Counts{}
	for _, t := range tables {
		var n int64
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("store: unable to count %s: %w", t, err)
		}
		c[t] = n
	}
	return c, nil
}

// Counts returns the number of rows in every table.
func (db *DB) Counts(ctx context.Context) (Counts, error) { return countTables(ctx, db.ro, Tables) }

// SchemaTables lists the tables that exist in the database, apart from the
// migration tool's own.
func (db *DB) SchemaTables(ctx context.Context) ([]string, error) {
	query := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	if db.dialect.sqlite {
		query = `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	}
	rows, err := db.ro.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		if t != "goose_db_version" {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out, rows.Err()
}

// CopyAll copies every row of every table from src into dst, keeping ids,
// in one transaction on dst, then checks that each table holds as many rows
// as in src. dst must be migrated and empty. progress, if not nil, is told
// each table as it is done. Used by psti migrate-data to move from SQLite to
// PostgreSQL (or back).
func CopyAll(ctx context.Context, src, dst *DB, progress func(table string, rows int64)) (Counts, error) {
	have, err := dst.Counts(ctx)
	if err != nil {
		return nil, err
	}
	if have.Total() > 0 {
		var busy []string
		for _, t := range Tables {
			if have[t] > 0 {
				busy = append(busy, fmt.Sprintf("%s (%d)", t, have[t]))
			}
		}
		return nil, psti.Errorf(psti.ECONFLICT, "The target database is not empty: %s. Copy into a new, empty database so nothing is mixed or overwritten.", strings.Join(busy, ", "))
	}
	// Read from one snapshot: on SQLite, a read transaction on the reader pool.
	rtx, err := src.ro.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the source: %w", err)
	}
	defer rtx.Rollback()
	want, err := countTables(ctx, rtx, Tables)
	if err != nil {
		return nil, err
	}
	wtx, err := dst.rw.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: unable to write the target: %w", err)
	}
	defer wtx.Rollback()
	for _, t := range Tables {
		n, err := copyTable(ctx, rtx, wtx, t)
		if err != nil {
			return nil, err
		}
		if n != want[t] {
			return nil, fmt.Errorf("store: copied %d rows of %s but the source has %d", n, t, want[t])
		}
		if t == "reports" {
			if err := dst.dialect.recountReports(ctx, wtx); err != nil {
				return nil, err
			}
		}
		if hasID(t) {
			if err := dst.dialect.resetSequence(ctx, wtx, t); err != nil {
				return nil, fmt.Errorf("store: unable to reset the id sequence of %s: %w", t, err)
			}
		}
		if progress != nil {
			progress(t, n)
		}
	}
	if err := wtx.Commit(); err != nil {
		return nil, fmt.Errorf("store: unable to commit the copy: %w", err)
	}
	got, err := dst.Counts(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range Tables {
		if got[t] != want[t] {
			return nil, fmt.Errorf("store: after the copy %s holds %d rows, the source %d", t, got[t], want[t])
		}
	}
	return got, nil
}

// hasID reports whether a table has an assigned id column (and so a
// sequence on PostgreSQL).
func hasID(table string) bool {
	switch table {
	case "product_manufacturers", "product_identifiers", "sessions", "disclosure_policies", "report_attachment_chunks", "report_form_tokens", "installation_keys", "password_audit_fingerprints", "advisory_revisions", "advisory_drafts", "log_entries", "log_checkpoints", "statement_renderings", "assessment_evidence_chunks",
		"product_roles", "product_chain", "case_duties", "duty_targets", "case_alerts":
		return false
	}
	return true
}

func copyTable(ctx context.Context, from, to querier, table string) (int64, error) {
	rows, err := from.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY 1`)
	if err != nil {
		return 0, fmt.Errorf("store: unable to read %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return 0, err
	}
	// Every byte column psti has is NOT NULL, but an empty one is read
	// back as a nil slice, which would be written as NULL: it is written
	// as empty.
	blob := make([]bool, len(cols))
	for i, ct := range types {
		switch strings.ToUpper(ct.DatabaseTypeName()) {
		case "BLOB", "BYTEA":
			blob[i] = true
		}
	}
	insert := fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s)`, table, strings.Join(cols, ", "), placeholders(1, len(cols)))
	var n int64
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("store: unable to read a row of %s: %w", table, err)
		}
		for i := range vals {
			if b, _ := vals[i].([]byte); blob[i] && b == nil {
				vals[i] = []byte{}
			}
		}
		if _, err := to.ExecContext(ctx, insert, vals...); err != nil {
			return n, fmt.Errorf("store: unable to write row %d of %s: %w", n+1, table, err)
		}
		n++
	}
	return n, rows.Err()
}
