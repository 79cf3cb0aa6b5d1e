package captest

import (
	"encoding/binary"
	"net"
)

// Test frames: Ethernet + IPv4 + UDP, payload "XSKT" + flow + seq + filler.
// Flow f has its own address and port pair; odd sequence numbers travel
// in the reverse direction. The first payload byte is f&0xff, which the
// test XDP program can use to pick a socket.

const (
	PayloadOff = 14 + 20 + 8
	Magic      = "XSKT"
)

// Frame builds frame seq of flow from src to dst (odd seq: reverse direction).
func Frame(dst, src net.HardwareAddr, flow, seq int) []byte {
	size := 64 + (flow*131+seq*37)%1200
	b := make([]byte, size)
	copy(b[0:6], dst)
	copy(b[6:12], src)
	binary.BigEndian.PutUint16(b[12:], 0x0800)
	ip := b[14:34]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(size-14))
	binary.BigEndian.PutUint16(ip[4:], uint16(seq))
	ip[8] = 64
	ip[9] = 17
	a := [4]byte{10, 1, byte(flow >> 8), byte(flow)}
	c := [4]byte{10, 2, byte(flow >> 8), byte(flow)}
	sport, dport := uint16(10000+flow), uint16(53)
	if seq%2 == 1 {
		a, c = c, a
		sport, dport = dport, sport
	}
	copy(ip[12:16], a[:])
	copy(ip[16:20], c[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	udp := b[34:42]
	binary.BigEndian.PutUint16(udp[0:], sport)
	binary.BigEndian.PutUint16(udp[2:], dport)
	binary.BigEndian.PutUint16(udp[4:], uint16(size-34))
	p := b[PayloadOff:]
	p[0] = byte(flow)
	copy(p[1:5], Magic)
	binary.BigEndian.PutUint32(p[5:], uint32(flow))
	binary.BigEndian.PutUint32(p[9:], uint32(seq))
	for i := 13; i < len(p); i++ {
		p[i] = byte(i*7 + seq)
	}
	return b
}

// ParseFrame returns the flow and sequence number of a test frame.
func ParseFrame(b []byte) (flow, seq int, ok bool) {
	if len(b) < PayloadOff+13 || string(b[PayloadOff+1:PayloadOff+5]) != Magic {
		return 0, 0, false
	}
	p := b[PayloadOff:]
	return int(binary.BigEndian.Uint32(p[5:])), int(binary.BigEndian.Uint32(p[9:])), true
}
