package disclosure

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gocsaf/csaf/v3/csaf"

	"github.com/psti/psti/internal/psti"
)

// Advisory is a published security advisory, made from a closed report:
// an HTML page and a CSAF 2.0 document. Once published it does not change.
type Advisory struct {
	ID             int64     `json:"-"`
	TrackingID     string    `json:"tracking_id" doc:"The advisory's public identifier, such as ACME-2026-0001."`
	ReportID       int64     `json:"-"`
	OrganisationID int64     `json:"-"`
	Title          string    `json:"title"`
	Summary        string    `json:"summary"`
	Remedy         string    `json:"remedy" doc:"What users should do: update to a version, change a setting."`
	FixedIn        string    `json:"fixed_in,omitempty" doc:"The first version that fixes the issue."`
	Product        string    `json:"product" doc:"The affected product, as named in the advisory."`
	Severity       string    `json:"severity,omitempty"`
	CVSS           string    `json:"cvss_vector,omitempty"`
	Credit         string    `json:"credit,omitempty"`
	PublishedAt    time.Time `json:"published_at"`
	// CSAF is the CSAF 2.0 document, as published.
	CSAF []byte `json:"-"`
}

// Limits on an advisory's text.
const (
	MaxTitle  = 200
	MaxRemedy = 5000
)

// AdvisoryDraft is what staff write to publish an advisory.
type AdvisoryDraft struct {
	Title       string
	Summary     string
	Remedy      string
	FixedIn     string
	CreditThem  bool // credit the reporter as they asked
	Publisher   string
	PublisherNS string // the publisher's web address (CSAF namespace)
}

// CSAFPath is where an advisory's CSAF document is published, under the
// provider's directory /.well-known/csaf/.
func (a *Advisory) CSAFPath() string {
	return fmt.Sprintf("%d/%s.json", a.PublishedAt.Year(), strings.ToLower(a.TrackingID))
}

