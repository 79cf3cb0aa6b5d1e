package conn

import "xsensor/analyzer/decode"

// TCP endpoint states, as Zeek's TCP_ENDPOINT_* (the numbers scripts see).
const (
	tcpInactive = iota
	tcpSYNSent
	tcpSYNACKSent
	tcpPartial
	tcpEstablished
	tcpClosed
	tcpReset
)

// tooLargeSeqDelta is Zeek's TOO_LARGE_SEQ_DELTA.
const tooLargeSeqDelta = 1048576

// Bits of tcpConn.firstSeen.
const (
	seenOrig = 1
	seenResp = 2
)

// endpoint is one side of a TCP connection (Zeek's TCP_Endpoint plus its
// TCP_Reassembler, reduced to what conn.log needs).
type endpoint struct {
	state, prevState uint8
	isOrig           bool
	didClose         bool
	didEOF           bool

	startSeq, lastSeq, ackSeq uint32
	seqWraps, ackWraps        uint32

	finCnt, rstCnt uint32
	finSeq         uint64

	histLastSYN, histLastFIN, histLastRST uint64
	chk, rxmt, win0, gap                  scaled

	lastTime int64

	reasm reassembler
}

// tcpConn is Zeek's TCPSessionAdapter state.
type tcpConn struct {
	ep               [2]endpoint
	origIdx          uint8 // which ep is the originator
	isActive         bool
	isPartial        bool
	firstSeen        uint8
	closeDeferred    bool
	deferredGenEvent bool
}

func (tc *tcpConn) orig() *endpoint { return &tc.ep[tc.origIdx] }
func (tc *tcpConn) resp() *endpoint { return &tc.ep[tc.origIdx^1] }
func (tc *tcpConn) endpoints(isOrig bool) (ep, peer *endpoint) {
	if isOrig {
		return tc.orig(), tc.resp()
	}
	return tc.resp(), tc.orig()
}
func (tc *tcpConn) peerOf(ep *endpoint) *endpoint {
	if ep == &tc.ep[0] {
		return &tc.ep[1]
	}
	return &tc.ep[0]
}

func (tc *tcpConn) flip() {
	tc.origIdx ^= 1
	tc.ep[0].isOrig = !tc.ep[0].isOrig
	tc.ep[1].isOrig = !tc.ep[1].isOrig
	fs := uint8(0)
	if tc.firstSeen&seenOrig != 0 {
		fs |= seenResp
	}
	if tc.firstSeen&seenResp != 0 {
		fs |= seenOrig
	}
	tc.firstSeen = fs
	tc.isPartial = false
}

func (tc *tcpConn) init() {
	*tc = tcpConn{isActive: true}
	tc.ep[0].isOrig = true
	tc.ep[0].reasm.init()
	tc.ep[1].reasm.init()
}

func seqDelta(a, b uint32) int32 { return int32(a - b) }

func fullSeq(seq, wraps uint32) uint64 { return uint64(wraps)<<32 | uint64(seq) }

func (e *endpoint) toRelative(seq, wraps uint32) uint64 {
	return fullSeq(seq, wraps) - uint64(e.startSeq)
}

func (e *endpoint) updateLastSeq(seq uint32) {
	if seq < e.lastSeq {
		e.seqWraps++
	}
	e.lastSeq = seq
}

func (e *endpoint) updateAckSeq(seq uint32) {
	if seq < e.ackSeq {
		e.ackWraps++
	}
	e.ackSeq = seq
}

func (e *endpoint) noDataAcked() bool {
	ack := fullSeq(e.ackSeq, e.ackWraps)
	start := uint64(e.startSeq)
	return ack == start || ack == start+1
}

func (e *endpoint) isActive() bool { return e.state != tcpInactive && !e.didClose }

// size is TCP_Endpoint::Size: payload bytes from sequence numbers.
func (e *endpoint) size(peer *endpoint) uint64 {
	if e.prevState == tcpSYNSent && e.state == tcpReset && peer.state == tcpInactive && !e.noDataAcked() {
		return 0
	}
	last := fullSeq(e.lastSeq, e.seqWraps)
	ack := fullSeq(e.ackSeq, e.ackWraps)
	var size uint64
	if last > ack {
		size = last - uint64(e.startSeq)
	} else {
		size = ack - uint64(e.startSeq)
	}
	if size != 0 {
		size--
	}
	if e.finCnt > 0 && size != 0 {
		size--
	}
	return size
}

