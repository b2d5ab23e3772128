package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/support"
)

// Defined support periods. The rules are package support's, applied here
// inside the transaction that writes the change; publishing and extending
// also commit the period's record to the transparency log in that same
// transaction, and the database's triggers (migration 00015) refuse a
// shortened end date however it is asked for.

const periodCols = `id, revision, created_at, updated_at, product_id, models, end_date, notes, status, first_published_at, log_index`

func scanPeriod(row interface{ Scan(...any) error }) (*support.Period, error) {
	p := &support.Period{Extensions: []support.Extension{}}
	var models string
	var index sql.NullInt64
	if err := row.Scan(&p.ID, &p.Revision, utc(&p.CreatedAt), utc(&p.UpdatedAt), &p.ProductID, &models, &p.EndDate, &p.Notes, &p.Status,
		utcPtr(&p.FirstPublishedAt), &index); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(models), &p.Models); err != nil {
		return nil, fmt.Errorf("store: the models of support period %d cannot be read: %w", p.ID, err)
	}
	if p.Models == nil {
		p.Models = []string{}
	}
	p.LogIndex = nullIndex(index)
	return p, nil
}

func nullIndex(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

func modelsJSON(models []string) string {
	if len(models) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(models)
	return string(b)
}

func (db *DB) period(ctx context.Context, q querier, id int64, lock string) (*support.Period, error) {
	p, err := scanPeriod(q.QueryRowContext(ctx, `SELECT `+periodCols+` FROM support_periods WHERE id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.NotFound("support period", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read support period %d: %w", id, err)
	}
	return p, db.extensions(ctx, q, []*support.Period{p})
}

// extensions fills in the extensions of periods, one query for the list.
func (db *DB) extensions(ctx context.Context, q querier, ps []*support.Period) error {
	if len(ps) == 0 {
		return nil
	}
	byID := make(map[int64]*support.Period, len(ps))
	ids := make([]any, len(ps))
	for i, p := range ps {
		byID[p.ID], ids[i] = p, p.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT period_id, old_end_date, new_end_date, reason, at, log_index FROM support_period_extensions
		WHERE period_id IN (`+placeholders(1, len(ids))+`) ORDER BY period_id, id`, ids...)
	if err != nil {
		return fmt.Errorf("store: unable to read the extensions of support periods: %w", err)
	}
	for rows.Next() {
		var id int64
		var e support.Extension
		var index sql.NullInt64
		if err := rows.Scan(&id, &e.PreviousEndDate, &e.EndDate, &e.Reason, utc(&e.At), &index); err != nil {
			rows.Close()
			return fmt.Errorf("store: unable to read the extensions of support periods: %w", err)
		}
		e.LogIndex = nullIndex(index)
		byID[id].Extensions = append(byID[id].Extensions, e)
	}
	return closeRows(rows)
}

// Period returns one support period with its extensions.
func (db *DB) Period(ctx context.Context, id int64) (*support.Period, error) {
	return db.period(ctx, db.ro, id, "")
}

// periodsPage is the query of f's support periods, earliest end first.
// Only the conditions that filter are written, so each filter reads its
// index in order: a product's by support_periods_product_order, a
// status by support_periods_status_order (status, end_date, id), the rest
// by support_periods_order (end_date, id).
func periodsPage(f support.Filter) (string, []any) {
	limit, _ := listArgs(product.Filter{Limit: f.Limit})
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.ProductID != 0 {
		conds = append(conds, `product_id = `+arg(f.ProductID))
	}
	if f.Status != "" {
		conds = append(conds, `status = `+arg(string(f.Status)))
	}
	if f.EndsBy != "" {
		conds = append(conds, `end_date <= `+arg(f.EndsBy))
	}
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, " AND ")
	}
	return `SELECT ` + periodCols + ` FROM support_periods` + where + ` ORDER BY end_date, id LIMIT ` + arg(limit), args
}

// Periods lists support periods, earliest end first.
func (db *DB) Periods(ctx context.Context, f support.Filter) ([]*support.Period, error) {
	q, args := periodsPage(f)
	rows, err := db.ro.QueryContext(ctx, q, args...)
	ps, err := collect(rows, err, "support periods", scanPeriod)
	if err != nil {
		return nil, err
	}
	return ps, db.extensions(ctx, db.ro, ps)
}

