package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"xsensor/analyzer/worker"
	"xsensor/analyzer/zeeklog"
	"xsensor/bpf"
	"xsensor/capture/live"
	"xsensor/cluster/metrics"
)

// serveLiveMetrics exports a live capture's counters on addr.
func serveLiveMetrics(capt *live.Capture, addr string) (*metrics.Server, error) {
	reg := metrics.New(metrics.Options{Node: "run", Role: "run", Version: commit})
	if err := reg.AddCapture(metrics.LiveSource(capt)); err != nil {
		return nil, err
	}
	return reg.Serve(addr)
}

func init() {
	register(command{"run", "run -i IFACE [-w N] [-o DIR] [--mode xdp|afpacket] [--xdp-mode drv|skb] [-C]: live sensor", runLive})
}

type runConfig struct {
	iface    string
	dir      string
	workers  int
	format   zeeklog.Format
	mode     live.Mode
	xdpMode  bpf.AttachMode
	noChecks bool
	noPin    bool
	busyPoll bool
	every    time.Duration
	// metricsAddr serves Prometheus metrics ("" = off). A default that
	// cannot be bound is only warned about; a --metrics-addr given on
	// the command line must bind.
	metricsAddr     string
	metricsRequired bool
	// metricsURL, when set, receives the metrics endpoint's URL (tests).
	metricsURL chan<- string
	// ready, when set, is closed once capture has started (tests).
	ready chan<- *live.Capture
}

// defaultRunMetricsAddr is where `xsensor run` serves metrics unless told
// otherwise: loopback only, on the port node exporters' neighbours leave
// free.
const defaultRunMetricsAddr = "localhost:9273"

func parseRun(args []string) (runConfig, error) {
	c := runConfig{format: zeeklog.TSV, mode: live.ModeXDP, xdpMode: bpf.AttachAuto}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&c.iface, "i", "", "network `interface` to capture on")
	fs.StringVar(&c.dir, "o", "./logs", "log `directory`")
	fs.IntVar(&c.workers, "w", 1, "number of workers (a multiple of the RX queue count in xdp mode)")
	fs.TextVar(&c.format, "format", zeeklog.TSV, "log format: tsv or json")
	fs.TextVar(&c.mode, "mode", live.ModeXDP, "capture: xdp or afpacket")
	fs.TextVar(&c.xdpMode, "xdp-mode", bpf.AttachAuto, "XDP attach mode: drv, skb or auto (drv, then skb)")
	fs.BoolVar(&c.noChecks, "C", false, "ignore checksums (as zeek -C)")
	fs.BoolVar(&c.noPin, "no-pin", false, "do not pin workers to cores")
	fs.BoolVar(&c.busyPoll, "busy-poll", false, "AF_XDP busy polling (SO_PREFER_BUSY_POLL): lower latency, a busier core")
	fs.DurationVar(&c.every, "stats-interval", 10*time.Second, "print stats to stderr this often (0: only on SIGUSR1)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", defaultRunMetricsAddr, "serve Prometheus metrics on `host:port` (\"\" turns them off)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "metrics-addr" {
			c.metricsRequired = true
		}
	})
	switch {
	case c.iface == "":
		return c, errors.New("-i IFACE is required")
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.workers < 1 || c.workers > 1024:
		return c, fmt.Errorf("-w %d: want 1 to 1024 workers", c.workers)
	}
	return c, nil
}

func runLive(args []string) error {
	c, err := parseRun(args)
	if err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	return liveSensor(ctx, c)
}

// liveSensor runs capture and workers until ctx is done, then flushes
// every open connection, closes the logs and detaches from the interface.
func liveSensor(ctx context.Context, c runConfig) error {
	// SIGUSR1 prints stats; catch it before anything announces readiness,
	// or an early signal would kill the process (its default action).
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	sink, err := newLogDir(c.dir, c.format)
	if err != nil {
		return err
	}
	ws := make([]*worker.Worker, c.workers)
	for i := range ws {
		o := worker.DefaultOptions()
		o.Index = i
		o.Format = c.format
		o.Decode.IgnoreChecksums = c.noChecks
		if ws[i], err = worker.New(o, sink); err != nil {
			return err
		}
	}
	opts := live.DefaultOptions()
	opts.Interface, opts.Mode, opts.XDPMode, opts.Pin = c.iface, c.mode, c.xdpMode, !c.noPin
	opts.XSK.BusyPoll = c.busyPoll
	opts.Logf = func(format string, a ...any) { fmt.Fprintf(os.Stderr, "xsensor run: "+format+"\n", a...) }
	capt, err := live.Start(opts, ws)
	if err != nil {
		sink.Close()
		return err
	}
	if c.metricsAddr != "" {
		msrv, err := serveLiveMetrics(capt, c.metricsAddr)
		switch {
		case err == nil:
			defer msrv.Close()
			fmt.Fprintf(os.Stderr, "xsensor run: metrics at %s\n", msrv.URL())
			if c.metricsURL != nil {
				c.metricsURL <- msrv.URL()
			}
		case c.metricsRequired:
			capt.Stop()
			capt.Wait()
			sink.Close()
			return err
		default:
			fmt.Fprintf(os.Stderr, "xsensor run: no metrics endpoint: %v (set --metrics-addr)\n", err)
		}
	}
	fmt.Fprintf(os.Stderr, "xsensor run: capturing on %s in %s mode with %d workers, logs in %s\n", c.iface, c.mode, c.workers, c.dir)
	if c.ready != nil {
		c.ready <- capt
	}
	var tick <-chan time.Time
	if c.every > 0 {
		t := time.NewTicker(c.every)
		defer t.Stop()
		tick = t.C
	}
	printStats := func() {
		if s, err := capt.Stats(); err == nil {
			fmt.Fprintf(os.Stderr, "stats: %s\n", s)
		}
	}
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-usr1:
			printStats()
		case <-tick:
			printStats()
		}
	}
	capt.Stop()
	werr := capt.Wait()
	printStats()
	if err := sink.Close(); err != nil {
		return err
	}
	return werr
}
