package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"xsensor/cluster/config"
	"xsensor/cluster/ctl"
	"xsensor/cluster/logger"
)

func init() {
	register(command{"ctl", "ctl -c NODECFG check|deploy|start|stop|restart|status|netstats|capstats|diag: control the nodes on this host", runCtl})
}

func runCtl(args []string) error {
	fs := flag.NewFlagSet("ctl", flag.ContinueOnError)
	cfg := fs.String("c", "node.cfg", "node.cfg `path` (xsensor.cfg beside it)")
	stopTimeout := fs.Duration("stop-timeout", 30*time.Second, "wait this long after SIGTERM before SIGKILL")
	readyTimeout := fs.Duration("ready-timeout", 30*time.Second, "wait this long for each node to be ready")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return errors.New("want a verb: check, deploy, start, stop, restart, status, netstats, capstats or diag")
	}
	verb := fs.Arg(0)
	c, err := config.LoadFiles(*cfg, "")
	if err != nil {
		return err
	}
	o := ctl.Options{Cluster: c, NodeCfg: *cfg, ReadyTimeout: *readyTimeout, StopTimeout: *stopTimeout}
	switch verb {
	case "check":
		fmt.Printf("%s: %d nodes, %d on this host: ok\n", *cfg, len(c.Nodes), len(ctl.LocalNodes(c)))
		return nil
	case "start":
		return ctl.Start(o)
	case "stop":
		return ctl.Stop(o)
	case "restart":
		if err := ctl.Stop(o); err != nil {
			return err
		}
		return ctl.Start(o)
	case "status":
		st, err := ctl.Status(o, decodeManagerStatus)
		ctl.PrintStatus(os.Stdout, st)
		if err != nil {
			fmt.Fprintf(os.Stderr, "xsensor ctl: %v (showing pid files)\n", err)
		}
		return nil
	case "deploy", "netstats", "capstats", "diag":
		return fmt.Errorf("%s: not implemented yet", verb)
	}
	return fmt.Errorf("unknown verb %q", verb)
}

// decodeManagerStatus reads the manager's status answer
// (logger.Status: the answering node and the nodes connected to it).
func decodeManagerStatus(body []byte) (map[string][]string, error) {
	st, err := logger.ParseStatus(body)
	if err != nil {
		return nil, fmt.Errorf("status: manager answer: %w", err)
	}
	out := map[string][]string{st.Node.Name: st.Node.Peers}
	for _, n := range st.Nodes {
		if n.Connected || len(n.Peers) > 0 {
			out[n.Name] = n.Peers
		}
	}
	return out, nil
}
