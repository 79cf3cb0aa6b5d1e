package ctl

import (
	"fmt"
	"net"
	"os"

	"xsensor/cluster/config"
)

// Check checks what the configuration needs on the hosts of the
// selected nodes, beyond what loading it checked: on this host, that a
// worker's interface exists (or its pcap file is readable) and that
// SpoolDir, and LogDir for the nodes that write logs, can be created;
// nodes on other hosts are checked there through ssh (ctl --local
// --node NAME check), which also checks their pin_cpus against that
// host's cores. It prints "NODE: ok" per node and returns the first
// problem.
func Check(o Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	receivers := map[string]bool{}
	for _, n := range o.Cluster.LogReceivers() {
		receivers[n.Name] = true
	}
	for _, n := range o.targets() {
		if !o.isLocal(n) {
			if err := o.Remote.NodeVerb(&o, n, "check"); err != nil {
				return err
			}
			continue
		}
		if err := checkNode(o.Cluster, n, receivers[n.Name], true); err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "%s: ok\n", n.Name)
	}
	return nil
}

// checkNode checks n on this host; with mkdir it also creates the
// node's directories (Start checks every node before it creates anything).
func checkNode(c *config.Cluster, n *config.Node, logs, mkdir bool) error {
	if n.Role == config.Worker {
		switch n.Capture() {
		case config.SourcePCAP:
			f, err := os.Open(n.Interface.Name)
			if err != nil {
				return n.Errorf("interface", "cannot read the trace", err)
			}
			f.Close()
		case config.SourceDefault, config.SourceXDP, config.SourceAFPacket:
			names := []string{n.Interface.Name}
			if n.LBMethod == config.LBInterfaces {
				names = n.LBInterfaces
			}
			for _, name := range names {
				if name == "" {
					continue
				}
				if _, err := net.InterfaceByName(name); err != nil {
					return n.Errorf("interface", fmt.Sprintf("no interface %s on this host (see ip link)", name), nil)
				}
			}
		}
	}
	if !mkdir {
		return nil
	}
	dirs := []string{nodeDir(c, n)}
	if logs {
		dirs = append(dirs, c.Options.LogDir)
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("%s: %w", n.Name, err)
		}
	}
	return nil
}
