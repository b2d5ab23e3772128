// Package disclosure is security-issue reporting (PSTI Schedule 1 paragraph 2): reports and their receipts, the promises a manufacturer publishes (acknowledge within so many working days, a status update at least every so many days) and the clocks that keep them, the disclosure policy, security.txt and advisories.
package disclosure

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/psti/psti/internal/psti"
)

// london is the zone in which working days begin and end.
var london = psti.London

// Calendar says which days are working days: Monday to Friday, except
// holidays, with days beginning and ending at midnight in London. A
// promise such as "acknowledged within 5 working days" (PSTI-VR-03) is
// counted on it.
//
// The zero Calendar has no holidays. A Calendar does not change once made
// and is safe for concurrent use.
type Calendar struct {
	bankHolidays bool                    // the bank holidays of England and Wales apply
	closed       map[int][]calendarEntry // extra holidays by year, in date order, weekdays only
	open         map[calendarDay]bool    // bank holidays that are working days here
}

// EnglandAndWales returns the calendar of the bank holidays of England and
// Wales, computed by rule for any year, with the one-off changes made
// since 1995. It is the default calendar.
func EnglandAndWales() *Calendar { return &Calendar{bankHolidays: true} }

// WorkingDay reports whether the London date of t is a working day.
func (c *Calendar) WorkingDay(t time.Time) bool { return c.working(londonDay(t)) }

// Holiday reports whether the London date of t is a holiday, a Monday to
// Friday that is not a working day, and if so gives its name ("Easter
// Monday", or the description an organisation wrote for its own closure).
func (c *Calendar) Holiday(t time.Time) (name string, ok bool) {
	d := londonDay(t)
	if d.weekend() {
		return "", false
	}
	for _, h := range c.holidays(d.year()) {
		if h.day == d {
			return h.name, true
		}
	}
	return "", false
}

// Holidays lists the holidays of a year, the days from Monday to Friday
// that are not working days, in date order, each at midnight in London.
// Weekends are never working days and are not listed.
func (c *Calendar) Holidays(year int) []time.Time {
	hs := c.holidays(year)
	out := make([]time.Time, len(hs))
	for i, h := range hs {
		out[i] = h.day.midnight()
	}
	return out
}

// AddWorkingDays returns the deadline for doing something "within n
// working days" of an event at t: the end of the n-th working day after
// the London date of t, which is midnight in London at the start of the
// day that follows it, given in UTC. The day of t itself does not count,
// so a report received on a Monday at 10:00 is due within 5 working days
// by the end of the following Monday, and one received on a Saturday by
// the end of Friday. For n = 0 (or less) it is the end of the day of t if
// that is a working day, and otherwise the end of the next working day.
//
// The deadline is always after t, and for n ≥ 1 WorkingDaysBetween(t,
// deadline) is n.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	d := londonDay(t)
	if n <= 0 {
		for !c.working(d) {
			d++
		}
		return (d + 1).midnight().UTC()
	}
	// Leap ahead whole weeks while many days remain: a week holds at
	// most 5 working days, so the leap stops short of the n-th one and
	// the count below ends on it.
	for n > 10 {
		next := d + calendarDay((n-1)/5*7)
		n -= c.countWorking(d, next)
		d = next
	}
	for n > 0 {
		d++
		if c.working(d) {
			n--
		}
	}
	return (d + 1).midnight().UTC()
}

// WorkingDaysBetween counts the working days after the London date of from
// that begin before to: the whole working days still left from from until
// a deadline at to. It is 0 if to is not after the end of from's day. A
// day counts once it has begun, so to's own date counts unless to is its
// very start (midnight in London), as a deadline from AddWorkingDays is.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	return c.countWorking(londonDay(from), londonDay(to.Add(-time.Nanosecond)))
}

