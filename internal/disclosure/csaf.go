package disclosure

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gocsaf/csaf/v3/csaf"

	"github.com/psti/psti/internal/product"
)

// The CSAF 2.0 documents psti publishes. Each one passes the CSAF schema,
// the model's own rules (gocsaf), and BSI's csaf-validator-lib mandatory and
// optional tests (checked by TestCSAFValidator): it carries a TLP label, a
// self reference with its canonical URL, the product's model numbers, SKUs
// and GTINs as identification helpers, a CVSS 3 score for every affected
// version, a remediation for each, and its whole revision history.

// CSAFProduct is the register's record of the product an advisory is about.
type CSAFProduct struct {
	Name            string // as named in the advisory: brand, name and model number
	ModelNumber     string
	HardwareVersion string
	Identifiers     []product.Identifier
}

// csafInput is everything a CSAF document is made from.
type csafInput struct {
	adv       *Advisory
	product   *CSAFProduct
	publisher string
	namespace string
	base      string // the public address, for the canonical URL
}

// CSAFFileName is the file name CSAF gives a document: its tracking id in
// lower case, each run of other characters than a-z, 0-9, + and - turned
// into _ (CSAF 2.0 section 5.1).
func CSAFFileName(trackingID string) string {
	return csafNameRun.ReplaceAllString(strings.ToLower(trackingID), "_") + ".json"
}

var csafNameRun = regexp.MustCompile(`[^+\-a-z0-9]+`)

// gtinNamespace names GTINs in a product identification helper's
// x_generic_uris; each GTIN is given as its GS1 Digital Link.
const gtinNamespace = "https://www.gs1.org/standards/id-keys/gtin"

func identificationHelper(p *CSAFProduct) map[string]any {
	h := map[string]any{}
	models := []string{p.ModelNumber}
	var skus []string
	var uris []map[string]any
	for _, id := range p.Identifiers {
		switch id.Scheme {
		case product.SchemeMPN:
			if id.Value != p.ModelNumber {
				models = append(models, id.Value)
			}
		case product.SchemeSKU:
			skus = append(skus, id.Value)
		case product.SchemeGTIN:
			gtin14 := strings.Repeat("0", 14-len(id.Value)) + id.Value
			uris = append(uris, map[string]any{"namespace": gtinNamespace, "uri": "https://id.gs1.org/01/" + gtin14})
		}
	}
	h["model_numbers"] = models
	if len(skus) > 0 {
		h["skus"] = skus
	}
	if len(uris) > 0 {
		h["x_generic_uris"] = uris
	}
	return h
}

func csafDate(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// buildCSAF writes the advisory as a CSAF 2.0 security advisory and checks
// it against the CSAF JSON schema and the model's rules.
func buildCSAF(in csafInput) ([]byte, error) {
	a := in.adv
	if in.product == nil {
		return nil, fmt.Errorf("a CSAF document needs the product from the register")
	}
	score, err := ScoreCVSS(a.CVSS)
	if err != nil {
		return nil, err
	}
	var products []map[string]any
	var affected, fixed []string
	add := func(name string) string {
		id := fmt.Sprintf("CSAFPID-%04d", len(products)+1)
		products = append(products, map[string]any{"product_id": id, "name": name, "product_identification_helper": identificationHelper(in.product)})
		return id
	}
	if len(a.Affected) == 0 {
		affected = append(affected, add(in.product.Name))
	}
	for _, v := range a.Affected {
		affected = append(affected, add(in.product.Name+" "+v))
	}
	for _, v := range a.Fixed {
		fixed = append(fixed, add(in.product.Name+" "+v))
	}
	status := map[string]any{"known_affected": affected}
	if len(fixed) > 0 {
		status["fixed"] = fixed
	}
	remedy := map[string]any{"category": "vendor_fix", "details": a.Remedy, "product_ids": affected}
	if len(a.Fixed) > 0 {
		remedy["url"] = in.base + "/security/advisories/" + a.TrackingID
	}
	vuln := map[string]any{
		"title":          a.Title,
		"notes":          []map[string]any{{"category": "description", "title": "What the problem is", "text": a.Summary}},
		"product_status": status,
		"remediations":   []map[string]any{remedy},
		"scores": []map[string]any{{"products": affected, "cvss_v" + score.Version[:1]: map[string]any{
			"version": score.Version, "vectorString": score.Vector, "baseScore": score.Base, "baseSeverity": score.Severity}}},
	}
	if a.CWE != "" {
		if name, ok := CWEName(a.CWE); ok {
			vuln["cwe"] = map[string]any{"id": a.CWE, "name": name}
		}
	}
	if a.CVE != "" {
		vuln["cve"] = a.CVE
	}
	history := make([]map[string]any, 0, len(a.History))
	for _, r := range a.History {
		history = append(history, map[string]any{"date": csafDate(r.Date), "number": strconv.Itoa(r.Number), "summary": r.Summary})
	}
	canonical := in.base + "/.well-known/csaf/" + a.CSAFPath()
	doc := map[string]any{
		"category":           "csaf_security_advisory",
		"csaf_version":       "2.0",
		"lang":               "en",
		"title":              a.Title,
		"notes":              []map[string]any{{"category": "summary", "title": "Summary", "text": a.Summary}},
		"publisher":          map[string]any{"category": "vendor", "name": in.publisher, "namespace": in.namespace},
		"distribution":       map[string]any{"tlp": map[string]any{"label": "WHITE", "url": "https://www.first.org/tlp/"}},
		"aggregate_severity": map[string]any{"text": score.Severity},
		"references": []map[string]any{
			{"category": "self", "summary": "This advisory as a CSAF document (canonical URL)", "url": canonical},
			{"category": "self", "summary": "This advisory as a web page", "url": in.base + "/security/advisories/" + a.TrackingID},
		},
		"tracking": map[string]any{
			"id": a.TrackingID, "status": "final", "version": strconv.Itoa(a.Revision),
			"initial_release_date": csafDate(a.PublishedAt), "current_release_date": csafDate(a.UpdatedAt),
			"revision_history": history,
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

// OpenPGPKeyRef is a public key listed in the provider metadata.
type OpenPGPKeyRef struct {
	Fingerprint string
	URL         string
}

// ProviderMetadata is the CSAF provider metadata of this installation,
// checked against its schema. With a signing key it claims the role of a
// CSAF trusted provider: every document is served with its SHA-256 and
// SHA-512 hashes and an OpenPGP signature made with that key.
func ProviderMetadata(base, publisher string, updated time.Time, keys ...OpenPGPKeyRef) ([]byte, error) {
	doc := map[string]any{
		"canonical_url":              base + "/.well-known/csaf/provider-metadata.json",
		"distributions":              []map[string]any{{"directory_url": base + "/.well-known/csaf/"}},
		"last_updated":               csafDate(updated),
		"list_on_CSAF_aggregators":   true,
		"metadata_version":           "2.0",
		"mirror_on_CSAF_aggregators": true,
		"publisher":                  map[string]any{"category": "vendor", "name": publisher, "namespace": base},
		"role":                       "csaf_publisher",
	}
	if len(keys) > 0 {
		var list []map[string]any
		for _, k := range keys {
			list = append(list, map[string]any{"fingerprint": k.Fingerprint, "url": k.URL})
		}
		doc["public_openpgp_keys"] = list
		doc["role"] = "csaf_trusted_provider"
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
