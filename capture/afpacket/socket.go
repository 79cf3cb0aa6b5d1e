package afpacket

// Socket is an AF_PACKET socket with a TPACKET_V3 receive ring, bound to
// one interface and optionally joined to a hash fanout group.
//
// Concurrency: a Socket belongs to one goroutine, which alone calls
// Receive, Wait and Stats; Close is called once, after that goroutine has
// stopped. Sockets of one fanout group are independent and may be served
// by different goroutines.
type Socket struct {
	fd      int
	ifindex int
	ring    []byte
	bsize   uint32
	nblocks uint32

	cur    uint32 // index of the block being read or awaited
	active bool   // block cur has been handed to us and not yet released
	rd     blockReader

	packets, blocks uint64 // counted by Receive
	kernel          Stats  // accumulated kernel counters (reset on each read)

	sys socketSys
}

// Stats are a socket's counters. The kernel's (PACKET_STATISTICS) are
// accumulated across reads, since every read resets them.
type Stats struct {
	Packets    uint64 // tp_packets: packets seen by the socket, including drops
	Drops      uint64 // tp_drops: packets dropped because the ring was full
	FreezeQCnt uint64 // tp_freeze_q_cnt: times the ring was frozen full
	Received   uint64 // packets returned by Receive
	Blocks     uint64 // blocks consumed by Receive
}

// Receive fills pkts with packets from the ring and returns how many,
// without blocking or allocating; 0 means nothing is ready (call Wait).
// One call returns packets of a single block; their Data stays valid until
// the next Receive or Close, when the block goes back to the kernel.
func (s *Socket) Receive(pkts []Packet) int {
	if s.ring == nil || len(pkts) == 0 {
		return 0
	}
	if s.active && s.rd.done() {
		s.releaseBlock()
	}
	if !s.active {
		if !s.blockReady() {
			return 0
		}
		off := uint64(s.cur) * uint64(s.bsize)
		s.rd.start(s.ring[off : off+uint64(s.bsize)])
		s.active = true
		s.blocks++
	}
	n := 0
	for n < len(pkts) && s.rd.next(&pkts[n]) {
		n++
	}
	s.packets += uint64(n)
	return n
}

// releaseBlock hands the current block back to the kernel and moves on.
func (s *Socket) releaseBlock() {
	s.setBlockKernel()
	s.active = false
	s.cur++
	if s.cur == s.nblocks {
		s.cur = 0
	}
}

// Ifindex returns the interface the socket is bound to.
func (s *Socket) Ifindex() int { return s.ifindex }

// FD returns the socket's file descriptor.
func (s *Socket) FD() int { return s.fd }
