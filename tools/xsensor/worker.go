package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"xsensor/cluster/config"
	"xsensor/cluster/metrics"
	"xsensor/cluster/node"
)

func init() {
	register(command{"worker", "worker --node NAME -c NODECFG: run a cluster worker node", runWorkerNode})
}

// roleArgs are the flags every cluster role takes.
type roleArgs struct {
	node, cfg string
	cluster   *config.Cluster
	self      *config.Node
}

// parseRoleArgs parses --node and -c for role r, loads the configuration
// and checks the node's role; extra adds role-specific flags.
func parseRoleArgs(name string, r config.Role, args []string, extra func(*flag.FlagSet)) (roleArgs, error) {
	var a roleArgs
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&a.node, "node", "", "node `name` in node.cfg")
	fs.StringVar(&a.cfg, "c", "node.cfg", "node.cfg `path` (xsensor.cfg beside it)")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return a, err
	}
	if a.node == "" {
		return a, errors.New("--node NAME is required")
	}
	if fs.NArg() > 0 {
		return a, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c, err := config.LoadFiles(a.cfg, "")
	if err != nil {
		return a, err
	}
	n, ok := c.Node(a.node)
	if !ok {
		return a, c.NodeError(a.node)
	}
	if n.Role != r {
		return a, n.Errorf("type", fmt.Sprintf("is a %s, not a %s (use xsensor %s)", n.Role, r, n.Role), nil)
	}
	a.cluster, a.self = c, n
	return a, nil
}

// roleMetrics makes the node's metrics Registry and serves it on
// metrics.NodeAddr (MetricsPort + the node's index in node.cfg, on the
// node's host). It returns a nil Registry and a no-op stop when
// MetricsPort is 0. An endpoint that cannot be bound fails the node:
// MetricsPort was asked for.
func roleMetrics(a roleArgs, lg *log.Logger) (*metrics.Registry, func(), error) {
	addr, err := metrics.NodeAddr(a.cluster, a.self)
	if err != nil || addr == "" {
		return nil, func() {}, err
	}
	reg := metrics.New(metrics.Options{Node: a.node, Role: a.self.Role.String(), Version: commit})
	srv, err := reg.Serve(addr)
	if err != nil {
		return nil, func() {}, a.self.Errorf("", "serve metrics (xsensor.cfg MetricsPort + the node's index in node.cfg)", err)
	}
	lg.Printf("metrics at %s", srv.URL())
	return reg, func() { srv.Close() }, nil
}

// signalContext is cancelled by SIGTERM or SIGINT.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
}

func runWorkerNode(args []string) error {
	var maxBlock time.Duration
	var noChecks, noPin bool
	a, err := parseRoleArgs("worker", config.Worker, args, func(fs *flag.FlagSet) {
		fs.DurationVar(&maxBlock, "max-block", time.Second, "how long a worker waits for a slow logger before dropping a log chunk")
		fs.BoolVar(&noChecks, "C", false, "ignore checksums (as zeek -C)")
		fs.BoolVar(&noPin, "no-pin", false, "do not pin workers to cores")
	})
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	lg := log.New(os.Stderr, a.node+": ", log.LstdFlags|log.Lmicroseconds)
	reg, stopMetrics, err := roleMetrics(a, lg)
	if err != nil {
		return err
	}
	defer stopMetrics()
	return node.Run(ctx, node.Options{Cluster: a.cluster, Node: a.self, MaxBlock: maxBlock,
		IgnoreChecksums: noChecks, NoPin: noPin, Metrics: reg, Log: lg.Printf})
}
