package main

import (
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"

	"xsensor/cluster/config"
	"xsensor/cluster/logger"
	"xsensor/cluster/metrics"
)

func init() {
	register(command{"logger", "logger --node NAME -c NODECFG: run a cluster logger (writes and rotates the cluster's logs)", runLoggerNode})
}

func runLoggerNode(args []string) error {
	a, err := parseRoleArgs("logger", config.Logger, args, nil)
	if err != nil {
		return err
	}
	lg := log.New(os.Stderr, a.node+": ", log.LstdFlags|log.Lmicroseconds)
	cfg, err := logger.FromCluster(a.cluster, a.node)
	if err != nil {
		return err
	}
	cfg.Log = lg.Printf
	s, err := logger.New(cfg) // recovers the log directory before listening
	if err != nil {
		return err
	}
	return serveRole(a, lg, s.Serve, s.Close, func(r *metrics.Registry) error {
		return errors.Join(r.AddLogWriter(s.Writer().Stats), r.AddWireServer(s.Wire()))
	})
}

// serveRole listens on the node's port, serves its metrics (when
// MetricsPort is set; addMetrics registers the role's collectors),
// announces readiness (a "ready" line on stderr and
// SpoolDir/<node>/ready, which xsensor ctl waits for), serves until
// SIGTERM or SIGINT, then closes.
func serveRole(a roleArgs, lg *log.Logger, serve func(net.Listener) error, closeFn func() error, addMetrics func(*metrics.Registry) error) error {
	l, err := net.Listen("tcp", a.self.Addr())
	if err != nil {
		closeFn()
		return a.self.Errorf("", fmt.Sprintf("listen on %s", a.self.Addr()), err)
	}
	reg, stopMetrics, err := roleMetrics(a, lg)
	if err != nil {
		l.Close()
		closeFn()
		return err
	}
	defer stopMetrics()
	if reg != nil && addMetrics != nil {
		if err := addMetrics(reg); err != nil {
			lg.Printf("metrics: %v", err)
		}
	}
	ctx, cancel := signalContext()
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- serve(l) }()
	dir := filepath.Join(a.cluster.Options.SpoolDir, a.node)
	os.MkdirAll(dir, 0o755)
	ready := filepath.Join(dir, "ready")
	os.WriteFile(ready, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644)
	defer os.Remove(ready)
	lg.Printf("ready: %s listening on %s (pid %d)", a.self.Role, l.Addr(), os.Getpid())
	select {
	case <-ctx.Done():
		lg.Printf("stopping")
	case err = <-errc:
	}
	if cerr := closeFn(); err == nil {
		err = cerr
	}
	return err
}
