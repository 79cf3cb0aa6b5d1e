package metrics

import (
	"xsensor/capture/live"
	"xsensor/capture/replay"
)

// ReplaySource reads a running replay's counters: the reader stage, each
// worker, and each worker's ring of full batches.
func ReplaySource(c *replay.Counters) Source {
	return func(s *Snapshot) error {
		s.Stage("reader", AllWorkers, c.ReadPackets.Load(), c.ReadBytes.Load())
		s.Stage("fragments", AllWorkers, c.Fragments.Load(), 0)
		for i := range c.Workers {
			w := &c.Workers[i]
			s.Workers = append(s.Workers, WorkerSnapshot{
				Packets: w.Packets.Load(), Bytes: w.Bytes.Load(), Batches: w.Batches.Load(),
				FlowsActive: w.FlowsActive.Load(), FlowsCreated: w.FlowsCreated.Load(), FlowsEvicted: w.FlowsEvicted.Load(),
				Acks: w.Acks.Load(), Gaps: w.Gaps.Load(),
			})
			used, size := c.RingOccupancy(i)
			s.Ring("worker_batches", i, uint64(used), uint64(size))
		}
		return nil
	}
}

// LiveSource reads a live capture's counters: the XDP program's per-CPU
// counters (summed), each AF_XDP socket's XDP_STATISTICS and ring
// occupancy, AF_PACKET drops, and each worker.
func LiveSource(c *live.Capture) Source {
	return func(s *Snapshot) error {
		st, err := c.Stats()
		fillLive(s, &st)
		return err
	}
}

func fillLive(s *Snapshot, st *live.Stats) {
	for i := range st.WorkerPackets {
		s.Workers = append(s.Workers, WorkerSnapshot{
			Packets: st.WorkerPackets[i], Bytes: st.WorkerBytes[i], Batches: at(st.WorkerBatches, i),
			FlowsActive: at(st.WorkerFlowsActive, i), FlowsCreated: at(st.WorkerFlowsCreated, i), FlowsEvicted: at(st.WorkerFlowsEvicted, i),
			Acks: at(st.WorkerAcks, i), Gaps: at(st.WorkerGaps, i),
		})
	}
	switch st.Mode {
	case live.ModeXDP:
		s.Stage("xdp", AllWorkers, st.XDPSeen, st.XDPBytes)
		s.Stage("xdp_redirected", AllWorkers, st.XDPRedirected, 0)
		s.Stage("xdp_passed", AllWorkers, st.XDPPassed, 0)
		// XDP_DROP verdicts (shunted flows among them) and frames whose
		// headers did not parse (still redirected, on hash 0) are
		// stages: they are policy, not loss.
		s.Stage("xdp_dropped", AllWorkers, st.XDPDropped, 0)
		s.Stage("xdp_shunted", AllWorkers, st.XDPShunted, 0)
		s.Stage("xdp_filtered", AllWorkers, st.XDPFiltered, 0)
		s.Stage("xdp_parse_error", AllWorkers, st.XDPParseErrors, 0)
		s.Drop("xdp", "redirect_failed", AllWorkers, st.XDPRedirectFailures)
		for i, k := range st.Sockets {
			s.Drop("xsk", "rx_dropped", i, k.RxDropped)
			s.Drop("xsk", "rx_ring_full", i, k.RxRingFull)
			s.Drop("xsk", "fill_ring_empty", i, k.RxFillEmpty)
			s.Drop("xsk", "rx_invalid", i, k.RxInvalid)
			s.Ring("xsk_rx", i, uint64(k.RxUsed), uint64(k.RxSize))
			s.Ring("xsk_fill", i, uint64(k.FillUsed), uint64(k.FillSize))
		}
	case live.ModeAFPacket:
		for i := range st.WorkerPackets {
			s.Drop("afpacket", "kernel", i, at(st.WorkerAFPDrops, i))
		}
	}
}

func at(v []uint64, i int) uint64 {
	if i < len(v) {
		return v[i]
	}
	return 0
}

// FillLive adds a live capture's counters, already read by the caller
// (live.Capture.Stats), to s: the series LiveSource exports, for callers
// that keep their own copy of the Stats (a worker node's stats.json).
func FillLive(s *Snapshot, st *live.Stats) { fillLive(s, st) }
