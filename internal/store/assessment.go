package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/psti"
)

// ---- assessments (assessment.Store) ----

const assessmentCols = `id, product_id, requirement, route, standard, provisions, label_scheme, label_id, label_expires, status, reason, note,
	revision, updated_at, updated_by`

func scanAssessmentRow(row interface{ Scan(...any) error }) (*assessment.Row, error) {
	r := &assessment.Row{}
	if err := row.Scan(&r.ID, &r.ProductID, &r.Requirement, &r.Route, &r.Standard, &r.Provisions, &r.LabelScheme, &r.LabelID, &r.LabelExpires,
		&r.Status, &r.Reason, &r.Note, &r.Revision, utcPtr(&r.UpdatedAt), &r.UpdatedBy); err != nil {
		return nil, err
	}
	return r, nil
}

// AssessmentRows returns the assessment rows saved for each of products,
// by product id, in requirement order.
func (db *DB) AssessmentRows(ctx context.Context, productIDs ...int64) (map[int64][]*assessment.Row, error) {
	out := map[int64][]*assessment.Row{}
	if len(productIDs) == 0 {
		return out, nil
	}
	rows, err := db.ro.QueryContext(ctx, `SELECT `+assessmentCols+` FROM assessments WHERE product_id IN (`+placeholders(1, len(productIDs))+`)
		ORDER BY product_id, requirement`, ids(productIDs)...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read assessments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanAssessmentRow(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read an assessment row: %w", err)
		}
		out[r.ProductID] = append(out[r.ProductID], r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read assessments: %w", err)
	}
	return out, nil
}

func ids(l []int64) []any {
	out := make([]any, len(l))
	for i, v := range l {
		out[i] = v
	}
	return out
}

// SaveAssessmentRow creates or changes one row of a product's assessment.
// r.Revision must be the row's current revision, 0 for a row never saved:
// a row changed (or first saved) by someone else since is refused
// (ECONFLICT). The change, before and after, goes to the audit trail.
func (db *DB) SaveAssessmentRow(ctx context.Context, a psti.Actor, r *assessment.Row) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := parent(ctx, tx, "products", "product_id", "product", r.ProductID); err != nil {
			return nil, err
		}
		before, err := scanAssessmentRow(tx.QueryRowContext(ctx, `SELECT `+assessmentCols+` FROM assessments WHERE product_id = $1 AND requirement = $2`+db.dialect.forUpdate,
			r.ProductID, r.Requirement))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: unable to read assessment row %s: %w", r.Requirement, err)
		}
		var current int64
		if before != nil {
			current = before.Revision
		}
		if r.Revision != current {
			return nil, psti.Errorf(psti.ECONFLICT, "Someone else changed %s on this assessment after you opened it (your copy is revision %d, the current one is %d). Look at it again, then make your change.",
				r.Requirement, r.Revision, current)
		}
		r.UpdatedAt, r.UpdatedBy = &now, a.Label
		args := []any{r.Route, r.Standard, r.Provisions, r.LabelScheme, r.LabelID, r.LabelExpires, r.Status, r.Reason, r.Note, now, a.Label}
		if before == nil {
			r.Revision = 1
			err := tx.QueryRowContext(ctx, `INSERT INTO assessments (route, standard, provisions, label_scheme, label_id, label_expires, status, reason, note,
				updated_at, updated_by, product_id, requirement, revision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1) RETURNING id`,
				append(args, r.ProductID, r.Requirement)...).Scan(&r.ID)
			if isUnique(err) {
				return nil, psti.Errorf(psti.ECONFLICT, "Someone else saved %s on this assessment at the same time. Look at it again, then make your change.", r.Requirement)
			}
			if err != nil {
				return nil, fmt.Errorf("store: unable to save assessment row %s: %w", r.Requirement, err)
			}
			return &change{psti.ActionCreate, "assessment", r.ID, nil, r}, nil
		}
		r.ID, r.Revision = before.ID, before.Revision+1
		if _, err := tx.ExecContext(ctx, `UPDATE assessments SET route = $1, standard = $2, provisions = $3, label_scheme = $4, label_id = $5,
			label_expires = $6, status = $7, reason = $8, note = $9, updated_at = $10, updated_by = $11, revision = $12 WHERE id = $13`,
			append(args, r.Revision, r.ID)...); err != nil {
			return nil, fmt.Errorf("store: unable to save assessment row %s: %w", r.Requirement, err)
		}
		return &change{psti.ActionUpdate, "assessment", r.ID, before, r}, nil
	})
}

