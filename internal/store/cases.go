package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/psti/psti/internal/cases"
	"github.com/psti/psti/internal/catalog"
	"github.com/psti/psti/internal/mail"
	"github.com/psti/psti/internal/psti"
)

// Compliance cases (package cases, migration 00021). Records, notices
// from the authority, the timeline and sent notices are kept as written:
// the database refuses to change or delete them on both back ends.

func caseMails(ms []cases.Mail) []mail.Message {
	out := make([]mail.Message, len(ms))
	for i, m := range ms {
		out[i] = mail.Message{To: m.To, Subject: m.Subject, Text: m.Text, Kind: m.Kind, Ref: m.Ref}
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ---- parties and chains ----

const partyCols = `id, revision, created_at, updated_at, archived_at, organisation_id, kind, name, email, address`

func scanParty(row interface{ Scan(...any) error }) (*cases.Party, error) {
	p := &cases.Party{}
	err := row.Scan(&p.ID, &p.Revision, utc(&p.CreatedAt), utc(&p.UpdatedAt), utcPtr(&p.ArchivedAt), &p.OrganisationID, &p.Kind, &p.Name, &p.Email, &p.Address)
	return p, err
}

// Parties lists an organisation's parties (0: every one's), by name.
func (db *DB) Parties(ctx context.Context, orgID int64) ([]*cases.Party, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+partyCols+` FROM parties WHERE (CAST($1 AS BIGINT) = 0 OR organisation_id = CAST($1 AS BIGINT)) ORDER BY organisation_id, name, id LIMIT 1000`, orgID)
	return collect(rows, err, "parties", scanParty)
}

// Party returns one party.
func (db *DB) Party(ctx context.Context, id int64) (*cases.Party, error) {
	p, err := scanParty(db.ro.QueryRowContext(ctx, `SELECT `+partyCols+` FROM parties WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.NotFound("party", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read party %d: %w", id, err)
	}
	return p, nil
}

// SaveParty creates (ID 0) or updates a party, checking its revision.
func (db *DB) SaveParty(ctx context.Context, a psti.Actor, p *cases.Party) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if p.ID == 0 {
			if err := parent(ctx, tx, "organisations", "organisation_id", "organisation", p.OrganisationID); err != nil {
				return nil, err
			}
			p.Revision, p.CreatedAt, p.UpdatedAt = 1, now, now
			err := tx.QueryRowContext(ctx, `INSERT INTO parties (organisation_id, kind, name, email, address, revision, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING id`, p.OrganisationID, p.Kind, p.Name, p.Email, p.Address, now).Scan(&p.ID)
			if err != nil {
				return nil, fmt.Errorf("store: unable to add a party: %w", err)
			}
			return &change{psti.ActionCreate, "party", p.ID, nil, p}, nil
		}
		before, err := scanParty(tx.QueryRowContext(ctx, `SELECT `+partyCols+` FROM parties WHERE id = $1`, p.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, psti.NotFound("party", p.ID)
		}
		if err != nil {
			return nil, fmt.Errorf("store: unable to read party %d: %w", p.ID, err)
		}
		if before.Revision != p.Revision {
			return nil, psti.Errorf(psti.ECONFLICT, "Someone else changed this party after you opened it. Look at it again, then make your change.")
		}
		p.OrganisationID, p.CreatedAt, p.UpdatedAt, p.Revision = before.OrganisationID, before.CreatedAt, now, before.Revision+1
		if _, err := tx.ExecContext(ctx, `UPDATE parties SET kind = $1, name = $2, email = $3, address = $4, revision = $5, updated_at = $6 WHERE id = $7`,
			p.Kind, p.Name, p.Email, p.Address, p.Revision, now, p.ID); err != nil {
			return nil, fmt.Errorf("store: unable to save party %d: %w", p.ID, err)
		}
		return &change{psti.ActionUpdate, "party", p.ID, before, p}, nil
	})
}

// Chain returns what is recorded of a product's chain (empty if nothing).
func (db *DB) Chain(ctx context.Context, productID int64) (*cases.Chain, error) {
	c := &cases.Chain{ProductID: productID, Roles: []string{}, Links: []cases.Link{}}
	rows, err := db.ro.QueryContext(ctx, `SELECT role FROM product_roles WHERE product_id = $1 ORDER BY role`, productID)
	roles, err := collect(rows, err, "product roles", func(r interface{ Scan(...any) error }) (string, error) {
		var s string
		return s, r.Scan(&s)
	})
	if err != nil {
		return nil, err
	}
	c.Roles = roles
	rows, err = db.ro.QueryContext(ctx, `SELECT party_id, relation FROM product_chain WHERE product_id = $1 ORDER BY relation, party_id`, productID)
	links, err := collect(rows, err, "product chain", func(r interface{ Scan(...any) error }) (cases.Link, error) {
		var l cases.Link
		return l, r.Scan(&l.PartyID, &l.Relation)
	})
	if err != nil {
		return nil, err
	}
	c.Links = links
	return c, nil
}

// SaveChain replaces a product's roles and links. Every party must belong
// to the product's organisation.
func (db *DB) SaveChain(ctx context.Context, a psti.Actor, c *cases.Chain) error {
	if err := c.Validate(); err != nil {
		return err
	}
	before, err := db.Chain(ctx, c.ProductID)
	if err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		var org int64
		err := tx.QueryRowContext(ctx, `SELECT b.organisation_id FROM products p JOIN brands b ON b.id = p.brand_id WHERE p.id = $1`, c.ProductID).Scan(&org)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, psti.NotFound("product", c.ProductID)
		}
		if err != nil {
			return nil, fmt.Errorf("store: unable to read product %d: %w", c.ProductID, err)
		}
		for _, l := range c.Links {
			var porg int64
			err := tx.QueryRowContext(ctx, `SELECT organisation_id FROM parties WHERE id = $1`, l.PartyID).Scan(&porg)
			if err != nil || porg != org {
				return nil, psti.FieldErrorf(psti.EINVALID, "links", "Party %d is not one of this organisation's parties.", l.PartyID)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM product_roles WHERE product_id = $1`, c.ProductID); err != nil {
			return nil, fmt.Errorf("store: unable to save roles: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM product_chain WHERE product_id = $1`, c.ProductID); err != nil {
			return nil, fmt.Errorf("store: unable to save the chain: %w", err)
		}
		seen := map[string]bool{}
		for _, r := range c.Roles {
			if seen["role "+r] {
				continue
			}
			seen["role "+r] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO product_roles (product_id, role) VALUES ($1, $2)`, c.ProductID, r); err != nil {
				return nil, fmt.Errorf("store: unable to save roles: %w", err)
			}
		}
		for _, l := range c.Links {
			k := fmt.Sprintf("%d %s", l.PartyID, l.Relation)
			if seen[k] {
				continue
			}
			seen[k] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO product_chain (product_id, party_id, relation) VALUES ($1, $2, $3)`, c.ProductID, l.PartyID, l.Relation); err != nil {
				return nil, fmt.Errorf("store: unable to save the chain: %w", err)
			}
		}
		return &change{psti.ActionUpdate, "product_chain", c.ProductID, before, c}, nil
	})
}

// ---- cases ----

const caseCols = `id, revision, organisation_id, title, requirement_id, source, report_id, source_note, status, facts, rules_version,
	details, risks, steps, steps_worked, opened_at, opened_by, updated_at, closed_at`

func scanCase(row interface{ Scan(...any) error }) (*cases.Case, error) {
	c := &cases.Case{}
	var report sql.NullInt64
	var facts string
	err := row.Scan(&c.ID, &c.Revision, &c.OrganisationID, &c.Title, &c.RequirementID, &c.Source, &report, &c.SourceNote, &c.Status, &facts, &c.RulesVersion,
		&c.Details, &c.Risks, &c.Steps, &c.StepsWorked, utc(&c.OpenedAt), &c.OpenedBy, utc(&c.UpdatedAt), utcPtr(&c.ClosedAt))
	if err != nil {
		return nil, err
	}
	c.ReportID = report.Int64
	m := map[string]any{}
	if err := json.Unmarshal([]byte(facts), &m); err != nil {
		return nil, fmt.Errorf("store: the facts of case %d cannot be read: %w", c.ID, err)
	}
	c.Facts = catalog.Values(m)
	return c, nil
}

const dutyCols = `duty_key, duty, section, timing, to_text, state, needs_review, review, why, listed_at, firm_at, target_at, done_at, done_by, note`

func scanDuty(row interface{ Scan(...any) error }) (*cases.CaseDuty, error) {
	d := &cases.CaseDuty{}
	var review string
	var needs int
	err := row.Scan(&d.Key, &d.Duty, &d.Section, &d.Timing, &d.To, &d.State, &needs, &review, &d.Why, utc(&d.ListedAt), utcPtr(&d.FirmAt), utcPtr(&d.TargetAt), utcPtr(&d.DoneAt), &d.DoneBy, &d.Note)
	if err != nil {
		return nil, err
	}
	d.NeedsReview = needs != 0
	if review != "" {
		d.Review = strings.Split(review, "\n")
	}
	return d, nil
}

// caseParts reads the items and duties of the cases of a list, two
// queries for the whole list.
func (db *DB) caseParts(ctx context.Context, list []*cases.Case) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[int64]*cases.Case, len(list))
	ids := make([]any, len(list))
	for i, c := range list {
		c.Items, c.Duties = []cases.Item{}, []*cases.CaseDuty{}
		byID[c.ID], ids[i] = c, c.ID
	}
	in := placeholders(1, len(ids))
	rows, err := db.ro.QueryContext(ctx, `SELECT case_id, product_id, batch_id FROM case_items WHERE case_id IN (`+in+`) ORDER BY case_id, id`, ids...)
	_, err = collect(rows, err, "case items", func(r interface{ Scan(...any) error }) (struct{}, error) {
		var caseID int64
		var it cases.Item
		var b sql.NullInt64
		if err := r.Scan(&caseID, &it.ProductID, &b); err != nil {
			return struct{}{}, err
		}
		it.BatchID = b.Int64
		byID[caseID].Items = append(byID[caseID].Items, it)
		return struct{}{}, nil
	})
	if err != nil {
		return err
	}
	rows, err = db.ro.QueryContext(ctx, `SELECT case_id, `+dutyCols+` FROM case_duties WHERE case_id IN (`+in+`) ORDER BY case_id, ord`, ids...)
	_, err = collect(rows, err, "case duties", func(r interface{ Scan(...any) error }) (struct{}, error) {
		var caseID int64
		d, err := scanDuty(leading{r, []any{&caseID}})
		if err != nil {
			return struct{}{}, err
		}
		byID[caseID].Duties = append(byID[caseID].Duties, d)
		return struct{}{}, nil
	})
	return err
}

