package node

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"xsensor/cluster/clustertest"
	"xsensor/cluster/config"
	"xsensor/cluster/manager"
	"xsensor/cluster/metrics"
	"xsensor/cluster/wire"
	"xsensor/tools/testenv"
	"xsensor/tools/topology"
	"xsensor/tools/trafficgen"
)

// statsSum is a fake manager that sums the stats.log records it takes.
type statsSum struct {
	mu                   sync.Mutex
	proc, bytes, dropped uint64
	link                 uint64
	records              int
}

func (s *statsSum) Handle(_ *wire.Peer, m *wire.Message) error {
	if m.Type != wire.TypeStats || string(m.Path) != manager.PathStats {
		return nil
	}
	ns, err := manager.ParseNodeStats(m.Body)
	if err != nil {
		return nil
	}
	get := func(p *uint64) uint64 {
		if p == nil {
			return 0
		}
		return *p
	}
	s.mu.Lock()
	s.records++
	s.proc += get(ns.PktsProc)
	s.bytes += get(ns.BytesRecv)
	s.dropped += get(ns.PktsDropped)
	s.link += get(ns.PktsLink)
	s.mu.Unlock()
	return nil
}

func readStats(t *testing.T, c *config.Cluster, node string) (Stats, bool) {
	b, err := os.ReadFile(filepath.Join(c.Options.SpoolDir, node, "stats.json"))
	if err != nil {
		return Stats{}, false
	}
	var s Stats
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("stats.json: %v", err)
	}
	return s, true
}

// TestLiveNodeStats runs a worker node on one end of a veth pair, in XDP
// and in AF_PACKET mode, sends frames from the other end inside a
// namespace, and checks that stats.json and the stats.log records sent
// to the manager count exactly the frames sent: pkts_proc, bytes_recv,
// pkts_link, no drops, and the per-worker detail.
func TestLiveNodeStats(t *testing.T) {
	testenv.RequirePrivileged(t)
	for _, mode := range []string{"xdp", "af_packet"} {
		t.Run(mode, func(t *testing.T) { testLiveNodeStats(t, mode) })
	}
}

func testLiveNodeStats(t *testing.T, mode string) {
	top, err := topology.New(topology.Options{Prefix: "ns", Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { top.Close() })
	dir := t.TempDir()
	nodeCfg, _ := clustertest.WriteConfig(t, dir, []clustertest.Node{
		{Name: "manager", Type: "manager"}, {Name: "logger", Type: "logger"},
		{Name: "worker-1", Type: "worker", Interface: mode + "::" + top.Sensor},
	}, "HeartbeatInterval = 100ms", "HeartbeatTimeout = 500ms", "StatsInterval = 100ms", "SpoolMaxBytes = 0")
	c, err := config.LoadFiles(nodeCfg, "")
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := c.Node("logger")
	serve(t, c, ln, &collector{logs: map[string][]string{}})
	sum := &statsSum{}
	serve(t, c, c.Manager(), sum)
	wn, _ := c.Node("worker-1")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := metrics.New(metrics.Options{Node: wn.Name, Role: "worker", NoRuntime: true})
	msrv, err := reg.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer msrv.Close()
	errc := make(chan error, 1)
	go func() { errc <- Run(ctx, Options{Cluster: c, Node: wn, NoPin: true, Metrics: reg, Log: t.Logf}) }()
	ready := filepath.Join(c.Options.SpoolDir, wn.Name, ReadyFile)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		select {
		case err := <-errc:
			t.Fatalf("worker node stopped while starting: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}

	o := trafficgen.DefaultOptions()
	o.Flows, o.Packets, o.Seed = 100, 2000, 5
	if mode == "af_packet" {
		// The kernel strips 802.1Q tags into TPACKET metadata, which
		// capture/live does not put back: tagged frames would count 4
		// bytes short.
		o.VLANShare = 0
	}
	rep := sendTo(t, top, o)

	var s Stats
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, _ = readStats(t, c, wn.Name)
		if s.Packets >= rep.Packets || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	check := func(when string, s Stats) {
		t.Helper()
		if s.Packets != rep.Packets || s.Bytes != rep.Bytes {
			t.Errorf("%s: stats.json pkts_proc %d bytes_recv %d, sent %d packets %d bytes", when, s.Packets, s.Bytes, rep.Packets, rep.Bytes)
		}
		if s.Link != rep.Packets || s.Dropped != 0 {
			t.Errorf("%s: stats.json pkts_link %d pkts_dropped %d, sent %d", when, s.Link, s.Dropped, rep.Packets)
		}
		if s.Capture == nil || s.Capture.Mode != map[string]string{"xdp": "xdp", "af_packet": "afpacket"}[mode] || len(s.Capture.Workers) != 1 ||
			s.Capture.Workers[0].Packets != rep.Packets {
			t.Errorf("%s: capture detail %+v", when, s.Capture)
		}
	}
	check("running", s)
	// The node's Prometheus series count the same packets.
	m := scrapeText(t, msrv.URL())
	var pk, drops float64
	nd := 0
	for k, v := range m {
		switch {
		case strings.HasPrefix(k, "xsensor_worker_packets_total{"):
			pk += v
		case strings.HasPrefix(k, "xsensor_drops_total{"):
			drops += v
			nd++
		}
	}
	if pk != float64(rep.Packets) || nd == 0 || drops != 0 {
		t.Errorf("metrics: worker packets %.0f (sent %d), drops %.0f over %d series (want 0 over some)", pk, rep.Packets, drops, nd)
	}
	if _, ok := m["xsensor_ship_backlog_bytes"]; !ok {
		t.Error("metrics: no shipper series")
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// The final report, made after the capture was torn down, keeps the
	// kernel's counters read while it ran.
	final, _ := readStats(t, c, wn.Name)
	check("after stop", final)
	waitUntil(t, 5*time.Second, func() bool {
		sum.mu.Lock()
		defer sum.mu.Unlock()
		return sum.proc >= rep.Packets && sum.link >= rep.Packets
	})
	sum.mu.Lock()
	defer sum.mu.Unlock()
	if sum.proc != rep.Packets || sum.bytes != rep.Bytes || sum.link != rep.Packets || sum.dropped != 0 {
		t.Errorf("stats.log records (%d) sum to pkts_proc %d bytes_recv %d pkts_link %d pkts_dropped %d; sent %d packets %d bytes",
			sum.records, sum.proc, sum.bytes, sum.link, sum.dropped, rep.Packets, rep.Bytes)
	}
}

// sendTo sends o's frames from the namespace end of top.
func sendTo(t *testing.T, top *topology.Topology, o trafficgen.Options) trafficgen.SendReport {
	t.Helper()
	var s *trafficgen.Sender
	err := top.Do(func() error {
		ifc, err := net.InterfaceByName(top.Peer)
		if err != nil {
			return err
		}
		s, err = trafficgen.NewSender(trafficgen.SendOptions{Ifindex: ifc.Index, Rate: 20000})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := trafficgen.Generate(o, func(_ int64, frame []byte) error { return s.Send(frame) }); err != nil {
		t.Fatal(err)
	}
	return s.Report()
}

// scrapeText fetches a Prometheus text page as "name{labels}" → value.
func scrapeText(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]float64{}
	for _, l := range strings.Split(string(b), "\n") {
		i := strings.LastIndexByte(l, ' ')
		if l == "" || l[0] == '#' || i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(l[i+1:], 64); err == nil {
			m[l[:i]] = v
		}
	}
	return m
}

func waitUntil(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}
