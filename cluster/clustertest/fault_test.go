package clustertest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Generated traces of the fault tests: ~200k packets and 20k flows each,
// about 3 MB of conn.log, so that a kill lands while records stream.
const (
	genPackets = 200_000
	genFlows   = 20_000
)

// TestLoggerKill9 kills the logger with SIGKILL while two worker nodes
// ship the conn records of ~200k-packet traces, restarts it, and checks
// that conn.log then holds exactly the records of single-process
// replays: the logger truncates what it wrote past its last checkpoint,
// the workers resend everything unacknowledged, and the logger drops
// what it had already committed.
func TestLoggerKill9(t *testing.T) {
	dir := t.TempDir()
	bin := xsensor(t)
	traces := []string{generated(t, bin, genPackets, genFlows, 1), generated(t, bin, genPackets, genFlows, 2)}
	pc := newProcCluster(t, dir, clusterNodes(traces...), fastCluster...)
	want, nWant := referenceConn(t, bin, dir, traces...)

	for _, n := range []string{"manager", "logger", "proxy-1", "proxy-2", "worker-1", "worker-2"} {
		pc.start(n)
	}
	connLog := pc.logPath("conn")
	waitFor(t, 30*time.Second, "the first conn records", func() bool {
		st, err := os.Stat(connLog)
		return err == nil && st.Size() > 64<<10
	})
	pc.kill9("logger")
	atKill := countRecords(connLog)
	if atKill >= nWant {
		t.Errorf("the kill landed after the stream: %d of %d records already written", atKill, nWant)
	}
	pc.start("logger")
	waitFor(t, 60*time.Second, "conn.log complete after the restart", func() bool { return countRecords(connLog) >= nWant })
	time.Sleep(500 * time.Millisecond) // time for a duplicate to show up
	pc.stopAll()

	conn := readLog(t, connLog)
	if d := diffMultisets(conn.multiset(connVolatile...), want); d != "" {
		t.Errorf("conn.log after kill -9 and restart: %s", d)
	}
	// One header: the restarted logger continued the file it recovered.
	if n := strings.Count(strings.Join(conn.header, "\n"), "#fields"); n != 1 {
		t.Errorf("conn.log has %d headers, want 1", n)
	}
	t.Logf("killed the logger with %d of %d conn records on disk; after restart: %d records", atKill, nWant, len(conn.records))
}

// TestProxyStopped stops proxy-2 before the workers start: worker-2,
// whose proxy it is, fails over to proxy-1, the ring skips the dead
// proxy, and every worker still learns every host and service, each
// logged once.
func TestProxyStopped(t *testing.T) {
	dir := t.TempDir()
	traces, hosts, services, _ := handshakeTraces(t, dir)
	pc := newProcCluster(t, dir, clusterNodes(traces...), fastCluster...)
	for _, n := range []string{"manager", "logger", "proxy-1", "proxy-2"} {
		pc.start(n)
	}
	pc.stop("proxy-2")
	pc.start("worker-1")
	pc.start("worker-2")
	waitFor(t, 30*time.Second, "the whole state on both workers", func() bool {
		for _, w := range []string{"worker-1", "worker-2"} {
			if !slices.Equal(knownState(dir, w, "known_hosts"), hosts) || len(knownState(dir, w, "known_services")) != len(services) {
				return false
			}
		}
		return true
	})
	waitFor(t, 20*time.Second, "known_hosts.log", func() bool { return countRecords(pc.logPath("known_hosts")) >= len(hosts) })
	waitFor(t, 5*time.Second, "worker-2's stats", func() bool { return pc.workerStats("worker-2") != nil })
	time.Sleep(300 * time.Millisecond)
	st := pc.workerStats("worker-2")
	pc.stopAll()

	kh := readLog(t, pc.logPath("known_hosts"))
	got := kh.column(t, "host")
	slices.Sort(got)
	if !slices.Equal(got, hosts) {
		t.Errorf("known_hosts.log = %q, want each of %q once", got, hosts)
	}
	ks := readLog(t, pc.logPath("known_services"))
	if len(ks.records) != len(services) {
		t.Errorf("known_services.log has %d records, want %d", len(ks.records), len(services))
	}
	if p := st["state"].(map[string]any)["Proxy"]; p != "proxy-1" {
		t.Errorf("worker-2 uses proxy %v, want proxy-1 (fail-over)", p)
	}
	t.Logf("both workers know %d hosts and %d services; worker-2 state %v", len(hosts), len(services), st["state"])
}

