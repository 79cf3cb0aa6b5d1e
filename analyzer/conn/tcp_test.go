package conn

import (
	"testing"
	"time"
)

const ms = time.Millisecond

// handshake for A(40000) → B(80): A's ISN 100, B's ISN 300.
var handshake = []pk{
	{at: 0, from: 'A', flags: "S", seq: 100},
	{at: 1 * ms, from: 'B', flags: "SA", seq: 300, ack: 101},
	{at: 2 * ms, from: 'A', flags: "A", seq: 101, ack: 301},
}

func seqs(parts ...[]pk) []pk {
	var out []pk
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestTCPStates(t *testing.T) {
	cases := []struct {
		name     string
		pkts     []pk
		state    string
		history  string
		ob, rb   uint64
		hasBytes bool
		op, rp   uint64
		origIsA  bool
		missed   uint64
	}{
		{
			name: "SF", state: "SF", history: "ShADadFf", ob: 10, rb: 20, hasBytes: true, op: 5, rp: 4, origIsA: true,
			pkts: seqs(handshake, []pk{
				{at: 3 * ms, from: 'A', flags: "PA", seq: 101, ack: 301, n: 10},
				{at: 4 * ms, from: 'B', flags: "A", seq: 301, ack: 111},
				{at: 5 * ms, from: 'B', flags: "PA", seq: 301, ack: 111, n: 20},
				{at: 6 * ms, from: 'A', flags: "FA", seq: 111, ack: 321},
				{at: 7 * ms, from: 'B', flags: "FA", seq: 321, ack: 112},
				{at: 8 * ms, from: 'A', flags: "A", seq: 112, ack: 322},
			}),
		},
		{
			name: "S0", state: "S0", history: "S", op: 1, origIsA: true,
			pkts: []pk{{from: 'A', flags: "S", seq: 100}},
		},
		{
			name: "S0 retransmitted SYN", state: "S0", history: "S", hasBytes: true, op: 2, origIsA: true,
			pkts: []pk{{from: 'A', flags: "S", seq: 100}, {at: time.Second, from: 'A', flags: "S", seq: 100}},
		},
		{
			name: "REJ", state: "REJ", history: "Sr", hasBytes: true, op: 1, rp: 1, origIsA: true,
			pkts: []pk{{from: 'A', flags: "S", seq: 100}, {at: ms, from: 'B', flags: "RA", seq: 0, ack: 101}},
		},
		{
			name: "RSTO", state: "RSTO", history: "ShAR", hasBytes: true, op: 3, rp: 1, origIsA: true,
			pkts: seqs(handshake, []pk{{at: 3 * ms, from: 'A', flags: "RA", seq: 101, ack: 301}}),
		},
		{
			name: "RSTR", state: "RSTR", history: "ShAr", hasBytes: true, op: 2, rp: 2, origIsA: true,
			pkts: seqs(handshake, []pk{{at: 3 * ms, from: 'B', flags: "R", seq: 301}}),
		},
		{
			name: "RSTOS0", state: "RSTOS0", history: "SR", hasBytes: true, op: 2, origIsA: true,
			pkts: []pk{{from: 'A', flags: "S", seq: 100}, {at: ms, from: 'A', flags: "R", seq: 101}},
		},
		{
			// First packet a SYN-ACK: Zeek flips, the SYN-ACK sender is the responder.
			name: "RSTRH", state: "RSTRH", history: "^hr", hasBytes: true, rp: 2, origIsA: true,
			pkts: []pk{{from: 'B', flags: "SA", seq: 300, ack: 101}, {at: ms, from: 'B', flags: "R", seq: 301}},
		},
		{
			name: "SH", state: "SH", history: "SF", hasBytes: true, op: 2, origIsA: true,
			pkts: []pk{{from: 'A', flags: "S", seq: 100}, {at: ms, from: 'A', flags: "F", seq: 101}},
		},
		{
			name: "SHR", state: "SHR", history: "^hf", hasBytes: true, rp: 2, origIsA: true,
			pkts: []pk{{from: 'B', flags: "SA", seq: 300, ack: 101}, {at: ms, from: 'B', flags: "FA", seq: 301, ack: 101}},
		},
		{
			name: "S1", state: "S1", history: "ShD", ob: 5, hasBytes: true, op: 2, rp: 1, origIsA: true,
			pkts: seqs(handshake[:2], []pk{{at: 2 * ms, from: 'A', flags: "PA", seq: 101, ack: 301, n: 5}}),
		},
		{
			name: "S2", state: "S2", history: "ShAF", hasBytes: true, op: 3, rp: 1, origIsA: true,
			pkts: seqs(handshake, []pk{{at: 3 * ms, from: 'A', flags: "FA", seq: 101, ack: 301}}),
		},
		{
			name: "S3", state: "S3", history: "ShAf", hasBytes: true, op: 2, rp: 2, origIsA: true,
			pkts: seqs(handshake, []pk{{at: 3 * ms, from: 'B', flags: "FA", seq: 301, ack: 101}}),
		},
		{
			name: "OTH midstream", state: "OTH", history: "Dd", ob: 10, rb: 20, hasBytes: true, op: 1, rp: 1, origIsA: true,
			pkts: []pk{
				{from: 'A', flags: "PA", seq: 1000, ack: 5000, n: 10},
				{at: ms, from: 'B', flags: "PA", seq: 5000, ack: 1010, n: 20},
			},
		},
		{
			// Mid-stream from the server port: flipped.
			name: "OTH flipped", state: "OTH", history: "^dD", ob: 10, rb: 20, hasBytes: true, op: 1, rp: 1, origIsA: true,
			pkts: []pk{
				{from: 'B', flags: "PA", seq: 5000, ack: 1000, n: 20},
				{at: ms, from: 'A', flags: "PA", seq: 1000, ack: 5020, n: 10},
			},
		},
		{
			name: "retransmission", state: "S1", history: "ShADT", ob: 10, hasBytes: true, op: 4, rp: 1, origIsA: true,
			pkts: seqs(handshake, []pk{
				{at: 3 * ms, from: 'A', flags: "PA", seq: 101, ack: 301, n: 10},
				{at: 4 * ms, from: 'A', flags: "PA", seq: 101, ack: 301, n: 10},
			}),
		},
		{
			name: "zero window", state: "S1", history: "ShAaw", hasBytes: true, op: 2, rp: 2, origIsA: true,
			pkts: seqs(handshake, []pk{{at: 3 * ms, from: 'B', flags: "A0", seq: 301, ack: 101}}),
		},
		{
			name: "bad checksum", state: "OTH", history: "C", origIsA: true,
			pkts: []pk{{from: 'A', flags: "S", seq: 100, bad: true}},
		},
		{
			// A hole in A's data acked by B: a content gap of 10 bytes.
			name: "gap", state: "S1", history: "ShADaG", ob: 30, hasBytes: true, op: 4, rp: 2, origIsA: true, missed: 10,
			pkts: seqs(handshake, []pk{
				{at: 3 * ms, from: 'A', flags: "PA", seq: 101, ack: 301, n: 10},
				{at: 4 * ms, from: 'A', flags: "PA", seq: 121, ack: 301, n: 10},
				{at: 5 * ms, from: 'B', flags: "A", seq: 301, ack: 131},
			}),
		},
		{
			name: "FIN+RST", state: "RSTO", history: "ShAI", hasBytes: true, op: 3, rp: 1, origIsA: true,
			pkts: seqs(handshake, []pk{{at: 3 * ms, from: 'A', flags: "FRA", seq: 101, ack: 301}}),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, DefaultOptions())
			r.run(tc.pkts)
			r.flush()
			rec := r.only()
			if rec.ConnState != tc.state || string(rec.History) != tc.history {
				t.Errorf("state %s history %q, want %s %q", rec.ConnState, rec.History, tc.state, tc.history)
			}
			if rec.HasBytes != tc.hasBytes || rec.OrigBytes != tc.ob || rec.RespBytes != tc.rb {
				t.Errorf("bytes %v %d %d, want %v %d %d", rec.HasBytes, rec.OrigBytes, rec.RespBytes, tc.hasBytes, tc.ob, tc.rb)
			}
			if rec.OrigPkts != tc.op || rec.RespPkts != tc.rp {
				t.Errorf("pkts %d %d, want %d %d", rec.OrigPkts, rec.RespPkts, tc.op, tc.rp)
			}
			if (rec.OrigH == hostA) != tc.origIsA {
				t.Errorf("originator %v", rec.OrigH)
			}
			if rec.MissedBytes != tc.missed {
				t.Errorf("missed %d, want %d", rec.MissedBytes, tc.missed)
			}
			if rec.Proto != 6 || rec.IPProto != 6 {
				t.Errorf("proto %d ip_proto %d", rec.Proto, rec.IPProto)
			}
		})
	}
}

