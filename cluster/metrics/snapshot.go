package metrics

// AllWorkers is the Worker value of a counter that belongs to the whole
// node rather than one worker; it is exported as worker="all".
const AllWorkers = -1

// Snapshot is what a Source reports at scrape time. The collector resets
// it (keeping the slices' capacity) before each call.
type Snapshot struct {
	Workers []WorkerSnapshot // indexed by worker
	Stages  []StageSnapshot
	Drops   []DropSnapshot
	Rings   []RingSnapshot
}

// WorkerSnapshot is one worker's processing and connection-table counters.
type WorkerSnapshot struct {
	Packets, Bytes, Batches                 uint64
	FlowsActive, FlowsCreated, FlowsEvicted uint64
	Acks, Gaps                              uint64 // TCP reassembly ack and gap events
}

// StageSnapshot counts the packets and bytes a stage of the capture path
// saw: "reader" (replay), "xdp" (the XDP program), "afpacket".
type StageSnapshot struct {
	Stage   string
	Worker  int // AllWorkers for a node-wide stage
	Packets uint64
	Bytes   uint64
}

// DropSnapshot counts packets lost at one stage for one reason.
type DropSnapshot struct {
	Stage   string
	Reason  string
	Worker  int
	Packets uint64
}

// RingSnapshot is the occupancy of one ring.
type RingSnapshot struct {
	Ring       string
	Worker     int
	Used, Size uint64
}

// Source fills a Snapshot. It runs at scrape time, on the scraping
// goroutine, and must only read (atomics, or stats calls that are safe
// from any goroutine).
type Source func(s *Snapshot) error

func (s *Snapshot) reset() {
	s.Workers, s.Stages, s.Drops, s.Rings = s.Workers[:0], s.Stages[:0], s.Drops[:0], s.Rings[:0]
}

// Stage appends a stage counter.
func (s *Snapshot) Stage(stage string, worker int, packets, bytes uint64) {
	s.Stages = append(s.Stages, StageSnapshot{Stage: stage, Worker: worker, Packets: packets, Bytes: bytes})
}

// Drop appends a drop counter.
func (s *Snapshot) Drop(stage, reason string, worker int, packets uint64) {
	s.Drops = append(s.Drops, DropSnapshot{Stage: stage, Reason: reason, Worker: worker, Packets: packets})
}

// Ring appends a ring's occupancy.
func (s *Snapshot) Ring(ring string, worker int, used, size uint64) {
	s.Rings = append(s.Rings, RingSnapshot{Ring: ring, Worker: worker, Used: used, Size: size})
}
