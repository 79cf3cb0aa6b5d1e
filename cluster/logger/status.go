package logger

import (
	"encoding/json"
	"time"
)

// NodeStatus describes one cluster node in a status response.
type NodeStatus struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	PID       int       `json:"pid,omitempty"`
	Started   time.Time `json:"started,omitzero"`
	UptimeSec float64   `json:"uptime_s,omitempty"`
	Addr      string    `json:"addr,omitempty"`  // remote address as this node sees it
	Peers     []string  `json:"peers,omitempty"` // nodes it is connected to
	Connected bool      `json:"connected"`       // connected to the answering node now
}

// Status is the body of a wire status response (JSON): the answering
// node, and the nodes it knows about (a logger: those connected to it;
// the manager: every node that connected or reported since it started).
// Logs is set by nodes that write logs.
type Status struct {
	Node  NodeStatus   `json:"node"`
	Nodes []NodeStatus `json:"nodes,omitempty"`
	Logs  *Stats       `json:"logs,omitempty"`
}

// Marshal encodes s as a status response body.
func (s *Status) Marshal() []byte {
	b, _ := json.Marshal(s)
	return b
}

// ParseStatus decodes a status response body.
func ParseStatus(b []byte) (*Status, error) {
	var s Status
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
