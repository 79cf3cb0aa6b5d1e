package frag

import (
	"encoding/binary"
	"fmt"
)

// Options bound the state of a Reassembler.
type Options struct {
	// MaxBytes bounds the payload bytes buffered over all pending
	// datagrams; the oldest datagrams are evicted to stay below it.
	MaxBytes int
	// MaxDatagrams bounds the number of datagrams pending at once.
	MaxDatagrams int
	// Timeout, in nanoseconds of packet time, after which a datagram
	// whose first fragment arrived that long ago is dropped. 0 means
	// never (Zeek's frag_timeout default).
	Timeout int64
}

// DefaultOptions returns 4 MiB, 1024 datagrams and a 60 s timeout.
func DefaultOptions() Options {
	return Options{MaxBytes: 4 << 20, MaxDatagrams: 1024, Timeout: 60e9}
}

// Validate reports whether o is usable.
func (o Options) Validate() error {
	if o.MaxBytes < 1500 {
		return fmt.Errorf("frag options: MaxBytes %d too small (minimum 1500)", o.MaxBytes)
	}
	if o.MaxDatagrams < 1 {
		return fmt.Errorf("frag options: MaxDatagrams %d must be positive", o.MaxDatagrams)
	}
	if o.Timeout < 0 {
		return fmt.Errorf("frag options: negative Timeout %d", o.Timeout)
	}
	return nil
}

// Stats counts what a Reassembler did. Weird names are Zeek's.
type Stats struct {
	Fragments   uint64 // fragments accepted by Add
	Reassembled uint64 // datagrams completed
	Pending     int    // datagrams currently held
	Bytes       int    // bytes currently accounted against MaxBytes
	Evicted     uint64 // datagrams dropped to honour MaxDatagrams/MaxBytes
	TimedOut    uint64 // datagrams dropped by Timeout
	Dropped     uint64 // datagrams dropped as hopeless (too many holes, too large)
	Invalid     uint64 // packets that were not parsable fragments

	Overlaps       uint64 // "fragment_overlap"
	Inconsistent   uint64 // "fragment_inconsistency"
	SizeInconsist  uint64 // "fragment_size_inconsistency"
	ProtoInconsist uint64 // "fragment_protocol_inconsistency"
	WithDF         uint64 // "fragment_with_DF"
	TooSmall       uint64 // "excessively_small_fragment"
	TooLarge       uint64 // "excessively_large_fragment"
}

// Zeek's weird names for fragment anomalies.
const (
	WeirdOverlap        = "fragment_overlap"
	WeirdInconsistency  = "fragment_inconsistency"
	WeirdSize           = "fragment_size_inconsistency"
	WeirdProtocol       = "fragment_protocol_inconsistency"
	WeirdWithDF         = "fragment_with_DF"
	WeirdExcessSmall    = "excessively_small_fragment"
	WeirdExcessLarge    = "excessively_large_fragment"
	minAcceptableFrag   = 64    // Zeek's MIN_ACCEPTABLE_FRAG_SIZE
	maxAcceptableFrag   = 64000 // Zeek's MAX_ACCEPTABLE_FRAG_SIZE
	maxRanges           = 32    // holes tracked per datagram
	maxDatagramSize     = 65535 + 8*8191
	releaseBufferAbove  = 16 << 10
	ipv6FragmentHdrType = 44
)

type key struct {
	src, dst [16]byte
	id       uint32
	v6       bool
}

type span struct{ lo, hi int }

type dgram struct {
	key   key
	used  bool
	first int64
	// hdr is the IPv4 header, or the IPv6 unfragmentable part.
	hdr      []byte
	hdrFrom0 bool // hdr came from the offset-0 fragment
	prevNext int  // IPv6: offset in hdr of the next-header byte to patch
	next     uint8
	proto    uint8 // IPv4 protocol or IPv6 next header after the Fragment header
	ihl      uint8
	data     []byte
	ranges   [maxRanges]span
	nr       int
	fragSize int // 0: final fragment not seen yet
	upper    int // highest offset buffered (accounted in bytes)
	prev     int32
	nextIdx  int32
}

// Reassembler puts fragmented IP datagrams back together.
//
// It is not safe for concurrent use: each goroutine that sees fragments
// owns its own Reassembler. The datagram returned by Add is valid until
// the next call to Add.
type Reassembler struct {
	opts  Options
	slots []dgram
	free  []int32
	table []int32 // open addressing, slot index + 1, 0 empty
	mask  uint32
	head  int32 // oldest (FIFO by first fragment), -1 empty
	tail  int32
	bytes int
	out   []byte
	weird string
	stats Stats
}

