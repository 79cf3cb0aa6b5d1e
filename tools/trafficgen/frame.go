package trafficgen

import "encoding/binary"

// IP protocol numbers.
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
)

// minFrame is the shortest Ethernet frame without its FCS.
const minFrame = 60

var gatewayMAC = [6]byte{0x02, 0xff, 0x00, 0x00, 0x00, 0x01}

// ipHeaders writes the Ethernet header (with an 802.1Q tag if the flow
// has one) and the IP header of a packet of f into g.buf, for an L4
// segment of l4len bytes. It returns the offset of the L4 header.
func (g *gen) ipHeaders(f *flow, fromClient bool, proto uint8, l4len int) int {
	b := g.buf[:]
	var srcMAC, dstMAC [6]byte
	if fromClient {
		srcMAC, dstMAC = f.mac, gatewayMAC
	} else {
		srcMAC, dstMAC = gatewayMAC, f.mac
	}
	copy(b[0:6], dstMAC[:])
	copy(b[6:12], srcMAC[:])
	o := 12
	if f.vlan != 0 {
		binary.BigEndian.PutUint16(b[12:], 0x8100)
		binary.BigEndian.PutUint16(b[14:], f.vlan)
		o = 16
	}
	src, dst := &f.cli, &f.srv
	if !fromClient {
		src, dst = dst, src
	}
	if f.v6 {
		binary.BigEndian.PutUint16(b[o:], 0x86dd)
		o += 2
		h := b[o : o+40]
		binary.BigEndian.PutUint32(h[0:], 6<<28|f.label)
		binary.BigEndian.PutUint16(h[4:], uint16(l4len))
		h[6] = proto
		h[7] = f.ttl(fromClient)
		copy(h[8:24], src[:])
		copy(h[24:40], dst[:])
		return o + 40
	}
	binary.BigEndian.PutUint16(b[o:], 0x0800)
	o += 2
	h := b[o : o+20]
	h[0] = 0x45
	h[1] = 0
	binary.BigEndian.PutUint16(h[2:], uint16(20+l4len))
	var id uint16
	if fromClient {
		f.cipid++
		id = f.cipid
	} else {
		f.sipid++
		id = f.sipid
	}
	binary.BigEndian.PutUint16(h[4:], id)
	binary.BigEndian.PutUint16(h[6:], 0x4000) // DF
	h[8] = f.ttl(fromClient)
	h[9] = proto
	h[10], h[11] = 0, 0
	copy(h[12:16], src[:4])
	copy(h[16:20], dst[:4])
	binary.BigEndian.PutUint16(h[10:], Checksum(h))
	return o + 20
}

// l4Checksum computes the TCP, UDP or ICMPv6 checksum of seg (whose
// checksum field must be zero) with f's pseudo-header. ICMPv4 has none.
func (g *gen) l4Checksum(f *flow, fromClient bool, proto uint8, seg []byte) uint16 {
	var acc uint64
	if proto != protoICMP {
		src, dst := &f.cli, &f.srv
		if !fromClient {
			src, dst = dst, src
		}
		if f.v6 {
			acc = sum(acc, src[:])
			acc = sum(acc, dst[:])
		} else {
			acc = sum(acc, src[:4])
			acc = sum(acc, dst[:4])
		}
		acc += uint64(proto) + uint64(len(seg))
	}
	c := fold(sum(acc, seg))
	if c == 0 && proto == protoUDP {
		c = 0xffff // zero means "no checksum" in UDP
	}
	return c
}

// finish pads the frame of n bytes to the Ethernet minimum and returns it.
func (g *gen) finish(n int) []byte {
	for n < minFrame {
		g.buf[n] = 0
		n++
	}
	return g.buf[:n]
}

// fill copies pseudo-random payload bytes into b, from a position that
// depends on key.
func (g *gen) fill(b []byte, key uint64) {
	off := int(key % uint64(len(g.pattern)-maxPayload))
	copy(b, g.pattern[off:])
}

// ipHdrLen is the IP header length of f's packets.
func (f *flow) ipHdrLen() int {
	if f.v6 {
		return 40
	}
	return 20
}

// l2Len is the Ethernet header length of f's packets.
func (f *flow) l2Len() int {
	if f.vlan != 0 {
		return 18
	}
	return 14
}

func (f *flow) ttl(fromClient bool) uint8 {
	if fromClient {
		return 64
	}
	return 52
}
