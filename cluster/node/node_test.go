package node

import (
	"bytes"
	"context"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"xsensor/cluster/conncodec"

	"xsensor/analyzer/worker"
	"xsensor/analyzer/zeeklog"
	"xsensor/capture/pcapfile"
	"xsensor/capture/replay"
	"xsensor/cluster/clustertest"
	"xsensor/cluster/config"
	"xsensor/cluster/manager"
	"xsensor/cluster/proxy"
	"xsensor/cluster/wire"
)

// collector is a fake logger/manager: it keeps every message it takes.
type collector struct {
	mu      sync.Mutex
	logs    map[string][]string // stream → records
	notices []string            // note|identifier
	bodies  []string            // notice records
	stats   map[string]int      // stats frames by path, bodies that parse
	acks    uint64              // summed over capture_loss frames
}

func (c *collector) Handle(_ *wire.Peer, m *wire.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch m.Type {
	case wire.TypeLogBatch:
		body := m.Body
		if m.Format&conncodec.FormatColumns != 0 {
			var d conncodec.Decoder
			out, _, err := d.Decode(nil, body)
			if err != nil {
				return err
			}
			body = out
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
			c.logs[string(m.Stream)] = append(c.logs[string(m.Stream)], l)
		}
	case wire.TypeNotice:
		c.notices = append(c.notices, string(m.Note)+"|"+string(m.Identifier))
		c.bodies = append(c.bodies, string(m.Body))
	case wire.TypeStats:
		if string(m.Path) == manager.PathCaptureLoss {
			if cl, err := manager.ParseCaptureLoss(m.Body); err == nil {
				if c.stats == nil {
					c.stats = map[string]int{}
				}
				c.stats[string(m.Path)]++
				c.acks += cl.Acks
			}
			break
		}
		if _, err := manager.ParseNodeStats(m.Body); err == nil {
			if c.stats == nil {
				c.stats = map[string]int{}
			}
			c.stats[string(m.Path)]++
		}
	}
	return nil
}

func (c *collector) get(stream string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.logs[stream])
}

func serve(t *testing.T, c *config.Cluster, n *config.Node, h wire.Handler) *wire.Server {
	t.Helper()
	s, err := wire.NewServer(wire.ServerOptions{Name: n.Name, Role: n.Role, Secret: c.Secret, Handler: h,
		HeartbeatInterval: c.Options.HeartbeatInterval, HeartbeatTimeout: c.Options.HeartbeatTimeout})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return s
}

type testCluster struct {
	c        *config.Cluster
	logs     *collector
	mgr      *collector
	proxies  map[string]*proxy.Proxy
	traces   []string
	expected []string // conn records of single-process replays, uid removed
}

func traces(t *testing.T, dir string) []string {
	a := clustertest.Trace{Handshakes: []clustertest.Conn{{Client: "10.0.0.1", Server: "10.0.0.2", Port: 80}},
		Scanner: "10.9.9.9", Victims: clustertest.Hosts("10.1.0", 30), ScanPort: 22, Tail: 400 * time.Second}
	b := clustertest.Trace{Handshakes: []clustertest.Conn{{Client: "10.0.0.1", Server: "10.0.0.3", Port: 80}, {Client: "10.0.0.2", Server: "10.0.0.3", Port: 443}},
		Scanner: "10.9.9.9", Victims: clustertest.Hosts("10.2.0", 30), ScanPort: 22, Tail: 400 * time.Second}
	pa, pb := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	if err := a.Write(pa); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(pb); err != nil {
		t.Fatal(err)
	}
	return []string{pa, pb}
}

