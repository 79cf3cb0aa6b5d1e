package communityid

import (
	"net/netip"
	"testing"
)

// Vectors from community-id-spec/baseline/baseline_deflt.json (seed 0).
// Port -1 stands for the spec's null (protocols without ports).
var baseline = []struct {
	proto        uint8
	saddr, daddr string
	sport, dport int
	want         string
}{
	{58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
	{58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
	{58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:zavyT/cezQr1fmImYCwYnMXbgck="},
	{58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135, "1:zavyT/cezQr1fmImYCwYnMXbgck="},
	{58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ="},
	{58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0="},
	{58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
	{58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
	{58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="},
	{58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00="},
	{1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
	{1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
	{1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM="},
	{6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
	{6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
	{132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
	{132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
	{6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
	{6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
	{17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
	{17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
	{46, "10.1.12.1", "10.1.12.2", -1, -1, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
	{46, "10.1.12.2", "10.1.12.1", -1, -1, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
}

func TestBaseline(t *testing.T) {
	for _, v := range baseline {
		sp, dp := uint16(v.sport), uint16(v.dport)
		if v.sport < 0 {
			sp, dp = 0, 0
		}
		got := string(Append(nil, 0, v.proto, netip.MustParseAddr(v.saddr), netip.MustParseAddr(v.daddr), sp, dp))
		if got != v.want {
			t.Errorf("%d %s:%d > %s:%d = %s, want %s", v.proto, v.saddr, v.sport, v.daddr, v.dport, got, v.want)
		}
		if len(got) != Len {
			t.Errorf("length %d", len(got))
		}
	}
	// Ports of portless protocols do not matter.
	a := Append(nil, 0, 46, netip.MustParseAddr("10.1.12.1"), netip.MustParseAddr("10.1.12.2"), 5, 6)
	if string(a) != "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" {
		t.Errorf("portless with ports: %s", a)
	}
	// IPv4-mapped IPv6 hashes as IPv4.
	m := Append(nil, 0, 6, netip.MustParseAddr("::ffff:128.232.110.120"), netip.MustParseAddr("66.35.250.204"), 34855, 80)
	if string(m) != "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" {
		t.Errorf("mapped: %s", m)
	}
}

func TestNoAllocs(t *testing.T) {
	src, dst := netip.MustParseAddr("2001:470:e5bf:dead:4957:2174:e82c:4887"), netip.MustParseAddr("2607:f8b0:400c:c03::1a")
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = Append(buf[:0], 0, 6, src, dst, 63943, 25) }); n != 0 {
		t.Errorf("Append allocates %.1f times", n)
	}
}

func BenchmarkAppend(b *testing.B) {
	src, dst := netip.MustParseAddr("192.168.1.52"), netip.MustParseAddr("8.8.8.8")
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = Append(buf[:0], 0, 17, src, dst, 54585, 53)
	}
}

// Vectors from community-id-spec/baseline/baseline_seed1.json (seed 1).
func TestSeed1(t *testing.T) {
	for _, v := range []struct {
		proto        uint8
		saddr, daddr string
		sport, dport uint16
		want         string
	}{
		{58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
		{58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="},
		{1, "192.168.0.1", "192.168.0.89", 0, 8, "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
		{1, "10.0.0.1", "10.0.0.2", 11, 0, "1:XjUibYHaafLQ3pxQeiMI8g25q20="},
		{6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
		{132, "192.168.170.56", "192.168.170.8", 7, 7, "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
		{17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
		{46, "10.1.12.2", "10.1.12.1", 0, 0, "1:rYir8gphR31noO9iDRQmF/BteEI="},
	} {
		got := string(Append(nil, 1, v.proto, netip.MustParseAddr(v.saddr), netip.MustParseAddr(v.daddr), v.sport, v.dport))
		if got != v.want {
			t.Errorf("seed 1: %d %s > %s = %s, want %s", v.proto, v.saddr, v.daddr, got, v.want)
		}
	}
}

// FuzzSymmetry checks that both directions of a two-way flow hash alike
// and that any input yields a well-formed ID.
func FuzzSymmetry(f *testing.F) {
	f.Add(uint16(0), uint8(6), []byte{10, 0, 0, 1}, []byte{10, 0, 0, 2}, uint16(1234), uint16(80))
	f.Add(uint16(1), uint8(58), make([]byte, 16), []byte{0xfe, 0x80, 15: 1}, uint16(135), uint16(0))
	f.Add(uint16(0), uint8(1), []byte{1, 2, 3, 4}, []byte{1, 2, 3, 4}, uint16(8), uint16(0))
	f.Fuzz(func(t *testing.T, seed uint16, proto uint8, a, b []byte, sp, dp uint16) {
		sa, ok1 := netip.AddrFromSlice(a)
		da, ok2 := netip.AddrFromSlice(b)
		if !ok1 || !ok2 {
			return
		}
		id := Append(nil, seed, proto, sa, da, sp, dp)
		if len(id) != Len || id[0] != '1' || id[1] != ':' {
			t.Fatalf("malformed %q", id)
		}
		if proto == protoICMP || proto == protoICMPv6 {
			return // one-way types keep their direction
		}
		if rev := Append(nil, seed, proto, da, sa, dp, sp); string(rev) != string(id) {
			t.Fatalf("asymmetric: %s vs %s", id, rev)
		}
	})
}
