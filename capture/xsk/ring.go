package xsk

import "sync/atomic"

// ringNeedWakeup is XDP_RING_NEED_WAKEUP, set by the kernel in a ring's
// flags word when it wants a syscall before it makes progress.
const ringNeedWakeup = 1

// prodRing is the user side of a ring we produce into (fill, TX). The
// kernel consumes it.
//
// Indices are free-running uint32 counters; slot = index & mask, and all
// differences are taken modulo 2^32, so wrap-around needs no special case.
// The cached indices avoid atomic loads of the kernel's consumer index
// until the cache says the ring is full.
//
// Not safe for concurrent use: exactly one goroutine at a time may call
// its methods (the type using it says which).
type prodRing struct {
	producer *atomic.Uint32 // written by us, read by the kernel
	consumer *atomic.Uint32 // written by the kernel
	flags    *atomic.Uint32
	mask     uint32
	size     uint32
	// cachedProd is our next index to produce; cachedCons is the last
	// consumer index we loaded plus size, so cachedCons-cachedProd is the
	// free space we know of.
	cachedProd uint32
	cachedCons uint32
}

func (r *prodRing) init(producer, consumer, flags *atomic.Uint32, size uint32) {
	r.producer, r.consumer, r.flags = producer, consumer, flags
	r.size, r.mask = size, size-1
	r.cachedProd = producer.Load()
	r.cachedCons = consumer.Load() + size
}

// free returns how many slots can be produced, at most want: it reloads
// the kernel's consumer index only when the cache knows of fewer.
func (r *prodRing) free(want uint32) uint32 {
	n := r.cachedCons - r.cachedProd
	if n < want {
		r.cachedCons = r.consumer.Load() + r.size
		n = r.cachedCons - r.cachedProd
	}
	return min(n, want)
}

// submit publishes n slots written at cachedProd.. to the kernel.
func (r *prodRing) submit(n uint32) {
	r.cachedProd += n
	r.producer.Store(r.cachedProd)
}

func (r *prodRing) needWakeup() bool { return r.flags.Load()&ringNeedWakeup != 0 }

// consRing is the user side of a ring we consume from (RX, completion).
// The kernel produces into it. Same index rules and concurrency contract
// as prodRing.
type consRing struct {
	producer   *atomic.Uint32 // written by the kernel
	consumer   *atomic.Uint32 // written by us
	flags      *atomic.Uint32
	mask       uint32
	size       uint32
	cachedProd uint32
	cachedCons uint32
}

func (r *consRing) init(producer, consumer, flags *atomic.Uint32, size uint32) {
	r.producer, r.consumer, r.flags = producer, consumer, flags
	r.size, r.mask = size, size-1
	r.cachedProd = producer.Load()
	r.cachedCons = consumer.Load()
}

// avail returns how many entries can be consumed, at most want: it loads
// the kernel's producer index only when the cache is empty.
func (r *consRing) avail(want uint32) uint32 {
	n := r.cachedProd - r.cachedCons
	if n == 0 {
		r.cachedProd = r.producer.Load()
		n = r.cachedProd - r.cachedCons
	}
	return min(n, want)
}

// release hands n consumed entries back to the kernel.
func (r *consRing) release(n uint32) {
	r.cachedCons += n
	r.consumer.Store(r.cachedCons)
}
