package proxy

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/config"
	"xsensor/cluster/ship"
	"xsensor/cluster/wire"
)

// Options configure a Proxy.
type Options struct {
	Cluster *config.Cluster
	Node    *config.Node // this proxy
	// Tick is how often new entries are forwarded along the ring and
	// pushed down to workers, and the ring successor re-chosen; default
	// 20ms.
	Tick time.Duration
	// DeadAfter is how long a proxy may stay unreachable before the ring
	// skips it and it loses its keys; default 2 heartbeat timeouts.
	DeadAfter time.Duration
	Log       func(format string, args ...any)
}

// Stats are a proxy's counters.
type Stats struct {
	Members          int    // distinct (set, key) held
	LogLen           int    // entries in the log (members + decided upgrades)
	Inserts          uint64 // state ops received
	New              uint64 // of them, new here
	Decided          uint64 // members this proxy owned and logged
	FullPushes       uint64 // whole-store pushes to a ring successor
	SyncServed       uint64 // sync requests answered
	Successor        string // current ring successor ("" alone)
	Workers, Proxies int    // connected peers
}

// Proxy relays shared-set insertions: from its workers and its ring
// predecessor, to its ring successor and down to its workers, and decides
// (logs) the members it owns. All methods are safe for concurrent use;
// the wire Server serializes message handling.
type Proxy struct {
	o     Options
	epoch uint64
	start time.Time
	srv   *wire.Server
	ship  *ship.Shipper

	mu      sync.Mutex
	st      *store
	fwd     int // log entries forwarded to succ
	pushed  int // log entries pushed to workers
	succ    *ringPeer
	ring    []*ringPeer
	logBuf  map[string][]byte
	encs    map[string]*zeeklog.Encoder
	opBuf   []byte
	stats   Stats
	inserts atomic.Uint64

	done chan struct{}
	wg   sync.WaitGroup
}

type ringPeer struct {
	node      *config.Node
	snd       *wire.Sender
	connects  uint64    // Connects seen at the last full push
	downSince time.Time // zero while connected
	dead      bool      // down for DeadAfter: its keys are re-owned
}

// New builds a proxy and its Senders to the other proxies; Serve starts it.
func New(o Options) (*Proxy, error) {
	if o.Cluster == nil || o.Node == nil || o.Node.Role != config.Proxy {
		return nil, errors.New("proxy: Cluster and a proxy Node are required")
	}
	if o.Tick <= 0 {
		o.Tick = 20 * time.Millisecond
	}
	if o.DeadAfter <= 0 {
		o.DeadAfter = 2 * o.Cluster.Options.HeartbeatTimeout
	}
	var e [8]byte
	rand.Read(e[:])
	p := &Proxy{o: o, epoch: binary.LittleEndian.Uint64(e[:]) | 1, start: time.Now(), st: newStore(),
		logBuf: map[string][]byte{}, encs: map[string]*zeeklog.Encoder{}, done: make(chan struct{})}
	var err error
	if p.ship, err = ship.New(ship.Options{Cluster: o.Cluster, Node: o.Node, Log: o.Log}); err != nil {
		return nil, err
	}
	now := time.Now()
	for _, n := range Ring(o.Cluster, o.Node.Name) {
		so, err := ship.SenderOptions(o.Cluster, o.Node, n, false)
		if err != nil {
			return nil, err
		}
		so.MaxBlock = -1 // a full push after reconnecting repairs drops
		so.BackoffMax = 500 * time.Millisecond
		so.Log = o.Log
		snd, err := wire.NewSender(so)
		if err != nil {
			return nil, err
		}
		// Presumed alive at start: a proxy that is not up yet keeps the
		// keys it owns until DeadAfter.
		p.ring = append(p.ring, &ringPeer{node: n, snd: snd, downSince: now})
	}
	srvOpts := wire.ServerOptions{Name: o.Node.Name, Role: config.Proxy, Secret: o.Cluster.Secret,
		Handler: wire.HandlerFunc(p.handle), Log: o.Log,
		HeartbeatInterval: o.Cluster.Options.HeartbeatInterval,
		HeartbeatTimeout:  o.Cluster.Options.HeartbeatTimeout,
		HandshakeTimeout:  o.Cluster.Options.HandshakeTimeout,
		Accept:            p.accept}
	if o.Cluster.Options.TLSCert != "" {
		srv, _, err := wire.LoadTLS(o.Cluster.Options.TLSCert, o.Cluster.Options.TLSKey, o.Cluster.Options.TLSCA)
		if err != nil {
			return nil, err
		}
		srvOpts.TLS = srv
	}
	if p.srv, err = wire.NewServer(srvOpts); err != nil {
		return nil, err
	}
	p.wg.Add(1)
	go p.loop()
	return p, nil
}