// New returns a Reassembler bounded by opts. Invalid options are replaced
// by their defaults field by field.
func New(opts Options) *Reassembler {
	def := DefaultOptions()
	if opts.MaxBytes < 1500 {
		opts.MaxBytes = def.MaxBytes
	}
	if opts.MaxDatagrams < 1 {
		opts.MaxDatagrams = def.MaxDatagrams
	}
	if opts.Timeout < 0 {
		opts.Timeout = def.Timeout
	}
	n := 2
	for n < 2*opts.MaxDatagrams {
		n <<= 1
	}
	r := &Reassembler{
		opts:  opts,
		slots: make([]dgram, opts.MaxDatagrams),
		free:  make([]int32, 0, opts.MaxDatagrams),
		table: make([]int32, n),
		mask:  uint32(n - 1),
		head:  -1,
		tail:  -1,
		out:   make([]byte, 0, 2048),
	}
	for i := opts.MaxDatagrams - 1; i >= 0; i-- {
		r.free = append(r.free, int32(i))
	}
	return r
}

// Stats returns the counters.
func (r *Reassembler) Stats() Stats {
	s := r.stats
	s.Bytes = r.bytes
	s.Pending = len(r.slots) - len(r.free)
	return s
}

// Weird returns Zeek's weird name for the first anomaly found by the
// last call to Add, or "". It is a constant string.
func (r *Reassembler) Weird() string { return r.weird }

func (r *Reassembler) setWeird(name string, ctr *uint64) {
	*ctr++
	if r.weird == "" {
		r.weird = name
	}
}

// Expire drops the datagrams whose timeout has passed at time now.
func (r *Reassembler) Expire(now int64) {
	if r.opts.Timeout <= 0 {
		return
	}
	for r.head >= 0 && now-r.slots[r.head].first > r.opts.Timeout {
		r.stats.TimedOut++
		r.release(r.head)
	}
}

// Add feeds one fragment: ipPacket is the whole IP packet, starting at the
// IP header. When the datagram completes it returns the reassembled IP
// packet, in a buffer owned by r and valid until the next call.
func (r *Reassembler) Add(ts int64, ipPacket []byte) (datagram []byte, done bool) {
	r.weird = ""
	r.Expire(ts)
	if len(ipPacket) < 20 {
		r.stats.Invalid++
		return nil, false
	}
	switch ipPacket[0] >> 4 {
	case 4:
		return r.add4(ts, ipPacket)
	case 6:
		return r.add6(ts, ipPacket)
	}
	r.stats.Invalid++
	return nil, false
}

func (r *Reassembler) add4(ts int64, b []byte) ([]byte, bool) {
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if ihl < 20 || total < ihl || len(b) < total {
		r.stats.Invalid++
		return nil, false
	}
	b = b[:total]
	ff := binary.BigEndian.Uint16(b[6:8])
	mf := ff&0x2000 != 0
	df := ff&0x4000 != 0
	off := int(ff&0x1fff) * 8
	var k key
	copy(k.src[:4], b[12:16])
	copy(k.dst[:4], b[16:20])
	k.id = uint32(binary.BigEndian.Uint16(b[4:6]))
	r.stats.Fragments++
	idx, fresh := r.lookup(ts, &k)
	if idx < 0 {
		return nil, false
	}
	d := &r.slots[idx]
	if fresh || (off == 0 && !d.hdrFrom0) {
		d.hdr = append(d.hdr[:0], b[:ihl]...)
		d.hdrFrom0 = off == 0
		if fresh {
			d.proto = b[9]
			d.ihl = b[0] & 0x0f
		}
	}
	if !fresh && (b[9] != d.proto || b[0]&0x0f != d.ihl) {
		r.setWeird(WeirdProtocol, &r.stats.ProtoInconsist)
	}
	if df {
		r.setWeird(WeirdWithDF, &r.stats.WithDF)
	}
	return r.insert(idx, off, mf, total, b[ihl:])
}

