package worker

import (
	"sync"
	"testing"
	"time"

	"xsensor/analyzer/zeeklog"
	"xsensor/tools/trafficgen"
)

// countSink counts what workers hand it.
type countSink struct {
	mu     sync.Mutex
	chunks int
	bytes  int
}

func (s *countSink) WriteLog(_ *zeeklog.Schema, chunk []byte) error {
	s.mu.Lock()
	s.chunks++
	s.bytes += len(chunk)
	s.mu.Unlock()
	return nil
}

type frame struct {
	ts   int64
	data []byte
}

func genFrames(t testing.TB, o trafficgen.Options) []frame {
	var fr []frame
	if _, err := trafficgen.Generate(o, func(ts int64, b []byte) error {
		fr = append(fr, frame{ts, append([]byte(nil), b...)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return fr
}

// TestNoAllocs proves the per-packet path (decode, timers, flow update,
// and the conn.log records it produces) allocates nothing once warm.
func TestNoAllocs(t *testing.T) {
	o := trafficgen.DefaultOptions()
	o.Flows, o.Packets = 2000, 40000
	o.PPS = 1000 // 40 s of trace time: connections close and time out
	frames := genFrames(t, o)
	w, err := New(DefaultOptions(), &countSink{})
	if err != nil {
		t.Fatal(err)
	}
	// Warm up on the first half: the flow table, free lists, timer wheel
	// and log buffers reach their working size.
	half := len(frames) / 2
	for _, f := range frames[:half] {
		w.Process(1, f.data, f.ts, len(f.data))
	}
	i := half
	allocs := testing.AllocsPerRun(len(frames)-half-1, func() {
		f := frames[i]
		w.Process(1, f.data, f.ts, len(f.data))
		i++
	})
	if allocs != 0 {
		t.Errorf("per-packet path allocates %.3f times per packet", allocs)
	}
	st := w.Stats()
	if st.Records == 0 {
		t.Error("no connection ended during the run: the test does not cover logging")
	}
	if st.DNSRecords == 0 {
		t.Error("no dns.log record: the test does not cover the DNS analyzer")
	}
	t.Logf("conn %d dns %d http %d ssl %d weird %d records; stream %+v",
		st.Records, st.DNSRecords, st.HTTPRecords, st.SSLRecords, st.WeirdRecords, w.StreamStats())
}

// BenchmarkWorker measures one worker core on the IMIX mix, with the
// protocol layer (reassembly, DPD, analyzers, weird.log) off and on.
func BenchmarkWorker(b *testing.B) {
	o := trafficgen.DefaultOptions()
	o.Flows, o.Packets = 20000, 200000
	frames := genFrames(b, o)
	for _, on := range []bool{false, true} {
		name := "analyzers=off"
		if on {
			name = "analyzers=on"
		}
		b.Run(name, func(b *testing.B) {
			opts := DefaultOptions()
			opts.Analyzers, opts.Weirds = on, on
			benchWorker(b, frames, opts)
		})
	}
	// warm: one worker replays the mix again and again (time-shifted),
	// so its pools are at working size: the steady state of a long run.
	for _, on := range []bool{false, true} {
		name := "warm/analyzers=off"
		if on {
			name = "warm/analyzers=on"
		}
		b.Run(name, func(b *testing.B) {
			opts := DefaultOptions()
			opts.Analyzers, opts.Weirds = on, on
			benchWarm(b, frames, opts)
		})
	}
}

func benchWarm(b *testing.B, frames []frame, opts Options) {
	var bytes int
	for _, f := range frames {
		bytes += len(f.data)
	}
	w, err := New(opts, &countSink{})
	if err != nil {
		b.Fatal(err)
	}
	span := frames[len(frames)-1].ts - frames[0].ts + 600e9
	var shift int64
	pass := func() {
		for _, f := range frames {
			w.Process(1, f.data, f.ts+shift, len(f.data))
		}
		w.Finish(frames[len(frames)-1].ts + shift)
		shift += span
	}
	pass() // warm up
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	n := 0
	for b.Loop() {
		pass()
		n++
	}
	el := time.Since(start).Seconds()
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(bytes)*8*float64(n)/cpu/1e6, "cpu-Mbps")
	}
	b.ReportMetric(float64(len(frames)*n)/el, "pkts/s")
	b.ReportMetric(float64(bytes)*8*float64(n)/el/1e6, "Mbps")
}

func benchWorker(b *testing.B, frames []frame, opts Options) {
	var bytes int
	for _, f := range frames {
		bytes += len(f.data)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	var pkts int
	for b.Loop() {
		w, err := New(opts, &countSink{})
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range frames {
			w.Process(1, f.data, f.ts, len(f.data))
		}
		w.Finish(frames[len(frames)-1].ts)
		pkts += len(frames)
	}
	el := time.Since(start).Seconds()
	if cpu := processCPU() - cpu0; cpu > 0 {
		// Throughput per CPU second consumed (steadier on a busy host).
		b.ReportMetric(float64(bytes)*8*float64(pkts/len(frames))/cpu/1e6, "cpu-Mbps")
	}
	b.ReportMetric(float64(pkts)/el, "pkts/s")
	b.ReportMetric(float64(bytes)*8*float64(pkts/len(frames))/el/1e6, "Mbps")
}

// TestFlushInterval: records reach the sink within FlushInterval of
// network time even when the buffer is far from full.
func TestFlushInterval(t *testing.T) {
	o := trafficgen.DefaultOptions()
	o.Flows, o.Packets, o.PPS = 200, 4000, 100 // 40 s of trace time
	frames := genFrames(t, o)
	sink := &countSink{}
	opts := DefaultOptions()
	opts.FlushInterval = 2 * time.Second
	w, err := New(opts, sink)
	if err != nil {
		t.Fatal(err)
	}
	b := &Batch{}
	for _, f := range frames {
		if b.N == BatchPackets {
			w.ProcessBatch(b)
			b.Reset()
		}
		b.AddRef(f.data, Meta{TS: f.ts, WireLen: uint32(len(f.data)), Link: 1})
	}
	w.ProcessBatch(b)
	// 40 s of trace with a 2 s interval: many small chunks, long before
	// the 256 KiB buffer could fill, and no Finish yet.
	if sink.chunks < 5 {
		t.Errorf("%d chunks handed over in 40 s of trace with a 2 s flush interval", sink.chunks)
	}
}
