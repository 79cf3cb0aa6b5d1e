package trafficgen

import "encoding/binary"

// sum adds b to a running one's-complement sum (not yet folded).
func sum(acc uint64, b []byte) uint64 {
	for len(b) >= 8 {
		v := binary.BigEndian.Uint64(b)
		acc += v >> 32
		acc += v & 0xffffffff
		b = b[8:]
	}
	for len(b) >= 2 {
		acc += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint64(b[0]) << 8
	}
	return acc
}

// fold finishes a one's-complement sum into a checksum field value.
func fold(acc uint64) uint16 {
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return ^uint16(acc)
}

// Checksum returns the Internet checksum (RFC 1071) of b.
func Checksum(b []byte) uint16 { return fold(sum(0, b)) }
