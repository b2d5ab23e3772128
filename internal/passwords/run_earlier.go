package passwords

import (
	"context"
	"fmt"
	"io"
	"os"
)

// FingerprintStore keeps the fingerprints of finished audits (never their
// passwords). When the runner's store is one, each audit is compared with
// the earlier batches of the same product and keeps its own fingerprints
// for the audits after it (PSTI-PW-01: unique for each product of a class
// or type, Schedule 1 para 1(2)(a) and 1(5)).
type FingerprintStore interface {
	// InstallationKey returns the installation's secret key of that name,
	// made once.
	InstallationKey(ctx context.Context, name string, size int) ([]byte, error)
	// EarlierFingerprints lists, for each other batch of the product that
	// batchID belongs to, the newest finished audit that kept
	// fingerprints, oldest first. Audits of batchID itself are not listed.
	EarlierFingerprints(ctx context.Context, batchID int64) ([]StoredFingerprints, error)
	// OpenFingerprints reads an audit's fingerprint file from its start.
	OpenFingerprints(ctx context.Context, runID int64) (io.ReadCloser, error)
	// SaveFingerprints keeps a running audit's fingerprint file, read from
	// r to its end. An audit keeps one; it never changes.
	SaveFingerprints(ctx context.Context, runID int64, r io.Reader) error
}

// StoredFingerprints names an audit whose fingerprints are kept.
type StoredFingerprints struct {
	RunID     int64
	BatchID   int64
	BatchCode string
	FileName  string
}

// runPrints is a web audit's comparison with earlier batches: its own
// fingerprints wait in a working file until the audit has finished.
type runPrints struct {
	store FingerprintStore
	out   *os.File
}

// earlier prepares cfg to compare the audit of req's batch with the latest
// audit of every other batch of its product, and to keep its own
// fingerprints. A batch audited again is not compared with its own earlier
// audits: a new audit of a batch is of its corrected file, which replaces
// the old. It returns nil when the store keeps no fingerprints.
func (rn *Runner) earlier(ctx context.Context, req RunRequest, cfg *Config) (*runPrints, error) {
	fs, ok := rn.store.(FingerprintStore)
	if !ok {
		return nil, nil
	}
	key, err := fs.InstallationKey(ctx, FingerprintKeyName, FingerprintKeySize)
	if err != nil {
		return nil, err
	}
	if cfg.Fingerprints, err = NewFingerprinter(key); err != nil {
		return nil, err
	}
	list, err := fs.EarlierFingerprints(ctx, req.BatchID)
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		cfg.Earlier = append(cfg.Earlier, EarlierSet{Batch: e.BatchCode, Source: fmt.Sprintf("fingerprints of %s, audit %d", e.FileName, e.RunID),
			Open: func() (io.ReadCloser, error) { return fs.OpenFingerprints(ctx, e.RunID) }})
	}
	out, err := os.CreateTemp(rn.opt.Dir, "psti-fingerprints-*")
	if err != nil {
		return nil, fmt.Errorf("passwords: unable to create a working file: %w", err)
	}
	cfg.FingerprintsOut, cfg.Batch = out, req.BatchCode
	return &runPrints{fs, out}, nil
}

// save keeps the finished audit's fingerprints.
func (p *runPrints) save(ctx context.Context, runID int64) error {
	if p == nil {
		return nil
	}
	if _, err := p.out.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return p.store.SaveFingerprints(ctx, runID, p.out)
}

// discard removes the working file.
func (p *runPrints) discard() {
	if p != nil {
		p.out.Close()
		os.Remove(p.out.Name())
	}
}
