package wire

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"xsensor/cluster/config"
)

// Handler takes the messages a Server receives.
//
// Handle is never called concurrently (calls from all peers are
// serialized), in sequence order per peer, for every message except acks
// and heartbeats, and at most once per (peer, stream, sequence) across
// reconnects. m and its slices are valid only until Handle returns.
// Returning nil means the message is taken: it will be acknowledged (after
// the next commit when the Handler is a Syncer or a StateDir is set). A
// non-nil error closes the peer's connection without acknowledging, so the
// sender resends it later.
type Handler interface {
	Handle(p *Peer, m *Message) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(p *Peer, m *Message) error

// Handle calls f.
func (f HandlerFunc) Handle(p *Peer, m *Message) error { return f(p, m) }

// Syncer is implemented by Handlers that buffer what they take. The
// Server calls Sync, serialized with Handle, before it persists its
// de-duplication marks and acknowledges: Sync must make everything taken
// so far durable (write and fsync) and may return a checkpoint (for a
// logger, its files' lengths) that is stored atomically with the marks
// and handed back by Server.Checkpoint after a restart.
type Syncer interface {
	Sync() (checkpoint []byte, err error)
}

// ServerOptions configure a Server.
type ServerOptions struct {
	Name    string
	Role    config.Role
	Secret  []byte
	TLS     *tls.Config // server config; nil for plain TCP
	Handler Handler

	// StateDir, when set, holds the de-duplication marks (StateFileName),
	// so that a restarted receiver still drops what it took before.
	StateDir string
	// CommitInterval is how often taken messages are synced, committed
	// and acknowledged when commits are on; default 20ms.
	CommitInterval time.Duration

	HeartbeatInterval time.Duration // default 1s
	HeartbeatTimeout  time.Duration // default 5s
	HandshakeTimeout  time.Duration // default 10s

	// Accept may refuse an authenticated peer (unknown node name, role
	// not expected here). Nil accepts all.
	Accept func(PeerInfo) error
	// Log, if set, receives connection events (peer up/down, refused
	// handshakes). Called from connection goroutines.
	Log func(format string, args ...any)
}

// ServerStats are cumulative counters.
type ServerStats struct {
	Accepted, Refused  uint64 // handshakes
	Frames, Duplicates uint64 // sequenced frames read; of them, dropped as already taken
	Commits            uint64
}

// Server accepts authenticated peers and hands their messages to a
// Handler. All methods are safe for concurrent use.
type Server struct {
	o      ServerOptions
	syncer Syncer
	gated  bool // acks wait for a commit

	handleMu sync.Mutex // serializes Handle, Sync and marks
	marks    marks
	dirty    bool
	restored []byte

	mu    sync.Mutex
	ls    []net.Listener
	peers map[*Peer]struct{}
	done  chan struct{}
	wg    sync.WaitGroup
	shut  bool

	accepted, refused, frames, dups, commits atomic.Uint64
}

// Peer is one authenticated connection on a Server. Its methods are safe
// for concurrent use.
type Peer struct {
	PeerInfo
	Remote net.Addr

	s    *Server
	conn net.Conn
	// handled is the last sequence taken (guarded by s.handleMu);
	// ackable is the last sequence that may be acknowledged.
	handled uint64
	ackable atomic.Uint64
	wake    chan struct{}
	out     chan []byte // control frames to send
	closed  chan struct{}
	once    sync.Once
}

func (o *ServerOptions) defaults() {
	if o.CommitInterval <= 0 {
		o.CommitInterval = 20 * time.Millisecond
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = time.Second
	}
	if o.HeartbeatTimeout <= 0 {
		o.HeartbeatTimeout = 5 * o.HeartbeatInterval
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = 10 * time.Second
	}
}

// NewServer checks the options and loads the state file from StateDir.
func NewServer(o ServerOptions) (*Server, error) {
	o.defaults()
	if o.Handler == nil {
		return nil, errors.New("wire server: no Handler")
	}
	if o.Name == "" {
		return nil, errors.New("wire server: no node Name")
	}
	s := &Server{o: o, marks: marks{}, peers: map[*Peer]struct{}{}, done: make(chan struct{})}
	s.syncer, _ = o.Handler.(Syncer)
	s.gated = s.syncer != nil || o.StateDir != ""
	if o.StateDir != "" {
		if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
			return nil, fmt.Errorf("wire server: %w", err)
		}
		b, err := os.ReadFile(o.StateDir + "/" + StateFileName)
		switch {
		case err == nil:
			m, cp, err := decodeState(b)
			if err != nil {
				return nil, fmt.Errorf("wire server: read %s/%s: %w (move it away to start afresh)", o.StateDir, StateFileName, err)
			}
			s.marks, s.restored = m, cp
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("wire server: %w", err)
		}
	}
	if s.gated {
		s.wg.Add(1)
		go s.commitLoop()
	}
	return s, nil
}

