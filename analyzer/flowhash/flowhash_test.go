package flowhash

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// Reference values of MurmurHash3 x86_32, seed 0 (from the SMHasher
// reference implementation).
func TestMurmur3(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
	}{
		{"", 0},
		{"a", 0x3c2569b2},
		{"abc", 0xb3dd93fa},
		{"Hello, world!", 0xc0363e43},
		{"The quick brown fox jumps over the lazy dog", 0x2e4ff723},
	} {
		if got := murmur3([]byte(tc.in)); got != tc.want {
			t.Errorf("murmur3(%q) = %#x, want %#x", tc.in, got, tc.want)
		}
	}
}

// frame builds an Ethernet frame with optional VLAN tags around an IPv4
// or IPv6 packet carrying proto with the given ports.
func frame(src, dst netip.Addr, proto uint8, sport, dport uint16, vlans int, frag bool) []byte {
	b := make([]byte, 12)
	for i := 0; i < vlans; i++ {
		b = append(b, 0x81, 0x00, 0x00, byte(i+1))
	}
	l4 := make([]byte, 20)
	binary.BigEndian.PutUint16(l4, sport)
	binary.BigEndian.PutUint16(l4[2:], dport)
	if src.Is4() {
		b = append(b, 0x08, 0x00)
		ip := make([]byte, 20)
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(20+len(l4)))
		if frag {
			ip[6] = 0x20 // MF
		}
		ip[8] = 64
		ip[9] = proto
		copy(ip[12:], src.AsSlice())
		copy(ip[16:], dst.AsSlice())
		b = append(b, ip...)
	} else {
		b = append(b, 0x86, 0xdd)
		ip := make([]byte, 40)
		ip[0] = 0x60
		ip[6] = proto
		if frag {
			ip[6] = 44
		}
		ip[7] = 64
		copy(ip[8:], src.AsSlice())
		copy(ip[24:], dst.AsSlice())
		b = append(b, ip...)
		if frag {
			b = append(b, proto, 0, 0, 1, 0, 0, 0, 7)
		}
	}
	return append(b, l4...)
}

