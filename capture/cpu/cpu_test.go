package cpu

import (
	"errors"
	"runtime"
	"testing"
)

func TestAllowed(t *testing.T) {
	cpus, err := Allowed()
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) == 0 || len(cpus) > runtime.NumCPU() && runtime.GOOS == "linux" {
		t.Fatalf("allowed %v with NumCPU %d", cpus, runtime.NumCPU())
	}
	for i := 1; i < len(cpus); i++ {
		if cpus[i] <= cpus[i-1] {
			t.Fatalf("not ascending: %v", cpus)
		}
	}
}

func TestPin(t *testing.T) {
	cpus, err := Allowed()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []int{cpus[0], cpus[len(cpus)-1]} {
		done := make(chan error)
		go func() {
			if err := Pin(c); err != nil {
				done <- err
				return
			}
			defer Unpin()
			cur, err := Current()
			if err != nil {
				done <- err
				return
			}
			if len(cur) != 1 || cur[0] != c {
				done <- errors.New("thread mask is not the pinned cpu")
				t.Errorf("pinned to %d, thread mask %v", c, cur)
			}
			done <- nil
		}()
		if err := <-done; err != nil {
			if errors.Is(err, ErrUnsupported) {
				t.Skip(err)
			}
			t.Fatal(err)
		}
	}
	// Pinning a worker thread leaves the process mask alone.
	after, _ := Allowed()
	if len(after) != len(cpus) {
		t.Errorf("process mask changed: %v -> %v", cpus, after)
	}
}

func TestPinOutOfRange(t *testing.T) {
	done := make(chan error)
	go func() { done <- Pin(-1) }()
	if err := <-done; err == nil {
		t.Fatal("Pin(-1) succeeded")
	}
}
