package disclosure

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
)

// Advisory is a security advisory made from a resolved report: an HTML page
// and a CSAF 2.0 document. It is written as a draft, previewed, published,
// and may then be revised; each revision is recorded in its history and in
// the CSAF document's revision history.
type Advisory struct {
	ID             int64              `json:"-"`
	TrackingID     string             `json:"tracking_id" doc:"The advisory's public identifier, such as ACME-2026-0001."`
	ReportID       int64              `json:"-"`
	OrganisationID int64              `json:"-"`
	ProductID      int64              `json:"product_id,omitempty" doc:"The product in the register the advisory is about."`
	Title          string             `json:"title"`
	Summary        string             `json:"summary"`
	Remedy         string             `json:"remedy" doc:"What users should do: update to a version, change a setting."`
	FixedIn        string             `json:"fixed_in,omitempty" doc:"The versions that fix the issue, separated by commas."`
	Affected       []string           `json:"affected_versions,omitempty" doc:"The versions the problem affects; empty when it affects every version before the fix."`
	Fixed          []string           `json:"fixed_versions,omitempty" doc:"The versions that fix the problem."`
	Product        string             `json:"product" doc:"The affected product, as named in the advisory."`
	CWE            string             `json:"cwe,omitempty" doc:"The weakness, as CWE-<number>."`
	CWEName        string             `json:"cwe_name,omitempty"`
	CVE            string             `json:"cve,omitempty"`
	Severity       string             `json:"severity,omitempty" doc:"From the CVSS base score: none, low, medium, high or critical."`
	CVSS           string             `json:"cvss_vector,omitempty"`
	BaseScore      float64            `json:"cvss_base_score,omitempty" doc:"The CVSS base score computed from the vector."`
	Credit         string             `json:"credit,omitempty"`
	PublishedAt    time.Time          `json:"published_at"`
	Revision       int                `json:"revision" doc:"1 when first published; one more at each revision."`
	UpdatedAt      time.Time          `json:"updated_at" doc:"When the current revision was published."`
	History        []AdvisoryRevision `json:"revision_history,omitempty"`
	// CSAF is the CSAF 2.0 document of the current revision.
	CSAF []byte `json:"-"`
	// Preview marks an advisory made from a draft to be looked at; it is
	// not public.
	Preview bool `json:"-"`
}

// AdvisoryRevision is one entry of an advisory's history.
type AdvisoryRevision struct {
	Number  int       `json:"number"`
	Date    time.Time `json:"date"`
	Summary string    `json:"summary"`
}

// Limits on an advisory's text.
const (
	MaxTitle    = 200
	MaxRemedy   = 5000
	MaxVersions = 50
	MaxVersion  = 100
)

// AdvisoryDraft is what staff write: a draft kept until it is published,
// or the text of a published advisory's next revision.
type AdvisoryDraft struct {
	Title      string   `json:"title"`
	Summary    string   `json:"summary"`
	Remedy     string   `json:"remedy"`
	FixedIn    string   `json:"fixed_in,omitempty"` // one more fixed version, as the API has always taken it
	Affected   []string `json:"affected,omitempty"`
	Fixed      []string `json:"fixed,omitempty"`
	CWE        string   `json:"cwe,omitempty"`
	CVE        string   `json:"cve,omitempty"`
	CVSS       string   `json:"cvss_vector,omitempty"`
	CreditThem bool     `json:"credit_them,omitempty"` // credit the reporter as they asked
	// Change says what a revision changes; it goes into the revision
	// history. Not used for the first publication.
	Change string `json:"change,omitempty"`

	Publisher   string `json:"-"`
	PublisherNS string `json:"-"` // the publisher's web address (CSAF namespace)

	UpdatedAt time.Time `json:"-"`
	UpdatedBy string    `json:"-"`
}

// CSAFPath is where an advisory's CSAF document is published, under the
// provider's directory /.well-known/csaf/: the year of its first release.
func (a *Advisory) CSAFPath() string {
	return fmt.Sprintf("%d/%s", a.PublishedAt.Year(), CSAFFileName(a.TrackingID))
}

