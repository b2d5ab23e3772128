package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// The product register: organisations, manufacturers, brands, products,
// versions and batches. Each kind has a reader (get), a list query, and
// create/update methods that validate, check parents, write and audit in one
// transaction.

const recordCols = `id, revision, created_at, updated_at, archived_at`

func recordDest(r *psti.Record) []any {
	return []any{&r.ID, &r.Revision, utc(&r.CreatedAt), utc(&r.UpdatedAt), utcPtr(&r.ArchivedAt)}
}

func newRecord(now time.Time) psti.Record {
	return psti.Record{Revision: 1, CreatedAt: now, UpdatedAt: now}
}

// checkRevision refuses an update made against an out-of-date copy.
func checkRevision(kind string, current psti.Record, sent int64) error {
	if sent != 0 && sent != current.Revision {
		return psti.Errorf(psti.ECONFLICT, "This %s was changed by someone else after you opened it (your copy is revision %d, the current one is %d). Reload it, then make your change again.", kind, sent, current.Revision)
	}
	return nil
}

// bumped returns the bookkeeping fields after an update.
func bumped(r psti.Record, now time.Time) psti.Record {
	r.Revision++
	r.UpdatedAt = now
	return r
}

// parent checks that a record a new or changed record points at exists and
// is not archived, and says so in terms of the form field.
func parent(ctx context.Context, q querier, table, field, kind string, id int64) error {
	var archived sql.NullString
	err := q.QueryRowContext(ctx, `SELECT CASE WHEN archived_at IS NULL THEN NULL ELSE 'yes' END FROM `+table+` WHERE id = $1`, id).Scan(&archived)
	if errors.Is(err, sql.ErrNoRows) {
		return psti.FieldErrorf(psti.EINVALID, field, "There is no %s with id %d.", kind, id)
	}
	if err != nil {
		return fmt.Errorf("store: unable to check %s %d: %w", kind, id, err)
	}
	if archived.Valid {
		return psti.FieldErrorf(psti.EINVALID, field, "The %s with id %d is archived; bring it back before adding to it.", kind, id)
	}
	return nil
}

// unique turns a uniqueness violation into a conflict on a field.
func unique(err error, field, format string, args ...any) error {
	if isUnique(err) {
		return psti.FieldErrorf(psti.ECONFLICT, field, format, args...)
	}
	return err
}

func listArgs(f product.Filter) (limit, offset int) {
	limit = f.Limit
	switch {
	case limit <= 0:
		limit = 500
	case limit > product.MaxList:
		limit = product.MaxList
	}
	return limit, max(f.Offset, 0)
}

// The orders of the registry's lists; migration 00022 gives each an index
// that matches it, alone and after the parent's id.
const (
	organisationsOrder = `lower(legal_name), id`
	manufacturersOrder = `lower(name), id`
	brandsOrder        = `lower(name), id`
	productsOrder      = `lower(name), lower(model_number), id`
	versionsOrder      = `released_on DESC, id DESC`
	batchesOrder       = `first_produced DESC, id DESC`
)

