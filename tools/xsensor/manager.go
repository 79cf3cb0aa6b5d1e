package main

import (
	"errors"
	"log"
	"os"

	"xsensor/cluster/config"
	"xsensor/cluster/manager"
	"xsensor/cluster/metrics"
)

func init() {
	register(command{"manager", "manager --node NAME -c NODECFG: run the cluster manager (notices, stats, status; logs when there is no logger)", runManagerNode})
}

func runManagerNode(args []string) error {
	a, err := parseRoleArgs("manager", config.Manager, args, nil)
	if err != nil {
		return err
	}
	lg := log.New(os.Stderr, a.node+": ", log.LstdFlags|log.Lmicroseconds)
	cfg, err := manager.FromCluster(a.cluster, a.node)
	if err != nil {
		return err
	}
	cfg.Logger.Log = lg.Printf
	m, err := manager.New(cfg)
	if err != nil {
		return err
	}
	return serveRole(a, lg, m.Serve, m.Close, func(r *metrics.Registry) error {
		return errors.Join(r.AddManager(m.Stats), r.AddWireServer(m.Wire()), r.AddLogWriter(m.Writer().Stats))
	})
}