const evidenceCols = `id, product_id, requirement, name, media_type, size, sha256, added_at, added_by, archived_at`

func scanEvidence(row interface{ Scan(...any) error }) (*assessment.Evidence, error) {
	e := &assessment.Evidence{}
	if err := row.Scan(&e.ID, &e.ProductID, &e.Requirement, &e.Name, &e.MediaType, &e.Size, &e.SHA256, utc(&e.AddedAt), &e.AddedBy, utcPtr(&e.ArchivedAt)); err != nil {
		return nil, err
	}
	return e, nil
}

// evidenceAudit is what the audit trail keeps of an evidence file: all
// but its content.
type evidenceAudit struct {
	ProductID   int64      `json:"product_id"`
	Requirement string     `json:"requirement"`
	Name        string     `json:"name"`
	MediaType   string     `json:"media_type"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256"`
	ArchivedAt  *time.Time `json:"archived_at,omitempty"`
}

func auditEvidence(e *assessment.Evidence) evidenceAudit {
	return evidenceAudit{e.ProductID, e.Requirement, e.Name, e.MediaType, e.Size, e.SHA256, e.ArchivedAt}
}

// AddEvidence keeps an evidence file for one row of a product's
// assessment, in pieces of chunkSize read from e.Content, and refuses one
// whose length is not e.Size. At most assessment.MaxFiles are kept for a
// row.
func (db *DB) AddEvidence(ctx context.Context, a psti.Actor, e *assessment.Evidence) error {
	if e.Content == nil {
		return fmt.Errorf("store: evidence %q has no content", e.Name)
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := parent(ctx, tx, "products", "product_id", "product", e.ProductID); err != nil {
			return nil, err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM assessment_evidence WHERE product_id = $1 AND requirement = $2`, e.ProductID, e.Requirement).Scan(&n); err != nil {
			return nil, fmt.Errorf("store: unable to count evidence: %w", err)
		}
		if n >= assessment.MaxFiles {
			return nil, psti.FieldErrorf(psti.EINVALID, "file", "%s has %d files kept already, the most one requirement may have: keep one file that brings them together.", e.Requirement, n)
		}
		if _, err := e.Content.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("store: unable to read evidence %q: %w", e.Name, err)
		}
		e.AddedAt, e.AddedBy = now, a.Label
		if err := tx.QueryRowContext(ctx, `INSERT INTO assessment_evidence (product_id, requirement, name, media_type, size, sha256, added_at, added_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, e.ProductID, e.Requirement, e.Name, e.MediaType, e.Size, e.SHA256, now, a.Label).Scan(&e.ID); err != nil {
			return nil, fmt.Errorf("store: unable to keep evidence: %w", err)
		}
		buf := make([]byte, chunkSize)
		var size int64
		for seq := 0; ; seq++ {
			k, err := io.ReadFull(e.Content, buf)
			if k > 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO assessment_evidence_chunks (evidence_id, seq, data) VALUES ($1, $2, $3)`, e.ID, seq, buf[:k]); err != nil {
					return nil, fmt.Errorf("store: unable to keep evidence: %w", err)
				}
				size += int64(k)
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("store: unable to read evidence %q: %w", e.Name, err)
			}
		}
		if size != e.Size {
			return nil, fmt.Errorf("store: evidence %q has %d bytes, not the %d described", e.Name, size, e.Size)
		}
		return &change{psti.ActionCreate, "assessment_evidence", e.ID, nil, auditEvidence(e)}, nil
	})
}

// EvidenceOf lists the evidence files of each of products, by product id,
// oldest first, archived ones included.
func (db *DB) EvidenceOf(ctx context.Context, productIDs ...int64) (map[int64][]*assessment.Evidence, error) {
	out := map[int64][]*assessment.Evidence{}
	if len(productIDs) == 0 {
		return out, nil
	}
	rows, err := db.ro.QueryContext(ctx, `SELECT `+evidenceCols+` FROM assessment_evidence WHERE product_id IN (`+placeholders(1, len(productIDs))+`)
		ORDER BY product_id, requirement, id`, ids(productIDs)...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list evidence: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvidence(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read evidence: %w", err)
		}
		out[e.ProductID] = append(out[e.ProductID], e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list evidence: %w", err)
	}
	return out, nil
}

// Evidence describes one evidence file of a product.
func (db *DB) Evidence(ctx context.Context, productID, id int64) (*assessment.Evidence, error) {
	e, err := scanEvidence(db.ro.QueryRowContext(ctx, `SELECT `+evidenceCols+` FROM assessment_evidence WHERE product_id = $1 AND id = $2`, productID, id))
	if err := notFound(err, "evidence file", id); err != nil {
		return nil, err
	}
	return e, nil
}

// WriteEvidence writes the content of one evidence file of a product to
// w, a piece at a time.
func (db *DB) WriteEvidence(ctx context.Context, productID, id int64, w io.Writer) error {
	if _, err := db.Evidence(ctx, productID, id); err != nil {
		return err
	}
	rows, err := db.ro.QueryContext(ctx, `SELECT data FROM assessment_evidence_chunks WHERE evidence_id = $1 ORDER BY seq`, id)
	if err != nil {
		return fmt.Errorf("store: unable to read evidence %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return fmt.Errorf("store: unable to read evidence %d: %w", id, err)
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ArchiveEvidence archives an evidence file, or brings it back. It is
// kept either way.
func (db *DB) ArchiveEvidence(ctx context.Context, a psti.Actor, productID, id int64, archived bool) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := scanEvidence(tx.QueryRowContext(ctx, `SELECT `+evidenceCols+` FROM assessment_evidence WHERE product_id = $1 AND id = $2`+db.dialect.forUpdate, productID, id))
		if err := notFound(err, "evidence file", id); err != nil {
			return nil, err
		}
		if (before.ArchivedAt != nil) == archived {
			return nil, nil
		}
		after := *before
		action := psti.ActionArchive
		if archived {
			after.ArchivedAt = &now
		} else {
			after.ArchivedAt, action = nil, psti.ActionUnarchive
		}
		if _, err := tx.ExecContext(ctx, `UPDATE assessment_evidence SET archived_at = $1 WHERE id = $2`, after.ArchivedAt, id); err != nil {
			return nil, fmt.Errorf("store: unable to archive evidence %d: %w", id, err)
		}
		return &change{action, "assessment_evidence", id, auditEvidence(before), auditEvidence(&after)}, nil
	})
}

// LatestAudits returns the latest finished password audit of each of a
// product's batches, with its report and reviews, by batch id.
func (db *DB) LatestAudits(ctx context.Context, productID int64) (map[int64]*passwords.Run, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT MAX(a.id) FROM password_audits a JOIN batches b ON b.id = a.batch_id
		WHERE b.product_id = $1 AND a.state = $2 GROUP BY a.batch_id`, productID, passwords.RunDone)
	if err != nil {
		return nil, fmt.Errorf("store: unable to find the latest password audits: %w", err)
	}
	var runIDs []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: unable to find the latest password audits: %w", err)
		}
		runIDs = append(runIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to find the latest password audits: %w", err)
	}
	out := map[int64]*passwords.Run{}
	for _, id := range runIDs {
		r, err := db.Run(ctx, id)
		if err != nil {
			return nil, err
		}
		out[r.BatchID] = r
	}
	return out, nil
}

// PolicyLogIndex is the transparency log entry that records revision of
// an organisation's disclosure policy; nil when the log has none.
func (db *DB) PolicyLogIndex(ctx context.Context, orgID, revision int64) (*int64, error) {
	var idx int64
	err := db.ro.QueryRowContext(ctx, `SELECT idx FROM log_entries WHERE ref = $1`, fmt.Sprintf("policy/%d#%d", orgID, revision)).Scan(&idx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the policy's log entry: %w", err)
	}
	return &idx, nil
}