func TestSymmetric(t *testing.T) {
	pairs := [][2]netip.Addr{
		{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("192.168.1.9")},
		{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.1")},
		{netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("fe80::99")},
	}
	for _, p := range pairs {
		for _, proto := range []uint8{6, 17, 132, 1, 58, 47} {
			for _, vl := range []int{0, 1, 2} {
				a := Of(LinkEthernet, frame(p[0], p[1], proto, 1234, 80, vl, false), ModeFiveTuple)
				b := Of(LinkEthernet, frame(p[1], p[0], proto, 80, 1234, 0, false), ModeFiveTuple)
				if a.L3 < 0 || b.L3 < 0 {
					t.Fatalf("%v proto %d: not parsed", p, proto)
				}
				if a.Hash != b.Hash {
					t.Errorf("%v proto %d vlans %d: directions differ: %#x vs %#x", p, proto, vl, a.Hash, b.Hash)
				}
			}
		}
	}
}

func TestKeyFields(t *testing.T) {
	s, d := netip.MustParseAddr("10.1.1.1"), netip.MustParseAddr("10.2.2.2")
	base := Of(LinkEthernet, frame(s, d, 6, 1000, 80, 0, false), ModeFiveTuple).Hash
	if h := Of(LinkEthernet, frame(s, d, 6, 1001, 80, 0, false), ModeFiveTuple).Hash; h == base {
		t.Error("source port does not change the hash")
	}
	if h := Of(LinkEthernet, frame(s, d, 17, 1000, 80, 0, false), ModeFiveTuple).Hash; h == base {
		t.Error("protocol does not change the hash")
	}
	// ICMP ignores the bytes where ports would be.
	i1 := Of(LinkEthernet, frame(s, d, 1, 0x0800, 1, 0, false), ModeFiveTuple)
	i2 := Of(LinkEthernet, frame(d, s, 1, 0x0000, 1, 0, false), ModeFiveTuple)
	if i1.Hash != i2.Hash {
		t.Error("ICMP echo request and reply hash differently")
	}
	// IP-pair mode ignores ports and protocol.
	p1 := Of(LinkEthernet, frame(s, d, 6, 1000, 80, 0, false), ModeIPPair)
	p2 := Of(LinkEthernet, frame(d, s, 17, 53, 999, 0, false), ModeIPPair)
	if p1.Hash != p2.Hash {
		t.Error("ip-pair mode depends on ports or protocol")
	}
}

func TestFragments(t *testing.T) {
	for _, pair := range [][2]string{{"10.1.1.1", "10.2.2.2"}, {"2001:db8::1", "2001:db8::2"}} {
		s, d := netip.MustParseAddr(pair[0]), netip.MustParseAddr(pair[1])
		f := Of(LinkEthernet, frame(s, d, 17, 1000, 53, 0, true), ModeFiveTuple)
		if !f.Fragment {
			t.Fatalf("%v: fragment not recognised", s)
		}
		// A fragment keys like the same packet with zero ports.
		z := Of(LinkEthernet, frame(d, s, 17, 0, 0, 0, false), ModeFiveTuple)
		if f.Hash != z.Hash {
			t.Errorf("%v: fragment hash %#x != zero-port hash %#x", s, f.Hash, z.Hash)
		}
	}
}

func TestLinkTypes(t *testing.T) {
	s, d := netip.MustParseAddr("10.1.1.1"), netip.MustParseAddr("10.2.2.2")
	eth := frame(s, d, 6, 1000, 80, 0, false)
	want := Of(LinkEthernet, eth, ModeFiveTuple)
	ip := eth[14:]
	sll := append(make([]byte, 14), 0x08, 0x00)
	sll2 := append([]byte{0x08, 0x00}, make([]byte, 18)...)
	null := []byte{2, 0, 0, 0}
	for _, tc := range []struct {
		link uint16
		b    []byte
	}{
		{LinkRaw, ip},
		{LinkIPv4, ip},
		{LinkSLL, append(sll, ip...)},
		{LinkSLL2, append(sll2, ip...)},
		{LinkNull, append(null, ip...)},
		{LinkPPP, append([]byte{0xff, 0x03, 0x00, 0x21}, ip...)},
	} {
		if got := Of(tc.link, tc.b, ModeFiveTuple); got.Hash != want.Hash || got.L3 < 0 {
			t.Errorf("link %d: %+v, want hash %#x", tc.link, got, want.Hash)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	f := frame(netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2"), 6, 1, 2, 2, false)
	if n := testing.AllocsPerRun(1000, func() { Of(LinkEthernet, f, ModeFiveTuple) }); n != 0 {
		t.Errorf("Of allocates %v times", n)
	}
}

func BenchmarkOf(b *testing.B) {
	f := frame(netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), 6, 1, 2, 1, false)
	b.ReportAllocs()
	for b.Loop() {
		Of(LinkEthernet, f, ModeFiveTuple)
	}
}

// FuzzOf checks that no input makes the parser panic and that the two
// directions of any parsed IPv4 TCP/UDP packet hash alike.
func FuzzOf(f *testing.F) {
	f.Add(uint16(LinkEthernet), frame(netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), 6, 1, 2, 1, false))
	f.Add(uint16(LinkEthernet), frame(netip.MustParseAddr("::1"), netip.MustParseAddr("::2"), 17, 1, 2, 0, true))
	f.Add(uint16(LinkSLL2), []byte{0x86, 0xdd})
	f.Add(uint16(LinkNull), []byte{2, 0, 0, 0, 0x45})
	f.Fuzz(func(t *testing.T, link uint16, b []byte) {
		Of(link, b, ModeFiveTuple)
		Of(link, b, ModeIPPair)
	})
}

func TestTunnelPorts(t *testing.T) {
	s, d := netip.MustParseAddr("192.168.56.12"), netip.MustParseAddr("192.168.56.11")
	// VXLAN: each direction picks its own source port.
	a := Of(LinkEthernet, frame(s, d, 17, 38071, 4789, 0, false), ModeFiveTuple)
	b := Of(LinkEthernet, frame(d, s, 17, 51234, 4789, 0, false), ModeFiveTuple)
	if a.Hash != b.Hash {
		t.Error("the two directions of a VXLAN tunnel hash differently")
	}
	z := Of(LinkEthernet, frame(s, d, 17, 0, 0, 0, false), ModeFiveTuple)
	if a.Hash != z.Hash {
		t.Error("tunnel traffic does not key with zero ports")
	}
}
