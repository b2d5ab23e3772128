//go:build unix

package store_test

import (
	"syscall"
	"time"
)

// cpuTime is the processor time (user and system) the process has used,
// for benchmarks to report a cost that does not depend on what else the
// machine runs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
