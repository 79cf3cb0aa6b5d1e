package node

import (
	"encoding/json"
	"os"
	"time"

	"xsensor/cluster/ship"
	"xsensor/cluster/wire"
)

// Stats is what a worker node reports to the manager every StatsInterval
// (stats.log and capture_loss.log material) and what its status shows.
type Stats struct {
	Node      string     `json:"node"`
	TS        int64      `json:"ts"` // wall clock, ns
	Uptime    float64    `json:"uptime_s"`
	Packets   uint64     `json:"pkts_proc"`
	Bytes     uint64     `json:"bytes_recv"`
	Dropped   uint64     `json:"pkts_dropped"`
	RSS       int64      `json:"mem_bytes"`
	Notices   uint64     `json:"notices"`
	Ship      ship.Stats `json:"ship"`
	State     StateStats `json:"state"`
	ReplayEnd bool       `json:"replay_done,omitempty"`
}

// Snapshot returns the node's counters now.
func (n *Node) Snapshot(now time.Time) Stats {
	s := Stats{Node: n.o.Node.Name, TS: now.UnixNano(), Uptime: now.Sub(n.start).Seconds(),
		RSS: RSS(), Notices: n.notice.Load(), Ship: n.ship.Stats(), State: n.state.Stats(), ReplayEnd: n.done.Load()}
	if n.ctrs != nil {
		for i := range n.ctrs.Workers {
			s.Packets += n.ctrs.Workers[i].Packets.Load()
			s.Bytes += n.ctrs.Workers[i].Bytes.Load()
		}
	}
	return s
}

func (n *Node) sendStats(now time.Time) {
	s := n.Snapshot(now)
	b, err := json.Marshal(&s)
	if err != nil {
		return
	}
	n.mgrStats(now, b)
	os.WriteFile(n.dir+"/stats.json", b, 0o644)
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

// mgrStats sends a stats record to the manager (best effort: a full
// buffer drops it).
func (n *Node) mgrStats(now time.Time, body []byte) {
	m := wire.Message{Type: wire.TypeStats, TS: now.UnixNano(), Path: []byte("stats"), Body: body}
	n.mgr.Send(&m)
}
