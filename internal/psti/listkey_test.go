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
