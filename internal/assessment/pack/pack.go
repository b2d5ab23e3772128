// Package pack makes and checks evidence packs: one zip file holding
// everything an enforcement officer would ask for about one product (PSTI
// Act 2022 Part 1, and the Security Requirements Regulations 2023): its
// scope decision, its assessment with the evidence files, the password
// audit reports of its batches, the disclosure policy and the record of how
// security reports about it were handled, its support period history and
// statements of compliance, each entry of the transparency log that commits
// to them with its inclusion proof against one signed checkpoint, and an
// index (index.html and index.pdf) that explains in plain English what each
// file is and how to check it.
//
// The package is pure: Build makes the zip from an Input that the store
// gathers; Verify checks one, offline. The same Input always gives the
// same bytes: files in sorted order, times taken from the Input (never the
// clock), fixed permissions.
package pack

import (
	"time"

	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/support"
)

// Format names the layout of a pack, in its manifest.
const Format = "psti-evidence-pack/1"

// ManifestName is the file that lists every other file of a pack with its
// SHA-256 and size.
const ManifestName = "manifest.json"

// Input is everything a pack holds about one product, gathered from the
// installation (store.EvidencePack). A part that is missing (nil or empty)
// is said plainly in the index.
type Input struct {
	Product Product
	// AsOf is when the pack's content was read: the clocks of open
	// reports are read at it, and it is every file's time in the zip.
	AsOf time.Time
	// Scope is the product's latest recorded scope decision (JSON); nil
	// when none is recorded.
	Scope *Document
	// Assessment is the product's assessment against the security
	// requirements (JSON), and EvidenceFiles the files it cites, each with
	// the SHA-256 recorded for it; nil and empty when none is recorded.
	Assessment    *Document
	EvidenceFiles []File
	// PasswordAudits are the finished audits of the product's batches'
	// password files, with their reports.
	PasswordAudits []PasswordAudit
	// Policy is the disclosure policy that covers the product, as
	// published; nil when the organisation has none.
	Policy *disclosure.Policy
	// Handling is the record of how reports about the product were
	// handled against the policy's promises: counts and clocks only.
	Handling *disclosure.Handling
	// Periods are the product's defined support periods as they stand.
	Periods []*support.Period
	// Statements are every issued version of the product's statements of
	// compliance, with their kept renderings.
	Statements []Statement
	// Log is the transparency log's checkpoint, keys, and the entries
	// about the product, its statements and its policy, with proofs.
	Log *Log
}

// Product names the product a pack is about.
type Product struct {
	ID            int64    `json:"id"`
	Slug          string   `json:"slug"`
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	ModelNumber   string   `json:"model_number"`
	Brand         string   `json:"brand"`
	Manufacturers []string `json:"manufacturers"`
}

// Document is a JSON document recorded about the product.
type Document struct {
	// Summary says in one line what it concludes (for the index), e.g.
	// "In scope: a consumer connectable product".
	Summary string
	// RecordedAt is when it was recorded.
	RecordedAt time.Time
	Data       []byte
}

// File is an evidence file, with the SHA-256 (hex) recorded for it when it
// was added; Build refuses one whose bytes no longer match.
type File struct {
	Name   string
	SHA256 string
	Data   []byte
}

// PasswordAudit is one finished audit of a batch's password file.
type PasswordAudit struct {
	Batch string // the batch's code
	Run   *passwords.Run
}

// Statement is one issued version of a statement of compliance.
type Statement struct {
	Number     string
	Version    int
	IssuedAt   time.Time
	Superseded bool
	LogIndex   *int64
	Renderings []statement.Rendering
}

// Log is what a pack holds of the transparency log.
type Log struct {
	// Checkpoint is the signed checkpoint every proof is against; Key the
	// verifier key that signs now; Keys the key list (JSON, /log/keys).
	Checkpoint []byte
	Key        string
	Keys       []byte
	Entries    []LogEntry
}

// LogEntry is one entry, exactly as logged, with its inclusion proof
// against the checkpoint.
type LogEntry struct {
	Index int64
	Data  []byte
	Proof *ledger.InclusionProof
}

// Manifest lists every file of a pack but itself.
type Manifest struct {
	Format  string         `json:"format"`
	Product string         `json:"product"`
	AsOf    time.Time      `json:"as_of"`
	Files   []ManifestFile `json:"files"`
}

// ManifestFile is one file of a pack.
type ManifestFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}
