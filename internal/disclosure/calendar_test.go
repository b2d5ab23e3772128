package disclosure

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// at returns a wall-clock time in London, written "2026-12-23 14:00".
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, london)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// utc parses an instant written in RFC 3339.
func utc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func dates(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format(time.DateOnly)
	}
	return out
}

// The bank holidays of England and Wales: 2019 to 2027 as published on
// GOV.UK (www.gov.uk/bank-holidays), and the earlier years whose one-off
// changes are in bankHolidayChanges.
var publishedBankHolidays = map[int][]string{
	1995: {"1995-01-02", "1995-04-14", "1995-04-17", "1995-05-08", "1995-05-29", "1995-08-28", "1995-12-25", "1995-12-26"},
	1999: {"1999-01-01", "1999-04-02", "1999-04-05", "1999-05-03", "1999-05-31", "1999-08-30", "1999-12-27", "1999-12-28", "1999-12-31"},
	2002: {"2002-01-01", "2002-03-29", "2002-04-01", "2002-05-06", "2002-06-03", "2002-06-04", "2002-08-26", "2002-12-25", "2002-12-26"},
	2011: {"2011-01-03", "2011-04-22", "2011-04-25", "2011-04-29", "2011-05-02", "2011-05-30", "2011-08-29", "2011-12-26", "2011-12-27"},
	2012: {"2012-01-02", "2012-04-06", "2012-04-09", "2012-05-07", "2012-06-04", "2012-06-05", "2012-08-27", "2012-12-25", "2012-12-26"},
	2019: {"2019-01-01", "2019-04-19", "2019-04-22", "2019-05-06", "2019-05-27", "2019-08-26", "2019-12-25", "2019-12-26"},
	2020: {"2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28"},
	2021: {"2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30", "2021-12-27", "2021-12-28"},
	2022: {"2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27"},
	2023: {"2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28", "2023-12-25", "2023-12-26"},
	2024: {"2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26"},
	2025: {"2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26"},
	2026: {"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"},
	2027: {"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28"},
}

func TestEnglandAndWalesHolidays(t *testing.T) {
	cal := EnglandAndWales()
	for year, want := range publishedBankHolidays {
		got := cal.Holidays(year)
		if !slices.Equal(dates(got), want) {
			t.Errorf("Holidays(%d) = %v, want %v", year, dates(got), want)
		}
		for _, h := range got {
			if h.Location() != london || h.Hour() != 0 || h.Minute() != 0 || h.Second() != 0 || h.Nanosecond() != 0 {
				t.Errorf("Holidays(%d) gave %v, want midnight in London", year, h)
			}
		}
		// Every day of the year: a working day unless a weekend or listed.
		for d := time.Date(year, 1, 1, 12, 0, 0, 0, london); d.Year() == year; d = d.AddDate(0, 0, 1) {
			weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
			listed := slices.Contains(want, d.Format(time.DateOnly))
			if got := cal.WorkingDay(d); got != (!weekend && !listed) {
				t.Errorf("WorkingDay(%s) = %v", d.Format("Mon 2006-01-02"), got)
			}
			if name, ok := cal.Holiday(d); ok != listed || ok && name == "" {
				t.Errorf("Holiday(%s) = %q, %v", d.Format("Mon 2006-01-02"), name, ok)
			}
		}
	}
}

func TestHolidayNames(t *testing.T) {
	cal := EnglandAndWales()
	for _, c := range []struct{ day, want string }{
		{"2026-12-25", "Christmas Day"},
		{"2026-12-28", "Boxing Day (substitute day)"},
		{"2022-12-27", "Christmas Day (substitute day)"},
		{"2022-01-03", "New Year’s Day (substitute day)"},
		{"2022-06-02", "Spring bank holiday"},
		{"2022-06-03", "Platinum Jubilee bank holiday"},
		{"2023-05-08", "Bank holiday for the coronation of King Charles III"},
		{"2020-05-08", "Early May bank holiday (VE day)"},
		{"2027-08-30", "Summer bank holiday"},
		{"2026-12-26", ""}, // a Saturday: a weekend, not a holiday
		{"2026-12-24", ""},
	} {
		name, ok := cal.Holiday(at(t, c.day+" 12:00"))
		if name != c.want || ok != (c.want != "") {
			t.Errorf("Holiday(%s) = %q, %v; want %q", c.day, name, ok, c.want)
		}
	}
}

