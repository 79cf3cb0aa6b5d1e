package zeeklog

import (
	"net/netip"
	"strconv"
)

// appendAddr appends a as Zeek renders addresses (bro_inet_ntop): IPv4
// and IPv4-mapped IPv6 in dotted quad, IPv6 with the first longest run of
// two or more zero groups compressed, and the embedded-IPv4 forms
// "::a.b.c.d" and "::ffff:0:a.b.c.d". Zones are dropped.
func appendAddr(b []byte, a netip.Addr) []byte {
	if a.Is4() || a.Is4In6() {
		return a.Unmap().AppendTo(b)
	}
	x := a.As16()
	var w [8]uint16
	for i := range w {
		w[i] = uint16(x[2*i])<<8 | uint16(x[2*i+1])
	}
	bestBase, bestLen := -1, 0
	curBase, curLen := -1, 0
	for i := 0; i < 8; i++ {
		if w[i] == 0 {
			if curBase == -1 {
				curBase, curLen = i, 1
			} else {
				curLen++
			}
			continue
		}
		if curBase != -1 {
			if bestBase == -1 || curLen > bestLen {
				bestBase, bestLen = curBase, curLen
			}
			curBase = -1
		}
	}
	if curBase != -1 && (bestBase == -1 || curLen > bestLen) {
		bestBase, bestLen = curBase, curLen
	}
	if bestBase != -1 && bestLen < 2 {
		bestBase = -1
	}
	for i := 0; i < 8; i++ {
		if bestBase != -1 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				b = append(b, ':')
			}
			continue
		}
		if i != 0 {
			b = append(b, ':')
		}
		if i == 6 && bestBase == 0 && (bestLen == 6 ||
			(bestLen == 7 && w[7] != 1) ||
			(bestLen == 5 && w[5] == 0xffff) ||
			(bestLen == 4 && w[4] == 0xffff && w[5] == 0)) {
			return netip.AddrFrom4([4]byte{x[12], x[13], x[14], x[15]}).AppendTo(b)
		}
		b = strconv.AppendUint(b, uint64(w[i]), 16)
	}
	if bestBase != -1 && bestBase+bestLen == 8 {
		b = append(b, ':')
	}
	return b
}