// buildCSAF writes the advisory as a CSAF 2.0 security advisory and checks
// it against the CSAF JSON schema.
func buildCSAF(a *Advisory, publisher, namespace string) ([]byte, error) {
	when := a.PublishedAt.UTC().Format(time.RFC3339)
	const pid = "CSAFPID-0001"
	notes := []map[string]any{{"category": "summary", "title": "Summary", "text": a.Summary}}
	vuln := map[string]any{
		"title":          a.Title,
		"notes":          []map[string]any{{"category": "description", "title": "Description", "text": a.Summary}},
		"product_status": map[string]any{"known_affected": []string{pid}},
		"remediations":   []map[string]any{{"category": "vendor_fix", "details": a.Remedy, "product_ids": []string{pid}}},
	}
	products := []map[string]any{{"product_id": pid, "name": a.Product}}
	if a.FixedIn != "" {
		const fixed = "CSAFPID-0002"
		products = append(products, map[string]any{"product_id": fixed, "name": a.Product + " " + a.FixedIn + " and later"})
		vuln["product_status"] = map[string]any{"known_affected": []string{pid}, "fixed": []string{fixed}}
	}
	if a.Severity != "" || a.CVSS != "" {
		details := "Severity: " + orNone(a.Severity)
		if a.CVSS != "" {
			details += "; CVSS vector " + a.CVSS
		}
		vuln["threats"] = []map[string]any{{"category": "impact", "details": details, "product_ids": []string{pid}}}
	}
	doc := map[string]any{
		"category":     "csaf_security_advisory",
		"csaf_version": "2.0",
		"lang":         "en",
		"title":        a.Title,
		"notes":        notes,
		"publisher":    map[string]any{"category": "vendor", "name": publisher, "namespace": namespace},
		"tracking": map[string]any{
			"id": a.TrackingID, "status": "final", "version": "1",
			"initial_release_date": when, "current_release_date": when,
			"revision_history": []map[string]any{{"date": when, "number": "1", "summary": "First publication."}},
			"generator":        map[string]any{"engine": map[string]any{"name": "psti"}},
		},
	}
	if a.Credit != "" {
		doc["acknowledgments"] = []map[string]any{{"names": []string{a.Credit}, "summary": "for reporting this issue"}}
	}
	advisory := map[string]any{
		"document":        doc,
		"product_tree":    map[string]any{"full_product_names": products},
		"vulnerabilities": []map[string]any{vuln},
	}
	out, err := json.MarshalIndent(advisory, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := CheckCSAF(out); err != nil {
		return nil, err
	}
	return out, nil
}

// CheckCSAF checks a CSAF document against the CSAF 2.0 JSON schema and the
// model's own rules.
func CheckCSAF(doc []byte) error {
	var generic any
	if err := json.Unmarshal(doc, &generic); err != nil {
		return fmt.Errorf("the CSAF document is not JSON: %w", err)
	}
	problems, err := csaf.ValidateCSAF(generic)
	if err != nil {
		return fmt.Errorf("checking the CSAF document: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("the CSAF document breaks the CSAF 2.0 schema: %s", strings.Join(problems, "; "))
	}
	var adv csaf.Advisory
	dec := json.NewDecoder(bytes.NewReader(doc))
	if err := dec.Decode(&adv); err != nil {
		return fmt.Errorf("reading the CSAF document: %w", err)
	}
	return adv.Validate()
}

// ProviderMetadata is the CSAF provider metadata of this installation,
// checked against its schema.
func ProviderMetadata(base, publisher string, updated time.Time) ([]byte, error) {
	doc := map[string]any{
		"canonical_url":              base + "/.well-known/csaf/provider-metadata.json",
		"distributions":              []map[string]any{{"directory_url": base + "/.well-known/csaf/"}},
		"last_updated":               updated.UTC().Format(time.RFC3339),
		"list_on_CSAF_aggregators":   true,
		"metadata_version":           "2.0",
		"mirror_on_CSAF_aggregators": true,
		"publisher":                  map[string]any{"category": "vendor", "name": publisher, "namespace": base},
		"role":                       "csaf_publisher",
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	var generic any
	_ = json.Unmarshal(out, &generic)
	problems, err := csaf.ValidateProviderMetadata(generic)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("provider metadata breaks its schema: %s", strings.Join(problems, "; "))
	}
	return out, nil
}

// AdvisoryStore keeps advisories.
type AdvisoryStore interface {
	// PublishAdvisory gives adv the next tracking id of its prefix and
	// year (PREFIX-YEAR-NNNN), calls build to write the documents that
	// carry it, and stores the advisory, e on the report's timeline and the
	// e-mail, in one transaction.
	PublishAdvisory(ctx context.Context, a psti.Actor, adv *Advisory, prefix string, build func() error, e *Event, mails ...Mail) error
	// Advisories lists published advisories, newest first.
	Advisories(ctx context.Context) ([]*Advisory, error)
	// AdvisoryOf returns the advisory made from a report; ENOTFOUND if none.
	AdvisoryOf(ctx context.Context, reportID int64) (*Advisory, error)
	// AdvisoryByTracking returns one advisory; ENOTFOUND if none.
	AdvisoryByTracking(ctx context.Context, trackingID string) (*Advisory, error)
}

// Publish makes an advisory from a closed report and publishes it.
func (s *Service) Publish(ctx context.Context, st AdvisoryStore, a psti.Actor, reportID int64, d AdvisoryDraft) (*Advisory, error) {
	r, err := s.Store.Report(ctx, reportID)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusResolved {
		return nil, psti.Errorf(psti.ECONFLICT, "Publish an advisory once the report is resolved.")
	}
	adv := &Advisory{ReportID: r.ID, OrganisationID: r.OrganisationID, Title: strings.TrimSpace(d.Title), Summary: strings.TrimSpace(d.Summary),
		Remedy: strings.TrimSpace(d.Remedy), FixedIn: strings.TrimSpace(d.FixedIn), Severity: r.Severity, CVSS: r.CVSS, PublishedAt: s.Clock.Now().UTC().Truncate(time.Second)}
	var p psti.Problems
	p.Text("title", "Title", adv.Title, true, MaxTitle)
	p.LongText("summary", "Summary", adv.Summary, true, MaxDetails)
	p.LongText("remedy", "What users should do", adv.Remedy, true, MaxRemedy)
	p.Text("fixed_in", "Fixed in", adv.FixedIn, false, 100)
	if err := p.Err(); err != nil {
		return nil, err
	}
	adv.Product = r.ProductText
	prefix := "PSTI"
	if r.ProductID > 0 {
		if pr, err := s.Register.Product(ctx, r.ProductID); err == nil {
			adv.Product = pr.Name + " " + pr.ModelNumber
			if b, err := s.Register.Brand(ctx, pr.BrandID); err == nil {
				adv.Product = b.Name + " " + adv.Product
			}
		}
	}
	if adv.Product == "" {
		adv.Product = "the product named in this advisory"
	}
	if o, err := s.Register.Organisation(ctx, r.OrganisationID); err == nil {
		prefix = trackingPrefix(o.LegalName)
		if d.Publisher == "" {
			d.Publisher = o.LegalName
		}
	}
	if d.CreditThem {
		adv.Credit = r.Credit
	}
	if d.PublisherNS == "" {
		d.PublisherNS = s.BaseURL
	}
	e := &Event{At: s.Clock.Now(), Kind: EventAdvisory, Public: true, Status: r.Status, AuthorID: a.UserID, Author: a.Label}
	var mails []Mail
	if r.ContactEmail != "" {
		mails = append(mails, Mail{To: r.ContactEmail, Kind: "report-advisory", Subject: "We have published an advisory about your report",
			Text: fmt.Sprintf("About your report “%s”:\n\nWe have published an advisory, “%s”.%s\n\nRead it at %s/security/advisories\n",
				r.Summary, adv.Title, creditLine(adv.Credit), s.BaseURL)})
	}
	// The tracking id is the store's to give; the document carries it.
	build := func() error {
		doc, err := buildCSAF(adv, d.Publisher, d.PublisherNS)
		if err != nil {
			return err
		}
		adv.CSAF = doc
		e.Body = fmt.Sprintf("Advisory %s published: “%s”.%s", adv.TrackingID, adv.Title, creditLine(adv.Credit))
		return nil
	}
	if err := st.PublishAdvisory(ctx, a, adv, prefix, build, e, mails...); err != nil {
		return nil, err
	}
	return adv, nil
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
