package web

import (
	"net/url"
	"strings"
	"testing"
)

// TestTypedDate checks the day, month and year fields: each part is read
// from its own field, so no order of writing dates can swap day and month,
// and a date that does not exist is refused, saying why.
func TestTypedDate(t *testing.T) {
	for _, c := range []struct {
		day, month, year string
		want             string // YYYY-MM-DD, or the start of the message
	}{
		{"7", "12", "2026", "2026-12-07"},
		{"07", "12", "2026", "2026-12-07"},
		{"27", "3", "2026", "2026-03-27"},
		{"1", "Dec", "2026", "2026-12-01"},
		{"1", "december", "2026", "2026-12-01"},
		{"29", "2", "2028", "2028-02-29"}, // a leap year
		{"31", "12", "2026", "2026-12-31"},
		{"29", "2", "2026", "must be a real date"},
		{"31", "2", "2026", "must be a real date"},
		{"31", "4", "2026", "must be a real date"},
		{"0", "1", "2026", "must be a real date"},
		{"1", "13", "2026", "must be a real date"},
		{"1", "0", "2026", "must be a real date"},
		{"07/12/2026", "", "", "must include a month and a year"},
		{"7", "12", "26", "must have a year of 4 digits"},
		{"7", "12", "20266", "must have a year of 4 digits"},
		{"7", "12", "0999", "must be a real date"},
		{"-1", "12", "2026", "must be a real date"},
		{"007", "12", "2026", "must be a real date"},
		{"7", "", "2026", "must include a month."},
		{"", "12", "2026", "must include a day."},
		{"7", "12", "", "must include a year."},
		{"seven", "12", "2026", "must be a real date"},
	} {
		iso, msg := typedDate(c.day, c.month, c.year)
		got := iso
		if msg != "" {
			got = msg
		}
		if !strings.HasPrefix(got, c.want) || (iso != "") == (msg != "") {
			t.Errorf("typedDate(%q, %q, %q) = %q, %q; want %q", c.day, c.month, c.year, iso, msg, c.want)
		}
	}
}

// TestDateFieldKeepsWhatWasTyped checks that a refused date comes back in
// the form exactly as typed, with its message, and that a stored date is
// shown as day, month and year.
func TestDateFieldKeepsWhatWasTyped(t *testing.T) {
	v := url.Values{"component": {"firmware"}, "version": {"2.4.1"}, "product_id": {"1"},
		"released_on-day": {"31"}, "released_on-month": {"2"}, "released_on-year": {"2026"}}
	rec, err := decodeVersion(v, 0)
	if err == nil {
		t.Fatal("31 February was accepted")
	}
	f := withValues(versionForm(rec), v)
	f.setError(err)
	fl := f.field("released_on")
	if fl.Day != "31" || fl.Month != "2" || fl.Year != "2026" || fl.Error != "Release date must be a real date, for example 27 3 2026." {
		t.Fatalf("field after the error: %+v", fl)
	}
	if len(f.Problems) != 1 {
		t.Fatalf("one mistake, %d messages: %+v", len(f.Problems), f.Problems)
	}

	v.Set("released_on-day", "28")
	rec, err = decodeVersion(v, 0)
	if err != nil || rec.ReleasedOn != "2026-02-28" {
		t.Fatalf("28 February: %q, %v", rec.ReleasedOn, err)
	}
	fl = versionForm(rec).field("released_on")
	if fl.Day != "28" || fl.Month != "2" || fl.Year != "2026" {
		t.Fatalf("a stored date is shown as %q %q %q", fl.Day, fl.Month, fl.Year)
	}

	// A form sent with the date whole, as YYYY-MM-DD, still works; any
	// other way of writing it whole is refused rather than guessed.
	for in, want := range map[string]string{"2026-12-07": "2026-12-07", "07/12/2026": "", "": ""} {
		c := conv{v: url.Values{"released_on": {in}}}
		if got := c.date("released_on", "Release date"); got != want || (c.p.Err() != nil) != (in != want) {
			t.Errorf("released_on=%q: %q, %v", in, got, c.p.Err())
		}
	}
}
