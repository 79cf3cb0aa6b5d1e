package decode

import (
	"encoding/binary"

	"github.com/google/gopacket"
)

// LinkType is a pcap LINKTYPE_* number.
type LinkType uint16

// The link types Decode understands.
const (
	LinkNull       LinkType = 0   // BSD loopback: 4-byte address family, host order
	LinkEthernet   LinkType = 1   // Ethernet II / 802.3
	LinkPPP        LinkType = 9   // PPP, with or without HDLC-like framing
	LinkPPPSerial  LinkType = 50  // PPP in HDLC-like framing (Cisco/PPP serial)
	LinkFDDI       LinkType = 10  // FDDI
	LinkRawOpenBSD LinkType = 12  // DLT_RAW as numbered on OpenBSD (and some others)
	LinkRawBSD     LinkType = 14  // DLT_RAW as numbered on BSD/OS
	LinkRaw        LinkType = 101 // raw IPv4 or IPv6
	LinkIEEE80211  LinkType = 105 // 802.11 without radio header
	LinkLinuxSLL   LinkType = 113 // Linux cooked capture v1
	LinkLoop       LinkType = 108 // OpenBSD loopback: address family in network order
	LinkRadiotap   LinkType = 127 // radiotap + 802.11
	LinkIPv4       LinkType = 228 // raw IPv4
	LinkIPv6       LinkType = 229 // raw IPv6
	LinkNFLOG      LinkType = 239 // Linux NFLOG
	LinkLinuxSLL2  LinkType = 276 // Linux cooked capture v2
)

// feedback is the gopacket.DecodeFeedback given to gopacket layers; it
// ignores truncation notices (the decoder checks lengths itself).
var feedback = gopacket.NilDecodeFeedback

func (d *Decoder) link(lt LinkType, b []byte) {
	switch lt {
	case LinkEthernet:
		d.ethernet(b)
	case LinkRaw, LinkRawOpenBSD, LinkRawBSD, LinkIPv4, LinkIPv6:
		d.ip(b)
	case LinkNull, LinkLoop:
		d.null(b)
	case LinkPPP:
		d.ppp(b)
	case LinkPPPSerial:
		d.pppSerial(b)
	case LinkFDDI:
		d.fddi(b)
	case LinkIEEE80211:
		d.wlan(b)
	case LinkRadiotap:
		d.radiotap(b)
	case LinkLinuxSLL:
		if err := d.sll.DecodeFromBytes(b, feedback); err != nil {
			d.weird(WeirdTruncatedSLL)
			return
		}
		d.ethertype(d.sll.Protocol, d.sll.Payload)
	case LinkLinuxSLL2:
		if err := d.sll2.DecodeFromBytes(b, feedback); err != nil {
			d.weird(WeirdTruncatedSLL2)
			return
		}
		d.ethertype(d.sll2.Protocol, d.sll2.Payload)
	case LinkNFLOG:
		d.nflogFrame(b)
	default:
		d.weird(WeirdUnknownLinkType)
	}
}

// ethernet decodes an Ethernet frame (Zeek's ETHERNET analyzer), skipping
// a Cisco FabricPath header first.
func (d *Decoder) ethernet(b []byte) {
	if len(b) <= 16 {
		d.weird(WeirdTruncatedEthernet)
		return
	}
	if b[12] == 0x89 && b[13] == 0x03 {
		if err := d.fp.DecodeFromBytes(b, feedback); err != nil {
			d.weird(WeirdTruncatedCFP)
			return
		}
		b = d.fp.Payload
	}
	// Length checked above: gopacket's Ethernet cannot fail here.
	_ = d.eth.DecodeFromBytes(b, feedback)
	et := binary.BigEndian.Uint16(b[12:14])
	if et >= 1536 {
		d.ethertype(et, b[14:])
		return
	}
	if et > 1500 {
		d.weird(WeirdUndefinedEtherType)
		return
	}
	rest := b[14:]
	if len(rest)+d.missing < int(et) {
		d.weird(WeirdTruncatedEthernet)
		return
	}
	d.llcFrame(rest)
}

// llcFrame handles an 802.2 LLC payload: only SNAP with a zero OUI carries
// an EtherType that can lead to IP.
func (d *Decoder) llcFrame(b []byte) {
	if len(b) < 2 || b[0] != 0xaa || b[1] != 0xaa {
		return // Novell raw 802.3 or plain LLC: never IP for Zeek
	}
	if err := d.llc.DecodeFromBytes(b, feedback); err != nil || len(d.llc.Payload) < 5 {
		d.weird(WeirdTruncatedSNAP)
		return
	}
	_ = d.snap.DecodeFromBytes(d.llc.Payload, feedback)
	d.ethertype(uint16(d.snap.Type), d.snap.Payload)
}

