//go:build linux

package cpu

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// Pin locks the calling goroutine to its OS thread and restricts that
// thread to the given CPU. On error the goroutine is unlocked again.
// Safe to call from any goroutine; it affects only the caller.
func Pin(cpu int) error {
	if cpu < 0 || cpu >= 1024 {
		return fmt.Errorf("pin to cpu %d: out of range", cpu)
	}
	runtime.LockOSThread()
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("pin to cpu %d: sched_setaffinity: %w (is it in the allowed set %s?)", cpu, err, allowedString())
	}
	return nil
}

// startMask is the process's affinity mask when the package was
// initialised (package init runs on the main thread, before any Pin).
// Reading the main thread's mask later would be wrong: a pinned goroutine
// may be running on the main thread.
var startMask, startErr = func() (unix.CPUSet, error) {
	var set unix.CPUSet
	err := unix.SchedGetaffinity(0, &set)
	return set, err
}()

// Unpin restores the calling thread's affinity to the process's start
// mask (see Allowed) and unlocks the goroutine from its thread. Call it
// from the goroutine that called Pin.
func Unpin() error {
	defer runtime.UnlockOSThread()
	if startErr != nil {
		return fmt.Errorf("unpin: sched_getaffinity: %w", startErr)
	}
	set := startMask
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("unpin: sched_setaffinity: %w", err)
	}
	return nil
}

// Allowed returns the CPUs in the process's affinity mask, ascending, as
// it was when the process started (taskset, cgroup cpuset). Pinning
// worker threads does not change it.
func Allowed() ([]int, error) {
	if startErr != nil {
		return nil, fmt.Errorf("allowed cpus: sched_getaffinity: %w", startErr)
	}
	set := startMask
	return cpusOf(&set), nil
}

// Current returns the CPUs the calling thread may run on.
func Current() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("thread cpus: sched_getaffinity: %w", err)
	}
	return cpusOf(&set), nil
}

func cpusOf(set *unix.CPUSet) []int {
	var cpus []int
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return cpus
}

func allowedString() string {
	c, err := Allowed()
	if err != nil {
		return "unknown"
	}
	return fmt.Sprint(c)
}
