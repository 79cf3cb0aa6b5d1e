package frag

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// packet4 builds an IPv4 packet (20-byte header) with the given payload.
func packet4(id uint16, proto uint8, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:4], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(b[4:6], id)
	b[8], b[9] = 64, proto
	copy(b[12:16], []byte{10, 0, 0, 1})
	copy(b[16:20], []byte{10, 0, 0, 2})
	binary.BigEndian.PutUint16(b[10:12], ^checksum(b[:20]))
	return append(b, payload...)
}

// split4 cuts an IPv4 packet into fragments of n payload bytes.
func split4(pkt []byte, n int) [][]byte {
	var out [][]byte
	pl := pkt[20:]
	for off := 0; off < len(pl); off += n {
		end := min(off+n, len(pl))
		f := append(append([]byte(nil), pkt[:20]...), pl[off:end]...)
		v := uint16(off / 8)
		if end < len(pl) {
			v |= 0x2000
		}
		binary.BigEndian.PutUint16(f[2:4], uint16(len(f)))
		binary.BigEndian.PutUint16(f[6:8], v)
		f[10], f[11] = 0, 0
		binary.BigEndian.PutUint16(f[10:12], ^checksum(f[:20]))
		out = append(out, f)
	}
	return out
}

// packet6 builds an IPv6 packet with a hop-by-hop header, then payload
// of protocol 17.
func packet6(payload []byte) []byte {
	b := make([]byte, 48, 48+len(payload))
	b[0] = 0x60
	b[6], b[7] = 0, 64 // next: hop-by-hop
	b[8], b[39] = 0x20, 1
	b[24], b[39+16-16] = 0x20, 1
	b[40] = 17 // hop-by-hop's next header
	b[42], b[43] = 1, 4
	b = append(b, payload...)
	binary.BigEndian.PutUint16(b[4:6], uint16(len(b)-40))
	return b
}

