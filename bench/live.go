package bench

import (
	"fmt"
	"net"
	"runtime"
	"time"

	"xsensor/analyzer/worker"
	"xsensor/analyzer/zeeklog"
	"xsensor/bpf"
	"xsensor/capture/cpu"
	"xsensor/capture/live"
	"xsensor/tools/topology"
	"xsensor/tools/trafficgen"
)

// Point is one measurement of the live path at one offered rate.
type Point struct {
	Mode      string  // "xdp", "afpacket" or "xdp-drop"
	Target    float64 // offered rate asked of the sender, pkts/s (0: as fast as it goes)
	Sent      uint64
	SentPPS   float64 // rate the sender achieved
	XDPSeen   uint64
	Redirect  uint64
	RingFull  uint64 // AF_XDP RX ring full
	FillEmpty uint64 // AF_XDP fill ring empty
	KernDrops uint64 // AF_PACKET ring drops or XDP redirect failures
	Processed uint64 // packets the workers analysed
	Lost      uint64 // sent - processed (xdp-drop: sent - dropped by XDP)
}

// LossPct is the share of sent packets not accounted for at the end.
func (p Point) LossPct() float64 {
	if p.Sent == 0 {
		return 0
	}
	return 100 * float64(p.Lost) / float64(p.Sent)
}

// SweepOptions configure a rate sweep.
type SweepOptions struct {
	Rates   []float64 // offered rates, pkts/s; 0 means as fast as the sender goes
	Packets int       // packets per point
	Workers int
	Mix     string
}

// discard is a worker.Sink that drops records: the sweep measures capture
// and analysis, not disk writes.
type discard struct{}

func (discard) WriteLog(*zeeklog.Schema, []byte) error { return nil }

func frames(o SweepOptions) ([][]byte, error) {
	g := trafficgen.DefaultOptions()
	g.Mix, g.Packets, g.Flows = o.Mix, o.Packets, max(o.Packets/20, 1)
	var fr [][]byte
	_, err := trafficgen.Generate(g, func(_ int64, b []byte) error {
		fr = append(fr, append([]byte(nil), b...))
		return nil
	})
	return fr, err
}

