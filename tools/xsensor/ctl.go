package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"xsensor/cluster/config"
	"xsensor/cluster/ctl"
)

func init() {
	register(command{"ctl", "ctl -c NODECFG check|deploy|start|stop|restart|status|netstats|capstats|diag: control the cluster (zeekctl's verbs)", runCtl})
}

const ctlVerbs = "check, deploy, start, stop, restart, status, netstats, capstats or diag"

type ctlArgs struct {
	cfg, node, stage string
	local, json      bool
	interval         time.Duration
	stopT, readyT    time.Duration
	remote           ctl.Remote
	verb             string
}

// parseCtl parses flags before and after the verb
// (`ctl -c F start --node N` and `ctl -c F --node N start` alike).
func parseCtl(args []string) (ctlArgs, error) {
	var a ctlArgs
	r := ctl.DefaultRemote()
	fs := flag.NewFlagSet("ctl", flag.ContinueOnError)
	fs.StringVar(&a.cfg, "c", ctl.DefaultNodeCfg, "node.cfg `path` (xsensor.cfg beside it)")
	fs.StringVar(&a.node, "node", "", "act on this `node` only")
	fs.BoolVar(&a.local, "local", false, "run the selected nodes on this host whatever their host= (what ctl runs over ssh on the other hosts)")
	fs.BoolVar(&a.json, "json", false, "netstats, capstats, status: print JSON")
	fs.DurationVar(&a.interval, "interval", 10*time.Second, "capstats: measure rates over this `window`")
	fs.DurationVar(&a.stopT, "stop-timeout", 30*time.Second, "wait this long after SIGTERM before SIGKILL")
	fs.DurationVar(&a.readyT, "ready-timeout", 30*time.Second, "wait this long for each node to be ready")
	fs.StringVar(&r.SSH, "ssh", r.SSH, "ssh `client` for nodes on other hosts")
	fs.StringVar(&r.SCP, "scp", r.SCP, "scp `client` for deploy")
	fs.StringVar(&r.Exe, "remote-exe", r.Exe, "xsensor `path` on the hosts (deploy installs it there)")
	fs.StringVar(&r.NodeCfg, "remote-cfg", r.NodeCfg, "node.cfg `path` on the hosts (deploy installs it and xsensor.cfg there)")
	fs.StringVar(&a.stage, "stage", "", "deploy: install this host's copy under `dir` instead of / (for testing and image builds)")
	if err := fs.Parse(args); err != nil {
		return a, err
	}
	if fs.NArg() < 1 {
		return a, errors.New("want a verb: " + ctlVerbs)
	}
	a.verb = fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return a, err
	}
	if fs.NArg() > 0 {
		return a, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch a.verb {
	case "check", "deploy", "start", "stop", "restart", "status", "netstats", "capstats", "diag":
	default:
		return a, fmt.Errorf("unknown verb %q (want %s)", a.verb, ctlVerbs)
	}
	a.remote = *r
	return a, nil
}

func runCtl(args []string) error {
	a, err := parseCtl(args)
	if err != nil {
		return err
	}
	c, err := ctl.Load(a.cfg, a.local, a.node)
	if err != nil {
		return err
	}
	o := ctl.Options{Cluster: c, NodeCfg: a.cfg, ReadyTimeout: a.readyT, StopTimeout: a.stopT,
		Node: a.node, Local: a.local, Remote: &a.remote, Out: os.Stdout, Err: os.Stderr}
	switch a.verb {
	case "check":
		if err := ctl.Check(o); err != nil {
			return err
		}
		if a.node == "" {
			fmt.Printf("%s: %d nodes, %d on this host: ok\n", a.cfg, len(c.Nodes), len(ctl.LocalNodes(c)))
		}
		return nil
	case "deploy":
		return ctl.Deploy(o, ctl.DeployOptions{StageDir: a.stage})
	case "start":
		return ctl.Start(o)
	case "stop":
		return ctl.Stop(o)
	case "restart":
		return ctl.Restart(o)
	case "status":
		st, err := ctl.Status(o)
		if a.json {
			json.NewEncoder(os.Stdout).Encode(st)
		} else {
			ctl.PrintStatus(os.Stdout, st)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "xsensor ctl: %v (showing pid files)\n", err)
		}
		return nil
	case "netstats", "capstats":
		window := time.Duration(0)
		if a.verb == "capstats" {
			window = max(a.interval, time.Millisecond)
		}
		st, err := ctl.CollectStats(o, window)
		if err != nil {
			return err
		}
		switch {
		case a.json:
			if st == nil {
				st = []ctl.WorkerStats{}
			}
			return json.NewEncoder(os.Stdout).Encode(st)
		case a.verb == "netstats":
			ctl.PrintNetStats(os.Stdout, st)
		default:
			ctl.PrintCapStats(os.Stdout, st)
		}
		return nil
	case "diag":
		return ctlDiag(o, a)
	}
	return nil
}

// ctlDiag runs the host preflight for the selected workers: the ones on
// this host with diag's probe, the others on their host through ssh.
func ctlDiag(o ctl.Options, a ctlArgs) error {
	var failed error
	if a.local && a.node != "" {
		n, _ := o.Cluster.Node(a.node)
		dc := diagConfig{}
		if n.Role == config.Worker && n.Capture() != config.SourcePCAP {
			dc = diagConfig{iface: n.Interface.Name, lbProcs: n.LBProcs, pinCPUs: n.PinCPUs}
		}
		fmt.Printf("== %s on %s\n", n.Name, n.Host)
		return diag(os.Stdout, dc)
	}
	if err := diag(os.Stdout, diagConfig{nodeCfg: a.cfg}); err != nil {
		failed = err
	}
	for _, n := range o.Cluster.ByRole(config.Worker) {
		if (a.node != "" && n.Name != a.node) || a.local || ctl.IsLocal(n.Host) {
			continue
		}
		fmt.Println()
		if err := o.Remote.NodeVerb(&o, n, "diag"); err != nil && failed == nil {
			failed = err
		}
	}
	return failed
}
