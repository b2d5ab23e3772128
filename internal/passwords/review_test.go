package passwords_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/psti"
)

// reviewReport is a failed report: DP-12 and DP-13 flagged rows for review
// only, DP-04 flagged one for review and one as a violation when breach
// is set.
func reviewReport(breach bool) *passwords.Report {
	rep := &passwords.Report{Verdict: "fail"}
	for _, r := range passwords.Rules {
		rep.Rules = append(rep.Rules, passwords.RuleResult{Rule: r, Status: "passed"})
	}
	set := func(id string, count, warnings int64) {
		for i := range rep.Rules {
			if rep.Rules[i].ID == id {
				rep.Rules[i].Status, rep.Rules[i].Count, rep.Rules[i].Warnings = "flagged", count, warnings
			}
		}
	}
	set("DP-12", 4, 4)
	set("DP-13", 2, 2)
	if breach {
		set("DP-04", 2, 1)
	}
	return rep
}

func TestReviewOutcome(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	rv := func(id int64, rule, decision string, minutes int) passwords.Review {
		return passwords.Review{ID: id, Rule: rule, Decision: decision, Reason: "looked", ReviewedAt: at.Add(time.Duration(minutes) * time.Minute)}
	}
	rep := reviewReport(false)
	if got := rep.ReviewRules(); !slices.Equal(got, []string{"DP-12", "DP-13"}) {
		t.Fatalf("rules for review: %v", got)
	}
	if got := reviewReport(true).ReviewRules(); !slices.Equal(got, []string{"DP-12", "DP-13"}) {
		t.Fatalf("a rule with a violation is not for review: %v", got)
	}
	for _, c := range []struct {
		name    string
		rep     *passwords.Report
		reviews []passwords.Review
		want    string
		waiting []string
	}{
		{"none reviewed", rep, nil, passwords.OutcomeNeedsReview, []string{"DP-12", "DP-13"}},
		{"one of two accepted", rep, []passwords.Review{rv(1, "DP-12", passwords.Accepted, 0)}, passwords.OutcomeNeedsReview, []string{"DP-13"}},
		{"both accepted", rep, []passwords.Review{rv(1, "DP-12", passwords.Accepted, 0), rv(2, "DP-13", passwords.Accepted, 1)}, passwords.OutcomeReviewedPass, nil},
		{"one confirmed", rep, []passwords.Review{rv(1, "DP-12", passwords.Confirmed, 0)}, passwords.OutcomeFail, []string{"DP-13"}},
		{"confirmed, then accepted", rep, []passwords.Review{rv(1, "DP-12", passwords.Confirmed, 0), rv(2, "DP-13", passwords.Accepted, 1), rv(3, "DP-12", passwords.Accepted, 2)}, passwords.OutcomeReviewedPass, nil},
		{"accepted, then confirmed", rep, []passwords.Review{rv(1, "DP-12", passwords.Accepted, 0), rv(2, "DP-13", passwords.Accepted, 1), rv(3, "DP-12", passwords.Confirmed, 2)}, passwords.OutcomeFail, nil},
		{"listed out of order", rep, []passwords.Review{rv(3, "DP-12", passwords.Confirmed, 2), rv(2, "DP-13", passwords.Accepted, 1), rv(1, "DP-12", passwords.Accepted, 0)}, passwords.OutcomeFail, nil},
		{"a violation as well", reviewReport(true), []passwords.Review{rv(1, "DP-12", passwords.Accepted, 0), rv(2, "DP-13", passwords.Accepted, 1)}, passwords.OutcomeFail, nil},
		{"passed", &passwords.Report{Verdict: "pass"}, nil, passwords.OutcomePass, nil},
	} {
		if got := passwords.Outcome(c.rep, c.reviews); got != c.want {
			t.Errorf("%s: outcome %q, want %q", c.name, got, c.want)
		}
		if got := passwords.Awaiting(c.rep, c.reviews); !slices.Equal(got, c.waiting) {
			t.Errorf("%s: awaiting %v, want %v", c.name, got, c.waiting)
		}
	}

	// The latest review of a rule is in force; the others are superseded,
	// not dropped.
	list := []passwords.Review{rv(1, "DP-12", passwords.Confirmed, 0), rv(2, "DP-13", passwords.Accepted, 1), rv(3, "DP-12", passwords.Accepted, 2)}
	cur := passwords.Current(list)
	if len(cur) != 2 || cur["DP-12"].ID != 3 || cur["DP-13"].ID != 2 || !list[0].Superseded || list[1].Superseded || list[2].Superseded {
		t.Fatalf("current reviews: %v, list %+v", cur, list)
	}
}

func TestReviewChecked(t *testing.T) {
	run := &passwords.Run{ID: 7, State: passwords.RunDone, Report: reviewReport(true)}
	for _, c := range []struct {
		name          string
		run           *passwords.Run
		rv            passwords.Review
		code          psti.Code
		field, saying string
	}{
		{"accepted with a reason", run, passwords.Review{Rule: "DP-12", Decision: passwords.Accepted, Reason: "  Bluetooth PINs, printed on the box  "}, "", "", ""},
		{"confirmed without a note", run, passwords.Review{Rule: "DP-13", Decision: passwords.Confirmed}, "", "", ""},
		{"accepted without a reason", run, passwords.Review{Rule: "DP-12", Decision: passwords.Accepted, Reason: " \n "}, psti.EINVALID, "reason", "needs a reason"},
		{"no decision", run, passwords.Review{Rule: "DP-12"}, psti.EINVALID, "decision", "accepted or confirmed"},
		{"unknown decision", run, passwords.Review{Rule: "DP-12", Decision: "ignored"}, psti.EINVALID, "decision", "accepted or confirmed"},
		{"reason too long", run, passwords.Review{Rule: "DP-12", Decision: passwords.Confirmed, Reason: strings.Repeat("x", passwords.MaxReviewReason+1)}, psti.EINVALID, "reason", "at most"},
		{"a rule with a violation", run, passwords.Review{Rule: "DP-04", Decision: passwords.Accepted, Reason: "x"}, psti.EINVALID, "rule", "DP-12, DP-13"},
		{"a rule that passed", run, passwords.Review{Rule: "DP-06", Decision: passwords.Accepted, Reason: "x"}, psti.EINVALID, "rule", "not a finding"},
		{"no rule", run, passwords.Review{Decision: passwords.Confirmed}, psti.EINVALID, "rule", "Choose the rule"},
		{"a run still running", &passwords.Run{ID: 8, State: passwords.RunRunning}, passwords.Review{Rule: "DP-12", Decision: passwords.Confirmed}, psti.ECONFLICT, "", "no report"},
	} {
		rv := c.rv
		err := passwords.CheckReview(c.run, &rv)
		if psti.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want code %q", c.name, err, c.code)
			continue
		}
		if err == nil {
			continue
		}
		if c.field != "" {
			fs := psti.ErrorFields(err)
			if len(fs) == 0 || fs[0].Field != c.field {
				t.Errorf("%s: fields %v, want %s", c.name, fs, c.field)
			}
		}
		if !strings.Contains(err.Error(), c.saying) {
			t.Errorf("%s: %q does not say %q", c.name, err, c.saying)
		}
	}
	rv := passwords.Review{Rule: " DP-12 ", Decision: passwords.Accepted, Reason: "  Bluetooth PINs  "}
	if err := passwords.CheckReview(run, &rv); err != nil || rv.Reason != "Bluetooth PINs" || rv.Rule != "DP-12" {
		t.Fatalf("the review is kept trimmed: %+v %v", rv, err)
	}
}