func TestSFDurationExcludesFinalAck(t *testing.T) {
	r := newRig(t, DefaultOptions())
	r.run(seqs(handshake, []pk{
		{at: 3 * ms, from: 'A', flags: "FA", seq: 101, ack: 301},
		{at: 4 * ms, from: 'B', flags: "FA", seq: 301, ack: 102},
		{at: 50 * ms, from: 'A', flags: "A", seq: 102, ack: 302},
	}))
	r.flush()
	rec := r.only()
	if rec.ConnState != "SF" || string(rec.History) != "ShAFf" {
		t.Fatalf("%s %q", rec.ConnState, rec.History)
	}
	if rec.Duration != int64(4*ms) {
		t.Errorf("duration %v, want 4ms", time.Duration(rec.Duration))
	}
}

func TestRetransmissionScale(t *testing.T) {
	r := newRig(t, DefaultOptions())
	ps := seqs(handshake, []pk{{at: 3 * ms, from: 'A', flags: "PA", seq: 101, ack: 301, n: 10}})
	for i := 0; i < 10; i++ {
		ps = append(ps, pk{at: time.Duration(4+i) * ms, from: 'A', flags: "PA", seq: 101, ack: 301, n: 10})
	}
	r.run(ps)
	r.flush()
	if h := string(r.only().History); h != "ShADTT" {
		t.Errorf("history %q, want ShADTT (1 and 10 retransmissions)", h)
	}
}