func (r *Reassembler) add6(ts int64, b []byte) ([]byte, bool) {
	if len(b) < 40 {
		r.stats.Invalid++
		return nil, false
	}
	total := 40 + int(binary.BigEndian.Uint16(b[4:6]))
	if len(b) < total {
		r.stats.Invalid++
		return nil, false
	}
	b = b[:total]
	// Walk the unfragmentable part up to the Fragment header.
	next := b[6]
	prevNext := 6
	pos := 40
	for i := 0; ; i++ {
		if next == ipv6FragmentHdrType {
			break
		}
		if i >= 8 || (next != 0 && next != 43 && next != 60) || pos+8 > len(b) {
			r.stats.Invalid++
			return nil, false
		}
		hl := (int(b[pos+1]) + 1) * 8
		if pos+hl > len(b) {
			r.stats.Invalid++
			return nil, false
		}
		prevNext = pos
		next = b[pos]
		pos += hl
	}
	if pos+8 > len(b) {
		r.stats.Invalid++
		return nil, false
	}
	fh := b[pos : pos+8]
	fo := binary.BigEndian.Uint16(fh[2:4])
	off := int(fo & 0xfff8) // offset in 8-octet units, already shifted by 3
	mf := fo&1 != 0
	var k key
	k.v6 = true
	copy(k.src[:], b[8:24])
	copy(k.dst[:], b[24:40])
	k.id = binary.BigEndian.Uint32(fh[4:8])
	r.stats.Fragments++
	idx, fresh := r.lookup(ts, &k)
	if idx < 0 {
		return nil, false
	}
	d := &r.slots[idx]
	if !fresh && (fh[0] != d.proto || pos != len(d.hdr)) {
		r.setWeird(WeirdProtocol, &r.stats.ProtoInconsist)
	}
	if fresh || (off == 0 && !d.hdrFrom0) {
		d.hdr = append(d.hdr[:0], b[:pos]...)
		d.hdrFrom0 = off == 0
		d.prevNext = prevNext
		d.proto = fh[0]
	}
	return r.insert(idx, off, mf, total, b[pos+8:])
}

// insert adds payload at offset off to slot idx. total is the fragment's
// length as Zeek measures it (header plus payload), for the small-fragment
// check.
func (r *Reassembler) insert(idx int32, off int, mf bool, total int, payload []byte) ([]byte, bool) {
	d := &r.slots[idx]
	upper := off + len(payload)
	if !mf {
		if d.fragSize == 0 {
			d.fragSize = upper
		} else if upper != d.fragSize {
			r.setWeird(WeirdSize, &r.stats.SizeInconsist)
			if upper > d.fragSize {
				d.fragSize = upper
			}
		}
	} else if total < minAcceptableFrag {
		r.setWeird(WeirdExcessSmall, &r.stats.TooSmall)
	}
	if upper > maxAcceptableFrag {
		r.setWeird(WeirdExcessLarge, &r.stats.TooLarge)
	}
	if d.fragSize != 0 && upper > d.fragSize {
		r.setWeird(WeirdSize, &r.stats.SizeInconsist)
		d.fragSize = upper
	}
	if upper > maxDatagramSize {
		r.stats.Dropped++
		r.release(idx)
		return nil, false
	}
	if upper > d.upper {
		r.bytes += upper - d.upper
		d.upper = upper
		if cap(d.data) < upper {
			nd := make([]byte, upper, max(upper, 2*cap(d.data)))
			copy(nd, d.data)
			d.data = nd
		}
		d.data = d.data[:upper]
	}
	if !r.merge(d, off, upper, payload) {
		r.stats.Dropped++
		r.release(idx)
		return nil, false
	}
	// Enforce the byte bound, oldest first, but never evict the datagram
	// being completed.
	for r.bytes > r.opts.MaxBytes && r.head >= 0 && r.head != idx {
		r.stats.Evicted++
		r.release(r.head)
	}
	if d.fragSize == 0 || d.nr == 0 || d.ranges[0].lo != 0 {
		return nil, false
	}
	size := d.fragSize
	first := d.ranges[0].hi
	switch {
	case d.nr == 1 && first > size:
		r.setWeird(WeirdSize, &r.stats.SizeInconsist)
		size = first
	case d.nr > 1 && first >= size:
		r.setWeird(WeirdSize, &r.stats.SizeInconsist)
		size = first
	case first < size:
		return nil, false
	}
	if len(d.hdr)+size > 65535+boolInt(d.key.v6)*40 {
		// Larger than an IP length field can state.
		r.stats.Dropped++
		r.release(idx)
		return nil, false
	}
	out := r.build(d, size)
	r.stats.Reassembled++
	r.release(idx)
	return out, true
}

// merge copies the parts of [lo, hi) not yet covered and records the
// range. It reports false when too many holes would be needed.
func (r *Reassembler) merge(d *dgram, lo, hi int, payload []byte) bool {
	if lo >= hi {
		return true
	}
	// Copy uncovered parts, compare covered ones.
	cur := lo
	overlap, differ := false, false
	for i := 0; i < d.nr && cur < hi; i++ {
		s := d.ranges[i]
		if s.hi <= cur {
			continue
		}
		if s.lo >= hi {
			break
		}
		if s.lo > cur {
			copy(d.data[cur:s.lo], payload[cur-lo:s.lo-lo])
			cur = s.lo
		}
		e := min(s.hi, hi)
		if e > cur {
			overlap = true
			if string(d.data[cur:e]) != string(payload[cur-lo:e-lo]) {
				differ = true
			}
			cur = e
		}
	}
	if cur < hi {
		copy(d.data[cur:hi], payload[cur-lo:])
	}
	if overlap {
		if differ {
			r.setWeird(WeirdInconsistency, &r.stats.Inconsistent)
		} else {
			r.setWeird(WeirdOverlap, &r.stats.Overlaps)
		}
	}
	// Insert [lo, hi) into the sorted, disjoint, non-adjacent range list.
	i := 0
	for i < d.nr && d.ranges[i].hi < lo {
		i++
	}
	j := i
	nlo, nhi := lo, hi
	for j < d.nr && d.ranges[j].lo <= hi {
		nlo = min(nlo, d.ranges[j].lo)
		nhi = max(nhi, d.ranges[j].hi)
		j++
	}
	removed := j - i
	if removed == 0 {
		if d.nr == maxRanges {
			return false
		}
		copy(d.ranges[i+1:d.nr+1], d.ranges[i:d.nr])
		d.nr++
	} else if removed > 1 {
		copy(d.ranges[i+1:], d.ranges[j:d.nr])
		d.nr -= removed - 1
	}
	d.ranges[i] = span{nlo, nhi}
	return true
}

