package decode

import (
	"encoding/binary"
	"net"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Frame builders for the unit tests, on gopacket's serializers.

var (
	macA = net.HardwareAddr{0, 1, 2, 3, 4, 5}
	macB = net.HardwareAddr{0, 1, 2, 3, 4, 6}
	ip4A = net.IP{10, 0, 0, 1}
	ip4B = net.IP{10, 0, 0, 2}
	ip6A = net.ParseIP("2001:db8::1")
	ip6B = net.ParseIP("2001:db8::2")
)

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		t.Fatalf("serialize: %v", err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func eth(t layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: t}
}

func ipv4(proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: ip4A, DstIP: ip4B, Id: 77}
}

func ipv6(next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: next, SrcIP: ip6A, DstIP: ip6B}
}

// tcpSeg returns a TCP SYN with its checksum network layer set.
func tcpSeg(nl gopacket.NetworkLayer, sp, dp uint16) *layers.TCP {
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), Seq: 1000, SYN: true, Window: 512}
	_ = tcp.SetNetworkLayerForChecksum(nl)
	return tcp
}

func udpDgram(nl gopacket.NetworkLayer, sp, dp uint16) *layers.UDP {
	udp := &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
	_ = udp.SetNetworkLayerForChecksum(nl)
	return udp
}

// ethTCP4 is Ethernet/IPv4/TCP with payload.
func ethTCP4(t testing.TB, payload string) []byte {
	ip := ipv4(layers.IPProtocolTCP)
	return serialize(t, eth(layers.EthernetTypeIPv4), ip, tcpSeg(ip, 1234, 80), gopacket.Payload(payload))
}

// ipUDP4 is a raw IPv4/UDP packet with payload.
func ipUDP4(t testing.TB, src, dst net.IP, sp, dp uint16, payload []byte) []byte {
	ip := ipv4(layers.IPProtocolUDP)
	ip.SrcIP, ip.DstIP = src, dst
	return serialize(t, ip, udpDgram(ip, sp, dp), gopacket.Payload(payload))
}

// fragment4 splits a raw IPv4 packet (20-byte header) into fragments of
// at most n payload bytes (n a multiple of 8).
func fragment4(pkt []byte, n int) [][]byte {
	hdr, pl := pkt[:20], pkt[20:]
	var out [][]byte
	for off := 0; off < len(pl); off += n {
		end := min(off+n, len(pl))
		f := append(append([]byte(nil), hdr...), pl[off:end]...)
		ff := uint16(off / 8)
		if end < len(pl) {
			ff |= 0x2000
		}
		binary.BigEndian.PutUint16(f[2:4], uint16(len(f)))
		binary.BigEndian.PutUint16(f[6:8], ff)
		f[10], f[11] = 0, 0
		binary.BigEndian.PutUint16(f[10:12], ^checksum(0, f[:20]))
		out = append(out, f)
	}
	return out
}

// fragment6 splits a raw IPv6 packet without extension headers into
// fragments of at most n payload bytes (n a multiple of 8).
func fragment6(pkt []byte, n int, id uint32) [][]byte {
	hdr, pl := pkt[:40], pkt[40:]
	next := hdr[6]
	var out [][]byte
	for off := 0; off < len(pl); off += n {
		end := min(off+n, len(pl))
		f := append([]byte(nil), hdr...)
		f[6] = protoFragment
		fh := make([]byte, 8)
		fh[0] = next
		v := uint16(off)
		if end < len(pl) {
			v |= 1
		}
		binary.BigEndian.PutUint16(fh[2:4], v)
		binary.BigEndian.PutUint32(fh[4:8], id)
		f = append(append(f, fh...), pl[off:end]...)
		binary.BigEndian.PutUint16(f[4:6], uint16(len(f)-40))
		out = append(out, f)
	}
	return out
}

func withEther(et uint16, ip []byte) []byte {
	f := make([]byte, 14, 14+len(ip))
	copy(f, macB)
	copy(f[6:], macA)
	binary.BigEndian.PutUint16(f[12:14], et)
	return append(f, ip...)
}

// vxlanFrame is Ethernet/IPv4/UDP(4789)/VXLAN/inner.
func vxlanFrame(t testing.TB, inner []byte) []byte {
	vx := append([]byte{0x08, 0, 0, 0, 0, 0, 42, 0}, inner...)
	ip := ipUDP4(t, net.IP{192, 168, 1, 1}, net.IP{192, 168, 1, 2}, 40000, portVXLAN, vx)
	return withEther(0x0800, ip)
}

// greFrame is Ethernet/IPv4/GRE(proto)/inner with optional key and seq.
func greFrame(t testing.TB, proto layers.EthernetType, inner []byte) []byte {
	ip := ipv4(layers.IPProtocolGRE)
	ip.SrcIP, ip.DstIP = net.IP{172, 16, 0, 1}, net.IP{172, 16, 0, 2}
	gre := &layers.GRE{Protocol: proto, KeyPresent: true, Key: 7, SeqPresent: true, Seq: 9}
	return serialize(t, eth(layers.EthernetTypeIPv4), ip, gre, gopacket.Payload(inner))
}
