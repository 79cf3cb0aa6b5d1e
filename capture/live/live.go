package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"xsensor/analyzer/flowhash"
	"xsensor/analyzer/worker"
	"xsensor/bpf"
	"xsensor/capture/afpacket"
	"xsensor/capture/cpu"
	"xsensor/capture/xsk"
)

// Mode is the capture method.
type Mode uint8

const (
	ModeXDP Mode = iota
	ModeAFPacket
)

func (m Mode) String() string {
	if m == ModeAFPacket {
		return "afpacket"
	}
	return "xdp"
}

// UnmarshalText accepts "xdp" and "afpacket" (also zeekctl's "af_packet").
func (m *Mode) UnmarshalText(b []byte) error {
	switch string(b) {
	case "xdp":
		*m = ModeXDP
	case "afpacket", "af_packet":
		*m = ModeAFPacket
	default:
		return fmt.Errorf("capture mode %q: want xdp or afpacket", b)
	}
	return nil
}

// MarshalText returns the mode's name.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// Options configure a live capture.
type Options struct {
	Interface string
	Mode      Mode
	// XDPMode is driver, skb, or auto (driver, then skb).
	XDPMode  bpf.AttachMode
	HashMode flowhash.Mode
	// Pin pins each worker to its own core when there are no more workers
	// than allowed cores.
	Pin bool
	// CPUs, when set, are the cores to pin workers to, in order (node.cfg's
	// pin_cpus); it needs at least one core per worker.
	CPUs []int
	XSK  xsk.Options
	AFP  afpacket.Options
	// Poll is how long an idle worker waits for packets before advancing
	// its timers.
	Poll time.Duration
	// Logf receives the few start-up and teardown lines (fallbacks).
	Logf func(format string, args ...any)
}

// DefaultOptions returns the options `xsensor run` starts from.
func DefaultOptions() Options {
	// Deep rings absorb a worker that is descheduled for a while: 4096
	// descriptors per socket, and a UMEM of 16384 4 KiB frames (64 MiB)
	// per queue, above the sum of the RX rings of a group of up to four
	// sockets, so the fill ring never runs dry while rings are full.
	x := xsk.DefaultOptions()
	x.RxRingSize = 4096
	x.FrameCount = 16384
	x.FillRingSize = 16384
	return Options{
		Mode:     ModeXDP,
		XDPMode:  bpf.AttachAuto,
		HashMode: flowhash.ModeFiveTuple,
		Pin:      true,
		XSK:      x,
		AFP:      afpacket.DefaultOptions(),
		Poll:     100 * time.Millisecond,
		Logf:     func(string, ...any) {},
	}
}

// WorkerCounters are one worker's counters, updated once per batch.
type WorkerCounters struct {
	Packets atomic.Uint64
	Bytes   atomic.Uint64
	Batches atomic.Uint64
	// KernelDrops mirrors an AF_PACKET socket's tp_drops, refreshed by
	// its worker when idle and at the end (reading resets the kernel's
	// counter, so only the owner reads it).
	KernelDrops atomic.Uint64

	// The worker's connection table (conn.Stats), published by the
	// worker's goroutine after each batch and each idle tick.
	FlowsActive  atomic.Uint64
	FlowsCreated atomic.Uint64
	FlowsEvicted atomic.Uint64

	// TCP reassembly's ack and gap events (stream.Stats), the inputs of
	// capture_loss.log; published with the flow counters.
	Acks, Gaps atomic.Uint64
}

// publishFlows stores w's connection-table counters. Worker goroutine only.
func (ctr *WorkerCounters) publishFlows(w *worker.Worker) {
	cs := w.ConnStats()
	ctr.FlowsActive.Store(uint64(cs.Active))
	ctr.FlowsCreated.Store(cs.Created)
	ctr.FlowsEvicted.Store(cs.Evicted)
	ss := w.StreamStats()
	ctr.Acks.Store(ss.Acks)
	ctr.Gaps.Store(ss.Gaps)
}

// Capture is a running live capture.
//
// Concurrency: Stats and Stop may be called from any goroutine; Wait from
// one.
type Capture struct {
	opts     Options
	ifindex  int
	workers  []*worker.Worker
	counters []WorkerCounters

	prog   *bpf.Program
	link   *bpf.Link
	groups []*xsk.Group
	afps   []*afpacket.Socket

	stop    atomic.Bool
	wg      sync.WaitGroup
	pinned  bool
	closeMu sync.Mutex
	closed  bool
}

