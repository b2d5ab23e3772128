package disclosure

import (
	"strings"
	"time"

	"github.com/psti/psti/internal/psti"
)

// Policy is an organisation's vulnerability disclosure policy: how to
// report a security issue, what happens next and when (PSTI-VR-01..04).
// It is published at /security, free, in English, without asking for
// anything, and security.txt is made from it.
type Policy struct {
	OrganisationID int64     `json:"organisation_id"`
	Revision       int64     `json:"revision"`
	UpdatedAt      time.Time `json:"updated_at"`
	Promises
	// Contact is an e-mail address that also takes reports, published
	// beside the form (security.txt Contact); empty for the form only.
	Contact string `json:"contact,omitempty" maxLength:"254"`
	// AlertTo is where staff alerts go (new reports, overdue promises);
	// never published.
	AlertTo     string `json:"alert_to,omitempty" maxLength:"254"`
	Scope       string `json:"scope" maxLength:"5000" doc:"What to report: the products and software covered, in plain words."`
	SafeHarbour string `json:"safe_harbour" maxLength:"5000" doc:"The promise not to take action against good-faith research."`
	// Languages are the languages reports may be written in. English is
	// always one, because the policy is published in English (PSTI-VR-04
	// asks that of the published information; it says nothing of reports).
	Languages []string `json:"languages"`
	// Additions are extra words for one product line (brand).
	Additions []Addition `json:"additions,omitempty"`
	// Calendar is the working-day calendar in the format of
	// ParseCalendar; empty for the bank holidays of England and Wales.
	Calendar string `json:"calendar,omitempty" maxLength:"10000"`
}

// Addition is a part of the policy for one brand's products.
type Addition struct {
	BrandID int64  `json:"brand_id"`
	Text    string `json:"text" maxLength:"5000"`
}

// DefaultPolicy is the policy an organisation starts from.
func DefaultPolicy(organisationID int64) *Policy {
	return &Policy{
		OrganisationID: organisationID,
		Promises:       DefaultPromises(),
		Scope: "Any of our connectable products, the software that runs on them, and the apps and online services they " +
			"need to work. If you are not sure whether something counts, report it anyway.",
		SafeHarbour: "If you look for security issues in good faith, respect people's privacy and data, do not disrupt our " +
			"services, and give us a reasonable time to fix what you find before you make it public, we will not take " +
			"legal action against you, and we will work with you to understand and fix the issue.",
		Languages: []string{"en"},
	}
}

// Validate checks a policy as an editor fills it in.
func (p *Policy) Validate() error {
	var pr psti.Problems
	if p.OrganisationID <= 0 {
		pr.Add("organisation_id", "Choose the organisation this policy belongs to.")
	}
	if p.AckWorkingDays < 1 || p.AckWorkingDays > 30 {
		pr.Add("ack_working_days", "Give the working days to acknowledge a report: 1 to 30.")
	}
	if p.UpdateEveryDays < 1 || p.UpdateEveryDays > 180 {
		pr.Add("update_every_days", "Give how often the reporter hears from you, in days: 1 to 180.")
	}
	pr.Email("contact", "E-mail address for reports", p.Contact, false)
	pr.Email("alert_to", "E-mail address for alerts", p.AlertTo, false)
	pr.LongText("scope", "What to report", p.Scope, true, 5000)
	pr.LongText("safe_harbour", "Safe harbour", p.SafeHarbour, true, 5000)
	hasEnglish := false
	for _, l := range p.Languages {
		if !validLanguage(l) {
			pr.Add("languages", "%q is not a language tag such as en or de.", l)
		}
		if strings.EqualFold(l, "en") || strings.HasPrefix(strings.ToLower(l), "en-") {
			hasEnglish = true
		}
	}
	if !hasEnglish {
		pr.Add("languages", "English must be one of the languages: the policy is published in English, so anyone who can read it must be able to write to you in it.")
	}
	for i, a := range p.Additions {
		if a.BrandID <= 0 {
			pr.Add("additions", "Choose the brand of addition %d.", i+1)
		}
		pr.LongText("additions", "Addition", a.Text, true, 5000)
	}
	if _, err := ParseCalendar(strings.NewReader(p.Calendar), "calendar"); err != nil {
		pr.Add("calendar", "%v", err)
	}
	return pr.Err()
}

// WorkingDays returns the policy's calendar. A policy that passed Validate
// always has one.
func (p *Policy) WorkingDays() *Calendar {
	if strings.TrimSpace(p.Calendar) == "" {
		return EnglandAndWales()
	}
	c, err := ParseCalendar(strings.NewReader(p.Calendar), "calendar")
	if err != nil {
		return EnglandAndWales()
	}
	return c
}

func validLanguage(l string) bool {
	if len(l) < 2 || len(l) > 35 {
		return false
	}
	for i, part := range strings.Split(l, "-") {
		if part == "" || len(part) > 8 {
			return false
		}
		for _, c := range part {
			alpha := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			if !alpha && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}