// Unsupported lists the products, not archived, with no published support
// period, by name.
func (db *DB) Unsupported(ctx context.Context, limit int) ([]int64, error) {
	limit, _ = listArgs(product.Filter{Limit: limit})
	rows, err := db.ro.QueryContext(ctx, `SELECT id FROM products
		WHERE archived_at IS NULL AND NOT EXISTS (SELECT 1 FROM support_periods s WHERE s.product_id = products.id AND s.status = 'published')
		ORDER BY lower(name), id LIMIT $1`, limit)
	return collect(rows, err, "products without a support period", func(row interface{ Scan(...any) error }) (int64, error) {
		var id int64
		return id, row.Scan(&id)
	})
}

// PublicProducts lists the products, not archived, that have a published
// support period, by name: all of them, or those whose name or model
// number contains query (ignoring the case of ASCII letters) or that carry
// it as an identifier (a GTIN, exactly).
func (db *DB) PublicProducts(ctx context.Context, query string, limit int) ([]*product.Product, error) {
	limit, _ = listArgs(product.Filter{Limit: limit})
	query = strings.TrimSpace(query)
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(asciiLower(query)) + "%"
	rows, err := db.ro.QueryContext(ctx, `SELECT `+productCols+` FROM products
		WHERE archived_at IS NULL AND EXISTS (SELECT 1 FROM support_periods s WHERE s.product_id = products.id AND s.status = 'published')
			AND ($1 = '' OR `+db.dialect.Fold("name")+` LIKE $2 ESCAPE '\' OR `+db.dialect.Fold("model_number")+` LIKE $2 ESCAPE '\'
				OR EXISTS (SELECT 1 FROM product_identifiers i WHERE i.product_id = products.id AND i.value = $1))
		ORDER BY lower(name), id LIMIT $3`, query, like, limit)
	ps, err := collect(rows, err, "products", scanProduct)
	if err != nil {
		return nil, err
	}
	return ps, db.productLinks(ctx, db.ro, ps)
}

// asciiLower lowers the case of ASCII letters only, as Fold does.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// CreatePeriod adds a draft support period to a product.
func (db *DB) CreatePeriod(ctx context.Context, a psti.Actor, p *support.Period) error {
	p.Status = support.StatusDraft
	if p.Models == nil {
		p.Models = []string{}
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := parent(ctx, tx, "products", "product_id", "product", p.ProductID); err != nil {
			return nil, err
		}
		p.Revision, p.CreatedAt, p.UpdatedAt, p.FirstPublishedAt, p.LogIndex, p.Extensions = 1, now, now, nil, nil, []support.Extension{}
		err := tx.QueryRowContext(ctx, `INSERT INTO support_periods (revision, created_at, updated_at, product_id, models, end_date, notes, status)
			VALUES (1, $1, $1, $2, $3, $4, $5, 'draft') RETURNING id`, now, p.ProductID, modelsJSON(p.Models), p.EndDate, p.Notes).Scan(&p.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to create a support period: %w", err)
		}
		return &change{psti.ActionCreate, "support_period", p.ID, nil, p}, nil
	})
}

// UpdatePeriod changes a period as support.CheckEdit allows.
func (db *DB) UpdatePeriod(ctx context.Context, a psti.Actor, p *support.Period) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := db.period(ctx, tx, p.ID, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		next, err := support.CheckEdit(before, p, now)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE support_periods SET revision = $1, updated_at = $2, models = $3, end_date = $4, notes = $5 WHERE id = $6`,
			next.Revision, now, modelsJSON(next.Models), next.EndDate, next.Notes, p.ID); err != nil {
			return nil, fmt.Errorf("store: unable to update support period %d: %w", p.ID, err)
		}
		*p = *next
		return &change{psti.ActionUpdate, "support_period", p.ID, before, p}, nil
	})
}

// DeletePeriod removes a draft.
func (db *DB) DeletePeriod(ctx context.Context, a psti.Actor, id int64) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := db.period(ctx, tx, id, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if err := support.CheckDelete(before); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM support_periods WHERE id = $1`, id); err != nil {
			return nil, fmt.Errorf("store: unable to delete support period %d: %w", id, err)
		}
		return &change{psti.ActionDelete, "support_period", id, before, nil}, nil
	})
}

