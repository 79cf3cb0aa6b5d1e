package replay

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"xsensor/analyzer/flowhash"
	"xsensor/analyzer/frag"
	"xsensor/analyzer/worker"
	"xsensor/capture/cpu"
	"xsensor/capture/pcapfile"
	"xsensor/capture/ring"
)

// Source yields frames; data is valid until the next call. It returns
// io.EOF at the end. *pcapfile.Reader is one.
type Source interface {
	Next() ([]byte, pcapfile.Info, error)
}

// Options configure a replay.
type Options struct {
	HashMode flowhash.Mode
	// Pin pins worker i to the i-th allowed CPU when there are no more
	// workers than allowed CPUs.
	Pin bool
	// Batches is the number of batches per worker (a power of two).
	Batches int
	Frag    frag.Options
	// Counters, when set, are kept current while Run works (once per
	// batch) so that another goroutine can watch the replay. It must
	// have one WorkerCounters per worker (see NewCounters).
	Counters *Counters
}

// DefaultOptions returns the options xsensor replay uses.
func DefaultOptions() Options {
	return Options{HashMode: flowhash.ModeFiveTuple, Pin: true, Batches: 16, Frag: frag.DefaultOptions()}
}

// Summary reports what a replay did.
type Summary struct {
	Packets, Bytes   uint64 // frames and wire bytes read
	Fragments        uint64 // outer fragments seen by the reader
	Reassembled      uint64 // datagrams the reader reassembled from them
	FirstTS, LastTS  int64  // trace time, ns
	Wall             time.Duration
	WorkerPackets    []uint64
	WorkerBusy       []time.Duration // time spent processing batches
	Pinned           bool
	ReadErr          error // a truncated or damaged file: what was read before it was analysed
	FragStats        frag.Stats
	WorkerFrameBytes []uint64
}

// Run replays src through workers and returns when every worker has
// finished (flushed its connections into its sink).
func Run(src Source, workers []*worker.Worker, opts Options) (Summary, error) {
	n := len(workers)
	if n == 0 {
		return Summary{}, errors.New("replay: no workers")
	}
	if opts.Batches <= 0 {
		opts.Batches = 16
	}
	if opts.Batches&(opts.Batches-1) != 0 {
		return Summary{}, fmt.Errorf("replay: batches per worker %d is not a power of two", opts.Batches)
	}
	ctrs := opts.Counters
	if ctrs != nil && len(ctrs.Workers) != n {
		return Summary{}, fmt.Errorf("replay: counters for %d workers, have %d workers", len(ctrs.Workers), n)
	}
	sum := Summary{
		WorkerPackets:    make([]uint64, n),
		WorkerBusy:       make([]time.Duration, n),
		WorkerFrameBytes: make([]uint64, n),
	}
	var cpus []int
	if opts.Pin {
		if allowed, err := cpu.Allowed(); err == nil && n <= len(allowed) {
			cpus = allowed
			sum.Pinned = true
		}
	}

	full := make([]*ring.SPSC[*worker.Batch], n)
	free := make([]*ring.SPSC[*worker.Batch], n)
	cur := make([]*worker.Batch, n)
	done := make(chan int, n)
	for i := range workers {
		full[i] = ring.New[*worker.Batch](opts.Batches)
		free[i] = ring.New[*worker.Batch](opts.Batches)
		for j := 0; j < opts.Batches-1; j++ {
			free[i].TryPush(worker.NewBatch())
		}
		cur[i] = worker.NewBatch()
	}
	if ctrs != nil {
		ctrs.rings.Store(&full)
	}
	start := time.Now()
	for i, w := range workers {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			if cpus != nil {
				_ = cpu.Pin(cpus[i]) // best effort: an unpinned worker still works
			}
			var busy time.Duration
			for {
				b := pop(full[i])
				t0 := time.Now()
				w.ProcessBatch(b)
				busy += time.Since(t0)
				if ctrs != nil {
					var bytes uint64
					for j := 0; j < b.N; j++ {
						bytes += uint64(b.Meta[j].WireLen)
					}
					ctrs.publishWorker(i, w, uint64(b.N), bytes)
				}
				final := b.Final
				b.Reset()
				push(free[i], b)
				if final {
					sum.WorkerBusy[i] = busy
					done <- i
					return
				}
			}
		}()
	}

	fr := frag.New(opts.Frag)
	send := func(i int) {
		ctrs.publishReader(&sum)
		push(full[i], cur[i])
		cur[i] = pop(free[i])
	}
	for {
		data, info, err := src.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				sum.ReadErr = err
			}
			break
		}
		if sum.Packets == 0 {
			sum.FirstTS = info.TS
		}
		sum.Packets++
		sum.Bytes += uint64(info.WireLen)
		if info.TS > sum.LastTS {
			sum.LastTS = info.TS
		}
		link := info.LinkType
		f := flowhash.Of(link, data, opts.HashMode)
		if f.Fragment {
			sum.Fragments++
			dg, complete := fr.Add(info.TS, data[f.L3:])
			if !complete {
				continue
			}
			sum.Reassembled++
			data, link = dg, flowhash.LinkRaw
			f = flowhash.OfIP(dg, 0, opts.HashMode)
		}
		i := 0
		if n > 1 {
			i = int(f.Hash % uint32(n))
		}
		if cur[i].Full(len(data)) {
			send(i)
		}
		cur[i].Add(data, worker.Meta{TS: info.TS, WireLen: uint32(info.WireLen), Link: link})
		sum.WorkerPackets[i]++
		sum.WorkerFrameBytes[i] += uint64(info.WireLen)
	}
	ctrs.publishReader(&sum)
	for i := range workers {
		cur[i].Final = true
		cur[i].FinalTS = sum.LastTS
		push(full[i], cur[i])
	}
	for range workers {
		<-done
	}
	sum.Wall = time.Since(start)
	sum.FragStats = fr.Stats()
	if ctrs != nil {
		ctrs.done.Store(true)
	}
	return sum, nil
}

// push and pop wait for room or an item: spin briefly, then yield, then
// sleep. They are used per batch, never per packet.
func push(r *ring.SPSC[*worker.Batch], b *worker.Batch) {
	for spins := 0; !r.TryPush(b); spins++ {
		backoff(spins)
	}
}

func pop(r *ring.SPSC[*worker.Batch]) *worker.Batch {
	for spins := 0; ; spins++ {
		if b, ok := r.TryPop(); ok {
			return b
		}
		backoff(spins)
	}
}

func backoff(spins int) {
	switch {
	case spins < 64:
	case spins < 128:
		runtime.Gosched()
	default:
		time.Sleep(20 * time.Microsecond)
	}
}
