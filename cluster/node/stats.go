package node

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"xsensor/cluster/manager"
	"xsensor/cluster/ship"
	"xsensor/cluster/wire"
)

// Stats is a worker node's cumulative counters: what its status shows
// and what it writes to SpoolDir/<node>/stats.json. The manager gets
// them as manager.NodeStats, per interval (see reporter).
type Stats struct {
	Node        string     `json:"node"`
	TS          int64      `json:"ts"` // wall clock, ns
	Uptime      float64    `json:"uptime_s"`
	Packets     uint64     `json:"pkts_proc"`
	Bytes       uint64     `json:"bytes_recv"`
	Dropped     uint64     `json:"pkts_dropped"` // lost between the link and the workers
	Link        uint64     `json:"pkts_link"`    // seen by the first stage (live capture only)
	RSS         int64      `json:"mem_bytes"`
	Notices     uint64     `json:"notices"`
	NoticeDrops uint64     `json:"notice_drops"`
	FlowsActive uint64     `json:"flows_active"`
	TCPConns    uint64     `json:"tcp_conns"` // finished connections by protocol
	UDPConns    uint64     `json:"udp_conns"`
	ICMPConns   uint64     `json:"icmp_conns"`
	Acks        uint64     `json:"acks"` // TCP reassembly ack events (capture_loss.log)
	Gaps        uint64     `json:"gaps"` // TCP reassembly gap events
	Ship        ship.Stats `json:"ship"`
	State       StateStats `json:"state"`
	ReplayEnd   bool       `json:"replay_done,omitempty"`
	// Capture is the capture path stage by stage and worker by worker.
	Capture *CaptureStats `json:"capture,omitempty"`
}

// Snapshot returns the node's counters now.
func (n *Node) Snapshot(now time.Time) Stats {
	s := Stats{Node: n.o.Node.Name, TS: now.UnixNano(), Uptime: now.Sub(n.start).Seconds(),
		RSS: RSS(), Notices: n.notice.Load(), NoticeDrops: n.nDrop.Load(),
		TCPConns: n.conns[0].Load(), UDPConns: n.conns[1].Load(), ICMPConns: n.conns[2].Load(),
		Ship: n.ship.Stats(), State: n.state.Stats(), ReplayEnd: n.done.Load()}
	n.capt.read(&s)
	return s
}

// reporter turns cumulative Stats into the manager's per-interval
// stats.log records and remembers what it last reported. Its methods
// are serialized by mu (the stats loop and the final report).
type reporter struct {
	mu       sync.Mutex
	last     Stats
	lastLoss Stats // at the last capture_loss record
	connects uint64 // manager Sender's Connects at the last node message
}

// sendStats reports the interval since the last report to the manager
// (a stats.log record) and rewrites stats.json.
func (n *Node) sendStats(now time.Time) {
	s := n.Snapshot(now)
	n.report.mu.Lock()
	ns := n.nodeStats(&s, &n.report.last)
	n.report.last = s
	n.report.mu.Unlock()
	n.mgrStats(now, manager.PathStats, ns.Marshal())
	if b, err := json.Marshal(&s); err == nil {
		// Write and rename: ctl and tests read it while it is rewritten.
		p := filepath.Join(n.dir, "stats.json")
		if os.WriteFile(p+".tmp", b, 0o644) == nil {
			os.Rename(p+".tmp", p)
		}
	}
}

// sendCaptureLoss reports the interval's TCP ack and gap events to the
// manager (a capture_loss.log record), as Zeek's capture-loss policy does
// every CaptureLoss::watch_interval: percent_lost = 100 × gaps / acks.
func (n *Node) sendCaptureLoss(now time.Time) {
	s := n.Snapshot(now)
	n.report.mu.Lock()
	prev := n.report.lastLoss
	n.report.lastLoss = s
	n.report.mu.Unlock()
	if prev.TS == 0 {
		prev.TS = n.start.UnixNano()
	}
	cl := manager.CaptureLoss{TSDelta: s.TS - prev.TS, Gaps: s.Gaps - prev.Gaps, Acks: s.Acks - prev.Acks}
	if cl.Acks > 0 {
		cl.PercentLost = 100 * float64(cl.Gaps) / float64(cl.Acks)
	}
	n.mgrStats(now, manager.PathCaptureLoss, cl.Marshal())
}

