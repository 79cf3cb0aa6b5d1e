package flowhash

import (
	"encoding/binary"
	"fmt"
)

// Mode selects what the hash keys on.
type Mode uint8

const (
	// ModeFiveTuple keys on addresses, protocol and ports (the default).
	ModeFiveTuple Mode = iota
	// ModeIPPair keys on the two addresses only.
	ModeIPPair
)

func (m Mode) String() string {
	switch m {
	case ModeFiveTuple:
		return "5-tuple"
	case ModeIPPair:
		return "ip-pair"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// UnmarshalText accepts "5-tuple" and "ip-pair".
func (m *Mode) UnmarshalText(b []byte) error {
	switch string(b) {
	case "5-tuple", "5tuple", "five-tuple":
		*m = ModeFiveTuple
	case "ip-pair", "ippair", "2-tuple":
		*m = ModeIPPair
	default:
		return fmt.Errorf("unknown hash mode %q (want 5-tuple or ip-pair)", b)
	}
	return nil
}

// Link types (pcap LINKTYPE_ numbers) the parser understands.
const (
	LinkNull     = 0
	LinkEthernet = 1
	LinkPPP      = 9
	LinkRaw      = 101
	LinkRawOld12 = 12
	LinkRawOld14 = 14
	LinkSLL      = 113
	LinkIPv4     = 228
	LinkIPv6     = 229
	LinkSLL2     = 276
)

// Flow is what the parser learnt about a frame.
type Flow struct {
	Hash uint32
	// L3 is the offset of the outermost IP header in the frame, or -1.
	L3 int
	// Fragment is set for IPv4 fragments and IPv6 packets with a
	// Fragment header.
	Fragment bool
}

const (
	maxVLAN   = 8
	maxMPLS   = 8
	maxExtHdr = 8
)

// Of computes the flow hash of a frame of the given link type. It never
// allocates and never panics.
func Of(link uint16, frame []byte, mode Mode) Flow {
	l3 := l3Offset(link, frame)
	if l3 < 0 {
		return Flow{L3: -1}
	}
	return OfIP(frame, l3, mode)
}

// l3Offset finds the outermost IP header, or returns -1.
func l3Offset(link uint16, b []byte) int {
	switch link {
	case LinkEthernet:
		return ethernet(b, 0)
	case LinkRaw, LinkRawOld12, LinkRawOld14, LinkIPv4, LinkIPv6:
		return ipAt(b, 0)
	case LinkNull:
		return ipAt(b, 4)
	case LinkSLL:
		if len(b) < 16 {
			return -1
		}
		return etherType(b, binary.BigEndian.Uint16(b[14:]), 16)
	case LinkSLL2:
		if len(b) < 20 {
			return -1
		}
		return etherType(b, binary.BigEndian.Uint16(b[0:]), 20)
	case LinkPPP:
		// PPP in HDLC-like framing (ff 03) or bare protocol field.
		off := 0
		if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
			off = 2
		}
		if len(b) < off+2 {
			return -1
		}
		return pppProto(b, binary.BigEndian.Uint16(b[off:]), off+2)
	}
	return -1
}

// ipAt returns off when an IPv4 or IPv6 header version nibble is there.
func ipAt(b []byte, off int) int {
	if off >= len(b) {
		return -1
	}
	switch b[off] >> 4 {
	case 4, 6:
		return off
	}
	return -1
}

func ethernet(b []byte, off int) int {
	if len(b) < off+14 {
		return -1
	}
	return etherType(b, binary.BigEndian.Uint16(b[off+12:]), off+14)
}

// etherType continues parsing after an EtherType field; off is where the
// payload starts.
func etherType(b []byte, et uint16, off int) int {
	for i := 0; i < maxVLAN; i++ {
		if et != 0x8100 && et != 0x88a8 && et != 0x9100 {
			break
		}
		if len(b) < off+4 {
			return -1
		}
		et = binary.BigEndian.Uint16(b[off+2:])
		off += 4
	}
	switch et {
	case 0x0800, 0x86dd:
		return ipAt(b, off)
	case 0x8847, 0x8848:
		for i := 0; i < maxMPLS; i++ {
			if len(b) < off+4 {
				return -1
			}
			bos := b[off+2]&0x01 != 0
			off += 4
			if bos {
				return ipAt(b, off)
			}
		}
		return -1
	case 0x8864:
		// PPPoE session: 6-byte header, then the PPP protocol.
		if len(b) < off+8 {
			return -1
		}
		return pppProto(b, binary.BigEndian.Uint16(b[off+6:]), off+8)
	}
	return -1
}

func pppProto(b []byte, proto uint16, off int) int {
	switch proto {
	case 0x0021, 0x0057:
		return ipAt(b, off)
	}
	return -1
}

// OfIP hashes the IP packet that starts at b[l3:].
func OfIP(b []byte, l3 int, mode Mode) Flow {
	if l3 < 0 || l3 >= len(b) {
		return Flow{L3: -1}
	}
	f := Flow{L3: l3}
	var key [40]byte
	var n int
	p := b[l3:]
	switch p[0] >> 4 {
	case 4:
		if len(p) < 20 {
			return Flow{L3: -1}
		}
		ihl := int(p[0]&0x0f) * 4
		if ihl < 20 {
			return Flow{L3: -1}
		}
		fragField := binary.BigEndian.Uint16(p[6:])
		f.Fragment = fragField&0x3fff != 0 // MF or offset
		proto := p[9]
		sport, dport := ports(p, ihl, proto, f.Fragment)
		n = fill(key[:], p[12:16], p[16:20], sport, dport, proto, mode)
	case 6:
		if len(p) < 40 {
			return Flow{L3: -1}
		}
		next := p[6]
		off := 40
	ext:
		for i := 0; i < maxExtHdr; i++ {
			switch next {
			case 0, 43, 60, 135:
				if len(p) < off+8 {
					break ext
				}
				next = p[off]
				off += (int(p[off+1]) + 1) * 8
			case 51: // AH: length in 4-byte units, minus 2
				if len(p) < off+8 {
					break ext
				}
				next = p[off]
				off += (int(p[off+1]) + 2) * 4
			case 44:
				if len(p) < off+8 {
					break ext
				}
				f.Fragment = true
				next = p[off]
				off += 8
			default:
				break ext
			}
		}
		sport, dport := ports(p, off, next, f.Fragment)
		n = fill(key[:], p[8:24], p[24:40], sport, dport, next, mode)
	default:
		return Flow{L3: -1}
	}
	f.Hash = murmur3(key[:n])
	return f
}

// ports reads the transport ports at off for TCP, UDP and SCTP.
func ports(p []byte, off int, proto uint8, frag bool) (uint16, uint16) {
	if frag {
		return 0, 0
	}
	switch proto {
	case 6, 17, 132:
		if off < 0 || len(p) < off+4 {
			return 0, 0
		}
		if proto == 17 {
			return 0, 0 // see udpKey in doc.go
		}
		return binary.BigEndian.Uint16(p[off:]), binary.BigEndian.Uint16(p[off+2:])
	}
	return 0, 0
}

// fill writes the canonical key and returns its length.
func fill(key []byte, src, dst []byte, sport, dport uint16, proto uint8, mode Mode) int {
	if mode == ModeIPPair {
		sport, dport, proto = 0, 0, 0
	}
	if c := compare(src, dst); c > 0 || (c == 0 && sport > dport) {
		src, dst = dst, src
		sport, dport = dport, sport
	}
	n := copy(key, src)
	n += copy(key[n:], dst)
	binary.BigEndian.PutUint16(key[n:], sport)
	binary.BigEndian.PutUint16(key[n+2:], dport)
	key[n+4] = proto
	key[n+5], key[n+6], key[n+7] = 0, 0, 0
	return n + 8
}

func compare(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
