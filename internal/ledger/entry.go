// Package ledger is psti's transparency log: an append-only Merkle tree
// (RFC 6962 hashing, from golang.org/x/mod/sumdb/tlog) of every public
// commitment an installation makes: support periods published or
// extended, disclosure policies published or changed, advisories
// published or revised and, later, statements of compliance issued. Its
// size and root hash are signed as checkpoints (C2SP signed notes, Ed25519,
// from golang.org/x/mod/sumdb/note), so anyone holding two checkpoints can
// check that the log was only ever appended to, and anyone holding an entry
// can check that it is in the log.
//
// The package is pure: it formats and checks entries, checkpoints, keys and
// proofs, and computes the tree. The store keeps the entries and their
// hashes in the same transaction as the record each proves.
//
// If it is not in the log, it was not published.
package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Kinds of entry: what was committed to.
const (
	KindSupportPublished  = "support_period.published"    // PSTI-DSP-01: a defined support period made public
	KindSupportExtended   = "support_period.extended"     // PSTI-DSP-02: a later end date, published at once
	KindPolicyPublished   = "disclosure_policy.published" // PSTI-VR: the first published disclosure policy
	KindPolicyChanged     = "disclosure_policy.changed"   // a later revision of it
	KindAdvisoryPublished = "advisory.published"          // a security advisory's first revision
	KindAdvisoryRevised   = "advisory.revised"            // a later revision of one
	KindStatementIssued   = "statement.issued"            // PSTI-SOC: a statement of compliance issued, with its renderings' hashes
)

// Document names a document an entry commits to by its SHA-256, so that a
// copy held by anyone can be checked against the log.
type Document struct {
	Name   string `json:"name"`   // what it is, e.g. "csaf" or "statement.pdf"
	SHA256 string `json:"sha256"` // lower-case hex
}

// Entry is one record of the log. Its encoding (Encode) is what the tree
// hashes; once appended it never changes.
type Entry struct {
	// Ref names the commitment inside psti's database (say
	// "advisory/ACME-2026-0001#2") so that it is never logged twice. It is
	// not part of the entry.
	Ref  string `json:"-"`
	Kind string `json:"kind"`
	// At is when the commitment was made public (UTC). For an entry
	// recorded late it is when the record itself was published, not when
	// the log learnt of it.
	At time.Time `json:"at"`
	// Subject names what the entry is about, as TYPE/KEY, e.g.
	// "product/acme-doorbell-pro" or "advisory/ACME-2026-0001".
	Subject string `json:"subject"`
	// Record is the canonical (compact) JSON of what was committed to.
	Record    json.RawMessage `json:"record"`
	Documents []Document      `json:"documents,omitempty"`
	// Late marks an entry appended after the fact: a commitment published
	// before this installation kept a log, recorded on its first start
	// with one.
	Late bool `json:"recorded_late,omitempty"`
}

// MaxEntry bounds an entry's encoding: entries are read back from files of
// unknown origin, and travel in entry bundles (data tiles) whose entries
// are prefixed with a 16-bit length (C2SP tlog-tiles).
const MaxEntry = 1<<16 - 1

// Encode returns the entry's canonical encoding: compact JSON with fields
// in a fixed order and the time in UTC, to the microsecond.
func (e *Entry) Encode() ([]byte, error) {
	if e.Kind == "" || e.Subject == "" {
		return nil, fmt.Errorf("ledger: an entry needs a kind and a subject")
	}
	if e.At.IsZero() {
		return nil, fmt.Errorf("ledger: entry %s about %s has no time", e.Kind, e.Subject)
	}
	c := *e
	c.At = c.At.UTC().Truncate(time.Microsecond)
	if len(c.Record) == 0 {
		c.Record = json.RawMessage("{}")
	}
	// Marshal compacts the record (and escapes <, > and & in it, as in
	// every other string), and refuses one that is not JSON.
	data, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("ledger: unable to encode entry %s about %s (is its record JSON?): %w", e.Kind, e.Subject, err)
	}
	if len(data) > MaxEntry {
		return nil, fmt.Errorf("ledger: entry %s about %s is %d bytes; at most %d are allowed", e.Kind, e.Subject, len(data), MaxEntry)
	}
	return data, nil
}

// ParseEntry reads an entry's encoding. It refuses bytes that are not
// exactly what Encode would make of what they hold, so that two readers can
// never disagree about what an entry says.
func ParseEntry(data []byte) (*Entry, error) {
	if len(data) > MaxEntry {
		return nil, fmt.Errorf("ledger: an entry is at most %d bytes; this one is %d", MaxEntry, len(data))
	}
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("ledger: not a log entry: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("ledger: not a log entry: more follows the entry")
	}
	again, err := e.Encode()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, data) {
		return nil, fmt.Errorf("ledger: the entry is not in canonical form")
	}
	return &e, nil
}

// Logged is an entry with its index in the log.
type Logged struct {
	Index int64
	Entry *Entry
}
