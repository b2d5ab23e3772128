package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/support"
)

// testProductSlugs: a product gets a readable slug when it is created,
// unique among all products, found again by ProductBySlug; renaming it
// never changes it (and the database refuses to), and products that had
// none get theirs when the database is opened.
func testProductSlugs(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	if s.Product.Slug != "acme-home-doorbell-pro-db-200" {
		t.Fatalf("slug %q", s.Product.Slug)
	}
	// The same words again (another hardware version) get "-2".
	twin := &product.Product{BrandID: s.Brand.ID, Name: "Doorbell Pro", Type: "video doorbell", ModelNumber: "DB-200", HardwareVersion: "2"}
	must(t, db.CreateProduct(ctx, editor, twin))
	if twin.Slug != "acme-home-doorbell-pro-db-200-2" {
		t.Fatalf("second slug %q", twin.Slug)
	}
	got, err := db.ProductBySlug(ctx, twin.Slug)
	must(t, err)
	if got.ID != twin.ID || got.Slug != twin.Slug || got.HardwareVersion != "2" {
		t.Fatalf("by slug: %+v", got)
	}
	if _, err := db.ProductBySlug(ctx, "no-such-product"); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("unknown slug: %v", err)
	}
	// Renamed, it keeps its slug, whatever the update sends.
	got.Name, got.Slug = "Doorbell Max", "something-else"
	must(t, db.UpdateProduct(ctx, editor, got))
	again, err := db.Product(ctx, twin.ID)
	must(t, err)
	if again.Name != "Doorbell Max" || again.Slug != twin.Slug {
		t.Fatalf("after renaming: name %q slug %q", again.Name, again.Slug)
	}
	c := raw(t, db)
	if _, err := c.ExecContext(ctx, fmt.Sprintf(`UPDATE products SET slug = 'renamed' WHERE id = %d`, twin.ID)); err == nil {
		t.Fatal("the database let a product's slug change")
	}
	// A product from before slugs (as written by an older psti) gets its
	// slug when the database is next opened.
	var brandID int64 = s.Brand.ID
	if _, err := c.ExecContext(ctx, fmt.Sprintf(`INSERT INTO products (revision, created_at, updated_at, brand_id, name, type, model_number)
		VALUES (1, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', %d, 'Café Lamp', 'lamp', 'L-1')`, brandID)); err != nil {
		t.Fatal(err)
	}
	again2, err := store.Open(ctx, db.URL(), store.Options{})
	must(t, err)
	defer again2.Close()
	old, err := again2.ProductBySlug(ctx, "acme-home-cafe-lamp-l-1")
	must(t, err)
	if old.Name != "Café Lamp" {
		t.Fatalf("filled slug found %+v", old)
	}
}

