package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/store"
)

// StatementContent is a complete statement of compliance for the seed's
// product, with non-ASCII names and three batches.
func StatementContent() statement.Statement {
	return statement.Statement{
		ProductType: "Video doorbell", Model: "DB-200",
		Batches: []string{"B-2026-01", "B-2026-02", "B-2026-03"},
		Manufacturers: []statement.Party{
			{Name: "Acme Devices Ltd", Address: "1 High Street\nLondon"},
			{Name: "Fabryka Łódź sp. z o.o.", Address: "ul. Piotrkowska 1\n90-001 Łódź"},
		},
		Claims: []statement.Claim{
			{Paragraph: 1, Route: statement.RouteRequirement}, {Paragraph: 2, Route: statement.RouteRequirement},
			{Paragraph: 3, Route: statement.RouteDeemed, Standards: []statement.Standard{{Number: "ETSI EN 303 645", Version: "V2.1.1", Issued: "2020-06", Provisions: "5.3-13"}}},
		},
		SupportEnd: "2030-03-31",
		Signatory:  statement.Signatory{Name: "Zoë Brontë", Function: "Head of Product Security"},
		Place:      "London", Issued: "2026-12-07",
	}
}

// Renderings are stand-ins for a statement's renderings (the store keeps
// bytes; what they are is the renderers').
func Renderings(tag string) []statement.Rendering {
	return []statement.Rendering{
		statement.NewRendering(statement.RenderingJSON, "application/json", []byte(`{"statement":"`+tag+`"}`)),
		statement.NewRendering(statement.RenderingPDF, "application/pdf", []byte("%PDF-1.7 "+tag)),
	}
}