// ethertype forwards b by EtherType, as Zeek's Ethernet/VLAN/SLL
// dispatchers do. VLAN tags and MPLS stacks are walked in bounded loops.
func (d *Decoder) ethertype(et uint16, b []byte) {
	for range 16 { // bound on nested tags
		switch et {
		case 0x0800, 0x86dd:
			d.ip(b)
			return
		case 0x8100, 0x88a8, 0x9100:
			if len(b) <= 4 {
				d.weird(WeirdTruncatedVLAN)
				return
			}
			_ = d.dot1q.DecodeFromBytes(b, feedback)
			if d.depth == 0 {
				if d.vlan == 0 {
					d.vlan = d.dot1q.VLANIdentifier
				} else {
					d.innerVLAN = d.dot1q.VLANIdentifier
				}
			}
			et = uint16(d.dot1q.Type)
			b = b[4:]
		case 0x8847:
			d.mpls(b)
			return
		case 0x8864:
			// PPPoE session: 6-byte PPPoE header, 2-byte PPP protocol.
			// gopacket's PPPoE slices by its length field unchecked and
			// panics on short frames, so it is parsed here.
			if len(b) <= 8 {
				d.weird(WeirdTruncatedPPPoE)
				return
			}
			d.pppProto(binary.BigEndian.Uint16(b[6:8]), b[8:])
			return
		case 0x8926:
			if err := d.vntag.DecodeFromBytes(b, feedback); err != nil {
				d.weird(WeirdTruncatedVNTag)
				return
			}
			et, b = d.vntag.Type, d.vntag.Payload
		case 0x88e7:
			// 802.1ah PBB: 4-byte I-TAG, then a customer Ethernet frame.
			if len(b) <= 18 {
				d.weird(WeirdTruncatedPBB)
				return
			}
			d.ethernet(b[4:])
			return
		default:
			return // ARP, LLDP, …: not IP
		}
	}
}

// mpls skips a label stack and hands what follows to IP by its version
// nibble (RFC 3032 does not say what the payload is; Zeek assumes IP).
func (d *Decoder) mpls(b []byte) {
	for range 64 {
		if len(b) < 4 {
			d.weird(WeirdTruncatedLinkHeader)
			return
		}
		bottom := b[2]&0x01 != 0
		b = b[4:]
		if bottom {
			break
		}
	}
	if len(b) < 20 {
		d.weird(WeirdNoIPInMPLS)
		return
	}
	if v := b[0] >> 4; v != 4 && v != 6 {
		d.weird(WeirdNoIPInMPLS)
		return
	}
	d.ip(b)
}

// pppProto forwards by PPP protocol number.
func (d *Decoder) pppProto(proto uint16, b []byte) {
	switch proto {
	case 0x0021, 0x0057:
		d.ip(b)
	case 0x0281:
		d.mpls(b)
	}
}

// ppp decodes LINKTYPE_PPP: HDLC-like framing when the frame starts
// with 0xff 0x03, else the PPP protocol field first.
func (d *Decoder) ppp(b []byte) {
	if len(b) <= 2 {
		d.weird(WeirdTruncatedPPP)
		return
	}
	if b[0] == 0xff && b[1] == 0x03 {
		if len(b) <= 4 {
			d.weird(WeirdTruncatedPPPHDLC)
			return
		}
		d.pppProto(binary.BigEndian.Uint16(b[2:4]), b[4:])
		return
	}
	d.pppProto(binary.BigEndian.Uint16(b[0:2]), b[2:])
}

// pppSerial decodes PPP in HDLC-like framing: address, control, protocol.
func (d *Decoder) pppSerial(b []byte) {
	if len(b) < 4 {
		d.weird(WeirdTruncatedPPPSerial)
		return
	}
	d.pppProto(binary.BigEndian.Uint16(b[2:4]), b[4:])
}

// null decodes BSD loopback: a 4-byte address family in either byte
// order (2 is IPv4; 24, 28 and 30 are IPv6 on the various BSDs).
func (d *Decoder) null(b []byte) {
	if len(b) < 4 {
		d.weird(WeirdTruncatedNull)
		return
	}
	fam := binary.LittleEndian.Uint32(b)
	if b[0] == 0 && b[1] == 0 {
		fam = binary.BigEndian.Uint32(b)
	}
	if fam > 0xff {
		return
	}
	// Checked above: gopacket's Loopback accepts it.
	_ = d.loop.DecodeFromBytes(b, feedback)
	switch fam {
	case 2, 24, 28, 30:
		d.ip(b[4:])
	}
}

// fddi decodes an FDDI frame: 13-byte MAC header and an 8-byte LLC/SNAP
// header whose last two bytes are the EtherType.
func (d *Decoder) fddi(b []byte) {
	const hl = 13 + 8
	if len(b) <= hl {
		d.weird(WeirdTruncatedFDDI)
		return
	}
	d.ethertype(binary.BigEndian.Uint16(b[hl-2:hl]), b[hl:])
}

// nflogFrame decodes a Linux NFLOG record: the payload TLV carries the IP
// packet, the family byte says which version.
func (d *Decoder) nflogFrame(b []byte) {
	if err := d.nflog.DecodeFromBytes(b, feedback); err != nil {
		switch err {
		case errNFLOGVersion:
			d.weird(WeirdUnknownNFLOGVersion)
		case errNFLOGBadTLV:
			d.weird(WeirdNFLOGBadTLVLen)
		case errNFLOGNoPayload:
			d.weird(WeirdNFLOGNoPayload)
		default:
			d.weird(WeirdTruncatedNFLOG)
		}
		return
	}
	switch d.nflog.Family {
	case 2, 10:
		d.ip(d.nflog.Payload)
	}
}