// leading scans a row's first columns into lead, and the rest into what
// the scanner it is handed to asks for: one scan function serves a table's
// columns however many a query puts before them.
type leading struct {
	row  interface{ Scan(...any) error }
	lead []any
}

func (l leading) Scan(dest ...any) error {
	return l.row.Scan(append(slices.Clip(l.lead), dest...)...)
}

// casesWithParts reads a list of cases with their items and duties.
func (db *DB) casesWithParts(ctx context.Context, rows *sql.Rows, err error) ([]*cases.Case, error) {
	list, err := collect(rows, err, "cases", scanCase)
	if err != nil {
		return nil, err
	}
	if err := db.caseParts(ctx, list); err != nil {
		return nil, err
	}
	return list, nil
}

// CreateCase stores a new case with its items, duties and first events.
func (db *DB) CreateCase(ctx context.Context, a psti.Actor, c *cases.Case, events []cases.Event) error {
	facts, err := json.Marshal(map[string]any(c.Facts))
	if err != nil {
		return fmt.Errorf("store: unable to write a case's facts: %w", err)
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		c.Revision, c.UpdatedAt = 1, now
		if c.OpenedAt.IsZero() {
			c.OpenedAt = now
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO cases (organisation_id, title, requirement_id, source, report_id, source_note, status, facts, rules_version,
			details, risks, steps, steps_worked, opened_at, opened_by, updated_at, revision)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1) RETURNING id`,
			c.OrganisationID, c.Title, c.RequirementID, c.Source, nullInt(c.ReportID), c.SourceNote, c.Status, string(facts), c.RulesVersion,
			c.Details, c.Risks, c.Steps, c.StepsWorked, c.OpenedAt, c.OpenedBy, now).Scan(&c.ID)
		if err != nil {
			if isForeignKey(err) {
				return nil, psti.Errorf(psti.EINVALID, "The case names a record that does not exist.")
			}
			if isUnique(err) {
				return nil, psti.Errorf(psti.ECONFLICT, "A case was opened from security report %d already.", c.ReportID)
			}
			return nil, fmt.Errorf("store: unable to open a case: %w", err)
		}
		for _, it := range c.Items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_items (case_id, product_id, batch_id) VALUES ($1, $2, $3)`, c.ID, it.ProductID, nullInt(it.BatchID)); err != nil {
				return nil, fmt.Errorf("store: unable to keep a case's products: %w", err)
			}
		}
		if err := writeDuties(ctx, tx, c); err != nil {
			return nil, err
		}
		if err := addCaseEvents(ctx, tx, c.ID, now, events); err != nil {
			return nil, err
		}
		return &change{psti.ActionCreate, "case", c.ID, nil, c}, nil
	})
}

