package ledger

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a log's size and root hash under its name (origin), the
// body of a C2SP checkpoint (https://c2sp.org/tlog-checkpoint).
type Checkpoint struct {
	Origin string
	Size   int64
	Hash   tlog.Hash
}

// Text is the checkpoint's body: the origin, the size in decimal and the
// root hash in standard base64, a line each.
func (c Checkpoint) Text() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Hash[:]))
}

// ParseCheckpoint reads a checkpoint body. Extension lines after the third
// are allowed by C2SP and ignored.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	var c Checkpoint
	lines := strings.SplitAfter(string(text), "\n")
	if len(lines) < 3 {
		return c, errors.New("ledger: a checkpoint has at least three lines: origin, size and root hash")
	}
	for i, l := range lines[:3] {
		if !strings.HasSuffix(l, "\n") {
			return c, fmt.Errorf("ledger: line %d of the checkpoint does not end", i+1)
		}
	}
	c.Origin = strings.TrimSuffix(lines[0], "\n")
	if c.Origin == "" {
		return c, errors.New("ledger: the checkpoint names no origin")
	}
	size := strings.TrimSuffix(lines[1], "\n")
	n, err := strconv.ParseInt(size, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != size {
		return c, fmt.Errorf("ledger: the checkpoint's size %q is not a whole number", clip(size))
	}
	c.Size = n
	h, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(lines[2], "\n"))
	if err != nil || len(h) != tlog.HashSize {
		return c, errors.New("ledger: the checkpoint's root hash is not 32 bytes in base64")
	}
	copy(c.Hash[:], h)
	return c, nil
}

// Sign returns the checkpoint as a signed note.
func Sign(c Checkpoint, signers ...note.Signer) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: string(c.Text())}, signers...)
	if err != nil {
		return nil, fmt.Errorf("ledger: unable to sign the checkpoint: %w", err)
	}
	return msg, nil
}

// MaxCheckpoint bounds a signed checkpoint read from outside.
const MaxCheckpoint = 64 << 10

// OpenCheckpoint checks a signed checkpoint against known keys and
// returns what it says. It fails unless at least one known key signed it
// and every signature by a known key is valid.
func OpenCheckpoint(msg []byte, known note.Verifiers) (Checkpoint, error) {
	if len(msg) > MaxCheckpoint {
		return Checkpoint{}, fmt.Errorf("ledger: a signed checkpoint is at most %d bytes", MaxCheckpoint)
	}
	n, err := note.Open(msg, known)
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			var names []string
			for _, s := range unverified.Note.UnverifiedSigs {
				names = append(names, s.Name)
			}
			if len(names) == 0 {
				return Checkpoint{}, errors.New("ledger: the checkpoint carries no signature")
			}
			return Checkpoint{}, fmt.Errorf("ledger: the checkpoint is signed only by keys you did not give (%s)", strings.Join(names, ", "))
		case errors.As(err, &invalid):
			return Checkpoint{}, fmt.Errorf("ledger: the checkpoint's signature by %s is not valid: the checkpoint was altered or not signed by that key", invalid.Name)
		}
		return Checkpoint{}, fmt.Errorf("ledger: not a signed checkpoint: %v", err)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return c, err
	}
	for _, s := range n.Sigs {
		if s.Name != c.Origin {
			return c, fmt.Errorf("ledger: the checkpoint of %s is signed by the key of %s", c.Origin, s.Name)
		}
	}
	return c, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// equalHash reports whether two hashes are the same.
func equalHash(a, b tlog.Hash) bool { return bytes.Equal(a[:], b[:]) }
