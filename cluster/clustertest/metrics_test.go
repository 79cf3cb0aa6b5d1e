package clustertest

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"xsensor/capture/pcapfile"
)

// scrapeAll fetches a Prometheus text page as "name{labels}" → value.
func scrapeAll(url string) (map[string]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("scrape %s: %s: %s", url, resp.Status, b)
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		if i < 0 {
			return nil, fmt.Errorf("bad exposition line %q", l)
		}
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("bad value in %q: %v", l, err)
		}
		m[l[:i]] = v
	}
	return m, sc.Err()
}

// sumSeries sums the series whose "name{labels}" starts with prefix and
// counts them.
func sumSeries(m map[string]float64, prefix string) (float64, int) {
	var s float64
	n := 0
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			s += v
			n++
		}
	}
	return s, n
}

// tracePackets counts the frames of a capture file.
func tracePackets(t *testing.T, path string) int {
	t.Helper()
	r, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		if _, _, err := r.Next(); err != nil {
			return n
		}
		n++
	}
}

// TestMetricsEndpoints runs a manager, a logger, a proxy and two worker
// nodes (worker-2 with two worker goroutines), each a separate process
// with MetricsPort set, and scrapes every node at MetricsPort + its index
// in node.cfg:
//
//   - each worker's per-worker packet counters add up to the packets of
//     the trace it replayed (two series on worker-2), and it exports its
//     shipper (records queued, backlog drained to 0 frames and bytes);
//   - the logger's records written cover conn.log, and its wire peers;
//   - the manager's stats.log records and its own log writer;
//   - the proxy's connected workers;
//   - every node's xsensor_info names its node and role.
func TestMetricsEndpoints(t *testing.T) {
	dir := t.TempDir()
	traces, _, _, _ := handshakeTraces(t, dir)
	nodes := []Node{{Name: "manager", Type: "manager"}, {Name: "logger", Type: "logger"}, {Name: "proxy-1", Type: "proxy"},
		{Name: "worker-1", Type: "worker", Interface: "pcap::" + traces[0]},
		{Name: "worker-2", Type: "worker", Interface: "pcap::" + traces[1]}}
	mport := FreePorts(t, len(nodes))
	pc := newProcCluster(t, dir, nodes, append(fastCluster, fmt.Sprintf("MetricsPort = %d", mport))...)
	// worker-2 is the last section: give it two worker goroutines.
	f, err := os.OpenFile(pc.nodeCfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("lb_method=custom\nlb_procs=2\n")
	f.Close()
	want := map[string]int{"worker-1": tracePackets(t, traces[0]), "worker-2": tracePackets(t, traces[1])}
	url := map[string]string{}
	for i, n := range nodes {
		url[n.Name] = fmt.Sprintf("http://127.0.0.1:%d/metrics", mport+i)
		pc.start(n.Name)
	}
	// scrapeUntil scrapes node until ok holds (or 20s pass) and returns
	// the last page.
	scrapeUntil := func(node, what string, ok func(m map[string]float64) bool) map[string]float64 {
		t.Helper()
		var m map[string]float64
		var err error
		deadline := time.Now().Add(20 * time.Second)
		for {
			m, err = scrapeAll(url[node])
			if err == nil && ok(m) {
				return m
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s metrics at %s: %s never held (err %v)\n%s", node, url[node], what, err, pc.output(node))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	info := func(node, role string) string { return fmt.Sprintf(`xsensor_info{node=%q,role=%q,`, node, role) }

	for _, w := range []string{"worker-1", "worker-2"} {
		m := scrapeUntil(w, "all packets counted, shipper drained", func(m map[string]float64) bool {
			p, _ := sumSeries(m, "xsensor_worker_packets_total{")
			return p == float64(want[w]) && m["xsensor_ship_records_total"] > 0 && m["xsensor_ship_backlog_frames"] == 0
		})
		p, n := sumSeries(m, "xsensor_worker_packets_total{")
		if wantN := map[string]int{"worker-1": 1, "worker-2": 2}[w]; n != wantN || p != float64(want[w]) {
			t.Errorf("%s: %d worker series sum to %.0f packets, want %d series and %d packets", w, n, p, wantN, want[w])
		}
		if r, _ := sumSeries(m, `xsensor_stage_packets_total{stage="reader"`); r != float64(want[w]) {
			t.Errorf("%s: reader stage %.0f packets, want %d", w, r, want[w])
		}
		if _, ok := m["xsensor_ship_backlog_bytes"]; !ok {
			t.Errorf("%s: no xsensor_ship_backlog_bytes", w)
		}
		if v, n := sumSeries(m, info(w, "worker")); v != 1 || n != 1 {
			t.Errorf("%s: no xsensor_info for the worker", w)
		}
		t.Logf("%s: %.0f packets over %d workers, %.0f log records shipped, backlog %.0f bytes", w, p, n, m["xsensor_ship_records_total"], m["xsensor_ship_backlog_bytes"])
	}
	waitFor(t, 20*time.Second, "conn.log written", func() bool { return countRecords(pc.logPath("conn")) > 0 })
	conn := countRecords(pc.logPath("conn"))
	lm := scrapeUntil("logger", "records written cover conn.log", func(m map[string]float64) bool {
		return m["xsensor_log_records_written_total"] >= float64(conn) && m["xsensor_wire_peers"] >= 2
	})
	if v, _ := sumSeries(lm, info("logger", "logger")); v != 1 {
		t.Error("logger: no xsensor_info")
	}
	mm := scrapeUntil("manager", "stats records written", func(m map[string]float64) bool {
		return m["xsensor_manager_stats_records_total"] > 0 && m["xsensor_log_records_written_total"] > 0
	})
	if v, _ := sumSeries(mm, info("manager", "manager")); v != 1 {
		t.Error("manager: no xsensor_info")
	}
	pm := scrapeUntil("proxy-1", "both workers connected", func(m map[string]float64) bool { return m["xsensor_proxy_workers"] == 2 })
	if v, _ := sumSeries(pm, info("proxy-1", "proxy")); v != 1 {
		t.Error("proxy: no xsensor_info")
	}
	t.Logf("logger wrote %.0f records (%.0f bytes); manager %.0f stats records; proxy holds %.0f members",
		lm["xsensor_log_records_written_total"], lm["xsensor_log_bytes_written_total"], mm["xsensor_manager_stats_records_total"], pm["xsensor_proxy_members"])
	pc.stopAll()
}
