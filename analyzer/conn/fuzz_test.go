package conn

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"xsensor/analyzer/decode"
	"xsensor/analyzer/uid"
)

// FuzzPacket drives a small table with arbitrary packet sequences: each
// 16-byte record of the input is one packet (time step, direction, port
// choice, protocol, TCP flags, sequence and ack numbers, window, payload
// length, checksum). The table must never panic, must stay within its
// cap, and must log every connection it created exactly once.
func FuzzPacket(f *testing.F) {
	// Seeds: a handshake with data and FINs; a SYN-ACK first; UDP and
	// ICMP; a RST storm with wild sequence numbers.
	f.Add(pkts(
		rec(0, 0, 0, 6, decode.TCPSyn, 100, 0, 10, 0),
		rec(1, 1, 0, 6, decode.TCPSyn|decode.TCPAck, 300, 101, 10, 0),
		rec(1, 0, 0, 6, decode.TCPAck, 101, 301, 10, 0),
		rec(1, 0, 0, 6, decode.TCPAck|decode.TCPPsh, 101, 301, 10, 5),
		rec(1, 1, 0, 6, decode.TCPAck|decode.TCPFin, 301, 106, 10, 0),
		rec(1, 0, 0, 6, decode.TCPAck|decode.TCPFin, 106, 302, 10, 0),
	))
	f.Add(pkts(
		rec(0, 1, 1, 6, decode.TCPSyn|decode.TCPAck, 0xfffffff0, 5, 0, 0),
		rec(200, 0, 1, 6, decode.TCPRst, 5, 0, 0, 0),
		rec(255, 0, 1, 17, 0, 0, 0, 0, 30),
		rec(255, 1, 1, 1, 8, 0, 0, 0, 30),
	))
	f.Add(pkts(
		rec(0, 0, 2, 6, decode.TCPRst|decode.TCPFin|decode.TCPSyn, 1, 2, 0, 0),
		rec(3, 1, 2, 6, decode.TCPRst, 0x7fffffff, 0, 0, 9),
		rec(3, 0, 2, 6, decode.TCPAck, 0x80000000, 0xffffffff, 0, 175),
	))
	f.Fuzz(runFuzzBody)
}

func runFuzzBody(t *testing.T, in []byte) {
	opts := DefaultOptions()
	opts.MaxConns = 4
	created, logged := 0, 0
	tbl, err := New(opts, uid.NewGenerator(1), func(r *Record) {
		logged++
		if len(r.History) > histMax || r.ConnState == "" {
			t.Fatalf("bad record %+v", r)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := t0
	payload := make([]byte, 2048)
	for len(in) >= 16 {
		b := in[:16]
		in = in[16:]
		ts += int64(b[0]) * 50e6 * int64(1+b[0]&3)
		var l decode.Level
		a, c := netip.AddrFrom4([4]byte{10, 0, 0, 1}), netip.AddrFrom4([4]byte{10, 0, 0, 2 + b[2]&3})
		if b[1]&1 == 1 {
			a, c = c, a
		}
		l.Src, l.Dst = a, c
		sp, dp := uint16(40000+int(b[2]>>2&3)), uint16(80)
		if b[1]&1 == 1 {
			sp, dp = dp, sp
		}
		l.SrcPort, l.DstPort = sp, dp
		l.Proto = []uint8{6, 17, 1, 58, 47, 132}[int(b[3])%6]
		l.TCPFlags = b[4]
		l.Seq = binary.BigEndian.Uint32(b[5:])
		l.Ack = binary.BigEndian.Uint32(b[9:])
		l.Window = uint16(b[13])
		l.TCPHdrLen = 20
		if b[1]&2 != 0 {
			l.TCPHdrLen = 8
		}
		n := int(b[14]) * 8
		l.PayloadLen = n
		l.Payload = payload[:n]
		if b[1]&4 != 0 {
			l.Payload = payload[:n/2]
		}
		l.ICMPType, l.ICMPCode = b[4], b[5]
		l.BadChecksum = b[15]&1 == 1
		l.IPLen = 40 + n
		before := tbl.Stats().Created
		tbl.Advance(ts)
		tbl.Packet(ts, &l, nil)
		created += int(tbl.Stats().Created - before)
		if tbl.Len() > opts.MaxConns {
			t.Fatalf("table over cap: %d", tbl.Len())
		}
	}
	tbl.Flush(ts)
	if tbl.Len() != 0 || logged != created {
		t.Fatalf("len %d logged %d created %d", tbl.Len(), logged, created)
	}
}

func rec(dt, dir, port, proto, flags byte, seq, ack uint32, win, n byte) []byte {
	b := make([]byte, 16)
	b[0], b[1], b[2], b[3], b[4] = dt, dir, port<<2, proto%6, flags
	if proto == 6 {
		b[3] = 0
	} else if proto == 17 {
		b[3] = 1
	} else if proto == 1 {
		b[3] = 2
	}
	binary.BigEndian.PutUint32(b[5:], seq)
	binary.BigEndian.PutUint32(b[9:], ack)
	b[13], b[14] = win, n
	return b
}

func pkts(rs ...[]byte) []byte {
	var out []byte
	for _, r := range rs {
		out = append(out, r...)
	}
	return out
}
