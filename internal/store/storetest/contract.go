package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psti/psti/internal/auth"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
)

// Open returns a migrated database on backend b for one test, with a clock
// the test controls. It is closed when the test ends.
func Open(t testing.TB, b Backend) (*store.DB, *Clock) {
	t.Helper()
	clock := &Clock{}
	db, err := store.Open(context.Background(), b.URL(t), store.Options{Clock: clock})
	if err != nil {
		t.Fatalf("opening %s: %v", b.Name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, clock
}

var editor = psti.Actor{UserID: 7, Label: "editor@example.com"}

// Run runs the storage contract against backend b. Every back end must pass
// all of it.
func Run(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b Backend)
	}{
		{"Schema", testSchema},
		{"Register", testRegister},
		{"Validation", testValidation},
		{"Conflicts", testConflicts},
		{"Parents", testParents},
		{"Archive", testArchive},
		{"ProductLinks", testProductLinks},
		{"AuditTrail", testAuditTrail},
		{"HistoryIsKept", testHistoryIsKept},
		{"Users", testUsers},
		{"LastAdmin", testLastAdmin},
		{"Tokens", testTokens},
		{"Sessions", testSessions},
		{"ConcurrentWrites", testConcurrentWrites},
		{"Copy", testCopy},
		{"PasswordAudits", testPasswordAudits},
		{"Mail", testMail},
		{"Reports", testReports},
		{"ReportLists", testReportLists},
		{"ReportForms", testReportForms},
		{"InstallationKeys", testInstallationKeys},
		{"PasswordFingerprints", testPasswordFingerprints},
		{"PasswordAuditReviews", testPasswordAuditReviews},
		{"OrganisationFace", testOrganisationFace},
		{"ProductSlugs", testProductSlugs},
		{"SupportPeriods", testSupportPeriods},
		{"SupportTriggers", testSupportTriggers},
		{"Log", testLog},
		{"LogTamper", testLogTamper},
		{"LogKeys", testLogKeys},
		{"LogReplicas", testLogReplicas},
		{"Statements", testStatements},
		{"StatementKeys", testStatementKeys},
		{"ScopeDecisions", testScopeDecisions},
		{"EvidencePack", testEvidencePack},
		{"Assessments", testAssessments},
		{"Cases", testCases},
		{"CaseChains", testCaseChains},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, b)
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t testing.TB, err error, code psti.Code, field string) {
	t.Helper()
	if got := psti.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if field == "" {
		return
	}
	for _, f := range psti.ErrorFields(err) {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("error %v does not name field %q", err, field)
}

// Seed is a small register: an organisation with one brand, two
// manufacturers and a product.
type Seed struct {
	Org     *product.Organisation
	Brand   *product.Brand
	Makers  []*product.Manufacturer
	Product *product.Product
}

// NewSeed creates a Seed through the store.
func NewSeed(t testing.TB, db product.Store) *Seed {
	t.Helper()
	ctx := context.Background()
	s := &Seed{
		Org: &product.Organisation{LegalName: "Acme Devices Ltd", Address: "1 High Street\nLeeds\nLS1 1AA", Website: "https://acme.example"},
	}
	must(t, db.CreateOrganisation(ctx, editor, s.Org))
	s.Brand = &product.Brand{OrganisationID: s.Org.ID, Name: "Acme Home"}
	must(t, db.CreateBrand(ctx, editor, s.Brand))
	for _, name := range []string{"Acme Devices Ltd", "Shenzhen Widget Co"} {
		m := &product.Manufacturer{Name: name, Address: "Somewhere " + name}
		must(t, db.CreateManufacturer(ctx, editor, m))
		s.Makers = append(s.Makers, m)
	}
	s.Product = &product.Product{BrandID: s.Brand.ID, Name: "Doorbell Pro", Type: "video doorbell", ModelNumber: "DB-200",
		Identifiers:     []product.Identifier{{Scheme: product.SchemeGTIN, Value: "4006381333931"}, {Scheme: product.SchemeSKU, Value: "ACME-DB200"}},
		ManufacturerIDs: []int64{s.Makers[1].ID, s.Makers[0].ID}}
	must(t, db.CreateProduct(ctx, editor, s.Product))
	return s
}

func testSchema(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	got, err := db.SchemaTables(context.Background())
	must(t, err)
	want := slices.Concat(store.Tables, store.HousekeepingTables)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("schema tables %v\nlisted        %v\nevery table must be listed in store.Tables, which migrate-data copies, or in store.HousekeepingTables", got, want)
	}
	v, err := db.SchemaVersion(context.Background())
	must(t, err)
	if v < 1 {
		t.Fatalf("schema version %d after migrating", v)
	}
}

