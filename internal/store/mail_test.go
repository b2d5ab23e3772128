package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/psti/psti/internal/mail"
	"github.com/psti/psti/internal/psti"
)

// TestEnqueueMailInTransaction: mail queued by a store method commits with
// that method's change, or not at all.
func TestEnqueueMailInTransaction(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "psti.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := mail.Message{To: "reporter@example.com", Subject: "Status update", Text: "Fixed.\n", Kind: "report-update", Ref: "report:7"}
	queued := func() int {
		q, _, _, err := db.MailStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}

	// The change fails after the mail was queued: neither is kept.
	failed := errors.New("the change failed")
	err = db.write(ctx, psti.System("test"), func(tx *sql.Tx, now time.Time) (*change, error) {
		if err := db.enqueueMail(ctx, tx, now, m); err != nil {
			return nil, err
		}
		return nil, failed
	})
	if !errors.Is(err, failed) || queued() != 0 {
		t.Fatalf("after a failed change: %v, %d queued", err, queued())
	}

	// Invalid mail fails the change.
	bad := m
	bad.To = ""
	err = db.write(ctx, psti.System("test"), func(tx *sql.Tx, now time.Time) (*change, error) {
		return &change{psti.ActionUpdate, "report", 7, nil, nil}, db.enqueueMail(ctx, tx, now, m, bad)
	})
	if psti.ErrorCode(err) != psti.EINVALID || queued() != 0 {
		t.Fatalf("with invalid mail: %v, %d queued", err, queued())
	}
	if es, err := db.Audit(ctx, psti.AuditFilter{Entity: "report"}); err != nil || len(es) != 0 {
		t.Fatalf("audit entries of a refused change: %v %v", es, err)
	}

	// Both commit together.
	err = db.write(ctx, psti.System("test"), func(tx *sql.Tx, now time.Time) (*change, error) {
		return &change{psti.ActionUpdate, "report", 7, nil, nil}, db.enqueueMail(ctx, tx, now, m, m)
	})
	if err != nil || queued() != 2 {
		t.Fatalf("after the change: %v, %d queued", err, queued())
	}
	if es, err := db.Audit(ctx, psti.AuditFilter{Entity: "report"}); err != nil || len(es) != 1 {
		t.Fatalf("audit entries of the change: %v %v", es, err)
	}
}
