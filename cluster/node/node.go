package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"xsensor/analyzer/conn"
	"xsensor/analyzer/worker"
	"xsensor/capture/live"
	"xsensor/capture/pcapfile"
	"xsensor/capture/replay"
	"xsensor/cluster/config"
	"xsensor/cluster/metrics"
	"xsensor/cluster/proxy"
	"xsensor/cluster/ship"
	"xsensor/cluster/wire"
)

// Options configure a worker node.
type Options struct {
	Cluster *config.Cluster
	Node    *config.Node // a worker of Cluster
	// MaxBlock is how long a worker waits for room when its logger is
	// slow before dropping a chunk (see ship.Options); default 1s.
	MaxBlock time.Duration
	// StatsInterval is how often Stats go to the manager; default the
	// cluster's StatsInterval.
	StatsInterval time.Duration
	Scan          ScanOptions
	// IgnoreChecksums is zeek -C.
	IgnoreChecksums bool
	// NoPin leaves worker goroutines unpinned.
	NoPin bool
	// Metrics, when set, gets the node's series: its capture path
	// (per worker and per stage), its shipper, its notices and shared
	// state (see Node.register). The caller serves it.
	Metrics *metrics.Registry
	Log     func(format string, args ...any)
}

// Files a worker node keeps in SpoolDir/<node>/.
const (
	ReadyFile = "ready"       // exists while the node runs (ctl waits for it)
	StateFile = "known.state" // the cluster-wide shared sets as this node knows them
)

// Node is a running worker node. Its methods are safe for concurrent use.
type Node struct {
	o      Options
	dir    string
	ship   *ship.Shipper
	state  *stateClient
	mgr    *wire.Sender
	scan   *scanDetector
	start  time.Time
	ws     []*worker.Worker
	capt   capture // set in run before the stats loop starts
	notice atomic.Uint64
	nDrop  atomic.Uint64

	notices *noticeEncoder
	conns   [3]atomic.Uint64 // finished connections by protocol (tcp, udp, icmp)
	report  reporter
	done    atomic.Bool // source exhausted (pcap)

	knownMu sync.Mutex
}

// Run starts the node and runs it until ctx is done; then the workers
// flush their connections, and the node waits (up to 10s) for its logs,
// notices and state to be acknowledged before it returns.
func Run(ctx context.Context, o Options) error {
	n, err := newNode(o)
	if err != nil {
		return err
	}
	return n.run(ctx)
}

