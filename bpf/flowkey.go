package bpf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
)

// NewFlowKey returns the canonical key of the flow between (src, sport)
// and (dst, dport) with the given IP protocol, as the XDP program builds
// it: the same key for both directions. Pass the ports only where the
// kernel reads them (TCP 6, SCTP 132, not fragments); for every other
// packet the kernel keys with both ports zero. UDP keys on the address
// pair alone, as flowhash defines; NewFlowKey applies that rule itself
// (the shunt map then shunts all UDP between two hosts). IPv4-mapped IPv6
// addresses are unmapped. Both addresses must be of the same family.
func NewFlowKey(src, dst netip.Addr, sport, dport uint16, proto uint8) (FlowKey, error) {
	src, dst = src.Unmap(), dst.Unmap()
	var k FlowKey
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return k, fmt.Errorf("flow key %v-%v: addresses must be valid and of one family", src, dst)
	}
	if proto == 17 {
		sport, dport = 0, 0
	}
	a, b := src.AsSlice(), dst.AsSlice()
	if c := bytes.Compare(a, b); c > 0 || (c == 0 && sport > dport) {
		a, b = b, a
		sport, dport = dport, sport
	}
	n := copy(k.Bytes[:], a)
	n += copy(k.Bytes[n:], b)
	binary.BigEndian.PutUint16(k.Bytes[n:], sport)
	binary.BigEndian.PutUint16(k.Bytes[n+2:], dport)
	k.Bytes[n+4] = proto
	k.Family = 6
	if src.Is4() {
		k.Family = 4
	}
	return k, nil
}

// addrLen is the length of one address in the key: 4 or 16.
func (k FlowKey) addrLen() int {
	if k.Family == 4 {
		return 4
	}
	return 16
}

// Addrs returns the two addresses in canonical order (lower first).
func (k FlowKey) Addrs() (lo, hi netip.Addr) {
	if k.Family == 4 {
		return netip.AddrFrom4([4]byte(k.Bytes[0:4])), netip.AddrFrom4([4]byte(k.Bytes[4:8]))
	}
	return netip.AddrFrom16([16]byte(k.Bytes[0:16])), netip.AddrFrom16([16]byte(k.Bytes[16:32]))
}

// Ports returns the ports of the lower and the higher endpoint.
func (k FlowKey) Ports() (lo, hi uint16) {
	n := 2 * k.addrLen()
	return binary.BigEndian.Uint16(k.Bytes[n:]), binary.BigEndian.Uint16(k.Bytes[n+2:])
}

// Proto returns the IP protocol of the key.
func (k FlowKey) Proto() uint8 { return k.Bytes[2*k.addrLen()+4] }

// HashBytes returns the bytes the flow hash is computed over (16 for
// IPv4, 40 for IPv6). The slice aliases k.
func (k *FlowKey) HashBytes() []byte {
	return k.Bytes[:2*k.addrLen()+8]
}

func (k FlowKey) String() string {
	lo, hi := k.Addrs()
	lp, hp := k.Ports()
	return fmt.Sprintf("%s:%d-%s:%d/%d", lo, lp, hi, hp, k.Proto())
}
