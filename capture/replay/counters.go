package replay

import (
	"sync/atomic"

	"xsensor/analyzer/worker"
	"xsensor/capture/ring"
)

// WorkerCounters are one replay worker's counters. The worker's goroutine
// stores them once per batch, after processing it; any goroutine may load
// them (metrics scrapes do).
type WorkerCounters struct {
	Packets atomic.Uint64 // frames processed (reassembled datagrams count once)
	Bytes   atomic.Uint64 // their wire bytes
	Batches atomic.Uint64

	// The worker's connection table, as of its last batch (conn.Stats).
	FlowsActive  atomic.Uint64
	FlowsCreated atomic.Uint64
	FlowsEvicted atomic.Uint64

	// TCP reassembly's ack and gap events (stream.Stats), the inputs of
	// capture_loss.log.
	Acks, Gaps atomic.Uint64
}

// Counters are a running replay's counters, readable from any goroutine
// while Run works. Pass one in Options.Counters to watch a replay (the
// metrics endpoint does); Run updates it once per batch, never per packet.
//
// Concurrency: Run is the only writer; every method may be called from
// any goroutine at any time.
type Counters struct {
	// The reader stage: frames and wire bytes read from the file,
	// published whenever a batch is handed to a worker and at the end.
	ReadPackets atomic.Uint64
	ReadBytes   atomic.Uint64
	Fragments   atomic.Uint64
	Reassembled atomic.Uint64

	Workers []WorkerCounters

	rings atomic.Pointer[[]*ring.SPSC[*worker.Batch]]
	done  atomic.Bool
}

// NewCounters returns counters for a replay with n workers.
func NewCounters(n int) *Counters {
	return &Counters{Workers: make([]WorkerCounters, n)}
}

// RingOccupancy returns, for worker i, how many full batches wait in its
// ring and the ring's capacity (0, 0 before Run has made the rings).
func (c *Counters) RingOccupancy(i int) (used, size int) {
	p := c.rings.Load()
	if p == nil || i < 0 || i >= len(*p) {
		return 0, 0
	}
	r := (*p)[i]
	return r.Len(), r.Cap()
}

// Done reports whether Run has finished: every worker has flushed and the
// counters are final.
func (c *Counters) Done() bool { return c.done.Load() }

// publishWorker stores worker i's counters after a batch. Worker goroutine
// only.
func (c *Counters) publishWorker(i int, w *worker.Worker, pkts, bytes uint64) {
	if c == nil {
		return
	}
	ctr := &c.Workers[i]
	ctr.Packets.Add(pkts)
	ctr.Bytes.Add(bytes)
	ctr.Batches.Add(1)
	cs := w.ConnStats()
	ctr.FlowsActive.Store(uint64(cs.Active))
	ctr.FlowsCreated.Store(cs.Created)
	ctr.FlowsEvicted.Store(cs.Evicted)
	ss := w.StreamStats()
	ctr.Acks.Store(ss.Acks)
	ctr.Gaps.Store(ss.Gaps)
}

// publishReader stores the reader's counters. Reader goroutine only.
func (c *Counters) publishReader(s *Summary) {
	if c == nil {
		return
	}
	c.ReadPackets.Store(s.Packets)
	c.ReadBytes.Store(s.Bytes)
	c.Fragments.Store(s.Fragments)
	c.Reassembled.Store(s.Reassembled)
}