// registryPage is the query of a page of a registry list: of one parent
// (parentCol = f.ParentID) when f names one, archived records left out
// unless f includes them, in order. Only the conditions that filter are
// written, so the page reads the index of its order from the start: no
// sort, and OFFSET skips only the rows of the pages before it (small
// pages near the start, as the HTML list shows).
//
// After the record f.After is the key of, the list continues in parts,
// read in turn until the page is full: the records equal to it in every
// sort column but the last and past it in that one, then those equal in
// every column but the last two and past it in the one before, and so
// on. Each part is a range of the same index after an equal prefix,
// which both back ends seek to; a row-value comparison would be one
// query, but SQLite reads it by its first column only, through every
// record that ties there (such as the batches with no production date).
func registryPage(table, cols, parentCol, order string, f product.Filter, limit, offset int) ([]string, [][]any, error) {
	var conds []string
	var args []any
	if parentCol != "" && f.ParentID != 0 {
		args = append(args, f.ParentID)
		conds = append(conds, fmt.Sprintf(`%s = $%d`, parentCol, len(args)))
	}
	if !f.IncludeArchived {
		conds = append(conds, `archived_at IS NULL`)
	}
	query := func(conds []string, args []any, order string) (string, []any) {
		where := ""
		if len(conds) > 0 {
			where = ` WHERE ` + strings.Join(conds, " AND ")
		}
		q := `SELECT ` + cols + ` FROM ` + table + where + ` ORDER BY ` + order + fmt.Sprintf(` LIMIT $%d`, len(args)+1)
		args = append(args, limit)
		if offset > 0 {
			q += fmt.Sprintf(` OFFSET $%d`, len(args)+1)
			args = append(args, offset)
		}
		return q, args
	}
	if f.After == "" {
		q, args := query(conds, args, order)
		return []string{q}, [][]any{args}, nil
	}
	if offset > 0 {
		return nil, nil, psti.FieldErrorf(psti.EINVALID, "offset", "A list continues either after a cursor or after an offset, not both.")
	}
	exprs := strings.Split(order, ", ")
	parts, id, err := psti.ParseListKeyID(f.After, len(exprs))
	if err != nil {
		return nil, nil, err
	}
	key := append(slices.Clone(args), anySlice(parts)...)
	key = append(key, id)
	var qs []string
	var as [][]any
	for last := len(exprs) - 1; last >= 0; last-- {
		c, a := slices.Clone(conds), slices.Clone(args)
		for i := 0; i <= last; i++ {
			e, desc := strings.CutSuffix(exprs[i], " DESC")
			a = append(a, key[len(args)+i])
			p := fmt.Sprintf("$%d", len(a))
			if strings.HasPrefix(e, "lower(") {
				p = "lower(" + p + ")"
			}
			op := " = "
			if i == last {
				op = map[bool]string{false: " > ", true: " < "}[desc]
			}
			c = append(c, e+op+p)
		}
		// Ordered by the columns not held equal: SQLite does not see
		// that an expression held equal leaves the order the index's.
		q, a := query(c, a, strings.Join(exprs[last:], ", "))
		qs, as = append(qs, q), append(as, a)
	}
	return qs, as, nil
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// registryList reads a page of a registry list: the parts of
// registryPage in turn, until limit records.
func registryList[T any](ctx context.Context, db *DB, qs []string, as [][]any, limit int, what string, scan func(interface{ Scan(...any) error }) (*T, error)) ([]*T, error) {
	out := []*T{}
	for i, q := range qs {
		if len(qs) > 1 {
			as[i][len(as[i])-1] = limit - len(out) // the LIMIT: the page's rest (a keyed page has no OFFSET)
		}
		rows, err := db.ro.QueryContext(ctx, q, as[i]...)
		page, err := collect(rows, err, what, scan)
		if err != nil {
			return nil, err
		}
		if out = append(out, page...); len(out) >= limit {
			break
		}
	}
	return out, nil
}

func notFound(err error, kind string, id int64) error {
	if errors.Is(err, sql.ErrNoRows) {
		return psti.NotFound(kind, id)
	}
	if err != nil {
		return fmt.Errorf("store: unable to read %s %d: %w", kind, id, err)
	}
	return nil
}

// ---- organisations ----

const organisationCols = recordCols + `, legal_name, address, website, brand_colour, logo_sha256`

func scanOrganisation(row interface{ Scan(...any) error }) (*product.Organisation, error) {
	o := &product.Organisation{}
	err := row.Scan(append(recordDest(&o.Record), &o.LegalName, &o.Address, &o.Website, &o.BrandColour, &o.LogoSHA256)...)
	return o, err
}

func (db *DB) organisation(ctx context.Context, q querier, id int64, lock string) (*product.Organisation, error) {
	o, err := scanOrganisation(q.QueryRowContext(ctx, `SELECT `+organisationCols+` FROM organisations WHERE id = $1`+lock, id))
	return o, notFound(err, "organisation", id)
}

// Organisation returns one organisation.
func (db *DB) Organisation(ctx context.Context, id int64) (*product.Organisation, error) {
	return db.organisation(ctx, db.ro, id, "")
}

// Organisations lists organisations by name.
func (db *DB) Organisations(ctx context.Context, f product.Filter) ([]*product.Organisation, error) {
	limit, offset := listArgs(f)
	qs, as, err := registryPage("organisations", organisationCols, "", organisationsOrder, f, limit, offset)
	if err != nil {
		return nil, err
	}
	return registryList(ctx, db, qs, as, limit, "organisations", scanOrganisation)
}

// CreateOrganisation adds an organisation.
func (db *DB) CreateOrganisation(ctx context.Context, a psti.Actor, o *product.Organisation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		o.Record = newRecord(now)
		err := tx.QueryRowContext(ctx, `INSERT INTO organisations (revision, created_at, updated_at, legal_name, address, website, brand_colour)
			VALUES (1, $1, $1, $2, $3, $4, $5) RETURNING id`, now, o.LegalName, o.Address, o.Website, o.BrandColour).Scan(&o.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to create organisation: %w", err)
		}
		return &change{psti.ActionCreate, string(product.KindOrganisation), o.ID, nil, o}, nil
	})
}

// UpdateOrganisation changes an organisation.
func (db *DB) UpdateOrganisation(ctx context.Context, a psti.Actor, o *product.Organisation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := db.organisation(ctx, tx, o.ID, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if err := checkRevision("organisation", before.Record, o.Revision); err != nil {
			return nil, err
		}
		o.Record = bumped(before.Record, now)
		_, err = tx.ExecContext(ctx, `UPDATE organisations SET revision = $1, updated_at = $2, legal_name = $3, address = $4, website = $5, brand_colour = $6
			WHERE id = $7`, o.Revision, now, o.LegalName, o.Address, o.Website, o.BrandColour, o.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to update organisation %d: %w", o.ID, err)
		}
		return &change{psti.ActionUpdate, string(product.KindOrganisation), o.ID, before, o}, nil
	})
}

