package worker

// BatchPackets is the most frames a Batch carries.
const BatchPackets = 256

// BatchBytes is the size of a Batch's own copy buffer.
const BatchBytes = BatchPackets * 2048

// Meta describes one frame of a Batch.
type Meta struct {
	TS      int64  // ns since the Unix epoch
	WireLen uint32 // length on the wire
	Link    uint16 // pcap LINKTYPE_ number
}

// Batch carries frames from a packet source to one worker. Frames either
// point into the batch's own buffer (Add copies them there: replay) or
// into memory the source owns until the batch comes back (AF_XDP UMEM).
//
// A Batch belongs to one goroutine at a time: the source fills it, hands
// it over a ring, the worker processes it and hands it back.
type Batch struct {
	N      int
	Frames [BatchPackets][]byte
	Meta   [BatchPackets]Meta

	// Final marks the last batch of a source: the worker flushes its
	// connections at FinalTS after processing the frames.
	Final   bool
	FinalTS int64

	buf  []byte
	used int
}

// NewBatch returns an empty batch with its own copy buffer.
func NewBatch() *Batch { return &Batch{buf: make([]byte, BatchBytes)} }

// Reset empties b for reuse.
func (b *Batch) Reset() {
	b.N, b.used, b.Final, b.FinalTS = 0, 0, false, 0
}

// Full reports whether b has no room for a frame of n bytes.
func (b *Batch) Full(n int) bool {
	return b.N == BatchPackets || (b.used+n > len(b.buf) && b.N > 0)
}

// Add copies frame into b. The caller checks Full first. A frame larger
// than the whole buffer (only possible with snaplens above BatchBytes) gets
// its own allocation.
func (b *Batch) Add(frame []byte, m Meta) {
	i := b.N
	b.N++
	b.Meta[i] = m
	if b.used+len(frame) > len(b.buf) {
		b.Frames[i] = append([]byte(nil), frame...)
		return
	}
	n := copy(b.buf[b.used:], frame)
	b.Frames[i] = b.buf[b.used : b.used+n : b.used+n]
	b.used += n
}

// AddRef adds a frame without copying it: the source keeps it valid until
// the batch comes back (zero-copy sources such as AF_XDP).
func (b *Batch) AddRef(frame []byte, m Meta) {
	b.Frames[b.N] = frame
	b.Meta[b.N] = m
	b.N++
}