// send sends frames from the namespace side at rate.
func send(top *topology.Topology, fr [][]byte, rate float64) (trafficgen.SendReport, error) {
	var s *trafficgen.Sender
	err := top.Do(func() error {
		ifc, err := net.InterfaceByName(top.Peer)
		if err != nil {
			return err
		}
		s, err = trafficgen.NewSender(trafficgen.SendOptions{Ifindex: ifc.Index, Rate: rate})
		return err
	})
	if err != nil {
		return trafficgen.SendReport{}, err
	}
	defer s.Close()
	// The sender owns the first allowed core; workers get the others, so
	// that sender and receiver do not take turns on one core.
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if cpus, err := cpu.Allowed(); err == nil && len(cpus) > 1 {
			_ = cpu.Pin(cpus[0])
		}
		for _, f := range fr {
			if err := s.Send(f); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	err = <-errc
	return s.Report(), err
}

// workerCPUs returns the cores left to workers: all allowed cores but the
// sender's first one (all of them on a one-core machine).
func workerCPUs(n int) []int {
	cpus, err := cpu.Allowed()
	if err != nil || len(cpus) < 2 {
		return nil
	}
	rest := cpus[1:]
	if len(rest) < n {
		return nil
	}
	return rest[:n]
}

// Sweep runs the live sensor in mode on a fresh veth pair and offers the
// mix at each rate in turn.
func Sweep(mode live.Mode, o SweepOptions) ([]Point, error) {
	fr, err := frames(o)
	if err != nil {
		return nil, err
	}
	var pts []Point
	for _, rate := range o.Rates {
		p, err := sweepPoint(mode, o, fr, rate)
		if err != nil {
			return pts, err
		}
		pts = append(pts, p)
	}
	return pts, nil
}

func sweepPoint(mode live.Mode, o SweepOptions, fr [][]byte, rate float64) (Point, error) {
	top, err := topology.New(topology.Options{Prefix: "bn", Quiet: true})
	if err != nil {
		return Point{}, err
	}
	defer top.Close()
	ws := make([]*worker.Worker, o.Workers)
	for i := range ws {
		wo := worker.DefaultOptions()
		wo.Index = i
		if ws[i], err = worker.New(wo, discard{}); err != nil {
			return Point{}, err
		}
	}
	lo := live.DefaultOptions()
	lo.Interface, lo.Mode, lo.XDPMode = top.Sensor, mode, bpf.AttachDriver
	lo.CPUs = workerCPUs(o.Workers)
	c, err := live.Start(lo, ws)
	if err != nil {
		return Point{}, err
	}
	rep, serr := send(top, fr, rate)
	// Let the workers drain what is queued.
	var st live.Stats
	// Let the workers drain what is queued: until everything sent was
	// processed, or nothing moved for a second (longer than an AF_PACKET
	// block's retire timeout).
	var last uint64
	for still, deadline := time.Now(), time.Now().Add(10*time.Second); time.Now().Before(deadline); {
		st, _ = c.Stats()
		p, _ := st.Processed()
		if p >= rep.Packets || time.Since(still) > time.Second {
			break
		}
		if p != last {
			last, still = p, time.Now()
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.Stop()
	c.Wait()
	st.AFPDrops = 0
	if end, err := c.Stats(); err == nil {
		st = end
	}
	if serr != nil {
		return Point{}, serr
	}
	p, _ := st.Processed()
	pt := Point{Mode: mode.String(), Target: rate, Sent: rep.Packets, SentPPS: rep.PPS(), XDPSeen: st.XDPSeen,
		Redirect: st.XDPRedirected, RingFull: st.RxRingFull, FillEmpty: st.RxFillEmpty,
		KernDrops: st.XDPRedirectFailures + st.AFPDrops, Processed: p}
	if p < rep.Packets {
		pt.Lost = rep.Packets - p
	}
	return pt, nil
}

// DropCeiling offers the mix at each rate to an XDP program that drops
// every packet (no sockets registered, the no-socket action set to drop):
// the most the veth and the sender deliver to XDP at all.
func DropCeiling(o SweepOptions) ([]Point, error) {
	fr, err := frames(o)
	if err != nil {
		return nil, err
	}
	var pts []Point
	for _, rate := range o.Rates {
		top, err := topology.New(topology.Options{Prefix: "bd", Quiet: true})
		if err != nil {
			return pts, err
		}
		p, err := dropPoint(top, fr, rate)
		top.Close()
		if err != nil {
			return pts, err
		}
		pts = append(pts, p)
	}
	return pts, nil
}

func dropPoint(top *topology.Topology, fr [][]byte, rate float64) (Point, error) {
	po := bpf.DefaultOptions()
	po.NoSocket = bpf.ActionDrop
	prog, err := bpf.Load(po)
	if err != nil {
		return Point{}, err
	}
	defer prog.Close()
	ifc, err := net.InterfaceByName(top.Sensor)
	if err != nil {
		return Point{}, err
	}
	l, err := prog.Attach(ifc.Index, bpf.AttachDriver)
	if err != nil {
		return Point{}, err
	}
	defer l.Close()
	rep, err := send(top, fr, rate)
	if err != nil {
		return Point{}, err
	}
	time.Sleep(100 * time.Millisecond)
	k, err := prog.Counters()
	if err != nil {
		return Point{}, err
	}
	pt := Point{Mode: "xdp-drop", Target: rate, Sent: rep.Packets, SentPPS: rep.PPS(), XDPSeen: k.Seen, Processed: k.Dropped}
	if k.Dropped < rep.Packets {
		pt.Lost = rep.Packets - k.Dropped
	}
	return pt, nil
}

// String formats a point as a table row.
func (p Point) String() string {
	return fmt.Sprintf("%-9s target %8.0f  sent %8d at %8.0f pps  xdp-seen %8d  redirected %8d  ring-full %6d  fill-empty %6d  kern-drops %6d  processed %8d  lost %6d (%.2f%%)",
		p.Mode, p.Target, p.Sent, p.SentPPS, p.XDPSeen, p.Redirect, p.RingFull, p.FillEmpty, p.KernDrops, p.Processed, p.Lost, p.LossPct())
}
