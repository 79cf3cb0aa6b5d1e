package conn

import (
	"net/netip"
	"testing"

	"xsensor/analyzer/decode"
	"xsensor/analyzer/uid"
)

func benchLevel(i int) decode.Level {
	return decode.Level{IPVersion: 4, Proto: 6, Src: hostA, Dst: hostB, SrcPort: uint16(1024 + i%50000), DstPort: 80,
		TCPFlags: decode.TCPAck | decode.TCPPsh, Seq: uint32(1000 + i), Ack: 5000, Window: 1000, TCPHdrLen: 20,
		PayloadLen: 1, Payload: []byte{0}, IPLen: 41}
}

func TestNoAllocs(t *testing.T) {
	opts := DefaultOptions()
	opts.MaxConns = 1024
	tbl, err := New(opts, uid.NewGenerator(1), func(*Record) {})
	if err != nil {
		t.Fatal(err)
	}
	par := []uid.UID{{Lo: 7}}
	ts := t0
	// Warm: fill the pool once so chunks exist.
	for i := 0; i < 2048; i++ {
		l := benchLevel(i)
		ts += 1000
		tbl.Advance(ts)
		tbl.Packet(ts, &l, par)
	}
	existing := benchLevel(2047)
	syn := existing
	tl := benchLevel(0)
	tests := []struct {
		name string
		f    func()
	}{
		{"existing", func() {
			ts += 1000
			tbl.Advance(ts)
			existing.Seq++
			tbl.Packet(ts, &existing, par)
		}},
		{"new-then-recycled", func() {
			// Each call creates a connection; the full table evicts one.
			ts += 1000
			tbl.Advance(ts)
			syn.SrcPort++
			syn.TCPFlags = decode.TCPSyn
			tbl.Packet(ts, &syn, par)
		}},
		{"udp+icmp", func() {
			ts += 1000
			u := decode.Level{IPVersion: 4, Proto: 17, Src: hostA, Dst: hostB, SrcPort: 5, DstPort: 53, PayloadLen: 4, IPLen: 32}
			tbl.Packet(ts, &u, nil)
			ic := decode.Level{IPVersion: 6, Proto: 58, Src: netip.IPv6Loopback(), Dst: netip.IPv6Unspecified(), ICMPType: 128, IPLen: 48}
			tbl.Packet(ts, &ic, nil)
		}},
		{"timers", func() {
			ts += int64(70e9)
			tbl.Advance(ts)
			tl.SrcPort = uint16(ts % 1000)
			tbl.Packet(ts, &tl, nil)
		}},
	}
	for _, tc := range tests {
		if n := testing.AllocsPerRun(1000, tc.f); n != 0 {
			t.Errorf("%s: %v allocs per packet", tc.name, n)
		}
	}
}

func BenchmarkPacket(b *testing.B) {
	tbl, _ := New(DefaultOptions(), uid.NewGenerator(1), func(*Record) {})
	ls := make([]decode.Level, 4096)
	for i := range ls {
		ls[i] = benchLevel(i)
	}
	ts := t0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ts += 100
		if i&1023 == 0 {
			tbl.Advance(ts)
		}
		l := &ls[i&4095]
		l.Seq++
		tbl.Packet(ts, l, nil)
	}
}
