package xsk

// completionQueue is the UMEM's completion ring: addresses of chunks the
// kernel has finished transmitting.
//
// Only the goroutine that owns the group's first socket may call its
// methods.
type completionQueue struct {
	consRing
	ring []uint64
}

// get moves up to len(addrs) completed addresses into addrs and returns
// how many.
func (q *completionQueue) get(addrs []uint64) int {
	n := q.avail(uint32(len(addrs)))
	idx := q.cachedCons
	for i := uint32(0); i < n; i++ {
		addrs[i] = q.ring[(idx+i)&q.mask]
	}
	if n > 0 {
		q.release(n)
	}
	return int(n)
}