func testRegister(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)

	got, err := db.Product(ctx, s.Product.ID)
	must(t, err)
	if !reflect.DeepEqual(got, s.Product) {
		t.Fatalf("product read back differs:\n got %+v\nwant %+v", got, s.Product)
	}
	if got.Revision != 1 || !got.CreatedAt.Equal(clock.Now()) || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("new record bookkeeping: revision %d, created %v", got.Revision, got.CreatedAt)
	}

	clock.Add(90*time.Minute + 123456*time.Microsecond)
	v := &product.Version{ProductID: s.Product.ID, Component: "firmware", Version: "2.4.1", ReleasedOn: "2026-02-27"}
	must(t, db.CreateVersion(ctx, editor, v))
	batch := &product.Batch{ProductID: s.Product.ID, Code: "B-2026-03", FirstProduced: "2026-03-01", LastProduced: "2026-03-20", Quantity: 12000}
	must(t, db.CreateBatch(ctx, editor, batch))
	gotV, err := db.Version(ctx, v.ID)
	must(t, err)
	gotB, err := db.Batch(ctx, batch.ID)
	must(t, err)
	if !reflect.DeepEqual(gotV, v) || !reflect.DeepEqual(gotB, batch) {
		t.Fatalf("read back differs:\n%+v\n%+v\n%+v\n%+v", gotV, v, gotB, batch)
	}
	if !gotB.CreatedAt.Equal(clock.Now()) {
		t.Fatalf("timestamps must round-trip to the microsecond: %v != %v", gotB.CreatedAt, clock.Now())
	}

	// Update with the current revision, then with a stale one.
	clock.Add(time.Minute)
	batch.Quantity = 12500
	must(t, db.UpdateBatch(ctx, editor, batch))
	if batch.Revision != 2 || !batch.UpdatedAt.Equal(clock.Now()) {
		t.Fatalf("after update: revision %d updated %v", batch.Revision, batch.UpdatedAt)
	}
	stale := *gotB
	stale.Quantity = 1
	wantCode(t, db.UpdateBatch(ctx, editor, &stale), psti.ECONFLICT, "")
	gotB, err = db.Batch(ctx, batch.ID)
	must(t, err)
	if gotB.Quantity != 12500 {
		t.Fatalf("stale update changed the record: quantity %d", gotB.Quantity)
	}

	// Lists are filtered by parent.
	other := &product.Brand{OrganisationID: s.Org.ID, Name: "Zeta"}
	must(t, db.CreateBrand(ctx, editor, other))
	brands, err := db.Brands(ctx, product.Filter{ParentID: s.Org.ID})
	must(t, err)
	if len(brands) != 2 || brands[0].Name != "Acme Home" || brands[1].Name != "Zeta" {
		t.Fatalf("brands: %+v", brands)
	}
	ps, err := db.Products(ctx, product.Filter{ParentID: other.ID})
	must(t, err)
	if len(ps) != 0 {
		t.Fatalf("products of an empty brand: %+v", ps)
	}
	ps, err = db.Products(ctx, product.Filter{})
	must(t, err)
	if len(ps) != 1 || !reflect.DeepEqual(ps[0], s.Product) {
		t.Fatalf("products: %+v", ps)
	}
	for _, kind := range []struct {
		name string
		err  error
	}{
		{"organisation", second(db.Organisation(ctx, 999))},
		{"brand", second(db.Brand(ctx, 999))},
		{"product", second(db.Product(ctx, 999))},
		{"version", second(db.Version(ctx, 999))},
		{"batch", second(db.Batch(ctx, 999))},
		{"manufacturer", second(db.Manufacturer(ctx, 999))},
	} {
		wantCode(t, kind.err, psti.ENOTFOUND, "")
	}
}

func second[T any](_ T, err error) error { return err }

func auditCount(t testing.TB, db *store.DB) int {
	t.Helper()
	es, err := db.Audit(context.Background(), psti.AuditFilter{Limit: 500})
	must(t, err)
	return len(es)
}

func testValidation(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	before := auditCount(t, db)
	counts, err := db.Counts(ctx)
	must(t, err)

	cases := []struct {
		name  string
		err   error
		field string
	}{
		{"missing name", db.CreateBrand(ctx, editor, &product.Brand{OrganisationID: s.Org.ID}), "name"},
		{"long name", db.CreateBrand(ctx, editor, &product.Brand{OrganisationID: s.Org.ID, Name: strings.Repeat("x", product.MaxName+1)}), "name"},
		{"bad website", db.CreateManufacturer(ctx, editor, &product.Manufacturer{Name: "M", Address: "A", Website: "javascript:alert(1)"}), "website"},
		{"bad gtin", db.CreateProduct(ctx, editor, &product.Product{BrandID: s.Brand.ID, Name: "N", Type: "T", ModelNumber: "X1",
			Identifiers: []product.Identifier{{Scheme: "gtin", Value: "4006381333932"}}}), "identifiers[0]"},
		{"control character", db.CreateProduct(ctx, editor, &product.Product{BrandID: s.Brand.ID, Name: "N\x00", Type: "T", ModelNumber: "X2"}), "name"},
		{"backwards dates", db.CreateBatch(ctx, editor, &product.Batch{ProductID: s.Product.ID, Code: "B", FirstProduced: "2026-03-02", LastProduced: "2026-03-01"}), "last_produced"},
		{"bad date", db.CreateVersion(ctx, editor, &product.Version{ProductID: s.Product.ID, Component: "firmware", Version: "1", ReleasedOn: "2026-13-01"}), "released_on"},
		{"negative quantity", db.CreateBatch(ctx, editor, &product.Batch{ProductID: s.Product.ID, Code: "C", Quantity: -1}), "quantity"},
		{"missing address", db.UpdateOrganisation(ctx, editor, &product.Organisation{Record: s.Org.Record, LegalName: "X"}), "address"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantCode(t, c.err, psti.EINVALID, c.field) })
	}
	after, err := db.Counts(ctx)
	must(t, err)
	if !reflect.DeepEqual(counts, after) || auditCount(t, db) != before {
		t.Fatalf("rejected input changed the database:\n%v\n%v", counts, after)
	}
}

