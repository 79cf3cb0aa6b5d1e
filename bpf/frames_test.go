package bpf

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
)

// Synthetic frames for the golden-frame test: every encapsulation and IP
// variant analyzer/flowhash's definition names, in both directions, plus
// truncated and malformed frames. Built in code, nothing read from disk.

// l2Kind is the link-layer encapsulation of a test frame.
type l2Kind int

const (
	l2Plain l2Kind = iota
	l2VLAN         // tags from vlanTPIDs
	l2MPLS         // mplsLabels labels, bottom-of-stack on the last unless noBOS
	l2PPPoE        // PPPoE session, PPP protocol pppProto (0 = by IP version)
	l2Kinds
)

var vlanTPIDs = []uint16{0x8100, 0x88a8, 0x9100}

// extHdr is one IPv6 extension header: its type and its length byte.
type extHdr struct {
	typ    uint8
	hdrlen uint8
	frag   uint16 // fragment header: offset<<3 | M
}

// flowSpec describes one direction-independent flow and how its frames are
// wrapped.
type flowSpec struct {
	src, dst     netip.Addr
	proto        uint8
	sport, dport uint16

	l2         l2Kind
	tpids      []uint16
	mplsLabels int
	noBOS      bool
	pppProto   uint16

	v4opts  int    // extra IHL words (0..10)
	v4frag  uint16 // IPv4 flags/fragment-offset field
	ext     []extHdr
	payload int
}

func be16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }

// frame builds the frame from src to dst, or from dst to src when reverse.
func (f *flowSpec) frame(reverse bool) []byte {
	src, dst, sport, dport := f.src, f.dst, f.sport, f.dport
	if reverse {
		src, dst, sport, dport = dst, src, dport, sport
	}
	b := []byte{0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2}
	ipType := uint16(0x0800)
	if src.Is6() {
		ipType = 0x86dd
	}
	switch f.l2 {
	case l2Plain:
		b = be16(b, ipType)
	case l2VLAN:
		for i, t := range f.tpids {
			if i == 0 {
				b = be16(b, t)
			}
			b = be16(b, uint16(100+i)) // TCI
			if i+1 < len(f.tpids) {
				b = be16(b, f.tpids[i+1])
			} else {
				b = be16(b, ipType)
			}
		}
	case l2MPLS:
		b = be16(b, 0x8847)
		for i := 0; i < f.mplsLabels; i++ {
			bos := byte(0)
			if i == f.mplsLabels-1 && !f.noBOS {
				bos = 1
			}
			b = append(b, 0x00, 0x10, byte(i<<4)|bos, 64)
		}
	case l2PPPoE:
		b = be16(b, 0x8864)
		pp := f.pppProto
		if pp == 0 {
			pp = 0x0021
			if src.Is6() {
				pp = 0x0057
			}
		}
		b = append(b, 0x11, 0x00, 0x12, 0x34, 0x00, 0x00)
		b = be16(b, pp)
	}

	l4 := f.l4(sport, dport)
	if src.Is4() {
		ihl := 5 + f.v4opts
		ip := make([]byte, ihl*4)
		ip[0] = 0x40 | byte(ihl)
		binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)+len(l4)))
		binary.BigEndian.PutUint16(ip[6:], f.v4frag)
		ip[8] = 64
		ip[9] = f.proto
		copy(ip[12:], src.AsSlice())
		copy(ip[16:], dst.AsSlice())
		for i := 20; i < len(ip); i++ {
			ip[i] = 1 // NOP options
		}
		b = append(b, ip...)
	} else {
		ip := make([]byte, 40)
		ip[0] = 0x60
		next := f.proto
		if len(f.ext) > 0 {
			next = f.ext[0].typ
		}
		ip[6] = next
		ip[7] = 64
		copy(ip[8:], src.AsSlice())
		copy(ip[24:], dst.AsSlice())
		for i, e := range f.ext {
			nx := f.proto
			if i+1 < len(f.ext) {
				nx = f.ext[i+1].typ
			}
			var n int
			switch e.typ {
			case 51:
				n = (int(e.hdrlen) + 2) * 4
			case 44:
				n = 8
			default:
				n = (int(e.hdrlen) + 1) * 8
			}
			if n > 64 { // long headers: write only their start, the frame ends inside
				n = 8
			}
			h := make([]byte, n)
			h[0] = nx
			h[1] = e.hdrlen
			if e.typ == 44 {
				h[1] = 0
				binary.BigEndian.PutUint16(h[2:], e.frag)
				binary.BigEndian.PutUint32(h[4:], 0xdeadbeef)
			}
			ip = append(ip, h...)
		}
		binary.BigEndian.PutUint16(ip[4:], uint16(len(ip)-40+len(l4)))
		b = append(b, ip...)
	}
	return append(b, l4...)
}

