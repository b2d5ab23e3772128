package psti

import (
	"testing"
	"time"
)

// utc is an instant written in UTC, the way the store keeps them.
func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// In 2026 the clocks go forward at 01:00 UTC on Sunday 29 March (GMT to
// BST) and back at 01:00 UTC on Sunday 25 October (BST to GMT).
func TestLondonDatesAcrossClockChanges(t *testing.T) {
	for _, c := range []struct {
		at       string
		day      string
		dateTime string
	}{
		// Spring: before, at and after the change.
		{"2026-03-28T23:30:00Z", "28 March 2026", "28 March 2026, 23:30 GMT"},
		{"2026-03-29T00:30:00Z", "29 March 2026", "29 March 2026, 00:30 GMT"},
		{"2026-03-29T01:30:00Z", "29 March 2026", "29 March 2026, 02:30 BST"},
		{"2026-03-29T02:30:00Z", "29 March 2026", "29 March 2026, 03:30 BST"},
		{"2026-03-29T23:30:00Z", "30 March 2026", "30 March 2026, 00:30 BST"},
		// Autumn: 01:00 to 02:00 BST happens, then 01:00 to 02:00 GMT.
		{"2026-10-24T23:30:00Z", "25 October 2026", "25 October 2026, 00:30 BST"},
		{"2026-10-25T00:30:00Z", "25 October 2026", "25 October 2026, 01:30 BST"},
		{"2026-10-25T01:30:00Z", "25 October 2026", "25 October 2026, 01:30 GMT"},
		{"2026-10-25T02:30:00Z", "25 October 2026", "25 October 2026, 02:30 GMT"},
		{"2026-10-25T23:30:00Z", "25 October 2026", "25 October 2026, 23:30 GMT"},
		// Midsummer and midwinter, just before and after London midnight.
		{"2026-06-14T22:59:59Z", "14 June 2026", "14 June 2026, 23:59 BST"},
		{"2026-06-14T23:00:00Z", "15 June 2026", "15 June 2026, 00:00 BST"},
		{"2026-12-14T23:59:59Z", "14 December 2026", "14 December 2026, 23:59 GMT"},
		{"2026-12-15T00:00:00Z", "15 December 2026", "15 December 2026, 00:00 GMT"},
	} {
		at := utc(c.at)
		if got := LongDate(at); got != c.day {
			t.Errorf("LongDate(%s) = %q, want %q", c.at, got, c.day)
		}
		if got := LongDateTime(at); got != c.dateTime {
			t.Errorf("LongDateTime(%s) = %q, want %q", c.at, got, c.dateTime)
		}
		// The zone an instant arrives in does not matter.
		if got := LongDate(at.In(time.FixedZone("X", -10*3600))); got != c.day {
			t.Errorf("LongDate(%s in another zone) = %q, want %q", c.at, got, c.day)
		}
	}
}

func TestDeadlineIsTheDayThatEndsAtLondonMidnight(t *testing.T) {
	for _, c := range []struct {
		date    string // the last day to act
		end     string // its end in UTC
		hours   float64
		wording string
	}{
		{"2026-03-28", "2026-03-29T00:00:00Z", 24, "by the end of 28 March 2026"},
		{"2026-03-29", "2026-03-29T23:00:00Z", 23, "by the end of 29 March 2026"}, // the short day
		{"2026-03-30", "2026-03-30T23:00:00Z", 24, "by the end of 30 March 2026"},
		{"2026-10-24", "2026-10-24T23:00:00Z", 24, "by the end of 24 October 2026"},
		{"2026-10-25", "2026-10-26T00:00:00Z", 25, "by the end of 25 October 2026"}, // the long day
		{"2026-10-26", "2026-10-27T00:00:00Z", 24, "by the end of 26 October 2026"},
		{"2026-06-15", "2026-06-15T23:00:00Z", 24, "by the end of 15 June 2026"},
		{"2026-12-14", "2026-12-15T00:00:00Z", 24, "by the end of 14 December 2026"},
	} {
		d, err := ParseDate(c.date)
		if err != nil {
			t.Fatal(err)
		}
		end := EndOfDay(d)
		if !end.Equal(utc(c.end)) {
			t.Errorf("EndOfDay(%s) = %s, want %s", c.date, end.UTC().Format(time.RFC3339), c.end)
		}
		if got := end.Sub(EndOfDay(d.AddDate(0, 0, -1))).Hours(); got != c.hours {
			t.Errorf("%s lasts %v hours, want %v", c.date, got, c.hours)
		}
		if got := Deadline(end); got != c.wording {
			t.Errorf("Deadline(%s) = %q, want %q", c.end, got, c.wording)
		}
		// Whichever zone the deadline is read back in, the day is the same.
		if got := Deadline(end.UTC()); got != c.wording {
			t.Errorf("Deadline(%s in UTC) = %q, want %q", c.end, got, c.wording)
		}
		// A moment later, the deadline has passed into the next day.
		if got := DeadlineDay(end.Add(time.Second)); got != LongDate(d.AddDate(0, 0, 1)) {
			t.Errorf("DeadlineDay(just after %s) = %q", c.end, got)
		}
	}
}

// TestDateText: a calendar date is spelled out; anything else is given
// back as written; the short form keeps the London day.
func TestDateText(t *testing.T) {
	for in, want := range map[string]string{"2030-03-31": "31 March 2030", "2026-02-30": "2026-02-30", "until further notice": "until further notice", "": ""} {
		if got := DateText(in); got != want {
			t.Errorf("DateText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ShortDate(time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC)); got != "1 Jul 2026" {
		t.Errorf("ShortDate at 00:30 BST on 1 July = %q", got)
	}
}
