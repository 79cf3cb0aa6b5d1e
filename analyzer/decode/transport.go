package decode

import "encoding/binary"

// checksum adds b to the running ones'-complement sum initial and returns
// the folded 16-bit sum (not inverted): a packet whose checksum field is
// right sums to 0xffff.
func checksum(initial uint32, b []byte) uint16 {
	s := uint64(initial)
	for len(b) >= 8 {
		v := binary.BigEndian.Uint64(b)
		s += v>>32 + v&0xffffffff
		b = b[8:]
	}
	if len(b) >= 4 {
		s += uint64(binary.BigEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

// pseudo returns the sum of the transport pseudo-header. The addresses are
// the ones the connection is keyed on (after IPv6 routing/home-address
// processing), as in Zeek's ip_in_cksum.
func pseudo(h *ipHdr, proto uint8, n int) uint32 {
	var s uint32
	if h.v == 4 {
		a, b := h.src.As4(), h.dst.As4()
		s = uint32(checksum(0, a[:])) + uint32(checksum(0, b[:]))
	} else {
		a, b := h.src.As16(), h.dst.As16()
		s = uint32(checksum(0, a[:])) + uint32(checksum(0, b[:]))
		s += uint32(n >> 16)
	}
	return s + uint32(proto) + uint32(n&0xffff)
}

// transportHeader applies Zeek's CheckHeaderTrunc: the header must fit in
// the length the IP header states and in what was captured.
func (d *Decoder) transportHeader(lv *Level, min int, pl []byte, plen int) bool {
	if plen < min {
		lv.TransportTruncated = true
		d.weird(WeirdTruncatedHeader)
		return false
	}
	if len(pl) < min {
		lv.TransportTruncated = true
		d.weird(WeirdInternallyTruncatedHdr)
		return false
	}
	return true
}

// tcp fills lv from the TCP header in pl (captured) of stated length plen.
//
// gopacket's TCP layer is not used: it rejects the whole segment on a
// malformed option (Zeek keeps it) and builds error values per bad packet.
func (d *Decoder) tcp(lv *Level, h *ipHdr, pl []byte, plen int) {
	if !d.transportHeader(lv, 20, pl, plen) {
		return
	}
	lv.SrcPort = binary.BigEndian.Uint16(pl[0:2])
	lv.DstPort = binary.BigEndian.Uint16(pl[2:4])
	lv.Seq = binary.BigEndian.Uint32(pl[4:8])
	lv.Ack = binary.BigEndian.Uint32(pl[8:12])
	lv.TCPFlags = pl[13]
	lv.Window = binary.BigEndian.Uint16(pl[14:16])
	off := int(pl[12]>>4) * 4
	lv.TCPHdrLen = off
	if off < 20 {
		lv.Malformed = true
		d.weird(WeirdBadTCPHeaderLen)
		return
	}
	if off > plen || off > len(pl) {
		lv.Malformed = true
		d.weird(WeirdTruncatedHeader)
		return
	}
	if !d.opts.IgnoreChecksums && len(pl) >= plen && checksum(pseudo(h, protoTCP, plen), pl[:plen]) != 0xffff {
		lv.BadChecksum = true
		d.stats.BadChecksum++
	}
	lv.Payload = pl[off:min(len(pl), plen)]
	lv.PayloadLen = plen - off
}

// udp fills lv from the UDP header and follows UDP tunnels.
func (d *Decoder) udp(lv *Level, h *ipHdr, pl []byte, plen int) {
	if !d.transportHeader(lv, 8, pl, plen) {
		return
	}
	sp := binary.BigEndian.Uint16(pl[0:2])
	dp := binary.BigEndian.Uint16(pl[2:4])
	lv.SrcPort, lv.DstPort = sp, dp
	ulen := int(binary.BigEndian.Uint16(pl[4:6]))
	sum := binary.BigEndian.Uint16(pl[6:8])
	validate := !d.opts.IgnoreChecksums && len(pl) >= plen && d.missing == 0
	if validate && plen > 8+8+14 && len(pl) > 8 && pl[8]&0x08 != 0 && dp == portVXLAN && sum == 0 {
		// VXLAN on its port: a zero checksum is what senders transmit.
		validate = false
	}
	if validate && (h.v == 6 || sum != 0) && checksum(pseudo(h, protoUDP, plen), pl[:plen]) != 0xffff {
		lv.BadChecksum = true
		d.stats.BadChecksum++
		return // Zeek stops here: no tunnel decapsulation
	}
	if ulen != plen {
		d.weird(WeirdUDPLengthMismatch)
	}
	payload := pl[8:min(len(pl), plen)]
	lv.Payload = payload
	lv.PayloadLen = max(ulen-8, 0)
	d.udpTunnel(sp, dp, payload)
}

// icmp fills lv from an ICMP or ICMPv6 header.
func (d *Decoder) icmp(lv *Level, h *ipHdr, pl []byte, plen int) {
	if !d.transportHeader(lv, 8, pl, plen) {
		return
	}
	if h.next == protoICMP {
		// Length checked above: gopacket's ICMPv4 cannot fail.
		_ = d.icmp4.DecodeFromBytes(pl, feedback)
		lv.ICMPType, lv.ICMPCode = d.icmp4.TypeCode.Type(), d.icmp4.TypeCode.Code()
	} else {
		_ = d.icmp6.DecodeFromBytes(pl, feedback)
		lv.ICMPType, lv.ICMPCode = d.icmp6.TypeCode.Type(), d.icmp6.TypeCode.Code()
	}
	if !d.opts.IgnoreChecksums && len(pl) >= plen {
		var init uint32
		if h.next == protoICMPv6 {
			init = pseudo(h, protoICMPv6, plen)
		}
		if checksum(init, pl[:plen]) != 0xffff {
			lv.BadChecksum = true
			d.stats.BadChecksum++
		}
	}
	lv.Payload = pl[8:min(len(pl), plen)]
	lv.PayloadLen = plen - 8
}
