package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"xsensor/tools/trafficgen"
)

func init() {
	register(command{"gen", "gen -o FILE [--mix imix|small|large] [--flows N] [--packets N] [--seed N]: write a synthetic trace", runGen})
}

func runGen(args []string) error {
	o := trafficgen.DefaultOptions()
	var out string
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.StringVar(&out, "o", "", "output pcap `file`")
	fs.StringVar(&o.Mix, "mix", o.Mix, "traffic mix: imix, small or large")
	fs.IntVar(&o.Flows, "flows", o.Flows, "number of flows")
	fs.IntVar(&o.Packets, "packets", o.Packets, "number of packets")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if out == "" {
		return errors.New("-o FILE is required")
	}
	s, err := trafficgen.WritePcap(out, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %s: %d packets, %d bytes, %d flows (%s mix)\n", out, s.Packets, s.Bytes, s.Flows, o.Mix)
	return nil
}
