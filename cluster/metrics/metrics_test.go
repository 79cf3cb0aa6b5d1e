package metrics

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"xsensor/capture/live"
)

// scrape fetches url and returns every sample as "name{labels}" → value.
func scrape(t testing.TB, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape %s: %s: %s", url, resp.Status, b)
	}
	return parseText(t, resp.Body)
}

func parseText(t testing.TB, r io.Reader) map[string]float64 {
	t.Helper()
	m := map[string]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("bad exposition line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad value in %q: %v", line, err)
		}
		m[line[:i]] = v
	}
	return m
}

func TestCaptureMetrics(t *testing.T) {
	var pk atomic.Uint64
	src := func(s *Snapshot) error {
		n := pk.Add(10)
		s.Workers = append(s.Workers, WorkerSnapshot{Packets: n, Bytes: 100 * n, Batches: 1, FlowsActive: 3, FlowsCreated: 4, FlowsEvicted: 1},
			WorkerSnapshot{Packets: 2 * n})
		s.Stage("reader", AllWorkers, 3*n, 0)
		s.Drop("xsk", "rx_ring_full", 1, 7)
		s.Ring("worker_batches", 0, 2, 16)
		return nil
	}
	reg := New(Options{Node: "n1", Role: "worker", Version: "abc"})
	if err := reg.AddCapture(src); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddCapture(src); !errors.Is(err, ErrCaptureRegistered) {
		t.Fatalf("second AddCapture: %v, want ErrCaptureRegistered", err)
	}
	srv, err := reg.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m := scrape(t, srv.URL())
	want := map[string]float64{
		`xsensor_worker_packets_total{worker="0"}`:                          10,
		`xsensor_worker_packets_total{worker="1"}`:                          20,
		`xsensor_worker_bytes_total{worker="0"}`:                            1000,
		`xsensor_flows_active{worker="0"}`:                                  3,
		`xsensor_flows_created_total{worker="0"}`:                           4,
		`xsensor_flows_evicted_total{worker="0"}`:                           1,
		`xsensor_stage_packets_total{stage="reader",worker="all"}`:          30,
		`xsensor_drops_total{reason="rx_ring_full",stage="xsk",worker="1"}`: 7,
		`xsensor_ring_used{ring="worker_batches",worker="0"}`:               2,
		`xsensor_ring_size{ring="worker_batches",worker="0"}`:               16,
		`xsensor_info{node="n1",role="worker",version="abc"}`:               1,
		`xsensor_source_errors_total`:                                       0,
	}
	for k, v := range want {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if _, ok := m["go_goroutines"]; !ok {
		t.Error("go runtime metrics missing")
	}
	// Values are read at scrape time: a second scrape sees new counts.
	if m2 := scrape(t, srv.URL()); m2[`xsensor_worker_packets_total{worker="0"}`] != 20 {
		t.Errorf("second scrape: worker 0 = %v, want 20", m2[`xsensor_worker_packets_total{worker="0"}`])
	}
	if srv.Scrapes() != 2 {
		t.Errorf("Scrapes = %d, want 2", srv.Scrapes())
	}
}

func TestSourceError(t *testing.T) {
	reg := New(Options{NoRuntime: true})
	reg.AddCapture(func(s *Snapshot) error {
		s.Workers = append(s.Workers, WorkerSnapshot{Packets: 5})
		return errors.New("stats: boom")
	})
	srv, err := reg.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m := scrape(t, srv.URL())
	if m[`xsensor_worker_packets_total{worker="0"}`] != 5 || m[`xsensor_source_errors_total`] != 1 {
		t.Errorf("partial snapshot not exported: %v", m)
	}
}

func TestWaitScrape(t *testing.T) {
	reg := New(Options{NoRuntime: true})
	srv, err := reg.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	scrape(t, srv.URL()) // before the mark: does not count
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if srv.WaitScrape(ctx) {
		t.Fatal("WaitScrape returned true without a new scrape")
	}
	done := make(chan bool)
	go func() { done <- srv.WaitScrape(context.Background()) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		scrape(t, srv.URL())
		select {
		case ok := <-done:
			if !ok {
				t.Fatal("WaitScrape false")
			}
			return
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("WaitScrape did not see the scrape")
		}
	}
}

func TestServeBadAddr(t *testing.T) {
	if _, err := New(Options{NoRuntime: true}).Serve("256.0.0.1:bad"); err == nil {
		t.Fatal("Serve on a bad address succeeded")
	}
}

// TestLiveSnapshot checks the mapping of live.Stats onto metrics without
// a capture (that needs root; tools/xsensor's live test covers it).
func TestLiveSnapshot(t *testing.T) {
	st := live.Stats{Mode: live.ModeXDP, XDPSeen: 100, XDPBytes: 6400, XDPRedirectFailures: 2,
		WorkerPackets: []uint64{40, 58}, WorkerBytes: []uint64{1, 2}, WorkerFlowsActive: []uint64{3, 4},
		Sockets: []live.SocketStats{{RxRingFull: 5, RxUsed: 1, RxSize: 2048}, {}}}
	var s Snapshot
	fillLive(&s, &st)
	if len(s.Workers) != 2 || s.Workers[1].Packets != 58 || s.Workers[1].FlowsActive != 4 {
		t.Errorf("workers %+v", s.Workers)
	}
	var drops uint64
	for _, d := range s.Drops {
		drops += d.Packets
	}
	if drops != 7 {
		t.Errorf("drops sum %d, want 7 (%+v)", drops, s.Drops)
	}
	if len(s.Rings) != 4 || s.Rings[0].Size != 2048 {
		t.Errorf("rings %+v", s.Rings)
	}
	s = Snapshot{}
	fillLive(&s, &live.Stats{Mode: live.ModeAFPacket, WorkerPackets: []uint64{1}, WorkerBytes: []uint64{1}, WorkerAFPDrops: []uint64{9}})
	if len(s.Drops) != 1 || s.Drops[0].Packets != 9 || s.Drops[0].Stage != "afpacket" {
		t.Errorf("afpacket drops %+v", s.Drops)
	}
}
