package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// ---- password audits (passwords.RunStore) ----

const runCols = `id, batch_id, state, file_name, file_bytes, bytes_read, rows_read, verdict, outcome, problem,
	created_by, created_at, started_at, finished_at, updated_at`

// runSummary is what the audit trail keeps of a run: everything but the
// report, which stays in its own row.
type runSummary struct {
	ID        int64  `json:"id"`
	BatchID   int64  `json:"batch_id"`
	State     string `json:"state"`
	FileName  string `json:"file_name"`
	FileBytes int64  `json:"file_bytes"`
	RowsRead  int64  `json:"rows_read"`
	Verdict   string `json:"verdict,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
	Problem   string `json:"problem,omitempty"`
}

func summarise(r *passwords.Run) runSummary {
	return runSummary{r.ID, r.BatchID, r.State, r.FileName, r.FileBytes, r.RowsRead, r.Verdict, r.Outcome, r.Problem}
}

func scanRun(row interface{ Scan(...any) error }, report *sql.NullString) (*passwords.Run, error) {
	r := &passwords.Run{}
	dest := []any{&r.ID, &r.BatchID, &r.State, &r.FileName, &r.FileBytes, &r.BytesRead, &r.RowsRead, &r.Verdict, &r.Outcome, &r.Problem,
		&r.CreatedBy, &r.CreatedAt, &r.StartedAt, &r.FinishedAt, &r.UpdatedAt}
	if report != nil {
		dest = append(dest, report)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	return r, nil
}

// CreateRun stores a new queued audit of a batch file.
func (db *DB) CreateRun(ctx context.Context, a psti.Actor, r *passwords.Run) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := parent(ctx, tx, "batches", "batch_id", "batch", r.BatchID); err != nil {
			return nil, err
		}
		r.State, r.CreatedAt, r.UpdatedAt = passwords.RunQueued, now, now
		err := tx.QueryRowContext(ctx, `INSERT INTO password_audits (batch_id, state, file_name, file_bytes, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
			r.BatchID, r.State, r.FileName, r.FileBytes, r.CreatedBy, now).Scan(&r.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to create password audit: %w", err)
		}
		return &change{psti.ActionCreate, "password_audit", r.ID, nil, summarise(r)}, nil
	})
}

// usec keeps a time as the database does: UTC, to the microsecond.
// passwordAuditsQuery lists a batch's audits, newest first, through
// password_audits_batch (batch_id, id).
const passwordAuditsQuery = `SELECT ` + runCols + ` FROM password_audits WHERE batch_id = $1 ORDER BY id DESC LIMIT $2`

func usec(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// UpdateRun records progress on a run that has not finished.
func (db *DB) UpdateRun(ctx context.Context, r *passwords.Run) error {
	now := db.now()
	r.StartedAt = usec(r.StartedAt)
	_, err := db.rw.ExecContext(ctx, `UPDATE password_audits SET state = $1, bytes_read = $2, rows_read = $3, started_at = $4, updated_at = $5
		WHERE id = $6 AND state IN ('queued', 'running')`,
		r.State, r.BytesRead, r.RowsRead, r.StartedAt, now, r.ID)
	if err != nil {
		return fmt.Errorf("store: unable to record progress of password audit %d: %w", r.ID, err)
	}
	r.UpdatedAt = now
	return nil
}

// FinishRun records a run's outcome. A finished run's report never
// changes: finishing it again is a conflict.
func (db *DB) FinishRun(ctx context.Context, a psti.Actor, r *passwords.Run) error {
	if r.State != passwords.RunDone && r.State != passwords.RunFailed {
		return psti.Errorf(psti.EINVALID, "A run finishes as done or failed, not %q.", r.State)
	}
	var report sql.NullString
	if r.Report != nil {
		b, err := json.Marshal(r.Report)
		if err != nil {
			return fmt.Errorf("store: unable to encode the password audit report: %w", err)
		}
		report = sql.NullString{String: string(b), Valid: true}
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := db.run(ctx, tx, r.ID, false)
		if err != nil {
			return nil, err
		}
		if before.Finished() {
			return nil, psti.Errorf(psti.ECONFLICT, "Password audit %d has finished already; its report does not change.", r.ID)
		}
		if r.FinishedAt == nil {
			r.FinishedAt = &now
		}
		r.StartedAt, r.FinishedAt = usec(r.StartedAt), usec(r.FinishedAt)
		r.UpdatedAt = now
		r.Outcome = ""
		if r.State == passwords.RunDone {
			r.Outcome = passwords.Outcome(r.Report, nil)
		}
		_, err = tx.ExecContext(ctx, `UPDATE password_audits SET state = $1, bytes_read = $2, rows_read = $3, verdict = $4, problem = $5,
			report = $6, started_at = $7, finished_at = $8, updated_at = $9, outcome = $10 WHERE id = $11`,
			r.State, r.BytesRead, r.RowsRead, r.Verdict, r.Problem, report, r.StartedAt, r.FinishedAt, now, r.Outcome, r.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to finish password audit %d: %w", r.ID, err)
		}
		return &change{psti.ActionUpdate, "password_audit", r.ID, summarise(before), summarise(r)}, nil
	})
}