// nodeStats fills a stats.log record with what the node knows: packets,
// bytes, drops and packets on the link (a live capture's; a pcap file
// loses nothing and has no link, as Zeek reports only pkts_proc for a
// trace) and finished connections by protocol since prev,
// connections in the table now (all protocols: the table does not count
// them by protocol, so active_tcp_conns carries the total and the
// others are unset), and memory in MB. Zeek's tcp_conns counts
// connections created in the interval; xsensor counts those that
// finished, which sums to the same over a run.
func (n *Node) nodeStats(s, prev *Stats) *manager.NodeStats {
	ns := n.identity()
	ns.Mem = manager.U(uint64(s.RSS) >> 20)
	ns.PktsProc = manager.U(s.Packets - prev.Packets)
	ns.BytesRecv = manager.U(s.Bytes - prev.Bytes)
	switch {
	case n.capt.ctrs != nil: // a pcap file loses nothing
		ns.PktsDropped = manager.U(0)
		ns.ActiveTCPConns = manager.U(s.FlowsActive)
	case n.capt.live != nil:
		ns.PktsDropped = manager.U(s.Dropped - prev.Dropped)
		ns.PktsLink = manager.U(s.Link - prev.Link)
		ns.ActiveTCPConns = manager.U(s.FlowsActive)
	}
	ns.TCPConns = manager.U(s.TCPConns - prev.TCPConns)
	ns.UDPConns = manager.U(s.UDPConns - prev.UDPConns)
	ns.ICMPConns = manager.U(s.ICMPConns - prev.ICMPConns)
	return ns
}

// identity is the status part of a NodeStats: pid, start time and the
// nodes this node is connected to.
func (n *Node) identity() *manager.NodeStats {
	ns := &manager.NodeStats{PID: os.Getpid(), Started: n.start.UnixNano()}
	if n.mgr.Connected() {
		ns.Peers = append(ns.Peers, n.o.Cluster.Manager().Name)
	}
	ns.Peers = append(ns.Peers, n.ship.Connected()...)
	if st := n.state.Stats(); st.Proxy != "" && st.Connected {
		ns.Peers = append(ns.Peers, st.Proxy)
	}
	slices.Sort(ns.Peers)
	ns.Peers = slices.Compact(ns.Peers)
	return ns
}

// sendNode sends the node's status (manager.PathNode) when the manager
// link has (re)connected since the last time, so that a restarted
// manager learns about the node before its next stats record.
func (n *Node) sendNode(force bool) {
	c := n.mgr.Stats().Connects
	n.report.mu.Lock()
	due := force || c != n.report.connects
	n.report.connects = c
	n.report.mu.Unlock()
	if due {
		n.mgrStats(time.Now(), manager.PathNode, n.identity().Marshal())
	}
}

// RSS returns this process's resident set size in bytes (Linux), or 0.
func RSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, res int64
	for i, f := 0, 0; i < len(b) && f < 2; i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			if f == 0 {
				size = size*10 + int64(c-'0')
			} else {
				res = res*10 + int64(c-'0')
			}
		case c == ' ':
			f++
		}
	}
	return res * int64(os.Getpagesize())
}

// mgrStats sends a stats frame to the manager (best effort: a full
// buffer drops it).
func (n *Node) mgrStats(now time.Time, path string, body []byte) {
	m := wire.Message{Type: wire.TypeStats, TS: now.UnixNano(), Path: []byte(path), Body: body}
	n.mgr.Send(&m)
}