// SetLogo gives an organisation a logo, checked with product.CheckLogo;
// nil data removes it. The audit trail keeps the logo's SHA-256.
func (db *DB) SetLogo(ctx context.Context, a psti.Actor, orgID int64, data []byte) error {
	var typ, sum string
	if data != nil {
		var err error
		if typ, err = product.CheckLogo(data); err != nil {
			return err
		}
		h := sha256.Sum256(data)
		sum = hex.EncodeToString(h[:])
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := db.organisation(ctx, tx, orgID, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if before.LogoSHA256 == sum {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE organisations SET logo = $1, logo_type = $2, logo_sha256 = $3, revision = revision + 1, updated_at = $4 WHERE id = $5`,
			data, typ, sum, now, orgID); err != nil {
			return nil, fmt.Errorf("store: unable to set the logo of organisation %d: %w", orgID, err)
		}
		type logo struct {
			LegalName string `json:"legal_name"`
			Logo      string `json:"logo_sha256,omitempty"`
		}
		return &change{psti.ActionUpdate, string(product.KindOrganisation), orgID, logo{before.LegalName, before.LogoSHA256}, logo{before.LegalName, sum}}, nil
	})
}

// Logo returns an organisation's logo and its content type; an ENOTFOUND
// error if it has none.
func (db *DB) Logo(ctx context.Context, orgID int64) (string, []byte, error) {
	var typ string
	var data []byte
	err := db.ro.QueryRowContext(ctx, `SELECT logo_type, logo FROM organisations WHERE id = $1 AND logo_sha256 <> ''`, orgID).Scan(&typ, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, psti.Errorf(psti.ENOTFOUND, "This organisation has no logo.")
	}
	if err != nil {
		return "", nil, fmt.Errorf("store: unable to read the logo of organisation %d: %w", orgID, err)
	}
	return typ, data, nil
}

// ---- manufacturers ----

const manufacturerCols = recordCols + `, name, address, website`

func scanManufacturer(row interface{ Scan(...any) error }) (*product.Manufacturer, error) {
	m := &product.Manufacturer{}
	err := row.Scan(append(recordDest(&m.Record), &m.Name, &m.Address, &m.Website)...)
	return m, err
}

func (db *DB) manufacturer(ctx context.Context, q querier, id int64, lock string) (*product.Manufacturer, error) {
	m, err := scanManufacturer(q.QueryRowContext(ctx, `SELECT `+manufacturerCols+` FROM manufacturers WHERE id = $1`+lock, id))
	return m, notFound(err, "manufacturer", id)
}

// Manufacturer returns one manufacturer.
func (db *DB) Manufacturer(ctx context.Context, id int64) (*product.Manufacturer, error) {
	return db.manufacturer(ctx, db.ro, id, "")
}

// Manufacturers lists manufacturers by name.
func (db *DB) Manufacturers(ctx context.Context, f product.Filter) ([]*product.Manufacturer, error) {
	limit, offset := listArgs(f)
	qs, as, err := registryPage("manufacturers", manufacturerCols, "", manufacturersOrder, f, limit, offset)
	if err != nil {
		return nil, err
	}
	return registryList(ctx, db, qs, as, limit, "manufacturers", scanManufacturer)
}

// CreateManufacturer adds a manufacturer.
func (db *DB) CreateManufacturer(ctx context.Context, a psti.Actor, m *product.Manufacturer) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		m.Record = newRecord(now)
		err := tx.QueryRowContext(ctx, `INSERT INTO manufacturers (revision, created_at, updated_at, name, address, website)
			VALUES (1, $1, $1, $2, $3, $4) RETURNING id`, now, m.Name, m.Address, m.Website).Scan(&m.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to create manufacturer: %w", err)
		}
		return &change{psti.ActionCreate, string(product.KindManufacturer), m.ID, nil, m}, nil
	})
}

// UpdateManufacturer changes a manufacturer.
func (db *DB) UpdateManufacturer(ctx context.Context, a psti.Actor, m *product.Manufacturer) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := db.manufacturer(ctx, tx, m.ID, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if err := checkRevision("manufacturer", before.Record, m.Revision); err != nil {
			return nil, err
		}
		m.Record = bumped(before.Record, now)
		_, err = tx.ExecContext(ctx, `UPDATE manufacturers SET revision = $1, updated_at = $2, name = $3, address = $4, website = $5
			WHERE id = $6`, m.Revision, now, m.Name, m.Address, m.Website, m.ID)
		if err != nil {
			return nil, fmt.Errorf("store: unable to update manufacturer %d: %w", m.ID, err)
		}
		return &change{psti.ActionUpdate, string(product.KindManufacturer), m.ID, before, m}, nil
	})
}

// ---- brands ----

const brandCols = recordCols + `, organisation_id, name, website`

func scanBrand(row interface{ Scan(...any) error }) (*product.Brand, error) {
	b := &product.Brand{}
	err := row.Scan(append(recordDest(&b.Record), &b.OrganisationID, &b.Name, &b.Website)...)
	return b, err
}

func (db *DB) brand(ctx context.Context, q querier, id int64, lock string) (*product.Brand, error) {
	b, err := scanBrand(q.QueryRowContext(ctx, `SELECT `+brandCols+` FROM brands WHERE id = $1`+lock, id))
	return b, notFound(err, "brand", id)
}

// Brand returns one brand.
func (db *DB) Brand(ctx context.Context, id int64) (*product.Brand, error) {
	return db.brand(ctx, db.ro, id, "")
}

// Brands lists brands by name, optionally of one organisation.
func (db *DB) Brands(ctx context.Context, f product.Filter) ([]*product.Brand, error) {
	limit, offset := listArgs(f)
	qs, as, err := registryPage("brands", brandCols, "organisation_id", brandsOrder, f, limit, offset)
	if err != nil {
		return nil, err
	}
	return registryList(ctx, db, qs, as, limit, "brands", scanBrand)
}

// CreateBrand adds a brand to an organisation.
func (db *DB) CreateBrand(ctx context.Context, a psti.Actor, b *product.Brand) error {
	if err := b.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := parent(ctx, tx, "organisations", "organisation_id", "organisation", b.OrganisationID); err != nil {
			return nil, err
		}
		b.Record = newRecord(now)
		err := tx.QueryRowContext(ctx, `INSERT INTO brands (revision, created_at, updated_at, organisation_id, name, website)
			VALUES (1, $1, $1, $2, $3, $4) RETURNING id`, now, b.OrganisationID, b.Name, b.Website).Scan(&b.ID)
		if err != nil {
			return nil, unique(err, "name", "This organisation already has a brand called %q.", b.Name)
		}
		return &change{psti.ActionCreate, string(product.KindBrand), b.ID, nil, b}, nil
	})
}

// UpdateBrand changes a brand.
func (db *DB) UpdateBrand(ctx context.Context, a psti.Actor, b *product.Brand) error {
	if err := b.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := db.brand(ctx, tx, b.ID, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if err := checkRevision("brand", before.Record, b.Revision); err != nil {
			return nil, err
		}
		if b.OrganisationID != before.OrganisationID {
			if err := parent(ctx, tx, "organisations", "organisation_id", "organisation", b.OrganisationID); err != nil {
				return nil, err
			}
		}
		b.Record = bumped(before.Record, now)
		_, err = tx.ExecContext(ctx, `UPDATE brands SET revision = $1, updated_at = $2, organisation_id = $3, name = $4, website = $5
			WHERE id = $6`, b.Revision, now, b.OrganisationID, b.Name, b.Website, b.ID)
		if err != nil {
			return nil, unique(err, "name", "This organisation already has a brand called %q.", b.Name)
		}
		return &change{psti.ActionUpdate, string(product.KindBrand), b.ID, before, b}, nil
	})
}

// ---- products ----

const productCols = recordCols + `, brand_id, name, type, model_number, hardware_version, description, COALESCE(slug, '')`

func scanProduct(row interface{ Scan(...any) error }) (*product.Product, error) {
	p := &product.Product{}
	err := row.Scan(append(recordDest(&p.Record), &p.BrandID, &p.Name, &p.Type, &p.ModelNumber, &p.HardwareVersion, &p.Description, &p.Slug)...)
	return p, err
}

// ProductBySlug returns the product whose public page is /products/{slug}.
func (db *DB) ProductBySlug(ctx context.Context, slug string) (*product.Product, error) {
	var id int64
	err := db.ro.QueryRowContext(ctx, `SELECT id FROM products WHERE slug = $1`, slug).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, psti.Errorf(psti.ENOTFOUND, "There is no product at this address.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to find a product by its slug: %w", err)
	}
	return db.Product(ctx, id)
}

// productSlug makes a new product's slug from its brand, name and model
// number, unique among all products, archived or not (see product.Slug).
func (db *DB) productSlug(ctx context.Context, q querier, p *product.Product) (string, error) {
	var brand string
	if err := q.QueryRowContext(ctx, `SELECT name FROM brands WHERE id = $1`, p.BrandID).Scan(&brand); err != nil {
		return "", fmt.Errorf("store: unable to read brand %d: %w", p.BrandID, err)
	}
	return product.Unique(product.Slug(brand, p.Name, p.ModelNumber), func(s string) (bool, error) {
		var n int
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM products WHERE slug = $1`, s).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("store: unable to check slug %q: %w", s, err)
		}
		return n > 0, nil
	})
}

