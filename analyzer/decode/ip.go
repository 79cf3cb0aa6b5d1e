package decode

import (
	"encoding/binary"
	"net/netip"
)

// IP protocol numbers the decoder dispatches on.
const (
	protoHopOpts  = 0
	protoICMP     = 1
	protoIPIP     = 4
	protoTCP      = 6
	protoUDP      = 17
	protoIPv6     = 41
	protoRouting  = 43
	protoFragment = 44
	protoGRE      = 47
	protoESP      = 50
	protoAH       = 51
	protoICMPv6   = 58
	protoNoNext   = 59
	protoDstOpts  = 60
	protoMobility = 135
)

// ipHdr is what the IP header (and IPv6 extension chain) says.
type ipHdr struct {
	v        uint8
	hl       int // IPv4 IHL*4, or IPv6 fixed header + extension chain
	total    int // IPv4 total length, or 40 + IPv6 payload length
	next     uint8
	ttl      uint8
	frag     bool // a fragment (IPv6: a Fragment header is in the chain)
	fragOff  int
	src, dst netip.Addr
}

// parse reads the header at b. It checks only what it needs to read
// safely; the Zeek checks are done by ip.
func (d *Decoder) parseIP(b []byte, h *ipHdr) {
	h.v = b[0] >> 4
	h.frag = false
	h.fragOff = 0
	if h.v == 4 {
		h.hl = int(b[0]&0x0f) * 4
		h.total = int(binary.BigEndian.Uint16(b[2:4]))
		h.ttl = b[8]
		h.next = b[9]
		ff := binary.BigEndian.Uint16(b[6:8])
		h.frag = ff&0x3fff != 0
		h.fragOff = int(ff&0x1fff) * 8
		h.src = netip.AddrFrom4([4]byte(b[12:16]))
		h.dst = netip.AddrFrom4([4]byte(b[16:20]))
		return
	}
	h.total = 40 + int(binary.BigEndian.Uint16(b[4:6]))
	h.ttl = b[7]
	h.src = netip.AddrFrom16([16]byte(b[8:24]))
	h.dst = netip.AddrFrom16([16]byte(b[24:40]))
	d.parseIPv6Chain(b, h)
}

// parseIPv6Chain walks the extension headers like Zeek's IPv6_Hdr_Chain:
// it stops after a Fragment, ESP or Mobility header, at the first
// non-extension header, and before a header that does not fit in b (that
// header's type then becomes the "transport" protocol). Routing type 0/2
// headers with segments left and the Home Address destination option
// change the addresses the connection is keyed on, as in Zeek.
func (d *Decoder) parseIPv6Chain(b []byte, h *ipHdr) {
	cur := uint8(41) // the fixed header
	next := b[6]
	pos, n := 0, 40
	h.hl = 40
	for range 16 {
		pos += n
		h.hl = pos
		if !isIPv6Ext(next) || cur == protoFragment || cur == protoESP || cur == protoMobility {
			break
		}
		if len(b)-pos < 2 {
			break
		}
		cur = next
		switch cur {
		case protoFragment, protoESP:
			n = 8
		case protoAH:
			n = (int(b[pos+1]) + 2) * 4
		default:
			n = (int(b[pos+1]) + 1) * 8
		}
		if n > len(b)-pos {
			break
		}
		nh := b[pos]
		switch cur {
		case protoFragment:
			h.frag = true
			h.fragOff = int(binary.BigEndian.Uint16(b[pos+2:pos+4]) & 0xfff8)
		case protoRouting:
			d.routing(b[pos:pos+n], h)
		case protoDstOpts:
			homeAddress(b[pos+2:pos+n], h)
		}
		if cur == protoESP || cur == protoMobility {
			// The last header: its type is what Zeek reports.
			h.hl = pos + n
			h.next = cur
			return
		}
		next = nh
	}
	h.next = next
}

func isIPv6Ext(t uint8) bool {
	switch t {
	case protoHopOpts, protoRouting, protoDstOpts, protoFragment, protoAH, protoESP, protoMobility:
		return true
	}
	return false
}

// routing applies a routing header: type 0 (deprecated, always weird) and
// type 2 (Mobile IPv6) with segments left name the final destination.
func (d *Decoder) routing(r []byte, h *ipHdr) {
	if len(r) < 8 {
		return
	}
	hlen, typ, left := int(r[1]), r[2], r[3]
	switch typ {
	case 0:
		if left > 0 && hlen >= 2 {
			if hlen%2 == 0 {
				last := 8 + (hlen/2-1)*16
				if last+16 <= len(r) {
					h.dst = netip.AddrFrom16([16]byte(r[last : last+16]))
				}
			} else {
				d.weird(WeirdOddRouting0Len)
			}
		}
		d.weird(WeirdRouting0Hdr)
	case 2:
		if left > 0 {
			if hlen == 2 && len(r) >= 24 {
				h.dst = netip.AddrFrom16([16]byte(r[8:24]))
			} else {
				d.weird(WeirdBadRouting2Len)
			}
		}
	default:
		d.weird(WeirdUnknownRoutingType)
	}
}