func isHandshake(s uint8) bool { return s == tcpInactive || s == tcpSYNSent || s == tcpSYNACKSent }

// setState is TCP_Endpoint::SetState: finishing the handshake switches
// the connection to the TCP inactivity timeout.
func (c *Conn) setState(e *endpoint, s uint8) {
	if s == e.state {
		return
	}
	peer := c.tcp.peerOf(e)
	if !isHandshake(s) && isHandshake(e.state) && isHandshake(peer.state) {
		c.tbl.setInactivityTimeout(c, int64(c.tbl.opts.TCPInactivity))
	}
	e.prevState = e.state
	e.state = s
}

func (c *Conn) epHistory(e *endpoint, mask uint32, code byte) bool {
	if !e.isOrig {
		mask <<= histRespBits
		code = lower(code)
	}
	return c.checkHistory(mask, code)
}

func (c *Conn) epAddHistory(e *endpoint, code byte) {
	if !e.isOrig {
		code = lower(code)
	}
	c.addHistory(code)
}

func (c *Conn) epScaled(e *endpoint, code byte, s *scaled) {
	if !e.isOrig {
		code = lower(code)
	}
	c.scaledHistory(code, s)
}

// tcpIsReuse is TCPSessionAdapter::IsReuse: whether a packet for an
// existing connection starts a new one.
func (c *Conn) tcpIsReuse(l *decode.Level) bool {
	if l.Malformed || l.TCPHdrLen < 20 {
		return false
	}
	f := l.TCPFlags
	if f&decode.TCPSyn == 0 {
		return false
	}
	tc := &c.tcp
	connOrig := tc.orig()
	if f&decode.TCPAck != 0 {
		if tc.orig().state != tcpInactive {
			return false
		}
		connOrig = tc.resp()
	}
	if !(tc.orig().didClose || tc.resp().didClose) {
		if l.Seq == connOrig.startSeq {
			return false
		}
		if f&decode.TCPAck == 0 && connOrig.state == tcpSYNACKSent && tc.resp().state == tcpInactive &&
			l.Seq == tc.resp().startSeq {
			return false
		}
	}
	return true
}

// tcpPacket is TCPAnalyzer::DeliverPacket / TCPSessionAdapter::Process.
func (c *Conn) tcpPacket(ts int64, isOrig bool, l *decode.Level) {
	tc := &c.tcp
	if l.Malformed || l.TCPHdrLen < 20 {
		return // bad_TCP_header_len or truncated header: the packet is dropped
	}
	if l.BadChecksum {
		ep, _ := tc.endpoints(isOrig)
		c.epScaled(ep, 'C', &ep.chk)
		c.tbl.stats.BadChecksums++
		return
	}
	f := l.TCPFlags
	syn, fin, rst, ack := f&decode.TCPSyn != 0, f&decode.TCPFin != 0, f&decode.TCPRst != 0, f&decode.TCPAck != 0
	if syn && ack && !fin && !rst && isOrig && tc.firstSeen == 0 &&
		tc.orig().state == tcpInactive && tc.resp().state == tcpInactive {
		// The connection starts with a SYN-ACK: its sender is the
		// responder (Zeek ≥ 5.1 flips these; the handshake's SYN was
		// missed).
		c.flipRoles()
		isOrig = false
	}
	ep, peer := tc.endpoints(isOrig)
	n := l.PayloadLen
	if n < 0 {
		n = 0
	}

	// SetPartialStatus.
	if isOrig {
		if tc.firstSeen&seenOrig == 0 {
			tc.isPartial = !syn || ack
		}
	} else if tc.firstSeen&seenResp == 0 && !tc.isPartial {
		tc.isPartial = !syn
	}

	segLen := n
	if syn {
		segLen++
	}
	if fin {
		segLen++
	}
	if rst {
		segLen -= n
	}
	base := l.Seq
	onePast := base + uint32(segLen)

	initEndpoint(ep, syn, base, onePast)

	relSeq, underflow := relativeSeq(ep, base, ep.lastSeq, ep.seqWraps)

	c.updateHistory(ep, syn, fin, rst, ack, relSeq, n)

	// update_window: only the zero-window history letter matters here.
	if l.Window == 0 && !rst && peer.state != tcpClosed && ep.state != tcpReset {
		c.epScaled(ep, 'W', &ep.win0)
	}

	if !tc.orig().didClose || !tc.resp().didClose {
		c.last = ts
	}

	if fin {
		ep.finCnt++
		ep.finSeq = relSeq + uint64(int64(segLen))
	}
	if rst {
		ep.rstCnt++
	}

	var relAck uint64
	if ack {
		if peer.state == tcpInactive {
			relAck = 1
			peer.startSeq = l.Ack - 1
			peer.ackSeq = l.Ack - 1
			peer.lastSeq = l.Ack - 1
		} else {
			ra, under := relativeSeq(peer, l.Ack, peer.ackSeq, peer.ackWraps)
			relAck = ra
			if under {
				relAck = 0
			} else if !rst {
				d := seqDelta(l.Ack, peer.ackSeq)
				if l.Ack == 0 && d > tooLargeSeqDelta {
					// a broken ack, most likely
				} else if d > 0 {
					peer.updateAckSeq(l.Ack)
				}
			}
		}
	}

	deltaLast := c.updateLastSeq(ep, onePast, syn, fin, rst, n)
	ep.lastTime = ts

	doClose, genEvent := c.updateStateMachine(ts, ep, peer, base, l.Ack, n, deltaLast, isOrig, syn, fin, rst, ack)

	if ack {
		c.ackReceived(peer, relAck)
	}

	// CheckPIA_FirstPacket.
	if isOrig {
		tc.firstSeen |= seenOrig
	} else {
		tc.firstSeen |= seenResp
	}

	relDataSeq := relSeq
	if syn {
		relDataSeq++
	}
	if n > 0 && !rst && !underflow && len(l.Payload) >= n {
		c.dataSent(ep, relDataSeq, uint64(n))
	}
	c.checkEOF(ep)

	if doClose {
		c.connectionClosed(ep, peer, genEvent)
	}

	// ConnSize sees the packet last.
	r := 1
	if isOrig {
		r = 0
	}
	c.pkts[r]++
	c.ipBytes[r] += uint64(l.IPLen)
}

