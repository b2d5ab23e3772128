package disclosure

import (
	"sort"
	"time"
)

// Timing is what the record of report handling keeps of one report: its
// status and when each promise was kept, and nothing of the reporter or of
// what they wrote (no name, address, e-mail, summary or text).
type Timing struct {
	ID             int64
	Status         string
	ReceivedAt     time.Time
	AcknowledgedAt *time.Time
	ClosedAt       *time.Time
	// Updates are when the reporter was sent a status update, oldest
	// first.
	Updates []time.Time
}

// Handling is the record of how a product's security reports were handled
// against the published promises (PSTI-VR-03): how many there are in each
// status, and whether each acknowledgement and status update came on time.
// It holds no reporter data.
type Handling struct {
	// AsOf is when the clocks of open reports were read.
	AsOf time.Time `json:"as_of"`
	// Promises are those of the policy in force at AsOf; each report is
	// judged against the policy in force when each of its clocks started.
	Promises Promises `json:"promises"`
	Reports  int      `json:"reports"`
	// ByStatus counts the reports in each status.
	ByStatus map[string]int `json:"by_status"`
	// Acknowledgements: on time, late, still owed within the promise, and
	// still owed after it (overdue).
	AckOnTime  int `json:"acknowledged_on_time"`
	AckLate    int `json:"acknowledged_late"`
	AckPending int `json:"acknowledgement_pending"`
	AckOverdue int `json:"acknowledgement_overdue"`
	// Status updates: each given on time or late against the promise to
	// give one every Promises.UpdateEveryDays, and open reports whose next
	// one is overdue now.
	UpdatesOnTime  int `json:"updates_on_time"`
	UpdatesLate    int `json:"updates_late"`
	UpdatesOverdue int `json:"updates_overdue"`
	// Each is one report's clocks, in the order received.
	Each []HandledReport `json:"reports_handled"`
}

// HandledReport is one report's clocks, named by its number only.
type HandledReport struct {
	Report int64  `json:"report"`
	Status string `json:"status"`
	// Policy is the revision of the policy in force when it was received.
	Policy         int64      `json:"policy_revision,omitempty"`
	ReceivedAt     time.Time  `json:"received_at"`
	AckDue         time.Time  `json:"acknowledgement_due"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	// Ack is on_time, late, pending or overdue.
	Ack           string     `json:"acknowledgement"`
	UpdatesOnTime int        `json:"updates_on_time"`
	UpdatesLate   int        `json:"updates_late"`
	UpdateOverdue bool       `json:"update_overdue,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
}

// Clock results of one promise.
const (
	OnTime  = "on_time"
	Late    = "late"
	Pending = "pending"
	Overdue = "overdue"
)

// Handle reads the clocks of reports as of asOf against the promises of
// the policy in force when each clock started: policies are the revisions
// of the published policy, oldest first, each in force from its
// UpdatedAt (a clock that started before the first is judged by the
// first); with none, DefaultPromises and the bank holidays of England and
// Wales. An acknowledgement is on time when a person acknowledged the
// report (or closed it, which answers it too) by the end of the promised
// working day. After it, each status update, and the closing message, is
// on time when it came within UpdateEveryDays of the acknowledgement or
// the update before it; an open report whose next update was due before
// asOf counts as overdue.
func Handle(ts []Timing, policies []*Policy, asOf time.Time) Handling {
	if len(policies) == 0 {
		policies = []*Policy{{Promises: DefaultPromises()}}
	}
	inForce := func(t time.Time) *Policy {
		p := policies[0]
		for _, q := range policies[1:] {
			if !q.UpdatedAt.After(t) {
				p = q
			}
		}
		return p
	}
	h := Handling{AsOf: asOf.UTC(), Promises: inForce(asOf).Promises, Reports: len(ts), ByStatus: map[string]int{}, Each: []HandledReport{}}
	ts = append([]Timing(nil), ts...)
	sort.Slice(ts, func(i, j int) bool {
		if !ts[i].ReceivedAt.Equal(ts[j].ReceivedAt) {
			return ts[i].ReceivedAt.Before(ts[j].ReceivedAt)
		}
		return ts[i].ID < ts[j].ID
	})
	every := func(t time.Time) time.Duration {
		return time.Duration(inForce(t).UpdateEveryDays) * 24 * time.Hour
	}
	for _, t := range ts {
		h.ByStatus[t.Status]++
		p := inForce(t.ReceivedAt)
		r := HandledReport{Report: t.ID, Status: t.Status, Policy: p.Revision, ReceivedAt: t.ReceivedAt.UTC(),
			AckDue: p.WorkingDays().AddWorkingDays(t.ReceivedAt, p.AckWorkingDays).UTC(), ClosedAt: utcPtr(t.ClosedAt)}
		answered := t.AcknowledgedAt
		if answered == nil {
			answered = t.ClosedAt
		}
		r.AcknowledgedAt = utcPtr(answered)
		switch {
		case answered != nil && !answered.After(r.AckDue):
			r.Ack = OnTime
			h.AckOnTime++
		case answered != nil:
			r.Ack = Late
			h.AckLate++
		case asOf.After(r.AckDue):
			r.Ack = Overdue
			h.AckOverdue++
		default:
			r.Ack = Pending
			h.AckPending++
		}
		if t.AcknowledgedAt != nil {
			last := *t.AcknowledgedAt
			msgs := append([]time.Time(nil), t.Updates...)
			if t.ClosedAt != nil {
				msgs = append(msgs, *t.ClosedAt)
			}
			sort.Slice(msgs, func(i, j int) bool { return msgs[i].Before(msgs[j]) })
			for _, m := range msgs {
				if m.Before(last) {
					continue
				}
				if m.After(last.Add(every(last))) {
					r.UpdatesLate++
				} else {
					r.UpdatesOnTime++
				}
				last = m
			}
			if Open(t.Status) && asOf.After(last.Add(every(last))) {
				r.UpdateOverdue = true
				h.UpdatesOverdue++
			}
		}
		h.UpdatesOnTime += r.UpdatesOnTime
		h.UpdatesLate += r.UpdatesLate
		h.Each = append(h.Each, r)
	}
	return h
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
