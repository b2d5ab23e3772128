package cases

import (
	"fmt"
	"strings"
	"time"

	"github.com/psti/psti/internal/psti"
)

// Notice is a notification or contact a duty calls for: drafted by psti
// with every item its section asks for, edited by staff, then sent and
// kept exactly as sent.
type Notice struct {
	ID       int64  `json:"id"`
	Revision int64  `json:"revision"`
	CaseID   int64  `json:"case_id"`
	DutyKey  string `json:"duty_key"`
	PartyID  int64  `json:"party_id,omitempty"`
	ToName   string `json:"to_name"`
	ToEmail  string `json:"to_email,omitempty"`
	// Method is how it goes: email through the outbox, or post or another
	// way (a web form), which staff record as sent.
	Method  string       `json:"method" enum:"email,post,other"`
	Subject string       `json:"subject"`
	Items   []NoticeItem `json:"items"`
	State   string       `json:"state" enum:"draft,sent"`
	// Body is the exact text sent, set when it is sent.
	Body      string     `json:"body,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	SentBy    string     `json:"sent_by,omitempty"`
}

// NoticeItem is one part of a notice. Required items are those the
// section asks for, and a notice is not sent while one is empty.
type NoticeItem struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Text     string `json:"text"`
	Required bool   `json:"required"`
	Source   string `json:"source,omitempty" doc:"The subsection that asks for it."`
}

// Notice states.
const (
	NoticeDraft = "draft"
	NoticeSent  = "sent"
)

// Validate checks a notice before it is saved; ready adds what sending
// needs: every required item, and an address for the method.
func (n *Notice) Validate(ready bool) error {
	var pr psti.Problems
	pr.Text("to_name", "Recipient", n.ToName, true, MaxName)
	switch n.Method {
	case "email":
		pr.Email("to_email", "E-mail address", n.ToEmail, true)
	case "post", "other":
		pr.Email("to_email", "E-mail address", n.ToEmail, false)
	default:
		pr.Add("method", "Choose how the notice goes: email, post or other.")
	}
	pr.Text("subject", "Subject", n.Subject, true, 250)
	for _, it := range n.Items {
		pr.LongText("item_"+it.Key, it.Label, it.Text, false, MaxText)
		if ready && it.Required && strings.TrimSpace(it.Text) == "" && !pr.Has("item_"+it.Key) {
			pr.Add("item_"+it.Key, "%s must be said: %s asks for it.", it.Label, it.Source)
		}
	}
	return pr.Err()
}

// Text is the notice as it is sent: each item under its label.
func (n *Notice) Text(from string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "To: %s\n\n", n.ToName)
	for _, it := range n.Items {
		t := strings.TrimSpace(it.Text)
		if t == "" {
			continue
		}
		if it.Key == "intro" || it.Key == "closing" {
			b.WriteString(t + "\n\n")
			continue
		}
		fmt.Fprintf(&b, "%s\n%s\n\n", it.Label, t)
	}
	if from != "" {
		fmt.Fprintf(&b, "%s\n", from)
	}
	return b.String()
}

// What each notice must hold. The content sections: s.11(6) (a
// manufacturer's notice), ss.18 and 24 (an importer's or distributor's own
// failure), s.19(8) and s.25(9) (a manufacturer's
// failure, told by an importer or distributor, with the manufacturer's
// steps it knows of); s.11(7), s.19(9) and s.25(10) add whether the
// authority has been notified and, for ss.19 and 25, whether the
// manufacturer is aware.
type content struct {
	ownSteps   bool   // the business's own steps, or the manufacturer's it knows of
	source     string // the subsection that sets the content, "" where none is known
	eaNotified string // the subsection that asks to say whether the authority was notified, ""
	mfrAware   string // the subsection that asks to say whether the manufacturer is aware, ""
}

// contentOf gives what the notice of a duty must hold, and whether it is a
// notice at all (a contact has no content set by the Act).
func contentOf(duty, section string) (content, bool) {
	switch {
	case strings.HasPrefix(section, "s.11"):
		c := content{ownSteps: true, source: "s.11(6)"}
		if duty != "notify_enforcement_authority" {
			c.eaNotified = "s.11(7)"
		}
		return c, true
	case strings.HasPrefix(section, "s.18"):
		return content{ownSteps: true, source: "s.18"}, true
	case strings.HasPrefix(section, "s.24"):
		return content{ownSteps: true, source: "s.24"}, true
	case strings.HasPrefix(section, "s.19") && duty != "contact_manufacturer" && duty != "stop_further_supply":
		c := content{source: "s.19(8)"}
		if duty != "notify_enforcement_authority" {
			c.eaNotified, c.mfrAware = "s.19(9)", "s.19(9)"
		}
		return c, true
	case strings.HasPrefix(section, "s.25") && duty != "contact_manufacturer" && duty != "contact_supplier" && duty != "stop_further_supply":
		c := content{source: "s.25(9)"}
		if duty != "notify_enforcement_authority" {
			c.eaNotified, c.mfrAware = "s.25(10)", "s.25(10)"
		}
		return c, true
	}
	return content{}, false
}

// Notifiable reports whether psti drafts a message for a duty: the
// notifications, and contacting the manufacturer or supplier.
func Notifiable(duty string) bool {
	return strings.HasPrefix(duty, "notify_") && duty != "notify_customers" ||
		duty == "contact_manufacturer" || duty == "contact_supplier"
}

// singleRecipient reports whether a duty is done by one message: the
// authority, or the one manufacturer or supplier. Duties to "every
// importer you supplied" are marked done by staff once all are told.
func singleRecipient(duty string) bool {
	switch duty {
	case "notify_enforcement_authority", "contact_manufacturer", "contact_supplier", "notify_supplier":
		return true
	}
	return false
}

// Situation is what a draft says about who knows what, as the case stands.
type Situation struct {
	Organisation string // who sends it
	Products     string // the products and batches, in words
	// EANotified says whether, and when, the authority was notified.
	EANotified string
	// ManufacturerAware says whether the manufacturer is aware.
	ManufacturerAware string
}

// Draft drafts the notice for duty d of case c to party p, with every item
// the duty's section asks for filled from the case.
func Draft(c *Case, d *CaseDuty, p *Party, s Situation) (*Notice, error) {
	if !Notifiable(d.Duty) {
		return nil, psti.FieldErrorf(psti.EINVALID, "duty", "psti drafts notifications and contacts only; %s is not one.", d.Duty)
	}
	if d.State == DutyNotRequired {
		return nil, psti.FieldErrorf(psti.EINVALID, "duty", "That duty is not required on the facts of this case.")
	}
	n := &Notice{CaseID: c.ID, DutyKey: d.Key, ToName: p.Name, ToEmail: p.Email, PartyID: p.ID, Method: "email", State: NoticeDraft}
	if p.Email == "" {
		n.Method = "post"
	}
	what := "Notification of a compliance failure"
	if strings.HasPrefix(d.Duty, "contact_") {
		what = "A compliance failure we need to discuss with you"
	}
	n.Subject = fmt.Sprintf("%s: %s", what, s.Products)
	if c.Facts["status"] != "confirmed" {
		n.Subject = strings.Replace(n.Subject, "a compliance failure", "a possible compliance failure", 1)
	}
	role := RoleText(c.Role())
	intro := fmt.Sprintf("%s, as %s of %s, %s", s.Organisation, article(role), s.Products, introVerb(d))
	if c.Facts["status"] != "confirmed" {
		// Only suspected: the notice must not say more than is known.
		intro = strings.Replace(intro, "a compliance failure", "a possible compliance failure", 1)
	}
	if c.RequirementID != "" {
		intro += fmt.Sprintf(" The requirement concerned is %s.", c.RequirementID)
	}
	n.Items = append(n.Items, NoticeItem{Key: "intro", Label: "Introduction", Text: intro})
	ct, isNotice := contentOf(d.Duty, d.Section)
	req := isNotice
	n.Items = append(n.Items,
		NoticeItem{Key: "details", Label: "Details of the failure", Text: c.Details, Required: req, Source: ct.source},
		NoticeItem{Key: "risks", Label: "Risks known to be posed by it", Text: c.Risks, Required: req, Source: ct.source})
	if ct.ownSteps {
		n.Items = append(n.Items,
			NoticeItem{Key: "steps", Label: "Steps taken to remedy it", Text: c.Steps, Required: req, Source: ct.source},
			NoticeItem{Key: "steps_worked", Label: "Whether those steps have been successful", Text: c.StepsWorked, Required: req, Source: ct.source})
	} else {
		n.Items = append(n.Items,
			NoticeItem{Key: "steps", Label: "Steps taken by the manufacturer to remedy it, of which we are aware", Text: c.Steps, Required: req, Source: ct.source},
			NoticeItem{Key: "steps_worked", Label: "Whether those steps have been successful", Text: c.StepsWorked, Required: req, Source: ct.source})
	}
	if ct.mfrAware != "" {
		n.Items = append(n.Items, NoticeItem{Key: "manufacturer_aware", Label: "Whether the manufacturer is aware of the failure", Text: s.ManufacturerAware, Required: true, Source: ct.mfrAware})
	}
	if ct.eaNotified != "" {
		n.Items = append(n.Items, NoticeItem{Key: "ea_notified", Label: "Whether the enforcement authority has been notified", Text: s.EANotified, Required: true, Source: ct.eaNotified})
	}
	n.Items = append(n.Items, NoticeItem{Key: "closing", Label: "Closing", Text: "Please reply to this message to reach us about it."})
	return n, nil
}

func orText(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func article(role string) string {
	if role != "" && strings.ContainsRune("aeiou", rune(role[0])) {
		return "an " + role
	}
	return "a " + role
}

// introVerb says why the message is sent, in the section's words.
func introVerb(d *CaseDuty) string {
	switch d.Duty {
	case "contact_manufacturer":
		return fmt.Sprintf("is contacting you, the manufacturer, about a compliance failure in the product, as %s of the Product Security and Telecommunications Infrastructure Act 2022 asks.", d.Section)
	case "contact_supplier":
		return fmt.Sprintf("is contacting you, as the business that supplied the product to us, because we could not contact its manufacturer (%s of the Product Security and Telecommunications Infrastructure Act 2022).", d.Section)
	}
	return fmt.Sprintf("notifies you of a compliance failure in the product under %s of the Product Security and Telecommunications Infrastructure Act 2022.", d.Section)
}