// fillSlugs gives every product made before products had slugs its slug,
// oldest first, as CreateProduct would have. It runs after migrating, in
// one transaction; with nothing to do it only reads.
func (db *DB) fillSlugs(ctx context.Context) error {
	var n int
	if err := db.rw.QueryRowContext(ctx, `SELECT COUNT(*) FROM products WHERE slug IS NULL`).Scan(&n); err != nil {
		return fmt.Errorf("store: unable to look for products without a slug: %w", err)
	}
	if n == 0 {
		return nil
	}
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: unable to begin a transaction: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+productCols+` FROM products WHERE slug IS NULL ORDER BY id`)
	ps, err := collect(rows, err, "products without a slug", scanProduct)
	if err != nil {
		return err
	}
	for _, p := range ps {
		slug, err := db.productSlug(ctx, tx, p)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE products SET slug = $1 WHERE id = $2 AND slug IS NULL`, slug, p.ID); err != nil {
			return fmt.Errorf("store: unable to give product %d its slug: %w", p.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: unable to commit the products' slugs: %w", err)
	}
	return nil
}

func (db *DB) product(ctx context.Context, q querier, id int64, lock string) (*product.Product, error) {
	p, err := scanProduct(q.QueryRowContext(ctx, `SELECT `+productCols+` FROM products WHERE id = $1`+lock, id))
	if err := notFound(err, "product", id); err != nil {
		return nil, err
	}
	if err := db.productLinks(ctx, q, []*product.Product{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// productLinks fills in the manufacturers and identifiers of products, two
// queries for the whole list. The id list is padded to a power of two
// (repeating the last id), so a handful of query texts cover every list
// length and each is prepared once.
func (db *DB) productLinks(ctx context.Context, q querier, ps []*product.Product) error {
	if len(ps) == 0 {
		return nil
	}
	byID := make(map[int64]*product.Product, len(ps))
	n := 1
	for n < len(ps) {
		n *= 2
	}
	ids := make([]any, n)
	for i, p := range ps {
		byID[p.ID] = p
		ids[i] = p.ID
		p.ManufacturerIDs = []int64{}
		p.Identifiers = []product.Identifier{}
	}
	for i := len(ps); i < n; i++ {
		ids[i] = ps[len(ps)-1].ID
	}
	in := placeholders(1, len(ids))
	rows, err := q.QueryContext(ctx, `SELECT product_id, manufacturer_id FROM product_manufacturers
		WHERE product_id IN (`+in+`) ORDER BY product_id, position`, ids...)
	if err != nil {
		return fmt.Errorf("store: unable to read product manufacturers: %w", err)
	}
	for rows.Next() {
		var pid, mid int64
		if err := rows.Scan(&pid, &mid); err != nil {
			rows.Close()
			return fmt.Errorf("store: unable to read product manufacturers: %w", err)
		}
		byID[pid].ManufacturerIDs = append(byID[pid].ManufacturerIDs, mid)
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT product_id, scheme, value FROM product_identifiers
		WHERE product_id IN (`+in+`) ORDER BY product_id, position`, ids...)
	if err != nil {
		return fmt.Errorf("store: unable to read product identifiers: %w", err)
	}
	for rows.Next() {
		var pid int64
		var id product.Identifier
		if err := rows.Scan(&pid, &id.Scheme, &id.Value); err != nil {
			rows.Close()
			return fmt.Errorf("store: unable to read product identifiers: %w", err)
		}
		byID[pid].Identifiers = append(byID[pid].Identifiers, id)
	}
	return closeRows(rows)
}

