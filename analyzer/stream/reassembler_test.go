package stream

import (
	"bytes"
	"testing"
)

// collect runs segments through a Reassembler as the worker does and
// returns the delivered bytes, with each gap written as that many '?'.
type collector struct {
	r   *Reassembler
	d   Dir
	out []byte
}

func (c *collector) seg(seq uint32, p []byte) {
	b := c.r.Add(&c.d, seq, p)
	if g := c.d.TakeGap(); g > 0 {
		c.out = append(c.out, bytes.Repeat([]byte{'?'}, g)...)
	}
	c.out = append(c.out, b...)
	c.drain()
}

func (c *collector) drain() {
	for {
		b, ok := c.r.Next(&c.d)
		if !ok {
			return
		}
		c.out = append(c.out, b...)
	}
}

func (c *collector) ack(a uint32) {
	for {
		g := c.r.Ack(&c.d, a)
		if g == 0 {
			return
		}
		c.out = append(c.out, bytes.Repeat([]byte{'?'}, g)...)
		c.drain()
	}
}

func TestInOrderOutOfOrderOverlap(t *testing.T) {
	c := &collector{r: New(DefaultOptions())}
	const isn = 0xfffffff0 // wraps
	c.d.Init(isn)
	c.seg(isn+10, []byte("klmnop"))
	c.seg(isn+5, []byte("fghij"))
	c.seg(isn, []byte("abcde"))
	c.seg(isn+3, []byte("defgh")) // retransmission
	c.seg(isn+14, []byte("opqr")) // overlap
	if got := string(c.out); got != "abcdefghijklmnopqr" {
		t.Fatalf("got %q", got)
	}
	if c.r.Stats().InUse != 0 {
		t.Errorf("%d blocks still in use", c.r.Stats().InUse)
	}
}

func TestAckedHoleIsGap(t *testing.T) {
	c := &collector{r: New(DefaultOptions())}
	c.d.Init(100)
	c.seg(100, []byte("ab"))
	c.seg(105, []byte("fg"))
	c.seg(110, []byte("kl"))
	c.ack(112)
	if got := string(c.out); got != "ab???fg???kl" {
		t.Fatalf("got %q", got)
	}
	c.ack(120) // acked beyond everything seen
	if got := string(c.out); got != "ab???fg???kl????????" {
		t.Fatalf("got %q", got)
	}
}

func TestDirLimit(t *testing.T) {
	o := DefaultOptions()
	o.MaxDirBytes = 4096
	c := &collector{r: New(o)}
	c.d.Init(0)
	for i := 0; i < 10; i++ {
		c.seg(uint32(1000+i*1000), bytes.Repeat([]byte{'x'}, 1000))
	}
	if c.r.Stats().DirOverflows == 0 {
		t.Fatal("no overflow counted")
	}
	if !bytes.HasPrefix(c.out, bytes.Repeat([]byte{'?'}, 1000)) {
		t.Errorf("hole not reported first: %q", c.out[:20])
	}
	c.r.Release(&c.d)
	if c.r.Stats().InUse != 0 {
		t.Errorf("%d blocks in use after Release", c.r.Stats().InUse)
	}
}

func TestPoolLimit(t *testing.T) {
	o := Options{MaxBytes: 2 * SegmentSize, MaxDirBytes: 1 << 20}
	c := &collector{r: New(o)}
	c.d.Init(0)
	for i := 1; i <= 4; i++ {
		c.seg(uint32(i*100), bytes.Repeat([]byte{'y'}, 10))
	}
	if c.r.Stats().PoolOverflows != 2 {
		t.Errorf("pool overflows %d, want 2", c.r.Stats().PoolOverflows)
	}
}

func TestFinEOF(t *testing.T) {
	c := &collector{r: New(DefaultOptions())}
	c.d.Init(1)
	c.d.Fin(6)
	if c.d.AtEOF() {
		t.Fatal("EOF before data")
	}
	c.seg(1, []byte("hello"))
	if !c.d.AtEOF() || c.d.AtEOF() {
		t.Fatal("EOF not reported exactly once")
	}
}

func TestNoAllocs(t *testing.T) {
	r := New(DefaultOptions())
	var d Dir
	p := bytes.Repeat([]byte{'z'}, 1400)
	seq := uint32(0)
	run := func() {
		d.Init(seq)
		r.Add(&d, seq+1400, p) // out of order: pooled
		r.Add(&d, seq+2800, p)
		r.Add(&d, seq, p)
		for {
			if _, ok := r.Next(&d); !ok {
				break
			}
		}
		r.Release(&d)
		seq += 1 << 20
	}
	run()
	if n := testing.AllocsPerRun(200, run); n != 0 {
		t.Errorf("%.1f allocations per run", n)
	}
}

// BenchmarkReassembly measures 1400-byte segments of one direction, every
// fourth pair swapped (out of order, so buffered in pooled blocks and
// released by the segment that fills the hole).
func BenchmarkReassembly(b *testing.B) {
	r := New(DefaultOptions())
	var d Dir
	p := bytes.Repeat([]byte{'z'}, 1400)
	d.Init(0)
	seq := uint32(0)
	b.ReportAllocs()
	b.SetBytes(2 * 1400)
	for i := 0; b.Loop(); i++ {
		if i%4 == 0 {
			r.Add(&d, seq+1400, p)
			r.Add(&d, seq, p)
		} else {
			r.Add(&d, seq, p)
			r.Add(&d, seq+1400, p)
		}
		for {
			if _, ok := r.Next(&d); !ok {
				break
			}
		}
		seq += 2800
	}
}

// TestAcksAndGaps: each acknowledgement that moves forward counts once,
// and one that covers unseen data is a gap too — capture_loss.log's
// inputs.
func TestAcksAndGaps(t *testing.T) {
	r := New(DefaultOptions())
	var d Dir
	d.Init(1000)
	p := bytes.Repeat([]byte{'x'}, 100)
	r.Add(&d, 1000, p)
	r.Ack(&d, 1100) // acks seen data
	r.Ack(&d, 1100) // duplicate ack: not counted
	r.Ack(&d, 1300) // acks 200 bytes never seen: a gap
	if s := r.Stats(); s.Acks != 2 || s.Gaps != 1 || s.GapBytes != 200 {
		t.Errorf("acks %d gaps %d gap bytes %d, want 2, 1, 200", s.Acks, s.Gaps, s.GapBytes)
	}
}
