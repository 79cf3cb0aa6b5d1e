package clustertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// xsensor builds the binary from the tree once per test run
// ($XSENSOR_BIN, when set, names a binary to use instead).
func xsensor(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if p := os.Getenv("XSENSOR_BIN"); p != "" {
			binPath = p
			return
		}
		dir, err := os.MkdirTemp("", "xsensor-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "xsensor")
		out, err := exec.Command("go", "build", "-o", binPath, "xsensor/tools/xsensor").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("%s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build xsensor: %v", buildErr)
	}
	return binPath
}

// needRoles skips when the binary lacks a role command (the manager and
// logger commands are written separately).
func needRoles(t *testing.T, bin string, roles ...string) {
	for _, r := range roles {
		out, _ := exec.Command(bin, r, "--help").CombinedOutput()
		if strings.Contains(string(out), "unknown command") {
			t.Skipf("xsensor %s is not available in this tree yet", r)
		}
	}
}

// TestCtlCluster: `xsensor ctl start` brings up manager, logger, two
// proxies and two worker nodes replaying different traces as separate
// processes; the logger's conn.log holds every record once, known_hosts.log
// every host once; `ctl status` answers; `ctl stop` stops them all.
func TestCtlCluster(t *testing.T) {
	bin := xsensor(t)
	needRoles(t, bin, "manager", "logger")
	dir := t.TempDir()
	a := Trace{Handshakes: []Conn{{"10.0.0.1", "10.0.0.2", 80}}, Scanner: "10.9.9.9", Victims: Hosts("10.1.0", 30), ScanPort: 22}
	b := Trace{Handshakes: []Conn{{"10.0.0.1", "10.0.0.3", 80}, {"10.0.0.2", "10.0.0.3", 443}}, Scanner: "10.9.9.9", Victims: Hosts("10.2.0", 30), ScanPort: 22}
	pa, pb := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	if err := a.Write(pa); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(pb); err != nil {
		t.Fatal(err)
	}
	nodeCfg, _ := WriteConfig(t, dir, []Node{
		{Name: "manager", Type: "manager"}, {Name: "logger", Type: "logger"},
		{Name: "proxy-1", Type: "proxy"}, {Name: "proxy-2", Type: "proxy"},
		{Name: "worker-1", Type: "worker", Interface: "pcap::" + pa},
		{Name: "worker-2", Type: "worker", Interface: "pcap::" + pb},
	}, "HeartbeatInterval = 100ms", "HeartbeatTimeout = 1s", "StatsInterval = 1s", "LogRotationInterval = 0")
	ctl := func(args ...string) string {
		out, err := exec.Command(bin, append([]string{"ctl", "-c", nodeCfg, "--stop-timeout", "10s"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("ctl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	t.Cleanup(func() { exec.Command(bin, "ctl", "-c", nodeCfg, "stop").Run() })
	t.Logf("start:\n%s", ctl("start"))
	// Wait for both workers' state to hold the 3 hosts.
	deadline := time.Now().Add(15 * time.Second)
	for _, w := range []string{"worker-1", "worker-2"} {
		for {
			st, _ := os.ReadFile(filepath.Join(dir, "spool", w, "known.state"))
			if strings.Count(string(st), "known_hosts\t") == 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s state: %q", w, st)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("status:\n%s", ctl("status"))
	t.Logf("stop:\n%s", ctl("stop"))
	conn, _ := os.ReadFile(filepath.Join(dir, "logs", "conn.log"))
	n := 0
	for _, l := range strings.Split(string(conn), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			n++
		}
	}
	// 30+30 scan attempts, 3 handshakes.
	if n != 63 {
		t.Errorf("conn.log has %d records, want 63:\n%s", n, conn)
	}
	kh, _ := os.ReadFile(filepath.Join(dir, "logs", "known_hosts.log"))
	hosts := map[string]int{}
	for _, l := range strings.Split(string(kh), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			f := strings.Split(l, "\t")
			hosts[f[len(f)-1]]++
		}
	}
	if len(hosts) != 3 || hosts["10.0.0.1"] != 1 || hosts["10.0.0.2"] != 1 || hosts["10.0.0.3"] != 1 {
		t.Errorf("known_hosts.log hosts %v, want each of 3 hosts once", hosts)
	}
}
