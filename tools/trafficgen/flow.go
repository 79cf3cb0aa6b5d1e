package trafficgen

import "encoding/binary"

// kind is the type of a flow.
type kind uint8

const (
	kindTCP     kind = iota // handshake, data, FIN close
	kindTCPRst              // handshake, data, RST
	kindSynOnly             // SYN (and retransmissions), never answered
	kindDNS                 // DNS query/response on port 53
	kindUDP                 // request/response on random high ports
	kindICMP                // echo request/reply
)

// size classes of frames (see classify).
const (
	classSmall = iota
	classMid
	classLarge
	nClasses
)

// IP total lengths of the mid and large classes (594- and 1518-byte
// frames on the wire for untagged IPv4).
const (
	midIPLen   = 576
	largeIPLen = 1500
	maxPayload = 1500
)

// classify puts a captured frame length into a size class: up to 128
// bytes small (minimal frames, with room for tags and IPv6 headers),
// up to 1000 mid, above that large.
func classify(frameLen int) int {
	switch {
	case frameLen <= 128:
		return classSmall
	case frameLen <= 1000:
		return classMid
	}
	return classLarge
}

// flow is the state of one open flow. Flows live in a fixed pool and are
// reused; nothing else points at them.
type flow struct {
	kind   kind
	idx    uint32 // flow number, unique within a run
	v6     bool
	vlan   uint16 // 802.1Q TCI, 0 = untagged
	label  uint32 // IPv6 flow label
	cli    [16]byte
	srv    [16]byte
	mac    [6]byte // client MAC
	cport  uint16
	sport  uint16
	budget int // packets this flow sends in all
	sent   int
	step   int // position in the flow's script

	cipid, sipid uint16
	cnext, snext uint32 // next sequence number of client and server
	cwin, swin   uint16
	dataLeft     int  // data-phase packets still to send
	pat          int  // data pattern position
	serverCloses bool // server sends the first FIN (or the RST)

	id      uint16 // DNS id or ICMP identifier
	queries int    // DNS queries (1 or 2)
	lastLen int    // ICMP: payload of the last request
}

// tcpCloseLen is the number of packets of the close of a TCP flow kind.
func tcpCloseLen(k kind) int {
	if k == kindTCPRst {
		return 1
	}
	return 3
}

// minBudget is the fewest packets a flow of kind k can have.
func minBudget(k kind) int {
	switch k {
	case kindTCP:
		return 7
	case kindTCPRst:
		return 5
	case kindDNS, kindUDP, kindICMP:
		return 2
	}
	return 1
}

// next builds the next packet of f into g.buf and returns the frame.
func (g *gen) next(f *flow) []byte {
	f.sent++
	switch f.kind {
	case kindTCP, kindTCPRst, kindSynOnly:
		return g.nextTCP(f)
	case kindDNS:
		return g.nextDNS(f)
	case kindUDP:
		return g.nextUDP(f)
	}
	return g.nextICMP(f)
}

func (f *flow) done() bool { return f.sent >= f.budget }

// TCP flag bits.
const (
	fFIN = 0x01
	fSYN = 0x02
	fRST = 0x04
	fPSH = 0x08
	fACK = 0x10
)

func (g *gen) nextTCP(f *flow) []byte {
	step := f.step
	f.step++
	switch {
	case step == 0 || f.kind == kindSynOnly:
		// SYN; retransmissions of an unanswered SYN carry the same seq.
		return g.tcp(f, true, fSYN, f.cnext-1, 0, 0, true)
	case step == 1:
		return g.tcp(f, false, fSYN|fACK, f.snext-1, f.cnext, 0, true)
	case step == 2:
		f.dataLeft = f.budget - 3 - tcpCloseLen(f.kind)
		return g.tcp(f, true, fACK, f.cnext, f.snext, 0, false)
	case f.dataLeft > 0:
		f.dataLeft--
		return g.tcpData(f)
	}
	// Close.
	closer := !f.serverCloses // true: client closes first
	if f.kind == kindTCPRst {
		return g.tcpRST(f, closer)
	}
	switch f.budget - f.sent {
	case 2: // closer's FIN
		return g.tcpFIN(f, closer)
	case 1: // the other side's FIN
		return g.tcpFIN(f, !closer)
	}
	// closer's final ACK
	if closer {
		return g.tcp(f, true, fACK, f.cnext, f.snext, 0, false)
	}
	return g.tcp(f, false, fACK, f.snext, f.cnext, 0, false)
}