// AdvisoryStore keeps advisories and their drafts.
type AdvisoryStore interface {
	// PublishAdvisory gives adv the next tracking id of its prefix and
	// year (PREFIX-YEAR-NNNN), calls build to write the documents that
	// carry it, and stores the advisory as revision 1, e on the report's
	// timeline and the e-mail, and forgets the report's draft, in one
	// transaction. build also completes e and the mails, which name the
	// tracking id: they are stored after it has run.
	PublishAdvisory(ctx context.Context, a psti.Actor, adv *Advisory, prefix string, build func() error, e *Event, mails ...Mail) error
	// ReviseAdvisory stores adv (read with AdvisoryOf, then changed) as its
	// next revision: build writes the documents, knowing adv.Revision and
	// adv.History; the draft is forgotten. ECONFLICT if another revision
	// was published since adv was read.
	ReviseAdvisory(ctx context.Context, a psti.Actor, adv *Advisory, build func() error, e *Event, mails ...Mail) error
	// Advisories lists published advisories, newest first.
	Advisories(ctx context.Context) ([]*Advisory, error)
	// AdvisoryOf returns the advisory made from a report, with its
	// history; ENOTFOUND if none.
	AdvisoryOf(ctx context.Context, reportID int64) (*Advisory, error)
	// AdvisoryByTracking returns one advisory with its history; ENOTFOUND
	// if none.
	AdvisoryByTracking(ctx context.Context, trackingID string) (*Advisory, error)
	// AdvisoryDraft returns the draft kept for a report; ENOTFOUND if none.
	AdvisoryDraft(ctx context.Context, reportID int64) (*AdvisoryDraft, error)
	// SaveAdvisoryDraft keeps d as the report's draft, replacing any.
	SaveAdvisoryDraft(ctx context.Context, a psti.Actor, reportID int64, d *AdvisoryDraft) error
	// InstallationSecret returns the installation's secret of that name
	// (the OpenPGP key that signs CSAF documents), calling mk the first
	// time; it never changes afterwards.
	InstallationSecret(ctx context.Context, name string, mk func() ([]byte, error)) ([]byte, error)
}

// AdvisoryVersions lists the firmware and software versions recorded for
// the report's product, as "component version" (such as "firmware 2.4.1"),
// for staff to choose the affected and fixed versions from.
func (s *Service) AdvisoryVersions(ctx context.Context, reportID int64) ([]string, error) {
	r, err := s.Store.Report(ctx, reportID)
	if err != nil || r.ProductID == 0 {
		return nil, err
	}
	vs, err := s.Register.Versions(ctx, product.Filter{ParentID: r.ProductID, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, VersionLabel(v))
	}
	return out, nil
}

// VersionLabel names a recorded version as an advisory lists it.
func VersionLabel(v *product.Version) string {
	return strings.TrimSpace(v.Component + " " + v.Version)
}

// StartDraft returns the draft to edit for a report: the one kept, or one
// made from the published advisory (for a revision), or a new one that
// takes the report's CVSS vector and credits the reporter as they asked.
func (s *Service) StartDraft(ctx context.Context, st AdvisoryStore, reportID int64) (*AdvisoryDraft, error) {
	r, err := s.Store.Report(ctx, reportID)
	if err != nil {
		return nil, err
	}
	if d, err := st.AdvisoryDraft(ctx, reportID); err == nil {
		return d, nil
	} else if psti.ErrorCode(err) != psti.ENOTFOUND {
		return nil, err
	}
	if adv, err := st.AdvisoryOf(ctx, reportID); err == nil {
		return &AdvisoryDraft{Title: adv.Title, Summary: adv.Summary, Remedy: adv.Remedy, Affected: adv.Affected, Fixed: adv.Fixed,
			CWE: adv.CWE, CVE: adv.CVE, CVSS: adv.CVSS, CreditThem: adv.Credit != ""}, nil
	} else if psti.ErrorCode(err) != psti.ENOTFOUND {
		return nil, err
	}
	d := &AdvisoryDraft{Title: r.Summary, CreditThem: r.Credit != ""}
	if !strings.HasPrefix(r.CVSS, "CVSS:4") {
		d.CVSS = r.CVSS
	}
	return d, nil
}

