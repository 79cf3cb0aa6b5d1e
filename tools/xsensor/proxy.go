package main

import (
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"

	"xsensor/cluster/config"
	"xsensor/cluster/proxy"
)

func init() {
	register(command{"proxy", "proxy --node NAME -c NODECFG: run a cluster proxy (shared state)", runProxyNode})
}

func runProxyNode(args []string) error {
	a, err := parseRoleArgs("proxy", config.Proxy, args, nil)
	if err != nil {
		return err
	}
	lg := log.New(os.Stderr, a.node+": ", log.LstdFlags|log.Lmicroseconds)
	l, err := net.Listen("tcp", a.self.Addr())
	if err != nil {
		return a.self.Errorf("", fmt.Sprintf("listen on %s", a.self.Addr()), err)
	}
	p, err := proxy.New(proxy.Options{Cluster: a.cluster, Node: a.self, Log: lg.Printf})
	if err != nil {
		l.Close()
		return err
	}
	reg, stopMetrics, err := roleMetrics(a, lg)
	if err != nil {
		p.Close()
		l.Close()
		return err
	}
	defer stopMetrics()
	if reg != nil {
		if err := reg.AddProxy(p.Stats); err != nil {
			lg.Printf("metrics: %v", err)
		}
	}
	dir := filepath.Join(a.cluster.Options.SpoolDir, a.node)
	os.MkdirAll(dir, 0o755)
	ready := filepath.Join(dir, "ready")
	os.WriteFile(ready, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644)
	defer os.Remove(ready)
	ctx, cancel := signalContext()
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- p.Serve(l) }()
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	return err
}
