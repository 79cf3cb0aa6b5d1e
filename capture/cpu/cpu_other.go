//go:build !linux

package cpu

import (
	"fmt"
	"runtime"
)

// Pin is not supported here; it returns ErrUnsupported.
func Pin(cpu int) error { return fmt.Errorf("pin to cpu %d: %w", cpu, ErrUnsupported) }

// Unpin does nothing here.
func Unpin() error { return nil }

// Allowed returns 0..runtime.NumCPU()-1.
func Allowed() ([]int, error) {
	cpus := make([]int, runtime.NumCPU())
	for i := range cpus {
		cpus[i] = i
	}
	return cpus, nil
}

// Current returns the same as Allowed.
func Current() ([]int, error) { return Allowed() }
