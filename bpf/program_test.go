//go:build linux && (386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64)

package bpf

import (
	"errors"
	"net/netip"
	"testing"

	"xsensor/analyzer/flowhash"
)

func tcpFlow(src, dst string, sport, dport uint16) flowSpec {
	return flowSpec{src: netip.MustParseAddr(src), dst: netip.MustParseAddr(dst), proto: 6,
		sport: sport, dport: dport, payload: 10}
}

func udpFlow(src, dst string, sport, dport uint16) flowSpec {
	f := tcpFlow(src, dst, sport, dport)
	f.proto = 17
	return f
}

func TestCounters(t *testing.T) {
	p := loadTest(t, Options{WorkersPerQueue: 2, NoSocket: ActionDrop})
	f := tcpFlow("10.0.0.1", "10.0.0.2", 1234, 80)
	good := f.frame(false)
	frames := [][]byte{good, f.frame(true), good[:20], oddFrames()[0]} // ok, ok, truncated IP, ARP
	var bytes uint64
	for _, fr := range frames {
		ret, d := runFrame(t, p, fr)
		if ret != xdpDrop {
			t.Errorf("action %d, want XDP_DROP (NoSocket drop)", ret)
		}
		bytes += uint64(len(fr))
		_ = d
	}
	c, err := p.Counters()
	if err != nil {
		t.Fatal(err)
	}
	want := Counters{Seen: 4, Bytes: bytes, Dropped: 4, ParseErrors: 1, RedirectFailures: 4}
	if c != want {
		t.Errorf("Counters() = %+v, want %+v", c, want)
	}
}

func TestKeyMatchesNewFlowKey(t *testing.T) {
	p := loadTest(t, Options{})
	for _, f := range []flowSpec{
		tcpFlow("10.0.0.9", "10.0.0.2", 1234, 80),
		tcpFlow("2001:db8::1", "2001:db8::2", 443, 5555),
		tcpFlow("192.0.2.1", "192.0.2.1", 9, 8),
		udpFlow("192.0.2.1", "192.0.2.9", 50123, 4789),     // VXLAN: no ports
		udpFlow("2001:db8::9", "2001:db8::1", 2152, 40000), // GTP-U
		udpFlow("192.0.2.1", "192.0.2.9", 50123, 53),
	} {
		want, err := NewFlowKey(f.src, f.dst, f.sport, f.dport, f.proto)
		if err != nil {
			t.Fatal(err)
		}
		for _, rev := range []bool{false, true} {
			_, d := runFrame(t, p, f.frame(rev))
			if got := FlowKey(d.Key); got != want {
				t.Errorf("%v reverse=%v: kernel key %v, NewFlowKey %v", f.src, rev, got, want)
			}
		}
	}
}

func TestIPPairMode(t *testing.T) {
	const wpq = 8
	p := loadTest(t, Options{WorkersPerQueue: wpq, HashMode: flowhash.ModeIPPair})
	f := tcpFlow("10.1.0.1", "10.2.0.1", 1000, 80)
	_, first := runFrame(t, p, f.frame(false))
	// Every port pair and protocol between the two hosts lands on one slot.
	for i := 0; i < 50; i++ {
		g := f
		g.sport, g.dport = uint16(2000+i), uint16(i)
		if i%3 == 0 {
			g.proto = 17
		}
		_, d := runFrame(t, p, g.frame(i%2 == 0))
		if d.Hash != first.Hash || d.Slot != first.Slot {
			t.Fatalf("ports %d/%d: hash %#x slot %d, want %#x slot %d", g.sport, g.dport, d.Hash, d.Slot, first.Hash, first.Slot)
		}
	}
	if want := flowhash.Of(flowhash.LinkEthernet, f.frame(false), flowhash.ModeIPPair).Hash; first.Hash != want {
		t.Errorf("hash %#x, flowhash %#x", first.Hash, want)
	}
}

