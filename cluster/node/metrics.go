package node

import (
	"github.com/prometheus/client_golang/prometheus"

	"xsensor/cluster/metrics"
	"xsensor/cluster/wire"
)

// register adds the node's series to Options.Metrics (once the capture
// is known): the capture path, the log shipper, the manager link,
// notices, finished connections and the shared state. A registration
// error is logged, not fatal: metrics never stop a sensor.
func (n *Node) register() {
	r := n.o.Metrics
	if r == nil {
		return
	}
	if src := n.capt.source(); src != nil {
		if err := r.AddCapture(src); err != nil {
			n.o.Log("worker node: metrics: %v", err)
		}
	}
	if err := r.AddShipper(n.ship.Stats); err != nil {
		n.o.Log("worker node: metrics: %v", err)
	}
	type S struct {
		notices, noticeDrops uint64
		conns                [3]uint64
		mgr                  wire.SenderStats
		state                StateStats
	}
	read := func() S {
		return S{notices: n.notice.Load(), noticeDrops: n.nDrop.Load(),
			conns: [3]uint64{n.conns[0].Load(), n.conns[1].Load(), n.conns[2].Load()},
			mgr:   n.mgr.Stats(), state: n.state.Stats()}
	}
	conns := func(proto string, i int) metrics.Field[S] {
		return metrics.CounterL("xsensor_conns_finished_total", "Connections finished, by protocol.",
			prometheus.Labels{"proto": proto}, func(s *S) float64 { return float64(s.conns[i]) })
	}
	err := metrics.AddStats(r, read,
		metrics.Counter("xsensor_notices_total", "Notices sent to the manager.", func(s *S) float64 { return float64(s.notices) }),
		metrics.Counter("xsensor_notice_drops_total", "Notices the manager link could not take.", func(s *S) float64 { return float64(s.noticeDrops) }),
		conns("tcp", 0), conns("udp", 1), conns("icmp", 2),
		metrics.Gauge("xsensor_manager_link_backlog_bytes", "Unacknowledged bytes to the manager (notices, stats).", func(s *S) float64 { return float64(s.mgr.Buffered) }),
		metrics.Counter("xsensor_manager_link_dropped_total", "Frames to the manager dropped: buffer full.", func(s *S) float64 { return float64(s.mgr.Dropped) }),
		metrics.Gauge("xsensor_state_members", "Cluster-wide shared-set members known to this node.", func(s *S) float64 { return float64(s.state.Members) }),
		metrics.Gauge("xsensor_state_pending", "Own insertions not yet seen back from the proxies.", func(s *S) float64 { return float64(s.state.Pending) }),
		metrics.Counter("xsensor_state_inserts_total", "Shared-state insertions sent to the proxy.", func(s *S) float64 { return float64(s.state.Inserts) }),
		metrics.Counter("xsensor_state_synced_total", "Shared-state entries received from proxies.", func(s *S) float64 { return float64(s.state.Synced) }),
		metrics.Counter("xsensor_state_failovers_total", "Moves to another proxy.", func(s *S) float64 { return float64(s.state.Failovers) }),
	)
	if err != nil {
		n.o.Log("worker node: metrics: %v", err)
	}
}
