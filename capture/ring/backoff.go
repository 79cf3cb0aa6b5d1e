package ring

import (
	"runtime"
	"time"
)

// Backoff phases: spin, then yield, then sleep.
const (
	spinIters  = 64                     // Wait calls that only spin
	yieldIters = 16                     // Wait calls that call runtime.Gosched
	minSleep   = 2 * time.Microsecond   // first sleep
	MaxSleep   = 500 * time.Microsecond // longest sleep of the last phase
)

// Backoff paces a polling loop: the first calls to Wait spin, the next
// yield the processor, later ones sleep for a doubling interval capped at
// MaxSleep. The zero value is ready; Reset starts over after progress.
//
// A Backoff belongs to the goroutine that waits with it.
type Backoff struct {
	n     int
	sleep time.Duration
	sink  uint32
}

// Wait waits a little, longer the more often it was called since the last
// Reset.
func (b *Backoff) Wait() {
	switch {
	case b.n < spinIters:
		b.n++
		b.sink += spin(32)
	case b.n < spinIters+yieldIters:
		b.n++
		runtime.Gosched()
	default:
		if b.sleep < minSleep {
			b.sleep = minSleep
		}
		time.Sleep(b.sleep)
		if b.sleep < MaxSleep {
			b.sleep *= 2
			if b.sleep > MaxSleep {
				b.sleep = MaxSleep
			}
		}
	}
}

// Reset returns b to the spinning phase.
func (b *Backoff) Reset() { *b = Backoff{} }

// spin burns a few cycles; its result is kept so the loop stays.
//
//go:noinline
func spin(n int) uint32 {
	var x uint32
	for i := 0; i < n; i++ {
		x += uint32(i)
	}
	return x
}
