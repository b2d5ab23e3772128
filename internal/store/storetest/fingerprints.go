package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"testing"

	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// testPasswordFingerprints (PSTI-PW-01 across batches): a running audit
// keeps its fingerprint file once, read back exactly; an audit is compared
// with the newest finished audit of every other batch of its product, never
// with its own batch's nor another product's; the pieces are kept, never
// changed.
func testPasswordFingerprints(t *testing.T, b Backend) {
	db, _ := Open(t, b)
	ctx := context.Background()
	s := NewSeed(t, db)
	batch := func(productID int64, code string) int64 {
		bt := &product.Batch{ProductID: productID, Code: code}
		must(t, db.CreateBatch(ctx, editor, bt))
		return bt.ID
	}
	other := &product.Product{BrandID: s.Brand.ID, Name: "Camera", Type: "camera", ModelNumber: "CAM-1", ManufacturerIDs: []int64{s.Makers[0].ID}}
	must(t, db.CreateProduct(ctx, editor, other))
	b1, b2, b3, bx := batch(s.Product.ID, "B-1"), batch(s.Product.ID, "B-2"), batch(s.Product.ID, "B-3"), batch(other.ID, "X-1")

	system := psti.System("password audit")
	file := func() []byte {
		f := make([]byte, 600<<10) // three pieces
		_, _ = rand.Read(f)
		return f
	}
	// audit runs an audit of a batch to its end, keeping fingerprints when
	// print is not nil.
	audit := func(batchID int64, name string, print []byte, state string) *passwords.Run {
		r := &passwords.Run{BatchID: batchID, FileName: name, FileBytes: 1, CreatedBy: editor.Label}
		must(t, db.CreateRun(ctx, editor, r))
		r.State = passwords.RunRunning
		must(t, db.UpdateRun(ctx, r))
		if print != nil {
			must(t, db.SaveFingerprints(ctx, r.ID, bytes.NewReader(print)))
		}
		if state != "" {
			r.State = state
			if state == passwords.RunDone {
				r.Verdict, r.Report = "pass", &passwords.Report{Verdict: "pass"}
			}
			must(t, db.FinishRun(ctx, system, r))
		}
		return r
	}
	first, second := file(), file()
	audit(b1, "b1-first.csv", first, passwords.RunDone)
	newest := audit(b1, "b1-second.csv", second, passwords.RunDone)
	audit(b1, "b1-failed.csv", nil, passwords.RunFailed)
	audit(b3, "b3-running.csv", file(), "") // not finished: not compared with
	audit(bx, "x.csv", file(), passwords.RunDone)

	list, err := db.EarlierFingerprints(ctx, b2)
	must(t, err)
	if len(list) != 1 || list[0] != (passwords.StoredFingerprints{RunID: newest.ID, BatchID: b1, BatchCode: "B-1", FileName: "b1-second.csv"}) {
		t.Fatalf("earlier fingerprints for B-2: %+v", list)
	}
	// B-1 audited again is compared with no earlier audit of its own.
	if list, err := db.EarlierFingerprints(ctx, b1); err != nil || len(list) != 0 {
		t.Fatalf("earlier fingerprints for B-1: %+v %v", list, err)
	}
	rc, err := db.OpenFingerprints(ctx, newest.ID)
	must(t, err)
	got, err := io.ReadAll(rc)
	must(t, err)
	rc.Close()
	if !bytes.Equal(got, second) {
		t.Fatalf("read back %d bytes, not the %d kept", len(got), len(second))
	}
	if _, err := db.OpenFingerprints(ctx, newest.ID+1); psti.ErrorCode(err) != psti.ENOTFOUND {
		t.Fatalf("an audit without fingerprints: %v", err)
	}
	// Once finished, an audit's fingerprints do not change.
	wantCode(t, db.SaveFingerprints(ctx, newest.ID, bytes.NewReader(first)), psti.ECONFLICT, "")
	if _, err := raw(t, db).ExecContext(ctx, `UPDATE password_audit_fingerprints SET data = $1`, []byte("x")); err == nil {
		t.Fatal("the table let fingerprints be changed")
	}
	if _, err := raw(t, db).ExecContext(ctx, `DELETE FROM password_audit_fingerprints`); err == nil {
		t.Fatal("the table let fingerprints be deleted")
	}
}