func testConflicts(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	wantCode(t, db.CreateBrand(ctx, editor, &product.Brand{OrganisationID: s.Org.ID, Name: "ACME HOME"}), psti.ECONFLICT, "name")
	wantCode(t, db.CreateProduct(ctx, editor, &product.Product{BrandID: s.Brand.ID, Name: "Other", Type: "camera", ModelNumber: "db-200"}), psti.ECONFLICT, "model_number")
	// The same model number with another hardware version is another product.
	must(t, db.CreateProduct(ctx, editor, &product.Product{BrandID: s.Brand.ID, Name: "Doorbell Pro", Type: "video doorbell", ModelNumber: "DB-200", HardwareVersion: "rev B"}))
	must(t, db.CreateBatch(ctx, editor, &product.Batch{ProductID: s.Product.ID, Code: "B1"}))
	wantCode(t, db.CreateBatch(ctx, editor, &product.Batch{ProductID: s.Product.ID, Code: "B1"}), psti.ECONFLICT, "code")
	must(t, db.CreateVersion(ctx, editor, &product.Version{ProductID: s.Product.ID, Component: "firmware", Version: "1.0"}))
	wantCode(t, db.CreateVersion(ctx, editor, &product.Version{ProductID: s.Product.ID, Component: "Firmware", Version: "1.0"}), psti.ECONFLICT, "version")
	must(t, db.CreateVersion(ctx, editor, &product.Version{ProductID: s.Product.ID, Component: "companion app", Version: "1.0"}))
	// Case is folded for ASCII letters only, the same way on every back
	// end, so a database copied between them keeps its rules.
	must(t, db.CreateBrand(ctx, editor, &product.Brand{OrganisationID: s.Org.ID, Name: "Énergie"}))
	must(t, db.CreateBrand(ctx, editor, &product.Brand{OrganisationID: s.Org.ID, Name: "énergie"}))
	wantCode(t, db.CreateBrand(ctx, editor, &product.Brand{OrganisationID: s.Org.ID, Name: "éNERGIE"}), psti.ECONFLICT, "name")
}

func testParents(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	wantCode(t, db.CreateBrand(ctx, editor, &product.Brand{OrganisationID: 999, Name: "X"}), psti.EINVALID, "organisation_id")
	wantCode(t, db.CreateProduct(ctx, editor, &product.Product{BrandID: 999, Name: "X", Type: "T", ModelNumber: "M"}), psti.EINVALID, "brand_id")
	wantCode(t, db.CreateBatch(ctx, editor, &product.Batch{ProductID: 999, Code: "B"}), psti.EINVALID, "product_id")
	wantCode(t, db.CreateVersion(ctx, editor, &product.Version{ProductID: 999, Component: "firmware", Version: "1"}), psti.EINVALID, "product_id")
	wantCode(t, db.CreateProduct(ctx, editor, &product.Product{BrandID: s.Brand.ID, Name: "X", Type: "T", ModelNumber: "M", ManufacturerIDs: []int64{999}}), psti.EINVALID, "manufacturer_ids")

	// A batch cannot be moved to another product.
	p2 := &product.Product{BrandID: s.Brand.ID, Name: "Camera", Type: "camera", ModelNumber: "C1"}
	must(t, db.CreateProduct(ctx, editor, p2))
	batch := &product.Batch{ProductID: s.Product.ID, Code: "B"}
	must(t, db.CreateBatch(ctx, editor, batch))
	batch.ProductID = p2.ID
	wantCode(t, db.UpdateBatch(ctx, editor, batch), psti.EINVALID, "product_id")
}