// l4 returns the transport header and payload.
func (f *flowSpec) l4(sport, dport uint16) []byte {
	var h []byte
	switch f.proto {
	case 6:
		h = make([]byte, 20)
		h[12] = 5 << 4
		h[13] = 0x10
	case 17:
		h = make([]byte, 8)
	case 132:
		h = make([]byte, 12)
	default: // ICMP, ICMPv6, others: no ports; fill type/code
		h = make([]byte, 8)
		h[0], h[1] = byte(sport), byte(dport)
		return append(h, make([]byte, f.payload)...)
	}
	binary.BigEndian.PutUint16(h, sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	for i := 0; i < f.payload; i++ {
		h = append(h, byte(i))
	}
	return h
}

var extTypes = []uint8{0, 43, 60, 135, 51, 44}

// randomFlow draws a flow from r.
func randomFlow(r *rand.Rand) flowSpec {
	var f flowSpec
	v6 := r.IntN(2) == 0
	addr := func() netip.Addr {
		if v6 {
			var a [16]byte
			a[0], a[1] = 0x20, 0x01
			for i := 2; i < 16; i++ {
				a[i] = byte(r.IntN(4)) // few distinct bytes: equal prefixes are common
			}
			return netip.AddrFrom16(a)
		}
		return netip.AddrFrom4([4]byte{10, byte(r.IntN(3)), byte(r.IntN(3)), byte(r.IntN(256))})
	}
	f.src, f.dst = addr(), addr()
	if r.IntN(20) == 0 {
		f.dst = f.src // same address both ends: ports decide the order
	}
	protos := []uint8{6, 6, 6, 17, 17, 132, 1, 47, 0}
	if v6 {
		protos = []uint8{6, 6, 6, 17, 17, 132, 58, 47, 59}
	}
	f.proto = protos[r.IntN(len(protos))]
	f.sport = uint16(r.IntN(65536))
	f.dport = []uint16{53, 80, 443, 22, 123, uint16(r.IntN(65536))}[r.IntN(6)]
	if r.IntN(8) == 0 { // tunnel ports (UDP: keyed without ports)
		f.dport = []uint16{4789, 6081, 2152, 3544, 5072, 4754}[r.IntN(6)]
		if r.IntN(2) == 0 {
			f.sport, f.dport = f.dport, f.sport
		}
	}
	if r.IntN(10) == 0 {
		f.dport = f.sport
	}
	f.payload = r.IntN(64)

	f.l2 = l2Kind(r.IntN(int(l2Kinds)))
	switch f.l2 {
	case l2VLAN:
		n := 1 + r.IntN(3)
		if r.IntN(8) == 0 {
			n = 7 + r.IntN(3) // 7..9 tags: the 9th is past the limit
		}
		for i := 0; i < n; i++ {
			f.tpids = append(f.tpids, vlanTPIDs[r.IntN(len(vlanTPIDs))])
		}
	case l2MPLS:
		f.mplsLabels = 1 + r.IntN(3)
		if r.IntN(8) == 0 {
			f.mplsLabels = 7 + r.IntN(3)
		}
		f.noBOS = r.IntN(20) == 0
	case l2PPPoE:
		if r.IntN(10) == 0 {
			f.pppProto = 0xc021 // LCP: not IP
		}
	}

	if !v6 {
		if r.IntN(5) == 0 {
			f.v4opts = 1 + r.IntN(10)
		}
		switch r.IntN(8) {
		case 0:
			f.v4frag = 0x2000 // MF, offset 0
		case 1:
			f.v4frag = uint16(1 + r.IntN(0x1fff)) // offset only
		case 2:
			f.v4frag = 0x4000 // DF: not a fragment
		}
	} else if r.IntN(2) == 0 {
		n := 1 + r.IntN(3)
		if r.IntN(6) == 0 {
			n = 7 + r.IntN(4) // up to 10: beyond the limit of 8
		}
		for i := 0; i < n; i++ {
			e := extHdr{typ: extTypes[r.IntN(len(extTypes))], hdrlen: uint8(r.IntN(4))}
			if r.IntN(30) == 0 {
				e.hdrlen = 255 // reaches past the end of the frame
			}
			if e.typ == 44 {
				e.frag = []uint16{0, 1, 8 << 3, 8<<3 | 1}[r.IntN(4)]
			}
			if e.typ == 51 && e.hdrlen < 1 {
				e.hdrlen = 1 // AH is at least 12 bytes; keep lengths multiple of 4
			}
			f.ext = append(f.ext, e)
		}
	}
	return f
}

// goldenFrames returns at least n frames: both directions of random
// flows, some truncated, and fixed malformed cases.
func goldenFrames(seed uint64, n int) [][]byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out [][]byte
	for len(out) < n {
		f := randomFlow(r)
		for _, rev := range []bool{false, true} {
			b := f.frame(rev)
			out = append(out, b)
			if r.IntN(6) == 0 && len(b) > 14 {
				out = append(out, b[:14+r.IntN(len(b)-14)])
			}
		}
	}
	return append(out, oddFrames()...)
}