func newNode(o Options) (*Node, error) {
	if o.Cluster == nil || o.Node == nil || o.Node.Role != config.Worker {
		return nil, errors.New("worker node: Cluster and a worker Node are required")
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	if o.StatsInterval <= 0 {
		o.StatsInterval = o.Cluster.Options.StatsInterval
	}
	n := &Node{o: o, dir: filepath.Join(o.Cluster.Options.SpoolDir, o.Node.Name), start: time.Now()}
	if err := os.MkdirAll(n.dir, 0o755); err != nil {
		return nil, fmt.Errorf("worker node: %w", err)
	}
	var err error
	if n.ship, err = ship.New(ship.Options{Cluster: o.Cluster, Node: o.Node, MaxBlock: o.MaxBlock, Log: o.Log}); err != nil {
		return nil, err
	}
	so, err := ship.SenderOptions(o.Cluster, o.Node, o.Cluster.Manager(), true)
	if err != nil {
		return nil, err
	}
	if so.SpoolDir != "" {
		so.SpoolDir = filepath.Join(n.dir, "to-manager")
	}
	so.Log = o.Log
	so.MaxBlock = 100 * time.Millisecond
	if n.mgr, err = wire.NewSender(so); err != nil {
		return nil, fmt.Errorf("worker node: manager: %w", err)
	}
	if n.state, err = newStateClient(o.Cluster, o.Node, filepath.Join(n.dir, StateFile), o.Log); err != nil {
		n.mgr.Close()
		return nil, err
	}
	n.notices = newNoticeEncoder(o.Cluster.Options.LogFormat)
	n.scan = newScanDetector(o.Scan, n.raise)
	return n, nil
}

func (n *Node) workers() ([]*worker.Worker, error) {
	ws := make([]*worker.Worker, n.o.Node.LBProcs)
	for i := range ws {
		wo := worker.DefaultOptions()
		wo.Index = i
		wo.Format = n.o.Cluster.Options.LogFormat
		wo.Decode.IgnoreChecksums = n.o.IgnoreChecksums
		wo.OnConn = n.onConn
		w, err := worker.New(wo, n.ship)
		if err != nil {
			return nil, err
		}
		n.ship.AddUIDKey(w.UIDKey()) // conn.log uids go to the logger as counters
		ws[i] = w
	}
	return ws, nil
}

// onConn runs on worker goroutines, once per finished connection.
func (n *Node) onConn(r *conn.Record) {
	switch r.Proto {
	case 6:
		n.conns[0].Add(1)
	case 17:
		n.conns[1].Add(1)
	case 1, 58:
		n.conns[2].Add(1)
	}
	n.scan.observe(r)
	var buf [3]proxy.Entry
	for _, e := range knownFrom(r, n.o.Node.Name, buf[:0]) {
		n.state.Insert(e)
	}
}

func (n *Node) raise(nt Notice) {
	nt.PeerDescr = n.o.Node.Name
	if err := n.notices.send(n.mgr, &nt, n.o.Cluster.Options.NoticeSuppressionInterval); err != nil {
		n.nDrop.Add(1)
		n.o.Log("worker node: notice %s: %v", nt.Note, err)
		return
	}
	n.notice.Add(1)
}

func (n *Node) run(ctx context.Context) error {
	defer n.mgr.Close()
	ws, err := n.workers()
	if err != nil {
		n.state.Close()
		return err
	}
	n.ws = ws
	src := n.o.Node.Interface
	var wait func() error
	switch n.o.Node.Capture() {
	case config.SourcePCAP:
		r, err := pcapfile.Open(src.Name)
		if err != nil {
			n.state.Close()
			return n.o.Node.Errorf("interface", "open", err)
		}
		defer r.Close()
		ro := replay.DefaultOptions()
		ro.Pin = !n.o.NoPin
		n.capt.ctrs = replay.NewCounters(len(ws))
		ro.Counters = n.capt.ctrs
		hs := &eofSource{src: r, read: &n.done}
		errc := make(chan error, 1)
		go func() {
			sum, err := replay.Run(hs, ws, ro)
			if err == nil && sum.ReadErr != nil {
				n.o.Log("worker node: %s: %v (analysed the %d packets before it)", src.Name, sum.ReadErr, sum.Packets)
			}
			if err != nil {
				errc <- err
				return
			}
			<-ctx.Done() // keep running (stats, state) until stopped
			errc <- nil
		}()
		wait = func() error { return <-errc }
	case config.SourceAFPacket, config.SourceXDP, config.SourceDefault:
		lo := live.DefaultOptions()
		lo.Interface = src.Name
		lo.Pin = !n.o.NoPin
		lo.Logf = n.o.Log
		if n.o.Node.Capture() == config.SourceAFPacket {
			lo.Mode = live.ModeAFPacket
		}
		c, err := live.Start(lo, ws)
		if err != nil {
			n.state.Close()
			return n.o.Node.Errorf("interface", "start capture", err)
		}
		n.capt.live = c
		stopped := make(chan struct{})
		go func() {
			select {
			case <-ctx.Done():
				c.Stop()
			case <-stopped:
			}
		}()
		wait = func() error {
			defer close(stopped)
			return c.Wait()
		}
	default:
		n.state.Close()
		return n.o.Node.Errorf("interface", fmt.Sprintf("capture method %s is not supported", src.Kind), nil)
	}
	n.register()
	ready := filepath.Join(n.dir, ReadyFile)
	os.WriteFile(ready, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644)
	defer os.Remove(ready)

	statsDone := make(chan struct{})
	go n.statsLoop(ctx, statsDone)
	err = wait()
	<-statsDone
	n.sendStats(time.Now()) // final counters
	n.sendCaptureLoss(time.Now())
	// Everything is flushed into the Senders; wait for acknowledgements.
	fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	n.mgr.Flush(fctx)
	cancel()
	if cerr := n.ship.Close(10 * time.Second); cerr != nil {
		n.o.Log("worker node: %v", cerr)
	}
	n.state.Close()
	return err
}

func (n *Node) statsLoop(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(n.o.StatsInterval)
	defer t.Stop()
	link := time.NewTicker(250 * time.Millisecond)
	defer link.Stop()
	every := n.o.Cluster.Options.CaptureLossInterval
	if every <= 0 {
		every = 15 * time.Minute
	}
	loss := time.NewTicker(every)
	defer loss.Stop()
	n.sendNode(true)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			n.sendStats(now)
		case now := <-loss.C:
			n.sendCaptureLoss(now)
		case <-link.C:
			n.sendNode(false)
		}
	}
}