func testArchive(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	rev, err := db.SetArchived(ctx, editor, product.KindBrand, s.Brand.ID, true)
	must(t, err)
	if rev != 2 {
		t.Fatalf("revision after archiving = %d, want 2", rev)
	}
	brands, err := db.Brands(ctx, product.Filter{})
	must(t, err)
	if len(brands) != 0 {
		t.Fatalf("archived brand still listed: %+v", brands)
	}
	brands, err = db.Brands(ctx, product.Filter{IncludeArchived: true})
	must(t, err)
	if len(brands) != 1 || !brands[0].Archived() {
		t.Fatalf("archived brand not listed on request: %+v", brands)
	}
	// The product under it stays, and nothing new may be added under it.
	if _, err := db.Product(ctx, s.Product.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.CreateProduct(ctx, editor, &product.Product{BrandID: s.Brand.ID, Name: "X", Type: "T", ModelNumber: "M"}), psti.EINVALID, "brand_id")
	// Archiving twice changes nothing; bringing it back works.
	rev, err = db.SetArchived(ctx, editor, product.KindBrand, s.Brand.ID, true)
	must(t, err)
	if rev != 2 {
		t.Fatalf("archiving twice bumped the revision to %d", rev)
	}
	rev, err = db.SetArchived(ctx, editor, product.KindBrand, s.Brand.ID, false)
	must(t, err)
	got, err := db.Brand(ctx, s.Brand.ID)
	must(t, err)
	if rev != 3 || got.Archived() {
		t.Fatalf("after unarchive: revision %d archived %v", rev, got.Archived())
	}
	for _, k := range product.Kinds {
		_, err := db.SetArchived(ctx, editor, k, 999, true)
		wantCode(t, err, psti.ENOTFOUND, "")
	}
	_, err = db.SetArchived(ctx, editor, "nonsense", 1, true)
	wantCode(t, err, psti.EINVALID, "")
}

func testProductLinks(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	got, err := db.Product(ctx, s.Product.ID)
	must(t, err)
	if !slices.Equal(got.ManufacturerIDs, []int64{s.Makers[1].ID, s.Makers[0].ID}) {
		t.Fatalf("manufacturer order not kept: %v", got.ManufacturerIDs)
	}
	// Another product may not reuse the GTIN.
	p2 := &product.Product{BrandID: s.Brand.ID, Name: "Chime", Type: "door chime", ModelNumber: "CH-1",
		Identifiers: []product.Identifier{{Scheme: "gtin", Value: "4006381333931"}}}
	err = db.CreateProduct(ctx, editor, p2)
	wantCode(t, err, psti.ECONFLICT, "identifiers[0]")
	if !strings.Contains(psti.ErrorMessage(err), fmt.Sprintf("used by product %d", s.Product.ID)) {
		t.Fatalf("GTIN conflict does not name the product that has it: %v", err)
	}
	p2.Identifiers = []product.Identifier{{Scheme: "sku", Value: "ACME-DB200"}}
	must(t, db.CreateProduct(ctx, editor, p2))
	// A manufacturer already named may be archived: editing the product
	// keeps it, and only newly named ones must be current.
	_, err = db.SetArchived(ctx, editor, product.KindManufacturer, s.Makers[1].ID, true)
	must(t, err)
	got.Description = "edited while a manufacturer is archived"
	must(t, db.UpdateProduct(ctx, editor, got))
	other := &product.Product{BrandID: s.Brand.ID, Name: "New", Type: "plug", ModelNumber: "N1", ManufacturerIDs: []int64{s.Makers[1].ID}}
	wantCode(t, db.CreateProduct(ctx, editor, other), psti.EINVALID, "manufacturer_ids")
	// Updating replaces the links.
	got.ManufacturerIDs = []int64{s.Makers[0].ID}
	got.Identifiers = nil
	must(t, db.UpdateProduct(ctx, editor, got))
	again, err := db.Product(ctx, s.Product.ID)
	must(t, err)
	if !slices.Equal(again.ManufacturerIDs, []int64{s.Makers[0].ID}) || len(again.Identifiers) != 0 {
		t.Fatalf("links after update: %+v", again)
	}
	// The freed GTIN can be used again.
	p2.Identifiers = []product.Identifier{{Scheme: "gtin", Value: "4006381333931"}}
	must(t, db.UpdateProduct(ctx, editor, p2))
}

