package decode

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

func decodeOne(t testing.TB, d *Decoder, lt LinkType, frame []byte) *Packet {
	t.Helper()
	var p Packet
	d.Decode(&p, lt, frame, 1e9, len(frame))
	return &p
}

func TestEthernetTCP(t *testing.T) {
	frame := ethTCP4(t, "hello")
	// Ethernet padding after the IP packet must not count.
	frame = append(frame, make([]byte, 12)...)
	p := decodeOne(t, New(DefaultOptions()), LinkEthernet, frame)
	if p.N != 1 || p.Weird != "" {
		t.Fatalf("N=%d weird=%q", p.N, p.Weird)
	}
	l := p.Levels[0]
	if l.Src != netip.MustParseAddr("10.0.0.1") || l.Dst != netip.MustParseAddr("10.0.0.2") ||
		l.Proto != protoTCP || l.SrcPort != 1234 || l.DstPort != 80 || l.TTL != 64 {
		t.Fatalf("level %+v", l)
	}
	if l.TCPFlags != TCPSyn || l.Seq != 1000 || l.Window != 512 || l.TCPHdrLen != 20 {
		t.Fatalf("tcp fields %+v", l)
	}
	if string(l.Payload) != "hello" || l.PayloadLen != 5 || l.IPLen != 45 {
		t.Fatalf("payload %q len %d iplen %d", l.Payload, l.PayloadLen, l.IPLen)
	}
	if l.BadChecksum || l.BadIPChecksum {
		t.Fatal("checksum flagged on a good packet")
	}
}

func TestChecksums(t *testing.T) {
	good := ethTCP4(t, "data")
	badTCP := append([]byte(nil), good...)
	badTCP[14+20+16] ^= 0xff
	badIP := append([]byte(nil), good...)
	badIP[14+10] ^= 0xff

	d := New(DefaultOptions())
	if p := decodeOne(t, d, LinkEthernet, badTCP); !p.Levels[0].BadChecksum || p.Weird != "" {
		t.Errorf("bad TCP checksum: %+v weird=%q", p.Levels[0], p.Weird)
	}
	p := decodeOne(t, d, LinkEthernet, badIP)
	if p.Weird != WeirdBadIPChecksum || !p.Levels[0].BadIPChecksum || p.Levels[0].SrcPort != 0 {
		t.Errorf("bad IP checksum: weird=%q %+v", p.Weird, p.Levels[0])
	}
	// Truncated capture: the TCP checksum cannot be verified.
	var tp Packet
	d.Decode(&tp, LinkEthernet, badTCP[:14+20+20+2], 0, len(badTCP))
	if tp.N != 1 || tp.Levels[0].BadChecksum || tp.Levels[0].PayloadLen != 4 || len(tp.Levels[0].Payload) != 2 {
		t.Errorf("truncated: N=%d %+v", tp.N, tp.Levels[0])
	}

	ign := New(Options{IgnoreChecksums: true})
	for _, f := range [][]byte{badTCP, badIP} {
		if p := decodeOne(t, ign, LinkEthernet, f); p.Levels[0].BadChecksum || p.Levels[0].BadIPChecksum || p.Weird != "" {
			t.Errorf("-C: %+v weird=%q", p.Levels[0], p.Weird)
		}
	}
	// UDP checksum 0 over IPv4 means none.
	u := ipUDP4(t, ip4A, ip4B, 1, 2, []byte("x"))
	u[20+6], u[20+7] = 0, 0
	if p := decodeOne(t, d, LinkRaw, u); p.Levels[0].BadChecksum {
		t.Error("UDP checksum 0 flagged")
	}
	stats := d.Stats()
	if stats.Weirds[WeirdBadIPChecksum] != 1 || stats.BadChecksum != 1 {
		t.Errorf("stats %+v", stats)
	}
}

func TestVLANs(t *testing.T) {
	ip := ipv4(layers.IPProtocolTCP)
	frame := serialize(t, eth(layers.EthernetTypeQinQ),
		&layers.Dot1Q{VLANIdentifier: 100, Type: layers.EthernetTypeDot1Q},
		&layers.Dot1Q{VLANIdentifier: 200, Type: layers.EthernetTypeIPv4},
		ip, tcpSeg(ip, 1, 2))
	p := decodeOne(t, New(DefaultOptions()), LinkEthernet, frame)
	if p.N != 1 || p.Levels[0].VLAN != 100 || p.Levels[0].InnerVLAN != 200 || p.Levels[0].DstPort != 2 {
		t.Fatalf("N=%d %+v", p.N, p.Levels[0])
	}
}

