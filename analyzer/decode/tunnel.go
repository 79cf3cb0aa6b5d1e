package decode

import "encoding/binary"

// Well-known UDP ports on which Zeek decapsulates (its packet-protocols
// scripts register these; Teredo and AYIYA are also found by protocol
// detection on any port).
const (
	portVXLAN   = 4789
	portGeneve  = 6081
	portGTPU    = 2152
	portGTPC    = 2123
	portTeredo  = 3544
	portAYIYA   = 5072
	portGREoUDP = 4754
)

func isTunnelPort(p uint16) bool {
	switch p {
	case portVXLAN, portGeneve, portGTPU, portGTPC, portTeredo, portAYIYA, portGREoUDP:
		return true
	}
	return false
}

// enter checks Zeek's Tunnel::max_depth before decoding a packet carried
// by a tunnel, and counts "exceeded_tunnel_max_depth" when it is reached.
func (d *Decoder) enter(e Encap) bool {
	if d.depth >= d.maxDepth || d.p.N >= MaxLevels {
		d.weird(WeirdExceededTunnelDepth)
		return false
	}
	d.depth++
	d.encap = e
	return true
}

// udpTunnel follows a UDP payload into a tunnel. Zeek forwards by the
// connection's responder port; the decoder does not know the direction,
// so the destination port is tried first, then the source port. Without
// a registered port Zeek's protocol detection for Teredo and AYIYA runs.
func (d *Decoder) udpTunnel(sp, dp uint16, b []byte) {
	port := dp
	if !isTunnelPort(dp) && isTunnelPort(sp) {
		port = sp
	}
	switch port {
	case portVXLAN:
		d.vxlan(b)
	case portGeneve:
		d.geneve(b)
	case portGTPU, portGTPC:
		d.gtp(b)
	case portTeredo:
		d.teredoTunnel(b)
	case portAYIYA:
		d.ayiyaTunnel(b)
	case portGREoUDP:
		d.gre(b, EncapGREoUDP)
	default:
		switch {
		case teredoDetect(b):
			d.teredoTunnel(b)
		case ayiyaDetect(b):
			d.ayiyaTunnel(b)
		}
	}
}

// ipTunnel decodes IP-in-IP (protocols 4 and 41). Zeek hands the inner
// packet to its packet manager as a new raw-IP packet whose wire length
// is its captured length.
func (d *Decoder) ipTunnel(payload []byte) {
	if !d.enter(EncapIPinIP) {
		return
	}
	d.missing = 0
	d.ip(payload)
}

// greHeaderLen is the GRE header length for the flags (the deprecated
// routing field is not counted, as in Zeek).
func greHeaderLen(flags uint16) int {
	n := 4
	if flags&0x8000 != 0 {
		n += 4
	}
	if flags&0x2000 != 0 {
		n += 4
	}
	if flags&0x1000 != 0 {
		n += 4
	}
	if flags&0x0080 != 0 {
		n += 4
	}
	return n
}

// isAruba reports the protocol types Zeek treats as Aruba's wireless GRE
// (the payload is an 802.11 frame).
func isAruba(pt uint16) bool {
	return (pt&0x8200 == 0x8200 && pt&0x0f == 0) ||
		(pt&0x8300 == 0x8300 && pt&0x0f == 0 && pt <= 0x8370) ||
		pt == 0x9000
}

type greLink uint8

const (
	greRaw greLink = iota
	greEther
	greWLAN
)

