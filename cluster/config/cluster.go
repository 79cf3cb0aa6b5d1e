package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Cluster is a loaded configuration: the nodes in node.cfg order and the
// global options. It is immutable after Load and safe for concurrent use.
type Cluster struct {
	Nodes   []Node
	Options Options
	// Secret is the content of SecretFile with surrounding white space
	// trimmed; nil when there is no SecretFile (loopback-only cluster).
	Secret []byte
}

// LoadOptions tune Load; the zero value uses the machine's values.
type LoadOptions struct {
	// NumCPU is the number of CPUs pin_cpus may name (CPUs 0..NumCPU-1);
	// 0 means runtime.NumCPU().
	NumCPU int
}

// Names of the files in a configuration directory.
const (
	NodeCfgName    = "node.cfg"
	XsensorCfgName = "xsensor.cfg"
)

// MinSecretLen is the shortest cluster secret accepted.
const MinSecretLen = 16

// Load reads dir/node.cfg and, if it exists, dir/xsensor.cfg.
func Load(dir string) (*Cluster, error) {
	return LoadFiles(filepath.Join(dir, NodeCfgName), "")
}

// LoadFiles reads nodeCfg and xsensorCfg. An empty xsensorCfg means
// xsensor.cfg beside nodeCfg, which may be absent; a named one must exist.
func LoadFiles(nodeCfg, xsensorCfg string) (*Cluster, error) {
	return LoadFilesWith(nodeCfg, xsensorCfg, LoadOptions{})
}

// LoadFilesWith is LoadFiles with options.
func LoadFilesWith(nodeCfg, xsensorCfg string, lo LoadOptions) (*Cluster, error) {
	nodeData, err := os.ReadFile(nodeCfg)
	if err != nil {
		return nil, fmt.Errorf("read node config: %w", err)
	}
	optional := xsensorCfg == ""
	if optional {
		xsensorCfg = filepath.Join(filepath.Dir(nodeCfg), XsensorCfgName)
	}
	xData, err := os.ReadFile(xsensorCfg)
	switch {
	case err == nil:
	case optional && errors.Is(err, fs.ErrNotExist):
		xsensorCfg, xData = "", nil
	default:
		return nil, fmt.Errorf("read xsensor config: %w", err)
	}
	c, err := Parse(nodeCfg, nodeData, xsensorCfg, xData, lo)
	if err != nil {
		return nil, err
	}
	if c.Options.SecretFile != "" {
		if c.Secret, err = readSecret(c.Options.SecretFile); err != nil {
			return nil, c.Options.errorfErr("SecretFile", err)
		}
	}
	return c, nil
}

func (o *Options) errorfErr(key string, err error) *Error {
	e := o.errorf(key, err.Error())
	e.Err = err
	return e
}

func readSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) < MinSecretLen {
		return nil, fmt.Errorf("secret in %s is shorter than %d bytes (make one with: head -c 32 /dev/urandom | base64 > %s)", path, MinSecretLen, path)
	}
	return b, nil
}

// Parse builds a Cluster from file contents without touching the file
// system (the secret is not read; LoadFiles does that). xsensorCfg may be
// empty (no file) or name the file xData came from. Relative paths in
// xsensor.cfg resolve in the directory of xsensorCfg, or of nodeCfg.
func Parse(nodeCfg string, nodeData []byte, xsensorCfg string, xData []byte, lo LoadOptions) (*Cluster, error) {
	if lo.NumCPU <= 0 {
		lo.NumCPU = runtime.NumCPU()
	}
	dir := filepath.Dir(nodeCfg)
	if xsensorCfg != "" {
		dir = filepath.Dir(xsensorCfg)
	}
	var opts Options
	var err error
	if opts, err = ParseOptions(xsensorCfg, dir, xData); err != nil {
		return nil, err
	}
	secs, err := parseINI(nodeCfg, nodeData)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Options: opts, Nodes: make([]Node, 0, len(secs))}
	for i := range secs {
		n, err := buildNode(nodeCfg, &secs[i])
		if err != nil {
			return nil, err
		}
		c.Nodes = append(c.Nodes, n)
	}
	if err := c.validate(nodeCfg, lo); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Cluster) validate(file string, lo LoadOptions) error {
	if len(c.Nodes) == 0 {
		return &Error{File: file, Msg: "no nodes defined (want a [manager] section at least)"}
	}
	var manager *Node
	for i := range c.Nodes {
		n := &c.Nodes[i]
		n.Port = c.Options.BasePort + i
		if n.Port > 65535 {
			return n.Errorf("", fmt.Sprintf("port %d is out of range (BasePort %d + %d nodes)", n.Port, c.Options.BasePort, len(c.Nodes)), nil)
		}
		if n.Role == Manager {
			if manager != nil {
				return n.Errorf("type", fmt.Sprintf("a second manager (the first is %s at line %d); a cluster has exactly one", manager.Name, manager.Line), nil)
			}
			manager = n
		}
		if err := validateNode(n, lo); err != nil {
			return err
		}
	}
	if manager == nil {
		return &Error{File: file, Msg: "no manager defined (want exactly one node with type=manager)"}
	}
	if c.Options.SecretFile == "" {
		for i := range c.Nodes {
			if n := &c.Nodes[i]; !IsLoopback(n.Host) {
				return n.Errorf("host", fmt.Sprintf("%s is not loopback and no SecretFile is set in %s: a cluster across hosts needs a shared secret", n.Host, XsensorCfgName), nil)
			}
		}
	}
	return nil
}

