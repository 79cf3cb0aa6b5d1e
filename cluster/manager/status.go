package manager

import (
	"sort"
	"time"

	"xsensor/cluster/config"
	"xsensor/cluster/logger"
	"xsensor/cluster/wire"
)

// Status is the body (JSON) of the manager's status response: the
// manager itself, and every node that connected or reported since it
// started (Connected tells which are connected now). Parse it with
// ParseStatus.
type Status = logger.Status

// NodeStatus describes one node in a Status.
type NodeStatus = logger.NodeStatus

// ParseStatus decodes a status response body.
func ParseStatus(b []byte) (*Status, error) { return logger.ParseStatus(b) }

// nodeInfo is what the manager knows of a node. Guarded by the wire
// Server's handler serialization (Handle) and Manager.mu for Status.
type nodeInfo struct {
	role    config.Role
	pid     int
	started int64
	peers   []string
	seen    time.Time
}

func (m *Manager) noteNode(p *wire.Peer, s *NodeStats, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ni := m.nodes[p.Name]
	if ni == nil {
		ni = &nodeInfo{}
		m.nodes[p.Name] = ni
	}
	ni.role, ni.seen = p.Role, now
	if s != nil {
		if s.PID != 0 {
			ni.pid = s.PID
		}
		if s.Started != 0 {
			ni.started = s.Started
		}
		if s.Peers != nil {
			ni.peers = append([]string(nil), s.Peers...)
		}
	}
}

// Status describes the manager and the nodes it knows.
func (m *Manager) Status() *Status {
	st := &Status{Node: logger.SelfStatus(m.cfg.Logger.Name, m.cfg.Logger.Role, m.started)}
	connected, names := logger.PeerStatus(m.wire)
	st.Node.Peers = names
	byName := map[string]NodeStatus{}
	for _, n := range connected {
		byName[n.Name] = n
	}
	m.mu.Lock()
	now := time.Now()
	for name, ni := range m.nodes {
		n, ok := byName[name]
		if !ok {
			n = NodeStatus{Name: name, Role: ni.role.String()}
		}
		n.PID = ni.pid
		n.Peers = ni.peers
		if ni.started != 0 {
			n.Started = time.Unix(0, ni.started)
			n.UptimeSec = now.Sub(n.Started).Seconds()
		}
		byName[name] = n
	}
	m.mu.Unlock()
	for _, n := range byName {
		st.Nodes = append(st.Nodes, n)
	}
	sort.Slice(st.Nodes, func(i, j int) bool { return st.Nodes[i].Name < st.Nodes[j].Name })
	ls := m.w.Stats()
	st.Logs = &ls
	return st
}
