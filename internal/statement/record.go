package statement

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/psti"
)

// Status of a statement: a draft changes freely; an issued one never does.
const (
	StatusDraft  = "draft"
	StatusIssued = "issued"
)

// Record is a statement as psti keeps it: one version of a numbered
// statement, with where it stands.
type Record struct {
	ID int64 `json:"id"`
	// Number names the statement across its versions, e.g. SOC-2026-0001;
	// Version counts its issued corrections from 1.
	Number    string    `json:"number"`
	Version   int       `json:"version"`
	ProductID int64     `json:"product_id"`
	Status    string    `json:"status" enum:"draft,issued"`
	Content   Statement `json:"content"`
	// Supersedes is the version this one corrects; SupersededBy the one
	// that corrected it, once issued.
	Supersedes   *int64     `json:"supersedes,omitempty"`
	SupersededBy *int64     `json:"superseded_by,omitempty"`
	Revision     int64      `json:"revision"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	IssuedAt     *time.Time `json:"issued_at,omitempty"`
	// KeepUntil is the last day an issued statement must be kept
	// (PSTI-SOC-05); psti keeps it for good all the same.
	KeepUntil  string      `json:"keep_until,omitempty"`
	LogIndex   *int64      `json:"log_index,omitempty"`
	Renderings []Rendering `json:"renderings,omitempty"`
}

// Kinds of rendering of an issued statement.
const (
	RenderingHTML = "html"
	RenderingPDF  = "pdf"
	RenderingJSON = "json"
	RenderingJWS  = "jws" // the detached signature of the JSON rendering
)

// Rendering is one rendering of an issued statement, kept byte for byte.
type Rendering struct {
	Kind      string `json:"kind"`
	MediaType string `json:"media_type"`
	SHA256    string `json:"sha256"`
	Data      []byte `json:"-"`
}

// NewRendering makes a rendering of data, with its SHA-256.
func NewRendering(kind, mediaType string, data []byte) Rendering {
	sum := sha256.Sum256(data)
	return Rendering{Kind: kind, MediaType: mediaType, SHA256: hex.EncodeToString(sum[:]), Data: data}
}

// Store keeps statements. store.DB implements it.
type Store interface {
	// CreateStatement adds r as a draft, numbering it, or, when
	// r.Supersedes is set, as the next version of that issued statement.
	CreateStatement(ctx context.Context, a psti.Actor, r *Record) error
	// UpdateStatement changes a draft's content; ECONFLICT when it is
	// issued, or when r.Revision is set and stale.
	UpdateStatement(ctx context.Context, a psti.Actor, r *Record) error
	// IssueStatement issues draft id with its renderings: from then on it
	// never changes, the version it supersedes is marked superseded, and
	// its transparency log entry names every rendering's SHA-256, all in
	// one transaction. The content must pass Validate.
	IssueStatement(ctx context.Context, a psti.Actor, id int64, renderings []Rendering) (*Record, error)
	// Statement returns one version, with its renderings' hashes.
	Statement(ctx context.Context, id int64) (*Record, error)
	// StatementRendering returns one rendering, with its bytes.
	StatementRendering(ctx context.Context, id int64, kind string) (*Rendering, error)
	// Retention lists every issued statement, with the last day it must be
	// kept, soonest first.
	Retention(ctx context.Context) ([]*Record, error)
	// Statements lists the statements f selects, newest first, without
	// their renderings.
	Statements(ctx context.Context, f Filter) ([]*Record, error)
	// DeleteStatement deletes a draft; an issued statement is kept, and
	// deleting it is refused (ECONFLICT) saying until when it is kept.
	DeleteStatement(ctx context.Context, a Actor, id int64) error
	// StatementByRendering finds the issued statement one of whose
	// renderings has the given SHA-256 (hex), and which rendering it is;
	// ENOTFOUND when none has.
	StatementByRendering(ctx context.Context, sha256 string) (*Record, string, error)
}

// Actor is who changes a statement (psti.Actor).
type Actor = psti.Actor

// Filter selects statements; the zero value selects all.
type Filter struct {
	ProductID int64
	Number    string // every version of one statement
	Status    string // StatusDraft or StatusIssued
	Limit     int    // at most this many; 0 for no limit
	// After continues the list, newest first, after the statement with
	// this key (Record.ListKey), through the index of the filter.
	After string
}

// ListKey is the statement's place in lists of statements (Filter.After).
func (r *Record) ListKey() string { return psti.ListKeyID(r.ID) }

// Entry is the transparency log entry of an issued statement: its number,
// version, what it supersedes and how long it is kept, and the SHA-256 of
// every rendering (PSTI-SOC, issue 13: anyone holding a copy can check it
// against the log).
func Entry(r *Record, supersedes int) (*ledger.Entry, error) {
	if r.IssuedAt == nil {
		return nil, fmt.Errorf("statement: %s version %d is not issued", r.Number, r.Version)
	}
	rec, err := json.Marshal(struct {
		Number     string `json:"number"`
		Version    int    `json:"version"`
		Supersedes int    `json:"supersedes_version,omitempty"`
		Model      string `json:"model"`
		Issued     string `json:"issued"`
		SupportEnd string `json:"support_end"`
		KeepUntil  string `json:"keep_until"`
	}{r.Number, r.Version, supersedes, r.Content.Model, r.Content.Issued, r.Content.SupportEnd, r.KeepUntil})
	if err != nil {
		return nil, err
	}
	e := &ledger.Entry{Ref: fmt.Sprintf("statement/%s#%d", r.Number, r.Version), Kind: ledger.KindStatementIssued, At: *r.IssuedAt,
		Subject: "statement/" + r.Number, Record: rec}
	for _, x := range r.Renderings {
		e.Documents = append(e.Documents, ledger.Document{Name: x.Kind, SHA256: x.SHA256})
	}
	return e, nil
}
