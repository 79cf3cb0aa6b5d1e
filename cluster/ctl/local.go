package ctl

import (
	"net"
	"net/netip"
	"os"
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