// testStatements: a statement is a draft until issued; issuing checks
// every mandatory field, keeps its renderings and logs their hashes in
// the same transaction; an issued statement never changes, at the store
// and in the database; a correction is a new version that supersedes it,
// both kept; the retention list says how long each must be kept.
func testStatements(t *testing.T, b Backend) {
	ctx := context.Background()
	db, _ := Open(t, b)
	openLog(t, db)
	seed := NewSeed(t, db)
	r := &statement.Record{ProductID: seed.Product.ID, Content: StatementContent()}
	r.Content.Signatory.Name = "" // not yet known
	must(t, db.CreateStatement(ctx, editor, r))
	if r.Version != 1 || len(r.Number) != len("SOC-2026-0001") || r.Status != statement.StatusDraft {
		t.Fatalf("draft %+v", r)
	}
	// Issuing an incomplete statement is refused, naming the field.
	_, err := db.IssueStatement(ctx, editor, r.ID, Renderings("v1"))
	if psti.ErrorCode(err) != psti.EINVALID || len(psti.ErrorFields(err)) != 1 || psti.ErrorFields(err)[0].Field != "signatory.name" {
		t.Fatalf("issuing without a signatory: %v %v", err, psti.ErrorFields(err))
	}
	r.Content.Signatory.Name = "Zoë Brontë"
	must(t, db.UpdateStatement(ctx, editor, r))
	// A rendering whose hash is not its bytes'.
	bad := Renderings("v1")
	bad[1].Data = []byte("something else")
	if _, err := db.IssueStatement(ctx, editor, r.ID, bad); psti.ErrorCode(err) != psti.EINVALID {
		t.Fatalf("a rendering with a wrong hash: %v", err)
	}
	// Renderings of other content than the draft's (it changed after
	// they were made) are refused: what is signed is what is kept.
	other := StatementContent()
	other.Place = "Somewhere else"
	stale, err := statement.RenderJSON(&other, r.Number, r.Version, "https://psti.test/statements/"+r.Number+"/1")
	must(t, err)
	if _, err := db.IssueStatement(ctx, editor, r.ID, []statement.Rendering{statement.NewRendering(statement.RenderingJSON, "application/json", stale)}); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("renderings of other content: %v", err)
	}
	_, before, err := db.LogCheckpoint(ctx)
	must(t, err)
	v1, err := db.IssueStatement(ctx, editor, r.ID, Renderings("v1"))
	must(t, err)
	if v1.Status != statement.StatusIssued || v1.KeepUntil != "2036-12-06" || v1.LogIndex == nil || *v1.LogIndex != before.Size {
		t.Fatalf("issued %+v", v1)
	}
	data, err := db.LogEntry(ctx, *v1.LogIndex)
	must(t, err)
	e, err := ledger.ParseEntry(data)
	must(t, err)
	if e.Kind != ledger.KindStatementIssued || len(e.Documents) != 2 || e.Subject != "statement/"+v1.Number {
		t.Fatalf("log entry %s", data)
	}
	for i, x := range Renderings("v1") {
		if e.Documents[i].SHA256 != x.SHA256 {
			t.Fatalf("the log names %s as %s, not %s", x.Kind, e.Documents[i].SHA256, x.SHA256)
		}
	}
	pdf, err := db.StatementRendering(ctx, v1.ID, statement.RenderingPDF)
	must(t, err)
	if string(pdf.Data) != "%PDF-1.7 v1" {
		t.Fatalf("kept PDF %q", pdf.Data)
	}

	// Issued: no change, no second issue, no deletion, at any layer.
	v1.Content.Place = "Manchester"
	if err := db.UpdateStatement(ctx, editor, v1); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("an issued statement was changed: %v", err)
	}
	if _, err := db.IssueStatement(ctx, editor, v1.ID, Renderings("again")); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("issued twice: %v", err)
	}
	for _, q := range []string{`UPDATE statements SET content = '{}' WHERE status = 'issued'`, `UPDATE statements SET keep_until = '2027-01-01' WHERE status = 'issued'`,
		`DELETE FROM statements`, `DELETE FROM statement_renderings`, `UPDATE statement_renderings SET data = data`} {
		if _, err := raw(t, db).ExecContext(ctx, q); err == nil {
			t.Errorf("the database let %q through", q)
		}
	}

	// A correction: version 2, superseding version 1; both kept.
	v2 := &statement.Record{Supersedes: &v1.ID, Content: StatementContent()}
	v2.Content.Batches = append(v2.Content.Batches, "B-2026-04")
	must(t, db.CreateStatement(ctx, editor, v2))
	if v2.Number != v1.Number || v2.Version != 2 || v2.ProductID != seed.Product.ID {
		t.Fatalf("correction %+v", v2)
	}
	if err := db.CreateStatement(ctx, editor, &statement.Record{Supersedes: &v1.ID, Content: StatementContent()}); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("a second correction of the same version: %v", err)
	}
	_, err = db.IssueStatement(ctx, editor, v2.ID, Renderings("v2"))
	must(t, err)
	old, err := db.Statement(ctx, v1.ID)
	must(t, err)
	if old.SupersededBy == nil || *old.SupersededBy != v2.ID || old.Content.Place != "London" {
		t.Fatalf("version 1 after its correction %+v", old)
	}
	data, _ = db.LogEntry(ctx, *v1.LogIndex+1)
	var rec struct {
		Version    int `json:"version"`
		Supersedes int `json:"supersedes_version"`
	}
	e, _ = ledger.ParseEntry(data)
	if json.Unmarshal(e.Record, &rec) != nil || rec.Version != 2 || rec.Supersedes != 1 {
		t.Fatalf("log entry of the correction %s", data)
	}
	if err := db.CreateStatement(ctx, editor, &statement.Record{Supersedes: &v1.ID, Content: StatementContent()}); psti.ErrorCode(err) != psti.ECONFLICT {
		t.Fatalf("a correction of a superseded version: %v", err)
	}
	list, err := db.Retention(ctx)
	must(t, err)
	if len(list) != 2 || list[0].KeepUntil != "2036-12-06" {
		t.Fatalf("retention %+v", list)
	}
	if problems, err := db.CheckLog(ctx, nil); err != nil || len(problems) > 0 {
		t.Fatalf("log: %v %v", problems, err)
	}

	// Lists: by number (every version), by product, by status.
	draft := &statement.Record{ProductID: seed.Product.ID, Content: StatementContent()}
	must(t, db.CreateStatement(ctx, editor, draft))
	for _, c := range []struct {
		f    statement.Filter
		want []int64
	}{
		{statement.Filter{Number: v1.Number}, []int64{v2.ID, v1.ID}},
		{statement.Filter{ProductID: seed.Product.ID}, []int64{draft.ID, v2.ID, v1.ID}},
		{statement.Filter{Status: statement.StatusDraft}, []int64{draft.ID}},
		{statement.Filter{Status: statement.StatusIssued, Limit: 1}, []int64{v2.ID}},
		{statement.Filter{ProductID: seed.Product.ID + 1000}, nil},
	} {
		got, err := db.Statements(ctx, c.f)
		must(t, err)
		var ids []int64
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(c.want) {
			t.Errorf("Statements(%+v) = %v, want %v", c.f, ids, c.want)
		}
	}
	// A copy is found by its SHA-256; another is not.
	found, kind, err := db.StatementByRendering(ctx, Renderings("v2")[1].SHA256)
	if err != nil || found.ID != v2.ID || kind != statement.RenderingPDF {
		t.Fatalf("by rendering: %v %s %v", found, kind, err)
	}
	if _, _, err := db.StatementByRendering(ctx, Renderings("never issued")[0].SHA256); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("an unknown copy: %v", err)
	}
	// A draft may be deleted; an issued version is refused, saying until
	// when it is kept (PSTI-SOC-05).
	if err := db.DeleteStatement(ctx, editor, v1.ID); psti.ErrorCode(err) != psti.ECONFLICT || !strings.Contains(psti.ErrorMessage(err), "6 December 2036") {
		t.Fatalf("deleting an issued statement: %v", err)
	}
	must(t, db.DeleteStatement(ctx, editor, draft.ID))
	if _, err := db.Statement(ctx, draft.ID); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("a deleted draft: %v", err)
	}
	// A draft deleted between two others leaves a gap: the next is
	// numbered after the highest, never twice.
	mid, last := &statement.Record{ProductID: seed.Product.ID}, &statement.Record{ProductID: seed.Product.ID}
	must(t, db.CreateStatement(ctx, editor, mid))
	must(t, db.CreateStatement(ctx, editor, last))
	must(t, db.DeleteStatement(ctx, editor, mid.ID))
	next := &statement.Record{ProductID: seed.Product.ID}
	must(t, db.CreateStatement(ctx, editor, next))
	if next.Number <= last.Number || next.Version != 1 {
		t.Fatalf("after %s was deleted, the next after %s is %s", mid.Number, last.Number, next.Number)
	}
	var _ statement.Store = (*store.DB)(nil)
}