// gre decodes GRE (and PPTP's enhanced GRE) as Zeek's GRE and IPTunnel
// analyzers do, including ERSPAN types I-III and transparent Ethernet
// bridging; e is EncapGRE, or EncapGREoUDP for GRE over UDP.
func (d *Decoder) gre(b []byte, e Encap) {
	if len(b) < 4 {
		d.weird(WeirdTruncatedGRE)
		return
	}
	flags := binary.BigEndian.Uint16(b[0:2])
	pt := binary.BigEndian.Uint16(b[2:4])
	ver := flags & 0x0007
	gl := greHeaderLen(flags)
	pptp := 0
	link := greRaw
	if ver == 1 {
		pptp = 4
	}
	if ver > 1 {
		d.weird(WeirdUnknownGREVersion)
		return
	}
	erspan := false
	if ver == 0 {
		switch {
		case pt == 0x6558:
			if len(b) <= gl+14 {
				d.weird(WeirdTruncatedGRE)
				return
			}
			link = greEther
		case pt == 0x88be:
			d.erspan.Version = 0
			if flags&0x1000 != 0 {
				d.erspan.Version = 1
			}
			erspan, link = true, greEther
		case pt == 0x22eb:
			d.erspan.Version = 2
			erspan, link = true, greEther
		case isAruba(pt):
			if len(b) <= gl {
				d.weird(WeirdTruncatedGRE)
				return
			}
			link = greWLAN
		}
	} else if pt != 0x880b {
		d.weird(WeirdEGREProtocolType)
		return
	}
	if erspan {
		if len(b) < gl {
			d.weird(WeirdTruncatedGRE)
			return
		}
		if err := d.erspan.DecodeFromBytes(b[gl:], feedback); err != nil {
			d.weird(WeirdTruncatedGRE)
			return
		}
		if e == EncapGRE {
			e = EncapERSPAN // Zeek logs it as a GRE tunnel too
		}
	}
	if flags&0x4000 != 0 {
		d.weird(WeirdGRERouting)
		return
	}
	if flags&0x0078 != 0 {
		d.weird(WeirdUnknownGREFlags)
		return
	}
	hl := gl + pptp
	if erspan {
		hl += len(d.erspan.Contents)
	}
	if len(b) < hl {
		d.weird(WeirdTruncatedGRE)
		return
	}
	inner := b[hl:]
	if ver == 1 {
		pp := binary.BigEndian.Uint16(b[gl+2 : gl+4])
		if pp != 0x0021 && pp != 0x0057 {
			d.weird(WeirdNonIPInEncap)
			return
		}
		if !d.enter(e) {
			return
		}
		// Zeek checks the inner packet before decapsulating PPTP.
		want := uint8(4)
		if pp == 0x0057 {
			want = 6
		}
		switch {
		case len(inner) < 20 || (want == 6 && len(inner) < 40):
			d.weird(WeirdTruncatedInnerIP)
			return
		case inner[0]>>4 != want:
			d.weird(WeirdInvalidInnerIPVersion)
			return
		}
		total := int(binary.BigEndian.Uint16(inner[2:4]))
		if want == 6 {
			total = 40 + int(binary.BigEndian.Uint16(inner[4:6]))
		}
		if len(inner) < total {
			d.weird(WeirdTruncatedInnerIP)
			return
		}
		if len(inner) > total {
			d.weird(WeirdInnerIPLenMismatch)
			return
		}
		d.missing = 0
		d.ip(inner)
		return
	}
	if !d.enter(e) {
		return
	}
	d.missing = 0
	switch link {
	case greEther:
		d.ethernet(inner)
	case greWLAN:
		d.wlan(inner)
	default:
		d.ip(inner)
	}
}

// vxlan decodes VXLAN: an 8-byte header with the I flag, then Ethernet.
func (d *Decoder) vxlan(b []byte) {
	if !d.enter(EncapVXLAN) {
		return
	}
	if len(b) < 8 || b[0]&0x08 == 0 {
		return // Zeek: analyzer violation, nothing decapsulated
	}
	if len(b) == 8 {
		d.weird(WeirdVXLANEmpty)
		return
	}
	d.ethernet(b[8:])
}

// geneve decodes Geneve: version 0, options, then by protocol type.
func (d *Decoder) geneve(b []byte) {
	if !d.enter(EncapGeneve) {
		return
	}
	if len(b) < 8 {
		return
	}
	if b[0]>>6 != 0 {
		d.weird(WeirdGeneveInvalidVersion)
		return
	}
	hl := 8 + int(b[0]&0x3f)*4
	if len(b) < hl {
		return
	}
	if len(b) == hl {
		d.weird(WeirdGeneveEmpty)
		return
	}
	switch binary.BigEndian.Uint16(b[2:4]) {
	case 0x6558:
		d.ethernet(b[hl:])
	case 0x0800, 0x86dd:
		d.ip(b[hl:])
	}
}