// RXQueues returns the number of RX queues of an interface (1 when sysfs
// does not say).
func RXQueues(iface string) int {
	m, _ := filepath.Glob(filepath.Join("/sys/class/net", iface, "queues", "rx-*"))
	if len(m) == 0 {
		return 1
	}
	return len(m)
}

// Start opens the capture and starts one goroutine per worker. In XDP
// mode len(workers) must be a multiple of the interface's RX queue count.
func Start(opts Options, workers []*worker.Worker) (*Capture, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Poll <= 0 {
		opts.Poll = 100 * time.Millisecond
	}
	if len(workers) == 0 {
		return nil, errors.New("live: no workers")
	}
	ifc, err := net.InterfaceByName(opts.Interface)
	if err != nil {
		return nil, fmt.Errorf("interface %s: %w", opts.Interface, err)
	}
	c := &Capture{opts: opts, ifindex: ifc.Index, workers: workers, counters: make([]WorkerCounters, len(workers))}
	var cpus []int
	switch {
	case len(opts.CPUs) > 0:
		if len(opts.CPUs) < len(workers) {
			return nil, fmt.Errorf("live: %d workers but only %d cores to pin them to", len(workers), len(opts.CPUs))
		}
		cpus, c.pinned = opts.CPUs, true
	case opts.Pin:
		if allowed, err := cpu.Allowed(); err == nil && len(workers) <= len(allowed) {
			cpus = allowed
			c.pinned = true
		}
	}
	switch opts.Mode {
	case ModeXDP:
		err = c.startXDP(cpus)
	case ModeAFPacket:
		err = c.startAFPacket(cpus)
	default:
		err = fmt.Errorf("live: unknown mode %d", opts.Mode)
	}
	if err != nil {
		c.Stop()
		c.Wait()
		return nil, err
	}
	return c, nil
}

func (c *Capture) startXDP(cpus []int) error {
	queues := RXQueues(c.opts.Interface)
	n := len(c.workers)
	if n%queues != 0 {
		return fmt.Errorf("%d workers do not divide over the %d RX queues of %s: use a multiple of %d", n, queues, c.opts.Interface, queues)
	}
	wpq := n / queues
	po := bpf.DefaultOptions()
	po.Queues, po.WorkersPerQueue, po.HashMode = queues, wpq, c.opts.HashMode
	prog, err := bpf.Load(po)
	if err != nil {
		return fmt.Errorf("load XDP program: %w", err)
	}
	c.prog = prog
	xo := c.opts.XSK
	xo.Logf = c.opts.Logf
	for q := 0; q < queues; q++ {
		g, err := xsk.OpenGroup(c.ifindex, q, wpq, xo)
		if err != nil {
			return fmt.Errorf("AF_XDP sockets on %s queue %d: %w", c.opts.Interface, q, err)
		}
		c.groups = append(c.groups, g)
		for i, s := range g.Sockets() {
			if err := prog.Register(prog.Slot(q, i), s.FD()); err != nil {
				return fmt.Errorf("register socket %d of queue %d: %w", i, q, err)
			}
		}
	}
	// Attach last: every slot has its socket before the first packet.
	link, err := prog.Attach(c.ifindex, c.opts.XDPMode)
	if err != nil {
		return fmt.Errorf("attach XDP program to %s: %w", c.opts.Interface, err)
	}
	c.link = link
	if link.Replaced != 0 {
		c.opts.Logf("xdp: %s: replaced the stale xsensor program %d a killed sensor left behind", c.opts.Interface, link.Replaced)
	}
	if c.opts.XDPMode == bpf.AttachAuto && link.Mode != bpf.AttachDriver {
		c.opts.Logf("xdp: %s: falling back to %s mode: %s", c.opts.Interface, link.Mode, link.Fallback)
	}
	for q, g := range c.groups {
		for i, s := range g.Sockets() {
			wi := q*wpq + i
			c.wg.Add(1)
			go c.runXSK(wi, s, pinTo(cpus, wi))
		}
	}
	return nil
}

func pinTo(cpus []int, i int) int {
	if cpus == nil {
		return -1
	}
	return cpus[i]
}

