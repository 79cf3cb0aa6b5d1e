package quic

// QUIC versions Zeek's QUIC analyzer parses (QUIC.spicy): v1, v2, the
// IETF drafts 22 to 34 and Facebook's mvfst versions. Every version but
// v2 is decrypted with the v1 salt and labels, as Zeek does; for the
// drafts whose real salt differs that makes decryption produce garbage,
// which then fails frame parsing exactly as it does in Zeek.
const (
	Version1 uint32 = 0x00000001
	Version2 uint32 = 0x6b3343cf
)

// knownVersion reports whether Zeek's LongHeaderPacket switch accepts v.
func knownVersion(v uint32) bool {
	switch {
	case v == Version1, v == Version2:
		return true
	case v >= 0xff000016 && v <= 0xff000022: // draft-22 … draft-34
		return true
	}
	switch v {
	case 0xfaceb001, 0xfaceb002, 0xfaceb00e, 0xfaceb011, 0xfaceb012, 0xfaceb013:
		return true
	}
	return false
}

// Long header packet types, normalised to the v1 numbering.
const (
	ptInitial   = 0
	ptZeroRTT   = 1
	ptHandshake = 2
	ptRetry     = 3
)

// packetType maps the two type bits of a long header to the v1 numbering
// (RFC 9369 §3.2 rotates them for v2).
func packetType(version uint32, bits uint8) uint8 {
	if version == Version2 {
		return (bits + 3) & 3 // v2: 1 Initial, 2 0-RTT, 3 Handshake, 0 Retry
	}
	return bits
}

// Detect is Zeek's QUIC DPD signatures (base/protocols/quic/dpd.sig): a
// UDP payload that starts with a v1 Initial (first byte 0xC0-0xCF,
// version 1) or a v2 Initial (0xD0-0xDF, version 0x6b3343cf). Draft and
// mvfst versions are only analysed on the registered ports (Ports).
func Detect(isOrig bool, payload []byte) bool {
	if len(payload) < 5 {
		return false
	}
	v := uint32(payload[1])<<24 | uint32(payload[2])<<16 | uint32(payload[3])<<8 | uint32(payload[4])
	switch payload[0] & 0xf0 {
	case 0xc0:
		return v == Version1
	case 0xd0:
		return v == Version2
	}
	return false
}

// Port reports whether Zeek registers its QUIC analyzer for the UDP port
// (quic_ports in base/protocols/quic/main.zeek: 443 for HTTP/3, 853 and
// 784 for DNS over QUIC). On these ports Zeek attaches the analyzer to
// every UDP connection, whatever the payload; a payload that is not QUIC
// then ends in a violation.
func Port(p uint16) bool {
	return p == 443 || p == 853 || p == 784
}
