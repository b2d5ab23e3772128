package pack

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/support"
)

// Missing checks a pack against a copy of the whole log, which the caller
// has read and verified against a key it trusts (logged: its entries, in
// order). A manifest is not signed, so Verify alone cannot see a file left
// out with its line. Here every entry of the log before the pack's
// checkpoint (size entries) that is about the pack's product must be in the
// pack, byte for byte as the log holds it: each publication and extension
// of its support periods, each statement of compliance issued for its
// model, and the latest revision of the disclosure policy. Each entry the
// pack holds must also be the log's. It returns what is missing or
// differs, each naming the entry.
func Missing(data []byte, size int64, logged []ledger.Logged) ([]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: it is not a zip file (%v)", ErrNotPack, err)
	}
	files, err := readFiles(zr)
	if err != nil {
		return nil, err
	}
	var prod Product
	if err := json.Unmarshal(files[ProductFile], &prod); err != nil || prod.Slug == "" {
		return []string{ProductFile + ": it does not name the product, so the pack cannot be checked against the log"}, nil
	}
	policySubject := ""
	if b, ok := files[PolicyFile]; ok {
		var p disclosure.Policy
		if json.Unmarshal(b, &p) == nil && p.OrganisationID > 0 {
			policySubject = fmt.Sprintf("organisation/%d/disclosure-policy", p.OrganisationID)
		}
	}
	var problems []string
	latestPolicy := int64(-1)
	for _, l := range logged {
		if l.Index >= size {
			break
		}
		want, err := l.Entry.Encode()
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("log/entries/%d", l.Index)
		got, held := files[name]
		if held && !bytes.Equal(got, want) {
			problems = append(problems, fmt.Sprintf("%s: it is not the log's entry %d", name, l.Index))
			continue
		}
		switch {
		case l.Entry.Subject == policySubject && policySubject != "":
			latestPolicy = l.Index
		case about(l.Entry, prod) && !held:
			problems = append(problems, fmt.Sprintf("log entry %d (%s, %s) is about this product but is not in the pack", l.Index, l.Entry.Kind, l.Entry.Subject))
		}
	}
	if latestPolicy >= 0 {
		if _, ok := files[fmt.Sprintf("log/entries/%d", latestPolicy)]; !ok {
			problems = append(problems, fmt.Sprintf("log entry %d, the latest revision of the disclosure policy before the pack's checkpoint, is not in the pack", latestPolicy))
		}
	}
	return problems, nil
}

// about reports whether a log entry concerns the product: its support
// periods, or a statement issued for its model.
func about(e *ledger.Entry, p Product) bool {
	if e.Subject == support.Subject(p.Slug) {
		return true
	}
	if e.Kind != ledger.KindStatementIssued {
		return false
	}
	var rec struct {
		Model string `json:"model"`
	}
	return json.Unmarshal(e.Record, &rec) == nil && rec.Model != "" && rec.Model == p.ModelNumber
}
