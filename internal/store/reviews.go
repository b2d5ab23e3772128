package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/psti"
)

// ---- reviews of password audit findings ----

// actionReview is the audit trail's action for a review of a finding.
const actionReview = "review"

// reviewChange is what the audit trail keeps of a review: the rule, the
// decision in force for it, and the audit's verdict, before and after.
type reviewChange struct {
	Rule     string `json:"rule"`
	Decision string `json:"decision,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Review   int64  `json:"review_id,omitempty"`
	Outcome  string `json:"outcome"`
}

// AddReview records an editor's review of one rule's findings in a
// finished password audit, and the audit's verdict once it is counted,
// with the audit trail's entry, in one transaction. It sets rv's ID, who
// reviewed and when. The rule must be one of the audit's findings for
// review (EINVALID, field "rule"); an accepted finding needs a reason
// (EINVALID, field "reason"); an audit that has not finished has nothing to
// review (ECONFLICT); ENOTFOUND if there is no such audit.
func (db *DB) AddReview(ctx context.Context, a psti.Actor, rv *passwords.Review) error {
	if err := rv.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		// Two reviews at once must not both count themselves alone.
		var locked int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM password_audits WHERE id = $1`+db.dialect.forUpdate, rv.RunID).Scan(&locked)
		if err := notFound(err, "password audit", rv.RunID); err != nil {
			return nil, err
		}
		run, err := db.run(ctx, tx, rv.RunID, true)
		if err != nil {
			return nil, err
		}
		if err := passwords.CheckReview(run, rv); err != nil {
			return nil, err
		}
		reviews, err := db.reviews(ctx, tx, rv.RunID)
		if err != nil {
			return nil, err
		}
		before := reviewChange{Rule: rv.Rule, Outcome: passwords.Outcome(run.Report, reviews)}
		if cur, ok := passwords.Current(reviews)[rv.Rule]; ok {
			before.Decision, before.Reason, before.Review = cur.Decision, cur.Reason, cur.ID
		}
		rv.ReviewedBy, rv.ReviewedAt, rv.Superseded = a.Label, now, false
		err = tx.QueryRowContext(ctx, `INSERT INTO password_audit_reviews (audit_id, rule, decision, reason, reviewed_by, reviewed_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			rv.RunID, rv.Rule, rv.Decision, rv.Reason, rv.ReviewedBy, now).Scan(&rv.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to record the review of password audit %d: %w", rv.RunID, err)
		}
		outcome := passwords.Outcome(run.Report, append(reviews, *rv))
		if _, err := tx.ExecContext(ctx, `UPDATE password_audits SET outcome = $1 WHERE id = $2`, outcome, rv.RunID); err != nil {
			return nil, fmt.Errorf("store: unable to record the verdict of password audit %d: %w", rv.RunID, err)
		}
		after := reviewChange{Rule: rv.Rule, Decision: rv.Decision, Reason: rv.Reason, Review: rv.ID, Outcome: outcome}
		return &change{actionReview, "password_audit", rv.RunID, before, after}, nil
	})
}

// Reviews lists a password audit's reviews, oldest first, each marked
// superseded when a later review of its rule replaced it.
func (db *DB) Reviews(ctx context.Context, runID int64) ([]passwords.Review, error) {
	if _, err := db.run(ctx, db.ro, runID, false); err != nil {
		return nil, err
	}
	return db.reviews(ctx, db.ro, runID)
}

func (db *DB) reviews(ctx context.Context, q querier, runID int64) ([]passwords.Review, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, audit_id, rule, decision, reason, reviewed_by, reviewed_at
		FROM password_audit_reviews WHERE audit_id = $1 ORDER BY id`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the reviews of password audit %d: %w", runID, err)
	}
	defer rows.Close()
	out := []passwords.Review{}
	for rows.Next() {
		var rv passwords.Review
		if err := rows.Scan(&rv.ID, &rv.RunID, &rv.Rule, &rv.Decision, &rv.Reason, &rv.ReviewedBy, &rv.ReviewedAt); err != nil {
			return nil, fmt.Errorf("store: unable to read a review of password audit %d: %w", runID, err)
		}
		out = append(out, rv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read the reviews of password audit %d: %w", runID, err)
	}
	passwords.Current(out)
	return out, nil
}
