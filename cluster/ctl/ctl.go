package ctl

import (
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
	Err          io.Writer     // remote commands' stderr; default os.Stderr
	ReadyTimeout time.Duration // per node; default 30s
	StopTimeout  time.Duration // SIGTERM to SIGKILL; default 30s

	// Node restricts a verb to one node; "" means every node.
	Node string
	// Local runs every selected node on this host, whatever its host=
	// says: it is how ctl on another host is asked to act on its nodes
	// (ssh HOST xsensor ctl --local --node NAME VERB).
	Local bool
	// Remote reaches the nodes on other hosts; nil uses DefaultRemote.
	Remote *Remote
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
	if o.Err == nil {
		o.Err = os.Stderr
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = 30 * time.Second
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 30 * time.Second
	}
	if o.Remote == nil {
		o.Remote = DefaultRemote()
	}
	if o.Node != "" {
		if _, ok := o.Cluster.Node(o.Node); !ok {
			return o.Cluster.NodeError(o.Node)
		}
	}
	return nil
}

// Start starts the selected nodes in order (manager, loggers, proxies,
// workers), each once the previous one is ready: local nodes directly,
// nodes on other hosts through ssh. Nodes already running are left
// alone.
func Start(o Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	// Check the local nodes first, so that a missing interface or an
	// unwritable directory starts nothing.
	for _, n := range o.targets() {
		if o.isLocal(n) {
			if err := checkNode(o.Cluster, n, false, false); err != nil {
				return err
			}
		}
	}
	for _, n := range o.targets() {
		if !o.isLocal(n) {
			if err := o.Remote.NodeVerb(&o, n, "start"); err != nil {
				return err
			}
			continue
		}
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
	o.Node = name
	return Start(o)
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
			os.Remove(filepath.Join(dir, PIDFile))
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

// Stop stops the selected nodes in reverse start order. It goes on
// after a failure and returns the first error.
func Stop(o Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	nodes := o.targets()
	var first error
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		var err error
		if o.isLocal(n) {
			err = stopNode(&o, n)
		} else {
			err = o.Remote.NodeVerb(&o, n, "stop")
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// StopNode stops one node.
func StopNode(o Options, name string) error {
	o.Node = name
	return Stop(o)
}

// Restart stops the selected nodes, then starts them.
func Restart(o Options) error {
	if err := Stop(o); err != nil {
		return err
	}
	return Start(o)
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
