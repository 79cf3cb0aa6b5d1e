package replay

import (
	"io"
	"testing"
	"time"

	"xsensor/analyzer/flowhash"
	"xsensor/analyzer/worker"
	"xsensor/analyzer/zeeklog"
	"xsensor/capture/pcapfile"
	"xsensor/tools/trafficgen"
)

type memSource struct {
	frames [][]byte
	ts     []int64
	i      int
}

func (m *memSource) Next() ([]byte, pcapfile.Info, error) {
	if m.i == len(m.frames) {
		return nil, pcapfile.Info{}, io.EOF
	}
	f := m.frames[m.i]
	info := pcapfile.Info{TS: m.ts[m.i], WireLen: len(f), LinkType: flowhash.LinkEthernet}
	m.i++
	return f, info, nil
}

type nullSink struct{}

func (nullSink) WriteLog(*zeeklog.Schema, []byte) error { return nil }

func workers(t testing.TB, n int) []*worker.Worker {
	ws := make([]*worker.Worker, n)
	for i := range ws {
		o := worker.DefaultOptions()
		o.Index = i
		w, err := worker.New(o, nullSink{})
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = w
	}
	return ws
}

// TestCounters: after Run, the per-worker counters (published once per
// batch) add up to what was read, and the reader's counters match the
// summary.
func TestCounters(t *testing.T) {
	o := trafficgen.DefaultOptions()
	o.Flows, o.Packets = 300, 5000
	src := &memSource{}
	if _, err := trafficgen.Generate(o, func(ts int64, f []byte) error {
		src.frames = append(src.frames, append([]byte(nil), f...))
		src.ts = append(src.ts, ts)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ctrs := NewCounters(2)
	opts := DefaultOptions()
	opts.Pin = false
	opts.Counters = ctrs
	if used, size := ctrs.RingOccupancy(0); used != 0 || size != 0 {
		t.Errorf("ring before Run: %d/%d", used, size)
	}
	sum, err := Run(src, workers(t, 2), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !ctrs.Done() {
		t.Error("Done false after Run")
	}
	var pk, by, created uint64
	for i := range ctrs.Workers {
		w := &ctrs.Workers[i]
		if w.Packets.Load() != sum.WorkerPackets[i] || w.Bytes.Load() != sum.WorkerFrameBytes[i] {
			t.Errorf("worker %d: counters %d packets %d bytes, summary %d, %d", i, w.Packets.Load(), w.Bytes.Load(), sum.WorkerPackets[i], sum.WorkerFrameBytes[i])
		}
		pk += w.Packets.Load()
		by += w.Bytes.Load()
		created += w.FlowsCreated.Load()
		if w.FlowsActive.Load() != 0 {
			t.Errorf("worker %d: %d flows active after the final flush", i, w.FlowsActive.Load())
		}
	}
	if pk != sum.Packets || by != sum.Bytes || ctrs.ReadPackets.Load() != sum.Packets || ctrs.ReadBytes.Load() != sum.Bytes {
		t.Errorf("workers %d/%d, reader %d/%d, summary %d/%d", pk, by, ctrs.ReadPackets.Load(), ctrs.ReadBytes.Load(), sum.Packets, sum.Bytes)
	}
	if created == 0 {
		t.Error("no flows created")
	}
	if _, size := ctrs.RingOccupancy(1); size != opts.Batches {
		t.Errorf("ring size %d, want %d", size, opts.Batches)
	}
	if _, err := Run(&memSource{}, workers(t, 3), opts); err == nil {
		t.Error("Run accepted counters for 2 workers with 3 workers")
	}
}

// TestNoAllocs: publishing a worker's counters after a batch allocates
// nothing.
func TestNoAllocs(t *testing.T) {
	ctrs := NewCounters(1)
	w := workers(t, 1)[0]
	w.Tick(time.Now().UnixNano())
	if n := testing.AllocsPerRun(100, func() { ctrs.publishWorker(0, w, 256, 1<<16) }); n != 0 {
		t.Errorf("publishWorker allocates %.1f times", n)
	}
}
