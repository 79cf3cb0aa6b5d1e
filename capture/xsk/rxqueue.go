package xsk

// rxQueue is a socket's RX ring: descriptors of chunks the kernel filled
// with received packets.
//
// Only the goroutine that owns the socket may call its methods.
type rxQueue struct {
	consRing
	ring []Desc
}

// get moves up to len(descs) descriptors into descs and returns how many.
// The ring slots go back to the kernel at once; the chunks they name stay
// with the caller until released to the fill ring.
func (q *rxQueue) get(descs []Desc) int {
	n := q.avail(uint32(len(descs)))
	idx := q.cachedCons
	for i := uint32(0); i < n; i++ {
		descs[i] = q.ring[(idx+i)&q.mask]
	}
	if n > 0 {
		q.release(n)
	}
	return int(n)
}
