//go:build unix

package worker

import "syscall"

// processCPU returns the process's user+system CPU time in seconds (GC
// included), a steadier measure than wall time on a shared machine.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