// SaveDraft checks the form of what was written (lengths, the CWE, CVE
// and CVSS vector when given) and keeps it as the report's draft. A draft
// may be incomplete; Publish asks for the rest.
func (s *Service) SaveDraft(ctx context.Context, st AdvisoryStore, a psti.Actor, reportID int64, d AdvisoryDraft) error {
	if _, err := s.Store.Report(ctx, reportID); err != nil {
		return err
	}
	tidyDraft(&d)
	if err := checkDraft(&d, false, false); err != nil {
		return err
	}
	return st.SaveAdvisoryDraft(ctx, a, reportID, &d)
}

func tidyDraft(d *AdvisoryDraft) {
	d.Title, d.Summary, d.Remedy = strings.TrimSpace(d.Title), strings.TrimSpace(d.Summary), strings.TrimSpace(d.Remedy)
	d.CWE, d.CVE, d.CVSS, d.Change = NormalCWE(d.CWE), strings.ToUpper(strings.TrimSpace(d.CVE)), strings.TrimSpace(d.CVSS), strings.TrimSpace(d.Change)
	if f := strings.TrimSpace(d.FixedIn); f != "" {
		d.Fixed = append(d.Fixed, f)
		d.FixedIn = ""
	}
	d.Affected, d.Fixed = tidyList(d.Affected), tidyList(d.Fixed)
}

// tidyList trims each version, drops empty ones and repeats.
func tidyList(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range in {
		v = strings.TrimSpace(v)
		if v != "" && !seen[strings.ToLower(v)] {
			seen[strings.ToLower(v)] = true
			out = append(out, v)
		}
	}
	return out
}

var cveForm = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// checkDraft checks a draft; publishing asks for every required field
// (and, for a revision, what changed).
func checkDraft(d *AdvisoryDraft, publish, revision bool) error {
	var p psti.Problems
	p.Text("title", "Title", d.Title, publish, MaxTitle)
	p.LongText("summary", "What the problem is", d.Summary, publish, MaxDetails)
	p.LongText("remedy", "What users should do", d.Remedy, publish, MaxRemedy)
	for _, l := range []struct {
		field, label string
		list         []string
	}{{"affected", "Affected versions", d.Affected}, {"fixed", "Fixed versions", d.Fixed}} {
		if len(l.list) > MaxVersions {
			p.Add(l.field, "%s: list at most %d.", l.label, MaxVersions)
		}
		for _, v := range l.list {
			p.Text(l.field, l.label, v, false, MaxVersion)
		}
	}
	for _, v := range d.Fixed {
		for _, w := range d.Affected {
			if strings.EqualFold(v, w) {
				p.Add("fixed", "%s is listed as both affected and fixed; choose one.", v)
			}
		}
	}
	if d.CWE != "" {
		if !cweForm.MatchString(d.CWE) {
			p.Add("cwe", "Enter the weakness as CWE- and its number, such as CWE-798.")
		} else if _, ok := CWEName(d.CWE); !ok {
			p.Add("cwe", "%s is not in MITRE's list of weaknesses; check the number.", d.CWE)
		}
	}
	if d.CVE != "" && !cveForm.MatchString(d.CVE) {
		p.Add("cve", "Enter the CVE id as CVE-, the year, - and its number, such as CVE-2026-12345.")
	}
	switch {
	case d.CVSS == "" && publish:
		p.Add("cvss_vector", "Enter the CVSS 3.1 vector: the advisory gives each affected version its score.")
	case d.CVSS != "":
		if _, err := ScoreCVSS(d.CVSS); err != nil {
			msg := err.Error()
			p.Add("cvss_vector", "%s.", strings.ToUpper(msg[:1])+msg[1:])
		}
	}
	p.Text("change", "What changed", d.Change, publish && revision, 500)
	return p.Err()
}

