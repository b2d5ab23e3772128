package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/psti/psti/internal/assessment"
	"github.com/psti/psti/internal/assessment/pack"
	"github.com/psti/psti/internal/disclosure"
	"github.com/psti/psti/internal/ledger"
	"github.com/psti/psti/internal/passwords"
	"github.com/psti/psti/internal/product"
	"github.com/psti/psti/internal/psti"
	"github.com/psti/psti/internal/scope"
	"github.com/psti/psti/internal/statement"
	"github.com/psti/psti/internal/support"
)

// EvidencePack gathers what an evidence pack holds about a product (see
// package pack), as the records stand at now. The pack is dated the start
// of now's day in London, and the clocks of open reports are read then,
// so that packs made the same day of the same records are the same bytes.
//
// The scope decision is the product's current one, as it was made.
func (db *DB) EvidencePack(ctx context.Context, productID int64, now time.Time) (*pack.Input, error) {
	p, err := db.Product(ctx, productID)
	if err != nil {
		return nil, err
	}
	l := now.In(psti.London)
	in := &pack.Input{AsOf: time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, psti.London)}
	brand, err := db.Brand(ctx, p.BrandID)
	if err != nil {
		return nil, err
	}
	in.Product = pack.Product{ID: p.ID, Slug: p.Slug, Name: p.Name, Type: p.Type, ModelNumber: p.ModelNumber, Brand: brand.Name, Manufacturers: []string{}}
	for _, id := range p.ManufacturerIDs {
		m, err := db.Manufacturer(ctx, id)
		if err != nil {
			return nil, err
		}
		in.Product.Manufacturers = append(in.Product.Manufacturers, m.Name)
	}

	// The product's current scope decision, as it was made.
	decisions, err := db.ScopeDecisions(ctx, p.ID, 1)
	if err != nil {
		return nil, err
	}
	if len(decisions) > 0 {
		d := decisions[0]
		b, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("store: unable to write the scope decision: %w", err)
		}
		in.Scope = &pack.Document{RecordedAt: d.DecidedAt, Data: append(b, '\n'),
			Summary: fmt.Sprintf("Its outcome: %s, under scope rules version %s.", scope.OutcomeText(d.Outcome), d.RulesVersion)}
	}

	// The assessment as it stands on the pack's day, and the files kept
	// for it (archived ones are not cited, and not packed).
	sv := &assessment.Service{Store: db, Records: db, Clock: dayClock(in.AsOf)}
	as, err := sv.Read(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	done := 0
	for _, it := range as.Items {
		if it.Done() {
			done++
		}
		for _, e := range it.Evidence {
			if e.ArchivedAt != nil {
				continue
			}
			var buf bytes.Buffer
			if err := db.WriteEvidence(ctx, p.ID, e.ID, &buf); err != nil {
				return nil, err
			}
			in.EvidenceFiles = append(in.EvidenceFiles, pack.File{Name: fmt.Sprintf("%s-%d-%s", it.Requirement, e.ID, e.Name), SHA256: e.SHA256, Data: buf.Bytes()})
		}
	}
	ab, err := json.MarshalIndent(as, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("store: unable to write the assessment: %w", err)
	}
	in.Assessment = &pack.Document{Data: append(ab, '\n'),
		Summary: fmt.Sprintf("%d of its %d requirements are met or do not apply; %d that a statement of compliance speaks to are not.", done, len(as.Items), len(as.Unmet()))}

	// Password audits: every finished audit of every batch, with its report.
	batches, err := db.Batches(ctx, product.Filter{ParentID: p.ID, IncludeArchived: true, Limit: product.MaxList})
	if err != nil {
		return nil, err
	}
	for _, b := range batches {
		runs, err := db.Runs(ctx, b.ID, product.MaxList)
		if err != nil {
			return nil, err
		}
		for i := len(runs) - 1; i >= 0; i-- { // oldest first
			if runs[i].State != passwords.RunDone {
				continue
			}
			run, err := db.Run(ctx, runs[i].ID)
			if err != nil {
				return nil, err
			}
			in.PasswordAudits = append(in.PasswordAudits, pack.PasswordAudit{Batch: b.Code, Run: run})
		}
	}

	// The log's checkpoint first: every entry is proven against it.
	var size int64 = -1
	msg, cp, err := db.LogCheckpoint(ctx)
	switch {
	case err == nil:
		size = cp.Size
		in.Log = &pack.Log{Checkpoint: msg}
		if in.Log.Key, err = db.LogVerifier(ctx); err != nil {
			return nil, err
		}
		keys, err := db.LogKeys(ctx)
		if err != nil {
			return nil, err
		}
		list, err := json.MarshalIndent(keys, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("store: unable to encode the log's keys: %w", err)
		}
		in.Log.Keys = append(list, '\n')
	case psti.ErrorCode(err) != psti.EUNAVAILABLE:
		return nil, err
	}
	var entries []ledger.Logged
	about := func(subject string) ([]ledger.Logged, error) {
		es, err := db.LogEntriesAbout(ctx, subject)
		if err != nil {
			return nil, err
		}
		var out []ledger.Logged
		for _, e := range es {
			if e.Index < size {
				out = append(out, e)
			}
		}
		entries = append(entries, out...)
		return out, nil
	}

	// The disclosure policy, as its latest log entry publishes it.
	policyEntries, err := about(fmt.Sprintf("organisation/%d/disclosure-policy", brand.OrganisationID))
	if err != nil {
		return nil, err
	}
	// Every revision, oldest first: each report is judged against the
	// promises in force when its clocks started.
	var revisions []*disclosure.Policy
	for _, e := range policyEntries {
		pol := &disclosure.Policy{}
		if err := json.Unmarshal(e.Entry.Record, pol); err != nil {
			return nil, fmt.Errorf("store: log entry %d: the policy cannot be read: %w", e.Index, err)
		}
		revisions = append(revisions, pol)
	}
	if len(revisions) == 0 {
		if pol, err := db.Policy(ctx, brand.OrganisationID); err == nil {
			revisions = append(revisions, pol)
		} else if psti.ErrorCode(err) != psti.ENOTFOUND {
			return nil, err
		}
	}
	if n := len(revisions); n > 0 {
		in.Policy = revisions[n-1]
	}
	timings, err := db.ReportTimings(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	h := disclosure.Handle(timings, revisions, in.AsOf)
	in.Handling = &h

	// Support periods, and their log entries.
	if in.Periods, err = db.Periods(ctx, support.Filter{ProductID: p.ID}); err != nil {
		return nil, err
	}
	if _, err := about(support.Subject(p.Slug)); err != nil {
		return nil, err
	}

	// Statements: every issued version, with its renderings and entry.
	recs, err := db.Statements(ctx, statement.Filter{ProductID: p.ID, Status: statement.StatusIssued})
	if err != nil {
		return nil, err
	}
	sort.Slice(recs, func(i, j int) bool {
		if recs[i].Number != recs[j].Number {
			return recs[i].Number < recs[j].Number
		}
		return recs[i].Version < recs[j].Version
	})
	numbers := map[string]bool{}
	for _, r := range recs {
		full, err := db.Statement(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		s := pack.Statement{Number: full.Number, Version: full.Version, Superseded: full.SupersededBy != nil, LogIndex: full.LogIndex}
		if full.IssuedAt != nil {
			s.IssuedAt = *full.IssuedAt
		}
		for _, x := range full.Renderings {
			rd, err := db.StatementRendering(ctx, r.ID, x.Kind)
			if err != nil {
				return nil, err
			}
			s.Renderings = append(s.Renderings, *rd)
		}
		in.Statements = append(in.Statements, s)
		if !numbers[full.Number] {
			numbers[full.Number] = true
			if _, err := about("statement/" + full.Number); err != nil {
				return nil, err
			}
		}
	}

	if in.Log != nil {
		for _, e := range entries {
			data, err := db.LogEntry(ctx, e.Index)
			if err != nil {
				return nil, err
			}
			proof, err := db.ProveLogInclusion(ctx, e.Index, size)
			if err != nil {
				return nil, err
			}
			in.Log.Entries = append(in.Log.Entries, pack.LogEntry{Index: e.Index, Data: data, Proof: proof})
		}
	}
	return in, nil
}

// dayClock is a clock stopped at one moment: an evidence pack judges every
// date as at the start of the day it is made.
type dayClock time.Time

func (c dayClock) Now() time.Time { return time.Time(c) }