func initEndpoint(e *endpoint, syn bool, first, last uint32) {
	switch e.state {
	case tcpInactive:
		if syn {
			e.ackSeq = first
			e.startSeq = first
		} else {
			e.ackSeq = first - 1
			e.startSeq = first - 1
			last = first
		}
		e.lastSeq = last
	case tcpSYNSent, tcpSYNACKSent:
		if syn && first != e.startSeq {
			e.startSeq, e.ackSeq, e.lastSeq = first, first, last
		}
	case tcpEstablished, tcpPartial:
		if syn {
			e.startSeq, e.ackSeq, e.lastSeq = first, first, last
		}
	case tcpReset:
		if syn && e.prevState == tcpInactive {
			e.startSeq, e.ackSeq, e.lastSeq = first, first, last
		}
	}
}

// relativeSeq is get_relative_seq.
func relativeSeq(e *endpoint, cur, last, wraps uint32) (uint64, bool) {
	d := seqDelta(cur, last)
	if d < 0 {
		if wraps != 0 && cur > last {
			wraps--
		}
	} else if d > 0 {
		if cur < last {
			wraps++
		}
	}
	if wraps == 0 {
		d = seqDelta(cur, e.startSeq)
		return uint64(int64(d)), d < 0
	}
	return e.toRelative(cur, wraps), false
}

func (c *Conn) updateHistory(e *endpoint, syn, fin, rst, ack bool, relSeq uint64, n int) {
	bits := 0
	if syn {
		bits++
	}
	if fin {
		bits++
	}
	if rst {
		bits++
	}
	switch {
	case bits > 1:
		if fin && rst {
			c.epHistory(e, histFINRST, 'I')
		} else {
			c.epHistory(e, histMulti, 'Q')
		}
	case bits == 1:
		if syn {
			code := byte('S')
			if ack {
				code = 'H'
			}
			if c.epHistory(e, histSYN, code) && relSeq != e.histLastSYN {
				c.epAddHistory(e, code)
			}
			e.histLastSYN = relSeq
		}
		if fin {
			end := relSeq + uint64(n)
			if c.epHistory(e, histFIN, 'F') && end != e.histLastFIN {
				c.epAddHistory(e, 'F')
			}
			e.histLastFIN = end
		}
		if rst {
			if c.epHistory(e, histRST, 'R') && relSeq != e.histLastRST {
				c.epAddHistory(e, 'R')
			}
			e.histLastRST = relSeq
		}
	default:
		if n > 0 {
			c.epHistory(e, histData, 'D')
		} else if ack {
			c.epHistory(e, histACK, 'A')
		}
	}
}