// TestWrongSecret runs worker-1 with a different cluster secret: every
// node refuses it, and nothing it sent is logged (conn.log holds exactly
// worker-2's records, notice.log and known_hosts.log only worker-2's).
func TestWrongSecret(t *testing.T) {
	dir := t.TempDir()
	traces, _, _, perTrace := handshakeTraces(t, dir)
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("the cluster's secret, 32 bytes long\n"), 0o600)
	pc := newProcCluster(t, dir, clusterNodes(traces...), append([]string{"SecretFile = " + secret}, fastCluster...)...)
	want, nWant := referenceConn(t, pc.bin, dir, traces[1])

	// The intruder: the same node.cfg, another secret, its own spool.
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(bad, 0o755)
	nodeCfg, _ := os.ReadFile(pc.nodeCfg)
	xs, _ := os.ReadFile(filepath.Join(dir, "xsensor.cfg"))
	badSecret := filepath.Join(bad, "secret")
	os.WriteFile(badSecret, []byte("a guess at the secret, long enough\n"), 0o600)
	badXS := strings.NewReplacer("SecretFile = "+secret, "SecretFile = "+badSecret,
		filepath.Join(dir, "spool"), filepath.Join(bad, "spool"), filepath.Join(dir, "logs"), filepath.Join(bad, "logs")).Replace(string(xs))
	os.WriteFile(filepath.Join(bad, "node.cfg"), nodeCfg, 0o644)
	os.WriteFile(filepath.Join(bad, "xsensor.cfg"), []byte(badXS), 0o644)

	for _, n := range []string{"manager", "logger", "proxy-1", "proxy-2"} {
		pc.start(n)
	}
	pc.startCfg("worker-1", filepath.Join(bad, "node.cfg"), filepath.Join(bad, "spool"))
	pc.start("worker-2")
	waitFor(t, 20*time.Second, "worker-2's records", func() bool { return countRecords(pc.logPath("conn")) >= nWant })
	waitFor(t, 20*time.Second, "worker-1 refused", func() bool {
		return strings.Contains(pc.output("worker-1"), "secret") && strings.Contains(pc.output("logger"), "secret")
	})
	time.Sleep(time.Second) // worker-1 keeps retrying meanwhile
	pc.kill9("worker-1")    // it cannot deliver, so it would wait out its flush timeouts
	pc.stopAll()

	conn := readLog(t, pc.logPath("conn"))
	if d := diffMultisets(conn.multiset(connVolatile...), want); d != "" {
		t.Errorf("conn.log: %s", d)
	}
	notice := readLog(t, pc.logPath("notice"))
	for _, p := range notice.column(t, "peer_descr") {
		if p != "worker-2" {
			t.Errorf("notice.log has a notice from %s", p)
		}
	}
	kh := readLog(t, pc.logPath("known_hosts"))
	got := kh.column(t, "host")
	slices.Sort(got)
	if !slices.Equal(got, perTrace[1]) {
		t.Errorf("known_hosts.log = %q, want only worker-2's hosts %q", got, perTrace[1])
	}
	for _, line := range strings.Split(pc.output("worker-1"), "\n") {
		if strings.Contains(line, "secret") {
			t.Logf("worker-1: %s", line)
			break
		}
	}
}

