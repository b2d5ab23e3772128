package psti

import (
	"time"
	_ "time/tzdata" // Europe/London must exist even where the system has no zoneinfo
)

// London is Europe/London: the zone of every date a person reads, and the
// one in which days, working days and deadlines begin and end.
var London = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("psti: " + err.Error()) // cannot happen: time/tzdata is linked in
	}
	return loc
}()

// The one way psti writes a date or a time for a person to read. Every
// page, e-mail and message goes through these, so a reporter and the staff
// answering them always read the same day. Machine formats (the API, CSAF,
// security.txt) keep RFC 3339 in UTC.

// LongDate writes the London date of t, spelled out: "7 December 2026".
func LongDate(t time.Time) string {
	return t.In(London).Format("2 January 2006")
}

// ShortDate writes the London date of t with the month shortened, for
// narrow columns: "7 Dec 2026".
func ShortDate(t time.Time) string {
	return t.In(London).Format("2 Jan 2006")
}

// DateText spells out a calendar date written YYYY-MM-DD ("2030-03-31"
// reads "31 March 2030"), and gives back anything else as it is written.
func DateText(s string) string {
	if t, err := ParseDate(s); err == nil {
		return LongDate(t)
	}
	return s
}

// LongDateTime writes the London date and time of t, naming the clock in
// use then: "7 December 2026, 14:05 GMT" in winter, "… BST" in summer.
func LongDateTime(t time.Time) string {
	return t.In(London).Format("2 January 2006, 15:04 MST")
}

// DeadlineDay is the last day a deadline at t leaves to act, in London: a
// deadline at midnight (the end of a day, as working-day promises are kept)
// gives the day that ends then, so a deadline at the midnight between 14
// and 15 December gives "14 December 2026"; any later instant gives its own
// day.
func DeadlineDay(t time.Time) string {
	return LongDate(t.Add(-time.Nanosecond))
}

// Deadline says by when something is due, the same words for everyone:
// "by the end of 14 December 2026" (see DeadlineDay). PSTI-VR-03: the
// reporter is told when they will hear back, and the staff who must keep
// that promise read the same day.
func Deadline(t time.Time) string {
	return "by the end of " + DeadlineDay(t)
}

// EndOfDay returns the end of a calendar date in London: midnight at the
// start of the next day. Only the year, month and day of date count, so a
// date parsed from YYYY-MM-DD gives the end of that day in London, whatever
// its zone. Clocks change at 01:00 UTC, so London midnight always exists
// once.
func EndOfDay(date time.Time) time.Time {
	y, m, d := date.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, London)
}
