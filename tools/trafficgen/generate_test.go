package trafficgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"xsensor/capture/pcapfile"
)

func smallOpts(mix string) Options {
	o := DefaultOptions()
	o.Mix = mix
	o.Flows = 3000
	o.Packets = 40000
	o.Concurrency = 300
	o.IPv6Share = 0.3
	o.VLANShare = 0.3
	o.Seed = 42
	return o
}

type capPkt struct {
	ts    int64
	frame []byte
}

func collect(t *testing.T, o Options) ([]capPkt, Summary) {
	t.Helper()
	var ps []capPkt
	s, err := Generate(o, func(ts int64, f []byte) error {
		ps = append(ps, capPkt{ts, append([]byte(nil), f...)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ps, s
}

func digest(t *testing.T, o Options) [32]byte {
	h := sha256.New()
	var tb [8]byte
	_, err := Generate(o, func(ts int64, f []byte) error {
		binary.LittleEndian.PutUint64(tb[:], uint64(ts))
		h.Write(tb[:])
		h.Write(f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}

func TestDeterministic(t *testing.T) {
	o := smallOpts(MixIMIX)
	if digest(t, o) != digest(t, o) {
		t.Fatal("same options, different output")
	}
	o2 := o
	o2.Seed++
	if digest(t, o) == digest(t, o2) {
		t.Fatal("different seeds, same output")
	}
}

func TestValidate(t *testing.T) {
	for _, mod := range []func(*Options){
		func(o *Options) { o.Mix = "jumbo" },
		func(o *Options) { o.Flows = 0 },
		func(o *Options) { o.Packets = -1 },
		func(o *Options) { o.IPv6Share = 2 },
		func(o *Options) { o.VLANShare = math.NaN() },
	} {
		o := DefaultOptions()
		mod(&o)
		if _, err := Generate(o, func(int64, []byte) error { return nil }); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	stop := errors.New("stop")
	o := smallOpts(MixIMIX)
	if _, err := Generate(o, func(int64, []byte) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("emit error not returned: %v", err)
	}
}

// naiveChecksum is an independent RFC 1071 sum for the IPv4 header check.
func naiveChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// reChecksum re-serialises an L4 layer with gopacket computing the
// checksum and returns the checksum it wrote at off.
func reChecksum(t *testing.T, l gopacket.SerializableLayer, payload []byte, off int) uint16 {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, l, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return binary.BigEndian.Uint16(buf.Bytes()[off:])
}

type endpoint struct {
	addr netip.Addr
	port uint16
}

type flowKey struct{ a, b endpoint }

type tcpTrack struct {
	pkts       int
	cli        endpoint
	synSeq     uint32
	next       map[endpoint]uint32 // next expected seq per sender
	fins       int
	rst, syn   bool
	synAck     bool
	data       bool
	finAfterDa bool
	bad        string
}

func TestParseBack(t *testing.T) {
	for _, mix := range []string{MixIMIX, MixSmall, MixLarge} {
		t.Run(mix, func(t *testing.T) { parseBack(t, smallOpts(mix)) })
	}
}

func parseBack(t *testing.T, o Options) {
	ps, sum := collect(t, o)
	if sum.Packets != o.Packets || len(ps) != o.Packets {
		t.Fatalf("packets: summary %d, emitted %d, want %d", sum.Packets, len(ps), o.Packets)
	}
	if sum.Flows != o.Flows {
		t.Fatalf("flows %d, want %d", sum.Flows, o.Flows)
	}
	flows := map[flowKey]*tcpTrack{}
	other := map[flowKey]int{}
	var sizes [nClasses]int
	var v6, vlan int
	var last int64
	for i, p := range ps {
		if i > 0 && p.ts <= last {
			t.Fatalf("packet %d: timestamp %d not after %d", i, p.ts, last)
		}
		last = p.ts
		sizes[classify(len(p.frame))]++
		pkt := gopacket.NewPacket(p.frame, layers.LayerTypeEthernet, gopacket.Default)
		if el := pkt.ErrorLayer(); el != nil {
			t.Fatalf("packet %d: decode error %v", i, el.Error())
		}
		if pkt.Layer(layers.LayerTypeDot1Q) != nil {
			vlan++
		}
		var src, dst netip.Addr
		var netL gopacket.NetworkLayer
		untagged4 := false
		if ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
			hl := int(ip.IHL) * 4
			if naiveChecksum(ip.Contents[:hl]) != 0 {
				t.Fatalf("packet %d: bad IPv4 header checksum", i)
			}
			src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
			netL = ip
			untagged4 = pkt.Layer(layers.LayerTypeDot1Q) == nil
		} else if ip, ok := pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok {
			src, _ = netip.AddrFromSlice(ip.SrcIP)
			dst, _ = netip.AddrFromSlice(ip.DstIP)
			netL = ip
			v6++
		} else {
			t.Fatalf("packet %d: no IP layer", i)
		}
		switch l := pkt.TransportLayer().(type) {
		case *layers.TCP:
			l.SetNetworkLayerForChecksum(netL)
			if c := reChecksum(t, l, l.Payload, 16); c != l.Checksum {
				t.Fatalf("packet %d: TCP checksum %#x, want %#x", i, l.Checksum, c)
			}
			checkSize(t, o.Mix, i, len(p.frame), len(l.Payload) > 0, untagged4)
			a, b := endpoint{src, uint16(l.SrcPort)}, endpoint{dst, uint16(l.DstPort)}
			trackTCP(flows, a, b, l)
		case *layers.UDP:
			l.SetNetworkLayerForChecksum(netL)
			if c := reChecksum(t, l, l.Payload, 6); c != l.Checksum {
				t.Fatalf("packet %d: UDP checksum %#x, want %#x", i, l.Checksum, c)
			}
			if l.SrcPort == 53 || l.DstPort == 53 {
				if pkt.Layer(layers.LayerTypeDNS) == nil {
					t.Fatalf("packet %d: port 53 but no DNS layer", i)
				}
			}
			if o.Mix == MixSmall && untagged4 && len(p.frame) != 60 {
				t.Fatalf("packet %d: small mix frame of %d bytes", i, len(p.frame))
			}
			other[canon(endpoint{src, uint16(l.SrcPort)}, endpoint{dst, uint16(l.DstPort)})]++
		default:
			if ic, ok := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok {
				if naiveChecksum(ic.Contents) != 0 && naiveChecksum(append(append([]byte(nil), ic.Contents...), ic.Payload...)) != 0 {
					t.Fatalf("packet %d: bad ICMP checksum", i)
				}
			} else if ic, ok := pkt.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6); ok {
				ic.SetNetworkLayerForChecksum(netL)
				if c := reChecksum(t, ic, ic.Payload, 2); c != ic.Checksum {
					t.Fatalf("packet %d: ICMPv6 checksum %#x, want %#x", i, ic.Checksum, c)
				}
			} else {
				t.Fatalf("packet %d: no transport layer: %v", i, pkt)
			}
			other[canon(endpoint{src, 0}, endpoint{dst, 0})]++
		}
	}
	if got := len(flows) + len(other); got != o.Flows {
		t.Errorf("distinct flows in the trace %d, want %d", got, o.Flows)
	}
	if len(flows) != sum.TCPFlows {
		t.Errorf("TCP flows %d, summary %d", len(flows), sum.TCPFlows)
	}
	var synOnly, rst, complete int
	for k, f := range flows {
		if f.bad != "" {
			t.Fatalf("flow %v: %s", k, f.bad)
		}
		switch {
		case !f.synAck:
			synOnly++
		case f.rst:
			rst++
		case f.fins == 2:
			complete++
			if !f.data {
				t.Errorf("flow %v: closed without data", k)
			}
		default:
			t.Errorf("flow %v: neither closed nor reset: %+v", k, f)
		}
	}
	if synOnly != sum.SynOnlyFlows || rst != sum.RSTFlows || complete == 0 {
		t.Errorf("syn-only %d (summary %d), rst %d (summary %d), complete %d", synOnly, sum.SynOnlyFlows, rst, sum.RSTFlows, complete)
	}
	if v6 == 0 || vlan == 0 || v6 != sum.IPv6Packets || vlan != sum.VLANPackets {
		t.Errorf("ipv6 packets %d (summary %d), vlan packets %d (summary %d)", v6, sum.IPv6Packets, vlan, sum.VLANPackets)
	}
	n := float64(len(ps))
	switch o.Mix {
	case MixIMIX:
		for c, share := range []float64{7.0 / 12, 4.0 / 12, 1.0 / 12} {
			if got := float64(sizes[c]) / n; math.Abs(got-share) > 0.01 {
				t.Errorf("imix class %d: share %.3f, want %.3f", c, got, share)
			}
		}
	case MixSmall:
		if sizes[classSmall] != len(ps) {
			t.Errorf("small mix: %v", sizes)
		}
	case MixLarge:
		if sizes[classLarge] < len(ps)/4 {
			t.Errorf("large mix: %v", sizes)
		}
	}
	t.Logf("%s: %d packets, %d flows (%d TCP, %d complete, %d reset, %d syn-only), sizes %v", o.Mix, len(ps), o.Flows, len(flows), complete, rst, synOnly, sizes)
}

// checkSize checks the exact frame sizes of untagged IPv4 TCP packets.
func checkSize(t *testing.T, mix string, i, n int, data, untagged4 bool) {
	t.Helper()
	if !untagged4 {
		return
	}
	switch {
	case mix == MixSmall && n != 60:
		t.Fatalf("packet %d: small mix frame of %d bytes", i, n)
	case mix == MixLarge && data && n != 1514:
		t.Fatalf("packet %d: large mix data frame of %d bytes", i, n)
	case mix == MixIMIX && n != 60 && n != 66 && n != 590 && n != 1514: // 66: SYN with options
		t.Fatalf("packet %d: imix TCP frame of %d bytes", i, n)
	}
}

func canon(a, b endpoint) flowKey {
	if a.addr.Less(b.addr) || (a.addr == b.addr && a.port < b.port) {
		return flowKey{a, b}
	}
	return flowKey{b, a}
}

// trackTCP checks one flow's handshake, sequence numbers and close.
func trackTCP(flows map[flowKey]*tcpTrack, src, dst endpoint, l *layers.TCP) {
	k := canon(src, dst)
	f := flows[k]
	if f == nil {
		f = &tcpTrack{cli: src, next: map[endpoint]uint32{}}
		flows[k] = f
		if !l.SYN || l.ACK {
			f.bad = "first packet is not a SYN"
			return
		}
		f.syn = true
		f.synSeq = l.Seq
		f.next[src] = l.Seq + 1
		f.pkts++
		return
	}
	if f.bad != "" {
		return
	}
	f.pkts++
	fail := func(s string) { f.bad = s }
	switch {
	case l.SYN && !l.ACK:
		if src != f.cli || l.Seq != f.synSeq || f.synAck {
			fail("unexpected SYN")
		}
		return
	case l.SYN && l.ACK:
		if src == f.cli || f.synAck || l.Ack != f.synSeq+1 {
			fail("bad SYN-ACK")
		}
		f.synAck = true
		f.next[src] = l.Seq + 1
		return
	}
	if !f.synAck {
		fail("packet before SYN-ACK")
		return
	}
	if l.Seq != f.next[src] {
		fail("sequence gap or overlap")
		return
	}
	if !l.ACK || l.Ack != f.next[dst] {
		fail("ack does not match the peer's next sequence number")
		return
	}
	if f.rst || f.fins == 2 && (l.FIN || len(l.Payload) > 0) {
		fail("packet after close")
		return
	}
	if len(l.Payload) > 0 {
		if f.fins > 0 {
			fail("data after FIN")
		}
		f.data = true
	}
	f.next[src] += uint32(len(l.Payload))
	if l.FIN {
		f.fins++
		f.next[src]++
	}
	if l.RST {
		f.rst = true
	}
}

func TestWritePcap(t *testing.T) {
	o := smallOpts(MixIMIX)
	o.Packets, o.Flows = 5000, 400
	path := filepath.Join(t.TempDir(), "gen.pcap")
	s, err := WritePcap(path, o)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := collect(t, o)
	r, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	i := 0
	for ; ; i++ {
		d, info, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if info.LinkType != 1 || info.TS != want[i].ts || !bytes.Equal(d, want[i].frame) {
			t.Fatalf("packet %d differs", i)
		}
	}
	if i != s.Packets || i != o.Packets {
		t.Fatalf("read %d packets, summary %d", i, s.Packets)
	}
	if _, err := WritePcap(filepath.Join(t.TempDir(), "missing", "x.pcap"), o); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

// TestNoAllocs: allocations are per run (pool, pattern), not per packet.
func TestNoAllocs(t *testing.T) {
	o := smallOpts(MixIMIX)
	o.Packets, o.Flows = 100_000, 10_000
	allocs := testing.AllocsPerRun(2, func() {
		Generate(o, func(int64, []byte) error { return nil })
	})
	if allocs > 20 {
		t.Fatalf("%v allocations for %d packets; want a constant few", allocs, o.Packets)
	}
}

// TestBenchmarkMix checks the default mix is big and quick enough.
func TestBenchmarkMix(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	o := DefaultOptions()
	s, err := Generate(o, func(int64, []byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if s.Packets < 1_000_000 || s.Flows < 100_000 {
		t.Fatalf("default mix: %d packets, %d flows", s.Packets, s.Flows)
	}
}

func BenchmarkGenerate(b *testing.B) {
	o := DefaultOptions()
	o.Packets, o.Flows = 100_000, 10_000
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Generate(o, func(int64, []byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*o.Packets), "ns/packet")
}