// TestStoppedLogger stops the logger (SIGSTOP) before a worker node
// replays a ~200k-packet trace with a 1 MiB send buffer, no spool and a
// 20ms max block. The worker buffers up to its bound (never more, at
// every sample), then drops and counts: records kept plus records
// dropped equal what a single-process replay writes, and after SIGCONT
// the logger writes exactly the kept ones. Memory (VmRSS, sampled every
// 25ms) peaks within a fixed allowance of the single-process replay's
// peak, and does not grow once the replay is over while the worker
// keeps failing to deliver.
func TestStoppedLogger(t *testing.T) {
	dir := t.TempDir()
	bin := xsensor(t)
	trace := generated(t, bin, genPackets, genFlows, 1)
	const bound = 1 << 20
	pc := newProcCluster(t, dir, clusterNodes(trace),
		"SendBufferBytes = 1M", "SpoolMaxBytes = 0", "HandshakeTimeout = 1s",
		"HeartbeatInterval = 100ms", "HeartbeatTimeout = 1s", "StatsInterval = 50ms", "LogRotationInterval = 0")
	ref, refRSS := replayDir(t, bin, dir, trace)
	streams := []string{"conn", "dns", "http", "ssl", "weird"}
	total := 0
	for _, s := range streams {
		total += countRecords(filepath.Join(ref, s+".log"))
	}

	for _, n := range []string{"manager", "logger", "proxy-1", "proxy-2"} {
		pc.start(n)
	}
	pc.signal("logger", syscall.SIGSTOP)
	pc.start("worker-1", "--max-block", "20ms")
	pid := pc.pid("worker-1")
	var rss []int64
	maxBuffered := 0.0
	sample := func() map[string]any {
		rss = append(rss, vmRSS(pid))
		st := pc.workerStats("worker-1")
		maxBuffered = max(maxBuffered, num(st, "ship.Buffered"))
		return st
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := sample()
		if int(num(st, "ship.Records")+num(st, "ship.DroppedRecords")) >= total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker-1 did not finish: %v", st)
		}
		time.Sleep(25 * time.Millisecond)
	}
	atEnd := len(rss)
	for range 40 { // one more second of failing to deliver
		time.Sleep(25 * time.Millisecond)
		sample()
	}
	hwm := procStatus(pid, "VmHWM")
	st := pc.workerStats("worker-1")
	pc.signal("logger", syscall.SIGCONT)

	kept, dropped := num(st, "ship.Records"), num(st, "ship.DroppedRecords")
	if dropped == 0 {
		t.Errorf("worker dropped nothing")
	}
	if int(kept+dropped) != total {
		t.Errorf("worker shipped %v + dropped %v records, replay wrote %d", kept, dropped, total)
	}
	if maxBuffered > bound {
		t.Errorf("worker buffered %v bytes, bound %d", maxBuffered, bound)
	}
	// The allowance covers what a worker node has beyond a replay: its
	// bounded send buffers, zstd streams to 4 peers, the shared-state
	// view and the scan detector.
	const allowance = 64 << 20
	if hwm > refRSS+allowance {
		t.Errorf("worker peak RSS %d MB, single-process replay %d MB: more than %d MB apart", hwm>>20, refRSS>>20, allowance>>20)
	}
	endRSS, after := rss[atEnd-1], slices.Max(rss[atEnd:])
	if after > endRSS+4<<20 {
		t.Errorf("RSS grew from %d to %d kB after the replay, while only failing to deliver", endRSS>>10, after>>10)
	}
	logged := func() int {
		n := 0
		for _, s := range streams {
			n += countRecords(pc.logPath(s))
		}
		return n
	}
	waitFor(t, 30*time.Second, "the logger to write what the worker kept", func() bool { return logged() >= int(kept) })
	time.Sleep(300 * time.Millisecond)
	pc.stopAll()
	if n := logged(); n != int(kept) {
		t.Errorf("logger wrote %d records, worker kept %v", n, kept)
	}
	t.Logf("replay records %d: worker kept %v, dropped %v; buffered max %v B (bound %d); worker VmHWM %d MB (single-process replay %d MB); VmRSS at the end of the replay %d kB, max in the next second %d kB; %d samples",
		total, kept, dropped, maxBuffered, bound, hwm>>20, refRSS>>20, endRSS>>10, after>>10, len(rss))
}