func testAuditTrail(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	clock.Add(time.Hour)
	tokenActor := psti.Actor{UserID: 3, TokenID: 11, Label: "script@example.com"}
	s.Brand.Website = "https://home.acme.example"
	must(t, db.UpdateBrand(ctx, tokenActor, s.Brand))
	_, err := db.SetArchived(ctx, tokenActor, product.KindBrand, s.Brand.ID, true)
	must(t, err)

	es, err := db.Audit(ctx, psti.AuditFilter{Entity: "brand", EntityID: s.Brand.ID})
	must(t, err)
	if len(es) != 3 {
		t.Fatalf("brand audit entries: %d, want 3 (create, update, archive)", len(es))
	}
	if es[0].Action != psti.ActionArchive || es[1].Action != psti.ActionUpdate || es[2].Action != psti.ActionCreate {
		t.Fatalf("actions newest first: %s %s %s", es[0].Action, es[1].Action, es[2].Action)
	}
	upd := es[1]
	if upd.Actor != tokenActor || !upd.At.Equal(clock.Now()) {
		t.Fatalf("update entry actor %+v at %v", upd.Actor, upd.At)
	}
	var before, after product.Brand
	must(t, json.Unmarshal(upd.Before, &before))
	must(t, json.Unmarshal(upd.After, &after))
	if before.Website != "" || after.Website != "https://home.acme.example" || after.Revision != before.Revision+1 {
		t.Fatalf("before/after: %+v / %+v", before, after)
	}
	if es[2].Before != nil {
		t.Fatalf("create entry has a before: %s", es[2].Before)
	}
	// Paging: entries older than a given one.
	older, err := db.Audit(ctx, psti.AuditFilter{Entity: "brand", EntityID: s.Brand.ID, BeforeID: es[0].ID, Limit: 1})
	must(t, err)
	if len(older) != 1 || older[0].ID != es[1].ID {
		t.Fatalf("paging: %+v", older)
	}
}

// testHistoryIsKept checks that the database itself refuses to rewrite the
// audit trail or delete register records, whatever code asks it to.
func testHistoryIsKept(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	ctx := context.Background()
	// Records with nothing pointing at them, so only the database's own
	// rule (not a foreign key) can stop their deletion.
	org := &product.Organisation{LegalName: "Lone Ltd", Address: "Nowhere"}
	must(t, db.CreateOrganisation(ctx, editor, org))
	maker := &product.Manufacturer{Name: "Lone Maker", Address: "Nowhere"}
	must(t, db.CreateManufacturer(ctx, editor, maker))
	brand := &product.Brand{OrganisationID: org.ID, Name: "Lone"}
	must(t, db.CreateBrand(ctx, editor, brand))
	p := &product.Product{BrandID: brand.ID, Name: "Lone", Type: "plug", ModelNumber: "L1"}
	must(t, db.CreateProduct(ctx, editor, p))
	v := &product.Version{ProductID: p.ID, Component: "firmware", Version: "1"}
	must(t, db.CreateVersion(ctx, editor, v))
	bt := &product.Batch{ProductID: p.ID, Code: "B"}
	must(t, db.CreateBatch(ctx, editor, bt))
	before, err := db.Counts(ctx)
	must(t, err)
	c := raw(t, db)
	for _, stmt := range []string{
		`UPDATE audit_log SET actor_label = 'someone else'`,
		`DELETE FROM audit_log`,
		fmt.Sprintf(`DELETE FROM batches WHERE id = %d`, bt.ID),
		fmt.Sprintf(`DELETE FROM versions WHERE id = %d`, v.ID),
		fmt.Sprintf(`DELETE FROM manufacturers WHERE id = %d`, maker.ID),
	} {
		if _, err := c.ExecContext(ctx, stmt); err == nil {
			t.Errorf("%s: the database allowed it", stmt)
		}
	}
	// Deleting a whole chain bottom-up, in one transaction, is refused too.
	tx, err := c.BeginTx(ctx, nil)
	must(t, err)
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`DELETE FROM products WHERE id = %d`, p.ID))
	tx.Rollback()
	if err == nil {
		t.Error("deleting a product was allowed")
	}
	after, err := db.Counts(ctx)
	must(t, err)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("rows changed:\n%v\n%v", before, after)
	}
	if _, err := c.ExecContext(ctx, `DELETE FROM sessions`); err != nil {
		t.Fatalf("sessions are transient and may be deleted: %v", err)
	}
}

