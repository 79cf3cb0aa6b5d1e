package ctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"xsensor/cluster/config"
	"xsensor/cluster/wire"
)

// Options configure the control verbs.
type Options struct {
	Cluster *config.Cluster
	NodeCfg string // node.cfg path handed to the nodes
	// Exe is the xsensor binary to start; default os.Executable().
	Exe string
	// Args are extra arguments per role (appended after -c NODECFG).
	Args map[config.Role][]string
	// Env is added to each node's environment (after node.cfg's env_vars).
	Env          []string
	Out          io.Writer     // progress lines; default os.Stdout
	ReadyTimeout time.Duration // per node; default 30s
	StopTimeout  time.Duration // SIGTERM to SIGKILL; default 30s
}

func (o *Options) defaults() error {
	if o.Cluster == nil {
		return errors.New("ctl: no cluster")
	}
	if o.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("ctl: find xsensor binary: %w", err)
		}
		o.Exe = exe
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = 30 * time.Second
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 30 * time.Second
	}
	return nil
}

// Start starts the local nodes in order (manager, loggers, proxies,
// workers), each once the previous one is ready. Nodes already running
// are left alone.
func Start(o Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	for _, n := range LocalNodes(o.Cluster) {
		if pid, ok := ReadPID(o.Cluster, n); ok {
			fmt.Fprintf(o.Out, "%s: already running (pid %d)\n", n.Name, pid)
			continue
		}
		pid, err := startNode(&o, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "%s: started %s (pid %d)\n", n.Name, n.Role, pid)
	}
	return nil
}

// StartNode starts one node (it need not be the next in order).
func StartNode(o Options, name string) error {
	if err := o.defaults(); err != nil {
		return err
	}
	n, ok := o.Cluster.Node(name)
	if !ok {
		return o.Cluster.NodeError(name)
	}
	_, err := startNode(&o, n)
	return err
}

func startNode(o *Options, n *config.Node) (int, error) {
	dir := nodeDir(o.Cluster, n)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("start %s: %w", n.Name, err)
	}
	os.Remove(filepath.Join(dir, ReadyFile))
	logPath := filepath.Join(dir, StderrFile)
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return 0, fmt.Errorf("start %s: %w", n.Name, err)
	}
	defer logf.Close()
	args := append([]string{n.Role.String(), "--node", n.Name, "-c", o.NodeCfg}, o.Args[n.Role]...)
	cmd := exec.Command(o.Exe, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = os.Environ()
	for _, e := range n.EnvVars {
		cmd.Env = append(cmd.Env, e.Key+"="+e.Value)
	}
	cmd.Env = append(cmd.Env, o.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", n.Name, err)
	}
	pid := cmd.Process.Pid
	if err := os.WriteFile(filepath.Join(dir, PIDFile), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		cmd.Process.Kill()
		return 0, fmt.Errorf("start %s: %w", n.Name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(o.ReadyTimeout)
	for !ready(o.Cluster, n) {
		select {
		case err := <-exited:
			return 0, fmt.Errorf("start %s: exited while starting (%v): %s", n.Name, err, lastLine(logPath))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return pid, fmt.Errorf("start %s: not ready after %v (see %s)", n.Name, o.ReadyTimeout, logPath)
		}
	}
	return pid, nil
}

// ready reports whether n is ready: its ready file exists, or (for roles
// that listen) its port accepts a connection.
func ready(c *config.Cluster, n *config.Node) bool {
	if _, err := os.Stat(filepath.Join(nodeDir(c, n), ReadyFile)); err == nil {
		return true
	}
	if n.Role == config.Worker {
		return false
	}
	conn, err := net.DialTimeout("tcp", n.Addr(), 200*time.Millisecond)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// Stop stops the local nodes in reverse start order.
func Stop(o Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	nodes := LocalNodes(o.Cluster)
	var first error
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		if err := stopNode(&o, n); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// StopNode stops one node.
func StopNode(o Options, name string) error {
	if err := o.defaults(); err != nil {
		return err
	}
	n, ok := o.Cluster.Node(name)
	if !ok {
		return o.Cluster.NodeError(name)
	}
	return stopNode(&o, n)
}

func stopNode(o *Options, n *config.Node) error {
	pid, running := ReadPID(o.Cluster, n)
	pidPath := filepath.Join(nodeDir(o.Cluster, n), PIDFile)
	if !running {
		if pid != 0 {
			os.Remove(pidPath)
			fmt.Fprintf(o.Out, "%s: not running (stale pid %d)\n", n.Name, pid)
		}
		return nil
	}
	killed, err := stopPID(pid, n.Name, o.StopTimeout)
	if err != nil {
		return err
	}
	os.Remove(pidPath)
	if killed {
		fmt.Fprintf(o.Out, "%s: killed (pid %d) after %v\n", n.Name, pid, o.StopTimeout)
	} else {
		fmt.Fprintf(o.Out, "%s: stopped (pid %d)\n", n.Name, pid)
	}
	return nil
}

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

// Status reports every node of the cluster: what the manager says about
// it (decoded by decode, which returns per-node peers and whether the
// manager knows the node), else its pid file when it is local.
func Status(o Options, decode func(body []byte) (map[string][]string, error)) ([]NodeStatus, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	known := map[string][]string{}
	var merr error
	body, err := ManagerStatus(o.Cluster, 3*time.Second)
	if err == nil && decode != nil {
		known, err = decode(body)
	}
	merr = err
	var out []NodeStatus
	for _, r := range startOrder {
		for _, n := range o.Cluster.ByRole(r) {
			s := NodeStatus{Name: n.Name, Role: n.Role.String(), Host: n.Host, Source: "pid file"}
			if IsLocal(n.Host) {
				s.PID, s.Running = ReadPID(o.Cluster, n)
				if s.Running {
					s.Uptime = Uptime(s.PID)
				}
			}
			if peers, ok := known[n.Name]; ok {
				s.Source, s.Peers = "manager", peers
				if n.Role == config.Manager || len(peers) > 0 {
					s.Running = true
				}
			}
			out = append(out, s)
		}
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