// writeDuties replaces a case's duties with c.Duties, in order.
func writeDuties(ctx context.Context, tx *sql.Tx, c *cases.Case) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM case_duties WHERE case_id = $1`, c.ID); err != nil {
		return fmt.Errorf("store: unable to save a case's duties: %w", err)
	}
	for i, d := range c.Duties {
		_, err := tx.ExecContext(ctx, `INSERT INTO case_duties (case_id, duty_key, ord, duty, section, timing, to_text, state, needs_review, review, why,
			listed_at, firm_at, target_at, done_at, done_by, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			c.ID, d.Key, i, d.Duty, d.Section, d.Timing, d.To, d.State, boolInt(d.NeedsReview), strings.Join(d.Review, "\n"), d.Why,
			d.ListedAt, d.FirmAt, d.TargetAt, d.DoneAt, d.DoneBy, d.Note)
		if err != nil {
			return fmt.Errorf("store: unable to save a case's duties: %w", err)
		}
	}
	return nil
}

func addCaseEvents(ctx context.Context, tx *sql.Tx, caseID int64, now time.Time, events []cases.Event) error {
	for _, e := range events {
		at := e.At
		if at.IsZero() {
			at = now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_events (case_id, at, actor, kind, text) VALUES ($1, $2, $3, $4, $5)`,
			caseID, at.UTC(), e.Actor, e.Kind, e.Text); err != nil {
			return fmt.Errorf("store: unable to add to a case's timeline: %w", err)
		}
	}
	return nil
}

// Case returns a case with its items and duties.
func (db *DB) Case(ctx context.Context, id int64) (*cases.Case, error) {
	c, err := scanCase(db.ro.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.NotFound("case", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read case %d: %w", id, err)
	}
	if err := db.caseParts(ctx, []*cases.Case{c}); err != nil {
		return nil, err
	}
	return c, nil
}

// Cases lists cases, newest first, keyset-paged by id (f.After).
func (db *DB) Cases(ctx context.Context, f cases.Filter) ([]*cases.Case, error) {
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	q, args := casesPage(f, limit)
	rows, err := db.ro.QueryContext(ctx, q, args...)
	return db.casesWithParts(ctx, rows, err)
}

// casesPage is the query of a page of cases, newest first after f.After.
// Each condition is written only when it filters, so that a status reads
// cases_status (status, id) in order rather than every case.
func casesPage(f cases.Filter, limit int) (string, []any) {
	after := f.After
	if after <= 0 {
		after = 1 << 62
	}
	args := []any{after}
	where := `id < $1`
	if f.Status != "" {
		args = append(args, f.Status)
		where += fmt.Sprintf(` AND status = $%d`, len(args))
	}
	if f.ProductID != 0 {
		args = append(args, f.ProductID)
		where += fmt.Sprintf(` AND id IN (SELECT case_id FROM case_items WHERE product_id = $%d)`, len(args))
	}
	args = append(args, limit)
	return `SELECT ` + caseCols + ` FROM cases WHERE ` + where + fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args
}

// CasesOfReport lists the cases opened from a report, oldest first.
func (db *DB) CasesOfReport(ctx context.Context, reportID int64) ([]*cases.Case, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+caseCols+` FROM cases WHERE report_id = $1 ORDER BY id`, reportID)
	return db.casesWithParts(ctx, rows, err)
}

// SaveCase writes c as read at c.Revision with its duties and events.
func (db *DB) SaveCase(ctx context.Context, a psti.Actor, c *cases.Case, events []cases.Event) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		return db.saveCase(ctx, tx, now, c, events)
	})
}

func (db *DB) saveCase(ctx context.Context, tx *sql.Tx, now time.Time, c *cases.Case, events []cases.Event) (*change, error) {
	facts, err := json.Marshal(map[string]any(c.Facts))
	if err != nil {
		return nil, fmt.Errorf("store: unable to write a case's facts: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE cases SET title = $1, requirement_id = $2, status = $3, facts = $4, rules_version = $5, details = $6, risks = $7,
		steps = $8, steps_worked = $9, updated_at = $10, closed_at = $11, revision = revision + 1 WHERE id = $12 AND revision = $13`,
		c.Title, c.RequirementID, c.Status, string(facts), c.RulesVersion, c.Details, c.Risks, c.Steps, c.StepsWorked, now, c.ClosedAt, c.ID, c.Revision)
	if err != nil {
		return nil, fmt.Errorf("store: unable to save case %d: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, psti.Errorf(psti.ECONFLICT, "Someone changed the case since you read it. Read it again, and make your change once more.")
	}
	c.Revision++
	c.UpdatedAt = now
	if err := writeDuties(ctx, tx, c); err != nil {
		return nil, err
	}
	if err := addCaseEvents(ctx, tx, c.ID, now, events); err != nil {
		return nil, err
	}
	texts := make([]string, len(events))
	for i, e := range events {
		texts[i] = e.Text
	}
	return &change{psti.ActionUpdate, "case", c.ID, nil, map[string]any{"revision": c.Revision, "changes": texts}}, nil
}

// CaseEvents returns a case's timeline, oldest first.
func (db *DB) CaseEvents(ctx context.Context, caseID int64) ([]cases.Event, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT id, at, actor, kind, text FROM case_events WHERE case_id = $1 ORDER BY id`, caseID)
	return collect(rows, err, "case events", func(r interface{ Scan(...any) error }) (cases.Event, error) {
		var e cases.Event
		return e, r.Scan(&e.ID, utc(&e.At), &e.Actor, &e.Kind, &e.Text)
	})
}

// ---- notices ----

const noticeCols = `id, revision, case_id, duty_key, party_id, to_name, to_email, method, subject, items, state, body, created_at, created_by, sent_at, sent_by`

func scanNotice(row interface{ Scan(...any) error }) (*cases.Notice, error) {
	n := &cases.Notice{}
	var party sql.NullInt64
	var items string
	err := row.Scan(&n.ID, &n.Revision, &n.CaseID, &n.DutyKey, &party, &n.ToName, &n.ToEmail, &n.Method, &n.Subject, &items, &n.State, &n.Body,
		utc(&n.CreatedAt), &n.CreatedBy, utcPtr(&n.SentAt), &n.SentBy)
	if err != nil {
		return nil, err
	}
	n.PartyID = party.Int64
	if err := json.Unmarshal([]byte(items), &n.Items); err != nil {
		return nil, fmt.Errorf("store: notice %d cannot be read: %w", n.ID, err)
	}
	return n, nil
}

// Notices lists a case's notices, oldest first.
func (db *DB) Notices(ctx context.Context, caseID int64) ([]*cases.Notice, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+noticeCols+` FROM case_notices WHERE case_id = $1 ORDER BY id`, caseID)
	return collect(rows, err, "notices", scanNotice)
}

// Notice returns one notice.
func (db *DB) Notice(ctx context.Context, id int64) (*cases.Notice, error) {
	n, err := scanNotice(db.ro.QueryRowContext(ctx, `SELECT `+noticeCols+` FROM case_notices WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.NotFound("notice", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read notice %d: %w", id, err)
	}
	return n, nil
}

// SaveNotice creates or updates a draft notice.
func (db *DB) SaveNotice(ctx context.Context, a psti.Actor, n *cases.Notice) error {
	items, err := json.Marshal(n.Items)
	if err != nil {
		return fmt.Errorf("store: unable to write a notice: %w", err)
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if n.ID == 0 {
			n.Revision, n.CreatedAt, n.State = 1, now, cases.NoticeDraft
			err := tx.QueryRowContext(ctx, `INSERT INTO case_notices (case_id, duty_key, party_id, to_name, to_email, method, subject, items, state, created_at, created_by, revision)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, 1) RETURNING id`,
				n.CaseID, n.DutyKey, nullInt(n.PartyID), n.ToName, n.ToEmail, n.Method, n.Subject, string(items), now, n.CreatedBy).Scan(&n.ID)
			if err != nil {
				return nil, fmt.Errorf("store: unable to keep a draft notice: %w", err)
			}
			return &change{psti.ActionCreate, "notice", n.ID, nil, n}, nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE case_notices SET to_name = $1, to_email = $2, method = $3, subject = $4, items = $5, revision = revision + 1
			WHERE id = $6 AND revision = $7 AND state = 'draft'`, n.ToName, n.ToEmail, n.Method, n.Subject, string(items), n.ID, n.Revision)
		if err != nil {
			return nil, fmt.Errorf("store: unable to save notice %d: %w", n.ID, err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return nil, psti.Errorf(psti.ECONFLICT, "The notice changed or was sent since you read it. Read it again.")
		}
		n.Revision++
		return &change{psti.ActionUpdate, "notice", n.ID, nil, n}, nil
	})
}

// SendNotice marks a draft sent with its exact text, queues its mail and
// saves the case, in one transaction.
func (db *DB) SendNotice(ctx context.Context, a psti.Actor, n *cases.Notice, c *cases.Case, events []cases.Event, ms ...cases.Mail) error {
	items, err := json.Marshal(n.Items)
	if err != nil {
		return fmt.Errorf("store: unable to write a notice: %w", err)
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		res, err := tx.ExecContext(ctx, `UPDATE case_notices SET state = 'sent', body = $1, items = $2, sent_at = $3, sent_by = $4, revision = revision + 1
			WHERE id = $5 AND revision = $6 AND state = 'draft'`, n.Body, string(items), n.SentAt, n.SentBy, n.ID, n.Revision)
		if err != nil {
			return nil, fmt.Errorf("store: unable to send notice %d: %w", n.ID, err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return nil, psti.Errorf(psti.ECONFLICT, "The notice changed or was sent since you read it. Read it again.")
		}
		n.Revision++
		if _, err := db.saveCase(ctx, tx, now, c, events); err != nil {
			return nil, err
		}
		if err := db.enqueueMail(ctx, tx, now, caseMails(ms)...); err != nil {
			return nil, err
		}
		return &change{psti.ActionPublish, "notice", n.ID, nil, map[string]any{"to": n.ToName, "email": n.ToEmail, "method": n.Method, "subject": n.Subject, "body": n.Body}}, nil
	})
}

// ---- holds ----

const holdCols = `id, organisation_id, product_id, batch_id, case_id, reason, placed_at, placed_by, lifted_at, lifted_by, lift_reason`

func scanHold(row interface{ Scan(...any) error }) (*cases.Hold, error) {
	h := &cases.Hold{}
	var batch, cs sql.NullInt64
	err := row.Scan(&h.ID, &h.OrganisationID, &h.ProductID, &batch, &cs, &h.Reason, utc(&h.PlacedAt), &h.PlacedBy, utcPtr(&h.LiftedAt), &h.LiftedBy, &h.LiftReason)
	h.BatchID, h.CaseID = batch.Int64, cs.Int64
	return h, err
}

// Holds lists holds, newest first.
func (db *DB) Holds(ctx context.Context, f cases.HoldFilter) ([]*cases.Hold, error) {
	q := `SELECT ` + holdCols + ` FROM product_holds WHERE (CAST($1 AS BIGINT) = 0 OR organisation_id = CAST($1 AS BIGINT)) AND (CAST($2 AS BIGINT) = 0 OR product_id = CAST($2 AS BIGINT)) AND (CAST($3 AS BIGINT) = 0 OR case_id = CAST($3 AS BIGINT))`
	if !f.All {
		q += ` AND lifted_at IS NULL`
	}
	rows, err := db.ro.QueryContext(ctx, q+` ORDER BY id DESC LIMIT 1000`, f.OrganisationID, f.ProductID, f.CaseID)
	return collect(rows, err, "holds", scanHold)
}

// Hold returns one hold.
func (db *DB) Hold(ctx context.Context, id int64) (*cases.Hold, error) {
	h, err := scanHold(db.ro.QueryRowContext(ctx, `SELECT `+holdCols+` FROM product_holds WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.NotFound("hold", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read hold %d: %w", id, err)
	}
	return h, nil
}

// PlaceHold keeps a hold, with its event on the case.
func (db *DB) PlaceHold(ctx context.Context, a psti.Actor, h *cases.Hold, e *cases.Event) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		h.PlacedAt = now
		err := tx.QueryRowContext(ctx, `INSERT INTO product_holds (organisation_id, product_id, batch_id, case_id, reason, placed_at, placed_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, h.OrganisationID, h.ProductID, nullInt(h.BatchID), nullInt(h.CaseID), h.Reason, now, h.PlacedBy).Scan(&h.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to hold supply: %w", err)
		}
		if e != nil && h.CaseID != 0 {
			if err := addCaseEvents(ctx, tx, h.CaseID, now, []cases.Event{*e}); err != nil {
				return nil, err
			}
		}
		return &change{psti.ActionCreate, "hold", h.ID, nil, h}, nil
	})
}

// LiftHold lifts a hold, once.
func (db *DB) LiftHold(ctx context.Context, a psti.Actor, h *cases.Hold, e *cases.Event) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		res, err := tx.ExecContext(ctx, `UPDATE product_holds SET lifted_at = $1, lifted_by = $2, lift_reason = $3 WHERE id = $4 AND lifted_at IS NULL`,
			now, h.LiftedBy, h.LiftReason, h.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to lift hold %d: %w", h.ID, err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return nil, psti.Errorf(psti.ECONFLICT, "The hold was lifted already.")
		}
		h.LiftedAt = &now
		if e != nil && h.CaseID != 0 {
			if err := addCaseEvents(ctx, tx, h.CaseID, now, []cases.Event{*e}); err != nil {
				return nil, err
			}
		}
		return &change{psti.ActionUpdate, "hold", h.ID, nil, h}, nil
	})
}

// ---- records ----

const complianceRecordCols = `id, organisation_id, case_id, kind, section, version, corrects, why, products, outcome, failure_found, failure_details,
	remedial_steps, remedy_succeeded, missing_facts, steps_to_obtain, joint_with, made_at, made_by, keep_until`

func scanRecord(row interface{ Scan(...any) error }) (*cases.Record, error) {
	r := &cases.Record{}
	var cs, corrects sql.NullInt64
	var found int
	err := row.Scan(&r.ID, &r.OrganisationID, &cs, &r.Kind, &r.Section, &r.Version, &corrects, &r.Why, &r.Products, &r.Outcome, &found, &r.FailureDetails,
		&r.RemedialSteps, &r.RemedySucceeded, &r.MissingFacts, &r.StepsToObtain, &r.JointWith, utc(&r.MadeAt), &r.MadeBy, &r.KeepUntil)
	r.CaseID, r.Corrects, r.FailureFound = cs.Int64, corrects.Int64, found != 0
	return r, err
}

// AddRecords keeps records, saving the case (if any) in the same
// transaction. A correction of a record corrected before is ECONFLICT.
func (db *DB) AddRecords(ctx context.Context, a psti.Actor, rs []*cases.Record, c *cases.Case, events []cases.Event) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		ids := []int64{}
		for _, r := range rs {
			r.MadeAt = now
			err := tx.QueryRowContext(ctx, `INSERT INTO compliance_records (organisation_id, case_id, kind, section, version, corrects, why, products, outcome,
				failure_found, failure_details, remedial_steps, remedy_succeeded, missing_facts, steps_to_obtain, joint_with, made_at, made_by, keep_until)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id`,
				r.OrganisationID, nullInt(r.CaseID), r.Kind, r.Section, r.Version, nullInt(r.Corrects), r.Why, r.Products, r.Outcome,
				boolInt(r.FailureFound), r.FailureDetails, r.RemedialSteps, r.RemedySucceeded, r.MissingFacts, r.StepsToObtain, r.JointWith, now, r.MadeBy, r.KeepUntil).Scan(&r.ID)
			if err != nil {
				if isUnique(err) {
					return nil, psti.Errorf(psti.ECONFLICT, "Record %d has been corrected already: correct its newest version.", r.Corrects)
				}
				return nil, fmt.Errorf("store: unable to make a record: %w", err)
			}
			ids = append(ids, r.ID)
		}
		if c != nil {
			if _, err := db.saveCase(ctx, tx, now, c, events); err != nil {
				return nil, err
			}
		}
		return &change{psti.ActionCreate, "compliance_record", firstID(ids), nil, rs}, nil
	})
}

func firstID(ids []int64) int64 {
	if len(ids) == 0 {
		return 0
	}
	return ids[0]
}

// Record returns one record.
func (db *DB) Record(ctx context.Context, id int64) (*cases.Record, error) {
	r, err := scanRecord(db.ro.QueryRowContext(ctx, `SELECT `+complianceRecordCols+` FROM compliance_records WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.NotFound("record", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read record %d: %w", id, err)
	}
	return r, nil
}

// Records lists records, newest first, keyset-paged by id (f.After).
func (db *DB) Records(ctx context.Context, f cases.RecordFilter) ([]*cases.Record, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q, args := recordsPage(f, limit)
	rows, err := db.ro.QueryContext(ctx, q, args...)
	return collect(rows, err, "records", scanRecord)
}

// recordsPage is the query of a page of records, newest first after
// f.After, reading compliance_records_case or _organisation in id order
// when it filters by them.
func recordsPage(f cases.RecordFilter, limit int) (string, []any) {
	after := f.After
	if after <= 0 {
		after = 1 << 62
	}
	args := []any{after}
	where := `id < $1`
	if f.OrganisationID != 0 {
		args = append(args, f.OrganisationID)
		where += fmt.Sprintf(` AND organisation_id = $%d`, len(args))
	}
	if f.CaseID != 0 {
		args = append(args, f.CaseID)
		where += fmt.Sprintf(` AND case_id = $%d`, len(args))
	}
	args = append(args, limit)
	return `SELECT ` + complianceRecordCols + ` FROM compliance_records WHERE ` + where + fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args
}

// ---- notices from the authority ----

const authorityCols = `id, organisation_id, case_id, kind, reference, electronic, sent_at, given_at, act_by, note, recorded_at, recorded_by`

func scanAuthority(row interface{ Scan(...any) error }) (*cases.AuthorityNotice, error) {
	n := &cases.AuthorityNotice{}
	var cs sql.NullInt64
	var el int
	err := row.Scan(&n.ID, &n.OrganisationID, &cs, &n.Kind, &n.Reference, &el, utc(&n.SentAt), utc(&n.GivenAt), &n.ActBy, &n.Note, utc(&n.RecordedAt), &n.RecordedBy)
	n.CaseID, n.Electronic = cs.Int64, el != 0
	return n, err
}

// AddAuthorityNotice keeps a notice from the authority, with its event.
func (db *DB) AddAuthorityNotice(ctx context.Context, a psti.Actor, n *cases.AuthorityNotice, e *cases.Event) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		n.RecordedAt = now
		err := tx.QueryRowContext(ctx, `INSERT INTO authority_notices (organisation_id, case_id, kind, reference, electronic, sent_at, given_at, act_by, note, recorded_at, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			n.OrganisationID, nullInt(n.CaseID), n.Kind, n.Reference, boolInt(n.Electronic), n.SentAt, n.GivenAt, n.ActBy, n.Note, now, n.RecordedBy).Scan(&n.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to keep a notice from the authority: %w", err)
		}
		if e != nil && n.CaseID != 0 {
			if err := addCaseEvents(ctx, tx, n.CaseID, now, []cases.Event{*e}); err != nil {
				return nil, err
			}
		}
		return &change{psti.ActionCreate, "authority_notice", n.ID, nil, n}, nil
	})
}

// AuthorityNotices lists notices from the authority, newest first.
func (db *DB) AuthorityNotices(ctx context.Context, f cases.AuthorityFilter) ([]*cases.AuthorityNotice, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.ro.QueryContext(ctx, `SELECT `+authorityCols+` FROM authority_notices WHERE (CAST($1 AS BIGINT) = 0 OR organisation_id = CAST($1 AS BIGINT)) AND (CAST($2 AS BIGINT) = 0 OR case_id = CAST($2 AS BIGINT))
		ORDER BY id DESC LIMIT $3`, f.OrganisationID, f.CaseID, limit)
	return collect(rows, err, "notices from the authority", scanAuthority)
}

// AuthorityNotice returns one.
func (db *DB) AuthorityNotice(ctx context.Context, id int64) (*cases.AuthorityNotice, error) {
	n, err := scanAuthority(db.ro.QueryRowContext(ctx, `SELECT `+authorityCols+` FROM authority_notices WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.NotFound("notice from the authority", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read notice %d: %w", id, err)
	}
	return n, nil
}

// ---- targets and alerts ----

// Targets returns an organisation's own targets by duty.
func (db *DB) Targets(ctx context.Context, orgID int64) (map[string]int, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT duty, working_days FROM duty_targets WHERE organisation_id = $1`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read targets: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var d string
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			return nil, fmt.Errorf("store: unable to read targets: %w", err)
		}
		out[d] = n
	}
	return out, closeRows(rows)
}

// SaveTargets replaces the targets given (others stay).
func (db *DB) SaveTargets(ctx context.Context, a psti.Actor, orgID int64, t map[string]int) error {
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		for d, n := range t {
			if _, err := tx.ExecContext(ctx, `INSERT INTO duty_targets (organisation_id, duty, working_days) VALUES ($1, $2, $3)
				ON CONFLICT (organisation_id, duty) DO UPDATE SET working_days = excluded.working_days`, orgID, d, n); err != nil {
				if isForeignKey(err) {
					return nil, psti.NotFound("organisation", orgID)
				}
				return nil, fmt.Errorf("store: unable to save targets: %w", err)
			}
		}
		return &change{psti.ActionUpdate, "duty_targets", orgID, nil, t}, nil
	})
}

// OverdueDuties lists open firm duties of open cases past their target
// not yet alerted (the alert key is cases.DutyAlertKey's).
func (db *DB) OverdueDuties(ctx context.Context, now time.Time, limit int) ([]cases.OverdueDuty, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.ro.QueryContext(ctx, `SELECT c.id, c.organisation_id, c.title, `+prefixCols("d.", dutyCols)+`
		FROM case_duties d JOIN cases c ON c.id = d.case_id
		WHERE d.state = 'open' AND d.needs_review = 0 AND d.target_at IS NOT NULL AND d.target_at < $1 AND c.status = 'open'
		AND NOT EXISTS (SELECT 1 FROM case_alerts a WHERE a.alert_key = 'duty:' || CAST(c.id AS TEXT) || ':' || d.duty_key)
		ORDER BY d.target_at LIMIT $2`, now.UTC(), limit)
	return collect(rows, err, "overdue duties", func(r interface{ Scan(...any) error }) (cases.OverdueDuty, error) {
		var o cases.OverdueDuty
		d, err := scanDuty(leading{r, []any{&o.CaseID, &o.OrganisationID, &o.Title}})
		if err != nil {
			return o, err
		}
		o.Duty = *d
		o.Duty.Overdue = true
		return o, nil
	})
}

func prefixCols(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// CountOverdueDuties counts open firm duties of open cases past their target.
func (db *DB) CountOverdueDuties(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := db.ro.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_duties d JOIN cases c ON c.id = d.case_id
		WHERE d.state = 'open' AND d.needs_review = 0 AND d.target_at IS NOT NULL AND d.target_at < $1 AND c.status = 'open'`, now.UTC()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unable to count overdue duties: %w", err)
	}
	return n, nil
}

// ClaimAlert records alert key once, queueing its mail when it is claimed.
func (db *DB) ClaimAlert(ctx context.Context, key string, at time.Time, ms ...cases.Mail) (bool, error) {
	claimed := false
	err := db.write(ctx, psti.System("alerts"), func(tx *sql.Tx, now time.Time) (*change, error) {
		res, err := tx.ExecContext(ctx, `INSERT INTO case_alerts (alert_key, at) VALUES ($1, $2) ON CONFLICT (alert_key) DO NOTHING`, key, at.UTC())
		if err != nil {
			return nil, fmt.Errorf("store: unable to claim an alert: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, nil
		}
		claimed = true
		return nil, db.enqueueMail(ctx, tx, now, caseMails(ms)...)
	})
	return claimed, err
}