// homeAddress looks for the Home Address destination option (type 201),
// which replaces the source address (Mobile IPv6).
func homeAddress(opts []byte, h *ipHdr) {
	for range 64 {
		if len(opts) == 0 {
			return
		}
		if opts[0] == 0 { // Pad1
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || 2+int(opts[1]) > len(opts) {
			return
		}
		if opts[0] == 201 && opts[1] == 16 {
			h.src = netip.AddrFrom16([16]byte(opts[2:18]))
			return
		}
		opts = opts[2+int(opts[1]):]
	}
}

// ip decodes the IP packet at b as a new level reached through encap, with
// Zeek's IP analyzer checks in Zeek's order.
func (d *Decoder) ip(b []byte) {
	p := d.p
	encap := d.encap
	if p.N >= MaxLevels {
		d.weird(WeirdExceededTunnelDepth)
		return
	}
	if len(b) < 20 {
		d.weird(WeirdTruncatedIP)
		return
	}
	var h ipHdr
	switch b[0] >> 4 {
	case 4:
	case 6:
		if len(b) < 40 {
			d.weird(WeirdTruncatedIP)
			return
		}
	default:
		d.weird(WeirdUnknownIPVersion)
		return
	}
	d.parseIP(b, &h)
	if h.total == 0 {
		// TCP segmentation offload zeroes the length field.
		d.weird(WeirdIPHdrLenZero)
		if !d.opts.IgnoreChecksums {
			return
		}
		h.total = len(b)
	}
	if len(b)+d.missing < h.total {
		d.weird(WeirdTruncatedIPLen)
		return
	}
	if h.hl > h.total {
		d.weird(WeirdInvalidIPHeaderSize)
		return
	}
	if h.hl > len(b) {
		d.weird(WeirdInternallyTruncatedHdr)
		return
	}
	if h.v == 4 && h.hl < 20 {
		d.weird(WeirdIPv4MinHeaderSize)
		return
	}
	idx := p.N
	lv := &p.Levels[idx]
	*lv = Level{Encap: encap}
	if idx == 0 {
		lv.VLAN, lv.InnerVLAN = d.vlan, d.innerVLAN
	} else {
		d.stats.Tunnelled++
	}
	setLevel(lv, &h)
	p.N++
	if h.v == 4 && !d.opts.IgnoreChecksums && checksum(0, b[:h.hl]) != 0xffff {
		lv.BadIPChecksum = true
		d.stats.BadIPChecksum++
		d.weird(WeirdBadIPChecksum)
		return
	}
	if h.frag {
		if len(b) < h.total {
			d.weird(WeirdIncompleteFragment)
			if h.fragOff != 0 {
				p.N--
				return
			}
			// The first fragment is still useful for its headers.
		} else {
			d.stats.Fragments++
			dg, done := d.frag.Add(d.ts, b[:h.total])
			if fw := d.frag.Weird(); fw != "" {
				d.weird(fw)
			}
			if !done {
				p.N--
				d.held = true
				return
			}
			d.reasm[idx] = append(d.reasm[idx][:0], dg...)
			b = d.reasm[idx]
			d.missing = 0
			d.parseIP(b, &h)
			setLevel(lv, &h)
			lv.Reassembled = true
			d.stats.Reassembled++
			if h.hl > h.total || h.hl > len(b) {
				d.weird(WeirdInvalidIPHeaderSize)
				p.N--
				return
			}
		}
	}
	if h.next == protoESP || h.next == protoMobility {
		// Encrypted, or a Mobility message: nothing more to decode.
		// (Zeek verifies the Mobility header checksum; not done here.)
		return
	}
	end := min(len(b), h.total)
	payload := b[h.hl:end]
	plen := h.total - h.hl
	switch h.next {
	case protoNoNext:
		if encap != EncapTeredo {
			d.weird(WeirdIPv6NoNext)
		}
	case protoIPIP, protoIPv6:
		d.ipTunnel(payload)
	case protoGRE:
		d.gre(payload, EncapGRE)
	case protoTCP:
		d.tcp(lv, &h, payload, plen)
	case protoUDP:
		d.udp(lv, &h, payload, plen)
	case protoICMP, protoICMPv6:
		d.icmp(lv, &h, payload, plen)
	}
}

func setLevel(lv *Level, h *ipHdr) {
	lv.IPVersion, lv.Src, lv.Dst, lv.TTL, lv.IPLen, lv.Proto = h.v, h.src, h.dst, h.ttl, h.total, h.next
}
