package catalog

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// The duties a compliance failure can give (Act Part 1 Chapter 2).
var Duties = []string{"investigate", "keep_investigation_record", "keep_failure_record", "record_manufacturer_investigation",
	"prevent_supply", "remedy", "stop_further_supply", "contact_manufacturer", "contact_supplier",
	"notify_enforcement_authority", "notify_other_manufacturers", "notify_importers_supplied",
	"notify_distributors_supplied", "notify_supplier", "notify_customers"}

// The timings the statute uses. They are different duties and never merged
// (PSTI requirements digest §5.4).
var Timings = []string{"as_soon_as_possible", "as_soon_as_practicable", "none"}

// DutyRules is a versioned set of duty rules: the facts of a compliance
// failure they ask about, and each duty a section of the Act gives.
type DutyRules struct {
	Version string     `json:"version"`
	Title   string     `json:"title"`
	Facts              // the facts and named conditions
	Rules   []DutyRule `json:"duties"`
}

// DutyRule is one duty of one section. It concerns a business when When
// holds. It is then required unless one of Needs fails (the section is not
// engaged, for the reason given) or a carve-out of the section holds; and
// it is firm only while Firm holds (otherwise it is listed for review).
type DutyRule struct {
	ID      string `json:"id"`
	Duty    string `json:"duty"`
	Section string `json:"section"`
	Timing  string `json:"timing"`
	To      string `json:"to,omitempty"`
	When    *Cond  `json:"when"`
	// Never, when set, says why the duty is never required of a business
	// When selects (no section gives it, or regulations it waits for do
	// not exist).
	Never     string `json:"never,omitempty"`
	Needs     []Gate `json:"needs,omitempty"`
	CarveOuts []Gate `json:"carve_outs,omitempty"`
	Firm      *Gate  `json:"firm,omitempty"`
}

// Gate is a condition with the reason given when it decides.
type Gate struct {
	Holds *Cond  `json:"holds"`
	Why   string `json:"why"`
}

//go:embed duties.yaml
var dutiesFile []byte

// DutiesFile returns the embedded duty rules file as it is shipped.
func DutiesFile() []byte { return append([]byte(nil), dutiesFile...) }

var defaultDuties = sync.OnceValues(func() (*DutyRules, error) { return ParseDutyRules(dutiesFile) })

// DefaultDutyRules returns the embedded duty rules. The package's tests
// check them, so an error here means a broken build.
func DefaultDutyRules() *DutyRules {
	r, err := defaultDuties()
	if err != nil {
		panic("catalog: embedded duty rules: " + err.Error())
	}
	return r
}

// ParseDutyRules reads and checks a duty rules file (YAML or JSON).
func ParseDutyRules(data []byte) (*DutyRules, error) {
	var r DutyRules
	if err := decodeStrict(data, &r); err != nil {
		return nil, fmt.Errorf("duty rules: %w", err)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("duty rules: %w", err)
	}
	return &r, nil
}

func (r *DutyRules) check() error {
	if r.Version == "" {
		return errors.New("no version")
	}
	if err := r.checkDecl(); err != nil {
		return err
	}
	ids := map[string]bool{}
	for i := range r.Rules {
		d := &r.Rules[i]
		switch {
		case d.ID == "":
			return fmt.Errorf("duty rule %d has no id", i+1)
		case ids[d.ID]:
			return fmt.Errorf("duty rule %q appears twice", d.ID)
		case !slices.Contains(Duties, d.Duty):
			return fmt.Errorf("duty rule %q: %q is not one of %v", d.ID, d.Duty, Duties)
		case !slices.Contains(Timings, d.Timing):
			return fmt.Errorf("duty rule %q: timing %q is not one of %v", d.ID, d.Timing, Timings)
		case d.Section == "":
			return fmt.Errorf("duty rule %q names no section", d.ID)
		case d.When == nil:
			return fmt.Errorf("duty rule %q: when is needed (the role it concerns, at least)", d.ID)
		}
		ids[d.ID] = true
		if err := r.Check(d.When); err != nil {
			return fmt.Errorf("duty rule %q: %w", d.ID, err)
		}
		gates := append(append([]Gate(nil), d.Needs...), d.CarveOuts...)
		if d.Firm != nil {
			gates = append(gates, *d.Firm)
		}
		for _, g := range gates {
			if g.Holds == nil || g.Why == "" {
				return fmt.Errorf("duty rule %q: each gate needs holds and why", d.ID)
			}
			if err := r.Check(g.Holds); err != nil {
				return fmt.Errorf("duty rule %q: %w", d.ID, err)
			}
		}
	}
	return nil
}