// Checkpoint returns the checkpoint the Handler's Sync returned at the
// last commit before a restart (nil if none). A logger truncates its files
// to it before serving: what lies beyond was never acknowledged and will
// be resent.
func (s *Server) Checkpoint() []byte { return s.restored }

// Stats returns the counters.
func (s *Server) Stats() ServerStats {
	return ServerStats{Accepted: s.accepted.Load(), Refused: s.refused.Load(),
		Frames: s.frames.Load(), Duplicates: s.dups.Load(), Commits: s.commits.Load()}
}

func (s *Server) logf(format string, args ...any) {
	if s.o.Log != nil {
		s.o.Log(format, args...)
	}
}

// Serve accepts connections on l until Close. It returns nil after Close.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.shut {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.ls = append(s.ls, l)
	s.mu.Unlock()
	for {
		c, err := l.Accept()
		if err != nil {
			select {
			case <-s.done:
				return nil
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("accept on %s: %w", l.Addr(), err)
		}
		s.wg.Add(1)
		go s.serveConn(c)
	}
}

// Peers returns the connected peers.
func (s *Server) Peers() []*Peer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Peer, 0, len(s.peers))
	for p := range s.peers {
		out = append(out, p)
	}
	return out
}

// Close stops accepting, closes every connection, commits what was taken
// (so that nothing is taken twice after a restart) and waits for the
// Server's goroutines.
func (s *Server) Close() error { return s.close(true) }

// abort is a crash: no final commit (tests).
func (s *Server) abort() { s.close(false) }

func (s *Server) close(commit bool) error {
	s.mu.Lock()
	if s.shut {
		s.mu.Unlock()
		return nil
	}
	s.shut = true
	close(s.done)
	for _, l := range s.ls {
		l.Close()
	}
	for p := range s.peers {
		p.conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if commit && s.gated {
		return s.commit()
	}
	return nil
}

func (s *Server) serveConn(c net.Conn) {
	defer s.wg.Done()
	if s.o.TLS != nil {
		tc := tls.Server(c, s.o.TLS)
		tc.SetDeadline(time.Now().Add(s.o.HandshakeTimeout))
		if err := tc.Handshake(); err != nil {
			s.refused.Add(1)
			s.logf("wire: refused %s: tls: %v", c.RemoteAddr(), err)
			c.Close()
			return
		}
		c = tc
	}
	info, err := serverHandshake(c, &handshakeConf{name: s.o.Name, role: s.o.Role, secret: s.o.Secret,
		timeout: s.o.HandshakeTimeout, accept: s.o.Accept})
	if err != nil {
		s.refused.Add(1)
		who := info.Name
		if who == "" {
			who = "?"
		}
		s.logf("wire: refused %s (%s): %v", c.RemoteAddr(), who, err)
		c.Close()
		return
	}
	s.accepted.Add(1)
	p := &Peer{PeerInfo: info, Remote: c.RemoteAddr(), s: s, conn: c,
		wake: make(chan struct{}, 1), out: make(chan []byte, 64), closed: make(chan struct{})}
	s.mu.Lock()
	if s.shut {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.peers[p] = struct{}{}
	s.mu.Unlock()
	s.logf("wire: peer %s (%s) connected from %s", info.Name, info.Role, p.Remote)

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); p.writeLoop() }()
	err = p.readLoop()
	p.close()
	wg.Wait()
	s.mu.Lock()
	delete(s.peers, p)
	s.mu.Unlock()
	s.logf("wire: peer %s disconnected: %v", info.Name, err)
}

func (p *Peer) close() {
	p.once.Do(func() {
		close(p.closed)
		p.conn.Close()
	})
}

func (p *Peer) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// ErrPeerGone is returned by Peer.Send after the connection closed.
var ErrPeerGone = errors.New("peer connection closed")