// raw opens a plain connection to the same database, bypassing the store.
func raw(t testing.TB, db *store.DB) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", db.URL()
	if db.Backend() == "sqlite" {
		driver, dsn = "sqlite", db.Path()
	}
	c, err := sql.Open(driver, dsn)
	must(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func testUsers(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	n, err := db.CountUsers(ctx)
	must(t, err)
	if n != 0 {
		t.Fatalf("new database has %d users", n)
	}
	inv := &auth.Invitation{Role: auth.Admin, CreatedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)}
	must(t, db.CreateInvitation(ctx, psti.System("first start"), inv, []byte("hash-1")))
	got, err := db.InvitationByHash(ctx, []byte("hash-1"))
	must(t, err)
	if got.ID != inv.ID || got.Role != auth.Admin || got.UsedAt != nil || !got.ExpiresAt.Equal(inv.ExpiresAt) {
		t.Fatalf("invitation read back: %+v", got)
	}
	_, err = db.InvitationByHash(ctx, []byte("other"))
	wantCode(t, err, psti.ENOTFOUND, "")

	admin, err := db.AcceptInvitation(ctx, inv.ID, &auth.User{Email: "ada@example.com", Name: "Ada", Role: auth.Admin}, "$argon2id$hash", clock.Now())
	must(t, err)
	if admin.ID == 0 || admin.Role != auth.Admin || admin.PasswordChangedAt == nil {
		t.Fatalf("accepted user: %+v", admin)
	}
	_, err = db.AcceptInvitation(ctx, inv.ID, &auth.User{Email: "eve@example.com", Role: auth.Admin}, "x", clock.Now())
	wantCode(t, err, psti.ECONFLICT, "")
	// A second first-administrator link (one per start while nobody had set
	// up) can no longer do anything: above all, not reset the admin.
	late := &auth.Invitation{Role: auth.Admin, CreatedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)}
	must(t, db.CreateInvitation(ctx, psti.System("first start"), late, []byte("hash-late")))
	_, err = db.AcceptInvitation(ctx, late.ID, &auth.User{Email: "ada@example.com", Role: auth.Admin}, "$argon2id$evil", clock.Now())
	wantCode(t, err, psti.ECONFLICT, "")
	_, err = db.AcceptInvitation(ctx, late.ID, &auth.User{Email: "mallory@example.com", Role: auth.Admin}, "$argon2id$evil", clock.Now())
	wantCode(t, err, psti.ECONFLICT, "")
	h, err := db.PasswordHash(ctx, admin.ID)
	must(t, err)
	if h != "$argon2id$hash" {
		t.Fatalf("password hash %q", h)
	}
	// A second invitation for the same address resets the password and
	// keeps the role.
	inv2 := &auth.Invitation{Email: "ada@example.com", Role: auth.Viewer, CreatedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)}
	must(t, db.CreateInvitation(ctx, psti.Actor{UserID: admin.ID, Label: admin.Email}, inv2, []byte("hash-2")))
	clock.Add(time.Minute)
	again, err := db.AcceptInvitation(ctx, inv2.ID, &auth.User{Email: "ada@example.com", Role: auth.Viewer}, "$argon2id$new", clock.Now())
	must(t, err)
	if again.ID != admin.ID || again.Role != auth.Admin || !again.PasswordChangedAt.Equal(clock.Now()) {
		t.Fatalf("reset: %+v", again)
	}
	byEmail, err := db.UserByEmail(ctx, "ada@example.com")
	must(t, err)
	if byEmail.ID != admin.ID {
		t.Fatalf("UserByEmail: %+v", byEmail)
	}

	// The last enabled admin cannot be demoted or disabled.
	u := *byEmail
	u.Role = auth.Editor
	wantCode(t, db.UpdateUser(ctx, editor, &u), psti.ECONFLICT, "")
	u = *byEmail
	now := clock.Now()
	u.DisabledAt = &now
	wantCode(t, db.UpdateUser(ctx, editor, &u), psti.ECONFLICT, "")
	// With a second admin it can.
	inv3 := &auth.Invitation{Email: "bob@example.com", Role: auth.Admin, CreatedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)}
	must(t, db.CreateInvitation(ctx, editor, inv3, []byte("hash-3")))
	_, err = db.AcceptInvitation(ctx, inv3.ID, &auth.User{Email: "bob@example.com", Role: auth.Admin}, "h", clock.Now())
	must(t, err)
	u = *byEmail
	u.Role = auth.Editor
	must(t, db.UpdateUser(ctx, editor, &u))
	if u.Role != auth.Editor || u.Revision != byEmail.Revision+1 {
		t.Fatalf("after update: %+v", u)
	}
	users, err := db.Users(ctx)
	must(t, err)
	if len(users) != 2 || users[0].Email != "ada@example.com" || users[1].Email != "bob@example.com" {
		t.Fatalf("users: %+v", users)
	}

	// A revoked setup link cannot be used.
	inv4 := &auth.Invitation{Email: "carol@example.com", Role: auth.Viewer, CreatedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)}
	must(t, db.CreateInvitation(ctx, editor, inv4, []byte("hash-4")))
	must(t, db.RevokeInvitation(ctx, editor, inv4.ID, clock.Now()))
	got4, err := db.InvitationByHash(ctx, []byte("hash-4"))
	must(t, err)
	if got4.RevokedAt == nil {
		t.Fatal("revoked setup link has no revoked_at")
	}
	_, err = db.AcceptInvitation(ctx, inv4.ID, &auth.User{Email: "carol@example.com", Role: auth.Viewer}, "h", clock.Now())
	wantCode(t, err, psti.ECONFLICT, "")
	wantCode(t, db.RevokeInvitation(ctx, editor, 999, clock.Now()), psti.ENOTFOUND, "")
}

