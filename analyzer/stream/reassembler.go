package stream

// SegmentSize is the payload capacity of one pooled block. Larger
// segments are stored as a chain of blocks.
const SegmentSize = 2048

// Options configure a Reassembler.
type Options struct {
	// MaxBytes bounds the out-of-order data buffered by one worker (the
	// pool never grows beyond MaxBytes/SegmentSize blocks).
	MaxBytes int
	// MaxDirBytes bounds the out-of-order data buffered for one
	// direction of one connection.
	MaxDirBytes int
}

// DefaultOptions returns the defaults: 64 MiB per worker, 256 KiB per
// direction.
func DefaultOptions() Options {
	return Options{MaxBytes: 64 << 20, MaxDirBytes: 256 << 10}
}

// Stats are a Reassembler's counters.
type Stats struct {
	Buffered      uint64 // segments (or parts) buffered out of order
	DirOverflows  uint64 // directions that gave up waiting for a hole
	PoolOverflows uint64 // segments dropped because the pool was full
	Gaps          uint64 // gaps reported (Zeek's gap events)
	GapBytes      uint64
	// Acks counts acknowledgements that moved a direction's acknowledged
	// point forward (Zeek's ack events): with Gaps, capture_loss.log's
	// percent_lost = 100 × gaps / acks.
	Acks uint64
	InUse         int // blocks in use now
}

type block struct {
	seq  uint32 // sequence number of data[0]
	n    uint16
	next int32 // next block in the direction's list (sorted by seq), -1
	data [SegmentSize]byte
}

// Dir is one direction of a connection. The zero value is an
// uninitialised direction; reset it with Reassembler.Release.
type Dir struct {
	next     uint32 // next sequence number to deliver
	head     int32  // first buffered block + 1 (0: none)
	popped   int32  // block returned by Next, freed on the next call + 1
	buffered int32  // bytes buffered
	finSeq   uint32
	acked    uint32 // highest acknowledgement seen
	gap      int32 // hole skipped by a per-direction overflow, not yet reported
	started  bool
	fin      bool
	eof      bool
}

// TakeGap returns (once) the size of a hole that Add skipped because the
// direction's buffer limit was reached; report it before the data Next
// returns.
func (d *Dir) TakeGap() int {
	g := d.gap
	d.gap = 0
	return int(g)
}

// Started reports whether the direction's initial sequence number is known.
func (d *Dir) Started() bool { return d.started }

// Init sets the next sequence number to deliver (the SYN's seq + 1, or
// the first data segment's seq on a partial connection).
func (d *Dir) Init(next uint32) {
	d.next, d.acked, d.started = next, next, true
}

// Reassembler holds one worker's segment pool. Owned by one goroutine.
type Reassembler struct {
	opts   Options
	chunks [][]block
	n      int32 // blocks handed out of chunks so far
	free   int32 // free list head + 1
	max    int32
	stats  Stats
}

const chunkBlocks = 32

// New returns a reassembler.
func New(o Options) *Reassembler {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultOptions().MaxBytes
	}
	if o.MaxDirBytes <= 0 {
		o.MaxDirBytes = DefaultOptions().MaxDirBytes
	}
	return &Reassembler{opts: o, max: int32(o.MaxBytes / SegmentSize)}
}

// Stats returns the counters.
func (r *Reassembler) Stats() Stats { return r.stats }

func (r *Reassembler) blk(i int32) *block { return &r.chunks[i/chunkBlocks][i%chunkBlocks] }

func (r *Reassembler) alloc() int32 {
	if r.free > 0 {
		i := r.free - 1
		r.free = r.blk(i).next + 1
		r.stats.InUse++
		return i
	}
	if r.n >= r.max {
		return -1
	}
	if int(r.n)/chunkBlocks >= len(r.chunks) {
		r.chunks = append(r.chunks, make([]block, chunkBlocks))
	}
	i := r.n
	r.n++
	r.stats.InUse++
	return i
}

func (r *Reassembler) release(i int32) {
	b := r.blk(i)
	b.next = r.free - 1
	r.free = i + 1
	r.stats.InUse--
}

// seqLT is sequence-space a < b.
func seqLT(a, b uint32) bool { return int32(a-b) < 0 }

// Add takes a segment's payload starting at seq and returns the part that
// is in order now (aliasing payload). A segment ahead of the next expected
// byte is buffered; data already delivered is dropped. Call Next after
// Add to collect buffered data the segment made contiguous.
func (r *Reassembler) Add(d *Dir, seq uint32, payload []byte) []byte {
	r.freePopped(d)
	if !d.started || len(payload) == 0 {
		return nil
	}
	if seqLT(seq, d.next) {
		skip := d.next - seq
		if uint64(skip) >= uint64(len(payload)) {
			return nil
		}
		payload = payload[skip:]
		seq = d.next
	}
	if seq == d.next {
		d.next += uint32(len(payload))
		return payload
	}
	// Out of order.
	if int(d.buffered)+len(payload) > r.opts.MaxDirBytes {
		r.stats.DirOverflows++
		// Give up on the hole: the caller learns of it through Ack
		// once it is acknowledged; here we make the buffered data
		// deliverable by moving next to the first block.
		if d.head > 0 {
			first := r.blk(d.head - 1).seq
			if seqLT(d.next, first) {
				d.gap += int32(first - d.next)
				r.stats.Gaps++
				r.stats.GapBytes += uint64(first - d.next)
				d.next = first
			}
		}
		return nil
	}
	r.insert(d, seq, payload)
	return nil
}

