package store

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		in, backend, target string
		ok                  bool
	}{
		{"sqlite:psti-data/psti.db", "sqlite", "psti-data/psti.db", true},
		{"sqlite:///var/lib/psti/psti.db", "sqlite", "/var/lib/psti/psti.db", true},
		{"sqlite:/var/lib/psti/../psti/psti.db", "sqlite", "/var/lib/psti/psti.db", true},
		{"sqlite://relative/psti.db", "", "", false},
		{"sqlite:", "", "", false},
		{"sqlite:dir/", "", "", false},
		{"sqlite:psti.db?mode=memory", "", "", false},
		{"postgres://psti@db.internal/psti?sslmode=require", "postgres", "postgres://psti@db.internal/psti?sslmode=require", true},
		{"postgresql://localhost/psti", "postgres", "postgresql://localhost/psti", true},
		{"mysql://localhost/psti", "", "", false},
		{"psti.db", "", "", false},
		{"", "", "", false},
	} {
		d, target, err := ParseURL(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseURL(%q) error %v, want ok=%v", c.in, err, c.ok)
			continue
		}
		if c.ok && (d.name != c.backend || target != c.target) {
			t.Errorf("ParseURL(%q) = %s %q, want %s %q", c.in, d.name, target, c.backend, c.target)
		}
	}
}

// FuzzParseURL checks that any string is either refused with a message that
// says what to write, or names a back end and a usable target.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"sqlite:a.db", "sqlite:///a/b.db", "postgres://u:p@h:5432/d?x=y", "postgresql://%zz", "sqlite:\x00", "file:a.db"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, target, err := ParseURL(s)
		if err != nil {
			if !strings.Contains(err.Error(), "sqlite") && !strings.Contains(err.Error(), "PostgreSQL") {
				t.Fatalf("error %q does not say what to write", err)
			}
			return
		}
		switch d.name {
		case "sqlite":
			if target == "" || strings.ContainsAny(target, "?#\x00") {
				t.Fatalf("%q gave SQLite target %q", s, target)
			}
		case "postgres":
			if target != s {
				t.Fatalf("%q gave PostgreSQL target %q", s, target)
			}
		default:
			t.Fatalf("%q gave back end %q", s, d.name)
		}
	})
}