func TestMPLSAndPPPoE(t *testing.T) {
	ip := ipv4(layers.IPProtocolTCP)
	inner := serialize(t, ip, tcpSeg(ip, 5, 6))
	mpls := []byte{0, 0x01, 0x00, 0x40, 0, 0x02, 0x01, 0x40} // two labels, bottom on the second
	d := New(DefaultOptions())
	if p := decodeOne(t, d, LinkEthernet, withEther(0x8847, append(mpls, inner...))); p.N != 1 || p.Levels[0].DstPort != 6 {
		t.Errorf("MPLS: N=%d weird=%q", p.N, p.Weird)
	}
	pppoe := []byte{0x11, 0, 0, 1, 0, byte(len(inner) + 2), 0, 0x21}
	if p := decodeOne(t, d, LinkEthernet, withEther(0x8864, append(pppoe, inner...))); p.N != 1 || p.Levels[0].DstPort != 6 {
		t.Errorf("PPPoE: N=%d weird=%q", p.N, p.Weird)
	}
	if p := decodeOne(t, d, LinkPPP, append([]byte{0xff, 0x03, 0, 0x21}, inner...)); p.N != 1 {
		t.Errorf("PPP: N=%d weird=%q", p.N, p.Weird)
	}
	if p := decodeOne(t, d, LinkNull, append([]byte{2, 0, 0, 0}, inner...)); p.N != 1 {
		t.Errorf("NULL: N=%d weird=%q", p.N, p.Weird)
	}
	if p := decodeOne(t, d, LinkNull, append([]byte{0, 0, 0, 2}, inner...)); p.N != 1 {
		t.Errorf("NULL network order: N=%d weird=%q", p.N, p.Weird)
	}
	sll2 := make([]byte, 20)
	binary.BigEndian.PutUint16(sll2, 0x0800)
	if p := decodeOne(t, d, LinkLinuxSLL2, append(sll2, inner...)); p.N != 1 {
		t.Errorf("SLL2: N=%d weird=%q", p.N, p.Weird)
	}
}

func TestIPv6ExtensionHeaders(t *testing.T) {
	ip := ipv6(layers.IPProtocolUDP)
	udp := serialize(t, ip, udpDgram(ip, 53, 5353), gopacket.Payload("q"))
	// Insert hop-by-hop, destination options and AH before the UDP header.
	hbh := []byte{protoDstOpts, 0, 1, 4, 0, 0, 0, 0}
	dst := []byte{protoAH, 0, 1, 4, 0, 0, 0, 0}
	ah := []byte{protoUDP, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1}
	pkt := append([]byte(nil), udp[:40]...)
	pkt[6] = protoHopOpts
	pkt = append(append(append(append(pkt, hbh...), dst...), ah...), udp[40:]...)
	binary.BigEndian.PutUint16(pkt[4:6], uint16(len(pkt)-40))
	p := decodeOne(t, New(DefaultOptions()), LinkRaw, pkt)
	l := p.Levels[0]
	if p.N != 1 || l.Proto != protoUDP || l.SrcPort != 53 || l.DstPort != 5353 || string(l.Payload) != "q" {
		t.Fatalf("N=%d weird=%q %+v", p.N, p.Weird, l)
	}
	if l.BadChecksum {
		t.Error("checksum of an IPv6 packet with extension headers flagged")
	}
	// ESP stops the chain.
	esp := append([]byte(nil), udp[:40]...)
	esp[6] = protoESP
	esp = append(esp, make([]byte, 16)...)
	binary.BigEndian.PutUint16(esp[4:6], 16)
	if p := decodeOne(t, New(DefaultOptions()), LinkRaw, esp); p.N != 1 || p.Levels[0].Proto != protoESP || p.Weird != "" {
		t.Errorf("ESP: N=%d weird=%q proto=%d", p.N, p.Weird, p.Levels[0].Proto)
	}
}

