// Package cpu pins goroutines to CPU cores.
//
// Model: Pin locks the calling goroutine to its OS thread
// (runtime.LockOSThread) and sets that thread's affinity mask to one CPU
// with sched_setaffinity, so a capture worker keeps its core, its caches
// and its NIC queue's interrupts' locality. Allowed reports the CPUs in
// the process's affinity mask (what taskset or a cgroup cpuset allows),
// which is where workers may be pinned.
//
// Hazards:
//   - Pin affects the calling goroutine's thread only, and only while the
//     goroutine stays locked to it; call it at the top of the worker
//     goroutine, and call Unpin (or let the goroutine exit, which ends the
//     thread) when done.
//   - On systems other than Linux, Pin returns ErrUnsupported and Allowed
//     returns 0..runtime.NumCPU()-1.
package cpu