func TestTimeoutsAndReuse(t *testing.T) {
	t.Run("attempt", func(t *testing.T) {
		r := newRig(t, DefaultOptions())
		r.run([]pk{{from: 'A', flags: "S", seq: 100}})
		r.tbl.Advance(t0 + int64(4*time.Second))
		if len(r.recs) != 0 {
			t.Fatal("removed too early")
		}
		r.tbl.Advance(t0 + int64(5*time.Second))
		rec := r.only()
		if rec.ConnState != "S0" || r.tbl.Len() != 0 || r.tbl.Stats().Removed[RemovedAttempt] != 1 {
			t.Errorf("state %s len %d stats %+v", rec.ConnState, r.tbl.Len(), r.tbl.Stats())
		}
	})
	t.Run("close delay", func(t *testing.T) {
		r := newRig(t, DefaultOptions())
		r.run(seqs(handshake, []pk{
			{at: 3 * ms, from: 'A', flags: "FA", seq: 101, ack: 301},
			{at: 4 * ms, from: 'B', flags: "FA", seq: 301, ack: 102},
		}))
		r.tbl.Advance(t0 + int64(5*time.Second+4*ms))
		if rec := r.only(); rec.ConnState != "SF" {
			t.Errorf("state %s", rec.ConnState)
		}
		if r.tbl.Stats().Removed[RemovedClose] != 1 {
			t.Errorf("stats %+v", r.tbl.Stats())
		}
	})
	t.Run("tcp inactivity", func(t *testing.T) {
		r := newRig(t, DefaultOptions())
		r.run(seqs(handshake, []pk{{at: 2 * time.Minute, from: 'A', flags: "PA", seq: 101, ack: 301, n: 1}}))
		r.tbl.Advance(t0 + int64(6*time.Minute))
		if len(r.recs) != 0 {
			t.Fatal("inactivity timer did not re-arm lazily")
		}
		r.tbl.Advance(t0 + int64(7*time.Minute+time.Second))
		if rec := r.only(); rec.ConnState != "S1" || r.tbl.Stats().Removed[RemovedInactivity] != 1 {
			t.Errorf("state %s stats %+v", rec.ConnState, r.tbl.Stats())
		}
	})
	t.Run("reuse", func(t *testing.T) {
		r := newRig(t, DefaultOptions())
		r.run(seqs(handshake, []pk{
			{at: 3 * ms, from: 'A', flags: "FA", seq: 101, ack: 301},
			{at: 4 * ms, from: 'B', flags: "FA", seq: 301, ack: 102},
			{at: 5 * ms, from: 'A', flags: "S", seq: 9000},
		}))
		if len(r.recs) != 1 || r.recs[0].ConnState != "SF" {
			t.Fatalf("old connection not logged on reuse: %+v", r.recs)
		}
		r.flush()
		if len(r.recs) != 2 || r.recs[1].ConnState != "S0" || r.recs[1].UID == r.recs[0].UID {
			t.Errorf("new connection: %+v", r.recs)
		}
	})
	t.Run("udp inactivity", func(t *testing.T) {
		r := newRig(t, DefaultOptions())
		r.proto = 17
		r.run([]pk{{from: 'A', n: 10}})
		r.tbl.Advance(t0 + int64(59*time.Second))
		if len(r.recs) != 0 {
			t.Fatal("early")
		}
		r.tbl.Advance(t0 + int64(61*time.Second))
		if rec := r.only(); rec.ConnState != "S0" || string(rec.History) != "D" {
			t.Errorf("%s %q", rec.ConnState, rec.History)
		}
	})
}