// working reports whether d is a working day.
func (c *Calendar) working(d calendarDay) bool {
	if d.weekend() {
		return false
	}
	y := d.year()
	for _, h := range c.closed[y] {
		if h.day == d {
			return false
		}
	}
	if c.bankHolidays && !c.open[d] {
		for _, h := range bankHolidays(y) {
			if h.day == d {
				return false
			}
		}
	}
	return true
}

// countWorking counts the working days after a up to and including b.
func (c *Calendar) countWorking(a, b calendarDay) int {
	if b <= a {
		return 0
	}
	n := weekdaysUpTo(b) - weekdaysUpTo(a)
	for y := (a + 1).year(); y <= b.year(); y++ {
		for _, h := range c.holidays(y) {
			if a < h.day && h.day <= b {
				n--
			}
		}
	}
	return int(n)
}

// holidays returns the holidays of year in date order, each once.
func (c *Calendar) holidays(year int) []calendarEntry {
	var hs []calendarEntry
	if c.bankHolidays {
		for _, h := range bankHolidays(year) {
			if !c.open[h.day] {
				hs = append(hs, h)
			}
		}
	}
	for _, h := range c.closed[year] {
		// The organisation's own words win over the bank holiday's name.
		if i := slices.IndexFunc(hs, func(b calendarEntry) bool { return b.day == h.day }); i >= 0 {
			hs[i] = h
			continue
		}
		hs = append(hs, h)
	}
	slices.SortFunc(hs, byDay)
	return hs
}

// calendarEntry is one holiday.
type calendarEntry struct {
	day  calendarDay
	name string
}

func byDay(a, b calendarEntry) int { return cmp.Compare(a.day, b.day) }

// bankHolidays returns the bank holidays of England and Wales in year, in
// date order. All fall on Monday to Friday: one that falls at a weekend
// is replaced by a substitute day.
func bankHolidays(year int) []calendarEntry {
	hs := make([]calendarEntry, 0, 10)
	add := func(d calendarDay, name string) { hs = append(hs, calendarEntry{d, name}) }

	switch d := dayOf(year, time.January, 1); d.weekday() {
	case time.Saturday:
		add(d+2, "New Year’s Day (substitute day)")
	case time.Sunday:
		add(d+1, "New Year’s Day (substitute day)")
	default:
		add(d, "New Year’s Day")
	}

	easter := easterSunday(year)
	add(easter-2, "Good Friday")
	add(easter+1, "Easter Monday")
	add(firstMonday(year, time.May), "Early May bank holiday")
	add(firstMonday(year, time.June)-7, "Spring bank holiday")
	add(firstMonday(year, time.September)-7, "Summer bank holiday")

	switch xmas := dayOf(year, time.December, 25); xmas.weekday() {
	case time.Friday: // Boxing Day falls on the Saturday
		add(xmas, "Christmas Day")
		add(xmas+3, "Boxing Day (substitute day)")
	case time.Saturday:
		add(xmas+2, "Christmas Day (substitute day)")
		add(xmas+3, "Boxing Day (substitute day)")
	case time.Sunday:
		add(xmas+1, "Boxing Day")
		add(xmas+2, "Christmas Day (substitute day)")
	default:
		add(xmas, "Christmas Day")
		add(xmas+1, "Boxing Day")
	}

	for _, ch := range bankHolidayChanges {
		if ch.year != year {
			continue
		}
		if ch.from != 0 {
			i := slices.IndexFunc(hs, func(h calendarEntry) bool { return h.day == dayOf(year, ch.from.month(), ch.from.dayOfMonth()) })
			if i >= 0 {
				hs = slices.Delete(hs, i, i+1)
			}
		}
		add(dayOf(year, ch.to.month(), ch.to.dayOfMonth()), ch.name)
	}
	slices.SortFunc(hs, byDay)
	return hs
}

// monthDay is a date within a year, written as month*100 + day (504 is
// 4 May), to keep the table of changes readable.
type monthDay int