// testSupportPeriods: drafts are made, changed and deleted; publishing and
// extending are recorded with their extensions and audit entries; what the
// law forbids (an earlier end date, changing what a published period
// covers, deleting it) is refused by the store with ECONFLICT and changes
// nothing; lists, reminders and the public search see what they should.
func testSupportPeriods(t *testing.T, b Backend) {
	db, clock := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)

	// A draft, changed freely, even to an earlier date.
	p := &support.Period{ProductID: s.Product.ID, EndDate: "2030-03-31", Notes: "Updates come automatically."}
	must(t, db.CreatePeriod(ctx, editor, p))
	if p.ID == 0 || p.Status != support.StatusDraft || p.Revision != 1 {
		t.Fatalf("created %+v", p)
	}
	wantCode(t, db.CreatePeriod(ctx, editor, &support.Period{ProductID: s.Product.ID, EndDate: "until further notice"}), psti.EINVALID, "end_date")
	wantCode(t, db.CreatePeriod(ctx, editor, &support.Period{ProductID: 9999, EndDate: "2030-03-31"}), psti.EINVALID, "product_id")
	clock.Add(time.Minute)
	edit := &support.Period{ID: p.ID, EndDate: "2029-12-31", Models: []string{"DB-200 (white)"}, Notes: p.Notes, Revision: 1}
	must(t, db.UpdatePeriod(ctx, editor, edit))
	wantCode(t, db.UpdatePeriod(ctx, editor, &support.Period{ID: p.ID, EndDate: "2029-12-31", Revision: 1}), psti.ECONFLICT, "")
	got, err := db.Period(ctx, p.ID)
	must(t, err)
	if got.EndDate != "2029-12-31" || !slices.Equal(got.Models, []string{"DB-200 (white)"}) || got.Revision != 2 || got.Published() {
		t.Fatalf("edited draft: %+v", got)
	}

	// Publishing: deliberate, once.
	clock.Add(time.Minute)
	wantCode(t, func() error { _, err := db.PublishPeriod(ctx, editor, p.ID, 1); return err }(), psti.ECONFLICT, "")
	pub, err := db.PublishPeriod(ctx, editor, p.ID, 2)
	must(t, err)
	if !pub.Published() || pub.FirstPublishedAt == nil || !pub.FirstPublishedAt.Equal(clock.Now()) {
		t.Fatalf("published %+v", pub)
	}
	wantCode(t, func() error { _, err := db.PublishPeriod(ctx, editor, p.ID, 0); return err }(), psti.ECONFLICT, "")

	// Extending, twice; shortening refused, with the reason beside the field.
	clock.Add(24 * time.Hour)
	_, err = db.ExtendPeriod(ctx, editor, p.ID, "2031-03-31", "Parts supply secured.")
	must(t, err)
	clock.Add(24 * time.Hour)
	ext, err := db.ExtendPeriod(ctx, editor, p.ID, "2032-06-30", "Second extension.")
	must(t, err)
	before, err := db.Counts(ctx)
	must(t, err)
	for _, end := range []string{"2032-06-29", "2026-01-01"} {
		_, err = db.ExtendPeriod(ctx, editor, p.ID, end, "Cost cutting.")
		wantCode(t, err, psti.ECONFLICT, "end_date")
		if !strings.Contains(psti.ErrorMessage(err), "never shortened") {
			t.Fatalf("refusal does not say why: %v", err)
		}
	}
	wantCode(t, db.UpdatePeriod(ctx, editor, &support.Period{ID: p.ID, EndDate: "2030-01-01"}), psti.ECONFLICT, "end_date")
	wantCode(t, db.UpdatePeriod(ctx, editor, &support.Period{ID: p.ID, EndDate: "2032-06-30", Models: []string{"other"}}), psti.ECONFLICT, "models")
	wantCode(t, db.DeletePeriod(ctx, editor, p.ID), psti.ECONFLICT, "")
	if after, err := db.Counts(ctx); err != nil || fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("refusals changed rows:\n%v\n%v (%v)", before, after, err)
	}
	got, err = db.Period(ctx, p.ID)
	must(t, err)
	if got.EndDate != "2032-06-30" || len(got.Extensions) != 2 || got.Revision != ext.Revision {
		t.Fatalf("after refusals: %+v", got)
	}
	e0, e1 := got.Extensions[0], got.Extensions[1]
	if e0.PreviousEndDate != "2029-12-31" || e0.EndDate != "2031-03-31" || e0.Reason != "Parts supply secured." ||
		e1.PreviousEndDate != "2031-03-31" || e1.EndDate != "2032-06-30" || !e1.At.Equal(clock.Now()) {
		t.Fatalf("extensions: %+v", got.Extensions)
	}
	// A published period's notes may change.
	must(t, db.UpdatePeriod(ctx, editor, &support.Period{ID: p.ID, EndDate: "2032-06-30", Notes: "Also printed on the box."}))

	// The log holds one entry per publication and extension, none for
	// drafts, refusals or notes; each row names its entry, and from the
	// entries alone the end date is seen never to go backwards.
	logged, err := db.LogEntriesAbout(ctx, support.Subject(s.Product.Slug))
	must(t, err)
	if len(logged) != 3 {
		t.Fatalf("%d log entries about the product, want 3 (published, extended twice)", len(logged))
	}
	var history []support.LogEntry
	for i, l := range logged {
		history = append(history, support.LogEntry(l))
		want := []string{support.KindPublished, support.KindExtended, support.KindExtended}[i]
		if l.Entry.Kind != want {
			t.Errorf("entry %d is %s, want %s", l.Index, l.Entry.Kind, want)
		}
	}
	must(t, support.CheckHistory(history))
	if got.LogIndex == nil || *got.LogIndex != logged[0].Index || e0.LogIndex == nil || *e0.LogIndex != logged[1].Index || e1.LogIndex == nil || *e1.LogIndex != logged[2].Index {
		t.Fatalf("the period and its extensions do not name their entries %d, %d, %d: %v %v %v", logged[0].Index, logged[1].Index, logged[2].Index, got.LogIndex, e0.LogIndex, e1.LogIndex)
	}

	es, err := db.Audit(ctx, psti.AuditFilter{Entity: "support_period", EntityID: p.ID})
	must(t, err)
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
	}
	if want := []string{"update", "extend", "extend", "publish", "update", "create"}; !slices.Equal(actions, want) {
		t.Fatalf("audit actions %v, want %v", actions, want)
	}

	// A draft may be deleted.
	draft := &support.Period{ProductID: s.Product.ID, EndDate: "2027-01-01"}
	must(t, db.CreatePeriod(ctx, editor, draft))
	must(t, db.DeletePeriod(ctx, editor, draft.ID))
	if _, err := db.Period(ctx, draft.ID); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("deleted draft: %v", err)
	}

	// Lists, reminders, the public search.
	other := &product.Product{BrandID: s.Brand.ID, Name: "Smart Plug", Type: "plug", ModelNumber: "SP-1",
		Identifiers: []product.Identifier{{Scheme: product.SchemeGTIN, Value: "96385074"}}}
	must(t, db.CreateProduct(ctx, editor, other))
	soon := &support.Period{ProductID: other.ID, EndDate: "2026-06-30"}
	must(t, db.CreatePeriod(ctx, editor, soon))
	drafts, err := db.Periods(ctx, support.Filter{Status: support.StatusDraft})
	must(t, err)
	if len(drafts) != 1 || drafts[0].ID != soon.ID {
		t.Fatalf("drafts: %+v", drafts)
	}
	none, err := db.Unsupported(ctx, 10)
	must(t, err)
	if !slices.Equal(none, []int64{other.ID}) {
		t.Fatalf("unsupported %v, want only the plug %d (its period is a draft)", none, other.ID)
	}
	found, err := db.PublicProducts(ctx, "96385074", 10)
	must(t, err)
	if len(found) != 0 {
		t.Fatalf("a product whose only period is a draft is public: %+v", found)
	}
	_, err = db.PublishPeriod(ctx, editor, soon.ID, 0)
	must(t, err)
	ending, err := db.Periods(ctx, support.Filter{Status: support.StatusPublished, EndsBy: "2026-12-31"})
	must(t, err)
	if len(ending) != 1 || ending[0].ID != soon.ID {
		t.Fatalf("ending by the end of 2026: %+v", ending)
	}
	mine, err := db.Periods(ctx, support.Filter{ProductID: s.Product.ID})
	must(t, err)
	if len(mine) != 1 || mine[0].ID != p.ID || len(mine[0].Extensions) != 2 {
		t.Fatalf("the doorbell's periods: %+v", mine)
	}
	for q, want := range map[string][]int64{
		"":              {s.Product.ID, other.ID},
		"96385074":      {other.ID}, // GTIN
		"9638507":       nil,        // a GTIN matches whole
		"doorbell":      {s.Product.ID},
		"SP-":           {other.ID}, // model number
		"%":             nil,
		"4006381333931": {s.Product.ID},
	} {
		ps, err := db.PublicProducts(ctx, q, 10)
		must(t, err)
		var ids []int64
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, want) {
			t.Errorf("search %q found %v, want %v", q, ids, want)
		}
	}
}