// Product returns one product with its manufacturers and identifiers.
func (db *DB) Product(ctx context.Context, id int64) (*product.Product, error) {
	return db.product(ctx, db.ro, id, "")
}

// Products lists products by name, optionally of one brand.
func (db *DB) Products(ctx context.Context, f product.Filter) ([]*product.Product, error) {
	limit, offset := listArgs(f)
	qs, as, err := registryPage("products", productCols, "brand_id", productsOrder, f, limit, offset)
	if err != nil {
		return nil, err
	}
	ps, err := registryList(ctx, db, qs, as, limit, "products", scanProduct)
	if err != nil {
		return nil, err
	}
	return ps, db.productLinks(ctx, db.ro, ps)
}

// writeProductLinks replaces a product's manufacturer and identifier rows.
// A manufacturer newly named must exist and not be archived; one already
// named stays, archived or not, so editing an old product never fails on
// history.
func (db *DB) writeProductLinks(ctx context.Context, tx *sql.Tx, p *product.Product, before []int64) error {
	for i, id := range p.Identifiers {
		if id.Scheme != product.SchemeGTIN {
			continue
		}
		var other int64
		err := tx.QueryRowContext(ctx, `SELECT product_id FROM product_identifiers WHERE scheme = 'gtin' AND value = $1 AND product_id <> $2`, id.Value, p.ID).Scan(&other)
		if err == nil {
			return psti.FieldErrorf(psti.ECONFLICT, "identifiers["+strconv.Itoa(i)+"]", "GTIN %s is already used by product %d; a GTIN names one product.", id.Value, other)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: unable to check GTIN %s: %w", id.Value, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM product_manufacturers WHERE product_id = $1`, p.ID); err != nil {
		return fmt.Errorf("store: unable to update product manufacturers: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM product_identifiers WHERE product_id = $1`, p.ID); err != nil {
		return fmt.Errorf("store: unable to update product identifiers: %w", err)
	}
	for i, mid := range p.ManufacturerIDs {
		if !slices.Contains(before, mid) {
			if err := parent(ctx, tx, "manufacturers", "manufacturer_ids", "manufacturer", mid); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO product_manufacturers (product_id, manufacturer_id, position) VALUES ($1, $2, $3)`,
			p.ID, mid, i); err != nil {
			return fmt.Errorf("store: unable to link manufacturer %d: %w", mid, err)
		}
	}
	for i, id := range p.Identifiers {
		if _, err := tx.ExecContext(ctx, `INSERT INTO product_identifiers (product_id, position, scheme, value) VALUES ($1, $2, $3, $4)`,
			p.ID, i, id.Scheme, id.Value); err != nil {
			if isUnique(err) {
				var other int64
				_ = tx.QueryRowContext(ctx, `SELECT product_id FROM product_identifiers WHERE scheme = $1 AND value = $2`, id.Scheme, id.Value).Scan(&other)
				return psti.FieldErrorf(psti.ECONFLICT, "identifiers["+strconv.Itoa(i)+"]", "GTIN %s is already used by product %d; a GTIN names one product.", id.Value, other)
			}
			return fmt.Errorf("store: unable to add identifier: %w", err)
		}
	}
	if p.ManufacturerIDs == nil {
		p.ManufacturerIDs = []int64{}
	}
	if p.Identifiers == nil {
		p.Identifiers = []product.Identifier{}
	}
	return nil
}

func productConflict(err error, p *product.Product) error {
	hw := ""
	if p.HardwareVersion != "" {
		hw = " hardware version " + p.HardwareVersion
	}
	return unique(err, "model_number", "This brand already has a product with model number %s%s.", p.ModelNumber, hw)
}

// CreateProduct adds a product to a brand, with its manufacturers and
// identifiers.
func (db *DB) CreateProduct(ctx context.Context, a psti.Actor, p *product.Product) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := parent(ctx, tx, "brands", "brand_id", "brand", p.BrandID); err != nil {
			return nil, err
		}
		p.Record = newRecord(now)
		slug, err := db.productSlug(ctx, tx, p)
		if err != nil {
			return nil, err
		}
		p.Slug = slug
		err = tx.QueryRowContext(ctx, `INSERT INTO products (revision, created_at, updated_at, brand_id, name, type, model_number, hardware_version, description, slug)
			VALUES (1, $1, $1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			now, p.BrandID, p.Name, p.Type, p.ModelNumber, p.HardwareVersion, p.Description, p.Slug).Scan(&p.ID)
		if err != nil {
			return nil, productConflict(err, p)
		}
		if err := db.writeProductLinks(ctx, tx, p, nil); err != nil {
			return nil, err
		}
		return &change{psti.ActionCreate, string(product.KindProduct), p.ID, nil, p}, nil
	})
}

// UpdateProduct changes a product, its manufacturers and identifiers.
func (db *DB) UpdateProduct(ctx context.Context, a psti.Actor, p *product.Product) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := db.product(ctx, tx, p.ID, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if err := checkRevision("product", before.Record, p.Revision); err != nil {
			return nil, err
		}
		if p.BrandID != before.BrandID {
			if err := parent(ctx, tx, "brands", "brand_id", "brand", p.BrandID); err != nil {
				return nil, err
			}
		}
		p.Record, p.Slug = bumped(before.Record, now), before.Slug // the slug never changes
		_, err = tx.ExecContext(ctx, `UPDATE products SET revision = $1, updated_at = $2, brand_id = $3, name = $4, type = $5,
			model_number = $6, hardware_version = $7, description = $8 WHERE id = $9`,
			p.Revision, now, p.BrandID, p.Name, p.Type, p.ModelNumber, p.HardwareVersion, p.Description, p.ID)
		if err != nil {
			return nil, productConflict(err, p)
		}
		if err := db.writeProductLinks(ctx, tx, p, before.ManufacturerIDs); err != nil {
			return nil, err
		}
		return &change{psti.ActionUpdate, string(product.KindProduct), p.ID, before, p}, nil
	})
}

