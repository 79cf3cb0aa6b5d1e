package ctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"xsensor/cluster/config"
	"xsensor/cluster/node"
)

// StatsFile is the file a worker node rewrites every StatsInterval in
// SpoolDir/<node>/ (cluster/node's Stats as JSON).
const StatsFile = "stats.json"

// WorkerStats is what netstats and capstats show for one worker node:
// its counters at one instant, and, for capstats, rates over a window.
type WorkerStats struct {
	Node      string    `json:"node"`
	Host      string    `json:"host"`
	Interface string    `json:"interface"`
	TS        time.Time `json:"ts"`
	Running   bool      `json:"running"`
	Uptime    float64   `json:"uptime_s"`
	// Stage by stage: packets the capture delivered (recvd) and lost
	// before analysis (dropped), then log records the shipper dropped
	// because the logger did not keep up, and what it holds meanwhile.
	Packets        uint64 `json:"recvd"`
	Bytes          uint64 `json:"bytes"`
	CaptureDropped uint64 `json:"dropped"`
	LogDropped     uint64 `json:"log_dropped"`
	LogBuffered    int64  `json:"log_buffered_bytes"`
	LogSpooled     int64  `json:"log_spooled_bytes"`

	// Rates (capstats): packets and megabits per second over Window.
	KPPS   float64       `json:"kpps"`
	Mbps   float64       `json:"mbps"`
	Window time.Duration `json:"window"`
	// Average is true when the stats file did not change within the
	// window and the rates are averages since the node started.
	Average bool `json:"average,omitempty"`

	Err string `json:"error,omitempty"` // no stats: why
}

// ReadStats reads worker n's last stats file.
func ReadStats(c *config.Cluster, n *config.Node) (WorkerStats, error) {
	ws := WorkerStats{Node: n.Name, Host: n.Host, Interface: n.Interface.String()}
	_, ws.Running = ReadPID(c, n)
	if !ws.Running {
		_, err := os.Stat(filepath.Join(nodeDir(c, n), ReadyFile))
		ws.Running = err == nil
	}
	path := filepath.Join(nodeDir(c, n), StatsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ws, fmt.Errorf("no stats yet (%s is written every StatsInterval, %v)", path, c.Options.StatsInterval)
	}
	if err != nil {
		return ws, fmt.Errorf("read stats: %w", err)
	}
	var s node.Stats
	if err := json.Unmarshal(b, &s); err != nil {
		return ws, fmt.Errorf("read stats %s: %w", path, err)
	}
	ws.TS = time.Unix(0, s.TS)
	ws.Uptime = s.Uptime
	ws.Packets, ws.Bytes, ws.CaptureDropped = s.Packets, s.Bytes, s.Dropped
	ws.LogDropped = s.Ship.DroppedRecords
	ws.LogBuffered, ws.LogSpooled = s.Ship.Buffered, s.Ship.SpoolBytes
	return ws, nil
}

// sample reads n's stats, then waits up to window for the file to be
// rewritten and computes the rates between the two; without a rewrite
// the rates are the averages since the node started.
func sample(c *config.Cluster, n *config.Node, window time.Duration) (WorkerStats, error) {
	a, err := ReadStats(c, n)
	if err != nil {
		return a, err
	}
	deadline := time.Now().Add(window)
	for time.Now().Before(deadline) {
		time.Sleep(min(100*time.Millisecond, time.Until(deadline)))
		b, err := ReadStats(c, n)
		if err != nil || !b.TS.After(a.TS) || b.Packets < a.Packets {
			continue
		}
		dt := b.TS.Sub(a.TS)
		b.Window = dt
		b.KPPS = float64(b.Packets-a.Packets) / dt.Seconds() / 1e3
		b.Mbps = float64(b.Bytes-a.Bytes) * 8 / dt.Seconds() / 1e6
		return b, nil
	}
	a.Average = true
	if a.Uptime > 0 {
		a.Window = time.Duration(a.Uptime * float64(time.Second))
		a.KPPS = float64(a.Packets) / a.Uptime / 1e3
		a.Mbps = float64(a.Bytes) * 8 / a.Uptime / 1e6
	}
	return a, nil
}