// testLastAdmin has two admins demote each other at the same moment, many
// times: whatever the interleaving, one enabled admin must remain.
func testLastAdmin(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	var admins []*auth.User
	for i, email := range []string{"a@example.com", "b@example.com"} {
		inv := &auth.Invitation{Email: email, Role: auth.Admin, CreatedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)}
		must(t, db.CreateInvitation(ctx, editor, inv, []byte{byte(i)}))
		u, err := db.AcceptInvitation(ctx, inv.ID, &auth.User{Email: email, Role: auth.Admin}, "h", clock.Now())
		must(t, err)
		admins = append(admins, u)
	}
	for round := range 15 {
		var wg sync.WaitGroup
		for _, u := range admins {
			wg.Go(func() {
				cur, err := db.User(ctx, u.ID)
				if err != nil {
					return
				}
				cur.Role = auth.Editor
				_ = db.UpdateUser(ctx, editor, cur)
			})
		}
		wg.Wait()
		us, err := db.Users(ctx)
		must(t, err)
		enabled := 0
		for _, u := range us {
			if u.Role == auth.Admin && !u.Disabled() {
				enabled++
			}
		}
		if enabled == 0 {
			t.Fatalf("round %d: no enabled admin left", round)
		}
		// Make both admins again for the next round.
		for _, u := range us {
			u.Role = auth.Admin
			must(t, db.UpdateUser(ctx, editor, u))
		}
	}
	es, err := db.Audit(ctx, psti.AuditFilter{Entity: "user"})
	must(t, err)
	for _, e := range es {
		if strings.Contains(string(e.After), "argon2id") || strings.Contains(string(e.Before), "argon2id") {
			t.Fatalf("audit entry leaks a password hash: %s", e.After)
		}
	}
}

func testTokens(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	inv := &auth.Invitation{Email: "ada@example.com", Role: auth.Admin, CreatedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)}
	must(t, db.CreateInvitation(ctx, editor, inv, []byte("h")))
	u, err := db.AcceptInvitation(ctx, inv.ID, &auth.User{Email: "ada@example.com", Role: auth.Admin}, "h", clock.Now())
	must(t, err)
	tok := &auth.Token{UserID: u.ID, Name: "factory", Role: auth.Editor, Hint: "psti_abcdef"}
	must(t, db.CreateToken(ctx, editor, tok, []byte("secret-hash")))
	got, owner, err := db.TokenByHash(ctx, []byte("secret-hash"))
	must(t, err)
	if got.ID != tok.ID || got.Role != auth.Editor || got.UserEmail != "ada@example.com" || owner.ID != u.ID || owner.Role != auth.Admin {
		t.Fatalf("token lookup: %+v %+v", got, owner)
	}
	_, _, err = db.TokenByHash(ctx, []byte("nope"))
	wantCode(t, err, psti.ENOTFOUND, "")
	must(t, db.TouchToken(ctx, tok.ID, clock.Now()))
	clock.Add(time.Second)
	must(t, db.RevokeToken(ctx, editor, tok.ID, clock.Now()))
	must(t, db.RevokeToken(ctx, editor, tok.ID, clock.Now().Add(time.Hour)))
	got, _, err = db.TokenByHash(ctx, []byte("secret-hash"))
	must(t, err)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(clock.Now()) || got.LastUsedAt == nil {
		t.Fatalf("revoked token: %+v", got)
	}
	list, err := db.Tokens(ctx, 0)
	must(t, err)
	if len(list) != 1 || list[0].ID != tok.ID {
		t.Fatalf("tokens: %+v", list)
	}
	wantCode(t, db.RevokeToken(ctx, editor, 999, clock.Now()), psti.ENOTFOUND, "")
	wantCode(t, db.CreateToken(ctx, editor, &auth.Token{UserID: 999, Name: "x", Role: auth.Viewer, Hint: "h"}, []byte("x")), psti.EINVALID, "user")
}

func testSessions(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	must(t, db.CommitSession(ctx, []byte("s1"), auth.Session{Data: []byte("one"), Expires: clock.Now().Add(time.Hour)}))
	must(t, db.CommitSession(ctx, []byte("s1"), auth.Session{Data: []byte("two"), Expires: clock.Now().Add(2 * time.Hour)}))
	must(t, db.CommitSession(ctx, []byte("s2"), auth.Session{Data: []byte("x"), Expires: clock.Now().Add(time.Minute)}))
	s, err := db.FindSession(ctx, []byte("s1"))
	must(t, err)
	if string(s.Data) != "two" {
		t.Fatalf("session data %q", s.Data)
	}
	clock.Add(30 * time.Minute)
	_, err = db.FindSession(ctx, []byte("s2"))
	wantCode(t, err, psti.ENOTFOUND, "")
	n, err := db.DeleteExpiredSessions(ctx, clock.Now())
	must(t, err)
	if n != 1 {
		t.Fatalf("expired sessions deleted: %d", n)
	}
	must(t, db.DeleteSession(ctx, []byte("s1")))
	_, err = db.FindSession(ctx, []byte("s1"))
	wantCode(t, err, psti.ENOTFOUND, "")
}

