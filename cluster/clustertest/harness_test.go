package clustertest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// procCluster runs the nodes of a node.cfg as separate xsensor
// processes, each started, signalled and stopped by the test. stdout
// and stderr of a node go to DIR/<node>.out (appended across restarts).
type procCluster struct {
	t       *testing.T
	bin     string
	dir     string
	nodeCfg string

	mu    sync.Mutex
	procs map[string]*proc
}

type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func newProcCluster(t *testing.T, dir string, nodes []Node, extra ...string) *procCluster {
	t.Helper()
	bin := xsensor(t)
	nodeCfg, _ := WriteConfig(t, dir, nodes, extra...)
	pc := &procCluster{t: t, bin: bin, dir: dir, nodeCfg: nodeCfg, procs: map[string]*proc{}}
	t.Cleanup(pc.killAll)
	return pc
}

// roleOf returns the type a node has in nodes.
func roleOf(name string) string {
	switch {
	case strings.HasPrefix(name, "manager"):
		return "manager"
	case strings.HasPrefix(name, "logger"):
		return "logger"
	case strings.HasPrefix(name, "proxy"):
		return "proxy"
	}
	return "worker"
}

// start runs node name (its role from its name) with -c nodeCfg (or
// the cluster's) and waits for its ready file.
func (pc *procCluster) start(name string, args ...string) {
	pc.t.Helper()
	pc.startCfg(name, pc.nodeCfg, filepath.Join(pc.dir, "spool"), args...)
}

func (pc *procCluster) startCfg(name, nodeCfg, spool string, args ...string) {
	pc.t.Helper()
	ready := filepath.Join(spool, name, "ready")
	os.Remove(ready)
	out, err := os.OpenFile(filepath.Join(pc.dir, name+".out"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		pc.t.Fatal(err)
	}
	defer out.Close()
	role := roleOf(name)
	full := append([]string{role, "--node", name, "-c", nodeCfg}, args...)
	if role == "worker" {
		full = append(full, "--no-pin")
	}
	cmd := exec.Command(pc.bin, full...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		pc.t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	pc.mu.Lock()
	pc.procs[name] = p
	pc.mu.Unlock()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			return
		}
		select {
		case <-p.done:
			pc.t.Fatalf("%s exited while starting (%v):\n%s", name, p.err, pc.output(name))
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			pc.t.Fatalf("%s not ready after 20s:\n%s", name, pc.output(name))
		}
	}
}

func (pc *procCluster) output(name string) string {
	b, _ := os.ReadFile(filepath.Join(pc.dir, name+".out"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (pc *procCluster) proc(name string) *proc {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	p := pc.procs[name]
	if p == nil {
		pc.t.Fatalf("%s is not running", name)
	}
	return p
}

func (pc *procCluster) pid(name string) int { return pc.proc(name).cmd.Process.Pid }

func (pc *procCluster) signal(name string, sig syscall.Signal) {
	pc.t.Helper()
	if err := pc.proc(name).cmd.Process.Signal(sig); err != nil {
		pc.t.Fatalf("signal %s %v: %v", name, sig, err)
	}
}

// kill9 kills a node like a crash and waits until it is gone.
func (pc *procCluster) kill9(name string) {
	pc.t.Helper()
	p := pc.proc(name)
	p.cmd.Process.Kill()
	<-p.done
	pc.mu.Lock()
	delete(pc.procs, name)
	pc.mu.Unlock()
}

// stop sends SIGTERM and waits for a clean exit (failing the test
// otherwise).
func (pc *procCluster) stop(name string) {
	pc.t.Helper()
	p := pc.proc(name)
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		pc.t.Errorf("%s did not stop within 20s:\n%s", name, pc.output(name))
	}
	if p.err != nil {
		pc.t.Errorf("%s exited: %v\n%s", name, p.err, pc.output(name))
	}
	pc.mu.Lock()
	delete(pc.procs, name)
	pc.mu.Unlock()
}

// stopAll stops the workers, then the proxies, the loggers and the
// manager (ctl's order).
func (pc *procCluster) stopAll() {
	pc.t.Helper()
	for _, role := range []string{"worker", "proxy", "logger", "manager"} {
		pc.mu.Lock()
		var names []string
		for n := range pc.procs {
			if roleOf(n) == role {
				names = append(names, n)
			}
		}
		pc.mu.Unlock()
		slices.Sort(names)
		var wg sync.WaitGroup
		for _, n := range names {
			wg.Add(1)
			go func() { defer wg.Done(); pc.stop(n) }()
		}
		wg.Wait()
	}
}

func (pc *procCluster) killAll() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for _, p := range pc.procs {
		p.cmd.Process.Signal(syscall.SIGCONT)
		p.cmd.Process.Kill()
		<-p.done
	}
	pc.procs = map[string]*proc{}
}

func (pc *procCluster) logPath(stream string) string {
	return filepath.Join(pc.dir, "logs", stream+".log")
}

// workerStats reads a worker node's SpoolDir/<node>/stats.json.
func (pc *procCluster) workerStats(name string) map[string]any {
	b, err := os.ReadFile(filepath.Join(pc.dir, "spool", name, "stats.json"))
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	return m
}

// num reads a number at a dotted path of a decoded JSON object.
func num(m map[string]any, path string) float64 {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		o, ok := v.(map[string]any)
		if !ok {
			return 0
		}
		v = o[k]
	}
	f, _ := v.(float64)
	return f
}

// waitFor polls cond every 20ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logFile is a Zeek TSV log read back: its #fields and its records.
type logFile struct {
	fields  []string
	records [][]string
	header  []string // the "#" lines
}

