package node

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"xsensor/cluster/config"
	"xsensor/cluster/proxy"
	"xsensor/cluster/ship"
	"xsensor/cluster/wire"
)

// stateClient is a worker node's side of the shared sets: it sends the
// node's insertions to its proxy, keeps the cluster-wide view the proxy
// syncs down, and fails over to the next proxy when its own is gone.
//
// Delivery is made robust on top of best-effort downstream frames: the
// client polls the proxy every pollEvery with the index it has reached in
// the proxy's log (and from 0 after a new proxy or proxy epoch), and
// keeps each insertion it made pending until it comes back in a sync; a
// pending entry is re-sent after resendAfter and after a fail-over.
//
// Insert is safe from any goroutine; the rest runs on the client's loop.
type stateClient struct {
	c         *config.Cluster
	self      *config.Node
	cands     []*config.Node
	dumpPath  string
	failAfter time.Duration
	logf      func(format string, args ...any)

	mu        sync.Mutex
	cur       int // index in cands
	gen       int // Sender generation: messages of a closed Sender are ignored
	snd       *wire.Sender
	downSince time.Time
	epoch     uint64 // proxy epoch of next
	next      uint64 // log index reached
	total     uint64
	view      map[string]struct{} // set\x00key
	pending   map[string]*pendingEntry
	dirty     bool
	stats     StateStats
	buf       []byte

	done chan struct{}
	wg   sync.WaitGroup
}

type pendingEntry struct {
	e    proxy.Entry
	sent time.Time
}

// StateStats are the worker node's shared-state counters.
type StateStats struct {
	Proxy      string // current proxy
	Connected  bool   // to Proxy
	Members    int    // cluster-wide members known here
	Pending    int    // own insertions not yet seen back
	Inserts    uint64 // insertions sent
	Synced     uint64 // entries received from proxies
	Failovers  uint64
	SyncErrors uint64
}

const (
	pollEvery   = 200 * time.Millisecond
	resendAfter = 2 * time.Second
)

func newStateClient(c *config.Cluster, self *config.Node, dumpPath string, logf func(string, ...any)) (*stateClient, error) {
	s := &stateClient{c: c, self: self, cands: proxy.Candidates(c, self.Name), dumpPath: dumpPath, logf: logf,
		failAfter: 2 * c.Options.HeartbeatTimeout, view: map[string]struct{}{}, pending: map[string]*pendingEntry{},
		done: make(chan struct{})}
	if len(s.cands) == 0 {
		return s, nil // no proxies: state stays local
	}
	if err := s.connect(0); err != nil {
		return nil, err
	}
	s.wg.Add(1)
	go s.loop()
	return s, nil
}

// connect switches to cands[i] (caller holds mu, or is the constructor).
func (s *stateClient) connect(i int) error {
	if s.snd != nil {
		go s.snd.Close() // unacknowledged ops stay pending here
	}
	to := s.cands[i]
	so, err := ship.SenderOptions(s.c, s.self, to, false)
	if err != nil {
		return err
	}
	so.MaxBlock = -1
	so.BufferBytes = min(so.BufferBytes, 16<<20)
	so.BackoffMax = 500 * time.Millisecond
	so.Log = s.logf
	s.gen++
	gen := s.gen
	so.OnMessage = func(m *wire.Message) { s.onMessage(gen, m) }
	snd, err := wire.NewSender(so)
	if err != nil {
		return fmt.Errorf("state: connect to proxy %s: %w", to.Name, err)
	}
	s.cur, s.snd, s.downSince, s.epoch, s.next = i, snd, time.Now(), 0, 0
	for _, p := range s.pending {
		p.sent = time.Time{}
	}
	return nil
}

func key(set, k string) string { return set + "\x00" + k }