func (db *DB) run(ctx context.Context, q querier, id int64, withReport bool) (*passwords.Run, error) {
	var report sql.NullString
	var rp *sql.NullString
	query := `SELECT ` + runCols + ` FROM password_audits WHERE id = $1`
	if withReport {
		rp = &report
		query = `SELECT ` + runCols + `, report FROM password_audits WHERE id = $1`
	}
	r, err := scanRun(q.QueryRowContext(ctx, query, id), rp)
	if err := notFound(err, "password audit", id); err != nil {
		return nil, err
	}
	if report.Valid {
		r.Report = &passwords.Report{}
		if err := json.Unmarshal([]byte(report.String), r.Report); err != nil {
			return nil, fmt.Errorf("store: unable to decode the report of password audit %d: %w", id, err)
		}
	}
	return r, nil
}

// Run returns one password audit with its report, its reviews and the
// verdict once they are counted.
func (db *DB) Run(ctx context.Context, id int64) (*passwords.Run, error) {
	r, err := db.run(ctx, db.ro, id, true)
	if err != nil {
		return nil, err
	}
	if r.Reviews, err = db.reviews(ctx, db.ro, id); err != nil {
		return nil, err
	}
	if r.Outcome == "" && r.State == passwords.RunDone {
		r.Outcome = passwords.Outcome(r.Report, r.Reviews) // finished before reviews existed
	}
	return r, nil
}

// Runs lists a batch's password audits, newest first, without reports.
func (db *DB) Runs(ctx context.Context, batchID int64, limit int) ([]*passwords.Run, error) {
	if limit <= 0 || limit > product.MaxList {
		limit = 100
	}
	rows, err := db.ro.QueryContext(ctx, passwordAuditsQuery, batchID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list password audits: %w", err)
	}
	defer rows.Close()
	var out []*passwords.Run
	for rows.Next() {
		r, err := scanRun(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read password audit: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list password audits: %w", err)
	}
	rows.Close()
	// Runs finished before reviews existed have no outcome kept: read it
	// from their report.
	for _, r := range out {
		if r.Outcome == "" && r.State == passwords.RunDone {
			full, err := db.Run(ctx, r.ID)
			if err != nil {
				return nil, err
			}
			r.Outcome = full.Outcome
		}
	}
	return out, nil
}

// RunsAudited returns how many rows each of a batch's newest finished
// audits (at most limit, newest first as Runs lists them) audited, by run
// id, read from their reports: the list of runs does not carry the reports,
// and a pass in which no row was audited must not read as a plain pass
// (PSTI-PW-06).
func (db *DB) RunsAudited(ctx context.Context, batchID int64, limit int) (map[int64]int64, error) {
	if limit <= 0 || limit > product.MaxList {
		limit = 100
	}
	rows, err := db.ro.QueryContext(ctx, `SELECT id, `+db.dialect.JSONInt("report", "audited")+` FROM password_audits
		WHERE batch_id = $1 AND report IS NOT NULL ORDER BY id DESC LIMIT $2`, batchID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the password audits' counts: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id int64
		var n sql.NullInt64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("store: unable to read a password audit's count: %w", err)
		}
		if n.Valid {
			out[id] = n.Int64
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read the password audits' counts: %w", err)
	}
	return out, nil
}