// CollectStats returns the stats of the selected worker nodes: local
// ones from their stats files, others through ssh (ctl --json on their
// host). With window > 0 it samples rates over window (capstats); the
// nodes are sampled concurrently. A node without stats has Err set.
func CollectStats(o Options, window time.Duration) ([]WorkerStats, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	var workers []*config.Node
	for _, n := range o.targets() {
		if n.Role == config.Worker {
			workers = append(workers, n)
		}
	}
	res := make([][]WorkerStats, len(workers))
	var wg sync.WaitGroup
	for i, n := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !o.isLocal(n) {
				res[i] = remoteStats(&o, n, window)
				return
			}
			var ws WorkerStats
			var err error
			if window > 0 {
				ws, err = sample(o.Cluster, n, window)
			} else {
				ws, err = ReadStats(o.Cluster, n)
			}
			if err != nil {
				ws.Err = err.Error()
			}
			res[i] = []WorkerStats{ws}
		}()
	}
	wg.Wait()
	var out []WorkerStats
	for _, r := range res {
		out = append(out, r...)
	}
	return out, nil
}

func remoteStats(o *Options, n *config.Node, window time.Duration) []WorkerStats {
	verb, args := "netstats", []string{"--json"}
	if window > 0 {
		verb, args = "capstats", append(args, "--interval", window.String())
	}
	argv, err := o.Remote.CtlArgv(n.Host, n.Name, append(args, verb)...)
	bad := []WorkerStats{{Node: n.Name, Host: n.Host, Interface: n.Interface.String()}}
	if err != nil {
		bad[0].Err = err.Error()
		return bad
	}
	var buf bytes.Buffer
	if err := Run(argv, &buf, io.Discard); err != nil {
		bad[0].Err = err.Error()
		return bad
	}
	var ws []WorkerStats
	if err := json.Unmarshal(buf.Bytes(), &ws); err != nil {
		bad[0].Err = fmt.Sprintf("%s answered %q: %v", n.Host, firstLine(buf.String()), err)
		return bad
	}
	for i := range ws {
		ws[i].Host = n.Host
	}
	return ws
}

func firstLine(s string) string {
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// PrintNetStats writes stats in zeekctl's netstats shape, one line per
// worker, with xsensor's later stages after zeekctl's fields:
//
//	worker-1: 1700000000.000000 recvd=63 dropped=0 link=63 log_dropped=0 log_buffered=0B log_spooled=0B
func PrintNetStats(w io.Writer, st []WorkerStats) {
	for _, s := range st {
		if s.Err != "" {
			fmt.Fprintf(w, "%s: %s\n", s.Node, s.Err)
			continue
		}
		ts := float64(s.TS.UnixMicro()) / 1e6
		fmt.Fprintf(w, "%s: %.6f recvd=%d dropped=%d link=%d log_dropped=%d log_buffered=%dB log_spooled=%dB%s\n",
			s.Node, ts, s.Packets, s.CaptureDropped, s.Packets+s.CaptureDropped,
			s.LogDropped, s.LogBuffered, s.LogSpooled, stoppedNote(s))
	}
}

func stoppedNote(s WorkerStats) string {
	if s.Running {
		return ""
	}
	return " (not running: last stats)"
}

// PrintCapStats writes stats in zeekctl's capstats shape: kpps and mbps
// per worker and a total.
func PrintCapStats(w io.Writer, st []WorkerStats) {
	fmt.Fprintf(w, "%-14s %-28s %10s %10s  %s\n", "Node", "Interface", "kpps", "mbps", "over")
	fmt.Fprintln(w, "-------------------------------------------------------------------------------")
	var kpps, mbps float64
	sort.SliceStable(st, func(i, j int) bool { return st[i].Node < st[j].Node })
	for _, s := range st {
		iface := s.Host + "/" + s.Interface
		if s.Err != "" {
			fmt.Fprintf(w, "%-14s %-28s %s\n", s.Node, iface, s.Err)
			continue
		}
		over := s.Window.Round(100 * time.Millisecond).String()
		if s.Average {
			over = "average since start (" + time.Duration(s.Uptime*float64(time.Second)).Round(time.Second).String() + ")"
		}
		fmt.Fprintf(w, "%-14s %-28s %10.1f %10.1f  %s%s\n", s.Node, iface, s.KPPS, s.Mbps, over, stoppedNote(s))
		kpps += s.KPPS
		mbps += s.Mbps
	}
	fmt.Fprintf(w, "%-14s %-28s %10.1f %10.1f\n", "Total", "", kpps, mbps)
}
