package ctl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"xsensor/cluster/config"
	"xsensor/cluster/node"
	"xsensor/cluster/ship"
)

// TestShellQuote: a quoted argument comes back unchanged through sh.
func TestShellQuote(t *testing.T) {
	for _, s := range []string{"", "plain/path.cfg", "a b", "it's", `$(rm -rf /)`, "x;y", "--node=w'1", "ü"} {
		out, err := exec.Command("sh", "-c", "printf %s "+ShellQuote(s)).Output()
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if string(out) != s {
			t.Errorf("ShellQuote(%q) = %s: sh gives %q", s, ShellQuote(s), out)
		}
	}
	if ShellQuote("/etc/xsensor/node.cfg") != "/etc/xsensor/node.cfg" {
		t.Error("safe words must stay unquoted")
	}
}

// TestRemoteArgv: the ssh and scp command lines ctl builds.
func TestRemoteArgv(t *testing.T) {
	r := DefaultRemote()
	argv, err := r.CtlArgv("sensor-2", "worker 2", "--json", "netstats")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ssh", "-o", "BatchMode=yes", "sensor-2", "/usr/bin/xsensor ctl -c /etc/xsensor/node.cfg --local --node 'worker 2' --json netstats"}
	if fmt.Sprintf("%q", argv) != fmt.Sprintf("%q", want) {
		t.Errorf("CtlArgv = %q\nwant     %q", argv, want)
	}
	argv, _ = r.SCPArgv("/tmp/x", "fe80::1", "/usr/bin/xsensor.new")
	want = []string{"scp", "-q", "-p", "-o", "BatchMode=yes", "--", "/tmp/x", "[fe80::1]:/usr/bin/xsensor.new"}
	if fmt.Sprintf("%q", argv) != fmt.Sprintf("%q", want) {
		t.Errorf("SCPArgv = %q\nwant     %q", argv, want)
	}
	if _, err := r.SSHArgv("-oProxyCommand=x", "true"); err == nil {
		t.Error("a host that looks like an option must be refused")
	}
}

// writeCluster writes a config with a manager here and a worker on
// another host, the worker pinned to a CPU this machine lacks.
func writeCluster(t *testing.T, pin int) string {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("0123456789abcdef0123"), 0o600)
	nc := fmt.Sprintf("[manager]\ntype=manager\nhost=127.0.0.1\n\n[worker-9]\ntype=worker\nhost=sensor-b.invalid\ninterface=eth1\nlb_method=af_packet\nlb_procs=1\npin_cpus=%d\n", pin)
	os.WriteFile(filepath.Join(dir, "node.cfg"), []byte(nc), 0o644)
	os.WriteFile(filepath.Join(dir, "xsensor.cfg"), []byte("SecretFile = secret\n"), 0o644)
	return filepath.Join(dir, "node.cfg")
}

// TestLoadPinCPUs: pin_cpus of a node on another host is that host's
// business; the same node run here (--local) is checked here.
func TestLoadPinCPUs(t *testing.T) {
	cfg := writeCluster(t, runtime.NumCPU())
	if _, err := Load(cfg, false, ""); err != nil {
		t.Fatalf("remote node's pin_cpus checked here: %v", err)
	}
	_, err := Load(cfg, true, "worker-9")
	if err == nil || !strings.Contains(err.Error(), "worker-9: pin_cpus: CPU") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Load --local = %v, want one pin_cpus line", err)
	}
	if _, err := Load(cfg, true, "nosuch"); err == nil || !strings.Contains(err.Error(), "nosuch: no such node") {
		t.Fatalf("unknown node: %v", err)
	}
}

// TestStats: netstats and capstats read a worker's stats.json; capstats
// takes rates from two successive files, or averages since start when
// the file does not change within the window.
func TestStats(t *testing.T) {
	dir := t.TempDir()
	nc := "[manager]\ntype=manager\nhost=127.0.0.1\n\n[worker-1]\ntype=worker\nhost=127.0.0.1\ninterface=pcap::/x.pcap\n"
	os.WriteFile(filepath.Join(dir, "node.cfg"), []byte(nc), 0o644)
	c, err := config.LoadFiles(filepath.Join(dir, "node.cfg"), "")
	if err != nil {
		t.Fatal(err)
	}
	w, _ := c.Node("worker-1")
	o := Options{Cluster: c, Node: "worker-1", Exe: "/bin/false"}
	st, _ := CollectStats(o, 0)
	if len(st) != 1 || !strings.Contains(st[0].Err, "no stats yet") {
		t.Fatalf("no file: %+v", st)
	}
	write := func(ts time.Time, pkts, bytes uint64) {
		s := node.Stats{Node: "worker-1", TS: ts.UnixNano(), Uptime: 10, Packets: pkts, Bytes: bytes, Dropped: 3,
			Ship: ship.Stats{DroppedRecords: 7, Buffered: 100}}
		b, _ := json.Marshal(&s)
		os.MkdirAll(nodeDir(c, w), 0o755)
		os.WriteFile(filepath.Join(nodeDir(c, w), StatsFile), b, 0o644)
	}
	t0 := time.Unix(1700000000, 0)
	write(t0, 10000, 1_250_000)
	st, _ = CollectStats(o, 0)
	var out bytes.Buffer
	PrintNetStats(&out, st)
	want := "worker-1: 1700000000.000000 recvd=10000 dropped=3 link=10003 log_dropped=7 log_buffered=100B log_spooled=0B (not running: last stats)\n"
	if out.String() != want {
		t.Errorf("netstats:\n%s\nwant\n%s", &out, want)
	}
	// No change within the window: averages over the 10 s uptime.
	st, _ = CollectStats(o, 150*time.Millisecond)
	if len(st) != 1 || !st[0].Average || st[0].KPPS != 1 || st[0].Mbps != 1 {
		t.Fatalf("average: %+v", st)
	}
	// A rewrite 2 s later (in stats time) with 4000 more packets, 1 MB more.
	go func() {
		time.Sleep(100 * time.Millisecond)
		write(t0.Add(2*time.Second), 14000, 2_250_000)
	}()
	st, _ = CollectStats(o, 3*time.Second)
	if len(st) != 1 || st[0].Average || st[0].KPPS != 2 || st[0].Mbps != 4 || st[0].Window != 2*time.Second {
		t.Fatalf("rates: %+v", st)
	}
	out.Reset()
	PrintCapStats(&out, st)
	if !strings.Contains(out.String(), "127.0.0.1/pcap::/x.pcap") || !strings.Contains(out.String(), "2.0        4.0  2s") {
		t.Errorf("capstats:\n%s", &out)
	}
}