func (p *Proxy) accept(pi wire.PeerInfo) error {
	n, ok := p.o.Cluster.Node(pi.Name)
	switch {
	case pi.Role == config.Control:
		return nil
	case !ok:
		return fmt.Errorf("%s is not in node.cfg", pi.Name)
	case n.Role != pi.Role:
		return fmt.Errorf("%s is a %s in node.cfg, not a %s", pi.Name, n.Role, pi.Role)
	case n.Role != config.Worker && n.Role != config.Proxy:
		return fmt.Errorf("%s: a %s has no business with a proxy", pi.Name, n.Role)
	}
	return nil
}

// Serve accepts connections on l until Close.
func (p *Proxy) Serve(l net.Listener) error { return p.srv.Serve(l) }

// Close stops the proxy, flushing its known_* logs for up to 5s.
func (p *Proxy) Close() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	close(p.done)
	p.wg.Wait()
	err := p.srv.Close()
	p.mu.Lock()
	p.flushLogs()
	p.mu.Unlock()
	if serr := p.ship.Close(5 * time.Second); err == nil {
		err = serr
	}
	for _, r := range p.ring {
		r.snd.Close()
	}
	return err
}

// Stats returns a snapshot of the counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	st := p.stats
	st.Members = p.st.members()
	st.LogLen = len(p.st.log)
	if p.succ != nil {
		st.Successor = p.succ.node.Name
	}
	p.mu.Unlock()
	st.Inserts = p.inserts.Load()
	for _, peer := range p.srv.Peers() {
		switch peer.Role {
		case config.Worker:
			st.Workers++
		case config.Proxy:
			st.Proxies++
		}
	}
	return st
}

func (p *Proxy) handle(peer *wire.Peer, m *wire.Message) error {
	switch m.Type {
	case wire.TypeStateOp:
		p.inserts.Add(1)
		if m.Op != wire.StateInsert {
			return nil // sets only grow (no expiry yet)
		}
		e := Entry{Set: string(m.Set), Origin: string(m.Origin)}
		if err := ParseBody(m.Body, &e); err != nil {
			p.logf("proxy: %s: %v (dropped)", peer.Name, err)
			return nil
		}
		p.mu.Lock()
		p.apply(e)
		p.mu.Unlock()
	case wire.TypeStatusRequest:
		if r, ok := ParseSyncRequest(m.Body); ok {
			p.serveSync(peer, r)
			return nil
		}
		body, _ := json.Marshal(p.status())
		peer.Send(&wire.Message{Type: wire.TypeStatusResponse, ID: m.ID, Body: body})
	}
	return nil
}

// Status is what a proxy answers to a status request that is not a sync.
type Status struct {
	Node   string    `json:"node"`
	Role   string    `json:"role"`
	PID    int       `json:"pid"`
	Start  time.Time `json:"start"`
	Peers  []string  `json:"peers"`
	Stats  Stats     `json:"stats"`
	Epoch  uint64    `json:"epoch"`
	Format string    `json:"format"`
}

func (p *Proxy) status() Status {
	s := Status{Node: p.o.Node.Name, Role: "proxy", PID: os.Getpid(), Start: p.start, Stats: p.Stats(), Epoch: p.epoch,
		Format: p.o.Cluster.Options.LogFormat.String()}
	for _, peer := range p.srv.Peers() {
		s.Peers = append(s.Peers, peer.Name)
	}
	slices.Sort(s.Peers)
	return s
}

// apply takes one insertion (caller holds mu).
func (p *Proxy) apply(e Entry) {
	if e.Key == "" || len(e.Key) > MaxKeyLen {
		return
	}
	cur, ok := p.st.get(&e)
	switch {
	case !ok:
		p.stats.New++
		if !e.Decided && p.owns(&e) {
			p.decide(&e)
		}
		p.st.add(e)
	case cur.Decided:
	case e.Decided:
		p.st.add(e) // upgrade: travels on so nobody decides it again
	case p.owns(&e):
		e.TS, e.Origin, e.Info = cur.TS, cur.Origin, cur.Info
		p.decide(&e)
		p.st.add(e)
	}
}

// owns reports whether this proxy decides e: rendezvous hashing over the
// proxies not known to be dead.
func (p *Proxy) owns(e *Entry) bool {
	names := []string{p.o.Node.Name}
	now := time.Now()
	for _, r := range p.ring {
		if r.downSince.IsZero() || now.Sub(r.downSince) < p.o.DeadAfter {
			names = append(names, r.node.Name)
		}
	}
	return Owner(e.Set, e.Key, names) == p.o.Node.Name
}

// decide marks e decided and logs it in its set's log (caller holds mu).
func (p *Proxy) decide(e *Entry) {
	e.Decided = true
	p.stats.Decided++
	enc := p.encs[e.Set]
	if enc == nil {
		var s *zeeklog.Schema
		switch e.Set {
		case SetKnownHosts:
			s = KnownHostsSchema
		case SetKnownServices:
			s = KnownServicesSchema
		default:
			return
		}
		enc = zeeklog.NewEncoder(s, p.o.Cluster.Options.LogFormat)
		p.encs[e.Set] = enc
	}
	b, ok := appendKnown(enc, p.logBuf[e.Set], e)
	if ok {
		p.logBuf[e.Set] = b
	}
}

