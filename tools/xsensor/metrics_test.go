package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"xsensor/bpf"
	"xsensor/capture/live"
	"xsensor/capture/pcapfile"
	"xsensor/capture/replay"
	"xsensor/tools/testenv"
	"xsensor/tools/topology"
	"xsensor/tools/trafficgen"
)

// metricsTrace writes a synthetic trace with no IP fragments, so that the
// frames workers process are exactly the packets read.
func metricsTrace(t *testing.T, packets int) (string, int) {
	t.Helper()
	o := trafficgen.DefaultOptions()
	o.Mix, o.Flows, o.Packets = trafficgen.MixSmall, 2000, packets
	path := filepath.Join(t.TempDir(), "metrics.pcap")
	s, err := trafficgen.WritePcap(path, o)
	if err != nil {
		t.Fatal(err)
	}
	return path, s.Packets
}

// scrapeMetrics fetches a Prometheus text page as "name{labels}" → value.
func scrapeMetrics(url string) (map[string]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, ' '); i > 0 && line[0] != '#' {
			if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
				m[line[:i]] = v
			}
		}
	}
	return m, sc.Err()
}

// sumPrefix adds the samples whose key starts with prefix.
func sumPrefix(m map[string]float64, prefix string) (sum float64, n int) {
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			sum += v
			n++
		}
	}
	return
}

// gatedSource holds the reader after `at` packets until release is closed.
type gatedSource struct {
	src     replay.Source
	n, at   int
	paused  chan struct{}
	release chan struct{}
}

func (g *gatedSource) Next() ([]byte, pcapfile.Info, error) {
	if g.n == g.at {
		close(g.paused)
		<-g.release
	}
	g.n++
	return g.src.Next()
}

// TestReplayMetricsInProcess scrapes the endpoint while the replay is held
// half-way (per-worker counters are partial and never ahead of the
// reader) and once at the end before the endpoint closes (they add up to
// the packets replayed).
func TestReplayMetricsInProcess(t *testing.T) {
	pcap, total := metricsTrace(t, 60000)
	urlc := make(chan string, 1)
	g := &gatedSource{at: total / 2, paused: make(chan struct{}), release: make(chan struct{})}
	var final map[string]float64
	var finalErr error
	c := replayConfig{file: pcap, dir: t.TempDir(), workers: 2, quiet: true, metricsAddr: "127.0.0.1:0",
		hooks: &replayHooks{
			metricsURL: urlc,
			source:     func(s replay.Source) replay.Source { g.src = s; return g },
			atEnd:      func() { final, finalErr = scrapeMetrics(<-urlc) },
		}}
	type result struct {
		sum replay.Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, _, err := replayFile(c)
		done <- result{sum, err}
	}()
	url := <-urlc
	urlc <- url // for atEnd
	<-g.paused
	// Wait until the workers have caught up with what the reader sent.
	var mid map[string]float64
	deadline := time.Now().Add(10 * time.Second)
	for last := -1.0; ; time.Sleep(20 * time.Millisecond) {
		m, err := scrapeMetrics(url)
		if err != nil {
			t.Fatalf("scrape during replay: %v", err)
		}
		w, _ := sumPrefix(m, "xsensor_worker_packets_total{")
		if w > 0 && w == last {
			mid = m
			break
		}
		last = w
		if time.Now().After(deadline) {
			t.Fatalf("worker counters never settled mid-replay: %v", w)
		}
	}
	close(g.release)
	w, n := sumPrefix(mid, "xsensor_worker_packets_total{")
	read := mid[`xsensor_stage_packets_total{stage="reader",worker="all"}`]
	t.Logf("mid-replay: %d workers processed %.0f packets, reader %.0f of %d", n, w, read, total)
	if n != 2 || w <= 0 || w > read || read > float64(total/2) {
		t.Errorf("mid-replay counters: workers %.0f (over %d series), reader %.0f, held at %d of %d", w, n, read, total/2, total)
	}
	r := <-done
	if r.err != nil || finalErr != nil {
		t.Fatalf("replay: %v; final scrape: %v", r.err, finalErr)
	}
	if r.sum.Packets != uint64(total) {
		t.Fatalf("replayed %d packets, generated %d", r.sum.Packets, total)
	}
	w, _ = sumPrefix(final, "xsensor_worker_packets_total{")
	b, _ := sumPrefix(final, "xsensor_worker_bytes_total{")
	if w != float64(total) || b != float64(r.sum.Bytes) {
		t.Errorf("final scrape: workers %.0f packets %.0f bytes, replayed %d packets %d bytes", w, b, total, r.sum.Bytes)
	}
	if got := final[`xsensor_stage_packets_total{stage="reader",worker="all"}`]; got != float64(total) {
		t.Errorf("final reader counter %.0f, want %d", got, total)
	}
	if f, _ := sumPrefix(final, "xsensor_flows_created_total{"); f == 0 {
		t.Error("no flows created in the final scrape")
	}
}

