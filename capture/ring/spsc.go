package ring

import "sync/atomic"

// cacheLine is the padding unit: two 64-byte lines, because x86 CPUs
// prefetch pairs of lines and would otherwise false-share neighbours.
const cacheLine = 128

// SPSC is a bounded lock-free ring between one producer and one consumer.
//
// Concurrency contract:
//   - Producer goroutine only: TryPush, PushBatch, Push.
//   - Consumer goroutine only: TryPop, PopBatch, Pop.
//   - Any goroutine: Len, Cap, Close, Closed.
//
// The zero value is not usable; create rings with New.
type SPSC[T any] struct {
	_ [cacheLine]byte

	// Producer's cache line.
	tail       atomic.Uint64 // next slot to write; stored only by the producer
	cachedHead uint64        // producer's copy of head
	_          [cacheLine - 16]byte

	// Consumer's cache line.
	head       atomic.Uint64 // next slot to read; stored only by the consumer
	cachedTail uint64        // consumer's copy of tail
	_          [cacheLine - 16]byte

	// Read-mostly line.
	closed atomic.Bool
	mask   uint64
	buf    []T
	_      [cacheLine - 40]byte
}

// MaxCapacity bounds the capacity of a ring.
const MaxCapacity = 1 << 30

// New returns an empty ring holding up to capacity values, rounded up to
// a power of two between 2 and MaxCapacity.
func New[T any](capacity int) *SPSC[T] {
	c := 2
	for c < capacity && c < MaxCapacity {
		c <<= 1
	}
	return &SPSC[T]{mask: uint64(c - 1), buf: make([]T, c)}
}

// Cap returns the ring's capacity.
func (r *SPSC[T]) Cap() int { return len(r.buf) }

// Len returns the number of values in the ring. From a goroutine other
// than the producer or consumer it is a snapshot that may be stale.
func (r *SPSC[T]) Len() int {
	h := r.head.Load()
	t := r.tail.Load()
	if t < h { // head moved between the loads
		return 0
	}
	return int(t - h)
}

// TryPush appends v, or reports false if the ring is full or closed.
// Producer only.
func (r *SPSC[T]) TryPush(v T) bool {
	t := r.tail.Load()
	if t-r.cachedHead > r.mask {
		r.cachedHead = r.head.Load()
		if t-r.cachedHead > r.mask {
			return false
		}
	}
	if r.closed.Load() {
		return false
	}
	r.buf[t&r.mask] = v
	r.tail.Store(t + 1)
	return true
}

// PushBatch appends as many values of vs as fit and returns how many it
// appended (0 if the ring is closed). Producer only.
func (r *SPSC[T]) PushBatch(vs []T) int {
	t := r.tail.Load()
	free := uint64(len(r.buf)) - (t - r.cachedHead)
	if free < uint64(len(vs)) {
		r.cachedHead = r.head.Load()
		free = uint64(len(r.buf)) - (t - r.cachedHead)
	}
	n := uint64(len(vs))
	if n > free {
		n = free
	}
	if n == 0 || r.closed.Load() {
		return 0
	}
	for i := uint64(0); i < n; i++ {
		r.buf[(t+i)&r.mask] = vs[i]
	}
	r.tail.Store(t + n)
	return int(n)
}

// TryPop removes the oldest value, or reports false if the ring is empty.
// Values pushed before Close are still popped after it. Consumer only.
func (r *SPSC[T]) TryPop() (T, bool) {
	h := r.head.Load()
	if h == r.cachedTail {
		r.cachedTail = r.tail.Load()
		if h == r.cachedTail {
			var zero T
			return zero, false
		}
	}
	i := h & r.mask
	v := r.buf[i]
	var zero T
	r.buf[i] = zero
	r.head.Store(h + 1)
	return v, true
}

// PopBatch moves up to len(vs) of the oldest values into vs and returns
// how many it moved. Consumer only.
func (r *SPSC[T]) PopBatch(vs []T) int {
	h := r.head.Load()
	avail := r.cachedTail - h
	if avail < uint64(len(vs)) {
		r.cachedTail = r.tail.Load()
		avail = r.cachedTail - h
	}
	n := uint64(len(vs))
	if n > avail {
		n = avail
	}
	var zero T
	for i := uint64(0); i < n; i++ {
		j := (h + i) & r.mask
		vs[i] = r.buf[j]
		r.buf[j] = zero
	}
	if n > 0 {
		r.head.Store(h + n)
	}
	return int(n)
}

// Close marks the end of the stream. After Close, pushes fail; the
// consumer still pops the values pushed before Close, then Pop reports
// false. Close may be called from either side (by the consumer to tell a
// blocked producer to give up) and more than once.
func (r *SPSC[T]) Close() { r.closed.Store(true) }

// Closed reports whether Close was called.
func (r *SPSC[T]) Closed() bool { return r.closed.Load() }

// Push appends v, waiting while the ring is full. It reports false if the
// ring is closed before v fits. Producer only.
func (r *SPSC[T]) Push(v T) bool {
	var b Backoff
	for !r.TryPush(v) {
		if r.closed.Load() {
			return false
		}
		b.Wait()
	}
	return true
}

// Pop removes the oldest value, waiting while the ring is empty. It
// reports false once the ring is closed and drained. Consumer only.
func (r *SPSC[T]) Pop() (T, bool) {
	var b Backoff
	for {
		if v, ok := r.TryPop(); ok {
			return v, true
		}
		if r.closed.Load() {
			// Values pushed before Close are visible now: the closed
			// store follows their tail store.
			return r.TryPop()
		}
		b.Wait()
	}
}

// PopBatchWait fills vs with at least one value, waiting while the ring
// is empty, and returns how many it moved; 0 means closed and drained.
// Consumer only.
func (r *SPSC[T]) PopBatchWait(vs []T) int {
	var b Backoff
	for {
		if n := r.PopBatch(vs); n > 0 {
			return n
		}
		if r.closed.Load() {
			return r.PopBatch(vs)
		}
		b.Wait()
	}
}
