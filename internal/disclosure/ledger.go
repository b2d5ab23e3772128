package disclosure

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/psti/psti/internal/ledger"
)

// PolicyEntry is the transparency-log entry of a policy's revision: the
// policy as published (not where staff alerts go, which is never
// published). Revision 1 is its publication; later ones are changes.
func PolicyEntry(p *Policy) (*ledger.Entry, error) {
	pub := *p
	pub.AlertTo = ""
	rec, err := json.Marshal(&pub)
	if err != nil {
		return nil, fmt.Errorf("disclosure: unable to encode the policy for the log: %w", err)
	}
	kind := ledger.KindPolicyChanged
	if p.Revision <= 1 {
		kind = ledger.KindPolicyPublished
	}
	return &ledger.Entry{
		Ref:     fmt.Sprintf("policy/%d#%d", p.OrganisationID, p.Revision),
		Kind:    kind,
		At:      p.UpdatedAt,
		Subject: fmt.Sprintf("organisation/%d/disclosure-policy", p.OrganisationID),
		Record:  rec,
	}, nil
}

// AdvisoryEntry is the transparency-log entry of an advisory's revision:
// its tracking id, revision and dates, and the SHA-256 of its CSAF
// document, so that any copy of the document can be checked against the
// log.
func AdvisoryEntry(a *Advisory) (*ledger.Entry, error) {
	// Only what a revision never changes, and its date: the CSAF document,
	// committed to by its hash, says the rest.
	rec, err := json.Marshal(struct {
		TrackingID string `json:"tracking_id"`
		Revision   int    `json:"revision"`
		Published  string `json:"first_published"`
		Released   string `json:"released"`
	}{a.TrackingID, a.Revision, a.PublishedAt.UTC().Format(time.RFC3339), a.UpdatedAt.UTC().Format(time.RFC3339)})
	if err != nil {
		return nil, fmt.Errorf("disclosure: unable to encode advisory %s for the log: %w", a.TrackingID, err)
	}
	kind := ledger.KindAdvisoryRevised
	if a.Revision <= 1 {
		kind = ledger.KindAdvisoryPublished
	}
	sum := sha256.Sum256(a.CSAF)
	return &ledger.Entry{
		Ref:       fmt.Sprintf("advisory/%s#%d", a.TrackingID, a.Revision),
		Kind:      kind,
		At:        a.UpdatedAt,
		Subject:   "advisory/" + a.TrackingID,
		Record:    rec,
		Documents: []ledger.Document{{Name: "csaf", SHA256: hex.EncodeToString(sum[:])}},
	}, nil
}
