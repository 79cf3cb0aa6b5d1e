package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"xsensor/bench"
	"xsensor/capture/live"
)

func init() {
	register(command{"bench", "bench [--pcap FILE] [--out DIR] [--micro FILE] [--no-live]: measure throughput, loss and shipping", runBench})
}

func runBench(args []string) error {
	var pcap, out, micro string
	var noLive, quick bool
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&pcap, "pcap", "", "also replay this capture `file`")
	fs.StringVar(&out, "out", "bench/results", "results `directory`")
	fs.StringVar(&micro, "micro", "", "`file` with `go test -bench -benchmem` output to include")
	fs.BoolVar(&noLive, "no-live", false, "skip the live veth sweep")
	fs.BoolVar(&quick, "quick", false, "smaller mixes and fewer rates (a smoke run)")
	var replot string
	fs.StringVar(&replot, "replot", "", "redraw the table and plots of an earlier `results.json` and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if replot != "" {
		return replotBench(replot)
	}
	res := bench.Results{Time: time.Now(), Machine: bench.ThisMachine(commit)}
	tmp, err := bench.TempDir()
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// Offline replay, per worker core, analyzers on and off.
	mixes := bench.DefaultMixes()
	if quick {
		for i := range mixes {
			mixes[i].Flows, mixes[i].Packets = mixes[i].Flows/10, mixes[i].Packets/10
		}
	}
	type input struct{ name, path string }
	var inputs []input
	for _, m := range mixes {
		p, err := bench.WriteMix(tmp, m)
		if err != nil {
			return err
		}
		inputs = append(inputs, input{m.Name, p})
	}
	if pcap != "" {
		inputs = append(inputs, input{filepath.Base(pcap), pcap})
	}
	for _, in := range inputs {
		for _, analyzers := range []bool{false, true} {
			r, err := bench.BestOf(3, in.name, in.path, 1, analyzers)
			if err != nil {
				return fmt.Errorf("replay %s: %w", in.name, err)
			}
			res.Offline = append(res.Offline, r)
			fmt.Fprintf(os.Stderr, "bench: offline %s analyzers=%v: %.0f Mbps per core\n", in.name, analyzers, r.MbpsPerCore)
		}
	}
	if r, err := bench.BestOf(2, "imix", inputs[1].path, 2, true); err == nil {
		res.Offline = append(res.Offline, r)
	}

	// The live path on a veth pair, side by side with the drop ceiling.
	if noLive {
		res.Notes = append(res.Notes, "live sweep skipped (--no-live)")
	} else if os.Geteuid() != 0 {
		res.Notes = append(res.Notes, "live sweep skipped: needs root")
	} else {
		// One worker on its own core, the sender on the other: the
		// comparison is per worker core, at the same offered load.
		o := bench.SweepOptions{Rates: []float64{50_000, 100_000, 150_000, 200_000, 0}, Packets: 200_000, Workers: 1, Mix: "small"}
		if quick {
			o.Rates, o.Packets = []float64{20_000, 0}, 20_000
		}
		for _, m := range []live.Mode{live.ModeXDP, live.ModeAFPacket} {
			pts, err := bench.Sweep(m, o)
			if err != nil {
				return fmt.Errorf("live sweep %s: %w", m, err)
			}
			res.Live = append(res.Live, pts...)
		}
		pts, err := bench.DropCeiling(o)
		if err != nil {
			return fmt.Errorf("xdp drop ceiling: %w", err)
		}
		res.Live = append(res.Live, pts...)
		res.Notes = append(res.Notes, "live: one worker pinned to one core, offered load from one AF_PACKET sender thread pinned to the other; where a mode is loss-free at the top rate, the sender (one sendto per frame) is the limit, not the receiver")
	}

	// Log shipping over the cluster wire.
	if s, err := benchShipping(tmp, inputs[1].path); err != nil {
		res.Notes = append(res.Notes, "log shipping not measured: "+err.Error())
	} else {
		res.Shipping = s
	}

	if micro != "" {
		f, err := os.Open(micro)
		if err != nil {
			return err
		}
		res.Micro = bench.ParseGoBench(f)
		f.Close()
	}
	res.ComputeRatios()
	dir := filepath.Join(out, res.Time.UTC().Format("20060102T150405Z"))
	p, err := res.WriteJSON(dir)
	if err != nil {
		return err
	}
	plots, err := bench.PlotLive(res.Live, dir)
	if err != nil {
		return err
	}
	if op, err := bench.PlotOffline(res.Offline, dir); err != nil {
		return err
	} else if op != "" {
		plots = append(plots, op)
	}
	res.Table(os.Stdout)
	fmt.Printf("\nresults: %s\nplots:   %s\n", p, strings.Join(plots, " "))
	return nil
}

// replotBench prints the table of an earlier run and redraws its plots
// beside it.
func replotBench(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var res bench.Results
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	plots, err := bench.PlotLive(res.Live, dir)
	if err != nil {
		return err
	}
	if op, err := bench.PlotOffline(res.Offline, dir); err != nil {
		return err
	} else if op != "" {
		plots = append(plots, op)
	}
	res.Table(os.Stdout)
	fmt.Printf("\nplots: %s\n", strings.Join(plots, " "))
	return nil
}