func TestEviction(t *testing.T) {
	o := DefaultOptions()
	o.MaxConns = 2
	r := newRig(t, o)
	r.proto = 17
	for i := 0; i < 3; i++ {
		r.portA = uint16(1000 + i)
		r.run([]pk{{at: time.Duration(i) * ms, from: 'A', n: 1}})
	}
	if len(r.recs) != 1 || r.recs[0].OrigP != 1000 || r.tbl.Stats().Evicted != 1 || r.tbl.Len() != 2 {
		t.Fatalf("recs %+v stats %+v", r.recs, r.tbl.Stats())
	}
	// Touching the oldest keeps it: the next eviction takes 1002's peer.
	r.portA = 1001
	r.run([]pk{{at: 10 * ms, from: 'A', n: 1}})
	r.portA = 1003
	r.run([]pk{{at: 11 * ms, from: 'A', n: 1}})
	if len(r.recs) != 2 || r.recs[1].OrigP != 1002 {
		t.Fatalf("recs %+v", r.recs)
	}
}

// core.vntag-in-vlan: a SYN-ACK whose header is not all captured makes a
// connection but is dropped: no flip, no history, no packets counted.
func TestTCPDroppedHeader(t *testing.T) {
	r := newRig(t, DefaultOptions())
	l := r.level(pk{from: 'B', flags: "SA", seq: 300, ack: 101})
	l.TCPHdrLen = 0
	r.tbl.Packet(t0, &l, nil)
	r.flush()
	rec := r.only()
	if rec.OrigH != hostB || rec.ConnState != "OTH" || len(rec.History) != 0 || rec.OrigPkts+rec.RespPkts != 0 {
		t.Errorf("%+v", rec)
	}
}

// core.tcp.flip-without-syn: SYN-ACK first, then the client's ACK and data.
func TestTCPFlipSYNACK(t *testing.T) {
	r := newRig(t, DefaultOptions())
	r.run([]pk{
		{from: 'B', flags: "SA", seq: 300, ack: 101},
		{at: ms, from: 'A', flags: "A", seq: 101, ack: 301},
		{at: 2 * ms, from: 'A', flags: "PA", seq: 101, ack: 301, n: 136},
		{at: 3 * ms, from: 'B', flags: "A", seq: 301, ack: 237},
		{at: 4 * ms, from: 'B', flags: "PA", seq: 301, ack: 237, n: 1000},
		{at: 5 * ms, from: 'A', flags: "FA", seq: 237, ack: 1301},
		{at: 6 * ms, from: 'B', flags: "FA", seq: 1301, ack: 238},
		{at: 7 * ms, from: 'A', flags: "A", seq: 238, ack: 1302},
	})
	r.flush()
	rec := r.only()
	if rec.OrigH != hostA || string(rec.History) != "^hADadFf" || rec.ConnState != "SF" || rec.OrigBytes != 136 ||
		rec.RespBytes != 1000 || rec.OrigPkts != 4 || rec.RespPkts != 4 {
		t.Errorf("%+v %s", rec, rec.History)
	}
}