// ---- versions ----

const versionCols = recordCols + `, product_id, component, version, released_on, notes`

func scanVersion(row interface{ Scan(...any) error }) (*product.Version, error) {
	v := &product.Version{}
	err := row.Scan(append(recordDest(&v.Record), &v.ProductID, &v.Component, &v.Version, &v.ReleasedOn, &v.Notes)...)
	return v, err
}

func (db *DB) version(ctx context.Context, q querier, id int64, lock string) (*product.Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionCols+` FROM versions WHERE id = $1`+lock, id))
	return v, notFound(err, "version", id)
}

// Version returns one firmware or software version.
func (db *DB) Version(ctx context.Context, id int64) (*product.Version, error) {
	return db.version(ctx, db.ro, id, "")
}

// Versions lists versions, newest release first, optionally of one product.
func (db *DB) Versions(ctx context.Context, f product.Filter) ([]*product.Version, error) {
	limit, offset := listArgs(f)
	qs, as, err := registryPage("versions", versionCols, "product_id", versionsOrder, f, limit, offset)
	if err != nil {
		return nil, err
	}
	return registryList(ctx, db, qs, as, limit, "versions", scanVersion)
}

func versionConflict(err error, v *product.Version) error {
	return unique(err, "version", "This product already has %s version %s.", v.Component, v.Version)
}

