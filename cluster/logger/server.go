package logger

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"time"

	"xsensor/analyzer/zeeklog"
	"xsensor/cluster/config"
	"xsensor/cluster/wire"
)

// Config configures a logger Server.
type Config struct {
	Name     string // this node
	Role     config.Role
	Secret   []byte
	TLS      *tls.Config // server side; nil for plain TCP
	StateDir string      // wire state (de-duplication marks and the Writer's checkpoint)
	Writer   Options

	CommitInterval    time.Duration // default 20ms (wire's)
	HeartbeatInterval time.Duration
	HeartbeatTimeout  time.Duration
	HandshakeTimeout  time.Duration
	// Accept refuses peers that are not cluster nodes (nil: accept all).
	Accept func(wire.PeerInfo) error
	Log    func(format string, args ...any)
}

// FromCluster builds the Config of node name from a loaded cluster:
// the log directory, rotation, format and secret of xsensor.cfg, the
// state in SpoolDir/<name>, and an Accept that admits only node.cfg's
// nodes (with their roles) and the control tool.
func FromCluster(c *config.Cluster, name string) (Config, error) {
	n, ok := c.Node(name)
	if !ok {
		return Config{}, c.NodeError(name)
	}
	o := &c.Options
	cfg := Config{
		Name: name, Role: n.Role, Secret: c.Secret,
		StateDir: filepath.Join(o.SpoolDir, name),
		Writer: Options{Dir: o.LogDir, Rotation: o.LogRotationInterval,
			Schemas: DefaultSchemas(), Name: name, Owns: Owner(c, name)},
		HeartbeatInterval: o.HeartbeatInterval, HeartbeatTimeout: o.HeartbeatTimeout,
		HandshakeTimeout: o.HandshakeTimeout,
		Accept:           ClusterAccept(c),
	}
	if o.TLSCert != "" {
		srv, _, err := wire.LoadTLS(o.TLSCert, o.TLSKey, o.TLSCA)
		if err != nil {
			return Config{}, fmt.Errorf("load TLS: %w", err)
		}
		cfg.TLS = srv
	}
	return cfg, nil
}

// ManagerPaths are the streams the manager writes itself.
var ManagerPaths = []string{"notice", "stats", "capture_loss"}

// Owner returns which streams node name writes in the shared LogDir:
// the manager its ManagerPaths (and, with no logger in node.cfg, every
// stream); a logger the other streams that PickLogger assigns to it.
func Owner(c *config.Cluster, name string) func(path string) bool {
	var loggers []string
	for _, n := range c.ByRole(config.Logger) {
		loggers = append(loggers, n.Name)
	}
	isManager := false
	if n, ok := c.Node(name); ok {
		isManager = n.Role == config.Manager
	}
	return func(path string) bool {
		for _, p := range ManagerPaths {
			if p == path {
				return isManager
			}
		}
		if len(loggers) == 0 {
			return isManager
		}
		return PickLogger(path, loggers) == name
	}
}

// ClusterAccept admits the nodes of c under their node.cfg role, and the
// control tool.
func ClusterAccept(c *config.Cluster) func(wire.PeerInfo) error {
	return func(p wire.PeerInfo) error {
		if p.Role == config.Control {
			return nil
		}
		n, ok := c.Node(p.Name)
		if !ok {
			return fmt.Errorf("node %q is not in node.cfg", p.Name)
		}
		if n.Role != p.Role {
			return fmt.Errorf("node %q is a %s in node.cfg, not a %s", p.Name, n.Role, p.Role)
		}
		return nil
	}
}

// DefaultSchemas returns the schemas of the streams worker nodes ship
// (conn, dns, http, ssl, weird) and the proxies ship (known_hosts,
// known_services). Add others to the map before use.
func DefaultSchemas() map[string]*zeeklog.Schema {
	return SchemaMap(defaultSchemas()...)
}

// SchemaMap indexes schemas by path.
func SchemaMap(list ...*zeeklog.Schema) map[string]*zeeklog.Schema {
	m := make(map[string]*zeeklog.Schema, len(list))
	for _, s := range list {
		m[s.Path] = s
	}
	return m
}

