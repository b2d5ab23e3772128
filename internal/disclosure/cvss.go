package disclosure

import (
	"fmt"
	"strings"

	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
)

// Score is a CVSS base score computed from its vector.
type Score struct {
	Version  string  // "3.0" or "3.1"
	Vector   string  // as given
	Base     float64 // 0.0 to 10.0
	Severity string  // NONE, LOW, MEDIUM, HIGH or CRITICAL
}

// ScoreCVSS computes the base score and severity of a CVSS 3.0 or 3.1
// vector. CSAF 2.0 carries only CVSS 2 and 3 scores, so a CVSS 4.0 vector
// is refused with a sentence that says so.
func ScoreCVSS(vector string) (*Score, error) {
	var base float64
	var version string
	switch {
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		v, err := gocvss31.ParseVector(vector)
		if err != nil {
			return nil, fmt.Errorf("this is not a whole CVSS 3.1 vector (%v)", err)
		}
		base, version = v.BaseScore(), "3.1"
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		v, err := gocvss30.ParseVector(vector)
		if err != nil {
			return nil, fmt.Errorf("this is not a whole CVSS 3.0 vector (%v)", err)
		}
		base, version = v.BaseScore(), "3.0"
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return nil, fmt.Errorf("a CSAF 2.0 advisory carries a CVSS 3.1 score, not a 4.0 one: enter the problem's CVSS 3.1 vector")
	default:
		return nil, fmt.Errorf("a CVSS 3.1 vector starts with CVSS:3.1/, such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	}
	sev, err := gocvss31.Rating(base)
	if err != nil {
		return nil, err
	}
	return &Score{Version: version, Vector: vector, Base: base, Severity: strings.ToUpper(sev)}, nil
}
