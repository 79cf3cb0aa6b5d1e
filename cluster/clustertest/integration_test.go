package clustertest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// handshakeTraces writes two traces that overlap in hosts: each has TCP
// handshakes (known hosts and services) and a SYN scan of 30 hosts on
// port 22 by the same scanner (an Address_Scan notice on each worker).
// It returns the traces and the hosts and services the cluster should
// know (sorted), and each trace's own hosts.
func handshakeTraces(t *testing.T, dir string) (traces []string, hosts, services []string, perTrace [2][]string) {
	t.Helper()
	var a, b Trace
	hostSet, svcSet := map[string]bool{}, map[string]bool{}
	own := [2]map[string]bool{{}, {}}
	for i := range 40 {
		c := Conn{Client: fmt.Sprintf("10.0.%d.%d", i%4, 1+i%17), Server: fmt.Sprintf("10.5.0.%d", 1+i%7), Port: []uint16{80, 443, 8080}[i%3]}
		if i%2 == 0 {
			a.Handshakes = append(a.Handshakes, c)
		} else {
			b.Handshakes = append(b.Handshakes, c)
		}
		hostSet[c.Client], hostSet[c.Server] = true, true
		own[i%2][c.Client], own[i%2][c.Server] = true, true
		svcSet[fmt.Sprintf("%s/%d", c.Server, c.Port)] = true
	}
	a.Scanner, a.Victims, a.ScanPort = "10.9.9.9", Hosts("10.1.0", 30), 22
	b.Scanner, b.Victims, b.ScanPort = "10.9.9.9", Hosts("10.2.0", 30), 22
	b.Start = time.Unix(1700000100, 0)
	for i, tr := range []*Trace{&a, &b} {
		p := filepath.Join(dir, fmt.Sprintf("trace-%c.pcap", 'a'+i))
		if err := tr.Write(p); err != nil {
			t.Fatal(err)
		}
		traces = append(traces, p)
	}
	for h := range hostSet {
		hosts = append(hosts, h)
	}
	for s := range svcSet {
		services = append(services, s)
	}
	slices.Sort(hosts)
	slices.Sort(services)
	for i := range own {
		for h := range own[i] {
			perTrace[i] = append(perTrace[i], h)
		}
		slices.Sort(perTrace[i])
	}
	return traces, hosts, services, perTrace
}

func clusterNodes(traces ...string) []Node {
	nodes := []Node{{Name: "manager", Type: "manager"}, {Name: "logger", Type: "logger"},
		{Name: "proxy-1", Type: "proxy"}, {Name: "proxy-2", Type: "proxy"}}
	for i, tr := range traces {
		nodes = append(nodes, Node{Name: fmt.Sprintf("worker-%d", i+1), Type: "worker", Interface: "pcap::" + tr})
	}
	return nodes
}

// fastCluster are xsensor.cfg lines that make failures show quickly.
var fastCluster = []string{"HeartbeatInterval = 100ms", "HeartbeatTimeout = 1s", "StatsInterval = 500ms", "LogRotationInterval = 0"}

// knownState returns the hosts a worker node's known.state lists.
func knownState(dir, worker, set string) []string {
	b, _ := os.ReadFile(filepath.Join(dir, "spool", worker, "known.state"))
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if k, ok := strings.CutPrefix(l, set+"\t"); ok {
			out = append(out, k)
		}
	}
	return out
}