func newTestCluster(t *testing.T, liveProxies ...string) *testCluster {
	dir := t.TempDir()
	tr := traces(t, dir)
	nodeCfg, _ := clustertest.WriteConfig(t, dir, []clustertest.Node{
		{Name: "manager", Type: "manager"}, {Name: "logger", Type: "logger"},
		{Name: "proxy-1", Type: "proxy"}, {Name: "proxy-2", Type: "proxy"},
		{Name: "worker-1", Type: "worker", Interface: "pcap::" + tr[0]},
		{Name: "worker-2", Type: "worker", Interface: "pcap::" + tr[1]},
	}, "HeartbeatInterval = 100ms", "HeartbeatTimeout = 500ms", "StatsInterval = 200ms", "CaptureLossInterval = 200ms", "SpoolMaxBytes = 0")
	c, err := config.LoadFiles(nodeCfg, "")
	if err != nil {
		t.Fatal(err)
	}
	tc := &testCluster{c: c, logs: &collector{logs: map[string][]string{}}, mgr: &collector{logs: map[string][]string{}},
		proxies: map[string]*proxy.Proxy{}, traces: tr}
	ln, _ := c.Node("logger")
	serve(t, c, ln, tc.logs)
	serve(t, c, c.Manager(), tc.mgr)
	for _, pn := range c.ByRole(config.Proxy) {
		if len(liveProxies) > 0 && !slices.Contains(liveProxies, pn.Name) {
			continue
		}
		p, err := proxy.New(proxy.Options{Cluster: c, Node: pn, Log: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", pn.Addr())
		if err != nil {
			t.Fatal(err)
		}
		go p.Serve(l)
		t.Cleanup(func() { p.Close() })
		tc.proxies[pn.Name] = p
	}
	for _, f := range tr {
		tc.expected = append(tc.expected, replayConn(t, f)...)
	}
	slices.Sort(tc.expected)
	return tc
}

type sinkFunc func(*zeeklog.Schema, []byte) error

func (f sinkFunc) WriteLog(s *zeeklog.Schema, b []byte) error { return f(s, b) }

// replayConn returns the conn.log records of a single-process replay of
// file, without uids.
func replayConn(t *testing.T, file string) []string {
	var out []string
	var mu sync.Mutex
	w, err := worker.New(worker.DefaultOptions(), sinkFunc(func(s *zeeklog.Schema, b []byte) error {
		if s.Path == "conn" {
			mu.Lock()
			out = append(out, noUID(strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"))...)
			mu.Unlock()
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	r, err := pcapfile.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ro := replay.DefaultOptions()
	ro.Pin = false
	if _, err := replay.Run(r, []*worker.Worker{w}, ro); err != nil {
		t.Fatal(err)
	}
	return out
}

func noUID(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) > 1 {
			f[1] = "-"
		}
		out[i] = strings.Join(f, "\t")
	}
	return out
}

func (tc *testCluster) runWorkers(t *testing.T) (context.CancelFunc, chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 2)
	for _, wn := range tc.c.ByRole(config.Worker) {
		go func() { errc <- Run(ctx, Options{Cluster: tc.c, Node: wn, NoPin: true, Log: t.Logf}) }()
	}
	return cancel, errc
}

func readState(t *testing.T, c *config.Cluster, node string) []string {
	b, err := os.ReadFile(filepath.Join(c.Options.SpoolDir, node, StateFile))
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

var wantState = []string{
	"known_hosts\t10.0.0.1", "known_hosts\t10.0.0.2", "known_hosts\t10.0.0.3",
	"known_services\t10.0.0.2/80/tcp", "known_services\t10.0.0.3/443/tcp", "known_services\t10.0.0.3/80/tcp",
}

func waitState(t *testing.T, c *config.Cluster, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, w := range []string{"worker-1", "worker-2"} {
		for {
			got := readState(t, c, w)
			if slices.Equal(got, wantState) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s state = %q, want %q", w, got, wantState)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestClusterInProcess runs two worker nodes, two proxies and fake
// logger and manager in one process: every conn record arrives once,
// the shared state reaches both workers, known hosts and services are
// logged once each, and both nodes raise the same scan notice.
func TestClusterInProcess(t *testing.T) {
	tc := newTestCluster(t)
	cancel, errc := tc.runWorkers(t)
	waitState(t, tc.c, 10*time.Second)
	cancel()
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	got := noUID(tc.logs.get("conn"))
	slices.Sort(got)
	if !slices.Equal(got, tc.expected) {
		t.Errorf("conn records: got %d, want %d\ngot  %q\nwant %q", len(got), len(tc.expected), got, tc.expected)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(tc.logs.get("known_services")) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	hosts := tc.logs.get("known_hosts")
	hostSet := map[string]bool{}
	for _, l := range hosts {
		f := strings.Split(l, "\t")
		hostSet[f[len(f)-1]] = true
	}
	if len(hosts) != 3 || len(hostSet) != 3 {
		t.Errorf("known_hosts records %q: want 3 distinct hosts once each", hosts)
	}
	if svcs := tc.logs.get("known_services"); len(svcs) != 3 {
		t.Errorf("known_services records %q: want 3", svcs)
	}
	tc.mgr.mu.Lock()
	notices := slices.Clone(tc.mgr.notices)
	tc.mgr.mu.Unlock()
	n := 0
	for _, s := range notices {
		if s == NoteAddressScan+"|10.9.9.9" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("notices %q: want Address_Scan of 10.9.9.9 from each of the 2 nodes", notices)
	}
	tc.mgr.mu.Lock()
	bodies, stats := slices.Clone(tc.mgr.bodies), maps.Clone(tc.mgr.stats)
	tc.mgr.mu.Unlock()
	for _, b := range bodies {
		// A notice.log record: NoticeSchema's 26 fields, note in the 11th.
		if f := strings.Split(strings.TrimSuffix(b, "\n"), "\t"); len(f) != len(manager.NoticeSchema.Fields) || !strings.HasPrefix(f[10], "Scan::") {
			t.Errorf("notice body is not a notice.log record: %q", b)
		}
	}
	if stats[manager.PathStats] == 0 || stats[manager.PathNode] == 0 || stats[manager.PathCaptureLoss] == 0 {
		t.Errorf("stats frames by path %v: want NodeStats on %q and %q, and capture loss on %q", stats, manager.PathStats, manager.PathNode, manager.PathCaptureLoss)
	}
	tc.mgr.mu.Lock()
	acks := tc.mgr.acks
	tc.mgr.mu.Unlock()
	if acks == 0 {
		t.Error("capture_loss records counted no TCP acks: the replayed traces have TCP connections")
	}
	t.Logf("conn records %d, known_hosts %d, notices %d", len(got), len(hosts), len(notices))
}

// TestProxyDown: proxy-2 (worker-2's proxy) is down; worker-2 fails over
// to proxy-1 and both workers still get the whole state.
func TestProxyDown(t *testing.T) {
	tc := newTestCluster(t, "proxy-1")
	cancel, errc := tc.runWorkers(t)
	defer func() {
		cancel()
		<-errc
		<-errc
	}()
	waitState(t, tc.c, 15*time.Second)
	if st := tc.proxies["proxy-1"].Stats(); st.Workers != 2 {
		t.Errorf("proxy-1 serves %d workers, want 2 (worker-2 failed over)", st.Workers)
	}
}

var _ = bytes.Count
