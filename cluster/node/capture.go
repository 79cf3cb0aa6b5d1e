package node

import (
	"sync"

	"xsensor/capture/live"
	"xsensor/capture/replay"
	"xsensor/cluster/metrics"
)

// CaptureStats is the capture path stage by stage, in stats.json: the
// same stages, drop reasons and worker numbers as the node's Prometheus
// series (cluster/metrics).
type CaptureStats struct {
	Mode    string        `json:"mode"` // "pcap", "xdp" or "afpacket"
	Stages  []StageCount  `json:"stages,omitempty"`
	Drops   []DropCount   `json:"drops,omitempty"`
	Workers []WorkerCount `json:"workers,omitempty"`
}

// StageCount is what one stage of the capture path saw (Worker -1: the
// whole node).
type StageCount struct {
	Stage   string `json:"stage"`
	Worker  int    `json:"worker"`
	Packets uint64 `json:"pkts"`
	Bytes   uint64 `json:"bytes,omitempty"`
}

// DropCount is what a stage lost for one reason (Worker -1: the whole
// node).
type DropCount struct {
	Stage   string `json:"stage"`
	Reason  string `json:"reason"`
	Worker  int    `json:"worker"`
	Packets uint64 `json:"pkts"`
}

// WorkerCount is one worker: what it processed, what was lost on its
// way to it (its socket's drops), and its connection table.
type WorkerCount struct {
	Packets     uint64 `json:"pkts_proc"`
	Bytes       uint64 `json:"bytes_recv"`
	Dropped     uint64 `json:"pkts_dropped"`
	FlowsActive uint64 `json:"flows_active"`
	Evicted     uint64 `json:"flows_evicted"`
}

// capture is the node's capture path as its stats see it: a replay's
// Counters or a live Capture (set once, before the stats loop starts).
//
// Concurrency: read may be called from any goroutine; mu keeps the last
// live Stats that read in full, because the XDP program's counters and
// the sockets' statistics can no longer be read once the capture is torn
// down (the final report), while the workers' counters still can.
type capture struct {
	ctrs *replay.Counters
	live *live.Capture

	mu   sync.Mutex
	last live.Stats
	have bool
}

// source is the capture's metrics Source, for the node's registry.
func (c *capture) source() metrics.Source {
	switch {
	case c.ctrs != nil:
		return metrics.ReplaySource(c.ctrs)
	case c.live != nil:
		return metrics.LiveSource(c.live)
	}
	return nil
}

// read fills s's packet, byte, drop and link counters and its Capture
// detail. pkts_link is what the first stage saw: the XDP program's
// packets, or for AF_PACKET what the workers took plus the kernel's
// drops; a pcap file has no link (0) and drops nothing.
func (c *capture) read(s *Stats) {
	var ms metrics.Snapshot
	cs := &CaptureStats{}
	switch {
	case c.ctrs != nil:
		cs.Mode = "pcap"
		metrics.ReplaySource(c.ctrs)(&ms)
	case c.live != nil:
		st := c.liveStats()
		cs.Mode = st.Mode.String()
		metrics.FillLive(&ms, &st)
		s.Dropped = st.Drops()
		if st.Mode == live.ModeXDP {
			s.Link = st.XDPSeen
		} else {
			pk, _ := st.Processed()
			s.Link = pk + st.AFPDrops
		}
	default:
		return
	}
	cs.Workers = make([]WorkerCount, len(ms.Workers))
	for i, w := range ms.Workers {
		s.Packets += w.Packets
		s.Bytes += w.Bytes
		s.FlowsActive += w.FlowsActive
		s.Acks += w.Acks
		s.Gaps += w.Gaps
		cs.Workers[i] = WorkerCount{Packets: w.Packets, Bytes: w.Bytes, FlowsActive: w.FlowsActive, Evicted: w.FlowsEvicted}
	}
	for _, st := range ms.Stages {
		cs.Stages = append(cs.Stages, StageCount{Stage: st.Stage, Worker: st.Worker, Packets: st.Packets, Bytes: st.Bytes})
	}
	for _, d := range ms.Drops {
		cs.Drops = append(cs.Drops, DropCount{Stage: d.Stage, Reason: d.Reason, Worker: d.Worker, Packets: d.Packets})
		if d.Worker >= 0 && d.Worker < len(cs.Workers) && d.Reason != "rx_invalid" {
			cs.Workers[d.Worker].Dropped += d.Packets
		}
	}
	s.Capture = cs
}

// liveStats reads the live capture's Stats; when the kernel's counters
// cannot be read (the capture is torn down), it keeps the last ones that
// could, with the workers' current counters.
func (c *capture) liveStats() live.Stats {
	st, err := c.live.Stats()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.last, c.have = st, true
		return st
	}
	if !c.have {
		return st
	}
	old := c.last
	old.WorkerPackets, old.WorkerBytes, old.WorkerBatches = st.WorkerPackets, st.WorkerBytes, st.WorkerBatches
	old.WorkerFlowsActive, old.WorkerFlowsCreated, old.WorkerFlowsEvicted = st.WorkerFlowsActive, st.WorkerFlowsCreated, st.WorkerFlowsEvicted
	old.WorkerAFPDrops, old.AFPDrops = st.WorkerAFPDrops, st.AFPDrops
	return old
}
