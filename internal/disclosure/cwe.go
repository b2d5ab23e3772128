package disclosure

import (
	_ "embed"
	"regexp"
	"strings"
	"sync"
)

// cweList is MITRE's list of weaknesses (CWE), one "number<TAB>name" a
// line, as the CSAF validators check it: a CSAF document must name a CWE
// by its id and its exact name.
//
//go:embed cwe.tsv
var cweList string

var (
	cweOnce  sync.Once
	cweNames map[string]string
	cweForm  = regexp.MustCompile(`^CWE-[1-9][0-9]{0,5}$`)
)

// CWEName returns the name of a weakness given as CWE-<number>, and whether
// it is in the list. The list is built in, so no network is needed.
func CWEName(id string) (string, bool) {
	cweOnce.Do(func() {
		cweNames = make(map[string]string, 1000)
		for _, line := range strings.Split(cweList, "\n") {
			if n, name, ok := strings.Cut(line, "\t"); ok {
				cweNames["CWE-"+n] = name
			}
		}
	})
	name, ok := cweNames[id]
	return name, ok
}

// NormalCWE turns what a person typed ("cwe-798", " 798 ") into the form
// CWE-798, or returns it unchanged when it is not a CWE id.
func NormalCWE(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if !strings.HasPrefix(s, "CWE-") {
		s = "CWE-" + s
	}
	if !cweForm.MatchString(s) {
		return strings.TrimSpace(s)
	}
	return s
}