func (g *gen) tcpFIN(f *flow, fromClient bool) []byte {
	if fromClient {
		b := g.tcp(f, true, fFIN|fACK, f.cnext, f.snext, 0, false)
		f.cnext++
		return b
	}
	b := g.tcp(f, false, fFIN|fACK, f.snext, f.cnext, 0, false)
	f.snext++
	return b
}

func (g *gen) tcpRST(f *flow, fromClient bool) []byte {
	if fromClient {
		return g.tcp(f, true, fRST|fACK, f.cnext, f.snext, 0, false)
	}
	return g.tcp(f, false, fRST|fACK, f.snext, f.cnext, 0, false)
}

// tcpData sends the next data-phase packet: a client request, then server
// response segments with a client ACK after every second one; now and
// then the client sends another request instead of the ACK.
func (g *gen) tcpData(f *flow) []byte {
	p := f.pat
	switch {
	case p == 0 || (p%3 == 0 && g.rng.chance(0.1)):
		f.pat = 1
		n := g.payloadLen(f, 20, classAny)
		b := g.tcp(f, true, fPSH|fACK, f.cnext, f.snext, n, false)
		f.cnext += uint32(n)
		return b
	case p%3 == 0:
		f.pat++
		return g.tcp(f, true, fACK, f.cnext, f.snext, 0, false)
	}
	f.pat++
	n := g.payloadLen(f, 20, classAny)
	flags := uint8(fACK)
	if p%3 == 2 || f.dataLeft == 0 {
		flags |= fPSH
	}
	b := g.tcp(f, false, flags, f.snext, f.cnext, n, false)
	f.snext += uint32(n)
	return b
}

// tcp builds one TCP segment. syn adds the MSS, SACK-permitted and window
// scale options of a handshake packet (MSS only in the small mix).
func (g *gen) tcp(f *flow, fromClient bool, flags uint8, seq, ack uint32, payload int, syn bool) []byte {
	hl := 20
	if syn {
		hl = 32
		if g.mix == MixSmall {
			hl = 24 // MSS only: the SYN fits a 64-byte frame
		}
	}
	l4len := hl + payload
	o := g.ipHeaders(f, fromClient, protoTCP, l4len)
	s := g.buf[o : o+l4len]
	if fromClient {
		binary.BigEndian.PutUint16(s[0:], f.cport)
		binary.BigEndian.PutUint16(s[2:], f.sport)
	} else {
		binary.BigEndian.PutUint16(s[0:], f.sport)
		binary.BigEndian.PutUint16(s[2:], f.cport)
	}
	binary.BigEndian.PutUint32(s[4:], seq)
	binary.BigEndian.PutUint32(s[8:], ack)
	s[12] = byte(hl/4) << 4
	s[13] = flags
	win := f.cwin
	if !fromClient {
		win = f.swin
	}
	if flags&fSYN != 0 {
		win = 64240
		if !fromClient {
			win = 65160
		}
	}
	binary.BigEndian.PutUint16(s[14:], win)
	s[16], s[17], s[18], s[19] = 0, 0, 0, 0
	if syn {
		mss := uint16(1460)
		if f.v6 {
			mss = 1440
		}
		opt := s[20:hl]
		opt[0], opt[1] = 2, 4
		binary.BigEndian.PutUint16(opt[2:], mss)
		if hl == 32 {
			opt[4], opt[5], opt[6], opt[7] = 1, 1, 4, 2   // NOP NOP SACK-permitted
			opt[8], opt[9], opt[10], opt[11] = 1, 3, 3, 7 // NOP window scale 7
		}
	}
	if payload > 0 {
		g.fill(s[hl:], uint64(seq)^uint64(f.idx)<<20)
	}
	binary.BigEndian.PutUint16(s[16:], g.l4Checksum(f, fromClient, protoTCP, s))
	return g.finish(o + l4len)
}