func (md monthDay) month() time.Month { return time.Month(md / 100) }
func (md monthDay) dayOfMonth() int   { return int(md % 100) }

// bankHolidayChanges are the one-off changes to the rules, each made by
// royal proclamation: a bank holiday moved from its usual day (from), or
// an extra one (from is 0). Add a line here when a new one is proclaimed.
var bankHolidayChanges = []struct {
	year     int
	from, to monthDay
	name     string
}{
	// 50th anniversary of VE day: the early May bank holiday moved to Monday 8 May.
	{1995, 501, 508, "Early May bank holiday (VE day)"},
	// The millennium.
	{1999, 0, 1231, "Millennium Eve"},
	// Golden Jubilee of Queen Elizabeth II: spring bank holiday moved to Tuesday 4 June, plus Monday 3 June.
	{2002, 527, 604, "Spring bank holiday"},
	{2002, 0, 603, "Golden Jubilee bank holiday"},
	// Wedding of Prince William and Catherine Middleton.
	{2011, 0, 429, "Royal wedding"},
	// Diamond Jubilee of Queen Elizabeth II: spring bank holiday moved to Monday 4 June, plus Tuesday 5 June.
	{2012, 528, 604, "Spring bank holiday"},
	{2012, 0, 605, "Queen’s Diamond Jubilee"},
	// 75th anniversary of VE day: the early May bank holiday moved to Friday 8 May.
	{2020, 504, 508, "Early May bank holiday (VE day)"},
	// Platinum Jubilee of Queen Elizabeth II: spring bank holiday moved to Thursday 2 June, plus Friday 3 June.
	{2022, 530, 602, "Spring bank holiday"},
	{2022, 0, 603, "Platinum Jubilee bank holiday"},
	// State Funeral of Queen Elizabeth II, Monday 19 September.
	{2022, 0, 919, "Bank holiday for the State Funeral of Queen Elizabeth II"},
	// Coronation of King Charles III, Monday 8 May.
	{2023, 0, 508, "Bank holiday for the coronation of King Charles III"},
}

// easterSunday returns the date of Easter Sunday in the Gregorian calendar
// (the anonymous Gregorian algorithm, as given by Meeus).
func easterSunday(year int) calendarDay {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return dayOf(year, time.Month(month), day)
}

// firstMonday returns the first Monday of a month.
func firstMonday(year int, m time.Month) calendarDay {
	d := dayOf(year, m, 1)
	return d + (7+calendarDay(time.Monday)-calendarDay(d.weekday()))%7
}

// calendarDay is a date, counted in days from 1 January 1970 in the
// proleptic Gregorian calendar, independent of any time zone.
type calendarDay int64