// PreviewAdvisory makes the advisory a draft would publish, to be shown as
// the public will see it, marked as a preview. Nothing is stored.
func (s *Service) PreviewAdvisory(ctx context.Context, st AdvisoryStore, reportID int64) (*Advisory, *AdvisoryDraft, error) {
	d, err := s.StartDraft(ctx, st, reportID)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.Store.Report(ctx, reportID)
	if err != nil {
		return nil, nil, err
	}
	adv := &Advisory{ReportID: r.ID, PublishedAt: s.Clock.Now().UTC().Truncate(time.Second), Revision: 1, Preview: true}
	if old, err := st.AdvisoryOf(ctx, reportID); err == nil {
		adv = old
		adv.Preview = true
		adv.History = append(adv.History, AdvisoryRevision{Number: adv.Revision + 1, Date: s.Clock.Now().UTC().Truncate(time.Second), Summary: d.Change})
		adv.Revision++
	}
	adv.UpdatedAt = s.Clock.Now().UTC().Truncate(time.Second)
	s.fillAdvisory(ctx, adv, r, d)
	return adv, d, nil
}

// fillAdvisory sets what an advisory takes from its draft and its report.
func (s *Service) fillAdvisory(ctx context.Context, adv *Advisory, r *Report, d *AdvisoryDraft) *CSAFProduct {
	adv.Title, adv.Summary, adv.Remedy = d.Title, d.Summary, d.Remedy
	adv.Affected, adv.Fixed, adv.CWE, adv.CVE, adv.CVSS = d.Affected, d.Fixed, d.CWE, d.CVE, d.CVSS
	adv.FixedIn = strings.Join(d.Fixed, ", ")
	adv.CWEName, _ = CWEName(d.CWE)
	adv.Severity, adv.BaseScore = "", 0
	if sc, err := ScoreCVSS(d.CVSS); err == nil {
		adv.Severity, adv.BaseScore = strings.ToLower(sc.Severity), sc.Base
	}
	adv.Credit = ""
	if d.CreditThem {
		adv.Credit = r.Credit
	}
	adv.Product, adv.ProductID = r.ProductText, 0
	var cp *CSAFProduct
	if r.ProductID > 0 {
		if pr, err := s.Register.Product(ctx, r.ProductID); err == nil {
			name := pr.Name + " " + pr.ModelNumber
			if b, err := s.Register.Brand(ctx, pr.BrandID); err == nil {
				name = b.Name + " " + name
			}
			if pr.HardwareVersion != "" {
				name += " hardware " + pr.HardwareVersion
			}
			adv.Product, adv.ProductID = name, pr.ID
			cp = &CSAFProduct{Name: name, ModelNumber: pr.ModelNumber, HardwareVersion: pr.HardwareVersion, Identifiers: pr.Identifiers}
		}
	}
	if adv.Product == "" {
		adv.Product = "the product named in this advisory"
	}
	return cp
}