func TestTunnels(t *testing.T) {
	ip := ipv4(layers.IPProtocolTCP)
	innerIP := serialize(t, ip, tcpSeg(ip, 1111, 80))
	innerEth := withEther(0x0800, innerIP)
	ip6in := ipv6(layers.IPProtocolTCP)
	innerIP6 := serialize(t, ip6in, tcpSeg(ip6in, 2222, 443))

	cases := []struct {
		name  string
		frame []byte
		lt    LinkType
		encap Encap
	}{
		{"vxlan", vxlanFrame(t, innerEth), LinkEthernet, EncapVXLAN},
		{"gre-ip", greFrame(t, layers.EthernetTypeIPv4, innerIP), LinkEthernet, EncapGRE},
		{"gre-teb", greFrame(t, layers.EthernetType(0x6558), innerEth), LinkEthernet, EncapGRE},
		{"4in4", serialize(t, ipv4(layers.IPProtocolIPv4), gopacket.Payload(innerIP)), LinkRaw, EncapIPinIP},
		{"6in4", serialize(t, ipv4(layers.IPProtocolIPv6), gopacket.Payload(innerIP6)), LinkRaw, EncapIPinIP},
		{"geneve", withEther(0x0800, ipUDP4(t, ip4A, ip4B, 5000, portGeneve,
			append([]byte{0x02, 0, 0x65, 0x58, 0, 0, 1, 0, 0, 1, 0x01, 0x01, 0, 0, 0, 0}, innerEth...))), LinkEthernet, EncapGeneve},
		{"gtp", ipUDP4(t, ip4A, ip4B, portGTPU, portGTPU,
			append([]byte{0x30, 0xff, 0, byte(len(innerIP)), 0, 0, 0, 1}, innerIP...)), LinkRaw, EncapGTPU},
		{"ayiya", ipUDP4(t, ip4A, ip4B, 5072, 5072,
			append(append([]byte{0x41, 0x52, 0x11, protoIPv6, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, make([]byte, 20)...), innerIP6...)), LinkRaw, EncapAYIYA},
		{"teredo", ipUDP4(t, ip4A, ip4B, 3544, 40000, innerIP6), LinkRaw, EncapTeredo},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := decodeOne(t, New(DefaultOptions()), c.lt, c.frame)
			if p.N != 2 || p.Weird != "" {
				t.Fatalf("N=%d weird=%q", p.N, p.Weird)
			}
			l := p.Levels[1]
			if l.Encap != c.encap || l.Proto != protoTCP || l.BadChecksum || (l.DstPort != 80 && l.DstPort != 443) {
				t.Fatalf("inner %+v", l)
			}
		})
	}
	// GTP messages other than T-PDU carry no user data.
	echo := ipUDP4(t, ip4A, ip4B, portGTPU, portGTPU, append([]byte{0x30, 0x01, 0, byte(len(innerIP)), 0, 0, 0, 1}, innerIP...))
	if p := decodeOne(t, New(DefaultOptions()), LinkRaw, echo); p.N != 1 {
		t.Errorf("GTP non-T-PDU decapsulated: N=%d", p.N)
	}
	// VXLAN only on its port.
	other := withEther(0x0800, ipUDP4(t, ip4A, ip4B, 40000, 4790, append([]byte{0x08, 0, 0, 0, 0, 0, 42, 0}, innerEth...)))
	if p := decodeOne(t, New(DefaultOptions()), LinkEthernet, other); p.N != 1 {
		t.Errorf("VXLAN off its port decapsulated: N=%d", p.N)
	}
}

func TestTunnelMaxDepth(t *testing.T) {
	ip := ipv4(layers.IPProtocolTCP)
	pkt := serialize(t, ip, tcpSeg(ip, 1, 2))
	for range 3 {
		pkt = serialize(t, ipv4(layers.IPProtocolIPv4), gopacket.Payload(pkt))
	}
	d := New(DefaultOptions())
	p := decodeOne(t, d, LinkRaw, pkt)
	if p.N != 3 || p.Weird != WeirdExceededTunnelDepth+"_in_tunnel" {
		t.Fatalf("N=%d weird=%q", p.N, p.Weird)
	}
	d1 := New(Options{MaxTunnelDepth: 1})
	if p := decodeOne(t, d1, LinkRaw, pkt); p.N != 2 {
		t.Fatalf("depth 1: N=%d weird=%q", p.N, p.Weird)
	}
}

