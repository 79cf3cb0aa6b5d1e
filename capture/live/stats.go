package live

import (
	"fmt"
	"strings"
)

// Stats is a snapshot of every stage's counters.
type Stats struct {
	Mode Mode
	// XDP program (per-CPU counters summed); zero in AF_PACKET mode.
	XDPSeen, XDPRedirected, XDPPassed, XDPDropped, XDPParseErrors, XDPRedirectFailures uint64
	XDPBytes, XDPShunted, XDPFiltered                                                  uint64
	// AF_XDP sockets (XDP_STATISTICS summed): frames the kernel could not
	// deliver because a socket's RX ring was full or the fill ring empty.
	RxDropped, RxRingFull, RxFillEmpty, RxInvalid uint64
	// AF_PACKET sockets (PACKET_STATISTICS summed).
	AFPPackets, AFPDrops uint64
	// Per worker, what reached and was processed by the worker.
	WorkerPackets, WorkerBytes []uint64
	// Per worker, its batches and its connection table as of its last
	// batch or idle tick.
	WorkerBatches                                             []uint64
	WorkerFlowsActive, WorkerFlowsCreated, WorkerFlowsEvicted []uint64
	// Per worker, TCP reassembly's ack and gap events.
	WorkerAcks, WorkerGaps []uint64
	// Per worker, AF_PACKET drops (tp_drops) of its socket.
	WorkerAFPDrops []uint64
	// Per worker in XDP mode, its AF_XDP socket (nil in AF_PACKET mode).
	Sockets []SocketStats
}

// SocketStats are one AF_XDP socket's drops (XDP_STATISTICS) and the
// occupancy of its RX ring and of its group's fill ring.
type SocketStats struct {
	RxDropped, RxRingFull, RxFillEmpty, RxInvalid uint64
	RxUsed, RxSize, FillUsed, FillSize            uint32
}

// Processed returns the packets all workers processed.
func (s *Stats) Processed() (pkts, bytes uint64) {
	for i := range s.WorkerPackets {
		pkts += s.WorkerPackets[i]
		bytes += s.WorkerBytes[i]
	}
	return
}

// Drops returns the packets lost between the wire and the workers.
func (s *Stats) Drops() uint64 {
	return s.XDPRedirectFailures + s.RxDropped + s.RxRingFull + s.RxFillEmpty + s.AFPDrops
}

// Stats reads the counters. It is safe to call while the capture runs.
func (c *Capture) Stats() (Stats, error) {
	n := len(c.workers)
	s := Stats{Mode: c.opts.Mode, WorkerPackets: make([]uint64, n), WorkerBytes: make([]uint64, n),
		WorkerBatches: make([]uint64, n), WorkerFlowsActive: make([]uint64, n), WorkerFlowsCreated: make([]uint64, n),
		WorkerFlowsEvicted: make([]uint64, n), WorkerAFPDrops: make([]uint64, n),
		WorkerAcks: make([]uint64, n), WorkerGaps: make([]uint64, n)}
	for i := range c.counters {
		ctr := &c.counters[i]
		s.WorkerPackets[i] = ctr.Packets.Load()
		s.WorkerBytes[i] = ctr.Bytes.Load()
		s.WorkerBatches[i] = ctr.Batches.Load()
		s.WorkerFlowsActive[i] = ctr.FlowsActive.Load()
		s.WorkerFlowsCreated[i] = ctr.FlowsCreated.Load()
		s.WorkerFlowsEvicted[i] = ctr.FlowsEvicted.Load()
		s.WorkerAcks[i] = ctr.Acks.Load()
		s.WorkerGaps[i] = ctr.Gaps.Load()
		s.WorkerAFPDrops[i] = ctr.KernelDrops.Load()
	}
	if c.prog != nil {
		k, err := c.prog.Counters()
		if err != nil {
			return s, fmt.Errorf("xdp counters: %w", err)
		}
		s.XDPSeen, s.XDPRedirected, s.XDPPassed, s.XDPDropped = k.Seen, k.Redirected, k.Passed, k.Dropped
		s.XDPParseErrors, s.XDPRedirectFailures = k.ParseErrors, k.RedirectFailures
		s.XDPBytes, s.XDPShunted, s.XDPFiltered = k.Bytes, k.Shunted, k.Filtered
	}
	if len(c.groups) > 0 {
		s.Sockets = make([]SocketStats, 0, n)
	}
	for _, g := range c.groups {
		for _, sk := range g.Sockets() {
			st, err := sk.Stats()
			if err != nil {
				return s, fmt.Errorf("xsk stats: %w", err)
			}
			s.Sockets = append(s.Sockets, SocketStats{
				RxDropped: st.RxDropped, RxRingFull: st.RxRingFull, RxFillEmpty: st.RxFillRingEmptyDescs, RxInvalid: st.RxInvalidDescs,
				RxUsed: st.Rx.Len(), RxSize: st.Rx.Size, FillUsed: st.Fill.Len(), FillSize: st.Fill.Size,
			})
			s.RxDropped += st.RxDropped
			s.RxRingFull += st.RxRingFull
			s.RxFillEmpty += st.RxFillRingEmptyDescs
			s.RxInvalid += st.RxInvalidDescs
		}
	}
	for i := range c.counters {
		s.AFPDrops += c.counters[i].KernelDrops.Load()
	}
	return s, nil
}

// String formats the snapshot as one stats line per stage.
func (s Stats) String() string {
	var b strings.Builder
	pk, by := s.Processed()
	if s.Mode == ModeXDP {
		fmt.Fprintf(&b, "xdp: seen %d redirected %d passed %d dropped %d parse-errors %d redirect-failures %d; ",
			s.XDPSeen, s.XDPRedirected, s.XDPPassed, s.XDPDropped, s.XDPParseErrors, s.XDPRedirectFailures)
		fmt.Fprintf(&b, "xsk: rx-dropped %d ring-full %d fill-empty %d invalid %d; ", s.RxDropped, s.RxRingFull, s.RxFillEmpty, s.RxInvalid)
	} else {
		fmt.Fprintf(&b, "afpacket: drops %d; ", s.AFPDrops)
	}
	fmt.Fprintf(&b, "workers: %d packets %d bytes [", pk, by)
	for i, p := range s.WorkerPackets {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d", p)
	}
	b.WriteString("]")
	return b.String()
}