// Server is a logger node: a wire.Server whose handler writes every log
// batch with a Writer and answers status requests. Its methods are safe
// for concurrent use.
type Server struct {
	cfg     Config
	wire    *wire.Server
	w       *Writer
	started time.Time
}

// New opens the wire state, recovers the log directory to its
// checkpoint (see Writer) and returns a Server ready to Serve.
func New(cfg Config) (*Server, error) {
	if cfg.StateDir == "" {
		return nil, fmt.Errorf("logger %s: no state directory (it keeps what was acknowledged)", cfg.Name)
	}
	s := &Server{cfg: cfg, started: time.Now()}
	ws, err := wire.NewServer(wire.ServerOptions{
		Name: cfg.Name, Role: cfg.Role, Secret: cfg.Secret, TLS: cfg.TLS, Handler: s,
		StateDir: cfg.StateDir, CommitInterval: cfg.CommitInterval,
		HeartbeatInterval: cfg.HeartbeatInterval, HeartbeatTimeout: cfg.HeartbeatTimeout,
		HandshakeTimeout: cfg.HandshakeTimeout, Accept: cfg.Accept, Log: cfg.Log,
	})
	if err != nil {
		return nil, err
	}
	wo := cfg.Writer
	if wo.Log == nil {
		wo.Log = cfg.Log
	}
	wo.Committed = func() uint64 { return ws.Stats().Commits }
	w, err := Open(wo, ws.Checkpoint())
	if err != nil {
		ws.Close()
		return nil, err
	}
	s.wire, s.w = ws, w
	return s, nil
}

// Handle implements wire.Handler (called serialized by the wire Server).
func (s *Server) Handle(p *wire.Peer, m *wire.Message) error {
	switch m.Type {
	case wire.TypeLogBatch:
		return s.w.WriteBatch(m)
	case wire.TypeStatusRequest:
		st := s.Status()
		if err := p.Send(&wire.Message{Type: wire.TypeStatusResponse, ID: m.ID, Body: st.Marshal()}); err != nil {
			s.logf("logger: status response to %s: %v", p.Name, err)
		}
	}
	return nil
}

// Sync implements wire.Syncer.
func (s *Server) Sync() ([]byte, error) { return s.w.Sync() }

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		s.cfg.Log(format, args...)
	}
}

// Serve accepts peers on l until Close.
func (s *Server) Serve(l net.Listener) error { return s.wire.Serve(l) }

// Wire returns the underlying wire Server (stats, peers).
func (s *Server) Wire() *wire.Server { return s.wire }

// Writer returns the log Writer.
func (s *Server) Writer() *Writer { return s.w }

// Status describes this node and its connected peers.
func (s *Server) Status() *Status {
	st := &Status{Node: SelfStatus(s.cfg.Name, s.cfg.Role, s.started)}
	st.Nodes, st.Node.Peers = PeerStatus(s.wire)
	ls := s.w.Stats()
	st.Logs = &ls
	return st
}

// SelfStatus describes the calling process as node name.
func SelfStatus(name string, role config.Role, started time.Time) NodeStatus {
	return NodeStatus{Name: name, Role: role.String(), PID: os.Getpid(), Started: started,
		UptimeSec: time.Since(started).Seconds(), Connected: true}
}

// PeerStatus lists a wire Server's connected peers (the control tool
// left out), sorted by name, and their names.
func PeerStatus(ws *wire.Server) ([]NodeStatus, []string) {
	var out []NodeStatus
	var names []string
	for _, p := range ws.Peers() {
		if p.Role == config.Control {
			continue
		}
		out = append(out, NodeStatus{Name: p.Name, Role: p.Role.String(), Addr: p.Remote.String(), Connected: true})
		names = append(names, p.Name)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	sort.Strings(names)
	return out, names
}

// Close stops serving, commits what was taken (the wire Server's final
// commit), then closes the Writer (#close; archives when rotating).
func (s *Server) Close() error {
	err := s.wire.Close()
	if werr := s.w.Close(); err == nil {
		err = werr
	}
	return err
}

// crash drops the Server like kill -9: no final commit, no #close,
// buffered bytes lost (tests).
func (s *Server) crash() {
	s.wire.Abort()
	s.w.abort()
}
