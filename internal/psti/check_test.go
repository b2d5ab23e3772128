package psti

import (
	"errors"
	"strings"
	"testing"
)

func TestProblems(t *testing.T) {
	for _, c := range []struct {
		name  string
		check func(p *Problems)
		want  string // the message for field "f", or "" for none
	}{
		{"required text present", func(p *Problems) { p.Text("f", "Name", "Ada", true, 10) }, ""},
		{"required text missing", func(p *Problems) { p.Text("f", "Name", "  ", true, 10) }, "Name is required."},
		{"optional text missing", func(p *Problems) { p.Text("f", "Name", "", false, 10) }, ""},
		{"too long counts characters", func(p *Problems) { p.Text("f", "Name", "ééééééééééé", true, 10) }, "Name must be at most 10 characters (it has 11)."},
		{"ten accented letters fit", func(p *Problems) { p.Text("f", "Name", "éééééééééé", true, 10) }, ""},
		{"control character", func(p *Problems) { p.Text("f", "Name", "a\x07b", true, 10) }, "Name must not contain control characters."},
		{"line break in one-line text", func(p *Problems) { p.Text("f", "Name", "a\nb", true, 10) }, "Name must not contain control characters."},
		{"line break in long text", func(p *Problems) { p.LongText("f", "Notes", "a\r\nb\tc", true, 10) }, ""},
		{"invalid UTF-8", func(p *Problems) { p.Text("f", "Name", "a\xffb", true, 10) }, "Name contains characters that are not valid text."},
		{"https URL", func(p *Problems) { p.URL("f", "Website", "https://example.com/x", true) }, ""},
		{"URL without scheme", func(p *Problems) { p.URL("f", "Website", "example.com", true) }, "Website must be a full web address starting with https:// (for example https://example.com)."},
		{"javascript URL", func(p *Problems) { p.URL("f", "Website", "javascript:alert(1)", true) }, "Website must be a full web address starting with https:// (for example https://example.com)."},
		{"email", func(p *Problems) { p.Email("f", "E-mail", "ada@example.com", true) }, ""},
		{"email with name", func(p *Problems) { p.Email("f", "E-mail", "Ada <ada@example.com>", true) }, "E-mail must be written like name@example.com."},
		{"email without domain dot", func(p *Problems) { p.Email("f", "E-mail", "ada@localhost", true) }, "E-mail must be written like name@example.com."},
		{"date", func(p *Problems) { p.Date("f", "Date", "2030-03-31", true) }, ""},
		{"impossible date", func(p *Problems) { p.Date("f", "Date", "2030-02-30", true) }, "Date must be a date written as YYYY-MM-DD, for example 2030-03-31."},
		{"short date", func(p *Problems) { p.Date("f", "Date", "2030-3-1", true) }, "Date must be a date written as YYYY-MM-DD, for example 2030-03-31."},
		{"missing date", func(p *Problems) { p.Date("f", "Date", "", true) }, "Date is required."},
	} {
		t.Run(c.name, func(t *testing.T) {
			var p Problems
			c.check(&p)
			got := ""
			for _, f := range ErrorFields(p.Err()) {
				if f.Field == "f" {
					got = f.Message
				}
			}
			if got != c.want {
				t.Fatalf("message %q, want %q", got, c.want)
			}
			if (c.want == "") != (p.Err() == nil) {
				t.Fatalf("Err() = %v", p.Err())
			}
		})
	}
}

func TestProblemsKeepsFirstPerField(t *testing.T) {
	var p Problems
	p.Add("a", "first")
	p.Add("a", "second")
	p.Add("b", "other")
	err := p.Err()
	if ErrorCode(err) != EINVALID || len(ErrorFields(err)) != 2 || ErrorFields(err)[0].Message != "first" {
		t.Fatalf("%v", err)
	}
	if !strings.Contains(ErrorMessage(err), "2 fields") {
		t.Fatalf("summary %q", ErrorMessage(err))
	}
}

func TestErrorCodes(t *testing.T) {
	wrapped := errors.Join(errors.New("context"), NotFound("brand", 4))
	if ErrorCode(wrapped) != ENOTFOUND || ErrorMessage(wrapped) != "There is no brand with id 4." {
		t.Fatalf("%q %q", ErrorCode(wrapped), ErrorMessage(wrapped))
	}
	plain := errors.New("disk on fire")
	if ErrorCode(plain) != EINTERNAL || strings.Contains(ErrorMessage(plain), "disk") {
		t.Fatalf("internal detail leaks: %q", ErrorMessage(plain))
	}
	if ErrorCode(nil) != "" {
		t.Fatal("nil has a code")
	}
}

func TestFileName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"batch.csv", "batch.csv"},
		{`C:\factory\line 3\batch.csv`, "batch.csv"},
		{"/etc/passwd", "passwd"},
		{"../../x.gz", "x.gz"},
		{"poc\x00\r\n.html", "poc.html"},
		{"caf\xe9.txt", "caf.txt"},
		{"café — £5.txt", "café — £5.txt"},
		{"", "fallback"},
		{"dir/", "fallback"},
		{"..", "fallback"},
		{strings.Repeat("é", 150), strings.Repeat("é", 100)},
	} {
		if got := FileName(c.in, "fallback"); got != c.want {
			t.Errorf("FileName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestPrefixFields: the fields of an error are named under a prefix, in a
// copy; the message and code stay, and an error naming no field is left
// as it is.
func TestPrefixFields(t *testing.T) {
	var p Problems
	p.Add("role", "Choose a role.")
	p.Add("status", "Choose a status.")
	err := p.Err()
	got := PrefixFields(err, "facts.")
	if ErrorCode(got) != EINVALID || ErrorMessage(got) != ErrorMessage(err) {
		t.Fatalf("code or message changed: %v", got)
	}
	fs := ErrorFields(got)
	if len(fs) != 2 || fs[0].Field != "facts.role" || fs[1].Field != "facts.status" || fs[0].Message != "Choose a role." {
		t.Fatalf("fields %+v", fs)
	}
	if ErrorFields(err)[0].Field != "role" {
		t.Fatal("the original error was changed")
	}
	plain := Errorf(ECONFLICT, "changed since")
	if PrefixFields(plain, "x.") != error(plain) || PrefixFields(nil, "x.") != nil {
		t.Fatal("an error without fields, or nil, was not left as it is")
	}
}
