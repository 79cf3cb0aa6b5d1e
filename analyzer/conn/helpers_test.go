package conn

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"xsensor/analyzer/decode"
	"xsensor/analyzer/uid"
)

var (
	hostA = netip.MustParseAddr("10.0.0.1")
	hostB = netip.MustParseAddr("10.0.0.2")
)

const t0 = int64(1_700_000_000) * int64(time.Second)

// pk is one hand-built packet: from "A" (hostA:portA) or "B".
type pk struct {
	at    time.Duration
	from  byte
	flags string // S A F R P
	seq   uint32
	ack   uint32
	n     int
	win   uint16
	bad   bool
}

type rig struct {
	t            *testing.T
	tbl          *Table
	recs         []Record
	portA, portB uint16
	proto        uint8
}

func newRig(t *testing.T, opts Options) *rig {
	r := &rig{t: t, portA: 40000, portB: 80, proto: 6}
	tbl, err := New(opts, uid.NewGenerator(1), func(rec *Record) {
		c := *rec
		c.History = append([]byte(nil), rec.History...)
		r.recs = append(r.recs, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.tbl = tbl
	return r
}

func tcpFlags(s string) uint8 {
	var f uint8
	for _, c := range s {
		switch c {
		case 'S':
			f |= decode.TCPSyn
		case 'A':
			f |= decode.TCPAck
		case 'F':
			f |= decode.TCPFin
		case 'R':
			f |= decode.TCPRst
		case 'P':
			f |= decode.TCPPsh
		}
	}
	return f
}

func (r *rig) level(p pk) decode.Level {
	l := decode.Level{IPVersion: 4, Proto: r.proto, TTL: 64}
	if p.from == 'A' {
		l.Src, l.Dst, l.SrcPort, l.DstPort = hostA, hostB, r.portA, r.portB
	} else {
		l.Src, l.Dst, l.SrcPort, l.DstPort = hostB, hostA, r.portB, r.portA
	}
	l.PayloadLen = p.n
	l.Payload = make([]byte, p.n)
	l.BadChecksum = p.bad
	switch r.proto {
	case 6:
		l.TCPFlags = tcpFlags(p.flags)
		l.Seq, l.Ack = p.seq, p.ack
		l.Window = p.win
		if l.Window == 0 && !strings.Contains(p.flags, "0") {
			l.Window = 8192
		}
		l.TCPHdrLen = 20
		l.IPLen = 40 + p.n
	case 17:
		l.IPLen = 28 + p.n
	default:
		l.IPLen = 28 + p.n
	}
	return l
}

func (r *rig) run(ps []pk) {
	for _, p := range ps {
		ts := t0 + int64(p.at)
		r.tbl.Advance(ts)
		l := r.level(p)
		r.tbl.Packet(ts, &l, nil)
	}
}

func (r *rig) flush() {
	r.tbl.Flush(t0 + int64(time.Hour))
}

func (r *rig) only() Record {
	r.t.Helper()
	if len(r.recs) != 1 {
		r.t.Fatalf("got %d records, want 1: %+v", len(r.recs), r.recs)
	}
	return r.recs[0]
}