func readLog(t *testing.T, path string) *logFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return &logFile{}
		}
		t.Fatal(err)
	}
	defer f.Close()
	lf := &logFile{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "#") {
			lf.header = append(lf.header, l)
			if rest, ok := strings.CutPrefix(l, "#fields\t"); ok {
				lf.fields = strings.Split(rest, "\t")
			}
			continue
		}
		if l != "" {
			lf.records = append(lf.records, strings.Split(l, "\t"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lf
}

// countRecords counts the record lines of a TSV log (cheap, for polling).
func countRecords(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n := 0
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		if b[0] != '#' {
			n++
		}
		b = b[i+1:]
	}
	return n
}

// column returns the values of field name.
func (lf *logFile) column(t *testing.T, name string) []string {
	t.Helper()
	i := slices.Index(lf.fields, name)
	if i < 0 {
		t.Fatalf("log has no field %s (fields %q)", name, lf.fields)
	}
	out := make([]string, len(lf.records))
	for j, r := range lf.records {
		if i < len(r) {
			out[j] = r[i]
		}
	}
	return out
}

// multiset returns the records as a multiset of lines without the
// fields named in drop (uids differ from run to run).
func (lf *logFile) multiset(drop ...string) map[string]int {
	var skip []int
	for _, d := range drop {
		if i := slices.Index(lf.fields, d); i >= 0 {
			skip = append(skip, i)
		}
	}
	m := make(map[string]int, len(lf.records))
	var sb strings.Builder
	for _, r := range lf.records {
		sb.Reset()
		for i, f := range r {
			if slices.Contains(skip, i) {
				continue
			}
			sb.WriteString(f)
			sb.WriteByte('\t')
		}
		m[sb.String()]++
	}
	return m
}

// diffMultisets describes how got differs from want ("" when equal).
func diffMultisets(got, want map[string]int) string {
	var missing, extra []string
	nGot, nWant := 0, 0
	for k, w := range want {
		nWant += w
		if g := got[k]; g < w {
			missing = append(missing, fmt.Sprintf("%dx %s", w-g, k))
		}
	}
	for k, g := range got {
		nGot += g
		if w := want[k]; g > w {
			extra = append(extra, fmt.Sprintf("%dx %s", g-w, k))
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return fmt.Sprintf("got %d records, want %d: %d lines missing (first %q), %d extra (first %q)",
		nGot, nWant, len(missing), first(missing, 3), len(extra), first(extra, 3))
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func addMultiset(dst, src map[string]int) {
	for k, v := range src {
		dst[k] += v
	}
}

// referenceConn runs single-process `xsensor replay` on each trace and
// returns the union of their conn.log records as a multiset (uid and
// tunnel_parents left out), and the record count.
func referenceConn(t *testing.T, bin, dir string, traces ...string) (map[string]int, int) {
	t.Helper()
	want := map[string]int{}
	n := 0
	for _, tr := range traces {
		out, _ := replayDir(t, bin, dir, tr)
		lf := readLog(t, filepath.Join(out, "conn.log"))
		addMultiset(want, lf.multiset(connVolatile...))
		n += len(lf.records)
	}
	return want, n
}

// replayDir runs single-process `xsensor replay` on trace into a new
// directory under dir and returns it and the process's peak RSS.
func replayDir(t *testing.T, bin, dir, trace string) (string, int64) {
	t.Helper()
	out, err := os.MkdirTemp(dir, "replay-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "replay", "-r", trace, "-o", out, "-no-pin", "-q")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xsensor replay %s: %v\n%s", trace, err, b)
	}
	var maxRSS int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = int64(ru.Maxrss) << 10
	}
	return out, maxRSS
}

// connVolatile are the conn.log fields that differ between runs.
var connVolatile = []string{"uid", "tunnel_parents"}

var (
	genMu    sync.Mutex
	genDir   string
	genCache = map[string]string{}
)

// TestMain removes the traces generated for the package's tests and the
// binary it built.
func TestMain(m *testing.M) {
	code := m.Run()
	if genDir != "" {
		os.RemoveAll(genDir)
	}
	if binPath != "" && os.Getenv("XSENSOR_BIN") == "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// generated returns a trafficgen trace (xsensor gen), made once per
// test run and shared by the tests that ask for the same one.
func generated(t *testing.T, bin string, packets, flows, seed int) string {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	key := fmt.Sprint(packets, flows, seed)
	if p, ok := genCache[key]; ok {
		return p
	}
	if genDir == "" {
		d, err := os.MkdirTemp("", "xsensor-traces")
		if err != nil {
			t.Fatal(err)
		}
		genDir = d
	}
	p := filepath.Join(genDir, "gen-"+strings.ReplaceAll(key, " ", "-")+".pcap")
	genTrace(t, bin, p, packets, flows, seed)
	genCache[key] = p
	return p
}

// genTrace writes a trafficgen trace with xsensor gen.
func genTrace(t *testing.T, bin, path string, packets, flows int, seed int) {
	t.Helper()
	args := []string{"gen", "-o", path, "--packets", strconv.Itoa(packets), "--flows", strconv.Itoa(flows), "--seed", strconv.Itoa(seed)}
	if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("xsensor gen: %v\n%s", err, b)
	}
}

// vmRSS reads VmRSS of pid in bytes.
func vmRSS(pid int) int64 { return procStatus(pid, "VmRSS") }

// procStatus reads a "kB" line (VmRSS, RssAnon, VmHWM) of
// /proc/PID/status in bytes.
func procStatus(pid int, key string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, key+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
