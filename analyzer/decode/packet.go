package decode

import "net/netip"

// MaxLevels bounds the number of IP levels one frame may carry: the outer
// packet plus nested tunnels. Zeek's Tunnel::max_depth is 2 by default;
// deeper encapsulations are counted as weird and not followed.
const MaxLevels = 4

// Encap says how an IP level was reached from the level before it.
type Encap uint8

const (
	EncapNone    Encap = iota // the outermost IP level
	EncapIPinIP               // IPv4/IPv6 in IPv4/IPv6 (protocols 4 and 41, 6in4, 4in6)
	EncapGRE                  // GRE (protocol 47), including PPTP's enhanced GRE
	EncapERSPAN               // ERSPAN type I, II or III inside GRE
	EncapVXLAN                // VXLAN over UDP (4789)
	EncapGeneve               // Geneve over UDP (6081)
	EncapGTPU                 // GTPv1-U over UDP (2152)
	EncapTeredo               // Teredo over UDP (3544)
	EncapAYIYA                // AYIYA over UDP (5072)
	EncapGREoUDP              // GRE over UDP (4754, RFC 8086)
)

var encapNames = [...]string{"NONE", "IP", "GRE", "GRE", "VXLAN", "GENEVE", "GTPv1", "TEREDO", "AYIYA", "GRE"}

// String returns Zeek's Tunnel::Type name for e (as tunnel.log writes it,
// without the "Tunnel::" prefix).
func (e Encap) String() string {
	if int(e) < len(encapNames) {
		return encapNames[e]
	}
	return "UNKNOWN"
}

// UDPBased reports whether the encapsulation rides on a UDP connection that
// Zeek logs in conn.log (the outer UDP flow is the tunnel's parent).
func (e Encap) UDPBased() bool {
	switch e {
	case EncapVXLAN, EncapGeneve, EncapGTPU, EncapTeredo, EncapAYIYA, EncapGREoUDP:
		return true
	}
	return false
}

// TCP flag bits as they appear in the TCP header's flags byte.
const (
	TCPFin = 0x01
	TCPSyn = 0x02
	TCPRst = 0x04
	TCPPsh = 0x08
	TCPAck = 0x10
	TCPUrg = 0x20
	TCPEce = 0x40
	TCPCwr = 0x80
)

// Level is one IP packet inside a frame: the outermost one, or one carried
// by a tunnel. All slices alias the frame (or the fragment reassembly
// buffer) and are valid only until the next call to Decoder.Decode.
type Level struct {
	Encap Encap // how this level is carried by the previous one

	IPVersion uint8      // 4 or 6
	Src, Dst  netip.Addr // network-layer addresses
	Proto     uint8      // transport protocol after IPv6 extension headers
	TTL       uint8      // IPv4 TTL or IPv6 hop limit
	// IPLen is the length of the IP packet as its header states it
	// (IPv4 total length; IPv6 40 + payload length), after reassembly
	// for fragmented datagrams. Zeek adds it to orig_ip_bytes/resp_ip_bytes.
	IPLen int
	// Reassembled is set when this datagram was put together from fragments.
	Reassembled bool

	// Transport. Ports are zero for protocols without them.
	SrcPort, DstPort uint16

	// ICMP and ICMPv6 (Proto 1 or 58).
	ICMPType, ICMPCode uint8

	// TCP (Proto 6).
	TCPFlags  uint8
	Seq, Ack  uint32
	Window    uint16
	TCPHdrLen int // data offset in bytes

	// Payload is the captured transport payload (after the TCP/UDP/ICMP
	// header). PayloadLen is its length as the headers state it; it is
	// larger than len(Payload) when the capture was truncated (snaplen).
	Payload    []byte
	PayloadLen int

	// BadChecksum is set when the transport checksum was verified and is
	// wrong. It is never set when the decoder ignores checksums (-C), nor
	// for checksums that cannot be verified on a truncated capture.
	BadChecksum bool
	// BadIPChecksum is set when an IPv4 header checksum was verified and
	// is wrong (never with -C).
	BadIPChecksum bool
	// Malformed is set when the transport header was found but is
	// unusable (Zeek's conn-level weirds "bad_TCP_header_len" and a TCP
	// "truncated_header"): Zeek creates the connection, then ignores the
	// packet. Ports are valid; the other transport fields may not be.
	Malformed bool
	// TransportTruncated is set when the transport header does not fit in
	// the IP payload (Zeek's flow weirds "truncated_header" and
	// "internally_truncated_header" from CheckHeaderTrunc): Zeek makes no
	// connection for the packet. Proto is set; transport fields are zero.
	TransportTruncated bool

	// VLAN and InnerVLAN are the outermost two 802.1Q tags of the frame
	// (0 when absent); set on the outermost level only.
	VLAN, InnerVLAN uint16
}

// Packet is one decoded frame.
type Packet struct {
	TS      int64 // capture time, nanoseconds since the Unix epoch
	WireLen int   // original length on the wire
	CapLen  int   // captured length

	// Levels holds the IP levels, outermost first; only Levels[:N] are
	// valid. N is 0 for frames without IP (ARP, LLDP, …) and for frames
	// that are held by fragment reassembly until the datagram completes.
	Levels [MaxLevels]Level
	N      int

	// Weird is the Zeek weird name for the first thing found wrong while
	// decoding (e.g. "truncated_IP", "bad_IP_checksum"), or "". It is a
	// constant string: setting it never allocates.
	Weird string
}
