package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"xsensor/capture/probe"
	"xsensor/cluster/config"
)

func init() {
	register(command{"diag", "diag [-i IFACE] [-c node.cfg] [--lb-procs N] [--pin-cpus LIST]: preflight of this host and its capture interface", runDiag})
}

// errDiagFailed is returned when a check failed; the findings say why.
var errDiagFailed = errors.New("some checks failed (see above)")

type diagConfig struct {
	iface    string
	nodeCfg  string
	lbProcs  int
	pinCPUs  []int
	noAttach bool
	json     bool
}

func parseDiag(args []string) (diagConfig, error) {
	var c diagConfig
	fs := flag.NewFlagSet("diag", flag.ContinueOnError)
	fs.StringVar(&c.iface, "i", "", "capture `interface` to probe (default: the workers of -c on this host)")
	fs.StringVar(&c.nodeCfg, "c", "", "`node.cfg` whose workers on this host are probed with their interface, lb_procs and pin_cpus")
	fs.IntVar(&c.lbProcs, "lb-procs", 0, "planned workers on the interface (as lb_procs)")
	pins := fs.String("pin-cpus", "", "planned worker `cores`, comma-separated (as pin_cpus)")
	fs.BoolVar(&c.noAttach, "no-attach", false, "do not attach XDP or bind AF_XDP to the interface")
	fs.BoolVar(&c.json, "json", false, "print the findings as JSON")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *pins != "" {
		for _, p := range strings.Split(*pins, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n < 0 {
				return c, fmt.Errorf("--pin-cpus %q: want a comma-separated list of core numbers", *pins)
			}
			c.pinCPUs = append(c.pinCPUs, n)
		}
	}
	if c.lbProcs < 0 {
		return c, fmt.Errorf("--lb-procs %d: want 0 or more", c.lbProcs)
	}
	return c, nil
}

func runDiag(args []string) error {
	c, err := parseDiag(args)
	if err != nil {
		return err
	}
	return diag(os.Stdout, c)
}

// diagTarget is one probe run: a worker of node.cfg, or the command line.
type diagTarget struct {
	title string
	opts  probe.Options
}

// diagTargets turns the configuration into probe runs: with -c, one per
// worker of node.cfg on this host (restricted to -i when given); else one
// for -i (or the host alone).
func diagTargets(c diagConfig) ([]diagTarget, error) {
	if c.nodeCfg == "" {
		return []diagTarget{{opts: probe.Options{Interface: c.iface, LBProcs: c.lbProcs, PinCPUs: c.pinCPUs, NoAttach: c.noAttach}}}, nil
	}
	cl, err := config.LoadFiles(c.nodeCfg, "")
	if err != nil {
		return nil, err
	}
	var ts []diagTarget
	for _, n := range cl.ByRole(config.Worker) {
		if !localHost(n.Host) {
			continue
		}
		switch n.Capture() {
		case config.SourcePCAP, config.SourceNone, config.SourceOther:
			continue
		}
		if c.iface != "" && n.Interface.Name != c.iface {
			continue
		}
		ts = append(ts, diagTarget{
			title: fmt.Sprintf("%s (%s, %s:%d)", n.Name, n.Interface, n.File, n.Line),
			opts:  probe.Options{Interface: n.Interface.Name, LBProcs: n.LBProcs, PinCPUs: n.PinCPUs, NoAttach: c.noAttach},
		})
	}
	if len(ts) == 0 {
		t := diagTarget{title: "host (no worker of " + c.nodeCfg + " captures on this host)"}
		if c.iface != "" {
			t = diagTarget{title: c.iface, opts: probe.Options{Interface: c.iface, LBProcs: c.lbProcs, PinCPUs: c.pinCPUs, NoAttach: c.noAttach}}
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// diag runs the probes and prints their findings; it fails when a check
// failed.
func diag(w io.Writer, c diagConfig) error {
	ts, err := diagTargets(c)
	if err != nil {
		return err
	}
	type result struct {
		Target   string          `json:"target,omitempty"`
		Findings []probe.Finding `json:"findings"`
	}
	var rs []result
	worst := probe.OK
	for _, t := range ts {
		fs := probe.Run(t.opts)
		worst = max(worst, probe.Worst(fs))
		rs = append(rs, result{t.title, fs})
	}
	if c.json {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		if err := e.Encode(rs); err != nil {
			return err
		}
	} else {
		for i, r := range rs {
			if r.Target != "" {
				if i > 0 {
					fmt.Fprintln(w)
				}
				fmt.Fprintf(w, "== %s\n", r.Target)
			}
			if err := probe.Write(w, r.Findings); err != nil {
				return err
			}
		}
	}
	if worst == probe.Fail {
		return errDiagFailed
	}
	return nil
}

// localHost reports whether a node.cfg host is this machine: loopback,
// this host's name, or one of its addresses.
func localHost(host string) bool {
	if host == "" || config.IsLoopback(host) {
		return true
	}
	if hn, err := os.Hostname(); err == nil && strings.EqualFold(hn, host) {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.String() == host {
			return true
		}
	}
	return false
}
