package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
)

const statementCols = `id, number, version, product_id, status, content, supersedes, superseded_by, revision, created_at, updated_at, issued_at, keep_until, log_index`

func scanStatement(row interface{ Scan(...any) error }) (*statement.Record, error) {
	r := &statement.Record{}
	var content string
	var supersedes, supersededBy, logIndex sql.NullInt64
	if err := row.Scan(&r.ID, &r.Number, &r.Version, &r.ProductID, &r.Status, &content, &supersedes, &supersededBy, &r.Revision,
		utc(&r.CreatedAt), utc(&r.UpdatedAt), utcPtr(&r.IssuedAt), &r.KeepUntil, &logIndex); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(content), &r.Content); err != nil {
		return nil, fmt.Errorf("store: statement %d cannot be read: %w", r.ID, err)
	}
	r.Supersedes, r.SupersededBy, r.LogIndex = nullIndex(supersedes), nullIndex(supersededBy), nullIndex(logIndex)
	return r, nil
}

func (db *DB) statement(ctx context.Context, q querier, id int64, lock string) (*statement.Record, error) {
	r, err := scanStatement(q.QueryRowContext(ctx, `SELECT `+statementCols+` FROM statements WHERE id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.Errorf(psti.ENOTFOUND, "There is no statement %d.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read statement %d: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, `SELECT kind, media_type, sha256 FROM statement_renderings WHERE statement_id = $1 ORDER BY kind`, id)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the renderings of statement %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var x statement.Rendering
		if err := rows.Scan(&x.Kind, &x.MediaType, &x.SHA256); err != nil {
			return nil, fmt.Errorf("store: unable to read the renderings of statement %d: %w", id, err)
		}
		r.Renderings = append(r.Renderings, x)
	}
	return r, rows.Err()
}

// Statement returns one version of a statement, with its renderings'
// hashes.
func (db *DB) Statement(ctx context.Context, id int64) (*statement.Record, error) {
	return db.statement(ctx, db.ro, id, "")
}

// CreateStatement adds a draft: a new statement, numbered SOC-YEAR-NNNN,
// or the next version of the issued statement r.Supersedes names.
func (db *DB) CreateStatement(ctx context.Context, a psti.Actor, r *statement.Record) error {
	return db.publish(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if r.Supersedes != nil {
			old, err := db.statement(ctx, tx, *r.Supersedes, db.dialect.forUpdate)
			if err != nil {
				return nil, err
			}
			if old.Status != statement.StatusIssued || old.SupersededBy != nil {
				return nil, psti.Errorf(psti.ECONFLICT, "Only the current issued version of a statement can be corrected; %s version %d is not.", old.Number, old.Version)
			}
			var drafts int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM statements WHERE number = $1 AND status = 'draft'`, old.Number).Scan(&drafts); err != nil {
				return nil, fmt.Errorf("store: unable to read statement %s: %w", old.Number, err)
			}
			if drafts > 0 {
				return nil, psti.Errorf(psti.ECONFLICT, "A correction of statement %s is being written already: finish that one.", old.Number)
			}
			r.Number, r.Version, r.ProductID = old.Number, old.Version+1, old.ProductID
		} else {
			if err := parent(ctx, tx, "products", "product_id", "product", r.ProductID); err != nil {
				return nil, err
			}
			stem := fmt.Sprintf("SOC-%d-", now.Year())
			// The highest number of the year, plus one: a deleted draft
			// leaves a gap, never a number given twice.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(CAST(SUBSTR(number, $2) AS INTEGER)), 0) FROM statements WHERE number LIKE $1`,
				stem+"%", len(stem)+1).Scan(&n); err != nil {
				return nil, fmt.Errorf("store: unable to number the statement: %w", err)
			}
			r.Number, r.Version = fmt.Sprintf("%s%04d", stem, n+1), 1
		}
		content, err := json.Marshal(&r.Content)
		if err != nil {
			return nil, err
		}
		r.Status, r.Revision, r.CreatedAt, r.UpdatedAt = statement.StatusDraft, 1, now, now
		if err := tx.QueryRowContext(ctx, `INSERT INTO statements (number, version, product_id, status, content, supersedes, revision, created_at, updated_at)
			VALUES ($1, $2, $3, 'draft', $4, $5, 1, $6, $6) RETURNING id`,
			r.Number, r.Version, r.ProductID, string(content), nullPtr(r.Supersedes), now).Scan(&r.ID); err != nil {
			return nil, fmt.Errorf("store: unable to create the statement: %w", err)
		}
		return &change{psti.ActionCreate, "statement", r.ID, nil, r}, nil
	})
}