// insert buffers payload at seq in d's sorted block list.
func (r *Reassembler) insert(d *Dir, seq uint32, payload []byte) {
	for len(payload) > 0 {
		n := len(payload)
		if n > SegmentSize {
			n = SegmentSize
		}
		i := r.alloc()
		if i < 0 {
			r.stats.PoolOverflows++
			return
		}
		b := r.blk(i)
		b.seq = seq
		b.n = uint16(n)
		copy(b.data[:], payload[:n])
		// Sorted insert (lists are short).
		p := &d.head
		for *p > 0 && seqLT(r.blk(*p-1).seq, seq) {
			p = &r.blk(*p - 1).next
			// next is stored +1 as well, see below.
		}
		b.next = *p
		*p = i + 1
		d.buffered += int32(n)
		r.stats.Buffered++
		payload = payload[n:]
		seq += uint32(n)
	}
}

func (r *Reassembler) freePopped(d *Dir) {
	if d.popped > 0 {
		r.release(d.popped - 1)
		d.popped = 0
	}
}

// Next returns the next buffered data that is now in order, trimmed of
// bytes already delivered. The slice is valid until the next call on r.
func (r *Reassembler) Next(d *Dir) ([]byte, bool) {
	r.freePopped(d)
	for d.head > 0 {
		i := d.head - 1
		b := r.blk(i)
		if seqLT(d.next, b.seq) {
			return nil, false
		}
		d.head = b.next
		d.buffered -= int32(b.n)
		data := b.data[:b.n]
		end := b.seq + uint32(b.n)
		if !seqLT(d.next, end) {
			r.release(i)
			continue
		}
		data = data[d.next-b.seq:]
		d.next = end
		d.popped = i + 1
		return data, true
	}
	return nil, false
}

// Ack processes the peer's acknowledgment of d's data up to ack: when it
// covers bytes never seen, it returns the size of the first such hole and
// moves past it (report it to the analyzer as a gap, then call Next and
// Ack again). Acks far outside the window are ignored.
func (r *Reassembler) Ack(d *Dir, ack uint32) int {
	if !d.started {
		return 0
	}
	if d.fin && !seqLT(ack, d.finSeq+1) {
		ack = d.finSeq // the FIN occupies one sequence number
	}
	if seqLT(d.acked, ack) && ack-d.acked <= 1<<30 {
		d.acked = ack
		r.stats.Acks++
	}
	if !seqLT(d.next, ack) || ack-d.next > 1<<30 {
		return 0
	}
	end := ack
	if d.head > 0 {
		if s := r.blk(d.head - 1).seq; seqLT(s, end) {
			end = s
		}
	}
	if !seqLT(d.next, end) {
		return 0 // buffered data is deliverable: the caller calls Next
	}
	n := int(end - d.next)
	d.next = end
	r.stats.Gaps++
	r.stats.GapBytes += uint64(n)
	return n
}

// Fin records that d's FIN is at seq (the sequence number after the data).
func (d *Dir) Fin(seq uint32) {
	if !d.fin {
		d.fin, d.finSeq = true, seq
	}
}

// AtEOF reports, once, that everything before d's FIN was delivered.
func (d *Dir) AtEOF() bool {
	if d.fin && !d.eof && d.started && !seqLT(d.next, d.finSeq) && d.head == 0 {
		d.eof = true
		return true
	}
	return false
}

// Pending reports whether d holds buffered data.
func (d *Dir) Pending() bool { return d.head > 0 }

// Flush drops d's buffered data, reporting each hole and delivering the
// data in order (for connections that end with holes, as Zeek delivers
// what it holds at connection end). gap and deliver are called in stream
// order.
func (r *Reassembler) Flush(d *Dir, gap func(n int), deliver func(b []byte)) {
	r.freePopped(d)
	for d.head > 0 {
		s := r.blk(d.head - 1).seq
		if seqLT(d.next, s) {
			if gap != nil {
				gap(int(s - d.next))
			}
			r.stats.Gaps++
			r.stats.GapBytes += uint64(s - d.next)
			d.next = s
		}
		for {
			b, ok := r.Next(d)
			if !ok {
				break
			}
			if deliver != nil {
				deliver(b)
			}
		}
	}
	r.freePopped(d)
}

// Release returns d's blocks to the pool and resets d.
func (r *Reassembler) Release(d *Dir) {
	r.freePopped(d)
	for d.head > 0 {
		i := d.head - 1
		d.head = r.blk(i).next
		r.release(i)
	}
	*d = Dir{}
}
