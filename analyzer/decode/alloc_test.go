package decode

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

type benchFrame struct {
	name  string
	lt    LinkType
	frame [][]byte // decoded in order; fragments need several
}

func benchFrames(t testing.TB) []benchFrame {
	ip := ipv4(layers.IPProtocolTCP)
	innerIP := serialize(t, ip, tcpSeg(ip, 1111, 80), gopacket.Payload("GET / HTTP/1.1\r\n\r\n"))
	innerEth := withEther(0x0800, innerIP)
	vlan := serialize(t, eth(layers.EthernetTypeDot1Q),
		&layers.Dot1Q{VLANIdentifier: 10, Type: layers.EthernetTypeIPv4}, ipv4(layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)}, gopacket.Payload("ping"))
	ip6 := ipv6(layers.IPProtocolUDP)
	udp6 := serialize(t, ip6, udpDgram(ip6, 53, 5353), gopacket.Payload("query"))
	ext := append([]byte(nil), udp6[:40]...)
	ext[6] = protoHopOpts
	ext = append(append(ext, protoDstOpts, 0, 1, 4, 0, 0, 0, 0, protoUDP, 0, 1, 4, 0, 0, 0, 0), udp6[40:]...)
	ext[5] += 16
	payload := make([]byte, 2000)
	frag := fragment4(ipUDP4(t, ip4A, ip4B, 1, 2, payload), 1000)
	return []benchFrame{
		{"eth-tcp", LinkEthernet, [][]byte{ethTCP4(t, "hello world")}},
		{"vlan-icmp", LinkEthernet, [][]byte{vlan}},
		{"ipv6-ext", LinkRaw, [][]byte{ext}},
		{"vxlan", LinkEthernet, [][]byte{vxlanFrame(t, innerEth)}},
		{"gre", LinkEthernet, [][]byte{greFrame(t, layers.EthernetTypeIPv4, innerIP)}},
		{"fragments", LinkRaw, frag},
		{"gre-fragments", LinkEthernet, [][]byte{
			greFrame(t, layers.EthernetTypeIPv4, frag[0]), greFrame(t, layers.EthernetTypeIPv4, frag[1]),
			greFrame(t, layers.EthernetTypeIPv4, frag[2])}},
		{"truncated", LinkEthernet, [][]byte{ethTCP4(t, "x")[:30]}},
	}
}

// TestNoAllocs makes "no allocation per packet" a tested promise.
func TestNoAllocs(t *testing.T) {
	d := New(DefaultOptions())
	var p Packet
	for _, bf := range benchFrames(t) {
		run := func() {
			for _, f := range bf.frame {
				d.Decode(&p, bf.lt, f, 1, len(f))
			}
		}
		run() // warm the reassembly buffers
		if n := testing.AllocsPerRun(100, run); n != 0 {
			t.Errorf("%s: %v allocations per run", bf.name, n)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, bf := range benchFrames(b) {
		b.Run(bf.name, func(b *testing.B) {
			d := New(DefaultOptions())
			var p Packet
			b.ReportAllocs()
			for b.Loop() {
				for _, f := range bf.frame {
					d.Decode(&p, bf.lt, f, 1, len(f))
				}
			}
		})
	}
}
