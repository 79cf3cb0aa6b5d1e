package conn

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"

	"xsensor/analyzer/decode"
	"xsensor/analyzer/uid"
)

// RemoveReason says why a connection left the table.
type RemoveReason uint8

const (
	RemovedInactivity RemoveReason = iota // Zeek's inactivity timer
	RemovedTCPExpire                      // TCP expire timer (closed, reset or never active)
	RemovedAttempt                        // unanswered SYN (tcp_attempt_delay)
	RemovedClose                          // tcp_close_delay after both sides closed or a RST
	RemovedReset                          // tcp_reset_delay after a RST following a FIN
	RemovedReuse                          // a new SYN reused the tuple
	RemovedEvicted                        // table full
	RemovedFlush                          // end of input
	numReasons
)

var reasonNames = [...]string{"inactivity", "tcp-expire", "attempt", "close", "reset", "reuse", "evicted", "flush"}

func (r RemoveReason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("RemoveReason(%d)", uint8(r))
}

// Stats counts what the table did.
type Stats struct {
	Created          uint64
	Removed          [numReasons]uint64 // by RemoveReason
	Evicted          uint64
	TimersFired      uint64
	BadChecksums     uint64 // packets dropped for a bad transport checksum
	NotTracked       uint64 // levels of protocols Zeek keeps no connection for
	HistoryTruncated uint64 // history letters dropped at histMax
	Active           int
}

// connKey is the table key: the two endpoints in canonical order (Zeek's
// addr_port_canon_lt), unless the flow is a one-way ICMP message, whose
// key keeps its direction.
type connKey struct {
	a1, a2 [16]byte
	p1, p2 uint16
	proto  uint8
	oneWay bool
}

func makeKey(src netip.Addr, sp uint16, dst netip.Addr, dp uint16, proto uint8, oneWay bool) connKey {
	k := connKey{proto: proto, oneWay: oneWay}
	s, d := src.As16(), dst.As16()
	if oneWay || less(s, sp, d, dp) {
		k.a1, k.p1, k.a2, k.p2 = s, sp, d, dp
	} else {
		k.a1, k.p1, k.a2, k.p2 = d, dp, s, sp
	}
	return k
}

func less(a [16]byte, ap uint16, b [16]byte, bp uint16) bool {
	x, y := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])
	if x != y {
		return x < y
	}
	x, y = binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:])
	if x != y {
		return x < y
	}
	return ap < bp
}

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^0xa0761d6478bd642f, b^0xe7037ed1a0b428db)
	return hi ^ lo
}

func (k *connKey) hash() uint64 {
	h := mix(binary.LittleEndian.Uint64(k.a1[:8]), binary.LittleEndian.Uint64(k.a1[8:]))
	h = mix(h^binary.LittleEndian.Uint64(k.a2[:8]), binary.LittleEndian.Uint64(k.a2[8:]))
	x := uint64(k.p1) | uint64(k.p2)<<16 | uint64(k.proto)<<32
	if k.oneWay {
		x |= 1 << 40
	}
	return mix(h, x)
}

const (
	chunkShift = 10
	chunkSize  = 1 << chunkShift
)

// Table is one worker's connection table: a bucket hash over a pool of
// Conn structs grown in chunks up to Options.MaxConns and recycled
// through a free list, an LRU list for eviction, and a timer wheel. It
// allocates nothing per packet once warm. Not safe for concurrent use:
// each worker owns its Table.
type Table struct {
	opts Options
	gen  *uid.Generator
	emit func(*Record)

	chunks  [][]Conn
	nalloc  int32 // pool entries handed out so far
	free    int32 // free list head (through Conn.hnext)
	buckets []int32
	bmask   uint64
	n       int

	lruHead, lruTail int32

	wheel wheel
	now   int64

	stats Stats
	rec   Record
	svc   []byte

	removeHook func(*Conn)
}

// New returns a table that calls emit for every connection it removes,
// with the record Zeek would log for it. gen makes the connection uids.
func New(opts Options, gen *uid.Generator, emit func(*Record)) (*Table, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if gen == nil || emit == nil {
		return nil, fmt.Errorf("%w: nil uid generator or emit callback", ErrBadOptions)
	}
	nb := 1
	for nb < opts.MaxConns {
		nb <<= 1
	}
	t := &Table{
		opts:    opts,
		gen:     gen,
		emit:    emit,
		buckets: make([]int32, nb),
		bmask:   uint64(nb - 1),
		free:    -1,
		lruHead: -1,
		lruTail: -1,
		svc:     make([]byte, 0, 64),
	}
	for i := range t.buckets {
		t.buckets[i] = -1
	}
	t.wheel.init()
	return t, nil
}

func (t *Table) conn(i int32) *Conn { return &t.chunks[i>>chunkShift][i&(chunkSize-1)] }

// Len returns the number of open connections.
func (t *Table) Len() int { return t.n }

// Stats returns the counters.
func (t *Table) Stats() Stats {
	s := t.stats
	s.Active = t.n
	return s
}

