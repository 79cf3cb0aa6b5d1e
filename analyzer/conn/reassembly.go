package conn

// The reassembler keeps no payload: only the ranges Zeek's
// TCP_Reassembler would hold undelivered (above a hole), which is all
// conn.log needs to count content gaps (missed_bytes, 'G' in history).
// Zeek reassembles every TCP connection from its first packet
// (dpd_reassemble_first_packets), so every connection counts gaps.

// maxBlocks bounds the out-of-order ranges kept per endpoint. When full,
// the two closest ranges are merged (a small over-estimate of the data
// held, never an allocation).
const maxBlocks = 8

// maxAboveHoleWithoutAcks is Zeek's tcp_max_above_hole_without_any_acks;
// maxInitialWindow is tcp_max_initial_window.
const (
	maxAboveHoleWithoutAcks = 16384
	maxInitialWindow        = 16384
)

type seqRange struct{ lo, hi uint64 }

type reassembler struct {
	lastReassem uint64 // next sequence number to deliver (relative)
	trimSeq     uint64
	skip        bool // skip_deliveries
	blocks      [maxBlocks]seqRange
	nblocks     uint8
}

func (r *reassembler) init() {
	*r = reassembler{lastReassem: 1, trimSeq: 1}
}

func (r *reassembler) undeliveredBytes() uint64 {
	if r.nblocks == 0 {
		return 0
	}
	return r.blocks[r.nblocks-1].hi - r.lastReassem
}

// insert adds [lo,hi) (above lastReassem) keeping blocks sorted and
// disjoint.
func (r *reassembler) insert(lo, hi uint64) {
	n := int(r.nblocks)
	i := 0
	for i < n && r.blocks[i].hi < lo {
		i++
	}
	j := i
	for j < n && r.blocks[j].lo <= hi {
		if r.blocks[j].lo < lo {
			lo = r.blocks[j].lo
		}
		if r.blocks[j].hi > hi {
			hi = r.blocks[j].hi
		}
		j++
	}
	// Replace blocks[i:j] with the merged range.
	if j-i == 1 {
		r.blocks[i] = seqRange{lo, hi}
		return
	}
	if j == i {
		if n == maxBlocks {
			r.mergeClosest()
			r.insert(lo, hi)
			return
		}
		copy(r.blocks[i+1:n+1], r.blocks[i:n])
		r.blocks[i] = seqRange{lo, hi}
		r.nblocks++
		return
	}
	r.blocks[i] = seqRange{lo, hi}
	copy(r.blocks[i+1:], r.blocks[j:n])
	r.nblocks -= uint8(j - i - 1)
}

func (r *reassembler) mergeClosest() {
	best, bi := ^uint64(0), 0
	for i := 0; i+1 < int(r.nblocks); i++ {
		if d := r.blocks[i+1].lo - r.blocks[i].hi; d < best {
			best, bi = d, i
		}
	}
	r.blocks[bi].hi = r.blocks[bi+1].hi
	copy(r.blocks[bi+1:], r.blocks[bi+2:r.nblocks])
	r.nblocks--
}

// deliver moves lastReassem through blocks that now touch it.
func (r *reassembler) deliver() {
	for r.nblocks > 0 && r.blocks[0].lo <= r.lastReassem {
		if r.blocks[0].hi > r.lastReassem {
			r.lastReassem = r.blocks[0].hi
		}
		copy(r.blocks[:], r.blocks[1:r.nblocks])
		r.nblocks--
	}
}

// dataSent is TCP_Reassembler::DataSent with Reassembler::NewBlock.
func (c *Conn) dataSent(e *endpoint, seq, n uint64) {
	r := &e.reasm
	if r.skip {
		return
	}
	ack := e.toRelative(e.ackSeq, e.ackWraps)
	upper := seq + n
	if seq < ack {
		if upper <= ack {
			return
		}
		seq = ack
	}
	if upper <= r.trimSeq {
		return
	}
	if seq < r.trimSeq {
		seq = r.trimSeq
	}
	if upper > r.lastReassem {
		lo := seq
		if lo < r.lastReassem {
			lo = r.lastReassem
		}
		r.insert(lo, upper)
		if seq <= r.lastReassem {
			r.deliver()
			if e.noDataAcked() && e.size(c.tcp.peerOf(e)) > maxInitialWindow {
				r.trimSeq = r.lastReassem
			}
		}
	}
	if e.noDataAcked() && r.undeliveredBytes() > maxAboveHoleWithoutAcks {
		r.nblocks = 0
		r.skip = true
	}
}

// ackReceived is TCP_Reassembler::AckReceived for endpoint e's data.
func (c *Conn) ackReceived(e *endpoint, seq uint64) {
	r := &e.reasm
	if e.finCnt > 0 && seq >= e.finSeq {
		seq = e.finSeq - 1
	}
	if seq <= r.trimSeq {
		return
	}
	if seq > r.lastReassem {
		c.undelivered(e, seq)
	}
	// Drop what is now below seq.
	for r.nblocks > 0 && r.blocks[0].hi <= seq {
		copy(r.blocks[:], r.blocks[1:r.nblocks])
		r.nblocks--
	}
	r.trimSeq = seq
	c.checkEOF(e)
}

// undelivered is TCP_Reassembler::Undelivered: data up to upTo was acked
// but never seen.
func (c *Conn) undelivered(e *endpoint, upTo uint64) {
	r := &e.reasm
	if upTo <= 2 && c.tcp.isPartial {
		// A partial connection's faked initial sequence number.
		return
	}
	if !r.skip {
		for r.nblocks > 0 && r.blocks[0].lo < upTo {
			b := r.blocks[0]
			if b.lo > r.lastReassem {
				c.gap(e, b.lo-r.lastReassem)
				r.lastReassem = b.lo
			}
			r.deliver()
		}
		if upTo > r.lastReassem {
			c.gap(e, upTo-r.lastReassem)
		}
	}
	if upTo > r.lastReassem {
		r.lastReassem = upTo
	}
}

func isClean(e *endpoint) bool {
	return e.state == tcpEstablished || (e.state == tcpClosed && e.prevState == tcpEstablished)
}

// gap reports a content gap: counted only while both sides are
// established or cleanly closing, as Zeek does.
func (c *Conn) gap(e *endpoint, n uint64) {
	peer := c.tcp.peerOf(e)
	if isClean(e) && isClean(peer) {
		c.epScaled(e, 'G', &e.gap)
		c.missed += n
	}
}

// dataPending is TCP_Reassembler::DataPending.
func (c *Conn) dataPending(e *endpoint) bool {
	r := &e.reasm
	if r.skip {
		return false
	}
	delivered := uint64(e.startSeq) + r.lastReassem
	last := fullSeq(e.lastSeq, e.seqWraps)
	if last < delivered {
		return false
	}
	if delivered != last-1 && delivered != last {
		return true
	}
	peer := c.tcp.peerOf(e)
	if e.state != tcpReset && peer.reasm.nblocks > 0 {
		return true
	}
	return false
}

// checkEOF is TCP_Reassembler::CheckEOF with TCPSessionAdapter::EndpointEOF.
func (c *Conn) checkEOF(e *endpoint) {
	if e.didEOF || !(e.finCnt > 0 || e.state == tcpClosed || e.state == tcpReset) || c.dataPending(e) {
		return
	}
	e.didEOF = true
	tc := &c.tcp
	if tc.closeDeferred {
		c.connectionClosed(e, tc.peerOf(e), tc.deferredGenEvent)
		tc.closeDeferred = false
	}
}