func TestEasterSunday(t *testing.T) {
	for _, c := range []struct {
		year int
		want string
	}{
		{1818, "1818-03-22"}, // the earliest possible date
		{1943, "1943-04-25"}, // the latest possible date
		{2000, "2000-04-23"},
		{2008, "2008-03-23"},
		{2019, "2019-04-21"},
		{2024, "2024-03-31"},
		{2025, "2025-04-20"},
		{2026, "2026-04-05"},
		{2027, "2027-03-28"},
		{2038, "2038-04-25"},
		{2285, "2285-03-22"},
	} {
		if got := easterSunday(c.year).midnight().Format(time.DateOnly); got != c.want {
			t.Errorf("easterSunday(%d) = %s, want %s", c.year, got, c.want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	cal := EnglandAndWales()
	for _, c := range []struct {
		name string
		at   time.Time
		n    int
		want string // RFC 3339, UTC
	}{
		{"Monday morning, 5 days: end of next Monday (BST)", at(t, "2026-06-08 10:00"), 5, "2026-06-15T23:00:00Z"},
		{"Saturday: the count starts on Monday", at(t, "2026-06-13 10:00"), 5, "2026-06-19T23:00:00Z"},
		{"Sunday late evening", at(t, "2026-06-14 23:59"), 1, "2026-06-15T23:00:00Z"},
		{"Friday evening, 1 day: Monday", at(t, "2026-06-12 18:00"), 1, "2026-06-15T23:00:00Z"},
		{"n=0 on a working day: end of that day", at(t, "2026-06-08 10:00"), 0, "2026-06-08T23:00:00Z"},
		{"n=0 on a Saturday: end of Monday", at(t, "2026-06-13 10:00"), 0, "2026-06-15T23:00:00Z"},
		{"n=0 on Good Friday: end of Tuesday after Easter", at(t, "2026-04-03 10:00"), 0, "2026-04-07T23:00:00Z"},
		{"negative n is 0", at(t, "2026-06-08 10:00"), -3, "2026-06-08T23:00:00Z"},
		{"London date, not UTC date: 00:30 BST Tuesday", utc(t, "2026-06-08T23:30:00Z"), 0, "2026-06-09T23:00:00Z"},
		{"input in another zone", utc(t, "2026-06-08T20:00:00-04:00"), 1, "2026-06-10T23:00:00Z"},
		{"Thursday before Easter, 1 day: Tuesday", at(t, "2026-04-02 09:00"), 1, "2026-04-07T23:00:00Z"},
		{"Thursday before Easter, 5 days", at(t, "2026-04-02 09:00"), 5, "2026-04-13T23:00:00Z"},
		{"Christmas and New Year", at(t, "2026-12-23 14:00"), 5, "2027-01-05T00:00:00Z"},
		{"Christmas Eve, 1 day: the 29th", at(t, "2026-12-24 09:00"), 1, "2026-12-30T00:00:00Z"},
		{"2022 jubilee and funeral", at(t, "2022-06-01 09:00"), 1, "2022-06-06T23:00:00Z"},
		{"2022 state funeral", at(t, "2022-09-16 09:00"), 1, "2022-09-20T23:00:00Z"},
		{"2023 coronation week", at(t, "2023-05-05 09:00"), 2, "2023-05-10T23:00:00Z"},
		// Clocks go forward at 01:00 GMT on Sunday 29 March 2026.
		{"into BST: Friday GMT to Monday", at(t, "2026-03-27 12:00"), 1, "2026-03-30T23:00:00Z"},
		{"into BST: Friday, n=0", at(t, "2026-03-27 12:00"), 0, "2026-03-28T00:00:00Z"},
		{"into BST: the Sunday itself", utc(t, "2026-03-29T00:30:00Z"), 1, "2026-03-30T23:00:00Z"},
		{"into BST: Saturday just before midnight", at(t, "2026-03-28 23:59"), 0, "2026-03-30T23:00:00Z"},
		// Clocks go back at 01:00 GMT on Sunday 25 October 2026.
		{"out of BST: Friday, n=0", at(t, "2026-10-23 12:00"), 0, "2026-10-23T23:00:00Z"},
		{"out of BST: Friday to Monday", at(t, "2026-10-23 12:00"), 1, "2026-10-27T00:00:00Z"},
		{"out of BST: the repeated hour", utc(t, "2026-10-25T01:30:00Z"), 1, "2026-10-27T00:00:00Z"},
		// 2026 has 261 weekdays and 8 bank holidays.
		{"a whole year of working days", at(t, "2025-12-31 12:00"), 253, "2027-01-01T00:00:00Z"},
		{"a whole year and one", at(t, "2025-12-31 12:00"), 254, "2027-01-05T00:00:00Z"},
	} {
		got := cal.AddWorkingDays(c.at, c.n)
		if got.Format(time.RFC3339) != c.want || got.Location() != time.UTC {
			t.Errorf("%s: AddWorkingDays(%v, %d) = %v, want %s", c.name, c.at, c.n, got, c.want)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	cal := EnglandAndWales()
	for _, c := range []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"same day", at(t, "2026-06-08 10:00"), at(t, "2026-06-08 17:00"), 0},
		{"to before from", at(t, "2026-06-10 10:00"), at(t, "2026-06-08 17:00"), 0},
		{"Monday to Friday", at(t, "2026-06-08 10:00"), at(t, "2026-06-12 09:00"), 4},
		{"to at the start of Saturday", at(t, "2026-06-08 10:00"), at(t, "2026-06-13 00:00"), 4},
		{"to at the start of Friday", at(t, "2026-06-08 10:00"), at(t, "2026-06-12 00:00"), 3},
		{"to one minute into Friday", at(t, "2026-06-08 10:00"), at(t, "2026-06-12 00:01"), 4},
		{"over a weekend", at(t, "2026-06-12 10:00"), at(t, "2026-06-15 10:00"), 1},
		{"over Easter", at(t, "2026-04-02 10:00"), at(t, "2026-04-08 00:00"), 1},
		{"over Christmas", at(t, "2026-12-23 14:00"), utc(t, "2027-01-05T00:00:00Z"), 5},
		{"the whole of 2026", at(t, "2025-12-31 12:00"), at(t, "2026-12-31 12:00"), 253},
		{"across BST ending", at(t, "2026-10-23 12:00"), utc(t, "2026-10-27T00:00:00Z"), 1},
	} {
		if got := cal.WorkingDaysBetween(c.from, c.to); got != c.want {
			t.Errorf("%s: WorkingDaysBetween(%v, %v) = %d, want %d", c.name, c.from, c.to, got, c.want)
		}
	}
}

func TestZeroCalendar(t *testing.T) {
	var cal Calendar
	if !cal.WorkingDay(at(t, "2026-12-25 12:00")) {
		t.Error("the zero Calendar has a holiday on Christmas Day")
	}
	if cal.WorkingDay(at(t, "2026-12-26 12:00")) {
		t.Error("the zero Calendar works on Saturdays")
	}
	if hs := cal.Holidays(2026); len(hs) != 0 {
		t.Errorf("Holidays = %v", hs)
	}
}

// naiveAdd is AddWorkingDays the slow, obvious way.
func naiveAdd(cal *Calendar, t time.Time, n int) time.Time {
	y, m, d := t.In(london).Date()
	day := time.Date(y, m, d, 12, 0, 0, 0, london)
	if n <= 0 {
		for !cal.WorkingDay(day) {
			day = day.AddDate(0, 0, 1)
		}
	}
	for ; n > 0; n-- {
		day = day.AddDate(0, 0, 1)
		for !cal.WorkingDay(day) {
			day = day.AddDate(0, 0, 1)
		}
	}
	y, m, d = day.AddDate(0, 0, 1).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, london).UTC()
}

// checkAddWorkingDays checks what AddWorkingDays promises for one t and n.
func checkAddWorkingDays(t *testing.T, cal *Calendar, start time.Time, n int) {
	t.Helper()
	due := cal.AddWorkingDays(start, n)
	local := due.In(london)
	if local.Hour() != 0 || local.Minute() != 0 || local.Second() != 0 || local.Nanosecond() != 0 {
		t.Fatalf("AddWorkingDays(%v, %d) = %v, not midnight in London", start, n, local)
	}
	if !due.After(start) {
		t.Fatalf("AddWorkingDays(%v, %d) = %v, not after the event", start, n, due)
	}
	want := n
	if n <= 0 {
		// The end of the day of start if that is a working day, else of the next.
		want = 0
		if !cal.WorkingDay(start) {
			want = 1
		}
	}
	if got := cal.WorkingDaysBetween(start, due); got != want {
		t.Fatalf("AddWorkingDays(%v, %d) = %v, but WorkingDaysBetween says %d", start, n, due, got)
	}
	lastDay := due.Add(-time.Nanosecond)
	if !cal.WorkingDay(lastDay) {
		t.Fatalf("AddWorkingDays(%v, %d) = %v, the end of a day off", start, n, due)
	}
}

func TestAddWorkingDaysProperties(t *testing.T) {
	custom, err := ParseCalendar(strings.NewReader("2026-12-24 closed\n2026-12-29 closed\n2026-12-30 closed\n2026-12-31 closed\n-2027-05-03\n"), "custom.txt")
	if err != nil {
		t.Fatal(err)
	}
	start, end := at(t, "2018-12-01 00:00"), at(t, "2028-01-31 00:00")
	for _, cal := range []*Calendar{EnglandAndWales(), custom, {}} {
		// A step that is not a whole number of hours or days visits
		// every time of day and every day of the week.
		for ts := start; ts.Before(end); ts = ts.Add(7*time.Hour + 13*time.Minute) {
			n := int(ts.Unix()/60) % 41
			checkAddWorkingDays(t, cal, ts, n)
			if got, want := cal.AddWorkingDays(ts, n), naiveAdd(cal, ts, n); !got.Equal(want) {
				t.Fatalf("AddWorkingDays(%v, %d) = %v, counting one day at a time gives %v", ts, n, got, want)
			}
		}
		// Long counts take the shortcut through whole weeks.
		for _, n := range []int{11, 50, 99, 253, 500, 1000} {
			ts := at(t, "2019-07-03 15:00")
			checkAddWorkingDays(t, cal, ts, n)
			if got, want := cal.AddWorkingDays(ts, n), naiveAdd(cal, ts, n); !got.Equal(want) {
				t.Fatalf("AddWorkingDays(%v, %d) = %v, counting one day at a time gives %v", ts, n, got, want)
			}
		}
	}
}

func TestParseCalendar(t *testing.T) {
	const file = `# Acme Ltd working days
base england-and-wales

2027-12-24 Christmas Eve closure
2027-12-29 closed
2027-12-30 closed    Between Christmas and New Year   # the office is shut
-2027-05-03          # we work on the early May bank holiday
2027-08-30 open
`
	cal, err := ParseCalendar(strings.NewReader(file), "acme.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-31", "2027-12-24", "2027-12-27", "2027-12-28", "2027-12-29", "2027-12-30"}
	if got := dates(cal.Holidays(2027)); !slices.Equal(got, want) {
		t.Errorf("Holidays(2027) = %v, want %v", got, want)
	}
	for day, want := range map[string]string{
		"2027-12-24": "Christmas Eve closure",
		"2027-12-29": "Closed",
		"2027-12-30": "Between Christmas and New Year",
		"2027-12-27": "Christmas Day (substitute day)",
		"2027-05-03": "",
	} {
		name, ok := cal.Holiday(at(t, day+" 09:00"))
		if name != want || ok != (want != "") {
			t.Errorf("Holiday(%s) = %q, %v; want %q", day, name, ok, want)
		}
	}
	if !cal.WorkingDay(at(t, "2027-05-03 09:00")) || !cal.WorkingDay(at(t, "2027-08-30 09:00")) {
		t.Error("a bank holiday marked open is not a working day")
	}
	// Other years keep their bank holidays.
	if got := dates(cal.Holidays(2026)); !slices.Equal(got, publishedBankHolidays[2026]) {
		t.Errorf("Holidays(2026) = %v", got)
	}
	// Received Wednesday 22 December 2027: 23, 31 December, 4, 5, 6 January.
	if got := cal.AddWorkingDays(at(t, "2027-12-22 10:00"), 5).Format(time.RFC3339); got != "2028-01-07T00:00:00Z" {
		t.Errorf("AddWorkingDays = %s", got)
	}
}

func TestParseCalendarBases(t *testing.T) {
	for _, c := range []struct {
		name, file string
		want       []string // Holidays(2026)
	}{
		{"empty file", "", publishedBankHolidays[2026]},
		{"only comments", "# nothing\n\n   \n# here\n", publishedBankHolidays[2026]},
		{"no base line", "2026-12-24\n", slices.Insert(slices.Clone(publishedBankHolidays[2026]), 6, "2026-12-24")},
		{"base none", "base none\n2026-12-24 closed\n", []string{"2026-12-24"}},
		{"base none, CRLF", "# us\r\nbase none\r\n2026-12-24 closed\r\n2026-12-31 closed\r\n", []string{"2026-12-24", "2026-12-31"}},
		{"base after comments", "# x\n\nbase england-and-wales # the default\n", publishedBankHolidays[2026]},
		{"closing a bank holiday again", "2026-12-25 Christmas\n", publishedBankHolidays[2026]},
		{"opening a day that is no holiday", "2026-12-24 open\n", publishedBankHolidays[2026]},
	} {
		cal, err := ParseCalendar(strings.NewReader(c.file), "cal.txt")
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := dates(cal.Holidays(2026)); !slices.Equal(got, c.want) {
			t.Errorf("%s: Holidays(2026) = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParseCalendarErrors(t *testing.T) {
	for _, c := range []struct {
		file, want string
	}{
		{"base scotland\n", `cal.txt:1: unknown base "scotland": want england-and-wales or none`},
		{"base\n", `cal.txt:1: want "base england-and-wales" or "base none"`},
		{"base none extra\n", `cal.txt:1: want "base england-and-wales" or "base none"`},
		{"base none\n# x\nbase none\n", "cal.txt:3: a second base line"},
		{"2026-12-24\nbase none\n", "cal.txt:2: the base line must come before the dates"},
		{"\n\n2027-13-01 closed\n", `cal.txt:3: "2027-13-01" is not a date written as YYYY-MM-DD, or base`},
		{"27-12-24\n", `cal.txt:1: "27-12-24" is not a date written as YYYY-MM-DD, or base`},
		{"2027-2-3\n", `cal.txt:1: "2027-2-3" is not a date written as YYYY-MM-DD, or base`},
		{"closed 2027-12-24\n", `cal.txt:1: "closed" is not a date written as YYYY-MM-DD, or base`},
		{"2027-12-25 closed\n", "cal.txt:1: 2027-12-25 is a Saturday, never a working day"},
		{"-2027-12-26\n", "cal.txt:1: 2027-12-26 is a Sunday, never a working day"},
		{"2027-12-24 closed\n# again\n2027-12-24 open\n", "cal.txt:3: 2027-12-24 is already listed on line 1"},
		{"-2027-05-03 closed\n", "cal.txt:1: -2027-05-03 marks a working day, but the line says closed"},
		{"2027-12-24 caf\xe9\n", "cal.txt:1: not valid UTF-8 text"},
		{"2027-12-24 bell\a\n", "cal.txt:1: a control character"},
		{"# ok\n2027-12-24 " + strings.Repeat("x", maxCalendarLine) + "\n", "cal.txt:2: line longer than 4096 bytes"},
	} {
		cal, err := ParseCalendar(strings.NewReader(c.file), "cal.txt")
		if err == nil || err.Error() != c.want {
			t.Errorf("ParseCalendar(%q) = %v, %v; want error %q", c.file, cal, err, c.want)
		}
	}

	broken := errors.New("disk on fire")
	_, err := ParseCalendar(iotest.OneByteReader(strings.NewReader("base none\n")), "cal.txt")
	if err != nil {
		t.Errorf("a short read is not an error: %v", err)
	}
	_, err = ParseCalendar(iotest.ErrReader(broken), "cal.txt")
	if !errors.Is(err, broken) || !strings.HasPrefix(err.Error(), "cal.txt:1: ") {
		t.Errorf("read error = %v", err)
	}
}

func FuzzParseCalendar(f *testing.F) {
	for _, seed := range []string{
		"",
		"base none\n",
		"base england-and-wales\n2027-12-24 Christmas Eve closure\n-2027-05-03\n2027-08-30 open\n",
		"# comment\n\n2026-12-29 closed # shut\n2026-12-30\n",
		"base none\r\n2026-01-02 closed\r\n",
		"2027-13-01\n",
		"-2026-12-24 closed\n",
		"0000-01-03\n9999-12-31 end\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, file string) {
		cal, err := ParseCalendar(strings.NewReader(file), "fuzz.txt")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.txt:") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		start := time.Date(2025, time.December, 1, 12, 0, 0, 0, london)
		for i := range 800 {
			day := start.AddDate(0, 0, i)
			_, holiday := cal.Holiday(day)
			weekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
			if cal.WorkingDay(day) != (!weekend && !holiday) {
				t.Fatalf("%s: WorkingDay and Holiday disagree", day.Format(time.DateOnly))
			}
		}
		for _, year := range []int{2026, 2027} {
			for _, h := range cal.Holidays(year) {
				if cal.WorkingDay(h) {
					t.Fatalf("Holidays(%d) lists working day %s", year, h.Format(time.DateOnly))
				}
			}
		}
		for n := range 12 {
			checkAddWorkingDays(t, cal, start.AddDate(0, 0, 3*n), n)
		}
	})
}
