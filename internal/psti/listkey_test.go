package psti_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/psti/psti/internal/psti"
)

func TestListKey(t *testing.T) {
	for _, cols := range [][]string{nil, {""}, {"Zoë's \"doorbell\"", "2026-01-02"}, {"a\x00b"}} {
		key := psti.ListKeyID(42, cols...)
		got, id, err := psti.ParseListKeyID(key, len(cols)+1)
		if err != nil || id != 42 || !slices.Equal(got, cols) && len(cols) > 0 {
			t.Errorf("%q: got %q %d %v", cols, got, id, err)
		}
		if _, _, err := psti.ParseListKeyID(key, len(cols)+2); !isInvalid(err) {
			t.Errorf("%q read as one more part: %v", cols, err)
		}
	}
	for _, bad := range []string{"", "x", "dGVzdA", "!!", psti.ListKey("a", "-1"), psti.ListKey("a", "0"), psti.ListKey("a", "zzzzzzzzzzzzzzzzzz")} {
		if _, _, err := psti.ParseListKeyID(bad, 2); !isInvalid(err) {
			t.Errorf("%q: %v, want EINVALID", bad, err)
		}
	}
}

func isInvalid(err error) bool {
	var pe *psti.Error
	return errors.As(err, &pe) && pe.Code == psti.EINVALID
}

// FuzzParseListKeyID: any cursor a client sends is either read as a key
// that writes back to itself, or refused as invalid input; never a panic
// or another error.
func FuzzParseListKeyID(f *testing.F) {
	f.Add(psti.ListKeyID(42, "Acme", "2026-01-02"), 3)
	f.Add("", 1)
	f.Add("W10", 1)
	f.Add(psti.ListKey("a", "-1"), 2)
	f.Fuzz(func(t *testing.T, key string, n int) {
		if n < 1 || n > 8 {
			return
		}
		cols, id, err := psti.ParseListKeyID(key, n)
		if err != nil {
			if !isInvalid(err) {
				t.Fatalf("%q: %v, not EINVALID", key, err)
			}
			return
		}
		if id <= 0 || len(cols) != n-1 {
			t.Fatalf("%q read as %q, id %d", key, cols, id)
		}
		again, id2, err := psti.ParseListKeyID(psti.ListKeyID(id, cols...), n)
		if err != nil || id2 != id || !slices.Equal(again, cols) {
			t.Fatalf("%q: read %q %d, written and read again %q %d %v", key, cols, id, again, id2, err)
		}
	})
}
