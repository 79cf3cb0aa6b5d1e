package decode

import (
	"encoding/binary"
	"errors"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Layers gopacket lacks (or gets wrong for Zeek's cases), written as
// gopacket.DecodingLayers so they can also be used with a
// gopacket.DecodingLayerParser. The Decoder calls DecodeFromBytes on the
// concrete types. Errors are package-level values: decoding bad input
// never allocates.

var (
	errTruncated      = errors.New("truncated header")
	errNFLOGVersion   = errors.New("unknown NFLOG version")
	errNFLOGBadTLV    = errors.New("bad NFLOG TLV length")
	errNFLOGNoPayload = errors.New("NFLOG record without payload TLV")
)

// Layer type numbers for xsensor's own layers (outside gopacket's range).
var (
	LayerTypeSLL        = gopacket.RegisterLayerType(2700, gopacket.LayerTypeMetadata{Name: "LinuxSLL (xsensor)"})
	LayerTypeSLL2       = gopacket.RegisterLayerType(2701, gopacket.LayerTypeMetadata{Name: "LinuxSLL2"})
	LayerTypeNFLOG      = gopacket.RegisterLayerType(2702, gopacket.LayerTypeMetadata{Name: "NFLOG"})
	LayerTypeFabricPath = gopacket.RegisterLayerType(2703, gopacket.LayerTypeMetadata{Name: "FabricPath"})
	LayerTypeVNTag      = gopacket.RegisterLayerType(2704, gopacket.LayerTypeMetadata{Name: "VNTag"})
	LayerTypeERSPAN     = gopacket.RegisterLayerType(2705, gopacket.LayerTypeMetadata{Name: "ERSPAN"})
	LayerTypeTeredo     = gopacket.RegisterLayerType(2706, gopacket.LayerTypeMetadata{Name: "Teredo"})
	LayerTypeAYIYA      = gopacket.RegisterLayerType(2707, gopacket.LayerTypeMetadata{Name: "AYIYA"})
	LayerTypeGTPv1U     = gopacket.RegisterLayerType(2708, gopacket.LayerTypeMetadata{Name: "GTPv1-U (xsensor)"})
)

var (
	_ gopacket.DecodingLayer = (*SLL)(nil)
	_ gopacket.DecodingLayer = (*SLL2)(nil)
	_ gopacket.DecodingLayer = (*NFLOG)(nil)
	_ gopacket.DecodingLayer = (*FabricPath)(nil)
	_ gopacket.DecodingLayer = (*VNTag)(nil)
	_ gopacket.DecodingLayer = (*ERSPAN)(nil)
	_ gopacket.DecodingLayer = (*Teredo)(nil)
	_ gopacket.DecodingLayer = (*AYIYA)(nil)
	_ gopacket.DecodingLayer = (*GTPv1U)(nil)
)

func etherLayer(t uint16) gopacket.LayerType { return layers.EthernetType(t).LayerType() }

// SLL is a Linux cooked capture (v1) header. gopacket's LinuxSLL slices
// the address by its length field unchecked and panics on bad input.
type SLL struct {
	layers.BaseLayer
	PacketType, ARPHRD uint16
	Protocol           uint16
}

func (s *SLL) LayerType() gopacket.LayerType     { return LayerTypeSLL }
func (s *SLL) CanDecode() gopacket.LayerClass    { return LayerTypeSLL }
func (s *SLL) NextLayerType() gopacket.LayerType { return etherLayer(s.Protocol) }

// DecodeFromBytes decodes the 16-byte header.
func (s *SLL) DecodeFromBytes(b []byte, _ gopacket.DecodeFeedback) error {
	if len(b) < 16 {
		return errTruncated
	}
	s.PacketType = binary.BigEndian.Uint16(b[0:2])
	s.ARPHRD = binary.BigEndian.Uint16(b[2:4])
	s.Protocol = binary.BigEndian.Uint16(b[14:16])
	s.Contents, s.Payload = b[:16], b[16:]
	return nil
}

// SLL2 is a Linux cooked capture v2 header (LINKTYPE_LINUX_SLL2).
type SLL2 struct {
	layers.BaseLayer
	Protocol   uint16
	IfIndex    uint32
	ARPHRD     uint16
	PacketType uint8
	AddrLen    uint8
}

func (s *SLL2) LayerType() gopacket.LayerType     { return LayerTypeSLL2 }
func (s *SLL2) CanDecode() gopacket.LayerClass    { return LayerTypeSLL2 }
func (s *SLL2) NextLayerType() gopacket.LayerType { return etherLayer(s.Protocol) }

// DecodeFromBytes decodes the 20-byte header.
func (s *SLL2) DecodeFromBytes(b []byte, _ gopacket.DecodeFeedback) error {
	if len(b) < 20 {
		return errTruncated
	}
	s.Protocol = binary.BigEndian.Uint16(b[0:2])
	s.IfIndex = binary.BigEndian.Uint32(b[4:8])
	s.ARPHRD = binary.BigEndian.Uint16(b[8:10])
	s.PacketType = b[10]
	s.AddrLen = b[11]
	s.Contents, s.Payload = b[:20], b[20:]
	return nil
}

// NFLOG is a Linux NFLOG record; Payload is the logged packet (the
// payload TLV). TLV type and length are in host byte order, which for
// every capture we meet is little-endian.
type NFLOG struct {
	layers.BaseLayer
	Family  uint8
	Version uint8
	ResID   uint16
}

func (n *NFLOG) LayerType() gopacket.LayerType  { return LayerTypeNFLOG }
func (n *NFLOG) CanDecode() gopacket.LayerClass { return LayerTypeNFLOG }
func (n *NFLOG) NextLayerType() gopacket.LayerType {
	switch n.Family {
	case 2:
		return layers.LayerTypeIPv4
	case 10:
		return layers.LayerTypeIPv6
	}
	return gopacket.LayerTypePayload
}

// DecodeFromBytes walks the TLVs (bounded by the data) to the payload,
// with the checks of Zeek's NFLOG analyzer.
func (n *NFLOG) DecodeFromBytes(b []byte, _ gopacket.DecodeFeedback) error {
	if len(b) <= 4 {
		return errTruncated
	}
	n.Family, n.Version = b[0], b[1]
	n.ResID = binary.BigEndian.Uint16(b[2:4])
	if n.Version != 0 {
		return errNFLOGVersion
	}
	rest := b[4:]
	for {
		if len(rest) <= 4 {
			return errNFLOGNoPayload
		}
		tl := int(binary.LittleEndian.Uint16(rest[0:2]))
		tt := binary.LittleEndian.Uint16(rest[2:4])
		if tt == 9 { // NFULA_PAYLOAD
			n.Contents, n.Payload = b[:len(b)-len(rest)+4], rest[4:]
			return nil
		}
		if tl < 4 {
			return errNFLOGBadTLV
		}
		tl = (tl + 3) &^ 3
		if tl > len(rest) {
			return errNFLOGBadTLV
		}
		rest = rest[tl:]
	}
}

// FabricPath is Cisco's FabricPath header (EtherType 0x8903): outer
// switch addresses, the EtherType and a 2-byte FTag/TTL; the payload is
// the original Ethernet frame.
type FabricPath struct {
	layers.BaseLayer
	FTag uint16
	TTL  uint8
}

func (f *FabricPath) LayerType() gopacket.LayerType     { return LayerTypeFabricPath }
func (f *FabricPath) CanDecode() gopacket.LayerClass    { return LayerTypeFabricPath }
func (f *FabricPath) NextLayerType() gopacket.LayerType { return layers.LayerTypeEthernet }

// DecodeFromBytes decodes the 16-byte header and requires a whole inner
// Ethernet header behind it (Zeek's truncated_link_header_cfp check).
func (f *FabricPath) DecodeFromBytes(b []byte, _ gopacket.DecodeFeedback) error {
	if len(b) <= 16+14 {
		return errTruncated
	}
	v := binary.BigEndian.Uint16(b[14:16])
	f.FTag, f.TTL = v>>6, uint8(v&0x3f)
	f.Contents, f.Payload = b[:16], b[16:]
	return nil
}

// VNTag is Cisco's VN-Tag (EtherType 0x8926): 4 bytes of tag and the
// EtherType of what follows.
type VNTag struct {
	layers.BaseLayer
	Tag  uint32
	Type uint16
}

func (v *VNTag) LayerType() gopacket.LayerType     { return LayerTypeVNTag }
func (v *VNTag) CanDecode() gopacket.LayerClass    { return LayerTypeVNTag }
func (v *VNTag) NextLayerType() gopacket.LayerType { return etherLayer(v.Type) }

// DecodeFromBytes decodes the 6-byte tag.
func (v *VNTag) DecodeFromBytes(b []byte, _ gopacket.DecodeFeedback) error {
	if len(b) <= 6 {
		return errTruncated
	}
	v.Tag = binary.BigEndian.Uint32(b[0:4])
	v.Type = binary.BigEndian.Uint16(b[4:6])
	v.Contents, v.Payload = b[:6], b[6:]
	return nil
}

// ERSPAN is the ERSPAN header inside GRE: type I has none (Version 0 and
// an empty Contents), type II 8 bytes, type III 12 bytes plus an optional
// 8-byte platform subheader. Set Version before decoding: 1 for type II
// (GRE 0x88be with a sequence number), 2 for type III (GRE 0x22eb), 0 for
// type I.
type ERSPAN struct {
	layers.BaseLayer
	Version   uint8
	VLAN      uint16
	SessionID uint16
}

func (e *ERSPAN) LayerType() gopacket.LayerType     { return LayerTypeERSPAN }
func (e *ERSPAN) CanDecode() gopacket.LayerClass    { return LayerTypeERSPAN }
func (e *ERSPAN) NextLayerType() gopacket.LayerType { return layers.LayerTypeEthernet }

// DecodeFromBytes decodes the header selected by e.Version, requiring an
// Ethernet header behind it as Zeek's GRE analyzer does.
func (e *ERSPAN) DecodeFromBytes(b []byte, _ gopacket.DecodeFeedback) error {
	n := 0
	switch e.Version {
	case 1:
		n = 8
		if len(b) < n+14 {
			return errTruncated
		}
	case 2:
		n = 12
		if len(b) <= n+14 {
			return errTruncated
		}
		if b[11]&0x01 != 0 {
			if len(b) <= n+8+14 {
				return errTruncated
			}
			n += 8
		}
	default:
		if len(b) <= 14 {
			return errTruncated
		}
	}
	if n > 0 {
		e.VLAN = binary.BigEndian.Uint16(b[0:2]) & 0x0fff
		e.SessionID = binary.BigEndian.Uint16(b[2:4]) & 0x03ff
	}
	e.Contents, e.Payload = b[:n], b[n:]
	return nil
}

// Teredo is the Teredo encapsulation (RFC 4380): optional authentication
// and origin indications, then an IPv6 packet.
type Teredo struct {
	layers.BaseLayer
	HasAuth, HasOrigin bool
	OriginPort         uint16
	OriginAddr         [4]byte
}

func (t *Teredo) LayerType() gopacket.LayerType     { return LayerTypeTeredo }
func (t *Teredo) CanDecode() gopacket.LayerClass    { return LayerTypeTeredo }
func (t *Teredo) NextLayerType() gopacket.LayerType { return layers.LayerTypeIPv6 }

// Teredo parse failures, each mapped to Zeek's weird name.
var (
	errTeredo       = errors.New(WeirdTruncatedTeredo)
	errTeredoOrigin = errors.New(WeirdTruncatedTeredoOrigin)
	errTeredoAuth   = errors.New(WeirdTruncatedTeredoAuth)
	errTeredoIPv6   = errors.New(WeirdTruncatedIPv6Teredo)
	errTeredoBad    = errors.New("bad Teredo encapsulation")
)

// DecodeFromBytes parses the indications (an authentication header may
// only precede an origin indication, neither may repeat) up to a
// plausible IPv6 header.
func (t *Teredo) DecodeFromBytes(b []byte, _ gopacket.DecodeFeedback) error {
	t.HasAuth, t.HasOrigin = false, false
	rest := b
	for range 3 {
		if len(rest) < 2 {
			return errTeredo
		}
		tag := binary.BigEndian.Uint16(rest)
		switch {
		case tag == 0:
			if t.HasOrigin {
				return errTeredoBad
			}
			if len(rest) < 8 {
				return errTeredoOrigin
			}
			t.HasOrigin = true
			t.OriginPort = binary.BigEndian.Uint16(rest[2:4]) ^ 0xffff
			for i := range 4 {
				t.OriginAddr[i] = rest[4+i] ^ 0xff
			}
			rest = rest[8:]
		case tag == 1:
			if t.HasOrigin || t.HasAuth {
				return errTeredoBad
			}
			if len(rest) < 4 {
				return errTeredoAuth
			}
			n := 4 + int(rest[2]) + int(rest[3]) + 8 + 1
			if len(rest) < n {
				return errTeredoAuth
			}
			t.HasAuth = true
			rest = rest[n:]
		case tag>>12 == 6:
			if len(rest) < 40 {
				return errTeredoIPv6
			}
			t.Contents, t.Payload = b[:len(b)-len(rest)], rest
			return nil
		default:
			return errTeredoBad
		}
	}
	return errTeredoBad
}

// AYIYA is the "Anything In Anything" tunnel header (SixXS).
type AYIYA struct {
	layers.BaseLayer
	OpCode     uint8
	NextHeader uint8
}

func (a *AYIYA) LayerType() gopacket.LayerType  { return LayerTypeAYIYA }
func (a *AYIYA) CanDecode() gopacket.LayerClass { return LayerTypeAYIYA }
func (a *AYIYA) NextLayerType() gopacket.LayerType {
	switch a.NextHeader {
	case protoIPIP:
		return layers.LayerTypeIPv4
	case protoIPv6:
		return layers.LayerTypeIPv6
	}
	return gopacket.LayerTypePayload
}

// DecodeFromBytes decodes the header: 8 fixed bytes, an identity of
// 2^n bytes and a signature of 4*m bytes.
func (a *AYIYA) DecodeFromBytes(b []byte, _ gopacket.DecodeFeedback) error {
	if len(b) < 8 {
		return errTruncated
	}
	n := 8 + 1<<(b[0]>>4) + int(b[1]>>4)*4
	if len(b) < n {
		return errTruncated
	}
	a.OpCode = b[2] & 0x0f
	a.NextHeader = b[3]
	a.Contents, a.Payload = b[:n], b[n:]
	return nil
}

// GTPv1U is a GTPv1 header (user or control plane) with its optional
// fields and extension headers. gopacket's GTPv1U allocates its
// extension-header slice per packet.
type GTPv1U struct {
	layers.BaseLayer
	Version     uint8
	MessageType uint8
	TEID        uint32
}

func (g *GTPv1U) LayerType() gopacket.LayerType  { return LayerTypeGTPv1U }
func (g *GTPv1U) CanDecode() gopacket.LayerClass { return LayerTypeGTPv1U }
func (g *GTPv1U) NextLayerType() gopacket.LayerType {
	if g.MessageType == 0xff && len(g.Payload) > 0 {
		switch g.Payload[0] >> 4 {
		case 4:
			return layers.LayerTypeIPv4
		case 6:
			return layers.LayerTypeIPv6
		}
	}
	return gopacket.LayerTypePayload
}

// DecodeFromBytes decodes the header, skipping extension headers in a
// bounded loop.
func (g *GTPv1U) DecodeFromBytes(b []byte, _ gopacket.DecodeFeedback) error {
	if len(b) < 8 {
		return errTruncated
	}
	g.Version = b[0] >> 5
	g.MessageType = b[1]
	g.TEID = binary.BigEndian.Uint32(b[4:8])
	n := 8
	if b[0]&0x07 != 0 {
		n = 12
		if len(b) < n {
			return errTruncated
		}
		if b[0]&0x04 != 0 {
			next := b[11]
			for i := 0; next != 0; i++ {
				if i == 16 || len(b) < n+1 {
					return errTruncated
				}
				el := int(b[n]) * 4
				if el == 0 || len(b) < n+el {
					return errTruncated
				}
				next = b[n+el-1]
				n += el
			}
		}
	}
	g.Contents, g.Payload = b[:n], b[n:]
	return nil
}