// Send queues an unsequenced frame to the peer (status responses, state
// pushed down to a worker). It is best effort: frames queued when the
// connection drops are lost, and Send fails when 64 frames are queued.
func (p *Peer) Send(m *Message) error {
	if m.Type.Sequenced() {
		return fmt.Errorf("send %s to %s: servers send only unsequenced frames", m.Type, p.Name)
	}
	b, err := AppendFrame(nil, m)
	if err != nil {
		return err
	}
	select {
	case <-p.closed:
		return ErrPeerGone
	case p.out <- b:
		p.poke()
		return nil
	default:
		return fmt.Errorf("send %s to %s: queue full", m.Type, p.Name)
	}
}

func (p *Peer) readLoop() error {
	s := p.s
	fr, err := newFrameReader(p.conn, s.o.HeartbeatTimeout)
	if err != nil {
		return err
	}
	defer fr.close()
	var m Message
	for {
		if err := fr.read(&m); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return fmt.Errorf("no heartbeat from %s for %v: %w", p.Name, s.o.HeartbeatTimeout, err)
			}
			return err
		}
		switch m.Type {
		case TypeHeartbeat, TypeAck:
			continue
		}
		if !m.Type.Sequenced() {
			s.handleMu.Lock()
			err := s.o.Handler.Handle(p, &m)
			s.handleMu.Unlock()
			if err != nil {
				return fmt.Errorf("handle %s from %s: %w", m.Type, p.Name, err)
			}
			continue
		}
		s.frames.Add(1)
		s.handleMu.Lock()
		if nm := s.marks.of(p); m.Seq <= nm.streams[string(dedupKey(&m))] {
			s.dups.Add(1)
		} else if err := s.o.Handler.Handle(p, &m); err != nil {
			s.handleMu.Unlock()
			return fmt.Errorf("handle %s %d from %s: %w", m.Type, m.Seq, p.Name, err)
		} else {
			s.marks.advance(nm, &m)
			s.dirty = true
		}
		p.handled = m.Seq
		s.handleMu.Unlock()
		if !s.gated {
			p.ackable.Store(m.Seq)
			p.poke()
		}
	}
}

func (p *Peer) writeLoop() {
	s := p.s
	fw, err := newFrameWriter(p.conn)
	if err != nil {
		p.close()
		return
	}
	defer fw.close()
	tick := time.NewTicker(s.o.HeartbeatInterval)
	defer tick.Stop()
	var acked uint64
	last := time.Now()
	for {
		select {
		case <-p.closed:
			return
		case <-p.wake:
		case now := <-tick.C:
			if now.Sub(last) >= s.o.HeartbeatInterval/2 {
				if fw.writeMsg(&Message{Type: TypeHeartbeat, TS: now.UnixNano()}) != nil {
					p.close()
					return
				}
			}
		}
		if a := p.ackable.Load(); a > acked {
			acked = a
			if fw.writeMsg(&Message{Type: TypeAck, Seq: a}) != nil {
				p.close()
				return
			}
		}
	drain:
		for {
			select {
			case b := <-p.out:
				if fw.write(b) != nil {
					p.close()
					return
				}
			default:
				break drain
			}
		}
		if fw.pending {
			last = time.Now()
			if fw.flush() != nil {
				p.close()
				return
			}
		}
	}
}

func (s *Server) commitLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.o.CommitInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			if err := s.commit(); err != nil {
				s.logf("wire: commit: %v", err)
			}
		}
	}
}

// commit makes everything taken durable, then acknowledges it: Sync the
// handler, snapshot the marks and each peer's handled sequence, persist
// the marks with the checkpoint, then let the writers send acks.
func (s *Server) commit() error {
	s.mu.Lock()
	peers := make([]*Peer, 0, len(s.peers))
	for p := range s.peers {
		peers = append(peers, p)
	}
	s.mu.Unlock()

	s.handleMu.Lock()
	handled := make([]uint64, len(peers))
	for i, p := range peers {
		handled[i] = p.handled
	}
	var state []byte
	if s.dirty {
		var cp []byte
		if s.syncer != nil {
			var err error
			if cp, err = s.syncer.Sync(); err != nil {
				s.handleMu.Unlock()
				return fmt.Errorf("sync handler: %w", err)
			}
		}
		if s.o.StateDir != "" && s.dirty {
			state = encodeState(s.marks, cp)
		}
		s.dirty = false
	}
	s.handleMu.Unlock()

	if state != nil {
		if err := writeFileAtomic(s.o.StateDir, StateFileName, state); err != nil {
			s.handleMu.Lock()
			s.dirty = true
			s.handleMu.Unlock()
			return err
		}
		s.commits.Add(1)
	}
	for i, p := range peers {
		if handled[i] > p.ackable.Load() {
			p.ackable.Store(handled[i])
			p.poke()
		}
	}
	return nil
}