// PublishPeriod publishes a draft, and commits it to the transparency log
// in the same transaction.
func (db *DB) PublishPeriod(ctx context.Context, a psti.Actor, id, revision int64) (*support.Period, error) {
	var p *support.Period
	err := db.publish(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		var err error
		if p, err = db.period(ctx, tx, id, db.dialect.forUpdate); err != nil {
			return nil, err
		}
		if revision != 0 && revision != p.Revision {
			return nil, psti.Errorf(psti.ECONFLICT, "This support period was changed by someone else after you opened it (your copy is revision %d, the current one is %d). Look at it again before publishing it.", revision, p.Revision)
		}
		if err := support.Publish(p, now); err != nil {
			return nil, err
		}
		rec, err := db.supportRecord(ctx, tx, p)
		if err != nil {
			return nil, err
		}
		if p.LogIndex, err = db.logSupport(ctx, tx, rec, now); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE support_periods SET revision = $1, updated_at = $2, status = 'published', first_published_at = $2, log_index = $3 WHERE id = $4`,
			p.Revision, now, p.LogIndex, id); err != nil {
			return nil, fmt.Errorf("store: unable to publish support period %d: %w", id, err)
		}
		return &change{psti.ActionPublish, "support_period", id, nil, p}, nil
	})
	return p, err
}

// ExtendPeriod moves a published period's end date later, records the
// extension, and commits it to the transparency log, in one transaction.
func (db *DB) ExtendPeriod(ctx context.Context, a psti.Actor, id int64, endDate, reason string) (*support.Period, error) {
	var p *support.Period
	err := db.publish(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		var err error
		if p, err = db.period(ctx, tx, id, db.dialect.forUpdate); err != nil {
			return nil, err
		}
		before := *p
		e, err := support.Extend(p, endDate, reason, now)
		if err != nil {
			return nil, err
		}
		rec, err := db.supportRecord(ctx, tx, p)
		if err != nil {
			return nil, err
		}
		rec.PreviousEndDate, rec.Reason = e.PreviousEndDate, e.Reason
		index, err := db.logSupport(ctx, tx, rec, now)
		if err != nil {
			return nil, err
		}
		p.Extensions[len(p.Extensions)-1].LogIndex = index
		if _, err := tx.ExecContext(ctx, `UPDATE support_periods SET revision = $1, updated_at = $2, end_date = $3 WHERE id = $4`,
			p.Revision, now, p.EndDate, id); err != nil {
			return nil, fmt.Errorf("store: unable to extend support period %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO support_period_extensions (period_id, at, old_end_date, new_end_date, reason, log_index)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, now, e.PreviousEndDate, e.EndDate, e.Reason, index); err != nil {
			return nil, fmt.Errorf("store: unable to record the extension of support period %d: %w", id, err)
		}
		type extension struct {
			EndDate string `json:"end_date"`
			Reason  string `json:"reason,omitempty"`
		}
		return &change{psti.ActionExtend, "support_period", id, extension{before.EndDate, ""}, extension{e.EndDate, e.Reason}}, nil
	})
	return p, err
}

// supportRecord is what the log commits to for period p as it now stands.
func (db *DB) supportRecord(ctx context.Context, tx *sql.Tx, p *support.Period) (support.Record, error) {
	r := support.Record{PeriodID: p.ID, Models: p.Models, EndDate: p.EndDate}
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(p.slug, ''), p.name, p.model_number, b.name FROM products p JOIN brands b ON b.id = p.brand_id WHERE p.id = $1`,
		p.ProductID).Scan(&r.Product, &r.ProductName, &r.Model, &r.Brand)
	if err != nil {
		return r, fmt.Errorf("store: unable to read product %d for the log: %w", p.ProductID, err)
	}
	return r, nil
}

// logSupport commits a support period's record to the transparency log,
// in tx, and returns the entry's index: the one place publishing and
// extending reach the log.
func (db *DB) logSupport(ctx context.Context, tx *sql.Tx, r support.Record, at time.Time) (*int64, error) {
	e, err := support.Entry(r, at)
	if err != nil {
		return nil, err
	}
	index, err := db.appendLog(ctx, tx, e)
	if err != nil {
		return nil, err
	}
	return &index, nil
}
