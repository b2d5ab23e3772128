package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/psti/psti/internal/store"
	"github.com/psti/psti/internal/store/storetest"
)

// TestAttachmentsMoveIntoPieces: attachments stored whole by an earlier psti
// are moved into pieces by the migration, and read back the same, on both
// back ends.
func TestAttachmentsMoveIntoPieces(t *testing.T) {
	for _, b := range storetest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			url := b.URL(t)
			db, err := store.Open(ctx, url, store.Options{NoMigrate: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.MigrateUpTo(ctx, 5); err != nil {
				t.Fatal(err)
			}
			content := bytes.Repeat([]byte("packet capture "), 100_000)
			now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO reports (id, receipt_hash, summary, details, status, received_at, updated_at) VALUES (1, $1, 's', 'd', 'received', $2, $2)`, []any{[]byte("hash"), now}},
				{`INSERT INTO report_attachments (id, report_id, name, content_type, size, sha256, data) VALUES (1, 1, 'old.pcap', 'application/octet-stream', $1, 'abc', $2)`, []any{len(content), content}},
				{`INSERT INTO report_attachments (id, report_id, name, content_type, size, sha256, data) VALUES (2, 1, 'empty.txt', 'text/plain', 0, 'e3b0', $1)`, []any{[]byte{}}},
			} {
				if err := db.Exec(ctx, q.sql, q.args...); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()

			db, err = store.Open(ctx, url, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for id, want := range map[int64][]byte{1: content, 2: {}} {
				var got bytes.Buffer
				if err := db.WriteAttachment(ctx, 1, id, &got); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Fatalf("attachment %d after the migration: %d bytes, want %d", id, got.Len(), len(want))
				}
			}
		})
	}
}