// Publish makes an advisory from a resolved report and publishes it at
// once (the API's way; staff on the web publish their draft with
// PublishDraft). ECONFLICT if one is published already.
func (s *Service) Publish(ctx context.Context, st AdvisoryStore, a psti.Actor, reportID int64, d AdvisoryDraft) (*Advisory, error) {
	r, err := s.Store.Report(ctx, reportID)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusResolved {
		return nil, psti.Errorf(psti.ECONFLICT, "Publish an advisory once the report is resolved.")
	}
	if d.CVSS == "" && !strings.HasPrefix(r.CVSS, "CVSS:4") {
		d.CVSS = r.CVSS
	}
	tidyDraft(&d)
	if err := checkDraft(&d, true, false); err != nil {
		return nil, err
	}
	if r.ProductID == 0 {
		return nil, psti.Errorf(psti.ECONFLICT, "Link the report to its product in the register first (Triage): the advisory names the product's model number and codes.")
	}
	now := s.Clock.Now().UTC().Truncate(time.Second)
	adv := &Advisory{ReportID: r.ID, OrganisationID: r.OrganisationID, PublishedAt: now, UpdatedAt: now, Revision: 1,
		History: []AdvisoryRevision{{Number: 1, Date: now, Summary: "First publication."}}}
	cp := s.fillAdvisory(ctx, adv, r, &d)
	if cp == nil {
		return nil, psti.Errorf(psti.ECONFLICT, "The report's product is no longer in the register; link it again (Triage).")
	}
	prefix := "PSTI"
	if o, err := s.Register.Organisation(ctx, r.OrganisationID); err == nil {
		prefix = trackingPrefix(o.LegalName)
	}
	s.publisher(ctx, r, &d)
	e := &Event{At: s.Clock.Now(), Kind: EventAdvisory, Public: true, Status: r.Status, AuthorID: a.UserID, Author: a.Label}
	readers, err := s.advisoryReaders(ctx, r)
	if err != nil {
		return nil, err
	}
	mails := make([]Mail, len(readers))
	// The tracking id is the store's to give; the document, the timeline
	// event and the e-mail carry it.
	build := func() error {
		doc, err := buildCSAF(csafInput{adv: adv, product: cp, publisher: d.Publisher, namespace: d.PublisherNS, base: s.BaseURL})
		if err != nil {
			return err
		}
		adv.CSAF = doc
		e.Body = fmt.Sprintf("Advisory %s published: “%s”.%s", adv.TrackingID, adv.Title, creditLine(adv.Credit))
		copy(mails, s.advisoryMail(readers, r, adv, ""))
		return nil
	}
	if err := st.PublishAdvisory(ctx, a, adv, prefix, build, e, mails...); err != nil {
		return nil, err
	}
	return adv, nil
}

func (s *Service) publisher(ctx context.Context, r *Report, d *AdvisoryDraft) {
	if d.Publisher == "" {
		d.Publisher = "Security advisories"
		if o, err := s.Register.Organisation(ctx, r.OrganisationID); err == nil {
			d.Publisher = o.LegalName
		}
	}
	if d.PublisherNS == "" {
		d.PublisherNS = s.BaseURL
	}
}

// PublishDraft publishes the report's draft: the first publication, or the
// next revision of the published advisory. The draft is then forgotten.
func (s *Service) PublishDraft(ctx context.Context, st AdvisoryStore, a psti.Actor, reportID int64) (*Advisory, error) {
	d, err := st.AdvisoryDraft(ctx, reportID)
	if psti.ErrorCode(err) == psti.ENOTFOUND {
		return nil, psti.Errorf(psti.ECONFLICT, "There is no draft to publish: save the draft first.")
	}
	if err != nil {
		return nil, err
	}
	if _, err := st.AdvisoryOf(ctx, reportID); psti.ErrorCode(err) == psti.ENOTFOUND {
		return s.Publish(ctx, st, a, reportID, *d)
	} else if err != nil {
		return nil, err
	}
	return s.Revise(ctx, st, a, reportID, *d)
}

// Revise publishes d as the next revision of the report's advisory. The
// tracking id and first publication date stay; the CSAF document's version
// and current release date move on, and its revision history gains the
// change (CSAF 2.0 section 3.2.1.12.6).
func (s *Service) Revise(ctx context.Context, st AdvisoryStore, a psti.Actor, reportID int64, d AdvisoryDraft) (*Advisory, error) {
	r, err := s.Store.Report(ctx, reportID)
	if err != nil {
		return nil, err
	}
	adv, err := st.AdvisoryOf(ctx, reportID)
	if err != nil {
		return nil, err
	}
	tidyDraft(&d)
	if err := checkDraft(&d, true, true); err != nil {
		return nil, err
	}
	cp := s.fillAdvisory(ctx, adv, r, &d)
	if cp == nil {
		return nil, psti.Errorf(psti.ECONFLICT, "Link the report to its product in the register first (Triage): the advisory names the product's model number and codes.")
	}
	now := s.Clock.Now().UTC().Truncate(time.Second)
	if !now.After(adv.UpdatedAt) {
		now = adv.UpdatedAt.Add(time.Second)
	}
	adv.Revision++
	adv.UpdatedAt = now
	adv.History = append(adv.History, AdvisoryRevision{Number: adv.Revision, Date: now, Summary: d.Change})
	s.publisher(ctx, r, &d)
	e := &Event{At: s.Clock.Now(), Kind: EventAdvisory, Public: true, Status: r.Status, AuthorID: a.UserID, Author: a.Label,
		Body: fmt.Sprintf("Advisory %s revised (version %d): %s", adv.TrackingID, adv.Revision, d.Change)}
	readers, err := s.advisoryReaders(ctx, r)
	if err != nil {
		return nil, err
	}
	build := func() error {
		doc, err := buildCSAF(csafInput{adv: adv, product: cp, publisher: d.Publisher, namespace: d.PublisherNS, base: s.BaseURL})
		if err != nil {
			return err
		}
		adv.CSAF = doc
		return nil
	}
	if err := st.ReviseAdvisory(ctx, a, adv, build, e, s.advisoryMail(readers, r, adv, d.Change)...); err != nil {
		return nil, err
	}
	return adv, nil
}