// udp builds one UDP datagram whose payload the caller has written at
// g.buf[o+8:] (o as returned by ipHeaders, computed by the caller).
func (g *gen) udp(f *flow, fromClient bool, o, payload int) []byte {
	s := g.buf[o : o+8+payload]
	if fromClient {
		binary.BigEndian.PutUint16(s[0:], f.cport)
		binary.BigEndian.PutUint16(s[2:], f.sport)
	} else {
		binary.BigEndian.PutUint16(s[0:], f.sport)
		binary.BigEndian.PutUint16(s[2:], f.cport)
	}
	binary.BigEndian.PutUint16(s[4:], uint16(8+payload))
	s[6], s[7] = 0, 0
	binary.BigEndian.PutUint16(s[6:], g.l4Checksum(f, fromClient, protoUDP, s))
	return g.finish(o + 8 + payload)
}

func (g *gen) nextUDP(f *flow) []byte {
	fromClient := f.step%2 == 0
	f.step++
	n := g.payloadLen(f, 8, classAny)
	o := g.ipHeaders(f, fromClient, protoUDP, 8+n)
	g.fill(g.buf[o+8:o+8+n], uint64(f.idx)<<16|uint64(f.step))
	return g.udp(f, fromClient, o, n)
}

func (g *gen) nextICMP(f *flow) []byte {
	req := f.step%2 == 0
	seq := uint16(f.step/2 + 1)
	f.step++
	n := f.lastLen
	if req {
		n = g.payloadLen(f, 8, classAny)
		f.lastLen = n
	}
	proto := uint8(protoICMP)
	typ := uint8(8)
	if !req {
		typ = 0
	}
	if f.v6 {
		proto = protoICMPv6
		typ = 128
		if !req {
			typ = 129
		}
	}
	o := g.ipHeaders(f, req, proto, 8+n)
	s := g.buf[o : o+8+n]
	s[0], s[1], s[2], s[3] = typ, 0, 0, 0
	binary.BigEndian.PutUint16(s[4:], f.id)
	binary.BigEndian.PutUint16(s[6:], seq)
	g.fill(s[8:], uint64(f.idx)<<16|uint64(seq))
	binary.BigEndian.PutUint16(s[2:], g.l4Checksum(f, req, proto, s))
	return g.finish(o + 8 + n)
}

// classAny lets payloadLen choose any size class.
const classAny = -1

// payloadLen chooses the payload length of a data-carrying packet of f
// with an L4 header of l4hdr bytes, steering the mix's size classes.
// max, if not classAny, caps the class.
func (g *gen) payloadLen(f *flow, l4hdr int, max int) int {
	c := classSmall
	switch g.mix {
	case MixLarge:
		c = classLarge
	case MixIMIX:
		c = g.steer()
	}
	if max != classAny && c > max {
		c = max
	}
	over := f.ipHdrLen() + l4hdr
	switch c {
	case classMid:
		return midIPLen - over
	case classLarge:
		return largeIPLen - over
	}
	// Small: fit a 60-byte frame where the headers allow it.
	room := minFrame - 14 - over
	if room < 1 {
		room = 1
		if f.kind == kindICMP {
			room = 16 // a short ping
		}
	}
	return 1 + g.rng.intn(room)
}

// steer picks the imix class furthest below its 7:4:1 share.
func (g *gen) steer() int {
	n := float64(g.classes[0]+g.classes[1]+g.classes[2]) + 1
	best, bestDef := 0, -1e18
	for c, share := range [nClasses]float64{7.0 / 12, 4.0 / 12, 1.0 / 12} {
		if d := share*n - float64(g.classes[c]); d > bestDef {
			best, bestDef = c, d
		}
	}
	return best
}
