package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/store/storetest"
)

// BenchmarkCountNewReports compares the two ways of counting a group of
// 256 new reports for the dashboard on SQLite: a trigger on each insert
// (as before migration 00025) and one upsert per counter the group
// touches, as the intake committer now does. Each op is a group inserted
// and committed (synchronous off: the disk is not what is compared), and
// the cost is the process's processor time per report, which depends less
// on what else the machine runs than the elapsed time does.
//
//	go test -run '^$' -bench BenchmarkCountNewReports -count 3 ./internal/store/
func BenchmarkCountNewReports(b *testing.B) {
	const group = 256
	var q strings.Builder
	q.WriteString(`INSERT INTO reports (receipt_hash, summary, details, status, received_at, due_at, due_what, updated_at, revision) VALUES `)
	for i := range group {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "($%d, 'Camera video visible without a password', 'Open http://camera.local/live and the video plays', 'received', $%d, $%d, 'acknowledgement', $%d, 1)",
			4*i+1, 4*i+2, 4*i+3, 4*i+4)
	}
	const add = `INSERT INTO report_counts (status, due_day, shard, n) VALUES ('received', $1, 0, $2)
		ON CONFLICT (status, due_day, shard) DO UPDATE SET n = report_counts.n + excluded.n`
	for _, trigger := range []bool{true, false} {
		name := "committer"
		if trigger {
			name = "trigger"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			db, _ := storetest.Open(b, storetest.SQLite)
			if err := db.Exec(ctx, "PRAGMA synchronous=OFF"); err != nil {
				b.Fatal(err)
			}
			if trigger {
				if err := db.Exec(ctx, `CREATE TRIGGER reports_count_insert AFTER INSERT ON reports BEGIN
					INSERT INTO report_counts (status, due_day, shard, n)
					VALUES (NEW.status, COALESCE(CAST(strftime('%s', NEW.due_at) AS INTEGER) / 86400, -1), NEW.id % 4, 1)
					ON CONFLICT (status, due_day, shard) DO UPDATE SET n = n + 1;
				END`); err != nil {
					b.Fatal(err)
				}
			}
			seq := 0
			var cpu time.Duration
			b.ResetTimer()
			for range b.N {
				args := make([]any, 0, 4*group)
				now := time.Now().UTC()
				due := now.Add(5 * 24 * time.Hour)
				for range group {
					seq++
					args = append(args, fmt.Appendf(nil, "receipt %d", seq), now, due, now)
				}
				start := cpuTime()
				// The one write connection: BEGIN and COMMIT hold the
				// statements between them in one transaction.
				for _, st := range []struct {
					q    string
					args []any
				}{{"BEGIN", nil}, {q.String(), args}, {add, []any{due.Unix() / 86400, group}}, {"COMMIT", nil}} {
					if trigger && strings.HasPrefix(st.q, "INSERT INTO report_counts") {
						continue
					}
					if err := db.Exec(ctx, st.q, st.args...); err != nil {
						b.Fatal(err)
					}
				}
				cpu += cpuTime() - start
			}
			b.ReportMetric(float64(cpu.Nanoseconds())/1000/float64(b.N*group), "cpu-µs/report")
		})
	}
}
