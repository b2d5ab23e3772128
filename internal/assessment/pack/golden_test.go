package pack

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/support"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// plain is an Input without the parts made with fresh keys (the log and
// the statements), so that its pack is the same on every run.
func plain() *Input {
	received := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	ack := received.Add(26 * time.Hour)
	pol := disclosure.DefaultPolicy(1)
	pol.Revision, pol.UpdatedAt = 2, time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	h := disclosure.Handle([]disclosure.Timing{
		{ID: 4, Status: disclosure.StatusInvestigating, ReceivedAt: received, AcknowledgedAt: &ack, Updates: []time.Time{ack.Add(10 * 24 * time.Hour)}},
		{ID: 9, Status: disclosure.StatusReceived, ReceivedAt: time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)},
	}, []*disclosure.Policy{pol}, at)
	audited := int64(5000)
	return &Input{
		Product: Product{ID: 1, Slug: slug, Name: "Doorbell Pro", Type: "video doorbell", ModelNumber: "DB-200", Brand: "Acme Home",
			Manufacturers: []string{"Acme Devices Ltd", "Fabryka Łódź sp. z o.o."}},
		AsOf: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC),
		PasswordAudits: []PasswordAudit{{Batch: "B-2026-01", Run: &passwords.Run{ID: 12, BatchID: 3, State: passwords.RunDone, Verdict: "pass", Outcome: "pass",
			Audited: &audited, Report: &passwords.Report{Verdict: "pass", Rows: 5000, Audited: 5000, Rules: []passwords.RuleResult{}}}}},
		Policy:   pol,
		Handling: &h,
		Periods:  []*support.Period{{ID: 1, ProductID: 1, EndDate: "2031-03-31", Status: support.StatusPublished, Extensions: []support.Extension{}}},
	}
}

// TestIndexGolden: the index of a pack, as a person reads it.
func TestIndexGolden(t *testing.T) {
	files := unzip(t, build(t, plain()))
	golden := filepath.Join("testdata", "index.html")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, files[IndexHTML], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(files[IndexHTML], want) {
		t.Errorf("index.html differs from %s (run with -update to rewrite it, and read the difference)", golden)
	}
}

func FuzzVerify(f *testing.F) {
	// A small pack: a whole one, with its signed PDF, is slow to mutate.
	f.Add(build(f, plain()))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Verify(data, nil)
		if err != nil {
			if r != nil {
				t.Fatal("both a report and an error")
			}
			return
		}
		if r.OK() && r.Files == 0 && r.Checkpoint != nil {
			t.Fatal("a checkpoint verified in a pack of no files")
		}
	})
}