// nullPtr is the column value of an optional id: the reverse of nullIndex.
func nullPtr(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

// UpdateStatement changes a draft's content.
func (db *DB) UpdateStatement(ctx context.Context, a psti.Actor, r *statement.Record) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := db.statement(ctx, tx, r.ID, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if before.Status != statement.StatusDraft {
			return nil, psti.Errorf(psti.ECONFLICT, "Statement %s version %d is issued: it never changes. Correct it with a new version instead.", before.Number, before.Version)
		}
		if r.Revision != 0 && r.Revision != before.Revision {
			return nil, psti.Errorf(psti.ECONFLICT, "Someone else changed this statement after you opened it. Look at it again first.")
		}
		content, err := json.Marshal(&r.Content)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE statements SET content = $1, revision = $2, updated_at = $3 WHERE id = $4`,
			string(content), before.Revision+1, now, r.ID); err != nil {
			return nil, fmt.Errorf("store: unable to save statement %d: %w", r.ID, err)
		}
		r.Number, r.Version, r.ProductID, r.Status, r.Revision, r.UpdatedAt = before.Number, before.Version, before.ProductID, before.Status, before.Revision+1, now
		return &change{psti.ActionUpdate, "statement", r.ID, before, r}, nil
	})
}

// IssueStatement issues a draft with its renderings, marks the version it
// corrects superseded, and logs it, in one transaction. Statements issued
// at the same time are committed together, each in a savepoint of its
// own, so that one flush to disk (and, on PostgreSQL, one hold of the
// log's lock) serves them all, and one refused statement does not undo
// the others; each caller still returns only once its statement is
// committed.
func (db *DB) IssueStatement(ctx context.Context, a psti.Actor, id int64, renderings []statement.Rendering) (*statement.Record, error) {
	req := &issueRequest{ctx: ctx, a: a, id: id, renderings: renderings}
	is := &db.issuing
	is.mu.Lock()
	is.queue = append(is.queue, req)
	is.mu.Unlock()

	// Whoever holds commit issues everything queued so far, its own
	// request included unless an earlier holder did it already.
	is.commit.Lock()
	defer is.commit.Unlock()
	if req.done {
		return req.r, req.err
	}
	is.mu.Lock()
	group := is.queue
	is.queue = nil
	is.mu.Unlock()
	db.issueGroup(group)
	return req.r, req.err
}

// issueRequest is one statement waiting to be issued.
type issueRequest struct {
	ctx        context.Context
	a          psti.Actor
	id         int64
	renderings []statement.Rendering
	done       bool
	r          *statement.Record
	err        error
}

// issuing queues the statements being issued, for issueGroup.
type issuing struct {
	mu     sync.Mutex // guards queue
	queue  []*issueRequest
	commit sync.Mutex // held while a group is issued
}

// maxIssueGroup bounds how many statements one transaction issues.
const maxIssueGroup = 64

// issueGroup issues a group of statements, in as few transactions as
// it can. If the shared commit fails, each is tried again on its own.
func (db *DB) issueGroup(group []*issueRequest) {
	for len(group) > 0 {
		n := min(len(group), maxIssueGroup)
		part := group[:n]
		group = group[n:]
		if len(part) == 1 || db.issueTogether(part) != nil {
			for _, req := range part {
				req.r, req.err = nil, nil
				err := db.publish(req.ctx, req.a, func(tx *sql.Tx, now time.Time) (*change, error) {
					idx, err := logSize(req.ctx, tx)
					if err != nil {
						return nil, err
					}
					var c *change
					var e *ledger.Entry
					if req.r, c, e, err = db.issueStatement(req.ctx, tx, now, req.id, req.renderings, idx); err != nil {
						return nil, err
					}
					return c, db.appendIssued(req.ctx, tx, idx, []*ledger.Entry{e})
				})
				if err != nil {
					req.r, req.err = nil, err
				}
				req.done = true
			}
		}
	}
}

// issueTogether issues statements in one transaction, each in a
// savepoint: a statement refused is rolled back alone, and says why.
// Only a failure of the transaction as a whole is returned, with nothing
// issued.
func (db *DB) issueTogether(group []*issueRequest) error {
	ctx := context.WithoutCancel(group[0].ctx)
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: unable to begin a transaction: %w", err)
	}
	defer tx.Rollback()
	if err := db.lockLog(ctx, tx); err != nil {
		return err
	}
	now := db.now()
	first, err := logSize(ctx, tx)
	if err != nil {
		return err
	}
	results := make([]*statement.Record, len(group))
	errs := make([]error, len(group))
	// Each statement issued takes the next index; their entries are
	// appended together once all are done, in one step.
	var entries []*ledger.Entry
	for i, req := range group {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT issue_statement`); err != nil {
			return fmt.Errorf("store: unable to begin a savepoint: %w", err)
		}
		r, c, e, err := db.issueStatement(ctx, tx, now, req.id, req.renderings, first+int64(len(entries)))
		if err == nil {
			err = db.appendAudit(ctx, tx, req.a, now, c)
		}
		if err != nil {
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT issue_statement`); rerr != nil {
				return fmt.Errorf("store: unable to roll back a savepoint: %w", rerr)
			}
			errs[i] = err
		} else {
			results[i] = r
			entries = append(entries, e)
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT issue_statement`); err != nil {
			return fmt.Errorf("store: unable to release a savepoint: %w", err)
		}
	}
	if err := db.appendIssued(ctx, tx, first, entries); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: unable to commit: %w", err)
	}
	for i, req := range group {
		req.r, req.err, req.done = results[i], errs[i], true
	}
	return nil
}

