package ctl

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"xsensor/cluster/config"
	"xsensor/cluster/logger"
	"xsensor/cluster/wire"
)

// NodeStatus is one line of Status.
type NodeStatus struct {
	Name    string        `json:"name"`
	Role    string        `json:"role"`
	Host    string        `json:"host"`
	PID     int           `json:"pid,omitempty"`
	Running bool          `json:"running"`
	Uptime  time.Duration `json:"uptime,omitempty"`
	Peers   []string      `json:"peers,omitempty"`
	Source  string        `json:"source"` // "manager" or "pid file"
}

// ManagerStatus asks the manager for its status and returns the raw
// response body (the manager's format), or an error after timeout.
func ManagerStatus(c *config.Cluster, timeout time.Duration) ([]byte, error) {
	m := c.Manager()
	resp := make(chan []byte, 1)
	const id = 0x7374617475 // "statu"
	so := wire.SenderOptions{Addr: m.Addr(), Name: "ctl-" + strconv.Itoa(os.Getpid()), Role: config.Control,
		Secret: c.Secret, HandshakeTimeout: timeout, BackoffMin: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		OnMessage: func(msg *wire.Message) {
			if msg.Type == wire.TypeStatusResponse && msg.ID == id {
				select {
				case resp <- append([]byte(nil), msg.Body...):
				default:
				}
			}
		}}
	if c.Options.TLSCert != "" {
		_, client, err := wire.LoadTLS(c.Options.TLSCert, c.Options.TLSKey, c.Options.TLSCA)
		if err != nil {
			return nil, err
		}
		so.TLS = client
	}
	snd, err := wire.NewSender(so)
	if err != nil {
		return nil, err
	}
	defer snd.Close()
	deadline := time.After(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if snd.Connected() {
			snd.SendControl(&wire.Message{Type: wire.TypeStatusRequest, ID: id})
		}
		select {
		case b := <-resp:
			return b, nil
		case <-deadline:
			return nil, fmt.Errorf("status: no answer from manager %s at %s within %v", m.Name, m.Addr(), timeout)
		case <-tick.C:
		}
	}
}

// Status reports the selected nodes (o.Node, or all) in start order.
// The manager's answer (which nodes are connected, their peers, and
// the pid and start time a node reported) is merged with the pid files
// of the nodes on this host, which win for pid and uptime. When the
// manager does not answer, Status still returns the pid-file view,
// with the error.
func Status(o Options) ([]NodeStatus, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	known := map[string]logger.NodeStatus{}
	body, merr := ManagerStatus(o.Cluster, 3*time.Second)
	if merr == nil {
		st, err := logger.ParseStatus(body)
		if err != nil {
			merr = fmt.Errorf("status: manager answer: %w", err)
		} else {
			known[st.Node.Name] = st.Node
			for _, n := range st.Nodes {
				known[n.Name] = n
			}
		}
	}
	var out []NodeStatus
	for _, n := range o.targets() {
		s := NodeStatus{Name: n.Name, Role: n.Role.String(), Host: n.Host, Source: "pid file"}
		if m, ok := known[n.Name]; ok {
			s.Source, s.Peers = "manager", m.Peers
			s.Running = m.Connected || n.Role == config.Manager
			if s.Running {
				s.PID = m.PID
				s.Uptime = (time.Duration(m.UptimeSec) * time.Second).Round(time.Second)
			}
		}
		if o.isLocal(n) {
			pid, running := ReadPID(o.Cluster, n)
			if running {
				s.PID, s.Running, s.Uptime = pid, true, Uptime(pid)
			} else if s.Source == "pid file" {
				s.PID = 0
			}
		}
		out = append(out, s)
	}
	return out, merr
}

// PrintStatus writes st as a table.
func PrintStatus(w io.Writer, st []NodeStatus) {
	fmt.Fprintf(w, "%-14s %-8s %-15s %-8s %-8s %-9s %s\n", "Name", "Type", "Host", "Status", "Pid", "Uptime", "Peers")
	for _, s := range st {
		status, pid, up := "stopped", "", ""
		if s.Running {
			status = "running"
		}
		if s.PID != 0 {
			pid = strconv.Itoa(s.PID)
		}
		if s.Uptime > 0 {
			up = s.Uptime.String()
		}
		peers, _ := json.Marshal(s.Peers)
		if s.Peers == nil {
			peers = []byte("-")
		}
		fmt.Fprintf(w, "%-14s %-8s %-15s %-8s %-8s %-9s %s\n", s.Name, s.Role, s.Host, status, pid, up, peers)
	}
}