func dayOf(year int, m time.Month, d int) calendarDay {
	return calendarDay(time.Date(year, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// londonDay returns the date of t in London.
func londonDay(t time.Time) calendarDay {
	y, m, d := t.In(london).Date()
	return dayOf(y, m, d)
}

func (d calendarDay) date() (int, time.Month, int) {
	return time.Unix(int64(d)*86400, 0).UTC().Date()
}

func (d calendarDay) year() int {
	y, _, _ := d.date()
	return y
}

// midnight returns the start of d in London. Clocks change at 01:00 UTC,
// so midnight always exists and happens once.
func (d calendarDay) midnight() time.Time {
	y, m, dd := d.date()
	return time.Date(y, m, dd, 0, 0, 0, 0, london)
}

func (d calendarDay) weekday() time.Weekday {
	return time.Weekday(floorMod(int64(d)+int64(time.Thursday), 7)) // 1 January 1970 was a Thursday
}

func (d calendarDay) weekend() bool {
	w := d.weekday()
	return w == time.Saturday || w == time.Sunday
}

// weekdaysUpTo counts the days from Monday to Friday up to and including
// d, from Monday 5 January 1970 (negative before it). Only differences
// between two counts mean anything.
func weekdaysUpTo(d calendarDay) int64 {
	k := int64(d) - 4 // day 4 is Monday 5 January 1970
	weeks, r := floorDiv(k, 7), floorMod(k, 7)
	return weeks*5 + min(r+1, 5)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// maxCalendarLine bounds one line of a calendar file.
const maxCalendarLine = 4096

// ParseCalendar reads an organisation's working-day calendar. name is the
// file's name, used in error messages ("calendar.txt:4: ..."). The format
// is a line at a time:
//
//	# Comments start with '#'; blank lines are ignored.
//	base england-and-wales     # or "base none"; the first line if present
//	2027-12-24 Christmas Eve closure
//	2027-12-31 closed
//	2027-05-03 open            # a bank holiday on which we work
//	-2027-08-30                # the same, written short
//
// A date followed by nothing, by "closed" or by a description is a day the
// organisation does not work; a date followed by "open", or written with a
// leading '-', is a holiday of the base calendar on which it does. Without
// a base line the base is the bank holidays of England and Wales. Everything
// from a '#' to the end of the line is a comment. Dates must be Monday to
// Friday: weekends are never working days.
func ParseCalendar(r io.Reader, name string) (*Calendar, error) {
	c := &Calendar{bankHolidays: true}
	seen := map[calendarDay]int{} // date → line that listed it
	sawBase, sawDate := false, false

	lineNo := 0
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, lineNo, fmt.Sprintf(format, args...))
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, maxCalendarLine)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if !utf8.ValidString(line) {
			return nil, fail("not valid UTF-8 text")
		}
		if strings.ContainsFunc(line, func(r rune) bool { return unicode.IsControl(r) && r != '\t' }) {
			return nil, fail("a control character")
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}

		if fields[0] == "base" {
			switch {
			case sawBase:
				return nil, fail("a second base line")
			case sawDate:
				return nil, fail("the base line must come before the dates")
			case len(fields) != 2:
				return nil, fail(`want "base england-and-wales" or "base none"`)
			}
			switch fields[1] {
			case "england-and-wales":
				c.bankHolidays = true
			case "none":
				c.bankHolidays = false
			default:
				return nil, fail("unknown base %q: want england-and-wales or none", fields[1])
			}
			sawBase = true
			continue
		}

		word, open := strings.CutPrefix(fields[0], "-")
		t, err := time.Parse(time.DateOnly, word)
		if err != nil {
			return nil, fail("%q is not a date written as YYYY-MM-DD, or base", fields[0])
		}
		rest := fields[1:]
		if len(rest) > 0 && (rest[0] == "open" || rest[0] == "closed") {
			if open && rest[0] == "closed" {
				return nil, fail("-%s marks a working day, but the line says closed", word)
			}
			open = open || rest[0] == "open"
			rest = rest[1:]
		}
		d := dayOf(t.Date())
		if d.weekend() {
			return nil, fail("%s is a %s, never a working day", word, d.weekday())
		}
		if prev, ok := seen[d]; ok {
			return nil, fail("%s is already listed on line %d", word, prev)
		}
		seen[d] = lineNo
		sawDate = true

		if open {
			if c.open == nil {
				c.open = map[calendarDay]bool{}
			}
			c.open[d] = true
			continue
		}
		desc := strings.Join(rest, " ")
		if desc == "" {
			desc = "Closed"
		}
		if c.closed == nil {
			c.closed = map[int][]calendarEntry{}
		}
		c.closed[t.Year()] = append(c.closed[t.Year()], calendarEntry{d, desc})
	}
	if err := sc.Err(); err != nil {
		lineNo++ // the line being read when it failed
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fail("line longer than %d bytes", maxCalendarLine)
		}
		return nil, fmt.Errorf("%s:%d: %w", name, lineNo, err)
	}
	for _, hs := range c.closed {
		slices.SortFunc(hs, byDay)
	}
	return c, nil
}