// testSupportTriggers: the database itself refuses, on a hand-written
// statement, what the law forbids of a published support period: an
// earlier end date, unpublishing, moving it to another product, deleting
// it, and changing or deleting its extensions or a log index once set
// (PSTI-DSP-05). A draft is not so guarded.
func testSupportTriggers(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	other := &product.Product{BrandID: s.Brand.ID, Name: "Plug", Type: "plug", ModelNumber: "P1"}
	must(t, db.CreateProduct(ctx, editor, other))
	p := &support.Period{ProductID: s.Product.ID, EndDate: "2030-03-31"}
	must(t, db.CreatePeriod(ctx, editor, p))
	_, err := db.PublishPeriod(ctx, editor, p.ID, 0)
	must(t, err)
	_, err = db.ExtendPeriod(ctx, editor, p.ID, "2031-03-31", "More time.")
	must(t, err)
	draft := &support.Period{ProductID: s.Product.ID, EndDate: "2029-01-01"}
	must(t, db.CreatePeriod(ctx, editor, draft))
	c := raw(t, db)
	before, err := db.Counts(ctx)
	must(t, err)
	for _, stmt := range []string{
		fmt.Sprintf(`UPDATE support_periods SET end_date = '2031-03-30' WHERE id = %d`, p.ID), // one day earlier
		fmt.Sprintf(`UPDATE support_periods SET end_date = '2020-01-01', revision = revision + 1 WHERE id = %d`, p.ID),
		`UPDATE support_periods SET end_date = '2001-01-01'`, // every row, the draft with them
		fmt.Sprintf(`UPDATE support_periods SET status = 'draft', first_published_at = NULL WHERE id = %d`, p.ID),
		fmt.Sprintf(`UPDATE support_periods SET product_id = %d WHERE id = %d`, other.ID, p.ID),
		fmt.Sprintf(`UPDATE support_periods SET models = '["only the white one"]' WHERE id = %d`, p.ID),
		fmt.Sprintf(`DELETE FROM support_periods WHERE id = %d`, p.ID),
		`UPDATE support_period_extensions SET new_end_date = '2035-01-01'`,
		`UPDATE support_period_extensions SET reason = 'something else'`,
		`DELETE FROM support_period_extensions`,
		fmt.Sprintf(`INSERT INTO support_period_extensions (period_id, at, old_end_date, new_end_date, reason) VALUES (%d, '2026-03-01 00:00:00+00:00', '2031-03-31', '2030-01-01', 'back')`, p.ID),
	} {
		if _, err := c.ExecContext(ctx, stmt); err == nil {
			t.Errorf("%s: the database allowed it", stmt)
		}
	}
	// It is the law's rule that refuses it, and the error says so.
	_, err = c.ExecContext(ctx, fmt.Sprintf(`UPDATE support_periods SET end_date = '2031-03-30' WHERE id = %d`, p.ID))
	if err == nil || !strings.Contains(err.Error(), "PSTI-DSP-05") || !strings.Contains(err.Error(), "never shortened") {
		t.Errorf("shortening refused with %v; want the rule named", err)
	}
	after, err := db.Counts(ctx)
	must(t, err)
	got, err := db.Period(ctx, p.ID)
	must(t, err)
	if fmt.Sprint(before) != fmt.Sprint(after) || got.EndDate != "2031-03-31" || !got.Published() || got.ProductID != s.Product.ID || len(got.Extensions) != 1 {
		t.Fatalf("refused statements changed something: %+v\n%v\n%v", got, before, after)
	}
	// The log entry a period or an extension names is kept.
	if got.LogIndex == nil || len(got.Extensions) != 1 || got.Extensions[0].LogIndex == nil {
		t.Fatalf("published and extended without log entries: %+v", got)
	}
	for _, stmt := range []string{
		fmt.Sprintf(`UPDATE support_periods SET log_index = log_index + 1 WHERE id = %d`, p.ID),
		fmt.Sprintf(`UPDATE support_periods SET log_index = NULL WHERE id = %d`, p.ID),
		`UPDATE support_period_extensions SET log_index = log_index + 1`,
		`UPDATE support_period_extensions SET log_index = NULL`,
	} {
		if _, err := c.ExecContext(ctx, stmt); err == nil {
			t.Errorf("%s: the database allowed it", stmt)
		}
	}
	// The trigger stops shortening only: a later date is the log's to
	// catch (it has no entry), and a draft is free.
	if _, err := c.ExecContext(ctx, fmt.Sprintf(`UPDATE support_periods SET end_date = '2028-01-01' WHERE id = %d`, draft.ID)); err != nil {
		t.Fatalf("changing a draft's end date: %v", err)
	}
	if _, err := c.ExecContext(ctx, fmt.Sprintf(`DELETE FROM support_periods WHERE id = %d`, draft.ID)); err != nil {
		t.Fatalf("deleting a draft: %v", err)
	}
	if _, err := c.ExecContext(ctx, fmt.Sprintf(`UPDATE support_periods SET end_date = '2040-01-01' WHERE id = %d`, p.ID)); err != nil {
		t.Fatalf("a later end date: %v", err)
	}
}
