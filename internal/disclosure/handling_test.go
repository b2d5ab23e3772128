package disclosure

import (
	"testing"
	"time"
)

// PSTI-VR-03: acknowledgements and status updates are judged against the
// published promises.
func TestHandle(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	ptr := func(s string) *time.Time { tm := utc(s); return &tm }
	p := &Policy{Revision: 1, Promises: Promises{AckWorkingDays: 2, UpdateEveryDays: 10}}
	// Monday 7 December 2026: two working days end at midnight after Wednesday 9.
	ts := []Timing{
		{ID: 1, Status: StatusInvestigating, ReceivedAt: utc("2026-12-07 10:00"), AcknowledgedAt: ptr("2026-12-09 23:00"),
			Updates: []time.Time{utc("2026-12-19 22:00"), utc("2027-01-05 10:00")}},
		{ID: 2, Status: StatusAcknowledged, ReceivedAt: utc("2026-12-07 10:00"), AcknowledgedAt: ptr("2026-12-10 09:00")},
		{ID: 3, Status: StatusReceived, ReceivedAt: utc("2026-12-07 10:00")},
		{ID: 4, Status: StatusReceived, ReceivedAt: utc("2027-01-20 10:00")},
		{ID: 5, Status: StatusResolved, ReceivedAt: utc("2026-12-07 10:00"), ClosedAt: ptr("2026-12-08 10:00")},
	}
	asOf := utc("2027-01-21 00:00")
	h := Handle(ts, []*Policy{p}, asOf)
	if h.Reports != 5 || h.ByStatus[StatusReceived] != 2 || h.ByStatus[StatusResolved] != 1 {
		t.Errorf("counts %+v", h)
	}
	if h.AckOnTime != 2 || h.AckLate != 1 || h.AckOverdue != 1 || h.AckPending != 1 {
		t.Errorf("acknowledgements: on time %d, late %d, overdue %d, pending %d; want 2, 1, 1, 1", h.AckOnTime, h.AckLate, h.AckOverdue, h.AckPending)
	}
	// Report 1: the first update within 10 days, the second 17 days later;
	// report 2: no update for more than 10 days, overdue now; so is 1's next.
	if h.UpdatesOnTime != 1 || h.UpdatesLate != 1 || h.UpdatesOverdue != 2 {
		t.Errorf("updates: on time %d, late %d, overdue %d; want 1, 1, 2", h.UpdatesOnTime, h.UpdatesLate, h.UpdatesOverdue)
	}
	if len(h.Each) != 5 || h.Each[0].Report != 1 || h.Each[4].Report != 4 {
		t.Errorf("not in the order received: %+v", h.Each)
	}
}

// A report is judged against the policy in force when it was received, not
// the one published since.
func TestHandleByPolicyInForce(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2027, 1, d, 10, 0, 0, 0, time.UTC) }
	strict := &Policy{Revision: 1, UpdatedAt: day(1).AddDate(-1, 0, 0), Promises: Promises{AckWorkingDays: 1, UpdateEveryDays: 10}}
	relaxed := &Policy{Revision: 2, UpdatedAt: day(15), Promises: Promises{AckWorkingDays: 10, UpdateEveryDays: 30}}
	ack := func(d int) *time.Time { t := day(d); return &t }
	// Both acknowledged four working days after they came in.
	ts := []Timing{
		{ID: 1, Status: StatusAcknowledged, ReceivedAt: day(4), AcknowledgedAt: ack(8)},
		{ID: 2, Status: StatusAcknowledged, ReceivedAt: day(18), AcknowledgedAt: ack(22)},
	}
	h := Handle(ts, []*Policy{strict, relaxed}, day(25))
	if h.Each[0].Ack != Late || h.Each[0].Policy != 1 || h.Each[1].Ack != OnTime || h.Each[1].Policy != 2 || h.Promises != relaxed.Promises {
		t.Errorf("judged %+v, want the first late under revision 1 and the second on time under revision 2", h.Each)
	}
}