// gtp decodes GTPv1: only T-PDUs (message type 0xff) carry user IP.
func (d *Decoder) gtp(b []byte) {
	if err := d.gtp1.DecodeFromBytes(b, feedback); err != nil || d.gtp1.Version != 1 {
		return
	}
	if d.gtp1.MessageType != 0xff {
		return
	}
	inner := d.gtp1.Payload
	if len(inner) < 20 {
		return // Zeek: "Truncated GTPv1" violation
	}
	v := inner[0] >> 4
	if v != 4 && v != 6 {
		return // Zeek: "non-IP packet in GTPv1" violation
	}
	// Zeek's ParsePacket: the inner packet must fill the payload exactly
	// ("Truncated GTPv1" / "GTPv1 payload length" violations otherwise).
	total := int(binary.BigEndian.Uint16(inner[2:4]))
	if v == 6 {
		if len(inner) < 40 {
			return
		}
		total = 40 + int(binary.BigEndian.Uint16(inner[4:6]))
	}
	if len(inner) != total {
		return
	}
	if !d.enter(EncapGTPU) {
		return
	}
	d.ip(inner)
}

// teredoDetect is Zeek's Teredo protocol detection for UDP on other ports.
func teredoDetect(b []byte) bool {
	n := len(b)
	if n < 40 || (n > 8 && b[0]>>4 != 6 && (b[0] != 0 || (b[1] != 0 && b[1] != 1))) {
		return false
	}
	if n == 40 && b[0]>>4 == 6 &&
		(binary.BigEndian.Uint32(b[8:12]) == 0x20010000 || binary.BigEndian.Uint32(b[24:28]) == 0x20010000) {
		return true
	}
	val := uint16(b[1])
	if val == 1 {
		id, au := int(b[2]), int(b[3])
		if n < 13+id+au {
			return false
		}
		b = b[13+id+au:]
		n = len(b)
		if n < 40 {
			return false
		}
		val = binary.BigEndian.Uint16(b)
	}
	if val == 0 {
		if n < 8 {
			return false
		}
		b = b[8:]
		if len(b) < 40 {
			return false
		}
		return b[0]>>4 == 6
	}
	return false
}

// ayiyaDetect is Zeek's AYIYA protocol detection.
func ayiyaDetect(b []byte) bool { return len(b) >= 3 && b[1] == 0x52 && b[2] == 0x11 }

// teredoTunnel decodes a Teredo packet: an IPv6 packet whose length must
// match, except that a bubble (no next header, empty payload) may carry
// trailing bytes.
func (d *Decoder) teredoTunnel(b []byte) {
	if d.depth >= d.maxDepth {
		d.weird(WeirdExceededTunnelDepth)
		return
	}
	if err := d.teredo.DecodeFromBytes(b, feedback); err != nil {
		switch err {
		case errTeredo, errTeredoOrigin, errTeredoAuth, errTeredoIPv6:
			d.weird(err.Error())
		}
		return
	}
	inner := d.teredo.Payload
	if inner[0]>>4 != 6 {
		return
	}
	total := 40 + int(binary.BigEndian.Uint16(inner[4:6]))
	switch {
	case len(inner) < total:
		return
	case len(inner) > total:
		if inner[6] != protoNoNext || total != 40 {
			return
		}
		d.weird(WeirdTeredoBubblePayload)
	}
	if !d.enter(EncapTeredo) {
		return
	}
	d.ip(inner)
}

// ayiyaTunnel decodes an AYIYA "forward" message carrying IPv4 or IPv6.
func (d *Decoder) ayiyaTunnel(b []byte) {
	if d.depth >= d.maxDepth {
		d.weird(WeirdExceededTunnelDepth)
		return
	}
	if err := d.ayiya.DecodeFromBytes(b, feedback); err != nil || d.ayiya.OpCode != 1 {
		return
	}
	if len(d.ayiya.Payload) == 0 {
		d.weird(WeirdAYIYAEmpty)
		return
	}
	switch d.ayiya.NextHeader {
	case protoIPIP, protoIPv6:
		if d.enter(EncapAYIYA) {
			d.ip(d.ayiya.Payload)
		}
	}
}
