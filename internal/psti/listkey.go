package psti

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
)

// ListKey is the opaque key of a row's place in a list read a page at a
// time by key (DESIGN.md "Lists"): the values of the list's sort columns
// for that row, the last its id. A list continues after the row whose key
// it is given, through the index of its order, at any depth. Every list
// paged by key makes its cursors here, so an API client meets one kind.
func ListKey(parts ...string) string {
	b, _ := json.Marshal(parts) // strings always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseListKey reads a ListKey of n parts; EINVALID if it is not one.
func ParseListKey(key string, n int) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(key)
	var parts []string
	if err != nil || json.Unmarshal(b, &parts) != nil || len(parts) != n {
		return nil, badListKey()
	}
	return parts, nil
}

// ParseListKeyID reads a ListKey of n parts whose last is a row id, as
// ListKeyID writes it; EINVALID if it is not one.
func ParseListKeyID(key string, n int) ([]string, int64, error) {
	parts, err := ParseListKey(key, n)
	if err != nil {
		return nil, 0, err
	}
	id, err := strconv.ParseInt(parts[n-1], 36, 64)
	if err != nil || id <= 0 {
		return nil, 0, badListKey()
	}
	return parts[:n-1], id, nil
}

// ListKeyID is the ListKey of a row whose sort columns are cols, then id.
func ListKeyID(id int64, cols ...string) string {
	return ListKey(append(cols, strconv.FormatInt(id, 36))...)
}

func badListKey() error {
	return Errorf(EINVALID, "The list cursor is not one this server gave: follow the Link header's next URL as it is.")
}
