package xsk

import "sync/atomic"

// Socket is one AF_XDP socket of a Group, with its own RX and TX rings.
//
// Concurrency: a Socket belongs to one goroutine, its worker, which alone
// calls Receive, Release, Transmit, Complete, Kick and Wait. Frame, FD,
// Index and Stats may be called from any goroutine. Release is lock-free
// even when sibling sockets release at the same time (see doc.go).
type Socket struct {
	fd    int
	index int
	group *Group
	umem  *UMEM
	fill  *filler
	ret   *returnRing
	rx    rxQueue
	tx    txQueue
	comp  *completionQueue // socket 0 only

	needWakeup bool
	busyPoll   bool // busy-poll options accepted: Wait spins in recvfrom first

	received    atomic.Uint64
	released    atomic.Uint64
	overflow    atomic.Uint64
	transmitted atomic.Uint64
	completed   atomic.Uint64
	wakeups     atomic.Uint64

	sys socketSys
}

// FD returns the socket's file descriptor, the value to store in the
// XSKMAP slot that should feed this socket.
func (s *Socket) FD() int { return s.fd }

// Index returns the socket's position in its group.
func (s *Socket) Index() int { return s.index }

// Receive moves up to len(descs) received descriptors into descs and
// returns how many, without blocking or allocating. Each descriptor's
// chunk belongs to the caller until Release; read it with Frame. When
// Receive returns 0, call Wait before trying again.
func (s *Socket) Receive(descs []Desc) int {
	if s.rx.ring == nil {
		return 0
	}
	n := s.rx.get(descs)
	if n > 0 {
		s.received.Add(uint64(n))
	}
	return n
}

// Frame returns the packet bytes of d, a view into the UMEM valid until
// d's chunk is released; nil if d is out of range.
func (s *Socket) Frame(d Desc) []byte { return s.umem.Frame(d) }

// Release hands the chunks of descs back to the group's fill ring, through
// this socket's return ring; it never blocks and takes no lock. The views
// of those chunks must not be used afterwards.
func (s *Socket) Release(descs []Desc) {
	if len(descs) == 0 {
		return
	}
	n := s.ret.push(descs)
	s.released.Add(uint64(n))
	if n < len(descs) {
		s.overflow.Add(uint64(len(descs) - n))
	}
	s.fill.flush()
}

// Transmit puts up to len(descs) descriptors on the TX ring and returns
// how many fit. The chunks belong to the kernel until they come back
// through Complete. Call Kick after a batch.
func (s *Socket) Transmit(descs []Desc) int {
	if s.tx.ring == nil {
		return 0
	}
	n := s.tx.put(descs)
	if n > 0 {
		s.transmitted.Add(uint64(n))
	}
	return n
}

// Complete moves up to len(addrs) addresses of transmitted chunks into
// addrs and returns how many. Only socket 0 owns the completion ring; on
// other sockets Complete returns 0, and their completions arrive at
// socket 0.
func (s *Socket) Complete(addrs []uint64) int {
	if s.comp == nil || s.comp.ring == nil {
		return 0
	}
	n := s.comp.get(addrs)
	if n > 0 {
		s.completed.Add(uint64(n))
	}
	return n
}

// userStats fills the counters this package keeps.
func (s *Socket) userStats(st *Stats) {
	st.Received = s.received.Load()
	st.Released = s.released.Load()
	st.ReleaseOverflow = s.overflow.Load()
	st.Transmitted = s.transmitted.Load()
	st.Completed = s.completed.Load()
	st.Wakeups = s.wakeups.Load()
	st.Refills = s.fill.refills.Load()
	st.Rx = consState(&s.rx.consRing)
	st.Tx = prodState(&s.tx.prodRing)
	st.Fill = prodState(&s.fill.fq.prodRing)
	if g := s.group; g != nil {
		st.Completion = consState(&g.comp.consRing)
	}
}
