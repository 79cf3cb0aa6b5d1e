package communityid

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"net/netip"
)

// IP protocol numbers with ports in the hash.
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
	protoSCTP   = 132
)

// Len is the length of a Community ID v1 string: "1:" and 28 base64 bytes.
const Len = 2 + 28

// icmpCounterpart returns the counterpart type of an ICMPv4 request or
// reply type, as Zeek's ICMP4_counterpart does.
func icmpCounterpart(t uint8) (uint8, bool) {
	switch t {
	case 8:
		return 0, true // echo → echo reply
	case 0:
		return 8, true
	case 13:
		return 14, true // timestamp
	case 14:
		return 13, true
	case 15:
		return 16, true // information
	case 16:
		return 15, true
	case 10:
		return 9, true // router solicitation → advertisement
	case 9:
		return 10, true
	case 17:
		return 18, true // address mask
	case 18:
		return 17, true
	}
	return 0, false
}

// icmp6Counterpart is icmpCounterpart for ICMPv6 (Zeek's ICMP6_counterpart).
func icmp6Counterpart(t uint8) (uint8, bool) {
	switch t {
	case 128:
		return 129, true // echo request → reply
	case 129:
		return 128, true
	case 133:
		return 134, true // router solicitation → advertisement
	case 134:
		return 133, true
	case 135:
		return 136, true // neighbor solicitation → advertisement
	case 136:
		return 135, true
	case 130:
		return 131, true // MLD query → report
	case 131:
		return 130, true
	case 139:
		return 140, true // node information query → response
	case 140:
		return 139, true
	case 144:
		return 145, true // home agent address discovery
	case 145:
		return 144, true
	}
	return 0, false
}

// Append appends the Community ID v1 of a flow to dst. For ICMP (proto 1)
// and ICMPv6 (proto 58), sport is the message type and dport the code;
// Zeek's conn.log convention (resp_p already the counterpart type) gives
// the same result. Ports are ignored for protocols other than TCP, UDP,
// SCTP, ICMP and ICMPv6.
func Append(dst []byte, seed uint16, proto uint8, src, dst2 netip.Addr, sport, dport uint16) []byte {
	var in [2 + 16 + 16 + 1 + 1 + 2 + 2]byte
	in[0], in[1] = byte(seed>>8), byte(seed)

	var sa, da [16]byte
	var alen int
	if (src.Is4() || src.Is4In6()) && (dst2.Is4() || dst2.Is4In6()) {
		s4, d4 := src.Unmap().As4(), dst2.Unmap().As4()
		copy(sa[:], s4[:])
		copy(da[:], d4[:])
		alen = 4
	} else {
		sa, da = src.As16(), dst2.As16()
		alen = 16
	}

	hasPorts, oneWay := false, false
	switch proto {
	case protoTCP, protoUDP, protoSCTP:
		hasPorts = true
	case protoICMP, protoICMPv6:
		hasPorts = true
		counter, ok := icmpCounterpart(uint8(sport))
		if proto == protoICMPv6 {
			counter, ok = icmp6Counterpart(uint8(sport))
		}
		if ok {
			dport = uint16(counter)
		} else {
			oneWay = true
		}
	}
	if !hasPorts {
		sport, dport = 0, 0
	}

	if !oneWay {
		c := bytes.Compare(sa[:alen], da[:alen])
		if c > 0 || (c == 0 && sport > dport) {
			sa, da = da, sa
			sport, dport = dport, sport
		}
	}

	n := 2
	n += copy(in[n:], sa[:alen])
	n += copy(in[n:], da[:alen])
	in[n] = proto
	in[n+1] = 0
	n += 2
	if hasPorts {
		in[n], in[n+1] = byte(sport>>8), byte(sport)
		in[n+2], in[n+3] = byte(dport>>8), byte(dport)
		n += 4
	}
	sum := sha1.Sum(in[:n])
	dst = append(dst, '1', ':')
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}