func TestFragments(t *testing.T) {
	payload := make([]byte, 3000)
	for i := range payload {
		payload[i] = byte(i)
	}
	pkt := ipUDP4(t, ip4A, ip4B, 1000, 2000, payload)
	frags := fragment4(pkt, 1480)
	d := New(DefaultOptions())
	var p Packet
	for i, f := range frags {
		d.Decode(&p, LinkRaw, f, int64(i), len(f))
		if i < len(frags)-1 && (p.N != 0 || p.Weird != "") {
			t.Fatalf("fragment %d: N=%d weird=%q", i, p.N, p.Weird)
		}
	}
	l := p.Levels[0]
	if p.N != 1 || !l.Reassembled || l.IPLen != len(pkt) || l.DstPort != 2000 || len(l.Payload) != 3000 || l.BadChecksum {
		t.Fatalf("reassembled: N=%d weird=%q %+v", p.N, p.Weird, l)
	}

	// IPv6, inner of a GRE tunnel, out of order.
	ip6 := ipv6(layers.IPProtocolUDP)
	pkt6 := serialize(t, ip6, udpDgram(ip6, 7, 8), gopacket.Payload(payload))
	f6 := fragment6(pkt6, 1232, 99)
	for i := len(f6) - 1; i >= 0; i-- {
		d.Decode(&p, LinkEthernet, greFrame(t, layers.EthernetTypeIPv6, f6[i]), 10, 0)
	}
	if p.N != 2 || !p.Levels[1].Reassembled || p.Levels[1].DstPort != 8 || p.Levels[1].BadChecksum || p.Levels[1].IPLen != len(pkt6) {
		t.Fatalf("v6 reassembled: N=%d weird=%q %+v", p.N, p.Weird, p.Levels[1])
	}
	if s := d.Stats(); s.Reassembled != 2 || s.FragHeld != uint64(len(frags)+len(f6)-2) {
		t.Errorf("stats: reassembled=%d held=%d", s.Reassembled, s.FragHeld)
	}
}

// TestTruncatedFrames cuts frames at every length: no panic, and a
// missing IP header is reported.
func TestTruncatedFrames(t *testing.T) {
	ip := ipv4(layers.IPProtocolTCP)
	inner := withEther(0x0800, serialize(t, ip, tcpSeg(ip, 1, 2)))
	frames := [][]byte{ethTCP4(t, "abc"), vxlanFrame(t, inner), greFrame(t, 0x6558, inner)}
	d := New(DefaultOptions())
	var p Packet
	for _, f := range frames {
		for n := range len(f) {
			d.Decode(&p, LinkEthernet, f[:n], 0, len(f))
		}
	}
	d.Decode(&p, LinkEthernet, frames[0][:14+10], 0, 100)
	if p.Weird != WeirdTruncatedIP {
		t.Errorf("weird %q", p.Weird)
	}
	// A TCP header that does not fit in the IP payload: the level stays,
	// marked, and Zeek's flow weird is set.
	short := serialize(t, ipv4(layers.IPProtocolTCP), gopacket.Payload("0123456789"))
	d.Decode(&p, LinkRaw, short, 0, len(short))
	if p.N != 1 || !p.Levels[0].TransportTruncated || p.Weird != WeirdTruncatedHeader {
		t.Errorf("short TCP: N=%d weird=%q %+v", p.N, p.Weird, p.Levels[0])
	}
	// A TCP data offset below 20: the connection exists, the packet is
	// malformed.
	bad := ethTCP4(t, "")
	bad[14+20+12] = 0x40
	d.Decode(&p, LinkEthernet, bad, 0, len(bad))
	if p.N != 1 || !p.Levels[0].Malformed || p.Weird != WeirdBadTCPHeaderLen || p.Levels[0].DstPort != 80 {
		t.Errorf("bad offset: N=%d weird=%q %+v", p.N, p.Weird, p.Levels[0])
	}
}

func TestWeirdNamesRegistered(t *testing.T) {
	d := New(DefaultOptions())
	n := len(d.stats.Weirds)
	// Every weird the decoder can name is a key: counting never allocates.
	var p Packet
	d.p = &p
	d.weird(WeirdTruncatedGRE)
	d.depth = 1
	d.weird(WeirdTruncatedGRE)
	if len(d.stats.Weirds) != n || d.stats.Weirds[WeirdTruncatedGRE+"_in_tunnel"] != 1 {
		t.Fatal("weird map grew")
	}
}

func TestChecksumFunc(t *testing.T) {
	if checksum(0, []byte{0xff, 0xff}) != 0xffff || checksum(0, []byte{1}) != 0x0100 {
		t.Fatal("checksum")
	}
}
