package manager

import (
	"fmt"
	"net"
	"sync"
	"time"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/config"
	"xsensor/cluster/logger"
	"xsensor/cluster/wire"
)

// Config configures a Manager.
type Config struct {
	// Logger holds the listener, wire and log directory settings (the
	// manager writes notice.log, stats.log and capture_loss.log with a
	// logger.Writer, and every stream when WriteLogs is set).
	Logger logger.Config
	// Format of the records the manager encodes (stats, capture loss)
	// and of the notice records workers send (xsensor.cfg LogFormat).
	Format zeeklog.Format
	// WriteLogs makes the manager the cluster's logger too (node.cfg has
	// no logger): log batches are written; otherwise they are dropped
	// and counted.
	WriteLogs bool
	// Now is the clock notice suppression runs on (the manager's network
	// time, which in a cluster is its wall clock); default time.Now.
	Now func() time.Time
}

// FromCluster builds the Config of the manager node name.
func FromCluster(c *config.Cluster, name string) (Config, error) {
	lc, err := logger.FromCluster(c, name)
	if err != nil {
		return Config{}, err
	}
	if lc.Role != config.Manager {
		return Config{}, fmt.Errorf("node %s is a %s, not the manager", name, lc.Role)
	}
	return Config{Logger: lc, Format: c.Options.LogFormat, WriteLogs: len(c.ByRole(config.Logger)) == 0}, nil
}

// Stats are the manager's counters.
type Stats struct {
	Notices, Suppressed uint64 // notices logged; dropped as duplicates within their interval
	StatsRecords        uint64 // stats.log and capture_loss.log records written
	BadStats            uint64 // stats bodies that did not parse
	Misrouted           uint64 // log batches received while not writing logs
}

// Manager is the cluster's manager node: it only listens; it takes
// notices (suppressing duplicates by note and identifier across the
// cluster) into notice.log, node statistics into stats.log and
// capture_loss.log, answers status requests, and writes every log
// stream when the cluster has no logger.
//
// Handle and Sync are called serialized by the wire Server; Status,
// Stats and Close are safe from any goroutine.
type Manager struct {
	cfg     Config
	wire    *wire.Server
	w       *logger.Writer
	started time.Time

	// owned by the serialized handler
	supp     suppressor
	statsEnc *zeeklog.Encoder
	lossEnc  *zeeklog.Encoder
	buf      []byte

	mu    sync.Mutex
	nodes map[string]*nodeInfo
	st    Stats
}