func (r *Reassembler) build(d *dgram, size int) []byte {
	out := append(r.out[:0], d.hdr...)
	out = append(out, d.data[:size]...)
	r.out = out
	if !d.key.v6 {
		hl := len(d.hdr)
		binary.BigEndian.PutUint16(out[2:4], uint16(hl+size))
		ff := binary.BigEndian.Uint16(out[6:8]) & 0xc000 &^ 0x2000
		binary.BigEndian.PutUint16(out[6:8], ff)
		out[10], out[11] = 0, 0
		binary.BigEndian.PutUint16(out[10:12], ^checksum(out[:hl]))
		return out
	}
	binary.BigEndian.PutUint16(out[4:6], uint16(len(out)-40))
	out[d.prevNext] = d.proto
	return out
}

// checksum returns the 16-bit ones' complement sum of b (not inverted).
func checksum(b []byte) uint16 {
	var s uint32
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

func (k *key) hash() uint32 {
	h := uint32(2166136261)
	for _, c := range k.src {
		h = (h ^ uint32(c)) * 16777619
	}
	for _, c := range k.dst {
		h = (h ^ uint32(c)) * 16777619
	}
	h = (h ^ k.id) * 16777619
	if k.v6 {
		h = (h ^ 1) * 16777619
	}
	return h ^ h>>15
}

// lookup finds or creates the slot for k.
func (r *Reassembler) lookup(ts int64, k *key) (int32, bool) {
	pos := k.hash() & r.mask
	for {
		e := r.table[pos]
		if e == 0 {
			break
		}
		if r.slots[e-1].key == *k {
			return e - 1, false
		}
		pos = (pos + 1) & r.mask
	}
	if len(r.free) == 0 {
		r.stats.Evicted++
		r.release(r.head)
		// The table changed: find the insertion point again.
		pos = k.hash() & r.mask
		for r.table[pos] != 0 {
			pos = (pos + 1) & r.mask
		}
	}
	idx := r.free[len(r.free)-1]
	r.free = r.free[:len(r.free)-1]
	d := &r.slots[idx]
	d.key = *k
	d.used = true
	d.first = ts
	d.hdrFrom0 = false
	d.nr = 0
	d.fragSize = 0
	d.upper = 0
	d.data = d.data[:0]
	r.table[pos] = idx + 1
	// Append to the FIFO.
	d.prev, d.nextIdx = r.tail, -1
	if r.tail >= 0 {
		r.slots[r.tail].nextIdx = idx
	} else {
		r.head = idx
	}
	r.tail = idx
	return idx, true
}

// release frees slot idx: removes it from the table and the FIFO.
func (r *Reassembler) release(idx int32) {
	d := &r.slots[idx]
	if !d.used {
		return
	}
	// Backward-shift deletion from the open-addressing table.
	pos := d.key.hash() & r.mask
	for r.table[pos] != idx+1 {
		pos = (pos + 1) & r.mask
	}
	for {
		r.table[pos] = 0
		nxt := pos
		for {
			nxt = (nxt + 1) & r.mask
			e := r.table[nxt]
			if e == 0 {
				goto unlinked
			}
			home := r.slots[e-1].key.hash() & r.mask
			// Move e to pos if its home is not in (pos, nxt].
			if (nxt-home)&r.mask >= (nxt-pos)&r.mask {
				r.table[pos] = e
				pos = nxt
				break
			}
		}
	}
unlinked:
	if d.prev >= 0 {
		r.slots[d.prev].nextIdx = d.nextIdx
	} else {
		r.head = d.nextIdx
	}
	if d.nextIdx >= 0 {
		r.slots[d.nextIdx].prev = d.prev
	} else {
		r.tail = d.prev
	}
	r.bytes -= d.upper
	d.upper = 0
	d.used = false
	if cap(d.data) > releaseBufferAbove {
		d.data = nil
	}
	r.free = append(r.free, idx)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
