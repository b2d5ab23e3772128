//go:build !unix

package main

import (
	"fmt"
	"os"
)

// privateWorkDir makes this server's own folder inside base. Without file
// locks, folders left by servers that stopped uncleanly are not removed.
func privateWorkDir(base string) (string, func(), int, error) {
	if base == "" {
		base = os.TempDir()
	}
	dir, err := os.MkdirTemp(base, "psti-work-")
	if err != nil {
		return "", nil, 0, fmt.Errorf("cannot make a work folder in %s: %w", base, err)
	}
	return dir, func() { os.RemoveAll(dir) }, 0, nil
}