// New opens the wire state and the log directory (recovering it to its
// checkpoint, as a logger does) and returns a Manager ready to Serve.
func New(cfg Config) (*Manager, error) {
	lc := cfg.Logger
	if lc.StateDir == "" {
		return nil, fmt.Errorf("manager %s: no state directory", lc.Name)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Manager{cfg: cfg, started: time.Now(), nodes: map[string]*nodeInfo{},
		statsEnc: zeeklog.NewEncoder(&StatsSchema, cfg.Format),
		lossEnc:  zeeklog.NewEncoder(&CaptureLossSchema, cfg.Format)}
	ws, err := wire.NewServer(wire.ServerOptions{
		Name: lc.Name, Role: lc.Role, Secret: lc.Secret, TLS: lc.TLS, Handler: m,
		StateDir: lc.StateDir, CommitInterval: lc.CommitInterval,
		HeartbeatInterval: lc.HeartbeatInterval, HeartbeatTimeout: lc.HeartbeatTimeout,
		HandshakeTimeout: lc.HandshakeTimeout, Accept: lc.Accept, Log: lc.Log,
	})
	if err != nil {
		return nil, err
	}
	wo := lc.Writer
	if wo.Log == nil {
		wo.Log = lc.Log
	}
	schemas := make(map[string]*zeeklog.Schema, len(wo.Schemas)+3)
	for k, v := range wo.Schemas {
		schemas[k] = v
	}
	for _, s := range []*zeeklog.Schema{&NoticeSchema, &StatsSchema, &CaptureLossSchema} {
		schemas[s.Path] = s
	}
	wo.Schemas = schemas
	wo.Committed = func() uint64 { return ws.Stats().Commits }
	w, err := logger.Open(wo, ws.Checkpoint())
	if err != nil {
		ws.Close()
		return nil, err
	}
	m.wire, m.w = ws, w
	return m, nil
}

func (m *Manager) logf(format string, args ...any) {
	if m.cfg.Logger.Log != nil {
		m.cfg.Logger.Log(format, args...)
	}
}

// Handle implements wire.Handler.
func (m *Manager) Handle(p *wire.Peer, msg *wire.Message) error {
	switch msg.Type {
	case wire.TypeNotice:
		return m.handleNotice(msg)
	case wire.TypeStats:
		return m.handleStats(p, msg)
	case wire.TypeLogBatch:
		if !m.cfg.WriteLogs {
			m.count(func(s *Stats) { s.Misrouted++ })
			return nil
		}
		return m.w.WriteBatch(msg)
	case wire.TypeStatusRequest:
		st := m.Status()
		if err := p.Send(&wire.Message{Type: wire.TypeStatusResponse, ID: msg.ID, Body: st.Marshal()}); err != nil {
			m.logf("manager: status response to %s: %v", p.Name, err)
		}
	}
	return nil
}

func (m *Manager) count(f func(*Stats)) {
	m.mu.Lock()
	f(&m.st)
	m.mu.Unlock()
}

func (m *Manager) handleNotice(msg *wire.Message) error {
	if !m.supp.allow(msg.Note, msg.Identifier, time.Duration(msg.SuppressFor), m.cfg.Now().UnixNano()) {
		m.count(func(s *Stats) { s.Suppressed++ })
		return nil
	}
	if err := m.w.Write([]byte(NoticeSchema.Path), m.cfg.Format, msg.Body, 1); err != nil {
		return err
	}
	m.count(func(s *Stats) { s.Notices++ })
	return nil
}

func (m *Manager) handleStats(p *wire.Peer, msg *wire.Message) error {
	now := m.cfg.Now()
	switch string(msg.Path) {
	case PathStats, PathNode:
		s, err := ParseNodeStats(msg.Body)
		if err != nil {
			m.badStats(p, err)
			return nil
		}
		m.noteNode(p, s, now)
		if string(msg.Path) == PathNode {
			return nil
		}
		peer := s.Peer
		if peer == "" {
			peer = p.Name
		}
		m.buf = AppendStats(m.statsEnc, m.buf[:0], msg.TS, peer, s)
		return m.writeStats(&StatsSchema)
	case PathCaptureLoss:
		c, err := ParseCaptureLoss(msg.Body)
		if err != nil {
			m.badStats(p, err)
			return nil
		}
		m.noteNode(p, nil, now)
		peer := c.Peer
		if peer == "" {
			peer = p.Name
		}
		m.buf = AppendCaptureLoss(m.lossEnc, m.buf[:0], msg.TS, peer, c)
		return m.writeStats(&CaptureLossSchema)
	}
	m.badStats(p, fmt.Errorf("unknown stats path %q", msg.Path))
	return nil
}

func (m *Manager) writeStats(s *zeeklog.Schema) error {
	if err := m.w.Write([]byte(s.Path), m.cfg.Format, m.buf, 1); err != nil {
		return err
	}
	m.count(func(s *Stats) { s.StatsRecords++ })
	return nil
}

func (m *Manager) badStats(p *wire.Peer, err error) {
	m.count(func(s *Stats) { s.BadStats++ })
	m.logf("manager: stats from %s: %v (dropped)", p.Name, err)
}

// Sync implements wire.Syncer.
func (m *Manager) Sync() ([]byte, error) { return m.w.Sync() }

// Serve accepts peers on l until Close.
func (m *Manager) Serve(l net.Listener) error { return m.wire.Serve(l) }

// Wire returns the underlying wire Server.
func (m *Manager) Wire() *wire.Server { return m.wire }

// Writer returns the manager's log Writer.
func (m *Manager) Writer() *logger.Writer { return m.w }

// Stats returns the counters.
func (m *Manager) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st
}

// Close stops serving, commits, and closes the log files.
func (m *Manager) Close() error {
	err := m.wire.Close()
	if werr := m.w.Close(); err == nil {
		err = werr
	}
	return err
}
