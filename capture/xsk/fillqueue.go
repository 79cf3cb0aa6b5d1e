package xsk

// fillQueue is the UMEM's fill ring: addresses of empty chunks we give the
// kernel to receive into.
//
// Only the goroutine holding the group's fill token (see filler) may call
// its methods.
type fillQueue struct {
	prodRing
	ring []uint64
}

// put writes as many of addrs as fit, masked to their chunk base with
// chunkMask, and publishes them. It returns how many it wrote.
func (q *fillQueue) put(addrs []uint64, chunkMask uint64) int {
	n := q.free(uint32(len(addrs)))
	idx := q.cachedProd
	for i := uint32(0); i < n; i++ {
		q.ring[(idx+i)&q.mask] = addrs[i] & chunkMask
	}
	if n > 0 {
		q.submit(n)
	}
	return int(n)
}
