package config

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// EnvVar is one entry of env_vars.
type EnvVar struct{ Key, Value string }

// Node is one [section] of node.cfg.
//
// A Node is a value owned by its Cluster; do not modify the nodes of a
// loaded Cluster.
type Node struct {
	Name      string
	Role      Role
	Host      string
	Interface Source   // worker capture source (SourceNone on other roles)
	LBMethod  LBMethod // LBNone unless lb_procs is set
	LBProcs   int      // worker goroutines; 1 when lb_procs is not set
	// LBInterfaces is lb_interfaces (lb_method=interfaces): one interface per process.
	LBInterfaces []string
	PinCPUs      []int // one CPU per worker goroutine, or empty for no pinning
	EnvVars      []EnvVar
	Port         int // BasePort + index in node.cfg order

	// Kept as written for compatibility; xsensor does not use them.
	AuxScripts string
	ZeekBase   string
	Ether      string
	ZoneID     string
	// Plugin holds zeekctl plugin keys (af_packet_fanout_id, …), '.' folded to '_'.
	Plugin map[string]string

	File  string         // node.cfg path
	Line  int            // line of the [section] header
	lines map[string]int // key → line
}

// KeyLine returns the line where key was set in node.cfg, or the section's
// line when it was not set. Roles use it to report problems found later
// (an interface that does not exist) in the same file:line style.
func (n *Node) KeyLine(key string) int {
	if l, ok := n.lines[key]; ok {
		return l
	}
	return n.Line
}

// Errorf builds an *Error about key of this node, for roles that find a
// problem with the node's configuration at run time.
func (n *Node) Errorf(key, msg string, err error) *Error {
	if err != nil {
		msg += ": " + err.Error()
	}
	return &Error{File: n.File, Line: n.KeyLine(key), Node: n.Name, Key: key, Msg: msg, Err: err}
}

// Addr returns host:port for dialing or listening.
func (n *Node) Addr() string { return net.JoinHostPort(n.Host, strconv.Itoa(n.Port)) }

// Capture returns the effective capture method of a worker: the interface
// prefix if there is one, else lb_method (xdp or af_packet), else
// SourceDefault, which lets the worker try XDP and fall back to AF_PACKET.
func (n *Node) Capture() SourceKind {
	switch n.Interface.Kind {
	case SourceDefault:
		switch n.LBMethod {
		case LBXDP:
			return SourceXDP
		case LBAFPacket:
			return SourceAFPacket
		}
	}
	return n.Interface.Kind
}

// IsLoopback reports whether host names this machine's loopback:
// "localhost", 127.0.0.0/8 or ::1. Names are not resolved.
func IsLoopback(host string) bool {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if i := strings.IndexByte(h, '%'); i >= 0 {
		h = h[:i]
	}
	if strings.EqualFold(h, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}
