package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
)

// Scope decisions. Each is kept as it was made (migration 00019 refuses a
// change), with the facts and the rules version it was made with.

const scopeCols = `id, product_id, decided_at, decided_by, facts, decision`

func scanScope(row interface{ Scan(...any) error }) (*scope.Record, error) {
	r := &scope.Record{}
	var facts, decision string
	if err := row.Scan(&r.ID, &r.ProductID, utc(&r.DecidedAt), &r.DecidedBy, &facts, &decision); err != nil {
		return nil, err
	}
	v, err := scope.UnmarshalFacts([]byte(facts))
	if err != nil {
		return nil, fmt.Errorf("store: the facts of scope decision %d cannot be read: %w", r.ID, err)
	}
	r.Facts = v
	if err := json.Unmarshal([]byte(decision), &r.Decision); err != nil {
		return nil, fmt.Errorf("store: scope decision %d cannot be read: %w", r.ID, err)
	}
	return r, nil
}

// AddScopeDecision keeps a decision for a product.
func (db *DB) AddScopeDecision(ctx context.Context, a psti.Actor, r *scope.Record) error {
	facts, err := scope.MarshalFacts(r.Facts)
	if err != nil {
		return fmt.Errorf("store: unable to write the facts of a scope decision: %w", err)
	}
	decision, err := json.Marshal(r.Decision)
	if err != nil {
		return fmt.Errorf("store: unable to write a scope decision: %w", err)
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := parent(ctx, tx, "products", "product_id", "product", r.ProductID); err != nil {
			return nil, err
		}
		r.DecidedAt, r.DecidedBy = now, a.Label
		err := tx.QueryRowContext(ctx, `INSERT INTO scope_decisions (product_id, decided_at, decided_by, outcome, rules_version, facts, decision)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			r.ProductID, now, r.DecidedBy, r.Outcome, r.RulesVersion, string(facts), string(decision)).Scan(&r.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to keep a scope decision: %w", err)
		}
		return &change{psti.ActionCreate, "scope_decision", r.ID, nil, r}, nil
	})
}

// ScopeDecisions lists a product's decisions, newest first, at most limit
// (0: 100).
func (db *DB) ScopeDecisions(ctx context.Context, productID int64, limit int) ([]*scope.Record, error) {
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	rows, err := db.ro.QueryContext(ctx, `SELECT `+scopeCols+` FROM scope_decisions WHERE product_id = $1 ORDER BY id DESC LIMIT $2`, productID, limit)
	return collect(rows, err, "scope decisions", scanScope)
}

// ScopeDecision returns one decision.
func (db *DB) ScopeDecision(ctx context.Context, id int64) (*scope.Record, error) {
	r, err := scanScope(db.ro.QueryRowContext(ctx, `SELECT `+scopeCols+` FROM scope_decisions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.NotFound("scope decision", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read scope decision %d: %w", id, err)
	}
	return r, nil
}

// CurrentScopeDecisions returns the newest decision of each of products
// that has one, by product id, in one query.
func (db *DB) CurrentScopeDecisions(ctx context.Context, productIDs ...int64) (map[int64]*scope.Record, error) {
	out := map[int64]*scope.Record{}
	if len(productIDs) == 0 {
		return out, nil
	}
	ids := make([]any, len(productIDs))
	for i, id := range productIDs {
		ids[i] = id
	}
	rows, err := db.ro.QueryContext(ctx, `SELECT `+scopeCols+` FROM scope_decisions WHERE id IN
		(SELECT MAX(id) FROM scope_decisions WHERE product_id IN (`+placeholders(1, len(ids))+`) GROUP BY product_id)`, ids...)
	list, err := collect(rows, err, "scope decisions", scanScope)
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		out[r.ProductID] = r
	}
	return out, nil
}