// split6 inserts a Fragment header after the hop-by-hop header.
func split6(pkt []byte, n int, id uint32) [][]byte {
	unfrag, pl := pkt[:48], pkt[48:]
	var out [][]byte
	for off := 0; off < len(pl); off += n {
		end := min(off+n, len(pl))
		f := append([]byte(nil), unfrag...)
		f[40] = 44
		fh := make([]byte, 8)
		fh[0] = 17
		v := uint16(off)
		if end < len(pl) {
			v |= 1
		}
		binary.BigEndian.PutUint16(fh[2:4], v)
		binary.BigEndian.PutUint32(fh[4:8], id)
		f = append(append(f, fh...), pl[off:end]...)
		binary.BigEndian.PutUint16(f[4:6], uint16(len(f)-40))
		out = append(out, f)
	}
	return out
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func TestIPv4InAndOutOfOrder(t *testing.T) {
	pkt := packet4(1, 17, seq(3000))
	frags := split4(pkt, 1000)
	for _, order := range [][]int{{0, 1, 2}, {2, 0, 1}, {1, 2, 0}} {
		r := New(DefaultOptions())
		var out []byte
		var done bool
		for i, k := range order {
			out, done = r.Add(int64(i), frags[k])
			if done != (i == len(order)-1) {
				t.Fatalf("order %v step %d: done=%v", order, i, done)
			}
		}
		if !bytes.Equal(out, pkt) {
			t.Fatalf("order %v: reassembled packet differs", order)
		}
		if checksum(out[:20]) != 0xffff {
			t.Fatal("header checksum not fixed")
		}
		if s := r.Stats(); s.Reassembled != 1 || s.Pending != 0 || s.Bytes != 0 {
			t.Fatalf("stats %+v", s)
		}
	}
}

func TestIPv6(t *testing.T) {
	pkt := packet6(seq(2500))
	frags := split6(pkt, 1200, 42)
	r := New(DefaultOptions())
	var out []byte
	var done bool
	for i := len(frags) - 1; i >= 0; i-- {
		out, done = r.Add(0, frags[i])
	}
	if !done || !bytes.Equal(out, pkt) {
		t.Fatalf("done=%v, equal=%v (len %d vs %d)", done, bytes.Equal(out, pkt), len(out), len(pkt))
	}
	// An atomic fragment completes at once.
	atomic := split6(packet6(seq(100)), 1000, 43)
	if out, done := r.Add(0, atomic[0]); !done || len(out) != 48+100 {
		t.Fatalf("atomic: done=%v len=%d", done, len(out))
	}
}

func TestOverlaps(t *testing.T) {
	pkt := packet4(2, 17, seq(2000))
	frags := split4(pkt, 1000)
	r := New(DefaultOptions())
	r.Add(0, frags[0])
	r.Add(0, frags[0])
	if r.Weird() != WeirdOverlap || r.Stats().Overlaps != 1 {
		t.Fatalf("weird %q", r.Weird())
	}
	evil := append([]byte(nil), frags[0]...)
	evil[30] ^= 0xff
	r.Add(0, evil)
	if r.Weird() != WeirdInconsistency {
		t.Fatalf("weird %q", r.Weird())
	}
	out, done := r.Add(0, frags[1])
	if !done || !bytes.Equal(out, pkt) {
		t.Fatal("first-arrived bytes must win")
	}
}

func TestTimeoutAndBounds(t *testing.T) {
	frags := split4(packet4(3, 17, seq(2000)), 1000)
	r := New(Options{MaxBytes: 1 << 20, MaxDatagrams: 2, Timeout: 60e9})
	r.Add(0, frags[0])
	if _, done := r.Add(61e9, frags[1]); done {
		t.Fatal("completed after timeout")
	}
	if s := r.Stats(); s.TimedOut != 1 || s.Pending != 1 {
		t.Fatalf("stats %+v", s)
	}
	// MaxDatagrams: a third datagram evicts the oldest.
	for id := uint16(10); id < 13; id++ {
		r.Add(62e9, split4(packet4(id, 17, seq(2000)), 1000)[0])
	}
	if s := r.Stats(); s.Evicted != 2 || s.Pending != 2 {
		t.Fatalf("stats %+v", s)
	}
	// MaxBytes.
	r = New(Options{MaxBytes: 2500, MaxDatagrams: 100})
	for id := uint16(20); id < 25; id++ {
		r.Add(0, split4(packet4(id, 17, seq(2000)), 1000)[0])
	}
	if s := r.Stats(); s.Bytes > 2500 || s.Evicted != 3 {
		t.Fatalf("stats %+v", s)
	}
	// Too many holes.
	r = New(DefaultOptions())
	small := split4(packet4(30, 17, seq(8*200)), 8)
	for i := 0; i < len(small); i += 2 {
		r.Add(0, small[i])
	}
	if s := r.Stats(); s.Dropped == 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestTableChurn(t *testing.T) {
	// Many datagrams through a small table: the open-addressing deletes
	// must keep every pending datagram findable.
	r := New(Options{MaxBytes: 1 << 20, MaxDatagrams: 8})
	done := 0
	for id := range 2000 {
		frags := split4(packet4(uint16(id), 17, seq(100)), 48)
		r.Add(0, frags[0])
		if id%3 == 0 {
			continue // left pending, evicted later
		}
		for _, f := range frags[1:] {
			if _, ok := r.Add(0, f); ok {
				done++
			}
		}
	}
	if done != 2000-667 {
		t.Fatalf("completed %d", done)
	}
}

func TestNoAllocs(t *testing.T) {
	r := New(DefaultOptions())
	frags := split4(packet4(5, 17, seq(3000)), 1000)
	frags6 := split6(packet6(seq(3000)), 1000, 9)
	run := func() {
		for _, f := range frags {
			r.Add(0, f)
		}
		for _, f := range frags6 {
			r.Add(0, f)
		}
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func BenchmarkAdd(b *testing.B) {
	r := New(DefaultOptions())
	frags := split4(packet4(5, 17, seq(3000)), 1480)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range frags {
			r.Add(0, f)
		}
	}
}