// testConcurrentWrites checks that writers in parallel all succeed: on
// SQLite no "database is locked", on PostgreSQL no lost update.
func testConcurrentWrites(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				errs <- db.CreateBatch(ctx, editor, &product.Batch{ProductID: s.Product.ID, Code: fmt.Sprintf("W%d-%d", w, i)})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	bs, err := db.Batches(ctx, product.Filter{ParentID: s.Product.ID})
	must(t, err)
	if len(bs) != workers*each {
		t.Fatalf("%d batches, want %d", len(bs), workers*each)
	}
}

func testCopy(t *testing.T, b Backend) {
	src, _ := Open(t, b)
	dst, _ := Open(t, SQLite)
	CheckCopy(t, src, dst)
	// And back into the back end under test.
	again, _ := Open(t, b)
	CheckCopy(t, dst, again)
}

// CheckCopy fills src, copies it into the empty dst and checks that dst
// reads back the same and goes on assigning fresh ids.
func CheckCopy(t *testing.T, src, dst *store.DB) {
	t.Helper()
	ctx := context.Background()
	if n, _ := src.CountUsers(ctx); n == 0 {
		s := NewSeed(t, src)
		must(t, src.CreateBatch(ctx, editor, &product.Batch{ProductID: s.Product.ID, Code: "B1", Quantity: 5}))
		inv := &auth.Invitation{Email: "ada@example.com", Role: auth.Admin, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		must(t, src.CreateInvitation(ctx, editor, inv, []byte("h")))
		u, err := src.AcceptInvitation(ctx, inv.ID, &auth.User{Email: "ada@example.com", Role: auth.Admin}, "hash", time.Now())
		must(t, err)
		must(t, src.CreateToken(ctx, editor, &auth.Token{UserID: u.ID, Name: "t", Role: auth.Viewer, Hint: "psti_x"}, []byte("th")))
		must(t, src.CommitSession(ctx, []byte("s"), auth.Session{Data: []byte("d"), Expires: time.Now().Add(time.Hour)}))
		_, err = src.InstallationKey(ctx, "fingerprints", 32)
		must(t, err)
		// Reports, some with a promise due: the copy counts them for
		// the dashboard as it copies them.
		for i := range 3 {
			now := time.Now()
			r := &disclosure.Report{OrganisationID: s.Org.ID, Summary: fmt.Sprintf("report %d", i), Details: "d", Status: disclosure.StatusReceived, ReceivedAt: now}
			if i > 0 {
				due := now.AddDate(0, 0, i)
				r.Due, r.DueWhat = &due, "acknowledgement"
			}
			_, h := disclosure.NewReceipt()
			must(t, src.SubmitReport(ctx, r, h, disclosure.Event{At: now, Kind: disclosure.EventReceived, Public: true, Status: r.Status}))
		}
	}
	reportFilters := []disclosure.Filter{{}, {Status: "open"}, {Status: disclosure.StatusReceived}, {Overdue: time.Now().AddDate(0, 0, 2)}}
	want, err := src.Counts(ctx)
	must(t, err)
	got, err := store.CopyAll(ctx, src, dst, nil)
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("counts after copy:\n%v\nwant\n%v", got, want)
	}
	for _, f := range reportFilters {
		n, err := src.CountReports(ctx, f)
		must(t, err)
		m, err := dst.CountReports(ctx, f)
		must(t, err)
		if n != m || n == 0 {
			t.Fatalf("%+v: %d reports counted after the copy, %d in the source", f, m, n)
		}
	}
	ps, err := src.Products(ctx, product.Filter{IncludeArchived: true})
	must(t, err)
	qs, err := dst.Products(ctx, product.Filter{IncludeArchived: true})
	must(t, err)
	if !reflect.DeepEqual(ps, qs) {
		t.Fatalf("products differ after copy:\n%+v\n%+v", ps, qs)
	}
	ea, err := src.Audit(ctx, psti.AuditFilter{Limit: 500})
	must(t, err)
	eb, err := dst.Audit(ctx, psti.AuditFilter{Limit: 500})
	must(t, err)
	if len(ea) != len(eb) || ea[0].ID != eb[0].ID || string(ea[0].After) != string(eb[0].After) || !ea[0].At.Equal(eb[0].At) {
		t.Fatalf("audit trail differs after copy")
	}
	// The installation's keys travel with it: what they signed stays checkable.
	ka, err := src.InstallationKey(ctx, "fingerprints", 32)
	must(t, err)
	kb, err := dst.InstallationKey(ctx, "fingerprints", 32)
	must(t, err)
	if string(ka) != string(kb) {
		t.Fatal("the installation key changed in the copy")
	}
	// New records get ids after the copied ones.
	m := &product.Manufacturer{Name: "New", Address: "Addr"}
	must(t, dst.CreateManufacturer(ctx, editor, m))
	if m.ID <= int64(want["manufacturers"]) {
		t.Fatalf("new id %d reuses a copied one (%d copied)", m.ID, want["manufacturers"])
	}
	// Copying into a database that is not empty is refused.
	_, err = store.CopyAll(ctx, src, dst, nil)
	wantCode(t, err, psti.ECONFLICT, "")
}