func (c *Conn) updateLastSeq(e *endpoint, last uint32, syn, fin, rst bool, n int) int32 {
	d := seqDelta(last, e.lastSeq)
	switch {
	case (syn || rst) && (d > tooLargeSeqDelta || d < -tooLargeSeqDelta):
		// untrusted
	case fin && e.lastSeq == e.startSeq+1:
		e.updateLastSeq(last)
	case e.state == tcpReset:
		// don't trust sequence numbers after a RST
	case d > 0:
		e.updateLastSeq(last)
	case d <= 0 && n > 0:
		c.epScaled(e, 'T', &e.rxmt)
	}
	return d
}

func (c *Conn) updateStateMachine(ts int64, ep, peer *endpoint, base, ackSeq uint32, n int, deltaLast int32,
	isOrig, syn, fin, rst, ack bool) (doClose, genEvent bool) {
	tc := &c.tcp
	switch ep.state {
	case tcpInactive:
		if syn {
			if isOrig {
				if ack {
					c.setState(ep, tcpSYNACKSent)
				} else {
					c.setState(ep, tcpSYNSent)
				}
				if c.tbl.opts.TCPAttemptDelay > 0 {
					c.tbl.arm(c, tAttempt, ts+int64(c.tbl.opts.TCPAttemptDelay))
				}
			} else {
				if !ack && peer.state == tcpSYNACKSent && base == ep.startSeq {
					// SYN / SYN-ACK reversal: flip and establish.
					tc.isPartial = false
					c.flipRoles()
					c.setState(peer, tcpEstablished)
					tc.firstSeen |= seenOrig
				}
				if peer.state == tcpSYNSent {
					c.setState(peer, tcpEstablished)
				}
				c.setState(ep, tcpEstablished)
			}
		}
		if fin {
			c.setState(ep, tcpClosed)
			doClose, genEvent = true, true
		}
		if rst {
			c.setState(ep, tcpReset)
			reject := false
			if isOrig {
				reject = peer.state == tcpEstablished
			} else {
				reject = peer.state == tcpSYNSent || peer.state == tcpSYNACKSent
			}
			doClose = true
			genEvent = !reject
		}
		if ep.state == tcpInactive {
			switch {
			case !isOrig && n == 0 && tc.orig().state == tcpSYNSent:
				// an eccentric ack of the SYN before the SYN-ACK
			case ack && peer.state == tcpEstablished:
				c.setState(ep, tcpEstablished)
				tc.isPartial = false
				if isOrig {
					tc.firstSeen |= seenOrig
				} else {
					tc.firstSeen |= seenResp
				}
			default:
				c.setState(ep, tcpPartial)
			}
		}
	case tcpSYNSent, tcpSYNACKSent:
		if fin {
			c.setState(ep, tcpClosed)
			doClose, genEvent = true, true
		}
		if rst {
			c.setState(ep, tcpReset)
			tc.isActive = false // ConnectionReset
			doClose = true
		}
	case tcpEstablished, tcpPartial:
		if syn && ep.state == tcpPartial && peer.state == tcpInactive && !ack {
			c.setState(ep, tcpSYNSent)
		}
		if fin && !rst {
			c.setState(ep, tcpClosed)
			if peer.state == tcpReset && peer.prevState == tcpClosed {
				c.setState(peer, tcpClosed)
			}
			doClose, genEvent = true, true
		}
		if rst {
			c.setState(ep, tcpReset)
			doClose = true
			if peer.state != tcpReset || peer.prevState != tcpEstablished {
				tc.isActive = false
			}
		}
	case tcpClosed:
		if rst && peer.state != tcpClosed {
			c.setState(ep, tcpReset)
			if !ep.didClose {
				doClose = true
			}
			if c.tbl.opts.TCPResetDelay > 0 {
				c.tbl.armEarliest(c, tReset, ts+int64(c.tbl.opts.TCPResetDelay))
			}
		}
	case tcpReset:
		// nothing changes
	}
	return doClose, genEvent
}

