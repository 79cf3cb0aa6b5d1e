package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"xsensor/bench"
)

func init() {
	register(command{"size", "size --pcap SAMPLE --peak RATE [--cores-per-box N] [--headroom PCT]: cores and boxes for a peak rate", runSize})
}

// parseRate reads a rate such as "2Gbps", "2048Mbps", "750M" or "2g" and
// returns megabits per second; a bare number is Mbps.
func parseRate(s string) (float64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "bps"), "bit/s")
	mult := 1.0
	switch {
	case strings.HasSuffix(t, "g"):
		mult, t = 1000, strings.TrimSuffix(t, "g")
	case strings.HasSuffix(t, "m"):
		t = strings.TrimSuffix(t, "m")
	case strings.HasSuffix(t, "k"):
		mult, t = 0.001, strings.TrimSuffix(t, "k")
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("--peak %q: want a rate such as 2Gbps or 750Mbps", s)
	}
	return v * mult, nil
}

// sizing is the arithmetic of a capacity answer.
type sizing struct {
	PeakMbps, PerCoreMbps, Headroom float64
	CoresPerBox                     int
	UsablePerCore                   float64
	Cores, Boxes                    int
	RuleCoresExact                  float64
	RuleCores, RuleBoxes            int
}

func computeSizing(peak, perCore, headroom float64, perBox int) sizing {
	s := sizing{PeakMbps: peak, PerCoreMbps: perCore, Headroom: headroom, CoresPerBox: perBox}
	s.UsablePerCore = perCore * (1 - headroom)
	s.Cores = int(math.Ceil(peak / s.UsablePerCore))
	s.Boxes = (s.Cores + perBox - 1) / perBox
	s.RuleCoresExact = peak / 250
	s.RuleCores = int(math.Ceil(s.RuleCoresExact))
	s.RuleBoxes = (s.RuleCores + perBox - 1) / perBox
	return s
}

func runSize(args []string) error {
	var pcap, peakS string
	var perBox, runs int
	var headroomPct float64
	fs := flag.NewFlagSet("size", flag.ContinueOnError)
	fs.StringVar(&pcap, "pcap", "", "sample capture `file` of the traffic to size for")
	fs.StringVar(&peakS, "peak", "", "peak `rate` to handle, e.g. 2Gbps")
	fs.IntVar(&perBox, "cores-per-box", 4, "worker cores per sensor box")
	fs.Float64Var(&headroomPct, "headroom", 20, "per-core capacity held back, in `percent`")
	fs.IntVar(&runs, "runs", 3, "replays of the sample; the fastest counts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case pcap == "":
		return errors.New("--pcap SAMPLE is required")
	case peakS == "":
		return errors.New("--peak RATE is required")
	case perBox < 1:
		return fmt.Errorf("--cores-per-box %d: want at least 1", perBox)
	case headroomPct < 0 || headroomPct >= 100:
		return fmt.Errorf("--headroom %g: want 0 to 99 percent", headroomPct)
	}
	peak, err := parseRate(peakS)
	if err != nil {
		return err
	}
	r, err := bench.BestOf(max(runs, 1), pcap, pcap, 1, true)
	if err != nil {
		return err
	}
	if r.MbpsPerCore <= 0 {
		return fmt.Errorf("%s: no traffic measured", pcap)
	}
	s := computeSizing(peak, r.MbpsPerCore, headroomPct/100, perBox)
	m := bench.ThisMachine(commit)
	fmt.Printf("Sample %s: %d packets, %d bytes, replayed %d× on one worker core of this machine (%s).\n",
		pcap, r.Packets, r.Bytes, max(runs, 1), m.CPU)
	fmt.Printf("Measured: %.1f Mbps per worker core (%.0f packets/s), protocol analysis on; the fastest run counts.\n\n", s.PerCoreMbps, r.PPSPerCore)
	row := func(what, ours, rule string) { fmt.Printf("%-22s %-44s %s\n", what, ours, rule) }
	row("", "xsensor (measured)", "250 Mbps rule of thumb")
	row("per-core capacity", fmt.Sprintf("%.1f × (1 − %.0f%% headroom) = %.1f Mbps", s.PerCoreMbps, 100*s.Headroom, s.UsablePerCore), "250 Mbps")
	row(fmt.Sprintf("cores for %.0f Mbps", s.PeakMbps), fmt.Sprintf("⌈%.0f / %.1f⌉ = %d", s.PeakMbps, s.UsablePerCore, s.Cores),
		fmt.Sprintf("⌈%.0f / 250⌉ = ⌈%.1f⌉ = %d", s.PeakMbps, s.RuleCoresExact, s.RuleCores))
	row(fmt.Sprintf("boxes of %d cores", s.CoresPerBox), fmt.Sprintf("⌈%d / %d⌉ = %d", s.Cores, s.CoresPerBox, s.Boxes),
		fmt.Sprintf("⌈%d / %d⌉ = %d", s.RuleCores, s.CoresPerBox, s.RuleBoxes))
	fmt.Println()
	fmt.Printf("Answer: %d worker cores on %d box(es) (the rule of thumb asks for %d cores on %d boxes).\n", s.Cores, s.Boxes, s.RuleCores, s.RuleBoxes)
	fmt.Fprintf(os.Stderr, "size: per-core figure measured on %s, %d cores, kernel %s; it carries to other machines as a ratio: %.2f× the rule of thumb\n",
		m.CPU, m.Cores, m.Kernel, s.PerCoreMbps/250)
	return nil
}
