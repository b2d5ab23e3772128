package store

import (
	"context"
	"time"
)

// FillReports adds n reports in a few statements, for the plan test and
// the benchmarks: one in openEvery is open, with a promise due between 30
// days before and 30 days after now (so some are overdue), the rest
// closed; one in 10 is about product, one in 20 assigned to assignee
// (when not 0).
func (db *DB) FillReports(ctx context.Context, n, openEvery int, product, assignee int64, now time.Time) error {
	const batch = 100000
	base := now.UTC().Add(-time.Duration(n) * time.Second).Truncate(time.Second)
	for from := 0; from < n; from += batch {
		to := min(from+batch, n)
		var q string
		if db.dialect.sqlite {
			q = `WITH RECURSIVE s(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < $2)
			INSERT INTO reports (receipt_hash, product_id, assignee_id, summary, details, status, received_at, due_at, due_what, updated_at)
			SELECT randomblob(16), CASE WHEN i % 10 = 0 THEN $3 END, CASE WHEN i % 20 = 1 AND $4 > 0 THEN $4 END,
				'report ' || i, 'details of report ' || i,
				CASE WHEN i % $5 = 0 THEN (CASE i % 3 WHEN 0 THEN 'received' WHEN 1 THEN 'acknowledged' ELSE 'investigating' END)
					ELSE (CASE i % 3 WHEN 0 THEN 'resolved' WHEN 1 THEN 'duplicate' ELSE 'not_a_vulnerability' END) END,
				strftime('%Y-%m-%d %H:%M:%S+00:00', $6, '+' || i || ' seconds'),
				CASE WHEN i % $5 = 0 THEN strftime('%Y-%m-%d %H:%M:%S+00:00', $7, ((i * 7919) % 5184000 - 2592000) || ' seconds') END,
				CASE WHEN i % $5 = 0 THEN 'status update' ELSE '' END,
				strftime('%Y-%m-%d %H:%M:%S+00:00', $6, '+' || i || ' seconds')
			FROM s`
		} else {
			q = `INSERT INTO reports (receipt_hash, product_id, assignee_id, summary, details, status, received_at, due_at, due_what, updated_at)
			SELECT decode(md5(random()::text || i::text), 'hex'), CASE WHEN i % 10 = 0 THEN $3::bigint END, CASE WHEN i % 20 = 1 AND $4::bigint > 0 THEN $4::bigint END,
				'report ' || i, 'details of report ' || i,
				CASE WHEN i % $5 = 0 THEN (CASE i % 3 WHEN 0 THEN 'received' WHEN 1 THEN 'acknowledged' ELSE 'investigating' END)
					ELSE (CASE i % 3 WHEN 0 THEN 'resolved' WHEN 1 THEN 'duplicate' ELSE 'not_a_vulnerability' END) END,
				$6::timestamptz + i * interval '1 second',
				CASE WHEN i % $5 = 0 THEN $7::timestamptz + ((i::bigint * 7919) % 5184000 - 2592000) * interval '1 second' END,
				CASE WHEN i % $5 = 0 THEN 'status update' ELSE '' END,
				$6::timestamptz + i * interval '1 second'
			FROM generate_series($1::bigint, $2::bigint - 1) AS i`
		}
		at, nowArg := any(base), any(now.UTC())
		if db.dialect.sqlite {
			at, nowArg = base.Format("2006-01-02 15:04:05"), now.UTC().Format("2006-01-02 15:04:05")
		}
		if _, err := db.rw.ExecContext(ctx, q, from, to, product, assignee, openEvery, at, nowArg); err != nil {
			return err
		}
	}
	// No trigger counts an insert: the committer counts what it inserts,
	// and this counts what it did.
	if err := db.dialect.recountReports(ctx, db.rw); err != nil {
		return err
	}
	if db.dialect.sqlite {
		return nil // psti does not ANALYZE SQLite: its plans must hold without statistics
	}
	_, err := db.rw.ExecContext(ctx, `ANALYZE reports`)
	return err
}