// Insert records e as seen by this node; it goes to the proxy unless the
// cluster already has it or it is already on its way.
func (s *stateClient) Insert(e proxy.Entry) {
	k := key(e.Set, e.Key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.view[k]; ok {
		return
	}
	if _, ok := s.pending[k]; ok {
		return
	}
	p := &pendingEntry{e: e}
	s.pending[k] = p
	if s.snd == nil { // no proxy: local view only
		delete(s.pending, k)
		s.view[k] = struct{}{}
		s.dirty = true
		return
	}
	s.send(p)
}

// send queues p's insertion (caller holds mu).
func (s *stateClient) send(p *pendingEntry) {
	s.buf = proxy.AppendBody(s.buf[:0], &p.e)
	m := wire.Message{Type: wire.TypeStateOp, Op: wire.StateInsert, Origin: []byte(p.e.Origin), Set: []byte(p.e.Set), Body: s.buf}
	if s.snd.Send(&m) == nil {
		s.stats.Inserts++
	}
	p.sent = time.Now()
}

func (s *stateClient) onMessage(gen int, m *wire.Message) {
	if m.Type != wire.TypeStatusResponse || m.ID != proxy.SyncID {
		return
	}
	r, ok, err := proxy.ParseSyncResponse(m.Body)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != s.gen {
		return
	}
	if err != nil {
		s.stats.SyncErrors++
		return
	}
	if r.Epoch != s.epoch {
		if r.From != 0 {
			return // a push from a proxy we have not synced with: poll first
		}
		s.epoch, s.next = r.Epoch, 0
	}
	if r.From > s.next {
		s.pollLocked() // gap: a push was lost
		return
	}
	for i := s.next - r.From; i < uint64(len(r.Entries)); i++ {
		e := &r.Entries[i]
		k := key(e.Set, e.Key)
		if _, ok := s.view[k]; !ok {
			s.view[k] = struct{}{}
			s.dirty = true
		}
		delete(s.pending, k)
		s.stats.Synced++
	}
	if end := r.From + uint64(len(r.Entries)); end > s.next {
		s.next = end
	}
	s.total = r.Total
	if s.next < s.total {
		s.pollLocked()
	}
}

func (s *stateClient) pollLocked() {
	if s.snd == nil || !s.snd.Connected() {
		return
	}
	body := proxy.AppendSyncRequest(nil, proxy.SyncRequest{Epoch: s.epoch, From: s.next})
	s.snd.SendControl(&wire.Message{Type: wire.TypeStatusRequest, ID: proxy.SyncID, Body: body})
}

func (s *stateClient) loop() {
	defer s.wg.Done()
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.tick()
	}
}

func (s *stateClient) tick() {
	now := time.Now()
	s.mu.Lock()
	if s.snd.Connected() {
		s.downSince = time.Time{}
		s.pollLocked()
		for _, p := range s.pending {
			if now.Sub(p.sent) > resendAfter {
				s.send(p)
			}
		}
	} else {
		if s.downSince.IsZero() {
			s.downSince = now
		}
		if len(s.cands) > 1 && now.Sub(s.downSince) > s.failAfter {
			next := (s.cur + 1) % len(s.cands)
			s.logf("state: proxy %s unreachable for %v, moving to %s", s.cands[s.cur].Name, now.Sub(s.downSince).Round(time.Millisecond), s.cands[next].Name)
			if err := s.connect(next); err != nil {
				s.logf("%v", err)
			}
			s.stats.Failovers++
		}
	}
	dirty := s.dirty
	s.dirty = false
	var keys []string
	if dirty && s.dumpPath != "" {
		keys = make([]string, 0, len(s.view))
		for k := range s.view {
			keys = append(keys, k)
		}
	}
	s.mu.Unlock()
	if keys != nil {
		if err := dumpKeys(s.dumpPath, keys); err != nil {
			s.logf("state: %v", err)
		}
	}
}

// dumpKeys writes "set<TAB>key" lines, sorted, atomically.
func dumpKeys(path string, keys []string) error {
	slices.Sort(keys)
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("dump state: %w", err)
	}
	w := bufio.NewWriter(f)
	for _, k := range keys {
		for i := 0; i < len(k); i++ {
			if k[i] == 0 {
				w.WriteString(k[:i])
				w.WriteByte('\t')
				w.WriteString(k[i+1:])
				w.WriteByte('\n')
				break
			}
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("dump state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("dump state: %w", err)
	}
	return os.Rename(tmp, filepath.Clean(path))
}

// Stats returns the counters.
func (s *stateClient) Stats() StateStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Members, st.Pending = len(s.view), len(s.pending)
	if len(s.cands) > 0 {
		st.Proxy = s.cands[s.cur].Name
		st.Connected = s.snd != nil && s.snd.Connected()
	}
	return st
}

// Close stops the client after one last dump.
func (s *stateClient) Close() {
	if len(s.cands) > 0 {
		close(s.done)
		s.wg.Wait()
		s.mu.Lock()
		s.dirty = true
		s.mu.Unlock()
		s.tick()
		s.mu.Lock()
		snd := s.snd
		s.mu.Unlock()
		snd.Close()
	}
}
