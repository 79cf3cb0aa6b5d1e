package xsk

import "sync/atomic"

// returnRing carries chunk addresses from one socket's worker to whichever
// goroutine holds the fill token: a single-producer single-consumer ring
// with free-running uint32 indices.
//
// Producer: the goroutine that owns the socket (push). Consumer: the
// current holder of the group's fill token (drainTo); the token's atomic
// hand-over orders one holder's reads of head before the next holder's.
// The ring holds at least every chunk of the UMEM, so a correct caller can
// never find it full.
type returnRing struct {
	tail atomic.Uint32 // next slot to write; written by the producer only
	_    [60]byte
	head atomic.Uint32 // next slot to read; written by the token holder only
	_    [60]byte
	mask uint32
	buf  []uint64
}

func newReturnRing(capacity uint32) *returnRing {
	size := uint32(1)
	for size < capacity {
		size <<= 1
	}
	return &returnRing{mask: size - 1, buf: make([]uint64, size)}
}

// push appends the chunk addresses of descs and returns how many fit
// (all of them unless a chunk was released twice).
func (r *returnRing) push(descs []Desc) int {
	tail := r.tail.Load()
	n := uint32(len(r.buf)) - (tail - r.head.Load())
	n = min(n, uint32(len(descs)))
	for i := uint32(0); i < n; i++ {
		r.buf[(tail+i)&r.mask] = descs[i].Addr
	}
	r.tail.Store(tail + n)
	return int(n)
}

// pending reports whether the ring holds addresses; any goroutine may ask.
func (r *returnRing) pending() bool { return r.tail.Load() != r.head.Load() }

// drainTo moves as many addresses as fit into q and reports whether the
// ring is now empty.
func (r *returnRing) drainTo(q *fillQueue, chunkMask uint64) bool {
	head, tail := r.head.Load(), r.tail.Load()
	for head != tail {
		start := head & r.mask
		end := uint32(len(r.buf))
		if span := tail - head; span < end-start {
			end = start + span
		}
		n := q.put(r.buf[start:end], chunkMask)
		head += uint32(n)
		if uint32(n) < end-start {
			break // fill ring full
		}
	}
	r.head.Store(head)
	return head == tail
}