func validateNode(n *Node, lo LoadOptions) error {
	_, setProcs := n.lines["lb_procs"]
	_, setMethod := n.lines["lb_method"]
	if n.Role == Worker {
		if n.Interface.Kind == SourceNone && n.LBMethod != LBInterfaces {
			return n.Errorf("interface", "missing", nil)
		}
	} else {
		for _, k := range []string{"interface", "lb_procs", "lb_method", "lb_interfaces"} {
			if _, ok := n.lines[k]; ok {
				return n.Errorf(k, fmt.Sprintf("only worker nodes take %s (this node is a %s)", k, n.Role), nil)
			}
		}
	}
	if setProcs && !setMethod {
		return n.Errorf("lb_method", "missing (lb_procs needs a load balancing method)", nil)
	}
	if setMethod && !setProcs {
		return n.Errorf("lb_procs", "missing (lb_method needs a number of processes)", nil)
	}
	if n.LBMethod == LBInterfaces {
		if len(n.LBInterfaces) != n.LBProcs {
			return n.Errorf("lb_interfaces", fmt.Sprintf("lists %d interfaces but lb_procs is %d", len(n.LBInterfaces), n.LBProcs), nil)
		}
	} else if len(n.LBInterfaces) > 0 {
		return n.Errorf("lb_interfaces", "only valid with lb_method=interfaces", nil)
	}
	for _, cpu := range n.PinCPUs {
		if cpu >= lo.NumCPU {
			return n.Errorf("pin_cpus", fmt.Sprintf("CPU %d does not exist (this machine has CPUs 0-%d)", cpu, lo.NumCPU-1), nil)
		}
	}
	if len(n.PinCPUs) > 0 && len(n.PinCPUs) != n.LBProcs {
		return n.Errorf("pin_cpus", fmt.Sprintf("lists %d CPUs for %d worker processes (lb_procs); xsensor pins one process per CPU", len(n.PinCPUs), n.LBProcs), nil)
	}
	return nil
}

// Node returns the node called name.
func (c *Cluster) Node(name string) (*Node, bool) {
	for i := range c.Nodes {
		if c.Nodes[i].Name == name {
			return &c.Nodes[i], true
		}
	}
	return nil, false
}

// ByRole returns the nodes of role r in node.cfg order.
func (c *Cluster) ByRole(r Role) []*Node {
	var out []*Node
	for i := range c.Nodes {
		if c.Nodes[i].Role == r {
			out = append(out, &c.Nodes[i])
		}
	}
	return out
}

// Manager returns the manager (validation guarantees there is one).
func (c *Cluster) Manager() *Node {
	for i := range c.Nodes {
		if c.Nodes[i].Role == Manager {
			return &c.Nodes[i]
		}
	}
	return nil
}

// LogReceivers returns the loggers, or the manager when there are none:
// the nodes that write logs.
func (c *Cluster) LogReceivers() []*Node {
	if l := c.ByRole(Logger); len(l) > 0 {
		return l
	}
	return []*Node{c.Manager()}
}

// NodeError builds an error about a node name given on a command line
// that is not in node.cfg.
func (c *Cluster) NodeError(name string) error {
	file := ""
	if len(c.Nodes) > 0 {
		file = c.Nodes[0].File
	}
	return &Error{File: file, Node: name, Msg: "no such node"}
}