// advisoryReaders returns the reports whose reporters are told of r's
// advisory: r itself and every report that follows it as a duplicate
// (PSTI-VR-03: a duplicate's reporter gets the original's updates), those
// with an address only, one report to each address.
func (s *Service) advisoryReaders(ctx context.Context, r *Report) ([]*Report, error) {
	fs, err := s.followers(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	var out []*Report
	seen := map[string]bool{}
	for _, f := range append([]*Report{r}, fs...) {
		if addr := strings.ToLower(strings.TrimSpace(f.ContactEmail)); addr != "" && !seen[addr] {
			seen[addr] = true
			out = append(out, f)
		}
	}
	return out, nil
}

// advisoryMail tells each of readers (from advisoryReaders) that adv, the
// advisory about orig, is published, or, given what changed, revised. A
// duplicate's reporter is never told who reported orig or what they wrote.
func (s *Service) advisoryMail(readers []*Report, orig *Report, adv *Advisory, change string) []Mail {
	link := s.BaseURL + "/security/advisories/" + adv.TrackingID
	var out []Mail
	for _, f := range readers {
		about := fmt.Sprintf("About your report “%s”:\n\n", f.Summary)
		kind := "report-advisory"
		if f.ID != orig.ID {
			about += "Someone reported the same problem before you, and we dealt with both together.\n\n"
			kind = "report-follow-advisory"
		}
		m := Mail{To: f.ContactEmail, Kind: kind}
		if change == "" {
			m.Subject = "We have published an advisory about the problem you reported"
			m.Text = about + fmt.Sprintf("We have published advisory %s, “%s”.", adv.TrackingID, adv.Title)
			if f.ID == orig.ID {
				m.Text += creditLine(adv.Credit)
			}
		} else {
			m.Kind += "-revised"
			m.Subject = "We have changed the advisory about the problem you reported"
			m.Text = about + fmt.Sprintf("We have changed advisory %s, “%s”; this is version %d.\n\nWhat changed: %s", adv.TrackingID, adv.Title, adv.Revision, change)
		}
		m.Text += fmt.Sprintf("\n\nRead it at %s\n", link)
		out = append(out, m)
	}
	return out
}

func creditLine(credit string) string {
	if credit == "" {
		return ""
	}
	return " It credits " + credit + " for reporting the issue."
}

// trackingPrefix makes an advisory prefix from an organisation's name:
// its first word, in capitals, letters only ("Acme Devices Ltd" → ACME).
func trackingPrefix(name string) string {
	var b strings.Builder
	for _, c := range strings.ToUpper(name) {
		if c >= 'A' && c <= 'Z' {
			b.WriteRune(c)
		} else if b.Len() > 0 {
			break
		}
		if b.Len() == 10 {
			break
		}
	}
	if b.Len() < 2 {
		return "PSTI"
	}
	return b.String()
}

// VersionNumber is an advisory's revision as CSAF writes it.
func (a *Advisory) VersionNumber() string { return strconv.Itoa(a.Revision) }

// AffectedText lists the affected versions for a page.
func (a *Advisory) AffectedText() string { return strings.Join(a.Affected, ", ") }

// FixedText lists the fixed versions for a page.
func (a *Advisory) FixedText() string { return strings.Join(a.Fixed, ", ") }