// TestIntegration is issue 4's acceptance test: a manager, a logger, two
// proxies and two worker nodes, each a separate process on loopback,
// each worker replaying a different trace.
//
//   - conn.log on the logger holds exactly the records of single-process
//     `xsensor replay` runs of the two traces (full records compared as
//     multisets; uid and tunnel_parents left out);
//   - known_hosts.log lists each host once, known_services.log each
//     service once, both with Zeek's full header, and both workers'
//     views of the shared sets are complete;
//   - the Address_Scan both workers raise appears once in notice.log,
//     as a full notice.log record;
//   - stats.log has records from both workers.
func TestIntegration(t *testing.T) {
	dir := t.TempDir()
	traces, hosts, services, _ := handshakeTraces(t, dir)
	pc := newProcCluster(t, dir, clusterNodes(traces...), fastCluster...)
	want, nWant := referenceConn(t, pc.bin, dir, traces...)

	for _, n := range []string{"manager", "logger", "proxy-1", "proxy-2", "worker-1", "worker-2"} {
		pc.start(n)
	}
	waitFor(t, 20*time.Second, "conn.log complete", func() bool { return countRecords(pc.logPath("conn")) >= nWant })
	waitFor(t, 20*time.Second, "known hosts on both workers", func() bool {
		return slices.Equal(knownState(dir, "worker-1", "known_hosts"), hosts) &&
			slices.Equal(knownState(dir, "worker-2", "known_hosts"), hosts)
	})
	waitFor(t, 20*time.Second, "known_hosts.log and known_services.log", func() bool {
		return countRecords(pc.logPath("known_hosts")) >= len(hosts) && countRecords(pc.logPath("known_services")) >= len(services)
	})
	waitFor(t, 20*time.Second, "stats.log from both workers", func() bool {
		b, _ := os.ReadFile(pc.logPath("stats"))
		return strings.Contains(string(b), "\tworker-1\t") && strings.Contains(string(b), "\tworker-2\t")
	})
	time.Sleep(300 * time.Millisecond) // let any duplicate arrive before we look
	pc.stopAll()

	conn := readLog(t, pc.logPath("conn"))
	if d := diffMultisets(conn.multiset(connVolatile...), want); d != "" {
		t.Errorf("conn.log: %s", d)
	}

	kh := readLog(t, pc.logPath("known_hosts"))
	gotHosts := kh.column(t, "host")
	slices.Sort(gotHosts)
	if !slices.Equal(gotHosts, hosts) {
		t.Errorf("known_hosts.log hosts = %q, want each of %q once", gotHosts, hosts)
	}
	ks := readLog(t, pc.logPath("known_services"))
	var gotSvcs []string
	for _, r := range ks.records {
		gotSvcs = append(gotSvcs, r[slices.Index(ks.fields, "host")]+"/"+r[slices.Index(ks.fields, "port_num")])
	}
	slices.Sort(gotSvcs)
	if !slices.Equal(gotSvcs, services) {
		t.Errorf("known_services.log = %q, want each of %q once", gotSvcs, services)
	}
	for _, w := range []string{"worker-1", "worker-2"} {
		if got := knownState(dir, w, "known_services"); len(got) != len(services) {
			t.Errorf("%s knows %d services, want %d", w, len(got), len(services))
		}
	}

	notice := readLog(t, pc.logPath("notice"))
	n := 0
	for i, note := range notice.column(t, "note") {
		if note == "Scan::Address_Scan" {
			n++
			if src := notice.column(t, "src")[i]; src != "10.9.9.9" {
				t.Errorf("Address_Scan src = %s", src)
			}
		}
	}
	if n != 1 || len(notice.fields) != 26 {
		t.Errorf("notice.log: %d Address_Scan records (want 1), %d fields (want 26):\n%s\n%q", n, len(notice.fields), notice.header, notice.records)
	}

	stats := readLog(t, pc.logPath("stats"))
	peers := map[string]int{}
	for i, p := range stats.column(t, "peer") {
		peers[p]++
		if p == "worker-1" || p == "worker-2" {
			if v := stats.column(t, "mem")[i]; v == "-" {
				t.Errorf("stats.log record of %s lacks mem", p)
			}
		}
	}
	if peers["worker-1"] == 0 || peers["worker-2"] == 0 {
		t.Errorf("stats.log peers %v: want records from worker-1 and worker-2", peers)
	}
	pkts := 0
	for i, p := range stats.column(t, "peer") {
		if strings.HasPrefix(p, "worker-") {
			var v int
			fmt.Sscan(stats.column(t, "pkts_proc")[i], &v)
			pkts += v
		}
	}
	t.Logf("conn.log %d records (= %d from replay), known_hosts %d, known_services %d, notice.log %d, stats.log %v (pkts_proc sum %d)",
		len(conn.records), nWant, len(kh.records), len(ks.records), len(notice.records), peers, pkts)
}
