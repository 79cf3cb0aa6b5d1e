package conn

import (
	"net/netip"

	"xsensor/analyzer/uid"
)

// Transport kinds, as Zeek's transport_proto.
const (
	kindTCP uint8 = iota + 1
	kindUDP
	kindICMP
	kindUnknown
)

// maxServices bounds the services one connection records.
const maxServices = 4

// Conn is one connection (Zeek's Connection with its session adapter and
// the ConnSize analyzer folded in). It lives in the table's pool: a *Conn
// stays valid only until the next call into its Table, which may remove
// and recycle it. Not safe for concurrent use.
type Conn struct {
	tbl *Table
	idx int32 // pool index

	key   connKey
	hnext int32 // hash chain
	prev  int32 // LRU (least recently active first)
	next  int32
	inUse bool

	uid          uid.UID
	origH, respH netip.Addr
	origP, respP uint16
	kind         uint8
	ipProto      uint8
	vlan, ivlan  uint16

	start, last int64 // ns
	inactivity  int64 // current inactivity timeout, ns (0: none)

	hist     [histMax]byte
	nhist    uint8
	histSeen uint32

	// ConnSize analyzer, by role (0 originator, 1 responder).
	pkts, ipBytes [2]uint64

	// UDP and ICMP payload lengths by role; -1 until the side is active.
	dlen [2]int64
	chk  [2]scaled // UDP bad checksums by role

	tcp tcpConn

	missed uint64

	services  [maxServices]string
	nservices uint8

	parents  [MaxTunnelParents]uid.UID
	nparents uint8

	timers [numTimers]timerNode

	slot  int32 // SetSlot value + 1; 0 when none
	flips uint8 // role flips so far (wrapping)
}

// UID returns the connection's unique identifier.
func (c *Conn) UID() uid.UID { return c.uid }

// AddService appends name to the connection's service list unless it is
// already there. name should be a constant (it is kept, not copied).
func (c *Conn) AddService(name string) {
	for i := 0; i < int(c.nservices); i++ {
		if c.services[i] == name {
			return
		}
	}
	if int(c.nservices) < maxServices {
		c.services[c.nservices] = name
		c.nservices++
	}
}

func (c *Conn) addParent(u uid.UID) {
	if u.IsZero() {
		return
	}
	for i := 0; i < int(c.nparents); i++ {
		if c.parents[i] == u {
			return
		}
	}
	if int(c.nparents) < MaxTunnelParents {
		c.parents[c.nparents] = u
		c.nparents++
	}
}

// flipRoles swaps originator and responder (Zeek's Connection::FlipRoles
// with the analyzers' FlipRoles) and adds '^' to the history. The history
// mask bits are not swapped, as in Zeek.
func (c *Conn) flipRoles() {
	c.flips++
	c.origH, c.respH = c.respH, c.origH
	c.origP, c.respP = c.respP, c.origP
	c.pkts[0], c.pkts[1] = c.pkts[1], c.pkts[0]
	c.ipBytes[0], c.ipBytes[1] = c.ipBytes[1], c.ipBytes[0]
	if c.kind == kindTCP {
		c.tcp.flip()
	}
	c.addHistory('^')
}

// reset prepares a pooled Conn for a new connection.
func (c *Conn) reset() {
	tbl, idx := c.tbl, c.idx
	timers := c.timers
	*c = Conn{tbl: tbl, idx: idx, timers: timers, hnext: -1, prev: -1, next: -1}
	c.dlen = [2]int64{-1, -1}
}

// FlipRoles swaps originator and responder and adds '^' to the history,
// for protocol analyzers that learn the true direction from the payload
// (Zeek's DNS analyzer flips a connection whose first message is a
// response unless the responder address is multicast; NTP and others do
// the same).
func (c *Conn) FlipRoles() { c.flipRoles() }

// AddHistory appends a history letter on behalf of a protocol analyzer
// (e.g. 'X' when Zeek's analysis gave up on a connection).
func (c *Conn) AddHistory(code byte) { c.addHistory(code) }
