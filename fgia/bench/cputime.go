package bench

import (
	"syscall"
	"time"
)

// ProcessCPU is the CPU time the process has used so far, every thread
// included (user and system). On a machine shared with other jobs the wall
// time of a step depends on them; its CPU time much less so, which makes it
// the figure to compare settings by there (run with one core, as with
// `taskset -c 0`, so that no thread's spinning counts as work).
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
