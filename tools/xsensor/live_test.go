package main

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"xsensor/bpf"
	"xsensor/capture/live"
	"xsensor/tools/testenv"
	"xsensor/tools/topology"
	"xsensor/tools/trafficgen"
	"xsensor/tools/zeekdiff"
)

// TestLiveMatchesReplay is the live sensor's end-to-end test: on a veth
// pair in its own namespace, two workers capture a generated mix of TCP,
// UDP and ICMP flows in both directions. Every packet must arrive, and
// conn.log must hold the records that replaying the same packets writes,
// apart from uids and timestamps — so no flow was split over workers.
// It runs in XDP driver mode, XDP skb mode and AF_PACKET mode.
func TestLiveMatchesReplay(t *testing.T) {
	testenv.RequirePrivileged(t)
	o := trafficgen.DefaultOptions()
	o.Flows, o.Packets, o.Seed = 600, 12000, 7
	pcap := filepath.Join(t.TempDir(), "sent.pcap")
	if _, err := trafficgen.WritePcap(pcap, o); err != nil {
		t.Fatal(err)
	}
	want := connTuples(t, replayDir(t, pcap))
	for _, tc := range []struct {
		name   string
		mode   live.Mode
		xdp    bpf.AttachMode
		queues int
	}{
		{"xdp-drv", live.ModeXDP, bpf.AttachDriver, 1},
		{"xdp-skb", live.ModeXDP, bpf.AttachSKB, 1},
		{"afpacket", live.ModeAFPacket, bpf.AttachAuto, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top, err := topology.New(topology.Options{Prefix: "lv", Quiet: true, Queues: tc.queues})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { top.Close() })
			out := t.TempDir()
			capt, stop := startSensor(t, runConfig{iface: top.Sensor, dir: out, workers: 2, mode: tc.mode, xdpMode: tc.xdp})
			rep := sendFrames(t, top, o, 10000)
			// Wait until the workers have processed everything sent.
			deadline := time.Now().Add(15 * time.Second)
			var st live.Stats
			for time.Now().Before(deadline) {
				st, _ = capt.Stats()
				if p, _ := st.Processed(); p >= rep.Packets {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if err := stop(); err != nil {
				t.Fatalf("sensor: %v", err)
			}
			p, by := st.Processed()
			t.Logf("%s; %s", rep, st)
			if by != rep.Bytes {
				t.Errorf("sent %d bytes, workers saw %d: frames were altered (VLAN tags lost?)", rep.Bytes, by)
			}
			if p != rep.Packets {
				t.Errorf("sent %d packets, workers processed %d (drops %d)", rep.Packets, p, st.Drops())
			}
			if tc.mode == live.ModeXDP && st.XDPRedirected != rep.Packets {
				t.Errorf("XDP redirected %d of %d packets", st.XDPRedirected, rep.Packets)
			}
			for i, n := range st.WorkerPackets {
				if n == 0 {
					t.Errorf("worker %d saw no packets: flows are not spread", i)
				}
			}
			got := connTuples(t, out)
			if !slices.Equal(got, want) {
				t.Errorf("live conn.log (%d records) differs from replay (%d records)", len(got), len(want))
				for i := 0; i < len(got) && i < len(want); i++ {
					if got[i] != want[i] {
						t.Logf("first difference:\n live:   %s\n replay: %s", got[i], want[i])
						break
					}
				}
			}
			// Teardown: no program left on the interface.
			if ifc, err := net.InterfaceByName(top.Sensor); err == nil {
				if attached, _ := bpf.Attached(ifc.Index); attached {
					t.Errorf("an XDP program is still attached to %s after the sensor stopped", top.Sensor)
				}
			}
		})
	}
}

// startSensor runs the live sensor as `xsensor run` would, in a
// goroutine, and returns once it captures; stop ends it and returns its
// error (flushed logs, detached program).
func startSensor(t *testing.T, c runConfig) (*live.Capture, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *live.Capture, 1)
	done := make(chan error, 1)
	c.ready = ready
	go func() { done <- liveSensor(ctx, c) }()
	select {
	case capt := <-ready:
		return capt, func() error { cancel(); return <-done }
	case err := <-done:
		cancel()
		t.Fatalf("sensor did not start: %v", err)
		return nil, nil
	}
}

// peerSender opens a packet sender on the namespace end of the pair.
func peerSender(t *testing.T, top *topology.Topology, rate float64) *trafficgen.Sender {
	t.Helper()
	var s *trafficgen.Sender
	err := top.Do(func() error {
		ifc, err := net.InterfaceByName(top.Peer)
		if err != nil {
			return err
		}
		s, err = trafficgen.NewSender(trafficgen.SendOptions{Ifindex: ifc.Index, Rate: rate})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sendFrames regenerates the mix and sends it from the namespace side.
func sendFrames(t *testing.T, top *topology.Topology, o trafficgen.Options, rate float64) trafficgen.SendReport {
	t.Helper()
	s := peerSender(t, top, rate)
	defer s.Close()
	if _, err := trafficgen.Generate(o, func(_ int64, frame []byte) error { return s.Send(frame) }); err != nil {
		t.Fatal(err)
	}
	return s.Report()
}

func replayDir(t *testing.T, pcap string) string {
	out := t.TempDir()
	if err := runReplay([]string{"-r", pcap, "-o", out, "-w", "2", "-q"}); err != nil {
		t.Fatal(err)
	}
	return out
}

// connTuples returns conn.log records without uid, ts and duration (which
// depend on when packets arrived), sorted.
func connTuples(t *testing.T, dir string) []string {
	t.Helper()
	recs, err := zeekdiff.ReadLog(filepath.Join(dir, "conn.log"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range recs {
		line := ""
		for _, f := range zeekConnFields() {
			switch f {
			case "uid", "ts", "duration", "tunnel_parents":
				continue
			}
			line += r[f] + "\t"
		}
		lines = append(lines, line)
	}
	slices.Sort(lines)
	return lines
}

func smallMix() trafficgen.Options {
	o := trafficgen.DefaultOptions()
	o.Flows, o.Packets = 20, 200
	return o
}
