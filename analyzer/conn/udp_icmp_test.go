package conn

import (
	"net/netip"
	"testing"
	"time"

	"xsensor/analyzer/decode"
	"xsensor/analyzer/uid"
)

func TestUDP(t *testing.T) {
	r := newRig(t, DefaultOptions())
	r.proto, r.portA, r.portB = 17, 5555, 53
	r.run([]pk{{from: 'A', n: 30}, {at: 2 * ms, from: 'B', n: 100}, {at: 3 * ms, from: 'A', n: 30}})
	r.flush()
	rec := r.only()
	if rec.ConnState != "SF" || string(rec.History) != "Dd" || rec.OrigBytes != 60 || rec.RespBytes != 100 ||
		rec.OrigPkts != 2 || rec.RespPkts != 1 || rec.OrigIPBytes != 116 || rec.Duration != int64(3*ms) {
		t.Errorf("%+v", rec)
	}
}

func TestUDPFlipAndCorrupt(t *testing.T) {
	r := newRig(t, DefaultOptions())
	r.proto, r.portA, r.portB = 17, 5555, 53
	// First packet from the DNS server: flipped, SHR, "^d".
	r.run([]pk{{from: 'B', n: 10}})
	r.flush()
	rec := r.only()
	if rec.ConnState != "SHR" || string(rec.History) != "^d" || rec.OrigH != hostA || rec.HasBytes {
		t.Errorf("%+v", rec)
	}

	// core.udp-corrupt: bad checksums both ways → "Cc", OTH, no packets.
	r = newRig(t, DefaultOptions())
	r.proto, r.portA, r.portB = 17, 5555, 53
	r.run([]pk{{from: 'A', n: 10, bad: true}, {at: ms, from: 'B', n: 10, bad: true}})
	r.flush()
	rec = r.only()
	if rec.ConnState != "OTH" || string(rec.History) != "Cc" || rec.OrigPkts != 0 || rec.RespPkts != 0 {
		t.Errorf("%+v", rec)
	}
}

func icmpLevel(src, dst netip.Addr, typ, code uint8, n int) decode.Level {
	proto := uint8(1)
	ipl := 28 + n
	if src.Is6() {
		proto, ipl = 58, 48+n
	}
	return decode.Level{IPVersion: 4, Src: src, Dst: dst, Proto: proto, ICMPType: typ, ICMPCode: code,
		PayloadLen: n, Payload: make([]byte, n), IPLen: ipl}
}

func TestICMP(t *testing.T) {
	var recs []Record
	tbl, _ := New(DefaultOptions(), uid.NewGenerator(1), func(r *Record) { recs = append(recs, *r) })
	a6, b6 := netip.MustParseAddr("fc00:0:2:100::1:1"), netip.MustParseAddr("fc00::1")
	// core.pppoe: 5 echo requests and replies of 52 bytes each.
	for i := 0; i < 5; i++ {
		ts := t0 + int64(i)*int64(30*ms)
		l := icmpLevel(a6, b6, 128, 0, 52)
		tbl.Packet(ts, &l, nil)
		l = icmpLevel(b6, a6, 129, 0, 52)
		tbl.Packet(ts+int64(ms), &l, nil)
	}
	// A one-way message: MLDv2 report (143) → resp_p = code.
	l := icmpLevel(a6, netip.MustParseAddr("ff02::16"), 143, 0, 20)
	tbl.Packet(t0, &l, nil)
	// Unreachables both ways are two connections (one-way keys).
	l = icmpLevel(hostA, hostB, 3, 1, 36)
	tbl.Packet(t0, &l, nil)
	l = icmpLevel(hostB, hostA, 3, 1, 36)
	tbl.Packet(t0, &l, nil)
	tbl.Flush(t0 + int64(time.Hour))
	if len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
	e := recs[0]
	if e.OrigP != 128 || e.RespP != 129 || e.OrigPkts != 5 || e.RespPkts != 5 || e.OrigBytes != 260 ||
		e.RespBytes != 260 || e.OrigIPBytes != 500 || e.ConnState != "OTH" || len(e.History) != 0 || e.Proto != 58 {
		t.Errorf("echo %+v", e)
	}
	if m := recs[1]; m.OrigP != 143 || m.RespP != 0 || m.Duration >= 0 || m.HasBytes {
		t.Errorf("mld %+v", m)
	}
	if recs[2].OrigH != hostA || recs[3].OrigH != hostB || recs[2].RespP != 1 {
		t.Errorf("unreach %+v %+v", recs[2], recs[3])
	}
}

func TestNotTrackedAndUnknown(t *testing.T) {
	var recs []Record
	tbl, _ := New(DefaultOptions(), uid.NewGenerator(1), func(r *Record) { recs = append(recs, *r) })
	gre := decode.Level{IPVersion: 4, Src: hostA, Dst: hostB, Proto: 47, IPLen: 100}
	if c := tbl.Packet(t0, &gre, nil); c != nil {
		t.Fatal("GRE tracked")
	}
	l := decode.Level{IPVersion: 4, Src: hostA, Dst: hostB, Proto: 99, IPLen: 20}
	tbl.Packet(t0, &l, nil)
	tbl.Packet(t0+int64(ms), &l, nil)
	tbl.Flush(t0 + int64(time.Hour))
	// cisco-fabric-path: unknown_transport, OTH, 0 bytes, 2 packets.
	if len(recs) != 1 {
		t.Fatalf("%d", len(recs))
	}
	r := recs[0]
	if r.Proto != 0 || r.IPProto != 99 || r.ConnState != "OTH" || !r.HasBytes || r.OrigBytes != 0 ||
		r.OrigPkts != 2 || r.OrigIPBytes != 40 || r.Duration != int64(ms) {
		t.Errorf("%+v", r)
	}
}

func TestTunnelParentsAndServices(t *testing.T) {
	var recs []Record
	tbl, _ := New(DefaultOptions(), uid.NewGenerator(1), func(r *Record) { recs = append(recs, *r) })
	p1, p2 := uid.UID{Lo: 1}, uid.UID{Lo: 2}
	l := icmpLevel(hostA, hostB, 8, 0, 8)
	c := tbl.Packet(t0, &l, []uid.UID{p1})
	c.AddService("http")
	c.AddService("http")
	c.AddService("ssl")
	tbl.Packet(t0+1, &l, []uid.UID{p2, p1})
	tbl.Packet(t0+2, &l, []uid.UID{p2})
	tbl.Flush(t0 + 3)
	r := recs[0]
	if r.NTunnelParents != 2 || r.TunnelParents[0] != p1 || r.TunnelParents[1] != p2 || r.Service != "http,ssl" {
		t.Errorf("%+v", r)
	}
}