func (c *Capture) runXSK(wi int, s *xsk.Socket, core int) {
	defer c.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if core >= 0 {
		_ = cpu.Pin(core)
	}
	w, ctr := c.workers[wi], &c.counters[wi]
	descs := make([]xsk.Desc, worker.BatchPackets)
	b := &worker.Batch{}
	var last int64
	for !c.stop.Load() {
		n := s.Receive(descs)
		if n == 0 {
			if ok, _ := s.Wait(c.opts.Poll); !ok {
				w.Tick(time.Now().UnixNano())
				ctr.publishFlows(w)
			}
			continue
		}
		b.Reset()
		var bytes uint64
		for i := 0; i < n; i++ {
			f := s.Frame(descs[i])
			// AF_XDP has no receive timestamps: read the clock (vDSO,
			// no syscall) per frame, so that packets of one batch keep
			// their order and spacing in time.
			// Stamps strictly increase per worker, even where the clock's
			// resolution is coarser than the frame spacing.
			ts := time.Now().UnixNano()
			if ts <= last {
				ts = last + 1
			}
			last = ts
			b.AddRef(f, worker.Meta{TS: ts, WireLen: uint32(len(f)), Link: flowhash.LinkEthernet})
			bytes += uint64(len(f))
		}
		w.ProcessBatch(b)
		s.Release(descs[:n])
		ctr.Packets.Add(uint64(n))
		ctr.Bytes.Add(bytes)
		ctr.Batches.Add(1)
		ctr.publishFlows(w)
	}
	w.Finish(time.Now().UnixNano())
}

func (c *Capture) startAFPacket(cpus []int) error {
	o := c.opts.AFP
	o.Fanout = true
	o.FanoutGroup = uint16(os.Getpid())
	for i := range c.workers {
		s, err := afpacket.Open(c.ifindex, o)
		if err != nil {
			return fmt.Errorf("AF_PACKET socket %d on %s: %w", i, c.opts.Interface, err)
		}
		c.afps = append(c.afps, s)
	}
	for i, s := range c.afps {
		c.wg.Add(1)
		go c.runAFPacket(i, s, pinTo(cpus, i))
	}
	return nil
}

func (c *Capture) runAFPacket(wi int, s *afpacket.Socket, core int) {
	defer c.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if core >= 0 {
		_ = cpu.Pin(core)
	}
	w, ctr := c.workers[wi], &c.counters[wi]
	pkts := make([]afpacket.Packet, worker.BatchPackets)
	b := &worker.Batch{}
	var tags vlanRestorer
	for !c.stop.Load() {
		n := s.Receive(pkts)
		if n == 0 {
			if ok, _ := s.Wait(c.opts.Poll); !ok {
				w.Tick(time.Now().UnixNano())
				ctr.publishFlows(w)
				if st, err := s.Stats(); err == nil {
					ctr.KernelDrops.Store(st.Drops)
				}
			}
			continue
		}
		b.Reset()
		tags.reset()
		var bytes uint64
		for i := 0; i < n; i++ {
			p := &pkts[i]
			ts := int64(p.Sec)*1e9 + int64(p.Nsec)
			data, wire := tags.restore(p)
			b.AddRef(data, worker.Meta{TS: ts, WireLen: wire, Link: flowhash.LinkEthernet})
			bytes += uint64(wire)
		}
		w.ProcessBatch(b)
		ctr.Packets.Add(uint64(n))
		ctr.Bytes.Add(bytes)
		ctr.Batches.Add(1)
		ctr.publishFlows(w)
	}
	if st, err := s.Stats(); err == nil {
		ctr.KernelDrops.Store(st.Drops)
	}
	w.Finish(time.Now().UnixNano())
}

// Stop asks the workers to finish. It returns at once; Wait waits.
func (c *Capture) Stop() { c.stop.Store(true) }

// Wait waits for the workers to flush their connections, then closes the
// sockets and detaches the XDP program.
func (c *Capture) Wait() error {
	c.wg.Wait()
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	if c.link != nil {
		errs = append(errs, c.link.Close())
	}
	for _, g := range c.groups {
		errs = append(errs, g.Close())
	}
	for _, s := range c.afps {
		errs = append(errs, s.Close())
	}
	if c.prog != nil {
		errs = append(errs, c.prog.Close())
	}
	return errors.Join(errs...)
}

// Run starts a capture, stops it when ctx is done, and tears it down.
func Run(ctx context.Context, opts Options, workers []*worker.Worker) (*Capture, error) {
	c, err := Start(opts, workers)
	if err != nil {
		return nil, err
	}
	<-ctx.Done()
	c.Stop()
	return c, c.Wait()
}

// Pinned reports whether the workers were pinned to cores.
func (c *Capture) Pinned() bool { return c.pinned }

// Workers returns the number of workers.
func (c *Capture) Workers() int { return len(c.workers) }
