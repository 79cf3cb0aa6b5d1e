package main

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"xsensor/capture/afpacket"
	"xsensor/tools/testenv"
	"xsensor/tools/topology"
	"xsensor/tools/trafficgen"
)

// TestSend runs `xsensor send` from a namespace's end of a veth pair, once
// with a generated mix and once with a pcap, and counts what arrives on
// the other end: exactly what it reports having sent.
func TestSend(t *testing.T) {
	testenv.RequirePrivileged(t)
	top, err := topology.New(topology.Options{Prefix: "sd", Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { top.Close() })
	ifc, err := net.InterfaceByName(top.Sensor)
	if err != nil {
		t.Fatal(err)
	}
	o := afpacket.DefaultOptions()
	o.Fanout = false
	sock, err := afpacket.Open(ifc.Index, o)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	pcap := filepath.Join(t.TempDir(), "s.pcap")
	g := trafficgen.DefaultOptions()
	g.Flows, g.Packets = 50, 700
	if _, err := trafficgen.WritePcap(pcap, g); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--mix", "imix", "--flows", "50", "--packets", "1500", "--rate", "20000"},
		{"-r", pcap},
	} {
		cmd := xsensorCmd(append([]string{"send", "-i", top.Peer, "--netns", top.NS}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("xsensor send %v: %v: %s", args, err, out)
		}
		var sent int
		if _, err := fmt.Sscanf(strings.TrimPrefix(strings.TrimSpace(string(out)), "send: "), "sent %d packets", &sent); err != nil || sent == 0 {
			t.Fatalf("xsensor send %v: no count in %q", args, out)
		}
		var n int
		pkts := make([]afpacket.Packet, 256)
		for deadline := time.Now().Add(5 * time.Second); n < sent && time.Now().Before(deadline); {
			k := sock.Receive(pkts)
			n += k
			if k == 0 {
				sock.Wait(20 * time.Millisecond)
			}
		}
		// Nothing more may trickle in.
		sock.Wait(100 * time.Millisecond)
		n += sock.Receive(pkts)
		if n != sent {
			t.Errorf("xsensor send %v reported %d frames sent, %d arrived", args, sent, n)
		}
	}
}