// oddFrames are fixed frames the random generator does not make.
func oddFrames() [][]byte {
	eth := func(et uint16, rest ...byte) []byte {
		b := []byte{0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, byte(et >> 8), byte(et)}
		return append(b, rest...)
	}
	ipv4 := func(verIHL byte) []byte {
		ip := make([]byte, 40)
		ip[0] = verIHL
		ip[9] = 6
		copy(ip[12:], []byte{192, 168, 0, 1, 192, 168, 0, 2})
		ip[20], ip[21], ip[22], ip[23] = 0x12, 0x34, 0x00, 0x50
		return ip
	}
	return [][]byte{
		eth(0x0806, make([]byte, 28)...),          // ARP
		eth(0x88cc, make([]byte, 40)...),          // LLDP
		eth(0x0800),                               // no IP header at all
		eth(0x0800, ipv4(0x44)...),                // IHL 4: malformed
		eth(0x0800, ipv4(0x55)...),                // version 5
		eth(0x0800, ipv4(0x65)...),                // IPv6 nibble after 0x0800
		eth(0x86dd, ipv4(0x45)...),                // IPv4 nibble after 0x86dd
		eth(0x0800, ipv4(0x45)[:19]...),           // 19 bytes of IPv4
		eth(0x0800, ipv4(0x4f)...),                // IHL 15: ports beyond the frame
		eth(0x86dd, make([]byte, 39)...),          // short IPv6
		eth(0x8100, 0, 1),                         // truncated VLAN tag
		eth(0x8847, 0, 0x10),                      // truncated MPLS label
		eth(0x8864, 0x11, 0, 0, 1, 0, 0),          // truncated PPPoE
		eth(0x8864, 0x11, 0, 0, 1, 0, 0, 0, 0x21), // PPPoE IPv4 without IP
		eth(0x9100, 0, 1, 0x08, 0x00),             // VLAN, then nothing
		eth(0x8848, 0, 0x10, 0x01, 64),            // multicast MPLS, BOS, nothing after
	}
}
