package ctl

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"

	"xsensor/cluster/config"
)

// IsLocal reports whether host names this machine: loopback, the host
// name, or an address of a local interface.
func IsLocal(host string) bool {
	if config.IsLoopback(host) {
		return true
	}
	if hn, err := os.Hostname(); err == nil && strings.EqualFold(hn, host) {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return false
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, ia := range addrs {
		if p, err := netip.ParsePrefix(ia.String()); err == nil && p.Addr().Unmap() == a.Unmap() {
			return true
		}
	}
	return false
}

// startOrder is the order nodes start in (stop is the reverse).
var startOrder = []config.Role{config.Manager, config.Logger, config.Proxy, config.Worker}

// LocalNodes returns the nodes on this host in start order.
func LocalNodes(c *config.Cluster) []*config.Node {
	var out []*config.Node
	for _, r := range startOrder {
		for _, n := range c.ByRole(r) {
			if IsLocal(n.Host) {
				out = append(out, n)
			}
		}
	}
	return out
}

// targets returns the nodes a verb acts on, in start order: o.Node
// alone, or every node of the cluster.
func (o *Options) targets() []*config.Node {
	var out []*config.Node
	for _, r := range startOrder {
		for _, n := range o.Cluster.ByRole(r) {
			if o.Node == "" || n.Name == o.Node {
				out = append(out, n)
			}
		}
	}
	return out
}

// isLocal reports whether ctl runs n on this host itself.
func (o *Options) isLocal(n *config.Node) bool { return o.Local || IsLocal(n.Host) }

// Load reads node.cfg (and xsensor.cfg beside it) for the control tool.
// It is config.LoadFiles except that pin_cpus is checked against this
// machine's cores only for the nodes that run here — the nodes on this
// host, or, with local, the node named node (or all when node is "") —
// since a node on another box is checked there, by that box's ctl.
// The error, if any, is one *config.Error line.
func Load(nodeCfg string, local bool, node string) (*config.Cluster, error) {
	c, err := config.LoadFilesWith(nodeCfg, "", config.LoadOptions{NumCPU: 1 << 16})
	if err != nil {
		return nil, err
	}
	ncpu := runtime.NumCPU()
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if node != "" && n.Name != node {
			continue
		}
		if !local && !IsLocal(n.Host) {
			continue
		}
		for _, cpu := range n.PinCPUs {
			if cpu >= ncpu {
				return nil, n.Errorf("pin_cpus", fmt.Sprintf("CPU %d does not exist (this machine has CPUs 0-%d)", cpu, ncpu-1), nil)
			}
		}
	}
	if node != "" {
		if _, ok := c.Node(node); !ok {
			return nil, c.NodeError(node)
		}
	}
	return c, nil
}
