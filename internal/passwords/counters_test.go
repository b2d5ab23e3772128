package passwords

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Counters in disguise (PSTI-PW-02, DP-05): caught whatever order their
// values were handed out in, and named in the base they count in.

// counterBatch is n rows whose i-th password is pw(v), with v the counter
// value handed to row i: i itself, or, shuffled, a fixed permutation of
// 0..n-1 that hands out 0 and 1 first (whose values may be all digits
// although the counter's base is larger).
func counterBatch(n int, shuffled bool, pw func(v int) string) *heldBatch {
	order := chacha(81).Perm(n)
	for k := range 2 {
		j := slices.Index(order, k)
		order[k], order[j] = order[j], order[k]
	}
	b := newHeldBatch()
	for i, d := range devices(n, 81) {
		v := i
		if shuffled {
			v = order[i]
		}
		b.add(d, pw(v), "counter", "DP-05")
	}
	return b
}

func base36(v int64, width int) string {
	return fmt.Sprintf("%0*s", width, strconv.FormatInt(v, 36))
}

func TestCountersInAnyOrder(t *testing.T) {
	type counterCase struct {
		name     string
		n        int
		shuffled bool
		pw       func(v int) string
		// 99% of rows' DP-05 evidence must say how the counter reads
		// (a pattern: in base 36, hex; "" to skip), and none may say
		// notRead (a hex counter read in decimal).
		read, notRead string
	}
	var cases []counterCase
	for _, n := range []int{1000, 100_000} {
		// (a) base 36, in random order.
		cases = append(cases,
			counterCase{name: "K7 + 6 base-36 digits", n: n, shuffled: true, read: "base[ -]36",
				pw: func(v int) string { return "K7" + strings.ToUpper(base36(int64(v), 6)) }},
			counterCase{name: "whole password a base-36 counter", n: n, shuffled: true, read: "base[ -]36",
				pw: func(v int) string { return strings.ToUpper(strconv.FormatInt(5*1e14+123_456_789+int64(v), 36)) }},
			counterCase{name: "prefix + base-36 counter, lower case", n: n, shuffled: true, read: "base[ -]36",
				pw: func(v int) string { return "acme" + base36(1_700_000_000+int64(v), 8) }},
		)
	}
	// (b) hex counters whose first values are all digits; in batches of
	// 20,000 their last four characters run through every value of their
	// step, in several shapes.
	hex := func(prefix string, step int) func(v int) string {
		return func(v int) string { return fmt.Sprintf("%s%08x", prefix, 0x10000000+step*v) }
	}
	for _, step := range []int{16, 7} {
		for _, prefix := range []string{"", "Wifi-"} {
			for _, shuffled := range []bool{false, true} {
				name := fmt.Sprintf("%q + 8 hex digits from 0x10000000 in steps of %d", prefix, step)
				cases = append(cases, counterCase{name: name, n: 1000, shuffled: shuffled, read: "hex", notRead: "decimal", pw: hex(prefix, step)})
			}
		}
		name := fmt.Sprintf("8 hex digits from 0x10000000 in steps of %d", step)
		// Some rows' evidence there is a pair whose first 4 characters
		// (the counter's high digits, the same in any base) step by 1 or
		// 2: the base is not named, and must not be misnamed.
		cases = append(cases, counterCase{name: name, n: 20_000, shuffled: true, notRead: "decimal", pw: hex("", step)})
	}
	for _, c := range cases {
		order := "in order"
		if c.shuffled {
			order = "shuffled"
		}
		t.Run(fmt.Sprintf("%s, %s, %d rows", c.name, order, c.n), func(t *testing.T) {
			if c.n > 1000 && testing.Short() {
				t.Skip("large batch")
			}
			b := counterBatch(c.n, c.shuffled, c.pw)
			rep, lines := runAudit(t, b.csv(), Config{Brand: "Acme", Model: "AC-200"})
			caught, read, misreads := 0, 0, 0
			var missed, misread string
			for i := range b.pw {
				fl := lines[b.line(i)]
				ev := ruleEvidence(fl.Evidence, "DP-05")
				switch {
				case !contains(fl.Rules, "DP-05"):
					if missed == "" {
						missed = fmt.Sprintf("line %d %q: %v %s", b.line(i), b.pw[i], fl.Rules, fl.Evidence)
					}
					continue
				case c.notRead != "" && strings.Contains(ev, c.notRead):
					misread = fmt.Sprintf("line %d %q: %s", b.line(i), b.pw[i], ev)
					misreads++
				}
				caught++
				if c.read != "" && regexp.MustCompile(c.read).MatchString(ev) {
					read++
				}
			}
			if caught < c.n*99/100 {
				t.Errorf("DP-05 caught %d of %d rows, e.g. %s", caught, c.n, missed)
			}
			if c.read != "" && read < c.n*99/100 {
				t.Errorf("%d of %d rows' evidence read the counter in %s", read, c.n, c.read)
			}
			// Within a chunk of rows, a pair of all-digit values is read
			// again once later rows show letters; across chunks a few
			// may stay read in decimal.
			if misreads > 0 && (c.n <= 2048 || misreads > c.n/100) {
				t.Errorf("hex counter read in decimal in %d rows, e.g. %s", misreads, misread)
			}
			if ex := rep.Rules[ruleByID("DP-05")].Examples; len(ex) > 0 {
				t.Logf("DP-05: %s", ex[0].Evidence)
			}
		})
	}
}

// ruleEvidence is the part of a findings line's evidence that one rule
// gave.
func ruleEvidence(ev, id string) string {
	for _, part := range strings.Split(ev, "; ") {
		if strings.HasPrefix(part, id+": ") {
			return part
		}
	}
	return ""
}