// CreateVersion adds a firmware or software version to a product.
func (db *DB) CreateVersion(ctx context.Context, a psti.Actor, v *product.Version) error {
	if err := v.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := parent(ctx, tx, "products", "product_id", "product", v.ProductID); err != nil {
			return nil, err
		}
		v.Record = newRecord(now)
		err := tx.QueryRowContext(ctx, `INSERT INTO versions (revision, created_at, updated_at, product_id, component, version, released_on, notes)
			VALUES (1, $1, $1, $2, $3, $4, $5, $6) RETURNING id`,
			now, v.ProductID, v.Component, v.Version, v.ReleasedOn, v.Notes).Scan(&v.ID)
		if err != nil {
			return nil, versionConflict(err, v)
		}
		return &change{psti.ActionCreate, string(product.KindVersion), v.ID, nil, v}, nil
	})
}

// UpdateVersion changes a version. It stays with its product.
func (db *DB) UpdateVersion(ctx context.Context, a psti.Actor, v *product.Version) error {
	if err := v.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := db.version(ctx, tx, v.ID, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if err := checkRevision("version", before.Record, v.Revision); err != nil {
			return nil, err
		}
		if v.ProductID != before.ProductID {
			return nil, psti.FieldErrorf(psti.EINVALID, "product_id", "A version cannot move to another product; add it to that product instead.")
		}
		v.Record = bumped(before.Record, now)
		_, err = tx.ExecContext(ctx, `UPDATE versions SET revision = $1, updated_at = $2, component = $3, version = $4,
			released_on = $5, notes = $6 WHERE id = $7`,
			v.Revision, now, v.Component, v.Version, v.ReleasedOn, v.Notes, v.ID)
		if err != nil {
			return nil, versionConflict(err, v)
		}
		return &change{psti.ActionUpdate, string(product.KindVersion), v.ID, before, v}, nil
	})
}

// ---- batches ----

const batchCols = recordCols + `, product_id, code, first_produced, last_produced, quantity, notes`

func scanBatch(row interface{ Scan(...any) error }) (*product.Batch, error) {
	b := &product.Batch{}
	err := row.Scan(append(recordDest(&b.Record), &b.ProductID, &b.Code, &b.FirstProduced, &b.LastProduced, &b.Quantity, &b.Notes)...)
	return b, err
}

func (db *DB) batch(ctx context.Context, q querier, id int64, lock string) (*product.Batch, error) {
	b, err := scanBatch(q.QueryRowContext(ctx, `SELECT `+batchCols+` FROM batches WHERE id = $1`+lock, id))
	return b, notFound(err, "batch", id)
}

// Batch returns one production batch.
func (db *DB) Batch(ctx context.Context, id int64) (*product.Batch, error) {
	return db.batch(ctx, db.ro, id, "")
}

// Batches lists batches, latest production first, optionally of one product.
func (db *DB) Batches(ctx context.Context, f product.Filter) ([]*product.Batch, error) {
	limit, offset := listArgs(f)
	qs, as, err := registryPage("batches", batchCols, "product_id", batchesOrder, f, limit, offset)
	if err != nil {
		return nil, err
	}
	return registryList(ctx, db, qs, as, limit, "batches", scanBatch)
}

func batchConflict(err error, b *product.Batch) error {
	return unique(err, "code", "This product already has a batch %q.", b.Code)
}

