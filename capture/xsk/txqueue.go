package xsk

// txQueue is a socket's TX ring: descriptors of chunks we ask the kernel
// to transmit.
//
// Only the goroutine that owns the socket may call its methods.
type txQueue struct {
	prodRing
	ring []Desc
}

// put writes as many of descs as fit and publishes them; it returns how
// many it wrote.
func (q *txQueue) put(descs []Desc) int {
	n := q.free(uint32(len(descs)))
	idx := q.cachedProd
	for i := uint32(0); i < n; i++ {
		q.ring[(idx+i)&q.mask] = descs[i]
	}
	if n > 0 {
		q.submit(n)
	}
	return int(n)
}
