//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// privateWorkDir makes this server's own folder inside base, where the
// files it receives wait (uploads, attachments, an audit's working files),
// and removes the folders that servers which stopped without cleaning up
// (killed, or out of memory) left there: a restart leaves no such files
// behind. A folder counts as another server's while that server holds the
// lock on it, so servers sharing base never touch each other's files, and
// nothing else in base (a command-line audit's files) is touched at all.
func privateWorkDir(base string) (dir string, release func(), removed int, err error) {
	if base == "" {
		base = os.TempDir()
	}
	old, _ := filepath.Glob(filepath.Join(base, "psti-work-*"))
	for _, d := range old {
		lock, err := os.OpenFile(filepath.Join(d, ".lock"), os.O_RDWR, 0)
		if err != nil {
			// A folder without a lock was never finished, unless a server
			// is making it this very moment.
			if fi, serr := os.Stat(d); os.IsNotExist(err) && serr == nil && time.Since(fi.ModTime()) > time.Minute {
				if os.RemoveAll(d) == nil {
					removed++
				}
			}
			continue
		}
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			if os.RemoveAll(d) == nil {
				removed++
			}
		}
		lock.Close()
	}
	dir, err = os.MkdirTemp(base, "psti-work-")
	if err != nil {
		return "", nil, removed, fmt.Errorf("cannot make a work folder in %s: %w", base, err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, removed, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		os.RemoveAll(dir)
		return "", nil, removed, err
	}
	return dir, func() {
		os.RemoveAll(dir)
		lock.Close()
	}, removed, nil
}