// connectionClosed is TCPSessionAdapter::ConnectionClosed.
func (c *Conn) connectionClosed(ep, peer *endpoint, genEvent bool) {
	tc := &c.tcp
	if c.dataPending(ep) {
		tc.closeDeferred = true
		if !tc.deferredGenEvent {
			tc.deferredGenEvent = genEvent
		}
		return
	}
	tc.closeDeferred = false
	if ep.didClose {
		return
	}
	ep.didClose = true
	t := c.tbl
	complete := ep.state == tcpReset || peer.didClose || peer.state == tcpInactive
	if complete {
		if ep.prevState != tcpInactive || peer.state != tcpInactive {
			if tc.deferredGenEvent {
				genEvent = true
				tc.deferredGenEvent = false
			}
			if genEvent {
				tc.isActive = false // ConnectionFinished
			}
		}
		// CancelTimers: the analyzer's timers, not the inactivity one.
		t.disarm(c, tExpire1)
		t.disarm(c, tExpire2)
		t.disarm(c, tAttempt)
		t.disarm(c, tReset)
		t.armEarliest(c, tDelete, c.last+int64(t.opts.TCPCloseDelay))
		return
	}
	if ep.prevState != tcpInactive {
		t.armExpire(c, c.last+int64(t.opts.TCPSessionTimer))
	}
	// A first close from a side we never saw otherwise would arm Zeek's
	// partial-close timer, but only when a script handles
	// connection_partial_close; the default scripts do not.
}

// expireTimer is TCPSessionAdapter::ExpireTimer; it reports whether the
// connection was removed.
func (t *Table) expireTimer(c *Conn, k int, now int64) {
	tc := &c.tcp
	if !tc.isActive {
		return
	}
	o, r := tc.orig(), tc.resp()
	if c.last+int64(t.opts.TCPConnectionLinger) < now {
		if o.didClose || r.didClose {
			if (o.didClose && r.didClose) || o.state == tcpReset || r.state == tcpReset ||
				o.state == tcpInactive || r.state == tcpInactive {
				tc.isActive = false
				t.remove(c, RemovedTCPExpire)
				return
			}
		}
		if r.state == tcpInactive && o.state == tcpInactive {
			t.remove(c, RemovedTCPExpire)
			return
		}
	}
	t.arm(c, k, now+int64(t.opts.TCPSessionTimer))
}

// armEarliest arms timer k unless it is already armed earlier: Zeek would
// add a second timer, and the earlier one acts first.
func (t *Table) armEarliest(c *Conn, k int, deadline int64) {
	if !c.armed(k) || deadline < c.timers[k].deadline {
		t.arm(c, k, deadline)
	}
}

// armExpire adds an expire timer chain (Zeek keeps every chain it
// starts; we keep two and fold further ones into the earlier deadline).
func (t *Table) armExpire(c *Conn, deadline int64) {
	switch {
	case !c.armed(tExpire1):
		t.arm(c, tExpire1, deadline)
	case !c.armed(tExpire2):
		t.arm(c, tExpire2, deadline)
	default:
		k := tExpire1
		if c.timers[tExpire2].deadline > c.timers[tExpire1].deadline {
			k = tExpire2
		}
		if deadline < c.timers[k].deadline {
			t.arm(c, k, deadline)
		}
	}
}

// tcpState is Conn::conn_state for TCP.
func (c *Conn) tcpState() string {
	o, r := c.tcp.orig(), c.tcp.resp()
	os, rs := o.state, r.state
	oInactive := os == tcpInactive || os == tcpPartial
	rInactive := rs == tcpInactive || rs == tcpPartial
	switch {
	case rs == tcpReset:
		if os == tcpSYNSent || os == tcpSYNACKSent || (os == tcpReset && o.size(r) == 0 && r.size(o) == 0) {
			return "REJ"
		}
		if oInactive {
			return "RSTRH"
		}
		return "RSTR"
	case os == tcpReset:
		if rInactive {
			if rstos0(c.hist[:c.nhist]) {
				return "RSTOS0"
			}
			return "OTH"
		}
		return "RSTO"
	case rs == tcpClosed && os == tcpClosed:
		return "SF"
	case os == tcpClosed:
		if rInactive {
			return "SH"
		}
		return "S2"
	case rs == tcpClosed:
		if oInactive {
			return "SHR"
		}
		return "S3"
	case os == tcpSYNSent && rs == tcpInactive:
		return "S0"
	case os == tcpEstablished && rs == tcpEstablished:
		return "S1"
	}
	return "OTH"
}

// rstos0 matches Zeek's /^?S[^HAFGIQ]*R.*/ against the whole history.
func rstos0(h []byte) bool {
	if len(h) > 0 && h[0] == '^' {
		h = h[1:]
	}
	if len(h) == 0 || h[0] != 'S' {
		return false
	}
	for _, b := range h[1:] {
		switch b {
		case 'R':
			return true
		case 'H', 'A', 'F', 'G', 'I', 'Q':
			return false
		}
	}
	return false
}