func (t *Table) lookup(k *connKey, h uint64) *Conn {
	for i := t.buckets[h&t.bmask]; i >= 0; {
		c := t.conn(i)
		if c.key == *k {
			return c
		}
		i = c.hnext
	}
	return nil
}

func (t *Table) lruUnlink(c *Conn) {
	if c.prev >= 0 {
		t.conn(c.prev).next = c.next
	} else {
		t.lruHead = c.next
	}
	if c.next >= 0 {
		t.conn(c.next).prev = c.prev
	} else {
		t.lruTail = c.prev
	}
	c.prev, c.next = -1, -1
}

func (t *Table) lruPush(c *Conn) {
	c.prev, c.next = t.lruTail, -1
	if t.lruTail >= 0 {
		t.conn(t.lruTail).next = c.idx
	} else {
		t.lruHead = c.idx
	}
	t.lruTail = c.idx
}

func (t *Table) touch(c *Conn) {
	if t.lruTail != c.idx {
		t.lruUnlink(c)
		t.lruPush(c)
	}
}

// alloc takes a Conn from the free list, the pool, or by evicting the
// least recently active connection.
func (t *Table) alloc() *Conn {
	if t.free >= 0 {
		c := t.conn(t.free)
		t.free = c.hnext
		return c
	}
	if int(t.nalloc) < t.opts.MaxConns {
		if int(t.nalloc)>>chunkShift >= len(t.chunks) {
			ch := make([]Conn, chunkSize)
			base := int32(len(t.chunks)) << chunkShift
			for i := range ch {
				ch[i].tbl = t
				ch[i].idx = base + int32(i)
				for k := range ch[i].timers {
					ch[i].timers[k].list = listNone
				}
			}
			t.chunks = append(t.chunks, ch)
		}
		c := t.conn(t.nalloc)
		t.nalloc++
		return c
	}
	victim := t.conn(t.lruHead)
	t.stats.Evicted++
	t.remove(victim, RemovedEvicted)
	c := t.conn(t.free)
	t.free = c.hnext
	return c
}

// remove logs c as Zeek does at removal and returns it to the free list.
func (t *Table) remove(c *Conn, why RemoveReason) {
	if !c.inUse {
		return
	}
	t.disarmAll(c)
	// Unlink from the hash chain.
	p := &t.buckets[c.key.hash()&t.bmask]
	for *p >= 0 {
		if *p == c.idx {
			*p = c.hnext
			break
		}
		p = &t.conn(*p).hnext
	}
	t.lruUnlink(c)
	t.n--
	t.stats.Removed[why]++
	c.inUse = false
	if t.removeHook != nil {
		t.removeHook(c)
	}
	t.fillRecord(c)
	t.emit(&t.rec)
	c.hnext = t.free
	t.free = c.idx
}

func (t *Table) setInactivityTimeout(c *Conn, d int64) {
	if d == c.inactivity {
		return
	}
	t.disarm(c, tInactivity)
	if d > 0 {
		t.arm(c, tInactivity, c.last+d)
	}
	c.inactivity = d
}

// fire runs timer kind k of c.
func (t *Table) fire(c *Conn, k int) {
	now := t.now
	switch k {
	case tInactivity:
		if c.inactivity <= 0 {
			return
		}
		if c.last+c.inactivity <= now {
			t.remove(c, RemovedInactivity)
		} else {
			t.arm(c, tInactivity, c.last+c.inactivity)
		}
	case tExpire1, tExpire2:
		t.expireTimer(c, k, now)
	case tAttempt:
		tc := &c.tcp
		if !tc.isActive {
			return
		}
		o, r := tc.orig(), tc.resp()
		if (o.state == tcpSYNSent || o.state == tcpSYNACKSent) && r.state == tcpInactive {
			tc.isActive = false
			t.remove(c, RemovedAttempt)
		}
	case tReset:
		if c.tcp.isActive {
			t.remove(c, RemovedReset)
		}
	case tDelete:
		t.remove(c, RemovedClose)
	}
}

