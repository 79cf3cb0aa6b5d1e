package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"xsensor/analyzer/worker"
	"xsensor/analyzer/zeeklog"
	"xsensor/capture/pcapfile"
	"xsensor/capture/replay"
	"xsensor/cluster/metrics"
)

func init() {
	register(command{"replay", "replay -r FILE [-o DIR] [-w N] [--format tsv|json] [-C]: analyse a pcap/pcapng into Zeek logs", runReplay})
}

type replayConfig struct {
	file      string
	dir       string
	workers   int
	format    zeeklog.Format
	noChecks  bool
	noPin     bool
	quiet     bool
	batchSize int
	// metricsAddr serves Prometheus metrics during the replay ("" = off);
	// metricsLinger keeps them up after it until one scrape has read
	// the final counters, or for at most that long.
	metricsAddr   string
	metricsLinger time.Duration
	hooks         *replayHooks
}

// replayHooks let tests watch a replay from inside the process.
type replayHooks struct {
	metricsURL chan<- string                     // receives the endpoint's URL once it listens
	source     func(replay.Source) replay.Source // wraps the file reader
	atEnd      func()                            // runs after the replay, before the endpoint closes
}

func parseReplay(args []string) (replayConfig, error) {
	c := replayConfig{format: zeeklog.TSV}
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.StringVar(&c.file, "r", "", "pcap or pcapng `file` to read")
	fs.StringVar(&c.dir, "o", "./logs", "log `directory`")
	fs.IntVar(&c.workers, "w", 1, "number of workers")
	fs.TextVar(&c.format, "format", zeeklog.TSV, "log format: tsv or json")
	fs.BoolVar(&c.noChecks, "C", false, "ignore checksums (as zeek -C)")
	fs.BoolVar(&c.noPin, "no-pin", false, "do not pin workers to cores")
	fs.BoolVar(&c.quiet, "q", false, "no summary line")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on `host:port` during the replay (off by default)")
	fs.DurationVar(&c.metricsLinger, "metrics-linger", 0, "after the replay, keep the metrics endpoint up until it is scraped once, for at most this `duration`")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case c.file == "":
		return c, errors.New("-r FILE is required")
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.workers < 1 || c.workers > 1024:
		return c, fmt.Errorf("-w %d: want 1 to 1024 workers", c.workers)
	}
	return c, nil
}

func runReplay(args []string) error {
	c, err := parseReplay(args)
	if err != nil {
		return err
	}
	sum, ws, err := replayFile(c)
	if err != nil {
		return err
	}
	if sum.ReadErr != nil {
		fmt.Fprintf(os.Stderr, "xsensor replay: %s: %v (analysed the %d packets before it)\n", c.file, sum.ReadErr, sum.Packets)
	}
	if !c.quiet {
		fmt.Fprintln(os.Stderr, summaryLine(sum, ws))
	}
	return nil
}

// replayFile runs one replay as configured and closes its logs.
func replayFile(c replayConfig) (replay.Summary, []*worker.Worker, error) {
	r, err := pcapfile.Open(c.file)
	if err != nil {
		return replay.Summary{}, nil, err
	}
	defer r.Close()
	sink, err := newLogDir(c.dir, c.format)
	if err != nil {
		return replay.Summary{}, nil, err
	}
	ws := make([]*worker.Worker, c.workers)
	for i := range ws {
		o := worker.DefaultOptions()
		o.Index = i
		o.Format = c.format
		o.Decode.IgnoreChecksums = c.noChecks
		if ws[i], err = worker.New(o, sink); err != nil {
			return replay.Summary{}, nil, err
		}
	}
	opts := replay.DefaultOptions()
	opts.Pin = !c.noPin
	var src replay.Source = r
	if c.hooks != nil && c.hooks.source != nil {
		src = c.hooks.source(src)
	}
	var msrv *metrics.Server
	if c.metricsAddr != "" {
		opts.Counters = replay.NewCounters(len(ws))
		reg := metrics.New(metrics.Options{Node: "replay", Role: "replay", Version: commit})
		if err := reg.AddCapture(metrics.ReplaySource(opts.Counters)); err != nil {
			return replay.Summary{}, nil, err
		}
		if msrv, err = reg.Serve(c.metricsAddr); err != nil {
			return replay.Summary{}, nil, err
		}
		defer msrv.Close()
		if !c.quiet {
			fmt.Fprintf(os.Stderr, "xsensor replay: metrics at %s\n", msrv.URL())
		}
		if c.hooks != nil && c.hooks.metricsURL != nil {
			c.hooks.metricsURL <- msrv.URL()
		}
	}
	sum, err := replay.Run(src, ws, opts)
	if err != nil {
		return sum, ws, err
	}
	if msrv != nil && c.metricsLinger > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), c.metricsLinger)
		msrv.WaitScrape(ctx)
		cancel()
	}
	if c.hooks != nil && c.hooks.atEnd != nil {
		c.hooks.atEnd()
	}
	if err := sink.Close(); err != nil {
		return sum, ws, err
	}
	for i, w := range ws {
		if e := w.Stats().SinkErr; e != nil {
			return sum, ws, fmt.Errorf("worker %d: %w", i, e)
		}
	}
	return sum, ws, nil
}

// summaryLine is the one-line replay summary: packets, bytes, trace
// duration, wall time, and throughput per worker core measured on the
// time workers spent processing (not waiting).
func summaryLine(sum replay.Summary, ws []*worker.Worker) string {
	var busy time.Duration
	var records uint64
	for i, w := range ws {
		busy += sum.WorkerBusy[i]
		records += w.Stats().Records
	}
	perCore := func(v float64) float64 {
		if busy <= 0 {
			return 0
		}
		return v / busy.Seconds()
	}
	traceDur := time.Duration(sum.LastTS - sum.FirstTS)
	pin := "unpinned"
	if sum.Pinned {
		pin = "pinned"
	}
	return fmt.Sprintf("replay: %d packets, %d bytes, trace %.3fs, wall %.3fs, %d conn records, %d workers (%s, %d cpus); per worker core: %.0f pkts/s, %.1f Mbps",
		sum.Packets, sum.Bytes, traceDur.Seconds(), sum.Wall.Seconds(), records, len(ws), pin, runtime.NumCPU(),
		perCore(float64(sum.Packets)), perCore(float64(sum.Bytes)*8/1e6))
}