// issueStatement issues draft id inside tx, which holds the log's lock.
//
// Its log entry, to be appended at index idx, is returned rather than
// appended, so that a group of statements appends its entries at once
// (appendIssued); the row records idx already.
func (db *DB) issueStatement(ctx context.Context, tx *sql.Tx, now time.Time, id int64, renderings []statement.Rendering, idx int64) (*statement.Record, *change, *ledger.Entry, error) {
	r, err := db.statement(ctx, tx, id, db.dialect.forUpdate)
	if err != nil {
		return nil, nil, nil, err
	}
	if r.Status != statement.StatusDraft {
		return nil, nil, nil, psti.Errorf(psti.ECONFLICT, "Statement %s version %d is issued already.", r.Number, r.Version)
	}
	if err := r.Content.Validate(); err != nil {
		return nil, nil, nil, err
	}
	if err := sameContent(r, renderings); err != nil {
		return nil, nil, nil, err
	}
	if len(renderings) == 0 {
		return nil, nil, nil, psti.Errorf(psti.EINVALID, "A statement is issued with its renderings: none were given.")
	}
	seen := map[string]bool{}
	for _, x := range renderings {
		if seen[x.Kind] || x.Kind == "" {
			return nil, nil, nil, psti.Errorf(psti.EINVALID, "Each rendering of a statement is given once; %q is not.", x.Kind)
		}
		seen[x.Kind] = true
		if statement.NewRendering(x.Kind, x.MediaType, x.Data).SHA256 != x.SHA256 {
			return nil, nil, nil, psti.Errorf(psti.EINVALID, "The %s rendering's SHA-256 is not that of its bytes.", x.Kind)
		}
	}
	supersedes := 0
	if r.Supersedes != nil {
		old, err := db.statement(ctx, tx, *r.Supersedes, db.dialect.forUpdate)
		if err != nil {
			return nil, nil, nil, err
		}
		if old.SupersededBy != nil {
			return nil, nil, nil, psti.Errorf(psti.ECONFLICT, "%s version %d was corrected meanwhile by another version.", old.Number, old.Version)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE statements SET superseded_by = $1 WHERE id = $2`, r.ID, old.ID); err != nil {
			return nil, nil, nil, fmt.Errorf("store: unable to mark %s version %d superseded: %w", old.Number, old.Version, err)
		}
		supersedes = old.Version
	}
	issued, _ := psti.ParseDate(r.Content.Issued)
	end, _ := psti.ParseDate(r.Content.SupportEnd)
	r.KeepUntil = statement.KeepUntil(issued, end).Format(time.DateOnly)
	r.IssuedAt, r.Status, r.Renderings = &now, statement.StatusIssued, nil
	// All renderings in one statement: one round trip to PostgreSQL.
	var q strings.Builder
	q.WriteString(`INSERT INTO statement_renderings (statement_id, kind, media_type, sha256, data) VALUES `)
	args := make([]any, 0, 5*len(renderings))
	for i, x := range renderings {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(" + placeholders(5*i+1, 5) + ")")
		args = append(args, r.ID, x.Kind, x.MediaType, x.SHA256, x.Data)
		r.Renderings = append(r.Renderings, statement.Rendering{Kind: x.Kind, MediaType: x.MediaType, SHA256: x.SHA256})
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return nil, nil, nil, fmt.Errorf("store: unable to keep the renderings of statement %d: %w", r.ID, err)
	}
	e, err := statement.Entry(r, supersedes)
	if err != nil {
		return nil, nil, nil, err
	}
	r.LogIndex = &idx
	r.Revision++
	if _, err := tx.ExecContext(ctx, `UPDATE statements SET status = 'issued', issued_at = $1, keep_until = $2, log_index = $3, revision = $4, updated_at = $1 WHERE id = $5`,
		now, r.KeepUntil, idx, r.Revision, r.ID); err != nil {
		return nil, nil, nil, fmt.Errorf("store: unable to issue statement %d: %w", r.ID, err)
	}
	r.UpdatedAt = now
	return r, &change{psti.ActionPublish, "statement", r.ID, nil, r}, e, nil
}

// appendIssued appends the log entries of statements issued in tx, which
// were given the indexes from first on, in order.
func (db *DB) appendIssued(ctx context.Context, tx *sql.Tx, first int64, es []*ledger.Entry) error {
	if len(es) == 0 {
		return nil
	}
	got, err := db.appendLogEntries(ctx, tx, es)
	if err != nil {
		return err
	}
	if got != first {
		return fmt.Errorf("store: the statements' log entries were to begin at %d, and began at %d", first, got)
	}
	return nil
}

// sameContent refuses renderings made of other content than the draft's
// as it stands: the draft changed between their making and its issue, and
// what was signed would not be what is kept and logged. The JSON
// rendering, when it is a psti statement document, carries the content.
func sameContent(r *statement.Record, renderings []statement.Rendering) error {
	for _, x := range renderings {
		if x.Kind != statement.RenderingJSON {
			continue
		}
		var d statement.Document
		if json.Unmarshal(x.Data, &d) != nil || d.Format != statement.JSONFormat {
			return nil
		}
		got, err1 := json.Marshal(&d.Statement)
		want, err2 := json.Marshal(&r.Content)
		if err1 != nil || err2 != nil || string(got) != string(want) || d.ID != r.Number || d.Version != r.Version {
			return psti.Errorf(psti.ECONFLICT, "Statement %s version %d changed while it was being issued: read it again, then issue it.", r.Number, r.Version)
		}
	}
	return nil
}

// StatementRendering returns one rendering of an issued statement.
func (db *DB) StatementRendering(ctx context.Context, id int64, kind string) (*statement.Rendering, error) {
	x := &statement.Rendering{Kind: kind}
	err := db.ro.QueryRowContext(ctx, `SELECT media_type, sha256, data FROM statement_renderings WHERE statement_id = $1 AND kind = $2`, id, kind).
		Scan(&x.MediaType, &x.SHA256, &x.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.Errorf(psti.ENOTFOUND, "Statement %d has no %s rendering.", id, kind)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the %s rendering of statement %d: %w", kind, id, err)
	}
	return x, nil
}

// Retention lists every issued statement with the last day it must be
// kept, soonest first (PSTI-SOC-05).
func (db *DB) Retention(ctx context.Context) ([]*statement.Record, error) {
	return db.listStatements(ctx, `SELECT `+statementCols+` FROM statements WHERE status = 'issued' ORDER BY keep_until, id`)
}

// listStatements reads the statements a query selects.
func (db *DB) listStatements(ctx context.Context, q string, args ...any) ([]*statement.Record, error) {
	rows, err := db.ro.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list statements: %w", err)
	}
	defer rows.Close()
	var out []*statement.Record
	for rows.Next() {
		r, err := scanStatement(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list statements: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Statements lists the statements f selects, newest first.
func (db *DB) Statements(ctx context.Context, f statement.Filter) ([]*statement.Record, error) {
	q, args, err := statementsPage(f)
	if err != nil {
		return nil, err
	}
	return db.listStatements(ctx, q, args...)
}

// statementsPage is the query of f's statements, newest first, through
// statements_product (product_id, id) for a product's, statements_status
// (status, id) for one status's, and by id otherwise, after the statement
// f.After is the key of.
func statementsPage(f statement.Filter) (string, []any, error) {
	q := `SELECT ` + statementCols + ` FROM statements WHERE 1 = 1`
	var args []any
	arg := func(cond string, v any) {
		args = append(args, v)
		q += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.ProductID != 0 {
		arg("product_id = $%d", f.ProductID)
	}
	if f.Number != "" {
		arg("number = $%d", f.Number)
	}
	if f.Status != "" {
		arg("status = $%d", f.Status)
	}
	if f.After != "" {
		_, id, err := psti.ParseListKeyID(f.After, 1)
		if err != nil {
			return "", nil, err
		}
		arg("id < $%d", id)
	}
	q += " ORDER BY id DESC"
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	return q, args, nil
}

// DeleteStatement deletes a draft. An issued statement is refused with
// the day until which it must be kept (PSTI-SOC-05): psti keeps it for
// good, and the database refuses the deletion too.
func (db *DB) DeleteStatement(ctx context.Context, a psti.Actor, id int64) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		r, err := db.statement(ctx, tx, id, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if r.Status != statement.StatusDraft {
			return nil, psti.Errorf(psti.ECONFLICT, "%s", statement.KeptText(r))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM statements WHERE id = $1`, id); err != nil {
			return nil, fmt.Errorf("store: unable to delete statement %d: %w", id, err)
		}
		return &change{psti.ActionDelete, "statement", id, r, nil}, nil
	})
}

// StatementByRendering finds the issued statement with a rendering of
// the given SHA-256.
func (db *DB) StatementByRendering(ctx context.Context, sum string) (*statement.Record, string, error) {
	var id int64
	var kind string
	err := db.ro.QueryRowContext(ctx, `SELECT statement_id, kind FROM statement_renderings WHERE sha256 = $1 ORDER BY statement_id LIMIT 1`, sum).Scan(&id, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", psti.Errorf(psti.ENOTFOUND, "No statement issued here has a copy with this content.")
	}
	if err != nil {
		return nil, "", fmt.Errorf("store: unable to look the statement up: %w", err)
	}
	r, err := db.Statement(ctx, id)
	return r, kind, err
}

var _ statement.Store = (*DB)(nil)