// TestReplayMetricsCommand runs `xsensor replay --metrics-addr` as a child
// process and scrapes it in a loop until it exits: the process keeps the
// endpoint up (--metrics-linger) until a scrape begun after the replay
// has been answered, so the last successful scrape holds the final
// counters, and their per-worker sum is the packet count replayed.
func TestReplayMetricsCommand(t *testing.T) {
	pcap, total := metricsTrace(t, 100000)
	cmd := xsensorCmd("replay", "-r", pcap, "-o", t.TempDir(), "-w", "2", "--metrics-addr", "127.0.0.1:0", "--metrics-linger", "30s")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	br := bufio.NewReader(stderr)
	var url string
	for url == "" {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("no metrics line from xsensor replay: %v", err)
		}
		if _, u, ok := strings.Cut(strings.TrimSpace(line), "metrics at "); ok {
			url = u
		}
	}
	// Read stderr to its end before Wait: Wait closes the pipe, and a
	// read racing it loses the summary line.
	var summary string
	var werr error
	done := make(chan struct{})
	go func() {
		b, _ := io.ReadAll(br)
		summary = string(b)
		werr = cmd.Wait()
		close(done)
	}()
	var last map[string]float64
	scrapes, partial := 0, 0
loop:
	for {
		select {
		case <-done:
			if werr != nil {
				t.Fatalf("xsensor replay: %v: %s", werr, summary)
			}
			break loop
		default:
		}
		if m, err := scrapeMetrics(url); err == nil {
			last = m
			scrapes++
			if w, _ := sumPrefix(m, "xsensor_worker_packets_total{"); w < float64(total) {
				partial++
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Logf("%d scrapes, %d during the replay; %s", scrapes, partial, strings.TrimSpace(summary))
	if last == nil {
		t.Fatal("no successful scrape")
	}
	w, n := sumPrefix(last, "xsensor_worker_packets_total{")
	if n != 2 || w != float64(total) {
		t.Errorf("last scrape: %d worker series summing to %.0f packets, replayed %d", n, w, total)
	}
	if !strings.Contains(summary, "replay: "+strconv.Itoa(total)+" packets") {
		t.Errorf("summary does not report %d packets: %q", total, summary)
	}
}

// TestLiveMetrics scrapes `xsensor run` on a veth in XDP driver mode: the
// per-worker packet counters add up to the packets sent, the XDP stage
// saw them all, and the AF_XDP rings and drop counters are exported.
func TestLiveMetrics(t *testing.T) {
	testenv.RequirePrivileged(t)
	o := trafficgen.DefaultOptions()
	o.Flows, o.Packets, o.Seed = 200, 3000, 11
	top, err := topology.New(topology.Options{Prefix: "lm", Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { top.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan *live.Capture, 1)
	urlc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- liveSensor(ctx, runConfig{iface: top.Sensor, dir: t.TempDir(), workers: 2, mode: live.ModeXDP, xdpMode: bpf.AttachDriver,
			ready: ready, metricsAddr: "127.0.0.1:0", metricsRequired: true, metricsURL: urlc})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("sensor did not start: %v", err)
	}
	url := <-urlc
	rep := sendFrames(t, top, o, 20000)
	var m map[string]float64
	deadline := time.Now().Add(15 * time.Second)
	for {
		if m, err = scrapeMetrics(url); err != nil {
			t.Fatal(err)
		}
		if w, _ := sumPrefix(m, "xsensor_worker_packets_total{"); w >= float64(rep.Packets) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("sensor: %v", err)
	}
	w, n := sumPrefix(m, "xsensor_worker_packets_total{")
	if n != 2 || w != float64(rep.Packets) {
		t.Errorf("%d worker series sum to %.0f packets, sent %d", n, w, rep.Packets)
	}
	if got := m[`xsensor_stage_packets_total{stage="xdp_redirected",worker="all"}`]; got != float64(rep.Packets) {
		t.Errorf("xdp_redirected %.0f, sent %d", got, rep.Packets)
	}
	if _, n := sumPrefix(m, `xsensor_ring_size{ring="xsk_rx",`); n != 2 {
		t.Errorf("%d xsk_rx ring series, want 2", n)
	}
	if d, n := sumPrefix(m, "xsensor_drops_total{"); n == 0 || d != 0 {
		t.Errorf("drops: %.0f over %d series, want 0 over some", d, n)
	}
	if f, _ := sumPrefix(m, "xsensor_flows_created_total{"); f == 0 {
		t.Error("no flows created")
	}
}
