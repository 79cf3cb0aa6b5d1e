package xsk

import "sync/atomic"

// filler owns a UMEM's fill ring and collects the chunks that every socket
// of the group hands back.
//
// The fill ring has a single producer, but the sockets sharing it run on
// different goroutines. Each socket therefore pushes released chunks into
// its own returnRing, then tries to take the fill token with one
// compare-and-swap. The winner drains every return ring into the fill ring
// and puts the token back; a loser simply returns, because the winner (or
// the next releaser) will move its chunks. Nobody waits, so no goroutine
// can block another: a preempted token holder only delays refilling.
//
// After putting the token back the holder looks again: a push that raced
// with the drain saw the token taken and left, so the holder must pick its
// chunks up. Go's atomics are sequentially consistent, which makes the
// check sufficient: either the pusher's CAS came after the token was put
// back (and it drains itself), or its push came before the recheck.
type filler struct {
	token atomic.Uint32
	_     [60]byte
	fq    fillQueue
	rings []*returnRing
	mask  uint64 // chunk-base mask applied to every address
	// refills counts drains, for Stats; written by token holders only.
	refills atomic.Uint64
}

// flush moves every returned chunk it can into the fill ring, unless
// another goroutine holds the token. Any goroutine may call it.
func (f *filler) flush() {
	for f.token.CompareAndSwap(0, 1) {
		empty := true
		for _, r := range f.rings {
			if !r.drainTo(&f.fq, f.mask) {
				empty = false
			}
		}
		f.refills.Add(1)
		f.token.Store(0)
		if !empty {
			return // fill ring full: the next release retries
		}
		again := false
		for _, r := range f.rings {
			if r.pending() {
				again = true
				break
			}
		}
		if !again {
			return
		}
	}
}