func TestShunt(t *testing.T) {
	p := loadTest(t, Options{WorkersPerQueue: 2, HashMode: flowhash.ModeIPPair})
	f := tcpFlow("2001:db8::10", "2001:db8::20", 40000, 443)
	other := tcpFlow("2001:db8::10", "2001:db8::20", 40001, 443)
	key, err := NewFlowKey(f.dst, f.src, f.dport, f.sport, 6) // either direction gives the key
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.ShuntStats(key); !errors.Is(err, ErrNotShunted) {
		t.Fatalf("ShuntStats before Shunt: %v, want ErrNotShunted", err)
	}
	if err := p.Shunt(key); err != nil {
		t.Fatal(err)
	}
	var bytes uint64
	for _, rev := range []bool{false, true, false} {
		fr := f.frame(rev)
		bytes += uint64(len(fr))
		if ret, d := runFrame(t, p, fr); ret != xdpDrop || d.Status&stShunted == 0 {
			t.Errorf("shunted flow: action %d status %#x, want XDP_DROP and shunted", ret, d.Status)
		}
	}
	// Same hosts, other port: not shunted, even in ip-pair mode.
	if ret, d := runFrame(t, p, other.frame(false)); ret != xdpPass || d.Status&stShunted != 0 {
		t.Errorf("other flow: action %d status %#x, want XDP_PASS", ret, d.Status)
	}
	if err := p.Shunt(key); err != nil { // again: keeps the counts
		t.Fatal(err)
	}
	st, err := p.ShuntStats(key)
	if err != nil {
		t.Fatal(err)
	}
	if st != (ShuntStats{Packets: 3, Bytes: bytes}) {
		t.Errorf("ShuntStats = %+v, want 3 packets, %d bytes", st, bytes)
	}
	c, _ := p.Counters()
	if c.Shunted != 3 || c.Dropped != 3 || c.Passed != 1 {
		t.Errorf("counters %+v", c)
	}
	if err := p.Unshunt(key); err != nil {
		t.Fatal(err)
	}
	if ret, _ := runFrame(t, p, f.frame(false)); ret != xdpPass {
		t.Errorf("unshunted flow: action %d, want XDP_PASS", ret)
	}
	if err := p.Unshunt(key); err != nil {
		t.Errorf("second Unshunt: %v", err)
	}
}

func TestFilter(t *testing.T) {
	in4 := tcpFlow("10.9.0.1", "192.0.2.7", 1, 2)
	in4rev := tcpFlow("192.0.2.7", "10.9.0.1", 1, 2)
	out4 := tcpFlow("172.16.0.1", "192.0.2.7", 1, 2)
	in6 := tcpFlow("2001:db8:1::5", "2001:db8:ffff::1", 1, 2)
	out6 := tcpFlow("2001:db8:2::5", "2001:db8:ffff::1", 1, 2)
	arp := oddFrames()[0]
	prefixes := []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16"), netip.MustParsePrefix("2001:db8:1::/48"),
		netip.MustParsePrefix("::ffff:198.51.100.0/120")}

	p := loadTest(t, Options{Filter: Filter{Mode: FilterAllow, Prefixes: prefixes}})
	check := func(name string, fr []byte, filtered bool) {
		t.Helper()
		_, d := runFrame(t, p, fr)
		if got := d.Status&stFiltered != 0; got != filtered {
			t.Errorf("%s: filtered=%v, want %v", name, got, filtered)
		}
	}
	mapped := tcpFlow("198.51.100.77", "192.0.2.7", 1, 2)
	check("allow in4", in4.frame(false), false)
	check("allow in4 reverse", in4rev.frame(false), false)
	check("allow out4", out4.frame(false), true)
	check("allow in6", in6.frame(true), false)
	check("allow out6", out6.frame(true), true)
	check("allow mapped prefix", mapped.frame(false), false)
	check("allow arp", arp, false)

	if err := p.SetFilter(prefixes[:1], FilterDeny); err != nil {
		t.Fatal(err)
	}
	check("deny in4", in4.frame(true), true)
	check("deny out4", out4.frame(false), false)
	check("deny in6 (prefix removed)", in6.frame(false), false)

	if err := p.SetFilter(nil, FilterOff); err != nil {
		t.Fatal(err)
	}
	check("off in4", in4.frame(false), false)
	c, _ := p.Counters()
	if c.Filtered != 3 {
		t.Errorf("Filtered = %d, want 3", c.Filtered)
	}
}

func TestRegisterRange(t *testing.T) {
	p := loadTest(t, Options{WorkersPerQueue: 2, Queues: 2})
	if err := p.Register(4, 0); err == nil {
		t.Error("Register(4) on 4 slots: no error")
	}
	// fd 0 is not an AF_XDP socket: the kernel refuses it.
	if err := p.Register(1, 0); err == nil {
		t.Error("Register of a non-XSK fd: no error")
	}
	if err := p.Unregister(1); err != nil {
		t.Errorf("Unregister of an empty slot: %v", err)
	}
}
