package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/store/storetest"
)

// TestLogServedVerifies: the log as the server publishes it at /log/ is a
// copy that ledger.VerifyMirror (what psti verify log and psti verify
// product read) checks whole, from the key served at /log/key alone: every
// entry read from the entry bundles, the hash tiles of two levels and the
// signed root.
func TestLogServedVerifies(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx := context.Background()
	var es []*ledger.Entry
	for i := range 300 {
		es = append(es, &ledger.Entry{Kind: ledger.KindSupportPublished, At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
			Subject: fmt.Sprintf("product/p-%d", i), Record: json.RawMessage(`{"period_id":1,"end_date":"2030-03-31"}`)})
	}
	if _, err := e.db.AppendLog(ctx, psti.System("test"), es); err != nil {
		t.Fatal(err)
	}
	read := func(path string) ([]byte, error) {
		st, body, _ := fetch(t, e.ts.URL+"/log/"+path)
		switch st {
		case http.StatusOK:
			return body, nil
		case http.StatusNotFound:
			return nil, fmt.Errorf("/log/%s: %w", path, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("/log/%s: %d %s", path, st, body)
	}
	_, key, _ := fetch(t, e.ts.URL+"/log/key")
	var seen int64
	r, err := ledger.VerifyMirror(read, []string{strings.TrimSpace(string(key))}, func(l ledger.Logged) {
		if l.Index == seen {
			seen++
		}
	})
	if err != nil || !r.OK() {
		t.Fatalf("the served log does not verify: %v %+v", err, r)
	}
	if r.Checkpoint.Size < 300 || seen != r.Checkpoint.Size || r.KeyList == nil {
		t.Fatalf("checked %d entries in order of %d: %+v", seen, r.Checkpoint.Size, r)
	}
}
