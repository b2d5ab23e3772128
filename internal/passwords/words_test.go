package passwords

import (
	"strings"
	"testing"
)

// TestReportCounts: a report counts one row as "1 row", never "1 rows".
func TestReportCounts(t *testing.T) {
	for _, c := range []struct {
		name, csv string
		want      []string
	}{
		{"one user-defined row", "serial,password\nSN1,user-defined\n",
			[]string{"the only row is user-defined", "1 row is user-defined: that device makes"}},
		{"one audited row", "serial,password\nSN1,Vq7mTz4pXw9kR2\n",
			[]string{"no rule flagged the audited password", "Only 1 row was audited"}},
		{"one of two rows flagged", "serial,password\nSN1,Vq7mTz4pXw9kR2\nSN2,password\n",
			[]string{"Failed: 1 of 2 rows flagged", "Only 2 rows were audited"}},
	} {
		rep, _ := runAudit(t, []byte(c.csv), Config{})
		text := rep.Summary + "\n" + strings.Join(rep.Notes, "\n")
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the report does not say %q:\n%s", c.name, w, text)
			}
		}
		if strings.Contains(text, " 1 rows") || strings.Contains(text, "all 1 ") {
			t.Errorf("%s: %s", c.name, text)
		}
	}
}