// CreateBatch adds a production batch to a product.
func (db *DB) CreateBatch(ctx context.Context, a psti.Actor, b *product.Batch) error {
	if err := b.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := parent(ctx, tx, "products", "product_id", "product", b.ProductID); err != nil {
			return nil, err
		}
		b.Record = newRecord(now)
		err := tx.QueryRowContext(ctx, `INSERT INTO batches (revision, created_at, updated_at, product_id, code, first_produced, last_produced, quantity, notes)
			VALUES (1, $1, $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			now, b.ProductID, b.Code, b.FirstProduced, b.LastProduced, b.Quantity, b.Notes).Scan(&b.ID)
		if err != nil {
			return nil, batchConflict(err, b)
		}
		return &change{psti.ActionCreate, string(product.KindBatch), b.ID, nil, b}, nil
	})
}

// UpdateBatch changes a batch. It stays with its product.
func (db *DB) UpdateBatch(ctx context.Context, a psti.Actor, b *product.Batch) error {
	if err := b.Validate(); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, err := db.batch(ctx, tx, b.ID, db.dialect.forUpdate)
		if err != nil {
			return nil, err
		}
		if err := checkRevision("batch", before.Record, b.Revision); err != nil {
			return nil, err
		}
		if b.ProductID != before.ProductID {
			return nil, psti.FieldErrorf(psti.EINVALID, "product_id", "A batch cannot move to another product.")
		}
		b.Record = bumped(before.Record, now)
		_, err = tx.ExecContext(ctx, `UPDATE batches SET revision = $1, updated_at = $2, code = $3, first_produced = $4,
			last_produced = $5, quantity = $6, notes = $7 WHERE id = $8`,
			b.Revision, now, b.Code, b.FirstProduced, b.LastProduced, b.Quantity, b.Notes, b.ID)
		if err != nil {
			return nil, batchConflict(err, b)
		}
		return &change{psti.ActionUpdate, string(product.KindBatch), b.ID, before, b}, nil
	})
}

// parentColumn is the column a kind's list filters on, "" for none.
var parentColumn = map[product.Kind]string{
	product.KindBrand:   "organisation_id",
	product.KindProduct: "brand_id",
	product.KindVersion: "product_id",
	product.KindBatch:   "product_id",
}

// Count returns how many records of a kind a list with filter f (ignoring
// its limit and offset) would hold.
func (db *DB) Count(ctx context.Context, kind product.Kind, f product.Filter) (int, error) {
	table, ok := kindTable[kind]
	if !ok {
		return 0, psti.Errorf(psti.EINVALID, "There is no kind of record called %q.", kind)
	}
	where := `($1 = 0) AND ($2 OR archived_at IS NULL)`
	if col := parentColumn[kind]; col != "" {
		where = `(CAST($1 AS BIGINT) = 0 OR ` + col + ` = CAST($1 AS BIGINT)) AND ($2 OR archived_at IS NULL)`
	}
	var n int
	if err := db.ro.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+where, f.ParentID, f.IncludeArchived).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to count %s: %w", table, err)
	}
	return n, nil
}

// ---- archiving ----

// kindTable maps each kind of record to its table.
var kindTable = map[product.Kind]string{
	product.KindOrganisation: "organisations",
	product.KindManufacturer: "manufacturers",
	product.KindBrand:        "brands",
	product.KindProduct:      "products",
	product.KindVersion:      "versions",
	product.KindBatch:        "batches",
}

// record reads any register record inside a write transaction, locked, for
// the audit trail.
func (db *DB) record(ctx context.Context, q querier, kind product.Kind, id int64) (any, *psti.Record, error) {
	lock := db.dialect.forUpdate
	switch kind {
	case product.KindOrganisation:
		r, err := db.organisation(ctx, q, id, lock)
		if err != nil {
			return nil, nil, err
		}
		return r, &r.Record, nil
	case product.KindManufacturer:
		r, err := db.manufacturer(ctx, q, id, lock)
		if err != nil {
			return nil, nil, err
		}
		return r, &r.Record, nil
	case product.KindBrand:
		r, err := db.brand(ctx, q, id, lock)
		if err != nil {
			return nil, nil, err
		}
		return r, &r.Record, nil
	case product.KindProduct:
		r, err := db.product(ctx, q, id, lock)
		if err != nil {
			return nil, nil, err
		}
		return r, &r.Record, nil
	case product.KindVersion:
		r, err := db.version(ctx, q, id, lock)
		if err != nil {
			return nil, nil, err
		}
		return r, &r.Record, nil
	case product.KindBatch:
		r, err := db.batch(ctx, q, id, lock)
		if err != nil {
			return nil, nil, err
		}
		return r, &r.Record, nil
	}
	return nil, nil, psti.Errorf(psti.EINVALID, "There is no kind of record called %q.", kind)
}

// SetArchived archives a record or brings it back.
func (db *DB) SetArchived(ctx context.Context, a psti.Actor, kind product.Kind, id int64, archived bool) (int64, error) {
	table, ok := kindTable[kind]
	if !ok {
		return 0, psti.Errorf(psti.EINVALID, "There is no kind of record called %q.", kind)
	}
	var revision int64
	err := db.write(ctx, a, func(tx *sql.Tx, now time.Time) (*change, error) {
		before, rec, err := db.record(ctx, tx, kind, id)
		if err != nil {
			return nil, err
		}
		revision = rec.Revision
		if rec.Archived() == archived {
			return nil, nil // already so: nothing to change or audit
		}
		var at any
		action := psti.ActionUnarchive
		if archived {
			at, action = now, psti.ActionArchive
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET archived_at = $1, revision = revision + 1, updated_at = $2 WHERE id = $3`,
			at, now, id); err != nil {
			return nil, fmt.Errorf("store: unable to archive %s %d: %w", kind, id, err)
		}
		after, rec, err := db.record(ctx, tx, kind, id)
		if err != nil {
			return nil, err
		}
		revision = rec.Revision
		return &change{action, string(kind), id, before, after}, nil
	})
	return revision, err
}

// collect scans every row of a list query.
func collect[T any](rows *sql.Rows, err error, what string, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("store: unable to list %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list %s: %w", what, err)
	}
	return out, nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: unable to read rows: %w", err)
	}
	return nil
}
