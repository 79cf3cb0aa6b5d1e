package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"

	"xsensor/capture/pcapfile"
	"xsensor/tools/topology"
	"xsensor/tools/trafficgen"
)

func init() {
	register(command{"send", "send -i IFACE [--netns NS] [-r FILE | --mix M --flows N --packets N] [--rate PPS]: put traffic on a link", runSend})
}

// runSend is the packet generator: it sends a capture file, or our
// synthetic mix, out of an interface (optionally one inside a network
// namespace, such as a test topology's peer end) at a given rate, and
// reports exactly what it sent.
func runSend(args []string) error {
	var iface, netns, file string
	var rate float64
	g := trafficgen.DefaultOptions()
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.StringVar(&iface, "i", "", "`interface` to send on")
	fs.StringVar(&netns, "netns", "", "network `namespace` holding the interface")
	fs.StringVar(&file, "r", "", "send this pcap or pcapng `file` (Ethernet frames) instead of a generated mix")
	fs.Float64Var(&rate, "rate", 0, "packets per `second` (0: as fast as the socket takes them)")
	fs.StringVar(&g.Mix, "mix", g.Mix, "generated mix: imix, small or large")
	fs.IntVar(&g.Flows, "flows", 1000, "generated flows")
	fs.IntVar(&g.Packets, "packets", 10000, "generated packets")
	fs.Uint64Var(&g.Seed, "seed", g.Seed, "generator seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if iface == "" {
		return errors.New("-i IFACE is required")
	}
	var s *trafficgen.Sender
	open := func() error {
		ifc, err := net.InterfaceByName(iface)
		if err != nil {
			return fmt.Errorf("interface %s: %w", iface, err)
		}
		s, err = trafficgen.NewSender(trafficgen.SendOptions{Ifindex: ifc.Index, Rate: rate})
		return err
	}
	var err error
	if netns != "" {
		err = (&topology.Topology{NS: netns}).Do(open)
	} else {
		err = open()
	}
	if err != nil {
		return err
	}
	defer s.Close()
	if file != "" {
		r, err := pcapfile.Open(file)
		if err != nil {
			return err
		}
		defer r.Close()
		for {
			data, info, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			if info.LinkType != 1 {
				return fmt.Errorf("%s: link type %d: only Ethernet frames can be sent", file, info.LinkType)
			}
			if err := s.Send(data); err != nil {
				return err
			}
		}
	} else if _, err := trafficgen.Generate(g, func(_ int64, frame []byte) error { return s.Send(frame) }); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "send: %s on %s\n", s.Report(), iface)
	return nil
}
