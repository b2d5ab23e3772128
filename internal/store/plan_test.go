package store_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
	"github.com/psti/psti/internal/support"
)

// listQueries are the queries of every list that grows without bound,
// each with the index it must read (DESIGN.md "Lists"; issue 16).
func listQueries(db *store.DB, now time.Time) []store.ListQuery {
	var qs []store.ListQuery
	for _, f := range []disclosure.Filter{{}, {Status: "open"}, {Status: "closed"}, {Status: disclosure.StatusResolved},
		{Status: disclosure.StatusReceived}, {ProductID: 1}, {ProductID: 1, Status: "open"}, {Assignee: 1}, {Overdue: now}} {
		qs = append(qs, db.ReportListQueries(f)...)
	}
	qs = append(qs,
		store.ReportCountQuery(disclosure.Filter{Status: "open"}, "report_counts"),
		store.ReportCountQuery(disclosure.Filter{Overdue: now}, "reports_(due|status)_order"),
		store.ReportCountQuery(disclosure.Filter{ProductID: 1, Status: "open"}, "reports_product_order"),
		db.AuditListQuery(psti.AuditFilter{}, "INTEGER PRIMARY KEY|audit_log_pkey"),
		db.AuditListQuery(psti.AuditFilter{BeforeID: 500, Hide: []string{"user", "token"}}, "INTEGER PRIMARY KEY|audit_log_pkey"),
		db.AuditListQuery(psti.AuditFilter{Entity: "report"}, "audit_log_kind"),
		db.AuditListQuery(psti.AuditFilter{Entity: "report", BeforeID: 500}, "audit_log_kind"),
		db.AuditListQuery(psti.AuditFilter{Entity: "report", EntityID: 7, BeforeID: 500}, "audit_log_entity"),
		store.CaseListQuery(cases.Filter{}, "INTEGER PRIMARY KEY|cases_pkey"),
		store.CaseListQuery(cases.Filter{Status: "open", After: 500}, "cases_status"),
		store.CaseListQuery(cases.Filter{ProductID: 1}, "case_items_product"),
		store.CaseListQuery(cases.Filter{ProductID: 1, After: 500}, "case_items_product"),
		store.CaseListQuery(cases.Filter{ProductID: 1, Status: "open", After: 500}, "case_items_product"),
		store.RecordListQuery(cases.RecordFilter{}, "INTEGER PRIMARY KEY|compliance_records_pkey"),
		store.RecordListQuery(cases.RecordFilter{OrganisationID: 1, After: 500}, "compliance_records_organisation"),
		store.RecordListQuery(cases.RecordFilter{CaseID: 3}, "compliance_records_case"),
		store.PasswordAuditsQuery("password_audits_batch"),
		store.LogEntriesQuery("INTEGER PRIMARY KEY|log_entries_pkey"),
		store.FreshReportsQuery("reports_unalerted"),
		store.MailStatsQuery("mail_outbox_due"),
		store.PeriodsQuery(support.Filter{}, "support_periods_order"),
		store.StatementsQuery(statement.Filter{ProductID: 1, Limit: 100}, "statements_product"),
		store.StatementsQuery(statement.Filter{ProductID: 1, Status: statement.StatusIssued, Limit: 100}, "statements_product|statements_status"),
		store.StatementsQuery(statement.Filter{Status: statement.StatusIssued, Limit: 100}, "statements_status"),
		store.StatementsQuery(statement.Filter{Limit: 100, After: psti.ListKeyID(500)}, "INTEGER PRIMARY KEY|statements_pkey"),
		store.StatementsQuery(statement.Filter{ProductID: 1, Limit: 100, After: psti.ListKeyID(500)}, "statements_product"),
		store.StatementsQuery(statement.Filter{Status: statement.StatusIssued, Limit: 100, After: psti.ListKeyID(500)}, "statements_status"),
		store.PeriodsQuery(support.Filter{ProductID: 1}, "support_periods_product_order"),
		store.PeriodsQuery(support.Filter{ProductID: 1, Status: support.StatusPublished}, "support_periods_product_order"),
		store.PeriodsQuery(support.Filter{Status: support.StatusPublished, EndsBy: "2030-01-01"}, "support_periods_status_order"),
	)
	return append(qs, store.RegistryQueries()...)
}

// fullScan is what a plan shows when it reads a whole table or sorts what
// it read: SQLite's SCAN of a table without an index, or a temporary
// B-tree for the order; PostgreSQL's sequential scan or sort.
var fullScan = regexp.MustCompile(`(?m)^SCAN \w+$|^SCAN \w+ USING INTEGER PRIMARY KEY$|USE TEMP B-TREE|Seq Scan on|(^|->\s+)(Incremental )?Sort\s+\(`)

// TestListPlans checks that every list reads its index, on both back
// ends, so a change to a query or an index cannot bring back a scan of
// a table that grows.
func TestListPlans(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			if b.Name == "postgres" {
				storetest.PostgresURL(t) // skips without a PostgreSQL
			}
			db, clock := storetest.Open(t, b)
			ctx := context.Background()
			// Rows enough, and in the proportions of a long-used
			// installation, for PostgreSQL's statistics to mean what
			// they would (SQLite's plans are chosen without any).
			s := storetest.NewSeed(t, db)
			if s.Product.ID != 1 {
				t.Fatalf("the seed's product is %d, the queries ask for 1", s.Product.ID)
			}
			if err := db.FillReports(ctx, 20000, 20, s.Product.ID, 0, clock.Now()); err != nil {
				t.Fatal(err)
			}
			for _, q := range listQueries(db, clock.Now()) {
				plan, err := db.Plan(ctx, q.SQL, q.Args...)
				if err != nil {
					t.Fatalf("%s: %v\n%s", q.Name, err, q.SQL)
				}
				// SQLite must read the index named (it has no
				// statistics to choose by); PostgreSQL may choose
				// another index from its statistics, but must read
				// one, in order.
				want := q.Index
				if b.Name == "postgres" {
					want = `Index Scan|Index Only Scan`
				}
				if fullScan.MatchString(plan) || !regexp.MustCompile(`\b(`+want+`)\b`).MatchString(plan) {
					t.Errorf("%s: the plan does not read %s alone:\n%s\n%s", q.Name, want, plan, q.SQL)
				}
			}
		})
	}
}