// flushLogs ships buffered known_* records (caller holds mu).
func (p *Proxy) flushLogs() {
	for set, b := range p.logBuf {
		if len(b) == 0 {
			continue
		}
		if err := p.ship.Ship(p.encs[set].Schema().Path, p.o.Cluster.Options.LogFormat, b); err != nil {
			p.logf("proxy: %v", err)
		}
		p.logBuf[set] = b[:0]
	}
}

func (p *Proxy) logf(format string, args ...any) {
	if p.o.Log != nil {
		p.o.Log(format, args...)
	}
}

func (p *Proxy) loop() {
	defer p.wg.Done()
	t := time.NewTicker(p.o.Tick)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
		}
		p.tick()
	}
}

// tick re-chooses the ring successor, forwards new entries to it (the
// whole store after a change or a reconnect), pushes new entries to the
// workers, and ships decided records.
func (p *Proxy) tick() {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	var succ *ringPeer
	newlyDead := false
	for _, r := range p.ring {
		if r.snd.Connected() {
			r.downSince, r.dead = time.Time{}, false
			if succ == nil {
				succ = r
			}
		} else if r.downSince.IsZero() {
			r.downSince = now
		} else if !r.dead && now.Sub(r.downSince) >= p.o.DeadAfter {
			r.dead, newlyDead = true, true
			p.logf("proxy: %s unreachable for %v: taking over its keys", r.node.Name, now.Sub(r.downSince).Round(time.Millisecond))
		}
	}
	if newlyDead {
		p.reown()
	}
	if succ != nil {
		c := succ.snd.Stats().Connects
		if succ != p.succ || c != succ.connects {
			succ.connects = c
			p.stats.FullPushes++
			p.logf("proxy: ring successor %s: full push of %d members", succ.node.Name, p.st.members())
			p.st.latest(func(e *Entry) { p.forward(succ, e) })
			p.fwd = len(p.st.log)
		}
		for ; p.fwd < len(p.st.log); p.fwd++ {
			p.forward(succ, &p.st.log[p.fwd])
		}
	}
	p.succ = succ
	if p.pushed < len(p.st.log) {
		var peers []*wire.Peer
		for _, peer := range p.srv.Peers() {
			if peer.Role == config.Worker {
				peers = append(peers, peer)
			}
		}
		for p.pushed < len(p.st.log) {
			b, n := p.syncResponse(uint64(p.pushed))
			for _, peer := range peers {
				peer.Send(&wire.Message{Type: wire.TypeStatusResponse, ID: SyncID, Body: b}) // best effort: workers poll
			}
			p.pushed += n
		}
	}
	p.flushLogs()
}

// reown decides the undecided entries this proxy owns now that a peer
// is dead: they arrived while their owner was presumed alive, and
// nobody else will decide them (caller holds mu).
func (p *Proxy) reown() {
	var mine []Entry
	p.st.latest(func(e *Entry) {
		if !e.Decided && p.owns(e) {
			mine = append(mine, *e)
		}
	})
	for i := range mine {
		p.decide(&mine[i])
		p.st.add(mine[i])
	}
}

func (p *Proxy) forward(r *ringPeer, e *Entry) {
	p.opBuf = AppendBody(p.opBuf[:0], e)
	m := wire.Message{Type: wire.TypeStateOp, Op: wire.StateInsert, Origin: []byte(e.Origin), Set: []byte(e.Set), Body: p.opBuf}
	r.snd.Send(&m) // dropped when full: the next full push repairs it
}

// syncResponse encodes log entries from `from` on, up to syncEntryMax
// bytes (caller holds mu).
func (p *Proxy) syncResponse(from uint64) ([]byte, int) {
	r := SyncResponse{Epoch: p.epoch, From: from, Total: uint64(len(p.st.log))}
	size := 0
	for i := from; i < uint64(len(p.st.log)) && size < syncEntryMax; i++ {
		e := p.st.log[i]
		size += len(e.Key) + len(e.Info) + len(e.Set) + len(e.Origin) + 16
		r.Entries = append(r.Entries, e)
	}
	return AppendSyncResponse(nil, &r), len(r.Entries)
}

func (p *Proxy) serveSync(peer *wire.Peer, r SyncRequest) {
	p.mu.Lock()
	from := r.From
	if r.Epoch != p.epoch || from > uint64(len(p.st.log)) {
		from = 0
	}
	b, _ := p.syncResponse(from)
	p.stats.SyncServed++
	p.mu.Unlock()
	peer.Send(&wire.Message{Type: wire.TypeStatusResponse, ID: SyncID, Body: b})
}
