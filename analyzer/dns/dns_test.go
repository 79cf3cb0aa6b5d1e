package dns

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"xsensor/analyzer/zeeklog"
)

const (
	flagQR = 0x8000
	flagAA = 0x0400
	flagRD = 0x0100
	flagRA = 0x0080
)

func TestQueryReplyPairing(t *testing.T) {
	var r recorder
	s := newSession(&r, 17, 53)
	q := newMsg(7, flagRD, 1, 0, 0, 0).name("WWW", "Example", "com").u16(1).u16(1)
	s.Packet(true, 1e9, q.b)
	if len(r.recs) != 0 {
		t.Fatal("query alone logged")
	}
	a := newMsg(7, flagQR|flagRD|flagRA, 1, 2, 0, 0).name("www", "example", "com").u16(1).u16(1).
		raw(0xc0, 12).rr(5, 300, append([]byte{3, 'w', 'e', 'b'}, 0xc0, 16)).
		raw(0xc0, 12).rr(1, 60, []byte{192, 0, 2, 1})
	s.Packet(false, 1e9+5e6, a.b)
	if len(r.recs) != 1 {
		t.Fatalf("got %d records, want 1", len(r.recs))
	}
	rec := r.recs[0]
	if string(rec.Query) != "www.example.com" || rec.QType != 1 || !rec.RD || !rec.RA || rec.RTT != 5e6 {
		t.Errorf("record %+v", rec)
	}
	if got := strings.Join(r.ans[0], ","); got != "web.example.com,192.0.2.1" {
		t.Errorf("answers %q", got)
	}
	if !s.Confirmed() || r.flips != 0 {
		t.Errorf("confirmed %v flips %d", s.Confirmed(), r.flips)
	}
	s.Done(2e9)
	if len(r.recs) != 1 {
		t.Errorf("Done logged %d more", len(r.recs)-1)
	}
}

func TestUnansweredAndFlip(t *testing.T) {
	var r recorder
	s := newSession(&r, 17, 53)
	// The originator's first message is a response: the connection flips.
	a := newMsg(9, flagQR|flagAA, 1, 1, 0, 0).name("a", "b").u16(16).u16(1).
		raw(0xc0, 12).rr(16, 900, []byte{3, 'f', 'o', 'o', 2, 'h', 'i'})
	s.Packet(true, 1e9, a.b)
	if r.flips != 1 {
		t.Fatalf("flips %d", r.flips)
	}
	q1 := newMsg(1, 0, 1, 0, 0, 0).name("x").u16(1).u16(1)
	q2 := newMsg(1, 0, 1, 0, 0, 0).name("x").u16(1).u16(1)
	s.Packet(false, 2e9, q1.b)
	s.Packet(false, 3e9, q2.b)
	s.Done(4e9)
	if len(r.recs) != 3 {
		t.Fatalf("got %d records, want 3 (reply, two queries)", len(r.recs))
	}
	// Done logs the pending query, the queued query, then the reply.
	if r.recs[2].TransID != 9 || strings.Join(r.ans[2], ",") != "TXT 3 foo TXT 2 hi" || r.recs[2].HasQType {
		t.Errorf("reply-only record %+v %q", r.recs[2], r.ans[2])
	}
	if r.recs[2].ID.OrigP != 53 {
		t.Errorf("record not flipped: %+v", r.recs[2].ID)
	}
}

func TestCompressionLoopAndForwardPointer(t *testing.T) {
	var r recorder
	s := newSession(&r, 17, 53)
	// A question whose name points to itself, then forward.
	m := newMsg(1, 0, 2, 0, 0, 0).raw(0xc0, 12).u16(1).u16(1).raw(0xc0, 200).u16(1).u16(1)
	s.Packet(true, 1e9, m.b)
	found := false
	for _, w := range r.weirds {
		found = found || w == "DNS_label_forward_compress_offset"
	}
	if !found {
		t.Errorf("weirds %v", r.weirds)
	}
	// A backwards chain: each pointer points 2 bytes earlier.
	b := newMsg(2, 0, 1, 0, 0, 0).raw(1, 'a')
	for i := 0; i < 200; i++ {
		b.raw(0xc0, byte(12+2*i))
	}
	s.Packet(true, 1e9, b.b)
}

func TestTCPFraming(t *testing.T) {
	var r recorder
	s := newSession(&r, 6, 53)
	q := newMsg(3, flagRD, 1, 0, 0, 0).name("t", "cp").u16(28).u16(1).b
	a := newMsg(3, flagQR|flagRD|flagRA, 1, 1, 0, 0).name("t", "cp").u16(28).u16(1).
		raw(0xc0, 12).rr(28, 5, bytes.Repeat([]byte{0x20, 0x01}, 8)).b
	frame := func(m []byte) []byte { return append([]byte{byte(len(m) >> 8), byte(len(m))}, m...) }
	fq := frame(q)
	// Byte by byte.
	for i := range fq {
		s.Data(true, 1e9, fq[i:i+1])
	}
	s.Data(false, 2e9, frame(a))
	if len(r.recs) != 1 || strings.Join(r.ans[0], ",") != "2001:2001:2001:2001:2001:2001:2001:2001" {
		t.Fatalf("records %d answers %q", len(r.recs), r.ans)
	}
}

func TestMaxQueries(t *testing.T) {
	var r recorder
	s := newSession(&r, 17, 53)
	s.Packet(true, 1e9, newMsg(1, 0, MaxQueries+1, 0, 0, 0).b)
	if !s.Violated() || len(r.weirds) == 0 || r.weirds[0] != "DNS_Conn_count_too_large" {
		t.Errorf("violated %v weirds %v", s.Violated(), r.weirds)
	}
}

