package clustertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeSSH is an ssh stand-in first in PATH: it records its argv and runs
// the command on this machine (loopback only), refusing any host but the
// test's pretend one.
const fakeSSH = `#!/bin/sh
echo "ssh $*" >> "$FAKE_SSH_LOG"
while [ $# -gt 0 ]; do case "$1" in -o) shift 2 ;; -*) shift ;; *) break ;; esac; done
host=$1; shift
[ "$host" = "$FAKE_SSH_HOST" ] || { echo "fake ssh: no route to $host" >&2; exit 255; }
exec sh -c "$*"
`

// fakeSCP copies HOST:PATH targets to PATH on this machine.
const fakeSCP = `#!/bin/sh
echo "scp $*" >> "$FAKE_SSH_LOG"
while [ $# -gt 0 ]; do case "$1" in -o) shift 2 ;; --) shift; break ;; -*) shift ;; *) break ;; esac; done
host=${2%%:*}
[ "$host" = "$FAKE_SSH_HOST" ] || { echo "fake scp: no route to $host" >&2; exit 255; }
exec cp -p "$1" "${2#*:}"
`

// TestCtlDeployRemote: `xsensor ctl deploy` installs the binary and the
// configuration on this host (under --stage) and, through ssh and scp,
// on another host (here a pretend host whose ssh runs commands locally),
// then starts the cluster in order — the remote worker through
// `ssh HOST xsensor ctl --local --node worker-2 start`. Then `ctl status`
// shows every node running (the remote one as the manager sees it),
// `ctl netstats` and `ctl capstats` show both workers' packet counts
// (the remote one fetched as JSON over ssh), and `ctl stop` stops them
// all, leaving no pid file and no process.
func TestCtlDeployRemote(t *testing.T) {
	bin := xsensor(t)
	needRoles(t, bin, "manager", "logger")
	dir := t.TempDir()
	const remoteHost = "sensor-b.test"

	a := Trace{Handshakes: []Conn{{"10.0.0.1", "10.0.0.2", 80}}, Scanner: "10.9.9.9", Victims: Hosts("10.1.0", 30), ScanPort: 22}
	b := Trace{Handshakes: []Conn{{"10.0.0.1", "10.0.0.3", 80}, {"10.0.0.2", "10.0.0.3", 443}}, Scanner: "10.9.9.9", Victims: Hosts("10.2.0", 30), ScanPort: 22}
	pa, pb := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	if err := a.Write(pa); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(pb); err != nil {
		t.Fatal(err)
	}
	// The operator's configuration, in its own directory.
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o755)
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("test-secret-0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	nodeCfg := filepath.Join(src, "node.cfg")
	nc := fmt.Sprintf(`[manager]
type=manager
host=127.0.0.1

[logger]
type=logger
host=127.0.0.1

[proxy-1]
type=proxy
host=127.0.0.1

[worker-1]
type=worker
host=127.0.0.1
interface=pcap::%s

[worker-2]
type=worker
host=%s
interface=pcap::%s
`, pa, remoteHost, pb)
	base := FreePorts(t, 5)
	xs := fmt.Sprintf("BasePort = %d\nLogDir = %s\nSpoolDir = %s\nSecretFile = %s\nHeartbeatInterval = 100ms\nHeartbeatTimeout = 1s\nStatsInterval = 500ms\nLogRotationInterval = 0\n",
		base, filepath.Join(dir, "logs"), filepath.Join(dir, "spool"), secret)
	os.WriteFile(nodeCfg, []byte(nc), 0o644)
	os.WriteFile(filepath.Join(src, "xsensor.cfg"), []byte(xs), 0o644)

	// The fake ssh and scp.
	fake := filepath.Join(dir, "fakebin")
	os.MkdirAll(fake, 0o755)
	os.WriteFile(filepath.Join(fake, "ssh"), []byte(fakeSSH), 0o755)
	os.WriteFile(filepath.Join(fake, "scp"), []byte(fakeSCP), 0o755)
	sshLog := filepath.Join(dir, "ssh.log")
	env := append(os.Environ(), "PATH="+fake+":"+os.Getenv("PATH"), "FAKE_SSH_LOG="+sshLog, "FAKE_SSH_HOST="+remoteHost)

	stage := filepath.Join(dir, "stage")
	remoteExe := filepath.Join(dir, "remote", "usr", "bin", "xsensor")
	remoteCfg := filepath.Join(dir, "remote", "etc", "xsensor", "node.cfg")
	ctl := func(cfg string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"ctl", "-c", cfg, "--stop-timeout", "10s",
			"--remote-exe", remoteExe, "--remote-cfg", remoteCfg}, args...)...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("ctl %v: %v\n%s%s", args, err, out, &stderr)
		}
		return string(out)
	}
	stagedCfg := filepath.Join(stage, remoteCfg)
	t.Cleanup(func() {
		for _, cfg := range []string{stagedCfg, nodeCfg} {
			cmd := exec.Command(bin, "ctl", "-c", cfg, "--stop-timeout", "5s", "--remote-exe", remoteExe, "--remote-cfg", remoteCfg, "stop")
			cmd.Env = env
			cmd.Run()
		}
	})

	out := ctl(nodeCfg, "--stage", stage, "deploy")
	t.Logf("deploy:\n%s", out)
	for _, f := range []string{filepath.Join(stage, remoteExe), stagedCfg, filepath.Join(filepath.Dir(stagedCfg), "xsensor.cfg"), remoteExe, remoteCfg, filepath.Join(filepath.Dir(remoteCfg), "xsensor.cfg")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("deploy did not install %s: %v", f, err)
		}
	}
	if fi, err := os.Stat(remoteExe); err == nil && fi.Mode()&0o111 == 0 {
		t.Errorf("%s is not executable: %v", remoteExe, fi.Mode())
	}
	// Start order: manager, logger, proxy, then workers.
	order := []string{"manager: started", "logger: started", "proxy-1: started", "worker-1: started", "worker-2: started"}
	last := -1
	for _, s := range order {
		i := strings.Index(out, s)
		if i < last {
			t.Errorf("deploy output: %q missing or out of order:\n%s", s, out)
		}
		last = i
	}
	sshArgs, _ := os.ReadFile(sshLog)
	wantSSH := fmt.Sprintf("ssh -o BatchMode=yes %s %s ctl -c %s --local --node worker-2 start", remoteHost, remoteExe, remoteCfg)
	if !strings.Contains(string(sshArgs), wantSSH+"\n") {
		t.Errorf("ssh log lacks %q:\n%s", wantSSH, sshArgs)
	}
	// Nodes run from the installed binary and configuration.
	for _, n := range []string{"manager", "worker-1", "worker-2"} {
		pid, _ := os.ReadFile(filepath.Join(dir, "spool", n, "pid"))
		cl, _ := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/cmdline")
		args := strings.Split(string(cl), "\x00")
		want := []string{filepath.Join(stage, remoteExe), stagedCfg}
		if n == "worker-2" {
			want = []string{remoteExe, remoteCfg}
		}
		if len(args) < 6 || args[0] != want[0] || args[5] != want[1] {
			t.Errorf("%s runs %q, want %s … -c %s", n, args, want[0], want[1])
		}
	}

	// Wait until both workers have reported stats after their replay.
	deadline := time.Now().Add(15 * time.Second)
	for _, w := range []string{"worker-1", "worker-2"} {
		for {
			st, _ := os.ReadFile(filepath.Join(dir, "spool", w, "stats.json"))
			var s struct {
				Done bool `json:"replay_done"`
			}
			if json.Unmarshal(st, &s) == nil && s.Done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s stats: %q", w, st)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	st := ctl(stagedCfg, "status")
	t.Logf("status:\n%s", st)
	for _, n := range []string{"manager", "logger", "proxy-1", "worker-1", "worker-2"} {
		line := ""
		for _, l := range strings.Split(st, "\n") {
			if strings.HasPrefix(l, n+" ") {
				line = l
			}
		}
		if !strings.Contains(line, " running ") {
			t.Errorf("status of %s: %q, want running", n, line)
		}
		if strings.HasPrefix(n, "worker-") && !strings.Contains(line, `"manager"`) {
			t.Errorf("status of %s: %q, want the manager among its peers", n, line)
		}
	}

	ns := ctl(stagedCfg, "netstats")
	t.Logf("netstats:\n%s", ns)
	// a: 1 handshake (8 packets) + 30 scan SYNs; b: 2 handshakes + 30.
	for _, want := range []string{"worker-1: ", " recvd=38 dropped=0 link=38 log_dropped=0", "worker-2: ", " recvd=46 dropped=0 link=46 log_dropped=0"} {
		if !strings.Contains(ns, want) {
			t.Errorf("netstats lacks %q", want)
		}
	}
	if !strings.Contains(string(must(os.ReadFile(sshLog))), "--local --node worker-2 --json netstats") {
		t.Error("netstats did not ask worker-2's host over ssh")
	}
	cs := ctl(stagedCfg, "--interval", "200ms", "capstats")
	t.Logf("capstats:\n%s", cs)
	for _, want := range []string{"worker-1", "127.0.0.1/pcap::" + pa, "worker-2", remoteHost + "/pcap::" + pb, "Total"} {
		if !strings.Contains(cs, want) {
			t.Errorf("capstats lacks %q", want)
		}
	}

	t.Logf("stop:\n%s", ctl(stagedCfg, "stop"))
	for _, n := range []string{"manager", "logger", "proxy-1", "worker-1", "worker-2"} {
		if _, err := os.Stat(filepath.Join(dir, "spool", n, "pid")); err == nil {
			t.Errorf("%s: pid file left after stop", n)
		}
	}
	for _, cfg := range []string{stagedCfg, remoteCfg} {
		if p := procsWith(cfg); len(p) > 0 {
			t.Errorf("processes %v still run %s", p, cfg)
		}
	}
	st = ctl(stagedCfg, "status")
	if strings.Contains(st, " running ") {
		t.Errorf("status after stop:\n%s", st)
	}
	conn, _ := os.ReadFile(filepath.Join(dir, "logs", "conn.log"))
	if n := strings.Count(string(conn), "\n") - strings.Count(string(conn), "\n#"); n < 63 {
		t.Errorf("conn.log has %d lines, want the 63 records of both workers", n)
	}
}

func must[T any](v T, _ error) T { return v }

// procsWith returns the pids whose command line has arg.
func procsWith(arg string) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		cl, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, a := range bytes.Split(cl, []byte{0}) {
			if string(a) == arg {
				out = append(out, e.Name())
			}
		}
	}
	return out
}