// Packet accounts one IP level of one packet (ts in ns since the epoch)
// and returns its connection, or nil for protocols Zeek keeps no
// connection for (IP-in-IP, IPv6-in-IP, GRE: their tunnels carry inner
// levels) and for packets Zeek drops before it finds a connection.
// parents are the uids of the connections carrying this level (outermost
// first); Zeek records the innermost one in tunnel_parents. Call
// Advance(ts) first so that due timers fire before the packet, as in
// Zeek. The returned Conn is valid until the next call into t.
func (t *Table) Packet(ts int64, l *decode.Level, parents []uid.UID) *Conn {
	if ts > t.now {
		t.now = ts
	}
	if !t.wheel.started {
		t.wheel.started = true
		t.wheel.tick = (t.now >> tickShift) - 1
	}
	var (
		kind   uint8
		sp, dp uint16
		oneWay bool
	)
	switch l.Proto {
	case 6:
		kind, sp, dp = kindTCP, l.SrcPort, l.DstPort
	case 17:
		kind, sp, dp = kindUDP, l.SrcPort, l.DstPort
	case 1, 58:
		kind = kindICMP
		sp = uint16(l.ICMPType)
		dp, oneWay = icmpCounterpart(l.Proto == 58, l.ICMPType, l.ICMPCode)
	case 4, 41, 47:
		t.stats.NotTracked++
		return nil
	default:
		kind = kindUnknown
	}
	k := makeKey(l.Src, sp, l.Dst, dp, l.Proto, oneWay)
	h := k.hash()
	c := t.lookup(&k, h)
	if c != nil && kind == kindTCP && c.tcpIsReuse(l) {
		t.remove(c, RemovedReuse)
		c = nil
	}
	if c == nil {
		c = t.newConn(ts, l, &k, h, kind, sp, dp)
	}
	t.touch(c)
	if len(parents) > 0 {
		c.addParent(parents[len(parents)-1])
	}
	isOrig := l.Src == c.origH && sp == c.origP
	switch kind {
	case kindTCP:
		c.tcpPacket(ts, isOrig, l)
	case kindUDP:
		c.udpPacket(ts, isOrig, l)
	case kindICMP:
		c.icmpPacket(ts, isOrig, l)
	default:
		c.last = ts
		c.count(isOrig, l)
	}
	return c
}

func (t *Table) newConn(ts int64, l *decode.Level, k *connKey, h uint64, kind uint8, sp, dp uint16) *Conn {
	c := t.alloc()
	c.reset()
	c.inUse = true
	c.key = *k
	c.uid = t.gen.New()
	c.origH, c.origP, c.respH, c.respP = l.Src, sp, l.Dst, dp
	c.kind = kind
	c.ipProto = l.Proto
	c.vlan, c.ivlan = l.VLAN, l.InnerVLAN
	c.start, c.last = ts, ts
	b := &t.buckets[h&t.bmask]
	c.hnext = *b
	*b = c.idx
	t.lruPush(c)
	t.n++
	t.stats.Created++

	flip := false
	switch kind {
	case kindTCP:
		c.tcp.init()
		f := l.TCPFlags
		if f&decode.TCPSyn == 0 && likelyTCPSet.has(sp) {
			// A partial connection from a likely server port. (One
			// starting with a SYN-ACK is flipped when the SYN-ACK is
			// processed, see tcpPacket.)
			flip = !likelyTCPSet.has(dp) || sp < dp
		}
		t.setInactivityTimeout(c, int64(t.opts.UDPInactivity))
		t.armExpire(c, t.now+int64(t.opts.TCPSYNTimeout))
	case kindUDP:
		flip = likelyUDPSet.has(sp) && !likelyUDPSet.has(dp)
		t.setInactivityTimeout(c, int64(t.opts.UDPInactivity))
	case kindICMP:
		t.setInactivityTimeout(c, int64(t.opts.ICMPInactivity))
	default:
		t.setInactivityTimeout(c, int64(t.opts.UnknownInactivity))
	}
	if flip && !isBroadcast(l.Dst) {
		c.flipRoles()
	}
	return c
}

func isBroadcast(a netip.Addr) bool {
	return a.Is4() && a == netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// count is the ConnSize analyzer.
func (c *Conn) count(isOrig bool, l *decode.Level) {
	r := 1
	if isOrig {
		r = 0
	}
	c.pkts[r]++
	c.ipBytes[r] += uint64(l.IPLen)
}

func (c *Conn) udpPacket(ts int64, isOrig bool, l *decode.Level) {
	if l.BadChecksum {
		c.tbl.stats.BadChecksums++
		if isOrig {
			c.scaledHistory('C', &c.chk[0])
		} else {
			c.scaledHistory('c', &c.chk[1])
		}
		return
	}
	c.last = ts
	r := 1
	if isOrig {
		r = 0
		c.checkHistory(histUDPOrig, 'D')
	} else {
		c.checkHistory(histUDPResp, 'd')
	}
	n := int64(l.PayloadLen)
	if n < 0 {
		n = 0
	}
	if c.dlen[r] < 0 {
		c.dlen[r] = n
	} else {
		c.dlen[r] += n
	}
	c.count(isOrig, l)
}

func (c *Conn) icmpPacket(ts int64, isOrig bool, l *decode.Level) {
	if l.BadChecksum {
		c.tbl.stats.BadChecksums++
		return
	}
	c.last = ts
	r := 1
	if isOrig {
		r = 0
	}
	n := int64(l.PayloadLen)
	if n < 0 {
		n = 0
	}
	if c.dlen[r] < 0 {
		c.dlen[r] = n
	} else {
		c.dlen[r] += n
	}
	if len(l.Payload) >= l.PayloadLen {
		c.count(isOrig, l)
	}
}

// Flush logs every open connection as Zeek does when it terminates
// (state as is, no timers run) and empties the table.
func (t *Table) Flush(ts int64) {
	if ts > t.now {
		t.now = ts
	}
	for t.lruHead >= 0 {
		t.remove(t.conn(t.lruHead), RemovedFlush)
	}
}