func TestAppendRecordTSV(t *testing.T) {
	var r recorder
	s := newSession(&r, 17, 53)
	s.Packet(true, 1e9, newMsg(5, flagRD, 1, 0, 0, 0).name("z").u16(99).u16(3).b)
	s.Done(2e9)
	e := zeeklog.NewEncoder(&Schema, zeeklog.TSV)
	line := string(AppendRecord(e, nil, &r.recs[0]))
	f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
	if len(f) != len(Schema.Fields) {
		t.Fatalf("%d fields, want %d: %q", len(f), len(Schema.Fields), line)
	}
	want := map[string]string{"query": "z", "qclass_name": "C_CHAOS", "qtype_name": "SPF", "rcode": "-",
		"answers": "-", "RD": "T", "opcode_name": "query", "proto": "udp", "trans_id": "5"}
	for i, fl := range Schema.Fields {
		if w, ok := want[fl.Name]; ok && f[i] != w {
			t.Errorf("%s = %q, want %q", fl.Name, f[i], w)
		}
	}
}

// TestTraces replays Zeek's DNS traces through sessions keyed by flow:
// nothing may panic, and sessions must be reusable.
func TestTraces(t *testing.T) {
	mustSkipNoTraces(t)
	s := new(Session)
	var r recorder
	for _, path := range dnsTraces() {
		for _, d := range traceDatagrams(path) {
			rp := d.dp
			if d.sp == 53 {
				rp = d.sp
			}
			id := newSession(&r, 17, rp).id
			s.Reset(id, r.emit, r.weird, r.flip)
			if d.tcp {
				s.Data(true, d.ts, d.payload)
			} else {
				s.Packet(d.dp == rp, d.ts, d.payload)
			}
			s.Done(d.ts)
		}
	}
	if len(r.recs) == 0 {
		t.Error("no records from the DNS traces")
	}
}

func TestNoAllocsSteadyState(t *testing.T) {
	var r recorder
	s := newSession(&r, 17, 53)
	emit := func(*Record) {}
	q := newMsg(7, flagRD, 1, 0, 0, 0).name("www", "example", "com").u16(1).u16(1).b
	a := newMsg(7, flagQR|flagRD|flagRA, 1, 1, 0, 0).name("www", "example", "com").u16(1).u16(1).
		raw(0xc0, 12).rr(1, 60, []byte{192, 0, 2, 1}).b
	id := s.id
	weird, flip := r.weird, r.flip
	run := func() {
		s.Reset(id, emit, weird, flip)
		s.Packet(true, 1e9, q)
		s.Packet(false, 2e9, a)
		s.Packet(true, 3e9, q)
		s.Done(4e9)
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("%.1f allocations per connection", n)
	}
}

func TestAppendRecordJSON(t *testing.T) {
	var r recorder
	s := newSession(&r, 17, 53)
	s.Packet(true, 1e9, newMsg(5, flagRD, 1, 0, 0, 0).name("z").u16(1).u16(1).b)
	s.Packet(false, 2e9, newMsg(5, flagQR, 1, 1, 0, 0).name("z").u16(1).u16(1).raw(0xc0, 12).rr(1, 52, []byte{1, 2, 3, 4}).b)
	e := zeeklog.NewEncoder(&Schema, zeeklog.JSON)
	line := AppendRecord(e, nil, &r.recs[0])
	var m map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(line), &m); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	if a, ok := m["answers"].([]any); !ok || len(a) != 1 || a[0] != "1.2.3.4" {
		t.Errorf("answers %v", m["answers"])
	}
	if ttl, ok := m["TTLs"].([]any); !ok || len(ttl) != 1 || ttl[0] != 52.0 {
		t.Errorf("TTLs %v", m["TTLs"])
	}
}

func BenchmarkAppendRecord(b *testing.B) {
	var r recorder
	s := newSession(&r, 17, 53)
	s.Packet(true, 1e9, newMsg(5, flagRD, 1, 0, 0, 0).name("www", "example", "com").u16(1).u16(1).b)
	s.Packet(false, 1e9+3e6, newMsg(5, flagQR, 1, 2, 0, 0).name("www", "example", "com").u16(1).u16(1).
		raw(0xc0, 12).rr(1, 52, []byte{1, 2, 3, 4}).raw(0xc0, 12).rr(1, 52, []byte{1, 2, 3, 5}).b)
	e := zeeklog.NewEncoder(&Schema, zeeklog.TSV)
	buf := make([]byte, 0, 4096)
	rec := &r.recs[0]
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRecord(e, buf[:0], rec)
	}
}

func BenchmarkQueryReply(b *testing.B) {
	var r recorder
	s := newSession(&r, 17, 53)
	q := newMsg(5, flagRD, 1, 0, 0, 0).name("www", "example", "com").u16(1).u16(1).b
	a := newMsg(5, flagQR, 1, 2, 0, 0).name("www", "example", "com").u16(1).u16(1).
		raw(0xc0, 12).rr(1, 52, []byte{1, 2, 3, 4}).raw(0xc0, 12).rr(1, 52, []byte{1, 2, 3, 5}).b
	id := s.id
	emit, weird, flip := func(*Record) {}, r.weird, r.flip
	b.ReportAllocs()
	for b.Loop() {
		s.Reset(id, emit, weird, flip)
		s.Packet(true, 1e9, q)
		s.Packet(false, 2e9, a)
		s.Done(3e9)
	}
}
